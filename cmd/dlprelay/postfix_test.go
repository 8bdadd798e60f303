//go:build postfix

// The real-Postfix end-to-end test. It runs only with `-tags postfix` and
// needs root (postfix start) and /usr/sbin/postfix; .ci/run installs Postfix
// and fails if this test skipped:
//
//	go test -tags postfix -run Postfix -v -count=1 ./cmd/dlprelay/
//
// DLPRELAY_BIN=path tests that binary instead of building this package.
//
// The chain under test is
//
//	go-smtp client → private Postfix (relayhost) → dlprelay binary → relaytest upstream
//
// The Postfix instance is private: its own config, queue and data directories
// in a temporary directory, its log in a file there (postlogd), smtpd on a
// free loopback port. The system's /etc/postfix is not touched.

package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/dlprelay/dlprelay/relay/quarantine"
	"github.com/dlprelay/dlprelay/relay/relaytest"
)

const (
	postfixBin     = "/usr/sbin/postfix"
	postqueueBin   = "/usr/sbin/postqueue"
	postfixTimeout = 60 * time.Second // one message through Postfix and dlprelay
)

func TestPostfixRelay(t *testing.T) {
	if _, err := os.Stat(postfixBin); err != nil {
		t.Skipf("Postfix not installed (%v): apt-get install postfix (debconf: No configuration), or run .ci/run", err)
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root: `postfix start` runs only as root")
	}

	customers := sharedTestdata(t, "testdata/customers.csv")
	cleanMsg := readMessage(t, sharedTestdata(t, "testdata/mail/01-clean-plain.eml"))
	rowsMsg := readMessage(t, sharedTestdata(t, "testdata/mail/02-rows-plain.eml"))

	bin := buildDlprelayBinary(t)
	up := relaytest.NewUpstream(t)
	relay := startDlprelayProcess(t, bin, up.Addr, customers)
	pf := startPrivatePostfix(t, relay.listen)

	// On failure, show what each hop said.
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("Postfix maillog (last 60 lines):\n%s", tailLines(pf.maillog(), 60))
			t.Logf("dlprelay output (last 60 lines):\n%s", tailLines(relay.output(), 60))
		}
	})

	t.Run("clean message arrives unchanged", func(t *testing.T) {
		qid := submitSMTP(t, pf.smtpAddr, "alice@corp.example", "bob@partner.example", cleanMsg)
		if line := pf.waitDelivered(t, qid, postfixTimeout); !strings.Contains(line, "status=sent") {
			t.Fatalf("Postfix did not deliver %s to dlprelay:\n%s", qid, line)
		}
		// The relay is a before-queue proxy: Postfix's 250 came after the
		// upstream's, so the message is there already.
		msgs := up.WaitMessages(1, 5*time.Second)
		if len(msgs) != 1 {
			t.Fatalf("upstream got %d messages, want 1", len(msgs))
		}
		got := msgs[0]
		if got.From != "alice@corp.example" || len(got.To) != 1 || got.To[0] != "bob@partner.example" {
			t.Errorf("upstream envelope = %q -> %q, want alice@corp.example -> [bob@partner.example]", got.From, got.To)
		}
		body, trace := stripTraceHeaders(got.Data)
		t.Logf("upstream message starts with %d Received: header(s):\n%s", trace, got.Data[:len(got.Data)-len(body)])
		if trace < 1 {
			t.Errorf("upstream message has no Received: header from Postfix:\n%s", got.Data)
		}
		if !bytes.Equal(body, cleanMsg) {
			t.Errorf("upstream message differs from the submitted one (leading Received: headers stripped)\n%s", diffLines(cleanMsg, body))
		}
	})

	t.Run("customer rows are quarantined", func(t *testing.T) {
		before := len(up.Messages())
		qid := submitSMTP(t, pf.smtpAddr, "alice@corp.example", "bob@partner.example", rowsMsg)
		// dlprelay answers 250 for a quarantined message, so Postfix logs it as sent.
		if line := pf.waitDelivered(t, qid, postfixTimeout); !strings.Contains(line, "status=sent") {
			t.Fatalf("Postfix did not deliver %s to dlprelay:\n%s", qid, line)
		}
		if n := len(up.Messages()); n != before {
			t.Fatalf("upstream got %d new message(s); the one with customer rows must not be forwarded", n-before)
		}
		entry, eml := waitQuarantine(t, relay.data, messageID(rowsMsg), 10*time.Second)
		if entry.Verdict != "quarantine" || entry.Records < 3 || entry.Status != quarantine.StatusHeld {
			t.Errorf("entry %s is %s with verdict %q and %d records, want held, quarantine, at least 3", entry.ID, entry.Status, entry.Verdict, entry.Records)
		}
		if _, want, _ := bytes.Cut(rowsMsg, []byte("\r\n\r\n")); !bytes.Contains(eml, want) {
			t.Errorf("the message of entry %s does not hold the submitted body", entry.ID)
		}
		// Nothing turns up later either.
		time.Sleep(500 * time.Millisecond)
		if n := len(up.Messages()); n != before {
			t.Errorf("upstream got %d new message(s) after the quarantine", n-before)
		}
	})
}

// readMessage reads an .eml file with CRLF line endings (converting bare LF),
// ending in CRLF, as it goes over SMTP.
func readMessage(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b = bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))
	b = bytes.ReplaceAll(b, []byte("\n"), []byte("\r\n"))
	if !bytes.HasSuffix(b, []byte("\r\n")) {
		b = append(b, '\r', '\n')
	}
	for _, h := range []string{"From:", "Date:", "Message-ID:"} {
		if !hasHeader(b, h) {
			// Postfix would not add it (always_add_missing_headers = no),
			// but a message without it is not what a real MUA sends.
			t.Fatalf("%s has no %s header", path, h)
		}
	}
	return b
}

func hasHeader(msg []byte, name string) bool {
	hdr, _, _ := bytes.Cut(msg, []byte("\r\n\r\n"))
	for _, line := range strings.Split(string(hdr), "\r\n") {
		if len(line) >= len(name) && strings.EqualFold(line[:len(name)], name) {
			return true
		}
	}
	return false
}

func messageID(msg []byte) string {
	hdr, _, _ := bytes.Cut(msg, []byte("\r\n\r\n"))
	for _, line := range strings.Split(string(hdr), "\r\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.EqualFold(k, "Message-ID") {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// stripTraceHeaders removes the Received: headers (with their continuation
// lines) at the top of msg and says how many there were. Nothing else is
// removed: Postfix is configured not to add or rewrite headers.
func stripTraceHeaders(msg []byte) ([]byte, int) {
	n := 0
	for bytes.HasPrefix(bytes.ToLower(msg[:min(len(msg), 9)]), []byte("received:")) {
		n++
		for {
			i := bytes.Index(msg, []byte("\r\n"))
			if i < 0 {
				return nil, n
			}
			msg = msg[i+2:]
			if len(msg) == 0 || (msg[0] != ' ' && msg[0] != '\t') {
				break
			}
		}
	}
	return msg, n
}

// diffLines shows the first differing line of two messages, with line numbers.
func diffLines(want, got []byte) string {
	w := strings.Split(string(want), "\r\n")
	g := strings.Split(string(got), "\r\n")
	for i := 0; i < max(len(w), len(g)); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl || i >= len(w) || i >= len(g) {
			return fmt.Sprintf("first difference at line %d:\n want %q\n  got %q\nwhole message received:\n%s", i+1, wl, gl, got)
		}
	}
	return "(only line endings differ)"
}

// buildDlprelayBinary builds this package into the test's temp directory,
// or returns $DLPRELAY_BIN, a binary built elsewhere, when that is set.
type postfixInstance struct {
	dir      string // config_directory is dir/etc
	smtpAddr string // the smtpd to submit to
}

func (p *postfixInstance) confDir() string { return filepath.Join(p.dir, "etc") }

func (p *postfixInstance) maillog() string {
	b, _ := os.ReadFile(filepath.Join(p.dir, "maillog"))
	return string(b)
}

// postfixMainCF is the private instance's main.cf. Besides the paths and the
// relayhost, it keeps Postfix from changing the message: headers of remote
// clients are not rewritten, missing headers are not added, 8-bit mail is not
// converted to quoted-printable, so what dlprelay forwards can be compared
// byte for byte apart from the Received: headers.
const postfixMainCF = `# Private Postfix instance for dlprelay's integration test.
compatibility_level = 3.6
config_directory = {{dir}}/etc
queue_directory = {{dir}}/queue
data_directory = {{dir}}/data
maillog_file = {{dir}}/maillog
maillog_file_prefixes = {{dir}}
myhostname = postfix.test
mydomain = postfix.test
myorigin = postfix.test
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
# No local delivery: every recipient goes to the relayhost.
mydestination =
local_recipient_maps =
alias_maps =
alias_database =
relayhost = [127.0.0.1]:{{relay_port}}
smtp_dns_support_level = disabled
smtpd_peername_lookup = no
smtp_tls_security_level = none
smtpd_tls_security_level = none
# Leave the message alone.
local_header_rewrite_clients =
always_add_missing_headers = no
disable_mime_output_conversion = yes
# Retry fast if dlprelay deferred (the test also flushes the queue).
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
biff = no
`

// postfixMasterCF lists only the services this test uses, none chrooted.
const postfixMasterCF = `# service type  private unpriv  chroot  wakeup  maxproc command
127.0.0.1:{{smtpd_port}} inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
`

// startPrivatePostfix starts a Postfix instance relaying everything to
// relayAddr and stops it when the test ends.
func startPrivatePostfix(t *testing.T, relayAddr string) *postfixInstance {
	t.Helper()
	_, relayPort, err := net.SplitHostPort(relayAddr)
	if err != nil {
		t.Fatal(err)
	}
	// Postfix daemons drop root and must reach their directories, so the
	// instance lives in a world-searchable directory, not in t.TempDir()
	// (mode 0700). `postfix check` creates the queue's subdirectories and
	// data_directory with the owners it wants.
	dir, err := os.MkdirTemp("", "dlprelay-postfix-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := os.RemoveAll(dir); err != nil {
			t.Logf("remove %s: %v", dir, err)
		}
	})
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	p := &postfixInstance{dir: dir}
	for _, sub := range []string{"etc", "queue"} {
		if err := os.Mkdir(filepath.Join(dir, sub), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	mainCF := strings.NewReplacer("{{dir}}", dir, "{{relay_port}}", relayPort).Replace(postfixMainCF)
	if err := os.WriteFile(filepath.Join(p.confDir(), "main.cf"), []byte(mainCF), 0o644); err != nil {
		t.Fatal(err)
	}

	var lastErr error
	for attempt := 1; attempt <= 3; attempt++ {
		port := loopbackPort(t)
		p.smtpAddr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		masterCF := strings.ReplaceAll(postfixMasterCF, "{{smtpd_port}}", strconv.Itoa(port))
		if err := os.WriteFile(filepath.Join(p.confDir(), "master.cf"), []byte(masterCF), 0o644); err != nil {
			t.Fatal(err)
		}
		if attempt == 1 {
			// postfix check also creates the queue and data directories.
			if out, err := p.postfix("check"); err != nil {
				t.Fatalf("postfix -c %s check: %v\n%s\nmaillog:\n%s", p.confDir(), err, out, p.maillog())
			}
		}
		if out, err := p.postfix("start"); err != nil {
			t.Fatalf("postfix -c %s start: %v\n%s\nmaillog:\n%s", p.confDir(), err, out, p.maillog())
		}
		err := waitBanner(p.smtpAddr, 20*time.Second)
		if err == nil {
			t.Cleanup(func() {
				if out, err := p.postfix("stop"); err != nil {
					t.Errorf("postfix -c %s stop: %v\n%s", p.confDir(), err, out)
				}
			})
			t.Logf("Postfix %s: smtpd on %s, relayhost [127.0.0.1]:%s", dir, p.smtpAddr, relayPort)
			return p
		}
		p.postfix("stop")
		lastErr = err
		if !strings.Contains(p.maillog(), "Address already in use") {
			break
		}
		t.Logf("attempt %d: port %d taken, retrying", attempt, port)
	}
	t.Fatalf("Postfix smtpd did not answer: %v\nmaillog:\n%s", lastErr, tailLines(p.maillog(), 60))
	return nil
}

// postfix runs `postfix -c DIR cmd`. Postfix writes its messages to stderr
// only when that is a terminal; otherwise they are in the maillog.
func (p *postfixInstance) postfix(cmd string) ([]byte, error) {
	return exec.Command(postfixBin, "-c", p.confDir(), cmd).CombinedOutput()
}

// waitBanner waits for an SMTP 220 greeting at addr.
func waitBanner(addr string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	var last error
	for time.Now().Before(deadline) {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.SetDeadline(time.Now().Add(5 * time.Second))
			line, err := bufio.NewReader(c).ReadString('\n')
			c.Close()
			if err == nil && strings.HasPrefix(line, "220") {
				return nil
			}
			last = fmt.Errorf("greeting %q: %v", line, err)
		} else {
			last = err
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("no 220 greeting from %s within %v: %v", addr, timeout, last)
}

var (
	queuedAs       = regexp.MustCompile(`queued as ([0-9A-Za-z]+)`)
	deliveryStatus = regexp.MustCompile(`status=(sent|bounced|deferred|expired)`)
)

// submitSMTP sends msg to addr and returns Postfix's queue id.
func submitSMTP(t *testing.T, addr, from, to string, msg []byte) string {
	t.Helper()
	c, err := smtp.Dial(addr)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	defer c.Close()
	if err := c.Hello("client.test"); err != nil {
		t.Fatalf("EHLO: %v", err)
	}
	if err := c.Mail(from, nil); err != nil {
		t.Fatalf("MAIL FROM: %v", err)
	}
	if err := c.Rcpt(to, nil); err != nil {
		t.Fatalf("RCPT TO: %v", err)
	}
	w, err := c.Data()
	if err != nil {
		t.Fatalf("DATA: %v", err)
	}
	if _, err := w.Write(msg); err != nil {
		t.Fatalf("writing message: %v", err)
	}
	resp, err := w.CloseWithResponse()
	if err != nil {
		t.Fatalf("end of DATA: %v", err)
	}
	if err := c.Quit(); err != nil {
		t.Errorf("QUIT: %v", err)
	}
	m := queuedAs.FindStringSubmatch(resp.StatusText)
	if m == nil {
		t.Fatalf("no queue id in Postfix's reply %q", resp.StatusText)
	}
	return m[1]
}

// waitDelivered flushes the queue and reads the maillog until Postfix logs a
// final status (sent, bounced, expired) for queue id qid, and returns that
// log line; on timeout, it returns the last lines about qid.
func (p *postfixInstance) waitDelivered(t *testing.T, qid string, timeout time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for next := time.Now(); ; {
		var last []string
		for _, line := range strings.Split(p.maillog(), "\n") {
			if !strings.Contains(line, qid+":") {
				continue
			}
			last = append(last, line)
			if m := deliveryStatus.FindStringSubmatch(line); m != nil && m[1] != "deferred" {
				return line
			}
		}
		if time.Now().After(deadline) {
			return fmt.Sprintf("no final status within %v; log lines for %s:\n%s", timeout, qid, strings.Join(last, "\n"))
		}
		if time.Now().After(next) {
			// Deferred mail waits for the next queue run; ask for it now.
			if out, err := exec.Command(postqueueBin, "-c", p.confDir(), "-f").CombinedOutput(); err != nil {
				t.Logf("postqueue -f: %v: %s", err, out)
			}
			next = time.Now().Add(2 * time.Second)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitQuarantine waits for a quarantine entry in the relay's data
// directory whose message holds the Message-ID msgID, and returns it with
// the message.
func waitQuarantine(t *testing.T, data, msgID string, timeout time.Duration) (quarantine.Entry, []byte) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	find := func() (quarantine.Entry, []byte, bool) {
		q, err := quarantine.Open(data, quarantine.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer q.Close()
		ctx := context.Background()
		p, err := q.List(ctx, quarantine.Filter{Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range p.Entries {
			rc, err := q.Open(ctx, e.ID)
			if err != nil {
				t.Fatal(err)
			}
			eml, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(eml, []byte(msgID)) {
				return e, eml, true
			}
		}
		return quarantine.Entry{}, nil, false
	}
	for {
		if e, eml, ok := find(); ok {
			return e, eml
		}
		if time.Now().After(deadline) {
			t.Fatalf("no quarantine entry for %s in %s within %v", msgID, data, timeout)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
