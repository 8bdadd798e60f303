package xls

import (
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
)

// readChars appends to dst the UTF-8 of cch characters of a BIFF8 string
// whose flags byte said high (UTF-16LE) or not (the low bytes of UTF-16,
// i.e. Latin-1). When the characters run into a CONTINUE record, that
// record starts with a new flags byte ([MS-XLS] 2.5.293). A string cut
// short by the end of its records is returned as far as it goes.
func readChars(c *cursor, cch int, high bool, dst []byte) ([]byte, error) {
	var pending rune = -1 // a high surrogate waiting for its pair
	for cch > 0 {
		if len(c.data) == 0 {
			ok, err := c.more()
			if err != nil || !ok {
				return flush(dst, pending), err
			}
			if len(c.data) == 0 {
				continue // an empty CONTINUE
			}
			high = c.data[0]&1 != 0
			c.data = c.data[1:]
			continue
		}
		if !high {
			k := min(cch, len(c.data))
			for _, b := range c.data[:k] {
				dst = flush(dst, pending)
				pending = -1
				dst = utf8.AppendRune(dst, rune(b))
			}
			c.data, cch = c.data[k:], cch-k
			continue
		}
		if len(c.data) < 2 {
			c.data = nil // half a character: drop it
			continue
		}
		k := min(cch, len(c.data)/2)
		for i := 0; i < k; i++ {
			u := rune(le16(c.data[2*i:]))
			switch {
			case utf16.IsSurrogate(u) && u < 0xDC00:
				dst = flush(dst, pending)
				pending = u
			case utf16.IsSurrogate(u) && pending >= 0:
				dst = utf8.AppendRune(dst, utf16.DecodeRune(pending, u))
				pending = -1
			default:
				dst = flush(dst, pending)
				pending = -1
				dst = utf8.AppendRune(dst, u) // a lone low surrogate appends U+FFFD
			}
		}
		c.data, cch = c.data[2*k:], cch-k
	}
	return flush(dst, pending), nil
}

func flush(dst []byte, pending rune) []byte {
	if pending >= 0 {
		return utf8.AppendRune(dst, utf8.RuneError)
	}
	return dst
}

// xlString reads an XLUnicodeString (cch of lenBytes bytes, flags, chars)
// in BIFF8, or a byte string in the code page in BIFF5.
func (b *book) xlString(c *cursor, lenBytes int, dst []byte) ([]byte, error) {
	ok, err := c.need(lenBytes)
	if !ok || err != nil {
		return dst, err
	}
	cch := int(c.data[0])
	if lenBytes == 2 {
		cch = int(le16(c.data))
	}
	c.data = c.data[lenBytes:]
	if b.biff5 {
		k := min(cch, len(c.data))
		dst = b.decode8(dst, c.data[:k])
		c.data = c.data[k:]
		return dst, nil
	}
	if len(c.data) == 0 {
		if cch == 0 {
			return dst, nil
		}
		// the flags byte is missing: the string is cut short
		return dst, nil
	}
	high := c.data[0]&1 != 0
	c.data = c.data[1:]
	return readChars(c, cch, high, dst)
}

// decode8 appends the UTF-8 of the code-page bytes s (BIFF5).
func (b *book) decode8(dst, s []byte) []byte {
	out, err := b.enc.NewDecoder().Bytes(s)
	if err != nil { // not valid in the code page: the bytes as Latin-1
		for _, c := range s {
			dst = utf8.AppendRune(dst, rune(c))
		}
		return dst
	}
	return append(dst, out...)
}

// codePage returns the encoding of a CODEPAGE value; Windows-1252 for
// 1252, 0x8001 and the code pages not known.
func codePage(cp uint16) encoding.Encoding {
	switch cp {
	case 932:
		return japanese.ShiftJIS
	case 936:
		return simplifiedchinese.GBK
	case 949:
		return korean.EUCKR
	case 950:
		return traditionalchinese.Big5
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
	case 10000:
		return charmap.Macintosh
	}
	return charmap.Windows1252
}

// printable replaces control and format characters in a label (sheet
// names, stream names) and bounds it to 200 bytes.
func printable(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == utf8.RuneError {
			return '?'
		}
		return r
	}, s)
	if len(s) > 200 {
		i := 200
		for i > 0 && !utf8.RuneStart(s[i]) {
			i--
		}
		s = s[:i]
	}
	return s
}
