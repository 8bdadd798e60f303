package normalize

import (
	"io"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

func TestSpacedCompact(t *testing.T) {
	tests := []struct {
		in, spaced, compact string
	}{
		{"", " ", ""},
		{"Ann Lee", " ann lee ", "annlee"},
		{"  ANN--LEE!! ", " ann lee ", "annlee"},
		{"Ann-Marie O'Brien", " ann marie o brien ", "annmarieobrien"},
		{"ann.lee@Example.COM", " ann lee example com ", "annleeexamplecom"},
		{"Annual", " annual ", "annual"},
		// NFKC: full-width Latin and digits, ideographic space.
		{"ＡＮＮ　ＬＥＥ", " ann lee ", "annlee"},
		{"Ｃ０００１", " c0001 ", "c0001"},
		// CJK: spaces and punctuation go in the compact form.
		{"山田 太郎", " 山田 太郎 ", "山田太郎"},
		{"山田　太郎", " 山田 太郎 ", "山田太郎"},
		{"山田・太郎", " 山田 太郎 ", "山田太郎"},
		// Half-width katakana with voiced marks → full-width, composed.
		{"ﾔﾏﾀﾞ ﾀﾛｳ", " ヤマダ タロウ ", "ヤマダタロウ"},
		{"ゑ゙ ヹ ヹ", " ヹ ヹ ヹ ", "ヹヹヹ"}, // hiragana folded to katakana composes like katakana
		// Half-width Hangul jamo compose with the syllable or jamo before
		// them, as NFKC of the whole text does: ﾪ is ᆰ (a final), ﾡ and ￂ are ᄀ and ᅡ.
		{"꾀\uffaa \uffa1\uffc2 \uffa1\uffc2\uffaa", " 꾉 가 갉 ", "꾉가갉"},
		// Hiragana folds to katakana; the prolonged sound mark is a letter.
		{"やまだ たろう", " ヤマダ タロウ ", "ヤマダタロウ"},
		{"スーパー", " スーパー ", "スーパー"},
		// Accents stay (é is a letter), and lower-case.
		{"Lucas MÜLLER", " lucas müller ", "lucasmüller"},
		// Circled digits and compatibility ideographs (a digit after a
		// kanji is a word of its own in the spaced form).
		{"サンプル商事①", " サンプル商事 1 ", "サンプル商事1"},
		{"㈱山田", " 株 山田 ", "株山田"},
		// Invalid UTF-8 is a separator.
		{"ann\xffLee", " ann lee ", "annlee"},
		// Default-ignorable code points are not there: they neither split a
		// word nor stay in it. Soft hyphen, zero-width space and joiners,
		// bidi controls, CGJ, tag characters, Khmer inherent vowels.
		{"ta\u00adro@exam\u200bple.com", " taro example com ", "taroexamplecom"},
		{"Ann\u200cLee \u202eAnn\u202c \u2060Lee\ufeff", " annlee ann lee ", "annleeannlee"},
		{"Ann\u034fLee\U000E0041\U000E0042", " annlee ", "annlee"},
		{"\u200b\u00ad\U000E0001", " ", ""},
		{"ក\u17b4ខ", " កខ ", "កខ"},
		// Variation selectors (marks) no longer break CJK names.
		{"山\ufe0f田太郎", " 山田太郎 ", "山田太郎"},
		{"ﾔﾏ\U000E0100ﾀﾞ 山\u200d田", " ヤマダ 山田 ", "ヤマダ山田"},
		// Hangul fillers: NFKC makes U+3164 and U+FFA0 U+1160, dropped too.
		{"Ann\u3164Lee \uffa0Ann\u115f", " annlee ann ", "annleeann"},
		// A mark after a dropped rune composes with the rune before it, as
		// canonical composition (with reordering) would.
		{"e\u200b\u0301", " é ", "é"},
		{"a\u0301\u200b\u0323", " \u1ea1\u0301 ", "\u1ea1\u0301"},
		{"\u00e2\u200b\u0323", " \u1ead ", "\u1ead"}, // â, ZWSP, dot below: ậ
		{"ヰ\u200b\u3099", " ヸ ", "ヸ"},
		{"ﾀ\u200bﾞ ﾊ\u2060ﾟ", " ダ パ ", "ダパ"}, // half-width voiced marks too
		// Prepended concatenation marks and interlinear annotation are
		// visible format characters: separators, not dropped.
		{"12\u060034 ab\ufff9cd", " 12 34 ab cd ", "1234abcd"},
		// A space between CJK and other word runes in the spaced form: Latin
		// words, IDs and addresses glued to Japanese are words.
		{"John Smithさん", " john smith サン ", "johnsmithサン"},
		{"…は、taro@example.co.jpは先方の…", " ハ taro example co jp ハ先方ノ ", "ハtaroexamplecojpハ先方ノ"},
		{"taro@example.co.jpは", " taro example co jp ハ ", "taroexamplecojpハ"},
		{"C0001様", " c0001 様 ", "c0001様"},
		{"顧客Ｃ０００１様", " 顧客 c0001 様 ", "顧客c0001様"},
		{"3月12日", " 3 月 12 日 ", "3月12日"},
		{"スーパーmarket", " スーパー market ", "スーパーmarket"},
		{"ｽｰﾊﾟｰmarketﾃﾞｰﾀ", " スーパー market データ ", "スーパーmarketデータ"},
		{"Müller佐々木김", " müller 佐々木 김 ", "müller佐々木김"},
		{"山田太郎\u3099Lee", " 山田太郎\u3099 lee ", "山田太郎\u3099lee"},
		{"Lee\u0301山田", " leé 山田 ", "leé山田"},
		{"㏠", " 1 日 ", "1日"},
		// Both: the boundary is between the runes that are kept.
		{"山\ufe0f\u200bTaro", " 山 taro ", "山taro"},
	}
	for _, tt := range tests {
		if got := Spaced(tt.in); got != tt.spaced {
			t.Errorf("Spaced(%q) = %q, want %q", tt.in, got, tt.spaced)
		}
		if got := Compact(tt.in); got != tt.compact {
			t.Errorf("Compact(%q) = %q, want %q", tt.in, got, tt.compact)
		}
	}
}

// ignorableRanges is Default_Ignorable_Code_Point as DerivedCoreProperties.txt
// lists it (Unicode 15.0's file; Go's Unicode 17 tables give the same set).
var ignorableRanges = [][2]rune{
	{0x00AD, 0x00AD},   // SOFT HYPHEN
	{0x034F, 0x034F},   // COMBINING GRAPHEME JOINER
	{0x061C, 0x061C},   // ARABIC LETTER MARK
	{0x115F, 0x1160},   // HANGUL CHOSEONG FILLER, HANGUL JUNGSEONG FILLER
	{0x17B4, 0x17B5},   // KHMER VOWEL INHERENT AQ, AA
	{0x180B, 0x180F},   // MONGOLIAN FREE VARIATION SELECTORS, VOWEL SEPARATOR
	{0x200B, 0x200F},   // ZERO WIDTH SPACE, ZWNJ, ZWJ, LRM, RLM
	{0x202A, 0x202E},   // bidi embeddings and overrides
	{0x2060, 0x206F},   // WORD JOINER, invisible operators, bidi isolates...
	{0x3164, 0x3164},   // HANGUL FILLER
	{0xFE00, 0xFE0F},   // VARIATION SELECTOR-1..16
	{0xFEFF, 0xFEFF},   // ZERO WIDTH NO-BREAK SPACE (BOM)
	{0xFFA0, 0xFFA0},   // HALFWIDTH HANGUL FILLER
	{0xFFF0, 0xFFF8},   // reserved
	{0x1BCA0, 0x1BCA3}, // SHORTHAND FORMAT controls
	{0x1D173, 0x1D17A}, // MUSICAL SYMBOL BEGIN BEAM..END PHRASE
	{0xE0000, 0xE0FFF}, // tags, VARIATION SELECTOR-17..256, reserved
}

func TestDefaultIgnorable(t *testing.T) {
	tablesOnce.Do(initTables)
	listed := func(r rune) bool {
		for _, g := range ignorableRanges {
			if g[0] <= r && r <= g[1] {
				return true
			}
		}
		return false
	}
	bad := 0
	for r := rune(0); r <= unicode.MaxRune && bad < 10; r++ {
		if got, want := isIgnorable(r), listed(r); got != want {
			t.Errorf("isIgnorable(%U) = %v, want %v", r, got, want)
			bad++
		}
		if got, want := defaultIgnorable(r), listed(r); got != want {
			t.Errorf("reference defaultIgnorable(%U) = %v, want %v", r, got, want)
			bad++
		}
	}
	// Some that are not, named: white space, visible format characters
	// (prepended concatenation marks, interlinear annotation, Egyptian
	// hieroglyph format controls), an emoji modifier, and no runes at all.
	for _, r := range []rune{0x0020, 0x0009, 0x3000, 0x0600, 0x06DD, 0x110BD, 0xFFF9, 0xFFFB, 0x13430, 0x1343F, 0x13440, 0x200A, 0x2028, 0x1F3FB, -1, unicode.MaxRune + 1} {
		if isIgnorable(r) {
			t.Errorf("isIgnorable(%U) = true", r)
		}
	}
	// The stable fast path breaks on every one of them.
	for r := rune(0x80); r < 1<<16; r++ {
		if isIgnorable(r) && bmp[r]&bmpStable != 0 {
			t.Errorf("%U is ignorable and stable", r)
		}
	}
}

func TestIsCJK(t *testing.T) {
	for in, want := range map[string]bool{
		"山田": true, "やまだ": true, "ヤマダ": true, "ﾔﾏﾀﾞ": true, "ー": true,
		"Ann Lee": false, "ann@example.com": false, "Müller": false, "": false,
		"C0001": false, "顧客01": true,
		"山\ufe0f田": true, "\ufe0f山": true, "\u200b": false, "John Smithさん": true,
	} {
		if got := IsCJK(in); got != want {
			t.Errorf("IsCJK(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestPhone(t *testing.T) {
	tests := []struct{ in, want string }{
		{"03-1234-5678", "0312345678"},
		{"03(1234)5678", "0312345678"},
		{"(03) 1234-5678", "0312345678"},
		{"0312345678", "0312345678"},
		{"０３－１２３４－５６７８", "0312345678"},
		{"+81 3 1234 5678", "0312345678"},
		{"+81-3-1234-5678", "0312345678"},
		{"81312345678", "0312345678"},
		{"+81 (0)3 1234 5678", "0312345678"},
		{"+81-90-2468-1357", "09024681357"},
		{"090-1111-2222", "09011112222"},
		{"03.1234.5678", "0312345678"},
		{"123", "123"},
		{"tel", ""},
		// Ten digits starting with 81 are not an international form.
		{"8112345678", "8112345678"},
	}
	for _, tt := range tests {
		if got := Phone(tt.in); got != tt.want {
			t.Errorf("Phone(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestPhoneCandidates(t *testing.T) {
	tests := []struct {
		text string
		want []string // canonical candidates that must be found
		not  []string // and must not
	}{
		{"TEL:03-1234-5678", []string{"0312345678"}, nil},
		{"電話03-1234-5678まで", []string{"0312345678"}, nil},
		{"０３（１２３４）５６７８", []string{"0312345678"}, nil},
		{"＋８１ ３ １２３４ ５６７８", []string{"0312345678"}, nil},
		{"03−1234−5678", []string{"0312345678"}, nil}, // U+2212 minus
		{"03ー1234ー5678", []string{"0312345678"}, nil}, // prolonged sound mark
		{"03 - 1234 - 5678", []string{"0312345678"}, nil},
		{"03-1234-5678 / 090 1111 2222", []string{"0312345678", "09011112222"}, nil},
		{"03-1234-567", nil, []string{"0312345678", "031234567"}},
		{"1234-5678", nil, []string{"0312345678"}},
		{"90312345678", nil, []string{"0312345678"}},
		{"0312345678901234567890", nil, []string{"0312345678"}},
		{"03-1234-56789", nil, []string{"0312345678"}},
		{"03\n1234\n5678", nil, []string{"0312345678"}},
		{"03abc1234-5678", nil, []string{"0312345678"}},
		{"03      1234 5678", nil, []string{"0312345678"}},
		// Default-ignorable runes are not there for the finder.
		{"0\u200b3-1234-5678", []string{"0312345678"}, nil},
		{"03-\u00ad1234\u2060-5678", []string{"0312345678"}, nil},
	}
	for _, tt := range tests {
		got := PhoneCandidates(tt.text)
		for _, w := range tt.want {
			if !slices.Contains(got, w) {
				t.Errorf("PhoneCandidates(%q) = %q, missing %q", tt.text, got, w)
			}
		}
		for _, n := range tt.not {
			if slices.Contains(got, n) {
				t.Errorf("PhoneCandidates(%q) = %q, must not contain %q", tt.text, got, n)
			}
		}
	}
}

// collect is a Sink that keeps everything.
type collect struct {
	spaced, compact strings.Builder
	phones          []string
}

func (c *collect) Spaced(b []byte, _ *Positions)  { c.spaced.Write(b) }
func (c *collect) Compact(b []byte, _ *Positions) { c.compact.Write(b) }
func (c *collect) Phone(b []byte, _, _ int64)     { c.phones = append(c.phones, string(b)) }

// cgj is COMBINING GRAPHEME JOINER, which NFKC and NFC insert into runs of
// more than 30 combining marks (stream-safe format).
const cgj = 0x034F

// defaultIgnorable is Unicode's Default_Ignorable_Code_Point, derived the
// way DerivedCoreProperties.txt says, straight from the unicode tables.
func defaultIgnorable(r rune) bool {
	return unicode.In(r, unicode.Other_Default_Ignorable_Code_Point, unicode.Cf, unicode.Variation_Selector) &&
		!unicode.In(r, unicode.White_Space, unicode.Prepended_Concatenation_Mark) &&
		!(0xFFF9 <= r && r <= 0xFFFB) && !(0x13430 <= r && r <= 0x13440)
}

// reference computes the two forms the slow, obvious way: NFKC of the whole
// string (of each run of valid UTF-8), without default-ignorable runes,
// then rune by rune (separators, folding), NFC of each word, and in the
// spaced form a space where CJK and another script meet. The fast paths of
// the real code must agree.
func reference(s string) (spaced, compact string) {
	var sp, cp []byte
	sp = append(sp, ' ')
	last := true
	// NFKC of each run of valid UTF-8: an invalid byte separates, and
	// norm would otherwise leave a mark after it unnormalized.
	var nfkc strings.Builder
	for len(s) > 0 {
		i := 0
		for i < len(s) {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				break
			}
			i += size
		}
		nfkc.WriteString(norm.NFKC.String(s[:i]))
		if i < len(s) {
			nfkc.WriteRune(utf8.RuneError)
			i++
		}
		s = s[i:]
	}
	for _, r := range nfkc.String() {
		if defaultIgnorable(r) {
			continue // CGJ among them
		}
		if r == utf8.RuneError || !(unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.IsMark(r)) {
			if !last {
				sp = append(sp, ' ')
				last = true
			}
			continue
		}
		switch {
		case 0x3041 <= r && r <= 0x3096, r == 0x309D, r == 0x309E:
			r += 0x60
		default:
			r = unicode.ToLower(r)
		}
		sp = utf8.AppendRune(sp, r)
		last = false
	}
	if !last {
		sp = append(sp, ' ')
	}
	// Folding, or dropping a default-ignorable rune, may have made a rune
	// and a mark after it composable (ゑ゙ → ヹ, İ̈ → ï, İ̹̈ → ï̹, e U+200B
	// U+0301 → é): the forms are the NFC of each folded word.
	words := strings.Split(string(sp), " ")
	scripts := make([]string, len(words))
	for i, w := range words {
		// norm inserts a CGJ into long runs of marks (stream-safe
		// format); the forms leave CGJs out, as NFKC's.
		words[i] = strings.ReplaceAll(norm.NFC.String(w), string(rune(cgj)), "")
		scripts[i] = splitScripts(words[i])
	}
	sp = []byte(strings.Join(scripts, " "))
	cp = []byte(strings.Join(words, ""))
	return string(sp), string(cp)
}

// splitScripts puts a space into the word w wherever a CJK rune and a rune
// of another script meet, a mark going with the rune before it.
func splitScripts(w string) string {
	var b strings.Builder
	var cjk bool
	for i, r := range w {
		c := unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana) || r == 0x30FC
		switch {
		case i == 0:
			cjk = c
		case c != cjk && !unicode.IsMark(r):
			b.WriteByte(' ')
			cjk = c
		}
		b.WriteRune(r)
	}
	return b.String()
}

// spans is a Sink that finds given words in the compact form, and padded
// words (" word ") in the spaced form as the scanner does, and records
// where Positions puts them in the original text.
type spans struct {
	words, padded   []string
	compact, spaced []byte
	found           []string // original text of each occurrence
	text            string
}

func (c *spans) Spaced(b []byte, at *Positions) {
	keep := min(int64(len(c.spaced)), at.Base())
	from := at.Base() - keep
	c.spaced = append(c.spaced[len(c.spaced)-int(keep):], b...)
	for _, w := range c.padded {
		w = " " + w + " "
		for i := 0; ; {
			j := strings.Index(string(c.spaced[i:]), w)
			if j < 0 {
				break
			}
			start, end := from+int64(i+j), from+int64(i+j+len(w))
			if end > at.Base() {
				// The padding spaces are not part of what the user wrote.
				c.found = append(c.found, "sp:"+c.text[at.Start(start+1):at.End(end-1)])
			}
			i += j + 1
		}
	}
}
func (c *spans) Phone(d []byte, start, end int64) {
	c.found = append(c.found, "tel:"+c.text[start:end])
}
func (c *spans) Compact(b []byte, at *Positions) {
	// Look in the previous piece's tail too, as a matcher would.
	keep := min(int64(len(c.compact)), at.Base())
	from := at.Base() - keep
	c.compact = append(c.compact[len(c.compact)-int(keep):], b...)
	for _, w := range c.words {
		for i := 0; ; {
			j := strings.Index(string(c.compact[i:]), w)
			if j < 0 {
				break
			}
			start, end := from+int64(i+j), from+int64(i+j+len(w))
			if end > at.Base() { // not reported with the previous piece
				c.found = append(c.found, c.text[at.Start(start):at.End(end)])
			}
			i += j + 1
		}
	}
}

// TestPositions checks that matches in the normalized forms are mapped back
// to the original bytes, across NFKC rewrites, folding and chunking.
func TestPositions(t *testing.T) {
	tests := []struct {
		text          string
		words, padded []string
		want          []string
	}{
		{"Dear ANN LEE, hi", []string{"annlee"}, []string{"ann lee"}, []string{"ANN LEE", "sp:ANN LEE"}},
		{"x ﾔﾏﾀﾞ ﾀﾛｳ様", []string{"ヤマダタロウ"}, nil, []string{"ﾔﾏﾀﾞ ﾀﾛｳ"}},
		{"お客様：山田　太郎（やまだ たろう）", []string{"山田太郎", "ヤマダタロウ"}, nil, []string{"山田　太郎", "やまだ たろう"}},
		{"ＡＮＮ　ＬＥＥ", []string{"annlee"}, nil, []string{"ＡＮＮ　ＬＥＥ"}},
		{"久保誠一さん", []string{"久保誠", "久保誠一"}, nil, []string{"久保誠", "久保誠一"}},
		// A rune composed with the mark after it when folding made that
		// possible; the word still maps onto the original text.
		{"Mr AH̱MED and Äİ̈X", []string{"aẖmed", "ẖmed", "äïx"}, nil, []string{"AH̱MED", "H̱MED", "Äİ̈X"}},
		{"TEL ０３－１２３４－５６７８ まで", nil, nil, []string{"tel:０３－１２３４－５６７８"}},
		{"call 03-1234-5678.", nil, nil, []string{"tel:03-1234-5678"}},
		{strings.Repeat("あいうえお、", 5000) + "Ann Lee", []string{"annlee"}, nil, []string{"Ann Lee"}},
		// Dropped default-ignorable runes map to nothing: a match around
		// them covers them, one next to them does not.
		{"x 山\ufe0f田太郎様", []string{"山田太郎"}, nil, []string{"山\ufe0f田太郎"}},
		{"\u200b山田太郎\u200b", []string{"山田太郎"}, nil, []string{"山田太郎"}},
		{"mail ta\u00adro@exam\u200bple.com\u200b.", nil, []string{"taro example com"}, []string{"sp:ta\u00adro@exam\u200bple.com"}},
		{"Ren\u200be\u0301 x", []string{"rené"}, nil, []string{"Ren\u200be\u0301"}},
		{"TEL 0\u200b3-1234-5678", nil, nil, []string{"tel:0\u200b3-1234-5678"}},
		// A word glued to Japanese is found in the spaced form, where the
		// user wrote it.
		{"…は、taro@example.co.jpは先方の", nil, []string{"taro example co jp"}, []string{"sp:taro@example.co.jp"}},
		{"Dear John Smithさん", nil, []string{"john smith"}, []string{"sp:John Smith"}},
		{"顧客Ｃ０００１様", []string{"c0001様"}, []string{"c0001"}, []string{"Ｃ０００１様", "sp:Ｃ０００１"}},
		{"3月12日", nil, []string{"12"}, []string{"sp:12"}},
		{strings.Repeat("お世話になります。", 2000) + "山\ufe0f田 taro@example.co.jpは", []string{"山田"}, []string{"taro example co jp"}, []string{"山\ufe0f田", "sp:taro@example.co.jp"}},
	}
	for _, tt := range tests {
		for _, wrap := range []func(io.Reader) io.Reader{
			func(r io.Reader) io.Reader { return r },
			iotest.OneByteReader,
			iotest.HalfReader,
		} {
			c := &spans{words: tt.words, padded: tt.padded, text: tt.text}
			if err := Stream(wrap(strings.NewReader(tt.text)), c); err != nil {
				t.Fatal(err)
			}
			slices.Sort(c.found)
			want := slices.Sorted(slices.Values(tt.want))
			if !slices.Equal(c.found, want) {
				t.Errorf("%.40q: found %q, want %q", tt.text, c.found, want)
			}
		}
	}
}

// TestStreamMatchesStrings checks that streaming, in chunks of any size,
// gives exactly the forms of the whole-string functions: customer values
// and mail text must normalize alike.
func TestStreamMatchesStrings(t *testing.T) {
	texts := []string{
		"",
		"Ann Lee <ann.lee@example.com>",
		"ﾀｶﾊｼ ﾐｻｷ 様のご連絡先は ０８０－３３３３－４４４４ です。",
		strings.Repeat("山田　太郎 ﾔﾏﾀﾞ ", 5000) + "end",
		"e\u0301\u0301\u0301 combining " + strings.Repeat("\u0301", 100),
		"bad \xff\xfe utf-8 \xe5\xb1",
		strings.Repeat("ta\u00adro@exam\u200bple.com 山\ufe0f田太郎様 0\u200b3-1234-5678 John Smithさん ｽｰﾊﾟｰmarket ", 1000),
	}
	// Default-ignorable runes where Stream cuts its first read: the mark
	// after them must compose (and reorder) with the rune before them.
	for _, tail := range []string{"a\u0301\u200b\u0323 end", "e\u200b\ufe0f\u0301 end", "山\ufe0f\U000E0100\u3099 end", "ヰ\u200b\u3099 end"} {
		for d := -4; d <= 4; d++ {
			texts = append(texts, strings.Repeat("x", chunkSize-len(tail)+4+d)+tail)
		}
	}
	for _, text := range texts {
		for _, wrap := range []func(io.Reader) io.Reader{
			func(r io.Reader) io.Reader { return r },
			iotest.OneByteReader,
			iotest.HalfReader,
		} {
			var c collect
			if err := Stream(wrap(strings.NewReader(text)), &c); err != nil {
				t.Fatal(err)
			}
			if got, want := c.spaced.String(), Spaced(text); got != want {
				t.Errorf("Stream spaced differs from Spaced for %.40q:\n got %.80q\nwant %.80q", text, got, want)
			}
			if got, want := c.compact.String(), Compact(text); got != want {
				t.Errorf("Stream compact differs from Compact for %.40q", text)
			}
			if rsp, rcp := reference(text); rsp != c.spaced.String() || rcp != c.compact.String() {
				t.Errorf("Stream differs from the reference for %.40q", text)
			}
			if got, want := c.phones, PhoneCandidates(text); !slices.Equal(got, want) {
				t.Errorf("Stream phones %q, PhoneCandidates %q", got, want)
			}
		}
	}
}

func TestCutAt(t *testing.T) {
	tablesOnce.Do(initTables)
	tests := []struct {
		data string
		want int
	}{
		{"ab", 1},
		{"abc\u0301", 2},
		{"ab\u200b", 1},                          // not after a dropped rune: a mark may follow
		{"ab\u200b\u200bc", 8},                   // before a kept rune that starts a segment
		{"ab\u200b\u0301", 1},                    // the mark goes with b
		{"\u200b\u200b", 0},                      // nowhere
		{"ab\U000E0001\U000E0100", 1},            // above the BMP too
		{"山田\ufe0f", 3},                          // 田 may take a mark after U+FE0F
		{"ab\xff", 2},                            // an invalid byte is a segment of its own
		{"ab\u200b\xcc", 1},                      // U+0323 cut off after U+200B
		{"a" + strings.Repeat("\u00ad", 100), 0}, // too far back: maxCutBack
	}
	for _, tt := range tests {
		if got := cutAt([]byte(tt.data)); got != tt.want {
			t.Errorf("cutAt(%+q) = %d, want %d", tt.data, got, tt.want)
		}
	}
}

// TestScriptBoundaryPosition checks that the space between CJK and other
// scripts stands for an empty range of the original text at the boundary.
func TestScriptBoundaryPosition(t *testing.T) {
	for _, tt := range []struct {
		text string
		at   int64 // offset of the boundary space in the spaced form
		want int64 // its place in the text
	}{
		{"C0001様", 6, 5}, // " c0001 様 "
		{"様C0001", 4, 3}, // " 様 c0001 "
		{"山田ｔａｒｏ", 7, 6}, // " 山田 taro "
		{"山\ufe0fTaro", 4, 6},
	} {
		var got []int64
		sink := &posSink{at: func(b []byte, at *Positions) {
			if b[tt.at] != ' ' {
				t.Errorf("%q: spaced form %q has no space at %d", tt.text, b, tt.at)
				return
			}
			got = append(got, at.Start(tt.at), at.End(tt.at+1))
		}}
		if err := Stream(strings.NewReader(tt.text), sink); err != nil {
			t.Fatal(err)
		}
		if want := []int64{tt.want, tt.want}; !slices.Equal(got, want) {
			t.Errorf("%q: boundary space at %d maps to [Start, End) %v, want %v", tt.text, tt.at, got, want)
		}
	}
}

// posSink hands each spaced piece to at.
type posSink struct{ at func([]byte, *Positions) }

func (s *posSink) Spaced(b []byte, at *Positions) { s.at(b, at) }
func (s *posSink) Compact([]byte, *Positions)     {}
func (s *posSink) Phone([]byte, int64, int64)     {}

// TestLongIgnorableRuns checks that long runs of default-ignorable runes
// cost linear time (looking ahead from each of them would be quadratic:
// minutes for these) and are dropped whole.
func TestLongIgnorableRuns(t *testing.T) {
	const n = 1 << 16
	for _, tt := range []struct{ text, spaced string }{
		{"x" + strings.Repeat("\u200b", n) + "y", " xy "},
		{"山" + strings.Repeat("\u00ad\ufe0f", n) + "田", " 山田 "},
		{strings.Repeat("山\u200d", n/4) + "!", " " + strings.Repeat("山", n/4) + " "},
		{"\xff" + strings.Repeat("\u2060", n) + "\u0301", " \u0301 "},
	} {
		start := time.Now()
		if got := Spaced(tt.text); got != tt.spaced {
			t.Errorf("Spaced(%.20q...) = %.20q..., want %.20q...", tt.text, got, tt.spaced)
		}
		for _, wrap := range []func(io.Reader) io.Reader{iotest.HalfReader, iotest.OneByteReader} {
			var c collect
			if err := Stream(wrap(strings.NewReader(tt.text)), &c); err != nil {
				t.Fatal(err)
			}
			if c.spaced.String() != tt.spaced {
				t.Errorf("Stream(%.20q...) differs from Spaced", tt.text)
			}
		}
		if d := time.Since(start); d > 20*time.Second {
			t.Errorf("%.20q...: %v, want linear time", tt.text, d)
		}
	}
}

func TestStreamReadError(t *testing.T) {
	var c collect
	err := Stream(iotest.ErrReader(io.ErrUnexpectedEOF), &c)
	if err != io.ErrUnexpectedEOF {
		t.Errorf("Stream error = %v, want %v", err, io.ErrUnexpectedEOF)
	}
}

func FuzzNormalize(f *testing.F) {
	f.Add("Ann Lee <ann.lee@example.com> 03-1234-5678")
	f.Add("ﾔﾏﾀﾞ ﾀﾛｳ　山田・太郎 ０３（１２３４）５６７８ ＋８１")
	f.Add("\xff\xfe\u0301\u3099")
	f.Add("ﾞ")
	f.Fuzz(func(t *testing.T, s string) {
		sp := Spaced(s)
		if !strings.HasPrefix(sp, " ") || !strings.HasSuffix(sp, " ") {
			t.Fatalf("Spaced(%q) = %q: want a space at each end", s, sp)
		}
		if strings.Contains(sp, "  ") {
			t.Fatalf("Spaced(%q) = %q: double space", s, sp)
		}
		if !utf8.ValidString(sp) {
			t.Fatalf("Spaced(%q) is not valid UTF-8", s)
		}
		cp := Compact(s)
		if strings.ReplaceAll(sp, " ", "") != cp {
			t.Fatalf("Compact(%q) = %q, not Spaced without spaces (%q)", s, cp, sp)
		}
		// A normalized value normalizes to itself: patterns are stable.
		if again := Spaced(sp); again != sp {
			t.Fatalf("Spaced not idempotent on %q: %q then %q", s, sp, again)
		}
		var c collect
		if err := Stream(iotest.HalfReader(strings.NewReader(s)), &c); err != nil {
			t.Fatal(err)
		}
		if c.spaced.String() != sp || c.compact.String() != cp {
			t.Fatalf("Stream differs from Spaced/Compact on %q", s)
		}
		if rsp, rcp := reference(s); rsp != sp || rcp != cp {
			t.Fatalf("forms of %q: got %q %q, reference %q %q", s, sp, cp, rsp, rcp)
		}
		for _, p := range c.phones {
			if len(p) < MinPhoneDigits || len(p) > MaxPhoneDigits || strings.Trim(p, "0123456789") != "" {
				t.Fatalf("bad phone candidate %q from %q", p, s)
			}
		}
	})
}
