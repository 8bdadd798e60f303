package textsniff

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/unicode"
)

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The fixtures are made by testdata/make-fixtures.sh.
var fixtureTests = []struct {
	file     string
	encoding string // "" for not text
	bom      int
	reason   string
}{
	{"csv-utf8.csv", UTF8, 0, ReasonUTF8},
	{"csv-utf8-bom.csv", UTF8, 3, ReasonBOM},
	{"csv-sjis.csv", ShiftJIS, 0, ReasonLegacy},
	{"csv-eucjp.csv", EUCJP, 0, ReasonLegacy},
	{"csv-utf16le.csv", UTF16LE, 0, ReasonUTF16},
	{"csv-utf16be.csv", UTF16BE, 0, ReasonUTF16},
	{"csv-utf16le-bom.csv", UTF16LE, 2, ReasonBOM},
	{"csv-utf16be-bom.csv", UTF16BE, 2, ReasonBOM},
	{"names-utf16le.txt", UTF16LE, 0, ReasonUTF16},
	{"note-iso2022jp.txt", ISO2022JP, 0, ReasonEscapes},
	{"note-utf7.txt", UTF7, 0, ReasonUTF7},
	{"phone-vcard.vcf", ShiftJIS, 0, ReasonLegacy},
	{"message.eml", UTF8, 0, ReasonUTF8},
	{"data.json", UTF8, 0, ReasonUTF8},
	{"data.xml", UTF8, 0, ReasonUTF8},

	{"elf-head.bin", "", 0, ReasonSignature},
	{"image.png", "", 0, ReasonSignature},
	{"image.jpg", "", 0, ReasonSignature},
	{"list.zip", "", 0, ReasonSignature},
	{"csv-utf8.csv.gz", "", 0, ReasonSignature},
	{"sqlite-head.bin", "", 0, ReasonSignature},
	{"random.bin", "", 0, ReasonNUL},
}

func check(t *testing.T, what string, got Result, enc string, bom int, reason string) {
	t.Helper()
	want := Result{Text: enc != "", Encoding: enc, BOM: bom, Reason: reason}
	if got != want {
		t.Errorf("%s: got %+v, want %+v", what, got, want)
	}
}

func TestDetectFixtures(t *testing.T) {
	for _, tt := range fixtureTests {
		b := fixture(t, tt.file)
		check(t, tt.file, Detect(b, true), tt.encoding, tt.bom, tt.reason)
		// Cut anywhere (a character split, an odd byte of UTF-16), the
		// head of a text is still the same text.
		if tt.encoding != "" {
			for n := 48; n < len(b); n++ {
				got := Detect(b[:n], false)
				if got.Encoding != tt.encoding || got.BOM != tt.bom {
					t.Errorf("%s cut at %d: got %+v", tt.file, n, got)
					break
				}
			}
		}
	}
}

// TestDetectBinaryWithoutSignature takes the signature off the binaries:
// the bytes that follow are still not text.
func TestDetectBinaryWithoutSignature(t *testing.T) {
	for _, name := range []string{"elf-head.bin", "image.png", "image.jpg", "list.zip", "csv-utf8.csv.gz", "sqlite-head.bin"} {
		b := fixture(t, name)
		for _, off := range []int{1, 2, 3, 5, 8} {
			if got := Detect(b[off:], true); got.Text {
				t.Errorf("%s from byte %d: %+v", name, off, got)
			}
		}
	}
}

func TestDetect(t *testing.T) {
	sjis := func(s string) string {
		b, err := japanese.ShiftJIS.NewEncoder().String(s)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	euc := func(s string) string {
		b, err := japanese.EUCJP.NewEncoder().String(s)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	utf16 := func(s string, be bool) string {
		e := unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM)
		if be {
			e = unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM)
		}
		b, err := e.NewEncoder().String(s)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	zeros := strings.Repeat("\x00", 64)
	// A bitmap row: zero runs with a few pixel values.
	bitmap := strings.Repeat("\x00\x00\x00\xff\x00\x00\x80\x80\x80\x00", 20)
	// x86 code and data, as in an executable without its header.
	code := strings.Repeat("\x48\x89\xe5\x48\x83\xec\x10\x89\x7d\xfc\x8b\x45\xfc\x00\x00\x00\xc3\x00\x00\x00", 10)

	tests := []struct {
		name   string
		in     string
		whole  bool
		enc    string
		bom    int
		reason string
	}{
		{"empty", "", true, UTF8, 0, ReasonEmpty},
		{"empty-head", "", false, UTF8, 0, ReasonEmpty},
		{"one-letter", "a", true, UTF8, 0, ReasonUTF8},
		{"newline", "\n", true, UTF8, 0, ReasonUTF8},
		{"one-nul", "\x00", true, "", 0, ReasonNUL},
		{"one-control", "\x01", true, "", 0, ReasonControl},
		{"one-control-in-20", "0123456789abcdefghi\x01", true, "", 0, ReasonControl},
		{"one-control-in-21", "0123456789abcdefghij\x01", true, UTF8, 0, ReasonUTF8},
		{"dos-eof", "a,b\r\n\x1a", true, UTF8, 0, ReasonUTF8},
		{"bom-only", "\xef\xbb\xbf", true, UTF8, 3, ReasonBOM},
		{"bom-then-latin1", "\xef\xbb\xbfM\xfcller", true, "", 0, ReasonBadBOM},
		{"utf16-bom-only", "\xff\xfe", true, UTF16LE, 2, ReasonBOM},
		{"utf16-bom-odd", "\xff\xfea\x00b", true, "", 0, ReasonBadBOM},
		{"utf16-bom-binary", "\xff\xfe" + zeros, true, "", 0, ReasonControl},
		{"utf8-cut-rune", "山田\xe5\xa4", false, UTF8, 0, ReasonUTF8},
		{"utf8-stray-byte", strings.Repeat("山田 太郎,03-1234-5678\n", 10) + "\xff" + strings.Repeat("佐藤 花子,06-2345-6789\n", 10), true, UTF8, 0, ReasonMostlyUTF8},
		{"utf8-too-many-stray", strings.Repeat("山田 太郎\xff\n", 10), true, "", 0, ReasonUndecodable},
		{"c1-controls", strings.Repeat("\u0085\u0090", 10), true, "", 0, ReasonControl},
		{"ansi-colours", "\x1b[31mred\x1b[0m\n", true, UTF8, 0, ReasonUTF8},
		{"invalid", "\xfd\xfe\xff", true, "", 0, ReasonUndecodable},
		{"latin1", "Caf\xe9, cr\xe8me br\xfbl\xe9e, na\xefve, \xe9t\xe9 ", true, "", 0, ReasonUndecodable},

		// Shift_JIS and EUC-JP, told apart on a few bytes.
		{"sjis-name", sjis("山田"), true, ShiftJIS, 0, ReasonLegacy},
		{"euc-name", euc("山田"), true, EUCJP, 0, ReasonLegacy},
		{"sjis-hiragana", sjis("やまだ"), true, ShiftJIS, 0, ReasonLegacy},
		{"euc-hiragana", euc("やまだ"), true, EUCJP, 0, ReasonLegacy},
		{"sjis-katakana", sjis("ヤマダ タロウ"), true, ShiftJIS, 0, ReasonLegacy},
		{"euc-katakana", euc("ヤマダ タロウ"), true, EUCJP, 0, ReasonLegacy},
		{"sjis-halfwidth", sjis("ﾔﾏﾀﾞ ﾀﾛｳ"), true, ShiftJIS, 0, ReasonLegacy},
		{"sjis-row", sjis("1001,山田太郎,03-1234-5678"), true, ShiftJIS, 0, ReasonLegacy},
		{"euc-row", euc("1001,山田太郎,03-1234-5678"), true, EUCJP, 0, ReasonLegacy},
		{"sjis-cut-lead", sjis("山田太郎") + "\x8e", false, ShiftJIS, 0, ReasonLegacy},
		{"sjis-cut-lead-whole", sjis("山田太郎") + "\x8e", true, "", 0, ReasonUndecodable},
		{"sjis-controls", strings.Repeat(sjis("山")+"\x02", 10), true, "", 0, ReasonControl},

		{"iso2022jp", "\x1b$B;3ED\x1b(B 03-1234-5678", true, ISO2022JP, 0, ReasonEscapes},
		{"iso2022jp-cut", "\x1b$B;3ED\x1b", false, ISO2022JP, 0, ReasonEscapes},
		{"ascii-escape-only", "\x1b(Babc", true, UTF8, 0, ReasonUTF8},

		// UTF-7 only on clear evidence.
		{"utf7-rfc-nihongo", "+ZeVnLIqe-", true, UTF7, 0, ReasonUTF7},
		{"utf7-row", "C0001,+XHF1MFkqkM4,taro+AEA-example.jp", true, UTF7, 0, ReasonUTF7},
		{"utf7-one-char", "Hi Mom -+Jjo--!", true, UTF8, 0, ReasonUTF8},
		{"plus-phone", "+81-3-1234-5678, +81-90-1111-2222", true, UTF8, 0, ReasonUTF8},
		{"plus-math", "1 + 1 = 2; a+b", true, UTF8, 0, ReasonUTF8},
		{"plus-base64ish", "token +AAAAAAAA- and +QUJD-", true, UTF8, 0, ReasonUTF8},
		{"plus-minus", "C++ and +-5", true, UTF8, 0, ReasonUTF8},

		// UTF-16 without a BOM.
		{"utf16le-ascii", utf16("name,tel\r\ntaro,03-1234-5678\r\n", false), true, UTF16LE, 0, ReasonUTF16},
		{"utf16be-ascii", utf16("name,tel\r\ntaro,03-1234-5678\r\n", true), true, UTF16BE, 0, ReasonUTF16},
		{"utf16le-japanese", utf16("山田太郎、やまだたろう\r\n", false), true, UTF16LE, 0, ReasonUTF16},
		{"utf16be-japanese", utf16("山田太郎、やまだたろう\r\n", true), true, UTF16BE, 0, ReasonUTF16},
		{"utf16le-surrogates", utf16("𠮷野家 𠮷田\r\n", false), true, UTF16LE, 0, ReasonUTF16},
		{"utf16le-lone-surrogate", utf16("abc", false) + "\x00\xd8" + utf16("defg", false), true, "", 0, ReasonNUL},
		{"utf16le-cut-odd", utf16("name,tel\r\n", false) + "t", false, UTF16LE, 0, ReasonUTF16},
		{"utf16le-odd-whole", utf16("name,tel\r\n", false) + "t", true, "", 0, ReasonNUL},
		{"utf16le-two-letters", utf16("ab", false), true, UTF16LE, 0, ReasonUTF16},
		{"zeros", zeros, true, "", 0, ReasonNUL},
		{"bitmap", bitmap, true, "", 0, ReasonNUL},
		{"code", code, true, "", 0, ReasonNUL},
		{"nul-terminated", "hello world\x00", true, "", 0, ReasonNUL},

		// A signature wins over bytes that would decode.
		{"gif", "GIF89a" + strings.Repeat("a", 40), true, "", 0, ReasonSignature},
		{"pdf", "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", true, "", 0, ReasonSignature},
		{"bzip2", "BZh91AY&SY" + strings.Repeat("\x80", 10), true, "", 0, ReasonSignature},
		{"bzh-word", "BZh is not bzip2", true, UTF8, 0, ReasonUTF8},
		{"riff", "RIFF\x24\x08\x00\x00WAVEfmt ", true, "", 0, ReasonSignature},
	}
	for _, tt := range tests {
		check(t, tt.name, Detect([]byte(tt.in), tt.whole), tt.enc, tt.bom, tt.reason)
	}
}

// TestDetectRandom: random bytes, with or without NULs, are not text, at
// every length from 32 bytes.
func TestDetectRandom(t *testing.T) {
	b := fixture(t, "random.bin")
	noNUL := bytes.ReplaceAll(b, []byte{0}, []byte{1})
	for n := 32; n <= len(b); n += 7 {
		for _, in := range [][]byte{b[:n], noNUL[:n], b[len(b)-n:]} {
			if got := Detect(in, true); got.Text {
				t.Fatalf("%d random bytes %q: %+v", n, in[:8], got)
			}
		}
	}
}

func TestDetectLongHead(t *testing.T) {
	// Past MaxHead the head is cut and judged as not whole: a character
	// split there is fine.
	b := bytes.Repeat([]byte("山"), MaxHead) // 3 bytes each
	if got := Detect(b, true); got.Encoding != UTF8 {
		t.Errorf("long head: %+v", got)
	}
}

// TestTooManyControlsFastPath checks the byte-at-a-time tooManyControls
// against a rune-at-a-time count, on UTF-8 (what it is given: valid, but
// for a character cut at the end).
func TestTooManyControlsFastPath(t *testing.T) {
	slow := func(b []byte) bool {
		if n := len(b); n > 0 && b[n-1] == 0x1A {
			b = b[:n-1]
		}
		chars, bad := 0, 0
		for i := 0; i < len(b); {
			r, size := utf8.DecodeRune(b[i:])
			chars++
			if r == utf8.RuneError && size == 1 && !utf8.FullRune(b[i:]) {
				break // a character cut at the end is one character
			}
			if isControl(r) || (r == utf8.RuneError && size == 1 && i+utf8.UTFMax <= len(b)) {
				bad++
			}
			i += size
		}
		return bad*20 >= chars && bad > 0
	}
	runes := []rune{'a', 'Z', ' ', '\n', '\t', 0x01, 0x1F, 0x7F, 0x80, 0x9F, 0xA0, 'é', '山', '田', 0x1A, 0x1B, 0x10000}
	for i := 0; i < 3000; i++ {
		var b []byte
		for j := 0; j < i%70; j++ {
			r := runes[(i*131+j*29+j*j)%len(runes)]
			if (i+j)%3 != 0 {
				r = 'a' + rune(j%26)
			}
			b = utf8.AppendRune(b, r)
		}
		for _, cut := range []int{0, 1, 2} {
			c := b
			if cut > 0 && len(c) > 0 && c[len(c)-1] >= 0x80 {
				c = c[:max(0, len(c)-cut)]
			}
			if got, want := tooManyControls(c), slow(c); got != want {
				t.Fatalf("%q: %v, want %v", c, got, want)
			}
		}
	}
}
