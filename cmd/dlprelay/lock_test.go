package main

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dlprelay/dlprelay/relay/quarantine"
	"github.com/dlprelay/dlprelay/relay/relaytest"
	"github.com/dlprelay/dlprelay/relay/users"
)

// entryStatus is the status of entry id in the quarantine of data, read
// beside the relay (no cleanup of its files in flight).
func entryStatus(t *testing.T, data, id string) quarantine.Status {
	t.Helper()
	q, err := quarantine.Open(data, quarantine.Options{NoCleanup: true})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	e, err := q.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return e.Status
}

// waitStatus waits up to 20 seconds for entry id to reach want.
func waitStatus(t *testing.T, p *dlprelayProcess, id string, want quarantine.Status) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		got := entryStatus(t, p.data, id)
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("entry %s is %s, want %s; log:\n%s", id, got, want, tailLines(p.output(), 20))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestServeRefusesDataDirInUse: a second relay on the data_dir of a running
// one exits 1 at once, naming the directory and the running relay's PID,
// and leaves the first one's work alone: a release the first is sending is
// not marked release_uncertain by the second's recovery, and is delivered
// once.
func TestServeRefusesDataDirInUse(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildDlprelayBinary(t)
	up := relaytest.NewUpstream(t)
	gate := make(chan struct{})
	up.OnData(func(b []byte) error {
		if bytes.HasPrefix(b, []byte("Received: by ")) { // a release: live mail's trace starts "Received: from"
			<-gate // the release stays "sending" until the test lets it go
		}
		return nil
	})
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	addConsoleUser(t, data, "olga", password("olga"), users.Officer)
	customers := sharedTestdata(t, "testdata/customers.csv")
	cfg := filepath.Join(dir, "dlprelay.yaml")
	writeFile(t, cfg, "customers:\n  file: "+customers+"\nconsole:\n  four_eyes: false\n")
	p := startDlprelayWith(t, bin, procOptions{upstream: up.Addr, customers: customers, config: cfg, data: data})
	opened := false
	t.Cleanup(func() { // before p stops: its worker may wait on the gate
		if !opened {
			close(gate)
		}
	})

	if err := sendPlain(p.listen, "sales@dlprelay.example", "agency@outside.example", readEML(t, "testdata/mail/02-rows-plain.eml")); err != nil {
		t.Fatal(err)
	}
	held := heldEntries(t, data)
	if len(held) != 1 {
		t.Fatalf("%d entries held, want 1", len(held))
	}
	id := held[0].ID
	rel := exec.Command(bin, "quarantine", "release", "-config", cfg, "-data", data, "-user", "olga", "-why", "customer asked", id)
	rel.Env = append(os.Environ(), envPassword+"="+password("olga"))
	if out, err := rel.CombinedOutput(); err != nil {
		t.Fatalf("quarantine release: %v\n%s", err, out)
	}
	waitStatus(t, p, id, quarantine.StatusSending)

	// The second relay: its own ports, the same data_dir.
	port := func() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(loopbackPort(t))) }
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	second := exec.CommandContext(ctx, bin, "serve", "-config", cfg, "-listen", port(), "-admin", port(),
		"-upstream", up.Addr, "-customers", customers, "-data", data)
	out, err := second.CombinedOutput()
	t.Logf("second serve: %s", out)
	var ee *exec.ExitError
	if ctx.Err() != nil || !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Errorf("second serve on the same data_dir: err %v (timed out: %v), want exit status 1\n%s", err, ctx.Err() != nil, out)
	}
	for _, want := range []string{"refusing to start", data, "in use", "pid " + strconv.Itoa(p.cmd.Process.Pid), filepath.Join(data, "dlprelay.lock")} {
		if !strings.Contains(string(out), want) {
			t.Errorf("the refusal does not say %q:\n%s", want, out)
		}
	}
	if strings.Contains(string(out), "dlprelay started") {
		t.Errorf("the second relay started:\n%s", out)
	}

	// The first relay's release was left alone: still sending, then
	// delivered once when the upstream answers.
	if st := entryStatus(t, data, id); st != quarantine.StatusSending {
		t.Errorf("after the second start the release is %s, want still sending", st)
	}
	opened = true
	close(gate)
	waitStatus(t, p, id, quarantine.StatusReleased)
	if n := len(up.Messages()); n != 1 {
		t.Errorf("the upstream got %d messages, want the release once", n)
	}
	if strings.Contains(p.output(), "marked uncertain") {
		t.Errorf("the first relay saw its release taken over:\n%s", tailLines(p.output(), 20))
	}
	if err := waitReady(p.admin, p.exited, 5*time.Second); err != nil {
		t.Errorf("the first relay: %v", err)
	}
}
