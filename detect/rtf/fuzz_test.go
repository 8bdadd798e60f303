package rtf

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"
)

// FuzzRead checks that no input panics, that text items are UTF-8, that
// the output stays within MaxOutput and MaxItems and that every error
// wraps one of the package's sentinels. The seeds are the golden
// fixtures and testdata/fuzz/FuzzRead.
func FuzzRead(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.rtf"))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{\rtf1\ansicpg932{\fonttbl{\f0\fcharset128 x;}}\'83\uc2\u-1\'82{\*\objdata 0105}}`))
	const maxOut, maxItems = 1 << 20, 50
	f.Fuzz(func(t *testing.T, b []byte) {
		var total int64
		items := 0
		err := Read(context.Background(), bytes.NewReader(b), Limits{MaxOutput: maxOut, MaxItems: maxItems, MaxDepth: 64}, func(it Item) error {
			items++
			d, err := io.ReadAll(it.R)
			if err != nil {
				return err
			}
			total += int64(len(d))
			if it.Kind == ItemText && !utf8.Valid(d) {
				t.Errorf("item %q is not UTF-8", it.Name)
			}
			if it.Name == "" || !utf8.ValidString(it.Name) || printableName(it.Name) != it.Name {
				t.Errorf("item name %q", it.Name)
			}
			return nil
		})
		if err != nil && !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrLimit) && !errors.Is(err, ErrUnsupported) {
			t.Errorf("error %v wraps no sentinel", err)
		}
		if total > maxOut || items > maxItems {
			t.Errorf("%d bytes in %d items", total, items)
		}
	})
}
