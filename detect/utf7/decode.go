package utf7

import (
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/text/transform"
)

// Decoder converts UTF-7 to UTF-8. It is a transform.Transformer and its
// zero value is ready to use; Encoding.NewDecoder wraps one.
//
// Outside a shifted run every byte below 0x80 other than "+" is copied
// (RFC 2152 allows fewer characters directly, but mailers send "~", "\"
// and controls too). "+" starts a run of modified base64 (no "=" padding)
// holding UTF-16BE code units; "-" ends it and is absorbed, any other
// character that is not base64 ends it and is kept; "+-" is "+".
//
// It never fails. What is ill-formed becomes U+FFFD and is counted by
// Invalid: an 8-bit byte (one U+FFFD each), an unpaired surrogate, a run
// whose leftover bits are not zero or that ends in the middle of a code
// unit (one U+FFFD after the run's last good character). A "+" followed
// by neither base64 nor "-" is kept as "+" and counted.
//
// The state between calls is a few bytes: Transform consumes all of src
// whenever dst has room, so it never returns transform.ErrShortSrc.
type Decoder struct {
	shifted bool
	fresh   bool   // a run has just started: nothing in it yet
	nbits   uint8  // bits waiting in bits, fewer than 16
	bits    uint32 // the low nbits bits are pending
	high    uint16 // a high surrogate waiting for its low half, or 0
	invalid int
}

// Invalid returns how many ill-formed sequences were met since the last
// Reset.
func (d *Decoder) Invalid() int { return d.invalid }

// Reset implements transform.Transformer.
func (d *Decoder) Reset() { *d = Decoder{} }

// maxStep is the most one input byte makes: a run ended by an 8-bit byte
// gives U+FFFD for a waiting high surrogate, one for bad leftover bits,
// and one for the byte.
const maxStep = 3 * utf8.UTFMax

// Transform implements transform.Transformer.
func (d *Decoder) Transform(dst, src []byte, atEOF bool) (nDst, nSrc int, err error) {
	var buf [maxStep]byte
	for nSrc < len(src) {
		c := src[nSrc]
		if !d.shifted && c < utf8.RuneSelf && c != '+' {
			if nDst == len(dst) {
				return nDst, nSrc, transform.ErrShortDst
			}
			dst[nDst] = c
			nDst++
			nSrc++
			continue
		}
		if len(dst)-nDst >= maxStep {
			nDst += d.step(c, dst[nDst:])
			nSrc++
			continue
		}
		// Near the end of dst, work on a copy, so that nothing changes
		// when what c completes does not fit.
		s := *d
		n := s.step(c, buf[:])
		if n > len(dst)-nDst {
			return nDst, nSrc, transform.ErrShortDst
		}
		*d = s
		nDst += copy(dst[nDst:], buf[:n])
		nSrc++
	}
	if atEOF && d.shifted {
		s := *d
		n := s.endRun(buf[:])
		if n > len(dst)-nDst {
			return nDst, nSrc, transform.ErrShortDst
		}
		*d = s
		nDst += copy(dst[nDst:], buf[:n])
	}
	return nDst, nSrc, nil
}

// step takes one byte, writes what it completes to out (at least maxStep
// bytes) and returns how many bytes it wrote.
func (d *Decoder) step(c byte, out []byte) int {
	if !d.shifted {
		return d.direct(c, out)
	}
	if v := base64Value[c]; v >= 0 {
		d.fresh = false
		d.bits = d.bits<<6 | uint32(v)
		d.nbits += 6
		if d.nbits < 16 {
			return 0
		}
		d.nbits -= 16
		u := uint16(d.bits >> d.nbits)
		d.bits &= 1<<d.nbits - 1
		return d.unit(u, out)
	}
	if c == '-' && d.fresh { // "+-"
		d.shifted, d.fresh = false, false
		out[0] = '+'
		return 1
	}
	n := d.endRun(out)
	if c == '-' {
		return n
	}
	return n + d.direct(c, out[n:])
}

// direct handles a byte outside a run.
func (d *Decoder) direct(c byte, out []byte) int {
	switch {
	case c == '+':
		d.shifted, d.fresh = true, true
		d.bits, d.nbits = 0, 0
		return 0
	case c >= utf8.RuneSelf:
		d.invalid++
		return utf8.EncodeRune(out, utf8.RuneError)
	}
	out[0] = c
	return 1
}

// unit handles one UTF-16 code unit of a run.
func (d *Decoder) unit(u uint16, out []byte) int {
	n := 0
	if d.high != 0 {
		h := d.high
		d.high = 0
		if u >= 0xdc00 && u < 0xe000 {
			return utf8.EncodeRune(out, utf16.DecodeRune(rune(h), rune(u)))
		}
		d.invalid++ // a high surrogate without its low half
		n = utf8.EncodeRune(out, utf8.RuneError)
	}
	switch {
	case u >= 0xd800 && u < 0xdc00:
		d.high = u
		return n
	case u >= 0xdc00 && u < 0xe000:
		d.invalid++ // a low surrogate alone
		return n + utf8.EncodeRune(out[n:], utf8.RuneError)
	}
	return n + utf8.EncodeRune(out[n:], rune(u))
}

// endRun closes a run: a waiting high surrogate and leftover bits that do
// not make zero padding each become U+FFFD. A run that held nothing (a "+"
// followed by neither base64 nor "-") gives back its "+".
func (d *Decoder) endRun(out []byte) int {
	n := 0
	if d.fresh {
		d.invalid++
		out[0] = '+'
		n = 1
	}
	if d.high != 0 {
		d.invalid++
		n += utf8.EncodeRune(out[n:], utf8.RuneError)
	}
	if d.nbits >= 6 || d.bits != 0 {
		d.invalid++
		n += utf8.EncodeRune(out[n:], utf8.RuneError)
	}
	d.shifted, d.fresh = false, false
	d.bits, d.nbits, d.high = 0, 0, 0
	return n
}
