package rtf

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"
)

// got is what a Read emitted.
type got struct {
	name string
	kind ItemKind
	data string
}

// read runs Read on src and collects the items.
func read(t testing.TB, src string, lim Limits) ([]got, error) {
	t.Helper()
	var items []got
	err := Read(context.Background(), strings.NewReader(src), lim, func(it Item) error {
		b, err := io.ReadAll(it.R)
		if err != nil {
			return err
		}
		items = append(items, got{it.Name, it.Kind, string(b)})
		return nil
	})
	return items, err
}

// item returns the data of the item named name.
func item(items []got, name string) (string, bool) {
	for _, it := range items {
		if it.name == name {
			return it.data, true
		}
	}
	return "", false
}

// render writes items and err as the golden files hold them: each item
// under a "== name (kind)" line, files that are not UTF-8 text as their
// size and SHA-256.
func render(items []got, err error) string {
	var b strings.Builder
	for _, it := range items {
		kind := "text"
		if it.kind == ItemFile {
			kind = "file"
		}
		fmt.Fprintf(&b, "== %s (%s)\n", it.name, kind)
		if it.kind == ItemFile && !utf8.ValidString(it.data) {
			fmt.Fprintf(&b, "%d bytes, sha256 %x\n", len(it.data), sha256.Sum256([]byte(it.data)))
			continue
		}
		b.WriteString(it.data)
		if !strings.HasSuffix(it.data, "\n") {
			b.WriteString("\n")
		}
	}
	if err != nil {
		fmt.Fprintf(&b, "error: %v\n", err)
	}
	return b.String()
}

// rtfDoc wraps body in a minimal RTF document.
func rtfDoc(body string) string {
	return `{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0 Arial;}}` + body + "}"
}

// peakHeap runs f and returns the peak of HeapInuse above what it was
// before, sampled every millisecond.
func peakHeap(f func()) uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapInuse
	var peak atomic.Uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			if m.HeapInuse > base && m.HeapInuse-base > peak.Load() {
				peak.Store(m.HeapInuse - base)
			}
			select {
			case <-stop:
				return
			case <-time.After(time.Millisecond):
			}
		}
	}()
	f()
	close(stop)
	<-done
	runtime.ReadMemStats(&ms)
	if ms.HeapInuse > base && ms.HeapInuse-base > peak.Load() {
		peak.Store(ms.HeapInuse - base)
	}
	return peak.Load()
}
