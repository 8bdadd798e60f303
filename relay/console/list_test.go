package console

import (
	"fmt"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/dlprelay/dlprelay/relay/quarantine"
)

func TestFiltersReachTheStore(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})
	query := "sender=Sales&recipient=partner&from=2026-03-01&to=2026-03-09&rule=r1&verdict=quarantine" +
		"&status=held&status=pending_approval,released&min=2&q=%E9%A1%A7%E5%AE%A2&sort=sender&desc=1&offset=50&limit=25"
	want := quarantine.Filter{
		Sender: "Sales", Recipient: "partner", Rule: "r1", Verdict: "quarantine",
		Statuses:   []quarantine.Status{"held", "pending_approval", "released"},
		From:       time.Date(2026, 3, 1, 0, 0, 0, 0, time.Local),
		To:         time.Date(2026, 3, 10, 0, 0, 0, 0, time.Local), // exclusive: all of the 9th
		MinRecords: 2, Query: "顧客", Sort: "sender", Desc: true, Offset: 50, Limit: 25,
	}
	page := h.client().login("viewer1")
	api := h.client().apiLogin("viewer1")
	for _, cl := range []struct {
		c      *client
		target string
	}{{page, "/console/?"}, {api, "/api/quarantine?"}} {
		resp, body := cl.c.get(cl.target + query)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", cl.target, resp.StatusCode, body)
		}
		if got := h.q.lastFilter(); !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n got %+v\nwant %+v", cl.target, got, want)
		}
	}
	// Defaults: newest first, 50 a page.
	api.get("/api/quarantine")
	if got := h.q.lastFilter(); got.Sort != "received" || !got.Desc || got.Limit != 50 || got.Offset != 0 {
		t.Errorf("default filter %+v", got)
	}
	for _, bad := range []string{"sort=evil", "status=nope", "limit=0", "limit=501", "min=-1", "offset=x", "from=yesterday"} {
		if resp, body := api.get("/api/quarantine?" + bad); resp.StatusCode != 400 {
			t.Errorf("%s: %d %s", bad, resp.StatusCode, body)
		}
	}
}

func TestListPage(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})
	for i := 0; i < 60; i++ {
		h.put(quarantine.Entry{Sender: fmt.Sprintf("user%02d@corp.example", i)}, sampleMessage)
	}
	cl := h.client().login("officer1")
	_, page := cl.get("/console/")
	if !strings.Contains(page, "1–50 件 / 全 61 件") || !strings.Contains(page, `href="/console/?offset=50"`) {
		t.Errorf("first page: pager wrong")
	}
	if n := strings.Count(page, `name="id"`); n != 50 {
		t.Errorf("%d rows with a checkbox", n)
	}
	if !strings.Contains(page, "3時間前") || !strings.Contains(page, "顧客リスト送付の件") || !strings.Contains(page, "partner@external.example, other@external.example") {
		t.Error("row content")
	}
	// Column sorting links toggle the direction.
	if !strings.Contains(page, `href="/console/?desc=1&amp;sort=sender"`) || !strings.Contains(page, `href="/console/?sort=received"`) {
		t.Error("sort links")
	}
	_, page = cl.get("/console/?offset=50")
	if !strings.Contains(page, "51–61 件 / 全 61 件") || !strings.Contains(page, `href="/console/?offset=0"`) || strings.Contains(page, "次へ") {
		t.Error("second page: pager wrong")
	}
	if n := strings.Count(page, `name="id"`); n != 11 {
		t.Errorf("%d rows on the second page", n)
	}
	// A filter is kept by the pager and the form.
	_, page = cl.get("/console/?sender=user&status=held")
	if !strings.Contains(page, `name="sender" value="user"`) || !strings.Contains(page, `<option value="held" selected>`) ||
		!strings.Contains(page, `href="/console/?offset=50&amp;sender=user&amp;status=held"`) {
		t.Error("filter not kept")
	}
	// A viewer gets no bulk actions.
	_, page = h.client().login("viewer1").get("/console/")
	if strings.Contains(page, `name="id"`) || strings.Contains(page, `name="action"`) {
		t.Error("viewer sees bulk actions")
	}

	resp, body := h.client().apiLogin("viewer1").get("/api/quarantine?limit=10&offset=55")
	got := decode[listAnswer](t, body)
	if resp.StatusCode != 200 || got.Total != 61 || len(got.Entries) != 6 || got.Offset != 55 || got.Limit != 10 {
		t.Errorf("api page: %d total %d entries %d", resp.StatusCode, got.Total, len(got.Entries))
	}
	if strings.Contains(body, `"findings"`) {
		t.Error("list answer carries findings")
	}
}

func TestSortURL(t *testing.T) {
	t.Parallel()
	v := &listView{Q: url.Values{"sort": {"size"}, "desc": {"1"}, "offset": {"100"}, "sender": {"a"}}, F: quarantine.Filter{Sort: "size", Desc: true}}
	if got := v.SortURL("size"); got != "/console/?sender=a&sort=size" {
		t.Errorf("same column: %s", got)
	}
	if got := v.SortURL("records"); got != "/console/?desc=1&sender=a&sort=records" {
		t.Errorf("other column: %s", got)
	}
}

// TestListWithholdsSubjects: a Subject that may name a customer is not
// shown in the list, on the page or by the API, to any role.
func TestListWithholdsSubjects(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})
	h.put(quarantine.Entry{Sender: "a@corp.example", Subject: "Call 山田 太郎 at 03-1234-5678", SubjectWithheld: true}, sampleMessage)
	h.put(quarantine.Entry{Sender: "b@corp.example", Subject: "Quarterly figures"}, sampleMessage)
	for _, who := range []string{"viewer1", "officer1"} {
		_, page := h.client().login(who).get("/console/")
		_, api := h.client().apiLogin(who).get("/api/quarantine")
		for name, body := range map[string]string{"page": page, "api": api} {
			if strings.Contains(body, "山田") || strings.Contains(body, "03-1234-5678") {
				t.Errorf("%s %s shows a withheld Subject", who, name)
			}
			if !strings.Contains(body, "Quarterly figures") {
				t.Errorf("%s %s lost an ordinary Subject", who, name)
			}
		}
		if !strings.Contains(page, "件名に顧客情報の可能性") {
			t.Errorf("%s page does not say the Subject is withheld", who)
		}
	}
}
