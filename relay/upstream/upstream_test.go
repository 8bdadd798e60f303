package upstream

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/dlprelay/dlprelay/relay/relaytest"
)

func fwd(addr string, mode TLSMode) *Forwarder {
	return New(Config{Address: addr, LocalName: "relay.test", TLS: mode, MaxIdle: 2,
		ConnectTimeout: time.Second, CommandTimeout: 2 * time.Second, DataTimeout: 2 * time.Second})
}

func send(t *testing.T, f *Forwarder, body string) error {
	t.Helper()
	tx, err := f.Begin(context.Background(), "a@corp.test", nil)
	if err != nil {
		return err
	}
	if err := tx.Rcpt("b@example.test", nil); err != nil {
		tx.Abort()
		return err
	}
	_, err = tx.Data(func(w io.Writer) error { _, err := io.WriteString(w, body); return err })
	return err
}

func TestOpportunisticWithoutSTARTTLSDelivers(t *testing.T) {
	up := relaytest.NewUpstream(t)
	f := fwd(up.Addr, TLSOpportunistic)
	defer f.Close()
	if err := send(t, f, "Subject: x\r\n\r\nhi\r\n"); err != nil {
		t.Fatal(err)
	}
	if n := len(up.Messages()); n != 1 {
		t.Fatalf("upstream got %d", n)
	}
	if f.LastContact().IsZero() {
		t.Error("LastContact not recorded")
	}
}

func TestRequiredTLSRefusesPlainUpstream(t *testing.T) {
	up := relaytest.NewUpstream(t)
	f := fwd(up.Addr, TLSRequired)
	defer f.Close()
	err := send(t, f, "Subject: x\r\n\r\nhi\r\n")
	if !errors.Is(err, ErrUnavailable) || !errors.Is(err, ErrTLS) {
		t.Fatalf("err = %v, want ErrUnavailable and ErrTLS", err)
	}
	if n := len(up.Messages()); n != 0 {
		t.Fatalf("upstream got %d", n)
	}
}

func TestUnreachable(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	f := fwd(addr, TLSNone)
	if err := send(t, f, "x\r\n"); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("err = %v, want ErrUnavailable", err)
	}
	if err := f.Probe(context.Background()); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("Probe err = %v", err)
	}
}

func TestRepliesAreClassified(t *testing.T) {
	up := relaytest.NewUpstream(t)
	up.OnRcpt(func(string) error { return relaytest.Err(452, smtp.EnhancedCode{4, 5, 3}, "too many") })
	f := fwd(up.Addr, TLSNone)
	defer f.Close()
	err := send(t, f, "x\r\n")
	var r *Reply
	if !errors.As(err, &r) || r.Code != 452 || !r.Temporary() {
		t.Fatalf("err = %v, want *Reply 452", err)
	}
	// The connection was reset and pooled: the next transaction reuses it.
	up.OnRcpt(nil)
	if err := send(t, f, "x\r\n"); err != nil {
		t.Fatal(err)
	}
	if n := up.Connections(); n != 1 {
		t.Errorf("connections = %d, want 1", n)
	}
}

// A pooled connection the upstream has dropped is replaced transparently.
func TestStalePooledConnectionIsReplaced(t *testing.T) {
	up := relaytest.NewUpstream(t)
	f := fwd(up.Addr, TLSNone)
	defer f.Close()
	if err := send(t, f, "x\r\n"); err != nil {
		t.Fatal(err)
	}
	// Break the idle connection under the pool.
	f.mu.Lock()
	for _, c := range f.idle {
		c.c.Close()
	}
	f.mu.Unlock()
	if err := send(t, f, "y\r\n"); err != nil {
		t.Fatalf("after a stale connection: %v", err)
	}
	if n := len(up.Messages()); n != 2 {
		t.Fatalf("upstream got %d", n)
	}
}

func TestUpstreamSTARTTLS(t *testing.T) {
	srvTLS, pool := relaytest.SelfSigned(t, "upstream.test")
	up := relaytest.NewUpstreamTLS(t, srvTLS)

	t.Run("opportunistic encrypts without verifying", func(t *testing.T) {
		f := fwd(up.Addr, TLSOpportunistic)
		defer f.Close()
		if err := send(t, f, "x\r\n"); err != nil {
			t.Fatal(err)
		}
		msgs := up.Messages()
		if !msgs[len(msgs)-1].TLS {
			t.Fatal("message was not sent over TLS")
		}
	})
	t.Run("required fails on an unverifiable certificate", func(t *testing.T) {
		f := fwd(up.Addr, TLSRequired)
		defer f.Close()
		if err := send(t, f, "x\r\n"); !errors.Is(err, ErrUnavailable) {
			t.Fatalf("err = %v, want ErrUnavailable", err)
		}
	})
	t.Run("required verifies with the CA and server name", func(t *testing.T) {
		f := New(Config{Address: up.Addr, LocalName: "relay.test", TLS: TLSRequired,
			TLSConfig: &tls.Config{RootCAs: pool, ServerName: "upstream.test"}, CommandTimeout: 2 * time.Second})
		defer f.Close()
		before := len(up.Messages())
		if err := send(t, f, "x\r\n"); err != nil {
			t.Fatal(err)
		}
		msgs := up.Messages()
		if len(msgs) != before+1 || !msgs[len(msgs)-1].TLS {
			t.Fatal("message was not sent over TLS")
		}
	})
}

func TestSeedContact(t *testing.T) {
	f := New(Config{Address: "127.0.0.1:1"})
	defer f.Close()
	f.SeedContact(time.Time{})
	if !f.LastContact().IsZero() {
		t.Fatal("a zero time set LastContact")
	}
	at := time.Now().Add(-time.Minute)
	f.SeedContact(at)
	if got := f.LastContact(); !got.Equal(at.Truncate(0)) && got.UnixNano() != at.UnixNano() {
		t.Fatalf("LastContact = %v, want %v", got, at)
	}
	f.SeedContact(time.Now()) // only when there was no contact yet
	if got := f.LastContact(); got.UnixNano() != at.UnixNano() {
		t.Fatalf("a second seed replaced LastContact: %v", got)
	}
}

// leak is what an upstream content filter quotes in its reply texts.
const leak = "content mentions taro.yamada@example.jp 03-1234-5678"

func noLeak(t *testing.T, what, s string) {
	t.Helper()
	for _, v := range []string{"taro.yamada", "03-1234-5678", "content mentions"} {
		if strings.Contains(s, v) {
			t.Errorf("%s carries the upstream's text: %q", what, s)
		}
	}
}

// TestErrorsCarryCodesNotText: a refusal at MAIL, RCPT or DATA is a *Reply
// whose Error and Status have the upstream's codes, never its text (which
// is logged by no one: only the client's reply passes it on, from
// Message).
func TestErrorsCarryCodesNotText(t *testing.T) {
	for _, at := range []string{"MAIL", "RCPT", "DATA"} {
		t.Run(at, func(t *testing.T) {
			up := relaytest.NewUpstream(t)
			refuse := relaytest.Err(550, smtp.EnhancedCode{5, 7, 1}, leak)
			switch at {
			case "MAIL":
				up.OnMail(func(string) error { return refuse })
			case "RCPT":
				up.OnRcpt(func(string) error { return refuse })
			case "DATA":
				up.OnData(func([]byte) error { return refuse })
			}
			f := fwd(up.Addr, TLSNone)
			defer f.Close()
			err := send(t, f, "x\r\n")
			var r *Reply
			if !errors.As(err, &r) || r.Status() != "550 5.7.1" || err.Error() != "upstream replied 550 5.7.1" {
				t.Fatalf("err = %v, want *Reply 550 5.7.1", err)
			}
			if r.Message != leak {
				t.Errorf("Message = %q, want the upstream's text for the client's reply", r.Message)
			}
			noLeak(t, "Error()", err.Error())
		})
	}
	if got := (&Reply{Code: 550, Enhanced: smtp.NoEnhancedCode, Message: leak}).Error(); got != "upstream replied 550" {
		t.Errorf("a reply without enhanced code: %q", got)
	}
}

// scriptedUpstream speaks just enough SMTP to reach the end of DATA, then
// answers with final, and returns its address. greeting is its first line.
func scriptedUpstream(t *testing.T, greeting, final string) string {
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
				c.SetDeadline(time.Now().Add(5 * time.Second))
				io.WriteString(c, greeting+"\r\n")
				br := bufio.NewReader(c)
				data := false
				for {
					l, err := br.ReadString('\n')
					if err != nil {
						return
					}
					cmd := strings.ToUpper(strings.TrimSpace(l))
					switch {
					case data && cmd == ".":
						io.WriteString(c, final+"\r\n")
						data = false
					case data:
					case strings.HasPrefix(cmd, "EHLO"):
						io.WriteString(c, "250 up.test\r\n")
					case cmd == "DATA":
						io.WriteString(c, "354 go on\r\n")
						data = true
					case cmd == "QUIT":
						io.WriteString(c, "221 bye\r\n")
						return
					default:
						io.WriteString(c, "250 2.0.0 ok\r\n")
					}
				}
			}()
		}
	}()
	return ln.Addr().String()
}

// A reply that is not SMTP at all (go-smtp's client quotes the line in a
// ProtocolError) and a refused greeting are errors without the upstream's
// text too.
func TestMalformedAndSessionRepliesCarryNoText(t *testing.T) {
	f := fwd(scriptedUpstream(t, "220 up.test", "5x0 "+leak), TLSNone)
	defer f.Close()
	err := send(t, f, "x\r\n")
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("err = %v, want ErrUnavailable", err)
	}
	noLeak(t, "a malformed reply's error", err.Error())

	for _, mode := range []TLSMode{TLSNone, TLSOpportunistic} {
		f := fwd(scriptedUpstream(t, "554 5.7.1 "+leak, ""), mode)
		err := f.Probe(context.Background())
		if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "554") {
			t.Fatalf("%s: err = %v, want ErrRefused with the code", mode, err)
		}
		noLeak(t, "a refused greeting's error", err.Error())
		f.Close()
	}
}

// TestAcceptedKeepsCodesAndQueueID: of the upstream's 250, Data returns
// the enhanced code and the queue id, nothing else of the text.
func TestAcceptedKeepsCodesAndQueueID(t *testing.T) {
	tests := []struct {
		name, text string // the 250 reply's text, after "250 "
		want       string
	}{
		{"postfix", "2.0.0 Ok: queued as 4F1xQz9", "250 2.0.0 queued as 4F1xQz9"},
		{"dlprelay", "2.0.0 Ok: queued as 20261128T232742181-9101dh31", "250 2.0.0 queued as 20261128T232742181-9101dh31"},
		{"exim", "OK id=1tQ8sF-000Abc-2x", "250 queued as 1tQ8sF-000Abc-2x"},
		{"echo after the id", "2.0.0 Ok: queued as 7Hq2Lk (" + leak + ")", "250 2.0.0 queued as 7Hq2Lk"},
		{"no id", "2.0.0 OK " + leak, "250 2.0.0"},
		{"an address is no id", "2.0.0 queued as taro.yamada@example.jp", "250 2.0.0"},
		{"no enhanced code", "Ok", "250"},
		{"not an enhanced code", "9.9.9 Ok", "250"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := fwd(scriptedUpstream(t, "220 up.test", "250 "+tt.text), TLSNone)
			defer f.Close()
			tx, err := f.Begin(context.Background(), "a@corp.test", nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := tx.Rcpt("b@example.test", nil); err != nil {
				t.Fatal(err)
			}
			acc, err := tx.Data(func(w io.Writer) error { _, err := io.WriteString(w, "x\r\n"); return err })
			if err != nil {
				t.Fatal(err)
			}
			if got := acc.String(); got != tt.want {
				t.Errorf("Accepted %q, want %q", got, tt.want)
			}
			noLeak(t, "Accepted", acc.String())
		})
	}
}

// TestDataUncertainAfterTheDot: once the final dot was sent, no answer (a
// hang-up, silence past the data timeout, something that is neither a 250
// nor a refusal) is ErrUncertain, besides what it was; a refusal, or a
// failure before the dot, is not.
func TestDataUncertainAfterTheDot(t *testing.T) {
	up := relaytest.NewUpstream(t)
	f := New(Config{Address: up.Addr, LocalName: "relay.test", TLS: TLSNone, MaxIdle: 2,
		ConnectTimeout: time.Second, CommandTimeout: 2 * time.Second, DataTimeout: 300 * time.Millisecond})
	defer f.Close()
	for _, tt := range []struct {
		name      string
		hook      error
		uncertain bool
		also      error // errors.Is must hold too
		code      int   // a *Reply with this code, if not 0
	}{
		{"hang up", relaytest.HangUp, true, ErrUnavailable, 0},
		{"silent", relaytest.Silent, true, ErrTimeout, 0},
		{"a 2xx that is not 250", relaytest.Err(251, smtp.EnhancedCode{2, 0, 0}, "odd"), true, nil, 251},
		{"451", relaytest.Err(451, smtp.EnhancedCode{4, 3, 0}, "later"), false, nil, 451},
		{"421", relaytest.Err(421, smtp.EnhancedCode{4, 3, 0}, "closing"), false, nil, 421},
		{"554", relaytest.Err(554, smtp.EnhancedCode{5, 7, 1}, "no"), false, nil, 554},
	} {
		t.Run(tt.name, func(t *testing.T) {
			up.OnData(func([]byte) error { return tt.hook })
			err := send(t, f, "Subject: x\r\n\r\nhi\r\n")
			if errors.Is(err, ErrUncertain) != tt.uncertain {
				t.Fatalf("err = %v; ErrUncertain %v, want %v", err, errors.Is(err, ErrUncertain), tt.uncertain)
			}
			if tt.also != nil && !errors.Is(err, tt.also) {
				t.Errorf("err = %v, want it to be %v too", err, tt.also)
			}
			var r *Reply
			if tt.code != 0 && (!errors.As(err, &r) || r.Code != tt.code) {
				t.Errorf("err = %v, want the *Reply %d", err, tt.code)
			}
		})
	}
	// A message that could not be written whole never got its dot.
	up.OnData(nil)
	tx, err := f.Begin(context.Background(), "a@corp.test", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.Rcpt("b@example.test", nil); err != nil {
		t.Fatal(err)
	}
	_, err = tx.Data(func(w io.Writer) error { io.WriteString(w, "Subject: x\r\n\r\n"); return errors.New("disk read error") })
	if !errors.Is(err, ErrUnavailable) || errors.Is(err, ErrUncertain) {
		t.Fatalf("err = %v, want ErrUnavailable and not ErrUncertain", err)
	}
}

// TestDataBoundsAnUpstreamThatStopsReading: an upstream that answers DATA
// with 354 and then reads nothing more leaves the message unsent once the
// socket buffers are full; Data gives up after DataTimeout (a timeout:
// the final dot never left, so nothing was delivered) instead of blocking
// the session or the release worker for good.
func TestDataBoundsAnUpstreamThatStopsReading(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	t.Cleanup(func() { close(stop); ln.Close() })
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		io.WriteString(c, "220 up.test\r\n")
		br := bufio.NewReader(c)
		for {
			l, err := br.ReadString('\n')
			if err != nil {
				return
			}
			cmd := strings.ToUpper(strings.TrimSpace(l))
			switch {
			case strings.HasPrefix(cmd, "EHLO"):
				io.WriteString(c, "250 up.test\r\n")
			case cmd == "DATA":
				io.WriteString(c, "354 go on\r\n")
				<-stop // and read nothing more
				return
			default:
				io.WriteString(c, "250 2.0.0 ok\r\n")
			}
		}
	}()
	f := New(Config{Address: ln.Addr().String(), LocalName: "relay.test", TLS: TLSNone,
		ConnectTimeout: time.Second, CommandTimeout: 2 * time.Second, DataTimeout: 300 * time.Millisecond})
	defer f.Close()
	line := strings.Repeat("x", 998) + "\r\n"
	done := make(chan error, 1)
	go func() {
		// 64 MiB: far more than the loopback socket buffers hold.
		done <- send(t, f, "Subject: big\r\n\r\n"+strings.Repeat(line, 64<<20/len(line)))
	}()
	select {
	case err := <-done:
		if !errors.Is(err, ErrTimeout) || errors.Is(err, ErrUncertain) {
			t.Fatalf("err = %v, want ErrTimeout and not ErrUncertain", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Data still writing to an upstream that stopped reading, 30 s after a 300 ms data timeout")
	}
}
