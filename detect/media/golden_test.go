package media

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the .want.json goldens of testdata")

// fixtures lists the media files of testdata (made by make-fixtures.sh).
func fixtures(t testing.TB) []string {
	t.Helper()
	all, err := filepath.Glob(filepath.Join("testdata", "*"))
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, f := range all {
		switch {
		case strings.HasSuffix(f, ".json"), strings.HasSuffix(f, ".sh"), strings.HasSuffix(f, ".md"):
		default:
			if st, err := os.Stat(f); err == nil && st.Mode().IsRegular() {
				files = append(files, f)
			}
		}
	}
	if len(files) == 0 {
		t.Fatal("no fixtures")
	}
	return files
}

// result is what a golden file holds.
type result struct {
	Kind      string `json:"kind,omitempty"`
	Class     string `json:"class,omitempty"`
	End       int64  `json:"end,omitempty"`
	Size      int64  `json:"size"`
	Truncated bool   `json:"truncated,omitempty"`
	Text      []Text `json:"text,omitempty"`
	Error     string `json:"error,omitempty"`
}

func identifyBytes(t testing.TB, b []byte, lim Limits) (Info, error) {
	t.Helper()
	return Identify(context.Background(), bytes.NewReader(b), int64(len(b)), lim)
}

// TestGolden identifies every fixture and compares with NAME.want.json.
// A mismatch writes NAME.got.json beside it; -update rewrites the goldens.
func TestGolden(t *testing.T) {
	t.Parallel()
	for _, f := range fixtures(t) {
		t.Run(filepath.Base(f), func(t *testing.T) {
			t.Parallel()
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			info, err := identifyBytes(t, b, Limits{})
			r := result{Kind: info.Kind, Class: info.Class, End: info.End, Size: int64(len(b)), Truncated: info.Truncated, Text: info.Text}
			if err != nil {
				r.Error = err.Error()
			}
			got, err := json.MarshalIndent(r, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			want := f + ".want.json"
			if *update {
				if err := os.WriteFile(want, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			w, err := os.ReadFile(want)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(got, w) {
				_ = os.WriteFile(f+".got.json", got, 0o644)
				t.Errorf("output differs from %s; see %s.got.json", want, f)
			} else {
				_ = os.Remove(f + ".got.json")
			}
		})
	}
}
