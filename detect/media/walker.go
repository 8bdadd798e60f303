package media

import (
	"context"
	"errors"
	"fmt"
	"io"
)

// walker is the state of one Identify: the input, the limits and what
// they have used, and the Info being filled.
type walker struct {
	ctx      context.Context
	r        io.ReaderAt
	size     int64
	lim      Limits
	items    int
	inflated int64
	strings  int64 // bytes of private regions scanned for strings
	readN    int64 // bytes read by read and each
	textN    int64
	info     Info
	scratch  [64]byte
}

func newWalker(ctx context.Context, r io.ReaderAt, size int64, lim Limits) *walker {
	return &walker{ctx: ctx, r: r, size: size, lim: lim}
}

// corrupt returns ErrCorrupt wrapped with the kind and a reason. Reasons
// are fixed text and offsets, never file content.
func (w *walker) corrupt(format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", ErrCorrupt, w.info.Kind, fmt.Sprintf(format, args...))
}

func (w *walker) limit(what string) error {
	return fmt.Errorf("%w: %s: %s", ErrLimit, w.info.Kind, what)
}

// step counts one item against MaxItems and checks the context every 256
// items.
func (w *walker) step() error {
	return w.steps(1)
}

func (w *walker) steps(n int) error {
	if n < 0 || n > w.lim.MaxItems-w.items {
		w.items = w.lim.MaxItems
		return w.limit("too many items")
	}
	before := w.items
	w.items += n
	if before>>8 != w.items>>8 {
		return w.ctx.Err()
	}
	return nil
}

// depth checks a nesting depth against MaxDepth.
func (w *walker) depth(d int) error {
	if d > w.lim.MaxDepth {
		return w.limit("nesting too deep")
	}
	return nil
}

// fits reports whether [off, off+n) lies in the file.
func (w *walker) fits(off, n int64) bool {
	return off >= 0 && n >= 0 && off <= w.size && n <= w.size-off
}

// hdr reads n <= 64 bytes at off into the walker's scratch buffer; the
// result is valid until the next hdr. Bytes past the end are ErrCorrupt.
func (w *walker) hdr(off int64, n int) ([]byte, error) {
	if n > len(w.scratch) {
		panic("media: hdr too long")
	}
	if !w.fits(off, int64(n)) {
		return nil, w.corrupt("truncated at %d", off)
	}
	b := w.scratch[:n]
	if err := w.readFull(b, off); err != nil {
		return nil, err
	}
	return b, nil
}

// read returns n bytes at off in a new slice. n must have been bounded by
// the caller (by a limit, or a structure's fixed size); read refuses more
// than maxBlob.
func (w *walker) read(off, n int64) ([]byte, error) {
	if !w.fits(off, n) {
		return nil, w.corrupt("truncated at %d", off)
	}
	if n > maxBlob {
		return nil, w.limit("structure too large")
	}
	if err := w.count(n); err != nil {
		return nil, err
	}
	b := make([]byte, n)
	if err := w.readFull(b, off); err != nil {
		return nil, err
	}
	return b, nil
}

// count counts n bytes read against a cap of twice the file and 64 MiB
// more: a walk reads each byte a few times at most, unless many tags
// point at one region (a TIFF IFD with 65,535 entries naming the same 1
// MiB value, say), which is an attack.
func (w *walker) count(n int64) error {
	w.readN += n
	if w.readN > 2*w.size+64<<20 {
		return w.limit("structures read more than twice")
	}
	return nil
}

// readFull fills b from off, which the caller has checked is in the file.
func (w *walker) readFull(b []byte, off int64) error {
	n, err := w.r.ReadAt(b, off)
	if n == len(b) {
		return nil
	}
	if err == nil || errors.Is(err, io.EOF) {
		// The reader is shorter than the size we were given.
		return w.corrupt("short read at %d", off)
	}
	return err
}

// readText reads at most n bytes at off for text: no more than the text
// budget can use (decoding never makes text shorter than half its bytes).
// cut reports that the read was shortened.
func (w *walker) readText(off, n int64) (b []byte, cut bool, err error) {
	m := min(n, 2*w.budget()+8)
	b, err = w.read(off, m)
	return b, m < n, err
}

// each reads [off, off+n) in pieces of at most 64 KiB and calls fn with
// each, checking the context between pieces.
func (w *walker) each(off, n int64, fn func([]byte) error) error {
	if !w.fits(off, n) {
		return w.corrupt("truncated at %d", off)
	}
	if err := w.count(n); err != nil {
		return err
	}
	buf := make([]byte, min(n, 64<<10))
	for n > 0 {
		if err := w.ctx.Err(); err != nil {
			return err
		}
		k := min(n, int64(len(buf)))
		if err := w.readFull(buf[:k], off); err != nil {
			return err
		}
		if err := fn(buf[:k]); err != nil {
			return err
		}
		off += k
		n -= k
	}
	return nil
}

// cursor reads a file sequentially through a buffer, for formats walked
// in small steps (GIF sub-blocks, MPEG frames, JPEG entropy-coded data).
type cursor struct {
	w   *walker
	off int64 // offset of the next byte
	buf []byte
	at  int64 // offset of buf[0]
}

func (w *walker) cursor(off int64) *cursor {
	return &cursor{w: w, off: off, buf: make([]byte, 0, min(128<<10, max(w.size-off, 64)))}
}

// peek returns up to n (<= 64 KiB) bytes at the cursor without moving it:
// fewer only at the end of the file.
func (c *cursor) peek(n int) ([]byte, error) {
	if c.off < c.at || c.off+int64(n) > c.at+int64(len(c.buf)) {
		if err := c.w.ctx.Err(); err != nil {
			return nil, err
		}
		k := min(int64(cap(c.buf)), c.w.size-c.off)
		if k < 0 {
			k = 0
		}
		c.buf = c.buf[:k]
		c.at = c.off
		if err := c.w.readFull(c.buf, c.off); err != nil {
			return nil, err
		}
	}
	i := c.off - c.at
	return c.buf[i:min(i+int64(n), int64(len(c.buf)))], nil
}

// need is peek that makes fewer than n bytes ErrCorrupt.
func (c *cursor) need(n int) ([]byte, error) {
	b, err := c.peek(n)
	if err == nil && len(b) < n {
		err = c.w.corrupt("truncated at %d", c.off)
	}
	return b, err
}

func (c *cursor) skip(n int64) { c.off += n }
