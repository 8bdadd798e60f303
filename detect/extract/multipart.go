package extract

import (
	"bufio"
	"bytes"
	"io"
)

// splitter cuts a multipart body into its preamble, parts and epilogue
// (RFC 2046 section 5.1.1), streaming, and keeps going where
// textproto.MultipartReader would stop: text before the first delimiter and
// after the last one is handed out too (it is hidden from readers of the
// mail but still sent), a body whose boundary never occurs is all preamble,
// and a missing close delimiter just ends the last part at end of input.
//
// Use: read the preamble from the splitter itself, then call next for each
// part, then read the epilogue with epilogue.
type splitter struct {
	br    *bufio.Reader
	delim []byte // "--" + boundary

	pending []byte // decoded content waiting to be read
	held    []byte // line break held back: it belongs to a following delimiter
	buf     []byte

	lineStart   bool // the next byte read starts a line
	sectionDone bool // the current section ended (delimiter or EOF)
	inEpilogue  bool // after the close delimiter: no more delimiters
	discard     bool // drop content instead of keeping it

	delims int  // delimiters seen, close delimiter included
	closed bool // the close delimiter was seen
	eof    bool // input is exhausted
	err    error
}

const splitterBuffer = 8 << 10

func newSplitter(body io.Reader, boundary string) *splitter {
	return &splitter{
		br:        getReader(body, splitterBuffer),
		delim:     []byte("--" + boundary),
		lineStart: true,
		buf:       make([]byte, 0, splitterBuffer+2),
	}
}

// Read reads the current section: the preamble until next is called, then
// the part last returned by next.
func (s *splitter) Read(p []byte) (int, error) {
	for len(s.pending) == 0 {
		if s.sectionDone {
			if s.err != nil {
				return 0, s.err
			}
			return 0, io.EOF
		}
		s.fill()
	}
	n := copy(p, s.pending)
	s.pending = s.pending[n:]
	return n, nil
}

// fill reads one line (or a piece of a line longer than the buffer).
func (s *splitter) fill() {
	line, err := s.br.ReadSlice('\n')
	atStart := s.lineStart
	s.lineStart = err == nil
	if atStart && !s.inEpilogue && len(line) >= len(s.delim) {
		if isDelim, isClose := s.delimiter(line); isDelim {
			s.held = s.held[:0]
			s.delims++
			s.closed = isClose
			s.sectionDone = true
			if err != nil && err != bufio.ErrBufferFull {
				s.end(err)
			}
			return
		}
	}
	content := line
	var nl []byte
	if err == nil {
		// Hold the line break back until the next line is known not to
		// be a delimiter.
		cut := len(line) - 1
		if cut > 0 && line[cut-1] == '\r' {
			cut--
		}
		content, nl = line[:cut], line[cut:]
	}
	if !s.discard {
		s.buf = append(s.buf[:0], s.held...)
		s.buf = append(s.buf, content...)
		s.pending = s.buf
	}
	s.held = append(s.held[:0], nl...)
	if err != nil && err != bufio.ErrBufferFull {
		if !s.discard {
			s.buf = append(s.buf, s.held...)
			s.pending = s.buf
		}
		s.held = s.held[:0]
		s.end(err)
	}
}

// end records the end of input.
func (s *splitter) end(err error) {
	s.eof = true
	s.sectionDone = true
	if err != io.EOF {
		s.err = err
	}
}

// delimiter reports whether line is "--boundary" or "--boundary--",
// followed only by blanks and the line break.
func (s *splitter) delimiter(line []byte) (isDelim, isClose bool) {
	if !bytes.HasPrefix(line, s.delim) {
		return false, false
	}
	rest := line[len(s.delim):]
	if bytes.HasPrefix(rest, []byte("--")) {
		isClose = true
		rest = rest[2:]
	}
	for _, c := range rest {
		if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			return false, false
		}
	}
	return true, isClose
}

// skip discards the rest of the current section.
func (s *splitter) skip() {
	s.discard = true
	s.pending = nil
	for !s.sectionDone {
		s.fill()
	}
	s.discard = false
	s.pending = nil
}

// next moves to the next part, skipping what is left of the current
// section. It returns false when there is none: after the close delimiter
// or at end of input.
func (s *splitter) next() bool {
	s.skip()
	if s.closed || s.eof || s.err != nil {
		return false
	}
	s.sectionDone = false
	return true
}

// epilogue moves to the text after the close delimiter and returns it.
func (s *splitter) epilogue() io.Reader {
	s.skip()
	if !s.closed || s.eof || s.err != nil {
		return bytes.NewReader(nil)
	}
	s.inEpilogue = true
	s.sectionDone = false
	return s
}

// release returns the splitter's buffer; it must not be used afterwards.
func (s *splitter) release() {
	putReader(s.br)
	s.br = nil
}

// truncated reports whether input ended before the close delimiter.
func (s *splitter) truncated() bool { return s.eof && !s.closed }
