package quarantine

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// t0 is the fake clock's start.
var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// clock is a settable clock for Options.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// testStore is a store in a fresh data directory with a fake clock at t0
// and a retention of 30 days.
type testStore struct {
	*SQLite
	data  string
	clock *clock
}

func openTest(t testing.TB) *testStore {
	t.Helper()
	data := filepath.Join(t.TempDir(), "data")
	c := &clock{t: t0}
	s, err := Open(data, Options{Now: c.Now})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return &testStore{SQLite: s, data: data, clock: c}
}

// requestRelease records the release policy fourEyes, as the relay would,
// and asks for a release under it.
func (ts *testStore) requestRelease(ctx context.Context, id, actor string, recipients []string, justification string, fourEyes bool) (ReleaseRequest, error) {
	if err := ts.SetReleasePolicy(ctx, ReleasePolicy{FourEyes: fourEyes, Source: "test"}); err != nil {
		return ReleaseRequest{}, err
	}
	return ts.RequestRelease(ctx, id, actor, recipients, justification)
}

// reopen closes ts and opens its data directory again with the same clock.
func (ts *testStore) reopen(t *testing.T) {
	t.Helper()
	if err := ts.Close(); err != nil {
		t.Fatal(err)
	}
	s, err := Open(ts.data, Options{Now: ts.clock.Now})
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	ts.SQLite = s
}

// sample is an entry as the SMTP session makes one.
func sample(i int) Entry {
	return Entry{
		Received:   t0.Add(time.Duration(i) * time.Minute),
		ClientAddr: "192.0.2.10",
		Helo:       "mx.corp.test",
		Sender:     fmt.Sprintf("Sender%d@Corp.test", i),
		Recipients: []string{fmt.Sprintf("rcpt%d@example.com", i), "Boss@Partner.example"},
		Verdict:    "quarantine",
		Reasons:    []string{"records"},
		Rules:      []string{"records-quarantine"},
		Records:    i,
		RecordIDs:  []string{"C001", "C002"},
		Subject:    fmt.Sprintf("顧客リスト %d", i),
		Findings:   json.RawMessage(`[{"id":"C001","fields":["name"],"parts":["1"],"matches":[{"field":"name","part":"1","start":0,"end":6}],"closest":-1}]`),
	}
}

func msgFor(i int) string {
	return fmt.Sprintf("From: sender%d@corp.test\r\nSubject: list %d\r\n\r\nbody %d\r\n", i, i, i)
}

func (ts *testStore) put(t testing.TB, e Entry, msg string) Entry {
	t.Helper()
	got, err := ts.Put(e, strings.NewReader(msg))
	if err != nil {
		t.Fatalf("Put: %v", err)
	}
	return got
}

// names returns the names in dir, sorted.
func names(t *testing.T, dir string) []string {
	t.Helper()
	des, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, de := range des {
		out = append(out, de.Name())
	}
	return out
}

func (ts *testStore) message(t *testing.T, id string) string {
	t.Helper()
	rc, err := ts.Open(context.Background(), id)
	if err != nil {
		t.Fatalf("Open(%s): %v", id, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestOpenCreatesPrivateFiles(t *testing.T) {
	t.Parallel()
	ts := openTest(t)
	for _, c := range []struct {
		path string
		mode fs.FileMode
	}{
		{filepath.Join(ts.data, "quarantine"), fs.ModeDir | 0o700},
		{filepath.Join(ts.data, "quarantine.db"), 0o600},
	} {
		fi, err := os.Stat(c.path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode() != c.mode {
			t.Errorf("%s: mode %v, want %v", c.path, fi.Mode(), c.mode)
		}
	}
	e := ts.put(t, sample(1), msgFor(1))
	fi, err := os.Stat(filepath.Join(ts.data, "quarantine", e.ID+".eml"))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode() != 0o600 {
		t.Errorf("message file mode %v, want 0600", fi.Mode())
	}
	if ts.Path() != filepath.Join(ts.data, "quarantine.db") {
		t.Errorf("Path() = %q", ts.Path())
	}
}

func TestPutGetRoundTrip(t *testing.T) {
	t.Parallel()
	ts := openTest(t)
	ctx := context.Background()
	in := sample(3)
	in.Received = in.Received.In(time.FixedZone("JST", 9*3600))
	in.Status, in.Hold, in.ExpiresAt = StatusReleased, true, t0 // ignored
	in.Notes = []Note{{Author: "x", Text: "ignored"}}
	got := ts.put(t, in, msgFor(3))

	want := sample(3)
	want.ID = got.ID
	want.Size = int64(len(msgFor(3)))
	want.Status = StatusHeld
	want.ExpiresAt = want.Received.Add(DefaultRetention)
	want.SubjectWithheld = true // the sample's findings list fewer records than it found
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Put returned\n%+v\nwant\n%+v", got, want)
	}
	if !ValidID(got.ID) || !strings.HasPrefix(got.ID, "20260301T090300.000000000Z-") {
		t.Errorf("generated ID %q", got.ID)
	}
	read, err := ts.Get(ctx, got.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(read, want) {
		t.Errorf("Get returned\n%+v\nwant\n%+v", read, want)
	}
	if m := ts.message(t, got.ID); m != msgFor(3) {
		t.Errorf("message %q", m)
	}
	// The JSON field names stay those of the folder store.
	js, _ := json.Marshal(read)
	for _, k := range []string{`"id":`, `"received":`, `"client_addr":`, `"helo":`, `"sender":`, `"recipients":`, `"verdict":`,
		`"reasons":`, `"rules":`, `"records":`, `"record_ids":`, `"size":`, `"subject":`, `"findings":`, `"status":"held"`, `"expires_at":`} {
		if !bytes.Contains(js, []byte(k)) {
			t.Errorf("JSON lacks %s: %s", k, js)
		}
	}

	// Empty lists and no findings come back as empty lists and nil.
	bare := ts.put(t, Entry{ID: "bare"}, "")
	if bare.Received != t0 || bare.Size != 0 || bare.Recipients == nil || bare.Findings != nil {
		t.Errorf("bare entry %+v", bare)
	}
	read, err = ts.Get(ctx, "bare")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(read, bare) {
		t.Errorf("Get(bare) = %+v, want %+v", read, bare)
	}
	if _, err := ts.Get(ctx, "missing"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get(missing): %v", err)
	}
	if _, err := ts.Open(ctx, "missing"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Open(missing): %v", err)
	}
}

func TestReopenPersists(t *testing.T) {
	t.Parallel()
	ts := openTest(t)
	ctx := context.Background()
	e := ts.put(t, sample(1), msgFor(1))
	if err := ts.AddNote(ctx, e.ID, "officer1", "looked at it"); err != nil {
		t.Fatal(err)
	}
	req, err := ts.requestRelease(ctx, e.ID, "officer1", nil, "customer asked", true)
	if err != nil {
		t.Fatal(err)
	}
	before, err := ts.Get(ctx, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	ts.reopen(t)
	after, err := ts.Get(ctx, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(before, after) {
		t.Errorf("after reopen\n%+v\nwant\n%+v", after, before)
	}
	if len(after.Notes) != 1 || len(after.Releases) != 1 || after.Releases[0].ID != req.ID || after.Status != StatusPendingApproval {
		t.Errorf("notes %v, releases %v, status %s", after.Notes, after.Releases, after.Status)
	}
	if m := ts.message(t, e.ID); m != msgFor(1) {
		t.Errorf("message %q", m)
	}
}

func TestOpenRefusesForeignAndNewerDatabases(t *testing.T) {
	t.Parallel()
	t.Run("newer schema", func(t *testing.T) {
		t.Parallel()
		ts := openTest(t)
		if _, err := ts.w.Exec(fmt.Sprintf("PRAGMA user_version = %d", schemaVersion+1)); err != nil {
			t.Fatal(err)
		}
		ts.Close()
		_, err := Open(ts.data, Options{})
		if err == nil || !strings.Contains(err.Error(), "newer dlprelay") {
			t.Fatalf("Open of a newer schema: %v", err)
		}
	})
	t.Run("foreign database", func(t *testing.T) {
		t.Parallel()
		data := t.TempDir()
		db, err := sql.Open("sqlite", filepath.Join(data, "quarantine.db"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec("CREATE TABLE x (a)"); err != nil {
			t.Fatal(err)
		}
		db.Close()
		if _, err := Open(data, Options{}); err == nil || !strings.Contains(err.Error(), "not a dlprelay quarantine") {
			t.Fatalf("Open of a foreign database: %v", err)
		}
	})
	t.Run("under a regular file", func(t *testing.T) {
		t.Parallel()
		file := filepath.Join(t.TempDir(), "file")
		os.WriteFile(file, nil, 0o600)
		if _, err := Open(filepath.Join(file, "data"), Options{}); err == nil {
			t.Fatal("Open under a regular file succeeded")
		}
	})
}

func TestPutBounds(t *testing.T) {
	t.Parallel()
	ts := openTest(t)
	// The Subject: one line, valid UTF-8, trimmed, cut at a character.
	e := sample(1)
	e.ID = "subject"
	e.Subject = "  \tline one\r\n\tline two\x00\xff " + strings.Repeat("あ", 400)
	got := ts.put(t, e, "x")
	if strings.ContainsAny(got.Subject, "\r\n\t\x00") || !strings.HasPrefix(got.Subject, "line one   line two \uFFFD あ") ||
		len(got.Subject) > MaxSubject || !strings.HasSuffix(got.Subject, "あ") {
		t.Errorf("subject %q (%d bytes)", got.Subject, len(got.Subject))
	}

	// Findings over MaxFindings keep a prefix of the array.
	var recs []string
	for i := range 20000 {
		recs = append(recs, fmt.Sprintf(`{"id":"C%05d","fields":["name","phone"],"parts":["1.2"],"closest":-1}`, i))
	}
	e = sample(2)
	e.ID = "big-findings"
	e.Findings = json.RawMessage("[" + strings.Join(recs, ",") + "]")
	got = ts.put(t, e, "x")
	var kept []json.RawMessage
	if err := json.Unmarshal(got.Findings, &kept); err != nil {
		t.Fatalf("cut findings are not a JSON array: %v", err)
	}
	if len(got.Findings) > MaxFindings || len(kept) == 0 || len(kept) >= len(recs) || string(kept[0]) != recs[0] {
		t.Errorf("cut findings: %d bytes, %d of %d records", len(got.Findings), len(kept), len(recs))
	}
	if g, _ := ts.Get(context.Background(), "big-findings"); !bytes.Equal(g.Findings, got.Findings) {
		t.Error("stored findings differ from the returned ones")
	}
	// A huge non-array is dropped, the entry kept.
	e.ID, e.Findings = "big-object", json.RawMessage(`{"x":"`+strings.Repeat("y", MaxFindings)+`"}`)
	if got = ts.put(t, e, "x"); got.Findings != nil {
		t.Errorf("huge object findings kept (%d bytes)", len(got.Findings))
	}

	refused := []struct {
		name string
		mod  func(*Entry)
		want error
	}{
		{"too many recipients", func(e *Entry) {
			e.Recipients = make([]string, MaxRecipients+1)
			for i := range e.Recipients {
				e.Recipients[i] = fmt.Sprintf("r%d@example.com", i)
			}
		}, ErrInvalid},
		{"long sender", func(e *Entry) { e.Sender = strings.Repeat("s", MaxField+1) + "@x" }, ErrInvalid},
		{"long recipient", func(e *Entry) { e.Recipients = []string{strings.Repeat("r", MaxField+1)} }, ErrInvalid},
		{"findings not JSON", func(e *Entry) { e.Findings = json.RawMessage("[{") }, ErrInvalid},
		{"received out of range", func(e *Entry) { e.Received = time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC) }, ErrInvalid},
		{"negative records", func(e *Entry) { e.Records = -1 }, ErrInvalid},
		{"invalid ID", func(e *Entry) { e.ID = "../x" }, ErrInvalidID},
		{"existing ID", func(e *Entry) { e.ID = "subject" }, fs.ErrExist},
	}
	for _, tt := range refused {
		e := sample(9)
		tt.mod(&e)
		if _, err := ts.Put(e, strings.NewReader("x")); !errors.Is(err, tt.want) {
			t.Errorf("%s: Put: %v, want %v", tt.name, err, tt.want)
		}
	}
	// Exactly MaxRecipients is fine.
	e = sample(3)
	e.Recipients = make([]string, MaxRecipients)
	for i := range e.Recipients {
		e.Recipients[i] = fmt.Sprintf("r%d@example.com", i)
	}
	if got := ts.put(t, e, "x"); len(got.Recipients) != MaxRecipients {
		t.Errorf("%d recipients", len(got.Recipients))
	}
	p, err := ts.List(context.Background(), Filter{})
	if err != nil || p.Total != 4 {
		t.Errorf("List after refusals: %d entries, %v; want 4", p.Total, err)
	}
	if got := names(t, ts.dir); len(got) != 4 {
		t.Errorf("message directory holds %v, want 4 messages", got)
	}
}

type failingReader struct{ n int }

func (r *failingReader) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, errors.New("connection reset")
	}
	n := min(len(p), r.n)
	clear(p[:n])
	r.n -= n
	return n, nil
}

// TestPutFailureLeavesNothing checks that every way Put can fail leaves no
// entry and no file behind.
func TestPutFailureLeavesNothing(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		rootSkip bool // chmod is no barrier for root
		breakIt  func(t *testing.T, ts *testStore)
		msg      io.Reader
	}{
		{name: "message reader fails midway", msg: &failingReader{n: 100_000}},
		{name: "row insert fails", breakIt: func(t *testing.T, ts *testStore) {
			if _, err := ts.w.Exec(`CREATE TRIGGER no_rows BEFORE INSERT ON entries BEGIN SELECT RAISE(ABORT, 'disk full'); END`); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "read-only message directory", rootSkip: true, breakIt: func(t *testing.T, ts *testStore) {
			os.Chmod(ts.dir, 0o500)
			t.Cleanup(func() { os.Chmod(ts.dir, 0o700) })
		}},
		{name: "a file in the way", breakIt: func(t *testing.T, ts *testStore) {
			// No row, so not a duplicate: a leftover the link refuses
			// to replace.
			os.WriteFile(filepath.Join(ts.dir, "will-fail.eml"), []byte("other"), 0o600)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if tt.rootSkip && os.Geteuid() == 0 {
				t.Skip("running as root: permissions do not stop writes")
			}
			ts := openTest(t)
			var before []string
			if tt.breakIt != nil {
				tt.breakIt(t, ts)
				before = names(t, ts.dir)
			}
			msg := tt.msg
			if msg == nil {
				msg = strings.NewReader("From: a@example.com\r\n\r\nbody\r\n")
			}
			if _, err := ts.Put(Entry{ID: "will-fail"}, msg); err == nil {
				t.Fatal("Put succeeded")
			}
			if got := names(t, ts.dir); !slices.Equal(got, before) {
				t.Errorf("message directory after a failed Put: %v, want %v", got, before)
			}
			if p, err := ts.List(context.Background(), Filter{}); err != nil || p.Total != 0 {
				t.Errorf("List after a failed Put: %+v, %v", p, err)
			}
		})
	}
}

func TestValidID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		id   string
		want bool
	}{
		{"20260301T000100.000000123Z-0123456789abcdef", true},
		{"a", true},
		{"A-b_c.d", true},
		{"rel-00112233445566778899aabbccddeeff", true},
		{strings.Repeat("x", 128), true},
		{strings.Repeat("x", 129), false},
		{"", false},
		{".", false},
		{"..", false},
		{".tmp", false},
		{".tmp-0123", false},
		{".hidden", false},
		{"../x", false},
		{"../../etc/passwd", false},
		{"a/b", false},
		{"a\\b", false},
		{"/abs", false},
		{"a b", false},
		{"a\x00b", false},
		{"a\n", false},
		{"lost+found", false},
		{"é", false},
	}
	ts := openTest(t)
	ctx := context.Background()
	for _, tt := range tests {
		if got := ValidID(tt.id); got != tt.want {
			t.Errorf("ValidID(%q) = %v, want %v", tt.id, got, tt.want)
		}
		if tt.want {
			continue
		}
		calls := map[string]error{}
		_, calls["Get"] = ts.Get(ctx, tt.id)
		_, calls["Open"] = ts.Open(ctx, tt.id)
		calls["Delete"] = ts.Delete(ctx, tt.id)
		calls["AddNote"] = ts.AddNote(ctx, tt.id, "a", "b")
		calls["SetHold"] = ts.SetHold(ctx, tt.id, true)
		calls["Extend"] = ts.Extend(ctx, tt.id, t0.Add(time.Hour))
		calls["Resolve"] = ts.Resolve(ctx, tt.id, true)
		_, calls["RequestRelease"] = ts.requestRelease(ctx, tt.id, "a", nil, "b", false)
		_, calls["ApproveRelease"] = ts.ApproveRelease(ctx, tt.id, "a")
		calls["FinishRelease"] = ts.FinishRelease(ctx, tt.id, Outcome{Delivered: true})
		if tt.id != "" {
			_, calls["Put"] = ts.Put(Entry{ID: tt.id}, strings.NewReader("x")) // "" is generated
		}
		for name, err := range calls {
			if !errors.Is(err, ErrInvalidID) {
				t.Errorf("%s(%q): %v, want ErrInvalidID", name, tt.id, err)
			}
		}
	}
}

func TestGeneratedIDsSortAndDiffer(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	var ids []string
	for i := range 1000 {
		id := newID(t0.Add(time.Duration(i) * time.Millisecond))
		if !ValidID(id) || len(id) != 43 {
			t.Fatalf("newID = %q (len %d); want a valid 43-byte ID", id, len(id))
		}
		if seen[id] {
			t.Fatalf("duplicate id %q", id)
		}
		seen[id] = true
		ids = append(ids, id)
	}
	if !slices.IsSorted(ids) {
		t.Error("IDs from increasing times do not sort")
	}
	if newID(t0) == newID(t0) {
		t.Error("two IDs for the same instant are equal")
	}
	r1, r2 := newReleaseID(), newReleaseID()
	if r1 == r2 || !ValidID(r1) || len(r1) != 36 {
		t.Errorf("release IDs %q, %q", r1, r2)
	}
}

func TestConcurrentPuts(t *testing.T) {
	t.Parallel()
	ts := openTest(t)
	ctx := context.Background()
	const n = 32
	var wg sync.WaitGroup
	ids := make([]string, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			e := sample(i)
			e.Received = t0
			e, errs[i] = ts.Put(e, strings.NewReader(msgFor(i)))
			ids[i] = e.ID
			// Readers run alongside the writers.
			if _, err := ts.List(ctx, Filter{}); err != nil {
				errs[i] = errors.Join(errs[i], err)
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	p, err := ts.List(ctx, Filter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	if p.Total != n || len(p.Entries) != n {
		t.Fatalf("List has %d (total %d), want %d", len(p.Entries), p.Total, n)
	}
	if !slices.IsSortedFunc(p.Entries, func(a, b Entry) int { return strings.Compare(a.ID, b.ID) }) {
		t.Error("entries with equal Received are not ordered by ID")
	}
	for i, id := range ids {
		e, err := ts.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if ts.message(t, id) != msgFor(i) || e.Sender != sample(i).Sender {
			t.Errorf("entry %s mixed up", id)
		}
	}
}

// TestOpenRemovesLeftovers: what a crash can leave is removed at Open, and
// nothing else.
func TestOpenRemovesLeftovers(t *testing.T) {
	t.Parallel()
	ts := openTest(t)
	ctx := context.Background()
	live := ts.put(t, sample(1), msgFor(1))
	deleted := ts.put(t, sample(2), msgFor(2))
	if err := ts.Delete(ctx, deleted.ID); err != nil {
		t.Fatal(err)
	}
	write := func(name string, age time.Duration) {
		p := filepath.Join(ts.dir, name)
		if err := os.WriteFile(p, []byte("leftover"), 0o600); err != nil {
			t.Fatal(err)
		}
		mt := ts.clock.Now().Add(-age)
		if err := os.Chtimes(p, mt, mt); err != nil {
			t.Fatal(err)
		}
	}
	write(".tmp-0011223344556677", 0)                 // a Put's temporary file: removed whatever its age
	write("orphan-old.eml", 2*time.Minute)            // renamed, row never committed: removed
	write("orphan-new.eml", 10*time.Second)           // perhaps another process's Put about to commit: kept
	write(deleted.ID+".eml", 0)                       // deleted, file removal interrupted: removed
	write("notes.txt", time.Hour)                     // not ours: kept
	write(".hidden.eml", time.Hour)                   // not a valid ID: kept
	os.Mkdir(filepath.Join(ts.dir, "somedir"), 0o700) // no entry.json: kept
	ts.reopen(t)
	want := []string{".hidden.eml", live.ID + ".eml", "notes.txt", "orphan-new.eml", "somedir"}
	slices.Sort(want)
	if got := names(t, ts.dir); !slices.Equal(got, want) {
		t.Errorf("after Open: %v\nwant %v", got, want)
	}
	if ts.message(t, live.ID) != msgFor(1) {
		t.Error("live entry damaged")
	}
}

// TestImportFolderStore: entries of the folder store that came before are
// imported as held and their directories removed.
func TestImportFolderStore(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	dir := filepath.Join(data, "quarantine")
	old := Entry{ID: "20260301T080000.000000000Z-0011223344556677", Received: t0.Add(-time.Hour), ClientAddr: "192.0.2.1",
		Helo: "mx", Sender: "a@corp.test", Recipients: []string{"b@example.com"}, Verdict: "quarantine",
		Reasons: []string{"records"}, Records: 3, RecordIDs: []string{"C1", "C2", "C3"}, Size: 999}
	js, _ := json.Marshal(old)
	os.MkdirAll(filepath.Join(dir, old.ID), 0o700)
	os.WriteFile(filepath.Join(dir, old.ID, "entry.json"), js, 0o600)
	os.WriteFile(filepath.Join(dir, old.ID, "message.eml"), []byte("old message\r\n"), 0o600)
	os.MkdirAll(filepath.Join(dir, ".tmp", "half"), 0o700)

	c := &clock{t: t0}
	s, err := Open(data, Options{Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	ts := &testStore{SQLite: s, data: data, clock: c}
	t.Cleanup(func() { ts.Close() })
	got, err := ts.Get(context.Background(), old.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := old
	want.Size, want.Status, want.ExpiresAt, want.Rules = int64(len("old message\r\n")), StatusHeld, old.Received.Add(DefaultRetention), []string{}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("imported\n%+v\nwant\n%+v", got, want)
	}
	if m := ts.message(t, old.ID); m != "old message\r\n" {
		t.Errorf("imported message %q", m)
	}
	if got := names(t, dir); !slices.Equal(got, []string{old.ID + ".eml"}) {
		t.Errorf("after the import: %v", got)
	}
	ts.reopen(t) // nothing more to import
	if p, _ := ts.List(context.Background(), Filter{}); p.Total != 1 {
		t.Errorf("%d entries after a second Open", p.Total)
	}
}

// TestSubjectWithheld: a Subject is withheld from lists when a record was
// found in a header segment, or the findings cannot say where.
func TestSubjectWithheld(t *testing.T) {
	t.Parallel()
	ts := openTest(t)
	ctx := context.Background()
	tests := []struct {
		name     string
		subject  string
		ids      []string
		findings string
		want     bool
	}{
		{"no records", "hello", nil, "", false},
		{"record in the body", "hello", []string{"C1"}, `[{"id":"C1","parts":["1"]}]`, false},
		{"record in the header", "山田 太郎 様", []string{"C1"}, `[{"id":"C1","parts":["1","1.header"]}]`, true},
		{"record in an attachment's header", "x", []string{"C1"}, `[{"id":"C1","parts":["1.2.header"]}]`, true},
		{"findings missing", "x", []string{"C1"}, "", true},
		{"findings cut short", "x", []string{"C1", "C2"}, `[{"id":"C1","parts":["1"]}]`, true},
		{"no subject", "", []string{"C1"}, `[{"id":"C1","parts":["1.header"]}]`, false},
	}
	for _, tt := range tests {
		e := Entry{Sender: "a@corp.test", Recipients: []string{"b@x.test"}, Verdict: "quarantine", Subject: tt.subject,
			RecordIDs: tt.ids, Records: len(tt.ids)}
		if tt.findings != "" {
			e.Findings = []byte(tt.findings)
		}
		got := ts.put(t, e, "Subject: x\r\n\r\nbody\r\n")
		if got.SubjectWithheld != tt.want {
			t.Errorf("%s: Put: SubjectWithheld = %v, want %v", tt.name, got.SubjectWithheld, tt.want)
		}
		pg, err := ts.List(ctx, Filter{Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		for _, le := range pg.Entries {
			if le.ID == got.ID && le.SubjectWithheld != tt.want {
				t.Errorf("%s: List: SubjectWithheld = %v", tt.name, le.SubjectWithheld)
			}
		}
	}
}
