package uuencode

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"testing"
	"testing/iotest"
)

// fuzzSeeds adds the encoded fixtures and the text bodies.
func fuzzSeeds(f *testing.F) {
	for _, fx := range fixtures {
		f.Add(readFile(f, fx.file))
	}
	for _, b := range []string{"body.txt", "body-crlf.txt", "body-mixed.txt"} {
		f.Add(readFile(f, b))
	}
}

// FuzzReader decodes arbitrary bytes: no panic, the same result whether
// the input comes in one piece or a byte at a time, and output within
// what the lenient padding allows (a two-byte line for 63 bytes).
// Seeds: the fixtures and testdata/fuzz/FuzzReader.
func FuzzReader(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, in []byte) {
		r := NewReader(bytes.NewReader(in))
		out, err := io.ReadAll(r)
		if err != nil && !errors.Is(err, ErrNoBegin) {
			t.Fatalf("error %v", err)
		}
		if len(out) > 32*len(in) {
			t.Fatalf("%d bytes from %d", len(out), len(in))
		}
		r1 := NewReader(iotest.OneByteReader(bytes.NewReader(in)))
		out1, err1 := io.ReadAll(r1)
		if !bytes.Equal(out, out1) || err != err1 || r.Name() != r1.Name() || r.Damaged() != r1.Damaged() || r.Framing() != r1.Framing() {
			t.Fatalf("byte at a time: %q, %v, %q, %v; in one piece %q, %v, %q, %v",
				out1, err1, r1.Name(), r1.Damaged(), out, err, r.Name(), r.Damaged())
		}
	})
}

// fuzzLimits are small, so that the fuzzer reaches them.
var fuzzLimits = Limits{MaxBlocks: 3, MaxBlockBytes: 200, MaxTotalBytes: 500}

// splitResult is everything a Splitter run gives, for comparison.
type splitResult struct {
	text  string
	files []string
	stats Stats
}

func splitFuzz(t *testing.T, r io.Reader) splitResult {
	var files []*bytes.Buffer
	var names []string
	s := NewSplitter(r, func(name string) (io.WriteCloser, error) {
		files = append(files, new(bytes.Buffer))
		names = append(names, name)
		return nopCloser{files[len(files)-1]}, nil
	}, fuzzLimits)
	text, err := io.ReadAll(s)
	if err != nil {
		t.Fatalf("error %v", err)
	}
	res := splitResult{text: string(text), stats: s.Stats()}
	for i, f := range files {
		res.files = append(res.files, names[i]+"="+f.String())
	}
	return res
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

// FuzzSplitter splits arbitrary bytes: no panic; text and decoded bytes
// together at most 1.5 times the input; limits kept; stats that agree with
// what was written; text without "begin" unchanged; and the same result
// whether the input comes in one piece or a byte at a time.
// Seeds: the fixtures and testdata/fuzz/FuzzSplitter.
func FuzzSplitter(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, in []byte) {
		res := splitFuzz(t, bytes.NewReader(in))
		st := res.stats
		if 2*(int64(len(res.text))+st.Decoded) > 3*int64(len(in)) {
			t.Fatalf("text %d + decoded %d from %d", len(res.text), st.Decoded, len(in))
		}
		if !bytes.Contains(in, []byte("begin")) && res.text != string(in) {
			t.Fatalf("text changed without a begin line")
		}
		if len(st.Blocks) != len(res.files) || len(st.Blocks) > fuzzLimits.MaxBlocks || st.Decoded > fuzzLimits.MaxTotalBytes {
			t.Fatalf("%d files, stats %+v", len(res.files), st)
		}
		var total int64
		cut, capped := 0, 0
		for i, b := range st.Blocks {
			if b.Bytes > fuzzLimits.MaxBlockBytes || int(b.Bytes) != len(res.files[i])-len(b.Name)-1 {
				t.Fatalf("block %d: %+v, file %q", i, b, res.files[i])
			}
			total += b.Bytes
			if b.Cut {
				cut++
			}
			if b.Capped {
				capped++
			}
		}
		if total != st.Decoded || cut != st.Cut || capped != st.Capped {
			t.Fatalf("stats %+v", st)
		}
		one := splitFuzz(t, iotest.OneByteReader(bytes.NewReader(in)))
		if fmt.Sprint(one) != fmt.Sprint(res) {
			t.Fatalf("byte at a time: %+v\nin one piece: %+v", one, res)
		}
	})
}
