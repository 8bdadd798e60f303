package uuencode

import (
	"bufio"
	"io"
)

// Reader decodes the first uuencoded file in its input, classic or
// base64 framing. Lines before the begin line are skipped; decoding stops
// at the last line (the length-0 line, or "===="), at "end", or at the end
// of the input. Lines that are not encoded lines are skipped and make the
// file Damaged. In classic framing a line short of characters is padded
// with zero bits however short it is (see the package comment).
type Reader struct {
	br      *bufio.Reader
	started bool
	framing Framing
	name    string
	b64     base64Lines
	damaged bool
	buf     [MaxLine]byte
	out     []byte
	err     error
}

// NewReader returns a Reader that decodes r.
func NewReader(r io.Reader) *Reader {
	return &Reader{br: bufio.NewReaderSize(r, MaxLine)}
}

// Name returns the name on the begin line, once Read has read it.
func (r *Reader) Name() string { return r.name }

// Framing returns the framing of the file, once Read has read the begin
// line.
func (r *Reader) Framing() Framing { return r.framing }

// Damaged reports whether lines that were not encoded were skipped, or
// the input ended before the file's last line.
func (r *Reader) Damaged() bool { return r.damaged }

// Read implements io.Reader. It returns ErrNoBegin when the input has no
// begin line, and the underlying reader's errors.
func (r *Reader) Read(p []byte) (int, error) {
	for len(r.out) == 0 {
		if r.err != nil {
			return 0, r.err
		}
		r.next()
	}
	n := copy(p, r.out)
	r.out = r.out[n:]
	return n, nil
}

// next reads one line and decodes it into r.out, or sets r.err.
func (r *Reader) next() {
	line, long, err := readLine(r.br)
	if err != nil && len(line) == 0 {
		if err != io.EOF {
			r.err = err
		} else if !r.started {
			r.err = ErrNoBegin
		} else {
			r.damaged = true // no last line
			r.err = io.EOF
		}
		return
	}
	b := body(line)
	switch {
	case !r.started:
		if h, ok := parseBegin(b); ok && !long {
			r.framing, r.name, r.started = h.framing, string(h.name), true
		}
	case long:
		r.damaged = true
	case r.framing == Classic:
		if isEnd(b) {
			r.err = io.EOF
			return
		}
		switch kind, n := classicLine(b, -1, r.buf[:]); kind {
		case data:
			r.out = r.buf[:n]
		case last:
			r.err = io.EOF
		default:
			r.damaged = true
		}
	default:
		switch r.b64.classify(b, false) {
		case data:
			r.out = r.buf[:r.b64.decode(b, r.buf[:])]
		case last:
			r.err = io.EOF
		default:
			if len(trimSpace(b)) != 0 {
				r.damaged = true
			}
		}
	}
	if err != nil && r.err == nil {
		if err == io.EOF && r.started {
			r.damaged = true
		} else if err == io.EOF {
			err = ErrNoBegin
		}
		r.err = err
	}
}

// readLine reads one line, terminator included. A line longer than the
// buffer is read to its end and returned cut, with long set. err is the
// reader's error after the line (io.EOF for a last line without a
// terminator), or with an empty line at the end of the input.
func readLine(br *bufio.Reader) (line []byte, long bool, err error) {
	line, err = br.ReadSlice('\n')
	if err != bufio.ErrBufferFull {
		return line, false, err
	}
	for err == bufio.ErrBufferFull {
		_, err = br.ReadSlice('\n')
	}
	return line[:0], true, err
}
