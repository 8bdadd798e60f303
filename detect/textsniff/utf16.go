package textsniff

// units16 counts the kinds of code units in UTF-16 text.
type units16 struct {
	n      int // code units, a surrogate pair counting as two
	narrow int // high byte 0: ASCII and Latin-1, printable or tab/CR/LF/FF
	kana   int // CJK punctuation, kana, full-width and half-width forms
	cjk    int // CJK ideographs
	other  int // other printable characters
	bad    int // controls, NUL units, unpaired surrogates, noncharacters

	// Signs of 8-bit text read as UTF-16: its letter pairs are
	// ideographs whose two bytes are both ASCII, and a NUL in it
	// makes a unit with a zero low byte.
	asciiPair int // ideographs of two printable ASCII bytes
	zeroLow   int // units 0xXX00 other than 0x0000
}

// count16 reads b as UTF-16 in the given byte order. When whole is false,
// an odd byte or a high surrogate cut at the end is ignored. It stops
// early once the units cannot be plausible.
func count16(b []byte, whole, bigEndian bool) units16 {
	var u units16
	unit := func(i int) rune {
		if bigEndian {
			return rune(b[i])<<8 | rune(b[i+1])
		}
		return rune(b[i]) | rune(b[i+1])<<8
	}
	n := len(b) &^ 1
	for i := 0; i < n; i += 2 {
		if (u.other+u.bad)*10 > n/2 {
			u.n = n / 2 // fewer than nine in ten can be good now
			return u
		}
		r := unit(i)
		u.n++
		if r&0xFF == 0 && r != 0 {
			u.zeroLow++
		}
		switch hi := r >> 8; {
		case hi == 0:
			if isControl(r) || r == 0 {
				u.bad++
			} else {
				u.narrow++
			}
		case hi == 0x30, hi == 0xFF:
			// CJK punctuation, kana, full-width and half-width forms.
			if r == 0xFFFE || r == 0xFFFF {
				u.bad++
			} else {
				u.kana++
			}
		case 0x34 <= hi && hi <= 0x9F, hi == 0xF9, hi == 0xFA:
			// CJK ideographs (extension A, unified, compatibility).
			u.cjk++
			if lo := r & 0xFF; hi < 0x7F && 0x20 <= lo && lo < 0x7F {
				u.asciiPair++
			}
		case 0xD8 <= hi && hi <= 0xDB:
			if i+2 >= n {
				if whole {
					u.bad++
				}
				continue
			}
			lo := unit(i + 2)
			if lo < 0xDC00 || lo >= 0xE000 {
				u.bad++
				continue
			}
			i += 2
			u.n++
			// Planes 2 and 3 are ideographs; the rest says little.
			if r := 0x10000 + (r-0xD800)<<10 + (lo - 0xDC00); 0x20000 <= r && r < 0x40000 {
				u.cjk += 2
			} else {
				u.other += 2
			}
		case 0xDC <= hi && hi <= 0xF8:
			u.bad++ // a lone low surrogate, private use
		default:
			u.other++
		}
	}
	return u
}

// plausible reports whether the counts are those of text: no more than one
// bad unit in twenty, and nine in ten units either narrow (ASCII, Latin-1)
// or Japanese. Other scripts are printable but say little: random bytes
// read as UTF-16 are mostly printable characters of some script.
//
// 8-bit text read as UTF-16 is mostly ideographs, so two more tests: no
// more than one unit in five of the form 0xXX00 (the other byte order of
// ASCII; real text has few, such as U+4E00), and no more than three
// ideographs in four made of two ASCII bytes (about one in four is, in
// Japanese text; all are, in ASCII letters read in pairs).
func (u units16) plausible() bool {
	return u.n >= 2 && u.bad*20 < u.n && (u.narrow+u.kana+u.cjk)*10 >= u.n*9 &&
		u.zeroLow*5 <= u.n && u.asciiPair*4 <= u.cjk*3
}

// score orders the two byte orders of the same bytes: ASCII, line ends and
// kana are strong evidence; ideographs are not, since most byte pairs,
// swapped, are an ideograph too.
func (u units16) score() int { return 2*(u.narrow+u.kana) + u.cjk - 4*u.bad }

// judgeUTF16 judges b, which followed a byte-order mark, as UTF-16 in the
// given byte order.
func judgeUTF16(b []byte, whole, bigEndian bool) Result {
	enc := UTF16LE
	if bigEndian {
		enc = UTF16BE
	}
	if whole && len(b)%2 == 1 {
		return notText(ReasonUndecodable)
	}
	u := count16(b, whole, bigEndian)
	if u.n == 0 {
		return text(enc, ReasonBOM) // a BOM alone
	}
	if u.bad*20 >= u.n {
		return notText(ReasonControl)
	}
	return text(enc, ReasonBOM)
}

// sniffUTF16 tells whether b, without a byte-order mark, is UTF-16 text,
// and in which byte order. Mostly-ASCII text has a zero in every high
// byte; Japanese text has code units in the kana and kanji blocks. Binary
// with many zero bytes (executables, bitmaps) fails because its zero units
// and control units are bad, and its other units are seldom narrow or
// Japanese.
func sniffUTF16(b []byte, whole bool) (Result, bool) {
	if whole && len(b)%2 == 1 {
		return Result{}, false
	}
	le := count16(b, whole, false)
	be := count16(b, whole, true)
	if le.narrow+le.kana == 0 && be.narrow+be.kana == 0 && le.n < 4 {
		return Result{}, false // two ideographs and nothing else: too little to go on
	}
	okLE, okBE := le.plausible(), be.plausible()
	switch {
	case okLE && (!okBE || le.score() >= be.score()):
		return text(UTF16LE, ReasonUTF16), true
	case okBE:
		return text(UTF16BE, ReasonUTF16), true
	}
	return Result{}, false
}
