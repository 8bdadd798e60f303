package users

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

var t0 = time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)

// fakeClock is a clock the test moves.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

const (
	pw      = "correct horse battery"
	otherPw = "another long password"
)

// openDir opens a new directory with the cheapest bcrypt and a fake clock.
func openDir(t *testing.T, opt Options) (*SQLite, *fakeClock, string) {
	t.Helper()
	clk := &fakeClock{now: t0}
	opt.Cost = bcrypt.MinCost
	opt.Now = clk.Now
	path := filepath.Join(t.TempDir(), "users.db")
	d, err := Open(path, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d, clk, path
}

func mustAdd(t *testing.T, d *SQLite, name string, role Role) User {
	t.Helper()
	u, err := d.Add(context.Background(), name, pw, role)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func checkErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if want == nil && err != nil || want != nil && !errors.Is(err, want) {
		t.Errorf("%s: %v, want %v", what, err, want)
	}
}

func TestNormalizeName(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"alice", "alice"},
		{"Alice", "alice"},
		{"ALICE.B_C-D@Example.COM", "alice.b_c-d@example.com"},
		{"0", "0"},
		{strings.Repeat("a", 64), strings.Repeat("a", 64)},
		{"", ""},
		{strings.Repeat("a", 65), ""},
		{"al ice", ""},
		{"alice\n", ""},
		{"a+b", ""},
		{"a/b", ""},
		{"élise", ""},
		{"\u212aate", ""}, // KELVIN SIGN, which Unicode folds to k
		{"ａｌｉｃｅ", ""},     // fullwidth
		{"alice\x00", ""},
	} {
		got, err := NormalizeName(tc.in)
		if tc.want == "" {
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("NormalizeName(%q) = %q, %v; want ErrInvalid", tc.in, got, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("NormalizeName(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestRoleAllows(t *testing.T) {
	t.Parallel()
	roles := []Role{Viewer, Officer, Admin}
	for i, r := range roles {
		for j, need := range roles {
			if got, want := r.Allows(need), i >= j; got != want {
				t.Errorf("%s.Allows(%s) = %v, want %v", r, need, got, want)
			}
		}
		for _, bad := range []Role{"", "root", "Admin"} {
			if r.Allows(bad) {
				t.Errorf("%s.Allows(%q) = true", r, bad)
			}
			if bad.Allows(r) {
				t.Errorf("%q.Allows(%s) = true", bad, r)
			}
		}
	}
}

func TestRoleCanReveal(t *testing.T) {
	t.Parallel()
	for r, want := range map[Role]bool{Viewer: false, Officer: true, Admin: true, "": false, "root": false, "Officer": false} {
		if got := r.CanReveal(); got != want {
			t.Errorf("%q.CanReveal() = %v, want %v", r, got, want)
		}
	}
}

func TestOpenOptions(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, opt := range []Options{
		{MaxFailures: -1},
		{LockFor: -time.Second},
		{Cost: bcrypt.MinCost - 1},
		{Cost: bcrypt.MaxCost + 1},
	} {
		if d, err := Open(filepath.Join(dir, "users.db"), opt); err == nil {
			d.Close()
			t.Errorf("Open with %+v succeeded", opt)
		}
	}
	o, err := Options{}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	if o.MaxFailures != 5 || o.LockFor != 15*time.Minute || o.Cost != bcrypt.DefaultCost || o.Now == nil {
		t.Errorf("defaults %+v", o)
	}
}

func TestAdd(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d, _, _ := openDir(t, Options{})
	for _, tc := range []struct {
		name, user, password string
		role                 Role
		want                 error
	}{
		{"ok", "Alice", pw, Officer, nil},
		{"exists, other case", "ALICE", pw, Viewer, ErrExists},
		{"12 characters", "b12", "123456789012", Viewer, nil},
		{"11 characters", "b11", "12345678901", Viewer, ErrInvalid},
		{"12 bytes, 4 characters", "kanji4", "秘密鍵x", Viewer, ErrInvalid},
		{"12 kanji", "kanji12", strings.Repeat("秘", 12), Viewer, nil},
		{"72 bytes", "b72", strings.Repeat("p", 72), Viewer, nil},
		{"73 bytes", "b73", strings.Repeat("p", 73), Viewer, ErrInvalid},
		{"empty password", "nopw", "", Viewer, ErrInvalid},
		{"bad name", "al ice", pw, Viewer, ErrInvalid},
		{"empty name", "", pw, Viewer, ErrInvalid},
		{"unknown role", "carol", pw, "root", ErrInvalid},
		{"empty role", "carol", pw, "", ErrInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u, err := d.Add(ctx, tc.user, tc.password, tc.role)
			checkErr(t, "Add", err, tc.want)
			if tc.password != "" && err != nil && strings.Contains(err.Error(), tc.password) {
				t.Errorf("error %q holds the password", err)
			}
			if err != nil {
				return
			}
			want := User{Name: strings.ToLower(tc.user), Role: tc.role, Created: t0}
			if !reflect.DeepEqual(u, want) {
				t.Errorf("Add = %+v, want %+v", u, want)
			}
			got, err := d.Get(ctx, tc.user)
			if err != nil || !reflect.DeepEqual(got, want) {
				t.Errorf("Get = %+v, %v; want %+v", got, err, want)
			}
			if _, err := d.Authenticate(ctx, tc.user, tc.password); err != nil {
				t.Errorf("Authenticate with the new password: %v", err)
			}
		})
	}
}

func TestAuthenticate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d, _, _ := openDir(t, Options{MaxFailures: 100})
	alice := mustAdd(t, d, "alice", Officer)
	long := strings.Repeat("x", 72)
	if _, err := d.Add(ctx, "long", long, Viewer); err != nil {
		t.Fatal(err)
	}
	mustAdd(t, d, "off", Viewer)
	if err := d.SetDisabled(ctx, "off", true); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, user, password string
		want                 error
	}{
		{"right", "alice", pw, nil},
		{"name case folded", "Alice", pw, nil},
		{"wrong", "alice", otherPw, ErrBadLogin},
		{"password case", "alice", strings.ToUpper(pw), ErrBadLogin},
		{"empty password", "alice", "", ErrBadLogin},
		{"unknown user", "bob", pw, ErrBadLogin},
		{"malformed name", "al ice", pw, ErrBadLogin},
		{"empty name", "", pw, ErrBadLogin},
		{"72 bytes", "long", long, nil},
		// bcrypt looks at 72 bytes; the 73rd must not be ignored.
		{"73 bytes, first 72 right", "long", long + "y", ErrBadLogin},
		{"disabled, right password", "off", pw, ErrBadLogin},
		{"disabled, wrong password", "off", otherPw, ErrBadLogin},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u, err := d.Authenticate(ctx, tc.user, tc.password)
			checkErr(t, "Authenticate", err, tc.want)
			if errors.Is(err, ErrInvalid) {
				t.Errorf("Authenticate returned ErrInvalid: %v", err)
			}
			if err == nil && tc.user == "alice" && !reflect.DeepEqual(u, alice) {
				t.Errorf("Authenticate = %+v, want %+v", u, alice)
			}
			if err != nil && u != (User{}) {
				t.Errorf("Authenticate failed but returned %+v", u)
			}
		})
	}
	// Enabled again, the password works.
	if err := d.SetDisabled(ctx, "off", false); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Authenticate(ctx, "off", pw); err != nil {
		t.Errorf("Authenticate after enabling: %v", err)
	}
	// Logins for unknown names leave no trace.
	us, err := d.List(ctx)
	if err != nil || len(us) != 3 {
		t.Errorf("List = %d users, %v; want 3", len(us), err)
	}
}

func TestLockout(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	const lockFor = 10 * time.Minute
	d, clk, _ := openDir(t, Options{MaxFailures: 3, LockFor: lockFor})
	mustAdd(t, d, "alice", Officer)
	login := func(password string, want error) {
		t.Helper()
		_, err := d.Authenticate(ctx, "alice", password)
		checkErr(t, "Authenticate", err, want)
	}
	locked := func(want time.Time) {
		t.Helper()
		u, err := d.Get(ctx, "alice")
		if err != nil {
			t.Fatal(err)
		}
		if !u.LockedUntil.Equal(want) {
			t.Errorf("LockedUntil %v, want %v", u.LockedUntil, want)
		}
	}

	// A success resets the count.
	login(otherPw, ErrBadLogin)
	login(otherPw, ErrBadLogin)
	login(pw, nil)
	login(otherPw, ErrBadLogin)
	login(otherPw, ErrBadLogin)
	locked(time.Time{})
	// The third failure in a row locks.
	login(otherPw, ErrBadLogin)
	until := clk.Now().Add(lockFor)
	locked(until)
	login(pw, ErrLocked)
	login(otherPw, ErrLocked)
	clk.Advance(lockFor - time.Nanosecond)
	login(pw, ErrLocked) // a guess while locked does not extend the lock
	locked(until)
	clk.Advance(time.Nanosecond)
	locked(time.Time{})
	login(pw, nil)

	// After a lock ends, the count starts again from zero.
	for range 3 {
		login(otherPw, ErrBadLogin)
	}
	login(pw, ErrLocked)
	clk.Advance(lockFor)
	login(otherPw, ErrBadLogin)
	login(otherPw, ErrBadLogin)
	login(pw, nil)

	// An admin unlocks early.
	for range 3 {
		login(otherPw, ErrBadLogin)
	}
	login(pw, ErrLocked)
	if err := d.Unlock(ctx, "Alice"); err != nil {
		t.Fatal(err)
	}
	locked(time.Time{})
	login(pw, nil)

	// Unlock clears the count too.
	login(otherPw, ErrBadLogin)
	login(otherPw, ErrBadLogin)
	if err := d.Unlock(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	login(otherPw, ErrBadLogin)
	login(otherPw, ErrBadLogin)
	login(pw, nil)

	// A disabled user's failures are not counted.
	if err := d.SetDisabled(ctx, "alice", true); err != nil {
		t.Fatal(err)
	}
	for range 5 {
		login(otherPw, ErrBadLogin)
	}
	if err := d.SetDisabled(ctx, "alice", false); err != nil {
		t.Fatal(err)
	}
	login(pw, nil)
}

// Guesses in parallel get MaxFailures tries between them, not one each:
// the outcome is recorded after re-reading the lock under the write lock.
func TestLockoutParallel(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	const maxFailures, guesses = 3, 16
	d, _, _ := openDir(t, Options{MaxFailures: maxFailures})
	mustAdd(t, d, "alice", Officer)
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs = map[error]int{}
	)
	for i := range guesses {
		wg.Go(func() {
			_, err := d.Authenticate(ctx, "alice", fmt.Sprintf("guess number %d", i))
			mu.Lock()
			errs[err]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if errs[ErrBadLogin] != maxFailures || errs[ErrLocked] != guesses-maxFailures {
		t.Errorf("outcomes %v, want %d ErrBadLogin and the rest ErrLocked", errs, maxFailures)
	}
	if _, err := d.Authenticate(ctx, "alice", pw); !errors.Is(err, ErrLocked) {
		t.Errorf("right password after the burst: %v, want ErrLocked", err)
	}
}

func TestUpdates(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d, _, _ := openDir(t, Options{})
	mustAdd(t, d, "alice", Viewer)
	for _, tc := range []struct {
		name string
		do   func() error
		want error
	}{
		{"SetRole", func() error { return d.SetRole(ctx, "ALICE", Admin) }, nil},
		{"SetRole unknown user", func() error { return d.SetRole(ctx, "bob", Admin) }, ErrNotFound},
		{"SetRole bad role", func() error { return d.SetRole(ctx, "alice", "superuser") }, ErrInvalid},
		{"SetRole bad name", func() error { return d.SetRole(ctx, "a b", Admin) }, ErrInvalid},
		{"SetPassword", func() error { return d.SetPassword(ctx, "alice", otherPw) }, nil},
		{"SetPassword unknown user", func() error { return d.SetPassword(ctx, "bob", otherPw) }, ErrNotFound},
		{"SetPassword short", func() error { return d.SetPassword(ctx, "alice", "short") }, ErrInvalid},
		{"SetPassword 73 bytes", func() error { return d.SetPassword(ctx, "alice", strings.Repeat("p", 73)) }, ErrInvalid},
		{"SetPassword bad name", func() error { return d.SetPassword(ctx, "a b", otherPw) }, ErrInvalid},
		{"SetDisabled", func() error { return d.SetDisabled(ctx, "alice", true) }, nil},
		{"SetDisabled again", func() error { return d.SetDisabled(ctx, "alice", true) }, nil},
		{"SetDisabled unknown user", func() error { return d.SetDisabled(ctx, "bob", true) }, ErrNotFound},
		{"SetDisabled bad name", func() error { return d.SetDisabled(ctx, "", true) }, ErrInvalid},
		{"Unlock", func() error { return d.Unlock(ctx, "alice") }, nil},
		{"Unlock unknown user", func() error { return d.Unlock(ctx, "bob") }, ErrNotFound},
		{"Unlock bad name", func() error { return d.Unlock(ctx, "a/b") }, ErrInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) { checkErr(t, tc.name, tc.do(), tc.want) })
	}
	u, err := d.Get(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if want := (User{Name: "alice", Role: Admin, Disabled: true, Created: t0}); !reflect.DeepEqual(u, want) {
		t.Errorf("Get = %+v, want %+v", u, want)
	}
	if err := d.SetDisabled(ctx, "alice", false); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Authenticate(ctx, "alice", pw); !errors.Is(err, ErrBadLogin) {
		t.Errorf("old password: %v, want ErrBadLogin", err)
	}
	if _, err := d.Authenticate(ctx, "alice", otherPw); err != nil {
		t.Errorf("new password: %v", err)
	}
}

func TestGetList(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d, clk, _ := openDir(t, Options{})
	us, err := d.List(ctx)
	if err != nil || us == nil || len(us) != 0 {
		t.Errorf("List of none = %#v, %v; want an empty slice", us, err)
	}
	var want []User
	for _, n := range []string{"carol", "alice", "bob"} {
		want = append(want, mustAdd(t, d, n, Viewer))
		clk.Advance(time.Hour)
	}
	us, err = d.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := []User{want[1], want[2], want[0]}; !reflect.DeepEqual(us, got) {
		t.Errorf("List = %+v, want %+v", us, got)
	}
	_, err = d.Get(ctx, "dave")
	checkErr(t, "Get unknown", err, ErrNotFound)
	_, err = d.Get(ctx, "da ve")
	checkErr(t, "Get malformed", err, ErrInvalid)
}

func TestReopen(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d, clk, path := openDir(t, Options{MaxFailures: 1, LockFor: time.Hour})
	mustAdd(t, d, "alice", Admin)
	mustAdd(t, d, "bob", Viewer)
	if err := d.SetDisabled(ctx, "bob", true); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Authenticate(ctx, "alice", otherPw); !errors.Is(err, ErrBadLogin) {
		t.Fatal(err)
	}
	before, err := d.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}

	d, err = Open(path, Options{MaxFailures: 1, LockFor: time.Hour, Cost: bcrypt.MinCost, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	after, err := d.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(after, before) {
		t.Errorf("after reopen %+v, want %+v", after, before)
	}
	if _, err := d.Authenticate(ctx, "alice", pw); !errors.Is(err, ErrLocked) {
		t.Errorf("lock lost across reopen: %v", err)
	}
	clk.Advance(time.Hour)
	if _, err := d.Authenticate(ctx, "alice", pw); err != nil {
		t.Errorf("password lost across reopen: %v", err)
	}
}

// A password stored at a lower cost than configured is rehashed at the
// next successful login.
func TestRehash(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d, clk, path := openDir(t, Options{})
	mustAdd(t, d, "alice", Viewer)
	d.Close()
	cost := func() int {
		var h string
		if err := rawDB(t, path).QueryRow(`SELECT hash FROM users WHERE name = 'alice'`).Scan(&h); err != nil {
			t.Fatal(err)
		}
		c, err := bcrypt.Cost([]byte(h))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	if c := cost(); c != bcrypt.MinCost {
		t.Fatalf("cost %d, want %d", c, bcrypt.MinCost)
	}
	d, err := Open(path, Options{Cost: bcrypt.MinCost + 1, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := d.Authenticate(ctx, "alice", otherPw); !errors.Is(err, ErrBadLogin) {
		t.Fatal(err)
	}
	if c := cost(); c != bcrypt.MinCost {
		t.Errorf("a failed login rehashed: cost %d", c)
	}
	if _, err := d.Authenticate(ctx, "alice", pw); err != nil {
		t.Fatal(err)
	}
	if c := cost(); c != bcrypt.MinCost+1 {
		t.Errorf("cost after login %d, want %d", c, bcrypt.MinCost+1)
	}
	if _, err := d.Authenticate(ctx, "alice", pw); err != nil {
		t.Errorf("login after rehash: %v", err)
	}
}

func rawDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// No file of the database ever holds a password; after a password change
// and a clean close, not the old hash either (here the new hash overwrites
// it in place; secure_delete also zeroes the free space a moved or deleted
// row leaves).
func TestNoPlaintextPassword(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	first, second := "Plaintext-Canary-0001", "Plaintext-Canary-0002"
	d, _, path := openDir(t, Options{})
	if _, err := d.Add(ctx, "alice", first, Admin); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Authenticate(ctx, "alice", first); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Authenticate(ctx, "alice", second); !errors.Is(err, ErrBadLogin) {
		t.Fatal(err)
	}
	var oldHash string
	db := rawDB(t, path)
	if err := db.QueryRow(`SELECT hash FROM users`).Scan(&oldHash); err != nil {
		t.Fatal(err)
	}
	db.Close() // the last connection to close checkpoints the WAL
	if !strings.HasPrefix(oldHash, "$2") {
		t.Fatalf("stored %q is not a bcrypt hash", oldHash)
	}
	if err := d.SetPassword(ctx, "alice", second); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Dir(path)
	scan := func(when string, secrets ...string) {
		t.Helper()
		des, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, de := range des {
			b, err := os.ReadFile(filepath.Join(dir, de.Name()))
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range secrets {
				if bytes.Contains(b, []byte(s)) || bytes.Contains(bytes.ToLower(b), []byte(strings.ToLower(s))) {
					t.Errorf("%s: %s holds %q", when, de.Name(), s)
				}
			}
		}
	}
	scan("open", first, second)
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	scan("closed", first, second, oldHash)
}

func TestOpenCreatesPrivateFiles(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "data", "sub")
	path := filepath.Join(dir, "users.db")
	d, err := Open(path, Options{Cost: bcrypt.MinCost})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	mustAdd(t, d, "alice", Viewer)
	for p, want := range map[string]fs.FileMode{
		dir:               fs.ModeDir | 0o700,
		filepath.Dir(dir): fs.ModeDir | 0o700,
		path:              0o600,
		path + "-wal":     0o600,
	} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode() != want {
			t.Errorf("%s: mode %v, want %v", p, fi.Mode(), want)
		}
	}
	if d.Path() != path {
		t.Errorf("Path() = %q, want %q", d.Path(), path)
	}
}

func TestSchemaVersion(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	opt := Options{Cost: bcrypt.MinCost}
	path := filepath.Join(dir, "users.db")
	d, err := Open(path, opt)
	if err != nil {
		t.Fatal(err)
	}
	d.Close()
	db := rawDB(t, path)
	if _, err := db.Exec(fmt.Sprintf("PRAGMA user_version = %d", schemaVersion+1)); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if d, err := Open(path, opt); err == nil {
		d.Close()
		t.Error("Open of a newer database succeeded")
	} else if !strings.Contains(err.Error(), "newer") {
		t.Errorf("Open of a newer database: %v", err)
	}

	other := filepath.Join(dir, "other.db")
	db = rawDB(t, other)
	if _, err := db.Exec("CREATE TABLE t (x)"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if d, err := Open(other, opt); err == nil {
		d.Close()
		t.Error("Open of another database succeeded")
	} else if !strings.Contains(err.Error(), "not a dlprelay user database") {
		t.Errorf("Open(other): %v", err)
	}
}
