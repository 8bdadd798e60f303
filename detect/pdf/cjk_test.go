package pdf

import (
	"encoding/hex"
	"testing"

	"golang.org/x/text/encoding/japanese"
)

// Older Japanese PDFs name a predefined CMap and embed no font and no
// ToUnicode: the codes are Shift_JIS, UCS-2 or EUC-JP text.
func TestExtractPredefinedCJKCMaps(t *testing.T) {
	t.Parallel()
	const want = "山田 ソフト 03-1234-5678" // ソ is 0x83 0x5C in Shift_JIS: a backslash byte
	sjis, err := japanese.ShiftJIS.NewEncoder().String(want)
	if err != nil {
		t.Fatal(err)
	}
	euc, err := japanese.EUCJP.NewEncoder().String(want)
	if err != nil {
		t.Fatal(err)
	}
	ucs2 := ""
	for _, r := range want {
		ucs2 += string([]byte{byte(r >> 8), byte(r)})
	}
	tests := []struct{ cmap, codes string }{
		{"90ms-RKSJ-H", sjis},
		{"90msp-RKSJ-V", sjis},
		{"EUC-H", euc},
		{"UniJIS-UCS2-H", ucs2},
		{"UniJIS-UTF16-H", ucs2},
	}
	for _, tt := range tests {
		b := buildPDF(
			"<< /Type /Catalog /Pages 2 0 R >>",
			"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
			"<< /Type /Page /Parent 2 0 R /Contents 5 0 R /Resources << /Font << /F1 4 0 R >> >> >>",
			"<< /Type /Font /Subtype /Type0 /BaseFont /MS-Mincho /Encoding /"+tt.cmap+
				" /DescendantFonts [<< /Type /Font /Subtype /CIDFontType0 /BaseFont /MS-Mincho /CIDSystemInfo << /Registry (Adobe) /Ordering (Japan1) /Supplement 2 >> >>] >>",
			stream("BT /F1 10 Tf <"+hex.EncodeToString([]byte(tt.codes))+"> Tj ET"),
		)
		got, err := extract(t, b, 0)
		if err != nil {
			t.Errorf("%s: %v", tt.cmap, err)
			continue
		}
		if got != want+"\n" {
			t.Errorf("%s: got %q, want %q", tt.cmap, got, want)
		}
	}
	if got := (jisCodes{}).Decode("\x3b\x33\x45\x44"); got != "山田" {
		t.Errorf("JIS X 0208 codes: got %q", got)
	}
}
