package pdf

import (
	"bufio"
	"bytes"
	"compress/zlib"
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

// preflight reads the raw file once, looking for what makes the library
// allocate without bound or never return:
//   - the numbers it turns into allocations: xref subsection headers
//     ("xref" start count), /Size, /Index [start count ...], /W [...],
//     /Columns;
//   - object streams said to be inside an object stream (decoded from the
//     xref streams), on which it recurses until the stack overflows, a
//     fatal error recover() cannot catch;
//   - /Extends chains of object streams that loop, which it follows
//     forever.
//
// It reads through a small buffer, so its memory does not grow with the
// file. It errs on the side of refusing: the same tokens inside a string or
// binary stream data can make a benign file ErrUnsupported, which is
// unlikely and safe.
func preflight(r io.ReaderAt, size int64) error {
	s := &tokenizer{r: bufio.NewReaderSize(io.NewSectionReader(r, 0, size), 32<<10)}
	var (
		prev    [2]token // the two tokens before t, for "N G obj"
		obj     = int64(-1)
		d       xrefDict // of the current object, if it is an xref stream
		extends = map[int64]int64{}
		inStm   = map[int64]int64{} // object -> object stream holding it
	)
	for {
		t, ok := s.next()
		if !ok {
			break
		}
		var err error
		switch {
		case t.kind == tokKeyword && t.text == "obj" && prev[0].kind == tokInt && prev[1].kind == tokInt:
			obj, d = prev[1].n, xrefDict{}
		case t.kind == tokKeyword && t.text == "endobj":
			obj = -1
		case t.kind == tokKeyword && t.text == "xref":
			err = s.xrefTable()
		case t.kind == tokKeyword && t.text == "stream" && d.isXref:
			err = s.xrefStream(d, inStm)
			d = xrefDict{}
		case t.kind == tokName && t.text == "Type":
			if n, ok := s.next(); ok && n.kind == tokName && n.text == "XRef" {
				d.isXref = true
			} else {
				s.unread(n, ok)
			}
		case t.kind == tokName && t.text == "Extends":
			if target, ok := s.nextInt(); ok && obj >= 0 {
				extends[obj] = target
			}
		case t.kind == tokName && t.text == "Length":
			if n, ok := s.nextInt(); ok {
				d.length = n
				if g, ok := s.nextInt(); ok { // an indirect Length: unknown
					d.length = -1
					s.unread(token{kind: tokInt, n: g}, true)
				}
			}
		case t.kind == tokName && t.text == "Filter":
			if n, ok := s.next(); ok && n.kind == tokName {
				d.filter = n.text
			} else {
				d.filter = "?"
				s.unread(n, ok)
			}
		case t.kind == tokName && t.text == "Predictor":
			d.predictor, _ = s.nextInt()
		case t.kind == tokName && t.text == "Size":
			n, ok := s.nextInt()
			if ok && n > MaxXrefEntries {
				err = fmt.Errorf("%w: /Size %d is more than %d objects", ErrUnsupported, n, MaxXrefEntries)
			}
			d.size = n
		case t.kind == tokName && t.text == "Columns":
			n, ok := s.nextInt()
			if ok && n > maxParam {
				err = fmt.Errorf("%w: /Columns %d", ErrUnsupported, n)
			}
			d.columns = n
		case t.kind == tokName && t.text == "Index":
			err = s.array(func(a []int64) error {
				for i := 0; i+1 < len(a); i += 2 {
					if a[i] < 0 || a[i+1] < 0 || a[i]+a[i+1] > MaxXrefEntries {
						return fmt.Errorf("%w: xref /Index %d %d beyond %d objects", ErrUnsupported, a[i], a[i+1], MaxXrefEntries)
					}
				}
				d.index = append(d.index, a...)
				return nil
			})
		case t.kind == tokName && t.text == "W":
			d.w = d.w[:0]
			err = s.array(func(a []int64) error {
				for _, n := range a {
					if n > maxParam || n < -maxParam {
						return fmt.Errorf("%w: /W number %d", ErrUnsupported, n)
					}
				}
				d.w = append(d.w, a...)
				return nil
			})
		}
		if err != nil {
			return err
		}
		prev[1], prev[0] = prev[0], t
	}
	for stm := range inStm {
		if holder, ok := inStm[inStm[stm]]; ok {
			return fmt.Errorf("%w: object stream %d is inside object stream %d", ErrCorrupt, inStm[stm], holder)
		}
	}
	for start := range extends {
		at := start
		for i := 0; i <= len(extends); i++ {
			next, ok := extends[at]
			if !ok {
				break
			}
			if next == start || i == len(extends) {
				return fmt.Errorf("%w: object stream %d extends itself", ErrCorrupt, start)
			}
			at = next
		}
	}
	return nil
}

// xrefDict is what preflight needs of an xref stream's dictionary.
type xrefDict struct {
	isXref             bool
	length, size       int64
	w, index           []int64
	filter             string
	predictor, columns int64
}

// maxXrefStream bounds the encoded and decoded size of one xref stream
// that preflight decodes (20 bytes an entry at most for MaxXrefEntries).
const maxXrefStream = 20 * MaxXrefEntries

// xrefStream decodes the xref stream whose data follows (the "stream"
// keyword was just read) and records in inStm the entries of type 2
// (object -> the object stream holding it). A stream it cannot decode is
// left to the library.
func (s *tokenizer) xrefStream(d xrefDict, inStm map[int64]int64) error {
	if len(d.w) != 3 || d.length <= 0 || d.length > maxXrefStream || d.w[0] < 0 || d.w[1] < 0 || d.w[2] < 0 || d.w[0] > 8 || d.w[1] > 8 || d.w[2] > 8 {
		return nil
	}
	// The data starts after the end of line that follows "stream".
	if c, err := s.r.ReadByte(); err == nil && c == '\r' {
		if c, err := s.r.ReadByte(); err == nil && c != '\n' {
			_ = s.r.UnreadByte()
		}
	} else if err == nil && c != '\n' {
		_ = s.r.UnreadByte()
	}
	raw := make([]byte, d.length)
	if _, err := io.ReadFull(s.r, raw); err != nil {
		return nil
	}
	var data []byte
	switch d.filter {
	case "":
		data = raw
	case "FlateDecode":
		zr, err := zlib.NewReader(bytes.NewReader(raw))
		if err != nil {
			return nil
		}
		data, _ = io.ReadAll(io.LimitReader(zr, maxXrefStream))
	default:
		return nil
	}
	width := int(d.w[0] + d.w[1] + d.w[2])
	if width == 0 {
		return nil
	}
	if d.predictor >= 10 { // PNG predictors, one tag byte a row
		cols := int(d.columns)
		if cols == 0 {
			cols = 1
		}
		if cols != width {
			return nil
		}
		data = unpredictPNG(data, cols)
	}
	index := d.index
	if len(index) == 0 {
		index = []int64{0, d.size}
	}
	for len(index) >= 2 && len(data) >= width {
		start, n := index[0], index[1]
		index = index[2:]
		for i := int64(0); i < n && len(data) >= width; i++ {
			e := data[:width]
			data = data[width:]
			typ := int64(1)
			if d.w[0] > 0 {
				typ = be(e[:d.w[0]])
			}
			if typ == 2 {
				inStm[start+i] = be(e[d.w[0] : d.w[0]+d.w[1]])
			}
		}
	}
	return nil
}

func be(b []byte) int64 {
	var v int64
	for _, c := range b {
		v = v<<8 | int64(c)
	}
	return v
}

// unpredictPNG undoes the PNG row filters (RFC 2083 6) of rows of cols bytes.
func unpredictPNG(data []byte, cols int) []byte {
	out := make([]byte, 0, len(data))
	prior := make([]byte, cols)
	for len(data) >= cols+1 {
		tag, row := data[0], data[1:cols+1]
		data = data[cols+1:]
		cur := make([]byte, cols)
		for i := range cols {
			var left, upleft byte
			if i > 0 {
				left, upleft = cur[i-1], prior[i-1]
			}
			up := prior[i]
			switch tag {
			case 1:
				cur[i] = row[i] + left
			case 2:
				cur[i] = row[i] + up
			case 3:
				cur[i] = row[i] + byte((int(left)+int(up))/2)
			case 4:
				cur[i] = row[i] + paeth(left, up, upleft)
			default:
				cur[i] = row[i]
			}
		}
		out = append(out, cur...)
		prior = cur
	}
	return out
}

func paeth(a, b, c byte) byte {
	p := int(a) + int(b) - int(c)
	pa, pb, pc := abs(p-int(a)), abs(p-int(b)), abs(p-int(c))
	switch {
	case pa <= pb && pa <= pc:
		return a
	case pb <= pc:
		return b
	}
	return c
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
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
