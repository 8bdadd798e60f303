package rtf

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"testing"
)

// bigRTF builds a document of about n bytes as Word and LibreOffice
// write them: paragraphs of Japanese as \uN with fallbacks and as CP932
// escapes, customer tables, footnotes, hyperlinks and a picture every so
// often.
func bigRTF(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`{\rtf1\ansi\ansicpg932\deff0{\fonttbl{\f0\fcharset0 Times New Roman;}{\f1\fcharset128 MS Mincho;}}` +
		`{\colortbl;\red0\green0\blue0;}{\info{\title Customers}}` + "\n")
	for i := 0; b.Len() < n; i++ {
		fmt.Fprintf(&b, `\pard\plain\s0\ltrpar\f1\fs21{\dbch \uc2\u23665\'8e\'52\u30000\'93\'63 \u22826\'91\'be\u37070\'98\'59}{\loch  %04d }\'82\'b2\'92\'53\'93\'96\par`+"\n", i)
		fmt.Fprintf(&b, `\trowd\cellx2000\cellx4000\cellx8000\pard\intbl{\f1 \'8e\'52\'93\'63 \'91\'be\'98\'59}\cell{\loch 03-1234-%04d}\cell{\loch taro%d@example.jp}\cell\row`+"\n", i%10000, i)
		if i%50 == 0 {
			fmt.Fprintf(&b, `{\super\chftn}{\footnote\pard\plain{\super\chftn} note %d 090-9876-5432}`, i)
			b.WriteString(`{\field{\*\fldinst HYPERLINK "mailto:hanako@example.jp"}{\fldrslt mail}}\par` + "\n")
			b.WriteString(`{\*\shppict{\pict\pngblip\picw10\pich10 ` + "89504e470d0a1a0a0000000d494844520000000a0000000a08060000008d32cfbd" + `}}` + "\n")
		}
	}
	b.WriteString("}\n")
	return b.Bytes()
}

// BenchmarkRead10MB reads a 10 MB document; it reports the peak heap
// of one read, above the document itself.
func BenchmarkRead10MB(b *testing.B) {
	src := bigRTF(10 << 20)
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	b.ResetTimer()
	read := func() {
		err := Read(context.Background(), bytes.NewReader(src), Limits{}, func(it Item) error {
			_, err := io.Copy(io.Discard, it.R)
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		read()
	}
	// The peak heap is sampled apart: the sampler stops the world.
	b.ReportMetric(float64(peakHeap(read))/(1<<20), "peak-heap-MiB")
}
