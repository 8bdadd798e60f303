package extract

import (
	"bufio"
	"io"
	"sync"
)

// Buffered readers are pooled by size: a message has many small entities,
// and a fresh buffer for each would cost more than scanning it.
var readerPools = map[int]*sync.Pool{}

func init() {
	for _, size := range []int{headerBuffer, splitterBuffer, sniffBytes} {
		size := size
		readerPools[size] = &sync.Pool{New: func() any { return bufio.NewReaderSize(nil, size) }}
	}
}

// headerBuffer is the buffer for reading an entity's header.
const headerBuffer = 4096

// getReader returns a pooled bufio.Reader of the given size (one of the
// sizes above) reading from r.
func getReader(r io.Reader, size int) *bufio.Reader {
	br := readerPools[size].Get().(*bufio.Reader)
	br.Reset(r)
	return br
}

// putReader returns br to its pool. br must not be used afterwards.
func putReader(br *bufio.Reader) {
	size := br.Size()
	br.Reset(nil)
	readerPools[size].Put(br)
}
