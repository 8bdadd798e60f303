package ppt

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"io"
	"strconv"
)

// object emits an ExOleObjStg ([MS-PPT] 2.10.34): the embedded object's
// storage serialised as a compound file, stored as it is (recInstance 0)
// or zlib-compressed after a 4-byte decompressed size (recInstance 1).
// Inflating stops at the smallest of the claimed size, MaxRatio times the
// compressed size and what MaxOutput leaves.
func (w *walker) object(h recHeader, body []byte) error {
	if err := w.check(); err != nil {
		return err
	}
	w.objects++
	name := "object " + strconv.Itoa(w.objects)
	if h.instance != 1 {
		n := int64(len(body))
		cut := n > w.remaining()
		if cut {
			n = w.remaining()
		}
		w.items++
		w.written += n
		if err := w.emit(Item{Kind: ItemFile, Name: name, R: bytes.NewReader(body[:n])}); err != nil {
			return err
		}
		if cut {
			return fmt.Errorf("%w: more than %d bytes of output", ErrLimit, w.lim.MaxOutput)
		}
		return nil
	}
	if len(body) < 4 {
		return fmt.Errorf("%w: compressed ExOleObjStg of %d bytes", ErrCorrupt, len(body))
	}
	claimed := int64(binary.LittleEndian.Uint32(body))
	zr, err := zlib.NewReader(bytes.NewReader(body[4:]))
	if err != nil {
		return fmt.Errorf("%w: ExOleObjStg: %v", ErrCorrupt, err)
	}
	ir := &inflated{r: zr, claimed: claimed, left: claimed}
	ratio := int64(w.lim.MaxRatio) * int64(len(body)-4)
	if ratio < ir.left {
		ir.left, ir.bound = ratio, fmt.Errorf("%w: object inflates past %d times its size", ErrLimit, w.lim.MaxRatio)
	}
	if rem := w.remaining(); rem < ir.left {
		ir.left, ir.bound = rem, fmt.Errorf("%w: more than %d bytes of output", ErrLimit, w.lim.MaxOutput)
	}
	w.items++
	err = w.emit(Item{Kind: ItemFile, Name: name, R: ir})
	w.written += ir.n
	if err != nil {
		return err
	}
	return ir.err
}

// inflated reads an object's inflated bytes up to left. Past it, reading
// fails with bound (a Limits bound that came first), or with ErrCorrupt if
// the data goes on past the claimed size; it also fails on damaged zlib
// data or data shorter than claimed. The first failure is kept in err.
type inflated struct {
	r       io.Reader
	claimed int64
	left    int64
	n       int64
	bound   error
	err     error
}

func (f *inflated) Read(p []byte) (int, error) {
	if f.err != nil {
		return 0, f.err
	}
	if f.left <= 0 {
		var one [1]byte
		if m, _ := io.ReadFull(f.r, one[:]); m == 0 {
			return 0, f.end()
		}
		f.err = f.bound
		if f.err == nil {
			f.err = fmt.Errorf("%w: object inflates past its claimed %d bytes", ErrCorrupt, f.claimed)
		}
		return 0, f.err
	}
	if int64(len(p)) > f.left {
		p = p[:f.left]
	}
	n, err := f.r.Read(p)
	f.n += int64(n)
	f.left -= int64(n)
	switch {
	case err == io.EOF:
		return n, f.end()
	case err != nil:
		f.err = fmt.Errorf("%w: object: %v", ErrCorrupt, err)
		return n, f.err
	}
	return n, nil
}

// end is what the end of the inflated data means: io.EOF, or an error
// wrapping ErrCorrupt if it came short of the claimed size.
func (f *inflated) end() error {
	if f.n < f.claimed {
		f.err = fmt.Errorf("%w: object inflates to %d of %d bytes", ErrCorrupt, f.n, f.claimed)
		return f.err
	}
	return io.EOF
}
