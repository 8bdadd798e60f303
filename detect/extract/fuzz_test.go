package extract

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzArchiveWalk attaches arbitrary bytes as a zip (and as a docx and a
// 7z) and walks the message: Walk must not fail or panic, part paths must
// be unique, every segment must belong to a part, and the text handed out
// must stay within the limits. Seeds: testdata/fuzz/FuzzArchiveWalk and
// the archive and office fixtures.
func FuzzArchiveWalk(f *testing.F) {
	for _, dir := range []string{"archive", "office"} {
		files, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "attachments", dir, "*.*"))
		for _, file := range files {
			if strings.HasSuffix(file, ".txt") || strings.HasSuffix(file, ".csv") || strings.HasSuffix(file, ".fodp") {
				continue
			}
			b, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
	lim := Limits{MaxPartBytes: 1 << 20, MaxTotalBytes: 4 << 20, MaxArchiveEntries: 200}
	f.Fuzz(func(t *testing.T, data []byte) {
		msg := withAttachments(
			attachment{name: "a.zip", data: data},
			attachment{name: "b.docx", data: data},
			attachment{name: "c.7z", data: data},
			attachment{name: "d.tar.gz", data: data},
		)
		var segs []string
		rep, err := Walk(context.Background(), strings.NewReader(msg), lim, func(path string, r io.Reader) error {
			segs = append(segs, path)
			_, err := io.Copy(io.Discard, r)
			return err
		})
		if err != nil {
			t.Fatalf("Walk: %v", err)
		}
		paths := map[string]bool{}
		for _, p := range rep.Parts {
			if paths[p.Path] {
				t.Fatalf("part path %q twice", p.Path)
			}
			paths[p.Path] = true
			if p.Bytes > lim.MaxPartBytes {
				t.Fatalf("part %s: %d bytes", p.Path, p.Bytes)
			}
		}
		for _, s := range segs {
			if !paths[strings.TrimSuffix(s, ".header")] {
				t.Fatalf("segment %q has no part", s)
			}
		}
		if rep.Bytes > lim.MaxTotalBytes+16<<20 {
			t.Fatalf("%d bytes", rep.Bytes)
		}
	})
}
