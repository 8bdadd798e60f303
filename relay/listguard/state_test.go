package listguard

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const goodState = `{
  "version": 1,
  "records": 30,
  "sha256": "abababababababababababababababababababababababababababababababab",
  "file": "/etc/dlprelay/customers.csv",
  "at": "2026-03-01T02:03:04Z",
  "how": "reload"
}
`

func TestReadWrite(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if a, err := Read(dir); a != nil || err != nil {
		t.Fatalf("no state file: %+v, %v; want nil, nil", a, err)
	}
	if a, err := Read(filepath.Join(dir, "missing")); a != nil || err != nil {
		t.Fatalf("no data_dir: %+v, %v; want nil, nil", a, err)
	}
	want := *accepted(30)
	want.How, want.By = HowOperator, "alice"
	if err := Write(dir, want); err != nil {
		t.Fatal(err)
	}
	got, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	if *got != want {
		t.Errorf("read back %+v, want %+v", *got, want)
	}
	fi, err := os.Stat(Path(dir))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("state file mode %v, want 0600", fi.Mode().Perm())
	}
	left, _ := filepath.Glob(filepath.Join(dir, ".customers-accepted-*"))
	if len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
	// Written again over the old one.
	want.Records, want.How, want.By = 31, HowReload, ""
	if err := Write(dir, want); err != nil {
		t.Fatal(err)
	}
	if got, err := Read(dir); err != nil || *got != want {
		t.Errorf("after a second write: %+v, %v; want %+v", got, err, want)
	}
}

// TestWriteRefusesBadState: what Read would refuse is never written.
func TestWriteRefusesBadState(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bad := *accepted(0)
	if err := Write(dir, bad); err == nil {
		t.Fatal("wrote a state with 0 records")
	}
	if _, err := os.Stat(Path(dir)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused write left a state file: %v", err)
	}
	if err := Write(filepath.Join(dir, "missing"), *accepted(3)); err == nil {
		t.Error("wrote into a directory that does not exist")
	}
}

// TestReadUnreadable: a state file that exists but cannot be used is an
// error wrapping ErrState, never "nothing accepted".
func TestReadUnreadable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, content, msg string
	}{
		{"empty file", "", "not a state file"},
		{"truncated", goodState[:40], "not a state file"},
		{"not JSON", "records=30\n", "not a state file"},
		{"null", "null", "format version 0"},
		{"newer version", strings.Replace(goodState, `"version": 1`, `"version": 2`, 1), "newer than 1"},
		{"no version", strings.Replace(goodState, `"version": 1,`, ``, 1), "format version 0"},
		{"zero records", strings.Replace(goodState, `"records": 30`, `"records": 0`, 1), "records is 0"},
		{"negative records", strings.Replace(goodState, `"records": 30`, `"records": -5`, 1), "records is -5"},
		{"records too many", strings.Replace(goodState, `"records": 30`, `"records": 9999999999`, 1), "records is 9999999999"},
		{"records a string", strings.Replace(goodState, `"records": 30`, `"records": "30"`, 1), "not a state file"},
		{"records fractional", strings.Replace(goodState, `"records": 30`, `"records": 30.5`, 1), "not a state file"},
		{"short sum", strings.Replace(goodState, `"abab`, `"ab`, 1), "sha256"},
		{"upper-case sum", strings.Replace(goodState, `"abab`, `"ABab`, 1), "sha256"},
		{"no time", strings.Replace(goodState, `"at": "2026-03-01T02:03:04Z",`, ``, 1), "no time"},
		{"bad time", strings.Replace(goodState, `2026-03-01T02:03:04Z`, `yesterday`, 1), "not a state file"},
		{"unknown how", strings.Replace(goodState, `"reload"`, `"magic\u001b[31m"`, 1), `how is "magic?[31m"`},
		{"unknown field", strings.Replace(goodState, `"how"`, `"hwo": "x", "how"`, 1), "unknown field"},
		{"two objects", goodState + goodState, "data after the JSON object"},
		{"control character in file", strings.Replace(goodState, `customers.csv`, `cust\nomers.csv`, 1), "file:"},
		{"too large", goodState + strings.Repeat(" ", MaxStateBytes), "larger than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			if err := os.WriteFile(Path(dir), []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			a, err := Read(dir)
			if !errors.Is(err, ErrState) || a != nil {
				t.Fatalf("Read = %+v, %v; want an error wrapping ErrState", a, err)
			}
			if !strings.Contains(err.Error(), tt.msg) || !strings.Contains(err.Error(), FileName) {
				t.Errorf("error %q: want it to name the file and say %q", err, tt.msg)
			}
		})
	}
	t.Run("good file", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		if err := os.WriteFile(Path(dir), []byte(goodState), 0o600); err != nil {
			t.Fatal(err)
		}
		a, err := Read(dir)
		if err != nil || *a != *accepted(30) {
			t.Errorf("Read = %+v, %v; want %+v", a, err, *accepted(30))
		}
	})
	t.Run("a directory", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		if err := os.Mkdir(Path(dir), 0o700); err != nil {
			t.Fatal(err)
		}
		if _, err := Read(dir); !errors.Is(err, ErrState) {
			t.Errorf("state path is a directory: %v, want ErrState", err)
		}
	})
}

func TestReadUnreadablePermission(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root reads a mode 000 file")
	}
	dir := t.TempDir()
	if err := os.WriteFile(Path(dir), []byte(goodState), 0o000); err != nil {
		t.Fatal(err)
	}
	if _, err := Read(dir); !errors.Is(err, ErrState) {
		t.Errorf("unreadable file: %v, want ErrState", err)
	}
}

// TestStateGolden pins the format of the state file: what version 1
// holds, as written.
func TestStateGolden(t *testing.T) {
	t.Parallel()
	b, err := encode(*accepted(30))
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != goodState {
		t.Errorf("encoded state:\n%s\nwant:\n%s", b, goodState)
	}
	a := *accepted(30)
	a.At = time.Date(2026, 3, 1, 11, 3, 4, 0, time.FixedZone("JST", 9*3600))
	if b2, _ := encode(a); string(b2) != goodState {
		t.Errorf("a time in another zone is not written as UTC:\n%s", b2)
	}
}
