package rtf

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
)

func body(t *testing.T, src string) string {
	t.Helper()
	items, err := read(t, src, Limits{})
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	b, _ := item(items, "body")
	return b
}

// TestText covers the control words that make text, one small document
// each.
func TestText(t *testing.T) {
	t.Parallel()
	jp := `{\rtf1\ansi\ansicpg932\deff0{\fonttbl{\f0\fcharset128 MS Mincho;}{\f1\fcharset0 Arial;}}`
	cases := []struct{ name, src, want string }{
		{"cp932 pair", jp + `\'83\'5c\'95\'5c}`, "ソ表"},
		{"cp932 literal trail", jp + `\'83A\'83\\\'82\'a0}`, "アソあ"}, // 0x83 0x5C written as \'83\\ is ソ
		{"cp932 pair over a line break", jp + "\\'8e\r\n\\'52\\'93\\'63}", "山田"},
		{"ansicpg932 default font", `{\rtf1\ansi\ansicpg932{\fonttbl{\f0 Arial;}}\'93\'8c\'8b\'9e}`, "東京"},
		{"fcharset134 GBK", jp + `{\fonttbl{\f2\fcharset134 SimSun;}}{\f2 \'d6\'d0}}`, "中"},
		{"fcharset129 Hangul", jp + `{\fonttbl{\f2\fcharset129 Gulim;}}{\f2 \'c7\'d1}}`, "한"},
		{"fcharset136 Big5", jp + `{\fonttbl{\f2\fcharset136 MingLiU;}}{\f2 \'a4\'a4}}`, "中"},
		{"fcharset0 is the ansi cp", `{\rtf1\ansi\ansicpg1251{\fonttbl{\f0\fcharset0 Arial;}}\f0 \'cf}`, "П"},
		{"font switch back", `{\rtf1\ansi\ansicpg1252{\fonttbl{\f0 Arial;}{\f1\fcharset128 Gothic;}}{\f1 \'82\'a0}caf\'e9 {\f1 \'82\'a0}}`, "あcafé あ"},
		{"dbch associated font", `{\rtf1\ansi\ansicpg1252{\fonttbl{\f0\fcharset0 Arial;}{\f1\fcharset128 MS Gothic;}}\loch\f0 a\dbch\af1 \'82\'a0}`, "aあ"},
		{"unicode skip uc1", rtfDoc(`\u12354?x`), "あx"},
		{"unicode skip uc2 escapes", rtfDoc(`\uc2\u21513\'8b\'67x`), "吉x"},
		{"unicode skip ends at group", rtfDoc(`{\uc3\u12354}x`), "あx"},
		{"unicode negative", rtfDoc(`\u-1\'3f`), "\uffff"},
		{"unicode negative CJK", rtfDoc(`\u-30158?`), "\u8a32"},
		{"surrogate pair", rtfDoc(`\uc0\u-10174\u-8294 `), "\U00020B9A"},
		{"lone surrogate", rtfDoc(`\uc0\u-8694 x`), "\ufffdx"},
		{"par line tab", rtfDoc(`a\par b\line c\tab d`), "a\nb\nc\td"},
		{"table row one line", rtfDoc(`\trowd\cellx1\cellx2\pard\intbl \u23665?\u30000?\cell 03-1234-5678\cell\row\pard next`), "山田\t03-1234-5678\nnext"},
		{"paragraph in cell", rtfDoc(`\pard\intbl a\par b\cell c\cell\row`), "a b\tc\n"},
		{"hidden text", rtfDoc(`a{\v secret}b`), "asecretb"},
		{"symbols", rtfDoc(`\{\}\\\~\_\-x\emdash\lquote\rdblquote`), "{}\\\u00a0-x—‘”"},
		{"skipped destinations", rtfDoc(`{\colortbl;\red0;}{\stylesheet{\s0 Normal;}}{\*\generator x}{\*\unknown y}{\pict 0a0b}z`), "z"},
		{"bin skipped", rtfDoc(`{\pict\bin3 }{}x}y`), "y"},
		{"field result and link", rtfDoc(`Mail {\field{\*\fldinst HYPERLINK "mailto:a@example.jp" \\o "t"}{\fldrslt us}} now\par next`), "Mail us now\nmailto:a@example.jp\nnext"},
		{"other field", rtfDoc(`{\field{\*\fldinst PAGE}{\fldrslt 3}}`), "3"},
		{"listtext", rtfDoc(`{\listtext 1.\tab}item`), "1.\titem"},
		{"text box", rtfDoc(`{\shp{\*\shpinst{\sp{\sn fill}{\sv 1}}{\shptxt box 03-1234-5678}}}{\shprslt{\*\do box 03-1234-5678}}`), "box 03-1234-5678"},
		{"upr", rtfDoc(`{\upr{x ansi}{\*\ud{uni \u12354?}}}`), "uni あ"},
		{"text after the document", rtfDoc(`a`) + `trailing`, "a"},
		{"control word with long param", rtfDoc(`\fs999999999999999999 a`), "a"},
		{"word at 32 letters", rtfDoc(`\abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdef a`), "a"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if got := body(t, c.src); got != c.want {
				t.Errorf("body = %q, want %q", got, c.want)
			}
		})
	}
}

// TestItems covers what leaves the body: info, headers, footnotes,
// comments.
func TestItems(t *testing.T) {
	t.Parallel()
	src := rtfDoc(`{\info{\title T}{\author \u23665?\u30000?}{\*\company C}{\creatim\yr2026}}` +
		`{\header h}{\footerf f}text{\footnote n1}{\footnote\ftnalt e1}{\footnote n2}` +
		`{\*\atnid TY}{\*\atnauthor Taro}\chatn{\*\annotation{\*\atndate 1}note 090-1111-2222}`)
	items, err := read(t, src, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	want := "== info (text)\ntitle: T\nauthor: 山田\ncompany: C\n== header (text)\nh\n== footer (first) (text)\nf\n" +
		"== footnote 1 (text)\nn1\n== endnote 1 (text)\ne1\n== footnote 2 (text)\nn2\n== comment 1 (text)\nTY\nTaro\nnote 090-1111-2222\n== body (text)\ntext\n"
	if got := render(items, nil); got != want {
		t.Errorf("items:\n%s\nwant:\n%s", got, want)
	}
}

// TestHyperlinkTarget reads the target of HYPERLINK instructions.
func TestHyperlinkTarget(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		` HYPERLINK "mailto:taro@example.jp" `:    "mailto:taro@example.jp",
		`HYPERLINK \l "bookmark" `:                "",
		`HYPERLINK \o "tip" "http://x.example/" `: "http://x.example/",
		`hyperlink http://y.example/a`:            "http://y.example/a",
		`HYPERLINK "C:\\\\dir\\\\f.doc"`:          `C:\\dir\\f.doc`,
		`PAGE`:                                    "",
		`HYPERLINK "unterminated`:                 "unterminated",
	} {
		if got := hyperlinkTarget(in); got != want {
			t.Errorf("hyperlinkTarget(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestObjects covers \objdata that is not a well-formed OLE1 embedded
// object.
func TestObjects(t *testing.T) {
	t.Parallel()
	obj := func(hex string) string {
		return rtfDoc(`{\object\objemb{\*\objclass Foo.Bar}{\*\objdata ` + hex + `}{\result x}}`)
	}
	// OLE1 embedded: version, FormatID 2, class "A", topic "", item "",
	// NativeDataSize 0xFFFFFFF0 (a claim far past the data), "hello".
	claim := "01050000" + "02000000" + "0200000041" + "00" + "00000000" + "00000000" + "f0ffffff" + "68656c6c6f"
	items, err := read(t, obj(claim), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if d, ok := item(items, "object 1 (A)"); !ok || d != "hello" {
		t.Errorf("size claim: %s", render(items, nil))
	}
	// Not OLE1: handed out as it is, named by \objclass.
	items, _ = read(t, obj("3c68746d6c3e"), Limits{})
	if d, ok := item(items, "object 1 (Foo.Bar)"); !ok || d != "<html>" {
		t.Errorf("raw objdata: %s", render(items, nil))
	}
	// \bin data in objdata.
	items, _ = read(t, rtfDoc(`{\object{\*\objdata \bin3 a}b}}`), Limits{})
	if d, ok := item(items, "object 1"); !ok || d != "a}b" {
		t.Errorf("bin objdata: %s", render(items, nil))
	}
	// A linked object has no data.
	items, _ = read(t, obj("01050000"+"01000000"+"0200000041"+"00"+"00000000"+"00000000"), Limits{})
	if len(items) != 1 || items[0].name != "body" {
		t.Errorf("linked: %s", render(items, nil))
	}
	// objdata outside an object is dropped.
	items, _ = read(t, rtfDoc(`{\*\objdata 4142}x`), Limits{})
	if render(items, nil) != "== body (text)\nx\n" {
		t.Errorf("stray objdata: %s", render(items, nil))
	}
}

// TestErrors checks that damaged, unsupported and bounded documents give
// the right sentinel, with what was read emitted first.
func TestErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		src     string
		lim     Limits
		want    error
		wantOut string // body emitted before the error
	}{
		{"truncated", `{\rtf1 hello {\b world`, Limits{}, ErrCorrupt, "hello world"},
		{"truncated in a word", `{\rtf1 hello \pa`, Limits{}, ErrCorrupt, "hello "},
		{"truncated escape", `{\rtf1 hello \'8`, Limits{}, ErrCorrupt, "hello "},
		{"bin past the end", `{\rtf1 hello \bin99999999999 x}`, Limits{}, ErrCorrupt, "hello "},
		{"not rtf", `hello`, Limits{}, ErrCorrupt, ""},
		{"empty", ``, Limits{}, ErrCorrupt, ""},
		{"urtf", `{\urtf1 hello}`, Limits{}, ErrUnsupported, ""},
		{"pocket word", `{\pwd1 hello}`, Limits{}, ErrUnsupported, ""},
		{"depth", `{\rtf1 a` + strings.Repeat("{", 300) + "b" + strings.Repeat("}", 301), Limits{}, ErrLimit, "a"},
		{"output", rtfDoc(strings.Repeat("abcdefgh", 100)), Limits{MaxOutput: 100}, ErrLimit, strings.Repeat("abcdefgh", 12) + "abcd"},
		{"items", rtfDoc(strings.Repeat(`{\footnote n}`, 5) + "b"), Limits{MaxItems: 3}, ErrLimit, "b"}, // the body keeps its slot
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			items, err := read(t, c.src, c.lim)
			if !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
			b, _ := item(items, "body")
			if b != c.wantOut {
				t.Errorf("body = %q, want %q", b, c.wantOut)
			}
		})
	}
}

// TestStops checks that a cancelled context and emit's error stop the
// read and are returned as they are.
func TestStops(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	src := rtfDoc(strings.Repeat(`{\b x}`, 10000))
	err := Read(ctx, strings.NewReader(src), Limits{}, func(Item) error { t.Error("emit called"); return nil })
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	boom := errors.New("boom")
	n := 0
	err = Read(context.Background(), strings.NewReader(rtfDoc(`{\footnote a}{\footnote b}c`)), Limits{}, func(Item) error { n++; return boom })
	if err != boom || n != 1 {
		t.Errorf("emit error: %v after %d calls", err, n)
	}
	// A reader's error is returned, at the start too.
	err = Read(context.Background(), errReader{}, Limits{}, func(Item) error { return nil })
	if !errors.Is(err, errRead) {
		t.Errorf("reader error at the start: %v", err)
	}
	err = Read(context.Background(), io.MultiReader(strings.NewReader(`{\rtf1 a`), errReader{}), Limits{}, func(Item) error { return nil })
	if !errors.Is(err, errRead) {
		t.Errorf("reader error: %v", err)
	}
}

var errRead = errors.New("read failed")

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errRead }

func TestIs(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]bool{
		`{\rtf1\ansi`: true, "\xef\xbb\xbf{\\rtf1": true, "\r\n {\\rtf1": true,
		`{\urtf1`: false, `{\rtf`: true, `{\rt`: false, `hello`: false, ``: false,
	} {
		if got := Is([]byte(in)); got != want {
			t.Errorf("Is(%q) = %v", in, got)
		}
	}
}
