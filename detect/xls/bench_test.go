package xls

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"runtime"
	"sync/atomic"
	"testing"
)

// bench10MB is a ~10 MB workbook of customer rows: a 20,000-string SST,
// then sheets of LABELSST, NUMBER, RK and LABEL cells.
func bench10MB() []byte {
	var strs []string
	for i := 0; i < 20000; i++ {
		strs = append(strs, fmt.Sprintf("customer%05d@example.jp", i))
	}
	cellHdr := func(row, col uint16) []byte { return append(append(u16(row), u16(col)...), u16(15)...) }
	var sheets []sheetSpec
	size := 0
	for s := 0; size < 10<<20; s++ {
		sh := sheetSpec{name: fmt.Sprintf("Sheet%d", s+1)}
		for r := 0; r < 60000 && size < 10<<20; r++ {
			row := [][]byte{
				rec(recLabel, cellHdr(uint16(r), 0), xlStr("山田 太郎")),
				rec(recNumber, cellHdr(uint16(r), 1), f64(float64(312345678+r))),
				rec(recLabelSST, cellHdr(uint16(r), 2), u32(uint32(r%len(strs)))),
				rec(recRK, cellHdr(uint16(r), 3), u32(uint32(r)<<2|2)),
			}
			for _, c := range row {
				size += len(c)
			}
			sh.recs = append(sh.recs, row...)
		}
		sheets = append(sheets, sh)
	}
	return cfbFile(4, entry{name: "Workbook", data: workbook(nil, sstChunks(strs), sheets...)})
}

// BenchmarkRead10MB reads a ~10 MB workbook; it reports the peak heap in
// use while reading (heap-MiB).
func BenchmarkRead10MB(b *testing.B) {
	data := bench10MB()
	b.SetBytes(int64(len(data)))
	runtime.GC()
	var peak atomic.Uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() { heapPeak(stop, &peak); close(done) }()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		err := Read(context.Background(), bytes.NewReader(data), int64(len(data)), Limits{}, func(it Item) error {
			_, err := io.Copy(io.Discard, it.R)
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	close(stop)
	<-done
	b.ReportMetric(float64(peak.Load())/(1<<20), "heap-MiB")
}
