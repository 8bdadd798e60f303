package msg

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// FuzzRead reads arbitrary bytes: Read must not panic, must return an
// error wrapping one of its sentinels (or none), must emit UTF-8 text and
// printable labels, and must keep to its limits. The seeds are the
// fixtures of testdata.
func FuzzRead(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.*"))
	for _, file := range files {
		if strings.HasSuffix(file, ".txt") {
			continue
		}
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	lim := Limits{MaxOutput: 1 << 20, MaxItems: 200, MaxDepth: 4, MaxEntries: 4096}
	f.Fuzz(func(t *testing.T, in []byte) {
		var out int64
		n := 0
		err := Read(context.Background(), bytes.NewReader(in), int64(len(in)), lim, func(it Item) error {
			n++
			for _, r := range it.Name {
				if r == utf8.RuneError || !unicode.IsPrint(r) {
					t.Fatalf("label %q has a non-printable rune", it.Name)
				}
			}
			data, err := io.ReadAll(it.R)
			out += int64(len(data))
			if it.Kind == ItemText && !utf8.Valid(data) {
				t.Fatalf("text item %q is not UTF-8", it.Name)
			}
			return err
		})
		if n > lim.MaxItems {
			t.Fatalf("%d items, limit %d", n, lim.MaxItems)
		}
		if out > lim.MaxOutput*2 {
			t.Fatalf("%d bytes out, limit %d", out, lim.MaxOutput)
		}
		if err != nil && !isSentinel(err) {
			t.Fatalf("error %v wraps no sentinel", err)
		}
	})
}

func isSentinel(err error) bool {
	for _, s := range []error{ErrCorrupt, ErrEncrypted, ErrLimit, ErrUnsupported} {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}
