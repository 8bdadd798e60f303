//go:build !race

// The race detector changes allocation patterns and speed; the memory
// bound is measured without it.

package htmltext

import (
	"bytes"
	"io"
	"runtime"
	"testing"
)

// patternReader reads head, then n bytes of pattern repeated, then tail,
// without holding the whole input, and samples the live heap (after a GC)
// every sampleEvery bytes.
type patternReader struct {
	parts   [][]byte
	pattern []byte
	n, pos  int64 // pattern bytes to give, given
	stage   int
	read    int64
	peak    uint64
}

const sampleEvery = 512 << 10

func newPatternReader(head, pattern, tail string, n int64) *patternReader {
	return &patternReader{parts: [][]byte{[]byte(head), nil, []byte(tail)}, pattern: []byte(pattern), n: n}
}

func (r *patternReader) Read(p []byte) (int, error) {
	if len(p) > 64<<10 {
		p = p[:64<<10]
	}
	var n int
	switch r.stage {
	case 0, 2:
		n = copy(p, r.parts[r.stage])
		r.parts[r.stage] = r.parts[r.stage][n:]
		if len(r.parts[r.stage]) == 0 {
			r.stage++
		}
	case 1:
		for n < len(p) && r.pos < r.n {
			k := copy(p[n:], r.pattern[r.pos%int64(len(r.pattern)):])
			k = int(min(int64(k), r.n-r.pos))
			n += k
			r.pos += int64(k)
		}
		if r.pos == r.n {
			r.stage++
		}
	default:
		return 0, io.EOF
	}
	if r.read/sampleEvery != (r.read+int64(n))/sampleEvery {
		r.peak = max(r.peak, liveHeap())
	}
	r.read += int64(n)
	return n, nil
}

// textCheck consumes the output: it counts a byte and finds markers
// without keeping the text.
type textCheck struct {
	count   byte
	n       int64
	total   int64
	markers []string
	found   map[string]bool
	tail    []byte
}

func (w *textCheck) Write(p []byte) (int, error) {
	w.n += int64(bytes.Count(p, []byte{w.count}))
	w.total += int64(len(p))
	buf := append(w.tail, p...)
	for _, m := range w.markers {
		if bytes.Contains(buf, []byte(m)) {
			w.found[m] = true
		}
	}
	w.tail = append(w.tail[:0], buf[max(0, len(buf)-64):]...)
	return len(p), nil
}

// TestMemoryBounded runs inputs of 10 MB and more made to make a
// converter hold them whole (one token, one line of side text, one
// table's foster-parented text, one deep stack), and checks that the live
// heap stays small while all of their text comes out, and so does the
// text after them.
func TestMemoryBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("10 MB inputs")
	}
	const n = 10 << 20
	tests := []struct {
		name, head, pattern, tail string
		markers                   []string
	}{
		{"nested divs", "", "<div>q", "after", []string{"after"}},
		{"nested inline", "", "<b>q<i>", "after", []string{"after"}},
		{"attribute", `before<img alt="`, "q山田 ", `">after`, []string{"before", "after"}},
		{"comment", "before<!--", "q山田 ", "-->after", []string{"before", "after"}},
		{"unclosed script", "before<script>", "q=1; ", "", []string{"before"}},
		{"unclosed textarea", "before<textarea>", "q&amp; ", "", []string{"before", "q& q&"}},
		{"unclosed title", "before<title>", "q<b> ", "", []string{"before", "q<b> q<b>"}},
		{"plaintext", "before<plaintext>", "q</plaintext> ", "", []string{"before"}},
		{"text without tags", "", "q山田 ", "<p>after", []string{"after"}},
		{"srcdoc", `<iframe srcdoc="`, "q&lt;b&gt; ", `"></iframe>after`, []string{"after"}},
		{"foster-parented", "x<table>", "q ", "</table>after", []string{"after", "xq q"}},
		{"side text in a line", "Ya", `<b title="q">`, "mada", []string{"Yamada"}},
		{"long table", "<table>", "<tr><td>q</td><td>山田</td></tr>", "</table>after", []string{"after"}},
	}
	for _, tt := range tests {
		base := liveHeap()
		in := newPatternReader(tt.head, tt.pattern, tt.tail, n)
		in.n -= n % int64(len(tt.pattern)) // whole patterns only
		w := &textCheck{count: 'q', markers: tt.markers, found: map[string]bool{}}
		if _, err := io.Copy(w, NewReader(in, Limits{})); err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		grew := int64(in.peak) - int64(base)
		t.Logf("%s: %d bytes in, %d out, live heap grew at most %.1f MiB", tt.name, in.read, w.total, float64(grew)/(1<<20))
		if grew > 24<<20 {
			t.Errorf("%s: live heap grew by %d bytes for a %d-byte input", tt.name, grew, in.read)
		}
		// Every q written is in the text (once at least).
		if want := in.n / int64(len(tt.pattern)); w.n < want {
			t.Errorf("%s: %d 'q' in the text, want at least %d", tt.name, w.n, want)
		}
		for _, m := range tt.markers {
			if !w.found[m] {
				t.Errorf("%s: %q not in the text", tt.name, m)
			}
		}
	}
}

// TestMemoryParseTree measures what html.Parse would cost, which is why
// this package streams (see the package doc): the tree of a table-heavy
// mail body is several times the input. It fails if that stops being
// true, so the choice is looked at again.
func TestMemoryParseTree(t *testing.T) {
	if testing.Short() {
		t.Skip("parses 4 MB")
	}
	in := mailTable(4 << 20)
	r := &heapSampler{r: bytes.NewReader(in)}
	base := liveHeap()
	if _, err := io.Copy(io.Discard, NewReader(r, Limits{})); err != nil {
		t.Fatal(err)
	}
	t.Logf("NewReader of %d bytes: live heap grew at most %d bytes", len(in), int64(r.peak)-int64(base))
	base = liveHeap()
	doc, err := parseHTML(in)
	if err != nil {
		t.Fatal(err)
	}
	tree := liveHeap() - base
	runtime.KeepAlive(doc)
	t.Logf("html.Parse of the same: %d bytes of live heap (%.1fx)", tree, float64(tree)/float64(len(in)))
	if tree < 3*uint64(len(in)) {
		t.Errorf("the tree is only %.1fx the input: parsing whole parts may be affordable now", float64(tree)/float64(len(in)))
	}
}

// heapSampler samples the live heap as r is read.
type heapSampler struct {
	r    io.Reader
	read int64
	peak uint64
}

func (s *heapSampler) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if s.read/sampleEvery != (s.read+int64(n))/sampleEvery {
		s.peak = max(s.peak, liveHeap())
	}
	s.read += int64(n)
	return n, err
}
