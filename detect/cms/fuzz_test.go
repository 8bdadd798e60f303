package cms

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"testing"
	"testing/iotest"
)

// outcome is what one Unwrap of an input gave, for comparing runs.
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
		// Read one byte past the limit's worth, to see that the limit holds.
		content, err = io.ReadAll(io.LimitReader(c, lim.MaxContent+1))
	}
	return outcome{
		summary: fmt.Sprintf("%v %v %v %q %v", res.Layers, res.Encrypted, res.Detached, res.InnerType, res.Content != nil),
		content: content,
		err:     err,
	}
}

// FuzzUnwrap checks that no input panics Unwrap or its Content, that the
// content stays within MaxContent, that errors wrap a sentinel, that two
// runs agree, that reading a byte at a time gives the same content, and
// that Classify and Sniff agree with Unwrap on the outer type. Seeds: the
// fixtures, and testdata/fuzz/FuzzUnwrap.
func FuzzUnwrap(f *testing.F) {
	for _, tc := range fixtures {
		f.Add(fixture(f, tc.name))
	}
	lim := Limits{MaxContent: 1 << 20, MaxInput: 1 << 20, MaxDepth: 4, MaxRatio: 100}
	f.Fuzz(func(t *testing.T, data []byte) {
		a := unwrapOutcome(bytes.NewReader(data), lim, false)
		b := unwrapOutcome(bytes.NewReader(data), lim, false)
		if a.summary != b.summary || !bytes.Equal(a.content, b.content) || fmt.Sprint(a.err) != fmt.Sprint(b.err) {
			t.Fatalf("two runs differ: %s %x %v / %s %x %v", a.summary, sha256.Sum256(a.content), a.err, b.summary, sha256.Sum256(b.content), b.err)
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
		if len(res.Layers) > lim.MaxDepth+1 {
			t.Fatalf("%d layers", len(res.Layers))
		}
		k, err := Classify(bytes.NewReader(data))
		if len(res.Layers) > 0 && (err != nil || k != res.Layers[0]) {
			t.Fatalf("Classify = %q, %v; Unwrap's outer layer %s", k, err, res.Layers[0])
		}
		if len(res.Layers) > 0 && Sniff(data[:min(len(data), SniffLen)]) != res.Layers[0] {
			t.Fatalf("Sniff disagrees with Unwrap's outer layer %s", res.Layers[0])
		}
		IsSignature(data)
	})
}
