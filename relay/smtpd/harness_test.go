package smtpd

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dlprelay/dlprelay/detect"
	"github.com/dlprelay/dlprelay/policy"
	"github.com/dlprelay/dlprelay/relay/inspect"
	"github.com/dlprelay/dlprelay/relay/metrics"
	"github.com/dlprelay/dlprelay/relay/quarantine"
	"github.com/dlprelay/dlprelay/relay/relaytest"
	"github.com/dlprelay/dlprelay/relay/upstream"
)

// fakeInspector judges by a header line in the message, so these tests
// exercise the session's handling of each verdict without depending on the
// customer list: "X-Test-Verdict: flag|quarantine|reject|error". A reject
// carries message as the verdict's reject text. Its flags may carry their
// details in the header (Verdict.Details), as to an internal recipient;
// details_test.go has the real policy decide that.
type fakeInspector struct{ message string }

func (f fakeInspector) Inspect(_ context.Context, _ inspect.Envelope, msg io.Reader) (inspect.Decision, error) {
	b, err := io.ReadAll(msg)
	if err != nil {
		return inspect.Decision{}, err
	}
	res := &detect.Result{BytesScanned: int64(len(b))}
	v := policy.Verdict{Action: policy.Pass, Reasons: []policy.Reason{policy.ReasonNone}}
	fired := func(rule string, a policy.Action) []policy.Fired {
		return []policy.Fired{{Rule: rule, Action: a, Decisive: true, Reasons: []policy.Reason{policy.ReasonRecords}}}
	}
	switch {
	case bytes.Contains(b, []byte("X-Test-Verdict: error")):
		return inspect.Decision{}, errors.New("scanner exploded")
	case bytes.Contains(b, []byte("X-Test-Verdict: flag")):
		v = policy.Verdict{Action: policy.Flag, Would: policy.Flag, Rule: "records-flag", Fired: fired("records-flag", policy.Flag),
			Reasons: []policy.Reason{policy.ReasonRecords}, Records: 1, Details: true}
		res.Records = []detect.RecordHit{{ID: "C001"}}
	case bytes.Contains(b, []byte("X-Test-Verdict: quarantine")):
		v = policy.Verdict{Action: policy.Quarantine, Would: policy.Quarantine, Rule: "records-quarantine", Fired: fired("records-quarantine", policy.Quarantine),
			Reasons: []policy.Reason{policy.ReasonRecords}, Records: 3}
		res.Records = []detect.RecordHit{{ID: "C001"}, {ID: "C002"}, {ID: "C003"}}
	case bytes.Contains(b, []byte("X-Test-Verdict: reject")):
		v = policy.Verdict{Action: policy.Reject, Would: policy.Reject, Rule: "records-reject", Fired: fired("records-reject", policy.Reject),
			Reasons: []policy.Reason{policy.ReasonRecords}, Records: 9, Message: f.message}
	}
	return inspect.Decision{Verdict: v, Result: res}, nil
}

type failingQuarantine struct{}

func (failingQuarantine) Put(quarantine.Entry, io.Reader) (quarantine.Entry, error) {
	return quarantine.Entry{}, errors.New("disk full")
}

type relay struct {
	addr    string
	srv     *Server
	up      *relaytest.Upstream
	q       *quarantine.SQLite
	metrics *metrics.Metrics
}

type relayOpt func(*Options, *Live)

// startRelay runs a Server on 127.0.0.1:0 in front of a recording upstream.
func startRelay(t testing.TB, opts ...relayOpt) *relay {
	t.Helper()
	up := relaytest.NewUpstream(t)
	dir := t.TempDir()
	q, err := quarantine.Open(dir, quarantine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	m := metrics.New("test", nil, nil)
	o := Options{
		Hostname: "relay.test", MaxMessageBytes: 1 << 20, MaxRecipients: 10, MaxLineLength: 512,
		ReadTimeout: 10 * time.Second, WriteTimeout: 10 * time.Second, MaxConnections: 20,
		SpoolDir: dir, SpoolMemory: 4096, Metrics: m,
	}
	fwd := upstream.New(upstream.Config{Address: up.Addr, LocalName: "relay.test", TLS: upstream.TLSNone, MaxIdle: 2,
		CommandTimeout: 5 * time.Second, DataTimeout: 5 * time.Second, ConnectTimeout: 2 * time.Second})
	l := &Live{
		Engine: fakeInspector{}, Upstream: fwd, Quarantine: q,
		Allowed: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")},
	}
	for _, f := range opts {
		f(&o, l)
	}
	srv := New(o, l)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		fwd.Close()
		q.Close()
	})
	return &relay{addr: ln.Addr().String(), srv: srv, up: up, q: q, metrics: m}
}

// quarantined lists the IDs of the entries in the relay's quarantine,
// oldest first.
func (r *relay) quarantined(t *testing.T) []string {
	t.Helper()
	p, err := r.q.List(context.Background(), quarantine.Filter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, e := range p.Entries {
		ids = append(ids, e.ID)
	}
	return ids
}

// client speaks raw SMTP so tests can assert exact reply lines and send
// byte sequences no well-behaved library would.
type client struct {
	t    *testing.T
	conn net.Conn
	r    *bufio.Reader
	mu   sync.Mutex
}

func dial(t *testing.T, addr string) *client {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(20 * time.Second))
	return &client{t: t, conn: c, r: bufio.NewReader(c)}
}

// greet dials, checks the greeting and says EHLO.
func greet(t *testing.T, addr string) *client {
	t.Helper()
	c := dial(t, addr)
	c.expect("220 ")
	c.cmd("EHLO client.test", "250 ")
	return c
}

func (c *client) send(s string) {
	c.t.Helper()
	if _, err := io.WriteString(c.conn, s); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

// reply reads one (possibly multi-line) reply and returns all its lines.
func (c *client) reply() []string {
	c.t.Helper()
	var lines []string
	for {
		l, err := c.r.ReadString('\n')
		if err != nil {
			c.t.Fatalf("read reply: %v (so far %q)", err, lines)
		}
		if !strings.HasSuffix(l, "\r\n") {
			c.t.Fatalf("reply line without CRLF: %q", l)
		}
		l = strings.TrimSuffix(l, "\r\n")
		lines = append(lines, l)
		if len(l) < 4 || l[3] != '-' {
			return lines
		}
	}
}

// expect reads a reply and checks its last line starts with prefix.
func (c *client) expect(prefix string) []string {
	c.t.Helper()
	lines := c.reply()
	if last := lines[len(lines)-1]; !strings.HasPrefix(last, prefix) {
		c.t.Fatalf("got reply %q, want prefix %q", lines, prefix)
	}
	return lines
}

func (c *client) cmd(line, want string) []string {
	c.t.Helper()
	c.send(line + "\r\n")
	return c.expect(want)
}

// sendMail runs one transaction and returns the final reply line.
func (c *client) sendMail(from string, to []string, body string) string {
	c.t.Helper()
	c.cmd("MAIL FROM:<"+from+">", "250 ")
	for _, r := range to {
		c.cmd("RCPT TO:<"+r+">", "250 ")
	}
	c.cmd("DATA", "354 ")
	c.send(body + ".\r\n")
	return c.reply()[0]
}

// selfSignedTLS makes a throwaway certificate for relay.test.
func selfSignedTLS(t *testing.T) *tls.Config {
	t.Helper()
	c, _ := relaytest.SelfSigned(t, "relay.test")
	return c
}
