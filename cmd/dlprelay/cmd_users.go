package main

// The console commands (quarantine, audit, users) drive the stores in
// data_dir directly, beside a running relay (SQLite WAL lets both write),
// with the console's rights model: a user logs in with -user and a
// password, each command needs a role, and what the console audits is
// audited here too, with the detail via=cli. This file holds what they
// share (flags, passwords, login, audit) and the users commands.

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/dlprelay/dlprelay/relay/audit"
	"github.com/dlprelay/dlprelay/relay/config"
	"github.com/dlprelay/dlprelay/relay/quarantine"
	"github.com/dlprelay/dlprelay/relay/users"
)

// Where the console commands take passwords from when stdin does not.
const (
	envPassword    = "DLPRELAY_PASSWORD"     // the acting user's (-user) password
	envNewPassword = "DLPRELAY_NEW_PASSWORD" // the password users add and users passwd set
)

// File names in data_dir, as the relay opens them.
const (
	usersFile = "users.db"
	auditFile = "audit.db"
)

// passwordHelp is the part of every login command's -h about passwords.
const passwordHelp = "The password of -user comes from $" + envPassword + ", or else the first line\nof stdin; it is never echoed or logged. It is not read from a terminal, which\nwould echo it: there, run 'read -rs " + envPassword + "; export " + envPassword + "'\nfirst."

// cliEnv is what the console commands take from the process besides their
// arguments: stdin, the environment and the user directory's options.
// Tests give their own.
type cliEnv struct {
	stdin    *bufio.Reader
	terminal bool // stdin is a terminal: passwords are not read from it
	getenv   func(string) string
	usersOpt users.Options
}

// processEnv is the cliEnv of the running process.
func processEnv() *cliEnv {
	return &cliEnv{stdin: bufio.NewReader(os.Stdin), terminal: isTerminal(os.Stdin), getenv: os.Getenv}
}

// isTerminal reports whether f is a character device other than the null
// device: a terminal, as far as the standard library can tell.
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	if err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		return false
	}
	null, err := os.Stat(os.DevNull)
	return err != nil || !os.SameFile(fi, null)
}

// maxSecretLine bounds the line a password is read from.
const maxSecretLine = 1024

// secret returns the value of the environment variable name, or else the
// next line of stdin. what names it in errors, which never hold it.
func (e *cliEnv) secret(name, what string) (string, error) {
	if v := e.getenv(name); v != "" {
		return v, nil
	}
	if e.terminal {
		return "", usageErrorf("%s: set $%s or pipe it in on stdin (a terminal would echo it)", what, name)
	}
	var line []byte
	for {
		chunk, err := e.stdin.ReadSlice('\n')
		line = append(line, chunk...)
		if len(line) > maxSecretLine {
			return "", usageErrorf("%s: the line on stdin is longer than %d bytes", what, maxSecretLine)
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return "", fmt.Errorf("%s: reading stdin: %w", what, err)
		}
		if err != nil && len(line) == 0 {
			return "", usageErrorf("%s: set $%s or give it as a line on stdin", what, name)
		}
		break
	}
	s := strings.TrimSuffix(string(line), "\n")
	return strings.TrimSuffix(s, "\r"), nil
}

// usageError is a command called wrongly: exit status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usageErrorf(format string, args ...any) error {
	return &usageError{fmt.Sprintf(format, args...)}
}

// refusedError is a login, a right or an action refused, explained for
// people: exit status 1. err, if any, is the store's error it explains.
type refusedError struct {
	msg string
	err error
}

func (e *refusedError) Error() string { return e.msg }
func (e *refusedError) Unwrap() error { return e.err }

func refusedf(format string, args ...any) error {
	return &refusedError{msg: fmt.Sprintf(format, args...)}
}

// errQuiet fails a command that has said why on stdout already: exit
// status 1, nothing more printed.
var errQuiet = &refusedError{}

// exitCode is the exit status for err: 0 without one, 2 for a usage error
// or a request a store refuses as given (ErrInvalid), 1 for everything
// else (login, rights, conflicts, not found, I/O).
func exitCode(err error) int {
	var ue *usageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ue), errors.Is(err, quarantine.ErrInvalid), errors.Is(err, users.ErrInvalid), errors.Is(err, audit.ErrInvalid):
		return 2
	}
	return 1
}

// report prints err (if any) and returns the exit status.
func report(stderr io.Writer, err error) int {
	if err != nil && err != errQuiet {
		fmt.Fprintf(stderr, "dlprelay: %v\n", err)
	}
	return exitCode(err)
}

// consoleFlags are the flags every console command takes: the
// configuration, the data directory and, for commands that log in, the
// acting user.
type consoleFlags struct {
	cf   configFlags
	user string
}

func (f *consoleFlags) register(fs *flag.FlagSet, login bool) {
	fs.StringVar(&f.cf.config, "config", "", "configuration `file` (YAML); default: the embedded laptop default (data in ./var)")
	fs.StringVar(&f.cf.data, "data", "", "data `directory` (quarantine.db, quarantine/, audit.db, users.db), overrides data_dir")
	if login {
		fs.StringVar(&f.user, "user", "", "`name` of the acting console user (password: see above)")
	}
}

// load reads the configuration.
func (f *consoleFlags) load() (*config.Config, error) {
	cfg, err := f.cf.load()
	if err != nil {
		return nil, &usageError{err.Error()}
	}
	return cfg, nil
}

// subcommand is one command of a group (quarantine, audit, users).
type subcommand struct {
	name, summary string
	run           func(env *cliEnv, args []string, stdout, stderr io.Writer) int
}

// runGroup dispatches args to the group's subcommands.
func runGroup(group, description string, subs []subcommand, env *cliEnv, args []string, stdout, stderr io.Writer) int {
	usage := func() {
		fmt.Fprintf(stderr, "Usage: dlprelay %s <command> [flags] [arguments]\n\n%s\n\nCommands:\n", group, description)
		for _, c := range subs {
			fmt.Fprintf(stderr, "  %-9s %s\n", c.name, c.summary)
		}
		fmt.Fprintf(stderr, "\nRun 'dlprelay %s <command> -h' for the flags of a command.\n", group)
	}
	if len(args) == 0 {
		usage()
		return 2
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		usage()
		return 0
	}
	for _, c := range subs {
		if c.name == args[0] {
			return c.run(env, args[1:], stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "dlprelay %s: unknown command %q\n\n", group, args[0])
	usage()
	return 2
}

// parseArgs parses flags mixed with positional arguments ("release ID -why
// text" as well as "release -why text ID"); everything after "--" is
// positional. want is the number of positional arguments; a different
// number prints the usage. stop says the command should exit with code.
func parseArgs(fs *flag.FlagSet, args []string, want int) (pos []string, code int, stop bool) {
	for {
		if code, stop := parseFlags(fs, args); stop {
			return nil, code, true
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		if i := len(args) - len(rest) - 1; i >= 0 && args[i] == "--" {
			pos = append(pos, rest...)
			break
		}
		pos, args = append(pos, rest[0]), rest[1:]
	}
	if len(pos) != want {
		fs.Usage()
		return nil, 2, true
	}
	return pos, 0, false
}

// checkWhy checks the -why justification the console asks for too: one to
// 2048 bytes of text (tab and line ends allowed, no other control
// characters).
func checkWhy(s string) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return "", usageErrorf(`-why "reason" is required: it is recorded in the audit log`)
	case len(s) > audit.MaxJustification:
		return "", usageErrorf("-why: %d bytes, more than %d", len(s), audit.MaxJustification)
	case !freeText(s):
		return "", usageErrorf("-why: control characters or invalid UTF-8")
	}
	return s, nil
}

// freeText: valid UTF-8 without control characters but tab, CR and LF.
func freeText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) && r != '\t' && r != '\r' && r != '\n' {
			return false
		}
	}
	return true
}

// clipName makes a user-typed name fit the audit log's actor and target:
// one line, valid UTF-8, at most 128 bytes, never empty.
func clipName(s string) string {
	const max = 128
	s = strings.ToValidUTF8(s, "?")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return '?'
		}
		return r
	}, s)
	if len(s) > max {
		s = strings.ToValidUTF8(s[:max], "")
	}
	if s == "" {
		return "-"
	}
	return s
}

// printable makes s safe to print on a terminal: control characters,
// bidirectional overrides and invalid UTF-8 become '?'.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == utf8.RuneError || r >= '\u202a' && r <= '\u202e' || r >= '\u2066' && r <= '\u2069' {
			return '?'
		}
		return r
	}, s)
}

// cliSession is a console command run by a logged-in user (or, for the
// first admin, by nobody yet): the configuration, the audit log and the
// user directory.
type cliSession struct {
	env  *cliEnv
	cfg  *config.Config
	log  *audit.SQLite
	dir  *users.SQLite
	user users.User
}

func (s *cliSession) close() {
	if s.log != nil {
		s.log.Close()
	}
	if s.dir != nil {
		s.dir.Close()
	}
}

// openSession loads the configuration and opens the user directory and
// the audit log in data_dir. Unless create, the user directory must exist
// already (a wrong -data must not leave new databases behind).
func openSession(env *cliEnv, f *consoleFlags, create bool) (*cliSession, error) {
	cfg, err := f.load()
	if err != nil {
		return nil, err
	}
	s := &cliSession{env: env, cfg: cfg}
	path := filepath.Join(cfg.DataDir, usersFile)
	if !create {
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			return nil, refusedf("no console users in %s: create the first admin with 'dlprelay users add -role admin -why \"...\" NAME'", cfg.DataDir)
		}
	}
	if s.dir, err = users.Open(path, env.usersOpt); err != nil {
		return nil, err
	}
	if s.log, err = audit.Open(filepath.Join(cfg.DataDir, auditFile)); err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

// login opens a session for the user of -user, who must hold role need
// for the command what. Logins and failed logins are audited as the
// console audits them.
func login(ctx context.Context, env *cliEnv, f *consoleFlags, need users.Role, what string) (*cliSession, error) {
	if f.user == "" {
		return nil, usageErrorf("-user NAME is required")
	}
	s, err := openSession(env, f, false)
	if err != nil {
		return nil, err
	}
	if err := s.login(ctx, f.user, need, what); err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

func (s *cliSession) login(ctx context.Context, name string, need users.Role, what string) error {
	name = strings.TrimSpace(name)
	password, err := s.env.secret(envPassword, "the password of -user")
	if err != nil {
		return err
	}
	var (
		u      users.User
		reason string
	)
	if name == "" || password == "" {
		reason, err = "empty", users.ErrBadLogin
	} else {
		u, err = s.dir.Authenticate(ctx, name, password)
	}
	switch {
	case reason != "":
	case errors.Is(err, users.ErrLocked):
		reason = "locked"
	case errors.Is(err, users.ErrBadLogin), errors.Is(err, users.ErrNotFound):
		reason, err = "bad_login", users.ErrBadLogin
	case err != nil:
		return err
	case u.Disabled:
		reason, err = "disabled", users.ErrBadLogin
	}
	if reason != "" {
		if _, aerr := s.log.Append(ctx, audit.Event{Actor: clipName(name), Action: audit.ActionLoginFailed, Target: clipName(name),
			Detail: map[string]string{"reason": reason, "via": "cli"}}); aerr != nil {
			return errors.Join(refusedf("login refused: %v", err), aerr)
		}
		return refusedf("login refused: %v", err)
	}
	s.user = u
	if err := s.record(ctx, audit.Event{Action: audit.ActionLogin, Target: u.Name}); err != nil {
		return err
	}
	if !u.Role.Allows(need) {
		return refusedf("%s is %s %s: %s needs %s", u.Name, article(u.Role), u.Role, what, need)
	}
	return nil
}

func article(r users.Role) string {
	if r == users.Admin || r == users.Officer {
		return "an"
	}
	return "a"
}

// record appends e to the audit log as done by the session's user (unless
// e names an actor) through the CLI. An action whose audit fails reports
// the failure: the command exits 1.
func (s *cliSession) record(ctx context.Context, e audit.Event) error {
	if e.Actor == "" {
		e.Actor = s.user.Name
	}
	d := map[string]string{"via": "cli"}
	for k, v := range e.Detail {
		d[k] = v
	}
	e.Detail = d
	if _, err := s.log.Append(ctx, e); err != nil {
		return fmt.Errorf("recording %s in the audit log: %w", e.Action, err)
	}
	return nil
}

// The users commands.

const usersDescription = "Manages the compliance console's users in data_dir/users.db (roles viewer,\nofficer, admin), as an admin; each change is audited as user_change. The first\nadmin is added without -user while there are no users at all. Run as the\nrelay's system user, so that the files stay the relay's."

var usersCommands = []subcommand{
	{"add", "add a user (the first admin: without -user)", runUsersAdd},
	{"list", "list the users", runUsersList},
	{"passwd", "set a user's password", runUsersPasswd},
	{"role", "change a user's role", runUsersRole},
	{"disable", "disable a user (logins fail)", runUsersDisable},
	{"enable", "enable a disabled user", runUsersEnable},
	{"unlock", "end a lockout after failed logins", runUsersUnlock},
}

func runUsers(args []string, stdout, stderr io.Writer) int {
	return runUsersEnv(processEnv(), args, stdout, stderr)
}

func runUsersEnv(env *cliEnv, args []string, stdout, stderr io.Writer) int {
	return runGroup("users", usersDescription, usersCommands, env, args, stdout, stderr)
}

// newPasswordHelp is the part of -h of the commands that set a password.
const newPasswordHelp = "The new password comes from $" + envNewPassword + ", or else a line of stdin (after\nthe line with the password of -user, when that comes from stdin too); 12\ncharacters to 72 bytes."

func runUsersAdd(env *cliEnv, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("users add", "users add [-role viewer|officer|admin] -why TEXT -user ADMIN NAME",
		"Adds a console user. While users.db has no users at all, the first admin is\nadded without -user: 'users add -role admin -why \"...\" NAME'.\n\n"+passwordHelp+"\n"+newPasswordHelp+"\n\nExit status: 0 added, 1 refused (login, rights, the user exists), 2 usage.", stderr)
	var f consoleFlags
	f.register(fs, true)
	role := fs.String("role", string(users.Viewer), "the new user's `role`: viewer, officer or admin")
	why := fs.String("why", "", "the `reason` for it, recorded in the audit log (required)")
	pos, code, stop := parseArgs(fs, args, 1)
	if stop {
		return code
	}
	return report(stderr, usersAdd(env, &f, pos[0], users.Role(*role), *why, stdout))
}

func usersAdd(env *cliEnv, f *consoleFlags, name string, role users.Role, why string, stdout io.Writer) error {
	why, err := checkWhy(why)
	if err != nil {
		return err
	}
	if !slices.Contains([]users.Role{users.Viewer, users.Officer, users.Admin}, role) {
		return usageErrorf("-role %q: want viewer, officer or admin", role)
	}
	if _, err := users.NormalizeName(name); err != nil {
		return err
	}
	ctx := context.Background()
	var s *cliSession
	bootstrap := f.user == ""
	if bootstrap {
		if s, err = openSession(env, f, true); err != nil {
			return err
		}
		defer s.close()
		all, err := s.dir.List(ctx)
		if err != nil {
			return err
		}
		if len(all) > 0 {
			return refusedf("%s has users: log in as an admin with -user NAME", filepath.Join(s.cfg.DataDir, usersFile))
		}
		if role != users.Admin {
			return refusedf("the first user must be an admin: -role admin")
		}
	} else {
		if s, err = login(ctx, env, f, users.Admin, "users add"); err != nil {
			return err
		}
		defer s.close()
	}
	password, err := env.secret(envNewPassword, "the new password")
	if err != nil {
		return err
	}
	u, err := s.dir.Add(ctx, name, password, role)
	if err != nil {
		if errors.Is(err, users.ErrExists) {
			return refusedf("user %s exists", printable(name))
		}
		return err
	}
	ev := audit.Event{Action: audit.ActionUserChange, Target: u.Name, Justification: why,
		Detail: map[string]string{"op": "add", "role": string(role)}}
	if bootstrap {
		// Nobody is logged in: the first admin adds themself.
		ev.Actor, ev.Detail["bootstrap"] = u.Name, "1"
	}
	if err := s.record(ctx, ev); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "added %s %s\n", u.Role, u.Name)
	return nil
}

func runUsersList(env *cliEnv, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("users list", "users list [-json] -user ADMIN",
		"Lists the console users: name, role, state (active, disabled, locked until)\nand when they were added.\n\n"+passwordHelp, stderr)
	var f consoleFlags
	f.register(fs, true)
	asJSON := fs.Bool("json", false, "print one JSON object per user and line")
	if _, code, stop := parseArgs(fs, args, 0); stop {
		return code
	}
	return report(stderr, usersList(env, &f, *asJSON, stdout))
}

func usersList(env *cliEnv, f *consoleFlags, asJSON bool, stdout io.Writer) error {
	ctx := context.Background()
	s, err := login(ctx, env, f, users.Admin, "users list")
	if err != nil {
		return err
	}
	defer s.close()
	all, err := s.dir.List(ctx)
	if err != nil {
		return err
	}
	if asJSON {
		enc := json.NewEncoder(stdout)
		for _, u := range all {
			enc.Encode(u)
		}
		return nil
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tROLE\tSTATE\tADDED")
	for _, u := range all {
		state := "active"
		switch {
		case u.Disabled:
			state = "disabled"
		case !u.LockedUntil.IsZero():
			state = "locked until " + u.LockedUntil.Local().Format("2006-01-02 15:04")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", u.Name, u.Role, state, u.Created.Local().Format("2006-01-02 15:04"))
	}
	return tw.Flush()
}

// userChange is one of passwd, role, disable, enable and unlock.
type userChange struct {
	op, synopsis, description string
	args                      int // positional arguments: NAME, or NAME ROLE
}

var (
	changePasswd  = userChange{"passwd", "users passwd -why TEXT -user ADMIN NAME", "Sets a user's password (a lockout stays: see unlock).", 1}
	changeRole    = userChange{"role", "users role -why TEXT -user ADMIN NAME viewer|officer|admin", "Changes a user's role. An admin cannot demote themself.", 2}
	changeDisable = userChange{"disable", "users disable -why TEXT -user ADMIN NAME", "Disables a user: their logins fail. An admin cannot disable themself.", 1}
	changeEnable  = userChange{"enable", "users enable -why TEXT -user ADMIN NAME", "Enables a disabled user.", 1}
	changeUnlock  = userChange{"unlock", "users unlock -why TEXT -user ADMIN NAME", "Ends a lockout after repeated failed logins and clears the count.", 1}
)

func runUsersPasswd(env *cliEnv, args []string, stdout, stderr io.Writer) int {
	return runUserChange(changePasswd, env, args, stdout, stderr)
}

func runUsersRole(env *cliEnv, args []string, stdout, stderr io.Writer) int {
	return runUserChange(changeRole, env, args, stdout, stderr)
}

func runUsersDisable(env *cliEnv, args []string, stdout, stderr io.Writer) int {
	return runUserChange(changeDisable, env, args, stdout, stderr)
}

func runUsersEnable(env *cliEnv, args []string, stdout, stderr io.Writer) int {
	return runUserChange(changeEnable, env, args, stdout, stderr)
}

func runUsersUnlock(env *cliEnv, args []string, stdout, stderr io.Writer) int {
	return runUserChange(changeUnlock, env, args, stdout, stderr)
}

func runUserChange(c userChange, env *cliEnv, args []string, stdout, stderr io.Writer) int {
	desc := c.description + "\n\n" + passwordHelp
	if c.op == "passwd" {
		desc += "\n" + newPasswordHelp
	}
	desc += "\n\nExit status: 0 done, 1 refused (login, rights, no such user), 2 usage."
	fs := newFlags("users "+c.op, c.synopsis, desc, stderr)
	var f consoleFlags
	f.register(fs, true)
	why := fs.String("why", "", "the `reason` for it, recorded in the audit log (required)")
	pos, code, stop := parseArgs(fs, args, c.args)
	if stop {
		return code
	}
	return report(stderr, changeUser(env, &f, c.op, pos, *why, stdout))
}

func changeUser(env *cliEnv, f *consoleFlags, op string, pos []string, why string, stdout io.Writer) error {
	why, err := checkWhy(why)
	if err != nil {
		return err
	}
	name, err := users.NormalizeName(pos[0])
	if err != nil {
		return err
	}
	var role users.Role
	if op == "role" {
		role = users.Role(pos[1])
		if !slices.Contains([]users.Role{users.Viewer, users.Officer, users.Admin}, role) {
			return usageErrorf("role %q: want viewer, officer or admin", pos[1])
		}
	}
	ctx := context.Background()
	s, err := login(ctx, env, f, users.Admin, "users "+op)
	if err != nil {
		return err
	}
	defer s.close()
	self := name == s.user.Name
	detail := map[string]string{"op": op}
	var done string
	switch op {
	case "passwd":
		var password string
		if password, err = env.secret(envNewPassword, "the new password"); err != nil {
			return err
		}
		detail["op"] = "password" // as the console records it
		err, done = s.dir.SetPassword(ctx, name, password), "password of "+name+" set"
	case "role":
		if self && role != users.Admin {
			return refusedf("%s cannot demote themself: another admin must", name)
		}
		detail["role"] = string(role)
		err, done = s.dir.SetRole(ctx, name, role), name+" is now "+article(role)+" "+string(role)
	case "disable", "enable":
		if self {
			return refusedf("%s cannot %s themself", name, op)
		}
		err, done = s.dir.SetDisabled(ctx, name, op == "disable"), name+" "+op+"d"
	case "unlock":
		err, done = s.dir.Unlock(ctx, name), name+" unlocked"
	}
	if errors.Is(err, users.ErrNotFound) {
		return refusedf("no user %s", name)
	}
	if err != nil {
		return err
	}
	if err := s.record(ctx, audit.Event{Action: audit.ActionUserChange, Target: name, Justification: why, Detail: detail}); err != nil {
		return err
	}
	fmt.Fprintln(stdout, done)
	return nil
}

// parseWhen reads a time bound of a filter: RFC 3339, a local date and
// time ("2026-03-01 09:00" or "2026-03-01T09:00"), a local date (its
// midnight), or an age before now ("36h", "7d").
func parseWhen(flagName, s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02 15:04", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, time.Local); err == nil {
			return t, nil
		}
	}
	if n, ok := strings.CutSuffix(s, "d"); ok {
		var days int
		if _, err := fmt.Sscanf(n, "%d", &days); err == nil && days >= 0 && fmt.Sprint(days) == n {
			return now.AddDate(0, 0, -days), nil
		}
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	return time.Time{}, usageErrorf("-%s %q: want RFC 3339, YYYY-MM-DD[ HH:MM] (local time) or an age such as 36h or 7d", flagName, s)
}
