package msg

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// heapPeak samples HeapInuse until stop is closed and stores the peak.
func heapPeak(stop <-chan struct{}, done chan<- struct{}, peak *atomic.Uint64) {
	defer close(done)
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

// measure reads in, discarding what is emitted, and returns Read's error
// and how far the heap grew above where it was before.
func measure(in []byte, lim Limits) (error, int64) {
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	var peak atomic.Uint64
	stop, done := make(chan struct{}), make(chan struct{})
	go heapPeak(stop, done, &peak)
	err := Read(context.Background(), bytes.NewReader(in), int64(len(in)), lim, func(it Item) error {
		_, err := io.Copy(io.Discard, it.R)
		return err
	})
	close(stop)
	<-done
	return err, int64(peak.Load()) - int64(before.HeapInuse)
}

// manyEntries is a compound file of n empty streams in one storage: a
// directory as long as the file.
func manyEntries(n int) []byte {
	kids := make([]*cfbEntry, n)
	for i := range kids {
		kids[i] = cfbStream(fmt.Sprintf("x%06d", i), nil)
	}
	kids = append(kids, cfbStream(propsName, make([]byte, 32)))
	return writeCFB(cfbStorage("Root Entry", kids...), 4096)
}

// TestMemoryBound reads the worst inputs thought of, each with the
// default limits, and checks the heap grows by less than maxGrowth: a
// directory of 60,000 entries (6.3 MB), stream sizes claiming 4 GB and
// 1 TB, messages nested 40 deep, 5,000 recipients, and an 8 MB attachment,
// which is streamed, not held.
func TestMemoryBound(t *testing.T) {
	if testing.Short() {
		t.Skip("builds large inputs")
	}
	const maxGrowth = 64 << 20
	body := strings.Repeat(rowTaro+"\r\n", 100)
	recips := make([][]mp, 5000)
	for i := range recips {
		recips[i] = recip(1, fmt.Sprintf("顧客 %d", i), fmt.Sprintf("user%d@example.jp", i))
	}
	big := bytes.Repeat([]byte(rowHanako+"\r\n"), 8<<20/len(rowHanako))
	claim := func(m *mmsg, ss int, name string, size uint64) []byte {
		b := m.bytes(ss)
		return setStreamSize(t, b, name, size)
	}
	plain := &mmsg{props: []mp{{0x0037001F, "件名"}, {0x1000001F, body}}}
	for _, tc := range []struct {
		name string
		in   []byte
		ok   bool
	}{
		{"100000 directory entries", manyEntries(100000), false},
		{"4 GB body claim", claim(plain, 512, "__substg1.0_1000001F", 0xFFFFFFF0), false},
		{"1 TB body claim, v4", claim(plain, 4096, "__substg1.0_1000001F", 1<<40), false},
		{"nested 40 deep", nested(40).bytes(4096), false},
		{"5000 recipients", (&mmsg{props: plain.props, recips: recips}).bytes(4096), true},
		{"8 MB attachment", (&mmsg{props: plain.props, atts: []matt{{props: []mp{{0x3707001F, "big.csv"}}, data: big}}}).bytes(4096), true},
	} {
		err, growth := measure(tc.in, Limits{})
		t.Logf("%s: %d bytes in, heap +%d KiB, err %v", tc.name, len(tc.in), growth>>10, err)
		if (err == nil) != tc.ok {
			t.Errorf("%s: err = %v", tc.name, err)
		}
		if growth > maxGrowth {
			t.Errorf("%s: heap grew by %d MiB, bound %d MiB", tc.name, growth>>20, maxGrowth>>20)
		}
	}
}

// benchMessage is a ~10 MB message: a 1 MB Unicode body, a 1 MB HTML
// body, 200 recipients and four 2 MB CSV attachments.
func benchMessage() []byte {
	row := rowTaro + "\r\n"
	csv := []byte(strings.Repeat(row, 2<<20/len(row)))
	m := &mmsg{props: []mp{
		{0x0037001F, "ベンチマーク"},
		{0x1000001F, strings.Repeat(row, 1<<20/len(utf16le(row)))},
		{0x10130102, []byte("<html><body>" + strings.Repeat("<p>"+rowTaro+"</p>", 1<<20/60) + "</body></html>")},
	}}
	for i := 0; i < 200; i++ {
		m.recips = append(m.recips, recip(1, fmt.Sprintf("顧客 %d", i), fmt.Sprintf("user%d@example.jp", i)))
	}
	for i := 0; i < 4; i++ {
		m.atts = append(m.atts, matt{props: []mp{{0x37050003, uint32(1)}, {0x3707001F, fmt.Sprintf("顧客%d.csv", i)}}, data: csv})
	}
	return m.bytes(4096)
}

// BenchmarkRead10MB reads benchMessage, discarding the items, and reports
// MB/s and the peak heap growth of the last iteration.
func BenchmarkRead10MB(b *testing.B) {
	in := benchMessage()
	b.SetBytes(int64(len(in)))
	b.ResetTimer()
	var growth int64
	for i := 0; i < b.N; i++ {
		var err error
		if i == b.N-1 {
			err, growth = measure(in, Limits{})
		} else {
			err = Read(context.Background(), bytes.NewReader(in), int64(len(in)), Limits{}, func(it Item) error {
				_, err := io.Copy(io.Discard, it.R)
				return err
			})
		}
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(growth)/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(len(in))/(1<<20), "input-MiB")
}
