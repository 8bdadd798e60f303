package htmltext

import (
	"bytes"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"testing/iotest"
)

// TestText checks the cases the package exists for, one by one, with
// the exact text expected.
func TestText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		// Inline elements do not split words; blocks and cells do.
		{"inline", "<b>山本</b><span>花子</span>", "山本花子\n"},
		{"inline latin", "Ya<b>mada</b> Ta<o:p>ro</o:p> Su<x-y>zuki</x-y>", "Yamada Taro Suzuki\n"},
		{"cells", "<table><tr><td>山本</td><td>花子</td></tr></table>", "山本\n花子\n"},
		{"blocks", "<div>Ann</div><p>Lee</p>x<br>y", "Ann\nLee\nx\ny\n"},
		// Outside a table a browser ignores <td>, so nothing splits.
		{"td outside a table", "<td>山本</td><td>花子</td>", "山本花子\n"},
		{"stray end tag", "Ya</div>mada", "Yamada\n"},
		{"end p alone", "one</p>two", "one\ntwo\n"},

		// Attributes are pieces of their own, after the line they are in.
		{"alt", `<img alt="山田 太郎" src="a.png">x`, "山田 太郎\na.png\nx\n"},
		{"title mid-word", `Ya<span title="t">ma</span>da`, "Yamada\nt\n"},
		{"presentation skipped", `<td width="100" align="left" bgcolor="#fff">x</td>`, "x\n"},
		{"presentation with data", `<table width="03-1234-5678"><tr><td>x</td></tr></table>`, "03-1234-5678\nx\n"},
		{"mailto", `<a href="mailto:taro%40example.jp?subject=%E5%B1%B1%E7%94%B0">mail</a>`, "taro@example.jp subject=山田\nmail\n"},
		{"url query", `<a href="https://x.example/?n=%E5%B1%B1+%E7%94%B0&amp;t=1">l</a>`, "https://x.example/?n=山 田&t=1\nl\n"},
		{"bad percent", `<a href="mailto:%E5%B1">m</a>`, "%E5%B1\nm\n"},
		{"data url text", `<img src="data:,%E5%B1%B1%E7%94%B0">`, "data: 山田\n"},
		{"style", `<p style="content: 'x'">p</p>`, "content: 'x'\np\n"},

		// Comments end where the tokenizer ends them, and are written.
		{"empty comment", "a<!-->b<!--->c", "abc\n"},
		{"bang end", "a<!-- x --!>b", "ab\n x \n"},
		{"dashes inside", "a<!-- x -- y -->b", "ab\n x -- y \n"},
		{"unclosed comment", "a<!-- 山田 taro@example.jp", "a\n 山田 taro@example.jp\n"},
		{"comment mid-word", "Ya<!-- x -->mada", "Yamada\n x \n"},
		{"bogus", "a<!x y>b<?p q?>c</ z>d", "abcd\nx y\n?p q?\n z\n"},
		{"cdata outside svg", "a<![CDATA[x]]>b", "ab\n[CDATA[x]]\n"},

		// Script and style are written, whole.
		{"script", `<script>var a = "山田</p>";</script>after`, "var a = \"山田</p>\";\nafter\n"},
		{"script escape", `<script><!--<script></script>still--></script>after`, "<!--<script></script>still-->\nafter\n"},
		{"unclosed script", `<script>var a = "山田`, "var a = \"山田\n"},
		{"style", `<style>p{}</style>after`, "p{}\nafter\n"},

		// RCDATA, raw text, plaintext.
		{"textarea", "<textarea>a &amp; <b>b</b></textarea>", "a & <b>b</b>\n"},
		{"title", "<title>a &amp; <b>b</b></title>x", "a & <b>b</b>\nx\n"},
		{"xmp", "<xmp><b>x</b></xmp>", "<b>x</b>\n"},
		{"plaintext", "<plaintext><b>x</b></plaintext>", "<b>x</b></plaintext>\n"},
		{"noscript", "<noscript>a<b>b</b></noscript>", "a<b>b</b>\nab\n"},

		// Foreign content.
		{"cdata in svg", "<svg><text>Ya<![CDATA[ma]]>da</text></svg>", "Yamada\n"},
		{"cdata in foreignObject", "<svg><foreignObject><![CDATA[x]]></foreignObject></svg>", "x\n"},
		{"breakout", "<svg><p>a<![CDATA[x]]></p></svg>", "a\n[CDATA[x]]\n"},
		{"svg title not rcdata", "<svg><title><b>x</b></title></svg>", "x\n"},
		{"svg style not raw", "<svg><style>a<tspan>b</tspan></style></svg>", "ab\n"},
		{"math text", "<math><mi>x</mi><mo>+</mo><mn>1</mn></math>", "x+1\n"},

		// Text not in the line, and text moved by the tree builder.
		{"display none", `Ya<span style="display:none">XX</span>mada`, "Yamada\ndisplay:none\nXX\n"},
		{"display inline", `<div>Ya<div style="display:inline">mada</div></div>`, "Yamada\ndisplay:inline\n"},
		{"ruby", "<ruby>山<rt>やま</rt>田<rt>だ</rt></ruby>", "山田\nやま\nだ\n"},
		{"foster", "x<table>y<tr><td>c</td></tr>z</table>", "x\nc\nxyz\n"},

		// Documents in the document.
		{"srcdoc", `<iframe srcdoc="<b>in</b>ner &lt;!-- c --&gt;"></iframe>`, "inner \n c \n"},

		// What a browser drops but the mail carries.
		{"repeated attribute", `<p title="a" title="b">x</p>`, "a\nb\nx\n"},
		{"end tag attribute", `<p>x</p title="山田">`, "x\n山田\n"},
		{"unfinished tag", `x<img alt="山田`, "x\n<img alt=\"山田\n"},
		{"nul", "Ya\x00mada<p title=\"a\x00b\">", "Yamada\na\ufffdb\n"},
		{"references", "&#23665;&#x7530; &amp; &copy &notin; &nbsp;", "山田 & © ∉ \u00a0\n"},
	}
	for _, tt := range tests {
		got := convert(t, []byte(tt.in), Limits{})
		if got != tt.want {
			t.Errorf("%s: %q\n got %q\nwant %q", tt.name, tt.in, got, tt.want)
		}
	}
}

// TestStreaming checks that the text does not depend on how the input
// is read, for every golden and with small token limits too.
func TestStreaming(t *testing.T) {
	t.Parallel()
	for _, f := range goldens(t) {
		in, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, lim := range []Limits{{}, {MaxTokenBytes: 40}} {
			want, _, err := rendered(t, string(in), lim, noWrap)
			if err != nil {
				t.Fatal(err)
			}
			for _, wrap := range []func(io.Reader) io.Reader{iotest.OneByteReader, iotest.HalfReader, iotest.DataErrReader} {
				got, _, err := rendered(t, string(in), lim, wrap)
				if err != nil {
					t.Fatal(err)
				}
				if got != want {
					t.Errorf("%s, %+v: output depends on the reads:\n%q\nwant\n%q", f, lim, got, want)
				}
			}
			// Read in small pieces too.
			r := NewReader(strings.NewReader(string(in)), lim)
			var b bytes.Buffer
			p := make([]byte, 3)
			for {
				n, err := r.Read(p)
				b.Write(p[:n])
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			if b.String() != want {
				t.Errorf("%s: 3-byte reads differ", f)
			}
		}
	}
}

// TestSrcdocNesting checks that srcdoc documents are converted in turn,
// up to MaxNesting, and written as they are below that.
func TestSrcdocNesting(t *testing.T) {
	t.Parallel()
	// Each level's document holds the next one, escaped once more.
	doc := "<b>level</b> 4"
	for i := 3; i >= 1; i-- {
		doc = "<b>level</b> " + string(rune('0'+i)) + `<iframe srcdoc="` + strings.NewReplacer("&", "&amp;", `"`, "&quot;").Replace(doc) + `"></iframe>`
	}
	in := `<iframe srcdoc="` + strings.NewReplacer("&", "&amp;", `"`, "&quot;").Replace(doc) + `"></iframe>`
	tests := []struct {
		nesting int
		want    []string // converted levels
		raw     string   // the first document written as it is
	}{
		{-1, nil, "<b>level</b> 1"},
		{1, []string{"level 1"}, "<b>level</b> 2"},
		{2, []string{"level 1", "level 2"}, "<b>level</b> 3"},
		{0, []string{"level 1", "level 2", "level 3"}, "<b>level</b> 4"}, // the default, 3
		{4, []string{"level 1", "level 2", "level 3", "level 4"}, ""},
	}
	for _, tt := range tests {
		got := convert(t, []byte(in), Limits{MaxNesting: tt.nesting})
		for _, w := range tt.want {
			if !strings.Contains(got, w+"\n") && !strings.Contains(got, w+"<") {
				t.Errorf("MaxNesting %d: %q not converted in %q", tt.nesting, w, got)
			}
		}
		if tt.raw != "" && !strings.Contains(got, tt.raw) {
			t.Errorf("MaxNesting %d: %q not written as is in %q", tt.nesting, tt.raw, got)
		}
		if tt.raw == "" && strings.Contains(got, "<b>") {
			t.Errorf("MaxNesting %d: a document left unconverted in %q", tt.nesting, got)
		}
	}
}

// TestOutputLimit checks that the text stops at MaxOutput, exactly, with
// ErrOutputLimit after it.
func TestOutputLimit(t *testing.T) {
	t.Parallel()
	in := strings.Repeat("<p>山田 太郎 taro@example.jp</p><!-- c -->", 1000)
	for _, max := range []int64{1, 100, 1000, 10000} {
		b, err := io.ReadAll(NewReader(strings.NewReader(in), Limits{MaxOutput: max}))
		if !errors.Is(err, ErrOutputLimit) {
			t.Errorf("MaxOutput %d: err %v, want ErrOutputLimit", max, err)
		}
		if int64(len(b)) != max {
			t.Errorf("MaxOutput %d: %d bytes", max, len(b))
		}
	}
	// Text just under the limit is not cut.
	full := convert(t, []byte(in), Limits{})
	b, err := io.ReadAll(NewReader(strings.NewReader(in), Limits{MaxOutput: int64(len(full))}))
	if err != nil || string(b) != full {
		t.Errorf("exact limit: %d bytes, %v; want %d, nil", len(b), err, len(full))
	}
}

// TestReadError checks that an error from the reader comes after the
// text before it, unwrapped.
func TestReadError(t *testing.T) {
	t.Parallel()
	errBroken := errors.New("broken")
	for _, lim := range []Limits{{}, {MaxTokenBytes: 32}} {
		in := "<p>山田</p><p>太郎 " + strings.Repeat("x", 100)
		r := NewReader(io.MultiReader(strings.NewReader(in), iotest.ErrReader(errBroken)), lim)
		b, err := io.ReadAll(r)
		if err != errBroken {
			t.Errorf("%+v: err %v, want the reader's", lim, err)
		}
		if !strings.Contains(string(b), "山田\n太郎 xxx") {
			t.Errorf("%+v: text before the error lost: %q", lim, b)
		}
	}
}

// TestSideQueue checks that side pieces wait for the end of the line, and
// that a line with more side text than sideMax is interrupted and its
// tail written again, so a word around the interruption is still whole.
func TestSideQueue(t *testing.T) {
	t.Parallel()
	got := convert(t, []byte(`Ya<span title="one">ma</span>da <i title="two">Taro</i><p>next`), Limits{})
	if want := "Yamada Taro\none\ntwo\nnext\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	big := strings.Repeat("c", sideMax+1)
	got = convert(t, []byte("Yama<!--"+big+"-->da Taro"), Limits{})
	if !strings.Contains(got, "Yama\n"+big+"\nYamada Taro\n") {
		t.Errorf("interrupted line not written again: %q...", got[:40])
	}
}

// TestDepth checks elements nested deeper than MaxDepth: counted, their
// text kept, the stack bounded.
func TestDepth(t *testing.T) {
	t.Parallel()
	const n = 100000
	in := strings.Repeat("<div>", n) + "山田" + strings.Repeat("</div>", n) + "after"
	c := NewReader(strings.NewReader(in), Limits{}).(*conv)
	b, err := io.ReadAll(c)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(b); got != "山田\nafter\n" {
		t.Errorf("got %q", got)
	}
	if cap(c.st.e) > 2*DefaultMaxDepth {
		t.Errorf("stack grew to %d", cap(c.st.e))
	}
	// Past the limit nothing is matched: a <svg> there is not tracked,
	// and the text around still comes out.
	in = strings.Repeat("<span>", 600) + "<svg><![CDATA[x]]></svg>y" + strings.Repeat("</span>", 600) + "z"
	got := convert(t, []byte(in), Limits{MaxDepth: 512})
	if !strings.Contains(got, "[CDATA[x]]") || !strings.Contains(got, "yz") {
		t.Errorf("deep svg: %q", got)
	}
}

// TestUnfinishedLongTag checks a tag cut by the end of the input after
// more than MaxTokenBytes: its attributes are written, a srcdoc among
// them too.
func TestUnfinishedLongTag(t *testing.T) {
	t.Parallel()
	in := `<iframe title="` + strings.Repeat("t", 40) + `" srcdoc="<b>山田</b>" alt="x`
	got := convert(t, []byte(in), Limits{MaxTokenBytes: 32})
	for _, want := range []string{strings.Repeat("t", 40), "<b>山田</b>", "x"} {
		if !strings.Contains(got, want) {
			t.Errorf("%q not in %q", want, got)
		}
	}
}
