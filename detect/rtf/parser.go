package rtf

import (
	"bufio"
	"context"
	"io"
	"unicode/utf8"
)

// dest is what a group's text is for.
type dest uint8

const (
	dText    dest = iota // text of the group's sink
	dSkip                // dropped
	dFontTbl             // the font table: \f, \fcharset and \cpg are read
	dInfo                // \info outside a property: dropped
	dSmall               // a bounded side buffer (field instruction, class, comment author)
	dObjdata             // hex (or \bin) bytes of an OLE1 object
)

// state is what a group changes and its end restores.
type state struct {
	dest    dest
	sink    *sink
	uc      int // \ucN: fallback characters after \uN
	font    int // \fN; -1: the default font
	dbFont  int // \dbch\afN: the font of double-byte text; -1: none
	assoc   uint8
	htmlrtf bool
	intbl   bool
	uprSkip bool // in \upr: its first group (the ANSI version) is skipped, \ud read
	obj     *object
	closer  func(p *parser) error // run when the group ends
}

const (
	assocLoch uint8 = iota
	assocHich
	assocDbch
)

// font is a font table entry.
type font struct {
	charset int
	cpg     int
}

// maxFonts bounds the font table.
const maxFonts = 4096

// parser is one Read.
type parser struct {
	ctx  context.Context
	cr   countingReader
	br   *bufio.Reader
	lim  Limits
	emit func(Item) error

	stack   []state
	fonts   map[int]font
	fontDef int // the entry \fcharset applies to, in the font table
	ansiCP  int
	deff    int
	star    bool // \* seen: the next control word names an ignorable destination

	root     *sink // "body" or "body.html"
	fromHTML bool
	out      int64 // bytes held or emitted
	items    int
	open     []*sink // counted sinks not emitted yet, outermost first

	pend      []byte // 8-bit text not decoded yet
	pendCP    int
	pendSink  *sink
	needTrail bool // pend ends with a lead byte of a double-byte code page
	dec       decoders

	skip    int  // \uc fallback bytes still to skip
	highSur rune // a high surrogate from \uN waiting for its low half

	nobj, nfoot, nend, ncomment int
	commentHead                 *sink
	hexHi                       int // pending high nibble of objdata, -1 none
	tokens                      int
	limitErr                    error // the first bound hit
	itemsErr                    error // MaxItems was reached: items were dropped
}

func newParser(ctx context.Context, r io.Reader, lim Limits, emit func(Item) error) *parser {
	p := &parser{ctx: ctx, lim: lim, emit: emit, ansiCP: 1252, deff: -1, hexHi: -1}
	p.cr.r = r
	p.br = bufio.NewReaderSize(&p.cr, 64<<10)
	p.fonts = make(map[int]font)
	p.root = &sink{name: "body", kind: ItemText, counted: true}
	p.open = append(p.open, p.root)
	p.commentHead = &sink{cap: 1024}
	p.pend = make([]byte, 0, 512)
	return p
}

func (p *parser) top() *state { return &p.stack[len(p.stack)-1] }

// run checks the header and reads the groups up to the end of the first.
func (p *parser) run() error {
	if err := p.header(); err != nil {
		return err
	}
	p.stack = append(p.stack, state{dest: dText, sink: p.root, uc: 1, font: -1, dbFont: -1})
	for {
		p.tokens++
		if p.tokens&0xFFF == 0 {
			if err := p.ctx.Err(); err != nil {
				return err
			}
		}
		c, err := p.br.ReadByte()
		if err != nil {
			return p.eof(err)
		}
		switch c {
		case '{':
			if err := p.push(); err != nil {
				return err
			}
		case '}':
			if err := p.pop(); err != nil {
				return err
			}
			if len(p.stack) == 0 {
				return nil // the document's group ended; what follows is not RTF
			}
		case '\\':
			if err := p.control(); err != nil {
				return err
			}
		case '\r', '\n', 0:
		default:
			p.star = false
			if err := p.char(c); err != nil {
				return err
			}
		}
	}
}

func (p *parser) eof(err error) error {
	if err == io.EOF {
		return corrupt("the document ends inside %d open groups", len(p.stack))
	}
	if cerr := p.ctx.Err(); cerr != nil {
		return cerr
	}
	return err
}

// header reads up to and including "{\rtf".
func (p *parser) header() error {
	head, err := p.br.Peek(80)
	if len(head) == 0 && err != nil && err != io.EOF {
		return p.eof(err)
	}
	i := 0
	if len(head) >= 3 && head[0] == 0xEF && head[1] == 0xBB && head[2] == 0xBF {
		i = 3
	}
	for i < len(head) && (head[i] == ' ' || head[i] == '\t' || head[i] == '\r' || head[i] == '\n') {
		i++
	}
	rest := head[i:]
	switch {
	case len(rest) >= 5 && string(rest[:5]) == `{\rtf`:
	case len(rest) >= 2 && string(rest[:2]) == `{\`:
		w := rest[2:]
		n := 0
		for n < len(w) && n < 16 && isLetter(w[n]) {
			n++
		}
		return unsupported("a document that starts with {\\%s, not {\\rtf", w[:n])
	case len(head) == 0:
		return corrupt("empty document")
	default:
		return corrupt("not RTF: no {\\rtf at the start")
	}
	_, err = p.br.Discard(i + 1) // up to the brace; \rtf is read as a word
	return err
}

func (p *parser) push() error {
	p.star = false
	p.skip = 0
	if err := p.flush(); err != nil {
		return err
	}
	if len(p.stack) >= p.lim.MaxDepth {
		return limit("groups nested deeper than %d", p.lim.MaxDepth)
	}
	parent := p.top()
	st := *parent
	st.closer = nil
	st.uprSkip = false
	if parent.uprSkip {
		parent.uprSkip = false
		st.dest = dSkip
	}
	p.stack = append(p.stack, st)
	return nil
}

func (p *parser) pop() error {
	p.star = false
	p.skip = 0
	if err := p.flush(); err != nil {
		return err
	}
	st := p.stack[len(p.stack)-1]
	p.stack = p.stack[:len(p.stack)-1]
	if st.closer != nil {
		return st.closer(p)
	}
	return nil
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool  { return c >= '0' && c <= '9' }

// maxWord bounds a control word's letters (the spec's 32, with room).
const maxWord = 48

// control reads what follows a backslash.
func (p *parser) control() error {
	c, err := p.br.ReadByte()
	if err != nil {
		return p.eof(err)
	}
	if !isLetter(c) {
		return p.symbol(c)
	}
	var name [maxWord]byte
	n := 0
	name[n] = c
	n++
	long := false
	for {
		b, err := p.br.Peek(1)
		if err != nil || !isLetter(b[0]) {
			break
		}
		if n < maxWord {
			name[n] = b[0]
			n++
		} else {
			long = true
		}
		p.br.ReadByte()
	}
	hasParam, param := false, 0
	neg := false
	if b, err := p.br.Peek(2); err == nil && b[0] == '-' && isDigit(b[1]) {
		neg = true
		p.br.ReadByte()
	}
	var v int64
	for {
		b, err := p.br.Peek(1)
		if err != nil || !isDigit(b[0]) {
			break
		}
		hasParam = true
		if v < 1<<40 {
			v = v*10 + int64(b[0]-'0')
		}
		p.br.ReadByte()
	}
	if v > 1<<31-1 {
		v = 1<<31 - 1
	}
	if neg {
		v = -v
	}
	param = int(v)
	if b, err := p.br.Peek(1); err == nil && b[0] == ' ' {
		p.br.ReadByte()
	}
	star := p.star
	p.star = false
	if long {
		if star {
			p.top().dest = dSkip
		}
		return nil
	}
	return p.word(string(name[:n]), hasParam, param, star)
}

// symbol handles a control symbol: a backslash and one non-letter.
func (p *parser) symbol(c byte) error {
	switch c {
	case '*':
		p.star = true
		return nil
	case '\'':
		p.star = false
		h, err := p.br.Peek(2)
		v, ok := 0, len(h) == 2
		if ok {
			hi, ok1 := unhex(h[0])
			lo, ok2 := unhex(h[1])
			ok = ok1 && ok2
			v = hi<<4 | lo
		}
		if !ok {
			if err != nil && len(h) < 2 {
				return p.eof(io.EOF)
			}
			return nil // not an escape: the characters are read as text
		}
		p.br.Discard(2)
		if p.skip > 0 {
			p.skip--
			return nil
		}
		return p.rawByte(byte(v))
	}
	p.star = false
	switch c {
	case '\\', '{', '}':
		return p.char(c)
	case '\r', '\n':
		return p.word("par", false, 0, false)
	case '~':
		return p.special("\u00a0")
	case '_':
		return p.special("-")
	case '-', '|', ':':
		return p.special("")
	}
	return nil
}

func unhex(c byte) (int, bool) {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0'), true
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10, true
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10, true
	}
	return 0, false
}

// target is the sink text goes to now, nil where it is dropped.
func (p *parser) target() *sink {
	st := p.top()
	switch st.dest {
	case dText:
		if p.fromHTML && st.htmlrtf {
			return nil
		}
		return st.sink
	case dSmall:
		return st.sink
	}
	return nil
}

// char handles one literal byte of text.
func (p *parser) char(c byte) error {
	if p.skip > 0 {
		p.skip--
		return nil
	}
	st := p.top()
	if st.dest == dObjdata {
		return p.hexByte(c)
	}
	if c >= 0x80 || p.needTrail {
		return p.rawByte(c)
	}
	t := p.target()
	if t == nil {
		return nil
	}
	if err := p.flush(); err != nil {
		return err
	}
	if c == '\t' {
		return p.write(t, "\t")
	}
	if c < 0x20 {
		return nil
	}
	p.highSur = 0
	return p.writeByte(t, c)
}

// cp is the code page of 8-bit text now.
func (p *parser) cp() int {
	st := p.top()
	cp := p.fontCP(st.font)
	// Text after \dbch is double-byte: in a font with no charset of its
	// own it takes the code page of the \dbch\afN font.
	if st.assoc == assocDbch && st.dbFont >= 0 && !doubleByte(cp) && p.ansiFont(st.font) {
		if db := p.fontCP(st.dbFont); doubleByte(db) {
			return db
		}
	}
	return cp
}

// ansiFont reports whether font f has the document's code page (no
// \fcharset or \cpg of its own).
func (p *parser) ansiFont(f int) bool {
	if f < 0 {
		f = p.deff
	}
	fe := p.fonts[f]
	return fe.cpg <= 0 && (fe.charset == 0 || fe.charset == 1)
}

func (p *parser) fontCP(f int) int {
	if f < 0 {
		f = p.deff
	}
	if fe, ok := p.fonts[f]; ok {
		if fe.cpg > 0 {
			return fe.cpg
		}
		if cp := charsetCP(fe.charset); cp != 0 {
			return cp
		}
		if fe.charset == 2 { // symbol
			return 1252
		}
	}
	return p.ansiCP
}

// rawByte adds a byte of 8-bit text (an escape or a literal byte) to the
// bytes waiting to be decoded.
func (p *parser) rawByte(b byte) error {
	t := p.target()
	if t == nil {
		p.needTrail = false
		return nil
	}
	cp := p.cp()
	if len(p.pend) > 0 && (p.pendSink != t || p.pendCP != cp) {
		if err := p.flush(); err != nil {
			return err
		}
	}
	p.pend = append(p.pend, b)
	p.pendSink, p.pendCP = t, cp
	if p.needTrail {
		p.needTrail = false
	} else if doubleByte(cp) && isLead(cp, b) {
		p.needTrail = true
	}
	if len(p.pend) >= 256 && !p.needTrail {
		return p.flush()
	}
	return nil
}

// flush decodes the waiting 8-bit text into its sink.
func (p *parser) flush() error {
	p.needTrail = false
	if len(p.pend) == 0 {
		return nil
	}
	var buf [1024]byte
	out := p.dec.appendDecoded(buf[:0], p.pendCP, p.pend)
	p.pend = p.pend[:0]
	p.highSur = 0
	return p.writeBytes(p.pendSink, out)
}

// emitRune writes the character of \uN.
func (p *parser) emitRune(n int) error {
	r := rune(n)
	if r < 0 {
		r += 65536
	}
	p.skip = p.top().uc
	t := p.target()
	if t == nil {
		return nil
	}
	if err := p.flush(); err != nil {
		return err
	}
	switch {
	case r >= 0xD800 && r < 0xDC00:
		p.highSur = r
		return nil
	case r >= 0xDC00 && r < 0xE000:
		if p.highSur != 0 {
			r = 0x10000 + (p.highSur-0xD800)<<10 + (r - 0xDC00)
		} else {
			r = utf8.RuneError
		}
	case r < 0 || r > utf8.MaxRune:
		r = utf8.RuneError
	}
	p.highSur = 0
	if r < 0x20 && r != '\t' {
		return nil
	}
	var b [4]byte
	return p.writeBytes(t, b[:utf8.EncodeRune(b[:], r)])
}

// special writes the text of a control word that stands for characters.
func (p *parser) special(s string) error {
	if p.skip > 0 {
		p.skip--
		return nil
	}
	t := p.target()
	if t == nil || s == "" {
		return nil
	}
	if err := p.flush(); err != nil {
		return err
	}
	p.highSur = 0
	return p.write(t, s)
}

// bin handles \binN: n bytes of binary data, kept for an object and
// skipped elsewhere.
func (p *parser) bin(n int) error {
	if n <= 0 {
		return nil
	}
	st := p.top()
	if st.dest == dObjdata && st.obj != nil && st.obj.data != nil && p.skip == 0 {
		var buf [4096]byte
		for n > 0 {
			k, err := io.ReadFull(p.br, buf[:min(n, len(buf))])
			if err := p.writeBytes(st.obj.data, buf[:k]); err != nil {
				return err
			}
			if err != nil {
				return p.eof(io.EOF)
			}
			n -= k
		}
		return nil
	}
	if p.skip > 0 {
		p.skip--
	}
	for n > 0 {
		k, err := p.br.Discard(min(n, 1<<20))
		n -= k
		if err != nil {
			return p.eof(io.EOF)
		}
		if err := p.ctx.Err(); err != nil {
			return err
		}
	}
	return nil
}

// hexByte takes one character of an objdata's hex.
func (p *parser) hexByte(c byte) error {
	v, ok := unhex(c)
	if !ok {
		return nil
	}
	if p.hexHi < 0 {
		p.hexHi = v
		return nil
	}
	b := byte(p.hexHi<<4 | v)
	p.hexHi = -1
	st := p.top()
	if st.obj == nil || st.obj.data == nil {
		return nil // an \object inside objdata: its bytes are not the outer object's
	}
	return p.writeByte(st.obj.data, b)
}
