package users

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/dlprelay/dlprelay/internal/sqlitedb"
)

// migrations[i] takes a database from PRAGMA user_version i to i+1. Append
// only: a step that was released is never changed.
var migrations = []string{
	// 0 → 1.
	`CREATE TABLE users (
		name         TEXT PRIMARY KEY,           -- lower case, see NormalizeName
		hash         TEXT NOT NULL,              -- bcrypt
		role         TEXT NOT NULL CHECK (role IN ('viewer', 'officer', 'admin')),
		disabled     INTEGER NOT NULL DEFAULT 0,
		failures     INTEGER NOT NULL DEFAULT 0, -- failed logins in a row
		locked_until INTEGER NOT NULL DEFAULT 0, -- Unix nanoseconds; 0: never locked
		created      INTEGER NOT NULL            -- Unix nanoseconds
	) WITHOUT ROWID;`,
}

// schemaVersion is the user_version this code writes and reads.
var schemaVersion = len(migrations)

// schema is how sqlitedb opens and migrates the file.
var schema = sqlitedb.Schema{Name: "user", Migrations: migrations}

const (
	userColumns = `name, role, disabled, locked_until, created`
	getSQL      = `SELECT ` + userColumns + ` FROM users WHERE name = ?`
	listSQL     = `SELECT ` + userColumns + ` FROM users ORDER BY name`
	loginSQL    = `SELECT hash, disabled, failures, locked_until FROM users WHERE name = ?`
	insertSQL   = `INSERT INTO users (name, hash, role, created) VALUES (?, ?, ?, ?) ON CONFLICT (name) DO NOTHING`
)

// Options tune the lockout and the bcrypt cost. Zero fields take the
// defaults.
type Options struct {
	// MaxFailures is the number of failed logins in a row that lock an
	// account; default 5.
	MaxFailures int
	// LockFor is how long a locked account stays locked; default 15
	// minutes. Unlock ends it early.
	LockFor time.Duration
	// Cost is the bcrypt cost of new hashes; default bcrypt.DefaultCost.
	// A successful login rehashes a password stored with a lower cost.
	Cost int
	// Now is the clock; default time.Now.
	Now func() time.Time
}

func (o Options) withDefaults() (Options, error) {
	if o.MaxFailures == 0 {
		o.MaxFailures = 5
	}
	if o.LockFor == 0 {
		o.LockFor = 15 * time.Minute
	}
	if o.Cost == 0 {
		o.Cost = bcrypt.DefaultCost
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	switch {
	case o.MaxFailures < 0:
		return o, fmt.Errorf("users: MaxFailures %d is negative", o.MaxFailures)
	case o.LockFor < 0:
		return o, fmt.Errorf("users: LockFor %v is negative", o.LockFor)
	case o.Cost < bcrypt.MinCost || o.Cost > bcrypt.MaxCost:
		return o, fmt.Errorf("users: bcrypt cost %d is not between %d and %d", o.Cost, bcrypt.MinCost, bcrypt.MaxCost)
	}
	return o, nil
}

// SQLite is a Directory in an SQLite database file.
type SQLite struct {
	path string
	w    *sql.DB // one connection, IMMEDIATE transactions
	r    *sql.DB // read-only (mode=ro) connections
	opt  Options
	// dummy is a bcrypt hash of a random password at opt.Cost: a login
	// as an unknown user is compared against it, so it costs what a
	// known user's does.
	dummy []byte
}

var _ Directory = (*SQLite)(nil)

// Open opens the user database at path (data_dir/users.db), creating the
// file (0600) and its parent directory (0700) if missing, and migrates its
// schema to the current version. It fails if the database was written by
// a newer dlprelay. It computes one bcrypt hash (see SQLite.dummy), which
// takes as long as a login.
//
// Like the other stores: WAL, synchronous=FULL (a lockout or a password
// change is durable when the call returns), one writer connection,
// read-only readers. secure_delete is on, so a replaced password hash is
// overwritten in the file rather than left in a free page.
func Open(path string, opt Options) (*SQLite, error) {
	opt, err := opt.withDefaults()
	if err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("users: %w", err)
	}
	w, err := sqlitedb.OpenWriter(context.Background(), abs, schema, "FULL", "secure_delete(ON)")
	if err != nil {
		return nil, fmt.Errorf("users: %w", err)
	}
	r, err := sqlitedb.OpenReader(abs)
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("users: %w", err)
	}

	dummy, err := bcrypt.GenerateFromPassword([]byte(rand.Text()), opt.Cost)
	if err != nil {
		r.Close()
		w.Close()
		return nil, fmt.Errorf("users: %w", err)
	}
	return &SQLite{path: abs, w: w, r: r, opt: opt, dummy: dummy}, nil
}

// querier is a *sql.DB or *sql.Tx.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// login is what Authenticate reads of a user.
type login struct {
	hash        string
	disabled    bool
	failures    int
	lockedUntil int64
}

func loadLogin(ctx context.Context, q querier, name string) (login, error) {
	var l login
	err := q.QueryRowContext(ctx, loginSQL, name).Scan(&l.hash, &l.disabled, &l.failures, &l.lockedUntil)
	return l, err
}

// Authenticate implements Directory.
//
// The bcrypt comparison runs outside any transaction (it takes as long as
// the cost makes it, and the writer must not wait for it); the outcome is
// then recorded in a write transaction that reads the user again. If the
// account was locked meanwhile (by guesses running in parallel), the
// answer is ErrLocked even for the right password, so a burst of parallel
// guesses gets no more than MaxFailures tries; if the password or the
// disabled flag changed meanwhile, it is ErrBadLogin.
//
// Unknown users, malformed names, passwords longer than bcrypt's 72 bytes
// and disabled users get ErrBadLogin after a bcrypt comparison of the same
// cost. Only known users' failures are counted (the database holds no
// names that are not users), so the lockout itself tells a guesser which
// names exist: five failures lock a real account, never an unknown one.
// A locked account answers ErrLocked at once, without a comparison.
func (s *SQLite) Authenticate(ctx context.Context, name, password string) (User, error) {
	n, err := NormalizeName(name)
	if err != nil {
		bcrypt.CompareHashAndPassword(s.dummy, []byte(password))
		return User{}, ErrBadLogin
	}
	l, err := loadLogin(ctx, s.r, n)
	if errors.Is(err, sql.ErrNoRows) {
		bcrypt.CompareHashAndPassword(s.dummy, []byte(password))
		return User{}, ErrBadLogin
	}
	if err != nil {
		return User{}, fmt.Errorf("users: %w", err)
	}
	if !l.disabled && l.lockedUntil > nanos(s.opt.Now()) {
		return User{}, ErrLocked
	}
	var match bool
	if len(password) > MaxPassword {
		// bcrypt would compare the first 72 bytes only.
		bcrypt.CompareHashAndPassword(s.dummy, []byte(password))
	} else {
		match = bcrypt.CompareHashAndPassword([]byte(l.hash), []byte(password)) == nil
	}
	if l.disabled {
		return User{}, ErrBadLogin
	}
	// A password stored at a lower cost than configured is rehashed
	// (here, before the write lock is taken).
	var rehash string
	if match {
		if c, err := bcrypt.Cost([]byte(l.hash)); err == nil && c < s.opt.Cost {
			if h, err := bcrypt.GenerateFromPassword([]byte(password), s.opt.Cost); err == nil {
				rehash = string(h)
			}
		}
	}
	return s.recordLogin(ctx, n, l.hash, match, rehash)
}

// recordLogin records the outcome of a comparison against hash, in a write
// transaction.
func (s *SQLite) recordLogin(ctx context.Context, name, hash string, match bool, rehash string) (User, error) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return User{}, fmt.Errorf("users: %w", err)
	}
	defer tx.Rollback()
	l, err := loadLogin(ctx, tx, name)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return User{}, ErrBadLogin // removed meanwhile
	case err != nil:
		return User{}, fmt.Errorf("users: %w", err)
	case l.hash != hash || l.disabled:
		return User{}, ErrBadLogin
	}
	now := nanos(s.opt.Now())
	if l.lockedUntil > now {
		return User{}, ErrLocked
	}
	if !match {
		failures, until := l.failures+1, l.lockedUntil
		if failures >= s.opt.MaxFailures {
			// Locked; after LockFor the user has MaxFailures tries
			// again.
			failures, until = 0, now+int64(s.opt.LockFor)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET failures = ?, locked_until = ? WHERE name = ?`, failures, until, name); err != nil {
			return User{}, fmt.Errorf("users: %w", err)
		}
		if err := tx.Commit(); err != nil {
			return User{}, fmt.Errorf("users: %w", err)
		}
		return User{}, ErrBadLogin
	}
	if rehash == "" {
		rehash = l.hash
	}
	if _, err := tx.ExecContext(ctx, `UPDATE users SET failures = 0, locked_until = 0, hash = ? WHERE name = ?`, rehash, name); err != nil {
		return User{}, fmt.Errorf("users: %w", err)
	}
	u, err := getUser(ctx, tx, name, now)
	if err != nil {
		return User{}, err
	}
	if err := tx.Commit(); err != nil {
		return User{}, fmt.Errorf("users: %w", err)
	}
	return u, nil
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface {
	Scan(dest ...any) error
}

// scanUser reads userColumns. LockedUntil is set only while the lock
// holds (now is Unix nanoseconds).
func scanUser(sc scanner, now int64) (User, error) {
	var (
		u              User
		role           string
		until, created int64
	)
	if err := sc.Scan(&u.Name, &role, &u.Disabled, &until, &created); err != nil {
		return User{}, err
	}
	u.Role, u.Created = Role(role), fromNanos(created)
	if until > now {
		u.LockedUntil = fromNanos(until)
	}
	return u, nil
}

func getUser(ctx context.Context, q querier, name string, now int64) (User, error) {
	u, err := scanUser(q.QueryRowContext(ctx, getSQL, name), now)
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, fmt.Errorf("users: %q: %w", name, ErrNotFound)
	}
	if err != nil {
		return User{}, fmt.Errorf("users: %w", err)
	}
	return u, nil
}

// Get implements Directory. A malformed name is ErrInvalid.
func (s *SQLite) Get(ctx context.Context, name string) (User, error) {
	n, err := NormalizeName(name)
	if err != nil {
		return User{}, err
	}
	return getUser(ctx, s.r, n, nanos(s.opt.Now()))
}

// List implements Directory: every user, by name.
func (s *SQLite) List(ctx context.Context) ([]User, error) {
	rows, err := s.r.QueryContext(ctx, listSQL)
	if err != nil {
		return nil, fmt.Errorf("users: %w", err)
	}
	defer rows.Close()
	now := nanos(s.opt.Now())
	out := []User{}
	for rows.Next() {
		u, err := scanUser(rows, now)
		if err != nil {
			return nil, fmt.Errorf("users: %w", err)
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("users: %w", err)
	}
	return out, nil
}

// Add implements Directory. The name is folded to lower case (see
// NormalizeName); the password is 12 characters to 72 bytes.
func (s *SQLite) Add(ctx context.Context, name, password string, role Role) (User, error) {
	n, err := NormalizeName(name)
	if err != nil {
		return User{}, err
	}
	if err := checkRole(role); err != nil {
		return User{}, err
	}
	hash, err := s.hash(password)
	if err != nil {
		return User{}, err
	}
	now := s.opt.Now()
	res, err := s.w.ExecContext(ctx, insertSQL, n, hash, string(role), nanos(now))
	if err != nil {
		return User{}, fmt.Errorf("users: %w", err)
	}
	if k, err := res.RowsAffected(); err != nil {
		return User{}, fmt.Errorf("users: %w", err)
	} else if k == 0 {
		return User{}, fmt.Errorf("users: %q: %w", n, ErrExists)
	}
	return User{Name: n, Role: role, Created: fromNanos(nanos(now))}, nil
}

// hash checks password and returns its bcrypt hash.
func (s *SQLite) hash(password string) (string, error) {
	if err := checkPassword(password); err != nil {
		return "", err
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), s.opt.Cost)
	if err != nil {
		return "", fmt.Errorf("users: %w", err)
	}
	return string(h), nil
}

// SetPassword implements Directory. It leaves the failure count and a
// lock as they are: Unlock ends a lock.
func (s *SQLite) SetPassword(ctx context.Context, name, password string) error {
	n, err := NormalizeName(name)
	if err != nil {
		return err
	}
	hash, err := s.hash(password)
	if err != nil {
		return err
	}
	return s.update(ctx, n, `UPDATE users SET hash = ? WHERE name = ?`, hash, n)
}

// SetRole implements Directory.
func (s *SQLite) SetRole(ctx context.Context, name string, role Role) error {
	n, err := NormalizeName(name)
	if err != nil {
		return err
	}
	if err := checkRole(role); err != nil {
		return err
	}
	return s.update(ctx, n, `UPDATE users SET role = ? WHERE name = ?`, string(role), n)
}

// SetDisabled implements Directory. A disabled user's logins fail with
// ErrBadLogin; sessions already open are the console's to end.
func (s *SQLite) SetDisabled(ctx context.Context, name string, disabled bool) error {
	n, err := NormalizeName(name)
	if err != nil {
		return err
	}
	return s.update(ctx, n, `UPDATE users SET disabled = ? WHERE name = ?`, disabled, n)
}

// Unlock implements Directory: it ends a lock and clears the failure
// count.
func (s *SQLite) Unlock(ctx context.Context, name string) error {
	n, err := NormalizeName(name)
	if err != nil {
		return err
	}
	return s.update(ctx, n, `UPDATE users SET failures = 0, locked_until = 0 WHERE name = ?`, n)
}

// update runs an UPDATE of one user; no row is ErrNotFound.
func (s *SQLite) update(ctx context.Context, name, query string, args ...any) error {
	res, err := s.w.ExecContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("users: %w", err)
	}
	k, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("users: %w", err)
	}
	if k == 0 {
		return fmt.Errorf("users: %q: %w", name, ErrNotFound)
	}
	return nil
}

// Path returns the absolute path of the database file.
func (s *SQLite) Path() string { return s.path }

// Close implements Directory. It closes the read connections first so that
// the writer, closing last, can checkpoint the WAL into the database file.
func (s *SQLite) Close() error {
	if err := sqlitedb.Close(s.w, s.r); err != nil {
		return fmt.Errorf("users: %w", err)
	}
	return nil
}

// Times are stored as Unix nanoseconds (1677 to 2262).
func nanos(t time.Time) int64 { return t.UnixNano() }

func fromNanos(n int64) time.Time { return time.Unix(0, n).UTC() }
