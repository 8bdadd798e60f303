package smtpd

import (
	"crypto/tls"
	"encoding/base64"
	"errors"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// TestStartTLSCommandInjection is the CVE-2011-0411 class: a man in the
// middle appends plaintext commands to the client's STARTTLS, hoping the
// server runs them inside the TLS session as if the client had sent them.
// Whether they come in the same packet or right behind it, none may run:
// no reply comes for them, no transaction is open after the handshake, and
// the upstream never sees the injected sender or recipient.
func TestStartTLSCommandInjection(t *testing.T) {
	t.Parallel()
	inject := "RSET\r\nEHLO evil.test\r\nMAIL FROM:<injected@corp.test>\r\nRCPT TO:<victim@example.test>\r\n"
	for _, split := range []bool{false, true} {
		name := "same packet"
		if split {
			name = "separate write"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := startRelay(t, func(o *Options, _ *Live) { o.TLSConfig = selfSignedTLS(t) })
			c := greet(t, r.addr)
			if split {
				c.send("STARTTLS\r\n")
				c.send(inject)
			} else {
				c.send("STARTTLS\r\n" + inject)
			}
			c.expect("220 2.0.0 ")
			tc := tls.Client(c.conn, &tls.Config{InsecureSkipVerify: true})
			if err := tc.Handshake(); err != nil {
				// The injected bytes reached the TLS handshake, which failed:
				// fail closed, nothing ran.
				if !split {
					t.Fatalf("handshake: %v", err)
				}
				if n := len(r.up.Messages()); n != 0 {
					t.Fatalf("upstream got %d messages", n)
				}
				return
			}
			c.conn = tc
			c.r.Reset(tc)
			// No reply for any injected command arrives.
			tc.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
			if l, err := c.r.ReadString('\n'); !errors.Is(err, os.ErrDeadlineExceeded) {
				t.Fatalf("unsolicited reply after the handshake: %q, %v", l, err)
			}
			tc.SetReadDeadline(time.Now().Add(10 * time.Second))
			c.cmd("MAIL FROM:<a@corp.test>", "503 5.5.1 Error: send HELO/EHLO first")
			c.cmd("EHLO client.test", "250 ")
			c.cmd("RCPT TO:<victim@example.test>", "503 5.5.1 ")
			c.cmd("DATA", "503 5.5.1 ")
			if got := c.sendMail("a@corp.test", []string{"b@example.test"}, cleanMsg); !strings.HasPrefix(got, "250 ") {
				t.Fatalf("send after STARTTLS: %q", got)
			}
			msgs := r.up.Messages()
			if len(msgs) != 1 || msgs[0].From != "a@corp.test" || strings.Join(msgs[0].To, ",") != "b@example.test" {
				t.Fatalf("upstream got %+v", msgs)
			}
		})
	}
}

// TestNoAuthBeforeStartTLS: with AUTH needing TLS (the default), a client
// whose STARTTLS was stripped by a man in the middle is not offered AUTH,
// cannot use it (538 5.7.11, for every mechanism, its credentials never
// checked), and cannot send (530 5.7.0).
func TestNoAuthBeforeStartTLS(t *testing.T) {
	t.Parallel()
	hash, err := bcrypt.GenerateFromPassword([]byte("s3cret"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	checked := make(chan string, 10)
	r := startRelay(t, func(o *Options, l *Live) {
		o.TLSConfig = selfSignedTLS(t)
		l.Allowed = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
		l.Users = map[string][]byte{"alice": hash}
		l.CheckPassword = func(users map[string][]byte, user, pass string) bool {
			checked <- user
			return bcrypt.CompareHashAndPassword(users[user], []byte(pass)) == nil
		}
	})
	c := dial(t, r.addr)
	c.expect("220 ")
	caps := c.cmd("EHLO client.test", "250 ")
	for _, l := range caps {
		if strings.Contains(strings.ToUpper(l), "AUTH") {
			t.Fatalf("AUTH offered in plaintext: %q", caps)
		}
	}
	c.cmd("AUTH PLAIN "+base64.StdEncoding.EncodeToString([]byte("\x00alice\x00s3cret")), "538 5.7.11 ")
	c.cmd("AUTH PLAIN", "538 5.7.11 ")
	c.cmd("AUTH LOGIN", "538 5.7.11 ")
	c.cmd("AUTH LOGIN "+base64.StdEncoding.EncodeToString([]byte("alice")), "538 5.7.11 ")
	c.cmd("MAIL FROM:<a@corp.test>", "530 5.7.0 ")
	select {
	case u := <-checked:
		t.Fatalf("a password for %q was checked over plaintext", u)
	default:
	}
	if n := len(r.up.Messages()); n != 0 {
		t.Fatalf("upstream got %d messages", n)
	}
}
