// Package normalize turns text and customer values into the forms that
// detect compares. The same code runs on both sides, so a value and the text
// that contains it always normalize alike.
//
// Every rune first goes through Unicode NFKC, which folds full-width digits
// and Latin letters to ASCII, half-width katakana to full-width (with voiced
// marks composed), circled digits to digits and so on. Letters are then
// lower-cased and hiragana is folded to katakana, so ヤマダ, やまだ and ﾔﾏﾀﾞ
// are one value.
//
// From that rune stream two forms are produced:
//
//   - Spaced: every run of letters, digits and marks is kept, every run of
//     anything else (spaces, punctuation, "@", ".", "-", line breaks) becomes
//     one space, and the whole text starts and ends with a space. A Latin
//     value is looked for as " value " in the spaced text, which gives word
//     boundaries to a matcher that only reports which patterns occur:
//     " ann lee " cannot occur inside " annual leeds ".
//   - Compact: the same runes with every separator removed. Japanese is
//     written without spaces between words, and names are written with or
//     without a space (山田太郎, 山田 太郎, 山田　太郎, 山田・太郎), so a value
//     containing Han, hiragana or katakana is looked for, unpadded and without
//     spaces, in the compact text. Such matches have no word boundary: that
//     is the nature of unsegmented Japanese text.
//
// Phone numbers are handled apart, because their separators are meaningful
// and their digits are not words: see Phone and PhoneFinder.
package normalize

import (
	"io"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Spaced returns the spaced form of s: NFKC, folded, with each run of
// non-word runes replaced by one space and a space at each end. The spaced
// form of a string without letters or digits is " ".
func Spaced(s string) string {
	var f folder
	f.begin()
	for _, r := range norm.NFKC.String(s) {
		f.rune(r)
	}
	f.end()
	return string(f.spaced)
}

// Compact returns the compact form of s: NFKC, folded, with every non-word
// rune removed.
func Compact(s string) string {
	var f folder
	f.begin()
	for _, r := range norm.NFKC.String(s) {
		f.rune(r)
	}
	f.end()
	return string(f.compact)
}

// IsCJK reports whether s contains a Han, hiragana or katakana character,
// the values that are matched in compact form.
func IsCJK(s string) bool {
	for _, r := range s {
		if isCJK(r) {
			return true
		}
	}
	return false
}

func isCJK(r rune) bool {
	if r < 0x2E80 {
		return false
	}
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana) ||
		r == 0x30FC // KATAKANA-HIRAGANA PROLONGED SOUND MARK, script Common
}

// isWord reports whether r is kept in the spaced and compact forms.
func isWord(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'
	}
	return r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.IsMark(r))
}

// fold lower-cases r and maps hiragana to katakana.
func fold(r rune) rune {
	switch {
	case 'A' <= r && r <= 'Z':
		return r + ('a' - 'A')
	case r < utf8.RuneSelf:
		return r
	case 0x3041 <= r && r <= 0x3096, r == 0x309D, r == 0x309E:
		return r + 0x60 // ぁ..ゖ ゝゞ → ァ..ヶ ヽヾ
	}
	return unicode.ToLower(r)
}

// folder builds the spaced and compact forms from NFKC runes and feeds an
// optional PhoneFinder.
type folder struct {
	spaced, compact []byte
	lastSpace       bool
	phones          *PhoneFinder
}

func (f *folder) begin() {
	f.spaced = append(f.spaced, ' ')
	f.lastSpace = true
}

func (f *folder) rune(r rune) {
	if f.phones != nil {
		f.phones.Rune(r)
	}
	if !isWord(r) {
		if !f.lastSpace {
			f.spaced = append(f.spaced, ' ')
			f.lastSpace = true
		}
		return
	}
	r = fold(r)
	f.spaced = utf8.AppendRune(f.spaced, r)
	f.compact = utf8.AppendRune(f.compact, r)
	f.lastSpace = false
}

func (f *folder) end() {
	if !f.lastSpace {
		f.spaced = append(f.spaced, ' ')
		f.lastSpace = true
	}
	if f.phones != nil {
		f.phones.Flush()
	}
}

// Sink receives the normalized forms of a text as Stream produces them.
// Slices are only valid during the call.
type Sink interface {
	// Spaced receives the next piece of the spaced form. The pieces,
	// concatenated, are exactly Spaced(text).
	Spaced(b []byte)
	// Compact receives the next piece of the compact form.
	Compact(b []byte)
	// Phone receives the canonical digits of each phone-number candidate
	// (see PhoneFinder).
	Phone(canonical []byte)
}

// chunkSize is how much NFKC output Stream folds at a time.
const chunkSize = 16 << 10

// streamBufs are the buffers of one Stream call, pooled: a relay scans
// many small segments, and fresh buffers for each would dominate.
type streamBufs struct {
	buf, spaced, compact []byte
}

var streamPool = sync.Pool{New: func() any {
	return &streamBufs{
		buf:     make([]byte, chunkSize),
		spaced:  make([]byte, 0, 2*chunkSize),
		compact: make([]byte, 0, 2*chunkSize),
	}
}}

// Stream reads UTF-8 text from r until EOF and hands its normalized forms to
// sink in pieces, so a text of any length is normalized in bounded memory.
// Invalid UTF-8 counts as a separator. Stream returns the first read error
// other than io.EOF.
func Stream(r io.Reader, sink Sink) error {
	bufs := streamPool.Get().(*streamBufs)
	defer streamPool.Put(bufs)
	f := folder{
		spaced:  bufs.spaced[:0],
		compact: bufs.compact[:0],
		phones:  NewPhoneFinder(sink.Phone),
	}
	f.begin()
	nr := norm.NFKC.Reader(r)
	buf := bufs.buf
	pending := 0 // bytes of an incomplete rune kept at the start of buf
	var rerr error
	for rerr == nil {
		var n int
		n, rerr = nr.Read(buf[pending:])
		data := buf[:pending+n]
		if rerr == nil && n == 0 {
			continue
		}
		i := 0
		for i < len(data) {
			if !utf8.FullRune(data[i:]) && rerr == nil {
				break // wait for the rest of this rune
			}
			r, size := utf8.DecodeRune(data[i:])
			f.rune(r)
			i += size
		}
		pending = copy(buf, data[i:])
		if rerr != nil {
			f.end()
		}
		if len(f.spaced) > 0 {
			sink.Spaced(f.spaced)
			f.spaced = f.spaced[:0]
		}
		if len(f.compact) > 0 {
			sink.Compact(f.compact)
			f.compact = f.compact[:0]
		}
	}
	// Keep grown buffers, but do not let one odd text pin a huge one.
	if cap(f.spaced) <= 4*chunkSize {
		bufs.spaced = f.spaced
	}
	if cap(f.compact) <= 4*chunkSize {
		bufs.compact = f.compact
	}
	if rerr == io.EOF {
		return nil
	}
	return rerr
}

// ValidUTF8Prefix reports whether b is valid UTF-8, allowing its last rune
// to be cut off unless b is the whole input. It is how a charset is guessed
// from the first block of a stream.
func ValidUTF8Prefix(b []byte, whole bool) bool {
	if utf8.Valid(b) {
		return true
	}
	if whole {
		return false
	}
	for cut := 1; cut < utf8.UTFMax && cut <= len(b); cut++ {
		if utf8.Valid(b[:len(b)-cut]) {
			return !utf8.FullRune(b[len(b)-cut:])
		}
	}
	return false
}
