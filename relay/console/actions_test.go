package console

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/dlprelay/dlprelay/relay/audit"
	"github.com/dlprelay/dlprelay/relay/quarantine"
)

func TestFourEyes(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})
	h.q.setFourEyes(true)
	o1 := h.client().apiLogin("officer1")
	o2 := h.client().login("officer2")
	base := "/api/quarantine/" + h.id

	resp, body := o1.postJSON(base+"/release", map[string]any{"justification": "customer asked for it", "recipients": []string{"partner@external.example"}})
	if resp.StatusCode != 200 {
		t.Fatalf("release: %d %s", resp.StatusCode, body)
	}
	req := decode[struct{ Release quarantine.ReleaseRequest }](t, body).Release
	if e := h.q.entry(h.id); e.Status != quarantine.StatusPendingApproval {
		t.Fatalf("status %s", e.Status)
	}
	// The detail page shows the request as pending with an approve form.
	_, page := o2.get("/console/q/" + h.id)
	if !strings.Contains(page, japanese.T("rel.pending")) || !strings.Contains(page, `value="`+req.ID+`"`) {
		t.Error("pending request not shown with its approve form")
	}

	// The requester cannot approve: 409, by API and on the page.
	resp, body = o1.postJSON(base+"/approve", map[string]string{"justification": "me too"})
	if resp.StatusCode != http.StatusConflict || decode[apiError](t, body).Code != "self_approval" {
		t.Errorf("self approval by API: %d %s", resp.StatusCode, body)
	}
	o1page := h.client().login("officer1")
	resp, page = o1page.postForm("/console/q/"+h.id+"/approve", url.Values{"request_id": {req.ID}, "justification": {"me"}})
	if resp.StatusCode != http.StatusConflict || !strings.Contains(page, japanese.T("err.self_approval")) {
		t.Errorf("self approval on the page: %d", resp.StatusCode)
	}
	if r, _ := h.log.last(audit.ActionReleaseApprove); r.Actor != "officer1" || r.Detail["result"] != "self_approval" {
		t.Errorf("refused approval audit %+v", r)
	}

	// Another officer can.
	resp, _ = o2.postForm("/console/q/"+h.id+"/approve", url.Values{"request_id": {req.ID}, "justification": {"checked with the customer"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("approve by officer2: %d", resp.StatusCode)
	}
	if e := h.q.entry(h.id); e.Status != quarantine.StatusApproved || e.Releases[0].ApprovedBy != "officer2" {
		t.Errorf("after approval: %s %+v", e.Status, e.Releases)
	}
	r, _ := h.log.last(audit.ActionReleaseApprove)
	if r.Actor != "officer2" || r.Justification != "checked with the customer" || r.Detail["request"] != req.ID || r.Detail["result"] != "ok" {
		t.Errorf("approval audit %+v", r)
	}

	// Approving again loses: ErrConflict, shown.
	resp, page = o2.postForm("/console/q/"+h.id+"/approve", url.Values{"request_id": {req.ID}, "justification": {"again"}})
	if resp.StatusCode != http.StatusConflict || !strings.Contains(page, japanese.T("err.conflict")) {
		t.Errorf("second approval: %d", resp.StatusCode)
	}
	// A request of another entry is not found through this one.
	other := h.put(quarantine.Entry{}, sampleMessage)
	resp, _ = o2.postJSON("/api/quarantine/"+other+"/approve", map[string]string{"justification": "x", "request_id": req.ID})
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("approve through another entry: %d", resp.StatusCode)
	}
}

func TestReleaseWithoutFourEyes(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})
	cl := h.client().login("officer1")
	resp, _ := cl.postForm("/console/q/"+h.id+"/release", url.Values{"justification": {"ok to send"}, "recipient": {"other@external.example"}})
	if resp.StatusCode != http.StatusSeeOther || !strings.HasSuffix(resp.Header.Get("Location"), "?done=release") {
		t.Fatalf("release: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	e := h.q.entry(h.id)
	if e.Status != quarantine.StatusApproved || e.Releases[0].ApprovedBy != "officer1" || len(e.Releases[0].Recipients) != 1 {
		t.Errorf("entry %+v", e)
	}
	r, _ := h.log.last(audit.ActionReleaseRequest)
	if r.Detail["four_eyes"] != "false" || r.Detail["recipients"] != "1" || r.Justification != "ok to send" {
		t.Errorf("audit %+v", r)
	}
	_, page := cl.get(resp.Header.Get("Location"))
	if !strings.Contains(page, japanese.T("done.release")) {
		t.Error("no confirmation")
	}
}

// TestActionsAudited runs every action through the API and checks its
// audit record: actor, target, justification, and no customer value.
func TestActionsAudited(t *testing.T) {
	t.Parallel()
	yes, no := true, false
	cases := []struct {
		action string
		body   map[string]any
		want   audit.Action
		setup  func(h *harness)
	}{
		{"release", map[string]any{}, audit.ActionReleaseRequest, nil},
		{"delete", map[string]any{}, audit.ActionDelete, nil},
		{"note", map[string]any{"text": "電話で確認済み"}, audit.ActionNote, nil},
		{"hold", map[string]any{"hold": yes}, audit.ActionHold, nil},
		{"hold", map[string]any{"hold": no}, audit.ActionHold, nil},
		{"extend", map[string]any{"until": "2026-06-30"}, audit.ActionExtend, nil},
		{"resolve", map[string]any{"delivered": yes}, audit.ActionReleaseOutcome, func(h *harness) {
			h.q.entries[h.id].Status = quarantine.StatusReleaseUncertain
		}},
		{"reveal", map[string]any{}, audit.ActionReveal, nil},
		{"download", map[string]any{}, audit.ActionDownload, nil},
	}
	for _, c := range cases {
		t.Run(c.action, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, Config{})
			if c.setup != nil {
				c.setup(h)
			}
			cl := h.client().apiLogin("officer1")
			target := "/api/quarantine/" + h.id + "/" + c.action

			// Without a justification: 400, nothing done.
			resp, body := cl.postJSON(target, c.body)
			if resp.StatusCode != http.StatusBadRequest || decode[apiError](t, body).Code != "justification" {
				t.Errorf("no justification: %d %s", resp.StatusCode, body)
			}
			if _, ok := h.log.last(c.want); ok {
				t.Errorf("audited without a justification")
			}

			c.body["justification"] = "ticket 4711"
			resp, body = cl.postJSON(target, c.body)
			if resp.StatusCode != 200 {
				t.Fatalf("%s: %d %s", c.action, resp.StatusCode, body)
			}
			r, ok := h.log.last(c.want)
			if !ok || r.Actor != "officer1" || r.Target != h.id || r.Justification != "ticket 4711" || r.Remote == "" {
				t.Errorf("audit %+v", r)
			}
			if c.want != audit.ActionReveal && c.want != audit.ActionDownload && r.Detail["result"] != "ok" {
				t.Errorf("result %q", r.Detail["result"])
			}
			assertNoCustomerValues(t, h)
		})
	}
}

// assertNoCustomerValues checks every audit record.
func assertNoCustomerValues(t *testing.T, h *harness) {
	t.Helper()
	for _, r := range h.log.all() {
		s := r.Actor + r.Target + r.Justification + r.Remote
		for k, v := range r.Detail {
			s += k + v
		}
		for _, v := range customerValues {
			if strings.Contains(s, v) {
				t.Errorf("audit record %d holds %q", r.Seq, v)
			}
		}
		if strings.Contains(s, "顧客リスト") {
			t.Errorf("audit record %d holds the subject", r.Seq)
		}
	}
}

func TestActionErrors(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})
	cl := h.client().apiLogin("officer1")
	base := "/api/quarantine/" + h.id
	post := func(action string, body map[string]any) (int, string) {
		body["justification"] = "why"
		resp, b := cl.postJSON(base+"/"+action, body)
		return resp.StatusCode, decode[apiError](t, b).Code
	}
	if s, c := post("extend", map[string]any{"until": "2020-01-01"}); s != 400 || c != "past_date" {
		t.Errorf("extend into the past: %d %s", s, c)
	}
	if s, c := post("extend", map[string]any{"until": "tomorrow"}); s != 400 || c != "bad_date" {
		t.Errorf("extend with a bad date: %d %s", s, c)
	}
	if s, c := post("resolve", map[string]any{"delivered": true}); s != 409 || c != "conflict" {
		t.Errorf("resolve a held entry: %d %s", s, c)
	}
	if s, c := post("note", map[string]any{"text": " "}); s != 400 || c != "note" {
		t.Errorf("empty note: %d %s", s, c)
	}
	if s, c := post("hold", map[string]any{}); s != 400 || c != "bad_input" {
		t.Errorf("hold without hold: %d %s", s, c)
	}
	post("hold", map[string]any{"hold": true})
	if s, c := post("delete", map[string]any{}); s != 409 || c != "on_hold" {
		t.Errorf("delete on hold: %d %s", s, c)
	}
	if s, c := post("approve", map[string]any{}); s != 409 || c != "conflict" {
		t.Errorf("approve with nothing pending: %d %s", s, c)
	}
	resp, body := cl.postJSON("/api/quarantine/nonexistent/note", map[string]any{"justification": "x", "text": "y"})
	if resp.StatusCode != 404 {
		t.Errorf("unknown entry: %d %s", resp.StatusCode, body)
	}
	resp, _ = cl.postJSON(base+"/note", map[string]any{"justification": "x", "txt": "typo"})
	if resp.StatusCode != 400 {
		t.Errorf("unknown field: %d", resp.StatusCode)
	}
}

func TestDownload(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})
	cl := h.client().login("officer1")
	resp, body := cl.postForm("/console/q/"+h.id+"/download", url.Values{"justification": {"forward to legal"}})
	if resp.StatusCode != 200 || body != sampleMessage {
		t.Fatalf("download: %d, body equal %v", resp.StatusCode, body == sampleMessage)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "message/rfc822" {
		t.Errorf("Content-Type %q", ct)
	}
	if cd := resp.Header.Get("Content-Disposition"); cd != `attachment; filename="quarantine-`+h.id+`.eml"` {
		t.Errorf("Content-Disposition %q", cd)
	}
	if r, ok := h.log.last(audit.ActionDownload); !ok || r.Justification != "forward to legal" {
		t.Errorf("audit %+v", r)
	}
}

// TestAuditFailureHidesData: when the audit log cannot be written, nothing
// is revealed or downloaded.
func TestAuditFailureHidesData(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})
	cl := h.client().apiLogin("officer1")
	h.log.mu.Lock()
	h.log.fail = true
	h.log.mu.Unlock()
	for _, action := range []string{"reveal", "download"} {
		resp, body := cl.postJSON("/api/quarantine/"+h.id+"/"+action, map[string]string{"justification": "x"})
		if resp.StatusCode != 500 {
			t.Errorf("%s: %d", action, resp.StatusCode)
		}
		for _, v := range customerValues {
			if strings.Contains(body, v) {
				t.Errorf("%s shows %q without an audit record", action, v)
			}
		}
	}
	if resp, _ := cl.get("/api/quarantine/" + h.id); resp.StatusCode != 500 {
		t.Errorf("view without audit: %d", resp.StatusCode)
	}
}

func TestBulk(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})
	second := h.put(quarantine.Entry{}, sampleMessage)
	h.q.entries[second].Hold = true
	cl := h.client().login("officer1")
	resp, body := cl.postForm("/console/bulk", url.Values{"action": {"delete"}, "id": {h.id, second}, "justification": {"spam run"}})
	if resp.StatusCode != 200 {
		t.Fatalf("bulk: %d %s", resp.StatusCode, body)
	}
	if !strings.Contains(body, japanese.T("bulk.ok")) || !strings.Contains(body, japanese.T("err.on_hold")) {
		t.Error("bulk results not shown")
	}
	if h.q.entry(h.id).Status != quarantine.StatusDeleted || h.q.entry(second).Status == quarantine.StatusDeleted {
		t.Error("bulk delete did the wrong thing")
	}
	n := 0
	for _, r := range h.log.all() {
		if r.Action == audit.ActionDelete && r.Justification == "spam run" {
			n++
		}
	}
	if n != 2 {
		t.Errorf("%d delete records, want 2 (one refused)", n)
	}
	resp, _ = cl.postForm("/console/bulk", url.Values{"action": {"hold"}, "id": {h.id}})
	if resp.StatusCode != 400 {
		t.Errorf("bulk without justification: %d", resp.StatusCode)
	}

	api := h.client().apiLogin("officer2")
	resp, body = api.postJSON("/api/quarantine/bulk", map[string]any{"action": "hold", "ids": []string{second, "missing"}, "justification": "litigation"})
	res := decode[struct{ Results []bulkResult }](t, body).Results
	if resp.StatusCode != 200 || len(res) != 2 || !res[0].OK || res[1].OK || res[1].Code != "not_found" {
		t.Errorf("api bulk: %d %+v", resp.StatusCode, res)
	}
}

func TestUserAdmin(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})
	admin := h.client().apiLogin("admin1")
	resp, body := admin.postJSON("/api/users", map[string]string{"name": "newbie", "password": "a long enough secret", "role": "viewer", "justification": "new hire"})
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("add: %d %s", resp.StatusCode, body)
	}
	resp, _ = admin.postJSON("/api/users", map[string]string{"name": "newbie", "password": "a long enough secret", "role": "viewer", "justification": "again"})
	if resp.StatusCode != http.StatusConflict {
		t.Errorf("add twice: %d", resp.StatusCode)
	}
	resp, _ = admin.postJSON("/api/users", map[string]string{"name": "short", "password": "short", "role": "viewer", "justification": "x"})
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("short password: %d", resp.StatusCode)
	}
	for _, op := range []struct {
		path string
		body map[string]string
		want int
	}{
		{"/api/users/newbie/role", map[string]string{"role": "officer"}, 200},
		{"/api/users/newbie/role", map[string]string{"role": "root"}, 400},
		{"/api/users/newbie/password", map[string]string{"password": "another long secret"}, 200},
		{"/api/users/newbie/unlock", map[string]string{}, 200},
		{"/api/users/newbie/disable", map[string]string{}, 200},
		{"/api/users/newbie/enable", map[string]string{}, 200},
		{"/api/users/nobody/enable", map[string]string{}, 404},
		{"/api/users/admin1/disable", map[string]string{}, 409},
		{"/api/users/admin1/role", map[string]string{"role": "viewer"}, 409},
	} {
		op.body["justification"] = "HR ticket"
		if resp, body := admin.postJSON(op.path, op.body); resp.StatusCode != op.want {
			t.Errorf("%s %v: %d %s", op.path, op.body, resp.StatusCode, body)
		}
	}
	if u, _ := h.dir.Get(t.Context(), "newbie"); u.Role != "officer" || u.Disabled || h.dir.pw["newbie"] != "another long secret" {
		t.Errorf("user %+v", u)
	}
	ops := map[string]bool{}
	for _, r := range h.log.all() {
		if r.Action != audit.ActionUserChange {
			continue
		}
		ops[r.Detail["op"]] = true
		if r.Target != "newbie" || r.Justification == "" || strings.Contains(r.Justification+r.Detail["role"], "secret") {
			t.Errorf("user_change record %+v", r)
		}
	}
	if len(ops) != 6 {
		t.Errorf("audited ops %v", ops)
	}
	// The page lists users and the form works.
	cl := h.client().login("admin1")
	_, page := cl.get("/console/users")
	if !strings.Contains(page, "newbie") {
		t.Error("users page")
	}
	resp, _ = cl.postForm("/console/users/newbie/role", url.Values{"role": {"viewer"}, "justification": {"moved"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("role form: %d", resp.StatusCode)
	}
}

func TestAuditPages(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})
	cl := h.client().login("officer1")
	cl.get("/console/q/" + h.id)
	resp, page := cl.get("/console/audit?action=view")
	if resp.StatusCode != 200 || !strings.Contains(page, h.id) || !strings.Contains(page, `href="/console/audit/export?action=view&amp;format=csv"`) {
		t.Errorf("audit page: %d", resp.StatusCode)
	}
	resp, body := cl.get("/api/audit/export?format=csv&actor=officer1")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") ||
		!strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment;") || !strings.Contains(body, "officer1,view") {
		t.Errorf("csv export: %d %v %s", resp.StatusCode, resp.Header, body)
	}
	r, ok := h.log.last(audit.ActionExport)
	if !ok || r.Detail["format"] != "csv" || r.Detail["actor"] != "officer1" {
		t.Errorf("export audit %+v", r)
	}
	if resp, _ := cl.get("/api/audit/export?format=xml"); resp.StatusCode != 400 {
		t.Errorf("xml export: %d", resp.StatusCode)
	}
	resp, body = cl.get("/api/audit?action=login&limit=1")
	got := decode[struct {
		Records []audit.Record
		Total   int
	}](t, body)
	if resp.StatusCode != 200 || len(got.Records) != 1 || got.Total != 1 || got.Records[0].Actor != "officer1" {
		t.Errorf("api audit: %d %s", resp.StatusCode, body)
	}
}

// TestApproveOfferedOnlyToOthers: the officer who asked for a release is not
// offered the approve button (it could only fail); another officer is.
func TestApproveOfferedOnlyToOthers(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})
	h.q.setFourEyes(true)
	id := h.put(quarantine.Entry{Sender: "a@corp.example", Recipients: []string{"b@outside.example"}}, sampleMessage)
	if resp, body := h.client().apiLogin("officer1").postJSON("/api/quarantine/"+id+"/release", map[string]any{"justification": "asked"}); resp.StatusCode != 200 {
		t.Fatalf("release: %d %s", resp.StatusCode, body)
	}
	_, own := h.client().login("officer1").get("/console/q/" + id)
	_, other := h.client().login("officer2").get("/console/q/" + id)
	if strings.Contains(own, "/approve\"") || !strings.Contains(own, "別の担当者の承認待ち") {
		t.Error("the requester is offered the approve button")
	}
	if !strings.Contains(other, "/console/q/"+id+"/approve\"") {
		t.Error("another officer is not offered the approve button")
	}
}

// TestReleaseFollowsStorePolicy: the console has no four-eyes setting of
// its own; each release, and the detail page's hint, follows the policy
// the relay recorded in the store at that moment.
func TestReleaseFollowsStorePolicy(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})
	cl := h.client().apiLogin("officer1")
	hint := "(" + japanese.T("detail.foureyes") + ")"
	for _, on := range []bool{true, false, true} {
		h.q.setFourEyes(on)
		id := h.put(quarantine.Entry{}, sampleMessage)
		if _, page := cl.get("/console/q/" + id); strings.Contains(page, hint) != on {
			t.Errorf("four-eyes %v: the page's hint shown %v", on, !on)
		}
		resp, body := cl.postJSON("/api/quarantine/"+id+"/release", map[string]any{"justification": "ok"})
		if resp.StatusCode != 200 {
			t.Fatalf("release: %d %s", resp.StatusCode, body)
		}
		want := quarantine.StatusApproved
		if on {
			want = quarantine.StatusPendingApproval
		}
		if got := decode[struct{ Release quarantine.ReleaseRequest }](t, body).Release; got.Status != want {
			t.Errorf("four-eyes %v: release %s, want %s", on, got.Status, want)
		}
		if r, _ := h.log.last(audit.ActionReleaseRequest); r.Detail["four_eyes"] != strconv.FormatBool(on) {
			t.Errorf("four-eyes %v: audited %+v", on, r.Detail)
		}
	}
}
