// Package htmltext turns HTML into the text a scanner must see: what a
// browser shows, and everything else that leaves with the mail.
//
// NewReader streams the text of an HTML document. The document is
// tokenized by golang.org/x/net/html's Tokenizer, which implements the
// HTML tokenization algorithm browsers follow, so comments, raw text and
// RCDATA (<script>, <style>, <textarea>, <title>, <xmp>, <iframe>,
// <noscript>, <plaintext>), bogus comments (<!x>, <?x>, </ x>), CDATA
// sections and character references end exactly where a browser ends
// them: "<!-->" and "<!--->" are empty comments, "--!>" closes a comment,
// a comment never closed runs to the end, "<!--" inside a script hides a
// "</script>" only in the way the spec says. The tokenizer is told what
// only tree construction knows: whether the current node is SVG or MathML
// (where <![CDATA[ opens text and <title> or <style> do not start raw
// text), following the HTML integration points (foreignObject, desc,
// title, annotation-xml with an HTML encoding) and MathML text
// integration points (mi, mo, mn, ms, mtext), and the start tags that
// break out of foreign content.
//
// What comes out, on separate lines so no piece runs into a word:
//
//   - Rendered text, character references decoded, white space as
//     written (but for white space alone at the start of a line).
//     Elements that are inline in the browser's default style sheet (a,
//     b, span, font, img, label, unknown and custom elements such as
//     Office's o:p ...) do not split words: "Ya<b>mada</b>" is
//     "Yamada". Block-level elements, table parts, list items, form
//     controls and <br> end a line. A start or end tag a browser ignores
//     (a stray </div>, a <td> outside a table) ends nothing, and text a
//     table foster-parents (text directly in a table, outside a cell) is
//     written where the browser shows it: joined with the text in front of
//     the table. A style attribute's display (and display: none,
//     visibility: hidden, font-size: 0, opacity: 0) is honoured; style
//     sheets are not applied.
//   - Side pieces, on lines of their own: attribute values (every
//     attribute, class and id included, but presentation ones such as
//     width or align whose value has the shape such a value has), with
//     URLs percent-decoded, mailto: split into address and fields and
//     text data: URLs decoded; comments; doctypes; the raw text of
//     script, style, title, iframe, noembed, noframes and noscript; text
//     that is not rendered (display: none, hidden, <template>, ruby
//     annotations, SVG titles); attributes of end tags and repeated
//     attributes, which a browser drops but the mail carries; an
//     unfinished tag at the end. A side piece that comes in
//     the middle of a rendered line is written after the line (up to
//     256 KiB held), so "山<!-- x -->田" gives "山田" and then "x"; the
//     same holds inside a line of hidden text.
//   - Documents inside the document: an iframe's srcdoc, and the content
//     of <noscript> read as HTML (as a mail client without scripts shows
//     it), converted in turn, up to Limits.MaxNesting deep.
//
// # Limits
//
// Memory is bounded for any input. html.Parse was measured and not used:
// the tree of a 1 MB and of a 20 MB table-heavy mail body took 7.4 times
// the input in live heap (7.6 MB and 155 MB), and parts may be 50 MiB.
// The tokenizer streams, with a bounded stack of open elements
// (MaxDepth) and the steps of tree construction that decide where a word
// ends (tree.go); the others move elements, not text. The tokenizer
// holds one token at a time, up to MaxTokenBytes; a longer
// token (a 10 MB comment or attribute, an unclosed script or textarea, a
// page of text without a tag) is read again from its first byte by this
// package's own state machine for that kind of token and handed out in
// parts, so none of its text is lost (see longTok). Output stops at
// MaxOutput with ErrOutputLimit. Time is linear in the input; Read
// returns as soon as it has text, and the caller's deadline applies
// between reads.
//
// Errors from the underlying reader are returned by Read after the text
// before them.
package htmltext

import (
	"errors"
	"io"
)

// ErrOutputLimit is returned by Read when the text reached
// Limits.MaxOutput: the rest of the document was not converted.
var ErrOutputLimit = errors.New("htmltext: output limit reached")

// Limits bound one conversion. Zero fields take defaults.
type Limits struct {
	// MaxOutput is the number of bytes of text produced, documents in
	// the document included (default 64 MiB; the caller also cuts).
	MaxOutput int64
	// MaxDepth is the depth of the stack of open elements that is
	// tracked (default 512, Chromium's limit on DOM depth). Deeper
	// elements are counted but not matched with their end tags.
	MaxDepth int
	// MaxNesting is how deep srcdoc and noscript documents are converted
	// inside one another (default 3; negative: not at all). A document
	// deeper than that is written as it is, as a side piece.
	MaxNesting int
	// MaxTokenBytes is the longest token the tokenizer holds (default 1
	// MiB, at least 32). A longer token is read in parts, not dropped;
	// attribute values longer than this are written as they are (not
	// URL-decoded, not converted as srcdoc).
	MaxTokenBytes int
}

// Defaults.
const (
	DefaultMaxOutput     = 64 << 20
	DefaultMaxDepth      = 512
	DefaultMaxNesting    = 3
	DefaultMaxTokenBytes = 1 << 20
	minTokenBytes        = 32
)

func (l Limits) withDefaults() Limits {
	if l.MaxOutput <= 0 {
		l.MaxOutput = DefaultMaxOutput
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultMaxDepth
	}
	switch {
	case l.MaxNesting == 0:
		l.MaxNesting = DefaultMaxNesting
	case l.MaxNesting < 0:
		l.MaxNesting = 0
	}
	if l.MaxTokenBytes <= 0 {
		l.MaxTokenBytes = DefaultMaxTokenBytes
	}
	l.MaxTokenBytes = max(l.MaxTokenBytes, minTokenBytes)
	return l
}

// NewReader returns a reader of the text in the HTML read from r, which
// must be UTF-8 (the caller decodes other charsets first).
func NewReader(r io.Reader, lim Limits) io.Reader {
	return newConv(r, lim.withDefaults(), 0)
}
