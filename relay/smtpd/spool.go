package smtpd

import (
	"bytes"
	"io"
	"os"
)

// spool holds one message while it is scanned and forwarded: in memory up to
// memMax bytes, then in an unlinked temporary file, so a large message costs
// disk, not memory, and a crash leaves nothing behind.
type spool struct {
	dir    string
	memMax int
	mem    []byte
	f      *os.File
	n      int64
}

func newSpool(dir string, memMax int) *spool { return &spool{dir: dir, memMax: memMax} }

func (s *spool) Write(p []byte) (int, error) {
	if s.f == nil && len(s.mem)+len(p) <= s.memMax {
		s.mem = append(s.mem, p...)
		s.n += int64(len(p))
		return len(p), nil
	}
	if s.f == nil {
		f, err := os.CreateTemp(s.dir, "spool-*")
		if err != nil {
			return 0, err
		}
		os.Remove(f.Name()) // the open descriptor keeps the data
		if _, err := f.Write(s.mem); err != nil {
			f.Close()
			return 0, err
		}
		s.f, s.mem = f, nil
	}
	n, err := s.f.Write(p)
	s.n += int64(n)
	return n, err
}

// Size is the number of bytes spooled.
func (s *spool) Size() int64 { return s.n }

// Reader returns a new reader over the whole message.
func (s *spool) Reader() io.Reader {
	if s.f != nil {
		return io.NewSectionReader(s.f, 0, s.n)
	}
	return bytes.NewReader(s.mem)
}

func (s *spool) Close() error {
	if s.f != nil {
		return s.f.Close()
	}
	return nil
}

// eolNormalizer rewrites bare CR and bare LF to CRLF (smtp.bare_line_endings:
// normalize), so the bytes scanned are the bytes forwarded, with standard
// line endings that no upstream can read differently.
type eolNormalizer struct {
	r      io.Reader
	prevCR bool
	err    error
	out    []byte
	buf    [32 << 10]byte
}

func (e *eolNormalizer) Read(p []byte) (int, error) {
	for len(e.out) == 0 && e.err == nil {
		n, err := e.r.Read(e.buf[:])
		for _, c := range e.buf[:n] {
			if e.prevCR {
				e.prevCR = false
				e.out = append(e.out, '\n')
				if c == '\n' {
					continue
				}
			}
			switch c {
			case '\r':
				e.out = append(e.out, '\r')
				e.prevCR = true
			case '\n':
				e.out = append(e.out, '\r', '\n')
			default:
				e.out = append(e.out, c)
			}
		}
		if err != nil {
			if e.prevCR {
				e.out = append(e.out, '\n')
				e.prevCR = false
			}
			e.err = err
		}
	}
	if len(e.out) == 0 {
		return 0, e.err
	}
	n := copy(p, e.out)
	e.out = e.out[n:]
	return n, nil
}
