package sqlite

import (
	"encoding/binary"
	"math"
	"strconv"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// minRun is the narrowest printable run given, East Asian wide characters
// counting 2 (as package printable counts them): 山田 is a run.
const minRun = 4

// isControl reports whether r is a C0 or C1 control character or DEL,
// which the text gives as a space.
func isControl(r rune) bool { return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) }

// width is how many columns r counts in a run.
func width(r rune) int {
	if r >= 0x2e80 {
		return 2
	}
	return 1
}

// printable reports whether r can be part of a printable run.
func printable(r rune) bool {
	return r == ' ' || (r != utf8.RuneError && !isControl(r) && unicode.IsGraphic(r))
}

// appendRune appends r, a control character as a space.
func appendRune(dst []byte, r rune) []byte {
	if isControl(r) {
		return append(dst, ' ')
	}
	return utf8.AppendRune(dst, r)
}

// appendText appends the text b in encoding enc as UTF-8: control
// characters as spaces, invalid bytes (and a last odd byte of UTF-16) as
// U+FFFD.
func appendText(dst, b []byte, enc encoding) []byte {
	if enc == encUTF8 {
		if plainUTF8(b) {
			return append(dst, b...)
		}
		for i := 0; i < len(b); {
			c := b[i]
			if c >= 0x20 && c < 0x7f {
				dst = append(dst, c)
				i++
				continue
			}
			r, n := utf8.DecodeRune(b[i:])
			dst = appendRune(dst, r) // RuneError for an invalid byte
			i += n
		}
		return dst
	}
	for i := 0; i < len(b); {
		if i+1 == len(b) {
			return utf8.AppendRune(dst, utf8.RuneError)
		}
		u := unit(b[i:], enc)
		i += 2
		r := rune(u)
		if utf16.IsSurrogate(r) {
			r = utf8.RuneError
			if u < 0xdc00 && i+1 < len(b) {
				if u2 := unit(b[i:], enc); u2 >= 0xdc00 && u2 <= 0xdfff {
					r = utf16.DecodeRune(rune(u), rune(u2))
					i += 2
				}
			}
		}
		dst = appendRune(dst, r)
	}
	return dst
}

// plainUTF8 reports whether b is valid UTF-8 without control characters
// (C0, DEL, and C1, which UTF-8 writes as 0xC2 0x80 to 0xC2 0x9F).
func plainUTF8(b []byte) bool {
	for i, c := range b {
		if c < 0x20 || c == 0x7f || (c == 0xc2 && i+1 < len(b) && b[i+1] < 0xa0) {
			return false
		}
	}
	return utf8.Valid(b)
}

// unit is the UTF-16 code unit at b[0:2].
func unit(b []byte, enc encoding) uint16 {
	if enc == encUTF16BE {
		return binary.BigEndian.Uint16(b)
	}
	return binary.LittleEndian.Uint16(b)
}

// textCut is where a chunk of at most n bytes of the text b ends so that
// no character is cut in two (for UTF-8, backing up to a rune start; for
// UTF-16, to a unit that is not a high surrogate).
func textCut(b []byte, n int, enc encoding) int {
	if n >= len(b) {
		return len(b)
	}
	if enc == encUTF8 {
		for k := n; k > n-utf8.UTFMax && k > 0; k-- {
			if utf8.RuneStart(b[k]) {
				return k
			}
		}
		return n
	}
	n &^= 1
	if n >= 2 {
		if u := unit(b[n-2:], enc); u >= 0xd800 && u < 0xdc00 {
			n -= 2
		}
	}
	return n
}

// trimCut returns b without a character cut short at its end.
func trimCut(b []byte, enc encoding) []byte {
	if enc != encUTF8 {
		b = b[:len(b)&^1]
		if n := len(b); n >= 2 && unit(b[n-2:], enc) >= 0xd800 && unit(b[n-2:], enc) < 0xdc00 {
			b = b[:n-2]
		}
		return b
	}
	for k := len(b) - 1; k >= 0 && k >= len(b)-utf8.UTFMax; k-- {
		if utf8.RuneStart(b[k]) {
			if !utf8.FullRune(b[k:]) {
				return b[:k]
			}
			break
		}
	}
	return b
}

// cleanText reports whether b is text that a record could hold: valid in
// enc, with no control characters but tab, newline and carriage return.
// Carving uses it to tell records from other bytes.
func cleanText(b []byte, enc encoding) bool {
	ok := func(r rune) bool { return r == '\t' || r == '\n' || r == '\r' || !isControl(r) }
	if enc == encUTF8 {
		for i := 0; i < len(b); {
			r, n := utf8.DecodeRune(b[i:])
			if (r == utf8.RuneError && n == 1) || !ok(r) {
				return false
			}
			i += n
		}
		return true
	}
	if len(b)%2 != 0 {
		return false
	}
	for i := 0; i < len(b); i += 2 {
		u := unit(b[i:], enc)
		switch {
		case u >= 0xd800 && u < 0xdc00:
			if i+3 >= len(b) {
				return false
			}
			if u2 := unit(b[i+2:], enc); u2 < 0xdc00 || u2 > 0xdfff {
				return false
			}
			i += 2
		case u >= 0xdc00 && u <= 0xdfff, u == 0xfffe, u == 0xffff, !ok(rune(u)):
			return false
		}
	}
	return true
}

// appendBlob appends a blob: as text when it is UTF-8 text (a trailing
// NUL, as C strings have, left out), otherwise its printable UTF-8 runs
// separated by spaces.
func appendBlob(dst, b []byte) []byte {
	t := b
	for len(t) > 0 && t[len(t)-1] == 0 {
		t = t[:len(t)-1]
	}
	if len(t) > 0 && cleanText(t, encUTF8) {
		return appendText(dst, t, encUTF8)
	}
	dst, _ = appendRuns(dst, b, encUTF8, ' ')
	return dst
}

// appendRuns appends the printable runs of b, characters of encoding enc
// at least minRun wide, each followed by sep (or, for sep ' ', separated
// by it), and returns how many there were. UTF-16 is read at both
// alignments; a run that reads like ASCII text at the wrong alignment
// (half its units or more with a zero low byte, as "C\x00" "0\x00" read
// one byte late) is left out.
func appendRuns(dst, b []byte, enc encoding, sep byte) ([]byte, int) {
	runs := 0
	emit := func(run []byte, w int) {
		if w < minRun {
			return
		}
		if sep == ' ' && runs > 0 {
			dst = append(dst, ' ')
		}
		dst = appendText(dst, run, enc)
		if sep != ' ' {
			dst = append(dst, sep)
		}
		runs++
	}
	if enc == encUTF8 {
		start, w := -1, 0
		for i := 0; i < len(b); {
			r, n := utf8.DecodeRune(b[i:])
			if printable(r) {
				if start < 0 {
					start, w = i, 0
				}
				w += width(r)
			} else if start >= 0 {
				emit(b[start:i], w)
				start = -1
			}
			i += n
		}
		if start >= 0 {
			emit(b[start:], w)
		}
		return dst, runs
	}
	for align := 0; align < 2; align++ {
		start, w, units, zeros := -1, 0, 0, 0
		i := align
		end := func() {
			if start >= 0 && 2*zeros < units {
				emit(b[start:i], w)
			}
			start = -1
		}
		for i+1 < len(b) {
			u := unit(b[i:], enc)
			r, n := rune(u), 2
			if utf16.IsSurrogate(r) {
				r = utf8.RuneError
				if u < 0xdc00 && i+3 < len(b) {
					if u2 := unit(b[i+2:], enc); u2 >= 0xdc00 && u2 <= 0xdfff {
						r, n = utf16.DecodeRune(rune(u), rune(u2)), 4
					}
				}
			}
			if !printable(r) {
				end()
				i += 2
				continue
			}
			if start < 0 {
				start, w, units, zeros = i, 0, 0, 0
			}
			w += width(r)
			units++
			if u&0xff == 0 {
				zeros++
			}
			i += n
		}
		end()
	}
	return dst, runs
}

// appendInt appends the big-endian two's-complement integer b (1 to 8
// bytes) in decimal.
func appendInt(dst, b []byte) []byte {
	v := int64(int8(b[0]))
	for _, c := range b[1:] {
		v = v<<8 | int64(c)
	}
	return strconv.AppendInt(dst, v, 10)
}

// appendFloat appends the big-endian IEEE 754 double b in decimal,
// without an exponent where that is short (9012345678, 3.25), with one
// where not (1e+300).
func appendFloat(dst, b []byte) []byte {
	f := math.Float64frombits(binary.BigEndian.Uint64(b))
	if a := math.Abs(f); a == 0 || (a >= 1e-4 && a < 1e21) {
		return strconv.AppendFloat(dst, f, 'f', -1, 64)
	}
	return strconv.AppendFloat(dst, f, 'g', -1, 64)
}
