package console

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestEveryCookieFlagged sets each cookie the console has (login form
// CSRF, language, session, and the session's deletion at logout) and
// checks its flags: HttpOnly always; Secure when configured or when the
// request came over TLS; SameSite=Strict, except the language cookie
// (Lax: it only picks a catalog, and must survive a link from mail).
func TestEveryCookieFlagged(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		secure     bool
		scheme     string
		wantSecure bool
	}{
		{"plain http", false, "http", false},
		{"secure_cookies", true, "http", true},
		{"over TLS", false, "https", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, Config{SecureCookies: tc.secure})
			seen := map[string]*http.Cookie{}
			var session, csrf string
			do := func(method, path, body string) {
				req := httptest.NewRequest(method, tc.scheme+"://console.test"+path, strings.NewReader(body))
				req.RemoteAddr = "192.0.2.10:50000"
				if body != "" {
					req.Header.Set("Content-Type", "application/json")
				}
				if session != "" {
					req.AddCookie(&http.Cookie{Name: sessionCookie, Value: session})
					req.Header.Set(csrfHeader, csrf)
				}
				rec := httptest.NewRecorder()
				h.h.ServeHTTP(rec, req)
				var ans struct {
					CSRFToken string `json:"csrf_token"`
				}
				if json.Unmarshal(rec.Body.Bytes(), &ans) == nil && ans.CSRFToken != "" {
					csrf = ans.CSRFToken
				}
				for _, ck := range rec.Result().Cookies() {
					if ck.Name == sessionCookie && ck.MaxAge >= 0 {
						session = ck.Value
					}
					key := ck.Name
					if ck.MaxAge < 0 {
						key += " (deleted)"
					}
					seen[key] = ck
				}
			}
			do("GET", "/console/login?lang=en", "")
			do("POST", "/api/login", `{"user":"viewer1","password":"`+password+`"}`)
			do("POST", "/api/logout", "")
			for _, name := range []string{loginCookie, langCookie, sessionCookie, sessionCookie + " (deleted)"} {
				if seen[name] == nil {
					t.Errorf("cookie %s was not set (got %v)", name, keys(seen))
				}
			}
			for name, ck := range seen {
				wantSame := http.SameSiteStrictMode
				if ck.Name == langCookie {
					wantSame = http.SameSiteLaxMode
				}
				if !ck.HttpOnly || ck.Secure != tc.wantSecure || ck.SameSite != wantSame {
					t.Errorf("%s: HttpOnly %v Secure %v SameSite %v; want true %v %v", name, ck.HttpOnly, ck.Secure, ck.SameSite, tc.wantSecure, wantSame)
				}
			}
		})
	}
}

func keys(m map[string]*http.Cookie) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
