package detect

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dlprelay/dlprelay/detect/customers"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// sampleScanner builds a Scanner from the repository's sample list.
func sampleScanner(t testing.TB) *Scanner {
	t.Helper()
	list, err := customers.Load(filepath.Join("..", "testdata", "customers.csv"), customers.Columns{})
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewScanner(list, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestGolden scans every sample message with the sample list and compares
// the Result with testdata/golden/<name>.want.json. The samples are the
// repository's testdata/mail/*.eml and, for detect alone,
// detect/testdata/mail/*.eml (one numbering for both). Run with -update to
// rewrite the golden files after an intended change.
func TestGolden(t *testing.T) {
	s := sampleScanner(t)
	files, err := filepath.Glob(filepath.Join("..", "testdata", "mail", "*.eml"))
	if err != nil {
		t.Fatal(err)
	}
	own, err := filepath.Glob(filepath.Join("testdata", "mail", "*.eml"))
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, own...)
	names := map[string]bool{}
	for _, f := range files {
		if names[filepath.Base(f)] {
			t.Fatalf("two sample messages named %s", filepath.Base(f))
		}
		names[filepath.Base(f)] = true
	}
	if len(files) < 10 {
		t.Fatalf("found %d sample messages, want at least 10", len(files))
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".eml")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			res, err := s.Scan(context.Background(), bytes.NewReader(raw))
			if err != nil {
				t.Fatalf("Scan: %v", err)
			}
			got, err := json.MarshalIndent(res, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			golden := filepath.Join("testdata", "golden", name+".want.json")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -run TestGolden -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				gotPath := filepath.Join(t.TempDir(), name+".got.json")
				os.WriteFile(gotPath, got, 0o644)
				t.Errorf("result differs from %s; got (also in %s):\n%s", golden, gotPath, got)
			}
		})
	}
}
