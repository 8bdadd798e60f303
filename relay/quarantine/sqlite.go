package quarantine

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/dlprelay/dlprelay/internal/sqlitedb"
)

// migrations[i] takes a database from PRAGMA user_version i to i+1. Append
// only: a step that was released is never changed.
var migrations = []string{
	// 0 → 1.
	//
	// Times are Unix nanoseconds (UTC). The *_fold columns are the
	// lower-cased text (Go's Unicode rules: SQLite's lower() folds ASCII
	// only) that the case-insensitive filters search with instr(), which,
	// unlike LIKE, needs no escaping; a change of the folding needs a
	// migration that recomputes them.
	//
	// Recipients and fired rules are side tables rather than JSON arrays:
	// a rule filter is an index lookup (rules_rule) instead of parsing
	// every row's JSON with json_each, and a recipient keeps its folded
	// form beside it. Reasons and record IDs are only shown, never
	// filtered on, so they stay JSON arrays (json_each can reach them if
	// a filter is ever wanted).
	//
	// An entry has at most one open release request (releases_open); the
	// entry's status mirrors the open request's status, and every write
	// changes both in one transaction.
	`CREATE TABLE entries (
		id           TEXT PRIMARY KEY,
		received     INTEGER NOT NULL,
		client_addr  TEXT NOT NULL,
		helo         TEXT NOT NULL,
		sender       TEXT NOT NULL,
		sender_fold  TEXT NOT NULL,
		verdict      TEXT NOT NULL,
		reasons      TEXT NOT NULL, -- JSON array of strings
		records      INTEGER NOT NULL,
		record_ids   TEXT NOT NULL, -- JSON array of strings
		size         INTEGER NOT NULL,
		subject      TEXT NOT NULL,
		subject_fold TEXT NOT NULL,
		findings     TEXT,          -- JSON, NULL if none
		status       TEXT NOT NULL,
		expires_at   INTEGER NOT NULL,
		hold         INTEGER NOT NULL DEFAULT 0
	);
	CREATE INDEX entries_received ON entries (received, id);
	CREATE INDEX entries_status ON entries (status, received);
	CREATE INDEX entries_expiry ON entries (expires_at) WHERE hold = 0 AND status NOT IN ('deleted', 'expired');
	CREATE TABLE recipients (
		entry_id  TEXT NOT NULL REFERENCES entries (id),
		pos       INTEGER NOT NULL,
		addr      TEXT NOT NULL,
		addr_fold TEXT NOT NULL,
		PRIMARY KEY (entry_id, pos)
	) WITHOUT ROWID;
	CREATE TABLE rules (
		entry_id TEXT NOT NULL REFERENCES entries (id),
		pos      INTEGER NOT NULL,
		rule     TEXT NOT NULL,
		PRIMARY KEY (entry_id, pos)
	) WITHOUT ROWID;
	CREATE INDEX rules_rule ON rules (rule);
	CREATE TABLE notes (
		seq      INTEGER PRIMARY KEY,
		entry_id TEXT NOT NULL REFERENCES entries (id),
		at       INTEGER NOT NULL,
		author   TEXT NOT NULL,
		text     TEXT NOT NULL
	);
	CREATE INDEX notes_entry ON notes (entry_id, seq);
	CREATE TABLE releases (
		id            TEXT PRIMARY KEY,
		entry_id      TEXT NOT NULL REFERENCES entries (id),
		status        TEXT NOT NULL,
		requested_by  TEXT NOT NULL,
		requested_at  INTEGER NOT NULL,
		justification TEXT NOT NULL,
		recipients    TEXT NOT NULL, -- JSON array of strings
		approved_by   TEXT NOT NULL DEFAULT '',
		approved_at   INTEGER,
		attempts      INTEGER NOT NULL DEFAULT 0,
		next_attempt  INTEGER,
		last_error    TEXT NOT NULL DEFAULT '',
		finished_at   INTEGER
	);
	CREATE INDEX releases_entry ON releases (entry_id, requested_at);
	CREATE UNIQUE INDEX releases_open ON releases (entry_id)
		WHERE status IN ('pending_approval', 'approved', 'sending', 'release_uncertain');
	CREATE INDEX releases_due ON releases (next_attempt, id) WHERE status = 'approved';`,

	// 1 → 2: whether the Subject may hold a customer value (see
	// Entry.SubjectWithheld). Entries from before are withheld.
	`ALTER TABLE entries ADD COLUMN subject_withheld INTEGER NOT NULL DEFAULT 1;`,

	// 2 → 3: a deleted or expired entry keeps no Subject (it is part of
	// the message); drop those kept before.
	`UPDATE entries SET subject = '', subject_fold = '' WHERE status IN ('deleted', 'expired');`,

	// 3 → 4: the release policy the relay runs with (see ReleasePolicy),
	// one row, which RequestRelease applies whoever asks. No row: no
	// relay recorded one, and four-eyes applies. IF NOT EXISTS: a store
	// set back to an older version by hand (as the tests of the steps
	// before do) keeps the table it has.
	`CREATE TABLE IF NOT EXISTS release_policy (
		id        INTEGER PRIMARY KEY CHECK (id = 1),
		four_eyes INTEGER NOT NULL,
		source    TEXT NOT NULL,
		set_at    INTEGER NOT NULL
	);`,
}

// schemaVersion is the user_version this code writes and reads.
var schemaVersion = len(migrations)

// schema is how sqlitedb opens and migrates the file.
var schema = sqlitedb.Schema{Name: "quarantine", Migrations: migrations}

const (
	// dbFile and msgDir are the names of the database and the message
	// directory in the data directory.
	dbFile = "quarantine.db"
	msgDir = "quarantine"
)

// Options tune a store. The zero value is the production setting.
type Options struct {
	// Retention is how long an entry is kept after it was received:
	// ExpiresAt = Received + Retention. Default 30 days.
	Retention time.Duration
	// Now is the clock; default time.Now. Tests set it.
	Now func() time.Time
	// NoCleanup is for tools, such as the dlprelay CLI, that open the
	// store while the relay runs: Open then leaves temporary and orphan
	// message files alone, since they could belong to a Put in flight in
	// the relay. The relay's own Open removes them.
	NoCleanup bool
}

// DefaultRetention is the retention when Options.Retention is 0.
const DefaultRetention = 30 * 24 * time.Hour

// SQLite is the Store: metadata in an SQLite database, messages as files
// beside it.
type SQLite struct {
	dir       string // the message directory, absolute
	path      string // the database file, absolute
	retention time.Duration
	now       func() time.Time
	// w has one connection: SQLite runs one writer at a time anyway, and
	// with one connection the writers queue in database/sql (honouring
	// their contexts) rather than in SQLite's busy handler.
	w *sql.DB
	r *sql.DB // read-only (mode=ro) connections
}

var _ Store = (*SQLite)(nil)

// Open opens the quarantine in dataDir: the database dataDir/quarantine.db
// (created 0600) and the messages in dataDir/quarantine/<id>.eml (the
// directory created 0700). It migrates the schema to the current version
// (and fails if a newer dlprelay wrote it), imports the entries of the
// folder store that came before this one, and (unless opt.NoCleanup)
// removes what a crash left: temporary files, and message files without a
// visible entry (no row and older than a minute, or a deleted or expired
// row).
//
// The database is in WAL mode with synchronous=FULL: a committed change is
// fsynced before the method returns, so neither a SIGKILL nor a power loss
// takes back a Put that returned or a release state that the worker acted
// on. Several processes may open a store at a time; a tool beside the
// relay opens it with Options.NoCleanup, or its Open may remove a temporary
// file of a Put running in the relay, which then fails and is retried by
// the client.
func Open(dataDir string, opt Options) (*SQLite, error) {
	if opt.Retention <= 0 {
		opt.Retention = DefaultRetention
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	abs, err := filepath.Abs(dataDir)
	if err != nil {
		return nil, fmt.Errorf("quarantine: %w", err)
	}
	dir := filepath.Join(abs, msgDir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("quarantine: %w", err)
	}
	path := filepath.Join(abs, dbFile)
	// foreign_keys: the side tables reference their entry. Transactions
	// are IMMEDIATE (see sqlitedb.OpenWriter), so the reads that decide a
	// state change and the change itself see one state.
	w, err := sqlitedb.OpenWriter(context.Background(), path, schema, "FULL", "foreign_keys(1)")
	if err != nil {
		return nil, fmt.Errorf("quarantine: %w", err)
	}
	r, err := sqlitedb.OpenReader(path)
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("quarantine: %w", err)
	}
	s := &SQLite{dir: dir, path: path, retention: opt.Retention, now: opt.Now, w: w, r: r}
	if err := s.importFolder(); err != nil {
		s.Close()
		return nil, err
	}
	if !opt.NoCleanup {
		if err := s.cleanup(); err != nil {
			s.Close()
			return nil, err
		}
	}
	return s, nil
}

// write runs fn in one write transaction and commits it.
func (s *SQLite) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("quarantine: %w", err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("quarantine: %w", err)
	}
	return nil
}

// read runs fn in one read transaction, so that what it reads is one
// snapshot.
func (s *SQLite) read(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("quarantine: %w", err)
	}
	defer tx.Rollback()
	return fn(tx)
}

// msgPath is the message file of entry id (a valid ID).
func (s *SQLite) msgPath(id string) string { return filepath.Join(s.dir, id+".eml") }

// Path returns the absolute path of the database file.
func (s *SQLite) Path() string { return s.path }

// Close implements Store. It closes the read connections first so that
// the writer, closing last, can checkpoint the WAL into the database file.
func (s *SQLite) Close() error {
	if err := sqlitedb.Close(s.w, s.r); err != nil {
		return fmt.Errorf("quarantine: %w", err)
	}
	return nil
}

// nanos and fromNanos convert times to and from the stored Unix
// nanoseconds; a zero time is NULL.
func nanos(t time.Time) int64 { return t.UnixNano() }

func nullNanos(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixNano(), Valid: true}
}

func fromNanos(n int64) time.Time { return time.Unix(0, n).UTC() }

func fromNull(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return fromNanos(n.Int64)
}

// storable reports whether t fits in int64 Unix nanoseconds (1678 to 2262)
// with room to spare.
func storable(t time.Time) bool {
	return t.Year() >= 1700 && t.Year() <= 2200
}
