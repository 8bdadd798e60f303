package printable

import (
	"bytes"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding/japanese"
)

// Random bytes read as Shift_JIS or UTF-16 are full of valid kanji. What
// tells text from them is which characters: kana and the first-level
// kanji of JIS X 0208 make up most Japanese text and only a small part of
// the code space, while most of a random reading is second-level kanji
// and symbols. So each character of these encodings has a score, and a
// run must reach scoreRun: two first-level kanji (山田), a kana and a
// second-level kanji, a Latin Extended letter in a word. The name forms
// that are second-level or extension kanji (渡邉, 齋藤, 髙橋) score as
// first-level. On random bytes this keeps the Shift_JIS reading to about
// 6% of the input and each UTF-16 reading to about 1%; on an x86-64
// shared library, to 1.5% and 1%.
const scoreRun = 4

// Scores of characters.
const (
	scoreKana   = 3 // hiragana, katakana
	scoreCommon = 2 // first-level kanji, name forms, CJK punctuation
	scoreRare   = 1 // second-level and extension kanji, full-width forms in UTF-16
	scoreLatin  = 1 // Latin Extended letters (Ł, ř)
	// A UTF-16 run with a Latin Extended letter and two ASCII or Latin-1
	// letters scores this much more: Łukasz and Dvořák are runs, while
	// "x\x01" bytes, which read as Latin Extended, seldom make one.
	scoreLatinWord = 3
)

// nameKanji are second-level (or CP932 extension) kanji common in names.
const nameKanji = "邉邊齋齊濱﨑髙澤廣櫻眞惠實藏國德渕彌"

// The tables are built once, on first use, from golang.org/x/text's
// Shift_JIS decoder (which is CP932: JIS X 0208 with the NEC and IBM
// extensions).
var (
	tablesOnce sync.Once
	// sjisRunes maps a Shift_JIS lead byte's index (sjisLead) and a trail
	// byte to the character and its score, 0 when the pair is not mapped.
	// User-defined codes (lead 0xF0-0xF9) and private-use mappings are
	// left out.
	sjisRunes [sjisLeads][256]sjisChar
	// units16 classifies UTF-16 code units.
	units16 [1 << 16]unitClass
	// sjisDouble has a bit set for each mapped double-byte code of
	// sjisRunes, indexed by lead<<8 | trail.
	sjisDouble [1 << 16 / 64]uint64
	// printable16 has a bit set for each printable character of the
	// Basic Multilingual Plane (isPrintable).
	printable16 [1 << 16 / 64]uint64
)

type sjisChar struct {
	r     uint16
	score uint8
}

// sjisLeads is the number of Shift_JIS lead bytes: 0x81-0x9F, 0xE0-0xFC.
const sjisLeads = 31 + 29

// sjisLead is a byte's index among the Shift_JIS lead bytes, or -1.
var sjisLead = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	n := int8(0)
	for c := 0x81; c <= 0xFC; c++ {
		if c <= 0x9F || c >= 0xE0 {
			t[c] = n
			n++
		}
	}
	return t
}()

// unitClass is what a UTF-16 code unit is to utf16Scanner: bit 0 OK (part
// of a run), bit 1 wide (counts 2 towards MinRun), bit 2 a high surrogate
// (part of a run if a low one follows), bits 4-7 its score.
type unitClass uint8

const (
	unitOK   unitClass = 1 << 0
	unitWide unitClass = 1 << 1
	unitHigh unitClass = 1 << 2
)

func (c unitClass) score() int { return int(c >> 4) }

func class(r rune, score int) unitClass {
	c := unitOK | unitClass(score)<<4
	if isWide(r) {
		c |= unitWide
	}
	return c
}

// sjisScore is the score of the Shift_JIS character code.
func sjisScore(code uint16, r rune) int {
	switch {
	case 0x829F <= code && code <= 0x82F1, 0x8340 <= code && code <= 0x8396:
		return scoreKana
	case 0x8140 <= code && code <= 0x81AC, 0x824F <= code && code <= 0x829A, 0x889F <= code && code <= 0x9872:
		return scoreCommon
	case bytes.ContainsRune([]byte(nameKanji), r):
		return scoreCommon
	case unicode.Is(unicode.Han, r):
		return scoreRare
	}
	return 0 // Greek, Cyrillic, box drawing, circled numbers, ...
}

func buildTables() {
	for r := rune(0); r < 1<<16; r++ {
		if isPrintable(r) {
			printable16[r>>6] |= 1 << (r & 63)
		}
	}
	skip := func(lead int) bool { return sjisLead[lead] < 0 || (0xF0 <= lead && lead <= 0xF9) }
	var in []byte
	for lead := 0x81; lead <= 0xFC; lead++ {
		if skip(lead) {
			continue
		}
		for trail := 0x40; trail <= 0xFC; trail++ {
			if trail != 0x7F {
				in = append(in, byte(lead), byte(trail), '\n')
			}
		}
	}
	out, err := japanese.ShiftJIS.NewDecoder().Bytes(in)
	if err != nil {
		panic("printable: Shift_JIS table: " + err.Error()) // the decoder does not fail
	}
	pieces := bytes.Split(out, []byte("\n"))
	k := 0
	for lead := 0x81; lead <= 0xFC; lead++ {
		if skip(lead) {
			continue
		}
		for trail := 0x40; trail <= 0xFC; trail++ {
			if trail == 0x7F {
				continue
			}
			p := pieces[k]
			k++
			r, size := utf8.DecodeRune(p)
			if size != len(p) || r > 0xFFFF || !isPrintable(r) {
				continue
			}
			sc := sjisScore(uint16(lead)<<8|uint16(trail), r)
			sjisRunes[sjisLead[lead]][trail] = sjisChar{uint16(r), uint8(sc)}
			code := lead<<8 | trail
			sjisDouble[code>>6] |= 1 << (code & 63)
			if units16[r] == 0 || units16[r].score() < sc {
				units16[r] = class(r, sc) // CP932 has a few characters twice
			}
		}
	}

	// ASCII and Latin-1 score nothing: zeroScanner finds them.
	units16['\t'] = unitOK
	for r := 0x20; r < 0x7F; r++ {
		units16[r] = unitOK
	}
	for r := 0xA0; r <= 0xFF; r++ {
		units16[r] = unitOK
	}
	set := func(lo, hi rune, score int) {
		for r := lo; r <= hi; r++ {
			if isPrintable(r) {
				units16[r] = class(r, score)
			}
		}
	}
	set(0x0100, 0x024F, scoreLatin) // Latin Extended-A and -B
	set(0x2010, 0x205E, 0)          // general punctuation
	set(0x3000, 0x303F, scoreCommon)
	set(0x3040, 0x30FF, scoreKana)
	// Full-width ASCII and half-width katakana score little: machine
	// code is full of 0xFF bytes, and "H\xff" is U+FF48, "ｈ".
	set(0xFF01, 0xFF9F, scoreRare)
	set(0xFFA0, 0xFFEF, 0)
	for r := 0xD800; r < 0xDC00; r++ {
		units16[r] = unitHigh
	}
}

// isWide reports whether r is an East Asian wide character: kanji, kana,
// Hangul, full-width forms. These count 2 towards MinRun, so a two-kanji
// name is a run of 4.
func isWide(r rune) bool {
	switch {
	case r < 0x1100:
		return false
	case 0x2E80 <= r && r <= 0xA4CF && r != 0x303F,
		0xAC00 <= r && r <= 0xD7A3,
		0xF900 <= r && r <= 0xFAFF,
		0xFE30 <= r && r <= 0xFE4F,
		0xFF00 <= r && r <= 0xFF60,
		0xFFE0 <= r && r <= 0xFFE6,
		0x20000 <= r && r <= 0x3FFFD:
		return true
	}
	return false
}

// isPrintable reports whether the character r, above ASCII, belongs in a
// run: graphic, and neither private use nor U+FFFD.
func isPrintable(r rune) bool {
	if r == utf8.RuneError || (0xE000 <= r && r <= 0xF8FF) || r >= 0xF0000 {
		return false
	}
	return unicode.IsGraphic(r)
}

// printableBMP is isPrintable for r below 0x10000, by table.
func printableBMP(r rune) bool { return printable16[r>>6]&(1<<(r&63)) != 0 }

// notASCII is 1 for the bytes asciiClass does not mark.
var notASCII = func() (t [256]uint8) {
	for c := range t {
		if !asciiClass[c] {
			t[c] = 1
		}
	}
	return t
}()

// asciiClass marks the ASCII bytes that belong in a run: printable ones
// and tab.
var asciiClass = func() (t [256]bool) {
	t['\t'] = true
	for c := 0x20; c < 0x7F; c++ {
		t[c] = true
	}
	return t
}()
