package pdf

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the .want.txt goldens of testdata/attachments/pdf")

// TestGolden extracts every fixture PDF under 64 KB (the 28-page one is
// checked by TestExtractLibreOffice) and compares with NAME.want.txt:
// the text, or "error: ..." for a file Extract refuses. A mismatch writes
// NAME.got.txt beside it; -update rewrites the goldens.
func TestGolden(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join(fixtures, "*.pdf"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			t.Parallel()
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if len(b) > 64<<10 {
				t.Skip("large fixture, no golden")
			}
			got, err := extract(t, b, 0)
			if err != nil {
				got = "error: " + err.Error() + "\n"
			}
			base := strings.TrimSuffix(f, ".pdf")
			if *update {
				if err := os.WriteFile(base+".want.txt", []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(base + ".want.txt")
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if got != string(want) {
				_ = os.WriteFile(base+".got.txt", []byte(got), 0o644)
				t.Errorf("output differs from %s.want.txt; see %s.got.txt", base, base)
			} else {
				_ = os.Remove(base + ".got.txt")
			}
		})
	}
}
