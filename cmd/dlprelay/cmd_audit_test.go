package main

import (
	"bytes"
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
