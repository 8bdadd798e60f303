package rtf

import "io"

// chunkSize is the size of the blocks held text and object data are
// kept in: growing one slice by append would leave the old copies to
// the collector, up to three times the output in heap.
const chunkSize = 64 << 10

// chunks is a byte buffer in fixed blocks.
type chunks struct {
	blocks [][]byte
	n      int64
}

func (c *chunks) Len() int64 { return c.n }

func (c *chunks) Append(b []byte) {
	for len(b) > 0 {
		switch {
		case len(c.blocks) == 0:
			// The first block starts small (most items are short)
			// and grows to chunkSize; every other block is full size.
			c.blocks = append(c.blocks, make([]byte, 0, max(256, min(len(b), chunkSize))))
		case len(c.blocks[len(c.blocks)-1]) == chunkSize:
			c.blocks = append(c.blocks, make([]byte, 0, chunkSize))
		case len(c.blocks) == 1 && len(c.blocks[0]) == cap(c.blocks[0]):
			grown := make([]byte, len(c.blocks[0]), min(2*cap(c.blocks[0]), chunkSize))
			copy(grown, c.blocks[0])
			c.blocks[0] = grown
		}
		last := &c.blocks[len(c.blocks)-1]
		k := min(len(b), cap(*last)-len(*last))
		*last = append(*last, b[:k]...)
		b = b[k:]
		c.n += int64(k)
	}
}

func (c *chunks) AppendByte(b byte) {
	if len(c.blocks) > 0 {
		if last := &c.blocks[len(c.blocks)-1]; len(*last) < cap(*last) {
			*last = append(*last, b)
			c.n++
			return
		}
	}
	c.Append([]byte{b})
}

// Last returns the last byte, 0 when empty.
func (c *chunks) Last() byte {
	if c.n == 0 {
		return 0
	}
	last := c.blocks[len(c.blocks)-1]
	return last[len(last)-1]
}

// DropLast removes the last byte.
func (c *chunks) DropLast() {
	if c.n == 0 {
		return
	}
	i := len(c.blocks) - 1
	c.blocks[i] = c.blocks[i][:len(c.blocks[i])-1]
	c.n--
	if len(c.blocks[i]) == 0 {
		c.blocks = c.blocks[:i]
	}
}

// Blank reports whether the buffer holds only ASCII white space.
func (c *chunks) Blank() bool {
	for _, b := range c.blocks {
		for _, x := range b {
			if x != ' ' && x != '\t' && x != '\r' && x != '\n' {
				return false
			}
		}
	}
	return true
}

// ReadAt implements io.ReaderAt.
func (c *chunks) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, io.EOF
	}
	n := 0
	for len(p) > 0 && off < c.n {
		b := c.blocks[off/chunkSize][off%chunkSize:]
		k := copy(p, b)
		p = p[k:]
		n += k
		off += int64(k)
	}
	if len(p) > 0 {
		return n, io.EOF
	}
	return n, nil
}

// Prefix returns a copy of the first n bytes (fewer if it holds less).
func (c *chunks) Prefix(n int) []byte {
	b := make([]byte, min(int64(n), c.n))
	c.ReadAt(b, 0)
	return b
}

// Section returns a reader of n bytes from off.
func (c *chunks) Section(off, n int64) io.Reader { return io.NewSectionReader(c, off, n) }

// Reset drops the contents.
func (c *chunks) Reset() { c.blocks, c.n = nil, 0 }
