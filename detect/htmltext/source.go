package htmltext

import "io"

// source is a conversion's input: bytes given back after a token read
// without the tokenizer (see longTok), then the rest of the reader. A new
// tokenizer reads from it where the last one stopped.
type source struct {
	back  [][]byte // read first, in order; each slice is owned by source
	r     io.Reader
	empty int // reads in a row that returned nothing
}

func (s *source) Read(p []byte) (int, error) {
	for len(s.back) > 0 {
		b := s.back[0]
		if len(b) == 0 {
			s.back = s.back[1:]
			continue
		}
		n := copy(p, b)
		s.back[0] = b[n:]
		return n, nil
	}
	n, err := s.r.Read(p)
	if n == 0 && err == nil {
		// As bufio and the tokenizer do: a reader that keeps returning
		// nothing is broken.
		if s.empty++; s.empty >= 100 {
			return 0, io.ErrNoProgress
		}
	} else {
		s.empty = 0
	}
	return n, err
}

// unread puts b in front of what is left to read. b must not change
// afterwards.
func (s *source) unread(b []byte) {
	if len(b) > 0 {
		s.back = append([][]byte{b}, s.back...)
	}
}
