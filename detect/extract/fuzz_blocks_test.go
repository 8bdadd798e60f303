package extract

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// FuzzTextBlocks feeds arbitrary text through the block splitters
// (uuencoded files and OpenPGP messages taken out of text): no panic, the
// text that comes out is never longer than what went in, a text without
// a trigger comes out unchanged, and reading one byte at a time gives the
// same text and blocks as reading in bulk.
func FuzzTextBlocks(f *testing.F) {
	f.Add([]byte("hello\nbegin 644 a.txt\n+5&%R;R!986UA9&$`\n`\nend\nbye\n"))
	f.Add([]byte("x\r\n-----BEGIN PGP MESSAGE-----\r\n\r\nowGbwMvMwMEYOEs=\r\n-----END PGP MESSAGE-----\r\ny\r\n"))
	f.Add([]byte("begin the meeting\nbegin 644\n-----BEGIN PGP MESSAGE-----"))
	f.Add([]byte(strings.Repeat("a", 40000) + "begin 600 x\nM" + strings.Repeat("a", 60) + "\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		out1, n1 := splitBlocks(t, bytes.NewReader(in))
		out2, n2 := splitBlocks(t, iotest.OneByteReader(bytes.NewReader(in)))
		if !bytes.Equal(out1, out2) || n1 != n2 {
			t.Fatalf("bulk and one byte at a time differ: %q (%d blocks) vs %q (%d)", out1, n1, out2, n2)
		}
		if len(out1) > len(in) {
			t.Fatalf("%d bytes out of %d in", len(out1), len(in))
		}
		if !bytes.Contains(in, []byte("begin")) && !bytes.Contains(in, []byte("-----BEGIN PGP MESSAGE")) && !bytes.Equal(out1, in) {
			t.Fatalf("text without a trigger changed: %q -> %q", in, out1)
		}
	})
}

func splitBlocks(t *testing.T, r io.Reader) ([]byte, int) {
	b := &blockSet{w: &walker{lim: DefaultLimits()}}
	defer b.close()
	out, err := io.ReadAll(b.wrap(r))
	if err != nil {
		t.Fatal(err)
	}
	return out, len(b.blocks)
}

// FuzzHeader reads arbitrary bytes as an entity's header block: no panic,
// a header too big gives back every byte, and the fields read plus the
// body never hold more than the input.
func FuzzHeader(f *testing.F) {
	f.Add([]byte("Subject: x\r\nTo: a@b\r\n\r\nbody"), 64)
	f.Add([]byte("Subject: x\r\n continued\r\nno colon here\r\nmore\r\n"), 1024)
	f.Add([]byte(" leading space\r\nSubject: x\r\n\r\n"), 1024)
	f.Add([]byte("X: "+strings.Repeat("a", 5000)+"\r\n\r\nb"), 4096)
	f.Fuzz(func(t *testing.T, in []byte, max int) {
		if max <= 0 || max > 1<<16 {
			max = 1 << 16
		}
		h, body, release, st := readHeader(bytes.NewReader(in), max)
		rest, err := io.ReadAll(body)
		release()
		if err != nil {
			t.Fatal(err)
		}
		if st == headerTooBig && !bytes.Equal(rest, in) {
			t.Fatalf("header too big, but %d of %d bytes given back", len(rest), len(in))
		}
		n := 0
		for fs := h.Fields(); fs.Next(); {
			n += len(fs.Key()) + len(fs.Value())
		}
		if n+len(rest) > len(in) {
			t.Fatalf("%d bytes of fields and %d of body from %d bytes", n, len(rest), len(in))
		}
	})
}
