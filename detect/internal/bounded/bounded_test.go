package bounded

import (
	"bytes"
	"compress/zlib"
	"errors"
	"io"
	"strings"
	"testing"
)

func TestLimit(t *testing.T) {
	for _, tc := range []struct {
		in   string
		left int64
		err  error
	}{
		{"abc", 3, nil}, {"abcd", 3, ErrLength}, {"", 0, nil}, {"a", 0, ErrLength},
	} {
		got, err := io.ReadAll(&Limit{R: strings.NewReader(tc.in), Left: tc.left})
		if !errors.Is(err, tc.err) || len(got) > int(tc.left) {
			t.Errorf("%q left %d: %q, %v; want error %v", tc.in, tc.left, got, err, tc.err)
		}
	}
	mapped := errors.New("mapped")
	_, err := io.ReadAll(&Limit{R: strings.NewReader("ab"), Left: 1, Map: func(error) error { return mapped }})
	if err != mapped {
		t.Errorf("Map not applied: %v", err)
	}
}

func TestRatio(t *testing.T) {
	var z bytes.Buffer
	w := zlib.NewWriter(&z)
	w.Write(make([]byte, 4<<20))
	w.Close()
	compressed := z.Bytes()
	inflate := func(max, grace int64) (int, error) {
		in := &Counter{R: bytes.NewReader(compressed)}
		zr, err := zlib.NewReader(in)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(&Ratio{R: zr, In: in, Max: max, Grace: grace})
		return len(b), err
	}
	if n, err := inflate(100, 1<<20); !errors.Is(err, ErrRatio) || n >= 4<<20 {
		t.Errorf("ratio 100: %d bytes, %v", n, err)
	}
	if n, err := inflate(100000, 1<<20); err != nil || n != 4<<20 {
		t.Errorf("ratio 100000: %d bytes, %v", n, err)
	}
	if n, err := inflate(100, 8<<20); err != nil || n != 4<<20 {
		t.Errorf("under the grace: %d bytes, %v", n, err)
	}
}
