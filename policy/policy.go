package policy

import (
	"errors"
	"fmt"
)

// DefaultRejectMessage is the reply text used when Config.RejectMessage is
// empty. Like every reply text it carries no customer data.
const DefaultRejectMessage = "Message rejected by data loss prevention policy; contact your administrator"

// maxRejectMessage bounds the reply text so that "550 5.7.1 " plus the text
// and CRLF stay within the 512-octet reply line of RFC 5321 §4.5.3.1.5.
const maxRejectMessage = 400

// Thresholds are the numbers of distinct customer records at which each action
// starts. 0 turns that action off. The enabled (non-zero) thresholds must be
// ordered FlagAt ≤ QuarantineAt ≤ RejectAt.
type Thresholds struct {
	FlagAt       int
	QuarantineAt int
	RejectAt     int
}

// Validate reports negative thresholds and enabled thresholds out of order.
func (t Thresholds) Validate() error {
	var errs []error
	tiers := []struct {
		name string
		v    int
	}{{"FlagAt", t.FlagAt}, {"QuarantineAt", t.QuarantineAt}, {"RejectAt", t.RejectAt}}
	prev := -1 // the enabled tier with the largest value so far
	for i, tier := range tiers {
		switch {
		case tier.v < 0:
			errs = append(errs, fmt.Errorf("%s is %d; want 0 (off) or more", tier.name, tier.v))
		case tier.v == 0:
			// off
		case prev >= 0 && tiers[prev].v > tier.v:
			errs = append(errs, fmt.Errorf("%s (%d) is below %s (%d); enabled thresholds must be ordered FlagAt ≤ QuarantineAt ≤ RejectAt",
				tier.name, tier.v, tiers[prev].name, tiers[prev].v))
		default:
			prev = i
		}
	}
	return errors.Join(errs...)
}

// Config is what a Policy decides with.
type Config struct {
	Thresholds Thresholds
	// Unscannable is the action for a message with content that could not be
	// scanned. The zero value is Pass.
	Unscannable Action
	// RejectMessage is the human text of the reject reply. Empty means
	// DefaultRejectMessage. It must be printable US-ASCII (it goes into an
	// SMTP reply line) and at most 400 bytes.
	RejectMessage string
}

// Policy turns findings into verdicts. It is immutable and safe for
// concurrent use.
type Policy struct {
	cfg Config
}

// New checks cfg and returns a Policy for it.
func New(cfg Config) (*Policy, error) {
	var errs []error
	if err := cfg.Thresholds.Validate(); err != nil {
		errs = append(errs, err)
	}
	if !cfg.Unscannable.valid() {
		errs = append(errs, fmt.Errorf("Unscannable is %v; want pass, flag, quarantine or reject", cfg.Unscannable))
	}
	if cfg.RejectMessage == "" {
		cfg.RejectMessage = DefaultRejectMessage
	}
	if err := CheckReplyText(cfg.RejectMessage); err != nil {
		errs = append(errs, fmt.Errorf("RejectMessage: %w", err))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("policy: %w", err)
	}
	return &Policy{cfg: cfg}, nil
}

// CheckReplyText reports whether s can be used as the text of an SMTP reply:
// non-empty, at most 400 bytes, and only tab and printable US-ASCII
// (RFC 5321 §4.2, textstring). The config package uses it too, so both agree.
func CheckReplyText(s string) error {
	if s == "" {
		return errors.New("empty")
	}
	if len(s) > maxRejectMessage {
		return fmt.Errorf("%d bytes long; want at most %d", len(s), maxRejectMessage)
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c != '\t' && (c < 0x20 || c > 0x7e) {
			return fmt.Errorf("byte %d is 0x%02x; want only printable US-ASCII (RFC 5321 §4.2)", i, c)
		}
	}
	return nil
}

// Config returns the configuration the policy runs with, RejectMessage
// defaulted.
func (p *Policy) Config() Config { return p.cfg }

// Input is what the policy needs to know about one message. It holds counts
// and reason strings, never customer values.
type Input struct {
	// Records is the number of distinct customer records found.
	Records int
	// Unscannable holds one reason string from the detector for each piece of
	// content that could not be scanned; empty means everything was scanned.
	Unscannable []string
	// Sender and Recipients are the envelope. No rule uses them yet; they are
	// here so per-sender and per-domain rules need no API change.
	Sender     string
	Recipients []string
}

// Verdict is the outcome of Evaluate: a plain value, safe to log and to turn
// into headers and metric labels.
type Verdict struct {
	// Action is the most severe action among the reasons.
	Action Action
	// Reasons lists every reason that applied, the one that decided Action
	// first. It is never empty: ReasonNone when nothing applied.
	Reasons []Reason
	// Records is Input.Records (negative input counts as 0).
	Records int
	// Message is the human text for the reject reply; empty unless Action is
	// Reject. It never contains customer data.
	Message string
}

// Evaluate decides what to do with one message. It is pure: the same Input
// always gives the same Verdict. See the package documentation for the order
// of evaluation.
func (p *Policy) Evaluate(in Input) Verdict {
	type hit struct {
		reason Reason
		action Action
	}
	var hits []hit

	records := max(in.Records, 0)
	t := p.cfg.Thresholds
	switch {
	case t.RejectAt > 0 && records >= t.RejectAt:
		hits = append(hits, hit{ReasonRecordsReject, Reject})
	case t.QuarantineAt > 0 && records >= t.QuarantineAt:
		hits = append(hits, hit{ReasonRecordsQuarantine, Quarantine})
	case t.FlagAt > 0 && records >= t.FlagAt:
		hits = append(hits, hit{ReasonRecordsFlag, Flag})
	}
	if len(in.Unscannable) > 0 {
		hits = append(hits, hit{ReasonUnscannable, p.cfg.Unscannable})
	}

	v := Verdict{Action: Pass, Records: records}
	if len(hits) == 0 {
		v.Reasons = []Reason{ReasonNone}
		return v
	}
	// Most severe first; a stable insertion sort keeps evaluation order
	// between equal actions (there are at most two hits).
	for i := 1; i < len(hits); i++ {
		for j := i; j > 0 && hits[j].action > hits[j-1].action; j-- {
			hits[j], hits[j-1] = hits[j-1], hits[j]
		}
	}
	v.Action = hits[0].action
	v.Reasons = make([]Reason, len(hits))
	for i, h := range hits {
		v.Reasons[i] = h.reason
	}
	if v.Action == Reject {
		v.Message = p.cfg.RejectMessage
	}
	return v
}
