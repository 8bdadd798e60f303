package console

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/dlprelay/dlprelay/relay/audit"
	"github.com/dlprelay/dlprelay/relay/quarantine"
	"github.com/dlprelay/dlprelay/relay/users"
)

// maxBody bounds a request body (form or JSON).
const maxBody = 1 << 20

// call is one request on its way through a route: who is asking, in which
// language, and whether the answer is JSON.
type call struct {
	w    http.ResponseWriter
	r    *http.Request
	api  bool
	L    *catalog
	sess *session   // nil on a public route without a session
	user users.User // the session's user, read from the directory now
}

func (cl *call) ctx() context.Context { return cl.r.Context() }

// wrap runs the checks every route shares: session, CSRF on POST, role.
func (c *Console) wrap(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		}
		cl := &call{w: w, r: r, api: rt.api, L: c.language(w, r)}
		if err := c.authorize(cl, rt); err != nil {
			c.fail(cl, err)
			return
		}
		if err := rt.h(cl); err != nil {
			c.fail(cl, err)
		}
	})
}

func (c *Console) authorize(cl *call, rt route) error {
	s, u, err := c.current(cl)
	if err != nil {
		return err
	}
	cl.sess, cl.user = s, u
	if rt.role == "" {
		return nil
	}
	if s == nil {
		return errUnauthenticated
	}
	if rt.method != http.MethodGet && !c.checkCSRF(cl) {
		return errCSRF
	}
	if !u.Role.Allows(rt.role) {
		return errForbidden
	}
	return nil
}

// httpError is a refusal with its status and the catalog key ("err." +
// code) of the message shown.
type httpError struct {
	status int
	code   string
}

func (e *httpError) Error() string { return "console: " + e.code }

var (
	errUnauthenticated = &httpError{http.StatusUnauthorized, "unauthenticated"}
	errCSRF            = &httpError{http.StatusForbidden, "csrf"}
	errForbidden       = &httpError{http.StatusForbidden, "forbidden"}
	errNotFound        = &httpError{http.StatusNotFound, "not_found"}
)

// badRequest is a 400 whose message is catalog key "err."+code.
func badRequest(code string) error { return &httpError{http.StatusBadRequest, code} }

// classify is the one place that turns errors into statuses and messages.
func classify(err error) (status int, code string) {
	var he *httpError
	switch {
	case errors.As(err, &he):
		return he.status, he.code
	case errors.Is(err, quarantine.ErrNotFound), errors.Is(err, quarantine.ErrInvalidID),
		errors.Is(err, users.ErrNotFound):
		return http.StatusNotFound, "not_found"
	case errors.Is(err, quarantine.ErrSelfApproval):
		return http.StatusConflict, "self_approval"
	case errors.Is(err, quarantine.ErrOnHold):
		return http.StatusConflict, "on_hold"
	case errors.Is(err, quarantine.ErrConflict):
		return http.StatusConflict, "conflict"
	case errors.Is(err, users.ErrExists):
		return http.StatusConflict, "user_exists"
	case errors.Is(err, users.ErrLocked):
		return http.StatusLocked, "locked"
	case errors.Is(err, users.ErrBadLogin):
		return http.StatusUnauthorized, "bad_login"
	case errors.Is(err, quarantine.ErrInvalid), errors.Is(err, users.ErrInvalid), errors.Is(err, audit.ErrInvalid):
		return http.StatusBadRequest, "bad_input"
	}
	return http.StatusInternalServerError, "internal"
}

// apiError is the body of every API error.
type apiError struct {
	Error string `json:"error"`
	Code  string `json:"code"`
}

// fail answers with err: JSON for the API, a page (or the login page) for
// the console. Internal errors are logged and shown without detail.
func (c *Console) fail(cl *call, err error) {
	status, code := classify(err)
	if status == http.StatusInternalServerError {
		c.logger.Error("console: request failed", "method", cl.r.Method, "path", cl.r.URL.Path, "err", err)
	}
	if cl.api {
		writeJSON(cl.w, status, apiError{Error: english.T("err." + code), Code: code})
		return
	}
	if status == http.StatusUnauthorized && cl.r.Method == http.MethodGet {
		http.Redirect(cl.w, cl.r, "/console/login?next="+url.QueryEscape(cl.r.URL.RequestURI()), http.StatusSeeOther)
		return
	}
	c.render(cl, status, "error", &errorView{Message: cl.L.T("err." + code), Back: backLink(cl.r)})
}

type errorView struct {
	Message string
	Back    string
}

// backLink is where the error page's link goes: the entry the request was
// about, else the list.
func backLink(r *http.Request) string {
	if id := r.PathValue("id"); id != "" {
		return "/console/q/" + url.PathEscape(id)
	}
	if strings.HasPrefix(r.URL.Path, "/console/users") {
		return "/console/users"
	}
	return "/console/"
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	enc.Encode(v)
}

// readJSON decodes an API request body into v. An empty body leaves v as
// it is; anything but a JSON object of known fields is a 400.
func readJSON(cl *call, v any) error {
	if ct := cl.r.Header.Get("Content-Type"); ct != "" {
		if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
			return &httpError{http.StatusUnsupportedMediaType, "content_type"}
		}
	}
	dec := json.NewDecoder(cl.r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil && err != io.EOF {
		return badRequest("bad_json")
	}
	return nil
}

// remote is the client address recorded in the audit log.
func remote(r *http.Request) string {
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}

// audit appends e with the caller's name (unless e names an actor) and
// address. A console action whose audit fails is not done (or not shown):
// callers return the error.
func (c *Console) audit(cl *call, e audit.Event) error {
	if e.Actor == "" {
		e.Actor = cl.user.Name
	}
	e.Remote = remote(cl.r)
	if _, err := c.log.Append(cl.ctx(), e); err != nil {
		return fmt.Errorf("console: audit %s: %w", e.Action, err)
	}
	return nil
}

// auditQuiet appends e and only logs a failure (failed logins, whose
// answer does not depend on it).
func (c *Console) auditQuiet(cl *call, e audit.Event) {
	if err := c.audit(cl, e); err != nil {
		c.logger.Error("console: audit failed", "action", e.Action, "err", err)
	}
}
