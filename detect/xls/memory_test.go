package xls

import (
	"bytes"
	"context"
	"errors"
	"io"
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

// heapPeak samples HeapInuse until stop is closed and records the peak.
func heapPeak(stop <-chan struct{}, peak *atomic.Uint64) {
	var ms runtime.MemStats
	t := time.NewTicker(time.Millisecond)
	defer t.Stop()
	for {
		runtime.ReadMemStats(&ms)
		if ms.HeapInuse > peak.Load() {
			peak.Store(ms.HeapInuse)
		}
		select {
		case <-stop:
			return
		case <-t.C:
		}
	}
}

// sstChunks is an SST of the strings (compressed, each under 8000 bytes),
// cut into CONTINUE records at string boundaries.
func sstChunks(strs []string) [][]byte {
	var recs [][]byte
	cur := append(u32(uint32(len(strs))), u32(uint32(len(strs)))...)
	typ := uint16(recSST)
	for _, s := range strs {
		one := append(append(u16(uint16(len(s))), 0), s...)
		if len(cur)+len(one) > 8224 {
			recs = append(recs, rec(typ, cur))
			typ, cur = recContinue, nil
		}
		cur = append(cur, one...)
	}
	return append(recs, rec(typ, cur))
}

// hostile are the worst inputs thought of, each a few MB at most.
func hostile() map[string][]byte {
	cellHdr := func(row, col uint16) []byte { return append(append(u16(row), u16(col)...), u16(15)...) }
	m := map[string][]byte{}
	// one 8000-character shared string referenced by 300,000 cells: 2.4 GB
	// of text claimed by 4 MB
	var cells [][]byte
	for i := 0; i < 300000; i++ {
		cells = append(cells, rec(recLabelSST, cellHdr(uint16(i), uint16(i%256)), u32(0)))
	}
	m["sst amplification"] = cfbFile(4, entry{name: "Workbook", data: workbook(nil,
		sstChunks([]string{string(bytes.Repeat([]byte("x"), 8000))}), sheetSpec{name: "S", recs: cells})})
	// rows in reverse order with cells far to the right: sorting, commas
	cells = nil
	for i := 0; i < 100000; i++ {
		cells = append(cells, rec(recRK, cellHdr(uint16(65535-i), 0xFFFF), u32(2)))
	}
	m["far cells"] = cfbFile(4, entry{name: "Workbook", data: workbook(nil, nil, sheetSpec{name: "S", recs: cells})})
	// claims: 4 G strings of 65535 characters with 2 GB phonetic blocks,
	// a TXO of 65535 characters with nothing behind it, 100,000 nested BOFs
	claims := rec(recSST, u32(0xFFFFFFFF), u32(0xFFFFFFFF), u16(0xFFFF), []byte{0x0D}, u16(0xFFFF), u32(0x7FFFFFFF))
	var nest []byte
	for i := 0; i < 100000; i++ {
		nest = append(nest, rec(recBOF, u16(0x0600), u16(0x20), make([]byte, 12))...)
	}
	m["claims"] = cfbFile(4, entry{name: "Workbook", data: workbook(nil, [][]byte{claims},
		sheetSpec{name: "S", recs: [][]byte{rec(recTxO, make([]byte, 10), u16(0xFFFF), u16(0xFFFF)), nest}})})
	// 100,000 comments: TXO and NOTE matched by object id
	cells = nil
	for i := 0; i < 100000; i++ {
		id := u16(uint16(i))
		cells = append(cells, rec(recObj, u16(0x15), u16(0x12), u16(0x19), id, make([]byte, 14)),
			rec(recTxO, make([]byte, 10), u16(1), u16(0)), rec(recContinue, []byte{0, 'x'}))
	}
	for i := 0; i < 100000; i++ {
		cells = append(cells, rec(recNote, cellHdr(uint16(i), 0)[:4], u16(0), u16(uint16(i)), u16(1), []byte{0, 'a'}))
	}
	m["many comments"] = cfbFile(4, entry{name: "Workbook", data: workbook(nil, nil, sheetSpec{name: "S", recs: cells})})
	// a compound file whose stream claims 2^62 bytes (version 4 sizes)
	big := cfbFile(4, entry{name: "Workbook", data: make([]byte, 5000)})
	if off := bytes.Index(big, wide("Workbook")); off > 0 && off%128 == 0 {
		copy(big[off+120:], u32(0))
		copy(big[off+124:], u32(0x40000000))
	}
	m["huge stream"] = big
	return m
}

// TestHeapBound reads each hostile input with MaxOutput 4 MiB: each ends
// in an error or a bounded output, and the heap grows by less than 64 MiB.
func TestHeapBound(t *testing.T) {
	if testing.Short() {
		t.Skip("memory test")
	}
	const maxGrowth = 64 << 20
	for name, b := range hostile() {
		t.Run(name, func(t *testing.T) {
			runtime.GC()
			var before runtime.MemStats
			runtime.ReadMemStats(&before)
			var peak atomic.Uint64
			stop := make(chan struct{})
			done := make(chan struct{})
			go func() { heapPeak(stop, &peak); close(done) }()
			var out int64
			start := time.Now()
			err := Read(context.Background(), bytes.NewReader(b), int64(len(b)), Limits{MaxOutput: 4 << 20}, func(it Item) error {
				n, err := io.Copy(io.Discard, it.R)
				out += n
				return err
			})
			close(stop)
			<-done
			growth := int64(peak.Load()) - int64(before.HeapInuse)
			t.Logf("%d-byte input: %v, %d bytes out, heap +%d MiB, %v", len(b), err, out, growth>>20, time.Since(start))
			if out > 4<<20 {
				t.Errorf("emitted %d bytes", out)
			}
			if growth > maxGrowth {
				t.Errorf("heap grew by %d MiB, bound %d", growth>>20, maxGrowth>>20)
			}
			if name == "sst amplification" && !errors.Is(err, ErrLimit) {
				t.Errorf("err = %v, want ErrLimit", err)
			}
			if name == "huge stream" && !errors.Is(err, ErrCorrupt) {
				t.Errorf("err = %v, want ErrCorrupt", err)
			}
		})
	}
}
