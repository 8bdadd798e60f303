package notify

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/dlprelay/dlprelay/relay/relaytest"
)

// outbox lists the notice files in dir.
func outbox(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// closeSoon closes h with a short deadline, as the relay's shutdown does
// when notices are still waiting.
func (h harness) closeSoon(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	h.n.Close(ctx)
}

// Notices waiting for a retry when the relay stops are sent by the next
// start, and only then leave the outbox.
func TestOutboxSurvivesRestart(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "notify")
	up := relaytest.NewUpstream(t)
	up.OnMail(func(string) error { return relaytest.Err(421, smtp.EnhancedCode{4, 3, 2}, "down for maintenance") })
	h := start(t, Config{Dir: dir, Backoff: time.Hour}, fixed(forwarder(t, up.Addr)))
	for i := range 3 {
		nt := testNotice()
		nt.MessageID = nt.MessageID[:len(nt.MessageID)-1] + string(rune('a'+i))
		h.n.Send(nt)
	}
	waitFor(t, func() bool { return strings.Count(h.log.String(), "will retry") == 3 })
	if got := outbox(t, dir); len(got) != 3 {
		t.Fatalf("outbox holds %v, want 3 notices", got)
	}
	h.closeSoon(t)
	h.res.none(t) // kept, not dropped
	if logs := h.log.String(); strings.Count(logs, "kept in the outbox for the next start") != 3 {
		t.Errorf("log:\n%s", logs)
	}
	if got := outbox(t, dir); len(got) != 3 {
		t.Fatalf("after Close the outbox holds %v, want the 3 notices", got)
	}

	up.OnMail(nil)
	h2 := start(t, Config{Dir: dir}, fixed(forwarder(t, up.Addr)))
	for range 3 {
		if got := h2.res.next(t); got != ResultSent {
			t.Fatalf("after the restart: %q, want sent", got)
		}
	}
	h2.close(t)
	h2.res.none(t)
	msgs := up.Messages()
	if len(msgs) != 3 {
		t.Fatalf("upstream got %d notices, want 3", len(msgs))
	}
	named := map[string]bool{}
	for _, m := range msgs { // two workers: in any order
		for i := range 3 {
			if id := "-0123abc" + string(rune('a'+i)); strings.Contains(string(m.Data), id) {
				named[id] = true
			}
		}
		checkWire(t, m.Data)
	}
	if len(named) != 3 {
		t.Errorf("the notices name %v, want each of the 3 ids once", named)
	}
	if got := outbox(t, dir); len(got) != 0 {
		t.Errorf("outbox after delivery: %v, want empty", got)
	}
	if !strings.Contains(h2.log.String(), "notices kept from before queued") {
		t.Errorf("log:\n%s", h2.log)
	}
}

// A notice that reached some recipients is resent only to the others.
func TestOutboxKeepsProgress(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	up := relaytest.NewUpstream(t)
	up.OnRcpt(func(to string) error {
		if to == "later@example.co.jp" {
			return relaytest.Err(452, smtp.EnhancedCode{4, 2, 2}, "mailbox full")
		}
		return nil
	})
	h := start(t, Config{Dir: dir, Backoff: time.Hour}, fixed(forwarder(t, up.Addr)))
	nt := testNotice()
	nt.To = []string{"officer@example.co.jp", "later@example.co.jp"}
	h.n.Send(nt)
	waitFor(t, func() bool { return strings.Contains(h.log.String(), "will retry") })
	h.closeSoon(t)

	up.OnRcpt(nil)
	h2 := start(t, Config{Dir: dir}, fixed(forwarder(t, up.Addr)))
	if got := h2.res.next(t); got != ResultSent {
		t.Fatalf("after the restart: %q, want sent", got)
	}
	var got [][]string
	for _, m := range up.Messages() {
		got = append(got, m.To)
	}
	if want := [][]string{{"officer@example.co.jp"}, {"later@example.co.jp"}}; !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("deliveries = %v, want %v", got, want)
	}
}

// Finished notices leave nothing behind; leftovers of a cut-off write are
// removed and a damaged file is set aside, not sent and not fatal.
func TestOutboxHousekeeping(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for name, content := range map[string]string{
		".tmp-123":                   `{"id":"half-written"`,
		"20260101T000000.1-x.notice": `{"id":"x","to":["officer@example.co.jp"],"msg":""}`,
		"20260101T000000.2-y.notice": `not json`,
		"README":                     "left alone",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	up := relaytest.NewUpstream(t)
	var refused = relaytest.Err(550, smtp.EnhancedCode{5, 7, 1}, "no")
	up.OnRcpt(func(to string) error {
		if to == "gone@example.co.jp" {
			return refused
		}
		return nil
	})
	h := start(t, Config{Dir: dir}, fixed(forwarder(t, up.Addr)))
	h.n.Send(testNotice())
	gone := testNotice()
	gone.To = []string{"gone@example.co.jp"}
	h.n.Send(gone)
	got := []string{h.res.next(t), h.res.next(t)}
	slices.Sort(got)
	if !slices.Equal(got, []string{ResultFailed, ResultSent}) {
		t.Errorf("results %v, want one sent, one failed", got)
	}
	h.close(t)
	want := []string{"20260101T000000.1-x.bad", "20260101T000000.2-y.bad", "README"}
	if names := outbox(t, dir); !slices.Equal(names, want) {
		t.Errorf("outbox holds %v, want %v", names, want)
	}
	if n := strings.Count(h.log.String(), "unreadable notice in the outbox, set aside"); n != 2 {
		t.Errorf("%d files reported set aside, want 2:\n%s", n, h.log)
	}
}

// A notice that cannot be written to the outbox is still sent.
func TestOutboxUnwritable(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "notify")
	up := relaytest.NewUpstream(t)
	h := start(t, Config{Dir: dir}, fixed(forwarder(t, up.Addr)))
	// The directory is gone and a file is in its place: no write can
	// succeed there, not even root's.
	if err := os.Remove(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	h.n.Send(testNotice())
	if got := h.res.next(t); got != ResultSent {
		t.Fatalf("result %q, want sent", got)
	}
	if !strings.Contains(h.log.String(), "kept in memory only") {
		t.Errorf("log:\n%s", h.log)
	}
}

// FuzzOutboxFile: whatever is in a notice file, decoding it returns an
// error or a notice that is encoded and decoded again unchanged. (Writing
// and reading the files is TestOutbox*'s; the fsyncs would slow this to a
// crawl.)
func FuzzOutboxFile(f *testing.F) {
	f.Add([]byte(`{"id":"x","action":"quarantine","audience":"officers","to":["officer@example.co.jp"],"msg":"U3ViamVjdDogeA0KDQp4DQo=","queued":"2026-01-02T03:04:05Z"}`))
	f.Add([]byte(`{"to":["a@b"],"msg":"eA=="}`))
	f.Add([]byte(`{"to":["a b@c"],"msg":"eA=="}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, b []byte) {
		j, err := decodeOutbox(b)
		if err != nil {
			return
		}
		enc, err := encodeOutbox(j)
		if err != nil {
			t.Fatal(err)
		}
		j2, err := decodeOutbox(enc)
		if err != nil {
			t.Fatalf("a notice read back fails: %v", err)
		}
		if j2.id != j.id || j2.action != j.action || j2.audience != j.audience || !slices.Equal(j2.to, j.to) ||
			!slices.Equal(j2.msg, j.msg) || !j2.queued.Equal(j.queued) {
			t.Fatalf("round trip: %+v, want %+v", j2, j)
		}
	})
}
