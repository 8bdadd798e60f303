package textsniff

import "testing"

func BenchmarkDetect(b *testing.B) {
	for _, name := range []string{"csv-sjis.csv", "random.bin", "csv-utf16le.csv", "csv-utf8.csv"} {
		in := fixture(b, name)
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(in)))
			for b.Loop() {
				Detect(in, true)
			}
		})
	}
}
