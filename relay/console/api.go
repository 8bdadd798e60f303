package console

import (
	"mime"
	"net/http"

	"github.com/dlprelay/dlprelay/relay/audit"
	"github.com/dlprelay/dlprelay/relay/quarantine"
	"github.com/dlprelay/dlprelay/relay/users"
)

// The JSON API under /api/ runs the same logic as the pages. Errors are
// {"error", "code"} with the status classify gives.

type loginAnswer struct {
	CSRFToken string     `json:"csrf_token"`
	User      string     `json:"user"`
	Role      users.Role `json:"role"`
}

// apiLogin takes {"user", "password"} as application/json (a cross-site
// form cannot send that without a preflight, which is never granted).
func (c *Console) apiLogin(cl *call) error {
	if mt, _, err := mime.ParseMediaType(cl.r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return &httpError{http.StatusUnsupportedMediaType, "content_type"}
	}
	var in struct {
		User     string `json:"user"`
		Password string `json:"password"`
	}
	if err := readJSON(cl, &in); err != nil {
		return err
	}
	s, u, err := c.login(cl, in.User, in.Password)
	if err != nil {
		return err
	}
	writeJSON(cl.w, http.StatusOK, loginAnswer{CSRFToken: s.csrf, User: u.Name, Role: u.Role})
	return nil
}

func (c *Console) apiLogout(cl *call) error {
	if err := c.logout(cl); err != nil {
		return err
	}
	writeJSON(cl.w, http.StatusOK, map[string]bool{"ok": true})
	return nil
}

// apiMe answers who the session is, with its CSRF token (a session made
// by SSO has not seen it otherwise).
func (c *Console) apiMe(cl *call) error {
	writeJSON(cl.w, http.StatusOK, loginAnswer{CSRFToken: cl.sess.csrf, User: cl.user.Name, Role: cl.user.Role})
	return nil
}

type listAnswer struct {
	Entries []quarantine.Entry `json:"entries"`
	Total   int                `json:"total"`
	Offset  int                `json:"offset"`
	Limit   int                `json:"limit"`
}

func (c *Console) apiList(cl *call) error {
	f, err := listFilter(cl)
	if err != nil {
		return err
	}
	pg, err := c.q.List(cl.ctx(), f)
	if err != nil {
		return err
	}
	out := listAnswer{Entries: pg.Entries, Total: pg.Total, Offset: f.Offset, Limit: f.Limit}
	if out.Entries == nil {
		out.Entries = []quarantine.Entry{}
	}
	for i := range out.Entries {
		out.Entries[i].Findings = nil // offsets only; the detail has them
	}
	withholdSubjects(out.Entries)
	writeJSON(cl.w, http.StatusOK, out)
	return nil
}

func (c *Console) apiDetail(cl *call) error {
	v, err := c.detail(cl, cl.r.PathValue("id"), false, "")
	if err != nil {
		return err
	}
	writeJSON(cl.w, http.StatusOK, v)
	return nil
}

// apiAction serves POST /api/quarantine/{id}/<name>.
func (c *Console) apiAction(name string) func(*call) error {
	return func(cl *call) error {
		var in actionInput
		if err := readJSON(cl, &in); err != nil {
			return err
		}
		id := cl.r.PathValue("id")
		switch name {
		case "reveal":
			v, err := c.detail(cl, id, true, in.Justification)
			if err != nil {
				return err
			}
			writeJSON(cl.w, http.StatusOK, v)
			return nil
		case "download":
			return c.download(cl, id, in.Justification)
		}
		res, err := c.act(cl, name, id, in)
		if err != nil {
			return err
		}
		writeJSON(cl.w, http.StatusOK, res)
		return nil
	}
}

func (c *Console) apiBulk(cl *call) error {
	var in struct {
		IDs           []string `json:"ids"`
		Action        string   `json:"action"`
		Justification string   `json:"justification"`
	}
	if err := readJSON(cl, &in); err != nil {
		return err
	}
	res, err := c.bulk(cl, in.Action, in.IDs, in.Justification)
	if err != nil {
		return err
	}
	writeJSON(cl.w, http.StatusOK, map[string]any{"results": res})
	return nil
}

func (c *Console) apiAudit(cl *call) error {
	q, err := parseAuditQuery(cl.r.URL.Query())
	if err != nil {
		return err
	}
	recs, total, err := c.log.List(cl.ctx(), q)
	if err != nil {
		return err
	}
	if recs == nil {
		recs = []audit.Record{}
	}
	writeJSON(cl.w, http.StatusOK, map[string]any{"records": recs, "total": total, "offset": q.Offset, "limit": q.Limit})
	return nil
}

func (c *Console) apiUsers(cl *call) error {
	us, err := c.dir.List(cl.ctx())
	if err != nil {
		return err
	}
	if us == nil {
		us = []users.User{}
	}
	writeJSON(cl.w, http.StatusOK, map[string]any{"users": us})
	return nil
}

func (c *Console) apiUserAdd(cl *call) error {
	var in userInput
	if err := readJSON(cl, &in); err != nil {
		return err
	}
	res, err := c.userChange(cl, "add", "", in)
	if err != nil {
		return err
	}
	writeJSON(cl.w, http.StatusCreated, res)
	return nil
}

func (c *Console) apiUserOp(op string) func(*call) error {
	return func(cl *call) error {
		var in userInput
		if err := readJSON(cl, &in); err != nil {
			return err
		}
		if in.Name != "" {
			return badRequest("bad_input") // the name is in the path
		}
		res, err := c.userChange(cl, op, cl.r.PathValue("name"), in)
		if err != nil {
			return err
		}
		writeJSON(cl.w, http.StatusOK, res)
		return nil
	}
}
