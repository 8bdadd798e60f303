package sqlite

import (
	"encoding/binary"
	"math"
	"testing"
	"unicode/utf16"
)

func le16(s string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = binary.LittleEndian.AppendUint16(b, u)
	}
	return b
}

func be16(s string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = binary.BigEndian.AppendUint16(b, u)
	}
	return b
}

func TestAppendText(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		enc  encoding
		want string
	}{
		{"ascii", []byte("anna@example.com"), encUTF8, "anna@example.com"},
		{"kanji", []byte("山田 太郎"), encUTF8, "山田 太郎"},
		{"controls as spaces", []byte("a\nb\tc\x00d\x7fe\u0085f"), encUTF8, "a b c d e f"},
		{"invalid bytes", []byte("a\xffb\xe5\xb1"), encUTF8, "a\ufffdb\ufffd\ufffd"}, // one a byte
		{"utf16le", le16("山田 太郎 ann@example.com"), encUTF16LE, "山田 太郎 ann@example.com"},
		{"utf16be", be16("Müller"), encUTF16BE, "Müller"},
		{"surrogate pair", le16("x😀y"), encUTF16LE, "x😀y"},
		{"lone high surrogate", []byte{0x3d, 0xd8, 'a', 0}, encUTF16LE, "\ufffda"},
		{"lone low surrogate", []byte{0x00, 0xde, 'a', 0}, encUTF16LE, "\ufffda"},
		{"odd last byte", []byte{'a', 0, 'b'}, encUTF16LE, "a\ufffd"},
		{"utf16 control", le16("a\nb"), encUTF16LE, "a b"},
	}
	for _, tt := range tests {
		if got := string(appendText(nil, tt.in, tt.enc)); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestTextCut(t *testing.T) {
	s := []byte("ab山田") // 山 is bytes 2-4
	for n, want := range map[int]int{1: 1, 2: 2, 3: 2, 4: 2, 5: 5, 6: 5, 8: 8, 100: 8} {
		if got := textCut(s, n, encUTF8); got != want {
			t.Errorf("utf-8 cut at %d: %d, want %d", n, got, want)
		}
	}
	u := le16("a😀b") // the pair is bytes 2-5
	for n, want := range map[int]int{1: 0, 2: 2, 3: 2, 4: 2, 5: 2, 6: 6, 7: 6, 8: 8} {
		if got := textCut(u, n, encUTF16LE); got != want {
			t.Errorf("utf-16 cut at %d: %d, want %d", n, got, want)
		}
	}
	if got := string(trimCut([]byte("ab山田")[:6], encUTF8)); got != "ab山" {
		t.Errorf("trimCut: %q", got)
	}
	if got := trimCut(u[:4], encUTF16LE); len(got) != 2 {
		t.Errorf("trimCut utf-16: %d bytes", len(got))
	}
}

func TestCleanText(t *testing.T) {
	tests := []struct {
		in   []byte
		enc  encoding
		want bool
	}{
		{[]byte("Anna Kowalski"), encUTF8, true},
		{[]byte("line\r\n\ttab"), encUTF8, true},
		{[]byte("a\x00b"), encUTF8, false},
		{[]byte("a\xffb"), encUTF8, false},
		{le16("山田😀"), encUTF16LE, true},
		{le16("a")[:1], encUTF16LE, false},
		{[]byte{0x3d, 0xd8}, encUTF16LE, false},
		{be16("a\x01"), encUTF16BE, false},
	}
	for _, tt := range tests {
		if got := cleanText(tt.in, tt.enc); got != tt.want {
			t.Errorf("cleanText(%q): %v", tt.in, got)
		}
	}
}

func TestAppendRuns(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		enc  encoding
		sep  byte
		want string
	}{
		{"utf-8 lines", []byte("\x01\x02Anna Kowalski\x00ab\x00anna@example.com\x17山田\x05"), encUTF8, '\n', "Anna Kowalski\nanna@example.com\n山田\n"},
		{"blob words", []byte("\x00+81 3 5555 0101\x00\xffAnn Lee\xfe"), encUTF8, ' ', "+81 3 5555 0101 Ann Lee"},
		{"too short", []byte("\x00abc\x00"), encUTF8, '\n', ""},
		// UTF-16 at both alignments; the misaligned reading of ASCII
		// (units 0xXX00) is left out.
		{"utf-16le", append(append([]byte{0x17}, le16("Anna Kowalski")...), 0x03, 0x00, 0x00), encUTF16LE, '\n', "Anna Kowalski\n"},
		{"utf-16be", append([]byte{0x01, 0x00, 0x00}, be16("ann@example.com")...), encUTF16BE, '\n', "ann@example.com\n"},
	}
	for _, tt := range tests {
		got, _ := appendRuns(nil, tt.in, tt.enc, tt.sep)
		if string(got) != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
	// Kanji read at the other alignment are characters too: that run
	// comes out as well (noise, not a loss).
	got, _ := appendRuns(nil, append([]byte{0x01, 0x00, 0x00}, be16("山田 太郎")...), encUTF16BE, '\n')
	if !hasLine(string(got), "山田 太郎") {
		t.Errorf("utf-16be kanji: %q", got)
	}
}

func TestAppendBlob(t *testing.T) {
	tests := []struct{ in, want string }{
		{"ann.lee@example.com\x00", "ann.lee@example.com"},
		{"\x00\x01\x02\x03", ""},
		{"PK\x03\x04\x14\x00\x00\x00customers.csvC0001,山田", "customers.csvC0001,山田"},
	}
	for _, tt := range tests {
		if got := string(appendBlob(nil, []byte(tt.in))); got != tt.want {
			t.Errorf("blob %q: %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNumbers(t *testing.T) {
	ints := []struct {
		in   []byte
		want string
	}{
		{[]byte{0x80}, "-128"},
		{[]byte{0x7f, 0xff}, "32767"},
		{[]byte{0xff, 0xff, 0xfe}, "-2"},
		{[]byte{0, 0, 1, 0, 0, 0}, "16777216"},
		{[]byte{0x80, 0, 0, 0, 0, 0, 0, 0}, "-9223372036854775808"},
	}
	for _, tt := range ints {
		if got := string(appendInt(nil, tt.in)); got != tt.want {
			t.Errorf("int %x: %s, want %s", tt.in, got, tt.want)
		}
	}
	floats := []struct {
		in   float64
		want string
	}{{3.25, "3.25"}, {9012345678, "9012345678"}, {1e300, "1e+300"}, {-0.0001, "-0.0001"}, {1e-5, "1e-05"}, {0, "0"}, {math.Inf(-1), "-Inf"}, {math.NaN(), "NaN"}}
	for _, tt := range floats {
		b := binary.BigEndian.AppendUint64(nil, math.Float64bits(tt.in))
		if got := string(appendFloat(nil, b)); got != tt.want {
			t.Errorf("float %v: %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestVarint(t *testing.T) {
	tests := []struct {
		in   []byte
		v    uint64
		n    int
		name string
	}{
		{[]byte{0x05}, 5, 1, "one byte"},
		{[]byte{0x81, 0x00}, 128, 2, "two bytes"},
		{[]byte{0x81, 0x80, 0x00}, 1 << 14, 3, "three bytes"},
		{[]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, math.MaxUint64, 9, "nine bytes"},
		{[]byte{0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x01}, 0x0204081020408101, 9, "ninth byte whole"},
		{[]byte{0x81}, 0, 0, "cut"},
		{nil, 0, 0, "empty"},
		{[]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, 0, 0, "cut before the ninth"},
	}
	for _, tt := range tests {
		if v, n := varint(tt.in); v != tt.v || n != tt.n {
			t.Errorf("%s: %#x, %d; want %#x, %d", tt.name, v, n, tt.v, tt.n)
		}
	}
}

// TestLocalSize checks the spill rule on values worked out by hand from
// the file format's formulas, for pages of usable size 1024: X = 989 for
// a table leaf, 230 for an index page, M = 103.
func TestLocalSize(t *testing.T) {
	tests := []struct {
		size uint64
		kind byte
		want int
	}{
		{100, tableLeaf, 100},
		{989, tableLeaf, 989},  // P = X: all local
		{990, tableLeaf, 103},  // K = 990 > X: M
		{2000, tableLeaf, 980}, // K = 103 + 1897 % 1020 = 980
		{2009, tableLeaf, 989}, // K = X
		{2010, tableLeaf, 103}, // K = X + 1
		{230, indexLeaf, 230},  // P = X
		{231, indexLeaf, 103},  // K = 231 > X
		{1143, indexLeaf, 123}, // K = 103 + 1040 % 1020
		{1143, indexInterior, 123},
	}
	for _, tt := range tests {
		if got := localSize(tt.size, 1024, tt.kind); got != tt.want {
			t.Errorf("localSize(%d, %#x): %d, want %d", tt.size, tt.kind, got, tt.want)
		}
	}
}

func TestPtrmap(t *testing.T) {
	h := header{pageSize: 1024, usable: 1024, autoVac: true, pages: 1 << 30}
	// 1024/5 = 204 entries a page: pointer maps at 2, 207, 412, ...
	for n, want := range map[int64]bool{1: false, 2: true, 3: false, 206: false, 207: true, 412: true, 413: false} {
		if got := h.isPtrmap(n); got != want {
			t.Errorf("isPtrmap(%d): %v", n, got)
		}
	}
	// The lock-byte page (2^30/1024 + 1 = 1048577) is never a pointer
	// map: the one it would be is the page after it.
	// (1048577 - 2) = 5115 * 205.
	lock := int64(1<<30/1024 + 1)
	if h.isPtrmap(lock) || !h.isPtrmap(lock+1) {
		t.Error("lock-byte page")
	}
	h.autoVac = false
	if h.isPtrmap(2) {
		t.Error("pointer map without auto-vacuum")
	}
}
