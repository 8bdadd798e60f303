package pdf

import (
	"bufio"
	"fmt"
	"io"
)

const (
	// MaxXrefEntries is the largest object number a file may declare.
	// The library allocates its cross-reference table (about 32 bytes an
	// entry) from the declared /Size and subsection ranges before it reads
	// a single entry, and a 600-byte file declaring object 1,000,000,000
	// ends the process with a fatal out-of-memory error that recover()
	// cannot catch. preflight refuses such files first.
	MaxXrefEntries = 1 << 20
	// maxParam bounds /Columns (a row buffer the library allocates) and
	// the numbers of a /W array (the width of one xref stream entry).
	maxParam = 1 << 20
)

// preflight reads the raw file once, looking for the numbers the library
// turns into allocations: xref subsection headers ("xref" start count),
// /Size, /Index [start count ...], /W [...] and /Columns. It reads through
// a small buffer, so its memory does not grow with the file. It errs on
// the side of refusing: the same numbers inside a string or binary stream
// data make a benign file ErrUnsupported, which is unlikely and safe.
func preflight(r io.ReaderAt, size int64) error {
	s := &tokenizer{r: bufio.NewReaderSize(io.NewSectionReader(r, 0, size), 32<<10)}
	for {
		t, ok := s.next()
		if !ok {
			return nil
		}
		var err error
		switch {
		case t.kind == tokKeyword && t.text == "xref":
			err = s.xrefTable()
		case t.kind == tokName && t.text == "Size":
			if n, ok := s.nextInt(); ok && n > MaxXrefEntries {
				err = fmt.Errorf("%w: /Size %d is more than %d objects", ErrUnsupported, n, MaxXrefEntries)
			}
		case t.kind == tokName && t.text == "Columns":
			if n, ok := s.nextInt(); ok && n > maxParam {
				err = fmt.Errorf("%w: /Columns %d", ErrUnsupported, n)
			}
		case t.kind == tokName && t.text == "Index":
			err = s.array(func(a []int64) error {
				for i := 0; i+1 < len(a); i += 2 {
					if a[i] < 0 || a[i+1] < 0 || a[i]+a[i+1] > MaxXrefEntries {
						return fmt.Errorf("%w: xref /Index %d %d beyond %d objects", ErrUnsupported, a[i], a[i+1], MaxXrefEntries)
					}
				}
				return nil
			})
		case t.kind == tokName && t.text == "W":
			err = s.array(func(a []int64) error {
				for _, n := range a {
					if n > maxParam || n < -maxParam {
						return fmt.Errorf("%w: /W number %d", ErrUnsupported, n)
					}
				}
				return nil
			})
		}
		if err != nil {
			return err
		}
	}
}

// xrefTable checks the subsection headers of a classic cross-reference
// table, walking its entries the way the library does.
func (s *tokenizer) xrefTable() error {
	for {
		start, ok := s.nextInt()
		if !ok {
			return nil // "trailer" or garbage: the library stops there too
		}
		n, ok := s.nextInt()
		if !ok {
			return nil
		}
		if start < 0 || n < 0 || start+n > MaxXrefEntries {
			return fmt.Errorf("%w: xref subsection %d %d beyond %d objects", ErrUnsupported, start, n, MaxXrefEntries)
		}
		for i := int64(0); i < 3*n; i++ {
			if _, ok := s.next(); !ok {
				return nil
			}
		}
	}
}

// array reads "[ numbers ]" (nested arrays flattened, as in a CIDFont /W)
// and hands the numbers to check.
func (s *tokenizer) array(check func([]int64) error) error {
	t, ok := s.next()
	if !ok || t.kind != tokOpen {
		s.unread(t, ok)
		return nil
	}
	var nums []int64
	depth := 1
	for depth > 0 {
		t, ok := s.next()
		if !ok {
			break
		}
		switch t.kind {
		case tokOpen:
			depth++
		case tokClose:
			depth--
		case tokInt:
			nums = append(nums, t.n)
			if len(nums) == 1024 {
				if err := check(nums); err != nil {
					return err
				}
				nums = nums[:0]
			}
		default:
			s.unread(t, ok)
			return check(nums)
		}
	}
	return check(nums)
}

type tokKind int

const (
	tokKeyword tokKind = iota // a run of regular characters that is not a number
	tokName                   // /Name, text without the slash
	tokInt                    // an integer, saturated at ±1<<40
	tokOpen                   // [
	tokClose                  // ]
	tokOther                  // any other delimiter
)

type token struct {
	kind tokKind
	text string
	n    int64
}

// tokenizer splits raw PDF bytes into just enough tokens for preflight.
// Strings and stream data are not skipped (see preflight).
type tokenizer struct {
	r       *bufio.Reader
	back    token
	hasBack bool
	buf     []byte
}

func (s *tokenizer) unread(t token, ok bool) {
	if ok {
		s.back, s.hasBack = t, true
	}
}

func (s *tokenizer) nextInt() (int64, bool) {
	t, ok := s.next()
	if !ok || t.kind != tokInt {
		s.unread(t, ok)
		return 0, false
	}
	return t.n, true
}

func isWhite(c byte) bool {
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == 0
}

func isDelimiter(c byte) bool {
	switch c {
	case '(', ')', '<', '>', '[', ']', '{', '}', '/', '%':
		return true
	}
	return false
}

func (s *tokenizer) next() (token, bool) {
	if s.hasBack {
		s.hasBack = false
		return s.back, true
	}
	for {
		c, err := s.r.ReadByte()
		if err != nil {
			return token{}, false
		}
		switch {
		case isWhite(c):
			continue
		case c == '%':
			for c != '\n' && c != '\r' {
				if c, err = s.r.ReadByte(); err != nil {
					return token{}, false
				}
			}
			continue
		case c == '[':
			return token{kind: tokOpen}, true
		case c == ']':
			return token{kind: tokClose}, true
		case c == '/':
			return token{kind: tokName, text: s.word(nil)}, true
		case isDelimiter(c):
			return token{kind: tokOther}, true
		}
		w := s.word([]byte{c})
		if n, ok := parseInt(w); ok {
			return token{kind: tokInt, n: n}, true
		}
		return token{kind: tokKeyword, text: w}, true
	}
}

// word reads regular characters after prefix, keeping at most 64 of them.
func (s *tokenizer) word(prefix []byte) string {
	s.buf = append(s.buf[:0], prefix...)
	for {
		c, err := s.r.ReadByte()
		if err != nil {
			break
		}
		if isWhite(c) || isDelimiter(c) {
			_ = s.r.UnreadByte()
			break
		}
		if len(s.buf) < 64 {
			s.buf = append(s.buf, c)
		}
	}
	return string(s.buf)
}

func parseInt(w string) (int64, bool) {
	neg := false
	if w != "" && (w[0] == '+' || w[0] == '-') {
		neg, w = w[0] == '-', w[1:]
	}
	if w == "" {
		return 0, false
	}
	var n int64
	for i := 0; i < len(w); i++ {
		if w[i] < '0' || w[i] > '9' {
			return 0, false
		}
		if n < 1<<40 {
			n = n*10 + int64(w[i]-'0')
		}
	}
	if neg {
		n = -n
	}
	return n, true
}
