package sqlite

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
)

// fuzzSeeds are the fixtures that seed FuzzReader, and the names of their
// committed corpus files (testdata/fuzz/FuzzReader/seed-NAME).
var fuzzSeeds = []string{"fuzz-rows.db", "fuzz-deleted.db", "fuzz-utf16.db", "empty.db"}

// fuzzLimits are small, so that the fuzzer reaches them.
var fuzzLimits = Limits{MaxPages: 256, MaxOutput: 64 << 10, MaxPayload: 2048}

// FuzzReader reads arbitrary bytes as a database: no panic, sentinel
// errors (or none), UTF-8 text within MaxOutput and within 4 bytes a byte
// of the pages read, no text with ErrNotSQLite or ErrEncrypted, and the
// same text and error whether read again or a byte at a time. Seeds: small fixtures (fuzzSeeds) committed in
// testdata/fuzz/FuzzReader; larger seeds make the fuzzer's minimizing
// crawl.
func FuzzReader(f *testing.F) {
	f.Fuzz(func(t *testing.T, db []byte) {
		res := read(db, fuzzLimits)
		bounded(t, res, fuzzLimits, db)
		if (errors.Is(res.err, ErrNotSQLite) || errors.Is(res.err, ErrEncrypted)) && res.text != "" {
			t.Fatalf("text with %v", res.err)
		}
		again := read(db, fuzzLimits)
		if again.text != res.text || fmt.Sprint(again.err) != fmt.Sprint(res.err) || again.stats != res.stats {
			t.Fatal("a second read differs")
		}
		r := NewReader(context.Background(), bytes.NewReader(db), int64(len(db)), fuzzLimits)
		text, err := io.ReadAll(iotest.OneByteReader(r))
		if string(text) != res.text || fmt.Sprint(err) != fmt.Sprint(res.err) {
			t.Fatal("a byte at a time differs")
		}
	})
}

// TestFuzzSeeds checks that the committed corpus files are the fuzz
// fixtures (-update writes them).
func TestFuzzSeeds(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzReader")
	for _, name := range fuzzSeeds {
		want := "go test fuzz v1\n[]byte(" + strconv.Quote(string(readFixture(t, name))) + ")\n"
		file := filepath.Join(dir, "seed-"+strings.TrimSuffix(name, ".db"))
		if *update {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(file, []byte(want), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != want {
			t.Errorf("%s is not testdata/%s (go test -run TestFuzzSeeds -update)", file, name)
		}
	}
}
