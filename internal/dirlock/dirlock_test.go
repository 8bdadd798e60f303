package dirlock

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestAcquire(t *testing.T) {
	dir := t.TempDir()
	l, err := Acquire(dir)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, FileName))
	if err != nil || !strings.HasPrefix(string(b), fmt.Sprintf("pid %d on ", os.Getpid())) {
		t.Fatalf("lock file %q, %v: want the holder's pid", b, err)
	}

	// A second lock (another open file, as another process would have)
	// is refused, naming the directory, the file and the holder.
	_, err = Acquire(dir)
	var he *HeldError
	if !errors.As(err, &he) || he.Dir != dir || he.Path != filepath.Join(dir, FileName) ||
		!strings.HasPrefix(he.Holder, fmt.Sprintf("pid %d on ", os.Getpid())) {
		t.Fatalf("second Acquire: %v, want a *HeldError naming this process", err)
	}
	for _, want := range []string{dir, "in use", fmt.Sprintf("pid %d", os.Getpid()), he.Path} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q does not say %q", err, want)
		}
	}
	// The refused attempt did not wipe what the holder wrote.
	if b2, _ := os.ReadFile(he.Path); string(b2) != string(b) {
		t.Errorf("lock file after a refusal %q, want %q", b2, b)
	}

	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
	if err := l.Release(); err != nil {
		t.Errorf("second Release: %v", err)
	}
	l2, err := Acquire(dir)
	if err != nil {
		t.Fatalf("after Release: %v", err)
	}
	l2.Release()
	if _, err := os.Stat(he.Path); err != nil {
		t.Errorf("the lock file was removed: %v", err)
	}
}

func TestAcquireMissingDir(t *testing.T) {
	if _, err := Acquire(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Fatal("locked a directory that does not exist")
	}
}

func TestHolderUnreadable(t *testing.T) {
	e := &HeldError{Dir: "/d", Path: "/d/" + FileName}
	if !strings.Contains(e.Error(), "holder unknown") {
		t.Errorf("%q", e)
	}
}
