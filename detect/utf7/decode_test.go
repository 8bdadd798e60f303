package utf7

import (
	"bufio"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

	"golang.org/x/text/transform"
)

var decodeTests = []struct {
	name, in, want string
	invalid        int
}{
	// RFC 2152, section "Examples".
	{"rfc-a-not-identical-alpha", "A+ImIDkQ.", "A\u2262\u0391.", 0},
	{"rfc-hi-mom", "Hi Mom -+Jjo--!", "Hi Mom -\u263a-!", 0},
	{"rfc-nihongo", "+ZeVnLIqe-", "日本語", 0},
	{"rfc-pound", "Item 3 is +AKM-1.", "Item 3 is £1.", 0},
	// python3 -c "print('山田太郎'.encode('utf-7'))" and
	// printf 山田太郎 | iconv -f UTF-8 -t UTF-7 both give this.
	{"yamada-taro", "+XHF1MFkqkM4-", "山田太郎", 0},
	// printf 'C0001,山田太郎,taro@example.jp' | iconv -f UTF-8 -t UTF-7
	{"csv-row-iconv", "C0001,+XHF1MFkqkM4,taro+AEA-example.jp", "C0001,山田太郎,taro@example.jp", 0},
	// python3 -c "print('C0001,山田太郎,taro@example.jp'.encode('utf-7'))"
	{"csv-row-python", "C0001,+XHF1MFkqkM4,taro@example.jp", "C0001,山田太郎,taro@example.jp", 0},
	// The run ends at a character that is not base64, which is kept.
	{"run-ended-by-space", "+XHF1MFkqkM4 san", "山田太郎 san", 0},
	{"run-ended-by-dot", "+AKM.", "£.", 0},
	{"run-at-eof", "+XHF1MFkqkM4", "山田太郎", 0},
	{"plus-minus", "1 +- 1 = 2", "1 + 1 = 2", 0},
	{"plus-minus-twice", "+-+-", "++", 0},
	{"minus-after-minus", "+AKM--", "£-", 0},
	{"two-runs", "+AGE-+AGE-", "aa", 0},
	{"empty", "", "", 0},
	{"direct-only", "Hello, world. (1/2) ok? 'x' ~\\\r\n\t", "Hello, world. (1/2) ok? 'x' ~\\\r\n\t", 0},
	{"controls", "\x00\x1b\x7f", "\x00\x1b\x7f", 0},
	// A surrogate pair, U+1F600, also split over two runs' worth of
	// bits: 0xD83D 0xDE00.
	{"surrogate-pair", "+2D3eAA-", "\U0001F600", 0},
	{"surrogate-pair-ext-b", "+2EDcCw-", "\U0002000B", 0},
	// Ill-formed input.
	{"8bit-byte", "caf\xe9", "caf\ufffd", 1},
	{"8bit-in-run", "+AGE\xe9x", "a\ufffdx", 1},
	{"8bit-utf8", "\xe5\xb1\xb1", "\ufffd\ufffd\ufffd", 3},
	{"lone-high", "+2D0-x", "\ufffdx", 1},
	{"lone-high-then-bmp", "+2D0AYQ-", "\ufffda", 1},
	{"high-high-low", "+2D3YPd4A-", "\ufffd\U0001F600", 1},
	{"lone-low", "+3gA-", "\ufffd", 1},
	{"nonzero-padding", "+AGF-", "a\ufffd", 1},
	{"partial-unit", "+AGEA-", "a\ufffd", 1},
	{"partial-unit-at-eof", "+AG", "\ufffd", 1},
	{"plus-space", "1 + 1", "1 + 1", 1},
	{"plus-at-eof", "a+", "a+", 1},
	{"high-at-eof", "+2D0", "\ufffd", 1},
	{"high-and-bad-bits-before-8bit", "+2D3Y\xff", "\ufffd\ufffd\ufffd", 3},
}

func decodeString(t *testing.T, in string) (string, int) {
	t.Helper()
	var d Decoder
	out, _, err := transform.String(&d, in)
	if err != nil {
		t.Fatalf("decode %q: %v", in, err)
	}
	return out, d.Invalid()
}

func TestDecode(t *testing.T) {
	for _, tt := range decodeTests {
		t.Run(tt.name, func(t *testing.T) {
			got, invalid := decodeString(t, tt.in)
			if got != tt.want || invalid != tt.invalid {
				t.Errorf("decode %q = %q (%d invalid), want %q (%d)", tt.in, got, invalid, tt.want, tt.invalid)
			}
		})
	}
}

func TestEncodingDecoder(t *testing.T) {
	got, err := Encoding.NewDecoder().String("Hi Mom -+Jjo--!")
	if err != nil || got != "Hi Mom -\u263a-!" {
		t.Errorf("got %q, %v", got, err)
	}
	b, err := io.ReadAll(Encoding.NewDecoder().Reader(strings.NewReader("+XHF1MFkqkM4-")))
	if err != nil || string(b) != "山田太郎" {
		t.Errorf("Reader: got %q, %v", b, err)
	}
}

// twoChunks hands out in[:i] and then the rest.
type twoChunks struct {
	in string
	i  int
}

func (r *twoChunks) Read(p []byte) (int, error) {
	if len(r.in) == 0 {
		return 0, io.EOF
	}
	n := r.i
	if n == 0 || n > len(r.in) {
		n = len(r.in)
	}
	n = copy(p, r.in[:n])
	r.in, r.i = r.in[n:], r.i-n
	return n, nil
}

func TestDecodeSplit(t *testing.T) {
	for _, tt := range decodeTests {
		t.Run(tt.name, func(t *testing.T) {
			var d Decoder
			b, err := io.ReadAll(transform.NewReader(iotest.OneByteReader(strings.NewReader(tt.in)), &d))
			if err != nil || string(b) != tt.want || d.Invalid() != tt.invalid {
				t.Errorf("one byte at a time: %q (%d invalid), %v", b, d.Invalid(), err)
			}
			for i := 1; i < len(tt.in); i++ {
				var d Decoder
				b, err := io.ReadAll(transform.NewReader(&twoChunks{tt.in, i}, &d))
				if err != nil || string(b) != tt.want || d.Invalid() != tt.invalid {
					t.Errorf("split at %d: %q (%d invalid), %v", i, b, d.Invalid(), err)
				}
			}
		})
	}
}

// TestDecodeShortDst drives Transform by hand with the smallest dst that
// always has room for one step, so every ErrShortDst path is taken.
func TestDecodeShortDst(t *testing.T) {
	for _, tt := range decodeTests {
		var d Decoder
		var out []byte
		dst := make([]byte, maxStep)
		src := []byte(tt.in)
		for {
			nDst, nSrc, err := d.Transform(dst, src, true)
			out = append(out, dst[:nDst]...)
			src = src[nSrc:]
			if err == nil {
				break
			}
			if err != transform.ErrShortDst || nDst == 0 {
				t.Fatalf("%s: %v after %d bytes", tt.name, err, nDst)
			}
		}
		if string(out) != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, out, tt.want)
		}
	}
}

// TestFixtures decodes what Python and iconv made of random strings (see
// testdata/make-fixtures.sh) and runs the strings through this package's
// encoder and back.
func TestFixtures(t *testing.T) {
	for _, file := range []string{"python.tsv", "iconv.tsv"} {
		f, err := os.Open(filepath.Join("testdata", file))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		n := 0
		for sc.Scan() {
			n++
			enc, want, ok := strings.Cut(sc.Text(), "\t")
			if !ok {
				t.Fatalf("%s:%d: no tab", file, n)
			}
			if got, invalid := decodeString(t, enc); got != want || invalid != 0 {
				t.Errorf("%s:%d: decode %q = %q (%d invalid), want %q", file, n, enc, got, invalid, want)
			}
			back, _, err := transform.String(new(encoder), want)
			if err != nil {
				t.Fatal(err)
			}
			if got, invalid := decodeString(t, back); got != want || invalid != 0 {
				t.Errorf("%s:%d: round trip of %q through %q gave %q", file, n, want, back, got)
			}
		}
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
		if n < 50 {
			t.Errorf("%s: only %d lines", file, n)
		}
	}
}

func BenchmarkDecode(b *testing.B) {
	in := bytes.Repeat([]byte("C0001,+XHF1MFkqkM4-,taro+AEA-example.jp,03-1234-5678\r\n"), 1000)
	b.SetBytes(int64(len(in)))
	dst := make([]byte, 4*len(in))
	for b.Loop() {
		var d Decoder
		if _, _, err := d.Transform(dst, in, true); err != nil {
			b.Fatal(err)
		}
	}
}
