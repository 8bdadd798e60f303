package printable

import (
	"bytes"
	"io"
	"math/rand/v2"
	"testing"
)

// mixedBinary is n bytes of random binary with a customer record every
// KiB or so, in ASCII, UTF-8, UTF-16LE and Shift_JIS by turns.
func mixedBinary(tb testing.TB, n int) []byte {
	rng := rand.New(rand.NewPCG(1, 2))
	records := [][]byte{
		[]byte("taro.yamada@example.jp,03-1234-5678"),
		[]byte("山田太郎,東京都千代田区丸の内1-1-1"),
		utf16le(tb, "佐藤花子,hanako.sato@example.co.jp"),
		sjis(tb, "鈴木次郎,090-1111-2222"),
	}
	out := make([]byte, 0, n+64)
	for k := 0; len(out) < n; k++ {
		gap := 512 + rng.IntN(1024)
		for i := 0; i < gap; i++ {
			out = append(out, byte(rng.Uint32()))
		}
		out = append(out, 0)
		out = append(out, records[k%len(records)]...)
		out = append(out, 0)
	}
	return out[:n]
}

func BenchmarkReader(b *testing.B) {
	in := mixedBinary(b, 10<<20)
	b.SetBytes(int64(len(in)))
	var outBytes int64
	for b.Loop() {
		n, err := io.Copy(io.Discard, NewReader(bytes.NewReader(in), Limits{}))
		if err != nil {
			b.Fatal(err)
		}
		outBytes = n
	}
	b.ReportMetric(float64(outBytes)/float64(len(in)), "out/in")
}
