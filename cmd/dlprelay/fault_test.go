//go:build fault

package main

// The fault and load suite: the real dlprelay binary, a Go load generator in
// front of it that behaves like an MTA (retries 4xx and broken connections),
// and an upstream that fails on purpose. Each test proves one of the
// non-negotiables with counts, which it logs (run with -v):
//
//	go test -tags fault -v -run Fault ./cmd/dlprelay/
//
// FAULT_MESSAGES raises the size of the lost-message run (default 2000).
// The load report (throughput and latency against Postfix's smtp-sink, peak
// RSS) runs only when asked: LOAD_REPORT=1 go test -tags fault -v -run
// LoadReport ./cmd/dlprelay/. See docs/load.md for the numbers.

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/dlprelay/dlprelay/relay/relaytest"
)

func envInt(t *testing.T, name string, def int) int {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		t.Fatalf("%s=%q: want a positive number", name, v)
	}
	return n
}

// writeFileAt is writeFile returning the path.
func writeFileAt(t *testing.T, path, content string) string {
	t.Helper()
	writeFile(t, path, content)
	return path
}

// faultConfig is the relay's configuration in the fault suite: short
// upstream timeouts, so that a stalled upstream is given up on quickly.
const faultConfig = `
smtp:
  max_connections: 300
  max_message_bytes: 4MiB
  read_timeout: 30s
upstream:
  connect_timeout: 2s
  command_timeout: 2s
  data_timeout: 1s
`

// makeLoad builds n messages of size bytes; every tenth carries customer
// records.
func makeLoad(prefix string, n, size int) []loadMessage {
	msgs := make([]loadMessage, n)
	for i := range msgs {
		msgs[i] = makeLoadMessage(fmt.Sprintf("%s-%05d", prefix, i), size, i%10 == 3)
	}
	return msgs
}

// TestFaultNothingLost sends FAULT_MESSAGES messages through the relay while
// the upstream fails in every way it can and the relay itself is killed with
// SIGKILL twice and restarted on the same data directory. Every message the
// client saw accepted must be at the upstream or in the quarantine; no
// message with customer records may reach the upstream. Duplicates, which
// SMTP's at-least-once delivery allows (the upstream accepted, but the 250
// never reached the client), are counted and explained.
func TestFaultNothingLost(t *testing.T) {
	n := envInt(t, "FAULT_MESSAGES", 2000)
	bin := buildDlprelayBinary(t)
	up := newFaultUpstream(t, map[string]float64{
		"mail421": 0.02, "rcpt451": 0.02, "rcpt452": 0.02, "rcpt550": 0.01,
		"data451": 0.02, "data554": 0.01, "slow": 0.01, "reset": 0.02,
	}, 1500*time.Millisecond)
	dir := t.TempDir()
	cfg := writeFileAt(t, filepath.Join(dir, "dlprelay.yaml"), faultConfig)
	data := filepath.Join(dir, "data")
	opts := procOptions{upstream: up.addr, customers: sharedTestdata(t, "testdata/customers.csv"), config: cfg, data: data}
	p := startDlprelayWith(t, bin, opts)

	var (
		mu      sync.Mutex
		current = p
		kills   int
		logs    []string
	)
	addr := func() string { mu.Lock(); defer mu.Unlock(); return current.listen }
	client := &loadClient{addr: addr, maxAttempts: 15, backoff: 50 * time.Millisecond, rcpt: "someone@elsewhere.test"}
	msgs := makeLoad("fault", n, 4<<10)

	done := make(chan struct{})
	var bg sync.WaitGroup
	bg.Add(2)
	go func() { // the upstream goes down for half a second every 3 seconds
		defer bg.Done()
		for {
			select {
			case <-done:
				return
			case <-time.After(3 * time.Second):
				up.goDown(500 * time.Millisecond)
			}
		}
	}()
	go func() { // SIGKILL at 30% and 65% of the run, then a restart
		defer bg.Done()
		for _, at := range []int{n * 30 / 100, n * 65 / 100} {
			for client.completed.Load() < int64(at) {
				select {
				case <-done:
					return
				case <-time.After(10 * time.Millisecond):
				}
			}
			mu.Lock()
			old := current
			mu.Unlock()
			old.cmd.Process.Kill()
			old.stop() // reaps it
			logs = append(logs, old.output())
			next := startDlprelayWith(t, bin, opts)
			mu.Lock()
			current, kills = next, kills+1
			mu.Unlock()
		}
	}()
	start := time.Now()
	outs := runLoad(client, msgs, 16)
	elapsed := time.Since(start)
	close(done)
	bg.Wait()
	current.stop()
	logs = append(logs, current.output())

	got, late := up.accepted()
	quarantined := quarantinedIDs(t, data)
	var (
		accepted, permanent, gaveUp, attempts, tempFails int
		lost, leaked, misplaced                          []string
		dupUpstream, dupQuarantine, lateAccepted         int
		deliveredDespite                                 int
	)
	for _, m := range msgs {
		o := outs[m.id]
		attempts += o.attempts
		tempFails += o.tempFails
		switch {
		case o.accepted:
			accepted++
		case o.permanent != 0:
			permanent++
		default:
			gaveUp++
		}
		atUp, inQ := got[m.id], quarantined[m.id]
		if o.accepted && atUp == 0 && inQ == 0 {
			lost = append(lost, m.id)
		}
		if m.customer && atUp > 0 {
			leaked = append(leaked, m.id)
		}
		if !m.customer && inQ > 0 {
			misplaced = append(misplaced, m.id)
		}
		if atUp > 1 {
			dupUpstream += atUp - 1
		}
		if inQ > 1 {
			dupQuarantine += inQ - 1
		}
		lateAccepted += late[m.id]
		if !o.accepted && atUp+inQ > 0 {
			deliveredDespite++
		}
	}
	for _, l := range logs {
		if strings.Contains(l, "panic") {
			t.Errorf("dlprelay log mentions a panic:\n%s", tailLines(l, 40))
		}
	}
	t.Logf("%d messages (%d with customer records), 16 clients, %v; relay killed with SIGKILL %d times", n, n/10, elapsed.Round(time.Millisecond), kills)
	t.Logf("faults injected by the upstream: %v", up.faults())
	t.Logf("client: %d accepted, %d refused permanently (5xx), %d given up after %d attempts; %d attempts, %d temporary failures retried",
		accepted, permanent, gaveUp, client.maxAttempts, attempts, tempFails)
	t.Logf("upstream: %d distinct messages accepted; quarantine: %d distinct messages", len(got), len(quarantined))
	t.Logf("lost: %d; customer records at the upstream: %d; clean messages in quarantine: %d", len(lost), len(leaked), len(misplaced))
	t.Logf("duplicates: %d extra copies at the upstream, %d in quarantine; the upstream accepted %d copies after stalling past the relay's timeout (the client was told 451 and sent again)",
		dupUpstream, dupQuarantine, lateAccepted)
	t.Logf("%d messages the client did not see accepted are at the upstream or in quarantine (a copy accepted late or before a SIGKILL, then a retry refused with 5xx)",
		deliveredDespite)
	if len(lost) > 0 {
		t.Errorf("%d messages accepted by the relay are neither at the upstream nor in quarantine: %v", len(lost), head(lost, 20))
	}
	if len(leaked) > 0 {
		t.Errorf("%d messages with customer records reached the upstream: %v", len(leaked), head(leaked, 20))
	}
	if len(misplaced) > 0 {
		t.Errorf("%d clean messages were quarantined: %v", len(misplaced), head(misplaced, 20))
	}
	if kills != 2 {
		t.Errorf("relay killed %d times, want 2", kills)
	}
	for kind, c := range up.faults() {
		if c == 0 {
			t.Errorf("fault %s was never injected; the run proves nothing about it", kind)
		}
	}
	if accepted < n*8/10 {
		t.Errorf("only %d of %d messages accepted; the faults should not stop most mail", accepted, n)
	}
	if n := got[""]; n > 0 {
		t.Errorf("the upstream accepted %d messages without an X-Load-ID", n)
	}
}

func head(s []string, n int) []string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// mustRoot skips a test that needs to mount file systems.
func mustRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root (mounts a tmpfs or a read-only bind mount)")
	}
}

func mount(t *testing.T, args ...string) {
	t.Helper()
	if out, err := exec.Command("mount", args...).CombinedOutput(); err != nil {
		t.Skipf("mount %v: %v: %s (this machine cannot mount; the test needs it)", args, err, out)
	}
}

func unmountAtEnd(t *testing.T, dir string) {
	t.Cleanup(func() {
		if out, err := exec.Command("umount", "-l", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
}

// replyOf sends msg and returns the relay's reply code to it (250 when it
// was accepted) and the full error.
func replyOf(addr string, msg []byte) (int, error) {
	_, err := submit(addr, "sender@corp.test", "someone@elsewhere.test", msg)
	if err == nil {
		return 250, nil
	}
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		return se.Code, err
	}
	return 0, err
}

// TestFaultDiskFull runs the relay with its data directory on a 6 MB tmpfs
// and fills it: a message the policy quarantines, and a message too big to
// spool in memory, must get 451 (never 250) while the disk is full, and the
// same messages go through once space is freed. Mail that needs no disk
// keeps flowing.
func TestFaultDiskFull(t *testing.T) {
	mustRoot(t)
	bin := buildDlprelayBinary(t)
	up := relaytest.NewUpstream(t)
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	if err := os.Mkdir(data, 0o755); err != nil {
		t.Fatal(err)
	}
	mount(t, "-t", "tmpfs", "-o", "size=6m", "tmpfs", data)
	unmountAtEnd(t, data) // registered first: runs after the relay stopped
	cfg := writeFileAt(t, filepath.Join(dir, "dlprelay.yaml"), faultConfig)
	p := startDlprelayWith(t, bin, procOptions{upstream: up.Addr, customers: sharedTestdata(t, "testdata/customers.csv"), config: cfg, data: data})

	filler := filepath.Join(data, "filler")
	f, err := os.Create(filler)
	if err != nil {
		t.Fatal(err)
	}
	chunk := make([]byte, 64<<10)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("filling the disk: %v", err)
			}
			break
		}
	}
	f.Close()
	// The relay reports the full filesystem (what the DlprelayDataDisk*
	// alerts watch).
	exp := get(t, "http://"+p.admin+"/metrics")
	if avail, size := metricValue(exp, "dlprelay_data_filesystem_avail_bytes"), metricValue(exp, "dlprelay_data_filesystem_size_bytes"); size != 6<<20 || avail > 64<<10 {
		t.Errorf("disk full: metrics say %v of %v bytes free, want < 64 KiB of 6 MiB", avail, size)
	}

	quarantineMsg := makeLoadMessage("full-customer", 4<<10, true)
	bigMsg := makeLoadMessage("full-big", 3<<20, false) // over the 1 MiB in-memory spool
	smallMsg := makeLoadMessage("full-small", 4<<10, false)

	for _, m := range []loadMessage{quarantineMsg, bigMsg} {
		code, err := replyOf(p.listen, m.body)
		t.Logf("disk full: %s: %d %v", m.id, code, err)
		if code != 451 {
			t.Errorf("disk full: %s got %d (%v), want 451", m.id, code, err)
		}
	}
	if code, err := replyOf(p.listen, smallMsg.body); code != 250 {
		t.Errorf("disk full: a small clean message needs no disk, got %d (%v), want 250", code, err)
	}

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	if avail := metricValue(get(t, "http://"+p.admin+"/metrics"), "dlprelay_data_filesystem_avail_bytes"); avail < 4<<20 {
		t.Errorf("space freed: metrics say %v bytes free, want > 4 MiB", avail)
	}
	for _, m := range []loadMessage{quarantineMsg, bigMsg} {
		if code, err := replyOf(p.listen, m.body); code != 250 {
			t.Errorf("space freed: %s got %d (%v), want 250", m.id, code, err)
		}
	}
	p.stop()
	if q := quarantinedIDs(t, data); q[quarantineMsg.id] != 1 {
		t.Errorf("quarantine holds %d copies of %s, want 1 (the one accepted after space was freed)", q[quarantineMsg.id], quarantineMsg.id)
	}
	ups := map[string]int{}
	for _, m := range up.Messages() {
		ups[loadID(m.Data)]++
	}
	if ups[bigMsg.id] != 1 || ups[smallMsg.id] != 1 || ups[quarantineMsg.id] != 0 {
		t.Errorf("upstream got %v, want one each of %s and %s and none of %s", ups, bigMsg.id, smallMsg.id, quarantineMsg.id)
	}
	if strings.Contains(p.output(), "panic") {
		t.Errorf("dlprelay log mentions a panic:\n%s", tailLines(p.output(), 40))
	}
}

// TestFaultQuarantineUnwritable makes the quarantine directory read-only
// under a running relay (a read-only bind mount: root ignores permission
// bits): a message the policy quarantines gets 451, then 250 once the
// directory is writable again.
func TestFaultQuarantineUnwritable(t *testing.T) {
	mustRoot(t)
	bin := buildDlprelayBinary(t)
	up := relaytest.NewUpstream(t)
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	cfg := writeFileAt(t, filepath.Join(dir, "dlprelay.yaml"), faultConfig)
	p := startDlprelayWith(t, bin, procOptions{upstream: up.Addr, customers: sharedTestdata(t, "testdata/customers.csv"), config: cfg, data: data})
	qdir := filepath.Join(data, "quarantine")
	if err := os.MkdirAll(qdir, 0o700); err != nil {
		t.Fatal(err)
	}
	mount(t, "--bind", qdir, qdir)
	mounted := true
	t.Cleanup(func() {
		if mounted {
			exec.Command("umount", "-l", qdir).Run()
		}
	})
	mount(t, "-o", "remount,bind,ro", qdir)

	m := makeLoadMessage("ro-customer", 4<<10, true)
	code, err := replyOf(p.listen, m.body)
	t.Logf("read-only quarantine: %d %v", code, err)
	if code != 451 {
		t.Errorf("read-only quarantine directory: got %d (%v), want 451", code, err)
	}
	if out, err := exec.Command("umount", qdir).CombinedOutput(); err != nil {
		t.Fatalf("umount: %v: %s", err, out)
	}
	mounted = false
	if code, err := replyOf(p.listen, m.body); code != 250 {
		t.Errorf("writable again: got %d (%v), want 250", code, err)
	}
	p.stop()
	if q := quarantinedIDs(t, data); q[m.id] != 1 {
		t.Errorf("quarantine holds %d copies, want 1", q[m.id])
	}
	if len(up.Messages()) != 0 {
		t.Errorf("the upstream got %d messages; a quarantined message must not reach it", len(up.Messages()))
	}
}

// TestFaultSessionsBounded holds 200 idle sessions and 20 slowloris
// sessions (a byte of DATA every half second) open, sends oversized command
// lines and oversized messages, and meanwhile checks that ordinary mail is
// still served, that the connection limit answers 421, and that the relay's
// peak RSS stays bounded.
func TestFaultSessionsBounded(t *testing.T) {
	bin := buildDlprelayBinary(t)
	up := relaytest.NewUpstream(t)
	dir := t.TempDir()
	cfg := writeFileAt(t, filepath.Join(dir, "dlprelay.yaml"), strings.Replace(faultConfig, "max_connections: 300", "max_connections: 250\n  data_timeout: 5s", 1))
	p := startDlprelayWith(t, bin, procOptions{upstream: up.Addr, customers: sharedTestdata(t, "testdata/customers.csv"), config: cfg})
	pid := p.cmd.Process.Pid
	base, err := peakRSS(pid)
	if err != nil {
		t.Fatal(err)
	}

	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	open := func() (net.Conn, *bufio.Reader, error) {
		c, err := net.DialTimeout("tcp", p.listen, 5*time.Second)
		if err != nil {
			return nil, nil, err
		}
		c.SetDeadline(time.Now().Add(2 * time.Minute))
		r := bufio.NewReader(c)
		line, err := r.ReadString('\n')
		if err != nil {
			c.Close()
			return nil, nil, err
		}
		if !strings.HasPrefix(line, "220") {
			c.Close()
			return nil, nil, fmt.Errorf("greeting %q", strings.TrimSpace(line))
		}
		return c, r, nil
	}
	command := func(c net.Conn, r *bufio.Reader, cmd string) (string, error) {
		if _, err := io.WriteString(c, cmd+"\r\n"); err != nil {
			return "", err
		}
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return "", err
			}
			if len(line) < 4 || line[3] != '-' {
				return strings.TrimSpace(line), nil
			}
		}
	}
	for i := range 200 {
		c, r, err := open()
		if err != nil {
			t.Fatalf("idle session %d: %v", i, err)
		}
		conns = append(conns, c)
		if _, err := command(c, r, "EHLO idle.test"); err != nil {
			t.Fatalf("idle session %d: EHLO: %v", i, err)
		}
	}
	stopLoris := make(chan struct{})
	var loris sync.WaitGroup
	var lorisCut atomic.Int64 // slowloris sessions the relay closed
	lorisStart := time.Now()
	for i := range 20 {
		c, r, err := open()
		if err != nil {
			t.Fatalf("slowloris %d: %v", i, err)
		}
		conns = append(conns, c)
		for _, cmd := range []string{"EHLO loris.test", "MAIL FROM:<s@corp.test>", "RCPT TO:<r@elsewhere.test>", "DATA"} {
			if reply, err := command(c, r, cmd); err != nil || reply[0] == '5' || reply[0] == '4' {
				t.Fatalf("slowloris %d: %s: %q %v", i, cmd, reply, err)
			}
		}
		loris.Add(1)
		go func() {
			defer loris.Done()
			for {
				select {
				case <-stopLoris:
					return
				case <-time.After(500 * time.Millisecond):
					if _, err := c.Write([]byte("x")); err != nil {
						lorisCut.Add(1)
						return
					}
				}
			}
		}()
	}
	defer func() { close(stopLoris); loris.Wait() }()

	// Oversized command lines: 1 MiB without a line end, then CRLF.
	var abuse sync.WaitGroup
	var abuseReplies sync.Map
	for i := range 5 {
		abuse.Add(1)
		go func() {
			defer abuse.Done()
			c, r, err := open()
			if err != nil {
				abuseReplies.Store(fmt.Sprintf("line%d", i), err.Error())
				return
			}
			defer c.Close()
			command(c, r, "EHLO long.test")
			reply, err := command(c, r, "MAIL FROM:<"+strings.Repeat("a", 1<<20)+"@corp.test>")
			if err != nil {
				reply = err.Error()
			}
			abuseReplies.Store(fmt.Sprintf("line%d", i), reply)
		}()
	}
	// Oversized messages: 16 MiB against max_message_bytes 4 MiB.
	big := makeLoadMessage("oversized", 16<<20, false)
	for i := range 3 {
		abuse.Add(1)
		go func() {
			defer abuse.Done()
			code, err := replyOf(p.listen, big.body)
			abuseReplies.Store(fmt.Sprintf("big%d", i), fmt.Sprintf("%d %v", code, err))
		}()
	}

	// Ordinary mail meanwhile: every message accepted and delivered.
	client := &loadClient{addr: func() string { return p.listen }, maxAttempts: 1, rcpt: "someone@elsewhere.test"}
	msgs := makeLoad("busy", 200, 20<<10)
	for i := range msgs {
		msgs[i].customer = false
		msgs[i].body = makeLoadMessage(msgs[i].id, 20<<10, false).body
	}
	outs := runLoad(client, msgs, 4)
	abuse.Wait()
	served := 0
	var lat []time.Duration
	for _, m := range msgs {
		if outs[m.id].accepted {
			served++
			lat = append(lat, outs[m.id].latency)
		}
	}
	if served != len(msgs) {
		t.Errorf("with 220 sessions held open, %d of %d ordinary messages were accepted", served, len(msgs))
	}
	if got := up.WaitMessages(len(msgs), 30*time.Second); len(got) != len(msgs) {
		t.Errorf("upstream got %d of %d messages", len(got), len(msgs))
	}
	abuseReplies.Range(func(k, v any) bool {
		s := v.(string)
		t.Logf("abuse %s: %.100s", k, s)
		if strings.HasPrefix(k.(string), "line") && !strings.HasPrefix(s, "500 5.") {
			t.Errorf("oversized command line %s: got %q, want a 500 5.x.x reply", k, s)
		}
		if strings.HasPrefix(k.(string), "big") && !strings.HasPrefix(s, "552 ") {
			t.Errorf("oversized message %s: got %q, want 552", k, s)
		}
		return true
	})

	// The connection limit (250): 220 held, so some of 40 more get 421.
	refused := 0
	for range 40 {
		c, r, err := open()
		if err != nil {
			if strings.Contains(err.Error(), `"421 4.7.0`) {
				refused++
				continue
			}
			t.Errorf("extra connection: %v", err)
			continue
		}
		conns = append(conns, c)
		_ = r
	}
	if refused == 0 {
		t.Errorf("260 connections against max_connections 250: none was refused with 421 4.7.0")
	}

	// smtp.data_timeout (5s here) cuts the slowloris sessions, although
	// each byte comes well within read_timeout.
	for deadline := time.Now().Add(20 * time.Second); lorisCut.Load() < 20 && time.Now().Before(deadline); {
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("slowloris: %d of 20 sessions closed by the relay %v after their DATA began (smtp.data_timeout 5s)",
		lorisCut.Load(), time.Since(lorisStart).Round(100*time.Millisecond))
	if lorisCut.Load() != 20 {
		t.Errorf("only %d of 20 slowloris sessions were cut by smtp.data_timeout", lorisCut.Load())
	}

	peak, err := peakRSS(pid)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("ordinary mail with 200 idle and 20 slowloris sessions open: %d/%d accepted, latency p50 %v p99 %v",
		served, len(msgs), percentile(lat, 50).Round(time.Millisecond), percentile(lat, 99).Round(time.Millisecond))
	t.Logf("connection limit: %d of 40 extra connections refused with 421", refused)
	t.Logf("peak RSS: %.1f MiB at start, %.1f MiB after the run", float64(base)/(1<<20), float64(peak)/(1<<20))
	// 3 concurrent 16 MiB messages, 5 × 1 MiB lines and 220 sessions: the
	// bound is what these inputs may cost if the limits hold (a spool of 1
	// MiB per message, line buffers of max_line_length), with room for the
	// runtime. Without the limits the three messages alone would be 48 MiB.
	if limit := base + 96<<20; peak > limit {
		t.Errorf("peak RSS %d MiB exceeds the bound %d MiB", peak>>20, limit>>20)
	}
	if _, err := http.Get("http://" + p.admin + "/readyz"); err != nil {
		t.Errorf("admin listener: %v", err)
	}
}

// TestFaultReloadUnderLoad reloads the customer list with SIGHUP every
// 100 ms (alternating between the sample list and the sample list plus
// 20,000 generated rows, written with an atomic rename) while 3,000
// messages go through without retries: no message may be temp-failed,
// every clean one must be delivered and every one with records quarantined.
func TestFaultReloadUnderLoad(t *testing.T) {
	bin := buildDlprelayBinary(t)
	up := relaytest.NewUpstream(t)
	dir := t.TempDir()
	sample, err := os.ReadFile(sharedTestdata(t, "testdata/customers.csv"))
	if err != nil {
		t.Fatal(err)
	}
	var bigList strings.Builder
	bigList.Write(sample)
	for i := range 20000 {
		fmt.Fprintf(&bigList, "R%07d,Reload Customer %d,リロード カスタマー%d,customer%d@reload.example,080-%04d-%04d\n", i, i, i, i, i/10000, i%10000)
	}
	lists := []string{string(sample), bigList.String()}
	customers := writeFileAt(t, filepath.Join(dir, "customers.csv"), lists[0])
	data := filepath.Join(dir, "data")
	// The swap between 30 and 20,030 rows is a 99.8% drop each time: the
	// guard must not refuse it here (max_drop 100%: the drop check is off).
	cfg := writeFileAt(t, filepath.Join(dir, "dlprelay.yaml"), faultConfig+"customers:\n  max_drop: 100%\n")
	p := startDlprelayWith(t, bin, procOptions{upstream: up.Addr, customers: customers, config: cfg, data: data})

	done := make(chan struct{})
	var hups atomic.Int64
	var bg sync.WaitGroup
	bg.Add(1)
	go func() {
		defer bg.Done()
		for i := 1; ; i++ {
			select {
			case <-done:
				return
			case <-time.After(100 * time.Millisecond):
			}
			tmp := customers + ".new"
			if err := os.WriteFile(tmp, []byte(lists[i%2]), 0o644); err != nil {
				t.Error(err)
				return
			}
			if err := os.Rename(tmp, customers); err != nil {
				t.Error(err)
				return
			}
			p.cmd.Process.Signal(syscall.SIGHUP)
			hups.Add(1)
		}
	}()
	client := &loadClient{addr: func() string { return p.listen }, maxAttempts: 1, rcpt: "someone@elsewhere.test"}
	msgs := makeLoad("reload", 3000, 8<<10)
	start := time.Now()
	outs := runLoad(client, msgs, 8)
	elapsed := time.Since(start)
	close(done)
	bg.Wait()
	metrics := get(t, "http://"+p.admin+"/metrics")
	p.stop()

	got := map[string]int{}
	for _, m := range up.Messages() {
		got[loadID(m.Data)]++
	}
	quarantined := quarantinedIDs(t, data)
	failed := 0
	for _, m := range msgs {
		o := outs[m.id]
		if !o.accepted {
			failed++
			continue
		}
		if m.customer && (quarantined[m.id] != 1 || got[m.id] != 0) {
			t.Errorf("%s (customer records): quarantine %d, upstream %d; want quarantined once", m.id, quarantined[m.id], got[m.id])
		}
		if !m.customer && (got[m.id] != 1 || quarantined[m.id] != 0) {
			t.Errorf("%s (clean): upstream %d, quarantine %d; want delivered once", m.id, got[m.id], quarantined[m.id])
		}
	}
	if failed > 0 {
		t.Errorf("%d of %d messages were not accepted during reloads", failed, len(msgs))
	}
	ok := metricValue(metrics, `dlprelay_customers_reloads_total{result="success"}`)
	bad := metricValue(metrics, `dlprelay_customers_reloads_total{result="failure"}`)
	t.Logf("%d messages in %v with %d SIGHUPs: %v successful reloads, %v failed; %d not accepted",
		len(msgs), elapsed.Round(time.Millisecond), hups.Load(), ok, bad, failed)
	if ok < 6 { // the first is the start
		t.Errorf("only %v successful loads during the run; the test did not reload under load", ok)
	}
	if bad != 0 {
		t.Errorf("%v reloads failed", bad)
	}
}

// metricValue returns the value of the sample named series (name and
// labels exactly as exposed), 0 if absent.
func metricValue(exposition, series string) float64 {
	for _, line := range strings.Split(exposition, "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			f, _ := strconv.ParseFloat(strings.TrimSpace(v), 64)
			return f
		}
	}
	return 0
}
