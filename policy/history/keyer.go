package history

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/dlprelay/dlprelay/internal/durable"
)

// SecretLen is the length of the secret LoadOrCreateSecret keeps.
const SecretLen = 32

// keyHexLen is the length of a hashed key: 32 hex digits, 128 bits of the
// HMAC, plenty against collisions among a company's customer records.
const keyHexLen = 32

// Keyer turns record IDs into keys. The zero Keyer does not hash. A Keyer
// is a value, safe for concurrent use.
type Keyer struct {
	secret []byte
}

// NewKeyer returns a Keyer whose keys are HMAC-SHA256(secret, id) as hex,
// cut to 32 digits. An empty secret turns hashing off: the keys are the IDs
// themselves (readable in the database, and an ID longer than MaxKeyLen
// fails Add).
func NewKeyer(secret []byte) Keyer {
	if len(secret) == 0 {
		return Keyer{}
	}
	return Keyer{secret: append([]byte(nil), secret...)}
}

// Hashing reports whether keys are HMACs rather than the IDs themselves.
func (k Keyer) Hashing() bool { return len(k.secret) > 0 }

// Key returns the key of the record with this ID. The same ID and secret
// always give the same key.
func (k Keyer) Key(id string) string {
	if len(k.secret) == 0 {
		return id
	}
	m := hmac.New(sha256.New, k.secret)
	m.Write([]byte(id))
	var sum [sha256.Size]byte
	return hex.EncodeToString(m.Sum(sum[:0])[:keyHexLen/2])
}

// LoadOrCreateSecret returns the 32-byte secret in the file at path,
// creating the file (0600, parent directory 0700) with random bytes if it
// is missing. A file that exists but is not exactly 32 bytes is an error,
// never replaced: a new secret would silently cut the history off from
// every key made before.
//
// The new file is written to a temporary name, fsynced and then linked
// into place, so a crash never leaves a short secret behind, and when two
// processes create it at once both end up with the one that won. (Where
// the file system has no hard links it is renamed instead, and then the
// last of two racing creators wins.)
func LoadOrCreateSecret(path string) ([]byte, error) {
	b, err := readSecret(path)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return b, err
	}

	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("history: secret: %w", err)
	}
	secret := make([]byte, SecretLen)
	if _, err := rand.Read(secret); err != nil {
		return nil, fmt.Errorf("history: secret: %w", err)
	}
	tmp, err := durable.WriteTemp(dir, ".secret-*", secret) // mode 0600
	if err != nil {
		return nil, fmt.Errorf("history: secret: %w", err)
	}
	defer os.Remove(tmp)

	switch err := os.Link(tmp, path); {
	case errors.Is(err, fs.ErrExist):
		return readSecret(path) // another process was first
	case err != nil:
		if err := os.Rename(tmp, path); err != nil {
			return nil, fmt.Errorf("history: secret: %w", err)
		}
	}
	if err := durable.SyncDir(dir); err != nil {
		return nil, fmt.Errorf("history: secret: %w", err)
	}
	return secret, nil
}

// LoadSecret returns the 32-byte secret in the file at path, which the
// operator provides (policy.history.key_file, kept out of the data
// directory): it is never created or replaced. The error names the path
// and the length found, never the content.
func LoadSecret(path string) ([]byte, error) {
	return readSecret(path)
}

func readSecret(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("history: secret: %w", err)
	}
	if len(b) != SecretLen {
		return nil, fmt.Errorf("history: secret %s is %d bytes, want %d: restore the right file or remove it (the history's keys then no longer match)", path, len(b), SecretLen)
	}
	return b, nil
}
