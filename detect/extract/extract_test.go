package extract

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

// segments walks msg and returns the text of each segment by path, in
// order, plus the report.
type seg struct{ path, text string }

func walk(t *testing.T, msg string, lim Limits) ([]seg, *Report) {
	t.Helper()
	var segs []seg
	rep, err := Walk(context.Background(), strings.NewReader(crlf(msg)), lim, func(path string, r io.Reader) error {
		b, err := io.ReadAll(r)
		segs = append(segs, seg{path, string(b)})
		return err
	})
	if err != nil {
		t.Fatalf("Walk: %v", err)
	}
	return segs, rep
}

func crlf(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\n", "\r\n")
}

func textOf(segs []seg, path string) string {
	var b strings.Builder
	for _, s := range segs {
		if s.path == path {
			b.WriteString(s.text)
		}
	}
	return b.String()
}

func TestPlainAndHeaders(t *testing.T) {
	segs, rep := walk(t, `From: =?UTF-8?B?5bGx55Sw5aSq6YOO?= <taro@example.jp>
To: "Ann Lee" <ann@example.com>, bob@example.com
Subject: =?ISO-2022-JP?B?GyRCJCpMZCQkOWckbyQ7GyhC?=
Content-Type: text/plain; charset=utf-8

body text
`, Limits{})
	// Every field is scanned, addresses included: a header that lists
	// customers' addresses leaves with the mail (the policy does not
	// count a customer who is a recipient).
	if got := textOf(segs, "1.header"); got != "From: 山田太郎 <taro@example.jp>\nTo: \"Ann Lee\" <ann@example.com>, bob@example.com\nSubject: お問い合わせ\nContent-Type: text/plain; charset=utf-8\n" {
		t.Errorf("header text = %q", got)
	}
	if got := textOf(segs, "1"); got != "body text\r\n" {
		t.Errorf("body = %q", got)
	}
	if len(rep.Parts) != 1 || rep.Parts[0].Path != "1" || rep.Parts[0].ContentType != "text/plain" || rep.Parts[0].Bytes != 11 {
		t.Errorf("parts = %+v", rep.Parts)
	}
}

func TestMultipartStructure(t *testing.T) {
	segs, rep := walk(t, `Content-Type: multipart/mixed; boundary="XX"

preamble words
--XX
Content-Type: text/plain

first
--XX
Content-Type: multipart/alternative; boundary=YY

--YY
Content-Type: text/html

<p>second&amp;<b>x</b>y</p>
--YY--
--XX
Content-Type: image/png
Content-Transfer-Encoding: base64

iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNgAAAAAgABSK+kcQAAAABJRU5ErkJggg==
--XX--
epilogue words
`, Limits{})
	wantParts := []struct {
		path, ct string
		disp     Disposition
		kind     string
	}{
		{"1", "multipart/mixed", DispMultipart, ""},
		{"1.1", "text/plain", DispText, ""},
		{"1.2", "multipart/alternative", DispMultipart, ""},
		{"1.2.1", "text/html", DispHTML, ""},
		{"1.3", "image/png", DispMedia, "png"},
	}
	if len(rep.Parts) != len(wantParts) {
		t.Fatalf("parts = %+v", rep.Parts)
	}
	for i, w := range wantParts {
		p := rep.Parts[i]
		if p.Path != w.path || p.ContentType != w.ct || p.Disposition != w.disp || p.Kind != w.kind || p.Note != "" {
			t.Errorf("part %d = %+v, want %v", i, p, w)
		}
	}
	if got := textOf(segs, "1"); got != "preamble words"+"epilogue words\r\n" {
		t.Errorf("preamble+epilogue = %q", got)
	}
	if got := textOf(segs, "1.1"); got != "first" {
		t.Errorf("1.1 = %q", got)
	}
	if got := textOf(segs, "1.2.1"); got != "second&xy\n" {
		t.Errorf("1.2.1 = %q", got)
	}
	if len(rep.Unscannable) != 0 {
		t.Errorf("unscannable = %v", rep.Unscannable)
	}
}

func TestBrokenStructure(t *testing.T) {
	tests := []struct {
		name, msg string
		path      string // segment holding the text
		want      string // substring of that text
		note      string // note on Parts[noteIdx]
		noteIdx   int
	}{
		{"boundary never occurs", "Content-Type: multipart/mixed; boundary=NOPE\n\nhidden 山田\n", "1", "hidden 山田", NoteNoBoundary, 0},
		{"no boundary parameter", "Content-Type: multipart/mixed\n\nhidden text\n", "1", "hidden text", NoteNoBoundary, 0},
		{"missing close delimiter", "Content-Type: multipart/mixed; boundary=B\n\n--B\n\nlast part text", "1.1", "last part text", NoteTruncated, 0},
		{"no header at all", "山田太郎 様\nno header here\n", "1", "山田太郎 様", NoteHeaderError, 0},
		{"bad part header", "Content-Type: multipart/mixed; boundary=B\n\n--B\nnot a header line\nmore\n--B--\n", "1.1", "not a header line", NoteHeaderError, 1},
		{"unknown charset", "Content-Type: text/plain; charset=x-nothing\n\nann@example.com\n", "1", "ann@example.com", NoteCharsetUnknown, 0},
		{"unknown encoding", "Content-Type: text/plain\nContent-Transfer-Encoding: x-foo\n\nraw text\n", "1", "raw text", NoteEncodingUnknown, 0},
		{"uuencode without a begin line", "Content-Type: text/plain\nContent-Transfer-Encoding: x-uuencode\n\nraw text\n", "1", "raw text", NoteEncodingUnknown, 0},
		{"uuencoded body", "Content-Type: text/plain\nContent-Transfer-Encoding: x-uuencode\n\nbegin 644 a.txt\n+5&%R;R!986UA9&$`\n`\nend\n", "1", "Taro Yamada", "", 0},
		{"bad base64", "Content-Transfer-Encoding: base64\n\n" + b64("hello ") + "*!*\n" + b64("world") + "\n", "1", "hello world", NoteDecodeError, 0},
		{"bad quoted-printable", "Content-Transfer-Encoding: quoted-printable\n\na=ZZb=3Dc=\nd\n", "1", "a=ZZb=cd", NoteDecodeError, 0},
		{"bad content type", "Content-Type: ;;\n\ntext anyway\n", "1", "text anyway", NoteContentTypeError, 0},
		{"loose content type", "Content-Type: text/plain; charset=utf-8;; format=flowed;\n\n日本語\n", "1", "日本語", "", 0},
		{"8-bit shift_jis, no charset", "Subject: x\n\n" + "\x8eR\x93c\x91\xbe\x98Y\n", "1", "山田太郎", NoteCharsetGuessed, 0},
		{"cp932 label", "Content-Type: text/plain; charset=CP932\n\n\x8eR\x93c\n", "1", "山田", "", 0},
		{"iso-2022-jp, no charset", "Subject: x\n\n\x1b$B;3ED\x1b(B\n", "1", "山田", NoteCharsetGuessed, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			segs, rep := walk(t, tt.msg, Limits{})
			if got := textOf(segs, tt.path); !strings.Contains(got, tt.want) {
				t.Errorf("segment %s = %q, want it to contain %q (segments %q)", tt.path, got, tt.want, segs)
			}
			if tt.noteIdx >= len(rep.Parts) {
				t.Fatalf("parts = %+v", rep.Parts)
			}
			if got := rep.Parts[tt.noteIdx].Note; got != tt.note {
				t.Errorf("note = %q, want %q (parts %+v)", got, tt.note, rep.Parts)
			}
			if len(rep.Unscannable) != 0 {
				t.Errorf("unscannable = %v", rep.Unscannable)
			}
		})
	}
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func TestRFC822AndAttachmentNames(t *testing.T) {
	segs, rep := walk(t, `Content-Type: multipart/mixed; boundary=B

--B
Content-Type: message/rfc822
Content-Transfer-Encoding: base64

`+b64(crlf("Subject: inner subject\n\ninner body\n"))+`
--B
Content-Type: application/octet-stream; name="=?UTF-8?B?5bGx55Sw44Oq44K544OILmNzdg==?="
Content-Transfer-Encoding: base64

`+b64("a,b\n")+`
--B
Content-Type: application/pdf
Content-Disposition: attachment; filename*=UTF-8''%E8%A6%8B%E7%A9%8D.pdf

%PDF
--B--
`, Limits{})
	if got := textOf(segs, "1.1.1.header"); got != "Subject: inner subject\n" {
		t.Errorf("inner header = %q", got)
	}
	if got := textOf(segs, "1.1.1"); got != "inner body\r\n" {
		t.Errorf("inner body = %q", got)
	}
	// A .csv name makes an octet-stream part text.
	if got := textOf(segs, "1.2"); got != "a,b\n" {
		t.Errorf("csv attachment = %q", got)
	}
	if got := textOf(segs, "1.2.header"); !strings.HasSuffix(got, "\n山田リスト.csv\n") {
		t.Errorf("attachment name segment = %q", got)
	}
	// "%PDF" alone is no PDF file: the bytes decide, and they are text.
	if p := rep.Parts[4]; p.Filename != "見積.pdf" || p.Note != "" || p.Disposition != DispText {
		t.Errorf("pdf part = %+v", p)
	}
	if len(rep.Unscannable) != 0 {
		t.Errorf("unscannable = %v", rep.Unscannable)
	}
}

// TestHTMLText checks that HTML parts go through package htmltext (its
// own tests hold the cases): inline elements do not split a name, and
// comments, scripts, attribute values and mailto: links are text.
func TestHTMLText(t *testing.T) {
	html := `<p><b>山本</b><span>花子</span></p><!-- 佐藤 一郎 --><script>var x = "鈴木 次郎";</script>` +
		`<img alt="高橋 三郎"><a href="mailto:taro%40example.jp">x</a><!-->中村 四郎`
	segs, rep := walk(t, "Content-Type: text/html; charset=utf-8\n\n"+html, Limits{})
	got := textOf(segs, "1")
	for _, want := range []string{"山本花子", "佐藤 一郎", "鈴木 次郎", "高橋 三郎", "taro@example.jp", "中村 四郎"} {
		if !strings.Contains(got, want) {
			t.Errorf("%q not in %q", want, got)
		}
	}
	if rep.Parts[0].Disposition != DispHTML {
		t.Errorf("part = %+v", rep.Parts[0])
	}
}

func TestDecoders(t *testing.T) {
	qp := []struct{ in, want string }{
		{"a=3Db", "a=b"},
		{"soft=\r\nbreak", "softbreak"},
		{"soft=\nbreak", "softbreak"},
		{"pad= \t\r\nded", "padded"},
		{"=E5=B1=B1=e7=94=b0", "山田"},
		{"bad=G1", "bad=G1"},
		{"end=4", "end=4"},
		{"end=", "end"},
	}
	for _, tt := range qp {
		for _, wrap := range []func(io.Reader) io.Reader{func(r io.Reader) io.Reader { return r }, iotest.OneByteReader} {
			b, _ := io.ReadAll(&qpReader{r: wrap(strings.NewReader(tt.in))})
			if string(b) != tt.want {
				t.Errorf("qp %q → %q, want %q", tt.in, b, tt.want)
			}
		}
	}
	b64s := []struct {
		in, want string
		damaged  bool
	}{
		{b64("hello world"), "hello world", false},
		{"aGVs\r\nbG8=", "hello", false},
		{b64("ab") + b64("cd"), "abcd", false}, // padding mid-stream
		{"aGVs!bG8=", "hello", true},
		{"aGVsbG8", "hello", false},
	}
	for _, tt := range b64s {
		d := &base64Reader{r: iotest.HalfReader(strings.NewReader(tt.in))}
		b, _ := io.ReadAll(d)
		if string(b) != tt.want || d.Damaged() != tt.damaged {
			t.Errorf("base64 %q → %q damaged=%v, want %q %v", tt.in, b, d.Damaged(), tt.want, tt.damaged)
		}
	}
}

// nest returns a message with multipart nesting n deep.
func nest(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=b%d\n\n--b%d\n", i, i)
	}
	b.WriteString("Content-Type: text/plain\n\ndeep text\n")
	for i := n - 1; i >= 0; i-- {
		fmt.Fprintf(&b, "--b%d--\n", i)
	}
	return b.String()
}

func TestLimits(t *testing.T) {
	many := "Content-Type: multipart/mixed; boundary=B\n\n" + strings.Repeat("--B\n\npart\n", 10) + "--B--\n"
	tests := []struct {
		name  string
		msg   string
		lim   Limits
		want  []Unscannable
		check func(t *testing.T, segs []seg, rep *Report)
	}{
		{"depth ok", nest(3), Limits{MaxDepth: 3}, nil, func(t *testing.T, segs []seg, _ *Report) {
			if textOf(segs, "1.1.1.1") != "deep text" {
				t.Errorf("segments %q", segs)
			}
		}},
		{"depth", nest(4), Limits{MaxDepth: 3}, []Unscannable{{"1.1.1.1", ReasonDepth, ""}}, func(t *testing.T, segs []seg, _ *Report) {
			if strings.Contains(fmt.Sprint(segs), "deep text") {
				t.Errorf("text past the depth limit was scanned")
			}
		}},
		{"parts", many, Limits{MaxParts: 5}, []Unscannable{{"1.5", ReasonParts, ""}}, func(t *testing.T, segs []seg, rep *Report) {
			if len(rep.Parts) != 5 {
				t.Errorf("%d parts visited, want 5", len(rep.Parts))
			}
		}},
		{"part size", "Content-Type: multipart/mixed; boundary=B\n\n--B\n\n0123456789abcdef\n--B\n\nsmall\n--B--\n", Limits{MaxPartBytes: 10},
			[]Unscannable{{"1.1", ReasonPartSize, ""}}, func(t *testing.T, segs []seg, rep *Report) {
				if got := textOf(segs, "1.1"); got != "0123456789" {
					t.Errorf("cut part = %q", got)
				}
				if got := textOf(segs, "1.2"); got != "small" {
					t.Errorf("walk did not go on after a part size limit: %q", segs)
				}
			}},
		{"part size exactly", "\n0123456789", Limits{MaxPartBytes: 10}, nil, nil},
		// The header of 1 counts too: 43 bytes.
		{"total size", many, Limits{MaxTotalBytes: 43 + 9}, []Unscannable{{"1.3", ReasonTotalSize, ""}}, func(t *testing.T, segs []seg, rep *Report) {
			if rep.Bytes != 43+9 {
				t.Errorf("Bytes = %d, want 52", rep.Bytes)
			}
			if len(rep.Parts) != 4 {
				t.Errorf("walk went on after the total limit: %d parts", len(rep.Parts))
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			segs, rep := walk(t, tt.msg, tt.lim)
			if noKind(rep.Unscannable) != noKind(tt.want) {
				t.Errorf("unscannable = %v, want %v", rep.Unscannable, tt.want)
			}
			if tt.check != nil {
				tt.check(t, segs, rep)
			}
		})
	}
}

// slowReader delivers one byte per call, sleeping first.
type slowReader struct {
	r io.Reader
	d time.Duration
}

func (s *slowReader) Read(p []byte) (int, error) {
	time.Sleep(s.d)
	return s.r.Read(p[:1])
}

func TestTimeout(t *testing.T) {
	msg := crlf("Content-Type: text/plain\n\n" + strings.Repeat("x", 10000))
	rep, err := Walk(context.Background(), &slowReader{strings.NewReader(msg), time.Millisecond}, Limits{Timeout: 30 * time.Millisecond},
		func(_ string, r io.Reader) error { _, err := io.Copy(io.Discard, r); return err })
	if err != nil {
		t.Fatalf("Walk: %v", err)
	}
	if len(rep.Unscannable) != 1 || rep.Unscannable[0].Reason != ReasonTimeout {
		t.Errorf("unscannable = %v, want a timeout", rep.Unscannable)
	}
}

func TestInternalErrors(t *testing.T) {
	boom := errors.New("connection reset")
	msg := crlf("Content-Type: text/plain\n\nsome text\n")
	drain := func(_ string, r io.Reader) error { _, err := io.Copy(io.Discard, r); return err }

	_, err := Walk(context.Background(), io.MultiReader(strings.NewReader(msg), iotest.ErrReader(boom)), Limits{}, drain)
	if !errors.Is(err, boom) {
		t.Errorf("reader failure: err = %v, want %v", err, boom)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Walk(ctx, strings.NewReader(msg), Limits{}, drain); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: err = %v", err)
	}

	fnErr := errors.New("matcher broke")
	if _, err := Walk(context.Background(), strings.NewReader(msg), Limits{}, func(string, io.Reader) error { return fnErr }); !errors.Is(err, fnErr) {
		t.Errorf("fn failure: err = %v", err)
	}
}

func TestEmptyAndTiny(t *testing.T) {
	for _, msg := range []string{"", "\r\n", "Subject: only a header", "\r\n\r\n", "--", "From: \r\n\r\n"} {
		rep, err := Walk(context.Background(), strings.NewReader(msg), Limits{}, func(_ string, r io.Reader) error {
			_, err := io.Copy(io.Discard, r)
			return err
		})
		if err != nil || len(rep.Parts) != 1 {
			t.Errorf("Walk(%q) = %+v, %v", msg, rep, err)
		}
	}
}

func TestSplitterLongLines(t *testing.T) {
	long := strings.Repeat("a", 3*splitterBuffer+7)
	msg := "Content-Type: multipart/mixed; boundary=B\n\n--B\n\n" + long + "\n--B\n\n" + long + "--B\n--B--\n"
	segs, _ := walk(t, msg, Limits{})
	if got := textOf(segs, "1.1"); got != long {
		t.Errorf("1.1: %d bytes, want %d", len(got), len(long))
	}
	// A delimiter must start a line: "...a--B" is text.
	if got := textOf(segs, "1.2"); got != long+"--B" {
		t.Errorf("1.2: %d bytes, want %d", len(got), len(long)+3)
	}
}

func TestBytesCounted(t *testing.T) {
	body := bytes.Repeat([]byte("y"), 5000)
	_, rep := walk(t, "Subject: s\n\n"+string(body), Limits{})
	if rep.Parts[0].Bytes != 5000 || rep.Bytes != 5000+int64(len("Subject: s\n")) {
		t.Errorf("part bytes %d total %d", rep.Parts[0].Bytes, rep.Bytes)
	}
}

// noKind prints the parts and reasons of us, leaving the sniffed kinds
// out, for tests about which content is unscannable and why.
func noKind(us []Unscannable) string {
	var b strings.Builder
	for _, u := range us {
		fmt.Fprintf(&b, "%s:%s ", u.Part, u.Reason)
	}
	return b.String()
}
