// Package office extracts the text of Office Open XML (docx, xlsx, pptx)
// and OpenDocument (odt, ods, odp) documents.
//
// A document is a zip package of XML members; this package does not read
// zip itself but takes a Package (package archive provides one, with its
// expansion limits). The members that carry text are streamed with
// encoding/xml tokens, never unmarshalled whole, and their character data
// is handed out with a separator after every paragraph, cell, row and
// line break, so values in adjacent cells never fuse.
//
// What is read:
//   - docx: word/document.xml, then headers, footers, footnotes, endnotes
//     and comments. Deleted text of tracked changes is read too.
//   - xlsx: the shared strings (with their phonetic readings), then every
//     worksheet's inline strings and cell values, numbers included (a phone
//     number or an ID is often a numeric cell), then comments. Shared
//     strings are handed out once, as a list, rather than looked up per
//     cell, so no table is held in memory.
//   - pptx: slides, then notes, then comments.
//   - odt, ods, odp: content.xml (paragraphs, headings, spans, table
//     cells and their office:value, annotations), then styles.xml (page
//     headers and footers).
//
// Encrypted OOXML is not a zip but an OLE compound file; callers recognise
// it before they get here (see package archive's Sniff).
package office

import (
	"encoding/xml"
	"errors"
	"io"
	"path"
	"slices"
	"strings"
)

// Kind is a document format.
type Kind int

// Kinds.
const (
	None Kind = iota
	DOCX
	XLSX
	PPTX
	ODT
	ODS
	ODP
)

var kindNames = [...]string{"none", "docx", "xlsx", "pptx", "odt", "ods", "odp"}

func (k Kind) String() string {
	if k < 0 || int(k) >= len(kindNames) {
		return "none"
	}
	return kindNames[k]
}

// extensions maps file name extensions (templates and macro-enabled
// variants included) to kinds.
var extensions = map[string]Kind{
	".docx": DOCX, ".docm": DOCX, ".dotx": DOCX, ".dotm": DOCX,
	".xlsx": XLSX, ".xlsm": XLSX, ".xltx": XLSX, ".xltm": XLSX,
	".pptx": PPTX, ".pptm": PPTX, ".ppsx": PPTX, ".ppsm": PPTX, ".potx": PPTX, ".potm": PPTX,
	".odt": ODT, ".ott": ODT, ".fodt": None,
	".ods": ODS, ".ots": ODS,
	".odp": ODP, ".otp": ODP,
}

// KindOf returns the kind a file name says, or None.
func KindOf(filename string) Kind {
	return extensions[strings.ToLower(path.Ext(filename))]
}

// IsOOXMLName reports whether the file name is an Office Open XML one,
// whose content must be a zip; an OLE file under such a name is an
// encrypted document.
func IsOOXMLName(filename string) bool {
	k := KindOf(filename)
	return k == DOCX || k == XLSX || k == PPTX
}

// Package is the zip container of a document.
type Package interface {
	// Names lists the members.
	Names() []string
	// Open returns the content of the named member.
	Open(name string) (io.ReadCloser, error)
}

// Detect returns the kind of document pkg holds, from its members, or
// None.
func Detect(pkg Package) Kind {
	names := pkg.Names()
	has := func(n string) bool { return slices.Contains(names, n) }
	switch {
	case has("word/document.xml"):
		return DOCX
	case has("xl/workbook.xml"):
		return XLSX
	case has("ppt/presentation.xml"):
		return PPTX
	case has("mimetype") && has("content.xml"):
		rc, err := pkg.Open("mimetype")
		if err != nil {
			return None
		}
		defer rc.Close()
		b, _ := io.ReadAll(io.LimitReader(rc, 100))
		mt := strings.TrimSpace(string(b))
		switch {
		case strings.HasPrefix(mt, "application/vnd.oasis.opendocument.text"):
			return ODT
		case strings.HasPrefix(mt, "application/vnd.oasis.opendocument.spreadsheet"):
			return ODS
		case strings.HasPrefix(mt, "application/vnd.oasis.opendocument.presentation"):
			return ODP
		}
	}
	return None
}

// members returns the members of pkg that carry text for kind k, in
// reading order.
// Members returns the members of a package of kind k, from its member
// names, whose text a Reader hands out, in the order it reads them. The
// others (embedded packages, media, custom XML, anything added) are not
// read by a Reader; a caller that must account for every byte walks them.
func Members(k Kind, names []string) []string { return members(k, names) }

func members(k Kind, names []string) []string {
	var groups [][]string
	pick := func(dir, prefix string) []string {
		var out []string
		for _, n := range names {
			if path.Dir(n) == dir && strings.HasPrefix(path.Base(n), prefix) && strings.HasSuffix(n, ".xml") {
				out = append(out, n)
			}
		}
		// slide2 before slide10.
		slices.SortFunc(out, func(a, b string) int {
			if len(a) != len(b) {
				return len(a) - len(b)
			}
			return strings.Compare(a, b)
		})
		return out
	}
	exact := func(n string) []string {
		if slices.Contains(names, n) {
			return []string{n}
		}
		return nil
	}
	switch k {
	case DOCX:
		groups = [][]string{exact("word/document.xml"), pick("word", "header"), pick("word", "footer"),
			exact("word/footnotes.xml"), exact("word/endnotes.xml"), pick("word", "comments")}
	case XLSX:
		groups = [][]string{exact("xl/sharedStrings.xml"), pick("xl/worksheets", "sheet"), pick("xl", "comments")}
	case PPTX:
		groups = [][]string{pick("ppt/slides", "slide"), pick("ppt/notesSlides", "notesSlide"), pick("ppt/comments", "")}
	case ODT, ODS, ODP:
		groups = [][]string{exact("content.xml"), exact("styles.xml")}
	}
	var out []string
	for _, g := range groups {
		out = append(out, g...)
	}
	return out
}

// MaxTokenBytes bounds one XML token (a run of text, a tag with its
// attributes): encoding/xml holds a token in memory whole, so a longer one
// ends its member, which is then Damaged.
const MaxTokenBytes = 8 << 20

var errTokenTooBig = errors.New("office: XML token too large")

// Reader hands out the text of a document.
type Reader struct {
	kind    Kind
	pkg     Package
	members []string
	cur     io.ReadCloser
	dec     *xml.Decoder
	st      state
	buf     []byte // text not yet read: buf[off:]
	off     int
	err     error // returned once buf is read
	pkgErr  error // the package's read error inside the current member
	damaged bool
	// sinceToken is the input read since the last token: encoding/xml
	// holds a whole token in memory.
	sinceToken int64
}

// NewReader returns a reader of the text of the kind k document in pkg.
// Reading fails with the first error of pkg (opening or reading a member);
// a member that is not well-formed XML is read up to the damage and
// recorded by Damaged.
func NewReader(k Kind, pkg Package) *Reader {
	return &Reader{kind: k, pkg: pkg, members: members(k, pkg.Names())}
}

// Damaged reports whether some member was not well-formed XML.
func (r *Reader) Damaged() bool { return r.damaged }

func (r *Reader) Read(p []byte) (int, error) {
	for r.off == len(r.buf) {
		r.buf, r.off = r.buf[:0], 0
		if r.err != nil {
			return 0, r.err
		}
		r.step()
	}
	n := copy(p, r.buf[r.off:])
	r.off += n
	return n, nil
}

// step handles one token, opening the next member when needed.
func (r *Reader) step() {
	if r.dec == nil {
		if len(r.members) == 0 {
			r.err = io.EOF
			return
		}
		name := r.members[0]
		r.members = r.members[1:]
		rc, err := r.pkg.Open(name)
		if err != nil {
			r.err = err
			return
		}
		r.cur, r.pkgErr = rc, nil
		r.dec = xml.NewDecoder(&errKeeper{r: rc, owner: r})
		r.dec.Strict = false
		r.st = state{}
		return
	}
	r.sinceToken = 0
	tok, err := r.dec.RawToken()
	if err != nil {
		r.cur.Close()
		r.cur, r.dec = nil, nil
		switch {
		case r.pkgErr != nil:
			r.err = r.pkgErr
		case err != io.EOF:
			r.damaged = true // not well-formed: go on with the next member
		}
		// Members are separated like paragraphs.
		r.emit("\n")
		return
	}
	r.token(tok)
}

// errKeeper remembers the package's read error, which xml.Decoder would
// otherwise report as its own.
type errKeeper struct {
	r     io.Reader
	owner *Reader
}

func (e *errKeeper) Read(p []byte) (int, error) {
	if e.owner.sinceToken > MaxTokenBytes {
		return 0, errTokenTooBig
	}
	n, err := e.r.Read(p)
	e.owner.sinceToken += int64(n)
	if err != nil && err != io.EOF && e.owner.pkgErr == nil {
		e.owner.pkgErr = err
	}
	return n, err
}

// state is what a member's reader remembers between tokens.
type state struct {
	skip      int  // depth inside elements whose text is not read
	sharedRef bool // inside an xlsx cell whose value is a shared-string index
}

func (r *Reader) emit(s string) { r.buf = append(r.buf, s...) }

// Element local names and what their start or end adds to the text.
var (
	// newlineAfter: paragraphs, rows, line breaks, list items.
	newlineAfter = map[string]bool{
		"p": true, "h": true, "br": true, "cr": true, "tr": true, "row": true,
		"si": true, "table-row": true, "line-break": true, "list-item": true,
		"comment": true, "annotation": true, "txBody": true, "note": true,
	}
	// tabAfter: cells and tabs.
	tabAfter = map[string]bool{"tc": true, "c": true, "table-cell": true, "covered-table-cell": true, "tab": true, "ptab": true}
	// spaceAround: text that sits next to other text (phonetic readings,
	// ODF runs of spaces).
	spaceAround = map[string]bool{"rPh": true, "s": true, "ruby": true, "rt": true}
	// skipped: elements whose character data is not text: formulas, field
	// codes' cached state, style and number-format definitions.
	skipped = map[string]bool{
		"f": true, "font-face-decls": true, "automatic-styles": true, "number-style": true,
		"date-style": true, "time-style": true, "currency-style": true, "percentage-style": true,
	}
)

func (r *Reader) token(tok xml.Token) {
	switch t := tok.(type) {
	case xml.StartElement:
		name := t.Name.Local
		if r.st.skip > 0 || skipped[name] {
			r.st.skip++
			return
		}
		if spaceAround[name] {
			r.emit(" ")
		}
		switch name {
		case "c": // xlsx cell: t="s" means the value indexes shared strings.
			r.st.sharedRef = attr(t, "t") == "s"
		case "v":
			if r.st.sharedRef {
				r.st.skip++
			}
		case "table-cell", "covered-table-cell": // ODF: the typed value.
			if v := attrNS(t, "office", "value"); v != "" {
				r.emit(v)
				r.emit(" ")
			}
		}
	case xml.EndElement:
		name := t.Name.Local
		if r.st.skip > 0 {
			r.st.skip--
			return
		}
		switch {
		case newlineAfter[name]:
			r.emit("\n")
		case tabAfter[name]:
			r.emit("\t")
		case spaceAround[name]:
			r.emit(" ")
		}
	case xml.CharData:
		if r.st.skip == 0 {
			r.buf = append(r.buf, t...)
		}
	}
}

func attr(t xml.StartElement, local string) string {
	for _, a := range t.Attr {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

func attrNS(t xml.StartElement, prefix, local string) string {
	for _, a := range t.Attr {
		if a.Name.Local == local && a.Name.Space == prefix {
			return a.Value
		}
	}
	return ""
}
