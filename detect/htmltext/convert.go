package htmltext

import (
	"bytes"
	"errors"
	"io"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// conv converts one HTML document. Read hands out its text; each call
// runs steps (one token, or one part of a long token or of a document
// inside this one) until there is some.
type conv struct {
	lim  Limits
	nest int // how many documents this one is inside (srcdoc, noscript)
	src  *source
	z    *html.Tokenizer
	// skipStart: the next token is the start tag put in front of the
	// input to bring a new tokenizer back into raw text after a long tag.
	skipStart bool
	// raw is the element whose raw text (or RCDATA) the tokenizer reads
	// next, or 0.
	raw  atom.Atom
	long *longTok
	sub  *conv // a document inside this one, handed out as a side piece
	st   stack
	o    output
	tp   tagParser
	tag  tagInfo
	doc  []byte // a srcdoc value, to convert once its tag is done

	fosterBytes int
	done        bool
	err         error
	subBuf      []byte
	scratch     []byte
	inPart      bool                                  // a long attribute value is being written
	trace       func(k traceKind, nest int, b []byte) // tests: pieces as they are written
}

// traceKind names what a test trace receives.
type traceKind uint8

const (
	traceText    traceKind = iota // rendered text on the lines
	traceComment                  // a comment's text (whole, short comments only)
)

// tagInfo is what tree construction needs of a tag: its name and the
// attributes that change where its text goes (each as first written,
// since a browser keeps the first of repeated attributes).
type tagInfo struct {
	atom         atom.Atom
	name         uint64
	end          bool
	selfClosing  bool
	disp         display
	hidden       bool
	open         bool // <dialog open>
	htmlEncoding bool // annotation-xml encoding="text/html"
	fontBreak    bool // <font color|face|size> ends foreign content
	seen         uint8
}

// Bits of tagInfo.seen.
const (
	seenStyle = 1 << iota
	seenEncoding
)

func newConv(r io.Reader, lim Limits, nest int) *conv {
	c := &conv{lim: lim, nest: nest, src: &source{r: r}}
	c.st.max = lim.MaxDepth
	c.o.max = lim.MaxOutput
	c.o.nl = true
	c.newTokenizer()
	return c
}

func (c *conv) newTokenizer() {
	c.z = html.NewTokenizer(c.src)
	c.z.SetMaxBuf(c.lim.MaxTokenBytes)
}

func (c *conv) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	for len(c.o.pending()) == 0 {
		if c.done {
			return 0, c.err
		}
		c.step()
	}
	n := copy(p, c.o.pending())
	c.o.off += n
	return n, nil
}

func (c *conv) step() {
	switch {
	case c.o.full:
		c.done, c.err = true, ErrOutputLimit
	case c.sub != nil:
		c.stepSub()
	case c.long != nil:
		c.stepLong()
	default:
		c.token()
	}
}

// finish ends the conversion: open tables give out their fostered text,
// waiting side pieces are written, and Read returns err after the text.
func (c *conv) finish(err error) {
	c.st.deep = 0
	c.popTo(0)
	c.o.sideBreak()
	c.o.brk()
	switch {
	case c.o.full:
		err = ErrOutputLimit
	case err == nil:
		err = io.EOF
	}
	c.done, c.err = true, err
}

func (c *conv) token() {
	c.z.AllowCDATA(c.allowCDATA())
	tt := c.z.Next()
	raw := c.z.Raw()
	if len(raw) >= c.lim.MaxTokenBytes {
		c.startLong(raw)
		return
	}
	if c.skipStart {
		c.skipStart = false
		return
	}
	rawEl := c.raw
	c.raw = 0
	switch tt {
	case html.ErrorToken:
		err := c.z.Err()
		if len(raw) > 0 {
			// An unfinished tag at the end: a browser drops it, but its
			// bytes leave with the mail.
			c.sidePiece(replaceNUL(raw))
		}
		c.finish(err)
	case html.TextToken:
		switch {
		case rawEl != 0:
			text := c.z.Text()
			c.rawText(rawEl, text)
			if rawEl == atom.Noscript && c.nest < c.lim.MaxNesting && hasNonSpace(text) {
				c.sub = newConv(bytes.NewReader(bytes.Clone(text)), c.lim, c.nest+1)
				c.o.pieceStart()
			}
		case c.allowCDATA() && bytes.HasPrefix(raw, cdataOpen):
			// The tokenizer's Text decodes references in a CDATA
			// section; a browser keeps them as written.
			b := bytes.TrimSuffix(raw[len(cdataOpen):], []byte("]]>"))
			c.text(replaceNUL(appendNewlines(nil, b)))
		default:
			c.text(c.z.Text())
		}
	case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
		c.parseTag(raw)
		if !c.applyTag() {
			c.z.NextIsNotRawText()
		}
	case html.CommentToken:
		if string(raw) == "</>" {
			return // not a token at all; the tokenizer says "comment"
		}
		text := c.z.Text()
		if c.trace != nil {
			c.trace(traceComment, c.nest, text)
		}
		c.sidePiece(text)
	case html.DoctypeToken:
		c.sidePiece(c.z.Text())
	}
}

var cdataOpen = []byte("<![CDATA[")

// parseTag reads a whole tag's name and attributes (the short path).
func (c *conv) parseTag(raw []byte) {
	if c.plainTag(raw) {
		return
	}
	c.beginTag()
	if _, done := c.tp.feed(raw); !done {
		c.tp.finish()
	}
	c.endTagName()
}

// plainTag reads a tag that is only a name, "<td>" or "</td>", the most
// common kind, without the tag parser.
func (c *conv) plainTag(raw []byte) bool {
	if len(raw) < 3 || raw[len(raw)-1] != '>' {
		return false
	}
	end := raw[1] == '/'
	name := raw[1 : len(raw)-1]
	if end {
		name = name[1:]
	}
	if len(name) == 0 || len(name) > maxName {
		return false
	}
	for _, b := range name {
		if isSpace(b) || b == '/' || b == 0 || 'A' <= b && b <= 'Z' {
			return false
		}
	}
	c.tag = tagInfo{atom: atom.Lookup(name), name: hashName(name), end: end}
	return true
}

func (c *conv) beginTag() {
	c.tag = tagInfo{}
	c.tp.reset(c, c.lim.MaxTokenBytes)
}

// endTagName fills in the tag's name once the parser has read it.
func (c *conv) endTagName() {
	name := c.tp.name
	c.tag.atom = atom.Lookup(name)
	c.tag.name = hashName(name)
	c.tag.end = c.tp.end
	c.tag.selfClosing = c.tp.selfClosing
}

// applyTag applies a parsed tag to the stack. For a start tag it reports
// whether the tokenizer may read raw text after it (it is an HTML
// element); a srcdoc document found in its attributes is converted next.
func (c *conv) applyTag() bool {
	ok := true
	if c.tag.end {
		c.endTag(&c.tag)
	} else {
		ok = c.startTag(&c.tag)
		if ok && rawText(c.tag.atom) {
			c.raw = c.tag.atom
		}
	}
	if c.doc != nil {
		c.sub = newConv(bytes.NewReader(c.doc), c.lim, c.nest+1)
		c.sub.trace = c.trace
		c.doc = nil
		c.o.pieceStart()
	}
	return ok
}

// attr is the tag parser's sink: it notes what tree construction needs
// and writes the value as a side piece.
func (c *conv) attr(key, val []byte) {
	t := &c.tag
	switch string(key) {
	case "style":
		if t.seen&seenStyle == 0 {
			t.seen |= seenStyle
			t.disp = styleDisplay(val)
		}
	case "hidden":
		t.hidden = true
	case "open":
		t.open = true
	case "encoding":
		if t.seen&seenEncoding == 0 {
			t.seen |= seenEncoding
			t.htmlEncoding = bytes.EqualFold(val, []byte("text/html")) || bytes.EqualFold(val, []byte("application/xhtml+xml"))
		}
	case "color", "face", "size":
		t.fontBreak = true
	}
	if !hasNonSpace(val) {
		return
	}
	switch k := attrKindOf(key); k {
	case akText:
		c.sidePiece(val)
	case akURL:
		c.scratch = appendURLText(c.scratch[:0], val)
		c.sidePiece(c.scratch)
	case akSrcdoc:
		if c.nest < c.lim.MaxNesting && c.doc == nil {
			c.doc = bytes.Clone(val)
		} else {
			c.sidePiece(val)
		}
	default:
		if !presentational(k, val) {
			c.sidePiece(val)
		}
	}
}

// attrPart writes a value longer than MaxTokenBytes as it comes, as
// written (no URL decoding, no srcdoc conversion).
func (c *conv) attrPart(key, part []byte, last bool) {
	if !c.inPart {
		c.inPart = true
		c.o.pieceStart()
	}
	c.o.piecePart(part)
	if last {
		c.inPart = false
		c.o.pieceEnd()
	}
}

// sidePiece writes b as a side piece of its own.
func (c *conv) sidePiece(b []byte) {
	if hasNonSpace(b) {
		c.o.piece(b)
	}
}

// text handles character data: rendered where the position says, with
// NUL dropped in HTML and replaced in foreign content, as the tree
// builder does.
func (c *conv) text(b []byte) {
	if c.foreignToken(tokText, 0) {
		b = replaceNUL(b)
	} else {
		b = dropNUL(b)
	}
	if len(b) == 0 {
		return
	}
	t := c.textTarget()
	if top := c.st.top(); top != nil && top.tableish() && !t.side && !hasNonSpace(b) {
		// White space directly in a table stays in the table.
		t = c.targetOf(&c.st.e[top.table])
	}
	c.textIn(t, b)
}

// rawText handles the content of a raw text or RCDATA element. The
// tokenizer has replaced NUL. Textarea, xmp and plaintext show it; the
// others (script, style, title, iframe, noembed, noframes, noscript) do
// not, so it is a side piece.
func (c *conv) rawText(el atom.Atom, b []byte) {
	switch el {
	case atom.Textarea, atom.Xmp, atom.Plaintext:
		c.textIn(c.textTarget(), b)
	default:
		c.sidePiece(b)
	}
}

// stepSub hands out part of the text of a document inside this one.
func (c *conv) stepSub() {
	if c.subBuf == nil {
		c.subBuf = make([]byte, 32<<10)
	}
	n, err := c.sub.Read(c.subBuf)
	c.o.piecePart(c.subBuf[:n])
	if err != nil {
		c.sub = nil
		c.o.pieceEnd()
		if errors.Is(err, ErrOutputLimit) {
			c.o.full = true
		}
	}
}

// hashName is FNV-1a of a lower-cased tag name, for matching end tags.
func hashName(b []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range b {
		h ^= uint64(c)
		h *= 1099511628211
	}
	return h
}

func nameHash(s string) uint64 { return hashName([]byte(s)) }
