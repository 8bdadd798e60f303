package utf7

import (
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/text/transform"
)

// encoder converts UTF-8 to UTF-7. RFC 2152's set D (letters, digits and
// '(),-./:?), space, tab, CR and LF are written as themselves, "+" as
// "+-", and every other character in a base64 run of UTF-16BE code units
// that is always closed with "-" (also at the end of the text), so that
// no decoder has to guess where it ends. Invalid UTF-8 is written as
// U+FFFD.
type encoder struct {
	shifted bool
	nbits   uint8  // bits waiting in bits, fewer than 6
	bits    uint32 // the low nbits bits are pending
}

func (e *encoder) Reset() { *e = encoder{} }

// maxRune is the most one character makes: "+", then 4 bits left over and
// two code units (36 bits, 6 characters).
const maxRune = 8

func (e *encoder) Transform(dst, src []byte, atEOF bool) (nDst, nSrc int, err error) {
	var buf [maxRune]byte
	for nSrc < len(src) {
		r, size := rune(src[nSrc]), 1
		if r >= utf8.RuneSelf {
			if !atEOF && !utf8.FullRune(src[nSrc:]) {
				return nDst, nSrc, transform.ErrShortSrc
			}
			r, size = utf8.DecodeRune(src[nSrc:])
		}
		s := *e
		n := s.rune(r, buf[:])
		if n > len(dst)-nDst {
			return nDst, nSrc, transform.ErrShortDst
		}
		*e = s
		nDst += copy(dst[nDst:], buf[:n])
		nSrc += size
	}
	if atEOF && e.shifted {
		s := *e
		n := s.close(buf[:])
		if n > len(dst)-nDst {
			return nDst, nSrc, transform.ErrShortDst
		}
		*e = s
		nDst += copy(dst[nDst:], buf[:n])
	}
	return nDst, nSrc, nil
}

func (e *encoder) rune(r rune, out []byte) int {
	if isDirect(r) || r == '+' {
		n := 0
		if e.shifted {
			n = e.close(out)
		}
		out[n] = byte(r)
		n++
		if r == '+' {
			out[n] = '-'
			n++
		}
		return n
	}
	n := 0
	if !e.shifted {
		e.shifted = true
		out[0] = '+'
		n = 1
	}
	if r1, r2 := utf16.EncodeRune(r); r1 != utf8.RuneError {
		n += e.unit(uint16(r1), out[n:])
		return n + e.unit(uint16(r2), out[n:])
	}
	return n + e.unit(uint16(r), out[n:])
}

// unit writes one code unit's bits.
func (e *encoder) unit(u uint16, out []byte) int {
	e.bits = e.bits<<16 | uint32(u)
	e.nbits += 16
	n := 0
	for e.nbits >= 6 {
		e.nbits -= 6
		out[n] = base64Chars[e.bits>>e.nbits&0x3f]
		n++
	}
	e.bits &= 1<<e.nbits - 1
	return n
}

// close pads the run's last bits with zeros and ends it with "-".
func (e *encoder) close(out []byte) int {
	n := 0
	if e.nbits > 0 {
		out[0] = base64Chars[e.bits<<(6-e.nbits)&0x3f]
		n = 1
	}
	out[n] = '-'
	e.shifted, e.bits, e.nbits = false, 0, 0
	return n + 1
}

// isDirect reports whether r is written as itself: set D, space, tab, CR
// and LF.
func isDirect(r rune) bool {
	switch {
	case 'A' <= r && r <= 'Z', 'a' <= r && r <= 'z', '0' <= r && r <= '9':
		return true
	}
	switch r {
	case '\'', '(', ')', ',', '-', '.', '/', ':', '?', ' ', '\t', '\r', '\n':
		return true
	}
	return false
}
