package history

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"time"

	"github.com/dlprelay/dlprelay/internal/sqlitedb"
)

// migrations[i] takes a database from PRAGMA user_version i to i+1. Append
// only: a step that was released is never changed.
var migrations = []string{
	// 0 → 1. The primary key keeps a sender's rows together in key order,
	// which is what Since reads (a sender's rows are few: Prune keeps only
	// the longest window). WITHOUT ROWID stores the rows in that index
	// itself. sent_at serves Prune, which would otherwise read the whole
	// table under the write lock.
	`CREATE TABLE sent (
		sender TEXT NOT NULL,    -- lower-cased envelope sender
		key    TEXT NOT NULL,    -- record key from a Keyer, never a value
		at     INTEGER NOT NULL, -- last time sent, Unix nanoseconds
		high   INTEGER NOT NULL, -- 1 if ever sent with high confidence
		PRIMARY KEY (sender, key)
	) WITHOUT ROWID;
	CREATE INDEX sent_at ON sent (at);`,
}

// schemaVersion is the user_version this code writes and reads.
var schemaVersion = len(migrations)

// schema is how sqlitedb opens and migrates the file.
var schema = sqlitedb.Schema{Name: "history", Migrations: migrations}

const (
	upsertSQL = `INSERT INTO sent (sender, key, at, high) VALUES (?, ?, ?, ?)
		ON CONFLICT (sender, key) DO UPDATE SET at = max(at, excluded.at), high = max(high, excluded.high)`
	sinceSQL   = `SELECT key, at, high FROM sent WHERE sender = ? AND at >= ? ORDER BY key`
	pruneSQL   = `DELETE FROM sent WHERE at < ?`
	sendersSQL = `SELECT count(DISTINCT sender) FROM sent`
)

// SQLite is a Store in an SQLite database file.
type SQLite struct {
	path string
	// w is nil when opened read-only. It has one connection: SQLite runs
	// one writer at a time anyway, and with one connection the writers
	// queue in database/sql (honouring their contexts) rather than in
	// SQLite's busy handler.
	w *sql.DB
	r *sql.DB // read-only (mode=ro) connections
}

var _ Store = (*SQLite)(nil)

// Open opens the history database at path for reading and writing,
// creating the file (0600) and its parent directory (0700) if missing, and
// migrates its schema to the current version. It fails if the database was
// written by a newer dlprelay.
//
// The database is in WAL mode with synchronous=FULL: every Add appends its
// transaction to the -wal file and fsyncs it before returning. A process
// crash or SIGKILL never loses an Add that returned, since the data is in
// the file (NORMAL would already give that much: the kernel keeps what was
// written). FULL also makes it survive a power loss or kernel crash, which
// NORMAL does not (the last Adds before the loss could be rolled back,
// though the file stays consistent either way). It costs one fsync per Add,
// which is per relayed message and small next to delivering it upstream;
// a DLP memory that forgets what it was told is how low-and-slow gets
// through.
func Open(path string) (*SQLite, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	w, err := sqlitedb.OpenWriter(context.Background(), abs, schema, "FULL")
	if err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	r, err := sqlitedb.OpenReader(abs)
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("history: %w", err)
	}
	return &SQLite{path: abs, w: w, r: r}, nil
}

// OpenReadOnly opens an existing history database for reading, for tools
// such as `dlprelay scan` that run beside the relay. It never creates or
// writes the database (a missing file is an error wrapping fs.ErrNotExist)
// and its Add and Prune return ErrReadOnly. One thing it may create: to
// read a WAL database SQLite needs the -shm index file, so when no writer
// has the database open it creates that and an empty -wal (0600, like the
// database) and, being read-only, leaves them; the relay's next clean
// shutdown removes them. The database file itself is never written.
//
// The schema must be the current one: an older one is an error (opening it
// with Open migrates it) and so is a newer one.
func OpenReadOnly(path string) (*SQLite, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	r, err := sqlitedb.OpenReadOnly(context.Background(), abs, schema)
	if err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	return &SQLite{path: abs, r: r}, nil
}

// Since implements Store.
func (s *SQLite) Since(ctx context.Context, sender string, since time.Time) ([]Entry, error) {
	snd, err := normSender(sender)
	if err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, sinceSQL, snd, nanos(since))
	if err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		var (
			e    Entry
			at   int64
			high int
		)
		if err := rows.Scan(&e.Key, &at, &high); err != nil {
			return nil, fmt.Errorf("history: %w", err)
		}
		e.At, e.High = fromNanos(at), high != 0
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	return out, nil
}

// Add implements Store. All entries are written in one transaction.
func (s *SQLite) Add(ctx context.Context, sender string, entries []Entry) error {
	if s.w == nil {
		return ErrReadOnly
	}
	snd, err := checkAdd(sender, entries)
	if err != nil {
		return err
	}
	if len(entries) == 0 {
		return nil
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("history: %w", err)
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, upsertSQL)
	if err != nil {
		return fmt.Errorf("history: %w", err)
	}
	defer stmt.Close()
	for _, e := range entries {
		high := 0
		if e.High {
			high = 1
		}
		if _, err := stmt.ExecContext(ctx, snd, e.Key, nanos(e.At), high); err != nil {
			return fmt.Errorf("history: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("history: %w", err)
	}
	return nil
}

// Prune implements Store. It deletes in one transaction, which holds the
// write lock for as long as it takes: call it periodically (hourly, say),
// not per message.
func (s *SQLite) Prune(ctx context.Context, before time.Time) (int, error) {
	if s.w == nil {
		return 0, ErrReadOnly
	}
	res, err := s.w.ExecContext(ctx, pruneSQL, nanos(before))
	if err != nil {
		return 0, fmt.Errorf("history: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("history: %w", err)
	}
	return int(n), nil
}

// Senders returns the number of distinct senders with entries. It reads
// the primary key index, one step per row: fine for a metric scraped every
// few seconds on a history of up to some million rows.
func (s *SQLite) Senders(ctx context.Context) (int, error) {
	var n int
	if err := s.r.QueryRowContext(ctx, sendersSQL).Scan(&n); err != nil {
		return 0, fmt.Errorf("history: %w", err)
	}
	return n, nil
}

// Path returns the absolute path of the database file.
func (s *SQLite) Path() string { return s.path }

// Close implements Store. It closes the read connections first so that
// the writer, closing last, can checkpoint the WAL into the database file.
func (s *SQLite) Close() error {
	if err := sqlitedb.Close(s.w, s.r); err != nil {
		return fmt.Errorf("history: %w", err)
	}
	return nil
}
