package normalize

import (
	"io"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
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
		// Circled digits and compatibility ideographs.
		{"サンプル商事①", " サンプル商事1 ", "サンプル商事1"},
		{"㈱山田", " 株 山田 ", "株山田"},
		// Invalid UTF-8 is a separator.
		{"ann\xffLee", " ann lee ", "annlee"},
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

func TestIsCJK(t *testing.T) {
	for in, want := range map[string]bool{
		"山田": true, "やまだ": true, "ヤマダ": true, "ﾔﾏﾀﾞ": true, "ー": true,
		"Ann Lee": false, "ann@example.com": false, "Müller": false, "": false,
		"C0001": false, "顧客01": true,
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

// reference computes the two forms the slow, obvious way: NFKC of the whole
// string, then rune by rune. The fast paths of the real code must agree.
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
		if r == cgj {
			continue
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
	// Folding may have made a rune and a mark after it composable (ゑ゙ →
	// ヹ, İ̈ → ï, İ̹̈ → ï̹): the forms are the NFC of each folded word.
	words := strings.Split(string(sp), " ")
	for i, w := range words {
		// norm inserts a CGJ into long runs of marks (stream-safe
		// format); the forms leave CGJs out, as NFKC's.
		words[i] = strings.ReplaceAll(norm.NFC.String(w), string(rune(cgj)), "")
	}
	sp = []byte(strings.Join(words, " "))
	cp = []byte(strings.Join(words, ""))
	return string(sp), string(cp)
}

// spans is a Sink that finds given words in the compact form and records
// where Positions puts them in the original text.
type spans struct {
	words   []string
	compact []byte
	found   []string // original text of each occurrence
	text    string
}

func (c *spans) Spaced([]byte, *Positions) {}
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
		text  string
		words []string
		want  []string
	}{
		{"Dear ANN LEE, hi", []string{"annlee"}, []string{"ANN LEE"}},
		{"x ﾔﾏﾀﾞ ﾀﾛｳ様", []string{"ヤマダタロウ"}, []string{"ﾔﾏﾀﾞ ﾀﾛｳ"}},
		{"お客様：山田　太郎（やまだ たろう）", []string{"山田太郎", "ヤマダタロウ"}, []string{"山田　太郎", "やまだ たろう"}},
		{"ＡＮＮ　ＬＥＥ", []string{"annlee"}, []string{"ＡＮＮ　ＬＥＥ"}},
		{"久保誠一さん", []string{"久保誠", "久保誠一"}, []string{"久保誠", "久保誠一"}},
		// A rune composed with the mark after it when folding made that
		// possible; the word still maps onto the original text.
		{"Mr AH̱MED and Äİ̈X", []string{"aẖmed", "ẖmed", "äïx"}, []string{"AH̱MED", "H̱MED", "Äİ̈X"}},
		{"TEL ０３－１２３４－５６７８ まで", nil, []string{"tel:０３－１２３４－５６７８"}},
		{"call 03-1234-5678.", nil, []string{"tel:03-1234-5678"}},
		{strings.Repeat("あいうえお、", 5000) + "Ann Lee", []string{"annlee"}, []string{"Ann Lee"}},
	}
	for _, tt := range tests {
		for _, wrap := range []func(io.Reader) io.Reader{
			func(r io.Reader) io.Reader { return r },
			iotest.OneByteReader,
			iotest.HalfReader,
		} {
			c := &spans{words: tt.words, text: tt.text}
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
