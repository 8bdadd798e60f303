package audit

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

var t0 = time.Date(2026, 5, 1, 9, 30, 0, 123456789, time.UTC)

// clock returns a fake clock that starts at t0 and advances a millisecond
// per reading; safe for concurrent use.
func clock() func() time.Time {
	var n atomic.Int64
	return func() time.Time { return t0.Add(time.Duration(n.Add(1)-1) * time.Millisecond) }
}

// openLog opens a new log with a fake clock in a temporary directory.
func openLog(t testing.TB) (*SQLite, string) {
	t.Helper()
	return openLogSync(t, "FULL")
}

// openLogSync is openLog with the given synchronous setting: OFF for
// tests that append many entries and are not about durability.
func openLogSync(t testing.TB, synchronous string) (*SQLite, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "audit.db")
	s, err := open(path, synchronous)
	if err != nil {
		t.Fatal(err)
	}
	s.now = clock()
	t.Cleanup(func() { s.Close() })
	return s, path
}

// ev returns a valid event numbered i.
func ev(i int) Event {
	return Event{
		Actor:         fmt.Sprintf("user%d", i%3),
		Action:        []Action{ActionLogin, ActionReveal, ActionReleaseRequest}[i%3],
		Target:        fmt.Sprintf("q-%d", i),
		Justification: fmt.Sprintf("reason %d", i),
		Detail:        map[string]string{"i": strconv.Itoa(i), "field": "phone"},
		Remote:        "192.0.2.1",
	}
}

// appendN appends ev(1) ... ev(n) and returns the records.
func appendN(t testing.TB, s *SQLite, n int) []Record {
	t.Helper()
	var out []Record
	for i := 1; i <= n; i++ {
		rec, err := s.Append(context.Background(), ev(i))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, rec)
	}
	return out
}

// appendMany appends ev(1) ... ev(n) as Append would, in one transaction:
// for tests that need many entries, not many transactions.
func appendMany(t testing.TB, s *SQLite, n int) {
	t.Helper()
	tx, err := s.w.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	var (
		count int64
		prev  string
	)
	if err := tx.QueryRow(anchorSQL).Scan(&count, &prev); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= n; i++ {
		at := nanos(s.now())
		rec := Record{Seq: count + int64(i), Time: fromNanos(at), Event: ev(i).normalize(), PrevHash: prev}
		if rec.Hash, err = computeHash(&rec); err != nil {
			t.Fatal(err)
		}
		d, err := detailJSON(rec.Detail)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec(insertSQL, rec.Seq, at, rec.Actor, string(rec.Action), rec.Target,
			rec.Justification, d, rec.Remote, rec.PrevHash, rec.Hash); err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec(moveSQL, rec.Seq, rec.Hash); err != nil {
			t.Fatal(err)
		}
		prev = rec.Hash
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

func checkVerify(t *testing.T, s *SQLite, want int) {
	t.Helper()
	n, err := s.Verify(context.Background())
	if err != nil || n != want {
		t.Fatalf("Verify = %d, %v; want %d, nil", n, err, want)
	}
}

func checkRecords(t *testing.T, got, want []Record) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d records, want %d", len(got), len(want))
	}
	for i := range got {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("record %d:\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}
}

func TestAppendChain(t *testing.T) {
	t.Parallel()
	s, _ := openLog(t)
	recs := appendN(t, s, 3)
	prev := zeroHash
	for i, r := range recs {
		if r.Seq != int64(i+1) {
			t.Errorf("record %d: seq %d", i, r.Seq)
		}
		if r.PrevHash != prev {
			t.Errorf("seq %d: prev_hash %s, want %s", r.Seq, r.PrevHash, prev)
		}
		if len(r.Hash) != 64 || strings.Trim(r.Hash, "0123456789abcdef") != "" {
			t.Errorf("seq %d: hash %q is not 64 lower-case hex digits", r.Seq, r.Hash)
		}
		if r.Time.Location() != time.UTC || !r.Time.Equal(t0.Add(time.Duration(i)*time.Millisecond)) {
			t.Errorf("seq %d: time %v", r.Seq, r.Time)
		}
		prev = r.Hash
	}
	checkVerify(t, s, 3)
}

// The hashed form is fixed: a change to it (field order, escaping, time
// format) makes every existing log fail Verify. This pins it.
func TestCanonicalJSON(t *testing.T) {
	t.Parallel()
	r := Record{
		Seq:  7,
		Time: time.Date(2026, 5, 1, 9, 30, 0, 120000000, time.FixedZone("JST", 9*3600)),
		Event: Event{
			Actor: "alice", Action: ActionReveal, Target: "q-1<2>",
			Justification: "asked & \"approved\"\nby bob",
			Detail:        map[string]string{"z": "1", "a": "2"},
		},
		PrevHash: zeroHash,
	}
	got, err := canonicalJSON(&r)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"seq":7,"time":"2026-05-01T00:30:00.12Z","actor":"alice","action":"reveal","target":"q-1<2>","justification":"asked & \"approved\"\nby bob","detail":{"a":"2","z":"1"},"remote":""}`
	if string(got) != want {
		t.Errorf("canonical JSON\n got %s\nwant %s", got, want)
	}
	h, err := computeHash(&r)
	if err != nil {
		t.Fatal(err)
	}
	// sha256 of zeroHash followed by want, computed independently:
	// printf '%s%s' "$(printf '0%.0s' {1..64})" "$want" | sha256sum
	if want := "f565af5eccbeb05775e3b5ba5748043bdd25f0fe584fcb9cb3261b5a8f077907"; h != want {
		t.Errorf("hash %s, want %s", h, want)
	}
	// No detail hashes as an empty object.
	r.Detail = nil
	got, _ = canonicalJSON(&r)
	if !strings.Contains(string(got), `"detail":{}`) {
		t.Errorf("nil detail: %s", got)
	}
}

func TestReopen(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, path := openLog(t)
	first := appendN(t, s, 3)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.now = func() time.Time { return t0.Add(time.Hour) }
	rec, err := s.Append(ctx, ev(4))
	if err != nil {
		t.Fatal(err)
	}
	if rec.Seq != 4 || rec.PrevHash != first[2].Hash {
		t.Errorf("after reopen: seq %d prev %s; want 4, %s", rec.Seq, rec.PrevHash, first[2].Hash)
	}
	checkVerify(t, s, 4)
	got, total, err := s.List(ctx, Query{})
	if err != nil {
		t.Fatal(err)
	}
	if total != 4 {
		t.Errorf("total %d, want 4", total)
	}
	checkRecords(t, got, []Record{rec, first[2], first[1], first[0]})
}

func TestOpenCreatesPrivateFiles(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "data", "sub")
	path := filepath.Join(dir, "audit.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	appendN(t, s, 1)
	for _, d := range []string{dir, filepath.Dir(dir)} {
		checkMode(t, d, fs.ModeDir|0o700)
	}
	checkMode(t, path, 0o600)
	checkMode(t, path+"-wal", 0o600)
	if s.Path() != path {
		t.Errorf("Path() = %q, want %q", s.Path(), path)
	}
}

func checkMode(t *testing.T, path string, want fs.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode() != want {
		t.Errorf("%s: mode %v, want %v", path, fi.Mode(), want)
	}
}

func TestOpenReadOnly(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	if _, err := OpenReadOnly(filepath.Join(dir, "audit.db")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("OpenReadOnly of a missing file: %v, want fs.ErrNotExist", err)
	}
	if des, _ := os.ReadDir(dir); len(des) > 0 {
		t.Errorf("OpenReadOnly of a missing file created %s", des[0].Name())
	}

	w, path := openLog(t)
	appendN(t, w, 2)
	// Beside the running relay: verify and export see what it appends.
	r, err := OpenReadOnly(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	checkVerify(t, r, 2)
	if _, err := r.Append(ctx, ev(3)); !errors.Is(err, ErrReadOnly) {
		t.Errorf("Append on read-only: %v, want ErrReadOnly", err)
	}
	appendN(t, w, 1)
	checkVerify(t, r, 3)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	// And alone.
	r2, err := OpenReadOnly(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r2.Close()
	checkVerify(t, r2, 3)
}

// rawDB opens the file behind the package's back, as someone with the
// file would.
func rawDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func rawExec(t *testing.T, path string, stmts ...string) {
	t.Helper()
	db := rawDB(t, path)
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	db.Close()
}

func TestSchemaVersion(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "audit.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	newer := schemaVersion + 41
	rawExec(t, path, fmt.Sprintf("PRAGMA user_version = %d", newer))
	for name, open := range map[string]func(string) (*SQLite, error){"Open": Open, "OpenReadOnly": OpenReadOnly} {
		s, err := open(path)
		if err == nil {
			s.Close()
			t.Fatalf("%s of a database with schema version %d succeeded", name, newer)
		}
		if !strings.Contains(err.Error(), "version "+strconv.Itoa(newer)) || !strings.Contains(err.Error(), "newer than "+strconv.Itoa(schemaVersion)) {
			t.Errorf("%s: %v", name, err)
		}
	}

	other := filepath.Join(dir, "other.db")
	rawExec(t, other, "CREATE TABLE t (x)")
	if s, err := Open(other); err == nil {
		s.Close()
		t.Error("Open of a database with tables and no schema version succeeded")
	} else if !strings.Contains(err.Error(), "not a dlprelay audit database") {
		t.Errorf("Open(other): %v", err)
	}

	empty := filepath.Join(dir, "empty.db")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if s, err := OpenReadOnly(empty); err == nil {
		s.Close()
		t.Error("OpenReadOnly of a database with schema version 0 succeeded")
	} else if !strings.Contains(err.Error(), "version 0") {
		t.Errorf("OpenReadOnly(empty): %v", err)
	}
}

// The triggers stop a bug (or a careless sqlite3 session) from rewriting
// history; Verify still passes afterwards.
func TestTriggersBlockRewrites(t *testing.T) {
	t.Parallel()
	s, path := openLog(t)
	recs := appendN(t, s, 3)
	db := rawDB(t, path)
	for _, stmt := range []string{
		`UPDATE entries SET justification = 'nothing to see' WHERE seq = 2`,
		`UPDATE entries SET seq = 10 WHERE seq = 3`,
		`DELETE FROM entries WHERE seq = 3`,
		`DELETE FROM entries`,
		// REPLACE deletes without firing DELETE triggers; the insert
		// trigger stops it.
		fmt.Sprintf(`INSERT OR REPLACE INTO entries (%s) VALUES (2, 0, 'x', 'login', '', '', '{}', '', '%s', '%s')`, columns, recs[0].Hash, recs[1].Hash),
		// Only the next link, after the anchor's last hash.
		fmt.Sprintf(`INSERT INTO entries (%s) VALUES (5, 0, 'x', 'login', '', '', '{}', '', '%s', 'h')`, columns, recs[2].Hash),
		fmt.Sprintf(`INSERT INTO entries (%s) VALUES (4, 0, 'x', 'login', '', '', '{}', '', '%s', 'h')`, columns, zeroHash),
		`UPDATE anchor SET count = 2`,
		fmt.Sprintf(`UPDATE anchor SET count = 2, last_hash = '%s'`, recs[1].Hash),
		`UPDATE anchor SET count = 4`,
		`DELETE FROM anchor`,
		fmt.Sprintf(`INSERT INTO anchor VALUES (2, 3, '%s')`, recs[2].Hash),
	} {
		if _, err := db.Exec(stmt); err == nil {
			t.Errorf("%s: succeeded", stmt)
		} else if !strings.Contains(err.Error(), "audit log") {
			t.Errorf("%s: %v, want a trigger's error", stmt, err)
		}
	}
	checkVerify(t, s, 3)
	recs2 := appendN(t, s, 1)
	if recs2[0].Seq != 4 {
		t.Errorf("next seq %d, want 4", recs2[0].Seq)
	}
	checkVerify(t, s, 4)
}

func TestValidate(t *testing.T) {
	t.Parallel()
	ok := ev(1)
	long := func(n int) string { return strings.Repeat("x", n) }
	detail := func(n int) map[string]string {
		d := map[string]string{}
		for i := range n {
			d["k"+strconv.Itoa(i)] = "v"
		}
		return d
	}
	with := func(f func(*Event)) Event {
		e := ok
		e.Detail = map[string]string{"field": "phone"}
		f(&e)
		return e
	}
	for _, tc := range []struct {
		name  string
		e     Event
		field string // "" when valid
	}{
		{"ok", ok, ""},
		{"minimal", Event{Actor: "system", Action: ActionConfigReload}, ""},
		{"limits", with(func(e *Event) {
			e.Actor, e.Target, e.Remote, e.Action = long(MaxActor), long(MaxTarget), long(MaxRemote), Action(long(MaxAction))
			e.Justification = long(MaxJustification)
			e.Detail = detail(MaxDetail)
			e.Detail[long(MaxDetailLen)] = long(MaxDetailLen)
			delete(e.Detail, "k0")
		}), ""},
		{"tab in actor", with(func(e *Event) { e.Actor = "a\tb" }), ""},
		{"lines in justification", with(func(e *Event) { e.Justification = "line 1\r\nline 2\tend" }), ""},
		{"non-ASCII", with(func(e *Event) { e.Target = "受信箱-1"; e.Justification = "お客様の依頼 \u2028" }), ""},
		{"empty actor", with(func(e *Event) { e.Actor = "" }), "empty actor"},
		{"empty action", with(func(e *Event) { e.Action = "" }), "empty action"},
		{"long actor", with(func(e *Event) { e.Actor = long(MaxActor + 1) }), "actor"},
		{"long action", with(func(e *Event) { e.Action = Action(long(MaxAction + 1)) }), "action"},
		{"long target", with(func(e *Event) { e.Target = long(MaxTarget + 1) }), "target"},
		{"long justification", with(func(e *Event) { e.Justification = long(MaxJustification + 1) }), "justification"},
		{"long remote", with(func(e *Event) { e.Remote = long(MaxRemote + 1) }), "remote"},
		{"many details", with(func(e *Event) { e.Detail = detail(MaxDetail + 1) }), "detail"},
		{"long detail key", with(func(e *Event) { e.Detail = map[string]string{long(MaxDetailLen + 1): "v"} }), "detail key"},
		{"long detail value", with(func(e *Event) { e.Detail = map[string]string{"k": long(MaxDetailLen + 1)} }), `detail "k"`},
		{"empty detail key", with(func(e *Event) { e.Detail = map[string]string{"": "v"} }), "detail"},
		{"newline in actor", with(func(e *Event) { e.Actor = "alice\nbob" }), "actor"},
		{"CR in target", with(func(e *Event) { e.Target = "q\r1" }), "target"},
		{"escape in action", with(func(e *Event) { e.Action = "log\x1bin" }), "action"},
		{"DEL in remote", with(func(e *Event) { e.Remote = "1\x7f" }), "remote"},
		{"C1 in actor", with(func(e *Event) { e.Actor = "a\u0085b" }), "actor"},
		{"NUL in justification", with(func(e *Event) { e.Justification = "a\x00b" }), "justification"},
		{"newline in detail key", with(func(e *Event) { e.Detail = map[string]string{"a\nb": "v"} }), "detail key"},
		{"bell in detail value", with(func(e *Event) { e.Detail = map[string]string{"k": "\a"} }), `detail "k"`},
		{"invalid UTF-8 actor", with(func(e *Event) { e.Actor = "a\xffb" }), "actor"},
		{"invalid UTF-8 justification", with(func(e *Event) { e.Justification = "\xc3" }), "justification"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.e.Validate()
			switch {
			case tc.field == "" && err != nil:
				t.Errorf("Validate: %v", err)
			case tc.field != "" && !errors.Is(err, ErrInvalid):
				t.Errorf("Validate: %v, want ErrInvalid", err)
			case tc.field != "" && !strings.Contains(err.Error(), tc.field):
				t.Errorf("Validate: %q does not name %q", err, tc.field)
			}
		})
	}
}

// A rejected event takes no seq and leaves the chain as it was.
func TestAppendRejects(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := openLog(t)
	appendN(t, s, 1)
	bad := ev(2)
	bad.Actor = strings.Repeat("a", MaxActor+1)
	if _, err := s.Append(ctx, bad); !errors.Is(err, ErrInvalid) {
		t.Fatalf("Append: %v, want ErrInvalid", err)
	}
	rec, err := s.Append(ctx, ev(2))
	if err != nil || rec.Seq != 2 {
		t.Fatalf("Append after a rejected one: seq %d, %v; want 2", rec.Seq, err)
	}
	checkVerify(t, s, 2)
}

// The caller's map is copied: changing it later changes nothing stored.
func TestAppendCopiesDetail(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := openLog(t)
	e := ev(1)
	rec, err := s.Append(ctx, e)
	if err != nil {
		t.Fatal(err)
	}
	e.Detail["i"] = "changed"
	if rec.Detail["i"] != "1" {
		t.Errorf("returned record's detail changed with the caller's map")
	}
	got, _, err := s.List(ctx, Query{})
	if err != nil {
		t.Fatal(err)
	}
	checkRecords(t, got, []Record{rec})
}

func TestList(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := openLog(t)
	recs := appendN(t, s, 12) // ev(i) at t0 + (i-1) ms
	rev := func(rs []Record) []Record {
		out := make([]Record, 0, len(rs))
		for i := len(rs) - 1; i >= 0; i-- {
			out = append(out, rs[i])
		}
		return out
	}
	pick := func(seqs ...int) []Record {
		var out []Record
		for _, q := range seqs {
			out = append(out, recs[q-1])
		}
		return out
	}
	ms := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Millisecond) }
	for _, tc := range []struct {
		name  string
		q     Query
		want  []Record
		total int
	}{
		{"all", Query{}, rev(recs), 12},
		{"actor", Query{Actor: "user1"}, pick(10, 7, 4, 1), 4},
		{"action", Query{Action: ActionReveal}, pick(10, 7, 4, 1), 4},
		{"target", Query{Target: "q-5"}, pick(5), 1},
		{"actor and action", Query{Actor: "user1", Action: ActionLogin}, nil, 0},
		{"from", Query{From: ms(9)}, pick(12, 11, 10), 3},
		{"to", Query{To: ms(2)}, pick(2, 1), 2},
		{"from to", Query{From: ms(3), To: ms(5)}, pick(5, 4), 2},
		{"from equals to", Query{From: ms(3), To: ms(3)}, nil, 0},
		{"far times", Query{From: time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)}, rev(recs), 12},
		{"limit", Query{Limit: 3}, pick(12, 11, 10), 12},
		{"offset", Query{Offset: 10}, pick(2, 1), 12},
		{"page", Query{Actor: "user0", Offset: 1, Limit: 2}, pick(9, 6), 4},
		{"past the end", Query{Offset: 50}, nil, 12},
		{"unknown actor", Query{Actor: "nobody"}, nil, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, total, err := s.List(ctx, tc.q)
			if err != nil {
				t.Fatal(err)
			}
			if total != tc.total {
				t.Errorf("total %d, want %d", total, tc.total)
			}
			if got == nil {
				t.Error("nil slice: a console would render it as JSON null")
			}
			checkRecords(t, got, tc.want)
		})
	}
	for _, q := range []Query{{Offset: -1}, {Limit: -1}} {
		if _, _, err := s.List(ctx, q); !errors.Is(err, ErrInvalid) {
			t.Errorf("List(%+v): %v, want ErrInvalid", q, err)
		}
	}
}

func TestListLimits(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := openLog(t)
	appendMany(t, s, maxLimit+1)
	for _, tc := range []struct{ limit, want int }{{0, defaultLimit}, {maxLimit + 500, maxLimit}, {maxLimit, maxLimit}} {
		got, total, err := s.List(ctx, Query{Limit: tc.limit})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != tc.want || total != maxLimit+1 {
			t.Errorf("Limit %d: %d records of %d, want %d of %d", tc.limit, len(got), total, tc.want, maxLimit+1)
		}
	}
}

// Appends from many goroutines, through one handle and through two (as a
// CLI beside the relay), keep one linear chain: seqs 1..N, no gap, no
// fork.
func TestConcurrentAppend(t *testing.T) {
	t.Parallel()
	for _, handles := range []int{1, 2} {
		t.Run(fmt.Sprintf("%d handles", handles), func(t *testing.T) {
			t.Parallel()
			const goroutines, rounds = 8, 20
			ctx := context.Background()
			first, path := openLog(t)
			logs := []*SQLite{first}
			for len(logs) < handles {
				s, err := Open(path)
				if err != nil {
					t.Fatal(err)
				}
				defer s.Close()
				logs = append(logs, s)
			}
			var wg sync.WaitGroup
			errs := make(chan error, goroutines)
			for g := range goroutines {
				s := logs[g%handles]
				wg.Go(func() {
					for r := range rounds {
						e := ev(g*rounds + r)
						if _, err := s.Append(ctx, e); err != nil {
							errs <- fmt.Errorf("goroutine %d: %w", g, err)
							return
						}
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			const n = goroutines * rounds
			checkVerify(t, first, n)
			got, total, err := first.List(ctx, Query{Limit: maxLimit})
			if err != nil {
				t.Fatal(err)
			}
			if total != n || len(got) != n {
				t.Fatalf("%d of %d records, want %d", len(got), total, n)
			}
			targets := map[string]bool{}
			for i, r := range got {
				if want := int64(n - i); r.Seq != want {
					t.Fatalf("record %d: seq %d, want %d", i, r.Seq, want)
				}
				if i+1 < len(got) && r.PrevHash != got[i+1].Hash {
					t.Fatalf("seq %d does not follow seq %d", r.Seq, got[i+1].Seq)
				}
				targets[r.Target] = true
			}
			if len(targets) != n {
				t.Errorf("%d distinct events stored, want %d", len(targets), n)
			}
		})
	}
}

func TestContextCanceled(t *testing.T) {
	t.Parallel()
	s, _ := openLog(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Append(ctx, ev(1)); !errors.Is(err, context.Canceled) {
		t.Errorf("Append with a canceled context: %v", err)
	}
	checkVerify(t, s, 0)
}
