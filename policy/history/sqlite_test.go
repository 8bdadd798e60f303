package history

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestSQLiteReopen(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "history.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	want := []Entry{e("a", t0, true), e("b", t0.Add(time.Hour), false)}
	if err := s.Add(ctx, "alice@example.com", want); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.Since(ctx, "Alice@example.com", t0)
	if err != nil {
		t.Fatal(err)
	}
	checkEntries(t, got, want)
	// Upserts still work on the reopened file.
	if err := s.Add(ctx, "alice@example.com", []Entry{e("b", t0, true)}); err != nil {
		t.Fatal(err)
	}
	got, err = s.Since(ctx, "alice@example.com", t0)
	if err != nil {
		t.Fatal(err)
	}
	checkEntries(t, got, []Entry{e("a", t0, true), e("b", t0.Add(time.Hour), true)})
}

func TestOpenCreatesPrivateFiles(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "data", "history")
	path := filepath.Join(dir, "history.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Add(context.Background(), "a", []Entry{e("k", t0, false)}); err != nil {
		t.Fatal(err)
	}
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

func TestOpenReadOnlyMissing(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, path := range []string{
		filepath.Join(dir, "history.db"),
		filepath.Join(dir, "data", "history.db"),
	} {
		s, err := OpenReadOnly(path)
		if err == nil {
			s.Close()
			t.Fatalf("OpenReadOnly(%s) of a missing file succeeded", path)
		}
		if !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("OpenReadOnly(%s): %v, want fs.ErrNotExist", path, err)
		}
	}
	if names := dirNames(t, dir); len(names) > 0 {
		t.Errorf("OpenReadOnly created %v", names)
	}
}

func TestOpenReadOnly(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "history.db")
	w, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Add(ctx, "alice@example.com", []Entry{e("a", t0, true)}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	names, sum := dirNames(t, dir), fileSum(t, path)

	// Alone, as `dlprelay scan` runs when the relay is stopped.
	r, err := OpenReadOnly(path)
	if err != nil {
		t.Fatal(err)
	}
	got, err := r.Since(ctx, "alice@example.com", t0)
	if err != nil {
		t.Fatal(err)
	}
	checkEntries(t, got, []Entry{e("a", t0, true)})
	if n, err := r.Senders(ctx); err != nil || n != 1 {
		t.Errorf("Senders: %d, %v; want 1", n, err)
	}
	if err := r.Add(ctx, "alice@example.com", []Entry{e("b", t0, false)}); !errors.Is(err, ErrReadOnly) {
		t.Errorf("Add: %v, want ErrReadOnly", err)
	}
	if _, err := r.Prune(ctx, t0.Add(time.Hour)); !errors.Is(err, ErrReadOnly) {
		t.Errorf("Prune: %v, want ErrReadOnly", err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	// SQLite needs the -shm file to read a WAL database and creates it,
	// with an empty -wal, when no writer has them open. Nothing else.
	for _, name := range dirNames(t, dir) {
		if slices.Contains(names, name) {
			continue
		}
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("OpenReadOnly left %s, %d bytes, %v", name, fi.Size(), fi.Mode())
		switch {
		case name == "history.db-shm":
		case name == "history.db-wal" && fi.Size() == 0:
		default:
			t.Errorf("OpenReadOnly left %s (%d bytes)", name, fi.Size())
		}
		if fi.Mode() != 0o600 {
			t.Errorf("%s: mode %v, want 0600", name, fi.Mode())
		}
	}
	if fileSum(t, path) != sum {
		t.Error("OpenReadOnly changed the database file")
	}

	// Beside a running relay: it sees what the relay adds.
	w, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	r, err = OpenReadOnly(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if err := w.Add(ctx, "alice@example.com", []Entry{e("b", t0, false)}); err != nil {
		t.Fatal(err)
	}
	got, err = r.Since(ctx, "alice@example.com", t0)
	if err != nil {
		t.Fatal(err)
	}
	checkEntries(t, got, []Entry{e("a", t0, true), e("b", t0, false)})
}

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	des, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, de := range des {
		names = append(names, de.Name())
	}
	return names
}

func fileSum(t *testing.T, path string) [sha256.Size]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

// rawExec runs statements on a closed database behind the package's back.
func rawExec(t *testing.T, path string, stmts ...string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatal(err)
		}
	}
}

func TestSchemaVersion(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()

	path := filepath.Join(dir, "history.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	v, err := userVersion(ctx, db)
	db.Close()
	if err != nil || v != schemaVersion {
		t.Fatalf("user_version after Open: %d, %v; want %d", v, err, schemaVersion)
	}

	newer := schemaVersion + 41
	rawExec(t, path, fmt.Sprintf("PRAGMA user_version = %d", newer))
	for name, open := range map[string]func(string) (*SQLite, error){"Open": Open, "OpenReadOnly": OpenReadOnly} {
		s, err := open(path)
		if err == nil {
			s.Close()
			t.Fatalf("%s of a database with schema version %d succeeded", name, newer)
		}
		for _, v := range []int{newer, schemaVersion} {
			if !strings.Contains(err.Error(), "version "+strconv.Itoa(v)) && !strings.Contains(err.Error(), "than "+strconv.Itoa(v)) {
				t.Errorf("%s: %q does not name version %d", name, err, v)
			}
		}
	}

	// A database at version 0 is new, unless it has tables: then it is
	// some other database and left alone.
	other := filepath.Join(dir, "other.db")
	rawExec(t, other, "CREATE TABLE t (x)")
	if s, err := Open(other); err == nil {
		s.Close()
		t.Fatal("Open of a database with tables and no schema version succeeded")
	} else if !strings.Contains(err.Error(), "not a dlprelay history database") {
		t.Errorf("Open(other): %v", err)
	}

	// OpenReadOnly does not migrate.
	empty := filepath.Join(dir, "empty.db")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if s, err := OpenReadOnly(empty); err == nil {
		s.Close()
		t.Fatal("OpenReadOnly of a database with schema version 0 succeeded")
	} else if !strings.Contains(err.Error(), "version 0") {
		t.Errorf("OpenReadOnly(empty): %v", err)
	}
	if fi, err := os.Stat(empty); err != nil || fi.Size() != 0 {
		t.Errorf("OpenReadOnly wrote to the empty file: %v, %v", fi.Size(), err)
	}

	// Not a database at all.
	junk := filepath.Join(dir, "junk.db")
	if err := os.WriteFile(junk, []byte(strings.Repeat("not sqlite\n", 100)), 0o600); err != nil {
		t.Fatal(err)
	}
	if s, err := Open(junk); err == nil {
		s.Close()
		t.Fatal("Open of a text file succeeded")
	}
}

// The relay's goroutines share one SQLite; `dlprelay scan` or a second
// relay on the same file is another SQLite, whose writes meet in SQLite's
// locks (the busy timeout) rather than in the connection pool.
func TestSQLiteConcurrent(t *testing.T) {
	t.Parallel()
	for _, handles := range []int{1, 2} {
		t.Run(fmt.Sprintf("%d handles", handles), func(t *testing.T) {
			t.Parallel()
			testConcurrent(t, handles)
		})
	}
}

func testConcurrent(t *testing.T, handles int) {
	const (
		goroutines = 8
		rounds     = 10
		perAdd     = 3
	)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "history.db")
	stores := make([]*SQLite, handles)
	for i := range stores {
		s, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		stores[i] = s
	}

	var wg sync.WaitGroup
	errs := make(chan error, goroutines)
	for g := range goroutines {
		s := stores[g%handles]
		sender := fmt.Sprintf("user%d@example.com", g%4) // two goroutines per sender
		wg.Go(func() {
			for r := range rounds {
				entries := make([]Entry, perAdd)
				for i := range entries {
					entries[i] = e(fmt.Sprintf("g%d-r%d-%d", g, r, i), t0.Add(time.Duration(r)*time.Minute), i == 0)
				}
				// One key all goroutines share: the upserts race.
				entries = append(entries, e("shared", t0.Add(time.Duration(g*rounds+r)*time.Second), false))
				if err := s.Add(ctx, sender, entries); err != nil {
					errs <- fmt.Errorf("goroutine %d: Add: %w", g, err)
					return
				}
				got, err := s.Since(ctx, sender, t0)
				if err != nil {
					errs <- fmt.Errorf("goroutine %d: Since: %w", g, err)
					return
				}
				if len(got) < (r+1)*perAdd+1 {
					errs <- fmt.Errorf("goroutine %d round %d: Since returned %d entries, fewer than it added", g, r, len(got))
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	total := 0
	for u := range 4 {
		got, err := stores[0].Since(ctx, fmt.Sprintf("user%d@example.com", u), time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		total += len(got)
		i := slices.IndexFunc(got, func(e Entry) bool { return e.Key == "shared" })
		if i < 0 {
			t.Fatalf("user%d: no shared key", u)
		}
		// The later of the two goroutines' last Adds.
		last := t0.Add(time.Duration((u+4)*rounds+rounds-1) * time.Second)
		if !got[i].At.Equal(last) {
			t.Errorf("user%d: shared key at %v, want %v", u, got[i].At, last)
		}
	}
	if want := goroutines*(rounds*perAdd) + 4; total != want {
		t.Errorf("%d entries in all, want %d", total, want)
	}
}

func BenchmarkAdd(b *testing.B) {
	ctx := context.Background()
	s, err := Open(filepath.Join(b.TempDir(), "history.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	entries := make([]Entry, 3)
	now := time.Now()
	i := 0
	for b.Loop() {
		for j := range entries {
			entries[j] = Entry{Key: fmt.Sprintf("%032x", i), At: now, High: i%2 == 0}
			i++
		}
		if err := s.Add(ctx, "alice@example.com", entries); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSince(b *testing.B) {
	ctx := context.Background()
	s, err := Open(filepath.Join(b.TempDir(), "history.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	entries := make([]Entry, 1000)
	for i := range entries {
		entries[i] = Entry{Key: fmt.Sprintf("%032x", i), At: t0.Add(time.Duration(i) * time.Minute), High: i%2 == 0}
	}
	if err := s.Add(ctx, "alice@example.com", entries); err != nil {
		b.Fatal(err)
	}
	// Other senders, so the sender's rows are a part of the table.
	for u := range 100 {
		if err := s.Add(ctx, fmt.Sprintf("user%d@example.com", u), entries[:100]); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		got, err := s.Since(ctx, "alice@example.com", t0)
		if err != nil {
			b.Fatal(err)
		}
		if len(got) != len(entries) {
			b.Fatalf("Since: %d entries, want %d", len(got), len(entries))
		}
	}
}
