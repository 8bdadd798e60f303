package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dlprelay/dlprelay/relay/quarantine"
	"github.com/dlprelay/dlprelay/relay/relaytest"
)

// writeFourEyesConfig writes a configuration with console.four_eyes set
// to on and returns its path.
func writeFourEyesConfig(t *testing.T, path string, on bool) string {
	t.Helper()
	writeFile(t, path, fmt.Sprintf("customers:\n  file: %s\nconsole:\n  four_eyes: %v\n"+
		// The test reads who approved from the delivered copy's X-DLP-Released.
		"policy:\n  headers:\n    details_to: [any]\n", sharedTestdata(t, "testdata/customers.csv"), on))
	return path
}

// TestReleaseFollowsTheRelaysFourEyes: the four-eyes rule a release
// follows is the one the relay on data_dir runs with, whatever the
// configuration of the CLI says, and a reload that changes it applies to
// the CLI and the console alike.
func TestReleaseFollowsTheRelaysFourEyes(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildDlprelayBinary(t)
	fx := newQuarantineFixture(t)
	up := relaytest.NewUpstream(t)
	dir := t.TempDir()
	relayCfg := writeFourEyesConfig(t, filepath.Join(dir, "relay.yaml"), true)
	p := startDlprelayWith(t, bin, procOptions{upstream: up.Addr, customers: sharedTestdata(t, "testdata/customers.csv"),
		config: relayCfg, data: fx.data})

	// The CLI's own configuration says no four-eyes: the relay's applies.
	fx.config = writeFourEyesConfig(t, filepath.Join(dir, "cli.yaml"), false)
	e := fx.put("sales@corp.test", time.Now().Add(-time.Hour), 1, false)
	code, out, errOut := fx.as("olga", "quarantine", "release", e.ID, "-why", "customer asked for it")
	checkCLI(t, code, 0, out+errOut, "pending_approval", "another officer approves it")
	checkCLI(t, code, 0, errOut, "console.four_eyes: true", "relay", fx.data, "console.four_eyes: false")
	got := fx.get(e.ID)
	if got.Status != quarantine.StatusPendingApproval || got.Releases[0].ApprovedBy != "" {
		t.Fatalf("released on one officer's word while the relay requires two: %s, %+v", got.Status, got.Releases)
	}
	// The requester cannot approve it herself through the CLI either.
	code, out, errOut = fx.as("olga", "quarantine", "approve", e.ID, "-why", "urgent")
	checkCLI(t, code, 1, out+errOut, "cannot approve it too")
	time.Sleep(3 * time.Second) // past the worker's poll: nothing may go out unapproved
	if n := len(up.Messages()); n != 0 {
		t.Fatalf("the relay delivered %d unapproved releases", n)
	}
	code, out, errOut = fx.as("otto", "quarantine", "approve", e.ID, "-why", "checked with sales")
	checkCLI(t, code, 0, out+errOut, "approved by otto")
	if msgs := up.WaitMessages(1, 20*time.Second); len(msgs) != 1 || !strings.Contains(string(msgs[0].Data), "by=olga; approved-by=otto") {
		t.Fatalf("after approval the upstream got %d messages", len(msgs))
	}

	// A reload turns four-eyes off: the CLI (whose configuration now says
	// on) and the console both follow, with no restart.
	writeFourEyesConfig(t, relayCfg, false)
	p.cmd.Process.Signal(syscall.SIGHUP)
	waitLog(t, p, "msg=reloaded", 1)
	if strings.Contains(p.output(), "take effect only after a restart") {
		t.Errorf("console.four_eyes reported as needing a restart:\n%s", tailLines(p.output(), 10))
	}
	fx.config = writeFourEyesConfig(t, filepath.Join(dir, "cli.yaml"), true)
	e2 := fx.put("sales@corp.test", time.Now().Add(-time.Hour), 1, false)
	code, out, errOut = fx.as("olga", "quarantine", "release", e2.ID, "-why", "approved by phone")
	checkCLI(t, code, 0, out+errOut, "approved", "release worker delivers it")
	checkCLI(t, code, 0, errOut, "console.four_eyes: false", "console.four_eyes: true")
	if got := fx.get(e2.ID); got.Releases[0].ApprovedBy != "olga" {
		t.Errorf("after the reload: %s, %+v", got.Status, got.Releases)
	}
	e3 := fx.put("sales@corp.test", time.Now().Add(-time.Hour), 1, false)
	otto := newAPIClient(t, "http://"+p.admin, "otto", password("otto"))
	var ans struct {
		Release quarantine.ReleaseRequest `json:"release"`
	}
	if code := otto.do("POST", "/api/quarantine/"+e3.ID+"/release", map[string]any{"justification": "approved by phone"}, &ans); code != 200 ||
		ans.Release.Status != quarantine.StatusApproved {
		t.Errorf("console release after the reload: HTTP %d, %+v: want approved at once", code, ans.Release)
	}
	if msgs := up.WaitMessages(3, 20*time.Second); len(msgs) != 3 {
		t.Errorf("the upstream got %d messages, want 3", len(msgs))
	}
}

// TestReleaseWithoutRecordedFourEyes: with no relay's setting in data_dir
// (no relay ran with it, or an older one), a release needs two officers,
// whatever the CLI's configuration says.
func TestReleaseWithoutRecordedFourEyes(t *testing.T) {
	t.Parallel()
	fx := newQuarantineFixture(t)
	fx.config = writeFourEyesConfig(t, filepath.Join(t.TempDir(), "cli.yaml"), false)
	e := fx.put("sales@corp.test", time.Now().Add(-time.Hour), 1, false)
	code, out, errOut := fx.as("olga", "quarantine", "release", e.ID, "-why", "customer asked for it")
	checkCLI(t, code, 0, out+errOut, "pending_approval")
	checkCLI(t, code, 0, errOut, "no relay", fx.data, "four-eyes")
	if got := fx.get(e.ID); got.Status != quarantine.StatusPendingApproval {
		t.Fatalf("released on one officer's word with no relay setting recorded: %s", got.Status)
	}
}
