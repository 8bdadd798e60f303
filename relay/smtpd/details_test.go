package smtpd

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dlprelay/dlprelay/relay/config"
	"github.com/dlprelay/dlprelay/relay/inspect"
	"github.com/dlprelay/dlprelay/relay/relaytest"
)

// detailsRelay runs the real engine (the sample customer list, a
// watchlist with leaver@corp.test on it, corp.test internal) with rules
// that flag a watchlisted sender's mail outside, flag a record to anyone,
// and monitor a watchlisted sender's internal mail and a record going
// outside. mod changes the configuration before the engine is built.
func detailsRelay(t *testing.T, mod func(*config.Config)) *relay {
	t.Helper()
	dir := t.TempDir()
	watch := filepath.Join(dir, "watchlist.csv")
	today := time.Now().In(time.FixedZone("JST", 9*3600))
	if err := os.WriteFile(watch, []byte("address,name,from,until\nleaver@corp.test,田中 翔太,"+
		today.AddDate(0, 0, -3).Format("2006-01-02")+","+today.AddDate(0, 1, 0).Format("2006-01-02")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := config.Embedded()
	cfg.Customers.File = filepath.Join("..", "..", "testdata", "customers.csv")
	cfg.Policy.InternalDomains = []string{"corp.test"}
	cfg.Policy.Watchlist.File = watch
	cfg.Policy.Rules = []config.Rule{
		{Name: "leaver-outside", Sender: "watchlist", Action: "flag"},
		{Name: "leaver-internal", Sender: "watchlist", Recipients: []string{"internal"}, Action: "quarantine", Monitor: true},
		{Name: "records-any", MinRecords: 1, Recipients: []string{"any"}, Action: "flag"},
		{Name: "records-hold-outside", MinRecords: 1, Action: "quarantine", Monitor: true},
	}
	if mod != nil {
		mod(cfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	eng, err := inspect.Build(cfg, inspect.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return startRelay(t, func(_ *Options, l *Live) { l.Engine = eng })
}

// dlpFields returns the X-DLP-* fields of a delivered message's header
// section, "Name: value" each, in order.
func dlpFields(m relaytest.Message) []string {
	hdr, _, _ := bytes.Cut(m.Data, []byte("\r\n\r\n"))
	var out []string
	for _, l := range strings.Split(string(hdr), "\r\n") {
		if strings.HasPrefix(strings.ToLower(l), "x-dlp-") {
			out = append(out, l)
		}
	}
	return out
}

// names returns the field names of fields.
func names(fields []string) []string {
	var out []string
	for _, f := range fields {
		n, _, _ := strings.Cut(f, ":")
		out = append(out, n)
	}
	return out
}

// oneRecord is a message with one row of the sample customer list (name
// and phone).
func oneRecord(subject string) string {
	return "From: a@corp.test\r\nSubject: " + subject + "\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n山田 太郎 様 03-1234-5678\r\n"
}

const noRecord = "From: leaver@corp.test\r\nSubject: bye\r\n\r\nSee you.\r\n"

// TestDLPHeaderDetailsByRecipient: flagged mail carries the verdict's
// details (X-DLP-Verdict, -Records, -Rules, -Reasons, -Monitor) only when
// every recipient is one they may go to — by default internal ones.
// Mail with any recipient outside carries only the opaque X-DLP-Scan-ID,
// as every delivered message does: nothing there says it was flagged, by
// which rule, or that its sender is on the watchlist.
func TestDLPHeaderDetailsByRecipient(t *testing.T) {
	t.Parallel()
	r := detailsRelay(t, nil)
	tests := []struct {
		name   string
		from   string
		to     []string
		msg    string
		fields []string // the X-DLP-* fields, Scan-ID's value left out
	}{
		// Flagged, and a monitor rule would have held it: neither shows.
		{"a record to outside", "a@corp.test", []string{"someone@gmail.com"}, oneRecord("out"),
			[]string{"X-DLP-Scan-ID"}},
		{"a record to an external address", "a@corp.test", []string{"buyer@customer.example"}, oneRecord("ext"),
			[]string{"X-DLP-Scan-ID"}},
		{"a leaver's mail to outside", "leaver@corp.test", []string{"me@gmail.com"}, noRecord,
			[]string{"X-DLP-Scan-ID"}},
		{"internal and outside recipients", "a@corp.test", []string{"b@corp.test", "someone@gmail.com"}, oneRecord("mixed"),
			[]string{"X-DLP-Scan-ID"}},
		{"a record to an internal address", "a@corp.test", []string{"b@corp.test"}, oneRecord("int"),
			[]string{"X-DLP-Scan-ID", "X-DLP-Verdict: flag", "X-DLP-Records: 1", "X-DLP-Rules: records-any", "X-DLP-Reasons: records"}},
		// The monitored leaver rule names its would-be verdict to the
		// internal recipient, but its reason is not among X-DLP-Reasons,
		// as the rule is not among X-DLP-Rules.
		{"a leaver's record to an internal address", "leaver@corp.test", []string{"b@corp.test", "c@sub.corp.test"}, oneRecord("leaver-int"),
			[]string{"X-DLP-Scan-ID", "X-DLP-Verdict: flag", "X-DLP-Records: 1", "X-DLP-Rules: records-any", "X-DLP-Reasons: records",
				"X-DLP-Monitor: would=quarantine; rule=leaver-internal"}},
		{"a clean message to an internal address", "a@corp.test", []string{"b@corp.test"}, cleanMsg,
			[]string{"X-DLP-Scan-ID"}},
	}
	c := greet(t, r.addr)
	for i, tt := range tests {
		if got := c.sendMail(tt.from, tt.to, tt.msg); !strings.HasPrefix(got, "250 ") {
			t.Fatalf("%s: DATA reply %q", tt.name, got)
		}
		msgs := r.up.Messages()
		if len(msgs) != i+1 {
			t.Fatalf("%s: upstream has %d messages, want %d", tt.name, len(msgs), i+1)
		}
		m := msgs[i]
		var id string
		var got []string
		for _, f := range dlpFields(m) {
			if v, ok := strings.CutPrefix(f, "X-DLP-Scan-ID: "); ok && id == "" {
				id, f = v, "X-DLP-Scan-ID"
			}
			got = append(got, f)
		}
		if trace := "(dlprelay) with ESMTP id " + id; id == "" || !bytes.Contains(m.Data, []byte(trace+"\r\n")) && !bytes.Contains(m.Data, []byte(trace+";")) {
			t.Errorf("%s: X-DLP-Scan-ID %q is not the transaction id of the Received: header", tt.name, id)
		}
		for j, f := range got {
			if strings.HasPrefix(f, "X-DLP-Monitor: ") {
				got[j] = strings.TrimSuffix(f, "; scan-id="+id)
			}
		}
		if !slices.Equal(got, tt.fields) {
			t.Errorf("%s: X-DLP fields\n got %q\nwant %q", tt.name, got, tt.fields)
		}
		if len(tt.fields) == 1 {
			for _, v := range []string{"watchlist", "leaver-", "records-", "flag", "would=", "quarantine"} {
				if bytes.Contains(m.Data, []byte(v)) {
					t.Errorf("%s: the delivered message has %q:\n%s", tt.name, v, m.Data)
				}
			}
		}
	}
}

// TestDLPHeaderDetailsWhereConfigured: policy.headers.details_to names
// where the details may go — an outside journaling address or domain next
// to the internal ones, every recipient (a next hop that removes them), or
// no one.
func TestDLPHeaderDetailsWhereConfigured(t *testing.T) {
	t.Parallel()
	details := []string{"X-DLP-Scan-ID", "X-DLP-Verdict", "X-DLP-Records", "X-DLP-Rules", "X-DLP-Reasons"}
	opaque := []string{"X-DLP-Scan-ID"}
	tests := []struct {
		name      string
		detailsTo []string
		to        []string
		want      []string // field names
	}{
		{"journal address and internal", []string{"internal", "journal@archive.example"}, []string{"b@corp.test", "Journal@Archive.Example"}, details},
		{"journal address, another address there", []string{"internal", "journal@archive.example"}, []string{"b@corp.test", "other@archive.example"}, opaque},
		{"a routed journal address is not the journal", []string{"journal@archive.example"}, []string{"x%evil.example@archive.example"}, opaque},
		{"archive domain and its subdomains", []string{"archive.example"}, []string{"j1@archive.example", "j2@eu.archive.example"}, details},
		{"a routed address is in no domain", []string{"archive.example"}, []string{"x%evil.example@archive.example"}, opaque},
		{"any: every recipient", []string{"any"}, []string{"someone@gmail.com", "b@corp.test"}, details},
		{"outside but not internal", []string{"outside"}, []string{"someone@gmail.com", "b@corp.test"}, opaque},
		{"no one, internal included", []string{}, []string{"b@corp.test"}, opaque},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := detailsRelay(t, func(c *config.Config) {
				c.Policy.Headers.DetailsTo = tt.detailsTo
				c.Policy.Rules = slices.DeleteFunc(c.Policy.Rules, func(r config.Rule) bool { return r.Monitor })
			})
			c := greet(t, r.addr)
			if got := c.sendMail("a@corp.test", tt.to, oneRecord("x")); !strings.HasPrefix(got, "250 ") {
				t.Fatalf("DATA reply %q", got)
			}
			msgs := r.up.Messages()
			if len(msgs) != 1 {
				t.Fatalf("upstream has %d messages", len(msgs))
			}
			if got := names(dlpFields(msgs[0])); !slices.Equal(got, tt.want) {
				t.Errorf("X-DLP fields %q, want %q", got, tt.want)
			}
		})
	}
}
