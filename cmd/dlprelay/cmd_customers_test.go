package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dlprelay/dlprelay/relay/audit"
	"github.com/dlprelay/dlprelay/relay/listguard"
	"github.com/dlprelay/dlprelay/relay/metrics"
)

// guardLists writes three customer lists made from the shared sample list
// (30 records) into dir: all of it, 9 of its rows (30%: C0022 to C0030,
// none of the customers in testdata/mail/02-rows-plain.eml) and its header
// row alone.
func guardLists(t *testing.T, dir string) (full, short, empty string) {
	t.Helper()
	b, err := os.ReadFile(sharedTestdata(t, "testdata/customers.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(b), "\n")
	if len(lines) < 31 || !strings.HasPrefix(lines[22], "C0022,") || !strings.HasPrefix(lines[30], "C0030,") {
		t.Fatalf("testdata/customers.csv changed: the rows this test picks are not C0022..C0030")
	}
	full = filepath.Join(dir, "full.csv")
	short = filepath.Join(dir, "short.csv")
	empty = filepath.Join(dir, "empty.csv")
	writeFile(t, full, string(b))
	writeFile(t, short, lines[0]+strings.Join(lines[22:31], ""))
	writeFile(t, empty, lines[0]+"\n,,,,\n") // a header and a blank row
	return full, short, empty
}

// customersCLI runs `dlprelay customers ...` in-process against data, with
// env as the environment.
func customersCLI(t *testing.T, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	e := &cliEnv{stdin: bufio.NewReader(strings.NewReader("")), getenv: func(k string) string { return env[k] }}
	var out, errb bytes.Buffer
	code = runCustomersEnv(e, args, &out, &errb)
	return code, out.String(), errb.String()
}

func sha256File(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func wantLines(t *testing.T, what, got string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, got)
		}
	}
}

// TestCustomersCommands: status compares the list with the accepted one,
// accept records it (audited, as the OS user), and both refuse what they
// must.
func TestCustomersCommands(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	full, short, empty := guardLists(t, dir)
	data := filepath.Join(dir, "data")
	if err := os.Mkdir(data, 0o700); err != nil {
		t.Fatal(err)
	}
	me, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}

	// Nothing accepted yet: the full list would load.
	code, out, errs := customersCLI(t, nil, "status", "-customers", full, "-data", data)
	if code != 0 {
		t.Fatalf("status, no state: exit %d\n%s%s", code, out, errs)
	}
	wantLines(t, "status", out, "customer list "+full+": 30 records, sha256 "+sha256File(t, full), "accepted list: none yet",
		"ok: a start or reload would load this list")

	// Accept needs a justification and the relay's data_dir.
	if code, _, errs := customersCLI(t, nil, "accept", "-customers", full, "-data", data); code != 2 || !strings.Contains(errs, "-why") {
		t.Errorf("accept without -why: exit %d, %q; want 2 asking for -why", code, errs)
	}
	if code, _, errs := customersCLI(t, nil, "accept", "-customers", full, "-data", filepath.Join(dir, "nowhere"), "-why", "x"); code != 1 || !strings.Contains(errs, "is not a directory") {
		t.Errorf("accept into a missing data_dir: exit %d, %q; want 1", code, errs)
	}
	if _, err := os.Stat(filepath.Join(dir, "nowhere")); err == nil {
		t.Errorf("accept created the missing data_dir")
	}

	// Accept the full list, then look at the short one.
	code, out, errs = customersCLI(t, map[string]string{"SUDO_USER": "alice"}, "accept", "-customers", full, "-data", data, "-why", "initial list")
	if code != 0 {
		t.Fatalf("accept: exit %d\n%s%s", code, out, errs)
	}
	wantLines(t, "accept", out, "30 records recorded in "+listguard.Path(data), "send it SIGHUP")
	code, out, _ = customersCLI(t, nil, "status", "-customers", short, "-data", data)
	if code != 1 {
		t.Errorf("status of the short list: exit %d, want 1", code)
	}
	wantLines(t, "status of the short list", out, "customer list "+short+": 9 records", "accepted list: 30 records, sha256 "+sha256File(t, full),
		"(operator by "+me.Username+")", "drop: 70% (customers.max_drop 50%)", "refused: a start or reload would not load this list")

	// An empty list: refused by both, and accept records nothing.
	code, out, _ = customersCLI(t, nil, "status", "-customers", empty, "-data", data)
	if code != 1 || !strings.Contains(out, "0 records") || !strings.Contains(out, "refused: customer list "+empty+" has no records") {
		t.Errorf("status of an empty list: exit %d\n%s", code, out)
	}
	code, _, errs = customersCLI(t, nil, "accept", "-customers", empty, "-data", data, "-why", "please")
	if code != 1 || !strings.Contains(errs, "has no records") {
		t.Errorf("accept of an empty list: exit %d, %q; want 1", code, errs)
	}

	// Accept the short list: the state and the audit log say so.
	code, out, errs = customersCLI(t, nil, "accept", "-customers", short, "-data", data, "-why", "campaign list only")
	if code != 0 {
		t.Fatalf("accept short: exit %d\n%s%s", code, out, errs)
	}
	wantLines(t, "accept short", out, "accepted list: 30 records", "drop: 70%", "accepted by "+me.Username+": 9 records")
	acc, err := listguard.Read(data)
	if err != nil || acc.Records != 9 || acc.How != listguard.HowOperator || acc.By != me.Username || acc.SHA256 != sha256File(t, short) || acc.File != short {
		t.Errorf("state after accept: %+v, %v", acc, err)
	}
	if code, out, _ := customersCLI(t, nil, "status", "-customers", short, "-data", data); code != 0 || !strings.Contains(out, "ok: this is the accepted list") {
		t.Errorf("status after accept: exit %d\n%s", code, out)
	}
	code, out, _ = customersCLI(t, nil, "accept", "-customers", short, "-data", data, "-why", "again")
	if code != 0 || !strings.Contains(out, "already the accepted list; nothing recorded") {
		t.Errorf("accepting the accepted list: exit %d\n%s", code, out)
	}

	log, err := audit.OpenReadOnly(filepath.Join(data, auditFile))
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	recs, _, err := log.List(context.Background(), audit.Query{Action: audit.ActionCustomersAccept})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 {
		t.Fatalf("audit log has %d %s entries, want 2 (the refused and the repeated accept record nothing)", len(recs), audit.ActionCustomersAccept)
	}
	last, first := recs[0], recs[1] // newest first
	if first.Actor != me.Username || first.Detail["sudo_user"] != "alice" || first.Detail["accepted_records"] != "none" || first.Justification != "initial list" {
		t.Errorf("first accept audited as %+v", first.Event)
	}
	if last.Actor != me.Username || last.Target != short || last.Detail["records"] != "9" || last.Detail["accepted_records"] != "30" ||
		last.Detail["drop"] != "70%" || last.Detail["sha256"] != sha256File(t, short) || last.Detail["via"] != "cli" || last.Justification != "campaign list only" {
		t.Errorf("second accept audited as %+v", last.Event)
	}
}

// TestCustomersAcceptRepairsState: an unreadable state file refuses every
// list (status exit 1); accept, which needs no state, records the list.
func TestCustomersAcceptRepairsState(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	full, _, _ := guardLists(t, dir)
	data := t.TempDir()
	writeFile(t, listguard.Path(data), `{"version": 1, "records": 3`)
	code, out, _ := customersCLI(t, nil, "status", "-customers", full, "-data", data)
	if code != 1 {
		t.Errorf("status with a broken state: exit %d, want 1", code)
	}
	wantLines(t, "status with a broken state", out, "accepted list: unreadable", listguard.FileName, "not checked against the accepted list")
	code, out, errs := customersCLI(t, nil, "accept", "-customers", full, "-data", data, "-why", "state file lost in a disk incident")
	if code != 0 {
		t.Fatalf("accept with a broken state: exit %d\n%s%s", code, out, errs)
	}
	if code, out, _ := customersCLI(t, nil, "status", "-customers", full, "-data", data); code != 0 {
		t.Errorf("status after the repair: exit %d\n%s", code, out)
	}
}

// TestCheckConfigGuard: check-config reports an empty list, and a list a
// reload would refuse, as errors; it reads the state but writes nothing.
func TestCheckConfigGuard(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	full, short, empty := guardLists(t, dir)
	data := filepath.Join(dir, "data")
	cfg := filepath.Join(dir, "dlprelay.yaml")
	writeFile(t, cfg, "data_dir: "+data+"\ncustomers:\n  file: "+full+"\n")
	check := func(customers string) (int, string, string) {
		var out, errb bytes.Buffer
		code := run([]string{"check-config", "-config", cfg, "-customers", customers}, &out, &errb)
		return code, out.String(), errb.String()
	}

	code, _, errs := check(empty)
	if code != 1 || !strings.Contains(errs, "customer list "+empty+" has no records") {
		t.Errorf("check-config with an empty list: exit %d, %q; want 1 naming the file", code, errs)
	}
	code, out, errs := check(short)
	if code != 0 || !strings.Contains(out, "no accepted list in "+data) {
		t.Errorf("check-config, no state: exit %d\n%s%s", code, out, errs)
	}
	if _, err := os.Stat(data); err == nil {
		t.Errorf("check-config created data_dir")
	}

	if err := os.Mkdir(data, 0o700); err != nil {
		t.Fatal(err)
	}
	if code, out, errs := customersCLI(t, nil, "accept", "-config", cfg, "-why", "start"); code != 0 {
		t.Fatalf("accept: exit %d\n%s%s", code, out, errs)
	}
	before, _ := os.ReadFile(listguard.Path(data))
	code, _, errs = check(short)
	if code != 1 || !strings.Contains(errs, "has 9 records, 70% fewer than the 30") {
		t.Errorf("check-config with the short list: exit %d, %q; want 1 with both counts", code, errs)
	}
	if code, out, _ := check(full); code != 0 || !strings.Contains(out, "the accepted list") {
		t.Errorf("check-config with the accepted list: exit %d\n%s", code, out)
	}
	if after, _ := os.ReadFile(listguard.Path(data)); !bytes.Equal(before, after) {
		t.Errorf("check-config changed the state file")
	}
}

// TestRefusalReasonsAgree keeps the metric's label set in step with the
// guard's reasons.
func TestRefusalReasonsAgree(t *testing.T) {
	var got []string
	for _, r := range listguard.Reasons {
		got = append(got, string(r))
	}
	if !slices.Equal(got, metrics.RefusalReasons) {
		t.Errorf("listguard.Reasons %q, metrics.RefusalReasons %q", got, metrics.RefusalReasons)
	}
}
