// Package pdf extracts the text layer of PDF files for scanning.
//
// The object layer (cross-reference tables and streams, object streams,
// stream filters, RC4/AES-128 decryption with the empty user password) is
// github.com/ledongthuc/pdf, a maintained pure-Go fork of rsc.io/pdf;
// README.md beside this file says why it was chosen and what it cannot read.
// Everything that handles attacker-sized data is here, with limits: the
// page-tree walk (walkPages), the content-stream lexer (lexer.go), the
// ToUnicode CMap reader (cmap.go), the predefined CJK CMaps (cjk.go), and a
// preflight pass over the raw file (guard.go) that refuses the inputs that
// make the library exhaust memory, overflow its stack or loop forever. Text
// goes to the writer as it is decoded, never as a whole page in memory.
//
// Output: the text of each page followed by a newline; text objects, lines
// and positioned runs are separated by a single space. Japanese text keeps
// its own spaces, but a run break inside a CJK word (LibreOffice starts a new
// run at every change of script, "第" "1" "章") becomes a space too, so a
// matcher for CJK values should ignore spaces.
package pdf

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	lpdf "github.com/ledongthuc/pdf"
)

// Errors returned by Extract. Any other error comes from the writer.
var (
	// ErrEncrypted: the file is encrypted and cannot be opened without a
	// password, or with an encryption the library does not implement
	// (AES-256, public-key security handlers). A file that is encrypted
	// only to restrict permissions (empty user password, RC4 or AES-128)
	// is decrypted and read.
	ErrEncrypted = errors.New("pdf: encrypted")
	// ErrUnsupported: the file uses a feature the library cannot parse
	// (an encryption or stream filter it does not implement), or exceeds a
	// limit of this package (MaxSize, MaxDepth, MaxObjects, MaxXrefEntries).
	ErrUnsupported = errors.New("pdf: unsupported feature")
	// ErrCorrupt: the file is not a PDF or is broken; also any panic of the
	// library on bad input.
	ErrCorrupt = errors.New("pdf: corrupt")
)

const (
	// MaxSize is the largest file Extract opens. The library reads the
	// file through the io.ReaderAt as it needs it (it does not load it
	// whole), so this bounds work rather than memory.
	MaxSize = 256 << 20
	// MaxDepth bounds the nesting of the page tree and of form XObjects
	// (a form drawing a form ...). Deeper nesting is ErrUnsupported.
	MaxDepth = 32
	// MaxObjects bounds the page-tree nodes and form XObject uses one file
	// may make Extract visit: the library gives no object identity to
	// detect a cycle with, and a Kids array that repeats a node doubles the
	// work at each level. More is ErrUnsupported.
	MaxObjects = 1 << 16
	// checkEvery is how many content-stream operators run between two
	// looks at the context.
	checkEvery = 512
)

// Extract writes the text layer of the PDF file r (size bytes) to w as UTF-8:
// the text of each page followed by "\n", runs separated by spaces.
//
// It stops after maxBytes bytes of output (maxBytes <= 0 means no limit) and
// returns nil: the caller sees the limit in the count it wrote. It returns
// ctx.Err() when ctx is done, checked between pages and every few hundred
// content operators. A PDF without a text layer (a scan) yields no text and
// no error.
//
// Errors: ErrEncrypted, ErrUnsupported and ErrCorrupt (wrapped, test with
// errors.Is), or the error of w. Extract never panics: a panic of the
// library on broken input becomes ErrCorrupt.
func Extract(ctx context.Context, r io.ReaderAt, size int64, w io.Writer, maxBytes int64) (err error) {
	if err := ctx.Err(); err != nil {
		return err
	}
	if size > MaxSize {
		return fmt.Errorf("%w: file of %d bytes is larger than %d", ErrUnsupported, size, MaxSize)
	}
	x := &extractor{ctx: ctx, out: &limitWriter{w: w, left: maxBytes, unlimited: maxBytes <= 0}, last: '\n'}
	defer func() {
		p := recover()
		if p == nil {
			return
		}
		if s, ok := p.(stop); ok {
			err = s.err
			return
		}
		err = classify(fmt.Errorf("%v", p))
	}()
	if err := preflight(r, size); err != nil {
		return err
	}
	rd, err := lpdf.NewReader(r, size)
	if err != nil {
		return classify(err)
	}
	root := rd.Trailer().Key("Root").Key("Pages")
	if root.IsNull() {
		return fmt.Errorf("%w: no page tree", ErrCorrupt)
	}
	x.walkPages(root, lpdf.Value{}, 0)
	return nil
}

// stop unwinds the content interpreter (which has no way to stop early):
// err is what Extract returns, nil for the output limit.
type stop struct{ err error }

// classify maps an error or panic text of the library to ErrEncrypted,
// ErrUnsupported or ErrCorrupt. The library has one exported error
// (ErrInvalidPassword); the rest are formatted strings.
func classify(err error) error {
	if errors.Is(err, lpdf.ErrInvalidPassword) {
		return fmt.Errorf("%w: %v", ErrEncrypted, err)
	}
	msg := err.Error()
	switch {
	case strings.Contains(msg, "encrypt"), strings.Contains(msg, "password"):
		return fmt.Errorf("%w: %v", ErrEncrypted, err)
	case strings.Contains(msg, "unsupported"):
		return fmt.Errorf("%w: %v", ErrUnsupported, err)
	}
	return fmt.Errorf("%w: %v", ErrCorrupt, err)
}

type extractor struct {
	ctx  context.Context
	out  *limitWriter
	last byte // last byte written, to avoid doubled separators
	sep  bool // a space is due before the next text
	ops  int
	objs int // page-tree nodes and forms visited, see MaxObjects
}

// visit counts one page-tree node or form against MaxObjects.
func (x *extractor) visit(depth int) {
	x.objs++
	if x.objs > MaxObjects {
		panic(stop{fmt.Errorf("%w: more than %d pages and forms", ErrUnsupported, MaxObjects)})
	}
	if depth > MaxDepth {
		panic(stop{fmt.Errorf("%w: pages or forms nested deeper than %d", ErrUnsupported, MaxDepth)})
	}
	x.check()
}

func (x *extractor) check() {
	if err := x.ctx.Err(); err != nil {
		panic(stop{err})
	}
}

// walkPages visits the page tree in order. Resources are inherited from
// the Pages nodes above a page (PDF 32000-1 7.7.3.4).
func (x *extractor) walkPages(node, res lpdf.Value, depth int) {
	x.visit(depth)
	if r := node.Key("Resources"); r.Kind() == lpdf.Dict {
		res = r
	}
	kids := node.Key("Kids")
	if node.Key("Type").Name() == "Pages" || kids.Kind() == lpdf.Array {
		for i := 0; i < kids.Len(); i++ {
			x.walkPages(kids.Index(i), res, depth+1)
		}
		return
	}
	x.content(node.Key("Contents"), res, 0)
	x.sep = false
	x.write("\n")
}

// write sends s to the output, stopping the walk at the limit.
func (x *extractor) write(s string) {
	if s == "" {
		return
	}
	if err := x.out.writeString(s); err != nil {
		panic(stop{err})
	}
	x.last = s[len(s)-1]
	if x.out.full() {
		panic(stop{nil})
	}
}

// space asks for a space before the next text, unless one is there.
func (x *extractor) space() { x.sep = true }

// text writes decoded text, after the space asked for.
func (x *extractor) text(s string) {
	if s == "" {
		return
	}
	if x.sep && x.last != ' ' && x.last != '\n' && s[0] != ' ' {
		x.write(" ")
	}
	x.sep = false
	x.write(s)
}

// content interprets one content stream (or array of streams) and writes
// the text its text-showing operators draw. Form XObjects are followed.
func (x *extractor) content(strm, res lpdf.Value, depth int) {
	rd := streamReader(strm)
	if rd == nil {
		return
	}
	fonts := map[string]lpdf.TextEncoding{}
	enc := x.encoding(lpdf.Value{}) // until the first Tf (a broken stream)
	show := func(raw string) {
		x.text(strings.ToValidUTF8(strings.Map(dropControl, enc.Decode(raw)), ""))
	}
	lx := newLexer(rd, x.check)
	lx.run(maxOperands, func(op string, args []operand) {
		x.ops++
		if x.ops%checkEvery == 0 {
			x.check()
		}
		n := len(args)
		switch op {
		case "BT", "ET", "Td", "TD", "T*", "Tm":
			x.space()
		case "Tf":
			if n < 2 || args[n-2].kind != opName {
				return
			}
			name := args[n-2].str
			e, ok := fonts[name]
			if !ok {
				e = x.encoding(res.Key("Font").Key(name))
				fonts[name] = e
			}
			enc = e
		case "Tj":
			if n >= 1 && args[n-1].kind == opString {
				show(args[n-1].str)
			}
		case "'", "\"":
			x.space()
			if n >= 1 && args[n-1].kind == opString {
				show(args[n-1].str)
			}
		case "TJ":
			if n < 1 {
				return
			}
			for _, v := range args[n-1].arr {
				switch v.kind {
				case opString:
					show(v.str)
				case opNumber:
					// A large negative displacement is how many
					// producers (TeX, Word) draw a word space.
					if v.num < -250 {
						x.space()
					}
				}
			}
		case "Do":
			if n < 1 || args[n-1].kind != opName {
				return
			}
			xo := res.Key("XObject").Key(args[n-1].str)
			if xo.Kind() != lpdf.Stream || xo.Key("Subtype").Name() != "Form" {
				return // images have no text
			}
			x.visit(depth + 1)
			fres := xo.Key("Resources")
			if fres.Kind() != lpdf.Dict {
				fres = res
			}
			x.space()
			x.content(xo, fres, depth+1)
			x.space()
		}
	})
	if lx.err != nil {
		panic(stop{fmt.Errorf("%w: content stream: %v", ErrCorrupt, lx.err)})
	}
}

// streamReader returns the decoded data of a stream, or of an array of
// streams read one after the other (7.8.2), nil if there is none.
func streamReader(v lpdf.Value) io.Reader {
	switch v.Kind() {
	case lpdf.Stream:
		return v.Reader()
	case lpdf.Array:
		var rs []io.Reader
		for i := 0; i < v.Len(); i++ {
			if s := v.Index(i); s.Kind() == lpdf.Stream {
				rs = append(rs, s.Reader(), strings.NewReader("\n"))
			}
		}
		return io.MultiReader(rs...)
	}
	return nil
}

// encoding returns the decoder of a font dictionary. A ToUnicode CMap is
// read by parseToUnicode; without one, a predefined CJK CMap is decoded by
// predefinedCMap, else the library's choice (WinAnsi,
// MacRoman, Differences, else the PDFDocEncoding bytes), which reads no
// stream. A missing font gets the PDFDocEncoding bytes, so ASCII still
// comes through.
func (x *extractor) encoding(font lpdf.Value) lpdf.TextEncoding {
	if tu := font.Key("ToUnicode"); tu.Kind() == lpdf.Stream {
		if m := parseToUnicode(tu.Reader(), x.check); m.n > 0 {
			return m
		}
		return pdfDocEncoding() // an empty or broken CMap
	}
	if e := font.Key("Encoding"); e.Kind() == lpdf.Name && font.Key("Subtype").Name() == "Type0" {
		if d := predefinedCMap(e.Name()); d != nil {
			return d
		}
	}
	if e := font.Key("Encoding"); e.Kind() != lpdf.Name && e.Kind() != lpdf.Dict || e.Name() == "Identity-H" {
		// The library would look for a ToUnicode stream; there is
		// none, so it would use the PDFDocEncoding bytes.
		return pdfDocEncoding()
	}
	f := lpdf.Font{V: font}
	return f.Encoder()
}

// pdfDocEncoding is the library's decoder for a font without encoding
// information: bytes as PDFDocEncoding (ASCII survives).
func pdfDocEncoding() lpdf.TextEncoding {
	var f lpdf.Font
	return f.Encoder()
}

// dropControl removes C0 controls other than tab and newline: they are what
// an unmapped glyph code decodes to and only add noise.
func dropControl(r rune) rune {
	if r < 0x20 && r != '\t' && r != '\n' || r == 0x7f || r == '\uFFFD' {
		return -1
	}
	if r == '\t' || r == '\n' {
		return ' '
	}
	return r
}

// limitWriter writes at most left bytes to w, cutting at a UTF-8 boundary.
type limitWriter struct {
	w         io.Writer
	left      int64
	unlimited bool
}

func (l *limitWriter) full() bool { return !l.unlimited && l.left <= 0 }

func (l *limitWriter) writeString(s string) error {
	if !l.unlimited {
		if int64(len(s)) > l.left {
			cut := int(l.left)
			for cut > 0 && cut < len(s) && s[cut]&0xC0 == 0x80 {
				cut--
			}
			s = s[:cut]
			l.left = 0
		} else {
			l.left -= int64(len(s))
		}
	}
	if s == "" {
		return nil
	}
	_, err := io.WriteString(l.w, s)
	return err
}
