package printable

import (
	"bytes"
	"unicode/utf8"
)

// UTF-16 text is read two ways. zeroScanner reads text whose every other
// byte is zero (ASCII and Latin-1 in UTF-16, in either byte order, which
// Windows binaries, .doc and .xls are full of) without asking which byte
// order or alignment it has, so each such string comes out once.
// utf16Scanner reads code units at one alignment in one byte order; four
// of them cover both alignments and both orders, and each emits only runs
// with characters beyond Latin-1 (kana, kanji, full-width forms, Latin
// Extended), so that plain ASCII does not come out five times.

// Latin-1 bytes that belong in a run of zeroScanner: printable ASCII,
// tab, and 0xA0-0xFF (U+00A0-U+00FF).
var zeroClass = func() (t [256]bool) {
	t['\t'] = true
	for c := 0x20; c < 0x7F; c++ {
		t[c] = true
	}
	for c := 0xA0; c <= 0xFF; c++ {
		t[c] = true
	}
	return t
}()

// zeroScanner finds runs in which zero bytes and printable Latin-1 bytes
// alternate, "T\0a\0r\0o\0" or "\0T\0a\0r\0o", and emits the printable
// bytes.
type zeroScanner struct {
	runBuf
	pos       int64
	afterZero bool // the run's last byte is a zero
}

func (s *zeroScanner) scan(win []byte, base, limit int64) {
	i, lim := int(s.pos-base), int(limit-base)
	for i < lim {
		c := win[i]
		switch {
		case c == 0:
			if s.afterZero {
				// Two zeros: the run ends before the second, which
				// may start the next.
				s.end(s, win, base, i)
			}
			if s.start < 0 {
				s.start = i
			}
			s.afterZero = true
			i++
		case zeroClass[c] && (s.afterZero || !s.active()):
			if s.start < 0 {
				s.start = i
			}
			s.width++
			s.afterZero = false
			i++
		default:
			// Two printable bytes, or another byte: the run ends.
			if s.active() {
				s.end(s, win, base, i)
			}
			s.afterZero = false
			if zeroClass[c] {
				continue // it starts the next run
			}
			// Until a zero comes, no run can go past one character:
			// go straight to the byte before the next zero.
			j := lim
			if z := bytes.IndexByte(win[i:lim], 0); z >= 0 {
				j = i + z
			}
			i = max(i+1, j-1)
		}
	}
	s.carry(s, win, base, i)
	s.pos = base + int64(i)
}

func (s *zeroScanner) finish(win []byte, base int64) {
	s.end(s, win, base, int(s.pos-base))
	s.afterZero = false
}

func (s *zeroScanner) end(c codec, win []byte, base int64, i int) {
	s.runBuf.end(c, win, base, i)
	s.afterZero = false
}

func (s *zeroScanner) appendChar(dst, win []byte, i int) ([]byte, int) {
	c := win[i]
	switch {
	case c == 0:
		return dst, 1
	case c < 0x80:
		return append(dst, c), 1
	}
	return utf8.AppendRune(dst, rune(c)), 1
}

// utf16Scanner finds runs of UTF-16 code units at one alignment (parity
// of the offset) in one byte order, with scores (see scoreRun) of at least
// scoreRun. ASCII and Latin-1 units score nothing (zeroScanner has them).
//
// The other alignment of ASCII in UTF-16 makes units 0xXX00, many of them
// valid kanji (0x6100 is 愀): a run with more of them than of other units
// that score is not emitted. Real text has few (一, 堀, 紀).
//
// ASCII text read as UTF-16 is ideographs too, each made of two printable
// ASCII bytes. Real names can be made of such units alone (山田 is
// "q\\0u" in UTF-16LE), so a stretch of these weak units scores only if
// it is not a piece of a longer ASCII string: the run does not go on with
// an ASCII unit on either side of it (the other alignment of "\0hello"
// reads 'h', then weak units), and at the ends of the run the bytes
// outside it are not printable ASCII. A short string of ASCII bytes
// between zeros may still read as a run (堀田 is "\0X0u", which is also
// what "\0X0u" is): a little noise, which is better than losing names.
type utf16Scanner struct {
	runBuf
	pos       int64 // the offset of the next unit; its parity is the scanner's
	bigEndian bool
	scoring   int  // units that score, other than 0xXX00
	zeroLow   int  // units 0xXX00
	weak      int  // the score of the stretch of weak units going on
	weakFrom  bool // that stretch may score, by what is before it
	narrow    bool // the last unit of the run is ASCII or Latin-1
	letters   int  // ASCII and Latin-1 letters in the run
	latin     bool // the run has a Latin Extended letter
}

func (s *utf16Scanner) unit(win []byte, i int) uint16 {
	if s.bigEndian {
		return uint16(win[i])<<8 | uint16(win[i+1])
	}
	return uint16(win[i]) | uint16(win[i+1])<<8
}

func (s *utf16Scanner) scan(win []byte, base, limit int64) {
	i, lim := int(s.pos-base), int(limit-base)
	lim = min(lim, len(win)-1) // a unit needs two bytes
	for ; i < lim; i += 2 {
		if !s.active() {
			// A run of one unit never has the score: go straight to two
			// units in a row (or a surrogate pair). This is the loop
			// random bytes spend their time in.
			i = s.skip(win, i, lim)
			if i >= lim {
				break
			}
		}
		v := s.unit(win, i)
		c := units16[v]
		if c&unitOK == 0 {
			if c&unitHigh != 0 && s.pair(win, i) {
				if s.start < 0 {
					s.start = i
				}
				s.endWeak(win, i, true)
				s.narrow = false
				s.score += scoreCommon
				s.scoring++
				s.width += 2
				i += 2
				continue
			}
			if s.active() {
				s.stop(win, base, i)
			}
			continue
		}
		fresh := !s.active() // the run starts here
		if s.start < 0 {
			s.start = i
		}
		s.width += 1 + int(c&unitWide>>1)
		sc := c.score()
		if sc != 0 && asciiClass[win[i]] && asciiClass[win[i+1]] {
			if s.weak == 0 {
				if fresh {
					s.weakFrom = i == 0 || !asciiClass[win[i-1]]
				} else {
					s.weakFrom = !s.narrow
				}
			}
			s.weak += sc
			s.scoring++
			s.narrow = false
			continue
		}
		// Latin Extended units count as ASCII here: "x\x01" is one.
		s.narrow = v < 0x250
		s.endWeak(win, i, !s.narrow)
		if v < 0x100 {
			s.letters += int(latin1Letter[v])
		} else if v < 0x250 {
			s.latin = true
		}
		switch {
		case v&0xFF == 0:
			if v>>8 != 0 {
				s.zeroLow++
				s.score += sc
			}
		case sc != 0:
			s.score += sc
			s.scoring++
		}
	}
	s.carry(s, win, base, i)
	s.pos = base + int64(i)
}

// skip returns the first unit from win[i] that may start a run worth
// reading: one followed by another unit of a run, or a surrogate pair; or
// lim.
func (s *utf16Scanner) skip(win []byte, i, lim int) int {
	if i+3 >= len(win) {
		return i
	}
	next := units16[s.unit(win, i)]
	for ; i < lim && i+3 < len(win); i += 2 {
		c := next
		next = units16[s.unit(win, i+2)]
		if c&unitHigh != 0 || c&unitOK != 0 && next&(unitOK|unitHigh) != 0 {
			return i
		}
	}
	return i
}

// pair reports whether the high surrogate at win[i] has a low one after
// it and the two make a printable character of planes 2 and 3 (the CJK
// extensions, where names such as 𠮷 live).
func (s *utf16Scanner) pair(win []byte, i int) bool {
	if i+3 >= len(win) {
		return false
	}
	lo := s.unit(win, i+2)
	if lo < 0xDC00 || lo >= 0xE000 {
		return false
	}
	r := 0x10000 + (rune(s.unit(win, i))-0xD800)<<10 + (rune(lo) - 0xDC00)
	return r >= 0x20000 && r < 0x40000 && isPrintable(r)
}

// endWeak ends a stretch of weak units before win[i], adding its score by
// the rule above; inRun tells whether the unit at i is one of the run's,
// other than an ASCII one.
func (s *utf16Scanner) endWeak(win []byte, i int, inRun bool) {
	if s.weak > 0 {
		if s.weakFrom && inRun {
			s.score += s.weak
		}
		s.weak = 0
	}
}

// stop ends the run before the unit at win[i] (i may be len(win)),
// settling its score by the rules above.
func (s *utf16Scanner) stop(win []byte, base int64, i int) {
	s.endWeak(win, i, i >= len(win) || !asciiClass[win[i]])
	if s.latin && s.letters >= 2 {
		s.score += scoreLatinWord
	}
	s.narrow, s.latin, s.letters = false, false, 0
	if s.zeroLow > s.scoring {
		s.score = 0
	}
	s.end(s, win, base, i)
	s.scoring, s.zeroLow = 0, 0
}

func (s *utf16Scanner) finish(win []byte, base int64) {
	s.stop(win, base, int(s.pos-base))
}

// latin1Letter is 1 for the letters of ASCII and Latin-1.
var latin1Letter = func() (t [256]uint8) {
	for c := range t {
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || c >= 0xC0 && c != 0xD7 && c != 0xF7 {
			t[c] = 1
		}
	}
	return t
}()

func (s *utf16Scanner) appendChar(dst, win []byte, i int) ([]byte, int) {
	v := rune(s.unit(win, i))
	if 0xD800 <= v && v < 0xDC00 {
		lo := rune(s.unit(win, i+2))
		return utf8.AppendRune(dst, 0x10000+(v-0xD800)<<10+(lo-0xDC00)), 4
	}
	return utf8.AppendRune(dst, v), 2
}
