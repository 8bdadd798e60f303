package printable

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"testing/iotest"
	"unicode/utf8"
)

// FuzzReader checks that the reader never panics, gives valid UTF-8 in
// lines of at most MaxLine bytes, no more than the input can make, and
// the same output whether the input comes in one read, a byte at a time,
// or through a small window.
func FuzzReader(f *testing.F) {
	db, err := os.ReadFile(filepath.Join("testdata", "customers.db"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(db[:1024], uint8(4))
	f.Add(mixedBinary(f, 2048), uint8(4))
	f.Add(peLike(&testing.T{}), uint8(6))
	f.Fuzz(func(t *testing.T, in []byte, minRun uint8) {
		lim := Limits{MinRun: int(minRun)}
		bulk, err := io.ReadAll(NewReader(bytes.NewReader(in), lim))
		if err != nil {
			t.Fatal(err)
		}
		if !utf8.Valid(bulk) {
			t.Fatalf("invalid UTF-8 out of %q: %q", in, bulk)
		}
		// Each byte is read by seven scanners, as at most 3 bytes of
		// UTF-8 each, plus a newline per line.
		if len(bulk) > 7*4*len(in) {
			t.Fatalf("%d bytes out of %d", len(bulk), len(in))
		}
		for _, l := range bytes.Split(bulk, []byte("\n")) {
			if len(l) > MaxLine {
				t.Fatalf("a line of %d bytes", len(l))
			}
		}
		if len(bulk) > 0 && bulk[len(bulk)-1] != '\n' {
			t.Fatalf("output does not end a line: %q", bulk)
		}
		one, err := io.ReadAll(NewReader(iotest.OneByteReader(bytes.NewReader(in)), lim))
		if err != nil || !bytes.Equal(one, bulk) {
			t.Fatalf("one-byte reads: %v\n%q\nbulk:\n%q", err, one, bulk)
		}
		small, err := io.ReadAll(newReader(bytes.NewReader(in), lim, 5))
		if err != nil || !bytes.Equal(small, bulk) {
			t.Fatalf("window 5: %v\n%q\nbulk:\n%q", err, small, bulk)
		}
		if len(bulk) > 1 {
			max := int64(len(bulk) / 2)
			cut, err := io.ReadAll(NewReader(bytes.NewReader(in), Limits{MinRun: int(minRun), MaxOutput: max}))
			if !errors.Is(err, ErrOutputLimit) || !bytes.HasPrefix(bulk, cut) || int64(len(cut)) > max || !utf8.Valid(cut) {
				t.Fatalf("MaxOutput %d: %v, %q", max, err, cut)
			}
		}
	})
}
