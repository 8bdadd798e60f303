package users

import (
	"fmt"
	"unicode/utf8"
)

// Limits on names and passwords.
const (
	MaxName = 64
	// MinPassword is in characters, so four kanji are not a password.
	MinPassword = 12
	// MaxPassword is bcrypt's limit, in bytes: bcrypt ignores what comes
	// after, so a longer password is refused rather than cut.
	MaxPassword = 72
)

// NormalizeName returns name folded to lower case, or an error wrapping
// ErrInvalid: a name is 1 to 64 characters of a-z, 0-9, '.', '_', '@' and
// '-' (upper-case ASCII letters are folded). Only ASCII is folded: Unicode
// case folding would make "\u212a" (KELVIN SIGN) the name "k".
func NormalizeName(name string) (string, error) {
	if name == "" || len(name) > MaxName {
		return "", fmt.Errorf("%w: a user name is 1 to %d characters", ErrInvalid, MaxName)
	}
	b := []byte(name)
	for i, c := range b {
		switch {
		case 'A' <= c && c <= 'Z':
			b[i] = c + 'a' - 'A'
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '.', c == '_', c == '@', c == '-':
		default:
			return "", fmt.Errorf("%w: a user name is made of a-z, 0-9 and . _ @ -", ErrInvalid)
		}
	}
	return string(b), nil
}

// checkPassword enforces the length limits. The error never holds the
// password.
func checkPassword(password string) error {
	if len(password) > MaxPassword {
		return fmt.Errorf("%w: a password is at most %d bytes (bcrypt ignores the rest)", ErrInvalid, MaxPassword)
	}
	if utf8.RuneCountInString(password) < MinPassword {
		return fmt.Errorf("%w: a password is at least %d characters", ErrInvalid, MinPassword)
	}
	return nil
}

func checkRole(r Role) error {
	if rank(r) == 0 {
		return fmt.Errorf("%w: role %q: want %q, %q or %q", ErrInvalid, r, Viewer, Officer, Admin)
	}
	return nil
}
