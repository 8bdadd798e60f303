//go:build unix

package history

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// crashEnv names the database the child of TestAddSurvivesSIGKILL writes.
const crashEnv = "DLPRELAY_HISTORY_CRASH_DB"

// crashEntries are what the child adds: as many as a busy message has.
func crashEntries() []Entry {
	out := make([]Entry, 50)
	for i := range out {
		out[i] = e(fmt.Sprintf("%032x", i), t0.Add(time.Duration(i)*time.Second), i%2 == 0)
	}
	return out
}

// TestAddSurvivesSIGKILL is Add's durability claim: a writer is killed with
// SIGKILL right after Add returned, without closing anything, and what it
// added is there when the database is opened again.
func TestAddSurvivesSIGKILL(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	path := filepath.Join(t.TempDir(), "history.db")

	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashEnv+"="+path)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	added := false
	for !added && sc.Scan() {
		added = sc.Text() == "added"
	}
	if !added {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("the child did not report its Add: %v", sc.Err())
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	err = cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		t.Fatalf("child: %v, want killed", err)
	}
	if ws, ok := ee.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("child: %v, want killed by SIGKILL", err)
	}
	// It did not close: its transaction is in the WAL, not yet in the
	// database file.
	if fi, err := os.Stat(path + "-wal"); err != nil || fi.Size() == 0 {
		t.Fatalf("no WAL after the kill (%v): did the child close the database?", err)
	}

	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.Since(context.Background(), "alice@example.com", t0)
	if err != nil {
		t.Fatal(err)
	}
	checkEntries(t, got, crashEntries())
}

// TestCrashChild is the writer TestAddSurvivesSIGKILL starts and kills.
func TestCrashChild(t *testing.T) {
	path := os.Getenv(crashEnv)
	if path == "" {
		t.Skip("only run as TestAddSurvivesSIGKILL's child")
	}
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Add(context.Background(), "alice@example.com", crashEntries()); err != nil {
		t.Fatal(err)
	}
	fmt.Println("added")
	time.Sleep(time.Minute) // until killed
	t.Fatal("not killed")
}
