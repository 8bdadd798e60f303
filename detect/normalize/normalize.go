// Package normalize turns text and customer values into the forms that
// detect compares. The same code runs on both sides, so a value and the text
// that contains it always normalize alike.
//
// Every rune first goes through Unicode NFKC, which folds full-width digits
// and Latin letters to ASCII, half-width katakana to full-width (with voiced
// marks composed), circled digits to digits and so on. Default-ignorable
// code points (soft hyphen, zero-width space and joiners, bidi controls,
// variation selectors...) are then dropped, as if they were not there:
// invisible, they would otherwise hide a value from the matchers, and a
// mark after them composes with the rune before them. Letters are then
// lower-cased and hiragana is folded to katakana, so ヤマダ, やまだ and ﾔﾏﾀﾞ
// are one value.
//
// From that rune stream two forms are produced:
//
//   - Spaced: every run of letters, digits and marks is kept, every run of
//     anything else (spaces, punctuation, "@", ".", "-", line breaks) becomes
//     one space, and the whole text starts and ends with a space. A space
//     also goes between a Han, hiragana or katakana rune and a letter or
//     digit of another script next to it (a mark belongs to the rune before
//     it), because Japanese text glues Latin words, IDs and addresses to the
//     words around them: "顧客C0001様" is " 顧客 c0001 様 ". A Latin
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
//
// Stream normalizes text of any length in bounded memory and says where
// each piece of its output came from: a Positions maps an offset in the
// spaced or compact form back to a byte offset in the original text, so a
// match can be reported where the user wrote it. It is fast on the common
// cases: ASCII is folded a word at a time, text that is already NFKC (most
// Japanese) is only checked (norm's quick check), and only the segments
// that change, such as half-width katakana or full-width Latin, go through
// NFKC proper.
package normalize

import (
	"io"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Spaced returns the spaced form of s: NFKC, without default-ignorable
// runes, folded, with each run of non-word runes replaced by one space, a
// space between CJK and other word runes, and a space at each end. The
// spaced form of a string without letters or digits is " ".
func Spaced(s string) string {
	n := getNormalizer(nil)
	defer n.release()
	n.all([]byte(s))
	return string(n.sp.buf)
}

// Compact returns the compact form of s: NFKC, without default-ignorable
// runes, folded, with every non-word rune removed.
func Compact(s string) string {
	n := getNormalizer(nil)
	defer n.release()
	n.all([]byte(s))
	return string(n.cp.buf)
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

// isWord reports whether r is kept in the spaced and compact forms.
func isWord(r rune) bool {
	if r < utf8.RuneSelf {
		return asciiWord[r]
	}
	if r < 1<<16 {
		return bmp[r]&bmpWord != 0
	}
	return r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.IsMark(r))
}

// fold lower-cases r and maps hiragana to katakana.
func fold(r rune) rune {
	switch {
	case r < utf8.RuneSelf:
		return rune(asciiLower[r])
	case 0x3041 <= r && r <= 0x3096, r == 0x309D, r == 0x309E:
		return r + 0x60 // ぁ..ゖ ゝゞ → ァ..ヶ ヽヾ
	case r < 1<<16 && bmp[r]&bmpCase == 0:
		return r
	}
	return unicode.ToLower(r)
}

// Tables for the hot path: ASCII word bytes and lower case, and per BMP
// rune whether it is a word rune, whether it may change case, how NFKC
// treats it, and whether it is dropped, CJK or a mark.
var (
	asciiWord  [128]bool
	asciiLower [128]byte
	bmp        [1 << 16]uint8
)

const (
	bmpWord = 1 << iota
	bmpCase
	// bmpStable: NFKC leaves the rune alone and a segment starts at it.
	bmpStable
	// bmpStarts: a segment starts at the rune (it does not combine with
	// what comes before).
	bmpStarts
	// bmpIgnorable: a default-ignorable code point, dropped (ignorable.go).
	// Such runes are never bmpStable.
	bmpIgnorable
	// bmpCJK: isCJK.
	bmpCJK
	// bmpMark: a mark (unicode.IsMark), which belongs to the rune before
	// it.
	bmpMark
)

var tablesOnce sync.Once

// nfkcRune is the NFKC form of each BMP rune that is not normal by itself
// (full-width Latin, half-width katakana, ㈱...), for a segment of one
// rune.
var nfkcRune = map[uint16][]byte{}

// initTables fills the tables; every normalizer calls it first.
func initTables() {
	for c := 0; c < 128; c++ {
		asciiWord[c] = 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
		asciiLower[c] = byte(c)
		if 'A' <= c && c <= 'Z' {
			asciiLower[c] = byte(c + 'a' - 'A')
		}
	}
	// Every canonical composition of one rune and one mark (ä = a + ̈,
	// ヹ = ヱ + ゙, ǖ = ü + ̄).
	for c := rune(0xC0); c < 0x12000; c++ {
		if c == 0x3100 {
			c = 0x11000 // the compositions in between are Hangul (algorithmic) or none
		}
		d := []rune(norm.NFD.String(string(c)))
		if len(d) < 2 {
			continue
		}
		base := []rune(norm.NFC.String(string(d[:len(d)-1])))
		mark := d[len(d)-1]
		if len(base) == 1 && norm.NFC.String(string([]rune{base[0], mark})) == string(c) {
			composites[[2]rune{base[0], mark}] = c
		}
	}
	initIgnorable()
	for r := rune(128); r < 1<<16; r++ {
		if r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.IsMark(r)) {
			bmp[r] |= bmpWord
		}
		if isCJK(r) {
			bmp[r] |= bmpCJK
		}
		if unicode.IsMark(r) {
			bmp[r] |= bmpMark
		}
		if unicode.ToLower(r) != r {
			bmp[r] |= bmpCase
		}
		if r >= 0xD800 && r < 0xE000 {
			continue // surrogates are not runes
		}
		var b [utf8.UTFMax]byte
		enc := utf8.AppendRune(b[:0], r)
		normal := norm.NFKC.IsNormal(enc)
		if !normal {
			nfkcRune[uint16(r)] = norm.NFKC.Bytes(enc)
		}
		if norm.NFKC.Properties(enc).BoundaryBefore() {
			bmp[r] |= bmpStarts
			if normal && bmp[r]&bmpIgnorable == 0 {
				bmp[r] |= bmpStable
			}
		}
	}
}

// Sink receives the normalized forms of a text as Stream produces them.
// Slices and Positions are only valid during the call.
type Sink interface {
	// Spaced receives the next piece of the spaced form. The pieces,
	// concatenated, are exactly Spaced(text). at maps offsets in the
	// spaced form (at.Base() is the offset of b[0]) to the original text.
	Spaced(b []byte, at *Positions)
	// Compact receives the next piece of the compact form, likewise.
	Compact(b []byte, at *Positions)
	// Phone receives the canonical digits of each phone-number candidate
	// (see PhoneFinder) and the byte range [start, end) of the candidate
	// in the original text.
	Phone(canonical []byte, start, end int64)
}

// normalizer folds NFKC text into the two forms and finds phone numbers.
type normalizer struct {
	sp, cp    form
	lastSpace bool // the spaced form ends with a space
	// script is bmpCJK if the word rune that ends the spaced form (the
	// last one that is not a mark) is CJK, else 0; meaningless when
	// lastSpace.
	script uint8
	phones PhoneFinder
	segs   map[string][]byte // NFKC of multi-rune segments; nil: normal
	kept   []byte            // a segment without its default-ignorable runes
	buf    []byte            // Stream's read buffer
}

// maxSegCache bounds normalizer.segs.
const maxSegCache = 1024

// chunkSize is how much text Stream reads and folds at a time.
const chunkSize = 16 << 10

// normalizers are pooled: a relay scans many small segments, and fresh
// buffers for each would dominate.
var normalizers = sync.Pool{New: func() any {
	n := &normalizer{}
	n.sp.buf = make([]byte, 0, 2*chunkSize)
	n.cp.buf = make([]byte, 0, 2*chunkSize)
	n.phones.digits = make([]byte, 0, 64)
	n.phones.scratch = make([]byte, 0, 32)
	n.segs = map[string][]byte{}
	return n
}}

func getNormalizer(found func([]byte, int64, int64)) *normalizer {
	tablesOnce.Do(initTables)
	n := normalizers.Get().(*normalizer)
	n.sp.reset()
	n.cp.reset()
	n.phones.found = found
	n.phones.reset()
	n.begin()
	return n
}

func (n *normalizer) release() {
	n.phones.found = nil
	// Keep grown buffers, but do not let one odd text pin a huge one.
	if cap(n.sp.buf) > 4*chunkSize || cap(n.cp.buf) > 4*chunkSize || cap(n.sp.runs) > chunkSize || cap(n.cp.runs) > chunkSize || cap(n.kept) > chunkSize {
		return
	}
	normalizers.Put(n)
}

func (n *normalizer) begin() {
	n.sp.buf = append(n.sp.buf, ' ')
	n.sp.mark(0, 0, 0, false)
	n.lastSpace = true
	n.script = 0
}

func (n *normalizer) end(at int64) {
	if !n.lastSpace {
		o := len(n.sp.buf)
		n.sp.buf = append(n.sp.buf, ' ')
		n.sp.mark(o, at, at, false)
		n.lastSpace = true
	}
	n.phones.Flush()
}

// all normalizes the whole text p.
func (n *normalizer) all(p []byte) {
	n.text(p, 0)
	n.end(int64(len(p)))
}

// text folds p, whose first byte is at offset src of the original text.
// p must end before a rune that starts a segment and is not
// default-ignorable (see cutAt), or be the end of the text.
func (n *normalizer) text(p []byte, src int64) {
	i := 0
	for i < len(p) {
		if p[i] < utf8.RuneSelf {
			j := i + 1
			for j < len(p) && p[j] < utf8.RuneSelf {
				j++
			}
			// An ASCII letter before a combining mark composes with it:
			// leave it to the general path.
			k := j
			if j < len(p) {
				k = j - 1
			}
			if k > i {
				n.ascii(p[i:k], src+int64(i))
				i = k
				continue
			}
		}
		// A stretch up to the next ASCII byte, which starts a segment.
		e := i + 1
		for e < len(p) && p[e] >= utf8.RuneSelf {
			e++
		}
		for i < e {
			if n.phones.idle() {
				if i = n.stable(p, i, e, src); i == e {
					break
				}
			}
			// One segment, the slow way: checked, and rewritten by NFKC
			// if it is not normal (its output then stands for its whole
			// source).
			r, size := utf8.DecodeRune(p[i:e])
			used := size
			ignorable := isIgnorable(r) // the segment has such runes
			if ignorable {
				// A run of default-ignorable runes is dropped at once
				// (one at a time, looking ahead from each, would be
				// quadratic), unless marks follow it that combined with
				// nothing before it (after an invalid byte): then they
				// make a segment with it.
				k := skipIgnorable(p[:e], i)
				if k == e || norm.NFKC.Properties(p[k:e]).BoundaryBefore() {
					i = k
					continue
				}
				used = k - i
			}
			// An invalid byte is a segment of its own: norm passes it
			// through and would leave a following mark unnormalized.
			for i+used < e && !(r == utf8.RuneError && size == 1) {
				pr := norm.NFKC.Properties(p[i+used : e])
				if pr.Size() == 0 {
					break
				}
				if !pr.BoundaryBefore() {
					used += pr.Size()
					continue
				}
				// Default-ignorable runes are dropped, so a mark after a
				// run of them combines with this segment: it is part of
				// it, for NFKC to see without them (e U+200B U+0301 is é).
				if r, _ := utf8.DecodeRune(p[i+used : e]); !isIgnorable(r) {
					break
				}
				k := skipIgnorable(p[:e], i+used)
				if k == e {
					break
				}
				if pr := norm.NFKC.Properties(p[k:e]); pr.BoundaryBefore() || pr.Size() == 0 {
					break
				}
				used, ignorable = k-i, true
			}
			if used == size && r < 1<<16 {
				// A rune alone: its NFKC form is in the table.
				if bmp[r]&bmpStable != 0 {
					n.runes(p[i:i+used], src+int64(i), 0)
				} else if m, ok := nfkcRune[uint16(r)]; ok {
					n.runes(m, src+int64(i), src+int64(i+used))
				} else {
					n.runes(p[i:i+used], src+int64(i), 0) // normal, or invalid UTF-8
				}
			} else if out, ok := n.segs[string(p[i:i+used])]; ok {
				// A segment seen before (ﾍﾟ, ﾃﾞ...): norm allocates.
				if out == nil {
					n.runes(p[i:i+used], src+int64(i), 0)
				} else {
					n.runes(out, src+int64(i), src+int64(i+used))
				}
			} else {
				seg := p[i : i+used]
				var out []byte
				switch {
				case ignorable:
					// NFKC of the segment as if its default-ignorable
					// runes were not there; never nil, so the output
					// stands for the whole segment.
					n.kept = withoutIgnorable(n.kept[:0], seg)
					out = norm.NFKC.Append(make([]byte, 0, len(n.kept)), n.kept...)
				case !norm.NFKC.IsNormal(seg):
					out = norm.NFKC.Bytes(seg)
				}
				if len(n.segs) >= maxSegCache {
					clear(n.segs)
				}
				n.segs[string(seg)] = out
				continue // now in the cache
			}
			i += used
		}
	}
}

// stable folds, from p[i:] up to e, the runes that NFKC leaves alone and
// that form a segment by themselves (most Japanese text), without calling
// norm. It returns where it stopped. The phone finder must be idle: these
// runes never touch it (digits that NFKC leaves alone are ASCII, handled
// elsewhere, and phone separators stop it).
func (n *normalizer) stable(p []byte, i, e int, src int64) int {
	// The current word run starts at p[cpWord] (-1: none), at o2 in the
	// compact form, and at p[spWord], o1 in the spaced form, where it is
	// cut where a space goes between CJK and other scripts. Folding keeps
	// these runes' lengths, so the runs are linear.
	spWord, cpWord, o1, o2 := -1, -1, 0, 0
	script := n.script // n.script, while here
	endWord := func(at int) {
		if cpWord >= 0 {
			n.sp.mark(o1, src+int64(spWord), src+int64(at), true)
			n.cp.mark(o2, src+int64(cpWord), src+int64(at), true)
			spWord, cpWord = -1, -1
		}
	}
	r, size := utf8.DecodeRune(p[i:e])
	for i < e {
		j := i + size
		var r2 rune
		var size2 int
		if j < e {
			// The next rune must start a segment, or r's goes on; if it
			// is default-ignorable, a mark after it may combine with r.
			if r2, size2 = utf8.DecodeRune(p[j:e]); r2 >= 1<<16 || bmp[r2]&(bmpStarts|bmpIgnorable) != bmpStarts {
				break
			}
		}
		if r >= 1<<16 {
			break
		}
		t := bmp[r]
		if t&(bmpStable|bmpCase) != bmpStable || r == utf8.RuneError || isPhoneSeparator(r) {
			break
		}
		// A separator, or a word rune of another script than the one
		// before it; mostly neither.
		if t&(bmpWord|bmpCJK) != bmpWord|script {
			if t&bmpWord == 0 {
				endWord(i)
				if !n.lastSpace {
					o := len(n.sp.buf)
					n.sp.buf = append(n.sp.buf, ' ')
					n.sp.mark(o, src+int64(i), src+int64(j), false)
					n.lastSpace = true
				}
				i, r, size = j, r2, size2
				continue
			}
			// Another script: maybe a space between (see scriptBreak).
			n.script = script
			if n.scriptBreak(t) {
				if cpWord >= 0 {
					n.sp.mark(o1, src+int64(spWord), src+int64(i), true)
				}
				n.scriptBoundary(src + int64(i))
				spWord, o1 = i, len(n.sp.buf)
			}
			script = n.script
		}
		if cpWord < 0 {
			spWord, o1 = i, len(n.sp.buf)
			cpWord, o2 = i, len(n.cp.buf)
		}
		f := fold(r)
		n.sp.buf = utf8.AppendRune(n.sp.buf, f)
		n.cp.buf = utf8.AppendRune(n.cp.buf, f)
		n.lastSpace = false
		i, r, size = j, r2, size2
	}
	endWord(i)
	n.script = script
	return i
}

// composites maps a rune and a combining mark to their canonical
// composition. Hangul's are left out: composePair computes them.
var composites = map[[2]rune]rune{}

// Hangul's algorithmic composition (Unicode §3.12).
const (
	hangulS, hangulL, hangulV, hangulT = 0xAC00, 0x1100, 0x1161, 0x11A7
	hangulLN, hangulVN, hangulTN       = 19, 21, 28
	hangulSN                           = hangulLN * hangulVN * hangulTN
)

// composePair returns the canonical composition of a and the rune b after
// it, if they have one: a rune and a mark from composites, or Hangul jamo
// (L+V → LV, LV+T → LVT). NFKC leaves such a pair apart when a segment
// boundary falls between them, as before a half-width jamo (꾀ﾪ: ﾪ is
// ᆰ after NFKC, but a boundary comes before it), so the forms compose it.
func composePair(a, b rune) (rune, bool) {
	switch {
	case hangulL <= a && a < hangulL+hangulLN && hangulV <= b && b < hangulV+hangulVN:
		return hangulS + ((a-hangulL)*hangulVN+(b-hangulV))*hangulTN, true
	case hangulS <= a && a < hangulS+hangulSN && (a-hangulS)%hangulTN == 0 && hangulT < b && b < hangulT+hangulTN:
		return a + (b - hangulT), true
	}
	c, ok := composites[[2]rune{a, b}]
	return c, ok
}

// combining reports whether r may combine with the rune before it.
func combining(r rune) bool {
	if r < 1<<16 {
		return bmp[r]&bmpStarts == 0
	}
	return unicode.IsMark(r)
}

// ascii folds ASCII text a word or separator run at a time.
func (n *normalizer) ascii(p []byte, src int64) {
	ph := &n.phones
	i := 0
	for i < len(p) {
		j := i + 1
		if asciiWord[p[i]] {
			for j < len(p) && asciiWord[p[j]] {
				j++
			}
			if n.scriptBreak(0) {
				n.scriptBoundary(src + int64(i))
			}
			o1, o2 := len(n.sp.buf), len(n.cp.buf)
			digits := false
			for _, c := range p[i:j] {
				l := asciiLower[c]
				n.sp.buf = append(n.sp.buf, l)
				n.cp.buf = append(n.cp.buf, l)
				digits = digits || c <= '9'
			}
			n.sp.mark(o1, src+int64(i), src+int64(j), true)
			n.cp.mark(o2, src+int64(i), src+int64(j), true)
			n.lastSpace = false
			if digits {
				for k := i; k < j; k++ {
					ph.runeAt(rune(p[k]), src+int64(k), src+int64(k+1))
				}
			} else if !ph.idle() {
				ph.Flush()
			}
		} else {
			for j < len(p) && !asciiWord[p[j]] {
				j++
			}
			if !n.lastSpace {
				o := len(n.sp.buf)
				n.sp.buf = append(n.sp.buf, ' ')
				n.sp.mark(o, src+int64(i), src+int64(j), j-i == 1)
				n.lastSpace = true
			}
			if !ph.idle() {
				for k := i; k < j; k++ {
					ph.runeAt(rune(p[k]), src+int64(k), src+int64(k+1))
				}
			}
		}
		i = j
	}
}

// runes folds NFKC text p. If srcEnd is 0, p is the original text from
// offset src on; otherwise p is the NFKC output of the segment [src,
// srcEnd) of the original text.
func (n *normalizer) runes(p []byte, src, srcEnd int64) {
	linear := srcEnd == 0
	for k := 0; k < len(p); {
		r, size := utf8.DecodeRune(p[k:])
		from, to := src, srcEnd
		if linear {
			from, to = src+int64(k), src+int64(k+size)
		}
		k += size
		if isIgnorable(r) {
			continue // as if it were not there
		}
		n.phones.runeAt(r, from, to)
		if !isWord(r) {
			if !n.lastSpace {
				o := len(n.sp.buf)
				n.sp.buf = append(n.sp.buf, ' ')
				n.sp.mark(o, from, to, false)
				n.lastSpace = true
			}
			continue
		}
		r = fold(r)
		if !n.lastSpace && combining(r) && n.sp.compose(r) {
			// Folding can make a rune and the mark after it composable
			// where NFKC left them apart: hiragana to katakana (ゑ゙ →
			// ヹ), or a lower case that takes the mark where the upper
			// case did not (İ̈ → ï, H̱ → ẖ). Compose them, so the forms
			// are what the folded text normalizes to. The mark's bytes
			// are not added to the rune's source range.
			n.cp.compose(r)
			continue
		}
		if !n.lastSpace && combining(r) && n.composeThrough(r) {
			continue
		}
		if n.scriptBreak(scriptFlags(r)) {
			n.scriptBoundary(from)
		}
		o1, o2 := len(n.sp.buf), len(n.cp.buf)
		n.sp.buf = utf8.AppendRune(n.sp.buf, r)
		n.cp.buf = utf8.AppendRune(n.cp.buf, r)
		lin := linear && len(n.sp.buf)-o1 == size
		n.sp.mark(o1, from, to, lin)
		n.cp.mark(o2, from, to, lin)
		n.lastSpace = false
	}
}

// maxThrough bounds how many marks composeThrough looks back over.
const maxThrough = 8

// composeThrough composes mark with the starter before the marks at the end
// of the forms when none of those marks blocks it, that is each has a
// lower, non-zero combining class (Unicode canonical composition), and
// reports whether it did. It is compose for marks that folding made
// composable behind other marks: İ̹̈ is NFKC's İ ̹ ̈, folded to i ̹ ̈,
// which NFC composes to ï ̹. The marks keep their source ranges.
func (n *normalizer) composeThrough(mark rune) bool {
	cm := ccc(mark)
	if cm == 0 {
		return false
	}
	b := n.sp.buf
	end, marks := len(b), 0
	for {
		if end == 0 || marks > maxThrough {
			return false
		}
		r, size := utf8.DecodeLastRune(b[:end])
		c := ccc(r)
		if c == 0 {
			if _, ok := composites[[2]rune{r, mark}]; !ok || marks == 0 {
				return false
			}
			break
		}
		if c >= cm {
			return false // blocked
		}
		end -= size
		marks++
	}
	var spMarks, cpMarks [maxThrough + 1]popped
	if !n.sp.popN(spMarks[:marks]) {
		return false
	}
	if !n.cp.popN(cpMarks[:marks]) {
		n.sp.pushN(spMarks[:marks])
		return false
	}
	n.sp.compose(mark)
	n.cp.compose(mark)
	n.sp.pushN(spMarks[:marks])
	n.cp.pushN(cpMarks[:marks])
	return true
}

// ccc returns r's canonical combining class.
func ccc(r rune) uint8 {
	var b [utf8.UTFMax]byte
	return norm.NFC.Properties(b[:utf8.EncodeRune(b[:], r)]).CCC()
}

// Stream reads UTF-8 text from r until EOF and hands its normalized forms to
// sink in pieces, so a text of any length is normalized in bounded memory.
// Invalid UTF-8 counts as a separator. Stream returns the first read error
// other than io.EOF.
func Stream(r io.Reader, sink Sink) error {
	n := getNormalizer(sink.Phone)
	defer n.release()
	if n.buf == nil {
		n.buf = make([]byte, chunkSize)
	}
	buf := n.buf
	var src int64 // offset of buf[0] in the text
	pending := 0  // bytes kept at the start of buf: an unfinished segment
	var rerr error
	for rerr == nil {
		var m int
		m, rerr = r.Read(buf[pending:])
		data := buf[:pending+m]
		if rerr == nil && len(data) < len(buf)/2 {
			// Small reads (a decoder's): gather a bigger piece first.
			pending = len(data)
			continue
		}
		cut := len(data)
		if rerr == nil {
			// Fold up to the last segment boundary; the rest may continue.
			cut = cutAt(data)
			if cut <= 0 {
				if len(data) < len(buf) {
					pending = len(data)
					continue
				}
				// A full buffer and no such place: a long run of
				// default-ignorable runes, or a segment longer than the
				// buffer.
				if cut = norm.NFKC.LastBoundary(data); cut <= 0 {
					cut = len(data)
				}
			}
		}
		n.text(data[:cut], src)
		src += int64(cut)
		pending = copy(buf, data[cut:])
		if rerr != nil {
			n.end(src)
		}
		n.sp.flush(sink.Spaced)
		n.cp.flush(sink.Compact)
	}
	if rerr == io.EOF {
		return nil
	}
	return rerr
}

// cutAt returns the last place where Stream may cut data, folding what is
// before and keeping the rest for the next read: before a rune that starts
// a segment and is not default-ignorable, so that nothing after the cut
// combines with what is before it once such runes are dropped (an e, then
// U+200B, then a U+0301 yet to be read). It returns 0 or less if there is
// none among the last maxCutBack places it tries.
func cutAt(data []byte) int {
	cut := norm.NFKC.LastBoundary(data)
	for back := 0; cut > 0; back++ {
		if back == maxCutBack {
			return 0
		}
		// A rune cut off at the end of data is not known yet.
		if cut < len(data) && utf8.FullRune(data[cut:]) {
			if r, _ := utf8.DecodeRune(data[cut:]); !isIgnorable(r) {
				return cut
			}
		}
		// Try before the rune that ends data[:cut], or the boundary before
		// it; each turn moves back.
		_, size := utf8.DecodeLastRune(data[:cut])
		if cut -= size; !norm.NFKC.Properties(data[cut:]).BoundaryBefore() {
			cut = norm.NFKC.LastBoundary(data[:cut])
		}
	}
	return cut
}

// maxCutBack bounds how far back cutAt looks, so that a long run of
// default-ignorable runes at the end of each read costs linear time. When
// it finds no place, Stream reads on and at worst cuts a full buffer at
// NFKC's last boundary: the one case where a mark after a run of more than
// maxCutBack such runes may not compose with the rune before them as it
// would in a whole text.
const maxCutBack = 32

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
