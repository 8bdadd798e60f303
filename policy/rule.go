package policy

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Class is the kind of a recipient, decided by its domain.
type Class string

// The recipient classes. A recipient is in exactly one: internal if its
// domain is internal, else partner, else free-mail, else external.
const (
	ClassInternal Class = "internal"
	ClassPartner  Class = "partner"
	ClassFreeMail Class = "freemail"
	ClassExternal Class = "external"
)

// Classes returns the recipient classes, for example as metric labels.
func Classes() []Class { return []Class{ClassInternal, ClassPartner, ClassFreeMail, ClassExternal} }

// Words that name sets of classes in Rule.Recipients.
const (
	// RecipientsOutside is every class but internal: the default.
	RecipientsOutside = "outside"
	// RecipientsAny is every class, internal included.
	RecipientsAny = "any"
)

// Sender scopes for Rule.Sender.
const (
	SenderAny       = "any"       // every sender (also the empty string)
	SenderWatchlist = "watchlist" // only senders on the watchlist
	SenderOthers    = "others"    // only senders not on the watchlist
)

// Confidence levels for Rule.Confidence.
const (
	// ConfidenceLow counts every record found; records found only through
	// the same text (a name several customers share) count once together.
	ConfidenceLow = "low"
	// ConfidenceHigh counts only records corroborated by two different
	// fields close together (see Input.Records).
	ConfidenceHigh = "high"
)

// Notification audiences for Rule.Notify.
const (
	NotifyOfficers = "officers"
	NotifySender   = "sender"
)

// UnscannableAny in Rule.Unscannable matches every reason.
const UnscannableAny = "any"

// UnscannableUnreadable in Rule.Unscannable matches every reason but
// UnscannableBinary: content that was not read, or not all of it.
const UnscannableUnreadable = "unreadable"

// UnscannableBinary is the reason for bytes that are no format detection
// knows (an executable, a database, a CAD file): their printable runs
// were scanned, but what else they hold is unknown. It is apart from the
// formats known to hold text that were not read (unsupported_format), so
// a policy can treat the two differently.
const UnscannableBinary = "binary"

// UnscannableReasons are the reasons detection gives for content it could
// not (fully) scan; Rule.Unscannable accepts these, UnscannableAny and
// UnscannableUnreadable. The relay tests that this list and the
// detector's agree.
var UnscannableReasons = []string{
	"encrypted", "unsupported_format", "corrupt", "parse_error", UnscannableBinary,
	"expansion_limit", "archive_entries_limit", "archive_depth_limit",
	"depth_limit", "parts_limit", "part_size_limit", "total_size_limit", "timeout",
}

// matchesUnscannable reports whether the reasons a rule lists take
// reason u.
func matchesUnscannable(list []string, u string) bool {
	return slices.Contains(list, UnscannableAny) || slices.Contains(list, u) ||
		u != UnscannableBinary && slices.Contains(list, UnscannableUnreadable)
}

// Rule is one line of a company's DLP policy: conditions, all of which must
// hold for it to fire, and what to do then. The zero value of a condition
// does not constrain; a rule with no content condition fires on the
// envelope alone.
type Rule struct {
	// Name identifies the rule in traces, logs, headers and metric labels:
	// 1 to 63 characters of [a-z0-9_-], starting with a letter or digit,
	// unique in the policy.
	Name string
	// Sender: "any" (or empty), "watchlist" or "others".
	Sender string
	// Recipients lists the recipient classes the rule looks at: internal,
	// partner, freemail, external, or the words outside (all but internal)
	// and any. The rule fires only if at least one recipient is in one of
	// them. Empty means outside.
	Recipients []string
	// MinRecords is the number of distinct customer records that makes the
	// rule fire; 0 means the rule does not look at records.
	MinRecords int
	// Confidence says which records count: "low" (default, all) or "high"
	// (corroborated only).
	Confidence string
	// Window, if non-zero, makes MinRecords cumulative: the distinct
	// records the sender sent outside within this window, this message
	// included.
	Window time.Duration
	// Attachments makes the rule fire only for messages with an attachment.
	Attachments bool
	// Unscannable lists unscannable reasons (UnscannableReasons, "any", or
	// "unreadable": all but binary); the rule fires only if some content
	// was left unscanned for one of them.
	Unscannable []string
	// PrivateAddress makes the rule fire only if a free-mail recipient
	// (among Recipients) looks like the sender's own account.
	PrivateAddress bool
	// PrivateContact makes the rule fire only if the message gives a
	// recipient outside a free-mail address or a personal mobile number.
	PrivateContact bool
	// Action is what the rule does when it fires.
	Action Action
	// Monitor makes the rule report what it would have done without doing
	// it.
	Monitor bool
	// Notify lists who is told when the rule decides or flags: "officers"
	// and/or "sender".
	Notify []string
}

// RuleError is a problem with one rule. Field is the configuration name of
// the offending setting (such as "min_records"), empty for the rule as a
// whole.
type RuleError struct {
	Index int
	Rule  string
	Field string
	Msg   string
}

func (e *RuleError) Error() string {
	s := fmt.Sprintf("rules[%d]", e.Index)
	if e.Rule != "" {
		s += fmt.Sprintf(" %q", e.Rule)
	}
	if e.Field != "" {
		s += " " + e.Field
	}
	return s + ": " + e.Msg
}

// ValidateRules checks every rule and returns one *RuleError per problem, in
// rule order.
func ValidateRules(rules []Rule) []*RuleError {
	var errs []*RuleError
	seen := map[string]int{}
	for i, r := range rules {
		add := func(field, format string, args ...any) {
			errs = append(errs, &RuleError{Index: i, Rule: r.Name, Field: field, Msg: fmt.Sprintf(format, args...)})
		}
		switch {
		case !validRuleName(r.Name):
			add("name", "is %q; want 1 to 63 characters of a-z, 0-9, _ and -, starting with a letter or digit", r.Name)
		default:
			if j, dup := seen[r.Name]; dup {
				add("name", "is also the name of rules[%d]; rule names must be unique", j)
			}
			seen[r.Name] = i
		}
		switch r.Sender {
		case "", SenderAny, SenderWatchlist, SenderOthers:
		default:
			add("sender", "is %q; want any, watchlist or others", r.Sender)
		}
		for _, c := range r.Recipients {
			if _, ok := classSet(c); !ok {
				add("recipients", "has %q; want internal, partner, freemail, external, outside or any", c)
			}
		}
		if r.MinRecords < 0 {
			add("min_records", "is %d; want 0 (not looked at) or more", r.MinRecords)
		}
		switch r.Confidence {
		case "", ConfidenceLow, ConfidenceHigh:
		default:
			add("confidence", "is %q; want low or high", r.Confidence)
		}
		switch {
		case r.Window < 0:
			add("window", "is %v; want 0 (this message only) or a positive duration", r.Window)
		case r.Window > 0 && r.MinRecords == 0:
			add("window", "is set but min_records is 0; a window counts records, so set min_records")
		case r.Window > 0 && r.Window < time.Minute:
			add("window", "is %v; want at least 1m", r.Window)
		}
		for _, u := range r.Unscannable {
			if u != UnscannableAny && u != UnscannableUnreadable && !slices.Contains(UnscannableReasons, u) {
				add("unscannable", "has %q; want any, unreadable or one of %s", u, strings.Join(UnscannableReasons, ", "))
			}
		}
		if r.PrivateAddress && !slices.Contains(classesOf(r.Recipients), ClassFreeMail) {
			add("private_address", "needs freemail among recipients: only a free-mail recipient can be a private account")
		}
		if !r.Action.valid() {
			add("action", "is %v; want pass, flag, quarantine or reject", r.Action)
		}
		for _, n := range r.Notify {
			if n != NotifyOfficers && n != NotifySender {
				add("notify", "has %q; want officers or sender", n)
			}
		}
		if len(r.Notify) > 0 && r.Action == Pass {
			add("notify", "is set on a pass rule, which never notifies")
		}
	}
	return errs
}

func validRuleName(s string) bool {
	if len(s) == 0 || len(s) > 63 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case (c == '_' || c == '-') && i > 0:
		default:
			return false
		}
	}
	return true
}

// classSet returns the classes a word of Rule.Recipients names.
func classSet(word string) ([]Class, bool) {
	switch word {
	case RecipientsOutside:
		return []Class{ClassPartner, ClassFreeMail, ClassExternal}, true
	case RecipientsAny:
		return Classes(), true
	}
	for _, c := range Classes() {
		if string(c) == word {
			return []Class{c}, true
		}
	}
	return nil, false
}

// classesOf expands Rule.Recipients, empty meaning outside.
func classesOf(words []string) []Class {
	if len(words) == 0 {
		words = []string{RecipientsOutside}
	}
	var out []Class
	for _, w := range words {
		cs, _ := classSet(w)
		for _, c := range cs {
			if !slices.Contains(out, c) {
				out = append(out, c)
			}
		}
	}
	return out
}

// DefaultRules is the policy used when the configuration names no rules:
// going outside, it quarantines content that could not be read and three
// or more customer records, quarantines unidentified binary sent to
// free-mail addresses (where a private copy of a database goes) and flags
// it elsewhere (executables and data files go to partners every day), and
// flags one or two records.
func DefaultRules() []Rule {
	return []Rule{
		{Name: "unscannable-outside", Unscannable: []string{UnscannableUnreadable}, Action: Quarantine},
		{Name: "binary-freemail", Unscannable: []string{UnscannableBinary}, Recipients: []string{string(ClassFreeMail)}, Action: Quarantine},
		{Name: "records-quarantine", MinRecords: 3, Action: Quarantine},
		{Name: "binary-outside", Unscannable: []string{UnscannableBinary}, Action: Flag},
		{Name: "records-flag", MinRecords: 1, Action: Flag},
	}
}

var errNoRules = errors.New("no rules; an empty rule list would pass everything (write a pass rule if that is what you want)")
