package policy

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Input is everything the policy knows about one message. It holds record
// keys, counts and envelope addresses, never customer values.
type Input struct {
	// Now is the time the message is judged; windows end here.
	Now time.Time
	// Sender is the envelope sender; SenderName the display name of the
	// From header, if any.
	Sender     string
	SenderName string
	// Watchlisted says whether the sender is on the watchlist now;
	// WatchName is the display name the watchlist gives, if any.
	Watchlisted bool
	WatchName   string
	// Recipients are the envelope recipients, with the display names the
	// To and Cc headers give them.
	Recipients []Recipient
	// Records are the customer records found in the message.
	Records []Record
	// Past are the records the sender sent outside before, within the
	// longest window (see Policy.LongestWindow): one entry per key.
	Past []Past
	// Unscannable holds one detector reason for each piece of content that
	// could not be scanned.
	Unscannable []string
	// Attachments is the number of attachments.
	Attachments int
	// Contacts are the e-mail addresses and mobile numbers the message's
	// text gives (not customer values).
	Contacts []Contact
}

// Recipient is one envelope recipient.
type Recipient struct {
	Addr string
	Name string // display name from the To/Cc header, if any
}

// Record is one customer record found in a message.
type Record struct {
	// Key identifies the record in the sender history (an HMAC of its ID
	// when hashing is on). Records with the same key are one record.
	Key string
	// High says that two different fields of the record were found close
	// together (high confidence).
	High bool
	// Evidence identifies the text the record was found through; low-
	// confidence records with the same non-empty Evidence (a name several
	// customers share) count as one, and are not remembered in the
	// history, since which of them was meant is unknown.
	Evidence string
	// Addressee is the recipient whose address is the record's e-mail
	// (as in Recipients), "" if none is. Writing to a customer about
	// themselves is not a leak, so such a record is not counted — but only
	// when every recipient outside is that customer: with anyone else
	// outside (a free-mail copy, other customers) it is a record sent to
	// them and counts like any other (see addressed).
	Addressee string
}

// Past is a record the sender sent outside before.
type Past struct {
	Key  string
	At   time.Time
	High bool
}

// Contact is an e-mail address ("email") or a mobile number ("mobile",
// canonical digits) given in the message text.
type Contact struct {
	Kind  string
	Value string
}

// Verdict is the outcome of Evaluate: a plain value, safe to log and to turn
// into headers and metric labels.
type Verdict struct {
	// Action is what is done with the message.
	Action Action
	// Would is what would be done if every monitor rule were enforced
	// (equal to Action when nothing is monitored).
	Would Action
	// Rule is the rule that decided Action, or for a flag the first flag
	// rule; empty when no enforced rule fired.
	Rule string
	// WouldRule is the rule that decided Would.
	WouldRule string
	// Fired lists every rule that fired, in rule order.
	Fired []Fired
	// Reasons are the distinct reasons of the rules that fired, enforced
	// and monitored, in the order first seen; ReasonNone when none fired.
	Reasons []Reason
	// Records and HighRecords count the distinct customer records in this
	// message (low confidence, which includes high, and high).
	Records     int
	HighRecords int
	// Classes are the recipient classes of the message, in Classes order.
	Classes []Class
	// Notify lists the audiences to tell (NotifyOfficers, NotifySender),
	// from the enforced rules that decided or flagged.
	Notify []string
	// Message is the human text for the reject reply; empty unless Action
	// is Reject. It never contains customer data.
	Message string
	// Remember lists the records to add to the sender history once the
	// message has left: set when it goes outside with records and Action
	// lets it through (pass or flag). See Policy.Remember.
	Remember []Past
	// Details says the message may carry the verdict's details in its
	// header: every recipient is in Config.DetailsTo (see Policy.Details).
	// Otherwise the relay marks it with nothing but an opaque scan id.
	Details bool
}

// Monitored reports whether enforcing every monitor rule would have given a
// more severe action than the one taken.
func (v Verdict) Monitored() bool { return v.Would > v.Action }

// Fired is one rule that fired, and why.
type Fired struct {
	Rule    string
	Action  Action
	Monitor bool
	// Decisive says this rule decided Verdict.Action (or Verdict.Would,
	// for a monitor rule).
	Decisive bool
	Reasons  []Reason
	// Why explains the firing in words, with counts but no customer data,
	// e.g. "4 records ≥ 3 (low confidence); recipients: freemail".
	Why string
}

// facts are what Evaluate works out once per message.
type facts struct {
	classes  []Class  // per recipient, parallel to Input.Recipients
	present  []Class  // distinct, in Classes order
	low      int      // distinct records, ambiguous groups once
	high     int      // corroborated records
	counted  []Record // records that count (not addressees)
	unambig  []Record // counted records that identify one customer
	private  []bool   // per recipient: looks like the sender's own account
	contacts int      // private contacts given
	unscan   []string // distinct unscannable reasons
	past     []Past
	now      time.Time
	windows  map[windowKey]int // windowCount results, per window and level
}

type windowKey struct {
	w    time.Duration
	high bool
}

// Evaluate decides what to do with one message. It is pure: the same Input
// always gives the same Verdict. See the package documentation for the
// order of evaluation.
func (p *Policy) Evaluate(in Input) Verdict {
	f := p.facts(in)
	v := Verdict{Records: f.low, HighRecords: f.high, Classes: f.present}
	addrs := make([]string, len(in.Recipients))
	for i, r := range in.Recipients {
		addrs[i] = r.Addr
	}
	v.Details = p.Details(addrs)

	for _, r := range p.cfg.Rules {
		if fr, ok := p.fire(r, in, f); ok {
			fr.Monitor = r.Monitor || p.cfg.Monitor
			v.Fired = append(v.Fired, fr)
			for _, re := range fr.Reasons {
				if !slices.Contains(v.Reasons, re) {
					v.Reasons = append(v.Reasons, re)
				}
			}
		}
	}
	if len(v.Reasons) == 0 {
		v.Reasons = []Reason{ReasonNone}
	}

	var stop int
	v.Action, v.Rule, stop = decide(v.Fired, false)
	v.Would, v.WouldRule, _ = decide(v.Fired, true)
	for i := range v.Fired {
		fr := &v.Fired[i]
		fr.Decisive = !fr.Monitor && fr.Rule == v.Rule || fr.Monitor && fr.Rule == v.WouldRule
		// Enforced rules that took effect notify: the flags up to the
		// deciding rule, and that rule.
		if !fr.Monitor && i <= stop && (fr.Action != Pass) {
			for _, n := range p.rule(fr.Rule).Notify {
				if !slices.Contains(v.Notify, n) {
					v.Notify = append(v.Notify, n)
				}
			}
		}
	}
	if v.Action == Reject {
		v.Message = p.cfg.RejectMessage
	}
	if v.Action <= Flag {
		v.Remember = remember(f)
	}
	return v
}

// Remember lists the records to add to the sender history for a message
// that went to in.Recipients at in.Now, whatever its verdict: those that
// count and identify one customer, when a recipient is outside; nil
// otherwise. It is Verdict.Remember for a message let through; a held
// message is remembered with it when an officer's release of it is
// delivered (Recipients then being those it was released to).
func (p *Policy) Remember(in Input) []Past { return remember(p.facts(in)) }

func remember(f facts) []Past {
	if !slices.ContainsFunc(f.present, func(c Class) bool { return c != ClassInternal }) {
		return nil
	}
	var out []Past
	for _, r := range f.unambig {
		out = append(out, Past{Key: r.Key, At: f.now, High: r.High})
	}
	return out
}

// decide walks the fired rules in order: flag rules accumulate, and the
// first rule with another action decides and stops the walk. A pass never
// removes a flag raised before it. With monitored false, monitor rules are
// left out. It returns the action, the rule that decided it (for a flag,
// the first flag rule) and the index in fired where the walk stopped
// (len(fired)-1 when it did not stop).
func decide(fired []Fired, monitored bool) (Action, string, int) {
	flag := ""
	for i, fr := range fired {
		if fr.Monitor && !monitored {
			continue
		}
		if fr.Action == Flag {
			if flag == "" {
				flag = fr.Rule
			}
			continue
		}
		if fr.Action == Pass && flag != "" {
			return Flag, flag, i
		}
		return fr.Action, fr.Rule, i
	}
	if flag != "" {
		return Flag, flag, len(fired) - 1
	}
	return Pass, "", len(fired) - 1
}

func (p *Policy) rule(name string) Rule {
	for _, r := range p.cfg.Rules {
		if r.Name == name {
			return r
		}
	}
	return Rule{}
}

func (p *Policy) facts(in Input) facts {
	f := facts{now: in.Now, past: in.Past, windows: map[windowKey]int{}}
	for _, r := range in.Recipients {
		c := p.Class(r.Addr)
		f.classes = append(f.classes, c)
	}
	for _, c := range Classes() {
		if slices.Contains(f.classes, c) {
			f.present = append(f.present, c)
		}
	}

	// Records: distinct keys; addressees left out; low-confidence records
	// sharing their evidence count once.
	seen := map[string]bool{}
	groups := map[string]int{}
	for _, r := range in.Records {
		if seen[r.Key] || addressed(r, in.Recipients, f.classes) {
			continue
		}
		seen[r.Key] = true
		f.counted = append(f.counted, r)
		if !r.High && r.Evidence != "" {
			groups[r.Evidence]++
		}
	}
	lowGroups := map[string]bool{}
	for _, r := range f.counted {
		switch {
		case r.High:
			f.high++
			f.low++
			f.unambig = append(f.unambig, r)
		case r.Evidence == "" || groups[r.Evidence] == 1:
			f.low++
			f.unambig = append(f.unambig, r)
		case !lowGroups[r.Evidence]:
			lowGroups[r.Evidence] = true
			f.low++
		}
	}

	for _, u := range in.Unscannable {
		if !slices.Contains(f.unscan, u) {
			f.unscan = append(f.unscan, u)
		}
	}
	f.private = make([]bool, len(in.Recipients))
	for i, r := range in.Recipients {
		if f.classes[i] == ClassFreeMail {
			f.private[i] = ownAccount(in.Sender, []string{in.SenderName, in.WatchName}, r.Addr, r.Name)
		}
	}
	f.contacts = p.privateContacts(in)
	return f
}

// addressed reports whether r is exempt as written to the customer about
// themselves: its Addressee is a recipient, and every recipient outside
// (classes parallel to rcpts) is that address. A customer added next to
// someone else outside — a private account, other customers — does not
// make their record any less sent to that someone, so it counts.
func addressed(r Record, rcpts []Recipient, classes []Class) bool {
	if r.Addressee == "" {
		return false
	}
	found := false
	for i, rc := range rcpts {
		same := sameAddr(rc.Addr, r.Addressee)
		found = found || same
		if !same && classes[i] != ClassInternal {
			return false
		}
	}
	return found
}

// privateContacts counts the free-mail addresses (other than the envelope's
// own) and personal mobile numbers the message gives.
func (p *Policy) privateContacts(in Input) int {
	n := 0
	for _, c := range in.Contacts {
		switch c.Kind {
		case "email":
			if p.Class(c.Value) != ClassFreeMail || sameAddr(c.Value, in.Sender) ||
				slices.ContainsFunc(in.Recipients, func(r Recipient) bool { return sameAddr(r.Addr, c.Value) }) {
				continue
			}
			n++
		case "mobile":
			if !slices.Contains(p.cfg.CompanyNumbers, c.Value) {
				n++
			}
		}
	}
	return n
}

// fire checks one rule against the message.
func (p *Policy) fire(r Rule, in Input, f facts) (Fired, bool) {
	fr := Fired{Rule: r.Name, Action: r.Action}
	var why []string

	switch r.Sender {
	case SenderWatchlist:
		if !in.Watchlisted {
			return fr, false
		}
		fr.Reasons = append(fr.Reasons, ReasonWatchlist)
		why = append(why, "sender on watchlist")
	case SenderOthers:
		if in.Watchlisted {
			return fr, false
		}
	}

	classes := classesOf(r.Recipients)
	var hit []Class
	for _, c := range f.present {
		if slices.Contains(classes, c) {
			hit = append(hit, c)
		}
	}
	if len(hit) == 0 {
		return fr, false
	}

	content := false
	if r.MinRecords > 0 {
		content = true
		high := r.Confidence == ConfidenceHigh
		conf := "low confidence"
		if high {
			conf = "high confidence"
		}
		if r.Window > 0 {
			n := windowCount(f, r.Window, high)
			if n < r.MinRecords {
				return fr, false
			}
			fr.Reasons = append(fr.Reasons, ReasonRecordsWindow)
			why = append(why, fmt.Sprintf("%d records in %s ≥ %d (%s)", n, fmtWindow(r.Window), r.MinRecords, conf))
		} else {
			n := f.low
			if high {
				n = f.high
			}
			if n < r.MinRecords {
				return fr, false
			}
			fr.Reasons = append(fr.Reasons, ReasonRecords)
			why = append(why, fmt.Sprintf("%d records ≥ %d (%s)", n, r.MinRecords, conf))
		}
	}
	if r.Attachments {
		content = true
		if in.Attachments == 0 {
			return fr, false
		}
		fr.Reasons = append(fr.Reasons, ReasonAttachment)
		why = append(why, fmt.Sprintf("%d attachments", in.Attachments))
	}
	if len(r.Unscannable) > 0 {
		content = true
		var got []string
		for _, u := range f.unscan {
			if matchesUnscannable(r.Unscannable, u) {
				got = append(got, u)
			}
		}
		if len(got) == 0 {
			return fr, false
		}
		fr.Reasons = append(fr.Reasons, ReasonUnscannable)
		why = append(why, "unscannable: "+strings.Join(got, ", "))
	}
	if r.PrivateAddress {
		content = true
		own := false
		for i, pv := range f.private {
			own = own || pv && slices.Contains(classes, f.classes[i])
		}
		if !own {
			return fr, false
		}
		fr.Reasons = append(fr.Reasons, ReasonPrivateAddress)
		why = append(why, "a free-mail recipient looks like the sender's own account")
	}
	if r.PrivateContact {
		content = true
		if f.contacts == 0 || !slices.ContainsFunc(hit, func(c Class) bool { return c != ClassInternal }) {
			return fr, false
		}
		fr.Reasons = append(fr.Reasons, ReasonPrivateContact)
		why = append(why, fmt.Sprintf("gives %d private contacts (free-mail address or mobile number)", f.contacts))
	}
	if !content {
		fr.Reasons = append(fr.Reasons, ReasonRecipient)
	}
	names := make([]string, len(hit))
	for i, c := range hit {
		names[i] = string(c)
	}
	why = append(why, "recipients: "+strings.Join(names, ", "))
	fr.Why = strings.Join(why, "; ")
	return fr, true
}

// windowCount is the number of distinct records the sender sent outside
// within w before now, this message's included.
func windowCount(f facts, w time.Duration, high bool) int {
	if n, ok := f.windows[windowKey{w, high}]; ok {
		return n
	}
	n := countWindow(f, w, high)
	f.windows[windowKey{w, high}] = n
	return n
}

func countWindow(f facts, w time.Duration, high bool) int {
	since := f.now.Add(-w)
	keys := map[string]bool{}
	for _, ps := range f.past {
		if !ps.At.Before(since) && (!high || ps.High) {
			keys[ps.Key] = true
		}
	}
	n := len(keys)
	// This message: identified records by key, plus each ambiguous group
	// once (it is one customer, even if we cannot say which).
	cur := f.low
	if high {
		cur = f.high
	}
	for _, r := range f.unambig {
		if (!high || r.High) && keys[r.Key] {
			cur--
		}
	}
	return n + cur
}

func fmtWindow(d time.Duration) string {
	switch {
	case d%(24*time.Hour) == 0:
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	}
	return d.String()
}
