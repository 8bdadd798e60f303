package console

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/dlprelay/dlprelay/relay/audit"
	"github.com/dlprelay/dlprelay/relay/users"
)

// Password lengths the directory takes: at least 12 characters, at most
// 72 bytes (bcrypt's limit).
const (
	minPassword = 12
	maxPassword = 72
)

var roles = []users.Role{users.Viewer, users.Officer, users.Admin}

// userInput is what the user administration takes, from a form or JSON.
type userInput struct {
	Name          string `json:"name,omitempty"`     // add
	Password      string `json:"password,omitempty"` // add, password
	Role          string `json:"role,omitempty"`     // add, role
	Justification string `json:"justification"`
}

// errSelf refuses an admin's change that would lock themselves out.
var errSelf = &httpError{http.StatusConflict, "self_change"}

// validName: 1 to 64 ASCII letters, digits and ".-_@".
func validName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if !(ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || strings.IndexByte(".-_@", ch) >= 0) {
			return false
		}
	}
	return true
}

// userChange runs one change on user name (op "add" takes the name from
// in) and audits it as user_change with the operation and role, never the
// password. A password reset or a disable ends the user's sessions.
func (c *Console) userChange(cl *call, op, name string, in userInput) (any, error) {
	just, err := justification(in.Justification)
	if err != nil {
		return nil, err
	}
	ctx := cl.ctx()
	role := users.Role(in.Role)
	detail := map[string]string{"op": op}
	checkPassword := func() error {
		if utf8.RuneCountInString(in.Password) < minPassword || len(in.Password) > maxPassword {
			return badRequest("password")
		}
		return nil
	}
	var res any = map[string]bool{"ok": true}
	switch op {
	case "add":
		name = strings.TrimSpace(in.Name)
		if !validName(name) {
			return nil, badRequest("user_name")
		}
		if !slices.Contains(roles, role) {
			return nil, badRequest("role")
		}
		if err := checkPassword(); err != nil {
			return nil, err
		}
		detail["role"] = string(role)
		var u users.User
		if u, err = c.dir.Add(ctx, name, in.Password, role); err == nil {
			res = map[string]any{"user": u}
		}
	case "role":
		if !slices.Contains(roles, role) {
			return nil, badRequest("role")
		}
		if strings.EqualFold(name, cl.user.Name) && role != users.Admin {
			return nil, errSelf
		}
		detail["role"] = string(role)
		err = c.dir.SetRole(ctx, name, role)
	case "disable", "enable":
		if strings.EqualFold(name, cl.user.Name) {
			return nil, errSelf
		}
		err = c.dir.SetDisabled(ctx, name, op == "disable")
	case "unlock":
		err = c.dir.Unlock(ctx, name)
	case "password":
		if err := checkPassword(); err != nil {
			return nil, err
		}
		err = c.dir.SetPassword(ctx, name, in.Password)
	default:
		return nil, errNotFound
	}
	if err != nil {
		return nil, err
	}
	if op == "disable" || op == "password" && !strings.EqualFold(name, cl.user.Name) {
		c.endUserSessions(name)
	}
	if err := c.audit(cl, audit.Event{Action: audit.ActionUserChange, Target: name, Justification: just, Detail: detail}); err != nil {
		return nil, err
	}
	return res, nil
}

// endUserSessions logs user out everywhere.
func (c *Console) endUserSessions(user string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, s := range c.sessions {
		if strings.EqualFold(s.user, user) {
			delete(c.sessions, k)
		}
	}
}

type usersView struct {
	Users []users.User
	Roles []users.Role
	Done  string
	now   time.Time
}

// Locked reports whether u is locked out now.
func (v *usersView) Locked(u users.User) bool { return u.LockedUntil.After(v.now) }

func (c *Console) usersPage(cl *call) error {
	us, err := c.dir.List(cl.ctx())
	if err != nil {
		return err
	}
	done := cl.r.URL.Query().Get("done")
	if done != "add" && !slices.Contains(userOps, done) {
		done = ""
	}
	c.render(cl, http.StatusOK, "users", &usersView{Users: us, Roles: roles, Done: done, now: c.cfg.Now()})
	return nil
}

func (c *Console) userAddForm(cl *call) error {
	form, err := postForm(cl)
	if err != nil {
		return err
	}
	in := userInput{Name: form.Get("name"), Password: form.Get("password"), Role: form.Get("role"), Justification: form.Get("justification")}
	if _, err := c.userChange(cl, "add", "", in); err != nil {
		return err
	}
	http.Redirect(cl.w, cl.r, "/console/users?done=add", http.StatusSeeOther)
	return nil
}

func (c *Console) userOpForm(op string) func(*call) error {
	return func(cl *call) error {
		form, err := postForm(cl)
		if err != nil {
			return err
		}
		in := userInput{Password: form.Get("password"), Role: form.Get("role"), Justification: form.Get("justification")}
		if _, err := c.userChange(cl, op, cl.r.PathValue("name"), in); err != nil {
			return err
		}
		http.Redirect(cl.w, cl.r, "/console/users?done="+op, http.StatusSeeOther)
		return nil
	}
}

var auditActions = []audit.Action{
	audit.ActionLogin, audit.ActionLoginFailed, audit.ActionLogout, audit.ActionView,
	audit.ActionReveal, audit.ActionDownload, audit.ActionReleaseRequest, audit.ActionReleaseApprove,
	audit.ActionReleaseOutcome, audit.ActionDelete, audit.ActionNote, audit.ActionHold,
	audit.ActionExtend, audit.ActionUserChange, audit.ActionConfigReload, audit.ActionExport,
	audit.ActionCustomersAccept,
}

// parseAuditQuery reads actor, action, target, from, to, offset and limit.
func parseAuditQuery(v url.Values) (audit.Query, error) {
	q := audit.Query{
		Actor:  strings.TrimSpace(v.Get("actor")),
		Action: audit.Action(strings.TrimSpace(v.Get("action"))),
		Target: strings.TrimSpace(v.Get("target")),
		Limit:  100,
	}
	if q.Action != "" && !slices.Contains(auditActions, q.Action) {
		return q, badRequest("bad_filter")
	}
	for _, s := range []string{q.Actor, q.Target} {
		if len(s) > 256 || oneLine(s) != s || !utf8.ValidString(s) {
			return q, badRequest("bad_filter") // nothing in the log looks like that
		}
	}
	var err error
	if q.From, err = parseDay(v.Get("from"), false); err != nil {
		return q, err
	}
	if q.To, err = parseDay(v.Get("to"), true); err != nil {
		return q, err
	}
	if s := v.Get("offset"); s != "" {
		if q.Offset, err = strconv.Atoi(s); err != nil || q.Offset < 0 {
			return q, badRequest("bad_filter")
		}
	}
	if s := v.Get("limit"); s != "" {
		if q.Limit, err = strconv.Atoi(s); err != nil || q.Limit <= 0 || q.Limit > 1000 {
			return q, badRequest("bad_filter")
		}
	}
	return q, nil
}

type auditView struct {
	Records []audit.Record
	Total   int
	Q       audit.Query
	Values  url.Values
	Actions []audit.Action
}

func (v *auditView) pageURL(offset int) string {
	if offset < 0 || offset >= v.Total || offset == v.Q.Offset {
		return ""
	}
	q := cloneValues(v.Values)
	q.Set("offset", strconv.Itoa(offset))
	return "/console/audit?" + q.Encode()
}

func (v *auditView) Prev() string { return v.pageURL(max(v.Q.Offset-v.Q.Limit, 0)) }
func (v *auditView) Next() string { return v.pageURL(v.Q.Offset + v.Q.Limit) }

// ExportURL is the export of the current filter in format.
func (v *auditView) ExportURL(format string) string {
	q := cloneValues(v.Values)
	q.Del("offset")
	q.Del("limit")
	q.Set("format", format)
	return "/console/audit/export?" + q.Encode()
}

func (c *Console) auditPage(cl *call) error {
	vals := cl.r.URL.Query()
	q, err := parseAuditQuery(vals)
	if err != nil {
		return err
	}
	recs, total, err := c.log.List(cl.ctx(), q)
	if err != nil {
		return err
	}
	c.render(cl, http.StatusOK, "audit", &auditView{Records: recs, Total: total, Q: q, Values: vals, Actions: auditActions})
	return nil
}

// auditExport serves /console/audit/export and /api/audit/export: the
// matching records as CSV or JSON, audited as an export first.
func (c *Console) auditExport(cl *call) error {
	vals := cl.r.URL.Query()
	format := vals.Get("format")
	if format != "csv" && format != "json" {
		return badRequest("format")
	}
	q, err := parseAuditQuery(vals)
	if err != nil {
		return err
	}
	q.Offset, q.Limit = 0, 0
	detail := map[string]string{"format": format}
	for k, v := range map[string]string{"actor": q.Actor, "action": string(q.Action), "target": q.Target, "from": vals.Get("from"), "to": vals.Get("to")} {
		if v != "" {
			detail[k] = v
		}
	}
	if err := c.audit(cl, audit.Event{Action: audit.ActionExport, Target: "audit", Detail: detail}); err != nil {
		return err
	}
	ct := "text/csv; charset=utf-8"
	if format == "json" {
		ct = "application/json; charset=utf-8"
	}
	cl.w.Header().Set("Content-Type", ct)
	cl.w.Header().Set("Content-Disposition", `attachment; filename="audit-`+c.cfg.Now().Format("20060102-150405")+"."+format+`"`)
	ew := &errWriter{w: cl.w}
	if err := c.log.Export(cl.ctx(), q, format, ew); err != nil {
		if !ew.wrote {
			cl.w.Header().Del("Content-Disposition")
			return err
		}
		c.logger.Error("console: audit export interrupted", "err", err)
	}
	return nil
}

// errWriter notes whether anything was written, so that an export that
// fails at once can still answer with an error.
type errWriter struct {
	w     http.ResponseWriter
	wrote bool
}

func (e *errWriter) Write(p []byte) (int, error) {
	e.wrote = e.wrote || len(p) > 0
	return e.w.Write(p)
}
