//go:build exim

// The real-Exim end-to-end test. It runs only with `-tags exim`, as root,
// with Debian's exim binary; .ci/exim-install unpacks it to
// /opt/dlprelay-exim without installing the package (exim4-daemon-light
// conflicts with Postfix):
//
//	.ci/exim-install && go test -tags exim -run Exim -v -count=1 ./cmd/dlprelay/
//
// EXIM_BIN=path tests another exim binary; DLPRELAY_BIN as in postfix_test.go.
//
// The chain under test, once with configs/mta/exim/exim.conf (the plain
// configuration) and once with the configuration Debian's update-exim4.conf
// generates from configs/mta/exim/update-exim4.conf.conf:
//
//	exim -bm (local submission, delivery at once) → dlprelay binary → relaytest upstream
//
// Exim runs with its own configuration (-C, allowed for root), spool and
// logs in a temporary directory; nothing under /etc or /var is used. No Exim
// daemon is started: each submission delivers in the foreground (-odi).

package main

import (
	"bytes"
	"io"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dlprelay/dlprelay/relay/quarantine"
	"github.com/dlprelay/dlprelay/relay/relaytest"
)

const eximTimeout = 60 * time.Second // one message through Exim and dlprelay

// eximBinary returns the exim binary to test, or skips the test.
func eximBinary(t *testing.T) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: exim keeps its privileges with -C only for root")
	}
	candidates := []string{"/opt/dlprelay-exim/usr/sbin/exim4", "/usr/sbin/exim4"}
	if bin := os.Getenv("EXIM_BIN"); bin != "" {
		candidates = []string{bin}
	}
	for _, bin := range candidates {
		if _, err := os.Stat(bin); err == nil {
			return bin
		}
	}
	t.Skipf("no exim binary at %v: run .ci/exim-install (unpacks Debian's exim4-daemon-light to /opt/dlprelay-exim next to Postfix) or set EXIM_BIN", candidates)
	return ""
}

// eximRelayConfig is dlprelay's policy for this test: customer rows to a
// free-mail address are quarantined (dlprelay answers 250), to anyone else
// outside rejected (550, and Exim bounces). Mail to corp.example, such as
// Exim's bounce to the sender, is internal and passes.
const eximRelayConfig = `policy:
  internal_domains: [corp.example]
  rules:
    - name: records-freemail
      recipients: [freemail]
      min_records: 3
      action: quarantine
    - name: records-reject
      min_records: 3
      action: reject
`

// TestEximSmarthost runs configs/mta/exim/exim.conf, the plain Exim
// configuration with the dlprelay router and transport.
func TestEximSmarthost(t *testing.T) {
	exim := eximBinary(t)
	up, relay := startEximRelay(t)
	ex := newEximInstance(t, exim, relay.listen)
	testEximThroughRelay(t, ex, up, relay)
}

// TestEximDebianSmarthost runs configs/mta/exim/update-exim4.conf.conf
// through Debian's update-exim4.conf and runs the configuration it
// generates, with Debian's smarthost router and remote_smtp_smarthost
// transport. dlprelay is reached at 127.0.0.2, as that file explains, through
// a TCP forwarder (the test helpers start dlprelay on 127.0.0.1).
func TestEximDebianSmarthost(t *testing.T) {
	exim := eximBinary(t)
	debian := filepath.Join(filepath.Dir(filepath.Dir(filepath.Dir(exim))), "etc", "exim4")
	update := filepath.Join(filepath.Dir(exim), "update-exim4.conf")
	if os.Getenv("EXIM_DEBIAN_CONF") != "" {
		debian = os.Getenv("EXIM_DEBIAN_CONF")
	}
	for _, p := range []string{debian, update} {
		if _, err := os.Stat(p); err != nil {
			t.Skipf("Debian's exim4-config is not beside %s (%v): run .ci/exim-install", exim, err)
		}
	}
	up, relay := startEximRelay(t)
	fwd := forwardTCP(t, "127.0.0.2", relay.listen)
	ex := newDebianEximInstance(t, exim, update, debian, fwd)
	testEximThroughRelay(t, ex, up, relay)

	t.Run("dc_smarthost on 127.0.0.1 is refused as the local host", func(t *testing.T) {
		// Why the example uses 127.0.0.2: the same configuration with
		// dc_smarthost='127.0.0.1::port' (the macro it becomes, overridden
		// with -D) cannot route to dlprelay at all.
		out, _ := ex.exim("-DDCsmarthost=127.0.0.1::10025", "-bt", "bob@partner.example")
		if !strings.Contains(string(out), "remote host address is the local host") {
			t.Errorf("exim -bt with dc_smarthost 127.0.0.1::10025 says:\n%s\nwant \"remote host address is the local host\"", out)
		}
	})
}

// startEximRelay starts the recording upstream and dlprelay with
// eximRelayConfig.
func startEximRelay(t *testing.T) (*relaytest.Upstream, *dlprelayProcess) {
	t.Helper()
	customers := sharedTestdata(t, "testdata/customers.csv")
	bin := buildDlprelayBinary(t)
	up := relaytest.NewUpstream(t)
	relayConf := filepath.Join(t.TempDir(), "dlprelay.yaml")
	if err := os.WriteFile(relayConf, []byte(eximRelayConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	return up, startDlprelayWith(t, bin, procOptions{upstream: up.Addr, customers: customers, config: relayConf})
}

// testEximThroughRelay submits a clean message and two with customer rows
// to ex, whose smarthost is relay, and checks what Exim, dlprelay and the
// upstream did.
func testEximThroughRelay(t *testing.T, ex *eximInstance, up *relaytest.Upstream, relay *dlprelayProcess) {
	cleanMsg := readMessage(t, sharedTestdata(t, "testdata/mail/01-clean-plain.eml"))
	rowsMsg := readMessage(t, sharedTestdata(t, "testdata/mail/02-rows-plain.eml"))

	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("Exim mainlog (last 60 lines):\n%s", tailLines(ex.log("main"), 60))
			t.Logf("Exim paniclog:\n%s", tailLines(ex.log("panic"), 20))
			t.Logf("dlprelay output (last 60 lines):\n%s", tailLines(relay.output(), 60))
		}
	})

	t.Run("clean message arrives unchanged", func(t *testing.T) {
		id := ex.submit(t, "alice@corp.example", "bob@partner.example", cleanMsg)
		lines := ex.waitCompleted(t, id, eximTimeout)
		if !strings.Contains(lines, "=> bob@partner.example "+ex.route) {
			t.Fatalf("Exim did not deliver %s by %s:\n%s", id, ex.route, lines)
		}
		expectCleanAtUpstream(t, up, cleanMsg, 2, 5*time.Second)
	})

	t.Run("customer rows to free mail are quarantined", func(t *testing.T) {
		before := len(up.Messages())
		msg := bytes.Replace(rowsMsg, []byte("Message-ID: <02-rows@"), []byte("Message-ID: <02-rows.freemail@"), 1)
		id := ex.submit(t, "alice@corp.example", "me@gmail.com", msg)
		// dlprelay answers 250 for a quarantined message: Exim has delivered.
		lines := ex.waitCompleted(t, id, eximTimeout)
		if !strings.Contains(lines, "=> me@gmail.com "+ex.route) {
			t.Fatalf("Exim did not hand %s to dlprelay:\n%s", id, lines)
		}
		entry, _ := waitQuarantine(t, relay.data, messageID(msg), 10*time.Second)
		if entry.Verdict != "quarantine" || entry.Status != quarantine.StatusHeld {
			t.Errorf("entry %s is %s with verdict %q, want held, quarantine", entry.ID, entry.Status, entry.Verdict)
		}
		time.Sleep(500 * time.Millisecond)
		if n := len(up.Messages()); n != before {
			t.Errorf("upstream got %d new message(s); the quarantined one must not be forwarded", n-before)
		}
	})

	t.Run("customer rows to a partner are rejected and bounced to the sender", func(t *testing.T) {
		before := len(up.Messages())
		id := ex.submit(t, "alice@corp.example", "bob@partner.example", rowsMsg)
		lines := ex.waitCompleted(t, id, eximTimeout)
		t.Logf("Exim's log of %s:\n%s", id, lines)
		const reject = "550 5.7.1 Message rejected by data loss prevention policy; contact your administrator"
		if !strings.Contains(lines, "** bob@partner.example "+ex.route) || !strings.Contains(lines, reject) {
			t.Fatalf("Exim did not fail %s with dlprelay's %q:\n%s", id, reject, lines)
		}
		// Exim's bounce goes to the sender through dlprelay, which lets it
		// pass (internal recipient) even though it quotes the message.
		msgs := up.WaitMessages(before+1, eximTimeout)
		if len(msgs) != before+1 {
			t.Fatalf("upstream got %d new message(s), want the bounce", len(msgs)-before)
		}
		bounce := msgs[before]
		if bounce.From != "" || len(bounce.To) != 1 || bounce.To[0] != "alice@corp.example" {
			t.Errorf("bounce envelope = %q -> %q, want <> -> [alice@corp.example]", bounce.From, bounce.To)
		}
		if !bytes.Contains(bounce.Data, []byte(reject)) {
			t.Errorf("the bounce does not quote dlprelay's reply %q:\n%s", reject, bounce.Data)
		}
		for _, m := range msgs[before:] {
			if len(m.To) == 1 && m.To[0] == "bob@partner.example" {
				t.Errorf("the rejected message reached the upstream")
			}
		}
	})

	if out, err := ex.exim("-bpc"); err != nil || strings.TrimSpace(string(out)) != "0" {
		t.Errorf("exim -bpc: %v: %s; want an empty queue", err, out)
	}
}

// eximInstance is exim run with a private configuration, spool and logs.
type eximInstance struct {
	bin, dir, conf string
	macros         []string // -D options
	route          string   // how the mainlog names the way to dlprelay: "R=... T=... H=..."
}

// newEximInstance writes configs/mta/exim/exim.conf with dlprelay's port,
// the spool and the logs changed, and checks that exim accepts it.
func newEximInstance(t *testing.T, bin, relayAddr string) *eximInstance {
	t.Helper()
	dir := eximDir(t)
	host, port, ok := strings.Cut(relayAddr, ":")
	if !ok || host != "127.0.0.1" {
		t.Fatalf("dlprelay listens on %s, want 127.0.0.1:port", relayAddr)
	}
	const example = "exim/exim.conf"
	conf := mtaExample(t, example)
	conf = replaceOnce(t, conf, "route_list = * 127.0.0.1::10025 byname\n", "route_list = * 127.0.0.1::"+port+" byname\n", example)
	conf = replaceOnce(t, conf, "spool_directory = /var/spool/exim4\n", "spool_directory = "+dir+"/spool\n", example)
	conf = replaceOnce(t, conf, "log_file_path = /var/log/exim4/%slog\n", "log_file_path = "+dir+"/log/%slog\n", example)
	// Exim starts itself again for bounces; it is not at the compiled-in
	// /usr/sbin/exim when unpacked by .ci/exim-install.
	conf = "# " + example + ", with paths and the port changed\nexim_path = " + bin + "\n" + conf
	ex := &eximInstance{bin: bin, dir: dir, conf: filepath.Join(dir, "exim.conf"),
		route: "R=dlprelay T=dlprelay_smtp H=127.0.0.1 [127.0.0.1]"}
	ex.check(t, conf, "router = dlprelay, transport = dlprelay_smtp")
	return ex
}

// newDebianEximInstance runs Debian's update-exim4.conf on
// configs/mta/exim/update-exim4.conf.conf, with dc_smarthost's port set to
// the one of relayAddr (127.0.0.2:port), in a copy of Debian's /etc/exim4
// templates (debian), and checks that exim accepts the result.
func newDebianEximInstance(t *testing.T, bin, update, debian, relayAddr string) *eximInstance {
	t.Helper()
	dir := eximDir(t)
	host, port, ok := strings.Cut(relayAddr, ":")
	if !ok || host != "127.0.0.2" {
		t.Fatalf("dlprelay reached at %s, want 127.0.0.2:port", relayAddr)
	}
	confdir := filepath.Join(dir, "etc")
	if out, err := exec.Command("cp", "-a", debian, confdir).CombinedOutput(); err != nil {
		t.Fatalf("copy %s: %v\n%s", debian, err, out)
	}
	const example = "exim/update-exim4.conf.conf"
	values := replaceOnce(t, mtaExample(t, example), "dc_smarthost='127.0.0.2::10025'\n", "dc_smarthost='127.0.0.2::"+port+"'\n", example)
	if err := os.WriteFile(filepath.Join(confdir, "update-exim4.conf.conf"), []byte(values), 0o644); err != nil {
		t.Fatal(err)
	}
	generated := filepath.Join(dir, "config.autogenerated")
	cmd := exec.Command(update, "--confdir", confdir, "--output", generated)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("update-exim4.conf: %v\n%s", err, out)
	} else if len(out) > 0 {
		t.Logf("update-exim4.conf says:\n%s", out)
	}
	b, err := os.ReadFile(generated)
	if err != nil {
		t.Fatal(err)
	}
	// Debian's template reads CONFDIR and SPOOLDIR from macros (given with
	// -D) and leaves log_file_path at the compiled-in /var/log/exim4.
	conf := replaceOnce(t, string(b), "\nexim_path = /usr/sbin/exim4\n", "\nexim_path = "+bin+"\n", "update-exim4.conf's output")
	conf = "# update-exim4.conf's output for " + example + ", log_file_path added, exim_path changed\n" +
		"log_file_path = " + dir + "/log/%slog\n" + conf
	ex := &eximInstance{bin: bin, dir: dir, conf: filepath.Join(dir, "exim.conf"),
		macros: []string{"-DCONFDIR=" + confdir, "-DSPOOLDIR=" + dir + "/spool"},
		route:  "R=smarthost T=remote_smtp_smarthost H=127.0.0.2 [127.0.0.2]"}
	ex.check(t, conf, "router = smarthost, transport = remote_smtp_smarthost")
	return ex
}

// eximDir makes a directory for an Exim instance, with spool/ and log/
// that Exim's user can write, and removes it when the test ends.
func eximDir(t *testing.T) string {
	t.Helper()
	// Exim's delivery processes run as Debian-exim and must reach the
	// spool.
	dir := worldTempDir(t, "dlprelay-exim-")
	// Exim receives and delivers as its user (Debian-exim), which must
	// write the spool and the logs.
	uid, gid := eximUser(t)
	for _, sub := range []string{"spool", "log"} {
		p := filepath.Join(dir, sub)
		if err := os.Mkdir(p, 0o750); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(p, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// check writes conf as the instance's configuration and checks that exim
// reads it and routes a remote address as want says (exim -bt).
func (e *eximInstance) check(t *testing.T, conf, want string) {
	t.Helper()
	// Owned by root and not writable by others, or exim refuses it.
	if err := os.WriteFile(e.conf, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := e.exim("-bV")
	if err != nil {
		t.Fatalf("exim -C %s -bV: %v\n%s", e.conf, err, out)
	}
	version, _, _ := strings.Cut(string(out), "\n")
	t.Logf("%s, %s", version, e.conf)
	if out, err := e.exim("-bt", "bob@partner.example"); err != nil || !strings.Contains(string(out), want) {
		t.Fatalf("exim -bt bob@partner.example: %v\n%s\nwant %q", err, out, want)
	}
}

// forwardTCP listens on host (any port) and copies each connection to and
// from target, until the test ends; it returns the listening address.
func forwardTCP(t *testing.T, host, target string) string {
	t.Helper()
	ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		t.Fatalf("listen on %s (Linux answers on all of 127.0.0.0/8): %v", host, err)
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
				u, err := net.Dial("tcp", target)
				if err != nil {
					return
				}
				defer u.Close()
				done := make(chan struct{})
				go func() { io.Copy(u, c); u.(*net.TCPConn).CloseWrite(); close(done) }()
				io.Copy(c, u)
				c.(*net.TCPConn).CloseWrite()
				<-done
			}()
		}
	}()
	return ln.Addr().String()
}

// eximUser returns the uid and gid of Debian-exim, the user Debian's exim
// binary is built to run as (.ci/exim-install creates it).
func eximUser(t *testing.T) (int, int) {
	t.Helper()
	u, err := user.Lookup("Debian-exim")
	if err != nil {
		t.Fatalf("Debian's exim runs as Debian-exim: %v (.ci/exim-install creates the user)", err)
	}
	uid, err := strconv.Atoi(u.Uid)
	if err != nil {
		t.Fatal(err)
	}
	gid, err := strconv.Atoi(u.Gid)
	if err != nil {
		t.Fatal(err)
	}
	return uid, gid
}

// exim runs the binary with the instance's configuration.
func (e *eximInstance) exim(args ...string) ([]byte, error) {
	return exec.Command(e.bin, e.args(args...)...).CombinedOutput()
}

func (e *eximInstance) args(args ...string) []string {
	return append(append([]string{"-C", e.conf}, e.macros...), args...)
}

func (e *eximInstance) log(name string) string {
	b, _ := os.ReadFile(filepath.Join(e.dir, "log", name+"log"))
	return string(b)
}

// eximReceived matches the mainlog's reception line and the message's id=.
var eximReceived = regexp.MustCompile(`(?m)^\S+ \S+ (\S+) <= .* id=(\S+)`)

// submit hands msg to exim as a local program would (exim -bm with the
// envelope on the command line, LF line endings, -oi: a lone dot is not the
// end), delivering at once (-odi), and returns Exim's message id.
func (e *eximInstance) submit(t *testing.T, from, to string, msg []byte) string {
	t.Helper()
	cmd := exec.Command(e.bin, e.args("-odi", "-oi", "-f", from, "--", to)...)
	cmd.Stdin = bytes.NewReader(bytes.ReplaceAll(msg, []byte("\r\n"), []byte("\n")))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("exim -odi -f %s %s: %v\n%s\nmainlog:\n%s", from, to, err, out, tailLines(e.log("main"), 20))
	}
	msgID := strings.Trim(messageID(msg), "<>")
	for _, m := range eximReceived.FindAllStringSubmatch(e.log("main"), -1) {
		if m[2] == msgID {
			return m[1]
		}
	}
	t.Fatalf("no reception of Message-ID %s in Exim's mainlog:\n%s", msgID, tailLines(e.log("main"), 20))
	return ""
}

// waitCompleted waits until Exim logs "Completed" for message id, and returns
// the mainlog lines about it. A message still queued (deferred, frozen)
// fails the test with those lines.
func (e *eximInstance) waitCompleted(t *testing.T, id string, timeout time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		lines := grepLines(e.log("main"), " "+id+" ")
		if strings.Contains(lines, " "+id+" Completed") {
			return lines
		}
		if time.Now().After(deadline) {
			out, _ := e.exim("-bp")
			t.Fatalf("Exim did not complete %s within %v; log lines:\n%s\nqueue:\n%s", id, timeout, lines, out)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
