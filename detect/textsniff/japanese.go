package textsniff

import (
	"bytes"
	"errors"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/transform"
)

// decoded is what decoding a head with a legacy charset gave.
type decoded struct {
	enc   string
	text  []byte // the UTF-8 result
	chars int    // characters decoded
	errs  int    // replacement characters: bytes the charset does not map
	good  int    // kana, kanji, CJK punctuation and full-width forms
}

// usable reports whether d is mostly valid: fewer than one character in a
// hundred replaced (none in a head of fewer than 100 characters).
func (d decoded) usable() bool { return d.chars > 0 && d.errs*100 < d.chars }

// decode converts head with enc. When whole is false, a character cut at
// the end is dropped rather than counted as an error.
func decode(name string, enc encoding.Encoding, head []byte, whole bool) decoded {
	d := decoded{enc: name}
	// 3 bytes out for each byte in is enough for every charset here: a
	// half-width katakana byte becomes 3 bytes of UTF-8.
	dst := make([]byte, 3*len(head)+16)
	n, _, err := enc.NewDecoder().Transform(dst, head, whole)
	if err != nil && !(errors.Is(err, transform.ErrShortSrc) && !whole) {
		d.errs = len(head) + 1
		return d
	}
	d.text = dst[:n]
	for i := 0; i < len(d.text); {
		r, size := utf8.DecodeRune(d.text[i:])
		i += size
		d.chars++
		switch {
		case r == utf8.RuneError:
			d.errs++
		case isGoodJapanese(r):
			d.good++
		}
	}
	return d
}

// isGoodJapanese reports whether r is a character that Japanese text is
// mostly made of. Half-width katakana are not: real text rarely has many,
// and EUC-JP read as Shift_JIS turns into little else.
func isGoodJapanese(r rune) bool {
	switch {
	case 0x3000 <= r && r <= 0x30FF: // CJK punctuation, hiragana, katakana
		return true
	case 0x4E00 <= r && r <= 0x9FFF: // CJK unified ideographs
		return true
	case 0xFF01 <= r && r <= 0xFF5E: // full-width ASCII
		return true
	}
	return false
}

// judgeLegacy judges 8-bit text that is not valid UTF-8 as mostly UTF-8
// (a stray byte or two, which a decoder replaces), Shift_JIS or EUC-JP.
// Of the readings with few errors, the one with the fewest wins; on a tie
// UTF-8 wins, then the one whose result has more kana and kanji: EUC-JP
// bytes are all 0xA1 and above, which Shift_JIS reads as half-width
// katakana without error, while Shift_JIS kana and most kanji have a lead
// or trail byte below 0xA1, which EUC-JP does not map.
func judgeLegacy(head []byte, whole bool) Result {
	u8 := decodeUTF8(head, whole)
	sj := decode(ShiftJIS, japanese.ShiftJIS, head, whole)
	eu := decode(EUCJP, japanese.EUCJP, head, whole)
	var best *decoded
	for _, d := range []*decoded{&u8, &sj, &eu} {
		if d.usable() && (best == nil || d.errs < best.errs || d.errs == best.errs && d.good > best.good && best.enc != UTF8) {
			best = d
		}
	}
	if best == nil {
		return notText(ReasonUndecodable)
	}
	if tooManyControls(best.text) {
		return notText(ReasonControl)
	}
	if best.enc == UTF8 {
		return text(UTF8, ReasonMostlyUTF8)
	}
	return text(best.enc, ReasonLegacy)
}

// decodeUTF8 counts the characters of head and its invalid bytes, not
// counting a character cut at the end when head is not whole.
func decodeUTF8(head []byte, whole bool) decoded {
	d := decoded{enc: UTF8, text: head}
	for i := 0; i < len(head); {
		r, size := utf8.DecodeRune(head[i:])
		if r == utf8.RuneError && size == 1 && !whole && !utf8.FullRune(head[i:]) {
			break
		}
		i += size
		d.chars++
		switch {
		case r == utf8.RuneError && size == 1:
			d.errs++
		case isGoodJapanese(r):
			d.good++
		}
	}
	return d
}

// iso2022Escapes are the escape sequences of ISO-2022-JP (RFC 1468) and
// its half-width katakana extension. ESC ( B alone, back to ASCII, says
// nothing.
var iso2022Escapes = [][]byte{
	[]byte("\x1B$B"), // JIS X 0208-1983
	[]byte("\x1B$@"), // JIS C 6226-1978
	[]byte("\x1B(J"), // JIS X 0201 Roman
	[]byte("\x1B(I"), // JIS X 0201 katakana
}

// hasISO2022Escape reports whether the 7-bit head b switches to a
// Japanese character set.
func hasISO2022Escape(b []byte) bool {
	if bytes.IndexByte(b, 0x1B) < 0 {
		return false
	}
	for _, e := range iso2022Escapes {
		if bytes.Contains(b, e) {
			return true
		}
	}
	return false
}

// judgeISO2022JP judges 7-bit text with ISO-2022-JP escapes.
func judgeISO2022JP(head []byte, whole bool) Result {
	d := decode(ISO2022JP, japanese.ISO2022JP, head, whole)
	if !d.usable() {
		return notText(ReasonUndecodable)
	}
	if tooManyControls(d.text) {
		return notText(ReasonControl)
	}
	return text(ISO2022JP, ReasonEscapes)
}
