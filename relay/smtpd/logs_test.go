package smtpd

import (
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/dlprelay/dlprelay/relay/relaytest"
)

// Customer values an upstream content filter quotes in its reply text.
const (
	leakedAddr  = "taro.yamada@example.jp"
	leakedPhone = "03-1234-5678"
)

// loggingRelay is a relay whose log the test reads.
func loggingRelay(t *testing.T) (*relay, *syncBuffer) {
	t.Helper()
	buf := &syncBuffer{}
	r := startRelay(t, func(o *Options, _ *Live) { o.Logger = slog.New(slog.NewTextHandler(buf, nil)) })
	return r, buf
}

// waitLog waits until the log has a line with msg, and returns the log.
func waitLog(t *testing.T, buf *syncBuffer, msg string) string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(buf.String(), msg) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	out := buf.String()
	if !strings.Contains(out, msg) {
		t.Fatalf("no %q line in the log:\n%s", msg, out)
	}
	return out
}

func assertNoLeak(t *testing.T, out string) {
	t.Helper()
	for _, v := range []string{leakedAddr, leakedPhone, "taro.yamada", "1234-5678"} {
		if strings.Contains(out, v) {
			t.Errorf("the log carries %q from the upstream's text:\n%s", v, out)
		}
	}
}

// An upstream refusal of the message is logged with the upstream's code
// and enhanced code and its class, never with its text: a content filter
// upstream quotes what it found ("content mentions taro.yamada@…"), and
// the log goes to a SIEM. The client still gets the upstream's answer.
func TestDataRefusalLogHasCodesOnly(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		code   int
		enh    smtp.EnhancedCode
		client string // the reply the client gets
		reply  string // the reply= field logged
		class  string
	}{
		{"5xx", 550, smtp.EnhancedCode{5, 7, 1}, "550 5.7.1 upstream: content mentions ", `reply="550 5.7.1"`, "class=5xx"},
		{"4xx", 450, smtp.EnhancedCode{4, 7, 1}, "451 4.4.0 upstream: content mentions ", `reply="450 4.7.1"`, "class=4xx"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, buf := loggingRelay(t)
			r.up.OnData(func([]byte) error {
				return relaytest.Err(tt.code, tt.enh, "content mentions "+leakedAddr+" "+leakedPhone)
			})
			c := greet(t, r.addr)
			if got := c.sendMail("a@corp.test", []string{"b@example.test"}, cleanMsg); !strings.HasPrefix(got, tt.client) {
				t.Fatalf("DATA reply %q, want %q…", got, tt.client)
			}
			out := waitLog(t, buf, "upstream refused message")
			if !strings.Contains(out, tt.reply) || !strings.Contains(out, tt.class) {
				t.Errorf("the refusal line lacks %s and %s:\n%s", tt.reply, tt.class, out)
			}
			assertNoLeak(t, out)
		})
	}
}

// The same holds at MAIL: the upstream's text is not logged.
func TestMailRefusalLogHasCodesOnly(t *testing.T) {
	t.Parallel()
	r, buf := loggingRelay(t)
	r.up.OnMail(func(string) error {
		return relaytest.Err(553, smtp.EnhancedCode{5, 7, 1}, "sender blocked after "+leakedAddr+" "+leakedPhone)
	})
	c := greet(t, r.addr)
	c.cmd("MAIL FROM:<a@corp.test>", "553 5.7.1 upstream: sender blocked")
	out := waitLog(t, buf, "upstream refused MAIL")
	if !strings.Contains(out, `reply="553 5.7.1"`) || !strings.Contains(out, "class=5xx") {
		t.Errorf("the refusal line lacks the codes:\n%s", out)
	}
	assertNoLeak(t, out)
}

// The upstream's 250 text is free text too (some filters echo what they
// saw): the delivery line has its code, enhanced code and queue id only.
func TestDeliveryLogHasCodesAndQueueIDOnly(t *testing.T) {
	t.Parallel()
	r, buf := loggingRelay(t)
	// An *SMTPError with code 250 is go-smtp's way to choose a 250 text.
	r.up.OnData(func([]byte) error {
		return relaytest.Err(250, smtp.EnhancedCode{2, 0, 0}, "Ok: queued as 4F1xQz9 (scanned: "+leakedAddr+" "+leakedPhone+")")
	})
	c := greet(t, r.addr)
	if got := c.sendMail("a@corp.test", []string{"b@example.test"}, cleanMsg); !strings.HasPrefix(got, "250 2.0.0 Ok: queued as ") {
		t.Fatalf("DATA reply %q", got)
	}
	out := waitLog(t, buf, "message delivered")
	if !strings.Contains(out, `upstream_reply="250 2.0.0"`) || !strings.Contains(out, "upstream_queue_id=4F1xQz9") {
		t.Errorf("the delivery line lacks the upstream's codes and queue id:\n%s", out)
	}
	assertNoLeak(t, out)
}
