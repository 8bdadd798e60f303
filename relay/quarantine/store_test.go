package quarantine

import (
	"bytes"
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

func openStore(t *testing.T) (*Folder, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "quarantine")
	s, err := Open(dir)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s, dir
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

func readAll(t *testing.T, rc io.ReadCloser) []byte {
	t.Helper()
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestOpenCreatesPrivateDirs(t *testing.T) {
	t.Parallel()
	s, dir := openStore(t)
	if s.Dir() != dir {
		t.Errorf("Dir() = %q, want %q", s.Dir(), dir)
	}
	for _, d := range []string{dir, filepath.Join(dir, ".tmp")} {
		fi, err := os.Stat(d)
		if err != nil {
			t.Fatal(err)
		}
		if !fi.IsDir() || fi.Mode().Perm() != 0o700 {
			t.Errorf("%s: mode %v, want drwx------", d, fi.Mode())
		}
	}
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	s, dir := openStore(t)

	// Bytes that a careless store could alter: CRLF and bare LF, NUL, 8-bit,
	// no final newline.
	msg1 := []byte("From: a@example.com\r\nTo: b@example.net\r\n\r\n\x00\xff\xfe 顧客 \n.\r\nend")
	msg2 := bytes.Repeat([]byte("0123456789abcdef"), 100_000) // 1.6 MB
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 123, time.FixedZone("JST", 9*3600))

	e2in := Entry{
		Received: t0.Add(time.Minute), ClientAddr: "127.0.0.1:5000", Helo: "client.example",
		Sender: "a@example.com", Recipients: []string{"b@example.net", "c@example.org"},
		Verdict: "quarantine", Reasons: []string{"records_over_quarantine", "unscannable"},
		Records: 3, RecordIDs: []string{"C001", "C002", "C003"},
	}
	e1in := Entry{ID: "chosen-id.1", Received: t0, Sender: "", Recipients: []string{"x@example.com"}, Verdict: "quarantine"}

	// Put the later one first: List must sort by Received.
	e2, err := s.Put(e2in, bytes.NewReader(msg2))
	if err != nil {
		t.Fatalf("Put: %v", err)
	}
	e1, err := s.Put(e1in, bytes.NewReader(msg1))
	if err != nil {
		t.Fatalf("Put: %v", err)
	}
	if e1.ID != "chosen-id.1" {
		t.Errorf("Put kept ID %q, want chosen-id.1", e1.ID)
	}
	if !ValidID(e2.ID) || !strings.HasPrefix(e2.ID, "20260301T000100.000000123Z-") {
		t.Errorf("generated ID %q, want the UTC receive time and a random suffix", e2.ID)
	}
	if e1.Size != int64(len(msg1)) || e2.Size != int64(len(msg2)) {
		t.Errorf("sizes %d, %d; want %d, %d", e1.Size, e2.Size, len(msg1), len(msg2))
	}
	if !e2.Received.Equal(e2in.Received) || e2.Received.Location() != time.UTC {
		t.Errorf("Received = %v, want %v in UTC", e2.Received, e2in.Received)
	}

	for _, tc := range []struct {
		want Entry
		msg  []byte
	}{{e1, msg1}, {e2, msg2}} {
		got, rc, err := s.Get(tc.want.ID)
		if err != nil {
			t.Fatalf("Get(%s): %v", tc.want.ID, err)
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Get(%s) entry\n got %+v\nwant %+v", tc.want.ID, got, tc.want)
		}
		if b := readAll(t, rc); !bytes.Equal(b, tc.msg) {
			t.Errorf("Get(%s) message differs: %d bytes, want %d", tc.want.ID, len(b), len(tc.msg))
		}
		for _, f := range []string{"message.eml", "entry.json"} {
			fi, err := os.Stat(filepath.Join(dir, tc.want.ID, f))
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm() != 0o600 {
				t.Errorf("%s/%s mode %v, want -rw-------", tc.want.ID, f, fi.Mode())
			}
		}
	}

	list, err := s.List()
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	if !reflect.DeepEqual(list, []Entry{e1, e2}) {
		t.Errorf("List = %+v\nwant %+v", list, []Entry{e1, e2})
	}
	if got := names(t, filepath.Join(dir, ".tmp")); len(got) != 0 {
		t.Errorf(".tmp holds %v after Put", got)
	}

	if err := s.Delete(e1.ID); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, _, err := s.Get(e1.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get after Delete: %v, want ErrNotFound", err)
	}
	if err := s.Delete(e1.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("second Delete: %v, want ErrNotFound", err)
	}
	list, err = s.List()
	if err != nil || len(list) != 1 || list[0].ID != e2.ID {
		t.Errorf("List after Delete = %v, %v; want only %s", list, err, e2.ID)
	}
	if got := names(t, filepath.Join(dir, ".tmp")); len(got) != 0 {
		t.Errorf(".tmp holds %v after Delete", got)
	}

	// A reopened store sees the same entries.
	s2, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	list2, err := s2.List()
	if err != nil || !reflect.DeepEqual(list2, list) {
		t.Errorf("List after reopen = %v, %v; want %v", list2, err, list)
	}
}

func TestEmptyMessageAndEntry(t *testing.T) {
	t.Parallel()
	s, _ := openStore(t)
	e, err := s.Put(Entry{}, strings.NewReader(""))
	if err != nil {
		t.Fatal(err)
	}
	if e.ID == "" || e.Received.IsZero() || e.Size != 0 {
		t.Errorf("Put(Entry{}) = %+v; want ID and Received set, Size 0", e)
	}
	got, rc, err := s.Get(e.ID)
	if err != nil {
		t.Fatal(err)
	}
	if b := readAll(t, rc); len(b) != 0 || !reflect.DeepEqual(got, e) {
		t.Errorf("Get = %+v, %q; want %+v, empty", got, b, e)
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
		{strings.Repeat("x", 128), true},
		{strings.Repeat("x", 129), false},
		{"", false},
		{".", false},
		{"..", false},
		{".tmp", false},
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
	s, _ := openStore(t)
	for _, tt := range tests {
		if got := ValidID(tt.id); got != tt.want {
			t.Errorf("ValidID(%q) = %v, want %v", tt.id, got, tt.want)
		}
		if tt.want {
			continue
		}
		if _, _, err := s.Get(tt.id); !errors.Is(err, ErrInvalidID) {
			t.Errorf("Get(%q): %v, want ErrInvalidID", tt.id, err)
		}
		if err := s.Delete(tt.id); !errors.Is(err, ErrInvalidID) {
			t.Errorf("Delete(%q): %v, want ErrInvalidID", tt.id, err)
		}
		if tt.id == "" {
			continue // Put generates an ID for ""
		}
		if _, err := s.Put(Entry{ID: tt.id}, strings.NewReader("x")); !errors.Is(err, ErrInvalidID) {
			t.Errorf("Put(ID %q): %v, want ErrInvalidID", tt.id, err)
		}
	}
}

// TestNoTraversal puts an entry-shaped directory next to the store and checks
// that no ID reaches it.
func TestNoTraversal(t *testing.T) {
	t.Parallel()
	parent := t.TempDir()
	s, err := Open(filepath.Join(parent, "q"))
	if err != nil {
		t.Fatal(err)
	}
	outside := filepath.Join(parent, "victim")
	if err := os.MkdirAll(outside, 0o700); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(outside, "entry.json"), []byte(`{"id":"../victim"}`), 0o600)
	os.WriteFile(filepath.Join(outside, "message.eml"), []byte("secret"), 0o600)
	for _, id := range []string{"../victim", "..", "../q/../victim"} {
		if _, _, err := s.Get(id); err == nil {
			t.Errorf("Get(%q) succeeded", id)
		}
		if err := s.Delete(id); err == nil {
			t.Errorf("Delete(%q) succeeded", id)
		}
	}
	if _, err := os.Stat(filepath.Join(outside, "message.eml")); err != nil {
		t.Errorf("outside file touched: %v", err)
	}
}

func TestGeneratedIDsSortAndDiffer(t *testing.T) {
	t.Parallel()
	base := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	seen := map[string]bool{}
	var ids []string
	for i := range 1000 {
		id := newID(base.Add(time.Duration(i) * time.Millisecond))
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
	// Same instant: still distinct.
	if newID(base) == newID(base) {
		t.Error("two IDs for the same instant are equal")
	}
}

func TestPutDuplicateID(t *testing.T) {
	t.Parallel()
	s, _ := openStore(t)
	if _, err := s.Put(Entry{ID: "dup"}, strings.NewReader("first")); err != nil {
		t.Fatal(err)
	}
	_, err := s.Put(Entry{ID: "dup"}, strings.NewReader("second"))
	if !errors.Is(err, fs.ErrExist) {
		t.Fatalf("second Put: %v, want fs.ErrExist", err)
	}
	_, rc, err := s.Get("dup")
	if err != nil {
		t.Fatal(err)
	}
	if b := readAll(t, rc); string(b) != "first" {
		t.Errorf("message = %q, want the first one kept", b)
	}
}

// TestCrashLeftovers simulates a crash in the middle of Put and of Delete:
// the half-built entries under .tmp are invisible to List and removed by the
// next Open.
func TestCrashLeftovers(t *testing.T) {
	t.Parallel()
	s, dir := openStore(t)
	good, err := s.Put(Entry{Sender: "a@example.com"}, strings.NewReader("kept"))
	if err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(dir, ".tmp")
	// Put died after writing part of the message, before entry.json.
	half := filepath.Join(tmp, newID(time.Now()))
	if err := os.Mkdir(half, 0o700); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(half, "message.eml"), []byte("From: a@exa"), 0o600)
	// Put died after both files, before the rename.
	whole := filepath.Join(tmp, "caller-id")
	os.Mkdir(whole, 0o700)
	os.WriteFile(filepath.Join(whole, "message.eml"), []byte("x"), 0o600)
	os.WriteFile(filepath.Join(whole, "entry.json"), []byte(`{"id":"caller-id"}`), 0o600)
	// Delete died between the rename and the removal.
	os.Mkdir(filepath.Join(tmp, "deleted-x"), 0o700)
	// And a stray file.
	os.WriteFile(filepath.Join(tmp, "junk"), nil, 0o600)

	list, err := s.List()
	if err != nil || len(list) != 1 || list[0].ID != good.ID {
		t.Fatalf("List with leftovers = %v, %v; want only %s", list, err, good.ID)
	}
	if _, _, err := s.Get("caller-id"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get of an unfinished entry: %v, want ErrNotFound", err)
	}

	s2, err := Open(dir)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	if got := names(t, tmp); len(got) != 0 {
		t.Errorf(".tmp after Open = %v, want empty", got)
	}
	list, err = s2.List()
	if err != nil || len(list) != 1 || list[0].ID != good.ID {
		t.Fatalf("List after reopen = %v, %v; want only %s", list, err, good.ID)
	}
	// The unfinished caller ID is free again.
	if _, err := s2.Put(Entry{ID: "caller-id"}, strings.NewReader("y")); err != nil {
		t.Errorf("Put after cleanup: %v", err)
	}
}

func TestListSkipsForeignNames(t *testing.T) {
	t.Parallel()
	s, dir := openStore(t)
	e, err := s.Put(Entry{}, strings.NewReader("m"))
	if err != nil {
		t.Fatal(err)
	}
	os.Mkdir(filepath.Join(dir, "lost+found"), 0o700)
	os.WriteFile(filepath.Join(dir, "README"), []byte("not an entry"), 0o600)
	list, err := s.List()
	if err != nil || len(list) != 1 || list[0].ID != e.ID {
		t.Fatalf("List = %v, %v; want only %s", list, err, e.ID)
	}
	if err := s.Delete("README"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Delete of a plain file: %v, want ErrNotFound", err)
	}
}

func TestListReportsDamagedEntry(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		entry string // "" = no entry.json
		want  string
	}{
		{"missing entry.json", "", "not found"},
		{"corrupt entry.json", "{", "corrupt entry.json"},
		{"wrong id", `{"id":"other"}`, `names id "other"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, dir := openStore(t)
			d := filepath.Join(dir, "damaged")
			os.Mkdir(d, 0o700)
			os.WriteFile(filepath.Join(d, "message.eml"), []byte("m"), 0o600)
			if tt.entry != "" {
				os.WriteFile(filepath.Join(d, "entry.json"), []byte(tt.entry), 0o600)
			}
			if _, err := s.List(); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("List: %v, want an error containing %q", err, tt.want)
			}
			if _, _, err := s.Get("damaged"); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Get: %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

type failingReader struct{ n int }

func (r *failingReader) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, errors.New("connection reset")
	}
	n := min(len(p), r.n)
	for i := range n {
		p[i] = 'x'
	}
	r.n -= n
	return n, nil
}

// TestPutFailureLeavesNothing checks that every way Put can fail leaves no
// entry and no temporary directory behind.
func TestPutFailureLeavesNothing(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		rootSkip bool                           // chmod is no barrier for root
		breakIt  func(t *testing.T, dir string) // called after Open
		msg      io.Reader
	}{
		{
			name: "message reader fails midway",
			msg:  &failingReader{n: 100_000},
		},
		{
			name: ".tmp replaced by a regular file",
			breakIt: func(t *testing.T, dir string) {
				tmp := filepath.Join(dir, ".tmp")
				if err := os.Remove(tmp); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(tmp, nil, 0o600); err != nil {
					t.Fatal(err)
				}
			},
		},
		{
			name:     "read-only store directory",
			rootSkip: true,
			breakIt: func(t *testing.T, dir string) {
				os.Chmod(dir, 0o500)
				t.Cleanup(func() { os.Chmod(dir, 0o700) })
			},
		},
		{
			name:     "read-only .tmp directory",
			rootSkip: true,
			breakIt: func(t *testing.T, dir string) {
				tmp := filepath.Join(dir, ".tmp")
				os.Chmod(tmp, 0o500)
				t.Cleanup(func() { os.Chmod(tmp, 0o700) })
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if tt.rootSkip && os.Geteuid() == 0 {
				t.Skip("running as root: permissions do not stop writes")
			}
			s, dir := openStore(t)
			if tt.breakIt != nil {
				tt.breakIt(t, dir)
			}
			msg := tt.msg
			if msg == nil {
				msg = strings.NewReader("From: a@example.com\r\n\r\nbody\r\n")
			}
			_, err := s.Put(Entry{ID: "will-fail"}, msg)
			if err == nil {
				t.Fatal("Put succeeded")
			}
			if _, err := os.Lstat(filepath.Join(dir, "will-fail")); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("dir/will-fail after failed Put: %v", err)
			}
			if fi, err := os.Stat(filepath.Join(dir, ".tmp")); err == nil && fi.IsDir() {
				if got := names(t, filepath.Join(dir, ".tmp")); len(got) != 0 {
					t.Errorf(".tmp after failed Put = %v", got)
				}
			}
			if list, err := s.List(); err != nil || len(list) != 0 {
				t.Errorf("List after failed Put = %v, %v", list, err)
			}
		})
	}
}

func TestOpenUnderRegularFile(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(filepath.Join(file, "quarantine")); err == nil {
		t.Fatal("Open under a regular file succeeded")
	}
}

func TestConcurrentPuts(t *testing.T) {
	t.Parallel()
	s, dir := openStore(t)
	const n = 64
	var wg sync.WaitGroup
	ids := make([]string, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			msg := fmt.Sprintf("message %d\r\n", i)
			var e Entry
			e, errs[i] = s.Put(Entry{Sender: fmt.Sprint(i), Received: time.Unix(1_800_000_000, 0)}, strings.NewReader(msg))
			ids[i] = e.ID
			// Readers run alongside the writers.
			if _, err := s.List(); err != nil {
				errs[i] = errors.Join(errs[i], err)
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	list, err := s.List()
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != n {
		t.Fatalf("List has %d entries, want %d", len(list), n)
	}
	if !slices.IsSortedFunc(list, func(a, b Entry) int { return strings.Compare(a.ID, b.ID) }) {
		t.Error("entries with equal Received are not ordered by ID")
	}
	for i, id := range ids {
		e, rc, err := s.Get(id)
		if err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprintf("message %d\r\n", i); string(readAll(t, rc)) != want || e.Sender != fmt.Sprint(i) {
			t.Errorf("entry %s mixed up", id)
		}
	}
	// Concurrent deletes of everything.
	for _, id := range ids {
		wg.Go(func() {
			if err := s.Delete(id); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got := names(t, dir); !slices.Equal(got, []string{".tmp"}) {
		t.Errorf("store after deleting everything holds %v", got)
	}
}
