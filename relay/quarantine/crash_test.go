//go:build unix

package quarantine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The crash test's child reads these.
const (
	crashDirEnv   = "DLPRELAY_QUARANTINE_CRASH_DIR"
	crashPointEnv = "DLPRELAY_QUARANTINE_CRASH_AT"
	crashID       = "crash-entry"
)

// crashMessage is what the child stores: big enough to take several writes.
func crashMessage() []byte {
	var b bytes.Buffer
	b.WriteString("From: a@corp.test\r\nTo: b@example.com\r\nSubject: crash\r\n\r\n")
	for i := 0; b.Len() < 300_000; i++ {
		fmt.Fprintf(&b, "line %06d: 顧客 %d\r\n", i, i*7919)
	}
	return b.Bytes()
}

// TestPutSurvivesSIGKILL kills a process inside Put at each step, with
// SIGKILL (nothing is closed or cleaned up), and opens the store again: the
// entry is either complete, row and identical bytes, or not there at all,
// and Open removes whatever the crash left.
func TestPutSurvivesSIGKILL(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		point          string
		visible, named bool // the entry is visible; <id>.eml exists
	}{
		{"written", false, false}, // temporary file written, not fsynced
		{"synced", false, false},  // temporary file fsynced
		{"renamed", false, true},  // <id>.eml in place, directory fsynced, no row
		{"inserted", false, true}, // row inserted, transaction not committed
		{"committed", true, true}, // committed, Put about to return
	} {
		t.Run(tt.point, func(t *testing.T) {
			t.Parallel()
			data := t.TempDir()
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
			cmd.Env = append(os.Environ(), crashDirEnv+"="+data, crashPointEnv+"="+tt.point)
			out, err := cmd.CombinedOutput()
			var ee *exec.ExitError
			if !errors.As(err, &ee) {
				t.Fatalf("child: %v, want killed\n%s", err, out)
			}
			if ws, ok := ee.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
				t.Fatalf("child: %v, want killed by SIGKILL\n%s", err, out)
			}
			dir := filepath.Join(data, "quarantine")

			// With the real clock, a message file without a row is
			// younger than orphanAge: it may be another process's Put,
			// so it stays, and is not visible.
			// Temporary files go at once.
			check(t, data, time.Now, tt.visible)
			var want []string
			if tt.named {
				want = []string{crashID + ".eml"}
			}
			if got := names(t, dir); !slices.Equal(got, want) {
				t.Errorf("message directory after Open: %v, want %v", got, want)
			}
			// A minute later a file without a row is a crash leftover
			// and goes too.
			check(t, data, func() time.Time { return time.Now().Add(orphanAge + time.Second) }, tt.visible)
			if !tt.visible {
				want = nil
			}
			if got := names(t, dir); !slices.Equal(got, want) {
				t.Errorf("message directory after a later Open: %v, want %v", got, want)
			}
		})
	}
}

// check opens the store in data and checks that the crash entry is complete
// or absent, as visible says.
func check(t *testing.T, data string, now func() time.Time, visible bool) {
	t.Helper()
	s, err := Open(data, Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	p, err := s.List(ctx, Filter{})
	if err != nil {
		t.Fatal(err)
	}
	e, gerr := s.Get(ctx, crashID)
	rc, oerr := s.Open(ctx, crashID)
	if !visible {
		if p.Total != 0 || !errors.Is(gerr, ErrNotFound) || !errors.Is(oerr, ErrNotFound) {
			t.Errorf("after the crash: %d listed, Get %v, Open %v; want nothing", p.Total, gerr, oerr)
		}
		if oerr == nil {
			rc.Close()
		}
		return
	}
	if gerr != nil || oerr != nil || p.Total != 1 {
		t.Fatalf("after the crash: %d listed, Get %v, Open %v; want the entry", p.Total, gerr, oerr)
	}
	defer rc.Close()
	got, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	want := crashMessage()
	if !bytes.Equal(got, want) || e.Size != int64(len(want)) || e.Status != StatusHeld || e.Sender != "a@corp.test" {
		t.Errorf("entry after the crash: %d bytes (equal: %v), size %d, status %s, sender %q",
			len(got), bytes.Equal(got, want), e.Size, e.Status, e.Sender)
	}
}

// TestCrashChild is the process TestPutSurvivesSIGKILL kills: it calls Put
// with crashAt set to SIGKILL itself at the chosen point.
func TestCrashChild(t *testing.T) {
	data, point := os.Getenv(crashDirEnv), os.Getenv(crashPointEnv)
	if data == "" {
		t.Skip("only run as TestPutSurvivesSIGKILL's child")
	}
	s, err := Open(data, Options{})
	if err != nil {
		t.Fatal(err)
	}
	crashAt = func(p string) {
		if p == point {
			syscall.Kill(os.Getpid(), syscall.SIGKILL)
			time.Sleep(time.Minute) // the signal is asynchronous
		}
	}
	e := Entry{ID: crashID, Sender: "a@corp.test", Recipients: []string{"b@example.com"}, Verdict: "quarantine"}
	if _, err := s.Put(e, strings.NewReader(string(crashMessage()))); err != nil {
		t.Fatal(err)
	}
	t.Fatalf("Put returned: crash point %q never reached", point)
}
