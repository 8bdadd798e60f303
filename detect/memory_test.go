//go:build !race

// The race detector changes allocation patterns and speed; the memory
// bound is measured without it.

package detect

import (
	"archive/zip"
	"bufio"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"sync/atomic"
	"testing"
	"time"
)

// lastRow is the one customer row of the big attachments, at their very
// end.
const lastRow = "C0020,John Smith,,john.smith@example.com,+81-90-2468-1357\n"

// fillerCSV writes CSV rows of random hex (no customer values, poorly
// compressible) until about n bytes, then lastRow.
func fillerCSV(w io.Writer, n int) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	rng := rand.New(rand.NewPCG(1, 2))
	const hex = "abcdef"
	row := make([]byte, 0, 128)
	for written := 0; written < n; written += len(row) {
		row = append(row[:0], "R,"...)
		for i := 0; i < 60; i++ {
			row = append(row, hex[rng.IntN(len(hex))])
			if i%20 == 19 {
				row = append(row, ',')
			}
		}
		row = append(row, '\n')
		if _, err := bw.Write(row); err != nil {
			return err
		}
	}
	bw.WriteString(lastRow)
	return bw.Flush()
}

// lineWriter breaks base64 into 76-character lines.
type lineWriter struct {
	w   io.Writer
	col int
}

func (l *lineWriter) Write(p []byte) (int, error) {
	n := 0
	for len(p) > 0 {
		k := min(76-l.col, len(p))
		if _, err := l.w.Write(p[:k]); err != nil {
			return n, err
		}
		n += k
		l.col += k
		p = p[k:]
		if l.col == 76 {
			l.col = 0
			if _, err := l.w.Write([]byte("\r\n")); err != nil {
				return n, err
			}
		}
	}
	return n, nil
}

// bigMessage returns a message whose attachment (name) is the base64 of
// what body writes, generated while it is read: the test holds no copy of
// the message.
func bigMessage(name string, body func(io.Writer) error) io.Reader {
	pr, pw := io.Pipe()
	go func() {
		bw := bufio.NewWriterSize(pw, 64<<10)
		fmt.Fprintf(bw, "Subject: export\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"BB\"\r\n\r\n"+
			"--BB\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n"+
			"--BB\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"%s\"\r\nContent-Transfer-Encoding: base64\r\n\r\n", name)
		enc := base64.NewEncoder(base64.StdEncoding, &lineWriter{w: bw})
		err := body(enc)
		if err == nil {
			err = enc.Close()
		}
		if err == nil {
			_, err = bw.WriteString("\r\n--BB--\r\n")
		}
		if err == nil {
			err = bw.Flush()
		}
		pw.CloseWithError(err)
	}()
	return pr
}

// heapPeak samples HeapInuse until stop is closed and returns the peak.
func heapPeak(stop <-chan struct{}, peak *atomic.Uint64) {
	var ms runtime.MemStats
	t := time.NewTicker(2 * time.Millisecond)
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

// TestLargeAttachmentMemory scans a 15 MB CSV attachment and a 15 MB zip
// attachment, each with one customer row at its very end, and checks that
// the row is found and that the heap grows by less than maxGrowth while
// scanning: attachments are streamed or spooled to disk, never held.
func TestLargeAttachmentMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("large attachment")
	}
	const size = 15 << 20
	const maxGrowth = 40 << 20
	s := sampleScanner(t)

	zipFile := func(t *testing.T) func(io.Writer) error {
		// The zip is built on disk first (zip.Writer needs the sizes), then
		// streamed into the message.
		f, err := os.CreateTemp(t.TempDir(), "big-*.zip")
		if err != nil {
			t.Fatal(err)
		}
		zw := zip.NewWriter(f)
		w, err := zw.Create("export/customers.csv")
		if err != nil {
			t.Fatal(err)
		}
		// The filler compresses about 2.6:1; aim for a 15 MB zip.
		if err := fillerCSV(w, 5*size/2); err != nil {
			t.Fatal(err)
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		st, _ := f.Stat()
		t.Logf("zip: %d bytes", st.Size())
		return func(w io.Writer) error {
			if _, err := f.Seek(0, io.SeekStart); err != nil {
				return err
			}
			_, err := io.Copy(w, f)
			return err
		}
	}
	tests := []struct {
		name, file string
		body       func(t *testing.T) func(io.Writer) error
		part       string
	}{
		{"csv", "customers.csv", func(*testing.T) func(io.Writer) error {
			return func(w io.Writer) error { return fillerCSV(w, size) }
		}, "1.2"},
		{"zip", "customers.zip", zipFile, "1.2/export/customers.csv"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg := bigMessage(tt.file, tt.body(t))
			runtime.GC()
			var before runtime.MemStats
			runtime.ReadMemStats(&before)
			var peak atomic.Uint64
			stop := make(chan struct{})
			done := make(chan struct{})
			go func() { heapPeak(stop, &peak); close(done) }()
			start := time.Now()
			res, err := s.Scan(context.Background(), msg)
			close(stop)
			<-done
			if err != nil {
				t.Fatal(err)
			}
			var after runtime.MemStats
			runtime.ReadMemStats(&after)
			growth := int64(peak.Load()) - int64(before.HeapInuse)
			t.Logf("%s: scanned %d bytes in %v; heap in use %d MB before, peak %d MB (growth %d MB); allocated %d MB in total",
				tt.name, res.BytesScanned, time.Since(start).Round(time.Millisecond), before.HeapInuse>>20, peak.Load()>>20, growth>>20, (after.TotalAlloc-before.TotalAlloc)>>20)
			found := false
			for _, r := range res.Records {
				if r.ID == "C0020" && slices.Contains(r.Parts, tt.part) {
					found = true
				}
			}
			if !found || len(res.Records) != 1 {
				t.Errorf("records = %+v, want C0020 in %s", res.Records, tt.part)
			}
			if len(res.Unscannable) != 0 {
				t.Errorf("unscannable = %v", res.Unscannable)
			}
			if growth > maxGrowth {
				t.Errorf("heap grew by %d MB while scanning, want < %d MB", growth>>20, maxGrowth>>20)
			}
		})
	}
}
