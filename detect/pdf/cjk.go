package pdf

import (
	"strings"
	"unicode/utf16"

	lpdf "github.com/ledongthuc/pdf"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
)

// predefinedCMap returns a decoder for a Type0 font that names one of the
// predefined CJK CMaps of PDF 32000-1 9.7.5.2 (Table 118) and has no
// ToUnicode CMap, as older Japanese PDFs with non-embedded fonts do
// (/Encoding /90ms-RKSJ-H): the codes are then text in a known character
// encoding. nil for any other name; the library knows only UniGB-UCS2-H.
func predefinedCMap(name string) lpdf.TextEncoding {
	base := strings.TrimSuffix(strings.TrimSuffix(name, "-H"), "-V")
	switch {
	case strings.Contains(base, "UCS2"), strings.Contains(base, "UTF16"):
		return utf16Codes{}
	case strings.Contains(base, "UTF8"):
		return utf8Codes{}
	case strings.Contains(base, "RKSJ"):
		return charsetCodes{japanese.ShiftJIS}
	case base == "EUC":
		return charsetCodes{japanese.EUCJP}
	case name == "H", name == "V":
		return jisCodes{} // JIS X 0208 row and cell, two bytes
	case strings.HasPrefix(base, "GB"):
		return charsetCodes{simplifiedchinese.GB18030}
	case strings.HasPrefix(base, "KSC"):
		return charsetCodes{korean.EUCKR}
	case strings.Contains(base, "B5"), strings.HasPrefix(base, "CNS"):
		return charsetCodes{traditionalchinese.Big5}
	}
	return nil
}

type utf16Codes struct{}

func (utf16Codes) Decode(raw string) string {
	u := make([]uint16, 0, len(raw)/2)
	for i := 0; i+1 < len(raw); i += 2 {
		u = append(u, uint16(raw[i])<<8|uint16(raw[i+1]))
	}
	return string(utf16.Decode(u))
}

type utf8Codes struct{}

func (utf8Codes) Decode(raw string) string { return strings.ToValidUTF8(raw, "") }

// jisCodes decodes two-byte JIS X 0208 codes: EUC-JP with the high bits
// cleared.
type jisCodes struct{}

func (jisCodes) Decode(raw string) string {
	b := []byte(raw)
	for i := range b {
		b[i] |= 0x80
	}
	return charsetCodes{japanese.EUCJP}.Decode(string(b))
}

type charsetCodes struct{ enc encoding.Encoding }

func (c charsetCodes) Decode(raw string) string {
	s, err := c.enc.NewDecoder().String(raw)
	if err != nil {
		return ""
	}
	return s
}
