package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

func hash(t *testing.T, pass string) string {
	t.Helper()
	h, err := bcrypt.GenerateFromPassword([]byte(pass), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	return string(h)
}

func TestLoadUsers(t *testing.T) {
	t.Parallel()
	alice, bob := hash(t, "alice-pw"), hash(t, "bob pw with spaces")
	// $2b$ and $2y$ (htpasswd) prefixes are accepted too.
	carol := "$2y$" + hash(t, "carol-pw")[4:]
	src := "# dlprelay users\n\nalice:" + alice + "\n  bob : " + bob + "  \r\n#carol:disabled\ncarol:" + carol + "\n"
	path := filepath.Join(t.TempDir(), "users")
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	users, err := LoadUsers(path)
	if err != nil {
		t.Fatalf("LoadUsers: %v", err)
	}
	if len(users) != 3 || string(users["alice"]) != alice || string(users["bob"]) != bob || string(users["carol"]) != carol {
		t.Fatalf("LoadUsers = %q", users)
	}

	long := strings.Repeat("d", 72)
	tests := []struct {
		name       string
		user, pass string
		want       bool
	}{
		{"alice", "alice", "alice-pw", true},
		{"bob, spaces in password", "bob", "bob pw with spaces", true},
		{"carol, $2y$ hash", "carol", "carol-pw", true},
		{"another user's password", "alice", "bob pw with spaces", false},
		{"trailing space", "alice", "alice-pw ", false},
		{"empty password", "alice", "", false},
		{"user name case", "Alice", "alice-pw", false},
		{"unknown user", "mallory", "alice-pw", false},
		{"empty user", "", "", false},
		{"72-byte password", "dave", long, true},
		// bcrypt would ignore the 73rd byte; CheckPassword refuses instead.
		{"73-byte password with a 72-byte match", "dave", long + "x", false},
	}
	users["dave"] = []byte(hash(t, long))
	// Unknown users cost a bcrypt run at the default cost, which is slow
	// under -race: run the cases in parallel.
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := CheckPassword(users, tt.user, tt.pass); got != tt.want {
				t.Errorf("CheckPassword(%q, %q) = %v, want %v", tt.user, tt.pass, got, tt.want)
			}
		})
	}
	t.Run("no users", func(t *testing.T) {
		t.Parallel()
		if CheckPassword(nil, "alice", "alice-pw") {
			t.Error("CheckPassword with no users succeeded")
		}
	})
}

func TestLoadUsersEmpty(t *testing.T) {
	t.Parallel()
	users, err := parseUsers(strings.NewReader("# nobody yet\n\n"), "users")
	if err != nil || len(users) != 0 {
		t.Errorf("parseUsers(comments only) = %v, %v; want no users, no error", users, err)
	}
}

func TestLoadUsersErrors(t *testing.T) {
	t.Parallel()
	good := hash(t, "pw")
	tests := []struct {
		name string
		src  string
		want []string // one per error, in order
	}{
		{"no colon", "alice\n", []string{"users:1: want user:bcrypt-hash"}},
		{"empty user", "# c\n:" + good + "\n", []string{"users:2: empty user name"}},
		{"space in user", "al ice:" + good + "\n", []string{`users:1: user name "al ice" has spaces or control characters`}},
		{"plain-text password", "alice:secret\n", []string{`users:1: user "alice": not a bcrypt hash`}},
		{"md5 htpasswd hash", "alice:$apr1$abc$def\n", []string{`users:1: user "alice": not a bcrypt hash`}},
		{"bad alphabet", "alice:" + good[:59] + "!\n", []string{`users:1: user "alice": not a bcrypt hash (byte 60`}},
		{"truncated hash", "alice:" + good[:50] + "\n", []string{`users:1: user "alice": not a bcrypt hash`}},
		{"cost too high", "alice:" + good[:4] + "32" + good[6:] + "\n", []string{`users:1: user "alice": bad bcrypt cost "32"`}},
		{"cost not a number", "alice:" + good[:4] + "1x" + good[6:] + "\n", []string{`users:1: user "alice": bad bcrypt cost "1x"`}},
		{"duplicate", "alice:" + good + "\n\nalice:" + good + "\n", []string{`users:3: user "alice" is already defined at line 1`}},
		{"several", "a\nb:" + good + "\nc:x\nb:" + good + "\n", []string{
			"users:1: want user:bcrypt-hash",
			`users:3: user "c": not a bcrypt hash`,
			`users:4: user "b" is already defined at line 2`,
		}},
		{"line too long", "alice:" + strings.Repeat("x", 70000) + "\n", []string{"users:1: bufio.Scanner: token too long"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			users, err := parseUsers(strings.NewReader(tt.src), "users")
			if err == nil {
				t.Fatalf("parseUsers succeeded: %q", users)
			}
			errs := fieldErrors(t, err)
			if len(errs) != len(tt.want) {
				t.Fatalf("got %d errors, want %d:\n%v", len(errs), len(tt.want), err)
			}
			for i, w := range tt.want {
				if !strings.HasPrefix(errs[i].Error(), w) {
					t.Errorf("error %d = %q, want prefix %q", i, errs[i], w)
				}
			}
			if strings.Contains(err.Error(), good[7:]) {
				t.Errorf("error %q quotes the hash", err)
			}
		})
	}
}

func TestLoadUsersMissingFile(t *testing.T) {
	t.Parallel()
	if _, err := LoadUsers(filepath.Join(t.TempDir(), "none")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("LoadUsers(missing) = %v, want os.ErrNotExist", err)
	}
}

// TestDummyHash checks that the hash used for unknown users is well formed
// and has the default cost, so that comparing against it costs as much as a
// real check.
func TestDummyHash(t *testing.T) {
	t.Parallel()
	if err := checkBcryptHash(dummyHash); err != nil {
		t.Fatal(err)
	}
	if cost, _ := bcrypt.Cost([]byte(dummyHash)); cost != bcrypt.DefaultCost {
		t.Errorf("dummy hash cost %d, want %d", cost, bcrypt.DefaultCost)
	}
}
