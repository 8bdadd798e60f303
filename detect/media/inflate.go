package media

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"io"
)

// inflateAt decompresses the zlib stream of n bytes at off and returns at
// most want bytes of it; cut reports that there was more. Every byte
// decompressed counts against Limits.MaxInflate, and one stream may not
// expand more than inflateRatio times its size past inflateGrace: either
// is ErrLimit. A broken stream is ErrCorrupt.
func (w *walker) inflateAt(off, n, want int64) (out []byte, cut bool, err error) {
	if !w.fits(off, n) {
		return nil, false, w.corrupt("truncated at %d", off)
	}
	src := &errReader{r: io.NewSectionReader(w.r, off, n)}
	out, cut, err = w.inflate(bufio.NewReaderSize(src, 32<<10), n, want)
	if src.err != nil {
		return nil, false, src.err
	}
	return out, cut, err
}

// inflateBytes is inflateAt for a stream in memory.
func (w *walker) inflateBytes(comp []byte, want int64) ([]byte, bool, error) {
	return w.inflate(bytes.NewReader(comp), int64(len(comp)), want)
}

func (w *walker) inflate(src io.Reader, n, want int64) (out []byte, cut bool, err error) {
	allowed := max(min(w.lim.MaxInflate-w.inflated, max(inflateRatio*n, inflateGrace)), 0)
	zr, err := zlib.NewReader(src)
	if err != nil {
		return nil, false, w.corrupt("bad zlib header")
	}
	defer zr.Close()
	limit := min(want, allowed)
	var buf bytes.Buffer
	got, err := io.Copy(&buf, &ctxReader{w: w, r: io.LimitReader(zr, limit+1)})
	w.inflated += min(got, limit)
	if err != nil {
		if err == w.ctx.Err() {
			return nil, false, err
		}
		return nil, false, w.corrupt("bad zlib stream")
	}
	if got > limit {
		if limit == want && want < allowed {
			return buf.Bytes()[:limit], true, nil
		}
		return nil, false, w.limit("decompressed text too large")
	}
	return buf.Bytes(), false, nil
}

// errReader remembers the error of the file under a decompressor, to
// tell it from an error in the stream.
type errReader struct {
	r   io.Reader
	err error
}

func (e *errReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && err != io.EOF {
		e.err = err
	}
	return n, err
}

// ctxReader checks the context on every read.
type ctxReader struct {
	w *walker
	r io.Reader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.w.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
