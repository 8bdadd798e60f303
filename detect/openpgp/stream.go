package openpgp

import (
	"compress/bzip2"
	"compress/flate"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
)

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
		z.err = fmt.Errorf("%w: compressed packet expands more than %d times", ErrLimit, z.ratio)
		return n, z.err
	}
	if err != nil {
		z.err = err
		if err != io.EOF {
			z.err = streamErr(err)
		}
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

// streamErr maps an error met while reading packets or content to this
// package's sentinels; io.EOF stays itself.
func streamErr(err error) error {
	var (
		flateErr flate.CorruptInputError
		bzipErr  bzip2.StructuralError
	)
	switch {
	case err == nil, err == io.EOF:
		return err
	case errors.Is(err, ErrCorrupt), errors.Is(err, ErrLimit), errors.Is(err, ErrUnsupported), errors.Is(err, ErrNotOpenPGP):
		return err
	case err == io.ErrUnexpectedEOF:
		return errTruncated
	case errors.Is(err, zlib.ErrChecksum), errors.Is(err, zlib.ErrHeader), errors.Is(err, zlib.ErrDictionary),
		errors.As(err, &flateErr), errors.As(err, &bzipErr):
		return fmt.Errorf("%w: decompressing: %v", ErrCorrupt, err)
	}
	return fmt.Errorf("%w: %w", ErrCorrupt, err)
}
