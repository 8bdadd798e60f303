package config

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/crypto/bcrypt"
)

// dummyHash is compared against when the user is unknown, so that an unknown
// user costs about as much time as a wrong password (bcrypt.DefaultCost).
const dummyHash = "$2a$10$5tmzDjI1b2btpRxHAqK6p.2u5PcFt2IE/n9pCgIYqf1yErNFtjgcm"

// maxPasswordLen is the most bcrypt looks at; longer passwords are refused
// rather than silently truncated.
const maxPasswordLen = 72

// LoadUsers reads an SMTP AUTH users file (smtp.auth.users_file) and returns
// the bcrypt hash of each user.
//
// Each line is "user:hash" with a bcrypt hash ($2a$, $2b$ or $2y$, as made by
// `htpasswd -nbB` or golang.org/x/crypto/bcrypt). Blank lines and lines
// starting with # are ignored; spaces around the line, the user and the hash
// are trimmed. User names cannot contain ':' or whitespace. Every problem is
// reported, as a *FieldError with the file name and line number, joined with
// errors.Join; the hash is never quoted in errors.
func LoadUsers(path string) (map[string][]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("config: users file: %w", err)
	}
	defer f.Close()
	return parseUsers(f, path)
}

func parseUsers(r io.Reader, name string) (map[string][]byte, error) {
	users := map[string][]byte{}
	firstLine := map[string]int{}
	var errs []*FieldError
	fail := func(line int, format string, args ...any) {
		errs = append(errs, &FieldError{File: name, Line: line, Msg: fmt.Sprintf(format, args...)})
	}
	sc := bufio.NewScanner(r)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		user, hash, ok := strings.Cut(line, ":")
		if !ok {
			fail(n, "want user:bcrypt-hash")
			continue
		}
		user, hash = strings.TrimSpace(user), strings.TrimSpace(hash)
		switch {
		case user == "":
			fail(n, "empty user name")
		case strings.ContainsFunc(user, func(r rune) bool { return r <= ' ' || r == 0x7f }):
			fail(n, "user name %q has spaces or control characters", user)
		case firstLine[user] > 0:
			fail(n, "user %q is already defined at line %d", user, firstLine[user])
		default:
			if err := checkBcryptHash(hash); err != nil {
				fail(n, "user %q: %v", user, err)
				continue
			}
			firstLine[user] = n
			users[user] = []byte(hash)
		}
	}
	if err := sc.Err(); err != nil {
		fail(n+1, "%v", err)
	}
	if len(errs) > 0 {
		return nil, joinFieldErrors(errs)
	}
	return users, nil
}

// checkBcryptHash checks the shape of a bcrypt hash: "$2a$", "$2b$" or
// "$2y$", a two-digit cost from 4 to 31, "$", and 53 characters of bcrypt's
// base64 alphabet.
func checkBcryptHash(h string) error {
	const wantLen = 60
	if len(h) != wantLen || h[0] != '$' || h[1] != '2' || !strings.ContainsRune("aby", rune(h[2])) || h[3] != '$' || h[6] != '$' {
		return fmt.Errorf("not a bcrypt hash (want $2a$, $2b$ or $2y$ and %d characters)", wantLen)
	}
	for i := 7; i < wantLen; i++ {
		c := h[i]
		if !(c == '.' || c == '/' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return fmt.Errorf("not a bcrypt hash (byte %d is not in its base64 alphabet)", i+1)
		}
	}
	if _, err := bcrypt.Cost([]byte(h)); err != nil {
		return fmt.Errorf("bad bcrypt cost %q", h[4:6])
	}
	return nil
}

// CheckPassword reports whether pass is user's password in users (as loaded
// by LoadUsers). An unknown user, or a password longer than bcrypt's 72
// bytes, still costs one bcrypt comparison, so the answer time does not tell
// whether the user exists (as long as the file's hashes use the default cost
// of 10).
func CheckPassword(users map[string][]byte, user, pass string) bool {
	hash, ok := users[user]
	if !ok || len(pass) > maxPasswordLen {
		hash, ok = []byte(dummyHash), false
	}
	err := bcrypt.CompareHashAndPassword(hash, []byte(pass))
	return ok && err == nil
}
