package pdf

import (
	"bufio"
	"io"
	"strconv"
)

// Limits of the content-stream lexer. The library's own interpreter keeps
// every operand and string in memory however large the decoded stream makes
// them: a 97 KB file whose content stream inflates to 50 million operands
// took 8 GB and 100 s in it. This lexer drops what is past these limits and
// goes on, so memory stays small whatever a stream inflates to.
const (
	// maxOperands is how many operands wait for an operator; more are
	// dropped (no text operator takes more than three).
	maxOperands = 64
	// maxString is the longest string operand kept; the rest of a longer
	// one is read and dropped. Text is shown in runs far shorter.
	maxString = 64 << 10
	// maxArray is how many elements of one array (a TJ, a bfrange
	// destination list) are kept.
	maxArray = 16 << 10
	// maxNesting bounds arrays and dictionaries inside one another.
	maxNesting = 32
	// MaxStreamBytes is how much of one decoded stream (content or
	// ToUnicode CMap) is read; the rest is ignored.
	MaxStreamBytes = 256 << 20
)

type opKind int

const (
	opOther opKind = iota // null, booleans, dictionaries, anything dropped
	opNumber
	opString
	opName
	opArray
)

// operand is one value on the content-stream operand stack.
type operand struct {
	kind opKind
	num  float64
	str  string // string bytes, or the name without its slash
	arr  []operand
}

// lexer reads the operators and operands of a content stream or CMap.
type lexer struct {
	r    *bufio.Reader
	buf  []byte
	tick func() // called every few thousand tokens (context checks)
	n    int
	err  error // the first read error other than the end of the stream
}

func newLexer(r io.Reader, tick func()) *lexer {
	return &lexer{r: bufio.NewReaderSize(io.LimitReader(r, MaxStreamBytes), 16<<10), tick: tick}
}

// run calls do for every operator with the operands before it (a slice
// valid during the call) until the stream ends.
func (l *lexer) run(stackMax int, do func(op string, args []operand)) {
	var stk []operand
	for {
		v, op, ok := l.token(0)
		if !ok {
			return
		}
		if op == "" {
			if len(stk) >= stackMax {
				stk = stk[:0] // operands without an operator: garbage
			}
			stk = append(stk, v)
			continue
		}
		switch op {
		case "ID": // inline image data follows, up to EI
			l.skipInlineImage()
		default:
			do(op, stk)
		}
		stk = stk[:0]
	}
}

func (l *lexer) readByte() (byte, bool) {
	c, err := l.r.ReadByte()
	if err != nil && err != io.EOF && l.err == nil {
		l.err = err
	}
	return c, err == nil
}

// token returns an operand, or an operator name in op. ok is false at the
// end of the stream.
func (l *lexer) token(depth int) (v operand, op string, ok bool) {
	l.n++
	if l.n%4096 == 0 && l.tick != nil {
		l.tick()
	}
	c, ok := l.skipSpace()
	if !ok {
		return operand{}, "", false
	}
	switch c {
	case '(':
		return operand{kind: opString, str: l.literal()}, "", true
	case '<':
		if d, ok := l.readByte(); ok && d == '<' {
			l.skipDict(depth + 1)
			return operand{}, "", true
		}
		_ = l.r.UnreadByte()
		return operand{kind: opString, str: l.hex()}, "", true
	case '[':
		return l.array(depth + 1), "", true
	case '/':
		return operand{kind: opName, str: l.word(nil)}, "", true
	case ']', '>', ')', '{', '}':
		return operand{}, "", true // stray delimiter
	}
	w := l.word([]byte{c})
	switch w {
	case "true", "false", "null":
		return operand{}, "", true
	}
	if c == '+' || c == '-' || c == '.' || c >= '0' && c <= '9' {
		f, err := strconv.ParseFloat(w, 64)
		if err != nil {
			f = 0
		}
		return operand{kind: opNumber, num: f}, "", true
	}
	return operand{}, w, true
}

func (l *lexer) skipSpace() (byte, bool) {
	for {
		c, ok := l.readByte()
		if !ok {
			return 0, false
		}
		if c == '%' {
			for c != '\n' && c != '\r' {
				if c, ok = l.readByte(); !ok {
					return 0, false
				}
			}
			continue
		}
		if !isWhite(c) {
			return c, true
		}
	}
}

// word reads regular characters after prefix (at most 127 kept).
func (l *lexer) word(prefix []byte) string {
	l.buf = append(l.buf[:0], prefix...)
	for {
		c, ok := l.readByte()
		if !ok {
			break
		}
		if isWhite(c) || isDelimiter(c) {
			_ = l.r.UnreadByte()
			break
		}
		if len(l.buf) < 127 {
			l.buf = append(l.buf, c)
		}
	}
	return string(l.buf)
}

// literal reads a (string) after its "(", undoing escapes (7.3.4.2).
func (l *lexer) literal() string {
	var b []byte
	put := func(c byte) {
		if len(b) < maxString {
			b = append(b, c)
		}
	}
	nest := 1
	for {
		c, ok := l.readByte()
		if !ok {
			return string(b)
		}
		switch c {
		case '(':
			nest++
		case ')':
			if nest--; nest == 0 {
				return string(b)
			}
		case '\r':
			if d, ok := l.readByte(); ok && d != '\n' {
				_ = l.r.UnreadByte()
			}
			c = '\n'
		case '\\':
			c, ok = l.readByte()
			if !ok {
				return string(b)
			}
			switch c {
			case 'n':
				c = '\n'
			case 'r':
				c = '\r'
			case 't':
				c = '\t'
			case 'b':
				c = '\b'
			case 'f':
				c = '\f'
			case '\r': // line continuation
				if d, ok := l.readByte(); ok && d != '\n' {
					_ = l.r.UnreadByte()
				}
				continue
			case '\n':
				continue
			case '0', '1', '2', '3', '4', '5', '6', '7':
				x := int(c - '0')
				for i := 0; i < 2; i++ {
					d, ok := l.readByte()
					if !ok {
						break
					}
					if d < '0' || d > '7' {
						_ = l.r.UnreadByte()
						break
					}
					x = x*8 + int(d-'0')
				}
				c = byte(x)
			}
		}
		put(c)
	}
}

// hex reads a <hex string> after its "<".
func (l *lexer) hex() string {
	var b []byte
	var hi byte
	half := false
	for {
		c, ok := l.readByte()
		if !ok || c == '>' {
			break
		}
		var x byte
		switch {
		case c >= '0' && c <= '9':
			x = c - '0'
		case c >= 'a' && c <= 'f':
			x = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			x = c - 'A' + 10
		default:
			continue // white space or garbage
		}
		if !half {
			hi, half = x, true
			continue
		}
		half = false
		if len(b) < maxString {
			b = append(b, hi<<4|x)
		}
	}
	if half && len(b) < maxString {
		b = append(b, hi<<4)
	}
	return string(b)
}

// array reads the elements of an [array] after its "[". Operators inside
// (invalid) are dropped.
func (l *lexer) array(depth int) operand {
	a := operand{kind: opArray}
	for {
		c, ok := l.skipSpace()
		if !ok {
			return a
		}
		if c == ']' {
			return a
		}
		_ = l.r.UnreadByte()
		var v operand
		if depth > maxNesting {
			v, _, ok = l.flat()
		} else {
			v, _, ok = l.token(depth)
		}
		if !ok {
			return a
		}
		if len(a.arr) < maxArray {
			a.arr = append(a.arr, v)
		}
	}
}

// flat reads one token without descending into arrays or dictionaries.
func (l *lexer) flat() (operand, string, bool) {
	c, ok := l.skipSpace()
	if !ok {
		return operand{}, "", false
	}
	if c == '[' || c == '<' {
		return operand{}, "", true
	}
	_ = l.r.UnreadByte()
	return l.token(maxNesting)
}

// skipDict reads a << dictionary >> after its "<<" and drops it.
func (l *lexer) skipDict(depth int) {
	for {
		c, ok := l.skipSpace()
		if !ok {
			return
		}
		if c == '>' {
			if d, ok := l.readByte(); ok && d != '>' {
				_ = l.r.UnreadByte()
			}
			return
		}
		_ = l.r.UnreadByte()
		if depth > maxNesting {
			if _, _, ok := l.flat(); !ok {
				return
			}
			continue
		}
		if _, _, ok := l.token(depth); !ok {
			return
		}
	}
}

// skipInlineImage skips the binary data after ID up to and including the
// EI that follows white space (8.9.7).
func (l *lexer) skipInlineImage() {
	var p1, p2 byte = 'x', 'x'
	for {
		c, ok := l.readByte()
		if !ok {
			return
		}
		if isWhite(p2) && p1 == 'E' && c == 'I' {
			d, ok := l.readByte()
			if !ok || isWhite(d) || isDelimiter(d) {
				if ok {
					_ = l.r.UnreadByte()
				}
				return
			}
		}
		p2, p1 = p1, c
	}
}
