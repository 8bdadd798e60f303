package console

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dlprelay/dlprelay/detect/extract"
	"github.com/dlprelay/dlprelay/relay/audit"
	"github.com/dlprelay/dlprelay/relay/quarantine"
	"github.com/dlprelay/dlprelay/relay/users"
	"golang.org/x/crypto/bcrypt"
)

// TestRealStores runs a session over the SQLite quarantine, audit log
// and user directory: the console's calls fit their contracts, every
// event it writes passes the real log's checks and the chain verifies.
func TestRealStores(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHarness(t, Config{})
	q, err := quarantine.Open(t.TempDir(), quarantine.Options{Now: h.clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	hits := findHits(t, sampleMessage)
	findings := currentFindings(t, hits)
	e, err := q.Put(quarantine.Entry{
		Received: h.clk.Now().Add(-3 * time.Hour), Sender: "sales@corp.example",
		Recipients: []string{"partner@external.example", "other@external.example"}, Subject: "顧客リスト送付の件",
		Verdict: "quarantine", Rules: []string{"customer-data-outside"}, Records: len(hits), RecordIDs: []string{"C001", "C002"},
		Findings: findings,
	}, strings.NewReader(sampleMessage))
	if err != nil {
		t.Fatal(err)
	}
	h.id = e.ID
	dir, err := users.Open(filepath.Join(t.TempDir(), "users.db"), users.Options{Cost: bcrypt.MinCost, Now: h.clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer dir.Close()
	log, err := audit.Open(filepath.Join(t.TempDir(), "audit.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	for name, role := range map[string]users.Role{"officer1": users.Officer, "officer2": users.Officer, "admin1": users.Admin} {
		if _, err := dir.Add(ctx, name, password, role); err != nil {
			t.Fatal(err)
		}
	}
	if err := q.SetReleasePolicy(ctx, quarantine.ReleasePolicy{FourEyes: true, Source: "test"}); err != nil {
		t.Fatal(err)
	}
	c, err := New(Config{Now: h.clk.Now, Logger: h.c.logger}, q, log, dir, NewRescanner(extract.Limits{}))
	if err != nil {
		t.Fatal(err)
	}
	h.h = c.Handler()

	bad := h.client()
	if resp, _ := bad.postJSON("/api/login", map[string]string{"user": "Officer1\t", "password": "wrong password"}); resp.StatusCode != 401 {
		t.Errorf("bad login: %d", resp.StatusCode)
	}
	bad.postJSON("/api/login", map[string]string{"user": "", "password": ""})
	o1 := h.client().apiLogin("OFFICER1") // names are folded
	o2 := h.client().apiLogin("officer2")
	admin := h.client().apiLogin("admin1")
	base := "/api/quarantine/" + h.id
	steps := []struct {
		cl     *client
		method string
		path   string
		body   any
		want   int
	}{
		{o1, "GET", "/api/quarantine?sender=SALES&status=held&min=2&from=2026-03-10&q=%E9%A1%A7%E5%AE%A2&sort=records&desc=1", nil, 200},
		{o1, "GET", "/console/?recipient=partner&sort=size", nil, 200},
		{o1, "GET", base, nil, 200},
		{o1, "GET", "/console/q/" + h.id, nil, 200},
		{o1, "POST", base + "/reveal", map[string]string{"justification": "complaint\r\nline two"}, 200},
		{o1, "POST", base + "/hold", map[string]any{"justification": "litigation", "hold": true}, 200},
		{o1, "POST", base + "/delete", map[string]string{"justification": "mistake"}, 409},
		{o1, "POST", base + "/hold", map[string]any{"justification": "over", "hold": false}, 200},
		{o1, "POST", base + "/extend", map[string]string{"justification": "case open", "until": "2026-12-31"}, 200},
		{o1, "POST", base + "/resolve", map[string]any{"justification": "x", "delivered": true}, 409},
		{o1, "POST", base + "/release", map[string]any{"justification": "ok", "recipients": []string{"stranger@evil.example"}}, 400},
		{o1, "POST", base + "/note", map[string]string{"justification": "memo", "text": "電話済み"}, 200},
		{o1, "POST", base + "/release", map[string]string{"justification": "ok"}, 200},
		{o1, "POST", base + "/approve", map[string]string{"justification": "self"}, 409},
		{o2, "POST", base + "/approve", map[string]string{"justification": "second pair of eyes"}, 200},
		{o2, "POST", base + "/approve", map[string]string{"justification": "again"}, 409},
		{o1, "GET", base, nil, 200},
		{o1, "POST", base + "/download", map[string]string{"justification": "legal"}, 200},
		{admin, "POST", "/api/users", map[string]string{"name": "New.User", "password": "twelve chars!", "role": "viewer", "justification": "hire"}, 201},
		{admin, "POST", "/api/users/new.user/password", map[string]string{"password": strings.Repeat("x", 73), "justification": "reset"}, 400},
		{admin, "POST", "/api/users/no%20such/role", map[string]string{"role": "viewer", "justification": "x"}, 400},
		{admin, "POST", "/api/users/new.user/disable", map[string]string{"justification": "left"}, 200},
		{admin, "POST", "/api/users/ADMIN1/disable", map[string]string{"justification": "oops"}, 409},
		{o1, "GET", "/api/audit/export?format=json&actor=officer1", nil, 200},
		{o1, "POST", "/api/logout", nil, 200},
	}
	for _, s := range steps {
		var code int
		var body string
		if s.method == "GET" {
			resp, b := s.cl.get(s.path)
			code, body = resp.StatusCode, b
		} else {
			resp, b := s.cl.postJSON(s.path, s.body)
			code, body = resp.StatusCode, b
		}
		if code != s.want {
			t.Errorf("%s %s: %d, want %d: %s", s.method, s.path, code, s.want, body)
		}
	}
	n, err := log.Verify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	recs, total, err := log.List(ctx, audit.Query{Limit: 1000})
	if err != nil || total != n {
		t.Fatalf("list: %v, %d of %d", err, total, n)
	}
	seen := map[audit.Action]bool{}
	for _, r := range recs {
		seen[r.Action] = true
		b, _ := json.Marshal(r)
		for _, v := range customerValues {
			if strings.Contains(string(b), v) || strings.Contains(string(b), jsonEscaped(v)) {
				t.Errorf("record %d holds %q", r.Seq, v)
			}
		}
	}
	got, err := q.Get(ctx, h.id)
	if err != nil || got.Status != quarantine.StatusApproved || len(got.Notes) != 1 || len(got.Releases) != 1 ||
		got.Releases[0].ApprovedBy != "officer2" || got.ExpiresAt.Before(time.Date(2026, 12, 31, 0, 0, 0, 0, time.Local)) {
		t.Errorf("entry after the session: %v %+v", err, got)
	}
	for _, a := range []audit.Action{audit.ActionLogin, audit.ActionLoginFailed, audit.ActionView, audit.ActionReveal, audit.ActionNote, audit.ActionHold, audit.ActionExtend,
		audit.ActionReleaseRequest, audit.ActionReleaseApprove, audit.ActionDownload, audit.ActionUserChange, audit.ActionExport, audit.ActionLogout} {
		if !seen[a] {
			t.Errorf("no %s record", a)
		}
	}
}
