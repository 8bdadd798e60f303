package quarantine

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// listFixture is a small quarantine for the List tests: entries a to f, one
// minute apart, with statuses, sizes and record counts that tell the sort
// orders apart. The Subjects of a and e are withheld (records found, no
// findings to say where); b and c have findings placing every record in
// the body; f is deleted, so its Subject is gone.
func listFixture(t testing.TB) (*testStore, []Entry) {
	t.Helper()
	ts := openTest(t)
	ctx := context.Background()
	specs := []struct {
		id, sender, subject string
		rcpts, rules        []string
		verdict             string
		records             int
		msg                 string
	}{
		{"a", "Alice@Corp.test", "顧客リスト", []string{"x@Gmail.com"}, []string{"freemail-records"}, "quarantine", 3, "aaa"},
		{"b", "bob@corp.test", "Quarterly REPORT", []string{"ceo@partner.example", "y@gmail.com"}, []string{"records-quarantine", "freemail-records"}, "quarantine", 12, "b"},
		{"c", "ÉLODIE@corp.test", "Ｆｕｌｌｗｉｄｔｈ subject", []string{"z@example.org"}, []string{"leaver-window"}, "quarantine", 1, "cccccc"},
		{"d", "dave@corp.test", "", nil, nil, "reject", 0, "dd"},
		{"e", "alice@corp.test", "lunch 100%_off", []string{"friend@yahoo.co.jp"}, []string{"freemail-records"}, "quarantine", 40, "eeee"},
		{"f", "carol@corp.test", "report", []string{"ALICE@corp.test"}, []string{"records-quarantine"}, "quarantine", 12, "fffff"},
	}
	var out []Entry
	for i, s := range specs {
		e := Entry{ID: s.id, Received: t0.Add(time.Duration(i) * time.Minute), Sender: s.sender, Subject: s.subject,
			Recipients: s.rcpts, Rules: s.rules, Verdict: s.verdict, Records: s.records}
		if s.id == "b" || s.id == "c" {
			var recs []string
			for k := 0; k < s.records; k++ {
				e.RecordIDs = append(e.RecordIDs, fmt.Sprintf("C%d", k))
				recs = append(recs, fmt.Sprintf(`{"id":"C%d","parts":["1"]}`, k))
			}
			e.Findings = json.RawMessage("[" + strings.Join(recs, ",") + "]")
		}
		out = append(out, ts.put(t, e, s.msg))
		if out[i].SubjectWithheld != (s.id == "a" || s.id == "e" || s.id == "f") {
			t.Fatalf("entry %s: SubjectWithheld %v", s.id, out[i].SubjectWithheld)
		}
	}
	// Statuses: b pending, e approved, f deleted.
	if _, err := ts.requestRelease(ctx, "b", "alice", nil, "j", true); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.requestRelease(ctx, "e", "alice", nil, "j", false); err != nil {
		t.Fatal(err)
	}
	if err := ts.Delete(ctx, "f"); err != nil {
		t.Fatal(err)
	}
	out[1].Status, out[4].Status, out[5].Status = StatusPendingApproval, StatusApproved, StatusDeleted
	out[5].Subject = ""
	return ts, out
}

func ids(es []Entry) string {
	var b strings.Builder
	for _, e := range es {
		b.WriteString(e.ID)
	}
	return b.String()
}

func TestListFilters(t *testing.T) {
	t.Parallel()
	ts, _ := listFixture(t)
	tests := []struct {
		name string
		f    Filter
		want string // IDs in order
	}{
		{"everything, oldest first", Filter{}, "abcdef"},
		{"sender substring, any case", Filter{Sender: "ALICE"}, "ae"},
		{"sender, non-ASCII case", Filter{Sender: "élodie"}, "c"},
		{"recipient substring, any case", Filter{Recipient: "gmail.COM"}, "ab"},
		{"recipient of a second address", Filter{Recipient: "y@gmail"}, "b"},
		{"rule, exact", Filter{Rule: "freemail-records"}, "abe"},
		{"rule, not a substring", Filter{Rule: "freemail"}, ""},
		{"verdict", Filter{Verdict: "reject"}, "d"},
		{"statuses", Filter{Statuses: []Status{StatusPendingApproval, StatusApproved}}, "be"},
		{"status held", Filter{Statuses: []Status{StatusHeld}}, "acd"},
		{"from, inclusive", Filter{From: t0.Add(2 * time.Minute)}, "cdef"},
		{"to, exclusive", Filter{To: t0.Add(2 * time.Minute)}, "ab"},
		{"range", Filter{From: t0.Add(time.Minute), To: t0.Add(3 * time.Minute)}, "bc"},
		{"min records", Filter{MinRecords: 12}, "bef"},
		{"query in subject, any case", Filter{Query: "report"}, "b"}, // f is deleted: its Subject is gone
		{"query in a deleted entry's subject", Filter{Query: "report", QueryWithheld: true}, "b"},
		{"query in a recipient", Filter{Query: "alice@"}, "aef"},
		{"query, full-width letters fold", Filter{Query: "ｆｕｌｌ"}, "c"},
		{"query in a withheld subject", Filter{Query: "顧客"}, ""},
		{"query in a withheld subject, allowed", Filter{Query: "顧客", QueryWithheld: true}, "a"},
		{"query, sender of an entry whose subject is withheld", Filter{Query: "alice@corp"}, "aef"},
		{"query, LIKE wildcards are literal", Filter{Query: "100%_", QueryWithheld: true}, "e"},
		{"query, % alone matches only a %", Filter{Query: "%", QueryWithheld: true}, "e"},
		{"query, % in a withheld subject", Filter{Query: "%"}, ""},
		{"combined", Filter{Rule: "freemail-records", MinRecords: 10, Statuses: []Status{StatusApproved}}, "e"},
		{"sort by sender, folded", Filter{Sort: "sender"}, "aebfdc"}, // Alice@Corp.test = alice@corp.test: tie broken by ID
		{"sort by records, desc", Filter{Sort: "records", Desc: true}, "efbacd"},
		{"sort by size", Filter{Sort: "size"}, "bdaefc"},
		{"sort by status", Filter{Sort: "status"}, "efacdb"},
		{"received desc", Filter{Desc: true}, "fedcba"},
		{"page 2 of 2", Filter{Offset: 2, Limit: 2}, "cd"},
		{"offset past the end", Filter{Offset: 10}, ""},
		{"negative offset", Filter{Offset: -5, Limit: 1}, "a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := ts.List(context.Background(), tt.f)
			if err != nil {
				t.Fatal(err)
			}
			if got := ids(p.Entries); got != tt.want {
				t.Errorf("List = %q, want %q", got, tt.want)
			}
			if tt.f.Offset == 0 && tt.f.Limit == 0 && p.Total != len(tt.want) {
				t.Errorf("Total %d, want %d", p.Total, len(tt.want))
			}
		})
	}
}

// TestListEntries checks what a List entry holds: all but Findings, Notes
// and Releases.
func TestListEntries(t *testing.T) {
	t.Parallel()
	ts, want := listFixture(t)
	ctx := context.Background()
	if err := ts.AddNote(ctx, "a", "x", "y"); err != nil {
		t.Fatal(err)
	}
	p, err := ts.List(ctx, Filter{Limit: 3, Offset: 1})
	if err != nil {
		t.Fatal(err)
	}
	if p.Total != 6 || len(p.Entries) != 3 {
		t.Fatalf("page of %d, total %d", len(p.Entries), p.Total)
	}
	for i, e := range p.Entries {
		w := want[i+1]
		full, _ := ts.Get(ctx, e.ID)
		full.Findings, full.Notes, full.Releases = nil, nil, nil
		if e.ID != w.ID || e.Status != w.Status || !slices.Equal(e.Recipients, w.Recipients) || !slices.Equal(e.Rules, w.Rules) ||
			e.Subject != w.Subject || e.Size != w.Size {
			t.Errorf("entry %d: %+v\nwant %+v", i, e, w)
		}
		if !equalEntry(e, full) {
			t.Errorf("List entry %+v\ndiffers from Get %+v", e, full)
		}
	}
	empty, err := ts.List(ctx, Filter{Sender: "nobody"})
	if err != nil || empty.Entries == nil || len(empty.Entries) != 0 || empty.Total != 0 {
		t.Errorf("empty page %+v, %v", empty, err)
	}
}

func equalEntry(a, b Entry) bool {
	return a.ID == b.ID && a.Received.Equal(b.Received) && a.ClientAddr == b.ClientAddr && a.Helo == b.Helo &&
		a.Sender == b.Sender && slices.Equal(a.Recipients, b.Recipients) && a.Verdict == b.Verdict &&
		slices.Equal(a.Reasons, b.Reasons) && slices.Equal(a.Rules, b.Rules) && a.Records == b.Records &&
		slices.Equal(a.RecordIDs, b.RecordIDs) && a.Size == b.Size && a.Subject == b.Subject &&
		a.Status == b.Status && a.ExpiresAt.Equal(b.ExpiresAt) && a.Hold == b.Hold
}

func TestListLimits(t *testing.T) {
	t.Parallel()
	ts := openTest(t)
	ctx := context.Background()
	for i := range 520 {
		e := sample(i)
		e.Recipients, e.Rules = nil, nil
		ts.put(t, e, "x")
	}
	for _, tt := range []struct {
		limit, want int
	}{{0, 50}, {-1, 50}, {10, 10}, {500, 500}, {501, 500}, {1 << 30, 500}} {
		p, err := ts.List(ctx, Filter{Limit: tt.limit})
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Entries) != tt.want || p.Total != 520 {
			t.Errorf("Limit %d: %d entries (total %d), want %d", tt.limit, len(p.Entries), p.Total, tt.want)
		}
	}
	// Paging walks every entry once, in order.
	var seen []string
	for off := 0; ; off += 77 {
		p, err := ts.List(ctx, Filter{Offset: off, Limit: 77, Sort: "records", Desc: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Entries) == 0 {
			break
		}
		for _, e := range p.Entries {
			seen = append(seen, e.ID)
		}
	}
	if len(seen) != 520 || len(slices.Compact(slices.Sorted(slices.Values(seen)))) != 520 {
		t.Errorf("paging saw %d entries", len(seen))
	}
}

func TestListRefusals(t *testing.T) {
	t.Parallel()
	ts := openTest(t)
	for _, f := range []Filter{
		{Sort: "subject"},
		{Statuses: []Status{"bogus"}},
		{Query: strings.Repeat("q", MaxField+1)},
		{From: time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Hour)},
	} {
		if _, err := ts.List(context.Background(), f); !errors.Is(err, ErrInvalid) {
			t.Errorf("List(%+v): %v, want ErrInvalid", f, err)
		}
	}
}

// FuzzListFilter checks List against a plain Go filter over the fixture:
// any strings as filters, no SQL error, the same entries in the same order.
func FuzzListFilter(f *testing.F) {
	f.Add("alice", "", "", "", "", false, "received", false, 0)
	f.Add("", "GMAIL", "freemail-records", "quarantine", "report", true, "sender", true, 3)
	f.Add("'; DROP TABLE entries; --", "%", "_", "\x00", "ｆｕｌｌ", false, "records", false, 12)
	f.Add("É", "ß", "", "", "İ", true, "status", true, 1)
	f.Add("", "", "", "", "顧客", false, "received", false, 0)
	ts, fixture := listFixture(f)
	f.Fuzz(func(t *testing.T, sender, rcpt, rule, verdict, query string, queryWithheld bool, sort string, desc bool, minRecords int) {
		flt := Filter{Sender: sender, Recipient: rcpt, Rule: rule, Verdict: verdict, Query: query, QueryWithheld: queryWithheld,
			Sort: sort, Desc: desc, MinRecords: minRecords, Limit: 500}
		p, err := ts.List(context.Background(), flt)
		_, knownSort := sortCols[sort]
		if !knownSort || len(sender) > MaxField || len(rcpt) > MaxField || len(rule) > MaxField || len(verdict) > MaxField || len(query) > MaxField {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("List(%+v): %v, want ErrInvalid", flt, err)
			}
			return
		}
		if err != nil {
			t.Fatalf("List(%+v): %v", flt, err)
		}
		want := modelList(fixture, flt)
		if got, w := ids(p.Entries), ids(want); got != w || p.Total != len(want) {
			t.Fatalf("List(%+v) = %q (total %d), model %q", flt, got, p.Total, w)
		}
	})
}

// modelList is List in plain Go.
func modelList(es []Entry, f Filter) []Entry {
	has := func(s, sub string) bool { return strings.Contains(fold(s), fold(sub)) }
	anyRcpt := func(e Entry, sub string) bool {
		return slices.ContainsFunc(e.Recipients, func(r string) bool { return has(r, sub) })
	}
	subject := func(e Entry, sub string) bool { return (!e.SubjectWithheld || f.QueryWithheld) && has(e.Subject, sub) }
	var out []Entry
	for _, e := range es {
		switch {
		case f.Sender != "" && !has(e.Sender, f.Sender),
			f.Recipient != "" && !anyRcpt(e, f.Recipient),
			f.Rule != "" && !slices.Contains(e.Rules, f.Rule),
			f.Verdict != "" && e.Verdict != f.Verdict,
			f.MinRecords > 0 && e.Records < f.MinRecords,
			f.Query != "" && !has(e.Sender, f.Query) && !subject(e, f.Query) && !anyRcpt(e, f.Query):
			continue
		}
		out = append(out, e)
	}
	key := func(a, b Entry) int {
		switch f.Sort {
		case "sender":
			return strings.Compare(fold(a.Sender), fold(b.Sender))
		case "records":
			return cmp.Compare(a.Records, b.Records)
		case "size":
			return cmp.Compare(a.Size, b.Size)
		case "status":
			return strings.Compare(string(a.Status), string(b.Status))
		}
		return a.Received.Compare(b.Received)
	}
	slices.SortFunc(out, func(a, b Entry) int {
		c := cmp.Or(key(a, b), strings.Compare(a.ID, b.ID))
		if f.Desc {
			return -c
		}
		return c
	})
	return out
}

// FuzzValidID: an ID that ValidID accepts is a plain file name in the
// message directory, never a temporary file's.
func FuzzValidID(f *testing.F) {
	for _, s := range []string{"a", "..", ".tmp-1", "a/b", "20260301T000100.000000123Z-0123456789abcdef", "é", "a\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		if !ValidID(id) {
			return
		}
		name := id + ".eml"
		if strings.ContainsAny(id, `/\`+"\x00") || id == "." || id == ".." || strings.HasPrefix(name, tmpPrefix) ||
			strings.HasPrefix(id, ".") || !utf8.ValidString(id) || len(id) > maxIDLen {
			t.Fatalf("ValidID accepted %q", id)
		}
	})
}
