package console

import (
	"errors"
	"io"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/dlprelay/dlprelay/relay/audit"
	"github.com/dlprelay/dlprelay/relay/quarantine"
)

// Bounds on what one request may ask for.
const (
	maxJustification = 2000 // bytes
	maxNote          = 4000 // bytes
	maxBulk          = 500  // entries in one bulk action
	defaultPageSize  = 50
	maxPageSize      = 500
)

var statuses = []quarantine.Status{
	quarantine.StatusHeld, quarantine.StatusPendingApproval, quarantine.StatusApproved,
	quarantine.StatusSending, quarantine.StatusReleased, quarantine.StatusReleaseFailed,
	quarantine.StatusReleaseUncertain, quarantine.StatusDeleted, quarantine.StatusExpired,
}

var sortKeys = []string{"received", "sender", "records", "size", "status"}

// parseFilter reads the list's query parameters, the same for the page and
// the API: sender, recipient, rule, verdict, status (repeated or
// comma-separated), from and to (YYYY-MM-DD in the server's zone, or
// RFC 3339), min (records), q (free text), sort, desc, offset, limit.
// Without sort, the newest entries come first.
func parseFilter(v url.Values) (quarantine.Filter, error) {
	f := quarantine.Filter{
		Sender:    strings.TrimSpace(v.Get("sender")),
		Recipient: strings.TrimSpace(v.Get("recipient")),
		Rule:      strings.TrimSpace(v.Get("rule")),
		Verdict:   strings.TrimSpace(v.Get("verdict")),
		Query:     strings.TrimSpace(v.Get("q")),
		Sort:      v.Get("sort"),
		Desc:      v.Get("desc") == "1" || v.Get("desc") == "true",
		Limit:     defaultPageSize,
	}
	if f.Sort == "" {
		f.Sort, f.Desc = "received", true
	} else if !slices.Contains(sortKeys, f.Sort) {
		return f, badRequest("bad_filter")
	}
	for _, sv := range v["status"] {
		for _, s := range strings.Split(sv, ",") {
			if s = strings.TrimSpace(s); s == "" {
				continue
			}
			if !slices.Contains(statuses, quarantine.Status(s)) {
				return f, badRequest("bad_filter")
			}
			f.Statuses = append(f.Statuses, quarantine.Status(s))
		}
	}
	var err error
	if f.From, err = parseDay(v.Get("from"), false); err != nil {
		return f, err
	}
	if f.To, err = parseDay(v.Get("to"), true); err != nil {
		return f, err
	}
	ints := []struct {
		name string
		dst  *int
		max  int
	}{{"min", &f.MinRecords, 1 << 30}, {"offset", &f.Offset, 1 << 30}, {"limit", &f.Limit, maxPageSize}}
	for _, p := range ints {
		s := v.Get(p.name)
		if s == "" {
			continue
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 || n > p.max || p.name == "limit" && n == 0 {
			return f, badRequest("bad_filter")
		}
		*p.dst = n
	}
	return f, nil
}

// listFilter is the list's filter (parseFilter) of the caller's request.
// Only a user who may reveal searches the Subjects that lists withhold
// (quarantine.Filter.QueryWithheld): for a viewer, q matches what the
// viewer is shown, never the value behind a withheld Subject.
func listFilter(cl *call) (quarantine.Filter, error) {
	f, err := parseFilter(cl.r.URL.Query())
	f.QueryWithheld = cl.user.Role.CanReveal()
	return f, err
}

// parseDay reads a date (YYYY-MM-DD, local time) or an RFC 3339 time. With
// end set, a date means the end of that day: the next midnight, as the
// stores' upper bounds are exclusive.
func parseDay(s string, end bool) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	t, err := time.ParseInLocation(time.DateOnly, s, time.Local)
	if err != nil {
		return time.Time{}, badRequest("bad_date")
	}
	if end {
		t = t.AddDate(0, 0, 1)
	}
	return t, nil
}

// actionInput is what an action on one entry takes, from a form or JSON.
type actionInput struct {
	Justification string   `json:"justification"`
	Recipients    []string `json:"recipients,omitempty"` // release: a subset; empty means all
	RequestID     string   `json:"request_id,omitempty"` // approve: empty means the entry's only pending request
	Text          string   `json:"text,omitempty"`       // note
	Hold          *bool    `json:"hold,omitempty"`       // hold
	Until         string   `json:"until,omitempty"`      // extend: YYYY-MM-DD (end of that day) or RFC 3339
	Delivered     *bool    `json:"delivered,omitempty"`  // resolve
}

// justification checks the reason a user gave: 1 to 2000 bytes of text,
// tabs and line breaks allowed, no other control characters (the audit log
// refuses them).
func justification(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > maxJustification || !freeText(s) {
		return "", badRequest("justification")
	}
	return s, nil
}

// freeText: valid UTF-8 without control characters but tab, CR and LF.
func freeText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) && r != '\t' && r != '\r' && r != '\n' {
			return false
		}
	}
	return true
}

// act runs one state-changing action (release, approve, delete, note,
// hold, extend, resolve) on entry id for the caller and audits it. An
// attempt the store refuses (a conflict, self-approval, a legal hold) is
// audited too, with its result. It returns what the API answers.
func (c *Console) act(cl *call, name, id string, in actionInput) (any, error) {
	just, err := justification(in.Justification)
	if err != nil {
		return nil, err
	}
	ctx, actor := cl.ctx(), cl.user.Name
	ev := audit.Event{Target: id, Justification: just, Detail: map[string]string{}}
	var res any = map[string]bool{"ok": true}
	switch name {
	case "release":
		for _, r := range in.Recipients {
			if strings.TrimSpace(r) == "" || len(r) > 512 {
				return nil, badRequest("bad_input")
			}
		}
		ev.Action = audit.ActionReleaseRequest
		// The store applies the policy; it is read here for the record
		// of a refused attempt, and the request itself says what applied.
		pol, perr := c.q.ReleasePolicy(ctx)
		if perr != nil {
			return nil, perr
		}
		ev.Detail["four_eyes"] = strconv.FormatBool(pol.FourEyes)
		ev.Detail["recipients"] = "all"
		if len(in.Recipients) > 0 {
			ev.Detail["recipients"] = strconv.Itoa(len(in.Recipients))
		}
		var req quarantine.ReleaseRequest
		req, err = c.q.RequestRelease(ctx, id, actor, in.Recipients, just)
		if err == nil {
			ev.Detail["four_eyes"] = strconv.FormatBool(req.Status == quarantine.StatusPendingApproval)
			ev.Detail["request"] = req.ID
			res = map[string]any{"release": req}
		}
	case "approve":
		ev.Action = audit.ActionReleaseApprove
		reqID, ferr := c.pendingRequest(cl, id, in.RequestID)
		if ferr != nil {
			return nil, ferr
		}
		ev.Detail["request"] = reqID
		var req quarantine.ReleaseRequest
		req, err = c.q.ApproveRelease(ctx, reqID, actor)
		if err == nil {
			res = map[string]any{"release": req}
		}
	case "delete":
		ev.Action = audit.ActionDelete
		err = c.q.Delete(ctx, id)
	case "note":
		text := strings.TrimSpace(in.Text)
		if text == "" || len(text) > maxNote || !freeText(text) {
			return nil, badRequest("note")
		}
		ev.Action = audit.ActionNote // the note's text stays in the store
		err = c.q.AddNote(ctx, id, actor, text)
	case "hold":
		if in.Hold == nil {
			return nil, badRequest("bad_input")
		}
		ev.Action = audit.ActionHold
		ev.Detail["hold"] = strconv.FormatBool(*in.Hold)
		err = c.q.SetHold(ctx, id, *in.Hold)
	case "extend":
		until, perr := parseDay(in.Until, true)
		if perr != nil || until.IsZero() {
			return nil, badRequest("bad_date")
		}
		if !until.After(c.cfg.Now()) {
			return nil, badRequest("past_date")
		}
		ev.Action = audit.ActionExtend
		ev.Detail["until"] = until.UTC().Format(time.RFC3339)
		err = c.q.Extend(ctx, id, until)
	case "resolve":
		if in.Delivered == nil {
			return nil, badRequest("bad_input")
		}
		ev.Action = audit.ActionReleaseOutcome
		ev.Detail["outcome"] = "resolved"
		ev.Detail["delivered"] = strconv.FormatBool(*in.Delivered)
		err = c.q.Resolve(ctx, id, *in.Delivered)
	default:
		return nil, errNotFound
	}
	status, code := classify(err)
	switch {
	case err == nil:
		ev.Detail["result"] = "ok"
	case status == 409:
		ev.Detail["result"] = code
	default:
		return nil, err
	}
	if aerr := c.audit(cl, ev); aerr != nil {
		return nil, aerr
	}
	return res, err
}

// pendingRequest checks that request reqID belongs to entry id, or, when
// reqID is empty, finds the entry's one pending request.
func (c *Console) pendingRequest(cl *call, id, reqID string) (string, error) {
	e, err := c.q.Get(cl.ctx(), id)
	if err != nil {
		return "", err
	}
	var pending []string
	for _, r := range e.Releases {
		if reqID != "" && r.ID == reqID {
			return reqID, nil
		}
		if r.Status == quarantine.StatusPendingApproval {
			pending = append(pending, r.ID)
		}
	}
	switch {
	case reqID != "":
		return "", errNotFound
	case len(pending) == 1:
		return pending[0], nil
	case len(pending) == 0:
		return "", quarantine.ErrConflict
	}
	return "", badRequest("request_id")
}

// bulkResult is the outcome of a bulk action on one entry.
type bulkResult struct {
	ID    string `json:"id"`
	OK    bool   `json:"ok"`
	Code  string `json:"code,omitempty"`
	Error string `json:"error,omitempty"`
}

// bulk runs release (to all recipients), delete or hold (on) on each of
// ids, each audited on its own.
func (c *Console) bulk(cl *call, name string, ids []string, just string) ([]bulkResult, error) {
	if name != "release" && name != "delete" && name != "hold" {
		return nil, badRequest("bad_input")
	}
	if _, err := justification(just); err != nil {
		return nil, err
	}
	if len(ids) == 0 || len(ids) > maxBulk {
		return nil, badRequest("bulk_ids")
	}
	on := true
	var out []bulkResult
	for _, id := range ids {
		in := actionInput{Justification: just}
		if name == "hold" {
			in.Hold = &on
		}
		_, err := c.act(cl, name, id, in)
		r := bulkResult{ID: id, OK: err == nil}
		if err != nil {
			status, code := classify(err)
			if status == 500 {
				return out, err // the store or the audit log is failing: stop
			}
			r.Code, r.Error = code, cl.L.T("err."+code)
		}
		out = append(out, r)
	}
	return out, nil
}

// download audits and writes the stored message as an attachment.
func (c *Console) download(cl *call, id, just string) error {
	just, err := justification(just)
	if err != nil {
		return err
	}
	msg, err := c.q.Open(cl.ctx(), id)
	if err != nil {
		return err
	}
	defer msg.Close()
	if err := c.audit(cl, audit.Event{Action: audit.ActionDownload, Target: id, Justification: just}); err != nil {
		return err
	}
	h := cl.w.Header()
	h.Set("Content-Type", "message/rfc822")
	h.Set("Content-Disposition", `attachment; filename="`+safeFilename(id)+`.eml"`)
	_, err = io.Copy(cl.w, msg)
	if err != nil {
		c.logger.Error("console: download interrupted", "id", id, "err", err)
	}
	return nil
}

// safeFilename keeps letters, digits, '.', '-' and '_'.
func safeFilename(s string) string {
	b := []byte(s)
	for i, ch := range b {
		if !(ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || ch == '.' || ch == '-' || ch == '_') {
			b[i] = '_'
		}
	}
	return "quarantine-" + string(b)
}

// releaseState names where a release request is: pending, approved
// (waiting or retrying), sending, uncertain, released, failed, or closed
// (the entry was deleted or expired while the request was open).
func releaseState(r quarantine.ReleaseRequest) string {
	switch r.Status {
	case quarantine.StatusPendingApproval:
		return "pending"
	case quarantine.StatusSending:
		return "sending"
	case quarantine.StatusReleaseUncertain:
		return "uncertain"
	case quarantine.StatusReleased:
		return "released"
	case quarantine.StatusReleaseFailed:
		return "failed"
	case quarantine.StatusDeleted, quarantine.StatusExpired:
		return "closed"
	}
	return "approved"
}

// errGone marks a message whose bytes are no longer stored.
func errGone(err error) bool { return errors.Is(err, quarantine.ErrNotFound) }
