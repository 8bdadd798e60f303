// Package console owns the compliance officer's web console (server-rendered
// HTML in Japanese and English) and the JSON API under /api/ that the console
// and the CLI use: sessions, CSRF, roles, masking of customer values, and the
// audit of every action.
//
// The console never shows a matched customer value unless an officer asks
// for it with a justification (a "reveal", which is audited with the record
// IDs, never the values). Every request is checked on the server: the
// session (idle and absolute timeouts), the CSRF token of every POST, and
// the user's role, read from the directory on each request so that a role
// change or a disabled account takes effect at once.
//
// Pages are html/template with templates, CSS and JS embedded (no CDN, no
// inline script) and served under a Content-Security-Policy of
// "default-src 'self'; frame-ancestors 'none'".
package console

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"github.com/dlprelay/dlprelay/relay/audit"
	"github.com/dlprelay/dlprelay/relay/quarantine"
	"github.com/dlprelay/dlprelay/relay/users"
)

// Config configures the console. The zero value is usable: sessions of 30
// minutes idle and 12 hours at most, no SSO. Whether a release needs a
// second officer is not the console's to say: the quarantine store applies
// the relay's recorded policy (quarantine.ReleasePolicy) to every front end.
type Config struct {
	// SecureCookies forces the Secure flag on cookies (it is also set
	// when the request came over TLS).
	SecureCookies bool
	// ProxyUserHeader turns on SSO behind an authenticating proxy: a
	// request from one of TrustedProxies carrying this header is logged in
	// as the user it names (who must exist and not be disabled), without
	// a password. "" (the default) turns it off.
	ProxyUserHeader string
	// TrustedProxies are the client addresses whose ProxyUserHeader is
	// believed. Required when ProxyUserHeader is set.
	TrustedProxies []netip.Prefix
	// SessionIdle ends a session after this long without a request;
	// default 30m.
	SessionIdle time.Duration
	// SessionMax ends a session this long after login whatever happens;
	// default 12h.
	SessionMax time.Duration
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Logger receives internal errors (never customer values); default
	// slog.Default().
	Logger *slog.Logger
}

// Rescanner walks a stored message again, as the detector walked it, so
// that the console can cut snippets around matches and mask values at the
// stored offsets. NewRescanner builds the one the relay uses, on
// detect/extract.
type Rescanner interface {
	// Rescan walks msg once and returns its MIME entities in walk order
	// and the decoded text of the segments ("1.2", or "1.2.header" for
	// its header text) that keep asks for, as the detector saw it: match
	// offsets index into it. keep(segment, kept) is how many bytes of
	// segment to keep (0: none), kept the bytes kept so far; a segment
	// handed out twice (the preamble and the epilogue of a multipart
	// entity) is taken the first time. A segment the message does not
	// have is not in texts.
	Rescan(ctx context.Context, msg io.Reader, keep func(segment string, kept int64) int64) (parts []PartInfo, texts map[string]string, err error)
}

// PartInfo describes one MIME entity of a stored message. Bytes is the
// decoded text read from it (0 for an image or other binary whose text is
// not extracted). FilenameWithheld: a masked view leaves the file name out
// (Filename empty), since it may hold a customer value that the findings
// cannot place.
type PartInfo struct {
	Path             string `json:"path"`
	ContentType      string `json:"content_type"`
	Filename         string `json:"filename,omitempty"`
	FilenameWithheld bool   `json:"filename_withheld,omitempty"`
	Bytes            int64  `json:"bytes"`
}

// Console serves the console and the API. Create it with New.
type Console struct {
	cfg    Config
	q      quarantine.Store
	log    audit.Log
	dir    users.Directory
	rescan Rescanner
	logger *slog.Logger
	pages  map[string]*template.Template

	mu       sync.Mutex
	sessions map[string]*session // by sessionKey(id)
}

// New returns a console over the quarantine q, the audit log, the user
// directory and a Rescanner. It fails if a dependency is missing or the
// configuration is inconsistent.
func New(cfg Config, q quarantine.Store, log audit.Log, dir users.Directory, rescan Rescanner) (*Console, error) {
	if q == nil || log == nil || dir == nil || rescan == nil {
		return nil, errors.New("console: quarantine store, audit log, user directory and rescanner are all required")
	}
	if cfg.SessionIdle <= 0 {
		cfg.SessionIdle = 30 * time.Minute
	}
	if cfg.SessionMax <= 0 {
		cfg.SessionMax = 12 * time.Hour
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.ProxyUserHeader != "" && len(cfg.TrustedProxies) == 0 {
		return nil, errors.New("console: ProxyUserHeader is set but TrustedProxies is empty")
	}
	pages, err := parsePages()
	if err != nil {
		return nil, fmt.Errorf("console: templates: %w", err)
	}
	return &Console{
		cfg:      cfg,
		q:        q,
		log:      log,
		dir:      dir,
		rescan:   rescan,
		logger:   cfg.Logger,
		pages:    pages,
		sessions: map[string]*session{},
	}, nil
}

// Handler serves /console/... (HTML) and /api/... (JSON). The relay mounts
// it on its admin listener.
func (c *Console) Handler() http.Handler {
	mux := http.NewServeMux()
	for _, rt := range c.routes() {
		mux.Handle(rt.method+" "+rt.path, c.wrap(rt))
	}
	mux.Handle("GET /console/static/", http.StripPrefix("/console/static/", http.FileServerFS(staticFS())))
	mux.HandleFunc("GET /console", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/console/", http.StatusSeeOther)
	})
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, apiError{Error: "not found", Code: "not_found"})
	})
	return securityHeaders(mux)
}

// route is one endpoint: who may call it and what serves it. A route with
// role "" is public (the login pages); every other route needs a session
// whose user has at least role, and a CSRF token unless it is a GET.
type route struct {
	method, path string
	role         users.Role
	api          bool
	h            func(*call) error
}

// actions are the POST endpoints on one entry, both under /console/q/{id}/
// and /api/quarantine/{id}/. reveal and download disclose; the others
// change the entry. All need an officer.
var actions = []string{"reveal", "download", "release", "approve", "delete", "note", "hold", "extend", "resolve"}

// userOps are the admin's POST endpoints on one user.
var userOps = []string{"role", "disable", "enable", "unlock", "password"}

func (c *Console) routes() []route {
	rs := []route{
		{"GET", "/console/login", "", false, c.loginPage},
		{"POST", "/console/login", "", false, c.loginForm},
		{"POST", "/console/logout", users.Viewer, false, c.logoutForm},
		{"GET", "/console/{$}", users.Viewer, false, c.listPage},
		{"POST", "/console/bulk", users.Officer, false, c.bulkForm},
		{"GET", "/console/q/{id}", users.Viewer, false, c.detailPage},
		{"GET", "/console/users", users.Admin, false, c.usersPage},
		{"POST", "/console/users", users.Admin, false, c.userAddForm},
		{"GET", "/console/audit", users.Officer, false, c.auditPage},
		{"GET", "/console/audit/export", users.Officer, false, c.auditExport},

		{"POST", "/api/login", "", true, c.apiLogin},
		{"POST", "/api/logout", users.Viewer, true, c.apiLogout},
		{"GET", "/api/me", users.Viewer, true, c.apiMe},
		{"GET", "/api/quarantine", users.Viewer, true, c.apiList},
		{"POST", "/api/quarantine/bulk", users.Officer, true, c.apiBulk},
		{"GET", "/api/quarantine/{id}", users.Viewer, true, c.apiDetail},
		{"GET", "/api/audit", users.Officer, true, c.apiAudit},
		{"GET", "/api/audit/export", users.Officer, true, c.auditExport},
		{"GET", "/api/users", users.Admin, true, c.apiUsers},
		{"POST", "/api/users", users.Admin, true, c.apiUserAdd},
	}
	for _, a := range actions {
		rs = append(rs,
			route{"POST", "/console/q/{id}/" + a, users.Officer, false, c.actionForm(a)},
			route{"POST", "/api/quarantine/{id}/" + a, users.Officer, true, c.apiAction(a)})
	}
	for _, op := range userOps {
		rs = append(rs,
			route{"POST", "/console/users/{name}/" + op, users.Admin, false, c.userOpForm(op)},
			route{"POST", "/api/users/{name}/" + op, users.Admin, true, c.apiUserOp(op)})
	}
	return rs
}

// securityHeaders sets the headers every response carries.
func securityHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("Cache-Control", "no-store")
		h.ServeHTTP(w, r)
	})
}
