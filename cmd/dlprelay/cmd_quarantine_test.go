package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dlprelay/dlprelay/detect"
	"github.com/dlprelay/dlprelay/relay/audit"
	"github.com/dlprelay/dlprelay/relay/quarantine"
	"github.com/dlprelay/dlprelay/relay/users"
)

// quarantineFixture is a data directory with users (viewer vera, officers
// olga and otto, admin alice) and a quarantine that stays open, as the
// relay's would.
type quarantineFixture struct {
	*cliFixture
	q *quarantine.SQLite
}

func newQuarantineFixture(t *testing.T) *quarantineFixture {
	t.Helper()
	fx := newCLIFixture(t)
	fx.addUser("vera", users.Viewer)
	fx.addUser("olga", users.Officer)
	fx.addUser("otto", users.Officer)
	fx.addUser("alice", users.Admin)
	q, err := quarantine.Open(fx.data, quarantine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { q.Close() })
	return &quarantineFixture{cliFixture: fx, q: q}
}

// customerName is a customer value in the held messages: no output may
// carry it.
const customerName = "Yamada Taro"

// put holds a message from sender whose body (and, with inSubject, whose
// Subject) carries a customer's name.
func (fx *quarantineFixture) put(sender string, received time.Time, records int, inSubject bool) quarantine.Entry {
	fx.t.Helper()
	subject := "Quarterly report"
	parts := `["1"]`
	if inSubject {
		subject, parts = "Re: "+customerName+" contract", `["1.header","1"]`
	}
	var ids []string
	var hits []string
	for i := range records {
		id := fmt.Sprintf("C%04d", i+1)
		ids = append(ids, id)
		hits = append(hits, fmt.Sprintf(`{"id":%q,"fields":["name","phone"],"parts":%s,"matches":[{"field":"name","part":"1","start":10,"end":21}],"more_matches":2,"closest":5}`, id, parts))
	}
	e := quarantine.Entry{
		Received: received, ClientAddr: "192.0.2.10", Helo: "mx.corp.test", Sender: sender,
		Recipients: []string{"buyer@partner.example", "boss@partner.example"},
		Verdict:    "quarantine", Reasons: []string{"records"}, Rules: []string{"records-quarantine"},
		Records: records, RecordIDs: ids, Subject: subject,
		Findings: json.RawMessage("[" + strings.Join(hits, ",") + "]"),
	}
	msg := "From: " + sender + "\r\nSubject: " + subject + "\r\n\r\nCustomer: " + customerName + ", 03-1234-5678\r\n"
	got, err := fx.q.Put(e, strings.NewReader(msg))
	if err != nil {
		fx.t.Fatal(err)
	}
	return got
}

func (fx *quarantineFixture) get(id string) quarantine.Entry {
	fx.t.Helper()
	e, err := fx.q.Get(context.Background(), id)
	if err != nil {
		fx.t.Fatal(err)
	}
	return e
}

func noCustomerValue(t *testing.T, out string) {
	t.Helper()
	for _, v := range []string{customerName, "Yamada", "03-1234-5678"} {
		if strings.Contains(out, v) {
			t.Errorf("output carries the customer value %q:\n%s", v, out)
		}
	}
}

func TestViewerCannotRelease(t *testing.T) {
	t.Parallel()
	fx := newQuarantineFixture(t)
	e := fx.put("sales@corp.test", time.Now().Add(-time.Hour), 2, false)
	for _, args := range [][]string{
		{"quarantine", "release", e.ID, "-why", "customer asked"},
		{"quarantine", "delete", e.ID, "-why", "spam"},
		{"quarantine", "hold", e.ID, "on", "-why", "lawsuit"},
		{"quarantine", "note", e.ID, "-text", "looked at it", "-why", "review"},
	} {
		code, out, errOut := fx.as("vera", args...)
		checkCLI(t, code, 1, out+errOut, "vera is a viewer: quarantine "+args[1]+" needs officer")
	}
	got := fx.get(e.ID)
	if got.Status != quarantine.StatusHeld || got.Hold || len(got.Releases) != 0 || len(got.Notes) != 0 {
		t.Errorf("a viewer changed the entry: %+v", got)
	}
	if n := len(fx.records(audit.Query{Actor: "vera", Action: audit.ActionLogin})); n != 4 {
		t.Errorf("%d logins of vera audited, want 4", n)
	}
	if recs := fx.records(audit.Query{Target: e.ID}); len(recs) != 0 {
		t.Errorf("refused actions audited as done: %+v", recs)
	}
	// An officer's wrong password is no officer.
	code, out, errOut := fx.exec("", map[string]string{envPassword: password("vera")}, "quarantine", "release", "-user", "olga", e.ID, "-why", "x")
	checkCLI(t, code, 1, out+errOut, "login refused")
	if fx.get(e.ID).Status != quarantine.StatusHeld {
		t.Error("released without a login")
	}
}

func TestFourEyesRelease(t *testing.T) {
	t.Parallel()
	fx := newQuarantineFixture(t)
	e := fx.put("sales@corp.test", time.Now().Add(-time.Hour), 1, false)

	code, out, errOut := fx.as("olga", "quarantine", "release", e.ID, "-why", "customer asked for it")
	checkCLI(t, code, 0, out+errOut, "pending_approval", "another officer approves it", "release worker")
	got := fx.get(e.ID)
	if got.Status != quarantine.StatusPendingApproval || len(got.Releases) != 1 || got.Releases[0].RequestedBy != "olga" {
		t.Fatalf("after release: %+v", got)
	}
	req := got.Releases[0]
	if !strings.Contains(out, req.ID) {
		t.Errorf("output does not name the request %s", req.ID)
	}

	// The requester cannot approve it, by request or by entry.
	for _, id := range []string{req.ID, e.ID} {
		code, out, errOut = fx.as("olga", "quarantine", "approve", id, "-why", "looks fine")
		checkCLI(t, code, 1, out+errOut, "olga requested release "+req.ID+" and cannot approve it too")
	}
	// Nor under her name spelled otherwise (names are folded at login).
	code, out, errOut = fx.exec("", map[string]string{envPassword: password("olga")}, "quarantine", "approve", "-user", " OLGA", req.ID, "-why", "looks fine")
	checkCLI(t, code, 1, out+errOut, "olga requested release "+req.ID+" and cannot approve it too")
	if got := fx.get(e.ID); got.Status != quarantine.StatusPendingApproval || got.Releases[0].ApprovedBy != "" {
		t.Fatalf("self-approved: %+v", got)
	}
	// A viewer cannot either.
	code, out, errOut = fx.as("vera", "quarantine", "approve", req.ID, "-why", "looks fine")
	checkCLI(t, code, 1, out+errOut, "needs officer")

	code, out, errOut = fx.as("otto", "quarantine", "approve", req.ID, "-why", "checked with sales", "-json")
	checkCLI(t, code, 0, out+errOut)
	var approved quarantine.ReleaseRequest
	if err := json.Unmarshal([]byte(out), &approved); err != nil || approved.ID != req.ID || approved.ApprovedBy != "otto" || approved.Status != quarantine.StatusApproved {
		t.Errorf("approve -json: %+v, %v", approved, err)
	}
	if got := fx.get(e.ID); got.Status != quarantine.StatusApproved {
		t.Errorf("after approval: %s", got.Status)
	}
	code, out, errOut = fx.as("otto", "quarantine", "approve", req.ID, "-why", "again")
	checkCLI(t, code, 1, out+errOut, "not in a state that allows this")

	var trail []string
	for _, r := range fx.records(audit.Query{Target: e.ID}) {
		trail = append(trail, fmt.Sprintf("%s %s %s %s", r.Actor, r.Action, r.Detail["result"], r.Detail["request"]))
		if r.Detail["via"] != "cli" || r.Justification == "" {
			t.Errorf("record %+v: no via=cli or justification", r)
		}
	}
	want := []string{
		"olga release_request ok " + req.ID,
		"olga release_approve self_approval " + req.ID,
		"olga release_approve self_approval " + req.ID,
		"olga release_approve self_approval " + req.ID,
		"otto release_approve ok " + req.ID,
		"otto release_approve conflict " + req.ID,
	}
	if !slices.Equal(trail, want) {
		t.Errorf("audit trail:\n%s\nwant:\n%s", strings.Join(trail, "\n"), strings.Join(want, "\n"))
	}
	if r := fx.records(audit.Query{Action: audit.ActionReleaseRequest}); len(r) != 1 || r[0].Detail["four_eyes"] != "true" || r[0].Detail["recipients"] != "all" {
		t.Errorf("release_request record: %+v", r)
	}
}

func TestReleaseWithoutFourEyes(t *testing.T) {
	t.Parallel()
	fx := newQuarantineFixture(t)
	customers, err := filepath.Abs("../../testdata/customers.csv")
	if err != nil {
		t.Fatal(err)
	}
	fx.config = filepath.Join(t.TempDir(), "dlprelay.yaml")
	cfg := fmt.Sprintf("data_dir: /nonexistent\ncustomers:\n  file: %s\nconsole:\n  four_eyes: false\n", customers)
	if err := os.WriteFile(fx.config, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	// The relay on this data_dir runs without four-eyes, as the CLI's
	// configuration says.
	if err := fx.q.SetReleasePolicy(context.Background(), quarantine.ReleasePolicy{FourEyes: false, Source: "/etc/dlprelay/dlprelay.yaml"}); err != nil {
		t.Fatal(err)
	}
	e := fx.put("sales@corp.test", time.Now().Add(-time.Hour), 1, false)
	// -data overrides the file's data_dir.
	code, out, errOut := fx.as("olga", "quarantine", "release", e.ID, "-rcpt", "BUYER@partner.example", "-why", "approved by phone")
	checkCLI(t, code, 0, out+errOut, "approved", "release worker delivers it")
	if strings.Contains(errOut, "note:") {
		t.Errorf("a note while the configurations agree: %s", errOut)
	}
	got := fx.get(e.ID)
	if got.Status != quarantine.StatusApproved || got.Releases[0].ApprovedBy != "olga" || !slices.Equal(got.Releases[0].Recipients, []string{"buyer@partner.example"}) {
		t.Errorf("after release: %+v", got)
	}
	if r := fx.records(audit.Query{Action: audit.ActionReleaseRequest}); len(r) != 1 || r[0].Detail["four_eyes"] != "false" || r[0].Detail["recipients"] != "1" {
		t.Errorf("release_request record: %+v", r)
	}
	// A recipient who was not one of the message's is refused as given.
	e2 := fx.put("sales@corp.test", time.Now(), 1, false)
	code, out, errOut = fx.as("olga", "quarantine", "release", e2.ID, "-rcpt", "else@where.example", "-why", "x")
	checkCLI(t, code, 2, out+errOut)

	// A CLI whose configuration asks for four-eyes follows the relay too,
	// and says so.
	fx.config = ""
	code, out, errOut = fx.as("olga", "quarantine", "release", e2.ID, "-why", "approved by phone")
	checkCLI(t, code, 0, out+errOut, "approved", "release worker delivers it")
	checkCLI(t, code, 0, errOut, "runs with console.four_eyes: false", "from /etc/dlprelay/dlprelay.yaml", "not this command's configuration (console.four_eyes: true)")
	if got := fx.get(e2.ID); got.Status != quarantine.StatusApproved || got.Releases[0].ApprovedBy != "olga" {
		t.Errorf("after release: %+v", got)
	}
}

func TestQuarantineActions(t *testing.T) {
	t.Parallel()
	fx := newQuarantineFixture(t)
	e := fx.put("sales@corp.test", time.Now().Add(-3*time.Hour), 1, false)

	code, out, errOut := fx.as("olga", "quarantine", "note", e.ID, "-text", "sales confirms the customer asked", "-why", "review")
	checkCLI(t, code, 0, out+errOut, "note added")
	code, out, errOut = fx.as("olga", "quarantine", "note", e.ID, "-why", "review")
	checkCLI(t, code, 2, out+errOut, "-text")
	code, out, errOut = fx.as("olga", "quarantine", "hold", e.ID, "on", "-why", "litigation")
	checkCLI(t, code, 0, out+errOut, "legal hold on")
	code, out, errOut = fx.as("olga", "quarantine", "hold", e.ID, "maybe", "-why", "litigation")
	checkCLI(t, code, 2, out+errOut, "want on or off")
	code, out, errOut = fx.as("otto", "quarantine", "delete", e.ID, "-why", "cleanup")
	checkCLI(t, code, 1, out+errOut, "on legal hold")
	if got := fx.get(e.ID); got.Status != quarantine.StatusHeld || !got.Hold {
		t.Errorf("after a refused delete: %+v", got)
	}
	code, out, errOut = fx.as("olga", "quarantine", "hold", e.ID, "off", "-why", "settled")
	checkCLI(t, code, 0, out+errOut, "legal hold off")
	code, out, errOut = fx.as("otto", "quarantine", "delete", e.ID, "-why", "cleanup")
	checkCLI(t, code, 0, out+errOut, "deleted "+e.ID)
	code, out, errOut = fx.as("otto", "quarantine", "release", e.ID, "-why", "too late")
	checkCLI(t, code, 1, out+errOut, "not in a state that allows this")
	code, out, errOut = fx.as("otto", "quarantine", "delete", "20260101T000000.000000000Z-0000000000000000", "-why", "x")
	checkCLI(t, code, 1, out+errOut, "not in the quarantine")
	code, out, errOut = fx.as("otto", "quarantine", "delete", "../etc/passwd", "-why", "x")
	checkCLI(t, code, 2, out+errOut, "not a quarantine id")
	code, out, errOut = fx.as("otto", "quarantine", "delete", e.ID)
	checkCLI(t, code, 2, out+errOut, `-why "reason" is required`)

	got := fx.get(e.ID)
	if got.Status != quarantine.StatusDeleted || len(got.Notes) != 1 || got.Notes[0].Author != "olga" {
		t.Errorf("after the actions: %+v", got)
	}
	var trail []string
	for _, r := range fx.records(audit.Query{Target: e.ID}) {
		trail = append(trail, fmt.Sprintf("%s %s %s %s %s", r.Actor, r.Action, r.Detail["hold"], r.Detail["result"], r.Justification))
	}
	want := []string{
		"olga note  ok review",
		"olga hold true ok litigation",
		"otto delete  on_hold cleanup",
		"olga hold false ok settled",
		"otto delete  ok cleanup",
		"otto release_request  conflict too late",
	}
	if !slices.Equal(trail, want) {
		t.Errorf("audit trail:\n%s\nwant:\n%s", strings.Join(trail, "\n"), strings.Join(want, "\n"))
	}

	code, out, errOut = fx.as("vera", "quarantine", "show", e.ID)
	checkCLI(t, code, 0, out+errOut, "status:     deleted", "olga: sales confirms the customer asked")
}

func TestQuarantineList(t *testing.T) {
	t.Parallel()
	fx := newQuarantineFixture(t)
	base := time.Now().Add(-72 * time.Hour).Truncate(time.Second)
	a := fx.put("alpha@corp.test", base, 1, false)
	b := fx.put("beta@corp.test", base.Add(time.Hour), 5, false)
	c := fx.put("gamma@corp.test", base.Add(2*time.Hour), 3, true)
	long := fx.put("delta@corp.test", base.Add(3*time.Hour), 0, false)
	if err := fx.q.SetHold(context.Background(), b.ID, true); err != nil {
		t.Fatal(err)
	}
	_ = long

	ids := func(out string) []string {
		t.Helper()
		var got []string
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			if line == "" {
				continue
			}
			var l listLine
			if err := json.Unmarshal([]byte(line), &l); err != nil {
				t.Fatalf("%q: %v", line, err)
			}
			got = append(got, l.ID)
		}
		return got
	}
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{nil, []string{a.ID, b.ID, c.ID, long.ID}},
		{[]string{"-sender", "ALPHA"}, []string{a.ID}},
		{[]string{"-min-records", "3", "-sort", "records", "-desc"}, []string{b.ID, c.ID}},
		{[]string{"-since", base.Add(90 * time.Minute).Format(time.RFC3339), "-until", base.Add(150 * time.Minute).Format(time.RFC3339)}, []string{c.ID}},
		{[]string{"-since", "1d"}, nil},
		{[]string{"-q", "contract"}, nil}, // only in c's Subject, which vera is not shown
		{[]string{"-q", "quarterly"}, []string{a.ID, b.ID, long.ID}},
		{[]string{"-q", "gamma@"}, []string{c.ID}},
		{[]string{"-rcpt", "buyer@", "-rule", "records-quarantine", "-limit", "2", "-offset", "1"}, []string{b.ID, c.ID}},
		{[]string{"-status", "held,pending_approval", "-verdict", "quarantine", "-desc"}, []string{long.ID, c.ID, b.ID, a.ID}},
		{[]string{"-status", "deleted"}, nil},
	} {
		code, out, errOut := fx.as("vera", append([]string{"quarantine", "list", "-json"}, tc.args...)...)
		if got := ids(out); code != 0 || !slices.Equal(got, tc.want) {
			t.Errorf("list %q: exit %d, %q, want %q\n%s", tc.args, code, got, tc.want, errOut)
		}
		noCustomerValue(t, out+errOut)
	}

	// An officer, who may reveal it, searches the withheld Subject.
	code, out, errOut := fx.as("olga", "quarantine", "list", "-json", "-q", "contract")
	if got := ids(out); code != 0 || !slices.Equal(got, []string{c.ID}) {
		t.Errorf("olga: list -q contract: exit %d, %q, want %q\n%s", code, got, []string{c.ID}, errOut)
	}
	noCustomerValue(t, out+errOut)

	code, out, errOut = fx.as("vera", "quarantine", "list", "-status", "bogus")
	checkCLI(t, code, 2, out+errOut, "bogus")
	code, out, errOut = fx.as("vera", "quarantine", "list", "-since", "last tuesday")
	checkCLI(t, code, 2, out+errOut, "-since")

	// The table: a subject cut to 40 characters, and withheld where a
	// customer value was found in a header.
	fx.put("epsilon@corp.test", base.Add(4*time.Hour), 0, false)
	if _, err := fx.q.Put(quarantine.Entry{Sender: "zeta@corp.test", Recipients: []string{"x@partner.example"},
		Subject: "A subject line that goes on and on, well past forty characters", Received: base.Add(5 * time.Hour)},
		strings.NewReader("Subject: x\r\n\r\nhi\r\n")); err != nil {
		t.Fatal(err)
	}
	code, out, errOut = fx.as("vera", "quarantine", "list", "-limit", "10")
	checkCLI(t, code, 0, out+errOut, "ID", "RECEIVED", "AGE", "STATUS", "SENDER", "RCPTS", "RECORDS", "RULES", "SUBJECT",
		"held (hold)", "(withheld)", "A subject line that goes on and on, wel…", "3d0", "entries 1-6 of 6")
	noCustomerValue(t, out+errOut)
	code, out, errOut = fx.as("vera", "quarantine", "list", "-limit", "2")
	checkCLI(t, code, 0, out+errOut, "entries 1-2 of 6 (next page: -offset 2)")
	code, out, _ = fx.as("vera", "quarantine", "list", "-json", "-q", "gamma")
	var l listLine
	if err := json.Unmarshal([]byte(out), &l); code != 0 || err != nil || !l.SubjectWithheld || l.Subject != "" || len(l.RecordIDs) != 3 {
		t.Errorf("list -json of a subject with a customer value: %+v, %v", l, err)
	}
}

func TestShowNeverPrintsValues(t *testing.T) {
	t.Parallel()
	fx := newQuarantineFixture(t)
	inBody := fx.put("sales@corp.test", time.Now().Add(-time.Hour), 2, false)
	inSubject := fx.put("sales@corp.test", time.Now().Add(-time.Hour), 1, true)

	code, out, errOut := fx.as("vera", "quarantine", "show", inBody.ID)
	checkCLI(t, code, 0, out+errOut, "entry "+inBody.ID, "sender:     sales@corp.test", "recipients: buyer@partner.example, boss@partner.example",
		"subject:    Quarterly report", "status:     held; expires", "rules:      records-quarantine", "records:    2 (values are not shown)",
		"C0001: fields name,phone in parts 1 (3 matches)", "C0002")
	noCustomerValue(t, out+errOut)

	code, out, errOut = fx.as("vera", "quarantine", "show", inSubject.ID)
	checkCLI(t, code, 0, out+errOut, "subject:    (withheld", "C0001: fields name,phone in parts 1.header,1")
	noCustomerValue(t, out+errOut)

	code, out, errOut = fx.as("vera", "quarantine", "show", "-json", inSubject.ID)
	noCustomerValue(t, out+errOut)
	var r showReport
	if err := json.Unmarshal([]byte(out), &r); code != 0 || err != nil {
		t.Fatalf("show -json: %v\n%s", err, out)
	}
	if r.Entry.ID != inSubject.ID || !r.SubjectWithheld || r.Entry.Findings != nil || len(r.Records) != 1 ||
		r.Records[0].ID != "C0001" || !slices.Equal(r.Records[0].Fields, []string{"name", "phone"}) || r.Records[0].Matches != 3 {
		t.Errorf("show -json: %+v", r)
	}

	// Findings cut short: the Subject is withheld, the records still named.
	e := inBody
	e.ID, e.Subject, e.Findings = "", "Note for Mr. X", json.RawMessage(`[]`)
	cutShort, err := fx.q.Put(e, strings.NewReader("Subject: x\r\n\r\n"+customerName+"\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	code, out, errOut = fx.as("vera", "quarantine", "show", cutShort.ID)
	checkCLI(t, code, 0, out+errOut, "(withheld", "C0001 (no findings stored)", "incomplete")

	if n := len(fx.records(audit.Query{Action: audit.ActionView, Actor: "vera"})); n != 4 {
		t.Errorf("%d views audited, want 4", n)
	}
	code, out, errOut = fx.as("vera", "quarantine", "show", "20260101T000000.000000000Z-0000000000000000")
	checkCLI(t, code, 1, out+errOut, "not in the quarantine")

	// Deleted: the Subject went with the message.
	code, out, errOut = fx.as("olga", "quarantine", "delete", inBody.ID, "-why", "sent by mistake")
	checkCLI(t, code, 0, out+errOut)
	for _, who := range []string{"vera", "olga"} {
		code, out, errOut = fx.as(who, "quarantine", "show", inBody.ID)
		checkCLI(t, code, 0, out+errOut, "subject:    (removed with the message)", "status:     deleted")
		if strings.Contains(out, "Quarterly") {
			t.Errorf("%s: show of a deleted entry prints its Subject:\n%s", who, out)
		}
		code, out, errOut = fx.as(who, "quarantine", "list", "-status", "deleted")
		checkCLI(t, code, 0, out+errOut, "(removed)", "entries 1-1 of 1")
		if strings.Contains(out, "Quarterly") {
			t.Errorf("%s: list of a deleted entry prints its Subject:\n%s", who, out)
		}
	}
}

func TestQuarantineNeedsStore(t *testing.T) {
	t.Parallel()
	fx := newCLIFixture(t)
	fx.addUser("vera", users.Viewer)
	code, out, errOut := fx.as("vera", "quarantine", "list")
	checkCLI(t, code, 1, out+errOut, "no quarantine in")
	if _, err := os.Stat(filepath.Join(fx.data, "quarantine.db")); err == nil {
		t.Error("list created a quarantine")
	}
}

// TestQuarantineShowFindingsVersion: show reads the findings of every
// version through detect.DecodeFindings and says when they are not this
// build's extractor's, whose values the console will not reveal.
func TestQuarantineShowFindingsVersion(t *testing.T) {
	t.Parallel()
	fx := newQuarantineFixture(t)
	old := fx.put("sales@corp.test", time.Now().Add(-time.Hour), 2, false) // a bare array: stored before versions

	e := old
	f, err := detect.DecodeFindings(e.Findings)
	if err != nil || f.Extractor != detect.ExtractorUnversioned {
		t.Fatalf("the fixture's findings: %+v, %v", f, err)
	}
	e.ID = ""
	if e.Findings, err = detect.EncodeFindings(detect.NewFindings(&detect.Result{Records: f.Records})); err != nil {
		t.Fatal(err)
	}
	current, err := fx.q.Put(e, strings.NewReader("Subject: x\r\n\r\n"+customerName+"\r\n"))
	if err != nil {
		t.Fatal(err)
	}

	code, out, errOut := fx.as("vera", "quarantine", "show", old.ID)
	checkCLI(t, code, 0, out+errOut, "C0001: fields name,phone in parts 1 (3 matches)",
		fmt.Sprintf("(found by extractor version 1, this build's is %d", detect.ExtractorVersion), "the console cannot reveal")
	noCustomerValue(t, out+errOut)
	code, out, errOut = fx.as("vera", "quarantine", "show", current.ID)
	checkCLI(t, code, 0, out+errOut, "C0001: fields name,phone in parts 1 (3 matches)", "C0002")
	if strings.Contains(out, "extractor version") {
		t.Errorf("current findings said to be of another extractor:\n%s", out)
	}

	for _, tt := range []struct {
		id        string
		extractor int
		reveal    string
	}{{old.ID, detect.ExtractorUnversioned, "extractor_changed"}, {current.ID, detect.ExtractorVersion, ""}} {
		code, out, _ := fx.as("vera", "quarantine", "show", "-json", tt.id)
		var r showReport
		if err := json.Unmarshal([]byte(out), &r); code != 0 || err != nil {
			t.Fatalf("show -json: %v\n%s", err, out)
		}
		if r.FindingsExtractor != tt.extractor || r.RevealUnavailable != tt.reveal || r.FindingsIncomplete || len(r.Records) != 2 || r.Records[1].Matches != 3 {
			t.Errorf("show -json %s: extractor %d, reveal_unavailable %q, incomplete %v, records %+v",
				tt.id, r.FindingsExtractor, r.RevealUnavailable, r.FindingsIncomplete, r.Records)
		}
	}
}

// TestShowUncertainRelease: a release whose final dot got no answer shows
// as release_uncertain, with why and the release id to look for, and the
// list finds it by that status.
func TestShowUncertainRelease(t *testing.T) {
	t.Parallel()
	fx := newQuarantineFixture(t)
	ctx := context.Background()
	e := fx.put("sales@corp.test", time.Now().Add(-time.Hour), 1, false)
	if err := fx.q.SetReleasePolicy(ctx, quarantine.ReleasePolicy{FourEyes: false, Source: "test"}); err != nil {
		t.Fatal(err)
	}
	if _, err := fx.q.RequestRelease(ctx, e.ID, "olga", nil, "customer asked"); err != nil {
		t.Fatal(err)
	}
	req, ok, err := fx.q.ClaimRelease(ctx, time.Now())
	if err != nil || !ok {
		t.Fatalf("claim: %v %v", ok, err)
	}
	msg := "no answer to the final dot (the upstream timed out): the upstream may have accepted the message; check its log for release-id " + req.ID
	if err := fx.q.FinishRelease(ctx, req.ID, quarantine.Outcome{Uncertain: true, Message: msg}); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := fx.as("vera", "quarantine", "show", e.ID)
	checkCLI(t, code, 0, out+errOut, "status:     release_uncertain", req.ID+" release_uncertain", "attempts: 1; last error: "+msg)
	code, out, errOut = fx.as("vera", "quarantine", "list", "-status", "release_uncertain", "-json")
	checkCLI(t, code, 0, out+errOut, e.ID)
}
