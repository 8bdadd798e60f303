package policy

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// companyRules is a realistic policy: the one configs/dlprelay.yaml shows,
// in Go.
func companyRules() []Rule {
	return []Rule{
		{Name: "leaver-window", Sender: SenderWatchlist, MinRecords: 20, Window: 7 * 24 * time.Hour, Action: Quarantine, Notify: []string{NotifyOfficers}},
		{Name: "leaver-any-record", Sender: SenderWatchlist, MinRecords: 1, Action: Quarantine, Notify: []string{NotifyOfficers}},
		{Name: "leaver-attachment-freemail", Sender: SenderWatchlist, Recipients: []string{"freemail"}, Attachments: true, Action: Flag, Notify: []string{NotifyOfficers}},
		{Name: "encrypted-outside", Unscannable: []string{"encrypted"}, Action: Quarantine, Notify: []string{NotifySender}},
		{Name: "unscannable-outside", Unscannable: []string{UnscannableAny}, Action: Flag},
		{Name: "own-private-address", Recipients: []string{"freemail"}, PrivateAddress: true, Action: Flag, Notify: []string{NotifyOfficers}},
		{Name: "private-contact", PrivateContact: true, Action: Flag},
		{Name: "freemail-records", Recipients: []string{"freemail"}, MinRecords: 1, Action: Quarantine},
		{Name: "window-24h", MinRecords: 50, Window: 24 * time.Hour, Action: Quarantine},
		{Name: "partner-ok", Recipients: []string{"partner"}, MinRecords: 1, Confidence: ConfidenceLow, Action: Pass},
		{Name: "external-bulk", MinRecords: 5, Confidence: ConfidenceHigh, Action: Reject},
		{Name: "external-some", MinRecords: 3, Action: Quarantine},
		{Name: "external-one", MinRecords: 1, Action: Flag},
		{Name: "internal-bulk", Recipients: []string{"internal"}, MinRecords: 1000, Action: Flag, Monitor: true},
	}
}

func TestEvaluate(t *testing.T) {
	t.Parallel()
	hour := time.Hour
	past := func(prefix string, n int, ago time.Duration) []Past {
		out := make([]Past, n)
		for i := range out {
			out[i] = Past{Key: prefix + string(rune('a'+i%26)) + string(rune('a'+i/26)), At: testNow.Add(-ago)}
		}
		return out
	}
	tests := []struct {
		name    string
		rules   []Rule // nil: companyRules
		mod     func(*Config)
		in      Input
		action  Action
		rule    string
		would   Action
		fired   []string
		reasons []Reason
		notify  []string
		records int
		high    int
		remem   int
	}{
		// Default rules: thresholds on distinct records going outside.
		{name: "default: nothing", rules: DefaultRules(), in: Input{Recipients: rcpts("a@customer.com")},
			action: Pass, reasons: []Reason{ReasonNone}},
		{name: "default: one record flags", rules: DefaultRules(), in: Input{Recipients: rcpts("a@customer.com"), Records: recs("k", 1, false)},
			action: Flag, rule: "records-flag", fired: []string{"records-flag"}, reasons: []Reason{ReasonRecords}, records: 1, remem: 1},
		{name: "default: three quarantine", rules: DefaultRules(), in: Input{Recipients: rcpts("a@customer.com"), Records: recs("k", 3, false)},
			action: Quarantine, rule: "records-quarantine", fired: []string{"records-quarantine", "records-flag"}, reasons: []Reason{ReasonRecords}, records: 3},
		{name: "default: internal recipients are not outside", rules: DefaultRules(), in: Input{Recipients: rcpts("a@example.co.jp"), Records: recs("k", 9, false), Unscannable: []string{"encrypted"}},
			action: Pass, reasons: []Reason{ReasonNone}, records: 9},
		{name: "default: duplicate keys count once", rules: DefaultRules(), in: Input{Recipients: rcpts("a@customer.com"), Records: append(recs("k", 2, false), recs("k", 2, false)...)},
			action: Flag, rule: "records-flag", fired: []string{"records-flag"}, reasons: []Reason{ReasonRecords}, records: 2, remem: 2},
		{name: "default: unscannable", rules: DefaultRules(), in: Input{Recipients: rcpts("a@customer.com"), Unscannable: []string{"timeout"}},
			action: Quarantine, rule: "unscannable-outside", fired: []string{"unscannable-outside"}, reasons: []Reason{ReasonUnscannable}},
		// Unidentified binary: quarantined to free-mail, flagged elsewhere.
		{name: "default: binary to free-mail is quarantined", rules: DefaultRules(), in: Input{Recipients: rcpts("x@gmail.com"), Unscannable: []string{"binary"}},
			action: Quarantine, rule: "binary-freemail", fired: []string{"binary-freemail", "binary-outside"}, reasons: []Reason{ReasonUnscannable}},
		{name: "default: binary elsewhere is flagged", rules: DefaultRules(), in: Input{Recipients: rcpts("a@customer.com"), Unscannable: []string{"binary"}},
			action: Flag, rule: "binary-outside", fired: []string{"binary-outside"}, reasons: []Reason{ReasonUnscannable}},
		{name: "default: binary and a corrupt part", rules: DefaultRules(), in: Input{Recipients: rcpts("a@customer.com"), Unscannable: []string{"binary", "corrupt"}},
			action: Quarantine, rule: "unscannable-outside", fired: []string{"unscannable-outside", "binary-outside"}, reasons: []Reason{ReasonUnscannable}},
		{name: "unreadable is every reason but binary", rules: []Rule{{Name: "u", Unscannable: []string{UnscannableUnreadable}, Action: Quarantine}},
			in: Input{Recipients: rcpts("a@customer.com"), Unscannable: []string{"binary"}}, action: Pass, reasons: []Reason{ReasonNone}},
		{name: "any includes binary", rules: []Rule{{Name: "u", Unscannable: []string{UnscannableAny}, Action: Quarantine}},
			in: Input{Recipients: rcpts("a@customer.com"), Unscannable: []string{"binary"}}, action: Quarantine, rule: "u", fired: []string{"u"}, reasons: []Reason{ReasonUnscannable}},

		// Confidence: a common name shared by many customers.
		{name: "ambiguous name counts once", rules: DefaultRules(),
			in:     Input{Recipients: rcpts("a@customer.com"), Records: []Record{{Key: "a", Evidence: "1:10-16"}, {Key: "b", Evidence: "1:10-16"}, {Key: "c", Evidence: "1:10-16"}, {Key: "d", Evidence: "1:10-16"}}},
			action: Flag, rule: "records-flag", fired: []string{"records-flag"}, reasons: []Reason{ReasonRecords}, records: 1, remem: 0},
		{name: "ambiguous plus identified", rules: DefaultRules(),
			in:     Input{Recipients: rcpts("a@customer.com"), Records: []Record{{Key: "a", Evidence: "n"}, {Key: "b", Evidence: "n"}, {Key: "c", High: true, Evidence: "n"}, {Key: "d", Evidence: "m"}}},
			action: Quarantine, rule: "records-quarantine", fired: []string{"records-quarantine", "records-flag"}, reasons: []Reason{ReasonRecords}, records: 3, high: 1},
		{name: "addressee not counted", rules: DefaultRules(),
			in:     Input{Recipients: rcpts("a@customer.com"), Records: []Record{{Key: "a", Addressee: "a@customer.com", High: true}}},
			action: Pass, reasons: []Reason{ReasonNone}},
		{name: "addressee with an internal copy not counted", rules: DefaultRules(),
			in:     Input{Recipients: rcpts("A@Customer.com", "boss@example.co.jp"), Records: []Record{{Key: "a", Addressee: "a@customer.com", High: true}}},
			action: Pass, reasons: []Reason{ReasonNone}},
		{name: "addressees next to a free-mail address count", rules: DefaultRules(),
			in: Input{Recipients: rcpts("x@gmail.com", "a@customer.com", "b@customer.com", "c@customer.com"), Records: []Record{
				{Key: "a", Addressee: "a@customer.com", High: true}, {Key: "b", Addressee: "b@customer.com", High: true}, {Key: "c", Addressee: "c@customer.com", High: true}}},
			action: Quarantine, rule: "records-quarantine", fired: []string{"records-quarantine", "records-flag"}, reasons: []Reason{ReasonRecords}, records: 3, high: 3},
		{name: "two customers addressed: each sees the other's record", rules: DefaultRules(),
			in: Input{Recipients: rcpts("a@customer.com", "b@customer.com"), Records: []Record{
				{Key: "a", Addressee: "a@customer.com", High: true}, {Key: "b", Addressee: "b@customer.com", High: true}}},
			action: Flag, rule: "records-flag", fired: []string{"records-flag"}, reasons: []Reason{ReasonRecords}, records: 2, high: 2, remem: 2},
		{name: "an addressee that is no recipient counts", rules: DefaultRules(),
			in:     Input{Recipients: rcpts("b@customer.com"), Records: []Record{{Key: "a", Addressee: "a@customer.com", High: true}}},
			action: Flag, rule: "records-flag", fired: []string{"records-flag"}, reasons: []Reason{ReasonRecords}, records: 1, high: 1, remem: 1},
		{name: "high-confidence threshold", rules: []Rule{{Name: "h", MinRecords: 2, Confidence: ConfidenceHigh, Action: Reject}},
			in:     Input{Recipients: rcpts("a@customer.com"), Records: append(recs("h", 1, true), recs("l", 5, false)...)},
			action: Pass, reasons: []Reason{ReasonNone}, records: 6, high: 1, remem: 6},
		{name: "high-confidence threshold reached", rules: []Rule{{Name: "h", MinRecords: 2, Confidence: ConfidenceHigh, Action: Reject}},
			in:     Input{Recipients: rcpts("a@customer.com"), Records: recs("h", 2, true)},
			action: Reject, rule: "h", fired: []string{"h"}, reasons: []Reason{ReasonRecords}, records: 2, high: 2},

		// Recipient classes with their own thresholds (company rules).
		{name: "one record to free-mail is quarantined", in: Input{Recipients: rcpts("x@gmail.com"), Records: recs("k", 1, false)},
			action: Quarantine, rule: "freemail-records", fired: []string{"freemail-records", "external-one"}, reasons: []Reason{ReasonRecords}, records: 1},
		{name: "four records to a partner pass", in: Input{Recipients: rcpts("b@partner.co.jp"), Records: recs("k", 4, false)},
			action: Pass, rule: "partner-ok", fired: []string{"partner-ok", "external-some", "external-one"}, reasons: []Reason{ReasonRecords}, records: 4, remem: 4},
		{name: "partner plus external: the external rules are after the exception", in: Input{Recipients: rcpts("b@partner.co.jp", "c@other.com"), Records: recs("k", 4, false)},
			action: Pass, rule: "partner-ok", fired: []string{"partner-ok", "external-some", "external-one"}, reasons: []Reason{ReasonRecords}, records: 4, remem: 4},
		{name: "three records to a customer are quarantined", in: Input{Recipients: rcpts("c@customer.com"), Records: recs("k", 3, false)},
			action: Quarantine, rule: "external-some", fired: []string{"external-some", "external-one"}, reasons: []Reason{ReasonRecords}, records: 3},
		{name: "five corroborated records are rejected", in: Input{Recipients: rcpts("c@customer.com"), Records: recs("k", 5, true)},
			action: Reject, rule: "external-bulk", fired: []string{"external-bulk", "external-some", "external-one"}, reasons: []Reason{ReasonRecords}, records: 5, high: 5},
		{name: "internal bulk is only monitored", in: Input{Recipients: rcpts("a@example.co.jp"), Records: recs("k", 1000, false)},
			action: Pass, would: Flag, rule: "", fired: []string{"internal-bulk"}, reasons: []Reason{ReasonRecords}, records: 1000},

		// The watchlist.
		{name: "watchlisted: any record outside is quarantined", in: Input{Watchlisted: true, Recipients: rcpts("c@customer.com"), Records: recs("k", 1, false)},
			action: Quarantine, rule: "leaver-any-record", fired: []string{"leaver-any-record", "external-one"}, reasons: []Reason{ReasonWatchlist, ReasonRecords}, notify: []string{NotifyOfficers}, records: 1},
		{name: "watchlisted: even to a partner", in: Input{Watchlisted: true, Recipients: rcpts("b@partner.co.jp"), Records: recs("k", 1, false)},
			action: Quarantine, rule: "leaver-any-record", fired: []string{"leaver-any-record", "partner-ok", "external-one"}, reasons: []Reason{ReasonWatchlist, ReasonRecords}, notify: []string{NotifyOfficers}, records: 1},
		{name: "watchlisted: attachment to free-mail is flagged", in: Input{Watchlisted: true, Recipients: rcpts("x@gmail.com"), Attachments: 1},
			action: Flag, rule: "leaver-attachment-freemail", fired: []string{"leaver-attachment-freemail"}, reasons: []Reason{ReasonWatchlist, ReasonAttachment}, notify: []string{NotifyOfficers}},
		{name: "not watchlisted: attachment to free-mail passes", in: Input{Recipients: rcpts("x@gmail.com"), Attachments: 1},
			action: Pass, reasons: []Reason{ReasonNone}},
		{name: "watchlisted: internal mail is not outside", in: Input{Watchlisted: true, Recipients: rcpts("a@example.co.jp"), Records: recs("k", 3, false), Attachments: 2},
			action: Pass, reasons: []Reason{ReasonNone}, records: 3},

		// Low and slow: the window counts the sender's history.
		{name: "window: 18 past + 3 now reaches 20", rules: []Rule{{Name: "w", MinRecords: 20, Window: 24 * hour, Action: Quarantine}},
			in:     Input{Now: testNow, Recipients: rcpts("c@customer.com"), Records: recs("new", 3, false), Past: past("p", 18, hour)},
			action: Quarantine, rule: "w", fired: []string{"w"}, reasons: []Reason{ReasonRecordsWindow}, records: 3},
		{name: "window: 16 past + 3 now stays under", rules: []Rule{{Name: "w", MinRecords: 20, Window: 24 * hour, Action: Quarantine}},
			in:     Input{Now: testNow, Recipients: rcpts("c@customer.com"), Records: recs("new", 3, false), Past: past("p", 16, hour)},
			action: Pass, reasons: []Reason{ReasonNone}, records: 3, remem: 3},
		{name: "window: records sent again count once", rules: []Rule{{Name: "w", MinRecords: 20, Window: 24 * hour, Action: Quarantine}},
			in:     Input{Now: testNow, Recipients: rcpts("c@customer.com"), Records: []Record{{Key: "paa"}, {Key: "pba"}, {Key: "pca"}}, Past: past("p", 18, hour)},
			action: Pass, reasons: []Reason{ReasonNone}, records: 3, remem: 3},
		{name: "window: older history is outside the window", rules: []Rule{{Name: "w", MinRecords: 20, Window: 24 * hour, Action: Quarantine}},
			in:     Input{Now: testNow, Recipients: rcpts("c@customer.com"), Records: recs("new", 3, false), Past: past("p", 18, 25*hour)},
			action: Pass, reasons: []Reason{ReasonNone}, records: 3, remem: 3},
		{name: "window: the boundary is inside", rules: []Rule{{Name: "w", MinRecords: 20, Window: 24 * hour, Action: Quarantine}},
			in:     Input{Now: testNow, Recipients: rcpts("c@customer.com"), Records: recs("new", 3, false), Past: past("p", 17, 24*hour)},
			action: Quarantine, rule: "w", fired: []string{"w"}, reasons: []Reason{ReasonRecordsWindow}, records: 3},
		{name: "window: high confidence counts only high history", rules: []Rule{{Name: "w", MinRecords: 3, Confidence: ConfidenceHigh, Window: 24 * hour, Action: Quarantine}},
			in:     Input{Now: testNow, Recipients: rcpts("c@customer.com"), Records: recs("new", 1, true), Past: append(past("p", 5, hour), Past{Key: "h1", At: testNow.Add(-hour), High: true})},
			action: Pass, reasons: []Reason{ReasonNone}, records: 1, high: 1, remem: 1},
		{name: "window: no record in this message still counts history", rules: []Rule{{Name: "w", MinRecords: 20, Window: 24 * hour, Action: Quarantine}},
			in:     Input{Now: testNow, Recipients: rcpts("c@customer.com"), Past: past("p", 20, hour)},
			action: Quarantine, rule: "w", fired: []string{"w"}, reasons: []Reason{ReasonRecordsWindow}},
		{name: "watchlisted: the window with the company rules", in: Input{Now: testNow, Watchlisted: true, Recipients: rcpts("x@gmail.com"), Past: past("p", 25, 3*24*hour)},
			action: Quarantine, rule: "leaver-window", fired: []string{"leaver-window"}, reasons: []Reason{ReasonWatchlist, ReasonRecordsWindow}, notify: []string{NotifyOfficers}},

		// Unscannable content, by reason.
		{name: "encrypted outside is quarantined and the sender told", in: Input{Recipients: rcpts("c@customer.com"), Unscannable: []string{"encrypted", "encrypted"}},
			action: Quarantine, rule: "encrypted-outside", fired: []string{"encrypted-outside", "unscannable-outside"}, reasons: []Reason{ReasonUnscannable}, notify: []string{NotifySender}},
		{name: "a bomb outside is flagged", in: Input{Recipients: rcpts("c@customer.com"), Unscannable: []string{"expansion_limit"}},
			action: Flag, rule: "unscannable-outside", fired: []string{"unscannable-outside"}, reasons: []Reason{ReasonUnscannable}},
		{name: "per-reason rule ignores other reasons", rules: []Rule{{Name: "enc", Unscannable: []string{"encrypted"}, Action: Reject}},
			in:     Input{Recipients: rcpts("c@customer.com"), Unscannable: []string{"corrupt", "timeout"}},
			action: Pass, reasons: []Reason{ReasonNone}},

		// Private addresses and contacts.
		{name: "mail to one's own gmail is flagged", in: Input{Sender: "taro.yamada@example.co.jp", Recipients: rcpts("yamada.taro.1985@gmail.com")},
			action: Flag, rule: "own-private-address", fired: []string{"own-private-address"}, reasons: []Reason{ReasonPrivateAddress}, notify: []string{NotifyOfficers}},
		{name: "mail to a namesake's gmail is not", in: Input{Sender: "taro.yamada@example.co.jp", Recipients: rcpts("taro.suzuki@gmail.com")},
			action: Pass, reasons: []Reason{ReasonNone}},
		{name: "giving a private gmail address to a customer", in: Input{Sender: "taro.yamada@example.co.jp", Recipients: rcpts("c@customer.com"), Contacts: []Contact{{"email", "tyamada.private@gmail.com"}}},
			action: Flag, rule: "private-contact", fired: []string{"private-contact"}, reasons: []Reason{ReasonPrivateContact}},
		{name: "giving a mobile number to a customer", in: Input{Recipients: rcpts("c@customer.com"), Contacts: []Contact{{"mobile", "09011112222"}}},
			action: Flag, rule: "private-contact", fired: []string{"private-contact"}, reasons: []Reason{ReasonPrivateContact}},
		{name: "the company's mobile number is not private", mod: func(c *Config) { c.CompanyNumbers = []string{"09011112222"} },
			in:     Input{Recipients: rcpts("c@customer.com"), Contacts: []Contact{{"mobile", "09011112222"}}},
			action: Pass, reasons: []Reason{ReasonNone}},
		{name: "quoting the recipient's own free-mail address is not", in: Input{Recipients: rcpts("friend@gmail.com"), Contacts: []Contact{{"email", "friend@gmail.com"}, {"email", "info@customer.com"}}},
			action: Pass, reasons: []Reason{ReasonNone}},
		{name: "private contact inside the company is fine", in: Input{Recipients: rcpts("a@example.co.jp"), Contacts: []Contact{{"mobile", "09011112222"}}},
			action: Pass, reasons: []Reason{ReasonNone}},

		// Monitor mode, globally and per rule.
		{name: "global monitor: mail passes, would quarantine", mod: func(c *Config) { c.Monitor = true },
			in:     Input{Recipients: rcpts("x@gmail.com"), Records: recs("k", 1, false)},
			action: Pass, would: Quarantine, fired: []string{"freemail-records", "external-one"}, reasons: []Reason{ReasonRecords}, records: 1, remem: 1},
		{name: "monitored rule is skipped, the next decides", rules: []Rule{{Name: "strict", MinRecords: 1, Action: Reject, Monitor: true}, {Name: "flag", MinRecords: 1, Action: Flag}},
			in:     Input{Recipients: rcpts("c@customer.com"), Records: recs("k", 1, false)},
			action: Flag, rule: "flag", would: Reject, fired: []string{"strict", "flag"}, reasons: []Reason{ReasonRecords}, records: 1, remem: 1},

		// Order: flags accumulate, a pass does not remove them, the first
		// decisive rule wins.
		{name: "flag then pass stays flagged", rules: []Rule{{Name: "f", Attachments: true, Action: Flag, Notify: []string{"officers"}}, {Name: "p", Action: Pass}, {Name: "q", Attachments: true, Action: Quarantine}},
			in:     Input{Recipients: rcpts("c@customer.com"), Attachments: 1},
			action: Flag, rule: "f", fired: []string{"f", "p", "q"}, reasons: []Reason{ReasonAttachment, ReasonRecipient}, notify: []string{"officers"}},
		{name: "pass exception before a quarantine", rules: []Rule{{Name: "p", Recipients: []string{"partner"}, Action: Pass}, {Name: "q", Recipients: []string{"any"}, Attachments: true, Action: Quarantine, Notify: []string{"sender"}}},
			in:     Input{Recipients: rcpts("b@partner.co.jp"), Attachments: 1},
			action: Pass, rule: "p", fired: []string{"p", "q"}, reasons: []Reason{ReasonRecipient, ReasonAttachment}},
		{name: "notify only from rules that took effect", rules: []Rule{{Name: "q", Attachments: true, Action: Quarantine, Notify: []string{"officers"}}, {Name: "f", Attachments: true, Action: Flag, Notify: []string{"sender"}}},
			in:     Input{Recipients: rcpts("c@customer.com"), Attachments: 1},
			action: Quarantine, rule: "q", fired: []string{"q", "f"}, reasons: []Reason{ReasonAttachment}, notify: []string{"officers"}},
		{name: "sender scope others", rules: []Rule{{Name: "o", Sender: SenderOthers, Recipients: []string{"any"}, Action: Flag}},
			in:     Input{Watchlisted: true, Recipients: rcpts("c@customer.com")},
			action: Pass, reasons: []Reason{ReasonNone}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := newTestPolicy(t, func(c *Config) {
				c.Rules = tt.rules
				if c.Rules == nil {
					c.Rules = companyRules()
				}
				if tt.mod != nil {
					tt.mod(c)
				}
			})
			if tt.in.Now.IsZero() {
				tt.in.Now = testNow
			}
			v := p.Evaluate(tt.in)
			would := tt.would
			if would == Pass && tt.action != Pass {
				would = tt.action
			}
			var fired []string
			for _, f := range v.Fired {
				fired = append(fired, f.Rule)
				if f.Why == "" {
					t.Errorf("rule %s fired without a why", f.Rule)
				}
			}
			if v.Action != tt.action || v.Rule != tt.rule || v.Would != would {
				t.Errorf("action, rule, would = %v, %q, %v; want %v, %q, %v", v.Action, v.Rule, v.Would, tt.action, tt.rule, would)
			}
			if !slices.Equal(fired, tt.fired) {
				t.Errorf("fired = %v, want %v", fired, tt.fired)
			}
			if !slices.Equal(v.Reasons, tt.reasons) {
				t.Errorf("reasons = %v, want %v", v.Reasons, tt.reasons)
			}
			if !slices.Equal(v.Notify, tt.notify) {
				t.Errorf("notify = %v, want %v", v.Notify, tt.notify)
			}
			if v.Records != tt.records || v.HighRecords != tt.high {
				t.Errorf("records, high = %d, %d; want %d, %d", v.Records, v.HighRecords, tt.records, tt.high)
			}
			if len(v.Remember) != tt.remem {
				t.Errorf("remember %d records, want %d", len(v.Remember), tt.remem)
			}
			if (v.Action == Reject) != (v.Message != "") {
				t.Errorf("message %q with action %v", v.Message, v.Action)
			}
			if again := p.Evaluate(tt.in); !equalVerdicts(v, again) {
				t.Errorf("Evaluate is not pure: %+v then %+v", v, again)
			}
		})
	}
}

func equalVerdicts(a, b Verdict) bool {
	return a.Action == b.Action && a.Would == b.Would && a.Rule == b.Rule && len(a.Fired) == len(b.Fired) &&
		slices.Equal(a.Reasons, b.Reasons) && slices.Equal(a.Notify, b.Notify) && len(a.Remember) == len(b.Remember)
}

// TestSlowLeak runs the low-and-slow case through Evaluate the way the relay
// does: each message's Remember goes into the history for the next.
func TestSlowLeak(t *testing.T) {
	t.Parallel()
	p := newTestPolicy(t, func(c *Config) {
		c.Rules = []Rule{
			{Name: "leaver-window", Sender: SenderWatchlist, MinRecords: 20, Window: 24 * time.Hour, Action: Quarantine},
			{Name: "leaver-records", Sender: SenderWatchlist, MinRecords: 1, Action: Flag},
		}
	})
	var history []Past // the relay reads Past from its store; here the slice is the store
	var actions []Action
	for i := range 10 {
		now := testNow.Add(time.Duration(i) * time.Hour)
		v := p.Evaluate(Input{Now: now, Watchlisted: true, Sender: "leaver@example.co.jp", Recipients: rcpts("x@gmail.com"),
			Records: recs(string(rune('a'+i)), 3, false), Past: history})
		actions = append(actions, v.Action)
		history = append(history, v.Remember...)
	}
	want := []Action{Flag, Flag, Flag, Flag, Flag, Flag, Quarantine, Quarantine, Quarantine, Quarantine}
	if !slices.Equal(actions, want) {
		t.Errorf("actions = %v, want %v (6×3 = 18 records flagged, the 7th message reaches 21)", actions, want)
	}
	if len(history) != 18 {
		t.Errorf("history has %d records, want 18 (quarantined messages are not remembered)", len(history))
	}
}

// TestRemember: the records a message that left adds to the history,
// whatever its verdict (a quarantined message delivered by a release).
func TestRemember(t *testing.T) {
	t.Parallel()
	p := newTestPolicy(t, nil)
	in := Input{Now: testNow, Recipients: rcpts("x@gmail.com", "a@customer.com"), Records: []Record{
		{Key: "a", High: true, Addressee: "a@customer.com"}, {Key: "b"}, {Key: "b"},
		{Key: "n1", Evidence: "name"}, {Key: "n2", Evidence: "name"}, // one of two, unknown which
	}}
	if v := p.Evaluate(in); v.Action != Quarantine || len(v.Remember) != 0 {
		t.Fatalf("verdict %v, remember %v; want quarantine, nothing", v.Action, v.Remember)
	}
	got := p.Remember(in)
	want := []Past{{Key: "a", At: testNow, High: true}, {Key: "b", At: testNow}}
	if !slices.Equal(got, want) {
		t.Errorf("Remember = %v, want %v", got, want)
	}
	in.Recipients = rcpts("boss@example.co.jp")
	if got := p.Remember(in); len(got) != 0 {
		t.Errorf("internal only: Remember = %v, want nothing", got)
	}
}

func TestFiredWhyHasNoAddresses(t *testing.T) {
	t.Parallel()
	p := newTestPolicy(t, func(c *Config) { c.Rules = companyRules() })
	v := p.Evaluate(Input{Now: testNow, Watchlisted: true, Sender: "taro.yamada@example.co.jp",
		Recipients: rcpts("yamada.taro@gmail.com", "c@customer.com"), Records: recs("k", 4, true), Attachments: 1,
		Unscannable: []string{"encrypted"}, Contacts: []Contact{{"email", "tyamada@gmail.com"}, {"mobile", "09012345678"}}})
	if len(v.Fired) < 5 {
		t.Fatalf("fired %d rules: %+v", len(v.Fired), v.Fired)
	}
	for _, f := range v.Fired {
		for _, bad := range []string{"@", "yamada", "09012345678"} {
			if strings.Contains(f.Why, bad) {
				t.Errorf("why of %s = %q contains %q", f.Rule, f.Why, bad)
			}
		}
	}
}
