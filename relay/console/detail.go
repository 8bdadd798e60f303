package console

import (
	"bufio"
	"io"
	"mime"
	"strconv"
	"strings"

	"github.com/dlprelay/dlprelay/detect"
	"github.com/dlprelay/dlprelay/relay/audit"
	"github.com/dlprelay/dlprelay/relay/quarantine"
	"github.com/emersion/go-message/charset"
	"github.com/emersion/go-message/textproto"
)

// Bounds on the header block shown.
const (
	maxHeaderRead   = 256 << 10
	maxHeaderFields = 200
	maxHeaderValue  = 2000 // bytes
)

// detailView is one entry as the detail page and GET /api/quarantine/{id}
// show it. Unless Revealed, it is a masked view (see shown.go): every
// matched value is masked, here and in the Subject, headers and file names,
// and what cannot be masked is withheld.
type detailView struct {
	Entry   quarantine.Entry `json:"entry"` // without Findings and Releases (see Records, Releases)
	Headers []headerField    `json:"headers"`
	// HeadersIncomplete: the header block was cut at the bounds or could
	// not be read to its end.
	HeadersIncomplete bool          `json:"headers_incomplete,omitempty"`
	Parts             []PartInfo    `json:"parts"`
	Records           []recordView  `json:"records"`
	Releases          []releaseView `json:"releases"`
	// FindingsError: the stored findings could not be read.
	FindingsError bool `json:"findings_error,omitempty"`
	// FindingsExtractor is the extractor version of the stored findings
	// (detect.ExtractorVersion when current, 1 for findings stored before
	// versions); 0 when none are stored.
	FindingsExtractor int `json:"findings_extractor,omitempty"`
	// RevealUnavailable says why no matched value can be shown, masked or
	// revealed: "extractor_changed" when the findings are of another
	// extractor version than this relay's, whose text at their offsets
	// may be other text. Empty when values can be shown.
	RevealUnavailable string `json:"reveal_unavailable,omitempty"`
	// Withheld: the view is masked and something is left out — the
	// Subject (WithheldSubject), a header value (headerField.Withheld), a
	// file name (PartInfo.FilenameWithheld) — because it may hold a
	// customer value that the findings cannot place. A reveal shows it.
	Withheld        bool `json:"withheld,omitempty"`
	WithheldSubject bool `json:"withheld_subject,omitempty"`
	// SubjectRemoved: the entry is deleted or expired, and its Subject
	// went with the message.
	SubjectRemoved bool `json:"subject_removed,omitempty"`
	// Gone: the message bytes are deleted or expired; only the record
	// stays.
	Gone     bool `json:"message_gone,omitempty"`
	Revealed bool `json:"revealed"`
}

// headerField is one field of the message's header block; in a masked
// view, Withheld says its value is left out.
type headerField struct {
	Name     string `json:"name"`
	Value    string `json:"value"`
	Withheld bool   `json:"withheld,omitempty"`
}

// releaseView is a release request with the state it is in.
type releaseView struct {
	quarantine.ReleaseRequest
	State string `json:"state"`
}

// detail builds the view of entry id for the caller and audits it: a
// view, or with reveal (which needs a justification) a reveal naming the
// records shown. The audit comes first: if it cannot be written, nothing
// is shown.
//
// Matches are cut out of the message's text only when the stored findings
// are of this relay's extractor (detect.Findings.Current): with another
// one, the same offsets may fall on other text, and showing it, revealed or
// even masked, would put a wrong value before an officer as evidence. Such
// an entry is shown with its records, fields and parts, every match
// unavailable and RevealUnavailable set; a reveal of it is audited as a
// reveal (it still shows the Subject, headers and file names as they are)
// with detail reveal_unavailable: extractor_changed.
//
// Without reveal the view is masked (maskView): the header values, the
// file names (but for a user who may reveal, who sees them as they are)
// and the Subject are masked at the findings' offsets or withheld. A
// deleted or expired entry shows no Subject to anyone.
func (c *Console) detail(cl *call, id string, reveal bool, just string) (*detailView, error) {
	if reveal {
		var err error
		if just, err = justification(just); err != nil {
			return nil, err
		}
	}
	ctx := cl.ctx()
	e, err := c.q.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	v := &detailView{Revealed: reveal}
	f, ferr := detect.DecodeFindings(e.Findings)
	if ferr != nil {
		c.logger.Error("console: unreadable findings", "id", id, "err", ferr)
		v.FindingsError = true
	}
	hits, current := f.Records, f.Current()
	v.FindingsExtractor = f.Extractor
	if len(hits) > 0 && !current {
		v.RevealUnavailable = unavailableExtractor
	}
	ev := audit.Event{Action: audit.ActionView, Target: id}
	if reveal {
		hits = hits[:min(len(hits), maxShownRecords)]
		ids := make([]string, len(hits))
		for i, h := range hits {
			ids[i] = h.ID
		}
		ev = audit.Event{Action: audit.ActionReveal, Target: id, Justification: just, Detail: map[string]string{}}
		hits = hits[:packIDs(ids, ev.Detail)] // only what the record names is shown
		ev.Detail["count"] = strconv.Itoa(len(hits))
		if v.RevealUnavailable != "" {
			ev.Detail["reveal_unavailable"] = v.RevealUnavailable // no value was shown
		}
	}
	if err := c.audit(cl, ev); err != nil {
		return nil, err
	}

	for i := range e.Releases {
		v.Releases = append(v.Releases, releaseView{e.Releases[i], releaseState(e.Releases[i])})
	}
	e.Findings, e.Releases = nil, nil
	v.Entry = e
	if e.Status.Purged() {
		v.Entry.Subject, v.SubjectRemoved = "", true // the store drops it too
	}

	m := newMasker(e, f, ferr)
	var rr *reread
	if v.Headers, v.HeadersIncomplete, err = c.headers(cl, id); errGone(err) {
		v.Gone = true
	} else if err != nil {
		return nil, err
	}
	if !v.Gone {
		if rr, err = c.reread(ctx, id, snippetNeed(hits, current), m.usable && !reveal); errGone(err) {
			v.Gone = true
		} else if err != nil {
			return nil, err
		} else {
			v.Parts = rr.parts
		}
	}
	var texts map[string]string
	if rr != nil {
		texts = rr.texts
	}
	var red *strings.Replacer
	v.Records, red = snippets(hits, current, v.Gone, reveal, texts)
	if !reveal {
		maskView(v, e, m, rr, red, cl.user.Role.CanReveal())
	}
	for i := range v.Headers {
		h := &v.Headers[i]
		if h.Value = shownText(h.Value); len(h.Value) > maxHeaderValue {
			h.Value, v.HeadersIncomplete = cut(h.Value, maxHeaderValue)+"…", true
		}
	}
	return v, nil
}

// Room for a reveal's record IDs in an audit record, whose Detail holds at
// most 32 values of 256 bytes.
const (
	maxDetailValue = 256
	maxRevealKeys  = 30
)

// packIDs writes ids, comma-separated, into detail under "records",
// "records_2", ..., each value at most 256 bytes, and returns how many
// fit (all but for pathological IDs).
func packIDs(ids []string, detail map[string]string) int {
	key := func(k int) string {
		if k == 1 {
			return "records"
		}
		return "records_" + strconv.Itoa(k)
	}
	k, cur := 1, ""
	for n, id := range ids {
		if id == "" || len(id) > maxDetailValue || oneLine(id) != id {
			if cur != "" {
				detail[key(k)] = cur
			}
			return n
		}
		next := id
		if cur != "" {
			next = cur + "," + id
		}
		if len(next) > maxDetailValue {
			detail[key(k)] = cur
			if k++; k > maxRevealKeys {
				return n
			}
			next = id
		}
		cur = next
	}
	if cur != "" {
		detail[key(k)] = cur
	}
	return len(ids)
}

// headers reads the header block of the stored message, decoding encoded
// words, within the bounds; the values as decoded, to be masked and made
// one line of valid UTF-8 before they are shown.
func (c *Console) headers(cl *call, id string) ([]headerField, bool, error) {
	msg, err := c.q.Open(cl.ctx(), id)
	if err != nil {
		return nil, false, err
	}
	defer msg.Close()
	lr := &io.LimitedReader{R: msg, N: maxHeaderRead}
	h, err := textproto.ReadHeader(bufio.NewReader(lr))
	incomplete := err != nil // a partial header is still shown
	dec := mime.WordDecoder{CharsetReader: charset.Reader}
	var out []headerField
	for f := h.Fields(); f.Next(); {
		if len(out) == maxHeaderFields {
			incomplete = true
			break
		}
		val := f.Value()
		if d, err := dec.DecodeHeader(val); err == nil {
			val = d
		}
		out = append(out, headerField{Name: strings.ToValidUTF8(f.Key(), "\uFFFD"), Value: val})
	}
	return out, incomplete, nil
}
