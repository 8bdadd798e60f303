package htmltext

import (
	"bytes"
	"fmt"
	"io"
	"runtime"
	"syscall"
	"testing"
	"time"

	"golang.org/x/net/html"
)

// cpuTime is the CPU time the process used (user + system, GC included).
// The benchmarks report MB per CPU second besides wall-clock MB/s, as
// detect's do: on the shared 2-vCPU machine wall time measures the
// neighbours too.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func reportCPU(b *testing.B, start time.Duration, bytesPerOp int) {
	if d := cpuTime() - start; d > 0 {
		b.ReportMetric(float64(bytesPerOp)*float64(b.N)/d.Seconds()/1e6, "MB/cpu-s")
	}
}

// mailTable returns about size bytes of mail HTML as a customer export
// looks: a styled table of rows, many <td>, mailto links.
func mailTable(size int) []byte {
	var b bytes.Buffer
	b.WriteString(`<html><head><meta charset="utf-8"><style>td{font-family:Meiryo;font-size:10pt}</style></head><body><p class="MsoNormal">お世話になっております。顧客一覧をお送りします。<o:p></o:p></p><table border="1" cellpadding="2" style="border-collapse:collapse">`)
	for i := 0; b.Len() < size; i++ {
		fmt.Fprintf(&b, `<tr><td style="padding:2px">%d</td><td>山田 太郎%d</td><td>ヤマダ タロウ</td><td><a href="mailto:taro%d@example.jp">taro%d@example.jp</a></td><td>03-1234-%04d</td><td>東京都千代田区丸の内1-2-%d</td></tr>`+"\n", i, i, i, i, i%10000, i)
	}
	b.WriteString(`</table><p>よろしくお願いいたします。</p></body></html>`)
	return b.Bytes()
}

// liveHeap returns the heap in use after a collection.
func liveHeap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

func parseHTML(in []byte) (*html.Node, error) { return html.Parse(bytes.NewReader(in)) }

// BenchmarkReader converts about 1 MB of table-heavy mail HTML.
func BenchmarkReader(b *testing.B) {
	in := mailTable(1 << 20)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	start := cpuTime()
	for b.Loop() {
		if _, err := io.Copy(io.Discard, NewReader(bytes.NewReader(in), Limits{})); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, start, len(in))
}

// BenchmarkOldConverter converts the same with the hand-written converter
// this package replaces (oldhtml_test.go), for comparison.
func BenchmarkOldConverter(b *testing.B) {
	in := mailTable(1 << 20)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	start := cpuTime()
	for b.Loop() {
		if _, err := io.Copy(io.Discard, newOldHTMLText(bytes.NewReader(in))); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, start, len(in))
}

// BenchmarkTokenizer runs x/net/html's tokenizer alone over the same
// input (Next and Text): the floor under BenchmarkReader.
func BenchmarkTokenizer(b *testing.B) {
	in := mailTable(1 << 20)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	start := cpuTime()
	for b.Loop() {
		z := html.NewTokenizer(bytes.NewReader(in))
		for z.Next() != html.ErrorToken {
			z.Text()
		}
	}
	reportCPU(b, start, len(in))
}

// BenchmarkParse parses the same with html.Parse, and reports the live
// heap the tree takes per input byte.
func BenchmarkParse(b *testing.B) {
	in := mailTable(1 << 20)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	var tree uint64
	for b.Loop() {
		base := liveHeap()
		doc, err := parseHTML(in)
		if err != nil {
			b.Fatal(err)
		}
		tree = liveHeap() - base
		_ = doc.FirstChild
	}
	b.ReportMetric(float64(tree)/float64(len(in)), "heap/byte")
}
