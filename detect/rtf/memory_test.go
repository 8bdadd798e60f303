//go:build !race

// The race detector changes allocation patterns; the memory bound is
// measured without it.

package rtf

import (
	"context"
	"errors"
	"io"
	"testing"
)

// repeater reads as head, then unit repeated up to n bytes, then tail,
// generated as it is read: the test holds no copy of the input.
type repeater struct {
	head, unit, tail string
	n, off           int64
	stage            int
}

func (r *repeater) Read(b []byte) (int, error) {
	w := 0
	for w < len(b) {
		switch r.stage {
		case 0:
			k := copy(b[w:], r.head[r.off:])
			w += k
			r.off += int64(k)
			if r.off == int64(len(r.head)) {
				r.stage, r.off = 1, 0
			}
		case 1:
			if r.off >= r.n {
				r.stage, r.off = 2, 0
				continue
			}
			i := r.off % int64(len(r.unit))
			k := copy(b[w:], r.unit[i:])
			if int64(k) > r.n-r.off {
				k = int(r.n - r.off)
			}
			w += k
			r.off += int64(k)
		case 2:
			k := copy(b[w:], r.tail[r.off:])
			w += k
			r.off += int64(k)
			if r.off == int64(len(r.tail)) {
				r.stage = 3
			}
		default:
			if w == 0 {
				return 0, io.EOF
			}
			return w, nil
		}
	}
	return w, nil
}

// TestMemoryBound reads the worst inputs thought of, 64 MB each, with
// MaxOutput 16 MiB: the heap stays under 64 MiB (what is held is at most
// MaxOutput, in 64 KiB blocks, plus fixed buffers; about 17 MiB was
// measured) and each read ends with the error it should.
func TestMemoryBound(t *testing.T) {
	const size = 64 << 20
	const bound = 64 << 20
	head := `{\rtf1\ansi\ansicpg932{\fonttbl{\f0\fcharset128 MS Gothic;}}`
	cases := []struct {
		name       string
		head, unit string
		want       error
	}{
		{"objdata hex", head + `{\object\objemb{\*\objdata 01050000020000000200000041000000000000000000ffffffff`, "0123456789abcdef", ErrLimit},
		{"objdata bin", head + `{\object{\*\objdata \bin2147483647 `, "xxxxxxxxxxxxxxxx", ErrLimit},
		{"body text", head, `\'8e\'52\'93\'63 \u12354? \par`, ErrLimit},
		{"one long line of links", head, `{\field{\*\fldinst HYPERLINK "mailto:a@example.jp"}{\fldrslt a}}`, ErrLimit},
		{"depth", head, "{", ErrLimit},
		{"open groups", head, `{\b}{\b}{\i x}`, ErrCorrupt},
		{"bin claims", head, `{\pict\bin2147483647 }`, ErrCorrupt},
		{"footnotes", head, `{\footnote 03-1234-5678}`, ErrLimit},
		{"fonts", `{\rtf1{\fonttbl`, `{\f123456\fcharset128 x;}`, ErrCorrupt},
		{"field instruction", head + `{\field{\*\fldinst HYPERLINK "`, "mailto:aaaaaaaa", ErrCorrupt},
		{"long words", head + `\`, "abcdefghijklmnop", ErrCorrupt},
		{"long numbers", head + `\fs`, "1234567890123456", ErrCorrupt},
		{"info", head + `{\info{\title `, `\u12354?`, ErrLimit},
		{"unicode skip", head + `\uc2147483647\u1`, "x", ErrLimit},
		{"comment heads", head, `{\*\atnid 090-1111-2222}`, ErrCorrupt},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var err error
			var out int64
			peak := peakHeap(func() {
				r := &repeater{head: c.head, unit: c.unit, n: size}
				err = Read(context.Background(), r, Limits{MaxOutput: 16 << 20}, func(it Item) error {
					n, err := io.Copy(io.Discard, it.R)
					out += n
					return err
				})
			})
			t.Logf("peak heap %.1f MiB, %d bytes out, %v", float64(peak)/(1<<20), out, err)
			if !errors.Is(err, c.want) {
				t.Errorf("err = %v, want %v", err, c.want)
			}
			if peak > bound {
				t.Errorf("peak heap %d MiB > %d MiB", peak>>20, bound>>20)
			}
		})
	}
}
