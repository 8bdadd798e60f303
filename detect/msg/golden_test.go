package msg

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

var update = flag.Bool("update", false, "rewrite the generated fixtures of testdata and the .want.txt goldens")

// generated returns every fixture the generator writes, by file name:
// the messages of build_test.go, a copy of the first cut in its directory,
// one of the sixth cut in its attachment and a compound file that is not a
// message.
func generated() map[string][]byte {
	out := map[string][]byte{}
	for _, f := range fixtures {
		out[f.name] = f.m().bytes(f.ss)
	}
	first := out[fixtures[0].name]
	out["10-truncated.msg"] = first[:len(first)/2]
	large := out["06-v4-large.msg"]
	out["13-truncated-attachment.msg"] = large[:len(large)-8192]
	out["12-not-a-message.cfb"] = writeCFB(cfbStorage("Root Entry",
		cfbStream("Workbook", bytes.Repeat([]byte{0x09, 0x08, 0x10, 0x00}, 1200)),
		cfbStream("\x05SummaryInformation", make([]byte, 200))), 512)
	return out
}

// TestFixturesCurrent checks that the committed generated fixtures are
// what the generator writes today; -update rewrites them.
func TestFixturesCurrent(t *testing.T) {
	for name, b := range generated() {
		path := filepath.Join("testdata", name)
		if *update {
			if err := os.WriteFile(path, b, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test -update)", err)
		}
		if !bytes.Equal(got, b) {
			t.Errorf("%s differs from the generator's output (run go test -update)", name)
		}
	}
}

// render reads a file and writes its items as the goldens show them: a
// "== text NAME" or "== file NAME (N bytes)" line, then the text, or a
// file's bytes when they are short UTF-8 and %q of its first 64 bytes
// otherwise; then "error: ..." if Read failed.
func render(t testing.TB, b []byte, lim Limits) string {
	var out strings.Builder
	err := Read(context.Background(), bytes.NewReader(b), int64(len(b)), lim, func(it Item) error {
		data, err := io.ReadAll(it.R)
		if err != nil {
			return fmt.Errorf("reading item %q: %w", it.Name, err)
		}
		if it.Kind == ItemText {
			if !utf8.Valid(data) {
				t.Errorf("item %q is not UTF-8", it.Name)
			}
			fmt.Fprintf(&out, "== text %s\n%s", it.Name, data)
			if len(data) > 0 && data[len(data)-1] != '\n' {
				out.WriteString("\n")
			}
			return nil
		}
		fmt.Fprintf(&out, "== file %s (%d bytes)\n", it.Name, len(data))
		if len(data) <= 2048 && utf8.Valid(data) {
			out.Write(data)
			out.WriteString("\n")
		} else {
			fmt.Fprintf(&out, "%q...\n", data[:min(64, len(data))])
		}
		return nil
	})
	if err != nil {
		fmt.Fprintf(&out, "error: %v\n", err)
	}
	return out.String()
}

// TestGolden reads every fixture of testdata and compares with
// NAME.want.txt; a mismatch writes NAME.got.txt beside it, -update
// rewrites the goldens.
func TestGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.*"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range files {
		if strings.HasSuffix(f, ".txt") {
			continue
		}
		n++
		t.Run(filepath.Base(f), func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			got := render(t, b, Limits{})
			base := strings.TrimSuffix(f, filepath.Ext(f))
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
	if n < len(fixtures) {
		t.Fatalf("%d fixtures in testdata, want at least %d (run go test -update)", n, len(fixtures))
	}
}
