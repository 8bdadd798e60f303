package console

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/dlprelay/dlprelay/relay/users"
)

// wantRoutes is every route and the least role it needs ("" = public),
// written out on its own so that a route added or loosened in console.go
// fails here until it is looked at.
var wantRoutes = func() []route {
	v, o, a := users.Viewer, users.Officer, users.Admin
	rs := []route{
		{method: "GET", path: "/console/login"},
		{method: "POST", path: "/console/login"},
		{method: "POST", path: "/console/logout", role: v},
		{method: "GET", path: "/console/{$}", role: v},
		{method: "POST", path: "/console/bulk", role: o},
		{method: "GET", path: "/console/q/{id}", role: v},
		{method: "GET", path: "/console/users", role: a},
		{method: "POST", path: "/console/users", role: a},
		{method: "GET", path: "/console/audit", role: o},
		{method: "GET", path: "/console/audit/export", role: o},
		{method: "POST", path: "/api/login", api: true},
		{method: "POST", path: "/api/logout", role: v, api: true},
		{method: "GET", path: "/api/me", role: v, api: true},
		{method: "GET", path: "/api/quarantine", role: v, api: true},
		{method: "POST", path: "/api/quarantine/bulk", role: o, api: true},
		{method: "GET", path: "/api/quarantine/{id}", role: v, api: true},
		{method: "GET", path: "/api/audit", role: o, api: true},
		{method: "GET", path: "/api/audit/export", role: o, api: true},
		{method: "GET", path: "/api/users", role: a, api: true},
		{method: "POST", path: "/api/users", role: a, api: true},
	}
	for _, act := range []string{"reveal", "download", "release", "approve", "delete", "note", "hold", "extend", "resolve"} {
		rs = append(rs, route{method: "POST", path: "/console/q/{id}/" + act, role: o},
			route{method: "POST", path: "/api/quarantine/{id}/" + act, role: o, api: true})
	}
	for _, op := range []string{"role", "disable", "enable", "unlock", "password"} {
		rs = append(rs, route{method: "POST", path: "/console/users/{name}/" + op, role: a},
			route{method: "POST", path: "/api/users/{name}/" + op, role: a, api: true})
	}
	return rs
}()

func routeKey(r route) string { return r.method + " " + r.path + " " + string(r.role) }

func TestRouteTable(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})
	var got, want []string
	for _, r := range h.c.routes() {
		got = append(got, routeKey(r))
		if r.api != strings.HasPrefix(r.path, "/api/") {
			t.Errorf("%s: api = %v", r.path, r.api)
		}
	}
	for _, r := range wantRoutes {
		want = append(want, routeKey(r))
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("routes:\n got %q\nwant %q", got, want)
	}
}

// target fills a route's wildcards.
func (h *harness) target(r route) string {
	p := strings.ReplaceAll(r.path, "{id}", h.id)
	p = strings.ReplaceAll(p, "{name}", "viewer1")
	return strings.ReplaceAll(p, "{$}", "")
}

// call sends r with a plausible body; token is the CSRF token to send
// ("" for none).
func (cl *client) call(r route, token string) (*http.Response, string) {
	target := cl.h.target(r)
	if r.method == "GET" {
		return cl.get(target)
	}
	if r.api {
		saved := cl.csrf
		cl.csrf = token
		defer func() { cl.csrf = saved }()
		return cl.postJSON(target, map[string]string{"justification": "route test"})
	}
	return cl.postForm(target, url.Values{"csrf": {token}, "justification": {"route test"}})
}

func TestCSRFOnEveryPost(t *testing.T) {
	t.Parallel()
	for _, r := range wantRoutes {
		if r.method != "POST" || r.role == "" {
			continue
		}
		for _, token := range []string{"", "wrong-token"} {
			t.Run(r.path+"/"+token, func(t *testing.T) {
				t.Parallel()
				h := newHarness(t, Config{})
				cl := h.client().apiLogin("admin1")
				before := len(h.log.all())
				resp, body := cl.call(r, token)
				if resp.StatusCode != http.StatusForbidden {
					t.Fatalf("%s with token %q: %d %s", r.path, token, resp.StatusCode, body)
				}
				if n := len(h.log.all()); n != before {
					t.Errorf("audit grew from %d to %d: something was done", before, n)
				}
				if e := h.q.entry(h.id); len(e.Notes) > 0 || len(e.Releases) > 0 || e.Status != "held" || e.Hold {
					t.Errorf("entry changed: %+v", e)
				}
				if _, err := h.dir.Get(t.Context(), "viewer1"); err != nil {
					t.Error(err)
				}
			})
		}
	}
	// The login form has its own double-submit token.
	h := newHarness(t, Config{})
	cl := h.client()
	cl.get("/console/login")
	resp, _ := cl.postForm("/console/login", url.Values{"csrf": nil, "user": {"admin1"}, "password": {password}})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("login form without token: %d", resp.StatusCode)
	}
}

func TestRoleMatrix(t *testing.T) {
	t.Parallel()
	for _, r := range wantRoutes {
		if r.role == "" {
			continue
		}
		for _, role := range []users.Role{"", users.Viewer, users.Officer, users.Admin} {
			t.Run(r.method+r.path+"/"+string(role), func(t *testing.T) {
				t.Parallel()
				h := newHarness(t, Config{})
				cl := h.client()
				if role != "" {
					cl.apiLogin(map[users.Role]string{users.Viewer: "viewer1", users.Officer: "officer1", users.Admin: "admin1"}[role])
				}
				resp, body := cl.call(r, cl.csrf)
				switch {
				case role == "" && r.api:
					if resp.StatusCode != http.StatusUnauthorized {
						t.Errorf("anonymous: %d", resp.StatusCode)
					}
				case role == "" && r.method == "GET":
					if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/console/login") {
						t.Errorf("anonymous page: %d", resp.StatusCode)
					}
				case role == "":
					if resp.StatusCode != http.StatusUnauthorized {
						t.Errorf("anonymous post: %d", resp.StatusCode)
					}
				case role.Allows(r.role):
					if resp.StatusCode == http.StatusForbidden || resp.StatusCode == http.StatusUnauthorized || resp.StatusCode >= 500 {
						t.Errorf("%s allowed, got %d %s", role, resp.StatusCode, body)
					}
				default:
					if resp.StatusCode != http.StatusForbidden {
						t.Errorf("%s not allowed, got %d", role, resp.StatusCode)
					}
				}
			})
		}
	}
}

func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})
	cl := h.client()
	for _, target := range []string{"/console/login", "/api/me", "/console/static/console.css", "/api/nothing"} {
		resp, _ := cl.get(target)
		hd := resp.Header
		if csp := hd.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("%s: CSP %q", target, csp)
		}
		if hd.Get("X-Frame-Options") != "DENY" || hd.Get("X-Content-Type-Options") != "nosniff" || hd.Get("Referrer-Policy") != "no-referrer" {
			t.Errorf("%s: headers %v", target, hd)
		}
	}
	resp, body := cl.get("/console/static/console.js")
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Type"), "javascript") || !strings.Contains(body, "select-all") {
		t.Errorf("console.js: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if resp, _ := cl.get("/api/nothing"); resp.StatusCode != 404 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Errorf("unknown API path: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	// No inline script or style anywhere.
	_, body = cl.login("admin1").get("/console/q/" + h.id)
	for _, page := range []string{body} {
		if strings.Contains(page, "<script>") || strings.Contains(page, " onclick=") || strings.Contains(page, "style=") {
			t.Error("inline script or style on a page")
		}
	}
}
