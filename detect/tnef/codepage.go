package tnef

import (
	"bytes"
	"io"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// defaultCodePage is assumed for 8-bit strings when the stream names none
// (no attOemCodepage): Windows-1252, what Outlook writes outside Asia.
const defaultCodePage = 1252

// codePages maps the Windows code page numbers that attOemCodepage carries to
// decoders. CP932 is Shift_JIS as Windows writes it (x/text's ShiftJIS is the
// WHATWG table, which is CP932 with the NEC and IBM extensions).
var codePages = map[uint32]encoding.Encoding{
	437:   charmap.CodePage437,
	850:   charmap.CodePage850,
	852:   charmap.CodePage852,
	866:   charmap.CodePage866,
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
	20127: charmap.Windows1252, // US-ASCII: a superset decodes it
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

// decoderFor returns the decoding of 8-bit strings in code page cp; an unknown
// code page decodes as Windows-1252 (every byte becomes a character, so
// nothing is dropped from the scan).
func decoderFor(cp uint32) encoding.Encoding {
	if e, ok := codePages[cp]; ok {
		return e
	}
	return charmap.Windows1252
}

var utf16le = unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM)

// decodeString decodes a short string value held in memory: b in code page cp
// (or UTF-16LE when wide), up to its first NUL terminator.
func decodeString(b []byte, cp uint32, wide bool) string {
	var e encoding.Encoding
	if wide {
		for i := 0; i+1 < len(b); i += 2 {
			if b[i] == 0 && b[i+1] == 0 {
				b = b[:i]
				break
			}
		}
		e = utf16le
	} else {
		if i := bytes.IndexByte(b, 0); i >= 0 {
			b = b[:i]
		}
		if utf8.Valid(b) && isASCII(b) {
			return string(b)
		}
		e = decoderFor(cp)
	}
	s, err := e.NewDecoder().Bytes(b)
	if err != nil { // x/text decoders replace bad input; this is only a guard
		return string(bytes.ToValidUTF8(b, []byte("\uFFFD")))
	}
	return string(s)
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

// decodeReader streams a long string value as UTF-8.
func decodeReader(r io.Reader, cp uint32, wide bool) io.Reader {
	var e encoding.Encoding
	if wide {
		e = utf16le
	} else {
		e = decoderFor(cp)
	}
	return transform.NewReader(r, e.NewDecoder())
}
