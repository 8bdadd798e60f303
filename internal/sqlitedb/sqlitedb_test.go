package sqlitedb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

var testSchema = Schema{Name: "test", Migrations: []string{
	`CREATE TABLE a (x INTEGER NOT NULL)`,
	`CREATE TABLE b (y TEXT NOT NULL); INSERT INTO a (x) VALUES (1)`,
}}

// rawDB opens path without any of this package's settings.
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

func queryInt(t *testing.T, db *sql.DB, query string) int {
	t.Helper()
	var n int
	if err := db.QueryRow(query).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func openWriter(t *testing.T, path string, s Schema, pragmas ...string) *sql.DB {
	t.Helper()
	w, err := OpenWriter(context.Background(), path, s, "FULL", pragmas...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return w
}

func TestOpenWriterCreatesPrivateFiles(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "data", "sub")
	path := filepath.Join(dir, "test.db")
	w := openWriter(t, path, testSchema)
	if _, err := w.Exec(`INSERT INTO b (y) VALUES ('z')`); err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]fs.FileMode{
		dir:               fs.ModeDir | 0o700,
		filepath.Dir(dir): fs.ModeDir | 0o700,
		path:              0o600,
		path + "-wal":     0o600,
		path + "-shm":     0o600,
	} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode() != want {
			t.Errorf("%s: mode %v, want %v", p, fi.Mode(), want)
		}
	}
	if v := queryInt(t, w, "PRAGMA user_version"); v != testSchema.Version() {
		t.Errorf("user_version %d, want %d", v, testSchema.Version())
	}
	if n := queryInt(t, w, "SELECT count(*) FROM a"); n != 1 {
		t.Errorf("a has %d rows after the migrations, want 1", n)
	}
}

func TestOpenWriterSettings(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "test.db")
	w := openWriter(t, path, testSchema, "secure_delete(ON)", "foreign_keys(1)")
	if got := w.Stats().MaxOpenConnections; got != 1 {
		t.Errorf("writer MaxOpenConnections %d, want 1", got)
	}
	var mode string
	if err := w.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode %q, %v; want wal", mode, err)
	}
	for pragma, want := range map[string]int{
		"busy_timeout":  5000,
		"synchronous":   2, // FULL
		"secure_delete": 1,
		"foreign_keys":  1,
	} {
		if got := queryInt(t, w, "PRAGMA "+pragma); got != want {
			t.Errorf("PRAGMA %s = %d, want %d", pragma, got, want)
		}
	}

	off, err := OpenWriter(context.Background(), filepath.Join(t.TempDir(), "off.db"), testSchema, "OFF")
	if err != nil {
		t.Fatal(err)
	}
	defer off.Close()
	if got := queryInt(t, off, "PRAGMA synchronous"); got != 0 {
		t.Errorf("synchronous OFF: PRAGMA synchronous = %d", got)
	}

	for _, bad := range []string{"", "full", "FULL)", "2"} {
		if db, err := OpenWriter(context.Background(), filepath.Join(t.TempDir(), "bad.db"), testSchema, bad); err == nil {
			db.Close()
			t.Errorf("OpenWriter with synchronous %q succeeded", bad)
		}
	}
	if db, err := OpenWriter(context.Background(), "rel.db", testSchema, "FULL"); err == nil {
		db.Close()
		t.Error("OpenWriter of a relative path succeeded")
	}
}

func TestOpenWriterMigratesStepByStep(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "test.db")
	// The last open is at the current version, and runs nothing again:
	// a still holds the one row that the second step inserted.
	for _, steps := range []int{1, 2, 2} {
		s := Schema{Name: "test", Migrations: testSchema.Migrations[:steps]}
		w := openWriter(t, path, s)
		if v := queryInt(t, w, "PRAGMA user_version"); v != steps {
			t.Fatalf("user_version %d, want %d", v, steps)
		}
		if n := queryInt(t, w, "SELECT count(*) FROM a"); n != steps-1 {
			t.Errorf("a has %d rows at version %d, want %d", n, steps, steps-1)
		}
		w.Close()
	}
}

// A migration that fails leaves the database as it was: all steps and the
// version are one transaction.
func TestMigrationIsOneTransaction(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "test.db")
	broken := Schema{Name: "test", Migrations: []string{
		`CREATE TABLE a (x INTEGER NOT NULL)`,
		`CREATE TABLE b (y TEXT NOT NULL); INSERT INTO nosuch VALUES (1)`,
	}}
	_, err := OpenWriter(context.Background(), path, broken, "FULL")
	if err == nil {
		t.Fatal("OpenWriter with a failing migration succeeded")
	}
	if !strings.Contains(err.Error(), "migrating "+path+" from schema version 1") {
		t.Errorf("error %q does not name the failed step", err)
	}
	db := rawDB(t, path)
	if v := queryInt(t, db, "PRAGMA user_version"); v != 0 {
		t.Errorf("user_version %d after a failed migration, want 0", v)
	}
	if n := queryInt(t, db, "SELECT count(*) FROM sqlite_schema"); n != 0 {
		t.Errorf("%d schema objects after a failed migration, want 0", n)
	}
	db.Close()

	// Fixed, the same file migrates.
	openWriter(t, path, testSchema)
}

// Writers opening the same new file at once migrate one after the other.
func TestConcurrentOpenMigratesOnce(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "test.db")
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Go(func() {
			w, err := OpenWriter(context.Background(), path, testSchema, "FULL")
			if err == nil {
				err = w.Close()
			}
			errs[i] = err
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	if n := queryInt(t, rawDB(t, path), "SELECT count(*) FROM a"); n != 1 {
		t.Errorf("a has %d rows, want 1: a migration ran twice", n)
	}
}

func TestRefusesNewerVersion(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "test.db")
	openWriter(t, path, testSchema).Close()
	newer := testSchema.Version() + 41
	rawExec(t, path, fmt.Sprintf("PRAGMA user_version = %d", newer))
	want := fmt.Sprintf("%s has schema version %d, newer than %d, the newest this dlprelay knows: it was written by a newer dlprelay", path, newer, testSchema.Version())
	open := map[string]func() (*sql.DB, error){
		"OpenWriter": func() (*sql.DB, error) {
			return OpenWriter(context.Background(), path, testSchema, "FULL")
		},
		"OpenReadOnly": func() (*sql.DB, error) { return OpenReadOnly(context.Background(), path, testSchema) },
	}
	for name, open := range open {
		db, err := open()
		if err == nil {
			db.Close()
			t.Errorf("%s of a database with schema version %d succeeded", name, newer)
		} else if err.Error() != want {
			t.Errorf("%s: %q, want %q", name, err, want)
		}
	}
	if v := queryInt(t, rawDB(t, path), "PRAGMA user_version"); v != newer {
		t.Errorf("user_version %d after the refusals, want %d", v, newer)
	}
}

func TestRefusesTablesWithoutVersion(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "other.db")
	rawExec(t, path, "CREATE TABLE t (x)")
	db, err := OpenWriter(context.Background(), path, testSchema, "FULL")
	if err == nil {
		db.Close()
		t.Fatal("OpenWriter of a database with tables and no schema version succeeded")
	}
	if want := path + " has tables but no schema version: not a dlprelay test database"; err.Error() != want {
		t.Errorf("%q, want %q", err, want)
	}
	if n := queryInt(t, rawDB(t, path), "SELECT count(*) FROM sqlite_schema"); n != 1 {
		t.Errorf("%d schema objects after the refusal, want 1", n)
	}
}

func TestRefusesNotADatabase(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "junk.db")
	if err := os.WriteFile(path, []byte(strings.Repeat("not sqlite\n", 100)), 0o600); err != nil {
		t.Fatal(err)
	}
	if db, err := OpenWriter(context.Background(), path, testSchema, "FULL"); err == nil {
		db.Close()
		t.Fatal("OpenWriter of a text file succeeded")
	}
}

func TestReaderCannotWrite(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "test.db")
	openWriter(t, path, testSchema)
	r, err := OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if got := r.Stats().MaxOpenConnections; got != readConns {
		t.Errorf("reader MaxOpenConnections %d, want %d", got, readConns)
	}
	if n := queryInt(t, r, "SELECT count(*) FROM a"); n != 1 {
		t.Errorf("reader sees %d rows, want 1", n)
	}
	if got := queryInt(t, r, "PRAGMA busy_timeout"); got != 5000 {
		t.Errorf("reader busy_timeout %d, want 5000", got)
	}
	for _, stmt := range []string{
		`INSERT INTO a (x) VALUES (2)`,
		`CREATE TABLE c (z)`,
		`PRAGMA user_version = 7`,
	} {
		if _, err := r.Exec(stmt); err == nil {
			t.Errorf("reader ran %s", stmt)
		}
	}
	if v := queryInt(t, rawDB(t, path), "PRAGMA user_version"); v != testSchema.Version() {
		t.Errorf("user_version %d, want %d", v, testSchema.Version())
	}
}

func TestReaderNeverCreates(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "missing", "test.db")
	for name, open := range map[string]func() (*sql.DB, error){
		"OpenReader":   func() (*sql.DB, error) { return OpenReader(path) },
		"OpenReadOnly": func() (*sql.DB, error) { return OpenReadOnly(context.Background(), path, testSchema) },
	} {
		db, err := open()
		if err == nil {
			db.Close()
			t.Errorf("%s of a missing file succeeded", name)
		} else if !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s: %v, want fs.ErrNotExist", name, err)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) != 0 {
		t.Errorf("the directory holds %v (%v) after the read-only opens", entries, err)
	}
	if db, err := OpenReader("rel.db"); err == nil {
		db.Close()
		t.Error("OpenReader of a relative path succeeded")
	}
}

// OpenReadOnly does not migrate: an older version is an error and the
// file stays as it was.
func TestOpenReadOnlyRefusesOlderVersion(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.db")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := OpenReadOnly(context.Background(), empty, testSchema)
	if err == nil {
		db.Close()
		t.Fatal("OpenReadOnly of a database with schema version 0 succeeded")
	}
	if want := empty + " has schema version 0, older than 2: open it read-write once (start the relay) to migrate it"; err.Error() != want {
		t.Errorf("%q, want %q", err, want)
	}
	if fi, err := os.Stat(empty); err != nil || fi.Size() != 0 {
		t.Errorf("OpenReadOnly wrote to the empty file: %v, %v", fi.Size(), err)
	}

	current := filepath.Join(dir, "current.db")
	openWriter(t, current, testSchema).Close()
	r, err := OpenReadOnly(context.Background(), current, testSchema)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if n := queryInt(t, r, "SELECT count(*) FROM a"); n != 1 {
		t.Errorf("read-only reader sees %d rows, want 1", n)
	}
}

// With the readers closed first, the writer checkpoints the WAL into the
// database file and removes it.
func TestCloseCheckpoints(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "test.db")
	w, err := OpenWriter(context.Background(), path, testSchema, "FULL")
	if err != nil {
		t.Fatal(err)
	}
	r, err := OpenReader(path)
	if err != nil {
		w.Close()
		t.Fatal(err)
	}
	if _, err := w.Exec(`INSERT INTO b (y) VALUES ('z')`); err != nil {
		t.Fatal(err)
	}
	if n := queryInt(t, r, "SELECT count(*) FROM b"); n != 1 {
		t.Fatalf("reader sees %d rows, want 1", n)
	}
	if err := Close(w, r); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path + "-wal"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("-wal after Close: %v, want it removed", err)
	}

	// After OpenReadOnly there is no writer.
	ro, err := OpenReadOnly(context.Background(), path, testSchema)
	if err != nil {
		t.Fatal(err)
	}
	if n := queryInt(t, ro, "SELECT count(*) FROM b"); n != 1 {
		t.Errorf("after reopening, b has %d rows, want 1", n)
	}
	if err := Close(nil, ro); err != nil {
		t.Fatal(err)
	}
}
