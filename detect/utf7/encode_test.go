package utf7

import (
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"testing/iotest"

	"golang.org/x/text/transform"
)

func TestEncode(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"", ""},
		{"Hello, world.", "Hello, world."},
		{"山田太郎", "+XHF1MFkqkM4-"}, // as Python and iconv write it
		{"A\u2262\u0391.", "A+ImIDkQ-."},
		{"Item 3 is £1.", "Item 3 is +AKM-1."},
		{"1 + 1", "1 +- 1"},
		{"+£+", "+-+AKM-+-"},
		{"a@b", "a+AEA-b"},
		{"\U0001F600", "+2D3eAA-"},
		{"line\r\n\tnext", "line\r\n\tnext"},
		{"caf\xe9", "caf+//0-"}, // invalid UTF-8 becomes U+FFFD
	} {
		got, err := Encoding.NewEncoder().String(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("encode %q = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

// TestEncodeSplit feeds the encoder one byte at a time, so a multi-byte
// character is always cut (ErrShortSrc).
func TestEncodeSplit(t *testing.T) {
	for _, in := range []string{"山田太郎", "a\U0001F600b£", "caf\xe9\xe5\xb1"} {
		want, _, err := transform.String(new(encoder), in)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(transform.NewReader(iotest.OneByteReader(strings.NewReader(in)), new(encoder)))
		if err != nil || string(b) != want {
			t.Errorf("%q: one byte at a time %q, %v; want %q", in, b, err, want)
		}
	}
}

// TestRoundTrip encodes random strings, invalid UTF-8 included, and
// decodes them back.
func TestRoundTrip(t *testing.T) {
	rnd := rand.New(rand.NewPCG(7, 2152))
	alphabet := []rune("aZ09+-/=~\\ \t\r\n!@£é≢山田太郎ｱﾞ\u3000\ufffd\uffff\U0001F600\U0010FFFF")
	for range 2000 {
		var b strings.Builder
		for range rnd.IntN(20) {
			if rnd.IntN(20) == 0 {
				b.WriteByte(byte(0x80 + rnd.IntN(0x80))) // invalid UTF-8
				continue
			}
			b.WriteRune(alphabet[rnd.IntN(len(alphabet))])
		}
		in := b.String()
		enc, _, err := transform.String(new(encoder), in)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < len(enc); i++ {
			if enc[i] >= 0x80 {
				t.Fatalf("encode %q = %q: 8-bit output", in, enc)
			}
		}
		want := string([]rune(in)) // each invalid byte becomes U+FFFD
		if got, invalid := decodeString(t, enc); got != want || invalid != 0 {
			t.Fatalf("%q: encoded %q, decoded %q (%d invalid)", in, enc, got, invalid)
		}
	}
}
