package lzfu

import (
	"bytes"
	"context"
	"io"
	"testing"
)

func FuzzRead(f *testing.F) {
	f.Add(specSimple)
	f.Add(specCross)
	f.Add(Store([]byte(specSimpleRTF)))
	f.Add(Compress([]byte(`{\rtf1\ansi\ansicpg932 \'8e\'52\'93\'63 03-1234-5678}`)))
	f.Fuzz(func(t *testing.T, b []byte) {
		lim := Limits{MaxOutput: 1 << 20}
		n := 0
		_ = Read(context.Background(), bytes.NewReader(b), lim, func(it Item) error {
			m, err := io.Copy(io.Discard, it.R)
			n += int(m)
			return err
		})
		if n > 1<<20 {
			t.Fatalf("%d bytes past MaxOutput", n)
		}
	})
}
