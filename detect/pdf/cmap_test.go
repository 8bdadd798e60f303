package pdf

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestToUnicode(t *testing.T) {
	t.Parallel()
	const cmap = `/CIDInit /ProcSet findresource begin
12 dict begin
begincmap
/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def
/CMapName /Adobe-Identity-UCS def
/CMapType 2 def
1 begincodespacerange
<0000> <FFFF>
endcodespacerange
2 beginbfchar
<0001> <5C71>
<0002> <7530>
endbfchar
3 beginbfrange
<0010> <0012> <30A2>
<00FE> <0101> <00FE>
<0020> <0021> [<0041> <D83DDE00>]
endbfrange
endcmap
CMapName currentdict /CMap defineresource pop
end
end`
	m := parseToUnicode(strings.NewReader(cmap), nil)
	tests := []struct{ raw, want string }{
		{"\x00\x01\x00\x02", "山田"},
		{"\x00\x10\x00\x11\x00\x12", "アィイ"},
		{"\x00\xfe\x00\xff\x01\x00\x01\x01", "þÿĀā"}, // carry past 0xFF
		{"\x00\x20\x00\x21", "A😀"},
		{"\x00\x99", ""}, // unmapped
		{"\x00", ""},     // short code
	}
	for _, tt := range tests {
		if got := m.Decode(tt.raw); got != tt.want {
			t.Errorf("Decode(%q) = %q, want %q", tt.raw, got, tt.want)
		}
	}

	// One-byte codes, as LibreOffice writes them for its font subsets.
	m = parseToUnicode(strings.NewReader("1 begincodespacerange <00> <FF> endcodespacerange 1 beginbfchar <01> <9867> endbfchar"), nil)
	if got := m.Decode("\x01\x01"); got != "顧顧" {
		t.Errorf("one-byte codes: got %q", got)
	}
}

// FuzzToUnicode feeds arbitrary CMaps and codes to the CMap reader.
func FuzzToUnicode(f *testing.F) {
	f.Add([]byte("1 begincodespacerange <0000> <FFFF> endcodespacerange 1 beginbfrange <0010> <0012> <30A2> endbfrange"), []byte("\x00\x10\x00\x11"))
	f.Add([]byte("1 beginbfchar <01> <9867> endbfchar 1 beginbfrange <20> <21> [<0041> <D83DDE00>] endbfrange"), []byte("\x01\x20\x21\x22"))
	f.Fuzz(func(t *testing.T, cmap, raw []byte) {
		m := parseToUnicode(bytes.NewReader(cmap), nil)
		if s := m.Decode(string(raw)); !utf8.ValidString(s) {
			t.Errorf("Decode gave invalid UTF-8 %q", s)
		}
	})
}

func TestToUnicodeBounded(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("30A2", 4096) // 16 KiB of UTF-16 for one code
	m := parseToUnicode(strings.NewReader("1 beginbfrange <0000> <FFFF> <"+long+"> endbfrange"), nil)
	got := m.Decode(strings.Repeat("\x00\x01", maxString/2))
	if len(got) > maxDecoded+3*maxDst {
		t.Errorf("one string decoded to %d bytes", len(got))
	}
}
