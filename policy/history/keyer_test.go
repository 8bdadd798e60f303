package history

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

func TestKeyer(t *testing.T) {
	t.Parallel()
	secret := []byte("dlprelay test secret")
	k := NewKeyer(secret)
	if !k.Hashing() {
		t.Error("Hashing() = false with a secret")
	}
	// Golden: a change here orphans every key already stored.
	for id, want := range map[string]string{
		"C-000123": "5b86ddd068d60853c2427c7167d71d8c",
		"":         "e9d8a1492cc52bf7d4af1c22c0798cee",
	} {
		if got := k.Key(id); got != want {
			t.Errorf("Key(%q) = %q, want %q", id, got, want)
		}
	}
	if k.Key("C-000123") != k.Key("C-000123") {
		t.Error("Key is not deterministic")
	}
	if k.Key("C-000123") == k.Key("C-000124") {
		t.Error("two IDs give the same key")
	}
	if other := NewKeyer([]byte("another secret")); other.Key("C-000123") == k.Key("C-000123") {
		t.Error("two secrets give the same key")
	}
	// The Keyer keeps its own copy of the secret.
	before := k.Key("C-000123")
	secret[0] ^= 0xff
	if k.Key("C-000123") != before {
		t.Error("changing the caller's secret slice changed the keys")
	}

	for _, off := range []Keyer{NewKeyer(nil), NewKeyer([]byte{}), {}} {
		if off.Hashing() {
			t.Error("Hashing() = true without a secret")
		}
		if got := off.Key("C-000123"); got != "C-000123" {
			t.Errorf("Key without hashing = %q, want the ID", got)
		}
	}
}

func TestLoadOrCreateSecret(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "data")
	path := filepath.Join(dir, "history.key")
	s1, err := LoadOrCreateSecret(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(s1) != SecretLen || bytes.Equal(s1, make([]byte, SecretLen)) {
		t.Fatalf("secret %x", s1)
	}
	checkMode(t, path, 0o600)
	checkMode(t, dir, fs.ModeDir|0o700)
	if names := dirNames(t, dir); len(names) != 1 {
		t.Errorf("files in the directory: %v, want only the secret", names)
	}

	s2, err := LoadOrCreateSecret(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(s1, s2) {
		t.Error("the second call made a new secret")
	}

	other, err := LoadOrCreateSecret(filepath.Join(dir, "other.key"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(s1, other) {
		t.Error("two files got the same secret")
	}
}

func TestLoadOrCreateSecretBadFile(t *testing.T) {
	t.Parallel()
	for _, n := range []int{0, 1, SecretLen - 1, SecretLen + 1, 64} {
		path := filepath.Join(t.TempDir(), "history.key")
		bad := bytes.Repeat([]byte{'x'}, n)
		if err := os.WriteFile(path, bad, 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadOrCreateSecret(path); err == nil {
			t.Errorf("%d-byte file accepted", n)
		}
		if got, err := os.ReadFile(path); err != nil || !bytes.Equal(got, bad) {
			t.Errorf("%d-byte file changed: %v", n, err)
		}
	}

	// A directory where the file should be.
	path := filepath.Join(t.TempDir(), "history.key")
	if err := os.Mkdir(path, 0o700); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreateSecret(path); err == nil || errors.Is(err, fs.ErrNotExist) {
		t.Errorf("directory as secret: %v", err)
	}
}

// Two relays starting at once on one data directory agree on the secret.
func TestLoadOrCreateSecretRace(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "history.key")
	const n = 8
	secrets := make([][]byte, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { secrets[i], errs[i] = LoadOrCreateSecret(path) })
	}
	wg.Wait()
	onFile, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if errs[i] != nil {
			t.Errorf("call %d: %v", i, errs[i])
		} else if !bytes.Equal(secrets[i], onFile) {
			t.Errorf("call %d got a secret that is not the one on file", i)
		}
	}
	if names := dirNames(t, dir); len(names) != 1 {
		t.Errorf("files in the directory: %v, want only the secret", names)
	}
}

// TestLoadSecret: a key the operator provides is read as it is, never
// created or replaced, and a wrong one is an error that does not quote it.
func TestLoadSecret(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "history.key")
	if _, err := LoadSecret(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v, want not exist", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("LoadSecret created the file: %v", err)
	}
	want := bytes.Repeat([]byte{0x5a}, SecretLen)
	if err := os.WriteFile(path, want, 0o600); err != nil {
		t.Fatal(err)
	}
	if got, err := LoadSecret(path); err != nil || !bytes.Equal(got, want) {
		t.Errorf("LoadSecret = %x, %v; want %x", got, err, want)
	}
	short := []byte("short-secret-text")
	if err := os.WriteFile(path, short, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := LoadSecret(path)
	if err == nil || bytes.Contains([]byte(err.Error()), short) {
		t.Errorf("short key: %v; want an error that does not quote it", err)
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, short) {
		t.Error("LoadSecret replaced a wrong key")
	}
}
