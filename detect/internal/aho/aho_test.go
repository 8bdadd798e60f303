package aho

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/cloudflare/ahocorasick"
)

// found returns the sorted distinct pattern indexes m reports in text, fed
// in chunks of chunk bytes (0: all at once).
func found(m *Matcher, text string, chunk int) []int {
	seen := map[int]bool{}
	var st State
	if chunk <= 0 {
		chunk = len(text) + 1
	}
	for i := 0; i < len(text); i += chunk {
		end := min(i+chunk, len(text))
		st = m.Scan(st, []byte(text[i:end]), func(p, _ int) { seen[p] = true })
	}
	var out []int
	for p := range seen {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

// naive is the reference: every pattern that is a substring of text.
func naive(patterns []string, text string) []int {
	var out []int
	for i, p := range patterns {
		if p != "" && strings.Contains(text, p) {
			out = append(out, i)
		}
	}
	return out
}

func TestMatcher(t *testing.T) {
	tests := []struct {
		patterns []string
		text     string
		want     []int
	}{
		{[]string{"he", "she", "his", "hers"}, "ushers", []int{0, 1, 3}},
		{[]string{"a", "ab", "bab", "bc", "bca", "c", "caa"}, "abccab", []int{0, 1, 3, 5}},
		{[]string{"a", "ab", "bab", "bc", "bca", "c", "caa"}, "abcaab", []int{0, 1, 3, 4, 5, 6}},
		{[]string{" ann lee "}, " annual leeds ", nil},
		{[]string{" ann lee "}, " dear ann lee ", []int{0}},
		{[]string{"山田太郎", "田太"}, "山田太郎様", []int{0, 1}},
		{[]string{"abc"}, "", nil},
		{nil, "abc", nil},
		{[]string{""}, "abc", nil},
		// A wide node (more than 8 children) uses binary search.
		{[]string{" c0001 ", " c0002 ", " c0003 ", " c0004 ", " c0005 ", " c0006 ", " c0007 ", " c0008 ", " c0009 "},
			" c0004 x c0005 y c0009 ", []int{3, 4, 8}},
	}
	for _, tt := range tests {
		m, err := Build(tt.patterns)
		if err != nil {
			t.Fatal(err)
		}
		for _, chunk := range []int{0, 1, 2, 3} {
			got := found(m, tt.text, chunk)
			if !slices.Equal(got, tt.want) {
				t.Errorf("patterns %q in %q (chunk %d): got %v, want %v", tt.patterns, tt.text, chunk, got, tt.want)
			}
		}
	}
}

// TestAgainstReferences compares the Matcher with a naive search and with
// github.com/cloudflare/ahocorasick on random dictionaries over a small
// alphabet (so that patterns overlap a lot), every byte value included.
func TestAgainstReferences(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	alphabets := []string{"ab", "abc ", "ab\x00\xff", "0123456789 abcdefghij"}
	for iter := 0; iter < 2000; iter++ {
		alpha := alphabets[iter%len(alphabets)]
		word := func(n int) string {
			b := make([]byte, n)
			for i := range b {
				b[i] = alpha[rng.IntN(len(alpha))]
			}
			return string(b)
		}
		seen := map[string]bool{}
		var patterns []string
		for n := rng.IntN(40) + 1; len(patterns) < n; {
			p := word(rng.IntN(6) + 1)
			if !seen[p] {
				seen[p] = true
				patterns = append(patterns, p)
			}
		}
		text := word(rng.IntN(200))
		m, err := Build(patterns)
		if err != nil {
			t.Fatal(err)
		}
		want := naive(patterns, text)
		got := found(m, text, 1+rng.IntN(7))
		if !slices.Equal(got, want) {
			t.Fatalf("patterns %q text %q: got %v, want %v", patterns, text, got, want)
		}
		if got, want := occurrences(m, text, 1+rng.IntN(7)), naiveOccurrences(patterns, text); !slices.Equal(got, want) {
			t.Fatalf("patterns %q text %q: occurrences %v, want %v", patterns, text, got, want)
		}
		cf := ahocorasick.NewStringMatcher(patterns).MatchThreadSafe([]byte(text))
		slices.Sort(cf)
		if !slices.Equal(cf, want) {
			// Not a failure of ours, but worth knowing about.
			t.Logf("cloudflare/ahocorasick differs: patterns %q text %q: got %v, want %v", patterns, text, cf, want)
		}
	}
}

// occurrences returns every (pattern, start, end) m reports in text, fed in
// chunks of chunk bytes, as offsets in the whole text.
func occurrences(m *Matcher, text string, chunk int) [][3]int {
	var out [][3]int
	var st State
	if chunk <= 0 {
		chunk = len(text) + 1
	}
	for i := 0; i < len(text); i += chunk {
		end := min(i+chunk, len(text))
		st = m.Scan(st, []byte(text[i:end]), func(p, e int) {
			out = append(out, [3]int{p, i + e - m.PatternLen(p), i + e})
		})
	}
	slices.SortFunc(out, func(a, b [3]int) int {
		if a[2] != b[2] {
			return a[2] - b[2]
		}
		return a[0] - b[0]
	})
	return out
}

// naiveOccurrences is the reference for occurrences: every substring of
// text looked up among the patterns.
func naiveOccurrences(patterns []string, text string) [][3]int {
	index := map[string][]int{}
	longest := 0
	for i, p := range patterns {
		if p != "" {
			index[p] = append(index[p], i)
			longest = max(longest, len(p))
		}
	}
	var out [][3]int
	for end := 1; end <= len(text); end++ {
		var at [][3]int
		for n := 1; n <= min(longest, end); n++ {
			for _, i := range index[text[end-n:end]] {
				at = append(at, [3]int{i, end - n, end})
			}
		}
		slices.SortFunc(at, func(a, b [3]int) int { return a[0] - b[0] })
		out = append(out, at...)
	}
	return out
}

// TestOverlapping checks that every occurrence is reported with its
// position, including a pattern inside a longer one and repeated ones.
func TestOverlapping(t *testing.T) {
	patterns := []string{"久保誠", "久保誠一", "保誠", "aa"}
	text := "x久保誠一 久保誠 aaa"
	m, err := Build(patterns)
	if err != nil {
		t.Fatal(err)
	}
	want := naiveOccurrences(patterns, text)
	for _, chunk := range []int{0, 1, 2, 5} {
		if got := occurrences(m, text, chunk); !slices.Equal(got, want) {
			t.Errorf("chunk %d: got %v, want %v", chunk, got, want)
		}
	}
	// 久保誠 at 1..10 and 久保誠一 at 1..13 are both there.
	got := occurrences(m, text, 0)
	if !slices.Contains(got, [3]int{0, 1, 10}) || !slices.Contains(got, [3]int{1, 1, 13}) {
		t.Errorf("overlapping names missing: %v", got)
	}
}

// TestDenseCutoff uses more shallow states than get a dense row, so that
// scans cross between dense rows and searched children.
func TestDenseCutoff(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	seen := map[string]bool{}
	var patterns []string
	for len(patterns) < 8000 {
		b := make([]byte, 2+rng.IntN(4))
		for i := range b {
			b[i] = byte(rng.IntN(96))
		}
		if !seen[string(b)] {
			seen[string(b)] = true
			patterns = append(patterns, string(b))
		}
	}
	m, err := Build(patterns)
	if err != nil {
		t.Fatal(err)
	}
	if m.nDense != maxDense {
		t.Fatalf("nDense = %d, want the cut-off %d", m.nDense, maxDense)
	}
	text := make([]byte, 20000)
	for i := range text {
		text[i] = byte(rng.IntN(96))
	}
	for _, chunk := range []int{0, 7} {
		if got, want := occurrences(m, string(text), chunk), naiveOccurrences(patterns, string(text)); !slices.Equal(got, want) {
			t.Fatalf("chunk %d: %d occurrences, want %d", chunk, len(got), len(want))
		}
	}
}

func TestLargeDictionary(t *testing.T) {
	var patterns []string
	for i := 0; i < 50000; i++ {
		patterns = append(patterns, fmt.Sprintf(" c%07d ", i*7))
	}
	m, err := Build(patterns)
	if err != nil {
		t.Fatal(err)
	}
	if m.Patterns() != len(patterns) {
		t.Errorf("Patterns() = %d", m.Patterns())
	}
	got := found(m, " x c0000007 c0000008 c0349993 ", 5)
	if want := []int{1, 49999}; !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	t.Logf("%d patterns: %d states, ~%d KiB", len(patterns), m.States(), m.SizeBytes()>>10)
}

func FuzzMatcher(f *testing.F) {
	f.Add("he\nshe\nhis\nhers", "ushers", 3)
	f.Add(" ann lee \n ann ", " annual ann lee ", 1)
	f.Add("山田太郎\n田太", "山田太郎様", 2)
	f.Fuzz(func(t *testing.T, dict, text string, chunk int) {
		patterns := strings.Split(dict, "\n")
		if len(patterns) > 64 {
			patterns = patterns[:64]
		}
		// Duplicates report the last index; keep the reference simple.
		seen := map[string]bool{}
		uniq := patterns[:0]
		for _, p := range patterns {
			if !seen[p] {
				seen[p] = true
				uniq = append(uniq, p)
			}
		}
		m, err := Build(uniq)
		if err != nil {
			t.Fatal(err)
		}
		if chunk < 0 {
			chunk = -chunk
		}
		got := found(m, text, chunk%16)
		if want := naive(uniq, text); !slices.Equal(got, want) {
			t.Fatalf("patterns %q text %q: got %v, want %v", uniq, text, got, want)
		}
		if len(text) <= 4096 {
			if got, want := occurrences(m, text, chunk%16), naiveOccurrences(uniq, text); !slices.Equal(got, want) {
				t.Fatalf("patterns %q text %q: occurrences %v, want %v", uniq, text, got, want)
			}
		}
	})
}

func BenchmarkBuild(b *testing.B) {
	var patterns []string
	for i := 0; i < 100000; i++ {
		patterns = append(patterns, fmt.Sprintf(" customer%07d example com ", i))
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := Build(patterns); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBuildMemory compares the heap kept by this package and by
// github.com/cloudflare/ahocorasick for the same patterns (customer-like
// emails in spaced form, ~25 bytes each).
func BenchmarkBuildMemory(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		var patterns []string
		for i := 0; i < n; i++ {
			patterns = append(patterns, fmt.Sprintf(" user%07d example jp ", i*7919))
		}
		b.Run(fmt.Sprintf("aho/patterns=%d", n), func(b *testing.B) {
			base := heapInUse()
			var m *Matcher
			for b.Loop() {
				m, _ = Build(patterns)
			}
			b.ReportMetric(float64(heapInUse()-base)/(1<<20), "MB-heap")
			runtime.KeepAlive(m)
		})
		b.Run(fmt.Sprintf("cloudflare/patterns=%d", n), func(b *testing.B) {
			base := heapInUse()
			var m *ahocorasick.Matcher
			for b.Loop() {
				m = ahocorasick.NewStringMatcher(patterns)
			}
			b.ReportMetric(float64(heapInUse()-base)/(1<<20), "MB-heap")
			runtime.KeepAlive(m)
		})
	}
}

func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse
}
