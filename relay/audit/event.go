package audit

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Limits on an Event. Append rejects an event past one of them (an error
// wrapping ErrInvalid that names the field); nothing is truncated, since a
// truncated entry would record something other than what happened.
const (
	MaxActor         = 256  // bytes
	MaxAction        = 64   // bytes
	MaxTarget        = 256  // bytes
	MaxJustification = 2048 // bytes
	MaxRemote        = 256  // bytes
	MaxDetail        = 32   // entries
	MaxDetailLen     = 256  // bytes, each key and each value
)

// zeroHash is the PrevHash of the first record.
var zeroHash = strings.Repeat("0", 64)

// normalize returns e with the line ends in Justification and the Detail
// values turned to LF: a browser's textarea sends CRLF, and a CSV reader
// turns CRLF in a field into LF, so an export would not carry the hashed
// text through. Detail is copied, so the caller's map cannot change a
// record later; empty is nil.
func (e Event) normalize() Event {
	e.Justification = lf(e.Justification)
	if len(e.Detail) == 0 {
		e.Detail = nil
		return e
	}
	d := make(map[string]string, len(e.Detail))
	for k, v := range e.Detail {
		d[k] = lf(v)
	}
	e.Detail = d
	return e
}

func lf(s string) string {
	if !strings.Contains(s, "\r") {
		return s
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
}

// Validate checks e against the limits. Every field must be valid UTF-8 (the
// hashed JSON could not tell two invalid strings apart). Actor and Action
// must not be empty. Actor, Action, Target, Remote and the Detail keys are
// one line: no control characters but tab. Justification and the Detail
// values are free text: tab, CR and LF are allowed (Append stores CRLF and
// CR as LF), other control characters are not.
func (e Event) Validate() error {
	if e.Actor == "" {
		return fmt.Errorf("%w: empty actor", ErrInvalid)
	}
	if e.Action == "" {
		return fmt.Errorf("%w: empty action", ErrInvalid)
	}
	for _, f := range []struct {
		name, v string
		max     int
		text    bool
	}{
		{"actor", e.Actor, MaxActor, false},
		{"action", string(e.Action), MaxAction, false},
		{"target", e.Target, MaxTarget, false},
		{"justification", e.Justification, MaxJustification, true},
		{"remote", e.Remote, MaxRemote, false},
	} {
		if err := checkField(f.v, f.max, f.text); err != nil {
			return fmt.Errorf("%w: %s: %v", ErrInvalid, f.name, err)
		}
	}
	if len(e.Detail) > MaxDetail {
		return fmt.Errorf("%w: detail: %d entries, more than %d", ErrInvalid, len(e.Detail), MaxDetail)
	}
	for k, v := range e.Detail {
		if k == "" {
			return fmt.Errorf("%w: detail: empty key", ErrInvalid)
		}
		if err := checkField(k, MaxDetailLen, false); err != nil {
			return fmt.Errorf("%w: detail key: %v", ErrInvalid, err)
		}
		if err := checkField(v, MaxDetailLen, true); err != nil {
			// The key passed the checks above: it is safe to name.
			return fmt.Errorf("%w: detail %q: %v", ErrInvalid, k, err)
		}
	}
	return nil
}

func checkField(s string, max int, text bool) error {
	if len(s) > max {
		return fmt.Errorf("%d bytes, more than %d", len(s), max)
	}
	if !utf8.ValidString(s) {
		return fmt.Errorf("not valid UTF-8")
	}
	for _, r := range s {
		if r == '\t' || text && (r == '\n' || r == '\r') {
			continue
		}
		if unicode.IsControl(r) {
			return fmt.Errorf("control character %U", r)
		}
	}
	return nil
}

// canonical is the hashed form of a record: its fields in this order,
// Detail always an object (keys sorted, as encoding/json writes maps).
type canonical struct {
	Seq           int64             `json:"seq"`
	Time          string            `json:"time"`
	Actor         string            `json:"actor"`
	Action        Action            `json:"action"`
	Target        string            `json:"target"`
	Justification string            `json:"justification"`
	Detail        map[string]string `json:"detail"`
	Remote        string            `json:"remote"`
}

// formatTime is the form of a record's time in its hash and in the CSV
// export: RFC 3339 with nanoseconds (trailing zeros dropped), in UTC.
func formatTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// canonicalJSON returns the bytes that are hashed for r: encoding/json's
// compact output of canonical without HTML escaping, no trailing newline.
// For example:
//
//	{"seq":1,"time":"2026-05-01T09:30:00.123456789Z","actor":"alice","action":"reveal","target":"q-123","justification":"customer asked","detail":{"field":"phone"},"remote":"192.0.2.1"}
func canonicalJSON(r *Record) ([]byte, error) {
	d := r.Detail
	if d == nil {
		d = map[string]string{}
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	err := enc.Encode(canonical{
		Seq:           r.Seq,
		Time:          formatTime(r.Time),
		Actor:         r.Actor,
		Action:        r.Action,
		Target:        r.Target,
		Justification: r.Justification,
		Detail:        d,
		Remote:        r.Remote,
	})
	if err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// computeHash returns the hash of r: the lower-case hex SHA-256 of the 64
// hex characters of r.PrevHash followed by the canonical JSON of r's seq,
// time, actor, action, target, justification, detail and remote. It
// ignores r.Hash.
func computeHash(r *Record) (string, error) {
	j, err := canonicalJSON(r)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	h.Write([]byte(r.PrevHash))
	h.Write(j)
	return hex.EncodeToString(h.Sum(nil)), nil
}

// detailJSON is how Detail is stored and exported: a JSON object with
// sorted keys, "{}" when empty.
func detailJSON(d map[string]string) (string, error) {
	if len(d) == 0 {
		return "{}", nil
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(d); err != nil {
		return "", err
	}
	return strings.TrimSuffix(b.String(), "\n"), nil
}

// parseDetail is the inverse of detailJSON; an empty object is nil.
func parseDetail(s string) (map[string]string, error) {
	var d map[string]string
	if err := json.Unmarshal([]byte(s), &d); err != nil {
		return nil, err
	}
	if len(d) == 0 {
		return nil, nil
	}
	return d, nil
}
