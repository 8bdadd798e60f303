package htmltext

import (
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestChromium checks the goldens against the DOM Chromium builds from
// them (testdata/chromium/NN-name.json, made as testdata/README.md says):
// every text node Chromium has (without the white space around it) is in
// the output, and
// the comments written are Chromium's comments, one for one (a
// processing instruction, which Chromium 156 makes of "<?x ...?>", is a
// bogus comment to the tokenizer).
func TestChromium(t *testing.T) {
	t.Parallel()
	for _, f := range goldens(t) {
		base := strings.TrimSuffix(filepath.Base(f), ".html")
		t.Run(base, func(t *testing.T) {
			t.Parallel()
			js, err := os.ReadFile(filepath.Join("testdata", "chromium", base+".json"))
			if err != nil {
				t.Fatalf("%v (make it as testdata/README.md says)", err)
			}
			var nodes [][2]string
			if err := json.Unmarshal(js, &nodes); err != nil {
				t.Fatal(err)
			}
			in, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var comments []string
			c := NewReader(strings.NewReader(string(in)), Limits{}).(*conv)
			c.trace = func(k traceKind, _ int, b []byte) {
				if k == traceComment {
					comments = append(comments, string(b))
				}
			}
			b, err := io.ReadAll(c)
			if err != nil {
				t.Fatal(err)
			}
			out := string(b)
			var want []string
			for _, n := range nodes {
				switch n[0] {
				case "text":
					if s := strings.TrimSpace(n[1]); s != "" && !strings.Contains(out, s) {
						t.Errorf("Chromium's text %q is not in the output", n[1])
					}
				case "comment":
					want = append(want, n[1])
				case "pi":
					want = append(want, "?"+n[1]+"?")
				default:
					t.Errorf("dump has %q", n)
				}
			}
			slices.Sort(want)
			slices.Sort(comments)
			if !slices.Equal(comments, want) {
				t.Errorf("comments:\n got %q\nwant %q", comments, want)
			}
		})
	}
}
