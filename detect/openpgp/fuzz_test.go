package openpgp

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"testing/iotest"
)

type outcome struct {
	summary string
	content []byte
	err     error
}

func unwrapOutcome(r io.Reader, lim Limits, oneByte bool) outcome {
	res, err := Unwrap(r, lim)
	var content []byte
	if err == nil && res.Content != nil {
		c := res.Content
		if oneByte {
			c = iotest.OneByteReader(c)
		}
		// One byte past the limit's worth, to see that the limit holds.
		content, err = io.ReadAll(io.LimitReader(c, lim.MaxContent+1))
	}
	return outcome{
		summary: fmt.Sprintf("%v %v %v %q %q %v", res.Layers, res.Encrypted, res.Detached, res.Name, res.Format, res.Content != nil),
		content: content,
		err:     err,
	}
}

var fuzzLimits = Limits{MaxContent: 1 << 20, MaxInput: 1 << 20, MaxDepth: 4, MaxRatio: 100, MaxPackets: 100, MaxBlocks: 10}

// FuzzUnwrap checks that no input panics Unwrap or its Content, that the
// content stays within MaxContent, that errors wrap a sentinel, that two
// runs agree, that reading a byte at a time gives the same result, and
// that Classify agrees with Unwrap's first layer. Seeds: the binary
// fixtures and the data of the armored ones, and testdata/fuzz/FuzzUnwrap.
func FuzzUnwrap(f *testing.F) {
	for _, tc := range fixtures {
		f.Add(binary(f, tc.name))
	}
	lim := fuzzLimits
	f.Fuzz(func(t *testing.T, data []byte) {
		a := unwrapOutcome(bytes.NewReader(data), lim, false)
		b := unwrapOutcome(bytes.NewReader(data), lim, false)
		if a.summary != b.summary || !bytes.Equal(a.content, b.content) || fmt.Sprint(a.err) != fmt.Sprint(b.err) {
			t.Fatalf("two runs differ: %s %v / %s %v", a.summary, a.err, b.summary, b.err)
		}
		if int64(len(a.content)) > lim.MaxContent {
			t.Fatalf("%d bytes of content, limit %d", len(a.content), lim.MaxContent)
		}
		if a.err != nil && !isSentinel(a.err) {
			t.Fatalf("error %v wraps no sentinel", a.err)
		}
		c := unwrapOutcome(iotest.OneByteReader(bytes.NewReader(data)), lim, true)
		if a.err == nil && c.err == nil && (a.summary != c.summary || !bytes.Equal(a.content, c.content)) {
			t.Fatalf("byte-at-a-time reading differs: %s / %s", a.summary, c.summary)
		}
		res, _ := Unwrap(bytes.NewReader(data), lim)
		k, err := Classify(bytes.NewReader(data), lim)
		if len(res.Layers) > 0 && (err != nil || k != res.Layers[0]) {
			t.Fatalf("Classify = %q, %v; Unwrap's first layer %s", k, err, res.Layers[0])
		}
		Sniff(data)
	})
}

// FuzzArmor checks that no text panics Armor, that blocks lie inside the
// text in order and do not overlap, that their data and text are bounded,
// and that two runs agree. Seeds: the armored fixtures, and
// testdata/fuzz/FuzzArmor.
func FuzzArmor(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.asc"))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		f.Add(crlf(b))
		f.Add(quote(b, "> "))
	}
	lim := fuzzLimits
	f.Fuzz(func(t *testing.T, text []byte) {
		blocks, err := Armor(text, lim)
		again, err2 := Armor(text, lim)
		if fmt.Sprint(blocks, err) != fmt.Sprint(again, err2) {
			t.Fatalf("two runs differ")
		}
		if len(blocks) > lim.MaxBlocks {
			t.Fatalf("%d blocks", len(blocks))
		}
		end := 0
		for _, b := range blocks {
			if b.Start < end || b.End < b.Start || b.End > len(text) {
				t.Fatalf("block [%d, %d) after %d in %d bytes", b.Start, b.End, end, len(text))
			}
			end = b.End
			if int64(len(b.Data)) > lim.MaxContent || int64(len(b.Text)) > lim.MaxContent || len(b.Text) > len(text) {
				t.Fatalf("block of %d data and %d text bytes", len(b.Data), len(b.Text))
			}
			if b.Err != nil && !isSentinel(b.Err) {
				t.Fatalf("block error %v wraps no sentinel", b.Err)
			}
			if b.Data != nil {
				Unwrap(bytes.NewReader(b.Data), lim)
			}
		}
		SniffArmor(text)
	})
}
