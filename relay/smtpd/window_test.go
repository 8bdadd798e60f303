package smtpd

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/dlprelay/dlprelay/policy/history"
	"github.com/dlprelay/dlprelay/relay/config"
	"github.com/dlprelay/dlprelay/relay/inspect"
	"github.com/dlprelay/dlprelay/relay/relaytest"
)

// The sender's rolling window through real sessions: a message's records
// count for the sender's next messages only once the upstream accepted it,
// and count for the messages judged while it is in flight.

// windowRows are the sample customers by name and phone, three per
// message: each message alone is flagged, two together reach the window.
var windowRows = [][]string{
	{"山田 太郎 03-1234-5678", "佐藤 花子 090-1111-2222", "鈴木 一郎 06-2345-6789"},
	{"高橋 美咲 080-3333-4444", "田中 健太 045-123-4567", "伊藤 さくら 070-5555-6666"},
	{"渡辺 翔太 052-987-6543", "中村 陽子 011-222-3333", "小林 大輔 092-444-5555"},
}

// windowMessage is message n (1-based) carrying rows.
func windowMessage(n int, rows []string) string {
	return "From: a@corp.test\r\nTo: x@example.net\r\nSubject: part " + string(rune('0'+n)) +
		"\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + strings.Join(rows, "\r\n") + "\r\n"
}

// windowRelay is a relay with the real engine, the sample list and two
// rules: five records in 24h quarantine, any record flags, and the
// verdict's details in every delivered copy. The history is a ledger over
// store.
func windowRelay(t *testing.T, store history.Store) *relay {
	t.Helper()
	cfg := config.Embedded()
	cfg.Customers.File = filepath.Join("..", "..", "testdata", "customers.csv")
	cfg.Policy.InternalDomains = []string{"corp.test"}
	// The tests read the verdict from the delivered copy's X-DLP-* fields.
	cfg.Policy.Headers.DetailsTo = []string{"any"}
	cfg.Policy.Rules = []config.Rule{
		{Name: "window", MinRecords: 5, Window: 24 * time.Hour, Action: "quarantine"},
		{Name: "any", MinRecords: 1, Action: "flag"},
	}
	eng, err := inspect.Build(cfg, inspect.Options{History: history.NewLedger(store), Keyer: history.NewKeyer([]byte("k"))})
	if err != nil {
		t.Fatal(err)
	}
	return startRelay(t, func(_ *Options, l *Live) { l.Engine = eng })
}

// stores are the two history stores the relay runs with.
var stores = []struct {
	name string
	open func(t *testing.T) history.Store
}{
	{"Memory", func(*testing.T) history.Store { return history.NewMemory() }},
	{"SQLite", func(t *testing.T) history.Store {
		s, err := history.Open(filepath.Join(t.TempDir(), "history.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}},
}

// refuseFirst makes the upstream answer DATA of the first message (part 1)
// with err and accept the rest.
func refuseFirst(up *relaytest.Upstream, err error) {
	up.OnData(func(data []byte) error {
		if bytes.Contains(data, []byte("Subject: part 1")) {
			return err
		}
		return nil
	})
}

// TestWindowUpstreamRefused: records of a message the upstream refused
// with 550 never left, so the sender's next message is judged without
// them: flagged and delivered, not quarantined by the window.
func TestWindowUpstreamRefused(t *testing.T) {
	t.Parallel()
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			t.Parallel()
			r := windowRelay(t, st.open(t))
			refuseFirst(r.up, relaytest.Err(550, smtp.EnhancedCode{5, 7, 1}, "refused by the upstream's own filter"))
			c := greet(t, r.addr)
			if got := c.sendMail("a@corp.test", []string{"x@example.net"}, windowMessage(1, windowRows[0])); !strings.HasPrefix(got, "550 ") {
				t.Fatalf("first message: %q, want the upstream's 550", got)
			}
			if got := c.sendMail("a@corp.test", []string{"x@example.net"}, windowMessage(2, windowRows[1])); !strings.HasPrefix(got, "250 ") {
				t.Fatalf("second message: %q", got)
			}
			if ids := r.quarantined(t); len(ids) != 0 {
				t.Errorf("the second message was quarantined: the refused message's records were counted")
			}
			msgs := r.up.Messages()
			if len(msgs) != 1 || !bytes.Contains(msgs[0].Data, []byte("X-DLP-Verdict: flag")) || !bytes.Contains(msgs[0].Data, []byte("X-DLP-Records: 3")) {
				t.Fatalf("upstream got %d messages, want the second, flagged with 3 records", len(msgs))
			}
		})
	}
}

// TestWindowUpstreamAccepted: the records of a message the upstream
// accepted count, so the next message reaches the window and is held.
func TestWindowUpstreamAccepted(t *testing.T) {
	t.Parallel()
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			t.Parallel()
			r := windowRelay(t, st.open(t))
			c := greet(t, r.addr)
			for i := range 2 {
				if got := c.sendMail("a@corp.test", []string{"x@example.net"}, windowMessage(i+1, windowRows[i])); !strings.HasPrefix(got, "250 ") {
					t.Fatalf("message %d: %q", i+1, got)
				}
			}
			if n := len(r.up.Messages()); n != 1 {
				t.Errorf("upstream got %d messages, want the first only", n)
			}
			if n := len(r.quarantined(t)); n != 1 {
				t.Errorf("quarantine has %d entries, want the second message", n)
			}
		})
	}
}

// TestWindowUpstreamTempFailed: a 451 from the upstream is passed on; the
// records are not banked until the client's retry is accepted, and then
// once: with one more record the sender is at 4 (flagged), with another
// at 5 (held).
func TestWindowUpstreamTempFailed(t *testing.T) {
	t.Parallel()
	r := windowRelay(t, history.NewMemory())
	tries := 0
	r.up.OnData(func(data []byte) error {
		if bytes.Contains(data, []byte("Subject: part 1")) {
			if tries++; tries == 1 {
				return relaytest.Err(451, smtp.EnhancedCode{4, 3, 0}, "try again later")
			}
		}
		return nil
	})
	c := greet(t, r.addr)
	first := windowMessage(1, windowRows[0])
	if got := c.sendMail("a@corp.test", []string{"x@example.net"}, first); !strings.HasPrefix(got, "451 ") {
		t.Fatalf("first attempt: %q, want the upstream's 451", got)
	}
	if got := c.sendMail("a@corp.test", []string{"x@example.net"}, first); !strings.HasPrefix(got, "250 ") {
		t.Fatalf("retry: %q", got)
	}
	if got := c.sendMail("a@corp.test", []string{"x@example.net"}, windowMessage(2, windowRows[1][:1])); !strings.HasPrefix(got, "250 ") {
		t.Fatalf("one more record: %q", got)
	}
	if n := len(r.quarantined(t)); n != 0 {
		t.Fatalf("quarantine has %d entries after 4 records; the first message counted twice?", n)
	}
	if got := c.sendMail("a@corp.test", []string{"x@example.net"}, windowMessage(3, windowRows[1][1:2])); !strings.HasPrefix(got, "250 ") {
		t.Fatalf("a fifth record: %q", got)
	}
	if n := len(r.quarantined(t)); n != 1 {
		t.Errorf("quarantine has %d entries after 5 records, want 1", n)
	}
}

// TestWindowInFlight: while the upstream still has the first message, a
// second session of the same sender counts its records (six: held). The
// upstream then refuses the first, so a third message counts only its own.
func TestWindowInFlight(t *testing.T) {
	t.Parallel()
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			t.Parallel()
			r := windowRelay(t, st.open(t))
			inData, answer := make(chan struct{}), make(chan struct{})
			r.up.OnData(func(data []byte) error {
				if bytes.Contains(data, []byte("Subject: part 1")) {
					close(inData)
					<-answer
					return relaytest.Err(550, smtp.EnhancedCode{5, 7, 1}, "refused")
				}
				return nil
			})
			a := greet(t, r.addr)
			a.cmd("MAIL FROM:<a@corp.test>", "250 ")
			a.cmd("RCPT TO:<x@example.net>", "250 ")
			a.cmd("DATA", "354 ")
			a.send(windowMessage(1, windowRows[0]) + ".\r\n")
			select {
			case <-inData:
			case <-time.After(10 * time.Second):
				t.Fatal("the first message never reached the upstream")
			}

			b := greet(t, r.addr)
			if got := b.sendMail("a@corp.test", []string{"x@example.net"}, windowMessage(2, windowRows[1])); !strings.HasPrefix(got, "250 ") {
				t.Fatalf("second message: %q", got)
			}
			if n := len(r.quarantined(t)); n != 1 {
				t.Errorf("quarantine has %d entries: the second session did not see the first's records in flight", n)
			}

			close(answer)
			if got := a.reply()[0]; !strings.HasPrefix(got, "550 ") {
				t.Fatalf("first message: %q, want the upstream's 550", got)
			}
			if got := b.sendMail("a@corp.test", []string{"x@example.net"}, windowMessage(3, windowRows[2])); !strings.HasPrefix(got, "250 ") {
				t.Fatalf("third message: %q", got)
			}
			if n := len(r.quarantined(t)); n != 1 {
				t.Errorf("quarantine has %d entries: the refused first message still counted", n)
			}
			if msgs := r.up.Messages(); len(msgs) != 1 || !bytes.Contains(msgs[0].Data, []byte("Subject: part 3")) {
				t.Errorf("upstream got %d messages, want the third", len(msgs))
			}
		})
	}
}
