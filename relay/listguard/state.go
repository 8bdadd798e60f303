package listguard

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/dlprelay/dlprelay/internal/durable"
)

// FileName is the state file's name in data_dir.
const FileName = "customers-accepted.json"

// Path is the state file in dir (data_dir).
func Path(dir string) string { return filepath.Join(dir, FileName) }

// How says how a list came to be accepted.
type How string

// The ways. A list is accepted when it is the first one loaded (no state
// yet), when a start or a reload loads a list that passes Check, and when
// an operator accepts it with `dlprelay customers accept`.
const (
	HowFirstLoad How = "first_load"
	HowStart     How = "start"
	HowReload    How = "reload"
	HowOperator  How = "operator"
)

// stateVersion is the version of the state file's format this package
// writes and reads.
const stateVersion = 1

// Limits on what the state file may hold; decode refuses a file past them.
const (
	MaxStateBytes = 16 << 10 // the whole file
	MaxFileBytes  = 4096     // Accepted.File
	MaxByBytes    = 256      // Accepted.By
	// MaxRecords is the largest record count (the scanner's own limit).
	MaxRecords = 1<<31 - 1
)

// Accepted is the accepted list, as the state file records it (format
// version 1).
type Accepted struct {
	Records int
	SHA256  string // lower-case hex of the list file's bytes
	// File is the list's path as configured, for people; the check uses
	// Records only, so the same list under another path is the same list.
	File string
	At   time.Time
	How  How
	// By is the operating-system user who accepted it (HowOperator only).
	By string
}

// stateFile is the JSON of the state file.
type stateFile struct {
	Version int       `json:"version"`
	Records int       `json:"records"`
	SHA256  string    `json:"sha256"`
	File    string    `json:"file"`
	At      time.Time `json:"at"`
	How     How       `json:"how"`
	By      string    `json:"by,omitempty"`
}

// encode is the content of the state file for a.
func encode(a Accepted) ([]byte, error) {
	if err := a.check(); err != nil {
		return nil, err
	}
	b, err := json.MarshalIndent(stateFile{Version: stateVersion, Records: a.Records, SHA256: a.SHA256,
		File: a.File, At: a.At.UTC(), How: a.How, By: a.By}, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// decode reads the content of a state file, checking every field.
func decode(b []byte) (Accepted, error) {
	if len(b) > MaxStateBytes {
		return Accepted{}, fmt.Errorf("larger than %d bytes", MaxStateBytes)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var sf stateFile
	if err := dec.Decode(&sf); err != nil {
		return Accepted{}, fmt.Errorf("not a state file: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return Accepted{}, errors.New("not a state file: data after the JSON object")
	}
	switch {
	case sf.Version > stateVersion:
		return Accepted{}, fmt.Errorf("format version %d, newer than %d, the newest this dlprelay knows", sf.Version, stateVersion)
	case sf.Version != stateVersion:
		return Accepted{}, fmt.Errorf("format version %d; want %d", sf.Version, stateVersion)
	}
	a := Accepted{Records: sf.Records, SHA256: sf.SHA256, File: sf.File, At: sf.At, How: sf.How, By: sf.By}
	if err := a.check(); err != nil {
		return Accepted{}, err
	}
	return a, nil
}

// check validates a as the state file holds it.
func (a Accepted) check() error {
	switch {
	case a.Records < 1 || a.Records > MaxRecords:
		return fmt.Errorf("records is %d; want 1 to %d", a.Records, MaxRecords)
	case !isSum(a.SHA256):
		return errors.New("sha256 is not 64 lower-case hex digits")
	case a.At.IsZero():
		return errors.New("no time of acceptance")
	case a.At.UTC().Year() < 1 || a.At.UTC().Year() > 9999:
		// UTC, as the file is written: 0001-01-01T00:00+01:00 is year 0.
		return errors.New("time of acceptance out of range")
	case a.How != HowFirstLoad && a.How != HowStart && a.How != HowReload && a.How != HowOperator:
		return fmt.Errorf("how is %q; want first_load, start, reload or operator", printable(string(a.How), 32))
	case len(a.File) > MaxFileBytes || !oneLine(a.File):
		return fmt.Errorf("file: more than %d bytes, or not one line of UTF-8", MaxFileBytes)
	case len(a.By) > MaxByBytes || !oneLine(a.By):
		return fmt.Errorf("by: more than %d bytes, or not one line of UTF-8", MaxByBytes)
	}
	return nil
}

func isSum(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !(s[i] >= '0' && s[i] <= '9' || s[i] >= 'a' && s[i] <= 'f') {
			return false
		}
	}
	return true
}

// oneLine: valid UTF-8 without control characters.
func oneLine(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return false
		}
	}
	return true
}

// printable cuts s to n bytes and replaces what a terminal or log would
// interpret, for quoting a bad value of the state file in an error.
func printable(s string, n int) string {
	if len(s) > n {
		s = s[:n]
	}
	b := []rune{}
	for _, r := range s {
		if unicode.IsControl(r) || r == utf8.RuneError || !unicode.IsPrint(r) {
			r = '?'
		}
		b = append(b, r)
	}
	return string(b)
}

// Read returns the accepted list recorded in dir, or nil (and no error)
// when there is no state file: nothing was accepted yet. A state file that
// exists but cannot be opened, read or decoded is an error wrapping
// ErrState: never "nothing accepted".
func Read(dir string) (*Accepted, error) {
	path := Path(dir)
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrState, err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, MaxStateBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrState, path, err)
	}
	a, err := decode(b)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrState, path, err)
	}
	return &a, nil
}

// Write records a as the accepted list in dir, durably: the file is
// written whole under a temporary name, fsynced, renamed over the state
// file, and dir is fsynced. On error the previous state stays.
func Write(dir string, a Accepted) error {
	b, err := encode(a)
	if err != nil {
		return fmt.Errorf("accepted customer list: %w", err)
	}
	tmp, err := durable.WriteTemp(dir, ".customers-accepted-*", b)
	if err != nil {
		return fmt.Errorf("accepted customer list: %w", err)
	}
	if err := os.Rename(tmp, Path(dir)); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("accepted customer list: %w", err)
	}
	if err := durable.SyncDir(dir); err != nil {
		return fmt.Errorf("accepted customer list: %w", err)
	}
	return nil
}
