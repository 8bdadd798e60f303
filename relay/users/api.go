// Package users owns the compliance console's users: names, bcrypt
// password hashes, roles and lockout after repeated failed logins.
package users

import (
	"context"
	"errors"
	"time"
)

// Role says what a user may do. Roles are ordered: each includes the ones
// before it.
type Role string

// The roles.
const (
	// Viewer sees the quarantine with customer values masked.
	Viewer Role = "viewer"
	// Officer also reveals values, downloads messages and acts: release,
	// approve, delete, note, hold.
	Officer Role = "officer"
	// Admin also manages users and settings.
	Admin Role = "admin"
)

// Allows reports whether role r includes role need.
func (r Role) Allows(need Role) bool { return rank(r) >= rank(need) && rank(need) > 0 }

// CanReveal reports whether role r may see customer values as they are:
// reveal them (audited), download a message, see the file names of its
// parts, and search Subjects that lists withhold. Officers and admins; a
// viewer sees values only masked or not at all.
func (r Role) CanReveal() bool { return r.Allows(Officer) }

func rank(r Role) int {
	switch r {
	case Viewer:
		return 1
	case Officer:
		return 2
	case Admin:
		return 3
	}
	return 0
}

// User is one console user (never the password hash outside the package).
type User struct {
	Name        string    `json:"name"`
	Role        Role      `json:"role"`
	Disabled    bool      `json:"disabled"`
	LockedUntil time.Time `json:"locked_until,omitempty"`
	Created     time.Time `json:"created"`
}

// Errors returned (wrapped).
var (
	ErrBadLogin = errors.New("wrong user name or password") // the same for unknown users
	ErrLocked   = errors.New("account locked after repeated failed logins")
	ErrNotFound = errors.New("user not found")
	ErrExists   = errors.New("user exists")
	// ErrInvalid is wrapped by errors about a name, password or role
	// that breaks the rules (see NormalizeName; passwords are 12
	// characters to 72 bytes). Authenticate never returns it: a login
	// with a malformed name is ErrBadLogin like any other.
	ErrInvalid = errors.New("invalid user name, password or role")
)

// Directory is the user store.
type Directory interface {
	// Authenticate checks a password. After MaxFailures failures in a row
	// the account is locked for LockFor (ErrLocked, even with the right
	// password); a success resets the count. Unknown users cost the same
	// bcrypt time as known ones.
	Authenticate(ctx context.Context, name, password string) (User, error)
	Get(ctx context.Context, name string) (User, error)
	List(ctx context.Context) ([]User, error)
	// Add creates a user; the password must be at least 12 characters.
	Add(ctx context.Context, name, password string, role Role) (User, error)
	SetPassword(ctx context.Context, name, password string) error
	SetRole(ctx context.Context, name string, role Role) error
	SetDisabled(ctx context.Context, name string, disabled bool) error
	Unlock(ctx context.Context, name string) error
	Close() error
}
