package policy

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/dlprelay/dlprelay/policy/freemail"
)

// DefaultRejectMessage is the reply text used when Config.RejectMessage is
// empty. Like every reply text it carries no customer data.
const DefaultRejectMessage = "Message rejected by data loss prevention policy; contact your administrator"

// MaxRejectMessage bounds the reply text so that "550 5.7.1 " plus the text
// and CRLF stay within the 512-octet reply line of RFC 5321 §4.5.3.1.5.
const MaxRejectMessage = 400

// Config is what a Policy decides with.
type Config struct {
	// Rules are evaluated in order; see the package documentation. Empty
	// is an error: use DefaultRules.
	Rules []Rule
	// Monitor turns every rule into a monitor rule: verdicts are computed,
	// reported and headered, and every message passes.
	Monitor bool
	// InternalDomains, PartnerDomains and FreeMailDomains class recipients
	// (a domain matches itself and its subdomains). FreeMailDomains is the
	// whole list used; callers usually start from freemail.Domains().
	InternalDomains []string
	PartnerDomains  []string
	FreeMailDomains []string
	// SkipInternal lets mail whose recipients are all internal pass
	// unscanned (see SkipScan).
	SkipInternal bool
	// CompanyNumbers are mobile numbers (canonical digits, e.g.
	// 09012345678) the company issues; giving one is not a private contact.
	CompanyNumbers []string
	// RejectMessage is the human text of the reject reply. Empty means
	// DefaultRejectMessage. It must be printable US-ASCII (it goes into an
	// SMTP reply line) and at most 400 bytes.
	RejectMessage string
	// DetailsTo names the recipients to whom a message may carry its
	// verdict's details in its header (see Details): recipient classes as
	// in Rule.Recipients (internal, partner, freemail, external, outside,
	// any), domains (each with its subdomains) and addresses. Empty: no
	// one.
	DetailsTo []string
}

// Policy turns findings into verdicts. It is immutable and safe for
// concurrent use.
type Policy struct {
	cfg     Config
	windows []time.Duration
}

// New checks cfg and returns a Policy for it. Rule problems are returned as
// *RuleError values joined together.
func New(cfg Config) (*Policy, error) {
	var errs []error
	if len(cfg.Rules) == 0 {
		errs = append(errs, errNoRules)
	}
	for _, e := range ValidateRules(cfg.Rules) {
		errs = append(errs, e)
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
	p := &Policy{cfg: cfg}
	for _, r := range cfg.Rules {
		if r.Window > 0 && !slices.Contains(p.windows, r.Window) {
			p.windows = append(p.windows, r.Window)
		}
	}
	slices.Sort(p.windows)
	return p, nil
}

// CheckReplyText reports whether s can be used as the text of an SMTP reply:
// non-empty, at most 400 bytes, and only tab and printable US-ASCII
// (RFC 5321 §4.2, textstring). The config package uses it too, so both agree.
func CheckReplyText(s string) error {
	if s == "" {
		return errors.New("empty")
	}
	if len(s) > MaxRejectMessage {
		return fmt.Errorf("%d bytes long; want at most %d", len(s), MaxRejectMessage)
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

// Rules returns the names of the rules, in evaluation order.
func (p *Policy) Rules() []string {
	out := make([]string, len(p.cfg.Rules))
	for i, r := range p.cfg.Rules {
		out[i] = r.Name
	}
	return out
}

// LongestWindow is the longest rolling window of any rule, 0 if none: the
// sender history older than that is never looked at and can be pruned.
func (p *Policy) LongestWindow() time.Duration {
	if len(p.windows) == 0 {
		return 0
	}
	return p.windows[len(p.windows)-1]
}

// Class returns the class of a recipient address. An address whose local
// part carries another route (the "%" hack, a "!" bang path, or a second
// "@") is external whatever its domain, because an upstream that honours
// those routes would send it elsewhere than the domain says.
func (p *Policy) Class(addr string) Class {
	d := domainOf(addr)
	switch {
	case d == "" || strings.ContainsAny(localOf(addr), "%!@"):
		return ClassExternal
	case freemail.Match(d, p.cfg.InternalDomains):
		return ClassInternal
	case freemail.Match(d, p.cfg.PartnerDomains):
		return ClassPartner
	case freemail.Match(d, p.cfg.FreeMailDomains):
		return ClassFreeMail
	}
	return ClassExternal
}

// Details reports whether a message to these recipients may carry the
// details of its verdict in its header — the action, record count, rules,
// reasons and the monitor's would-be action, which tell whoever reads
// them what the company thinks of the message and its sender (a reason
// "watchlist" says the sender is leaving). A message has one header for
// all its recipients, so every one of them must be in Config.DetailsTo;
// with no recipients the answer is no.
func (p *Policy) Details(recipients []string) bool {
	if len(recipients) == 0 || len(p.cfg.DetailsTo) == 0 {
		return false
	}
	for _, r := range recipients {
		if !slices.ContainsFunc(p.cfg.DetailsTo, func(to string) bool { return p.detailsTo(to, r) }) {
			return false
		}
	}
	return true
}

// detailsTo reports whether the recipient addr is what the entry to of
// Config.DetailsTo names: a recipient class word, an address (it has an
// @), or a domain. A recipient whose local part carries another route is
// no address and in no domain but its own class (external; see Class).
func (p *Policy) detailsTo(to, addr string) bool {
	if cs, ok := classSet(to); ok {
		return slices.Contains(cs, p.Class(addr))
	}
	if strings.Contains(to, "@") {
		return sameAddr(to, addr) && !strings.ContainsAny(localOf(addr), "%!@")
	}
	d := domainOf(addr)
	return d != "" && !strings.ContainsAny(localOf(addr), "%!@") && freemail.Match(d, []string{to})
}

// IsRecipientWord reports whether s names recipient classes in
// Rule.Recipients and Config.DetailsTo: internal, partner, freemail,
// external, outside or any.
func IsRecipientWord(s string) bool {
	_, ok := classSet(s)
	return ok
}

// SkipScan reports whether a message to these recipients passes unscanned:
// Config.SkipInternal is on and every recipient is internal. The caller then
// uses InternalVerdict instead of scanning.
func (p *Policy) SkipScan(recipients []string) bool {
	if !p.cfg.SkipInternal || len(recipients) == 0 {
		return false
	}
	for _, r := range recipients {
		if p.Class(r) != ClassInternal {
			return false
		}
	}
	return true
}

// InternalVerdict is the verdict for a message SkipScan let through. It
// is a pass, which has no details to show (Details is false).
func (p *Policy) InternalVerdict() Verdict {
	return Verdict{Action: Pass, Would: Pass, Reasons: []Reason{ReasonInternal}, Classes: []Class{ClassInternal}}
}

func domainOf(addr string) string {
	addr = strings.Trim(strings.TrimSpace(addr), "<>")
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return ""
	}
	return strings.TrimSuffix(strings.ToLower(addr[at+1:]), ".")
}

func localOf(addr string) string {
	addr = strings.Trim(strings.TrimSpace(addr), "<>")
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return strings.ToLower(addr)
	}
	return strings.ToLower(addr[:at])
}

func sameAddr(a, b string) bool {
	return strings.EqualFold(strings.Trim(strings.TrimSpace(a), "<>"), strings.Trim(strings.TrimSpace(b), "<>"))
}
