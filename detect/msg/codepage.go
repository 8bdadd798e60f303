package msg

import (
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
	"golang.org/x/text/encoding/unicode"
)

// codePages maps the Windows code page numbers PR_MESSAGE_CODEPAGE and
// PR_INTERNET_CPID carry to decoders. 932 is Windows' Shift_JIS (CP932,
// NEC and IBM extensions included), which x/text's ShiftJIS decodes.
var codePages = map[uint32]encoding.Encoding{
	874:   charmap.Windows874,
	932:   japanese.ShiftJIS,
	936:   simplifiedchinese.GBK,
	949:   korean.EUCKR,
	950:   traditionalchinese.Big5,
	1250:  charmap.Windows1250,
	1251:  charmap.Windows1251,
	1252:  charmap.Windows1252,
	1253:  charmap.Windows1253,
	1254:  charmap.Windows1254,
	1255:  charmap.Windows1255,
	1256:  charmap.Windows1256,
	1257:  charmap.Windows1257,
	1258:  charmap.Windows1258,
	20866: charmap.KOI8R,
	20932: japanese.EUCJP,
	28591: charmap.ISO8859_1,
	28592: charmap.ISO8859_2,
	28595: charmap.ISO8859_5,
	28597: charmap.ISO8859_7,
	28605: charmap.ISO8859_15,
	50220: japanese.ISO2022JP,
	50221: japanese.ISO2022JP,
	50222: japanese.ISO2022JP,
	51932: japanese.EUCJP,
	54936: simplifiedchinese.GB18030,
	65001: unicode.UTF8,
}

// decode8 decodes a PT_STRING8 value in code page cp, without its
// terminating NULs. With no code page, or one not known here, UTF-8 is
// kept as is, text that is valid Shift_JIS is read as CP932 (the usual
// case for Japanese Outlook) and anything else as Windows-1252, which maps
// every byte.
func decode8(b []byte, cp uint32) string {
	for len(b) > 0 && b[len(b)-1] == 0 {
		b = b[:len(b)-1]
	}
	if len(b) == 0 {
		return ""
	}
	if enc, ok := codePages[cp]; ok {
		if s, err := enc.NewDecoder().Bytes(b); err == nil {
			return string(s)
		}
		return strings.ToValidUTF8(string(b), "\uFFFD")
	}
	if utf8.Valid(b) {
		return string(b)
	}
	if s, err := japanese.ShiftJIS.NewDecoder().Bytes(b); err == nil && !strings.ContainsRune(string(s), utf8.RuneError) {
		return string(s)
	}
	s, _ := charmap.Windows1252.NewDecoder().Bytes(b)
	return string(s)
}

// decodeUTF16 decodes a PT_UNICODE value (UTF-16LE), without its
// terminating NULs; an odd last byte is dropped and unpaired surrogates
// become U+FFFD.
func decodeUTF16(b []byte) string {
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = uint16(b[2*i]) | uint16(b[2*i+1])<<8
	}
	for len(u) > 0 && u[len(u)-1] == 0 {
		u = u[:len(u)-1]
	}
	return string(utf16.Decode(u))
}
