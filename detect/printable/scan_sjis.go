package printable

import "unicode/utf8"

// sjisLookahead is how far ahead sjisSkipFirst looks to choose between
// two readings of Shift_JIS bytes.
const sjisLookahead = 32

// sjisScanner finds runs of Shift_JIS text: ASCII and double-byte
// characters, with scores (see scoreRun) of at least scoreRun. Half-width
// katakana (single bytes 0xA1-0xDF) end a run: a quarter of all bytes are
// such, and with them random bytes read as long runs.
//
// A run that is also printable UTF-8 with characters above ASCII (but for
// the end of a character at its start and the start of one at its end) is
// left to utf8Scanner.
//
// Only double-byte characters next to another one score. Machine code
// reads as ASCII with a kanji here and there (x86 "mov" is 0x89 or 0x8B
// and a byte that makes a first-level kanji with it: "H記$0" is
// 48 8B 44 24 30), while Japanese words are two characters or more.
//
// Shift_JIS does not resynchronise: a stray lead byte before a string
// pairs with the string's first byte, and the reading stays one byte off
// until a trail byte that cannot lead. So where a stretch of double-byte
// characters starts, the scanner also reads it from one byte later and
// keeps the reading that goes further or scores higher (sjisSkipFirst).
type sjisScanner struct {
	runBuf
	pos     int64
	inDB    bool // the last character of the run was double-byte
	pending int  // the score of a double-byte character not yet counted

	// The run read as UTF-8, to drop it when it is that: Japanese UTF-8
	// reads as Shift_JIS too (繝 is E3 83), and utf8Scanner has it.
	u8next  int64 // the offset of the next UTF-8 character
	u8bad   bool  // the run so far is not printable UTF-8
	u8multi bool  // it has a character of two bytes or more
}

// decodeSJIS decodes the character at win[i]: its size in bytes (0 when
// none starts there) and score (0 for ASCII).
func decodeSJIS(win []byte, i int) (size, score int) {
	c := win[i]
	if asciiClass[c] {
		return 1, 0
	}
	l := sjisLead[c]
	if l < 0 || i+1 >= len(win) {
		return 0, 0
	}
	ch := sjisRunes[l][win[i+1]]
	if ch.r == 0 {
		return 0, 0
	}
	return 2, int(ch.score)
}

// sjisSkipFirst reports whether the double-byte stretch at win[i] reads
// better from i+1, win[i] being a stray byte. Both readings are followed
// until they meet at a character boundary, or one cannot go on, or
// sjisLookahead bytes are read: the reading that got further wins, else
// the one with the higher score, ASCII counting -1 (a reading one byte
// off takes trail bytes 0x40-0x7E for ASCII letters), else the one from
// i.
func sjisSkipFirst(win []byte, i int) bool {
	if i+1 >= len(win) || sjisLead[win[i+1]] < 0 {
		// The reading from i+1 starts with ASCII, and meets the one
		// from i right after it, having scored nothing.
		return false
	}
	end := min(len(win), i+sjisLookahead)
	a, b := i, i+1
	sa, sb := 0, 0
	for a != b {
		if a < b {
			if a >= end-1 {
				break
			}
			size, sc := decodeSJIS(win, a)
			if size == 0 {
				return true
			}
			a, sa = a+size, sa+sc+size-2
		} else {
			if b >= end-1 {
				break
			}
			size, sc := decodeSJIS(win, b)
			if size == 0 {
				return false
			}
			b, sb = b+size, sb+sc+size-2
		}
	}
	return sb > sa
}

func (s *sjisScanner) scan(win []byte, base, limit int64) {
	i, lim := int(s.pos-base), int(limit-base)
	for i < lim {
		checked := false
		if !s.active() {
			// Until two double-byte characters in a row, a run cannot
			// score: read up to them without counting, and go on from
			// there with the run they are in. This is the loop random
			// bytes spend their time in.
			var from int
			i, from, s.width = s.skip(win, i, lim)
			if s.width == 0 && i >= lim {
				break
			}
			s.start = from
			// The run reads as UTF-8 too if it does from inside a
			// character (up to three continuation bytes).
			j := from
			for j < from+3 && j < len(win) && win[j]&0xC0 == 0x80 {
				j++
			}
			s.u8next, s.u8bad, s.u8multi = base+int64(j), false, false
			s.readUTF8(win, base, i)
			if i >= lim {
				break
			}
			checked = true
		}
		size, score := decodeSJIS(win, i)
		if size == 2 && !s.inDB && !checked && sjisSkipFirst(win, i) {
			size = 0 // win[i] is stray; the next reading starts after it
		}
		if size == 0 {
			s.stop(win, base, i)
			i++
			continue
		}
		if s.start < 0 {
			s.start = i
		}
		if !s.u8bad {
			s.readUTF8(win, base, i+size)
		}
		if size == 2 {
			if s.inDB {
				s.score += s.pending + score
				s.pending = 0
			} else {
				s.pending = score
			}
		}
		s.inDB = size == 2
		s.width += size // a double-byte character is wide
		i += size
	}
	s.carry(s, win, base, i)
	s.pos = base + int64(i)
}

// skip reads the characters from win[i] up to two double-byte ones in a
// row (the first not a stray byte, see sjisSkipFirst), or lim. It returns
// where it stopped, and where the run going on there started and its
// width so far (0 if none).
func (s *sjisScanner) skip(win []byte, i, lim int) (at, from, width int) {
	from = i
	end := min(lim, len(win)-1) // a double-byte character needs two bytes
	for i < end {
		c := win[i]
		if isDouble(c, win[i+1]) {
			switch {
			case sjisSkipFirst(win, i):
				i++ // a stray byte: the run ends before it
				from, width = i, 0
				continue
			case i+3 < len(win) && isDouble(win[i+2], win[i+3]):
				return i, from, width
			}
			i += 2
			width += 2
			continue
		}
		// Without a branch: a byte other than ASCII ends the run.
		n := int(notASCII[c])
		from += (i + 1 - from) * n
		width = (width + 1) * (1 - n)
		i++
	}
	if i < lim { // the last byte of the input
		n := int(notASCII[win[i]])
		from += (i + 1 - from) * n
		width = (width + 1) * (1 - n)
		i++
	}
	return i, from, width
}

// isDouble reports whether c, d is a double-byte character of sjisRunes.
func isDouble(c, d byte) bool {
	code := uint16(c)<<8 | uint16(d)
	return sjisDouble[code>>6]&(1<<(code&63)) != 0
}

func (s *sjisScanner) finish(win []byte, base int64) {
	s.stop(win, base, int(s.pos-base))
}

// stop ends the run before win[i].
func (s *sjisScanner) stop(win []byte, base int64, i int) {
	if !s.u8bad && s.u8multi && s.u8next >= base+int64(i) {
		s.score = 0 // the last character may go on past the run
	}
	s.end(s, win, base, i)
	s.inDB, s.pending = false, 0
}

// readUTF8 reads the run as UTF-8 up to offset i of win, or past it to
// the end of a character.
func (s *sjisScanner) readUTF8(win []byte, base int64, i int) {
	for j := int(s.u8next - base); j < i; {
		c := win[j]
		switch {
		case asciiClass[c]:
			j++
		case c >= 0xC2:
			size, _ := utf8Char(win, j)
			if size == 0 {
				s.u8bad = true
				return
			}
			j += size
			s.u8multi = true
		default:
			s.u8bad = true
			return
		}
		s.u8next = base + int64(j)
	}
}

func (s *sjisScanner) appendChar(dst, win []byte, i int) ([]byte, int) {
	c := win[i]
	if c < 0x80 {
		return append(dst, c), 1
	}
	return utf8.AppendRune(dst, rune(sjisRunes[sjisLead[c]][win[i+1]].r)), 2
}
