package htmltext

import (
	"bytes"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"
)

// appendUnescaped appends s to dst with its character references decoded
// as the tokenizer decodes them: in text (attr false) or in an attribute
// value (attr true). The two differ for a named reference without ";":
// in text "&notin" is "¬in" (the longest legacy name that is a prefix),
// in a value it stays as written unless the whole name is a legacy
// reference not followed by "=" (so "?a=1&copy=2" keeps its "&copy").
// html.UnescapeString implements the text rules; the value rules are
// derived from it, reference by reference.
func appendUnescaped(dst, s []byte, attr bool) []byte {
	for {
		i := bytes.IndexByte(s, '&')
		if i < 0 {
			return append(dst, s...)
		}
		dst = append(dst, s[:i]...)
		s = s[i:]
		n := refLen(s)
		ref := s[:n]
		s = s[n:]
		switch {
		case n == 1:
			dst = append(dst, '&')
		case !attr || ref[1] == '#':
			dst = append(dst, html.UnescapeString(string(ref))...)
		case ref[n-1] == ';':
			dec := html.UnescapeString(string(ref))
			// A name with ";" that is not a reference decodes (in text)
			// to a legacy prefix and the rest of the name, ";" included.
			if !strings.HasSuffix(dec, ";") || string(ref) == "&semi;" {
				dst = append(dst, dec...)
			} else {
				dst = append(dst, ref...)
			}
		case len(s) > 0 && s[0] == '=':
			dst = append(dst, ref...)
		default:
			if legacyRef(ref) {
				dst = append(dst, html.UnescapeString(string(ref))...)
			} else {
				dst = append(dst, ref...)
			}
		}
	}
}

// legacyRef reports whether ref, "&" and a name without ";", is one of
// the legacy references that are complete without a semicolon ("&amp",
// "&copy"). Every legacy name also exists with ";", and decodes alike;
// a name that only has a legacy prefix ("&ampx", "&notin") decodes
// differently with and without the ";".
func legacyRef(ref []byte) bool {
	s := string(ref)
	dec := html.UnescapeString(s)
	return dec != s && dec == html.UnescapeString(s+";")
}

// refLen returns the length of the character reference candidate at the
// start of s, which begins with "&": "&#", an optional "x", hex digits and
// an optional ";", or "&", letters and digits and an optional ";". A
// candidate may be longer than what a decoder takes ("&#12ab"); the rest
// is kept as written by the decoder, so that is harmless.
func refLen(s []byte) int {
	i := 1
	if i < len(s) && s[i] == '#' {
		i++
		if i < len(s) && (s[i] == 'x' || s[i] == 'X') {
			i++
		}
		for i < len(s) && isHex(s[i]) {
			i++
		}
	} else {
		for i < len(s) && isAlnum(s[i]) {
			i++
		}
	}
	if i > 1 && i < len(s) && s[i] == ';' {
		i++
	}
	return i
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c|0x20 && c|0x20 <= 'f'
}

func isAlnum(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c|0x20 && c|0x20 <= 'z'
}

func isAlpha(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'
}

// hasNonSpace reports whether b has a byte that is not HTML white space.
func hasNonSpace(b []byte) bool {
	for _, c := range b {
		if !isSpace(c) {
			return true
		}
	}
	return false
}

// appendNewlines appends s to dst with "\r\n" and "\r" turned into "\n",
// as the tokenizer's input preprocessing does.
func appendNewlines(dst, s []byte) []byte {
	for {
		i := bytes.IndexByte(s, '\r')
		if i < 0 {
			return append(dst, s...)
		}
		dst = append(dst, s[:i]...)
		dst = append(dst, '\n')
		s = s[i+1:]
		if len(s) > 0 && s[0] == '\n' {
			s = s[1:]
		}
	}
}

// replaceNUL returns b with each NUL byte replaced by U+FFFD, as the
// tokenizer does in comments, raw text, attribute values and foreign
// content. It returns b itself when there is none.
func replaceNUL(b []byte) []byte {
	if bytes.IndexByte(b, 0) < 0 {
		return b
	}
	return bytes.ReplaceAll(b, []byte{0}, []byte("\ufffd"))
}

// dropNUL returns b without its NUL bytes, as the tree builder drops them
// from HTML text. It may reuse b's storage.
func dropNUL(b []byte) []byte {
	if bytes.IndexByte(b, 0) < 0 {
		return b
	}
	out := b[:0]
	for _, c := range b {
		if c != 0 {
			out = append(out, c)
		}
	}
	return out
}

// runeStart returns the largest i <= n such that b[i:] starts at a rune
// boundary (looking back at most utf8.UTFMax bytes).
func runeStart(b []byte, n int) int {
	for i := n; i > 0 && i > n-utf8.UTFMax; i-- {
		if i == len(b) || utf8.RuneStart(b[i]) {
			return i
		}
	}
	return n
}
