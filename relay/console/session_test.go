package console

import (
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/dlprelay/dlprelay/detect/extract"
	"github.com/dlprelay/dlprelay/relay/audit"
)

func TestLoginLogout(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})
	cl := h.client()
	resp, _ := cl.get("/console/")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/console/login?next=") {
		t.Fatalf("anonymous list: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	cl.login("officer1")
	if r, ok := h.log.last(audit.ActionLogin); !ok || r.Actor != "officer1" || r.Remote != "192.0.2.10" {
		t.Errorf("login audit %+v", r)
	}
	ck := h.sessionCookieOf(t, cl)
	if !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || ck.Path != "/" || ck.Secure {
		t.Errorf("session cookie %+v", ck)
	}
	if len(ck.Value) != 43 { // 32 bytes, base64url
		t.Errorf("session id %q", ck.Value)
	}
	resp, body := cl.get("/console/")
	if resp.StatusCode != 200 || !strings.Contains(body, "officer1") {
		t.Fatalf("list after login: %d", resp.StatusCode)
	}
	old := cl.jar[sessionCookie]
	resp, _ = cl.postForm("/console/logout", nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout: %d", resp.StatusCode)
	}
	if _, ok := h.log.last(audit.ActionLogout); !ok {
		t.Error("logout not audited")
	}
	// The old id is dead even if replayed.
	cl.jar[sessionCookie] = old
	if resp, _ := cl.get("/console/"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("replayed session after logout: %d", resp.StatusCode)
	}
}

// sessionCookieOf logs in again from a fresh client to read the cookie's
// attributes (the jar keeps only values).
func (h *harness) sessionCookieOf(t *testing.T, _ *client) *http.Cookie {
	t.Helper()
	resp, _ := h.client().postJSON("/api/login", map[string]string{"user": "viewer1", "password": password})
	for _, ck := range resp.Cookies() {
		if ck.Name == sessionCookie {
			return ck
		}
	}
	t.Fatal("no session cookie")
	return nil
}

func TestSecureCookies(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{SecureCookies: true})
	if ck := h.sessionCookieOf(t, nil); !ck.Secure {
		t.Error("SecureCookies: cookie not Secure")
	}
}

func TestLoginFailures(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})
	cl := h.client()
	try := func(user, pw string) (int, string) {
		_, body := cl.get("/console/login")
		tok := csrfInput.FindStringSubmatch(body)[1]
		resp, body := cl.postForm("/console/login", url.Values{"csrf": {tok}, "user": {user}, "password": {pw}})
		return resp.StatusCode, body
	}
	generic := japanese.T("err.bad_login")
	for _, c := range []struct{ user, pw string }{{"nobody", "whatever-password"}, {"officer1", "wrong password!"}, {"", ""}} {
		status, body := try(c.user, c.pw)
		if status != http.StatusUnauthorized || !strings.Contains(body, generic) {
			t.Errorf("%q: %d, generic message shown: %v", c.user, status, strings.Contains(body, generic))
		}
	}
	try("officer1", "wrong again 1")
	try("officer1", "wrong again 2") // third failure locks
	status, body := try("officer1", password)
	if status != http.StatusLocked || !strings.Contains(body, japanese.T("err.locked")) {
		t.Errorf("locked account: %d", status)
	}
	fails := 0
	for _, r := range h.log.all() {
		if r.Action == audit.ActionLoginFailed {
			fails++
			if strings.Contains(r.Justification+r.Detail["reason"], "wrong") {
				t.Errorf("password in audit: %+v", r)
			}
		}
	}
	if fails != 6 {
		t.Errorf("%d failed logins audited, want 6", fails)
	}
	if r, _ := h.log.last(audit.ActionLoginFailed); r.Detail["reason"] != "locked" {
		t.Errorf("last failure %+v", r)
	}

	// API: 401 and 423 as JSON.
	api := h.client()
	resp, body := api.postJSON("/api/login", map[string]string{"user": "admin1", "password": "nope nope nope"})
	if resp.StatusCode != 401 || decode[apiError](t, body).Code != "bad_login" {
		t.Errorf("api bad login: %d %s", resp.StatusCode, body)
	}
	resp, body = api.postJSON("/api/login", map[string]string{"user": "officer1", "password": password})
	if resp.StatusCode != http.StatusLocked {
		t.Errorf("api locked: %d %s", resp.StatusCode, body)
	}
	resp, _ = api.do("POST", "/api/login", strings.NewReader("user=admin1&password=x"), "application/x-www-form-urlencoded")
	if resp.StatusCode != http.StatusUnsupportedMediaType {
		t.Errorf("api login as a form: %d", resp.StatusCode)
	}
}

func TestLoginNeedsFormToken(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})
	cl := h.client()
	cl.get("/console/login")
	resp, _ := cl.postForm("/console/login", url.Values{"csrf": {"forged"}, "user": {"admin1"}, "password": {password}})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("login with a forged token: %d", resp.StatusCode)
	}
	if _, ok := cl.jar[sessionCookie]; ok {
		t.Error("session created")
	}
}

func TestSessionFixation(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})
	attacker := h.client().apiLogin("viewer1")
	planted := attacker.jar[sessionCookie]
	victim := h.client()
	_, body := victim.get("/console/login")
	tok := csrfInput.FindStringSubmatch(body)[1]
	victim.jar[sessionCookie] = planted
	resp, _ := victim.postForm("/console/login", url.Values{"csrf": {tok}, "user": {"admin1"}, "password": {password}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %d", resp.StatusCode)
	}
	if victim.jar[sessionCookie] == planted {
		t.Fatal("session id not renewed at login")
	}
	// The planted id was ended, not promoted.
	if resp, _ := attacker.get("/api/me"); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("planted session still alive: %d", resp.StatusCode)
	}
}

func TestSessionTimeouts(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{SessionIdle: 10 * time.Minute, SessionMax: time.Hour})
	cl := h.client().apiLogin("officer1")
	// Active every 9 minutes: alive until the hour is up.
	for min := 9; min <= 63; min += 9 {
		h.clk.Add(9 * time.Minute)
		resp, _ := cl.get("/api/me")
		want := http.StatusOK
		if min > 60 {
			want = http.StatusUnauthorized
		}
		if resp.StatusCode != want {
			t.Fatalf("after %d min: %d, want %d", min, resp.StatusCode, want)
		}
	}
	cl = h.client().apiLogin("officer1")
	h.clk.Add(11 * time.Minute)
	if resp, _ := cl.get("/api/me"); resp.StatusCode != 401 {
		t.Errorf("idle 11 min: %d", resp.StatusCode)
	}
}

func TestDisabledUserLosesSession(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})
	officer := h.client().apiLogin("officer1")
	admin := h.client().apiLogin("admin1")
	resp, body := admin.postJSON("/api/users/officer1/disable", map[string]string{"justification": "left the company"})
	if resp.StatusCode != 200 {
		t.Fatalf("disable: %d %s", resp.StatusCode, body)
	}
	if resp, _ := officer.get("/api/me"); resp.StatusCode != 401 {
		t.Errorf("disabled user's session: %d", resp.StatusCode)
	}
	if resp, _ := h.client().postJSON("/api/login", map[string]string{"user": "officer1", "password": password}); resp.StatusCode != 401 {
		t.Errorf("disabled user's login: %d", resp.StatusCode)
	}
}

func TestSSO(t *testing.T) {
	t.Parallel()
	cfg := Config{ProxyUserHeader: "X-Remote-User", TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}
	h := newHarness(t, cfg)

	trusted := h.client()
	trusted.remote = "10.1.2.3:40000"
	trusted.header.Set("X-Remote-User", "officer2")
	resp, body := trusted.get("/console/")
	if resp.StatusCode != 200 || !strings.Contains(body, "officer2") {
		t.Fatalf("trusted proxy: %d", resp.StatusCode)
	}
	r, ok := h.log.last(audit.ActionLogin)
	if !ok || r.Actor != "officer2" || r.Detail["sso"] != "1" {
		t.Errorf("sso login audit %+v", r)
	}
	// The session is reused: one login, not one per request.
	trusted.get("/api/me")
	logins := 0
	for _, r := range h.log.all() {
		if r.Action == audit.ActionLogin {
			logins++
		}
	}
	if logins != 1 {
		t.Errorf("%d logins audited", logins)
	}

	untrusted := h.client()
	untrusted.remote = "192.0.2.99:40000"
	untrusted.header.Set("X-Remote-User", "admin1")
	if resp, _ := untrusted.get("/api/me"); resp.StatusCode != 401 {
		t.Errorf("untrusted address with the header: %d", resp.StatusCode)
	}

	unknown := h.client()
	unknown.remote = "10.1.2.3:40001"
	unknown.header.Set("X-Remote-User", "mallory")
	if resp, _ := unknown.get("/api/me"); resp.StatusCode != 401 {
		t.Errorf("unknown sso user: %d", resp.StatusCode)
	}
	if r, _ := h.log.last(audit.ActionLoginFailed); r.Detail["sso"] != "1" {
		t.Errorf("failed sso audit %+v", r)
	}

	// Off by default: the header means nothing.
	off := newHarness(t, Config{})
	cl := off.client()
	cl.remote = "10.1.2.3:40000"
	cl.header.Set("X-Remote-User", "admin1")
	if resp, _ := cl.get("/api/me"); resp.StatusCode != 401 {
		t.Errorf("sso off: %d", resp.StatusCode)
	}

	if _, err := New(Config{ProxyUserHeader: "X-Remote-User"}, h.q, h.log, h.dir, NewRescanner(extract.Limits{})); err == nil {
		t.Error("ProxyUserHeader without TrustedProxies accepted")
	}
}
