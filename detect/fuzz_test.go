package detect

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// FuzzScan feeds arbitrary bytes to Scan. Besides not crashing, a Result
// must be well formed: no error for in-memory input, records sorted by ID
// with sorted distinct fields, every part path unique, every matched
// segment belonging to a visited part, every match a non-empty range in a
// listed part and field, and the byte count within limits.
// Seeds: the sample messages plus testdata/fuzz/FuzzScan.
func FuzzScan(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("..", "testdata", "mail", "*.eml"))
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	s := sampleScanner(f)
	lim := DefaultLimits()
	f.Fuzz(func(t *testing.T, msg []byte) {
		res, err := s.Scan(context.Background(), bytes.NewReader(msg))
		if err != nil {
			t.Fatalf("Scan error on in-memory input: %v", err)
		}
		if !slices.IsSortedFunc(res.Records, func(a, b RecordHit) int { return strings.Compare(a.ID, b.ID) }) {
			t.Fatalf("records not sorted: %v", res.Records)
		}
		paths := map[string]bool{}
		for _, p := range res.Parts {
			if paths[p.Path] {
				t.Fatalf("part path %q twice", p.Path)
			}
			paths[p.Path] = true
		}
		for _, r := range res.Records {
			if len(r.Fields) == 0 || !slices.IsSorted(r.Fields) || len(slices.Compact(slices.Clone(r.Fields))) != len(r.Fields) {
				t.Fatalf("bad fields %v", r.Fields)
			}
			for _, seg := range r.Parts {
				if !paths[strings.TrimSuffix(seg, ".header")] {
					t.Fatalf("record %s matched in %q, not a visited part", r.ID, seg)
				}
			}
			if len(r.Matches) == 0 || len(r.Matches) > MaxMatchesPerRecord || r.MoreMatches < 0 || r.Closest < -1 {
				t.Fatalf("record %s: %d matches, %d more, closest %d", r.ID, len(r.Matches), r.MoreMatches, r.Closest)
			}
			for _, m := range r.Matches {
				if m.Start < 0 || m.End <= m.Start || m.End > res.BytesScanned || !slices.Contains(r.Parts, m.Part) || !slices.Contains(r.Fields, m.Field) {
					t.Fatalf("record %s: bad match %+v", r.ID, m)
				}
			}
		}
		if res.BytesScanned > lim.MaxTotalBytes || res.BytesScanned < 0 {
			t.Fatalf("BytesScanned = %d", res.BytesScanned)
		}
		if len(res.Parts) > lim.MaxParts {
			t.Fatalf("%d parts", len(res.Parts))
		}
	})
}
