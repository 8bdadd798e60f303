package uuencode

import (
	"bytes"
	"testing"
)

func TestParseBegin(t *testing.T) {
	for _, tt := range []struct {
		line    string
		ok      bool
		framing Framing
		name    string
	}{
		{"begin 644 customers.csv", true, Classic, "customers.csv"},
		{"begin 0644 my list.csv  \r", true, Classic, "my list.csv"},
		{"begin 666 a\tb", true, Classic, "a\tb"},
		{"begin-base64 600 x.bin", true, Base64, "x.bin"},
		{"begin 644", true, Classic, ""},
		{"begin 644 ", true, Classic, ""},
		{"begin 7 ../../etc/passwd", true, Classic, "../../etc/passwd"},
		{"begin again tomorrow", false, Classic, ""},
		{"begin 648 x", false, Classic, ""},     // 8 is not octal
		{"begin 1234567 x", false, Classic, ""}, // seven digits
		{"begin644 x", false, Classic, ""},
		{"Begin 644 x", false, Classic, ""},
		{" begin 644 x", false, Classic, ""},
		{"begin-base64644 x", false, Classic, ""},
		{"begin 644x", false, Classic, ""},
	} {
		h, ok := parseBegin([]byte(tt.line))
		if ok != tt.ok || ok && (h.framing != tt.framing || string(h.name) != tt.name) {
			t.Errorf("parseBegin(%q) = %+v, %v; want %v %v %q", tt.line, h, ok, tt.ok, tt.framing, tt.name)
		}
	}
}

func TestClassicLine(t *testing.T) {
	for _, tt := range []struct {
		name, line string
		maxShort   int
		kind       lineKind
		want       string
	}{
		// uuencode of "Cat" and of "Hi!\n".
		{"cat", "#0V%T", 0, data, "Cat"},
		{"four", "$2&DA\"@``", 0, data, "Hi!\n"},
		{"four-no-padding", "$2&DA\"@", 0, data, "Hi!\n"},
		{"four-spaces-for-zero", "$2&DA\"@  ", 0, data, "Hi!\n"},
		{"zeros-backquote", "#````", 0, data, "\x00\x00\x00"},
		{"zeros-space", "#    ", 0, data, "\x00\x00\x00"},
		{"zeros-stripped-lenient", "#", -1, data, "\x00\x00\x00"},
		{"zeros-stripped-strict", "#", strictShortfall, data, "\x00\x00\x00"},
		{"zeros-stripped-first", "#", 0, invalid, ""},
		{"long-stripped-lenient", "M", -1, data, string(make([]byte, 45))},
		{"long-stripped-strict", "M", strictShortfall, invalid, ""},
		{"checksum-char", "#0V%TX", 0, data, "Cat"},
		{"trailing-blanks", "#0V%T  \t ", 0, data, "Cat"},
		{"too-many-extra", "#0V%TXYZ", 0, invalid, ""},
		{"lower-case", "#0v%T", 0, invalid, ""},
		{"tab", "#0V\tT", 0, invalid, ""},
		{"8-bit", "#0V\xa5T", 0, invalid, ""},
		{"length-char-too-high", "a0V%T", 0, invalid, ""},
		{"text", "Thanks, see you", 0, invalid, ""},
		{"upper-case-text", "THANKS", strictShortfall, invalid, ""},
		{"last-backquote", "`", 0, last, ""},
		{"last-space", " ", 0, last, ""},
		{"last-empty", "", 0, last, ""},
		{"last-with-junk", "` x", 0, invalid, ""},
	} {
		var out [maxClassic]byte
		kind, n := classicLine([]byte(tt.line), tt.maxShort, out[:])
		if kind != tt.kind || string(out[:n]) != tt.want {
			t.Errorf("%s: classicLine(%q) = %v %q, want %v %q", tt.name, tt.line, kind, out[:n], tt.kind, tt.want)
		}
	}
}

func TestBase64Lines(t *testing.T) {
	for _, tt := range []struct {
		line   string
		strict bool
		kind   lineKind
	}{
		{"QzAwMDEs", true, data},
		{"NzgK", true, data},
		{"NzgK  \r", true, data},
		{"Nzg=", true, data},
		{"Nw==", true, data},
		{"Nzg", false, data},
		{"Nzg", true, invalid},
		{"Thanks", false, data},
		{"Thanks", true, invalid},
		{"Thanks!", false, invalid},
		{"Taro Yamada", false, invalid},
		{"N=zg", false, invalid},
		{"N===", false, invalid},
		{"==", false, invalid},
		{"", false, invalid},
		{"====", false, last},
		{"====\r", true, last},
	} {
		if got := (base64Lines{}).classify([]byte(tt.line), tt.strict); got != tt.kind {
			t.Errorf("classify(%q, %v) = %v, want %v", tt.line, tt.strict, got, tt.kind)
		}
	}
	// Lines wrapped at widths that are not multiples of four, and a
	// padded quantum in the middle.
	var d base64Lines
	var out bytes.Buffer
	for _, l := range []string{"QzAw", "MDEs5", "bGx55", "Sw", "Nw==", "Nzg"} {
		buf := make([]byte, len(l))
		out.Write(buf[:d.decode([]byte(l), buf)])
	}
	if got, want := out.String(), "C0001,山田778"; got != want {
		t.Errorf("decode: %q, want %q", got, want)
	}
}

func TestBody(t *testing.T) {
	for in, want := range map[string]string{"a\r\n": "a", "a\n": "a", "a": "a", "a\r": "a", "a \n": "a ", "\r\n": ""} {
		if got := string(body([]byte(in))); got != want {
			t.Errorf("body(%q) = %q, want %q", in, got, want)
		}
	}
}
