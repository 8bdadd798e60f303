package printable

// utf8Scanner finds runs of printable ASCII and UTF-8: a SQLite page, a
// text section of a binary, JSON inside an unknown container.
type utf8Scanner struct {
	runBuf
	pos int64 // the offset of the next character
}

func (s *utf8Scanner) scan(win []byte, base, limit int64) {
	i, lim := int(s.pos-base), int(limit-base)
	// The loop keeps the run in st (where its bytes in win start) and w
	// (its width; 0 when there is none), and has no branch on ASCII:
	// random bytes, half of them ASCII, would mispredict one.
	st, w := i, s.width
	if s.start >= 0 {
		st = s.start
	}
	end := min(lim, len(win)-1) // utf8Pairs looks at two bytes
	minRun, carried := s.minRun, len(s.text) > 0
	for i < lim {
		var k int // 1 ASCII, 2 maybe UTF-8, 0 neither
		if i < end {
			k = int(utf8Pairs[uint16(win[i])<<8|uint16(win[i+1])])
		} else if asciiClass[win[i]] {
			k = 1 // the last byte of the input
		}
		if k == 2 {
			// The window holds lookahead bytes past limit, so a
			// character is cut only at the end of the input.
			if size, cw := utf8Char(win, i); size > 0 {
				w += cw
				i += size
				continue
			}
			k = 0
		}
		if k == 0 && (w >= minRun || carried) {
			s.start, s.width = st, w
			s.end(s, win, base, i)
			carried = false
		}
		// With masks, not multiplication: w and st are carried from
		// one byte to the next.
		m := -k // all ones for ASCII, zero for the rest
		w = (w + 1) & m
		st = st&m | (i+1)&^m
		i++
	}
	if w > 0 {
		s.start, s.width = st, w
		s.carry(s, win, base, i)
	} else {
		s.start, s.width = -1, 0
	}
	s.pos = base + int64(i)
}

func (s *utf8Scanner) finish(win []byte, base int64) {
	s.end(s, win, base, int(s.pos-base))
}

// utf8Lead and utf8Cont classify a byte and the byte after it, and
// utf8Pair combines them: 1 for the ASCII bytes of a run, 2 for a lead
// byte of UTF-8 followed by a continuation byte it allows, 0 for the
// rest. Three small tables and no branch for what random bytes mostly
// are.
var utf8Pairs = func() *[1 << 16]uint8 {
	var t [1 << 16]uint8
	for c := 0; c < 256; c++ {
		for d := 0; d < 256; d++ {
			t[c<<8|d] = utf8Pair[utf8Lead[c]|utf8Cont[d]]
		}
	}
	return &t
}()

var (
	utf8Lead = func() (t [256]uint8) {
		for c := range t {
			switch {
			case asciiClass[c]:
				t[c] = 1 << 2
			case 0xC2 <= c && c <= 0xF4:
				t[c] = 2 << 2
			}
			switch c {
			case 0xE0:
				t[c] = 3 << 2
			case 0xED:
				t[c] = 4 << 2
			case 0xF0:
				t[c] = 5 << 2
			case 0xF4:
				t[c] = 6 << 2
			}
		}
		return t
	}()
	utf8Cont = func() (t [256]uint8) {
		for c := 0x80; c <= 0xBF; c++ {
			switch {
			case c <= 0x8F:
				t[c] = 1
			case c <= 0x9F:
				t[c] = 2
			default:
				t[c] = 3
			}
		}
		return t
	}()
	utf8Pair = [7 << 2]uint8{
		1<<2 | 0: 1, 1<<2 | 1: 1, 1<<2 | 2: 1, 1<<2 | 3: 1, // ASCII, whatever follows
		2<<2 | 1: 2, 2<<2 | 2: 2, 2<<2 | 3: 2, // any continuation
		3<<2 | 3: 2,              // E0: A0-BF
		4<<2 | 1: 2, 4<<2 | 2: 2, // ED: 80-9F
		5<<2 | 2: 2, 5<<2 | 3: 2, // F0: 90-BF
		6<<2 | 1: 2, // F4: 80-8F
	}
)

func (s *utf8Scanner) appendChar(dst, win []byte, i int) ([]byte, int) {
	if win[i] < 0x80 {
		return append(dst, win[i]), 1
	}
	size, _ := utf8Char(win, i)
	return append(dst, win[i:i+size]...), size
}

// utf8Char returns the size and width of the printable UTF-8 character
// of two bytes or more at win[i], or size 0 if there is none.
func utf8Char(win []byte, i int) (size, width int) {
	c := win[i]
	var r rune
	switch {
	case c < 0xC2:
		return 0, 0
	case c < 0xE0:
		if i+1 >= len(win) || win[i+1]&0xC0 != 0x80 {
			return 0, 0
		}
		r, size = rune(c&0x1F)<<6|rune(win[i+1]&0x3F), 2
	case c < 0xF0:
		if i+2 >= len(win) || win[i+1]&0xC0 != 0x80 || win[i+2]&0xC0 != 0x80 {
			return 0, 0
		}
		r, size = rune(c&0x0F)<<12|rune(win[i+1]&0x3F)<<6|rune(win[i+2]&0x3F), 3
		if r < 0x800 || (0xD800 <= r && r < 0xE000) {
			return 0, 0 // overlong, surrogate
		}
	case c < 0xF5:
		if i+3 >= len(win) || win[i+1]&0xC0 != 0x80 || win[i+2]&0xC0 != 0x80 || win[i+3]&0xC0 != 0x80 {
			return 0, 0
		}
		r, size = rune(c&0x07)<<18|rune(win[i+1]&0x3F)<<12|rune(win[i+2]&0x3F)<<6|rune(win[i+3]&0x3F), 4
		if r < 0x10000 || r > 0x10FFFF || !isPrintable(r) {
			return 0, 0
		}
		if isWide(r) {
			return size, 2
		}
		return size, 1
	default:
		return 0, 0
	}
	if !printableBMP(r) {
		return 0, 0
	}
	if isWide(r) {
		return size, 2
	}
	return size, 1
}
