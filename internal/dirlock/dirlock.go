// Package dirlock owns the lock that makes a data directory one relay's:
// an exclusive flock(2) on dir/dlprelay.lock, taken before anything else in
// the directory is touched and held until the process ends. Two relays on
// one data_dir would each recover the other's releases in flight, purge
// and clean up under each other; the second is refused instead, told
// which process holds the directory (its PID, written in the file).
//
// The file stays when the lock is released: removing it would let a
// process that opened it just before lock an unlinked file while a third
// locks a new one. A stale PID in it means nothing, since it is only read
// when the lock is held. The CLI, which works beside the running relay,
// takes no lock.
package dirlock

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// FileName is the lock file's name in the directory.
const FileName = "dlprelay.lock"

// HeldError is the refusal when another process holds the lock.
type HeldError struct {
	Dir    string // the directory, as given
	Path   string // the lock file
	Holder string // what the holder wrote: "pid 1234 on host since …", or "" if unreadable
}

func (e *HeldError) Error() string {
	holder := e.Holder
	if holder == "" {
		holder = "holder unknown"
	}
	return fmt.Sprintf("data_dir %s is in use by another dlprelay serve (%s; lock file %s): one data_dir serves one relay", e.Dir, holder, e.Path)
}

// Lock is a held directory lock.
type Lock struct{ f *os.File }

// Acquire takes the lock on dir, which must exist, without waiting: a
// *HeldError if another process (or another Lock in this one) holds it.
// On a system without flock it returns an error wrapping
// errors.ErrUnsupported, and no lock.
func Acquire(dir string) (*Lock, error) {
	path := filepath.Join(dir, FileName)
	// Not O_TRUNC: the holder's PID must survive a refused attempt.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock file: %w", err)
	}
	held, err := flock(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("locking %s: %w", path, err)
	}
	if held {
		e := &HeldError{Dir: dir, Path: path, Holder: holder(f)}
		f.Close()
		return nil, e
	}
	host, _ := os.Hostname()
	line := fmt.Sprintf("pid %d on %s since %s\n", os.Getpid(), host, time.Now().UTC().Format(time.RFC3339))
	// The lock holds without the PID: failing to write it only makes a
	// refusal less helpful.
	if f.Truncate(0) == nil {
		f.WriteAt([]byte(line), 0)
	}
	return &Lock{f: f}, nil
}

// Release gives the lock up (closing the file); the process's exit does
// too.
func (l *Lock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}

// holder reads the first line the holder wrote, as printable ASCII of at
// most 200 bytes.
func holder(f *os.File) string {
	b, err := io.ReadAll(io.LimitReader(f, 200))
	if err != nil {
		return ""
	}
	line, _, _ := strings.Cut(string(b), "\n")
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e {
			return -1
		}
		return r
	}, strings.TrimSpace(line))
}

// errUnsupported is flock's answer where there is none.
var errUnsupported = fmt.Errorf("no flock on this system: %w", errors.ErrUnsupported)
