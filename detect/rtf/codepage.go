package rtf

import (
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
	"golang.org/x/text/transform"
)

// cpUTF8 is code page 65001.
const cpUTF8 = 65001

// encodingOf returns the decoder's encoding of a Windows code page, nil
// for UTF-8, and Windows-1252 for a code page not known here.
func encodingOf(cp int) encoding.Encoding {
	switch cp {
	case cpUTF8:
		return nil
	case 932, 10001: // Shift_JIS as Windows writes it (CP932), Mac Japanese
		return japanese.ShiftJIS
	case 936:
		return simplifiedchinese.GBK
	case 54936:
		return simplifiedchinese.GB18030
	case 949:
		return korean.EUCKR // WHATWG EUC-KR is CP949 (Unified Hangul Code)
	case 950:
		return traditionalchinese.Big5
	case 874:
		return charmap.Windows874
	case 1250:
		return charmap.Windows1250
	case 1251:
		return charmap.Windows1251
	case 1253:
		return charmap.Windows1253
	case 1254:
		return charmap.Windows1254
	case 1255:
		return charmap.Windows1255
	case 1256:
		return charmap.Windows1256
	case 1257:
		return charmap.Windows1257
	case 1258:
		return charmap.Windows1258
	case 437:
		return charmap.CodePage437
	case 850:
		return charmap.CodePage850
	case 852:
		return charmap.CodePage852
	case 866:
		return charmap.CodePage866
	case 10000:
		return charmap.Macintosh
	case 10007:
		return charmap.MacintoshCyrillic
	case 20866:
		return charmap.KOI8R
	case 28591:
		return charmap.ISO8859_1
	case 28592:
		return charmap.ISO8859_2
	case 28595:
		return charmap.ISO8859_5
	case 28597:
		return charmap.ISO8859_7
	case 28605:
		return charmap.ISO8859_15
	}
	return charmap.Windows1252
}

// charsetCP maps a font's \fcharset to its code page; 0 means the
// document's (\ansicpg).
func charsetCP(cs int) int {
	switch cs {
	case 77:
		return 10000
	case 78:
		return 10001
	case 128:
		return 932
	case 129:
		return 949
	case 134:
		return 936
	case 136:
		return 950
	case 161:
		return 1253
	case 162:
		return 1254
	case 163:
		return 1258
	case 177:
		return 1255
	case 178:
		return 1256
	case 186:
		return 1257
	case 204:
		return 1251
	case 222:
		return 874
	case 238:
		return 1250
	case 254:
		return 437
	case 255:
		return 850
	}
	return 0
}

// doubleByte reports whether cp is a double-byte code page.
func doubleByte(cp int) bool {
	switch cp {
	case 932, 10001, 936, 54936, 949, 950:
		return true
	}
	return false
}

// isLead reports whether b starts a two-byte character in the
// double-byte code page cp.
func isLead(cp int, b byte) bool {
	if cp == 932 || cp == 10001 {
		return b >= 0x81 && b <= 0x9F || b >= 0xE0 && b <= 0xFC
	}
	return b >= 0x81 && b <= 0xFE
}

// decoders holds one decoder per code page met, reused.
type decoders struct {
	m   map[int]*encoding.Decoder
	tmp [4096]byte
}

// appendDecoded appends src, bytes in code page cp, to dst as UTF-8;
// bytes that are not valid in cp become U+FFFD.
func (d *decoders) appendDecoded(dst []byte, cp int, src []byte) []byte {
	enc := encodingOf(cp)
	if enc == nil {
		for len(src) > 0 {
			r, n := utf8.DecodeRune(src)
			dst = utf8.AppendRune(dst, r)
			src = src[n:]
		}
		return dst
	}
	if d.m == nil {
		d.m = make(map[int]*encoding.Decoder)
	}
	dec := d.m[cp]
	if dec == nil {
		dec = enc.NewDecoder()
		d.m[cp] = dec
	}
	dec.Reset()
	for len(src) > 0 {
		nDst, nSrc, err := dec.Transform(d.tmp[:], src, true)
		dst = append(dst, d.tmp[:nDst]...)
		src = src[nSrc:]
		if err == transform.ErrShortDst && (nDst > 0 || nSrc > 0) {
			continue
		}
		if err != nil || nSrc == 0 && nDst == 0 {
			// Not expected from x/text's decoders, which replace
			// what they cannot decode; stop rather than loop.
			if len(src) > 0 {
				dst = append(dst, "\uFFFD"...)
			}
			break
		}
	}
	return dst
}
