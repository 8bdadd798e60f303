package htmltext

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the testdata/*.txt goldens")

// convert returns the text of in, failing the test on an error.
func convert(t testing.TB, in []byte, lim Limits) string {
	t.Helper()
	b, err := io.ReadAll(NewReader(strings.NewReader(string(in)), lim))
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	return string(b)
}

// goldens lists the golden inputs, testdata/NN-name.html.
func goldens(t testing.TB) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "*.html"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no goldens: %v", err)
	}
	return files
}

// TestGolden converts every testdata/NN-name.html (each starts with a
// comment saying what a browser does with it) and compares the text with
// NN-name.txt. A mismatch writes NN-name.got.txt beside it; -update
// rewrites the goldens.
func TestGolden(t *testing.T) {
	t.Parallel()
	for _, f := range goldens(t) {
		t.Run(filepath.Base(f), func(t *testing.T) {
			t.Parallel()
			in, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			got := convert(t, in, Limits{})
			base := strings.TrimSuffix(f, ".html")
			if *update {
				if err := os.WriteFile(base+".txt", []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(base + ".txt")
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if got != string(want) {
				_ = os.WriteFile(base+".got.txt", []byte(got), 0o644)
				t.Errorf("output differs from %s.txt; see %s.got.txt", base, base)
			} else {
				_ = os.Remove(base + ".got.txt")
			}
		})
	}
}
