// Package sqlitedb owns how dlprelay opens its SQLite files: permissions,
// pragmas, one writer and read-only readers, and versioned migrations.
//
// Every store (history, quarantine, audit, users) opens its file the same
// way: OpenWriter for the one read-write connection, which also brings
// the schema to the current version, and OpenReader for a pool of
// read-only connections beside it; a tool that only reads uses
// OpenReadOnly, which also insists that the schema is current. Close
// closes them in the right order.
//
// Errors carry no package prefix: the caller wraps them with its own
// ("history: ..."), so a message names the store it is about.
package sqlitedb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"

	_ "modernc.org/sqlite" // the "sqlite" database/sql driver, pure Go (no cgo)
)

const (
	// busyTimeout is how long a connection waits for another one's lock
	// (another process on the same file, a checkpoint) before
	// SQLITE_BUSY.
	busyTimeout = "busy_timeout(5000)"
	// readConns bounds the read connections: in WAL mode they read while
	// the writer writes, so a read never waits for a write's fsync.
	readConns = 4
)

// Schema is what a store's database holds and how it got there.
type Schema struct {
	// Name is the kind of database, as messages name it: "history"
	// gives "not a dlprelay history database".
	Name string
	// Migrations[i] takes a database from PRAGMA user_version i to
	// i+1. Append only: a step that was released is never changed.
	Migrations []string
}

// Version is the user_version that s writes and reads.
func (s Schema) Version() int { return len(s.Migrations) }

// OpenWriter opens the database at path (absolute) for writing, creating
// the file (0600) and its parent directory (0700) if missing, and migrates
// it to s.Version() in one transaction. It fails if a newer dlprelay wrote
// the database, or if the database is at version 0 but has tables (some
// other database was given).
//
// The database is in WAL mode with the given synchronous setting ("FULL"
// in production: a committed transaction is fsynced before Commit
// returns, so it survives a power loss too). pragmas are more
// "name(value)" settings for every connection, after those.
//
// The returned pool has one connection: SQLite runs one writer at a time
// anyway, and with one connection the writers queue in database/sql
// (honouring their contexts) rather than in SQLite's busy handler. Its
// transactions are IMMEDIATE: BEGIN takes the write lock, where the busy
// timeout applies, so the reads in a transaction and its writes see one
// state, and a read does not fail with SQLITE_BUSY when it turns into a
// write.
func OpenWriter(ctx context.Context, path string, s Schema, synchronous string, pragmas ...string) (*sql.DB, error) {
	if !filepath.IsAbs(path) {
		return nil, fmt.Errorf("%s is not an absolute path", path)
	}
	switch synchronous {
	case "OFF", "NORMAL", "FULL", "EXTRA":
	default:
		return nil, fmt.Errorf("synchronous %q is not OFF, NORMAL, FULL or EXTRA", synchronous)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	// Create the file here so that it is 0600 (SQLite would make it 0644
	// less the umask); SQLite gives the -wal and -shm files the same mode.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	f.Close()

	w, err := sql.Open("sqlite", dsn(path, url.Values{
		"_pragma": append([]string{busyTimeout, "journal_mode(WAL)", "synchronous(" + synchronous + ")"}, pragmas...),
		"_txlock": {"immediate"},
	}))
	if err != nil {
		return nil, err
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	if err := migrate(ctx, w, path, s); err != nil {
		w.Close()
		return nil, err
	}
	return w, nil
}

// OpenReader opens a pool of read-only (mode=ro) connections to the
// database at path (absolute), for reading beside the writer that
// OpenWriter opened. It never creates the database: a missing file is an
// error wrapping fs.ErrNotExist. To read a WAL database SQLite needs the
// -shm index file, so when no writer has the database open it creates
// that and an empty -wal (with the database's mode) and, being read-only,
// leaves them; the database file itself is never written.
func OpenReader(path string) (*sql.DB, error) {
	if !filepath.IsAbs(path) {
		return nil, fmt.Errorf("%s is not an absolute path", path)
	}
	// SQLite's mode=ro would fail on a missing file too, but with a less
	// helpful error.
	if _, err := os.Stat(path); err != nil {
		return nil, err
	}
	r, err := sql.Open("sqlite", dsn(path, url.Values{
		"mode":    {"ro"},
		"_pragma": {busyTimeout},
	}))
	if err != nil {
		return nil, err
	}
	r.SetMaxOpenConns(readConns)
	r.SetMaxIdleConns(readConns)
	return r, nil
}

// OpenReadOnly is OpenReader for tools that only read, such as `dlprelay
// scan` beside the relay: the schema must be s's current version. An older
// one is an error (OpenWriter would migrate it, and a reader must not) and
// so is a newer one.
func OpenReadOnly(ctx context.Context, path string, s Schema) (*sql.DB, error) {
	r, err := OpenReader(path)
	if err != nil {
		return nil, err
	}
	v, err := userVersion(ctx, r, path)
	if err == nil {
		err = checkNewer(path, v, s)
	}
	if err == nil && v < s.Version() {
		err = fmt.Errorf("%s has schema version %d, older than %d: open it read-write once (start the relay) to migrate it", path, v, s.Version())
	}
	if err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

// Close closes the readers r and then the writer w (nil after
// OpenReadOnly). The order matters: the writer, closing last, can
// checkpoint the WAL into the database file, which a read-only connection
// cannot.
func Close(w, r *sql.DB) error {
	err := r.Close()
	if w != nil {
		err = errors.Join(err, w.Close())
	}
	return err
}

// dsn is the file: URI for path (absolute) with the query q. The URI form
// lets SQLite see mode=ro; the driver reads the underscore keys in it too.
func dsn(path string, q url.Values) string {
	u := url.URL{Scheme: "file", Path: path, RawQuery: q.Encode()}
	return u.String()
}

// querier is what userVersion needs of a *sql.DB or *sql.Tx.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func userVersion(ctx context.Context, q querier, path string) (int, error) {
	var v int
	if err := q.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return 0, fmt.Errorf("reading schema version of %s: %w", path, err)
	}
	return v, nil
}

func checkNewer(path string, v int, s Schema) error {
	if v > s.Version() {
		return fmt.Errorf("%s has schema version %d, newer than %d, the newest this dlprelay knows: it was written by a newer dlprelay", path, v, s.Version())
	}
	return nil
}

// migrate brings the database to s.Version() in one transaction. The
// transaction is IMMEDIATE (see OpenWriter), so two processes opening the
// same new file migrate one after the other.
func migrate(ctx context.Context, db *sql.DB, path string, s Schema) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("opening %s: %w", path, err)
	}
	defer tx.Rollback()
	v, err := userVersion(ctx, tx, path)
	if err != nil {
		return err
	}
	if err := checkNewer(path, v, s); err != nil {
		return err
	}
	if v == s.Version() {
		return nil
	}
	if v == 0 {
		// Version 0 is a new, empty file. Tables in it mean some
		// other database was given.
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema").Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("%s has tables but no schema version: not a dlprelay %s database", path, s.Name)
		}
	}
	for ; v < s.Version(); v++ {
		if _, err := tx.ExecContext(ctx, s.Migrations[v]); err != nil {
			return fmt.Errorf("migrating %s from schema version %d: %w", path, v, err)
		}
	}
	// PRAGMA takes no parameters; v is an int.
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", v)); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migrating %s: %w", path, err)
	}
	return nil
}
