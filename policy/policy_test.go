package policy

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestActionNames(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a    Action
		name string
	}{{Pass, "pass"}, {Flag, "flag"}, {Quarantine, "quarantine"}, {Reject, "reject"}}
	for _, tt := range tests {
		if got := tt.a.String(); got != tt.name {
			t.Errorf("Action(%d).String() = %q, want %q", int(tt.a), got, tt.name)
		}
		got, err := ParseAction(tt.name)
		if err != nil || got != tt.a {
			t.Errorf("ParseAction(%q) = %v, %v; want %v, nil", tt.name, got, err, tt.a)
		}
		b, err := json.Marshal(tt.a)
		if err != nil || string(b) != `"`+tt.name+`"` {
			t.Errorf("json.Marshal(%v) = %s, %v", tt.a, b, err)
		}
		var back Action
		if err := json.Unmarshal(b, &back); err != nil || back != tt.a {
			t.Errorf("json.Unmarshal(%s) = %v, %v", b, back, err)
		}
	}
	if got := Actions(); !slices.Equal(got, []Action{Pass, Flag, Quarantine, Reject}) {
		t.Errorf("Actions() = %v", got)
	}
	for _, s := range []string{"", "Pass", "REJECT", " flag", "drop"} {
		if a, err := ParseAction(s); err == nil {
			t.Errorf("ParseAction(%q) = %v, nil; want an error", s, a)
		}
	}
}

func TestReasonsAreLabels(t *testing.T) {
	t.Parallel()
	seen := map[Reason]bool{}
	for _, r := range Reasons() {
		if seen[r] {
			t.Errorf("duplicate reason %q", r)
		}
		seen[r] = true
		for _, c := range string(r) {
			if !(c >= 'a' && c <= 'z' || c == '_') {
				t.Errorf("reason %q has %q; want only [a-z_]", r, c)
			}
		}
	}
}

func TestValidateRules(t *testing.T) {
	t.Parallel()
	ok := Rule{Name: "r1", MinRecords: 1, Action: Flag}
	tests := []struct {
		name  string
		rules []Rule
		want  []string // substrings, one per error, in order
	}{
		{"valid", []Rule{ok, {Name: "w-2", Sender: SenderWatchlist, Recipients: []string{"freemail", "partner"}, MinRecords: 20, Window: 24 * time.Hour, Confidence: "high", Action: Quarantine, Notify: []string{"officers", "sender"}}}, nil},
		{"bad name", []Rule{{Name: "Big Rule", Action: Flag}}, []string{`rules[0] "Big Rule" name: is "Big Rule"`}},
		{"empty name", []Rule{{Action: Flag}}, []string{"rules[0] name"}},
		{"leading dash", []Rule{{Name: "-x", Action: Flag}}, []string{"name"}},
		{"duplicate", []Rule{ok, ok}, []string{`rules[1] "r1" name: is also the name of rules[0]`}},
		{"sender", []Rule{{Name: "a", Sender: "hr", Action: Flag}}, []string{"sender: is \"hr\""}},
		{"recipients", []Rule{{Name: "a", Recipients: []string{"gmail"}, Action: Flag}}, []string{"recipients: has \"gmail\""}},
		{"negative", []Rule{{Name: "a", MinRecords: -1, Action: Flag}}, []string{"min_records: is -1"}},
		{"confidence", []Rule{{Name: "a", MinRecords: 1, Confidence: "medium", Action: Flag}}, []string{"confidence"}},
		{"window without records", []Rule{{Name: "a", Window: time.Hour, Action: Flag}}, []string{"window: is set but min_records is 0"}},
		{"short window", []Rule{{Name: "a", MinRecords: 1, Window: time.Second, Action: Flag}}, []string{"want at least 1m"}},
		{"unscannable", []Rule{{Name: "a", Unscannable: []string{"rar"}, Action: Flag}}, []string{"unscannable: has \"rar\""}},
		{"private address to partner", []Rule{{Name: "a", Recipients: []string{"partner"}, PrivateAddress: true, Action: Flag}}, []string{"private_address"}},
		{"action", []Rule{{Name: "a", Action: Action(9)}}, []string{"action"}},
		{"notify", []Rule{{Name: "a", Action: Flag, Notify: []string{"hr"}}}, []string{"notify: has \"hr\""}},
		{"notify on pass", []Rule{{Name: "a", Action: Pass, Notify: []string{"officers"}}}, []string{"notify: is set on a pass rule"}},
		{"several", []Rule{{Name: "a", MinRecords: -2, Action: Action(-1)}}, []string{"min_records", "action"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := ValidateRules(tt.rules)
			if len(errs) != len(tt.want) {
				t.Fatalf("got %d errors %v, want %d", len(errs), errs, len(tt.want))
			}
			for i, e := range errs {
				if !strings.Contains(e.Error(), tt.want[i]) {
					t.Errorf("error %d = %q, want it to contain %q", i, e, tt.want[i])
				}
			}
		})
	}
}

func TestNewValidates(t *testing.T) {
	t.Parallel()
	if _, err := New(Config{}); err == nil || !strings.Contains(err.Error(), "no rules") {
		t.Errorf("New with no rules: %v", err)
	}
	_, err := New(Config{Rules: []Rule{{Name: "x", Action: Flag, MinRecords: -1}}, RejectMessage: "caf\u00e9"})
	var re *RuleError
	if !errors.As(err, &re) || re.Field != "min_records" {
		t.Errorf("New: %v; want a *RuleError for min_records", err)
	}
	if err == nil || !strings.Contains(err.Error(), "RejectMessage") {
		t.Errorf("New: %v; want the reject message reported too", err)
	}
	p, err := New(Config{Rules: DefaultRules()})
	if err != nil {
		t.Fatal(err)
	}
	if p.Config().RejectMessage != DefaultRejectMessage {
		t.Errorf("RejectMessage not defaulted")
	}
	if !slices.Equal(p.Rules(), []string{"unscannable-outside", "binary-freemail", "records-quarantine", "binary-outside", "records-flag"}) {
		t.Errorf("Rules() = %v", p.Rules())
	}
}

func TestCheckReplyText(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"", strings.Repeat("a", 401), "a\r\nb", "\u00e9"} {
		if CheckReplyText(s) == nil {
			t.Errorf("CheckReplyText(%q) = nil", s)
		}
	}
	for _, s := range []string{"a", "a\tb", strings.Repeat("a", 400)} {
		if err := CheckReplyText(s); err != nil {
			t.Errorf("CheckReplyText(%q) = %v", s, err)
		}
	}
}

var testNow = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

func newTestPolicy(t *testing.T, mod func(*Config)) *Policy {
	t.Helper()
	cfg := Config{
		Rules:           DefaultRules(),
		InternalDomains: []string{"example.co.jp"},
		PartnerDomains:  []string{"partner.co.jp"},
		FreeMailDomains: []string{"gmail.com", "yahoo.co.jp", "docomo.ne.jp"},
	}
	if mod != nil {
		mod(&cfg)
	}
	p, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// recs makes n distinct low-confidence records k1..kn (prefix p).
func recs(p string, n int, high bool) []Record {
	out := make([]Record, n)
	for i := range out {
		out[i] = Record{Key: fmt.Sprintf("%s%d", p, i+1), High: high}
	}
	return out
}

func rcpts(addrs ...string) []Recipient {
	out := make([]Recipient, len(addrs))
	for i, a := range addrs {
		out[i] = Recipient{Addr: a}
	}
	return out
}

func TestClass(t *testing.T) {
	t.Parallel()
	p := newTestPolicy(t, nil)
	tests := map[string]Class{
		"a@example.co.jp":        ClassInternal,
		"a@tokyo.example.co.jp":  ClassInternal,
		"A@EXAMPLE.CO.JP":        ClassInternal,
		"<a@example.co.jp>":      ClassInternal,
		"a@notexample.co.jp":     ClassExternal,
		"b@partner.co.jp":        ClassPartner,
		"c@gmail.com":            ClassFreeMail,
		"c@gmail.com.":           ClassFreeMail,
		"x@docomo.ne.jp":         ClassFreeMail,
		"d@customer.example.com": ClassExternal,
		"postmaster":             ClassExternal,
		// Routes in the local part go elsewhere than the domain says.
		"user%outside.example@example.co.jp": ClassExternal,
		"outside.example!user@example.co.jp": ClassExternal,
		"user%x@gmail.com":                   ClassExternal,
		"":                                   ClassExternal,
	}
	for addr, want := range tests {
		if got := p.Class(addr); got != want {
			t.Errorf("Class(%q) = %s, want %s", addr, got, want)
		}
	}
}

func TestSkipScan(t *testing.T) {
	t.Parallel()
	off := newTestPolicy(t, nil)
	on := newTestPolicy(t, func(c *Config) { c.SkipInternal = true })
	internal := []string{"a@example.co.jp", "b@sub.example.co.jp"}
	mixed := []string{"a@example.co.jp", "c@gmail.com"}
	if off.SkipScan(internal) {
		t.Error("SkipScan with SkipInternal off")
	}
	if !on.SkipScan(internal) {
		t.Error("SkipScan(all internal) = false")
	}
	if on.SkipScan(mixed) || on.SkipScan(nil) {
		t.Error("SkipScan(mixed or none) = true")
	}
	v := on.InternalVerdict()
	if v.Action != Pass || !slices.Equal(v.Reasons, []Reason{ReasonInternal}) {
		t.Errorf("InternalVerdict = %+v", v)
	}
}

// TestDetails: a message may carry its verdict's details only when every
// recipient is in DetailsTo — a class word, a domain with its subdomains,
// or an address — and a routed local part matches no domain or address.
func TestDetails(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		to    []string // Config.DetailsTo
		rcpts []string
		want  bool
	}{
		{"internal", []string{"internal"}, []string{"a@example.co.jp", "b@tokyo.example.co.jp"}, true},
		{"internal, one outside", []string{"internal"}, []string{"a@example.co.jp", "c@gmail.com"}, false},
		{"internal, a partner", []string{"internal"}, []string{"b@partner.co.jp"}, false},
		{"internal, a routed address", []string{"internal"}, []string{"user%outside.example@example.co.jp"}, false},
		{"outside", []string{"outside"}, []string{"b@partner.co.jp", "c@gmail.com", "d@customer.example"}, true},
		{"outside, one internal", []string{"outside"}, []string{"c@gmail.com", "a@example.co.jp"}, false},
		{"any", []string{"any"}, []string{"a@example.co.jp", "c@gmail.com", "postmaster"}, true},
		{"an address, any case", []string{"journal@archive.example"}, []string{"<Journal@ARCHIVE.example>"}, true},
		{"an address, another one there", []string{"journal@archive.example"}, []string{"other@archive.example"}, false},
		{"an address, routed", []string{"journal@archive.example"}, []string{"journal%evil.example@archive.example"}, false},
		{"a domain and its subdomains", []string{"archive.example"}, []string{"x@archive.example", "y@eu.archive.example."}, true},
		{"a domain, not its lookalike", []string{"archive.example"}, []string{"x@notarchive.example"}, false},
		{"a domain, routed", []string{"archive.example"}, []string{"x%evil.example@archive.example"}, false},
		{"mixed list", []string{"internal", "journal@archive.example"}, []string{"a@example.co.jp", "journal@archive.example"}, true},
		{"no one", nil, []string{"a@example.co.jp"}, false},
		{"no recipients", []string{"any"}, nil, false},
		{"a misspelt class is no class", []string{"internl"}, []string{"a@example.co.jp"}, false},
	}
	for _, tt := range tests {
		p := newTestPolicy(t, func(c *Config) { c.DetailsTo = tt.to })
		if got := p.Details(tt.rcpts); got != tt.want {
			t.Errorf("%s: Details(%q) = %v, want %v", tt.name, tt.rcpts, got, tt.want)
		}
		var in []Recipient
		for _, r := range tt.rcpts {
			in = append(in, Recipient{Addr: r})
		}
		if v := p.Evaluate(Input{Now: time.Now(), Sender: "s@example.co.jp", Recipients: in}); v.Details != tt.want {
			t.Errorf("%s: Evaluate's Verdict.Details = %v, want %v", tt.name, v.Details, tt.want)
		}
	}
	for _, w := range []string{"internal", "partner", "freemail", "external", "outside", "any"} {
		if !IsRecipientWord(w) {
			t.Errorf("IsRecipientWord(%q) = false", w)
		}
	}
	if IsRecipientWord("example.co.jp") || IsRecipientWord("") {
		t.Error("IsRecipientWord takes a domain or nothing")
	}
}
