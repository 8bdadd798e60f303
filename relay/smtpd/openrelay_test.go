package smtpd

import (
	"encoding/base64"
	"net/netip"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

// withAuth configures AUTH for alice/s3cret (insecure AUTH allowed, so the
// tests need no TLS) and allowed networks that do not include loopback.
func withAuth(t *testing.T) relayOpt {
	hash, err := bcrypt.GenerateFromPassword([]byte("s3cret"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	return func(_ *Options, l *Live) {
		l.Allowed = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
		l.Users = map[string][]byte{"alice": hash}
		l.AllowInsecureAuth = true
		l.CheckPassword = func(users map[string][]byte, user, pass string) bool {
			h, ok := users[user]
			return ok && bcrypt.CompareHashAndPassword(h, []byte(pass)) == nil
		}
	}
}

// recipientTricks are the classic ways to ask a relay to route a message
// somewhere else than the domain it appears to go to.
var recipientTricks = []string{
	"<@a.example,@b.example:user@c.example>",
	"<user%c.example@relay.test>",
	"<c.example!user@relay.test>",
	"<\"user@c.example\"@relay.test>",
	"<user@c.example@relay.test>",
}

// TestOpenRelayProbeOutsideNetworks: a client outside the allowed networks
// gets 554 at connect and nothing else when AUTH is off; with AUTH on it may
// talk, but without authenticating cannot start a transaction, so no
// recipient form reaches the upstream, and a failed AUTH changes nothing.
func TestOpenRelayProbeOutsideNetworks(t *testing.T) {
	t.Parallel()
	t.Run("no auth", func(t *testing.T) {
		t.Parallel()
		r := startRelay(t, func(_ *Options, l *Live) { l.Allowed = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")} })
		c := dial(t, r.addr)
		c.expect("554 5.7.1 relay.test Error: client host rejected: access denied")
		c.send("EHLO probe.test\r\nMAIL FROM:<a@corp.test>\r\n")
		if l, err := c.r.ReadString('\n'); err == nil {
			t.Fatalf("refused connection answered a command: %q", l)
		}
	})
	t.Run("auth configured", func(t *testing.T) {
		t.Parallel()
		r := startRelay(t, withAuth(t))
		c := greet(t, r.addr)
		c.cmd("MAIL FROM:<a@corp.test>", "530 5.7.0 Error: authentication required")
		c.cmd("MAIL FROM:<>", "530 5.7.0 ")
		for _, to := range append(recipientTricks, "<b@example.test>") {
			c.cmd("RCPT TO:"+to, "503 5.5.1 ")
		}
		c.cmd("DATA", "503 5.5.1 ")
		c.cmd("AUTH PLAIN "+base64.StdEncoding.EncodeToString([]byte("\x00alice\x00wrong")), "535 5.7.8 ")
		c.cmd("AUTH PLAIN "+base64.StdEncoding.EncodeToString([]byte("alice\x00alice\x00wrong")), "535 5.7.8 ")
		c.cmd("MAIL FROM:<a@corp.test>", "530 5.7.0 ")
		if n := len(r.up.Messages()); n != 0 {
			t.Fatalf("upstream got %d messages", n)
		}
		// The same client, authenticated, may send.
		c.cmd("AUTH PLAIN "+base64.StdEncoding.EncodeToString([]byte("\x00alice\x00s3cret")), "235 ")
		if got := c.sendMail("a@corp.test", []string{"b@example.test"}, cleanMsg); !strings.HasPrefix(got, "250 ") {
			t.Fatalf("authenticated: %q", got)
		}
	})
}

// TestRecipientTricks: dlprelay is not a router. What the upstream gets as
// the recipient is what the client named, or the command is refused; the
// relay never turns an address into a different destination, and its
// policy sees the same address the upstream delivers to.
//
//   - A source route is dropped by go-smtp's parser, as RFC 5321 §4.1.2 and
//     Appendix C allow: the final mailbox is used, never the route's hosts.
//   - % and ! are ordinary characters of a local part: passed unchanged, the
//     upstream decides (its own relay rules apply to them).
//   - A quoted local part that needs its quotes is refused 553 5.1.3:
//     go-smtp hands the address over unquoted, and forwarding it so would
//     name a different mailbox, or inject ESMTP parameters upstream.
//   - An unquoted second @ is refused by the same rule.
func TestRecipientTricks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		rcpt, reply, upstream string
	}{
		{"<@a.example,@b.example:user@c.example>", "250 ", "user@c.example"},
		{"<@a.example:user@c.example>", "250 ", "user@c.example"},
		{"<user%c.example@relay.test>", "250 ", "user%c.example@relay.test"},
		{"<c.example!user@relay.test>", "250 ", "c.example!user@relay.test"},
		{"<\"plain\"@relay.test>", "250 ", "plain@relay.test"}, // the same mailbox, RFC 5321 §4.1.2
		{"<\"user@c.example\"@relay.test>", "553 5.1.3 ", ""},
		{"<\"x@c.example> NOTIFY=NEVER\"@relay.test>", "553 5.1.3 ", ""},
		{"<\"a b\"@relay.test>", "553 5.1.3 ", ""},
		{"<\"a\\\"b\"@relay.test>", "553 5.1.3 ", ""},
		{"<user@c.example@relay.test>", "553 5.1.3 ", ""},
		{"<user@relay.test:c.example>", "553 5.1.3 ", ""},
		{"<user@[127.0.0.1]>", "250 ", "user@[127.0.0.1]"},
		{"<@a.example,user@c.example>", "501 5.5.2 ", ""},
	}
	r := startRelay(t)
	c := greet(t, r.addr)
	var want []string
	c.cmd("MAIL FROM:<a@corp.test>", "250 ")
	for _, tt := range tests {
		c.cmd("RCPT TO:"+tt.rcpt, tt.reply)
		if tt.upstream != "" {
			want = append(want, tt.upstream)
		}
	}
	c.cmd("DATA", "354 ")
	c.send(cleanMsg + ".\r\n")
	c.expect("250 ")
	msgs := r.up.Messages()
	if len(msgs) != 1 || strings.Join(msgs[0].To, "\n") != strings.Join(want, "\n") {
		t.Fatalf("upstream recipients %q, want %q", msgs[0].To, want)
	}
	// The sender is held to the same rule (553 5.1.7 bad sender syntax).
	c.cmd("MAIL FROM:<\"x@c.example> SIZE=1\"@corp.test>", "553 5.1.7 ")
	c.cmd("MAIL FROM:<a%c.example@corp.test>", "250 ")
}
