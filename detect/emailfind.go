package detect

import (
	"bytes"
	"unicode/utf8"
)

// Limits of an e-mail address (RFC 5321 section 4.5.3.1).
const (
	maxLocalBytes  = 64
	maxDomainBytes = 253
	maxLabelBytes  = 63
)

// emailLookback is how much text before an "@" the finder reads for its
// local part: 65 characters of up to 3 bytes (full-width forms), so a run
// that reaches back further is known to be too long, plus a character cut
// at the start.
const emailLookback = 256

// maxEmailSpan bounds the bytes of original text one address found by
// the finder covers: a local part and a domain, every character
// full-width.
const maxEmailSpan = 3 * (maxLocalBytes + 1 + maxDomainBytes + 1)

// Character classes of the e-mail finder, by ASCII byte.
const (
	clLocal  = 1 << iota // atext (RFC 5322 section 3.2.3) or "."
	clDomain             // letter, digit or "-"
	clAlnum              // letter or digit
)

var emailClass = func() (t [utf8.RuneSelf]uint8) {
	for c := 0; c < utf8.RuneSelf; c++ {
		alnum := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
		switch {
		case alnum:
			t[c] = clLocal | clDomain | clAlnum
		case c == '-':
			t[c] = clLocal | clDomain
		case bytes.IndexByte([]byte("!#$%&'*+/=?^_`{|}~."), byte(c)) >= 0:
			t[c] = clLocal
		}
	}
	return t
}()

// fullwidthAt is "＠" (U+FF20) in UTF-8.
var fullwidthAt = []byte("\uFF20")

// emailFinder finds e-mail addresses in UTF-8 text written to it in pieces
// of any size, in constant memory. It is an io.Writer for io.TeeReader and
// never fails.
//
// The full-width forms U+FF01–U+FF5E count as their ASCII letters, so
// "ｔａｒｏ＠ｇｍａｉｌ．ｃｏｍ" is taro@gmail.com; every other non-ASCII
// character separates. An address is local@domain:
//
//   - the local part is the run of atext characters and dots right before
//     the "@", at most 64 bytes (a longer run is no address, not a
//     shortened one); leading dots are dropped, but dots elsewhere are kept
//     as written, consecutive or just before the "@", because Japanese
//     mobile carriers long issued such addresses (taro..y.@docomo.ne.jp)
//     and they still work; quoted local parts are not looked for;
//   - the domain is the run of letters, digits, hyphens and single dots
//     after the "@", without its trailing dots and hyphens; it must have
//     at least two labels of 1–63 bytes that neither start nor end with a
//     hyphen, at most 253 bytes, and a last label (the top-level domain)
//     that starts with a letter, so a version such as lodash@4.17.21 and
//     a@b are no addresses. Two dots end it ("a@b.com..x" gives a@b.com).
//
// Addresses are reported lower-cased, with their byte range in the text:
// from the first character of the local part to the last letter or digit
// of the domain. Since a domain is made of local-part characters, the
// domain of one address may be the local part of the next
// ("a@b.com@c.com" gives a@b.com and b.com@c.com).
//
// Only the text just before each "@" is examined character by character,
// from a copy of the last emailLookback bytes written; the rest is skipped
// with bytes.IndexByte.
type emailFinder struct {
	found func(addr []byte, start, end int64)
	pos   int64 // offset in the text of the next byte written
	stop  bool  // set to ignore the rest of the text
	// done is the offset up to which the text has been fed to the state
	// below; tail holds the last tailLen (at most emailLookback) bytes
	// before pos.
	done    int64
	tail    [emailLookback]byte
	tailLen int

	// utf is how far an unfinished full-width character has been read: 0
	// (none), 1 (its lead byte 0xEF), or its second byte (0xBC or 0xBD);
	// utfOff is its offset.
	utf    byte
	utfOff int64

	// run holds the local-part characters just before the current
	// position, lower-cased, leading dots left out; runOver is set when
	// the run is longer than maxLocalBytes, or its start was skipped.
	run      [maxLocalBytes]byte
	runLen   int
	runOver  bool
	runStart int64

	// The address being read once an "@" follows a valid local part:
	// addr[:n] so far, the domain from addr[dom]; addr[:keep] ends with
	// the domain's last letter or digit, at offset end.
	inDomain   bool
	addr       [maxLocalBytes + 1 + maxDomainBytes + 1]byte
	n, dom     int
	keep       int
	domOver    bool
	lastDot    bool // the domain so far is empty or ends with "."
	start, end int64
}

// reset makes f ready for a new text.
func (f *emailFinder) reset() {
	found := f.found
	*f = emailFinder{found: found}
}

// Write feeds the next piece of text.
func (f *emailFinder) Write(p []byte) (int, error) {
	if f.stop {
		f.pos += int64(len(p))
		return len(p), nil
	}
	base := f.pos
	at, wide := -1, -1 // the next "@" and "＠" at or after i, or len(p)
	for i := 0; i < len(p); {
		if f.inDomain || f.utf != 0 {
			f.byte(p[i], base+int64(i))
			i++
			f.done = base + int64(i)
			continue
		}
		// Nothing open: only the text just before the next "@" matters.
		if at < i {
			at = indexFrom(p, i, bytes.IndexByte(p[i:], '@'))
		}
		if wide < i {
			wide = indexFrom(p, i, bytes.Index(p[i:], fullwidthAt))
		}
		k := min(at, wide)
		if k == len(p) {
			break
		}
		f.catchUp(p, base, k)
		f.byte(p[k], base+int64(k))
		i = k + 1
		f.done = base + int64(i)
	}
	// A "＠" may be cut at the end of p: read up to the end, and the rest
	// of the character comes with the next piece.
	if n := len(p); !f.inDomain && f.utf == 0 && n > 0 && (p[n-1] == 0xEF || n > 1 && p[n-2] == 0xEF && p[n-1] == 0xBC) {
		f.catchUp(p, base, n)
		f.done = base + int64(n)
	}
	f.remember(p)
	f.pos += int64(len(p))
	return len(p), nil
}

// catchUp feeds, before p[k], the text that has not been fed, up to
// emailLookback bytes back, from f.tail and p (which starts at offset
// base): what decides whether an "@" at p[k] follows a local part.
func (f *emailFinder) catchUp(p []byte, base int64, k int) {
	end := base + int64(k)
	from := max(end-emailLookback, f.done)
	if from > f.done {
		// The text before from is lost: if the run reaches from, it is
		// longer than a local part may be.
		f.runLen, f.runOver = 0, true
	}
	if from < base {
		t := f.tail[f.tailLen-int(base-from) : f.tailLen]
		for j, c := range t {
			f.byte(c, from+int64(j))
		}
		from = base
	}
	for j := int(from - base); j < k; j++ {
		f.byte(p[j], base+int64(j))
	}
}

// remember keeps the last emailLookback bytes of the text in f.tail.
func (f *emailFinder) remember(p []byte) {
	if len(p) >= emailLookback {
		f.tailLen = copy(f.tail[:], p[len(p)-emailLookback:])
		return
	}
	keep := min(f.tailLen, emailLookback-len(p))
	copy(f.tail[:keep], f.tail[f.tailLen-keep:f.tailLen])
	f.tailLen = keep + copy(f.tail[keep:], p)
}

// indexFrom turns j, an index in p[i:] or -1, into an index in p, or
// len(p).
func indexFrom(p []byte, i, j int) int {
	if j < 0 {
		return len(p)
	}
	return i + j
}

// flush ends the text: an address at its very end is reported.
func (f *emailFinder) flush() {
	if f.stop {
		return
	}
	if f.utf != 0 {
		f.utf = 0
		f.char(0, f.utfOff, 1)
	}
	f.char(0, f.pos, 1)
}

// byte feeds one byte at offset off, folding the full-width forms.
func (f *emailFinder) byte(c byte, off int64) {
	switch f.utf {
	case 0:
		switch {
		case c < utf8.RuneSelf:
			f.char(c, off, 1)
		case c == 0xEF:
			f.utf, f.utfOff = 1, off
		default:
			f.char(0, off, 1) // any other non-ASCII byte separates
		}
		return
	case 1:
		if c == 0xBC || c == 0xBD {
			f.utf = c
			return
		}
	case 0xBC: // U+FF00–U+FF3F
		if 0x81 <= c && c <= 0xBF {
			f.utf = 0
			f.char(c-0x80+0x20, f.utfOff, 3)
			return
		}
	case 0xBD: // U+FF40–U+FF7F
		if 0x80 <= c && c <= 0x9E {
			f.utf = 0
			f.char(c-0x80+0x60, f.utfOff, 3)
			return
		}
	}
	// Not a full-width form: what was read of it separates.
	f.utf = 0
	f.char(0, f.utfOff, 1)
	f.byte(c, off)
}

// char feeds one character: c is its ASCII form, or 0 for a separator; it
// comes from w bytes at offset off.
func (f *emailFinder) char(c byte, off int64, w int) {
	var cl uint8
	if c < utf8.RuneSelf {
		cl = emailClass[c]
	}
	if f.inDomain {
		switch {
		case cl&clDomain != 0:
			f.domainByte(lower(c), cl&clAlnum != 0)
			f.lastDot = false
			if cl&clAlnum != 0 && !f.domOver {
				f.keep, f.end = f.n, off+int64(w)
			}
		case c == '.' && !f.lastDot:
			f.domainByte('.', false)
			f.lastDot = true
		default:
			f.endDomain()
		}
	}
	switch {
	case c == '@':
		if f.runLen > 0 && !f.runOver {
			n := copy(f.addr[:], f.run[:f.runLen])
			f.addr[n] = '@'
			f.n, f.dom, f.keep = n+1, n+1, 0
			f.inDomain, f.domOver, f.lastDot = true, false, true
			f.start = f.runStart
		}
		f.runLen, f.runOver = 0, false
	case cl&clLocal != 0:
		switch {
		case c == '.' && f.runLen == 0:
			// A leading dot is punctuation, not the address.
		case f.runLen == maxLocalBytes:
			f.runOver = true
		default:
			if f.runLen == 0 {
				f.runStart = off
			}
			f.run[f.runLen] = lower(c)
			f.runLen++
		}
	default:
		f.runLen, f.runOver = 0, false
	}
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// domainByte adds c to the domain. Past the room for the longest domain
// and a trailing dot, a letter or digit makes it too long, but a dot or
// hyphen may be one of those trailing the domain, which are left out.
func (f *emailFinder) domainByte(c byte, alnum bool) {
	if f.n == len(f.addr) {
		f.domOver = f.domOver || alnum
		return
	}
	f.addr[f.n] = c
	f.n++
}

// endDomain ends the domain being read and reports the address if it is
// one.
func (f *emailFinder) endDomain() {
	f.inDomain = false
	if f.domOver || f.keep <= f.dom || !validDomain(f.addr[f.dom:f.keep]) {
		return
	}
	if f.found != nil {
		f.found(f.addr[:f.keep], f.start, f.end)
	}
}

// validDomain reports whether d, lower-case letters, digits, hyphens and
// single dots ending with a letter or digit, is a domain the finder
// reports (see emailFinder).
func validDomain(d []byte) bool {
	if len(d) > maxDomainBytes {
		return false
	}
	labels := 0
	for len(d) > 0 {
		label := d
		if i := bytes.IndexByte(d, '.'); i >= 0 {
			label, d = d[:i], d[i+1:]
		} else {
			d = nil
		}
		if len(label) == 0 || len(label) > maxLabelBytes || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		labels++
		if len(d) == 0 && !('a' <= label[0] && label[0] <= 'z') {
			return false // the top-level domain
		}
	}
	return labels >= 2
}
