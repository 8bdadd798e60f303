package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/dlprelay/dlprelay/relay/audit"
	"github.com/dlprelay/dlprelay/relay/users"
)

// cliFixture is a data directory for the console commands, run in-process
// with their own stdin and environment (so tests run in parallel).
type cliFixture struct {
	t      *testing.T
	data   string
	config string // -config, if any
}

func newCLIFixture(t *testing.T) *cliFixture {
	t.Helper()
	return &cliFixture{t: t, data: t.TempDir()}
}

// password is the test password of user name.
func password(name string) string { return name + "-password-123" }

// testUsersOpt makes bcrypt cheap: the commands hash and compare at every
// login.
var testUsersOpt = users.Options{Cost: bcrypt.MinCost}

// addUser adds a user with password(name).
func (fx *cliFixture) addUser(name string, role users.Role) {
	fx.t.Helper()
	addConsoleUser(fx.t, fx.data, name, password(name), role)
}

// addConsoleUser adds a console user to data's users.db through the
// package, as an admin's earlier `dlprelay users add` would have.
func addConsoleUser(t *testing.T, data, name, pass string, role users.Role) {
	t.Helper()
	d, err := users.Open(filepath.Join(data, usersFile), testUsersOpt)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := d.Add(context.Background(), name, pass, role); err != nil {
		t.Fatal(err)
	}
}

func (fx *cliFixture) user(name string) (users.User, error) {
	fx.t.Helper()
	d, err := users.Open(filepath.Join(fx.data, usersFile), testUsersOpt)
	if err != nil {
		fx.t.Fatal(err)
	}
	defer d.Close()
	return d.Get(context.Background(), name)
}

// exec runs a console command (args[0] is the group, args[1] the command)
// with stdin and the environment env; -data (and -config) are added after
// the command name.
func (fx *cliFixture) exec(stdin string, env map[string]string, args ...string) (code int, stdout, stderr string) {
	fx.t.Helper()
	e := &cliEnv{
		stdin:    bufio.NewReader(strings.NewReader(stdin)),
		getenv:   func(k string) string { return env[k] },
		usersOpt: testUsersOpt,
	}
	full := []string{args[1], "-data", fx.data}
	if fx.config != "" {
		full = append(full, "-config", fx.config)
	}
	full = append(full, args[2:]...)
	var out, errOut bytes.Buffer
	switch args[0] {
	case "quarantine":
		code = runQuarantineEnv(e, full, &out, &errOut)
	case "audit":
		code = runAuditEnv(e, full, &out, &errOut)
	case "users":
		code = runUsersEnv(e, full, &out, &errOut)
	default:
		fx.t.Fatalf("no group %q", args[0])
	}
	fx.t.Logf("%s → %d\n%s%s", strings.Join(args, " "), code, out.String(), errOut.String())
	return code, out.String(), errOut.String()
}

// as runs a command as user, with the password in $DLPRELAY_PASSWORD.
func (fx *cliFixture) as(user string, args ...string) (int, string, string) {
	fx.t.Helper()
	full := append(slices.Clone(args[:2]), "-user", user)
	full = append(full, args[2:]...)
	return fx.exec("", map[string]string{envPassword: password(user)}, full...)
}

// records returns the audit records matching q, oldest first.
func (fx *cliFixture) records(q audit.Query) []audit.Record {
	fx.t.Helper()
	l, err := audit.OpenReadOnly(filepath.Join(fx.data, auditFile))
	if err != nil {
		fx.t.Fatal(err)
	}
	defer l.Close()
	q.Limit = 1000
	recs, _, err := l.List(context.Background(), q)
	if err != nil {
		fx.t.Fatal(err)
	}
	slices.Reverse(recs)
	return recs
}

// checkCLI fails unless the command exited with code and its output holds
// every string of want.
func checkCLI(t *testing.T, code, wantCode int, out string, want ...string) {
	t.Helper()
	if code != wantCode {
		t.Errorf("exit %d, want %d; output:\n%s", code, wantCode, out)
	}
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
}

func TestUsersBootstrap(t *testing.T) {
	t.Parallel()
	fx := newCLIFixture(t)
	// The first user must be an admin.
	code, out, errOut := fx.exec(password("alice")+"\n", nil, "users", "add", "-role", "officer", "-why", "setup", "alice")
	checkCLI(t, code, 1, out+errOut, "the first user must be an admin")
	// No -why: a usage error, before anything is read or written.
	code, out, errOut = fx.exec(password("alice")+"\n", nil, "users", "add", "-role", "admin", "alice")
	checkCLI(t, code, 2, out+errOut, "-why")

	code, out, errOut = fx.exec(password("alice")+"\n", nil, "users", "add", "-role", "admin", "-why", "first admin", "Alice")
	checkCLI(t, code, 0, out+errOut, "added admin alice")
	if u, err := fx.user("alice"); err != nil || u.Role != users.Admin {
		t.Fatalf("alice: %+v, %v", u, err)
	}
	recs := fx.records(audit.Query{Action: audit.ActionUserChange})
	if len(recs) != 1 || recs[0].Actor != "alice" || recs[0].Target != "alice" || recs[0].Justification != "first admin" ||
		recs[0].Detail["bootstrap"] != "1" || recs[0].Detail["via"] != "cli" || recs[0].Detail["role"] != "admin" {
		t.Errorf("bootstrap audit: %+v", recs)
	}

	// Now that there is a user, adding one needs an admin's login.
	code, out, errOut = fx.exec(password("mallory")+"\n", map[string]string{envNewPassword: password("mallory")},
		"users", "add", "-role", "admin", "-why", "me too", "mallory")
	checkCLI(t, code, 1, out+errOut, "has users: log in as an admin")
	if _, err := fx.user("mallory"); !errors.Is(err, users.ErrNotFound) {
		t.Errorf("mallory added without a login: %v", err)
	}

	// Both passwords on stdin: the admin's first, then the new one.
	code, out, errOut = fx.exec(password("alice")+"\r\n"+password("bob")+"\n", nil,
		"users", "add", "-user", "alice", "-role", "officer", "-why", "new officer", "bob")
	checkCLI(t, code, 0, out+errOut, "added officer bob")
	code, out, errOut = fx.as("bob", "users", "list")
	checkCLI(t, code, 1, out+errOut, "bob is an officer: users list needs admin")
	code, out, errOut = fx.exec("", map[string]string{envPassword: password("alice"), envNewPassword: password("carol")},
		"users", "add", "-user", "alice", "-role", "viewer", "-why", "auditor", "carol")
	checkCLI(t, code, 0, out+errOut, "added viewer carol")
	code, out, errOut = fx.exec("", map[string]string{envPassword: password("alice"), envNewPassword: "short"},
		"users", "add", "-user", "alice", "-why", "x", "dave")
	checkCLI(t, code, 2, out+errOut, "at least 12 characters")
	code, out, errOut = fx.exec("", map[string]string{envPassword: password("alice"), envNewPassword: password("bob")},
		"users", "add", "-user", "alice", "-why", "again", "BOB")
	checkCLI(t, code, 1, out+errOut, "user BOB exists")

	for _, secret := range []string{password("alice"), password("bob"), password("carol")} {
		if strings.Contains(out+errOut, secret) {
			t.Errorf("output holds a password")
		}
	}
}

func TestUsersChanges(t *testing.T) {
	t.Parallel()
	fx := newCLIFixture(t)
	fx.addUser("alice", users.Admin)
	fx.addUser("bob", users.Officer)

	code, out, errOut := fx.as("alice", "users", "list")
	checkCLI(t, code, 0, out+errOut, "NAME", "alice  admin", "bob    officer  active")
	code, out, _ = fx.as("alice", "users", "list", "-json")
	var got []users.User
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var u users.User
		if err := json.Unmarshal([]byte(line), &u); err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		got = append(got, u)
	}
	if code != 0 || len(got) != 2 || got[1].Name != "bob" || got[1].Role != users.Officer {
		t.Errorf("list -json: %d %+v", code, got)
	}

	code, out, errOut = fx.as("alice", "users", "role", "bob", "admin", "-why", "promotion")
	checkCLI(t, code, 0, out+errOut, "bob is now an admin")
	code, out, errOut = fx.as("alice", "users", "role", "-why", "step down", "alice", "viewer")
	checkCLI(t, code, 1, out+errOut, "alice cannot demote themself")
	code, out, errOut = fx.as("alice", "users", "role", "-why", "x", "bob", "root")
	checkCLI(t, code, 2, out+errOut, `role "root"`)
	code, out, errOut = fx.as("alice", "users", "disable", "alice", "-why", "x")
	checkCLI(t, code, 1, out+errOut, "cannot disable themself")
	code, out, errOut = fx.as("alice", "users", "disable", "nobody", "-why", "x")
	checkCLI(t, code, 1, out+errOut, "no user nobody")

	code, out, errOut = fx.as("alice", "users", "disable", "bob", "-why", "left the company")
	checkCLI(t, code, 0, out+errOut, "bob disabled")
	code, out, errOut = fx.as("bob", "users", "list")
	checkCLI(t, code, 1, out+errOut, "login refused")
	code, out, errOut = fx.as("alice", "users", "enable", "bob", "-why", "came back")
	checkCLI(t, code, 0, out+errOut, "bob enabled")

	// Five wrong passwords lock bob; unlock ends it; passwd sets a new one.
	for range 5 {
		fx.exec("", map[string]string{envPassword: "wrong-password-123"}, "users", "list", "-user", "bob")
	}
	code, out, errOut = fx.as("bob", "users", "list")
	checkCLI(t, code, 1, out+errOut, "locked")
	code, out, errOut = fx.as("alice", "users", "list")
	checkCLI(t, code, 0, out+errOut, "locked until")
	code, out, errOut = fx.as("alice", "users", "unlock", "bob", "-why", "he called")
	checkCLI(t, code, 0, out+errOut, "bob unlocked")
	code, out, errOut = fx.exec("", map[string]string{envPassword: password("alice"), envNewPassword: "a-new-long-password"},
		"users", "passwd", "-user", "alice", "-why", "reset", "bob")
	checkCLI(t, code, 0, out+errOut, "password of bob set")
	code, out, errOut = fx.exec("a-new-long-password\n", nil, "users", "list", "-user", "bob")
	checkCLI(t, code, 0, out+errOut, "alice")

	var ops []string
	for _, r := range fx.records(audit.Query{Action: audit.ActionUserChange, Actor: "alice"}) {
		ops = append(ops, r.Target+":"+r.Detail["op"]+":"+r.Justification)
		if r.Detail["via"] != "cli" {
			t.Errorf("%+v: not via cli", r)
		}
	}
	want := []string{"bob:role:promotion", "bob:disable:left the company", "bob:enable:came back", "bob:unlock:he called", "bob:password:reset"}
	if !slices.Equal(ops, want) {
		t.Errorf("audited user changes %q, want %q", ops, want)
	}
	if n := len(fx.records(audit.Query{Action: audit.ActionLoginFailed, Target: "bob"})); n < 7 {
		t.Errorf("%d failed logins of bob audited, want at least 7", n)
	}
}

func TestLoginFailures(t *testing.T) {
	t.Parallel()
	fx := newCLIFixture(t)
	// Before any user exists, commands say how to start.
	code, out, errOut := fx.as("alice", "users", "list")
	checkCLI(t, code, 1, out+errOut, "no console users", "users add -role admin")
	if _, err := os.Stat(filepath.Join(fx.data, auditFile)); err == nil {
		t.Error("a refused command created the audit log")
	}
	fx.addUser("alice", users.Admin)

	code, out, errOut = fx.exec("", map[string]string{envPassword: password("alice")}, "users", "list")
	checkCLI(t, code, 2, out+errOut, "-user NAME is required")
	code, out, errOut = fx.exec("", nil, "users", "list", "-user", "alice")
	checkCLI(t, code, 2, out+errOut, "DLPRELAY_PASSWORD")
	code, out, errOut = fx.exec("\n", nil, "users", "list", "-user", "alice")
	checkCLI(t, code, 1, out+errOut, "login refused")
	code, out, errOut = fx.exec("not-her-password\n", nil, "users", "list", "-user", "alice")
	checkCLI(t, code, 1, out+errOut, "login refused: wrong user name or password")
	code, out, errOut = fx.exec(password("alice")+"\n", nil, "users", "list", "-user", "zed")
	checkCLI(t, code, 1, out+errOut, "login refused: wrong user name or password")
	if strings.Contains(out+errOut, "not-her-password") {
		t.Error("a password in the output")
	}

	var got []string
	for _, r := range fx.records(audit.Query{Action: audit.ActionLoginFailed}) {
		got = append(got, r.Actor+":"+r.Detail["reason"]+":"+r.Detail["via"])
	}
	if want := []string{"alice:empty:cli", "alice:bad_login:cli", "zed:bad_login:cli"}; !slices.Equal(got, want) {
		t.Errorf("failed logins audited: %q, want %q", got, want)
	}
}

func TestSecretFromStdin(t *testing.T) {
	t.Parallel()
	env := func(in string) *cliEnv {
		return &cliEnv{stdin: bufio.NewReader(strings.NewReader(in)), getenv: func(string) string { return "" }}
	}
	e := env("first secret\r\nsecond secret")
	for _, want := range []string{"first secret", "second secret"} {
		if got, err := e.secret(envPassword, "password"); err != nil || got != want {
			t.Errorf("secret: %q, %v; want %q", got, err, want)
		}
	}
	if _, err := e.secret(envPassword, "password"); exitCode(err) != 2 {
		t.Errorf("after the last line: %v", err)
	}
	if _, err := env(strings.Repeat("x", 5000)+"\n").secret(envPassword, "password"); err == nil || strings.Contains(err.Error(), "xxx") {
		t.Errorf("a long line: %v", err)
	}
	tty := env("typed\n")
	tty.terminal = true
	if _, err := tty.secret(envPassword, "password"); err == nil || !strings.Contains(err.Error(), "terminal") {
		t.Errorf("from a terminal: %v", err)
	}
	tty.getenv = func(string) string { return "from-env" }
	if got, err := tty.secret(envPassword, "password"); err != nil || got != "from-env" {
		t.Errorf("from the environment: %q, %v", got, err)
	}
}

func TestParseArgsInterspersed(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want []string
		why  string
		code int
	}{
		{[]string{"ID", "-why", "x y"}, []string{"ID"}, "x y", 0},
		{[]string{"-why", "x", "ID", "on"}, []string{"ID", "on"}, "x", 0},
		{[]string{"ID", "-why", "x", "on"}, []string{"ID", "on"}, "x", 0},
		{[]string{"-why", "x", "--", "-ID"}, []string{"-ID"}, "x", 0},
		{[]string{"ID"}, []string{"ID"}, "", 0},
		{[]string{"ID", "on", "extra"}, nil, "", 2},
		{[]string{"ID", "-bogus"}, nil, "", 2},
		{[]string{"-h"}, nil, "", 0},
	} {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		why := fs.String("why", "", "")
		want := 1
		if len(tc.want) == 2 {
			want = 2
		}
		pos, code, stop := parseArgs(fs, tc.args, want)
		if tc.want == nil {
			if !stop || code != tc.code {
				t.Errorf("%q: stop %v code %d, want exit %d", tc.args, stop, code, tc.code)
			}
			continue
		}
		if stop || !slices.Equal(pos, tc.want) || *why != tc.why {
			t.Errorf("%q: %q why %q stop %v, want %q why %q", tc.args, pos, *why, stop, tc.want, tc.why)
		}
	}
}
