package htmltext

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"testing/iotest"
	"time"
	"unicode/utf8"

	"golang.org/x/net/html"
)

// FuzzReader converts arbitrary input and checks that the conversion
// never panics, stays within MaxOutput, is deterministic, does not
// depend on how the input is read or on MaxTokenBytes (tokens longer
// than it are read by longTok; the rendered text must be the same), and
// loses no text a browser shows: every text node html.Parse finds is in
// the output (see parsedText for the two known exceptions).
func FuzzReader(f *testing.F) {
	for _, name := range goldens(f) {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	const maxOutput = 256 << 10
	f.Fuzz(func(t *testing.T, in []byte) {
		watchdog := time.AfterFunc(5*time.Second, func() { panic(fmt.Sprintf("slow input %q", in)) })
		defer watchdog.Stop()
		lim := Limits{MaxOutput: maxOutput}
		out, text, err := rendered(t, string(in), lim, noWrap)
		if err != nil && !errors.Is(err, ErrOutputLimit) {
			t.Fatalf("err %v", err)
		}
		if len(out) > maxOutput || errors.Is(err, ErrOutputLimit) && len(out) != maxOutput {
			t.Fatalf("%d bytes out, err %v, MaxOutput %d", len(out), err, maxOutput)
		}
		again, _, _ := rendered(t, string(in), lim, iotest.OneByteReader)
		if again != out {
			t.Fatalf("one-byte reads give\n%q\nwant\n%q", again, out)
		}
		if len(out) == maxOutput {
			return // the rest is cut where the limit falls
		}
		if utf8.Valid(in) && !utf8.ValidString(out) {
			t.Fatalf("UTF-8 in, not out: %q", out)
		}
		small := Limits{MaxOutput: maxOutput, MaxTokenBytes: 32}
		_, smallText, err := rendered(t, string(in), small, iotest.HalfReader)
		if err != nil && !errors.Is(err, ErrOutputLimit) {
			t.Fatalf("MaxTokenBytes 32: err %v", err)
		}
		if err == nil && smallText != text {
			t.Fatalf("MaxTokenBytes 32: rendered text\n%q\nwant\n%q", smallText, text)
		}
		if len(in) > 64<<10 {
			return
		}
		for _, s := range parsedText(t, in) {
			if !strings.Contains(out, s) {
				t.Fatalf("html.Parse finds the text %q, not in the output\n%q", s, out)
			}
		}
	})
}

// parsedText returns the text nodes html.Parse finds in in (none when it
// gives up), without white space around them, but for text in SVG or MathML with a "&": x/net/html decodes
// character references in CDATA sections, where browsers (and this
// package) do not.
func parsedText(t *testing.T, in []byte) []string {
	doc, err := html.Parse(bytes.NewReader(in))
	if err != nil {
		return nil // more than 512 open elements: x/net gives up
	}
	var out []string
	for n := range doc.Descendants() {
		data := strings.TrimSpace(n.Data)
		if n.Type != html.TextNode || data == "" {
			continue
		}
		foreign := false
		for p := n.Parent; p != nil; p = p.Parent {
			if p.Namespace != "" {
				foreign = true
			}
		}
		if foreign && strings.Contains(data, "&") {
			continue
		}
		out = append(out, data)
	}
	return out
}
