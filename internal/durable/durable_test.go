package durable

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func TestWriteTemp(t *testing.T) {
	dir := t.TempDir()
	path, err := WriteTemp(dir, ".tmp-*", []byte("content"))
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Dir(path) != dir {
		t.Errorf("written to %s, want in %s", path, dir)
	}
	b, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(b, []byte("content")) {
		t.Errorf("read back %q, %v", b, err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, %v; want 0600", fi.Mode(), err)
	}
	if err := SyncDir(dir); err != nil {
		t.Errorf("SyncDir: %v", err)
	}
}

func TestErrors(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing")
	if _, err := WriteTemp(missing, ".tmp-*", nil); err == nil {
		t.Error("WriteTemp into a missing directory: no error")
	}
	if err := SyncDir(missing); err == nil {
		t.Error("SyncDir of a missing directory: no error")
	}
}
