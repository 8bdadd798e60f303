package detect

import (
	"sync"
	"unicode/utf8"
)

// This file keeps the recent original text of a segment, so a match can
// be checked against the characters around it: an e-mail must not be the
// tail of a longer address, and a name must not run across the end of a
// sentence. The normalized forms have lost those characters (a "." and a
// " " are both a separator there).

// recentBytes is how much original text a recent keeps. The matcher
// reports a match at most History bytes of a form after it began, plus
// one piece of the normalizer (16 KiB), and the text read ahead of the
// normalizer is at most one more piece: 64 KiB covers every match.
const recentBytes = 64 << 10

// recent is an io.Writer that keeps the last recentBytes of the text
// written to it, by offset.
type recent struct {
	buf []byte // ring of recentBytes; byte at offset o is buf[o%recentBytes]
	end int64  // offset of the next byte written
}

// recentBufs pools the rings: a relay scans many messages.
var recentBufs = sync.Pool{New: func() any { return new([recentBytes]byte) }}

func (r *recent) reset() { r.end = 0 }

// release returns the ring to the pool; r may be used again (it takes
// another).
func (r *recent) release() {
	if r.buf != nil {
		recentBufs.Put((*[recentBytes]byte)(r.buf))
		r.buf = nil
	}
	r.end = 0
}

func (r *recent) Write(p []byte) (int, error) {
	if r.buf == nil {
		r.buf = recentBufs.Get().(*[recentBytes]byte)[:]
	}
	n := len(p)
	if len(p) > recentBytes {
		r.end += int64(len(p) - recentBytes)
		p = p[len(p)-recentBytes:]
	}
	for len(p) > 0 {
		i := int(r.end % recentBytes)
		c := copy(r.buf[i:], p)
		p = p[c:]
		r.end += int64(c)
	}
	return n, nil
}

// has reports whether the bytes [from, to) are still kept.
func (r *recent) has(from, to int64) bool {
	return from >= 0 && from >= r.end-recentBytes && to <= r.end && from <= to
}

// byteAt returns the byte at offset o, which must be kept.
func (r *recent) byteAt(o int64) byte { return r.buf[o%recentBytes] }

// runeBefore returns the character that ends at offset o, or utf8.RuneError
// and false when none is kept (o is the start of the text, or too old).
func (r *recent) runeBefore(o int64) (rune, bool) {
	var b [utf8.UTFMax]byte
	n := 0
	for n < utf8.UTFMax && r.has(o-int64(n)-1, o) {
		n++
		for k := 0; k < n; k++ {
			b[k] = r.byteAt(o - int64(n) + int64(k))
		}
		if c, size := utf8.DecodeRune(b[:n]); c != utf8.RuneError && size == n {
			return c, true
		}
	}
	if n > 0 {
		return utf8.RuneError, true // a byte that is no character
	}
	return utf8.RuneError, false
}

// runeAt returns the character that starts at offset o; ok is false when
// the text does not reach there yet (more may be written).
func (r *recent) runeAt(o int64) (c rune, size int, ok bool) {
	var b [utf8.UTFMax]byte
	n := 0
	for n < utf8.UTFMax && r.has(o, o+int64(n)+1) {
		b[n] = r.byteAt(o + int64(n))
		n++
	}
	if n == 0 || !utf8.FullRune(b[:n]) {
		return utf8.RuneError, 0, false
	}
	c, size = utf8.DecodeRune(b[:n])
	return c, size, true
}

// asciiForm maps the full-width forms U+FF01–U+FF5E to their ASCII
// characters, as NFKC does; other characters are returned as they are.
func asciiForm(c rune) rune {
	if 0xFF01 <= c && c <= 0xFF5E {
		return c - 0xFEE0
	}
	return c
}

func isASCIIAlnum(c rune) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// extendsLocalPart reports whether c, right before an e-mail address,
// would make it the tail of a longer address: a letter or digit (the
// normalized forms already keep those together), or one of the
// characters seen inside real local parts: . _ - +.
func extendsLocalPart(c rune) bool {
	c = asciiForm(c)
	return isASCIIAlnum(c) || c == '.' || c == '_' || c == '-' || c == '+'
}

// emailVerdict is what the characters around an e-mail match say.
type emailVerdict int

const (
	emailOK      emailVerdict = iota
	emailInside               // part of a longer address: not a match
	emailPending              // the text after it is not known yet
)

// emailAround checks the original text around an e-mail matched at
// [start, end) of the current segment. An address from the list matches
// unless a local-part character comes right before it, or the character
// after it could continue its domain: a hyphen, or a dot followed by a
// letter, digit or hyphen ("taro@example.co.jp.evil.com"). Anything else
// after it ends the address, whatever SMTPUTF8 allows in other
// addresses: a space, punctuation, Japanese text (は, 、, ）). atEnd says
// the segment is over, so nothing more follows.
func (st *scanState) emailAround(start, end int64, atEnd bool) emailVerdict {
	rc := &st.recent
	if c, ok := rc.runeBefore(start); ok && extendsLocalPart(c) {
		return emailInside
	}
	c, size, ok := rc.runeAt(end)
	if !ok {
		if atEnd || !rc.has(end, end) {
			return emailOK
		}
		return emailPending
	}
	switch asciiForm(c) {
	case '-', '_':
		return emailInside
	case '.':
		c2, _, ok := rc.runeAt(end + int64(size))
		if !ok {
			if atEnd {
				return emailOK
			}
			return emailPending
		}
		if c2 = asciiForm(c2); isASCIIAlnum(c2) || c2 == '-' {
			return emailInside
		}
	}
	return emailOK
}

// sentenceEnd reports whether c ends a sentence or clause: a name does
// not run across it ("a grant; hill walkers" does not name Grant Hill).
// Commas, middle dots, slashes and line breaks are not in it: CSV files
// put a family name and a given name in columns of their own, and names
// are written 山田・太郎 and "Hill, Grant".
func sentenceEnd(c rune) bool {
	switch c {
	case '.', ';', ':', '!', '?', '。', '．', '；', '：', '！', '？', '｡':
		return true
	}
	return false
}

// crossesSentence reports whether the original text [start, end) holds a
// character that ends a sentence. Text no longer kept counts as not.
func (st *scanState) crossesSentence(start, end int64) bool {
	rc := &st.recent
	if !rc.has(start, end) {
		return false
	}
	for o := start; o < end; o++ {
		b := rc.byteAt(o)
		switch {
		case b == '.' || b == ';' || b == ':' || b == '!' || b == '?':
			return true
		case b >= 0xE0:
			// The sentence ends above are all 3-byte characters.
			if c, _, ok := rc.runeAt(o); ok && sentenceEnd(c) {
				return true
			}
		}
	}
	return false
}
