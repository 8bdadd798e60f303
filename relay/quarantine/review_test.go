package quarantine

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"strings"
	"testing"
	"time"
)

func TestNotes(t *testing.T) {
	t.Parallel()
	ts := openTest(t)
	ctx := context.Background()
	e := ts.put(t, sample(1), msgFor(1))
	if err := ts.AddNote(ctx, e.ID, " alice ", "  first line\nsecond line \n"); err != nil {
		t.Fatal(err)
	}
	ts.clock.Advance(time.Second)
	if err := ts.AddNote(ctx, e.ID, "bob", strings.Repeat("é", MaxNote/2)); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		id, author, text string
		want             error
	}{
		{e.ID, "", "x", ErrInvalid},
		{e.ID, "a", " \n ", ErrInvalid},
		{e.ID, "a", strings.Repeat("x", MaxNote+1), ErrInvalid},
		{e.ID, strings.Repeat("a", MaxField+1), "x", ErrInvalid},
		{"missing", "a", "x", ErrNotFound},
	} {
		if err := ts.AddNote(ctx, tt.id, tt.author, tt.text); !errors.Is(err, tt.want) {
			t.Errorf("AddNote(%q, %d bytes of author, %d bytes): %v, want %v", tt.id, len(tt.author), len(tt.text), err, tt.want)
		}
	}
	got, err := ts.Get(ctx, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := []Note{{Time: t0, Author: "alice", Text: "first line\nsecond line"}, {Time: t0.Add(time.Second), Author: "bob", Text: strings.Repeat("é", MaxNote/2)}}
	if len(got.Notes) != 2 || got.Notes[0] != want[0] || got.Notes[1] != want[1] {
		t.Errorf("notes %+v", got.Notes)
	}
}

// TestRetention: Purge expires what is past ExpiresAt, except entries on
// legal hold, entries being sent, and what is gone already; Extend and
// SetHold move the line.
func TestRetention(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	c := &clock{t: t0}
	s, err := Open(data, Options{Retention: 24 * time.Hour, Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	ts := &testStore{SQLite: s, data: data, clock: c}
	t.Cleanup(func() { ts.Close() })
	ctx := context.Background()

	put := func(id string, at time.Duration) Entry {
		e := sample(1)
		e.ID, e.Received = id, t0.Add(at)
		got := ts.put(t, e, "msg "+id)
		if want := t0.Add(at + 24*time.Hour); !got.ExpiresAt.Equal(want) {
			t.Fatalf("%s expires %v, want %v", id, got.ExpiresAt, want)
		}
		return got
	}
	put("old", 0)
	put("hold", 0)
	put("extended", 0)
	put("young", time.Hour)
	put("deleted", 0)
	put("sending", 0)
	if err := ts.SetHold(ctx, "hold", true); err != nil {
		t.Fatal(err)
	}
	if err := ts.Delete(ctx, "deleted"); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.requestRelease(ctx, "sending", "alice", nil, "j", false); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := ts.ClaimRelease(ctx, t0); !ok || err != nil {
		t.Fatal("claim", ok, err)
	}

	// Extend refuses the past, and what is gone.
	c.Advance(2 * time.Hour)
	if err := ts.Extend(ctx, "extended", t0.Add(time.Hour)); !errors.Is(err, ErrInvalid) {
		t.Errorf("Extend into the past: %v", err)
	}
	if err := ts.Extend(ctx, "deleted", t0.Add(100*time.Hour)); !errors.Is(err, ErrConflict) {
		t.Errorf("Extend of a deleted entry: %v", err)
	}
	if err := ts.Extend(ctx, "missing", t0.Add(100*time.Hour)); !errors.Is(err, ErrNotFound) {
		t.Errorf("Extend of a missing entry: %v", err)
	}
	if err := ts.Extend(ctx, "extended", t0.Add(48*time.Hour)); err != nil {
		t.Fatal(err)
	}

	// Just before the expiry nothing goes; at it, "old" does.
	if n, err := ts.Purge(ctx, t0.Add(24*time.Hour-time.Nanosecond)); n != 0 || err != nil {
		t.Fatalf("Purge before expiry: %d, %v", n, err)
	}
	if n, err := ts.Purge(ctx, t0.Add(24*time.Hour)); n != 1 || err != nil {
		t.Fatalf("Purge at expiry: %d, %v", n, err)
	}
	status := func(id string) Status {
		t.Helper()
		e, err := ts.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return e.Status
	}
	if st := status("old"); st != StatusExpired {
		t.Errorf("old is %s", st)
	}
	if _, err := ts.Open(ctx, "old"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Open of an expired entry: %v", err)
	}
	if _, err := os.Stat(ts.msgPath("old")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("expired message file: %v", err)
	}

	// Long after: everything but the hold and the one being sent.
	if n, err := ts.Purge(ctx, t0.Add(1000*time.Hour)); n != 2 || err != nil {
		t.Fatalf("late Purge: %d, %v (want young and extended)", n, err)
	}
	for id, want := range map[string]Status{"hold": StatusHeld, "extended": StatusExpired, "young": StatusExpired,
		"deleted": StatusDeleted, "sending": StatusSending} {
		if st := status(id); st != want {
			t.Errorf("%s is %s, want %s", id, st, want)
		}
	}
	if ts.message(t, "hold") != "msg hold" || ts.message(t, "sending") != "msg sending" {
		t.Error("held or sending message damaged")
	}
	if err := ts.SetHold(ctx, "young", true); !errors.Is(err, ErrConflict) {
		t.Errorf("hold of an expired entry: %v", err)
	}
	// Off hold, the held one goes at the next Purge.
	if err := ts.SetHold(ctx, "hold", false); err != nil {
		t.Fatal(err)
	}
	if n, err := ts.Purge(ctx, t0.Add(1000*time.Hour)); n != 1 || err != nil {
		t.Fatalf("Purge after the hold: %d, %v", n, err)
	}
	if got := names(t, ts.dir); len(got) != 1 || got[0] != "sending.eml" {
		t.Errorf("message directory: %v", got)
	}
	// Survives a reopen.
	ts.reopen(t)
	if st := status("hold"); st != StatusExpired {
		t.Errorf("after reopen hold is %s", st)
	}
}

func TestDeleteRemovesBytesKeepsRow(t *testing.T) {
	t.Parallel()
	ts := openTest(t)
	ctx := context.Background()
	e, _ := ts.to(t, StatusPendingApproval, false)
	if err := ts.Delete(ctx, e.ID); err != nil {
		t.Fatal(err)
	}
	got, err := ts.Get(ctx, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != StatusDeleted || got.Sender != e.Sender || len(got.Releases) != 1 ||
		got.Releases[0].Status != StatusDeleted || got.Releases[0].FinishedAt.IsZero() {
		t.Errorf("after Delete: %+v", got)
	}
	if _, err := ts.Open(ctx, e.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("Open after Delete: %v", err)
	}
	if got := names(t, ts.dir); len(got) != 0 {
		t.Errorf("message directory after Delete: %v", got)
	}
	if err := ts.Delete(ctx, e.ID); !errors.Is(err, ErrConflict) {
		t.Errorf("second Delete: %v", err)
	}
	if err := ts.Delete(ctx, "missing"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Delete of a missing entry: %v", err)
	}
}

func TestStats(t *testing.T) {
	t.Parallel()
	ts := openTest(t)
	ctx := context.Background()
	st, err := ts.Stats(ctx)
	if err != nil || st != (Stats{}) {
		t.Fatalf("empty Stats %+v, %v", st, err)
	}
	// One entry in each status, received one minute apart in this order;
	// the expired one long before, so that purging it purges nothing else,
	// the sending one after the recovery that makes the uncertain one, and
	// the approved one after every claim.
	sizes := map[Status]int64{}
	for i, s := range []Status{StatusHeld, StatusPendingApproval, StatusReleased, StatusReleaseFailed,
		StatusReleaseUncertain, StatusSending, StatusDeleted, StatusApproved, StatusExpired} {
		ts.clock.set(t0.Add(time.Duration(i) * time.Minute))
		if s == StatusExpired {
			ts.clock.set(t0.Add(-60 * 24 * time.Hour))
		}
		e, _ := ts.to(t, s, false)
		if s != StatusDeleted && s != StatusExpired {
			sizes[s] = e.Size
		}
	}
	ts.clock.set(t0.Add(time.Hour))
	st, err = ts.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var bytes int64
	for _, n := range sizes {
		bytes += n
	}
	want := Stats{Held: 4, PendingApproval: 1, OldestHeld: time.Hour, Bytes: bytes}
	if st != want {
		t.Errorf("Stats %+v, want %+v", st, want)
	}
}

// TestGoneEntriesDropTheSubject: a deleted or expired entry keeps its row
// but not its Subject, which is part of the message: Get and List show
// none and a search does not find it. Entries gone before this was so
// lose theirs when the store is opened.
func TestGoneEntriesDropTheSubject(t *testing.T) {
	t.Parallel()
	ts := openTest(t)
	ctx := context.Background()
	for i, id := range []string{"deleted", "expired", "held", "old-deleted"} {
		e := sample(i + 1)
		e.ID, e.Subject = id, "山田 太郎 様の件 "+id
		ts.put(t, e, msgFor(i))
	}
	if err := ts.Delete(ctx, "deleted"); err != nil {
		t.Fatal(err)
	}
	if err := ts.Extend(ctx, "held", t0.Add(90*24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := ts.Extend(ctx, "old-deleted", t0.Add(90*24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if n, err := ts.Purge(ctx, t0.Add(31*24*time.Hour)); err != nil || n != 1 {
		t.Fatalf("Purge: %d, %v", n, err)
	}
	// An entry deleted by a version that kept the Subject, in a store
	// of schema 2.
	if _, err := ts.w.Exec("UPDATE entries SET status = 'deleted' WHERE id = 'old-deleted'"); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.w.Exec("PRAGMA user_version = 2"); err != nil {
		t.Fatal(err)
	}
	ts.reopen(t)

	want := map[string]string{"deleted": "", "expired": "", "old-deleted": "", "held": "山田 太郎 様の件 held"}
	for id, subject := range want {
		e, err := ts.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if e.Subject != subject {
			t.Errorf("%s (%s): Get Subject %q, want %q", id, e.Status, e.Subject, subject)
		}
	}
	p, err := ts.List(ctx, Filter{Query: "山田", QueryWithheld: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(p.Entries); got != "held" {
		t.Errorf("a search for the Subject finds %q, want only the held entry", got)
	}
	p, err = ts.List(ctx, Filter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range p.Entries {
		if e.Subject != want[e.ID] {
			t.Errorf("%s: List Subject %q", e.ID, e.Subject)
		}
	}
}
