package uuencode

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"
)

// file is what a Splitter wrote for one block.
type file struct {
	name   string
	data   bytes.Buffer
	closed bool
}

func (f *file) Write(p []byte) (int, error) {
	if f.closed {
		return 0, errors.New("write after close")
	}
	return f.data.Write(p)
}

func (f *file) Close() error {
	if f.closed {
		return errors.New("closed twice")
	}
	f.closed = true
	return nil
}

// split runs a Splitter over in and returns its text, the files it wrote
// and its stats.
func split(t testing.TB, in io.Reader, lim Limits) (string, []*file, Stats, error) {
	t.Helper()
	var files []*file
	s := NewSplitter(in, func(name string) (io.WriteCloser, error) {
		if len(files) > 0 && !files[len(files)-1].closed {
			t.Fatalf("open %q while %q is open", name, files[len(files)-1].name)
		}
		f := &file{name: name}
		files = append(files, f)
		return f, nil
	}, lim)
	text, err := io.ReadAll(s)
	if err == nil {
		for _, f := range files {
			if !f.closed {
				t.Errorf("%q not closed", f.name)
			}
		}
	}
	return string(text), files, s.Stats(), err
}

func TestSplitterFixtures(t *testing.T) {
	type want struct {
		name, original string
		cut            bool
	}
	for _, tt := range []struct {
		body, text string
		files      []want
	}{
		{"body.txt", "body.want.txt", []want{{"customers.csv", "customers.csv", false}}},
		{"body-crlf.txt", "body-crlf.want.txt", []want{{"customers.csv", "customers.csv", false}}},
		{"body-mixed.txt", "body-mixed.want.txt", []want{
			{"list (sjis).csv", "customers-sjis.csv", false},
			{"random.bin", "random.bin", false},
			{"customers.csv", "customers.csv", false}, // without "end"
		}},
	} {
		t.Run(tt.body, func(t *testing.T) {
			in := readFile(t, tt.body)
			for _, one := range []bool{false, true} {
				var src io.Reader = bytes.NewReader(in)
				if one {
					src = iotest.OneByteReader(src)
				}
				text, files, st, err := split(t, src, Limits{})
				if err != nil {
					t.Fatal(err)
				}
				if want := string(readFile(t, tt.text)); text != want {
					t.Errorf("one byte %v: text\n%q\nwant\n%q", one, text, want)
				}
				if len(files) != len(tt.files) || len(st.Blocks) != len(tt.files) {
					t.Fatalf("one byte %v: %d files, %d blocks; want %d", one, len(files), len(st.Blocks), len(tt.files))
				}
				for i, w := range tt.files {
					f, b := files[i], st.Blocks[i]
					if f.name != w.name || !bytes.Equal(f.data.Bytes(), readFile(t, w.original)) {
						t.Errorf("file %d: %q, %d bytes; want %q equal to %s", i, f.name, f.data.Len(), w.name, w.original)
					}
					if b.Name != w.name || b.Bytes != int64(f.data.Len()) || b.Cut != w.cut || b.Capped {
						t.Errorf("block %d: %+v", i, b)
					}
				}
			}
		})
	}
}

// TestSplitterEncodedFiles runs each encoded fixture through the
// Splitter alone: no text is left, and the file is decoded.
func TestSplitterEncodedFiles(t *testing.T) {
	for _, fx := range fixtures {
		in := readFile(t, fx.file)
		text, files, st, err := split(t, bytes.NewReader(in), Limits{})
		if fx.file == "random.bin.py-stripped.uu" {
			// Its lines ending in zeros lost their trailing characters:
			// a line short of more than one group could be text, so the
			// block is cut there and the rest is text. (Reader decodes
			// it.)
			orig := readFile(t, fx.original)
			if err != nil || len(files) != 1 || !st.Blocks[0].Cut || !bytes.HasPrefix(orig, files[0].data.Bytes()) ||
				files[0].data.Len() < 450 || !strings.HasPrefix(text, "M") || !strings.HasSuffix(text, "\nend\n") {
				t.Errorf("%s: text %q, %d files, %+v, %v", fx.file, text, len(files), st, err)
			}
			continue
		}
		if err != nil || text != "" || len(files) != 1 || !bytes.Equal(files[0].data.Bytes(), readFile(t, fx.original)) || st.Cut != 0 {
			t.Errorf("%s: text %q, %d files, %+v, %v", fx.file, text, len(files), st, err)
		}
	}
}

func TestSplitter(t *testing.T) {
	const (
		cat    = "#0V%T\n" // "Cat"
		b64Cat = "Q2F0\n"
	)
	line45 := "M" + strings.Repeat("86)C", 15) + "\n" // "abc" * 15
	abc15 := strings.Repeat("abc", 15)
	for _, tt := range []struct {
		name, in, text string
		files          []string // name=content
		cut            int
	}{
		{"no-block", "Hello\nworld\n", "Hello\nworld\n", nil, 0},
		{"no-newline-at-end", "Hello\nworld", "Hello\nworld", nil, 0},
		{"empty", "", "", nil, 0},
		{"one-block", "a\nbegin 644 c.txt\n" + cat + "`\nend\nb\n", "a\nb\n", []string{"c.txt=Cat"}, 0},
		{"crlf", "a\r\nbegin 644 c.txt\r\n#0V%T\r\n`\r\nend\r\nb\r\n", "a\r\nb\r\n", []string{"c.txt=Cat"}, 0},
		{"no-end", "a\nbegin 644 c\n" + cat + "`\nb\n", "a\nb\n", []string{"c=Cat"}, 0},
		{"no-length-0-line", "a\nbegin 644 c\n" + cat + "end\nb\n", "a\nb\n", []string{"c=Cat"}, 0},
		{"empty-line-ends", "begin 644 c\n" + cat + "\nb\n", "b\n", []string{"c=Cat"}, 0},
		{"at-eof", "begin 644 c\n" + cat, "", []string{"c=Cat"}, 1},
		{"at-eof-no-newline", "begin 644 c\n#0V%T", "", []string{"c=Cat"}, 1},
		{"at-eof-after-last", "begin 644 c\n" + cat + "`", "", []string{"c=Cat"}, 0},
		{"many-lines", "begin 644 c\n" + line45 + line45 + cat + "`\nend\n", "", []string{"c=" + abc15 + abc15 + "Cat"}, 0},
		{"base64", "x\nbegin-base64 644 c\n" + b64Cat + "====\ny\n", "x\ny\n", []string{"c=Cat"}, 0},
		{"base64-no-end", "begin-base64 644 c\n" + b64Cat + "Regards,\n", "Regards,\n", []string{"c=Cat"}, 1},

		// Text that only looks like a block stays text.
		{"begin-then-text", "begin 644 x\nis how it starts\n", "begin 644 x\nis how it starts\n", nil, 0},
		{"begin-at-eof", "text\nbegin 644 x\n", "text\nbegin 644 x\n", nil, 0},
		{"begin-without-name", "begin 644\n" + cat + "`\nend\n", "begin 644\n" + cat + "`\nend\n", nil, 0},
		{"begin-then-short-line", "begin 644 x\n#\n", "begin 644 x\n#\n", nil, 0},
		{"begin-then-length-0", "begin 644 x\n`\nend\n", "begin 644 x\n`\nend\n", nil, 0},
		{"begin-then-upper-case", "begin 644 x\nTHANKS\n", "begin 644 x\nTHANKS\n", nil, 0},
		{"begin-twice", "begin 644 x\nbegin 644 y\n" + cat + "`\nend\n", "begin 644 x\n", []string{"y=Cat"}, 0},
		{"base64-begin-then-word", "begin-base64 644 x\nThanks\n", "begin-base64 644 x\nThanks\n", nil, 0},
		{"begin-then-long-line", "begin 644 x\n" + strings.Repeat("M", MaxLine+10) + "\nok\n",
			"begin 644 x\n" + strings.Repeat("M", MaxLine+10) + "\nok\n", nil, 0},

		// A block that turns invalid ends there; the rest is text.
		{"cut-by-text", "begin 644 c\n" + line45 + "not encoded\nmore\n", "not encoded\nmore\n", []string{"c=" + abc15}, 1},
		{"cut-by-long-line", "begin 644 c\n" + line45 + strings.Repeat("M", MaxLine+1) + "\n",
			strings.Repeat("M", MaxLine+1) + "\n", []string{"c=" + abc15}, 1},
		{"cut-then-block", "begin 644 c\n" + line45 + "x\nbegin 644 d\n" + cat + "`\nend\n", "x\n", []string{"c=" + abc15, "d=Cat"}, 1},
		// A line of another width is held: it is the block's last
		// only if the block's end follows.
		{"held-and-end", "begin 644 c\n" + line45 + cat + "`\nend\n", "", []string{"c=" + abc15 + "Cat"}, 0},
		{"held-then-text", "begin 644 c\n" + line45 + "#0V%T\nThanks\n", "#0V%T\nThanks\n", []string{"c=" + abc15}, 1},
		{"held-at-eof", "begin 644 c\n" + line45 + "#0V%T\n", "#0V%T\n", []string{"c=" + abc15}, 1},
		{"held-then-data", "begin 644 c\n" + line45 + cat + line45, cat + line45, []string{"c=" + abc15}, 1},
		{"base64-held-word", "begin-base64 644 c\nQ2F0\nYamadaTaro\n", "YamadaTaro\n", []string{"c=Cat"}, 1},
		{"base64-held-last", "begin-base64 644 c\nQ2F0\nQ2E\n====\n", "", []string{"c=CatCa"}, 0},
		{"stripped-spaces-in-block", "begin 644 z\n#0V%T\n#\n \nend\n", "", []string{"z=Cat\x00\x00\x00"}, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			for _, one := range []bool{false, true} {
				var src io.Reader = strings.NewReader(tt.in)
				if one {
					src = iotest.OneByteReader(src)
				}
				text, files, st, err := split(t, src, Limits{})
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, f := range files {
					got = append(got, f.name+"="+f.data.String())
				}
				if text != tt.text || fmt.Sprint(got) != fmt.Sprint(tt.files) || st.Cut != tt.cut {
					t.Errorf("one byte %v:\ntext %q\nwant %q\nfiles %q, want %q; cut %d, want %d",
						one, text, tt.text, got, tt.files, st.Cut, tt.cut)
				}
			}
		})
	}
}

func TestSplitterLimits(t *testing.T) {
	block := func(name, data string) string { // data: 3 bytes a line
		var b strings.Builder
		b.WriteString("begin 644 " + name + "\n")
		for i := 0; i < len(data); i += 3 {
			b.WriteString("#" + encode3(data[i:i+3]) + "\n")
		}
		b.WriteString("`\nend\n")
		return b.String()
	}
	a, b, c := block("a", "aaabbbccc"), block("b", "dddeeefff"), block("c", "ggghhhiii")
	for _, tt := range []struct {
		name    string
		lim     Limits
		text    string
		files   []string
		skipped int
		capped  int
	}{
		{"none-reached", Limits{}, "x\ny\nz\n", []string{"a=aaabbbccc", "b=dddeeefff", "c=ggghhhiii"}, 0, 0},
		{"max-blocks", Limits{MaxBlocks: 2}, "x\ny\nz\n" + c, []string{"a=aaabbbccc", "b=dddeeefff"}, 1, 0},
		{"max-block-bytes", Limits{MaxBlockBytes: 4}, "x\ny\nz\n", []string{"a=aaab", "b=ddde", "c=gggh"}, 0, 3},
		{"max-total-bytes", Limits{MaxTotalBytes: 13}, "x\ny\nz\n" + c, []string{"a=aaabbbccc", "b=ddde"}, 1, 1},
		{"max-total-bytes-exact", Limits{MaxTotalBytes: 9}, "x\ny\n" + b + "z\n" + c, []string{"a=aaabbbccc"}, 2, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			in := "x\n" + a + "y\n" + b + "z\n" + c
			text, files, st, err := split(t, strings.NewReader(in), tt.lim)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range files {
				got = append(got, f.name+"="+f.data.String())
			}
			if text != tt.text || fmt.Sprint(got) != fmt.Sprint(tt.files) || st.Skipped != tt.skipped || st.Capped != tt.capped {
				t.Errorf("text %q, want %q\nfiles %q, want %q\nstats %+v", text, tt.text, got, tt.files, st)
			}
			var total int64
			for i, blk := range st.Blocks {
				total += blk.Bytes
				if blk.Bytes != int64(files[i].data.Len()) {
					t.Errorf("block %d: %d bytes, file %d", i, blk.Bytes, files[i].data.Len())
				}
			}
			if total != st.Decoded {
				t.Errorf("decoded %d, blocks %d", st.Decoded, total)
			}
		})
	}
}

// encode3 uuencodes three bytes (with "`" for zero, as sharutils does).
func encode3(s string) string {
	v := uint32(s[0])<<16 | uint32(s[1])<<8 | uint32(s[2])
	var out [4]byte
	for i := range out {
		c := byte(v>>(18-6*i)) & 0x3f
		if c == 0 {
			c = 0x40
		}
		out[i] = ' ' + c
	}
	return string(out[:])
}

// failing is a writer whose Write or Close fails.
type failing struct {
	writeErr, closeErr error
	closed             *int
}

func (f failing) Write(p []byte) (int, error) {
	if f.writeErr != nil {
		return 0, f.writeErr
	}
	return len(p), nil
}

func (f failing) Close() error {
	*f.closed++
	return f.closeErr
}

func TestSplitterErrors(t *testing.T) {
	boom := errors.New("boom")
	const in = "before\nbegin 644 a\n#0V%T\n`\nend\nafter\n"
	for _, tt := range []struct {
		name   string
		open   func(*int) (io.WriteCloser, error)
		src    io.Reader
		closed int
	}{
		{"open", func(*int) (io.WriteCloser, error) { return nil, boom }, strings.NewReader(in), 0},
		{"write", func(n *int) (io.WriteCloser, error) { return failing{writeErr: boom, closed: n}, nil }, strings.NewReader(in), 1},
		{"close", func(n *int) (io.WriteCloser, error) { return failing{closeErr: boom, closed: n}, nil }, strings.NewReader(in), 1},
		{"read-in-block", func(n *int) (io.WriteCloser, error) { return failing{closed: n}, nil },
			io.MultiReader(strings.NewReader("before\nbegin 644 a\n#0V%T\n"), iotest.ErrReader(boom)), 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			closed := 0
			s := NewSplitter(tt.src, func(string) (io.WriteCloser, error) { return tt.open(&closed) }, Limits{})
			text, err := io.ReadAll(s)
			if !errors.Is(err, boom) || !strings.HasPrefix(string(text), "before\n") || strings.Contains(string(text), "after") {
				t.Errorf("text %q, %v", text, err)
			}
			if closed != tt.closed {
				t.Errorf("closed %d times, want %d", closed, tt.closed)
			}
			if n, err2 := s.Read(make([]byte, 10)); n != 0 || err2 != err {
				t.Errorf("Read after the error: %d, %v", n, err2)
			}
		})
	}
}

// repeat is an endless reader of a pattern, up to n bytes.
type repeat struct {
	pattern string
	off     int
	n       int64
}

func (r *repeat) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > r.n {
		p = p[:r.n]
	}
	n := 0
	for n < len(p) {
		c := copy(p[n:], r.pattern[r.off:])
		n += c
		r.off = (r.off + c) % len(r.pattern)
	}
	r.n -= int64(n)
	return n, nil
}

type countingWriter struct{ n *int64 }

func (w countingWriter) Write(p []byte) (int, error) { *w.n += int64(len(p)); return len(p), nil }
func (countingWriter) Close() error                  { return nil }

// TestSplitterStreams runs 50 MB of text through the Splitter, with and
// without blocks and with lines longer than MaxLine, and checks that
// memory does not grow with it.
func TestSplitterStreams(t *testing.T) {
	if testing.Short() {
		t.Skip("50 MB")
	}
	line45 := "M" + strings.Repeat("86)C", 15) + "\n"
	for _, tt := range []struct {
		name    string
		header  string
		pattern string
	}{
		{"text", "", "C0001,山田太郎,taro@example.jp,03-1234-5678\r\n" + strings.Repeat("long line ", 1000) + "\n"},
		{"blocks", "", "Hello\nbegin 644 list.csv\n" + line45 + line45 + "#0V%T\n`\nend\n"},
		{"one-block", "begin 644 big.bin\n", line45},
	} {
		t.Run(tt.name, func(t *testing.T) {
			const size = 50 << 20
			var decoded, text int64
			s := NewSplitter(io.MultiReader(strings.NewReader(tt.header), &repeat{pattern: tt.pattern, n: size}),
				func(string) (io.WriteCloser, error) { return countingWriter{&decoded}, nil }, Limits{})
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			buf := make([]byte, 32<<10)
			for {
				n, err := s.Read(buf)
				text += int64(n)
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			runtime.ReadMemStats(&after)
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 1<<20 {
				t.Errorf("allocated %d bytes", alloc)
			}
			st := s.Stats()
			if text+decoded > size+int64(len(tt.header)) || text+decoded < size/2 {
				t.Errorf("text %d + decoded %d from %d", text, decoded, size)
			}
			t.Logf("text %d, decoded %d, blocks %d, skipped %d, capped %d", text, decoded, len(st.Blocks), st.Skipped, st.Capped)
		})
	}
}
