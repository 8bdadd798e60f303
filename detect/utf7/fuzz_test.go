package utf7

import (
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"unicode/utf8"

	"golang.org/x/text/transform"
)

// FuzzDecode decodes arbitrary bytes: the output must be valid UTF-8, at
// most maxStep bytes per input byte (plus the end of a run), the same
// whether the input comes in one piece or a byte at a time, and it must
// survive the encoder and decoder unchanged. Seeds: the decode tests and
// testdata/fuzz/FuzzDecode.
func FuzzDecode(f *testing.F) {
	for _, tt := range decodeTests {
		f.Add(tt.in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		var d Decoder
		got, _, err := transform.String(&d, in)
		if err != nil {
			t.Fatalf("decode: %v", err)
		}
		if !utf8.ValidString(got) {
			t.Fatalf("decode %q = %q: not UTF-8", in, got)
		}
		if len(got) > maxStep*len(in)+maxStep {
			t.Fatalf("decode: %d bytes from %d", len(got), len(in))
		}
		var s Decoder
		b, err := io.ReadAll(transform.NewReader(iotest.OneByteReader(strings.NewReader(in)), &s))
		if err != nil || string(b) != got || s.Invalid() != d.Invalid() {
			t.Fatalf("byte at a time: %q (%d invalid), %v; in one piece %q (%d)", b, s.Invalid(), err, got, d.Invalid())
		}
		enc, _, err := transform.String(new(encoder), got)
		if err != nil {
			t.Fatalf("encode: %v", err)
		}
		var r Decoder
		back, _, err := transform.String(&r, enc)
		if err != nil || back != got || r.Invalid() != 0 {
			t.Fatalf("round trip of %q through %q: %q (%d invalid), %v", got, enc, back, r.Invalid(), err)
		}
	})
}
