package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dlprelay/dlprelay/relay/audit"
	"github.com/dlprelay/dlprelay/relay/users"
)

// verify runs audit verify through run, as an auditor would: no login.
func verify(t *testing.T, data string) (int, string) {
	t.Helper()
	var out bytes.Buffer
	code := run([]string{"audit", "verify", "-data", data}, &out, &out)
	return code, out.String()
}

func TestAuditVerifyAndTamper(t *testing.T) {
	t.Parallel()
	fx := newCLIFixture(t)
	code, out := verify(t, fx.data)
	checkCLI(t, code, 1, out, "no audit log at")

	fx.addUser("alice", users.Admin)
	fx.addUser("vera", users.Viewer)
	fx.as("alice", "users", "list")                                        // 1 login
	fx.as("alice", "users", "role", "vera", "officer", "-why", "promoted") // 2 login, 3 user_change
	fx.exec("wrong-password-123\n", nil, "users", "list", "-user", "vera") // 4 login_failed
	code, out = verify(t, fx.data)
	checkCLI(t, code, 0, out, "audit log OK: 4 entries")

	// Someone with write access to the file drops the triggers and edits
	// the justification of seq 3.
	db, err := sql.Open("sqlite", filepath.Join(fx.data, auditFile))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, s := range []string{
		`DROP TRIGGER entries_append_only_update`,
		`DROP TRIGGER entries_append_only_delete`,
		`UPDATE entries SET justification = 'routine' WHERE seq = 3`,
	} {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	code, out = verify(t, fx.data)
	checkCLI(t, code, 1, out, "audit log TAMPERED at seq 3: hash does not match")

	// A cut-off tail shows against the anchor.
	if _, err := db.Exec(`UPDATE entries SET justification = 'promoted' WHERE seq = 3`); err != nil {
		t.Fatal(err)
	}
	checkCLI(t, func() int { c, _ := verify(t, fx.data); return c }(), 0, "")
	if _, err := db.Exec(`DELETE FROM entries WHERE seq = 4`); err != nil {
		t.Fatal(err)
	}
	code, out = verify(t, fx.data)
	checkCLI(t, code, 1, out, "audit log TAMPERED at seq 4: missing")
}

func TestAuditExport(t *testing.T) {
	t.Parallel()
	fx := newCLIFixture(t)
	fx.addUser("alice", users.Admin)
	fx.addUser("olga", users.Officer)
	fx.as("alice", "users", "role", "olga", "admin", "-why", `quarter "Q3", review`)
	fx.as("alice", "users", "role", "olga", "officer", "-why", "back")

	code, out, errOut := fx.as("olga", "audit", "export", "-why", "audit")
	checkCLI(t, code, 1, out+errOut, "olga is an officer: audit export needs admin")
	code, out, errOut = fx.as("alice", "audit", "export", "-format", "xml", "-why", "audit")
	checkCLI(t, code, 2, out+errOut, "-format")
	code, out, errOut = fx.as("alice", "audit", "export")
	checkCLI(t, code, 2, out+errOut, "-why")

	// CSV to stdout, filtered.
	code, out, errOut = fx.as("alice", "audit", "export", "-action", "user_change", "-why", "yearly audit")
	checkCLI(t, code, 0, out+errOut)
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatalf("CSV: %v\n%s", err, out)
	}
	if len(rows) != 3 || rows[0][0] != "seq" || rows[1][3] != "user_change" || rows[1][5] != `quarter "Q3", review` || rows[2][4] != "olga" {
		t.Errorf("CSV export: %q", rows)
	}

	// JSON to a file, everything.
	file := filepath.Join(t.TempDir(), "audit.json")
	code, out, errOut = fx.as("alice", "audit", "export", "-format", "json", "-o", file, "-since", "1d", "-why", "for the auditors")
	checkCLI(t, code, 0, out+errOut)
	if out != "" {
		t.Errorf("export to a file wrote to stdout: %q", out)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var recs []audit.Record
	if err := json.Unmarshal(b, &recs); err != nil {
		t.Fatalf("JSON: %v\n%s", err, b)
	}
	// Logins and changes, the failed ones, the exports: the last is this
	// export itself, audited before it was written.
	last := recs[len(recs)-1]
	if last.Action != audit.ActionExport || last.Actor != "alice" || last.Justification != "for the auditors" ||
		last.Detail["format"] != "json" || last.Detail["from"] != "1d" || last.Detail["via"] != "cli" {
		t.Errorf("last exported record: %+v", last)
	}
	if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("export file: %v, %v", fi.Mode(), err)
	}
	exports := fx.records(audit.Query{Action: audit.ActionExport})
	if len(exports) != 2 || exports[0].Detail["action"] != "user_change" || exports[0].Detail["format"] != "csv" {
		t.Errorf("exports audited: %+v", exports)
	}
	code, out = verify(t, fx.data)
	checkCLI(t, code, 0, out, "audit log OK")
}

// TestAuditVerifyPins replaces the audit log with another one that verifies
// on its own (what a forger who recomputes the hashes produces): only a pin
// kept from before catches it.
func TestAuditVerifyPins(t *testing.T) {
	t.Parallel()
	write := func(dir, actor string) {
		t.Helper()
		log, err := audit.Open(filepath.Join(dir, auditFile))
		if err != nil {
			t.Fatal(err)
		}
		defer log.Close()
		for _, a := range []audit.Action{audit.ActionLogin, audit.ActionReveal, audit.ActionLogout} {
			if _, err := log.Append(context.Background(), audit.Event{Actor: actor, Action: a, Target: "20260102T030405Z-0123abcd"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	data := t.TempDir()
	write(data, "olga")
	code, out := verify(t, data)
	checkCLI(t, code, 0, out, "audit log OK: 3 entries, pin 3:")
	_, pin, _ := strings.Cut(strings.TrimSpace(out), ", pin ")
	if _, err := audit.ParsePin(pin); err != nil {
		t.Fatalf("the printed pin %q does not parse: %v", pin, err)
	}
	var b bytes.Buffer
	code = run([]string{"audit", "verify", "-data", data, "-pin", pin}, &b, &b)
	checkCLI(t, code, 0, b.String(), "audit log OK: 3 entries, pin "+pin)

	// The same history, told by someone else, hashed correctly.
	other := t.TempDir()
	write(other, "mallory")
	raw, err := os.ReadFile(filepath.Join(other, auditFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		os.Remove(filepath.Join(data, auditFile+suffix))
	}
	if err := os.WriteFile(filepath.Join(data, auditFile), raw, 0o600); err != nil {
		t.Fatal(err)
	}
	code, out = verify(t, data)
	checkCLI(t, code, 0, out, "audit log OK: 3 entries") // the chain alone cannot tell
	b.Reset()
	code = run([]string{"audit", "verify", "-data", data, "-pin", pin}, &b, &b)
	checkCLI(t, code, 1, b.String(), "audit log TAMPERED at seq 3: hash differs from the one pinned")

	seq, hash, _ := strings.Cut(pin, ":")
	b.Reset()
	code = run([]string{"audit", "verify", "-data", data, "-pin", "9:" + hash}, &b, &b)
	checkCLI(t, code, 1, b.String(), "audit log TAMPERED at seq 4: missing: seq 9 is pinned")
	b.Reset()
	code = run([]string{"audit", "verify", "-data", data, "-pin", seq + ":nothex"}, &b, &b)
	checkCLI(t, code, 2, b.String(), `invalid value "3:nothex" for flag -pin`)
}
