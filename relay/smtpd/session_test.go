package smtpd

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"golang.org/x/crypto/bcrypt"

	"github.com/dlprelay/dlprelay/detect"
	"github.com/dlprelay/dlprelay/detect/customers"
	"github.com/dlprelay/dlprelay/detect/extract"
	"github.com/dlprelay/dlprelay/relay/config"
	"github.com/dlprelay/dlprelay/relay/inspect"
	"github.com/dlprelay/dlprelay/relay/relaytest"
	"github.com/dlprelay/dlprelay/relay/upstream"
)

const cleanMsg = "From: a@corp.test\r\nTo: b@example.test\r\nSubject: hello\r\n\r\nJust a note.\r\n"

var receivedRe = regexp.MustCompile(`^Received: from client\.test \(\[127\.0\.0\.1\]\)\r\n\tby relay\.test \(dlprelay\) with ESMTP id ([0-9T]+-[0-9a-v]{8})\r\n\tfor <b@example\.test>; [^\r\n]+\r\nX-DLP-Scan-ID: ([^\r\n]*)\r\n`)

// stripTrace removes the Received: and X-DLP-Scan-ID: headers the relay
// prepends to every message, and checks them: the scan id is the
// transaction id.
func stripTrace(t *testing.T, data []byte) []byte {
	t.Helper()
	m := receivedRe.FindSubmatchIndex(data)
	if m == nil || m[0] != 0 {
		t.Fatalf("message does not start with the relay's Received and X-DLP-Scan-ID headers:\n%s", data)
	}
	if id, scan := data[m[2]:m[3]], data[m[4]:m[5]]; !bytes.Equal(id, scan) {
		t.Fatalf("X-DLP-Scan-ID %q, want the transaction id %q", scan, id)
	}
	return data[m[1]:]
}

func TestPassForwardsByteForByte(t *testing.T) {
	t.Parallel()
	r := startRelay(t)
	c := greet(t, r.addr)
	if got := c.sendMail("a@corp.test", []string{"b@example.test"}, cleanMsg); !strings.HasPrefix(got, "250 2.0.0 Ok: queued as ") {
		t.Fatalf("DATA reply %q", got)
	}
	msgs := r.up.Messages()
	if len(msgs) != 1 {
		t.Fatalf("upstream got %d messages, want 1", len(msgs))
	}
	if got := stripTrace(t, msgs[0].Data); string(got) != cleanMsg {
		t.Errorf("body changed:\n got %q\nwant %q", got, cleanMsg)
	}
	if msgs[0].From != "a@corp.test" || len(msgs[0].To) != 1 || msgs[0].To[0] != "b@example.test" {
		t.Errorf("envelope %q %q", msgs[0].From, msgs[0].To)
	}
}

func TestFlagAddsHeadersBodyIntact(t *testing.T) {
	t.Parallel()
	r := startRelay(t)
	c := greet(t, r.addr)
	body := "X-Test-Verdict: flag\r\nSubject: rows\r\n\r\nline one\r\n.leading dot\r\n..two dots\r\n8-bit: 山田太郎 \xff\xfe\r\n"
	if got := c.sendMail("a@corp.test", []string{"b@example.test"}, strings.ReplaceAll(body, "\r\n.", "\r\n..")); !strings.HasPrefix(got, "250 2.0.0") {
		t.Fatalf("DATA reply %q", got)
	}
	msgs := r.up.Messages()
	if len(msgs) != 1 {
		t.Fatalf("upstream got %d messages", len(msgs))
	}
	rest := stripTrace(t, msgs[0].Data)
	hdr := regexp.MustCompile(`^X-DLP-Verdict: flag\r\nX-DLP-Records: 1\r\nX-DLP-Rules: records-flag\r\nX-DLP-Reasons: records\r\n`)
	loc := hdr.FindIndex(rest)
	if loc == nil {
		t.Fatalf("no X-DLP headers at the top:\n%q", rest)
	}
	if got := string(rest[loc[1]:]); got != body {
		t.Errorf("body changed:\n got %q\nwant %q", got, body)
	}
}

func TestQuarantineHoldsAndForwardsNothing(t *testing.T) {
	t.Parallel()
	r := startRelay(t)
	c := greet(t, r.addr)
	body := "X-Test-Verdict: quarantine\r\nSubject: =?ISO-2022-JP?B?GyRCOFw1UiVqJTklSBsoQg==?= (2026)\r\n\r\nrows\r\n"
	if got := c.sendMail("a@corp.test", []string{"b@example.test"}, body); !strings.HasPrefix(got, "250 2.0.0 Ok: queued as ") {
		t.Fatalf("DATA reply %q", got)
	}
	if n := len(r.up.Messages()); n != 0 {
		t.Fatalf("upstream got %d messages, want 0", n)
	}
	ids := r.quarantined(t)
	if len(ids) != 1 {
		t.Fatalf("quarantine has %d entries, want 1", len(ids))
	}
	// The entry has the decoded Subject and the findings.
	e, err := r.q.Get(context.Background(), ids[0])
	if err != nil {
		t.Fatal(err)
	}
	if e.Subject != "顧客リスト (2026)" || string(e.Findings) == "" || e.Records != 3 || len(e.RecordIDs) != 3 {
		t.Errorf("entry subject %q, findings %s, %d records %v", e.Subject, e.Findings, e.Records, e.RecordIDs)
	}
	// The connection is still usable and the upstream transaction was reset.
	if got := c.sendMail("a@corp.test", []string{"b@example.test"}, cleanMsg); !strings.HasPrefix(got, "250 ") {
		t.Fatalf("second transaction: %q", got)
	}
	if n := len(r.up.Messages()); n != 1 {
		t.Fatalf("upstream got %d messages after the clean one, want 1", n)
	}
}

func TestRejectRefusesAndForwardsNothing(t *testing.T) {
	t.Parallel()
	r := startRelay(t)
	c := greet(t, r.addr)
	got := c.sendMail("a@corp.test", []string{"b@example.test"}, "X-Test-Verdict: reject\r\n\r\nrows\r\n")
	if got != "550 5.7.1 Message refused by data loss prevention policy" {
		t.Fatalf("DATA reply %q", got)
	}
	if n := len(r.up.Messages()); n != 0 {
		t.Fatalf("upstream got %d messages", n)
	}
	if ids := r.quarantined(t); len(ids) != 0 {
		t.Fatalf("rejected message was quarantined: %v", ids)
	}
}

func TestFailClosed(t *testing.T) {
	t.Parallel()
	t.Run("scan error", func(t *testing.T) {
		t.Parallel()
		r := startRelay(t)
		c := greet(t, r.addr)
		if got := c.sendMail("a@corp.test", []string{"b@example.test"}, "X-Test-Verdict: error\r\n\r\nx\r\n"); got != "451 4.3.0 Error: temporary local problem, try again later" {
			t.Fatalf("DATA reply %q", got)
		}
		if n := len(r.up.Messages()); n != 0 {
			t.Fatalf("upstream got %d messages", n)
		}
	})
	t.Run("quarantine write fails", func(t *testing.T) {
		t.Parallel()
		r := startRelay(t, func(_ *Options, l *Live) { l.Quarantine = failingQuarantine{} })
		c := greet(t, r.addr)
		if got := c.sendMail("a@corp.test", []string{"b@example.test"}, "X-Test-Verdict: quarantine\r\n\r\nx\r\n"); !strings.HasPrefix(got, "451 4.3.0 ") {
			t.Fatalf("DATA reply %q", got)
		}
		if n := len(r.up.Messages()); n != 0 {
			t.Fatalf("upstream got %d messages", n)
		}
		// Counted as not judged (what DlprelayMessagesNotJudged alerts on),
		// not as quarantined.
		if v := counterValue(t, r.metrics.Messages.WithLabelValues("error")); v != 1 {
			t.Errorf(`messages{verdict="error"} = %v, want 1`, v)
		}
		if v := counterValue(t, r.metrics.Messages.WithLabelValues("quarantine")); v != 0 {
			t.Errorf(`messages{verdict="quarantine"} = %v, want 0`, v)
		}
	})
}

func TestUpstreamDown(t *testing.T) {
	t.Parallel()
	r := startRelay(t)
	r.up.Close()
	c := greet(t, r.addr)
	c.cmd("MAIL FROM:<a@corp.test>", "451 4.4.1 ")
	if v := counterValue(t, r.metrics.UpstreamErrors.WithLabelValues("unavailable")); v < 1 {
		t.Errorf("upstream unavailable errors = %v", v)
	}
}

func TestUpstreamReplies(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		setup func(*relaytest.Upstream)
		stage string // where the error shows: rcpt or data
		want  string
	}{
		{"rcpt 4xx", func(u *relaytest.Upstream) {
			u.OnRcpt(func(string) error { return relaytest.Err(450, smtp.EnhancedCode{4, 2, 1}, "mailbox busy") })
		}, "rcpt", "450 4.2.1 upstream: mailbox busy"},
		{"rcpt 5xx", func(u *relaytest.Upstream) {
			u.OnRcpt(func(string) error { return relaytest.Err(550, smtp.EnhancedCode{5, 1, 1}, "no such user") })
		}, "rcpt", "550 5.1.1 upstream: no such user"},
		{"data 4xx", func(u *relaytest.Upstream) {
			u.OnData(func([]byte) error { return relaytest.Err(451, smtp.EnhancedCode{4, 3, 0}, "try later") })
		}, "data", "451 4.4.0 upstream: try later"},
		{"data 5xx", func(u *relaytest.Upstream) {
			u.OnData(func([]byte) error { return relaytest.Err(554, smtp.EnhancedCode{5, 7, 1}, "spam") })
		}, "data", "554 5.7.1 upstream: spam"},
		{"mail 4xx", func(u *relaytest.Upstream) {
			u.OnMail(func(string) error { return relaytest.Err(421, smtp.EnhancedCode{4, 3, 2}, "going down") })
		}, "mail", "451 4.4.0 upstream: going down"},
		{"mail 5xx", func(u *relaytest.Upstream) {
			u.OnMail(func(string) error { return relaytest.Err(553, smtp.EnhancedCode{5, 1, 8}, "bad sender") })
		}, "mail", "553 5.1.8 upstream: bad sender"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := startRelay(t)
			tt.setup(r.up)
			c := greet(t, r.addr)
			if tt.stage == "mail" {
				c.cmd("MAIL FROM:<a@corp.test>", tt.want)
				return
			}
			c.cmd("MAIL FROM:<a@corp.test>", "250 ")
			if tt.stage == "rcpt" {
				lines := c.cmd("RCPT TO:<b@example.test>", tt.want)
				if lines[0] != tt.want {
					t.Errorf("reply %q, want %q", lines[0], tt.want)
				}
				c.cmd("DATA", "503 5.5.1 ")
				return
			}
			c.cmd("RCPT TO:<b@example.test>", "250 ")
			c.cmd("DATA", "354 ")
			c.send(cleanMsg + ".\r\n")
			if got := c.reply()[0]; got != tt.want {
				t.Errorf("DATA reply %q, want %q", got, tt.want)
			}
			// The session goes on after an upstream refusal.
			c.cmd("NOOP", "250 ")
		})
	}
}

func TestMixedRecipientsGetUpstreamAnswers(t *testing.T) {
	t.Parallel()
	r := startRelay(t)
	r.up.OnRcpt(func(to string) error {
		if strings.HasPrefix(to, "bad") {
			return relaytest.Err(550, smtp.EnhancedCode{5, 1, 1}, "no such user")
		}
		return nil
	})
	c := greet(t, r.addr)
	c.cmd("MAIL FROM:<a@corp.test>", "250 ")
	c.cmd("RCPT TO:<good@example.test>", "250 ")
	c.cmd("RCPT TO:<bad@example.test>", "550 5.1.1 upstream: no such user")
	c.cmd("RCPT TO:<good2@example.test>", "250 ")
	c.cmd("DATA", "354 ")
	c.send(cleanMsg + ".\r\n")
	c.expect("250 ")
	msgs := r.up.Messages()
	if len(msgs) != 1 || strings.Join(msgs[0].To, ",") != "good@example.test,good2@example.test" {
		t.Fatalf("upstream got %+v", msgs)
	}
}

func TestNetworkNotAllowed(t *testing.T) {
	t.Parallel()
	r := startRelay(t, func(_ *Options, l *Live) { l.Allowed = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")} })
	c := dial(t, r.addr)
	c.expect("554 5.7.1 relay.test Error: client host rejected: access denied")
	if v := counterValue(t, r.metrics.Connections.WithLabelValues("denied_network")); v != 1 {
		t.Errorf("denied_network = %v", v)
	}
}

func TestTooManyConnections(t *testing.T) {
	t.Parallel()
	r := startRelay(t, func(o *Options, _ *Live) { o.MaxConnections = 2 })
	greet(t, r.addr)
	greet(t, r.addr)
	c := dial(t, r.addr)
	c.expect("421 4.7.0 relay.test Error: too many connections")
}

func TestOversize(t *testing.T) {
	t.Parallel()
	r := startRelay(t, func(o *Options, _ *Live) { o.MaxMessageBytes = 2000 })
	c := greet(t, r.addr)
	c.cmd("MAIL FROM:<a@corp.test> SIZE=5000", "552 5.3.4 ")
	c.cmd("MAIL FROM:<a@corp.test>", "250 ")
	c.cmd("RCPT TO:<b@example.test>", "250 ")
	c.cmd("DATA", "354 ")
	c.send("Subject: big\r\n\r\n" + strings.Repeat("0123456789abcdef0123456789abcdef\r\n", 100) + ".\r\n")
	c.expect("552 5.3.4 ")
	if n := len(r.up.Messages()); n != 0 {
		t.Fatalf("upstream got %d messages", n)
	}
	c.cmd("NOOP", "250 ")
}

func TestManyTransactionsOneConnection(t *testing.T) {
	t.Parallel()
	r := startRelay(t)
	c := greet(t, r.addr)
	for i := 0; i < 25; i++ {
		verdict := []string{"pass", "quarantine", "reject", "flag"}[i%4]
		msg := fmt.Sprintf("X-Test-Verdict: %s\r\nSubject: %d\r\n\r\nbody %d\r\n", verdict, i, i)
		got := c.sendMail("a@corp.test", []string{"b@example.test"}, msg)
		want := "250 "
		if verdict == "reject" {
			want = "550 "
		}
		if !strings.HasPrefix(got, want) {
			t.Fatalf("transaction %d (%s): %q", i, verdict, got)
		}
	}
	if n := len(r.up.Messages()); n != 13 { // pass + flag: i%4 in {0,3}
		t.Errorf("upstream got %d messages, want 13", n)
	}
	if n := len(r.quarantined(t)); n != 6 {
		t.Errorf("quarantine has %d, want 6", n)
	}
	if n := r.up.Connections(); n != 1 {
		t.Errorf("upstream connections = %d, want 1 (reused)", n)
	}
}

func TestEightBitAndSMTPUTF8(t *testing.T) {
	t.Parallel()
	r := startRelay(t)
	c := greet(t, r.addr)
	body := "From: 山田 <yamada@corp.test>\r\nSubject: =?UTF-8?B?5pel5pys?=\r\n\r\n日本語の本文\r\n\xe3\x81\x82 raw 8-bit \x80\r\n"
	c.cmd("MAIL FROM:<山田@corp.test> SMTPUTF8 BODY=8BITMIME", "250 ")
	c.cmd("RCPT TO:<b@example.test>", "250 ")
	c.cmd("DATA", "354 ")
	c.send(body + ".\r\n")
	c.expect("250 ")
	msgs := r.up.Messages()
	if len(msgs) != 1 {
		t.Fatalf("upstream got %d", len(msgs))
	}
	if !msgs[0].UTF8 || msgs[0].From != "山田@corp.test" {
		t.Errorf("SMTPUTF8 not passed on: utf8=%v from=%q", msgs[0].UTF8, msgs[0].From)
	}
	if !bytes.HasSuffix(msgs[0].Data, []byte(body)) {
		t.Errorf("8-bit body changed: %q", msgs[0].Data)
	}
	if !bytes.Contains(msgs[0].Data, []byte("with UTF8SMTP id")) {
		t.Errorf("Received header should name UTF8SMTP: %q", msgs[0].Data)
	}
}

func TestEHLOAdvertises(t *testing.T) {
	t.Parallel()
	r := startRelay(t)
	c := dial(t, r.addr)
	c.expect("220 ")
	lines := c.cmd("EHLO client.test", "250 ")
	caps := strings.Join(lines, "\n")
	for _, want := range []string{"PIPELINING", "8BITMIME", "SMTPUTF8", "SIZE 1048576", "ENHANCEDSTATUSCODES"} {
		if !strings.Contains(caps, want) {
			t.Errorf("EHLO lacks %s: %q", want, lines)
		}
	}
	for _, bad := range []string{"CHUNKING", "STARTTLS", "AUTH"} {
		if strings.Contains(caps, bad) {
			t.Errorf("EHLO advertises %s: %q", bad, lines)
		}
	}
	c.cmd("BDAT 10 LAST", "502 5.5.1 ")
}

func TestSequencing(t *testing.T) {
	t.Parallel()
	r := startRelay(t)
	c := dial(t, r.addr)
	c.expect("220 ")
	c.cmd("MAIL FROM:<a@corp.test>", "503 5.5.1 Error: send HELO/EHLO first")
	c.cmd("EHLO client.test", "250 ")
	c.cmd("RCPT TO:<b@example.test>", "503 5.5.1 Error: need MAIL command")
	c.cmd("DATA", "503 5.5.1 Error: need RCPT command")
	c.cmd("MAIL FROM:<a@corp.test>", "250 ")
	c.cmd("MAIL FROM:<a@corp.test>", "503 5.5.1 Error: nested MAIL command")
	c.cmd("DATA", "503 5.5.1 Error: need RCPT command")
	c.cmd("RSET", "250 2.0.0 ")
	c.cmd("RCPT TO:<b@example.test>", "503 5.5.1 ")
	c.cmd("NOOP", "250 2.0.0 ")
	c.cmd("VRFY someone", "252 2.5.0 ")
	c.cmd("QUIT", "221 2.0.0 ")
}

func TestOverlongCommandLineIsAnswered(t *testing.T) {
	t.Parallel()
	r := startRelay(t) // MaxLineLength 512
	c := greet(t, r.addr)
	c.cmd("MAIL FROM:<"+strings.Repeat("a", 600)+"@corp.test>", "500 5.5.2 Error: line too long")
	c.cmd("NOOP", "250 ")
	// A whole transaction still works after it.
	if got := c.sendMail("a@corp.test", []string{"b@example.test"}, cleanMsg); !strings.HasPrefix(got, "250 ") {
		t.Fatalf("DATA after long line: %q", got)
	}
}

func TestPipelinedRepliesInOrder(t *testing.T) {
	t.Parallel()
	r := startRelay(t)
	r.up.OnRcpt(func(to string) error {
		if to == "bad@example.test" {
			return relaytest.Err(550, smtp.EnhancedCode{5, 1, 1}, "unknown")
		}
		return nil
	})
	c := dial(t, r.addr)
	c.expect("220 ")
	c.send("EHLO client.test\r\nMAIL FROM:<a@corp.test>\r\nRCPT TO:<b@example.test>\r\nRCPT TO:<bad@example.test>\r\nRCPT TO:<c@example.test>\r\nDATA\r\n")
	for _, want := range []string{"250 ", "250 2.0.0 ", "250 2.0.0 ", "550 5.1.1 ", "250 2.0.0 ", "354 "} {
		c.expect(want)
	}
	c.send(cleanMsg + ".\r\nMAIL FROM:<a@corp.test>\r\nRCPT TO:<b@example.test>\r\nDATA\r\n")
	for _, want := range []string{"250 2.0.0 Ok", "250 2.0.0 ", "250 2.0.0 ", "354 "} {
		c.expect(want)
	}
	c.send(cleanMsg + ".\r\nQUIT\r\n")
	c.expect("250 2.0.0 Ok")
	c.expect("221 ")
	if n := len(r.up.Messages()); n != 2 {
		t.Fatalf("upstream got %d messages", n)
	}
}

// TestSmuggling sends each bare-CR/LF end-of-data variant of the
// CVE-2023-51764 class with a second message hidden behind it. The relay must
// answer DATA once, refuse the message, and never run the hidden commands.
func TestSmuggling(t *testing.T) {
	t.Parallel()
	hidden := "MAIL FROM:<evil@corp.test>\r\nRCPT TO:<victim@example.test>\r\nDATA\r\nSubject: smuggled\r\n\r\nsecret rows\r\n"
	variants := map[string]string{
		"LF.LF":     "\n.\n",
		"CRLF.LF":   "\r\n.\n",
		"LF.CRLF":   "\n.\r\n",
		"CR.CRLF":   "\r.\r\n",
		"CRLF.CR":   "\r\n.\r",
		"CRLF.CRCR": "\r\n.\r\r\n",
		"CR.CR":     "\r.\r",
	}
	for name, seq := range variants {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			for _, normalize := range []bool{false, true} {
				r := startRelay(t, func(o *Options, _ *Live) { o.NormalizeBareEOL = normalize })
				c := greet(t, r.addr)
				c.cmd("MAIL FROM:<a@corp.test>", "250 ")
				c.cmd("RCPT TO:<b@example.test>", "250 ")
				c.cmd("DATA", "354 ")
				c.send("Subject: first\r\n\r\nbody" + seq + hidden + ".\r\n")
				got := c.reply()[0]
				if !normalize {
					if got != "554 5.6.0 Error: bare CR or LF in message; lines must end with CRLF" {
						t.Fatalf("reject mode: DATA reply %q", got)
					}
				} else if !strings.HasPrefix(got, "250 ") {
					t.Fatalf("normalize mode: DATA reply %q", got)
				}
				// Exactly one reply: the next command gets its own answer.
				c.cmd("NOOP", "250 2.0.0 ")
				msgs := r.up.Messages()
				for _, m := range msgs {
					if m.From == "evil@corp.test" {
						t.Fatalf("smuggled message reached the upstream")
					}
					if !bytes.Contains(m.Data, []byte("MAIL FROM:<evil@corp.test>\r\n")) {
						t.Errorf("normalize mode: the hidden text should arrive as data of the one message: %q", m.Data)
					}
					for i, b := range m.Data {
						if b == '\n' && (i == 0 || m.Data[i-1] != '\r') || b == '\r' && (i+1 == len(m.Data) || m.Data[i+1] != '\n') {
							t.Fatalf("forwarded data has a bare CR or LF at %d: %q", i, m.Data)
						}
					}
				}
				if normalize && len(msgs) != 1 {
					t.Fatalf("normalize mode: upstream got %d messages, want the one (hidden text as data)", len(msgs))
				}
				if !normalize && len(msgs) != 0 {
					t.Fatalf("reject mode: upstream got %d messages", len(msgs))
				}
			}
		})
	}
}

func TestDataLineLimit(t *testing.T) {
	t.Parallel()
	r := startRelay(t, func(o *Options, _ *Live) { o.MaxDataLineLength = 100 })
	c := greet(t, r.addr)
	got := c.sendMail("a@corp.test", []string{"b@example.test"}, "Subject: x\r\n\r\n"+strings.Repeat("y", 150)+"\r\n")
	if got != "554 5.6.0 Error: message has a line longer than allowed" {
		t.Fatalf("DATA reply %q", got)
	}
	if got := c.sendMail("a@corp.test", []string{"b@example.test"}, "Subject: x\r\n\r\n"+strings.Repeat("y", 100)+"\r\n"); !strings.HasPrefix(got, "250 ") {
		t.Fatalf("line at the limit: %q", got)
	}
}

func TestStartTLSAndAuth(t *testing.T) {
	t.Parallel()
	hash, err := bcrypt.GenerateFromPassword([]byte("s3cret"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	r := startRelay(t, func(o *Options, l *Live) {
		o.TLSConfig = selfSignedTLS(t)
		l.Allowed = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")} // loopback must authenticate
		l.Users = map[string][]byte{"alice": hash}
		l.CheckPassword = func(users map[string][]byte, user, pass string) bool {
			h, ok := users[user]
			return ok && bcrypt.CompareHashAndPassword(h, []byte(pass)) == nil
		}
	})
	c := dial(t, r.addr)
	c.expect("220 ")
	caps := strings.Join(c.cmd("EHLO client.test", "250 "), "\n")
	if !strings.Contains(caps, "STARTTLS") || strings.Contains(caps, "AUTH") {
		t.Fatalf("before TLS: want STARTTLS and no AUTH: %q", caps)
	}
	c.cmd("AUTH PLAIN "+base64.StdEncoding.EncodeToString([]byte("\x00alice\x00s3cret")), "538 5.7.11 ")
	c.cmd("MAIL FROM:<a@corp.test>", "530 5.7.0 ")
	// Pipeline a command behind STARTTLS: it must be dropped, not run
	// inside the TLS session (CVE-2011-0411 class).
	c.send("STARTTLS\r\nMAIL FROM:<injected@corp.test>\r\n")
	c.expect("220 2.0.0 ")
	tc := tls.Client(c.conn, &tls.Config{InsecureSkipVerify: true})
	if err := tc.Handshake(); err != nil {
		t.Fatal(err)
	}
	c.conn = tc
	c.r.Reset(tc)
	c.cmd("MAIL FROM:<a@corp.test>", "503 5.5.1 Error: send HELO/EHLO first")
	caps = strings.Join(c.cmd("EHLO client.test", "250 "), "\n")
	if strings.Contains(caps, "STARTTLS") || !strings.Contains(caps, "AUTH PLAIN LOGIN") {
		t.Fatalf("after TLS: want AUTH and no STARTTLS: %q", caps)
	}
	c.cmd("STARTTLS", "503 5.5.1 ")
	c.cmd("AUTH PLAIN "+base64.StdEncoding.EncodeToString([]byte("\x00alice\x00wrong")), "535 5.7.8 ")
	c.cmd("AUTH PLAIN "+base64.StdEncoding.EncodeToString([]byte("\x00alice\x00wrong2")), "535 5.7.8 ")
	c.cmd("AUTH LOGIN", "334 ")
	c.cmd(base64.StdEncoding.EncodeToString([]byte("alice")), "334 ")
	c.cmd(base64.StdEncoding.EncodeToString([]byte("s3cret")), "235 2.0.0 ")
	if got := c.sendMail("a@corp.test", []string{"b@example.test"}, cleanMsg); !strings.HasPrefix(got, "250 ") {
		t.Fatalf("authenticated send: %q", got)
	}
	msgs := r.up.Messages()
	if len(msgs) != 1 || msgs[0].From != "a@corp.test" {
		t.Fatalf("upstream got %+v", msgs)
	}
	if !bytes.Contains(msgs[0].Data, []byte("with ESMTPSA id")) {
		t.Errorf("Received header should say ESMTPSA: %q", msgs[0].Data[:200])
	}
}

func TestShutdownDrainsTransactions(t *testing.T) {
	t.Parallel()
	r := startRelay(t)
	release := make(chan struct{})
	r.up.OnData(func([]byte) error { <-release; return nil })
	c := greet(t, r.addr)
	idle := greet(t, r.addr) // open, no transaction
	c.cmd("MAIL FROM:<a@corp.test>", "250 ")
	c.cmd("RCPT TO:<b@example.test>", "250 ")
	c.cmd("DATA", "354 ")
	c.send(cleanMsg + ".\r\n")
	done := make(chan error, 1)
	go func() {
		// Wait until the transaction is in flight, then shut down.
		for _, tx := r.srv.InFlight(); tx == 0; _, tx = r.srv.InFlight() {
			time.Sleep(5 * time.Millisecond)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		done <- r.srv.Shutdown(ctx)
	}()
	// Shutdown must wait for the transaction, not cut it off.
	select {
	case err := <-done:
		t.Fatalf("Shutdown returned %v while a transaction was in flight", err)
	case <-time.After(200 * time.Millisecond):
	}
	// A new transaction during the drain gets 421, and the connection is
	// closed after it (RFC 5321 §3.8).
	idle.cmd("MAIL FROM:<a@corp.test>", "421 4.3.2 ")
	if l, err := idle.r.ReadString('\n'); err == nil {
		t.Errorf("connection still open after 421: read %q", l)
	}
	close(release)
	c.expect("250 2.0.0 Ok")
	if err := <-done; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if n := len(r.up.Messages()); n != 1 {
		t.Fatalf("upstream got %d", n)
	}
}

func counterValue(t *testing.T, c prometheus.Collector) float64 {
	t.Helper()
	return testutil.ToFloat64(c)
}

func TestReady(t *testing.T) {
	t.Parallel()
	r := startRelay(t)
	if err := r.srv.Ready(time.Minute); err == nil {
		t.Fatal("ready before the upstream was ever reached")
	}
	if err := r.srv.Ready(0); err != nil {
		t.Fatalf("Ready(0) = %v; the upstream check is off", err)
	}
	c := greet(t, r.addr)
	c.sendMail("a@corp.test", []string{"b@example.test"}, cleanMsg)
	if err := r.srv.Ready(time.Minute); err != nil {
		t.Fatalf("not ready after a delivery: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	c.cmd("QUIT", "221 ")
	r.srv.Shutdown(ctx)
	if err := r.srv.Ready(0); err == nil {
		t.Fatal("ready while shut down")
	}
}

func TestAuthGuessingIsCutOff(t *testing.T) {
	t.Parallel()
	hash, _ := bcrypt.GenerateFromPassword([]byte("s3cret"), bcrypt.MinCost)
	r := startRelay(t, func(_ *Options, l *Live) {
		l.Users = map[string][]byte{"alice": hash}
		l.AllowInsecureAuth = true
		l.CheckPassword = func(users map[string][]byte, user, pass string) bool {
			return bcrypt.CompareHashAndPassword(users[user], []byte(pass)) == nil
		}
	})
	c := greet(t, r.addr)
	for i := 0; i < maxAuthFailures; i++ {
		c.cmd("AUTH PLAIN "+base64.StdEncoding.EncodeToString([]byte("\x00alice\x00guess")), "535 5.7.8 ")
	}
	c.send("NOOP\r\n")
	if l, err := c.r.ReadString('\n'); err == nil {
		t.Fatalf("connection still open after %d failed AUTH: %q", maxAuthFailures, l)
	}
}

func TestSubject(t *testing.T) {
	t.Parallel()
	long := "X-Pad: " + strings.Repeat("x", maxSubjectHeader) + "\r\n"
	tests := []struct {
		name, msg, want string
	}{
		{"plain", "Subject: hello\r\n\r\nbody", "hello"},
		{"folded", "Subject: one\r\n two\r\n\r\n", "one two"},
		{"utf-8 words", "Subject: =?UTF-8?B?6aGn5a6i?= =?UTF-8?Q?=E3=83=AA=E3=82=B9=E3=83=88?=\r\n\r\n", "顧客リスト"},
		{"shift_jis word", "Subject: =?Shift_JIS?B?jNqLcQ==?=\r\n\r\n", "顧客"},
		{"unknown charset: raw", "Subject: =?x-unknown?Q?abc?=\r\n\r\n", "=?x-unknown?Q?abc?="},
		{"headers only", "Subject: no body", "no body"},
		{"none", "From: a@b\r\n\r\nSubject: in the body\r\n", ""},
		{"after 64 KiB", long + "Subject: too late\r\n\r\n", ""},
		{"before 64 KiB", "Subject: early\r\n" + long + "\r\n", "early"},
		{"not a message", "\x00\x01\x02", ""},
	}
	for _, tt := range tests {
		if got := subject(strings.NewReader(tt.msg)); got != tt.want {
			t.Errorf("%s: subject %q, want %q", tt.name, got, tt.want)
		}
	}
}

// refusingUpstream accepts connections and answers them with greeting, then
// whatever ehlo says to EHLO (nothing if ehlo is ""), and hangs up.
func refusingUpstream(t *testing.T, greeting, ehlo string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				io.WriteString(c, greeting+"\r\n")
				if ehlo == "" {
					return
				}
				bufio.NewReader(c).ReadString('\n')
				io.WriteString(c, ehlo+"\r\n")
			}()
		}
	}()
	return ln.Addr().String()
}

// An upstream that refuses the relay's session (greeting, EHLO) is a setup
// problem, not the message's: the client gets a 451, never the upstream's
// 5xx, so no mail bounces over it. A required STARTTLS that is not offered
// gets its own 451 4.7.5.
func TestUpstreamRefusesSession(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, greeting, ehlo string
		tls                  upstream.TLSMode
		want                 string
	}{
		{"greeting 554", "554 5.7.1 no service for you", "", upstream.TLSNone, "451 4.4.0 Error: upstream relay refused the relay's session"},
		{"greeting 554 before STARTTLS", "554 5.7.1 no service for you", "", upstream.TLSOpportunistic, "451 4.4.0 Error: upstream relay refused the relay's session"},
		{"EHLO 550", "220 up.test", "550 5.7.1 not you", upstream.TLSNone, "451 4.4.0 Error: upstream relay refused the relay's session"},
		{"STARTTLS required, not offered", "220 up.test", "250 up.test", upstream.TLSRequired, "451 4.7.5 Error: TLS with the upstream relay failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			addr := refusingUpstream(t, tt.greeting, tt.ehlo)
			r := startRelay(t, func(_ *Options, l *Live) {
				l.Upstream = upstream.New(upstream.Config{Address: addr, LocalName: "relay.test", TLS: tt.tls,
					CommandTimeout: 5 * time.Second, DataTimeout: 5 * time.Second, ConnectTimeout: 2 * time.Second})
			})
			c := greet(t, r.addr)
			c.cmd("MAIL FROM:<a@corp.test>", tt.want)
		})
	}
}

// A client outside the allowed networks reaches MAIL only when AUTH is
// configured (it may authenticate) or after a reload removed its network:
// without AUTH it gets the network refusal, not "authentication required".
func TestMailFromDeniedNetworkWithoutAuth(t *testing.T) {
	t.Parallel()
	var live *Live
	r := startRelay(t, func(_ *Options, l *Live) { live = l })
	c := greet(t, r.addr)
	next := *live
	next.Allowed = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	r.srv.SetLive(&next)
	c.cmd("MAIL FROM:<a@corp.test>", "554 5.7.1 Error: client host rejected")
}

// A reject_message up to the 400 characters the policy allows reaches the
// client whole.
func TestRejectMessageLength(t *testing.T) {
	t.Parallel()
	msg := strings.Repeat("x", 390) + " call 1234"
	r := startRelay(t, func(_ *Options, l *Live) { l.Engine = fakeInspector{message: msg} })
	c := greet(t, r.addr)
	if got := c.sendMail("a@corp.test", []string{"b@example.test"}, "X-Test-Verdict: reject\r\n\r\nx\r\n"); got != "550 5.7.1 "+msg {
		t.Fatalf("DATA reply %q", got)
	}
}

// A client that paces its DATA slowly enough to stay within read_timeout
// on every read is still cut off after smtp.data_timeout: 421 4.4.2, then
// the connection closes. Nothing is forwarded.
func TestDataTimeoutCutsSlowClient(t *testing.T) {
	t.Parallel()
	r := startRelay(t, func(o *Options, _ *Live) { o.DataTimeout = 300 * time.Millisecond })
	c := greet(t, r.addr)
	c.cmd("MAIL FROM:<a@corp.test>", "250 ")
	c.cmd("RCPT TO:<b@example.test>", "250 ")
	c.cmd("DATA", "354 ")
	c.send("Subject: slow\r\n\r\n")
	replies := make(chan string, 1)
	go func() {
		l, err := c.r.ReadString('\n')
		if err != nil {
			l = "read error: " + err.Error()
		}
		replies <- l
	}()
	var got string
dribble:
	for range 100 { // 10 s at most
		select {
		case got = <-replies:
			break dribble
		case <-time.After(100 * time.Millisecond):
			if _, err := io.WriteString(c.conn, "x\r\n"); err != nil { // a line well within read_timeout
				got = <-replies
				break dribble
			}
		}
	}
	if want := "421 4.4.2 Error: timeout receiving the message data"; !strings.HasPrefix(got, want) {
		t.Fatalf("slow DATA: got %q, want %q", got, want)
	}
	if l, err := c.r.ReadString('\n'); err == nil {
		t.Errorf("connection open after 421: read %q", l)
	}
	if n := len(r.up.Messages()); n != 0 {
		t.Errorf("upstream got %d messages", n)
	}
}

// An upstream refusal of a recipient is logged with its code, never with
// the recipient or the upstream's text, which usually quotes it.
func TestRcptRefusalLogHasNoAddress(t *testing.T) {
	t.Parallel()
	var buf syncBuffer
	r := startRelay(t, func(o *Options, _ *Live) { o.Logger = slog.New(slog.NewTextHandler(&buf, nil)) })
	r.up.OnRcpt(func(to string) error {
		return relaytest.Err(550, smtp.EnhancedCode{5, 1, 1}, "<"+to+">: Recipient address rejected: User unknown")
	})
	c := greet(t, r.addr)
	c.cmd("MAIL FROM:<a@corp.test>", "250 ")
	c.cmd("RCPT TO:<taro.yamada@example.jp>", "550 5.1.1 ")
	c.cmd("QUIT", "221 ")
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(buf.String(), "upstream refused RCPT") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	out := buf.String()
	if !strings.Contains(out, `reply="550 5.1.1"`) {
		t.Errorf("no refusal line with its code in the log:\n%s", out)
	}
	if strings.Contains(out, "taro.yamada") {
		t.Errorf("the log carries the recipient:\n%s", out)
	}
}

// syncBuffer is a bytes.Buffer that the server's goroutines may write to
// while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestShutdownClosesBusySessions shuts down while clients keep sending EHLO.
// go-smtp's Server.Close closes each session from another goroutine while its
// handler reads the same session unguarded; under -race this test caught
// that. Shutdown must close the connections under the handlers instead and
// wait for the handlers to end.
func TestShutdownClosesBusySessions(t *testing.T) {
	t.Parallel()
	r := startRelay(t)
	const n = 8
	var wg sync.WaitGroup
	ended := make(chan error, n)
	for range n {
		c := greet(t, r.addr)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				if _, err := io.WriteString(c.conn, "EHLO client.test\r\n"); err != nil {
					ended <- err
					return
				}
				for {
					l, err := c.r.ReadString('\n')
					if err != nil {
						ended <- err
						return
					}
					if len(l) > 3 && l[3] == ' ' {
						break
					}
				}
			}
		}()
	}
	time.Sleep(50 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := r.srv.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if conns, _ := r.srv.InFlight(); conns != 0 {
		t.Errorf("%d connections still open after Shutdown", conns)
	}
	wg.Wait()
	for range n {
		if err := <-ended; err == nil {
			t.Error("a client saw no end")
		}
	}
}

// TestShutdownDuringGreeting shuts down while fresh connections say EHLO, the
// moment go-smtp creates their sessions. Run under -race.
func TestShutdownDuringGreeting(t *testing.T) {
	t.Parallel()
	for round := range 20 {
		r := startRelay(t)
		var wg sync.WaitGroup
		for range 10 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c, err := net.Dial("tcp", r.addr)
				if err != nil {
					return // the listener may already be closed
				}
				defer c.Close()
				c.SetDeadline(time.Now().Add(10 * time.Second))
				io.WriteString(c, "EHLO client.test\r\n")
				io.Copy(io.Discard, c) // until the relay closes it
			}()
		}
		time.Sleep(time.Duration(round%5) * time.Millisecond)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err := r.srv.Shutdown(ctx)
		cancel()
		if err != nil {
			t.Fatalf("round %d: Shutdown: %v", round, err)
		}
		wg.Wait()
		if conns, _ := r.srv.InFlight(); conns != 0 {
			t.Fatalf("round %d: %d connections open after Shutdown", round, conns)
		}
	}
}

// TestShutdownDeadlineCutsTransaction lets the drain deadline pass while the
// upstream holds a transaction: the client's connection is closed without a
// 250, and the session ends on its own goroutine once the upstream answers.
func TestShutdownDeadlineCutsTransaction(t *testing.T) {
	t.Parallel()
	r := startRelay(t)
	release := make(chan struct{})
	r.up.OnData(func([]byte) error { <-release; return nil })
	c := greet(t, r.addr)
	c.cmd("MAIL FROM:<a@corp.test>", "250 ")
	c.cmd("RCPT TO:<b@example.test>", "250 ")
	c.cmd("DATA", "354 ")
	c.send(cleanMsg + ".\r\n")
	for _, tx := r.srv.InFlight(); tx == 0; _, tx = r.srv.InFlight() {
		time.Sleep(5 * time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := r.srv.Shutdown(ctx); err == nil {
		t.Fatal("Shutdown reported a clean drain with a transaction cut off")
	}
	if l, err := c.r.ReadString('\n'); err == nil {
		t.Fatalf("client read %q after the drain deadline; want the connection closed", l)
	}
	close(release)
	deadline := time.Now().Add(5 * time.Second)
	for {
		conns, tx := r.srv.InFlight()
		if conns == 0 && tx == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the upstream answered: %d connections, %d transactions in flight", conns, tx)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestQuarantineStoresVersionedFindings: a held message's findings are
// stored as detect.Findings of this extractor, through the real session,
// scanner and store, and their offsets place each match on its value in
// the extracted text.
func TestQuarantineStoresVersionedFindings(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("fake engine", func(t *testing.T) {
		t.Parallel()
		r := startRelay(t)
		c := greet(t, r.addr)
		if got := c.sendMail("a@corp.test", []string{"b@example.test"}, "X-Test-Verdict: quarantine\r\nSubject: x\r\n\r\nrows\r\n"); !strings.HasPrefix(got, "250 ") {
			t.Fatalf("DATA reply %q", got)
		}
		ids := r.quarantined(t)
		if len(ids) != 1 {
			t.Fatalf("%d entries", len(ids))
		}
		e, err := r.q.Get(ctx, ids[0])
		if err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprintf(`{"schema":%d,"extractor":%d,"records":[`, detect.FindingsSchema, detect.ExtractorVersion)
		if !strings.HasPrefix(string(e.Findings), want) {
			t.Errorf("stored findings %s, want them to start %s", e.Findings, want)
		}
		f, err := detect.DecodeFindings(e.Findings)
		if err != nil || !f.Current() || len(f.Records) != 3 || f.Records[2].ID != "C003" {
			t.Errorf("decoded %+v, %v", f, err)
		}
	})
	t.Run("real engine", func(t *testing.T) {
		t.Parallel()
		cfg := config.Embedded()
		cfg.Customers.File = filepath.Join("..", "..", "testdata", "customers.csv")
		eng, err := inspect.Build(cfg, inspect.Options{})
		if err != nil {
			t.Fatal(err)
		}
		r := startRelay(t, func(_ *Options, l *Live) { l.Engine = eng })
		msg, err := os.ReadFile(filepath.Join("..", "..", "testdata", "mail", "02-rows-plain.eml"))
		if err != nil {
			t.Fatal(err)
		}
		c := greet(t, r.addr)
		if got := c.sendMail("a@corp.test", []string{"b@example.test"}, strings.ReplaceAll(string(msg), "\r\n.", "\r\n..")); !strings.HasPrefix(got, "250 ") {
			t.Fatalf("DATA reply %q", got)
		}
		ids := r.quarantined(t)
		if len(ids) != 1 {
			t.Fatalf("%d entries", len(ids))
		}
		e, err := r.q.Get(ctx, ids[0])
		if err != nil {
			t.Fatal(err)
		}
		f, err := detect.DecodeFindings(e.Findings)
		if err != nil || f.Schema != detect.FindingsSchema || !f.Current() || len(f.Records) != e.Records || len(f.Records) < 4 {
			t.Fatalf("decoded schema %d, extractor %d, %d records of %d: %v", f.Schema, f.Extractor, len(f.Records), e.Records, err)
		}
		stored, err := r.q.Open(ctx, ids[0])
		if err != nil {
			t.Fatal(err)
		}
		defer stored.Close()
		texts := map[string]string{}
		if _, err := extract.Walk(ctx, stored, inspect.Limits(cfg), func(seg string, text io.Reader) error {
			b, err := io.ReadAll(text)
			if _, seen := texts[seg]; !seen {
				texts[seg] = string(b)
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		found := 0
		for _, h := range f.Records {
			for _, m := range h.Matches {
				text := texts[m.Part]
				if m.Start < 0 || m.End > int64(len(text)) || m.Start >= m.End {
					t.Errorf("%s %s: offsets %d-%d outside segment %q (%d bytes)", h.ID, m.Field, m.Start, m.End, m.Part, len(text))
					continue
				}
				if h.ID == "C0001" && m.Field == customers.FieldName && text[m.Start:m.End] == "山田 太郎" {
					found++
				}
			}
		}
		if found == 0 {
			t.Error("no match of C0001's name placed on it")
		}
	})
	// A message held with no record found (encrypted) still has its
	// findings stored: no records, and the extractor that read it, so the
	// console knows which scan cleared its headers and file names.
	t.Run("no record found", func(t *testing.T) {
		t.Parallel()
		cfg := config.Embedded()
		cfg.Customers.File = filepath.Join("..", "..", "testdata", "customers.csv")
		eng, err := inspect.Build(cfg, inspect.Options{})
		if err != nil {
			t.Fatal(err)
		}
		r := startRelay(t, func(_ *Options, l *Live) { l.Engine = eng })
		msg, err := os.ReadFile(filepath.Join("..", "..", "detect", "testdata", "mail", "33-smime-encrypted.eml"))
		if err != nil {
			t.Fatal(err)
		}
		c := greet(t, r.addr)
		crlf := strings.ReplaceAll(strings.ReplaceAll(string(msg), "\r\n", "\n"), "\n", "\r\n")
		if got := c.sendMail("a@corp.test", []string{"b@example.test"}, strings.ReplaceAll(crlf, "\r\n.", "\r\n..")); !strings.HasPrefix(got, "250 ") {
			t.Fatalf("DATA reply %q", got)
		}
		ids := r.quarantined(t)
		if len(ids) != 1 {
			t.Fatalf("%d entries", len(ids))
		}
		e, err := r.q.Get(ctx, ids[0])
		if err != nil {
			t.Fatal(err)
		}
		f, err := detect.DecodeFindings(e.Findings)
		if err != nil || !f.Current() || len(f.Records) != 0 || e.Records != 0 {
			t.Errorf("stored findings %s (%d records in the entry): decoded extractor %d, %d records, %v", e.Findings, e.Records, f.Extractor, len(f.Records), err)
		}
	})
}
