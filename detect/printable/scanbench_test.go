package printable

import (
	"fmt"
	"testing"
)

// BenchmarkScanners times each encoding's scanner alone.
func BenchmarkScanners(b *testing.B) {
	in := mixedBinary(b, 4<<20)
	for k := range newReader(nil, Limits{}, windowSize).scan {
		b.Run(fmt.Sprint(k), func(b *testing.B) {
			b.SetBytes(int64(len(in)))
			for b.Loop() {
				s := newReader(nil, Limits{}, windowSize).scan[k]
				base := 0
				for ; base+windowSize+lookahead < len(in); base += windowSize {
					s.scan(in[:base+windowSize+lookahead], 0, int64(base+windowSize))
					s.lines().unstage()
				}
				s.scan(in, 0, int64(len(in)))
				s.finish(in, 0)
			}
		})
	}
}
