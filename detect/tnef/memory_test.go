package tnef

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"
	"time"
)

// peakHeap runs fn and returns how much the heap in use grew at its peak,
// sampled every 2 ms.
func peakHeap(fn func()) int64 {
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	var peak uint64
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		for {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
			select {
			case <-stop:
				return
			case <-time.After(2 * time.Millisecond):
			}
		}
	}()
	fn()
	close(stop)
	<-done
	return int64(peak) - int64(base.HeapInuse)
}

// TestMemoryBound reads the worst inputs: lengths and counts that claim
// 4 GiB or 4 billion entries, millions of tiny multi-valued strings and
// recipient rows, and a compressed-RTF bomb (the largest expansion LZFu has,
// 136 MiB from 16 MiB). The heap must not follow the claims or the output:
// it stays under 64 MiB beyond the input itself.
func TestMemoryBound(t *testing.T) {
	ver := mkAttr(levelMessage, 0x00089006, le32(0x00010000))

	// An attribute claiming 4 GiB with 1 MiB there.
	hugeAttr := cat(mkTNEF(ver), []byte{levelMessage}, le32(0x0002800C), le32(0xFFFFFFF0), bytes.Repeat([]byte("a"), 1<<20))

	// A property list claiming 4 billion properties, one of which is a
	// multi-valued string claiming 4 billion values: 2 million are there.
	var mv bytes.Buffer
	mv.Write(cat(le32(0xFFFFFFFF), le16(ptString8|mvFlag), le16(0x0037), le32(0xFFFFFFFF)))
	for range 2 << 20 {
		mv.Write(cat(le32(1), []byte("x\x00\x00\x00")))
	}
	manyValues := mkTNEF(ver, mkAttr(levelMessage, 0x00069003, mv.Bytes()))

	// A recipient table of 4 billion rows claimed, 4 million empty ones there.
	var rows bytes.Buffer
	rows.Write(le32(0xFFFFFFFF))
	rows.Write(bytes.Repeat(le32(0), 4<<20))
	manyRows := mkTNEF(ver, mkAttr(levelMessage, 0x00069004, rows.Bytes()))

	// Value and name lengths claiming 4 GiB.
	claims := mkTNEF(ver, mkAttr(levelMessage, 0x00069003, cat(le32(3),
		le16(ptUnicode), le16(0x8001), make([]byte, 16), le32(1), le32(0xFFFFFFF0),
	)), mkAttr(levelMessage, 0x00069003, cat(le32(1), le16(ptBinary), le16(prRTFCompressed), le32(1), le32(0xFFFFFFF0))))

	// The compressed-RTF bomb.
	var bomb bytes.Buffer
	bomb.Write(cat(le32(0xFFFFFFFF), le32(0xFFFFFFFF), []byte("LZFu"), le32(0)))
	wpos := 207
	for range 1 << 20 {
		bomb.WriteByte(0xFF)
		for range 8 {
			ref := (wpos+100)%4096<<4 | 0xF
			bomb.Write([]byte{byte(ref >> 8), byte(ref)})
			wpos = (wpos + 17) % 4096
		}
	}
	rtfBomb := mkTNEF(ver, mkAttr(levelMessage, 0x00069003, mkPropList(mkVarProp(ptBinary, prRTFCompressed, bomb.Bytes()))))

	// Many attachments, each an attAttachRenddata and an empty attAttachData.
	var atts bytes.Buffer
	atts.Write(mkTNEF(ver))
	for range 200000 {
		atts.Write(mkAttr(levelAttachment, 0x00069002, make([]byte, 14)))
		atts.Write(mkAttr(levelAttachment, 0x0006800F, nil))
	}

	for _, tc := range []struct {
		name string
		in   []byte
		want error
	}{
		{"attribute length claim", hugeAttr, ErrCorrupt},
		{"multi-valued count claim", manyValues, ErrCorrupt},
		{"recipient rows", manyRows, ErrCorrupt},
		{"name and value length claims", claims, ErrCorrupt},
		{"compressed RTF bomb", rtfBomb, ErrLimit},
		{"many attachments", atts.Bytes(), ErrLimit},
	} {
		var err error
		var out int64
		grow := peakHeap(func() {
			err = Read(context.Background(), bytes.NewReader(tc.in), int64(len(tc.in)), Limits{MaxRatio: 1000}, func(it Item) error {
				n, err := io.Copy(io.Discard, it.R)
				out += n
				return err
			})
		})
		t.Logf("%s: %d bytes in, %d out, heap +%d KiB, %v", tc.name, len(tc.in), out, grow>>10, err)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
		if grow > 64<<20 {
			t.Errorf("%s: heap grew by %d MiB, want < 64 MiB", tc.name, grow>>20)
		}
		if out > DefaultMaxOutput {
			t.Errorf("%s: %d bytes out, past MaxOutput", tc.name, out)
		}
	}
}

// BenchmarkRead10MB reads a 10 MB winmail.dat: a CP932 attBody, a UTF-16
// PR_BODY, an uncompressed RTF body, string properties, and a CSV attachment
// of customer rows.
func BenchmarkRead10MB(b *testing.B) {
	row := "山田 太郎,03-1234-5678,taro.yamada@example.jp\r\n"
	sjis := []byte(strings.Repeat("\x8eR\x93c \x91\xbe\x98Y,03-1234-5678,taro.yamada@example.jp\r\n", 20000))
	csv := []byte(strings.Repeat("Taro Yamada,03-1234-5678,taro.yamada@example.jp\r\n", 120000))
	props := [][]byte{mkVarProp(ptUnicode, prBody, utf16z(strings.Repeat(row, 25000)))}
	props = append(props, mkVarProp(ptBinary, prRTFCompressed, mela([]byte(`{\rtf1 `+strings.Repeat(`\'8e\'52\'93\'63 03-1234-5678\par `, 60000)+"}"))))
	for i := range 2000 {
		props = append(props, mkVarProp(ptUnicode, uint16(0x8000+i%0x7000), utf16z("山田 太郎 03-1234-5678")))
	}
	// Named properties need a GUID and kind: use tagged ones below 0x8000.
	for i := range props[2:] {
		binary.LittleEndian.PutUint16(props[2+i][2:], uint16(0x6000+i))
	}
	in := mkTNEF(
		mkAttr(levelMessage, 0x00089006, le32(0x00010000)),
		mkAttr(levelMessage, 0x00069007, cat(le32(932), le32(0))),
		mkAttr(levelMessage, 0x0002800C, sjis),
		mkAttr(levelMessage, 0x00069003, mkPropList(props...)),
		mkAttr(levelAttachment, 0x00069002, make([]byte, 14)),
		mkAttr(levelAttachment, 0x00018010, []byte("customers.csv\x00")),
		mkAttr(levelAttachment, 0x0006800F, csv),
	)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	var grow int64
	b.ResetTimer()
	for b.Loop() {
		grow = max(grow, peakHeap(func() {
			err := Read(context.Background(), bytes.NewReader(in), int64(len(in)), Limits{}, func(it Item) error {
				_, err := io.Copy(io.Discard, it.R)
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
		}))
	}
	b.ReportMetric(float64(grow)/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(len(in))/(1<<20), "input-MiB")
}
