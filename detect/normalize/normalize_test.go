package normalize

import (
	"io"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
	"unicode/utf8"
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

func (c *collect) Spaced(b []byte)  { c.spaced.Write(b) }
func (c *collect) Compact(b []byte) { c.compact.Write(b) }
func (c *collect) Phone(b []byte)   { c.phones = append(c.phones, string(b)) }

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
		for _, p := range c.phones {
			if len(p) < MinPhoneDigits || len(p) > MaxPhoneDigits || strings.Trim(p, "0123456789") != "" {
				t.Fatalf("bad phone candidate %q from %q", p, s)
			}
		}
	})
}
