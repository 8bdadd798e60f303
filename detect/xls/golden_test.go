package xls

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the .want.txt goldens of testdata")

// dump reads b and renders every item ("== kind name" then its text, or
// the size and first bytes of a file), then "error: ..." if Read failed.
func dump(t testing.TB, b []byte, lim Limits) (string, error) {
	t.Helper()
	var out strings.Builder
	err := Read(context.Background(), bytes.NewReader(b), int64(len(b)), lim, func(it Item) error {
		data, err := io.ReadAll(it.R)
		if err != nil {
			return err
		}
		if it.Kind == ItemFile {
			fmt.Fprintf(&out, "== file %s (%d bytes, %q)\n", it.Name, len(data), data[:min(8, len(data))])
			return nil
		}
		fmt.Fprintf(&out, "== text %s\n%s", it.Name, data)
		return nil
	})
	if err != nil {
		fmt.Fprintf(&out, "error: %v\n", err)
	}
	return out.String(), err
}

// TestGolden reads every testdata/*.xls and compares with NAME.want.txt. A
// mismatch writes NAME.got.txt beside it; -update rewrites the goldens.
func TestGolden(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join("testdata", "*.xls"))
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
			got, _ := dump(t, b, Limits{})
			base := strings.TrimSuffix(f, ".xls")
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

var _ = errors.Is
