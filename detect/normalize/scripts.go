package normalize

import "unicode"

// The spaced form puts a space between a CJK word rune (Han, hiragana,
// katakana) and a word rune of another script next to it, because Japanese
// text glues Latin words, IDs and addresses to the words around it: a
// customer's "taro@example.co.jp" must be found, as " taro example co jp ",
// in "…taro@example.co.jpは先方の…". A mark belongs to the rune before it,
// so no space goes before one. The compact form has no spaces, so it is
// not concerned.

// isCJK reports whether r is a Han, hiragana or katakana rune (or the
// prolonged sound mark). In the spaced form a space separates such runes
// from the word runes of other scripts next to them.
func isCJK(r rune) bool {
	if r < 0x2E80 {
		return false
	}
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana) ||
		r == 0x30FC // KATAKANA-HIRAGANA PROLONGED SOUND MARK, script Common
}

// scriptBoundary adds the space that separates a CJK word rune from a word
// rune of another script in the spaced form. It stands for the empty
// source range at at, where the second rune starts.
func (n *normalizer) scriptBoundary(at int64) {
	o := len(n.sp.buf)
	n.sp.buf = append(n.sp.buf, ' ')
	n.sp.mark(o, at, at, false)
}

// scriptBreak reports whether a word rune with script flags t (bmpCJK,
// bmpMark: see scriptFlags), about to be added to the forms, needs a space
// before it in the spaced form: the spaced form ends with a word rune, and
// one of them is CJK and the other not. A mark never does: it belongs to
// the rune it follows. scriptBreak records the script for the next rune.
func (n *normalizer) scriptBreak(t uint8) bool {
	switch s := t & bmpCJK; {
	case s == n.script:
		return false
	case n.lastSpace:
		n.script = s
		return false
	case t&bmpMark != 0:
		return false
	default:
		n.script = s
		return true
	}
}

// scriptFlags returns the bmpCJK and bmpMark flags of r.
func scriptFlags(r rune) uint8 {
	if r < 1<<16 {
		return bmp[r] & (bmpCJK | bmpMark)
	}
	return scriptFlagsHigh(r)
}

func scriptFlagsHigh(r rune) uint8 {
	var t uint8
	if isCJK(r) {
		t |= bmpCJK
	}
	if unicode.IsMark(r) {
		t |= bmpMark
	}
	return t
}
