// Package bounded owns the readers that keep unwrapping bounded for the
// wrapper formats (S/MIME compressed-data in package cms, OpenPGP
// compressed packets in package openpgp): a byte counter, a check of the
// expansion ratio while decompressing, and a limit on the length of what
// comes out. The counts are taken while reading, never from lengths the
// input states.
//
// Errors are ErrRatio and ErrLength; a caller wraps them in its own
// sentinels (Map).
package bounded

import (
	"bufio"
	"errors"
	"io"
)

// Errors.
var (
	// ErrRatio: the output passed the grace and the ratio times the input.
	ErrRatio = errors.New("expansion ratio exceeded")
	// ErrLength: there is more than the limit.
	ErrLength = errors.New("longer than the limit")
)

// Counter counts the bytes read through it.
type Counter struct {
	R io.Reader
	N int64
}

func (c *Counter) Read(p []byte) (int, error) {
	n, err := c.R.Read(p)
	c.N += int64(n)
	return n, err
}

// Ratio reads R (a decompressor's output) and fails with ErrRatio once the
// output passes Grace bytes and Max times the input that In counted. Every
// other error of R except io.EOF goes through Map (nil: as it is); the
// error, once there, is returned by every later Read.
type Ratio struct {
	R          io.Reader
	In         *Counter
	Max, Grace int64
	Map        func(error) error
	out        int64
	err        error
}

func (z *Ratio) Read(p []byte) (int, error) {
	if z.err != nil {
		return 0, z.err
	}
	n, err := z.R.Read(p)
	z.out += int64(n)
	if z.out > z.Grace && z.out/z.Max > z.In.N {
		z.err = mapErr(z.Map, ErrRatio)
		return n, z.err
	}
	if err != nil {
		z.err = err
		if err != io.EOF {
			z.err = mapErr(z.Map, err)
		}
	}
	return n, z.err
}

// Limit returns at most Left bytes of R, then ErrLength if R has more (it
// reads one byte past the limit to tell). Errors of R other than io.EOF go
// through Map (nil: as they are).
type Limit struct {
	R    io.Reader
	Left int64
	Map  func(error) error
	err  error
}

func (l *Limit) Read(p []byte) (int, error) {
	if l.err != nil {
		return 0, l.err
	}
	if l.Left <= 0 {
		var b [1]byte
		n, err := io.ReadAtLeast(l.R, b[:], 1)
		if n > 0 {
			l.err = mapErr(l.Map, ErrLength)
		} else {
			l.err = mapErr(l.Map, err)
		}
		return 0, l.err
	}
	if int64(len(p)) > l.Left {
		p = p[:l.Left]
	}
	n, err := l.R.Read(p)
	l.Left -= int64(n)
	if err != nil {
		l.err = mapErr(l.Map, err)
	}
	return n, l.err
}

func mapErr(m func(error) error, err error) error {
	if m == nil || err == io.EOF {
		return err
	}
	return m(err)
}

// ByteReader is a reader that also reads a byte at a time.
type ByteReader interface {
	io.Reader
	io.ByteReader
}

// Bytes returns r as a ByteReader: r itself when it is one; else, with
// buffer, r behind a bufio.Reader (which may read past what the caller
// takes), and without, r read a byte at a time, so no byte is read that
// the caller does not take (to classify an input by its first bytes).
func Bytes(r io.Reader, buffer bool) ByteReader {
	if s, ok := r.(ByteReader); ok {
		return s
	}
	if buffer {
		return bufio.NewReaderSize(r, 4096)
	}
	return &oneByte{r: r}
}

type oneByte struct {
	r io.Reader
	b [1]byte
}

func (o *oneByte) Read(p []byte) (int, error) { return o.r.Read(p) }

func (o *oneByte) ReadByte() (byte, error) {
	_, err := io.ReadFull(o.r, o.b[:])
	return o.b[0], err
}
