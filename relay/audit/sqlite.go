package audit

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"time"

	"github.com/dlprelay/dlprelay/internal/sqlitedb"
)

// migrations[i] takes a database from PRAGMA user_version i to i+1. Append
// only: a step that was released is never changed.
var migrations = []string{
	// 0 → 1. entries is the chain; seq is the rowid, so reading in seq
	// order walks the table itself. anchor is one row, the count of
	// entries and the last hash, written in the same transaction as each
	// entry: a chain alone cannot show that its tail was cut off.
	//
	// The triggers keep a bug from rewriting history: entries can only be
	// inserted, as the next link of the chain the anchor describes (this
	// also stops INSERT OR REPLACE, which deletes without firing DELETE
	// triggers), and the anchor only moves forward one entry at a time.
	// Whoever can write the file can drop them; Verify is what catches
	// that.
	`CREATE TABLE entries (
		seq           INTEGER PRIMARY KEY, -- 1, 2, 3, ...
		at            INTEGER NOT NULL,    -- Unix nanoseconds
		actor         TEXT NOT NULL,
		action        TEXT NOT NULL,
		target        TEXT NOT NULL,
		justification TEXT NOT NULL,
		detail        TEXT NOT NULL,       -- JSON object, sorted keys
		remote        TEXT NOT NULL,
		prev_hash     TEXT NOT NULL,
		hash          TEXT NOT NULL
	);
	CREATE INDEX entries_actor ON entries (actor);
	CREATE INDEX entries_target ON entries (target);
	CREATE INDEX entries_at ON entries (at);
	CREATE TABLE anchor (
		id        INTEGER PRIMARY KEY CHECK (id = 1),
		count     INTEGER NOT NULL,
		last_hash TEXT NOT NULL
	);
	INSERT INTO anchor (id, count, last_hash) VALUES (1, 0, '` + strings.Repeat("0", 64) + `');
	CREATE TRIGGER entries_append_only_update BEFORE UPDATE ON entries
	BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
	CREATE TRIGGER entries_append_only_delete BEFORE DELETE ON entries
	BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
	CREATE TRIGGER entries_next_link BEFORE INSERT ON entries
	WHEN NEW.seq IS NOT (SELECT count + 1 FROM anchor WHERE id = 1)
		OR NEW.prev_hash IS NOT (SELECT last_hash FROM anchor WHERE id = 1)
	BEGIN SELECT RAISE(ABORT, 'audit log: not the next link of the chain'); END;
	CREATE TRIGGER anchor_no_insert BEFORE INSERT ON anchor
	BEGIN SELECT RAISE(ABORT, 'audit log anchor is one row'); END;
	CREATE TRIGGER anchor_no_delete BEFORE DELETE ON anchor
	BEGIN SELECT RAISE(ABORT, 'audit log anchor is one row'); END;
	CREATE TRIGGER anchor_forward BEFORE UPDATE ON anchor
	WHEN NEW.id IS NOT OLD.id OR NEW.count IS NOT OLD.count + 1
		OR NEW.last_hash IS NOT (SELECT hash FROM entries WHERE seq = NEW.count)
	BEGIN SELECT RAISE(ABORT, 'audit log anchor only moves to the last entry'); END;`,
}

// schemaVersion is the user_version this code writes and reads.
var schemaVersion = len(migrations)

// schema is how sqlitedb opens and migrates the file.
var schema = sqlitedb.Schema{Name: "audit", Migrations: migrations}

const (
	columns   = `seq, at, actor, action, target, justification, detail, remote, prev_hash, hash`
	anchorSQL = `SELECT count, last_hash FROM anchor WHERE id = 1`
	insertSQL = `INSERT INTO entries (` + columns + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	moveSQL   = `UPDATE anchor SET count = ?, last_hash = ? WHERE id = 1`
)

// List's page size.
const (
	defaultLimit = 100
	maxLimit     = 1000
)

// SQLite is a Log in an SQLite database file.
type SQLite struct {
	path string
	// w is nil when opened read-only. It has one connection: SQLite runs
	// one writer at a time anyway, and with one connection the writers
	// queue in database/sql (honouring their contexts) rather than in
	// SQLite's busy handler. Appends from other processes on the same
	// file wait in the busy handler: each Append's transaction is
	// IMMEDIATE, so the chain stays linear across processes too.
	w   *sql.DB
	r   *sql.DB          // read-only (mode=ro) connections
	now func() time.Time // the clock; tests replace it

	onAppend func(Record) // see OnAppend
}

// OnAppend makes every later Append call f with the stored record, after
// the commit. The relay logs each entry's seq and hash this way, so a copy
// of the chain's hashes lives outside the file (see Pin). Call it before
// the log is shared.
func (s *SQLite) OnAppend(f func(Record)) { s.onAppend = f }

// Head returns the last entry's seq and hash as the anchor records them
// (seq 0 and 64 zeros for an empty log). It does not verify the chain.
func (s *SQLite) Head(ctx context.Context) (Pin, error) {
	var p Pin
	if err := s.r.QueryRowContext(ctx, anchorSQL).Scan(&p.Seq, &p.Hash); err != nil {
		return Pin{}, fmt.Errorf("audit: reading the anchor: %w", err)
	}
	return p, nil
}

var _ Log = (*SQLite)(nil)

// Open opens the audit log at path (data_dir/audit.db) for reading and
// appending, creating the file (0600) and its parent directory (0700) if
// missing, and migrates its schema to the current version. It fails if the
// database was written by a newer dlprelay.
//
// The database is in WAL mode with synchronous=FULL: an Append is fsynced
// to the -wal file before it returns, so it survives a crash or a power
// loss. That is one fsync per console action, which is nothing next to
// the action.
func Open(path string) (*SQLite, error) { return open(path, "FULL") }

// open is Open with the given synchronous setting; the fuzz test, which
// opens a log per input, uses OFF, which skips the fsyncs.
func open(path, synchronous string) (*SQLite, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	w, err := sqlitedb.OpenWriter(context.Background(), abs, schema, synchronous)
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	r, err := sqlitedb.OpenReader(abs)
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("audit: %w", err)
	}
	return &SQLite{path: abs, w: w, r: r, now: time.Now}, nil
}

// OpenReadOnly opens an existing audit log for reading, for `dlprelay
// audit verify` and `dlprelay audit export` beside a running relay. It
// never creates or writes the database (a missing file is an error
// wrapping fs.ErrNotExist) and its Append returns ErrReadOnly. To read a
// WAL database SQLite needs the -shm index file, so when no writer has the
// database open it creates that and an empty -wal (0600) and leaves them.
//
// The schema must be the current one: an older one is an error (opening it
// with Open migrates it) and so is a newer one.
func OpenReadOnly(path string) (*SQLite, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	r, err := sqlitedb.OpenReadOnly(context.Background(), abs, schema)
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	return &SQLite{path: abs, r: r, now: time.Now}, nil
}

// Append implements Log. It stores line ends in the free text as LF (see
// Event.Validate). In one write transaction it reads the anchor
// (the count of entries and the last hash), takes the time, links the new
// entry after the anchor and moves the anchor to it. Chaining from the
// anchor rather than from the last row keeps a cut-off tail visible: the
// next entry's seq leaves a gap where the removed ones were.
func (s *SQLite) Append(ctx context.Context, e Event) (Record, error) {
	if s.w == nil {
		return Record{}, ErrReadOnly
	}
	if err := e.Validate(); err != nil {
		return Record{}, err
	}
	e = e.normalize()
	detail, err := detailJSON(e.Detail)
	if err != nil {
		return Record{}, fmt.Errorf("audit: %w", err)
	}

	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return Record{}, fmt.Errorf("audit: %w", err)
	}
	defer tx.Rollback()
	var (
		count int64
		last  string
	)
	if err := tx.QueryRowContext(ctx, anchorSQL).Scan(&count, &last); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return Record{}, fmt.Errorf("audit: appending: the anchor row is missing: %w", ErrTampered)
		}
		return Record{}, fmt.Errorf("audit: %w", err)
	}
	// The time is taken under the write lock, so times follow seq as
	// long as the clock does not step back.
	at := nanos(s.now())
	rec := Record{Seq: count + 1, Time: fromNanos(at), Event: e, PrevHash: last}
	if rec.Hash, err = computeHash(&rec); err != nil {
		return Record{}, fmt.Errorf("audit: %w", err)
	}
	if _, err := tx.ExecContext(ctx, insertSQL, rec.Seq, at, e.Actor, string(e.Action), e.Target,
		e.Justification, detail, e.Remote, rec.PrevHash, rec.Hash); err != nil {
		return Record{}, fmt.Errorf("audit: appending seq %d: %w", rec.Seq, err)
	}
	if _, err := tx.ExecContext(ctx, moveSQL, rec.Seq, rec.Hash); err != nil {
		return Record{}, fmt.Errorf("audit: appending seq %d: %w", rec.Seq, err)
	}
	if err := tx.Commit(); err != nil {
		return Record{}, fmt.Errorf("audit: appending seq %d: %w", rec.Seq, err)
	}
	if s.onAppend != nil {
		s.onAppend(rec)
	}
	return rec, nil
}

// List implements Log. The total and the page are read in one read
// transaction, so they agree while the relay appends.
func (s *SQLite) List(ctx context.Context, q Query) ([]Record, int, error) {
	if q.Offset < 0 || q.Limit < 0 {
		return nil, 0, fmt.Errorf("%w: negative offset or limit", ErrInvalid)
	}
	limit := q.Limit
	switch {
	case limit == 0:
		limit = defaultLimit
	case limit > maxLimit:
		limit = maxLimit
	}
	where, args := q.where()

	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, 0, fmt.Errorf("audit: %w", err)
	}
	defer tx.Rollback()
	var total int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM entries`+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("audit: %w", err)
	}
	rows, err := tx.QueryContext(ctx, `SELECT `+columns+` FROM entries`+where+` ORDER BY seq DESC LIMIT ? OFFSET ?`,
		append(args, limit, q.Offset)...)
	if err != nil {
		return nil, 0, fmt.Errorf("audit: %w", err)
	}
	defer rows.Close()
	out := []Record{}
	for rows.Next() {
		rec, err := scanRecord(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, rec)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("audit: %w", err)
	}
	return out, total, nil
}

// where is the WHERE clause (with a leading space, or empty) and its
// arguments for q's filters.
func (q Query) where() (string, []any) {
	var (
		conds []string
		args  []any
	)
	if q.Actor != "" {
		conds, args = append(conds, "actor = ?"), append(args, q.Actor)
	}
	if q.Action != "" {
		conds, args = append(conds, "action = ?"), append(args, string(q.Action))
	}
	if q.Target != "" {
		conds, args = append(conds, "target = ?"), append(args, q.Target)
	}
	if !q.From.IsZero() {
		conds, args = append(conds, "at >= ?"), append(args, nanos(q.From))
	}
	if !q.To.IsZero() {
		conds, args = append(conds, "at < ?"), append(args, nanos(q.To))
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// scanner is a *sql.Rows or *sql.Row.
type scanner interface {
	Scan(dest ...any) error
}

// scanRecord reads the columns of one row.
func scanRecord(sc scanner) (Record, error) {
	var (
		rec    Record
		at     int64
		action string
		detail string
	)
	if err := sc.Scan(&rec.Seq, &at, &rec.Actor, &action, &rec.Target, &rec.Justification,
		&detail, &rec.Remote, &rec.PrevHash, &rec.Hash); err != nil {
		return Record{}, fmt.Errorf("audit: %w", err)
	}
	rec.Time, rec.Action = fromNanos(at), Action(action)
	d, err := parseDetail(detail)
	if err != nil {
		return Record{}, fmt.Errorf("audit: seq %d: detail: %w", rec.Seq, err)
	}
	rec.Detail = d
	return rec, nil
}

// Path returns the absolute path of the database file.
func (s *SQLite) Path() string { return s.path }

// Close implements Log. It closes the read connections first so that the
// writer, closing last, can checkpoint the WAL into the database file.
func (s *SQLite) Close() error {
	if err := sqlitedb.Close(s.w, s.r); err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	return nil
}

// Times are stored as int64 Unix nanoseconds, which cover 1677-09-21 to
// 2262-04-11; query bounds outside are clamped.
var (
	minTime = time.Unix(0, math.MinInt64)
	maxTime = time.Unix(0, math.MaxInt64)
)

func nanos(t time.Time) int64 {
	switch {
	case t.Before(minTime):
		return math.MinInt64
	case t.After(maxTime):
		return math.MaxInt64
	}
	return t.UnixNano()
}

func fromNanos(n int64) time.Time { return time.Unix(0, n).UTC() }
