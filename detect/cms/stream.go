package cms

import (
	"compress/flate"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
)

// octets streams the content of an OCTET STRING, primitive or
// constructed (BER: chunks of primitive OCTET STRINGs, which may nest),
// without buffering it.
type octets struct {
	d     *decoder
	stack []elem // open constructed strings, innermost last
	left  int64  // of the current primitive chunk
	err   error
}

func newOctets(d *decoder, e elem) *octets {
	o := &octets{d: d}
	if e.constructed {
		o.stack = []elem{e}
	} else {
		o.left = e.length
	}
	return o
}

func (o *octets) Read(p []byte) (int, error) {
	if o.err != nil {
		return 0, o.err
	}
	for o.left == 0 {
		if len(o.stack) == 0 {
			o.err = io.EOF
			return 0, o.err
		}
		e, ok, err := o.d.next(&o.stack[len(o.stack)-1])
		switch {
		case err != nil:
			o.err = err
			return 0, err
		case !ok:
			o.stack = o.stack[:len(o.stack)-1]
		case !e.isOctetString():
			o.err = fmt.Errorf("%w: chunk of a constructed OCTET STRING is not an OCTET STRING", ErrCorrupt)
			return 0, o.err
		case e.constructed: // depth bounded by next (MaxBERNesting)
			o.stack = append(o.stack, e)
		default:
			o.left = e.length
		}
	}
	if len(p) == 0 {
		return 0, nil
	}
	n, err := o.d.read(p[:min(int64(len(p)), o.left)])
	o.left -= int64(n)
	if err != nil {
		o.err = err
	}
	return n, err
}

// countReader counts the bytes read through it.
type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// ratioReader fails with ErrLimit once its output passes RatioGrace and
// ratio times the input counted by in.
type ratioReader struct {
	r     io.Reader
	in    *countReader
	ratio int64
	out   int64
	err   error
}

func (z *ratioReader) Read(p []byte) (int, error) {
	if z.err != nil {
		return 0, z.err
	}
	n, err := z.r.Read(p)
	z.out += int64(n)
	if z.out > RatioGrace && z.out/z.ratio > z.in.n {
		z.err = fmt.Errorf("%w: compressed-data expands more than %d times", ErrLimit, z.ratio)
		return n, z.err
	}
	if err != nil {
		z.err = streamErr(err)
	}
	return n, z.err
}

// limitReader returns at most left bytes of r, then ErrLimit if r has
// more.
type limitReader struct {
	r    io.Reader
	left int64
	err  error
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.err != nil {
		return 0, l.err
	}
	if l.left <= 0 {
		var b [1]byte
		n, err := io.ReadAtLeast(l.r, b[:], 1)
		if n > 0 {
			l.err = fmt.Errorf("%w: content longer than the limit", ErrLimit)
		} else {
			l.err = streamErr(err)
		}
		return 0, l.err
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	if err != nil {
		l.err = streamErr(err)
	}
	return n, l.err
}

// streamErr maps an error met while streaming content to this package's
// sentinels.
func streamErr(err error) error {
	var flateErr flate.CorruptInputError
	switch {
	case err == nil, err == io.EOF:
		return err
	case errors.Is(err, ErrCorrupt), errors.Is(err, ErrLimit), errors.Is(err, ErrUnsupported), errors.Is(err, ErrNotCMS):
		return err
	case err == io.ErrUnexpectedEOF:
		return errTruncated
	case errors.Is(err, zlib.ErrChecksum), errors.Is(err, zlib.ErrHeader), errors.Is(err, zlib.ErrDictionary), errors.As(err, &flateErr):
		return fmt.Errorf("%w: zlib: %v", ErrCorrupt, err)
	}
	return fmt.Errorf("%w: %w", ErrCorrupt, err)
}
