package normalize

import (
	"slices"
	"unicode"
	"unicode/utf8"
)

// Default-ignorable code points (Unicode's Default_Ignorable_Code_Point:
// soft hyphen, zero-width space and joiners, bidi controls, variation
// selectors, tag characters, Hangul fillers...) are invisible, so they can
// hide a value from a matcher: "ta\u00ADro@example.com", "山\uFE0F田太郎".
// Both forms and the phone finder drop them, after NFKC (which turns
// U+3164 and U+FFA0 into U+1160, ignorable too), as if they were not in
// the text.
//
// Go's unicode package has no table for the property, so it is derived as
// DerivedCoreProperties.txt does: Other_Default_Ignorable_Code_Point + Cf
// + Variation_Selector - White_Space - FFF9..FFFB (interlinear annotation)
// - 13430..13440 (the Egyptian hieroglyph format controls 13430..1343F, and
// U+13440, a mark, which the file's range takes in since Unicode 15) -
// Prepended_Concatenation_Mark (U+0600 ARABIC NUMBER SIGN and the like,
// which are visible).

// ignorableHigh holds the default-ignorable ranges above the BMP, sorted;
// the bmpIgnorable flag marks those in the BMP.
var ignorableHigh []runeRange

type runeRange struct{ lo, hi rune }

// initIgnorable sets bmpIgnorable and fills ignorableHigh; initTables
// calls it.
func initIgnorable() {
	var high []rune
	for _, t := range []*unicode.RangeTable{unicode.Other_Default_Ignorable_Code_Point, unicode.Cf, unicode.Variation_Selector} {
		eachRune(t, func(r rune) {
			switch {
			case 0xFFF9 <= r && r <= 0xFFFB, 0x13430 <= r && r <= 0x13440:
				return
			case unicode.In(r, unicode.White_Space, unicode.Prepended_Concatenation_Mark):
				return
			case r < 1<<16:
				bmp[r] |= bmpIgnorable
			default:
				high = append(high, r)
			}
		})
	}
	slices.Sort(high)
	for _, r := range high {
		if k := len(ignorableHigh) - 1; k >= 0 && ignorableHigh[k].hi+1 >= r {
			ignorableHigh[k].hi = max(ignorableHigh[k].hi, r)
			continue
		}
		ignorableHigh = append(ignorableHigh, runeRange{r, r})
	}
}

// eachRune calls f with every rune of t.
func eachRune(t *unicode.RangeTable, f func(rune)) {
	for _, g := range t.R16 {
		for r := rune(g.Lo); r <= rune(g.Hi); r += rune(g.Stride) {
			f(r)
		}
	}
	for _, g := range t.R32 {
		for r := rune(g.Lo); r <= rune(g.Hi); r += rune(g.Stride) {
			f(r)
		}
	}
}

// isIgnorable reports whether r is a default-ignorable code point, which
// the forms and the phone finder drop. The tables must be initialized.
func isIgnorable(r rune) bool {
	if uint32(r) < 1<<16 {
		return bmp[r]&bmpIgnorable != 0
	}
	for _, g := range ignorableHigh {
		if r < g.lo {
			return false
		}
		if r <= g.hi {
			return true
		}
	}
	return false
}

// skipIgnorable returns the offset of the first rune of p at or after i
// that is not default-ignorable (or len(p)).
func skipIgnorable(p []byte, i int) int {
	for i < len(p) {
		r, size := utf8.DecodeRune(p[i:])
		if !isIgnorable(r) {
			break
		}
		i += size
	}
	return i
}

// withoutIgnorable appends p without its default-ignorable runes to dst.
func withoutIgnorable(dst, p []byte) []byte {
	for i := 0; i < len(p); {
		r, size := utf8.DecodeRune(p[i:])
		if !isIgnorable(r) {
			dst = append(dst, p[i:i+size]...)
		}
		i += size
	}
	return dst
}
