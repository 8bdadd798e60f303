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
	"errors"
	"fmt"
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
		expectCleanAtUpstream(t, up, cleanMsg, 1, 5*time.Second)
	})

	t.Run("a 4xx from dlprelay keeps the message queued until it is accepted", func(t *testing.T) {
		// The upstream refuses for a while; dlprelay passes its 451 on, and
		// Postfix must defer and retry, as configs/mta/postfix-relayhost says.
		up.OnData(func([]byte) error { return relaytest.Err(451, smtp.EnhancedCode{4, 3, 0}, "try later") })
		msg := bytes.Replace(cleanMsg, []byte("Message-ID: <"), []byte("Message-ID: <deferred."), 1)
		before := len(up.Messages())
		qid := submitSMTP(t, pf.smtpAddr, "alice@corp.example", "bob@partner.example", msg)
		line := pf.waitLog(t, qid, "status=deferred", postfixTimeout)
		// dlprelay passes a temporary upstream failure after DATA on as 451
		// 4.4.0 with the upstream's text (relay/smtpd/reply.go).
		if !strings.Contains(line, "said: 451 4.4.0 upstream: try later") {
			t.Errorf("Postfix deferred %s, but not with dlprelay's 451 4.4.0 upstream: try later:\n%s", qid, line)
		}
		up.OnData(nil)
		if line := pf.waitDelivered(t, qid, postfixTimeout); !strings.Contains(line, "status=sent") {
			t.Fatalf("Postfix did not deliver %s on retry:\n%s", qid, line)
		}
		if msgs := up.WaitMessages(before+1, 5*time.Second); len(msgs) != before+1 {
			t.Fatalf("upstream has %d messages, want %d", len(msgs), before+1)
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

// TestPostfixProxyFilter runs configs/mta/postfix-proxy-filter: Postfix's
// public smtpd with dlprelay as its smtpd_proxy_filter, dlprelay (with that
// directory's dlprelay.yaml) forwarding to the second smtpd of that
// master.cf, which queues the message and relays it to the recording
// upstream:
//
//	go-smtp client → Postfix smtpd (proxy) → dlprelay → Postfix smtpd → queue → relaytest upstream
func TestPostfixProxyFilter(t *testing.T) {
	if _, err := os.Stat(postfixBin); err != nil {
		t.Skipf("Postfix not installed (%v): apt-get install postfix (debconf: No configuration), or run .ci/run", err)
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root: `postfix start` runs only as root")
	}
	const (
		masterExample = "postfix-proxy-filter/master.cf"
		relayExample  = "postfix-proxy-filter/dlprelay.yaml"
		rejectReply   = "550 5.7.1 Message rejected by data loss prevention policy; contact your administrator"
	)
	services := masterServices(t, mtaExample(t, masterExample))
	public, ok := services["smtp/inet"]
	if !ok {
		t.Fatalf("%s has no smtp inet service", masterExample)
	}
	after, ok := services["127.0.0.1:10026/inet"]
	if !ok {
		t.Fatalf("%s has no 127.0.0.1:10026 inet service", masterExample)
	}

	customers := sharedTestdata(t, "testdata/customers.csv")
	cleanMsg := readMessage(t, sharedTestdata(t, "testdata/mail/01-clean-plain.eml"))
	rowsMsg := readMessage(t, sharedTestdata(t, "testdata/mail/02-rows-plain.eml"))

	bin := buildDlprelayBinary(t)
	up := relaytest.NewUpstream(t)
	_, upPort, _ := net.SplitHostPort(up.Addr)
	// The after-filter smtpd first: dlprelay is ready only once its upstream
	// answers. This instance relays what it queues to the recording upstream.
	pf := startPostfixInstance(t,
		"# the next hop of the after-filter smtpd\nrelayhost = [127.0.0.1]:"+upPort+"\n",
		replaceOnce(t, after, "127.0.0.1:10026 ", "127.0.0.1:{{smtpd_port}} ", masterExample))
	relay := startDlprelayWith(t, bin, procOptions{upstream: pf.smtpAddr, customers: customers,
		config: sharedTestdata(t, "configs/mta/"+relayExample)})
	// Then the public smtpd, on a loopback port instead of 25, proxying to
	// dlprelay.
	public = replaceOnce(t, public, "smtp ", "127.0.0.1:{{port}} ", masterExample)
	public = replaceOnce(t, public, "smtpd_proxy_filter=127.0.0.1:10025\n", "smtpd_proxy_filter="+relay.listen+"\n", masterExample)
	publicAddr := pf.addService(t, public)
	t.Logf("Postfix %s: public smtpd on %s → dlprelay %s → after-filter smtpd %s → upstream %s",
		pf.dir, publicAddr, relay.listen, pf.smtpAddr, up.Addr)

	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("Postfix maillog (last 60 lines):\n%s", tailLines(pf.maillog(), 60))
			t.Logf("dlprelay output (last 60 lines):\n%s", tailLines(relay.output(), 60))
		}
	})

	t.Run("clean message arrives", func(t *testing.T) {
		reply, err := submit(publicAddr, "alice@corp.example", "bob@partner.example", cleanMsg)
		if err != nil {
			t.Fatalf("client got %v, want 250", err)
		}
		t.Logf("client got: 250 %s", reply)
		trace := expectCleanAtUpstream(t, up, cleanMsg, 0, postfixTimeout)
		if !bytes.Contains(trace, []byte("(dlprelay)")) {
			t.Errorf("the message did not pass through dlprelay (no Received: by dlprelay)")
		}
	})

	t.Run("customer rows are rejected in the client's SMTP dialog", func(t *testing.T) {
		before := len(up.Messages())
		_, err := submit(publicAddr, "alice@corp.example", "bob@partner.example", rowsMsg)
		var se *smtp.SMTPError
		if !errors.As(err, &se) {
			t.Fatalf("client got %v, want %q", err, rejectReply)
		}
		if got := fmt.Sprintf("%d %d.%d.%d %s", se.Code, se.EnhancedCode[0], se.EnhancedCode[1], se.EnhancedCode[2], se.Message); got != rejectReply {
			t.Errorf("client got %q, want %q", got, rejectReply)
		}
		// Before-queue: Postfix logs the proxy's reject and has queued nothing.
		pf.waitLog(t, "", "proxy-reject: END-OF-MESSAGE: "+rejectReply, 10*time.Second)
		out, err := exec.Command(postqueueBin, "-c", pf.confDir(), "-p").CombinedOutput()
		if err != nil || !strings.Contains(string(out), "Mail queue is empty") {
			t.Errorf("postqueue -p: %v\n%s\nwant an empty queue", err, out)
		}
		time.Sleep(500 * time.Millisecond)
		if n := len(up.Messages()); n != before {
			t.Errorf("upstream got %d new message(s); the rejected one must not be forwarded", n-before)
		}
	})

	t.Run("dlprelay down: the client gets a temporary failure", func(t *testing.T) {
		// No Postfix queue in front of dlprelay: the client has to retry.
		relay.stop()
		_, err := submit(publicAddr, "alice@corp.example", "bob@partner.example", cleanMsg)
		var se *smtp.SMTPError
		if !errors.As(err, &se) || se.Code/100 != 4 {
			t.Fatalf("client got %v, want a 4xx reply", err)
		}
		if got := fmt.Sprintf("%d %d.%d.%d %s", se.Code, se.EnhancedCode[0], se.EnhancedCode[1], se.EnhancedCode[2], se.Message); got != "451 4.3.0 Error: queue file write error" {
			t.Errorf("client got %q, want Postfix's own 451 4.3.0 Error: queue file write error", got)
		}
		// The message is not queued here. (Postfix queues a notice of the
		// failure to the postmaster: notify_classes has "software".)
		out, err := exec.Command(postqueueBin, "-c", pf.confDir(), "-p").CombinedOutput()
		if err != nil || strings.Contains(string(out), "alice@corp.example") {
			t.Errorf("postqueue -p: %v\n%s\nwant no message from alice@corp.example", err, out)
		}
	})
}

// postfixInstance is a running private Postfix instance.
type postfixInstance struct {
	dir      string // config_directory is dir/etc
	smtpAddr string // the smtpd to submit to
}

func (p *postfixInstance) confDir() string { return filepath.Join(p.dir, "etc") }

func (p *postfixInstance) maillog() string {
	b, _ := os.ReadFile(filepath.Join(p.dir, "maillog"))
	return string(b)
}

// postfixMainCF is the start of the private instance's main.cf: the paths,
// loopback only, no local delivery. It also keeps Postfix from changing the
// message: headers of remote clients are not rewritten, missing headers are
// not added, 8-bit mail is not converted to quoted-printable, so what
// dlprelay forwards can be compared byte for byte apart from the Received:
// headers. Each test appends what it tests (an example from configs/mta/),
// then postfixTestMainCF.
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
smtp_dns_support_level = disabled
smtpd_peername_lookup = no
smtp_tls_security_level = none
smtpd_tls_security_level = none
# Leave the message alone.
local_header_rewrite_clients =
always_add_missing_headers = no
disable_mime_output_conversion = yes
biff = no
`

// postfixTestMainCF ends the private instance's main.cf, after the example
// under test; a later line wins in main.cf.
const postfixTestMainCF = `# Retry fast if dlprelay deferred (the test also flushes the queue).
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
`

// postfixMasterCF lists the daemons the tests use, none chrooted; each test
// adds its smtpd services.
const postfixMasterCF = `# service type  private unpriv  chroot  wakeup  maxproc command
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

// startPrivatePostfix starts a Postfix instance set up as
// configs/mta/postfix-relayhost/main.cf says, relaying everything to
// relayAddr, with one smtpd on a free loopback port, and stops it when the
// test ends.
func startPrivatePostfix(t *testing.T, relayAddr string) *postfixInstance {
	t.Helper()
	_, relayPort, err := net.SplitHostPort(relayAddr)
	if err != nil {
		t.Fatal(err)
	}
	const example = "postfix-relayhost/main.cf"
	mainCF := replaceOnce(t, activeLines(mtaExample(t, example)),
		"relayhost = [127.0.0.1]:10025\n", "relayhost = [127.0.0.1]:"+relayPort+"\n", example)
	p := startPostfixInstance(t, "# "+example+", relayhost changed\n"+mainCF,
		"127.0.0.1:{{smtpd_port}} inet n - n - - smtpd\n")
	t.Logf("Postfix %s: smtpd on %s, relayhost [127.0.0.1]:%s", p.dir, p.smtpAddr, relayPort)
	return p
}

// startPostfixInstance starts a private Postfix instance whose main.cf is
// postfixMainCF, then mainCF, then postfixTestMainCF, and whose master.cf is
// postfixMasterCF and services, with {{smtpd_port}} in services replaced by
// a free loopback port: the smtpd that p.smtpAddr names. It stops the
// instance when the test ends.
func startPostfixInstance(t *testing.T, mainCF, services string) *postfixInstance {
	t.Helper()
	// Postfix daemons drop root and must reach their directories. `postfix
	// check` creates the queue's subdirectories and data_directory with the
	// owners it wants.
	dir := worldTempDir(t, "dlprelay-postfix-")
	p := &postfixInstance{dir: dir}
	for _, sub := range []string{"etc", "queue"} {
		if err := os.Mkdir(filepath.Join(dir, sub), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	mainCF = strings.ReplaceAll(postfixMainCF, "{{dir}}", dir) + withoutParams(mainCF, postfixTestMainCF) + postfixTestMainCF
	if err := os.WriteFile(filepath.Join(p.confDir(), "main.cf"), []byte(mainCF), 0o644); err != nil {
		t.Fatal(err)
	}

	var lastErr error
	for attempt := 1; attempt <= 3; attempt++ {
		port := loopbackPort(t)
		p.smtpAddr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		masterCF := postfixMasterCF + strings.ReplaceAll(services, "{{smtpd_port}}", strconv.Itoa(port))
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
			if out := p.maillog(); strings.Contains(out, "warning:") {
				t.Logf("Postfix warnings at start:\n%s", grepLines(out, "warning:"))
			}
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

// addService appends service to the running instance's master.cf, with
// {{port}} replaced by a free loopback port, reloads Postfix and waits for
// the new listener's greeting at the address it returns.
func (p *postfixInstance) addService(t *testing.T, service string) string {
	t.Helper()
	port := loopbackPort(t)
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	f, err := os.OpenFile(filepath.Join(p.confDir(), "master.cf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.WriteString(strings.ReplaceAll(service, "{{port}}", strconv.Itoa(port)))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	if out, err := p.postfix("reload"); err != nil {
		t.Fatalf("postfix -c %s reload: %v\n%s\nmaillog:\n%s", p.confDir(), err, out, tailLines(p.maillog(), 30))
	}
	if err := waitBanner(addr, 20*time.Second); err != nil {
		t.Fatalf("new Postfix service on %s: %v\nmaillog:\n%s", addr, err, tailLines(p.maillog(), 30))
	}
	return addr
}

// withoutParams drops from mainCF the parameters that overrides sets, so
// that Postfix does not warn about entries overriding earlier ones.
func withoutParams(mainCF, overrides string) string {
	set := map[string]bool{}
	for _, line := range strings.Split(overrides, "\n") {
		if name, _, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(line, "#") {
			set[strings.TrimSpace(name)] = true
		}
	}
	var b strings.Builder
	for _, line := range strings.SplitAfter(mainCF, "\n") {
		if name, _, ok := strings.Cut(line, "="); ok && set[strings.TrimSpace(name)] {
			continue
		}
		b.WriteString(line)
	}
	return b.String()
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

// waitLog waits for a maillog line about queue id qid (any line if qid is
// "") that contains substr and returns it. Postfix's postlogd writes the
// maillog a moment after the event.
func (p *postfixInstance) waitLog(t *testing.T, qid, substr string, timeout time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		for _, line := range strings.Split(p.maillog(), "\n") {
			if (qid == "" || strings.Contains(line, qid+":")) && strings.Contains(line, substr) {
				return line
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %q in the maillog for %s within %v:\n%s", substr, qid, timeout, grepLines(p.maillog(), qid+":"))
		}
		time.Sleep(100 * time.Millisecond)
	}
}
