package htmltext

import (
	"io"
	"os"
	"strings"
	"testing"
	"testing/iotest"
)

// rendered converts in and returns the output and the rendered text of
// the document itself (not of documents inside it), as written.
func rendered(t testing.TB, in string, lim Limits, wrap func(io.Reader) io.Reader) (out, text string, err error) {
	t.Helper()
	var b strings.Builder
	c := NewReader(wrap(strings.NewReader(in)), lim).(*conv)
	c.trace = func(k traceKind, nest int, p []byte) {
		if k == traceText && nest == 0 {
			b.Write(p)
		}
	}
	o, err := io.ReadAll(c)
	return string(o), b.String(), err
}

func noWrap(r io.Reader) io.Reader { return r }

// TestLongTokens converts every golden with MaxTokenBytes so small that
// most tokens pass it and are read by longTok instead of the tokenizer:
// the rendered text must be the same, so every kind of token ends where
// the tokenizer ends it.
func TestLongTokens(t *testing.T) {
	t.Parallel()
	for _, f := range goldens(t) {
		in, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		_, want, err := rendered(t, string(in), Limits{}, noWrap)
		if err != nil {
			t.Fatal(err)
		}
		for _, max := range []int{32, 33, 47, 64, 100, 257} {
			_, got, err := rendered(t, string(in), Limits{MaxTokenBytes: max}, iotest.HalfReader)
			if err != nil {
				t.Fatalf("%s, MaxTokenBytes %d: %v", f, max, err)
			}
			if got != want {
				t.Errorf("%s, MaxTokenBytes %d: rendered text\n%q\nwant\n%q", f, max, got, want)
			}
		}
	}
}
