package console

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/dlprelay/dlprelay/relay/audit"
	"github.com/dlprelay/dlprelay/relay/users"
)

// Cookie names. The session cookie is HttpOnly, SameSite=Strict, Path=/;
// the login cookie carries the login form's CSRF token (double submit),
// since there is no session to hold it yet.
const (
	sessionCookie = "dlprelay_session"
	loginCookie   = "dlprelay_login"
	langCookie    = "lang"
)

// csrfHeader carries the session's CSRF token on API calls (and may on
// form posts); forms send it as the field csrfField.
const (
	csrfHeader = "X-CSRF-Token"
	csrfField  = "csrf"
)

// maxSessions bounds the sessions held in memory; past it the oldest is
// dropped.
const maxSessions = 10000

// session is one logged-in user. The map holds it under the SHA-256 of its
// id, so the id itself is only in the user's cookie.
type session struct {
	id      string
	user    string
	csrf    string
	created time.Time
	seen    time.Time
	sso     bool
}

// newToken returns 32 random bytes, base64url.
func newToken() string {
	var b [32]byte
	rand.Read(b[:]) // never fails (crypto/rand documents it)
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func sessionKey(id string) string {
	h := sha256.Sum256([]byte(id))
	return hex.EncodeToString(h[:])
}

func (c *Console) expired(s *session, now time.Time) bool {
	return now.Sub(s.seen) > c.cfg.SessionIdle || now.Sub(s.created) > c.cfg.SessionMax
}

// lookup returns a copy of the live session with cookie value id, marking
// it used now, or nil. An expired session is removed.
func (c *Console) lookup(id string, now time.Time) *session {
	if id == "" {
		return nil
	}
	k := sessionKey(id)
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.sessions[k]
	if !ok {
		return nil
	}
	if c.expired(s, now) {
		delete(c.sessions, k)
		return nil
	}
	s.seen = now
	cp := *s
	return &cp
}

// startSession creates a session for user with a fresh id and CSRF token
// and sets its cookie. Whatever session the request came with is ended
// first, so an id planted before login is never promoted (fixation).
func (c *Console) startSession(cl *call, user string, sso bool) *session {
	now := c.cfg.Now()
	s := &session{id: newToken(), user: user, csrf: newToken(), created: now, seen: now, sso: sso}
	c.mu.Lock()
	if ck, err := cl.r.Cookie(sessionCookie); err == nil {
		delete(c.sessions, sessionKey(ck.Value))
	}
	var oldest string
	for k, o := range c.sessions {
		if c.expired(o, now) {
			delete(c.sessions, k)
		} else if oldest == "" || o.created.Before(c.sessions[oldest].created) {
			oldest = k
		}
	}
	if len(c.sessions) >= maxSessions {
		delete(c.sessions, oldest)
	}
	c.sessions[sessionKey(s.id)] = s
	c.mu.Unlock()
	http.SetCookie(cl.w, c.cookie(cl.r, sessionCookie, s.id, "/", 0))
	cp := *s
	return &cp
}

// endSession forgets the request's session and clears its cookie.
func (c *Console) endSession(cl *call) {
	if ck, err := cl.r.Cookie(sessionCookie); err == nil {
		c.mu.Lock()
		delete(c.sessions, sessionKey(ck.Value))
		c.mu.Unlock()
	}
	http.SetCookie(cl.w, c.cookie(cl.r, sessionCookie, "", "/", -1))
}

// cookie builds an HttpOnly, SameSite=Strict cookie, Secure when
// configured or over TLS. maxAge < 0 deletes it; 0 makes it last the
// browser session.
func (c *Console) cookie(r *http.Request, name, value, path string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name:     name,
		Value:    value,
		Path:     path,
		MaxAge:   maxAge,
		HttpOnly: true,
		Secure:   c.cfg.SecureCookies || r.TLS != nil,
		SameSite: http.SameSiteStrictMode,
	}
}

// current finds the request's session and its user: the session cookie if
// it names a live session of an enabled user, else the SSO header if it is
// on and believed. It returns a nil session when there is none.
func (c *Console) current(cl *call) (*session, users.User, error) {
	ctx := cl.r.Context()
	var s *session
	if ck, err := cl.r.Cookie(sessionCookie); err == nil {
		s = c.lookup(ck.Value, c.cfg.Now())
	}
	if name, ok := c.ssoUser(cl.r); ok && (s == nil || !strings.EqualFold(s.user, name)) {
		return c.ssoLogin(cl, name)
	}
	if s == nil {
		return nil, users.User{}, nil
	}
	u, err := c.dir.Get(ctx, s.user)
	if errors.Is(err, users.ErrNotFound) || err == nil && u.Disabled {
		c.endSession(cl)
		return nil, users.User{}, nil
	}
	if err != nil {
		return nil, users.User{}, err
	}
	return s, u, nil
}

// ssoUser returns the user named by the proxy header, if SSO is on, the
// header is set and the request comes from a trusted proxy.
func (c *Console) ssoUser(r *http.Request) (string, bool) {
	if c.cfg.ProxyUserHeader == "" {
		return "", false
	}
	name := strings.TrimSpace(r.Header.Get(c.cfg.ProxyUserHeader))
	if name == "" {
		return "", false
	}
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return "", false
	}
	addr := ap.Addr().Unmap()
	for _, p := range c.cfg.TrustedProxies {
		if p.Contains(addr) {
			return name, true
		}
	}
	return "", false
}

// ssoLogin logs in the user a trusted proxy names.
func (c *Console) ssoLogin(cl *call, name string) (*session, users.User, error) {
	u, err := c.dir.Get(cl.r.Context(), name)
	if err != nil && !errors.Is(err, users.ErrNotFound) && !errors.Is(err, users.ErrInvalid) {
		return nil, users.User{}, err
	}
	if err != nil || u.Disabled {
		reason := "unknown_user"
		if err == nil {
			reason = "disabled"
		}
		c.auditQuiet(cl, audit.Event{Actor: clip(name), Action: audit.ActionLoginFailed, Target: clip(name),
			Detail: map[string]string{"sso": "1", "reason": reason}})
		return nil, users.User{}, nil
	}
	s := c.startSession(cl, u.Name, true)
	if err := c.audit(cl, audit.Event{Actor: u.Name, Action: audit.ActionLogin, Target: u.Name, Detail: map[string]string{"sso": "1"}}); err != nil {
		c.endSession(cl)
		return nil, users.User{}, err
	}
	return s, u, nil
}

// login checks a password and starts a session. The error is
// users.ErrBadLogin for every kind of failure but a locked account
// (users.ErrLocked), so the page cannot tell which user names exist.
func (c *Console) login(cl *call, name, password string) (*session, users.User, error) {
	name = strings.TrimSpace(name)
	fail := func(reason string, err error) (*session, users.User, error) {
		c.auditQuiet(cl, audit.Event{Actor: clip(name), Action: audit.ActionLoginFailed, Target: clip(name),
			Detail: map[string]string{"reason": reason}})
		return nil, users.User{}, err
	}
	if name == "" || password == "" {
		return fail("empty", users.ErrBadLogin)
	}
	u, err := c.dir.Authenticate(cl.r.Context(), name, password)
	switch {
	case errors.Is(err, users.ErrLocked):
		return fail("locked", users.ErrLocked)
	case errors.Is(err, users.ErrBadLogin), errors.Is(err, users.ErrNotFound):
		return fail("bad_login", users.ErrBadLogin)
	case err != nil:
		return nil, users.User{}, err
	case u.Disabled:
		return fail("disabled", users.ErrBadLogin)
	}
	s := c.startSession(cl, u.Name, false)
	if err := c.audit(cl, audit.Event{Actor: u.Name, Action: audit.ActionLogin, Target: u.Name}); err != nil {
		c.endSession(cl)
		return nil, users.User{}, err
	}
	return s, u, nil
}

// logout audits the logout and ends the session.
func (c *Console) logout(cl *call) error {
	err := c.audit(cl, audit.Event{Action: audit.ActionLogout, Target: cl.user.Name})
	c.endSession(cl)
	return err
}

// checkCSRF reports whether a state-changing request carries the
// session's token: the X-CSRF-Token header, or for forms the csrf field.
func (c *Console) checkCSRF(cl *call) bool {
	got := cl.r.Header.Get(csrfHeader)
	if got == "" && !cl.api {
		got = cl.r.PostFormValue(csrfField)
	}
	return tokenEqual(got, cl.sess.csrf)
}

func tokenEqual(got, want string) bool {
	return got != "" && want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// clip makes a user-typed name fit the audit log's actor and target: one
// line, valid UTF-8, at most 128 bytes, never empty.
func clip(s string) string {
	const max = 128
	s = strings.ToValidUTF8(oneLine(s), "?")
	if len(s) > max {
		s = strings.ToValidUTF8(s[:max], "")
	}
	if s == "" {
		return "-"
	}
	return s
}
