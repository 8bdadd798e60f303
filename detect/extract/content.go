package extract

import (
	"bufio"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"strings"

	"golang.org/x/text/encoding/unicode"

	"github.com/dlprelay/dlprelay/detect/archive"
	"github.com/dlprelay/dlprelay/detect/cms"
	"github.com/dlprelay/dlprelay/detect/media"
	"github.com/dlprelay/dlprelay/detect/openpgp"
	"github.com/dlprelay/dlprelay/detect/printable"
	"github.com/dlprelay/dlprelay/detect/sqlite"
	"github.com/dlprelay/dlprelay/detect/textsniff"
)

// This file decides what the bytes of a leaf entity or an archive member
// are, and reads them accordingly: every part gets a Disposition, and
// what cannot be read is an Unscannable entry, never passed over.
//
// The order: a format by its signature (archives, documents, PDF,
// compound files, S/MIME, media), then text (any charset the walker
// knows, UTF-16 with or without a byte order mark; a message, HTML or
// plain text), and otherwise unidentified binary, whose printable runs
// are scanned and which is reported as ReasonBinary. A format reader that
// fails (corrupt, unsupported) falls back to the printable runs too.

// hint is what the header of a part, or an archive member's name, says
// about it. It only breaks ties (a declared charset, HTML or text) and
// labels the report.
type hint struct {
	mediaType string // declared media type, lower case; "" for archive members
	name      string // file name
	charset   string // declared charset parameter
}

func (h hint) declaredText() bool { return isText(h.mediaType, h.name) }

func (h hint) html() bool { return isHTML(h.mediaType, h.name) }

// content reads the bytes r of the leaf at path (Part idx) and dispatches
// them by what they are. adepth and exp describe the archive the part is
// in, if any (see walker.adepth).
func (w *walker) content(idx int, path string, depth, adepth int, exp *archive.Expansion, r io.Reader, h hint) {
	br := getReader(r, sniffBytes)
	defer putReader(br)
	head, err := br.Peek(sniffBytes)
	whole := err != nil
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull && len(head) == 0 {
		// The content cannot be read at all (a damaged archive member).
		w.setDisposition(idx, DispNone, "")
		w.readFailed(idx, path, err)
		return
	}
	if f := sniffFormat(head); f.class != classNone {
		w.format(idx, path, depth, adepth, exp, br, h, f)
		return
	}
	if len(head) == 0 {
		w.setDisposition(idx, DispText, "")
		return
	}
	if whole && isArmoredSignature(head, w.pgpLimits()) {
		w.setDisposition(idx, DispSignature, "openpgp-signature")
		return
	}
	ts := textsniff.Detect(head, whole)
	switch {
	case ts.Text && (textsniff.LooksLikeMessage(head) || strings.EqualFold(pathExt(h.name), ".eml")) && !h.html():
		w.embeddedMessage(idx, path, depth, br)
	case ts.Text:
		w.textPart(idx, path, depth, adepth, exp, br, h, ts)
	case h.declaredText() && knownLabel(h.charset):
		// Text in a single-byte charset the sniff cannot tell from
		// binary (Latin-1, Windows-1252, KOI8-R ...): the declared
		// charset is believed.
		w.textPart(idx, path, depth, adepth, exp, br, h, textsniff.Result{Text: true})
	case ts.Reason == textsniff.ReasonUndecodable:
		// No NUL bytes, few controls, but neither UTF-8 nor a Japanese
		// charset: 8-bit text in a single-byte charset (Latin-1,
		// Windows-1252), read as Windows-1252, where every byte is a
		// character.
		h.charset = "windows-1252"
		w.textPart(idx, path, depth, adepth, exp, br, h, textsniff.Result{Text: true})
		w.note(idx, NoteCharsetGuessed)
	case openpgp.Sniff(head) != "":
		w.pgpBinary(idx, path, depth, adepth, exp, br, isPGPHint(h))
	default:
		w.stringsOf(idx, path, br, binaryKind(head), ReasonBinary)
	}
}

// format reads a part whose first bytes are a known format's signature.
func (w *walker) format(idx int, path string, depth, adepth int, exp *archive.Expansion, br io.Reader, h hint, f format) {
	switch f.class {
	case classZip:
		w.container(idx, path, depth, adepth, exp, br, archive.Zip, h.name)
	case classGzip:
		w.gzip(idx, path, depth, adepth, exp, br, h.name)
	case classTar:
		if adepth+1 > w.lim.MaxArchiveDepth {
			w.setDisposition(idx, DispNone, f.kind)
			w.unscannable(path, ReasonArchiveDepth)
			return
		}
		w.tar(idx, path, depth, adepth+1, exp, br)
	case classPDF:
		w.pdf(idx, path, br)
	case classOLE:
		w.ole(idx, path, depth, adepth, exp, br, h)
	case classPacked:
		w.stringsOf(idx, path, br, f.kind, ReasonUnsupported)
	case classCMS:
		w.smime(idx, path, depth, adepth, exp, br, h)
	case classMedia:
		w.media(idx, path, depth, adepth, exp, br, f.kind)
	case classSQLite:
		w.database(idx, path, br)
	case classDoc:
		w.docFile(idx, path, depth, adepth, exp, br, f.kind)
	}
}

// ole reads an OLE compound file, told apart by the streams at its top
// level (oleKind). An encrypted OOXML file (an "EncryptedPackage" stream,
// or an unreadable directory under an OOXML name or type) is encrypted;
// a format not read yet has its strings scanned.
func (w *walker) ole(idx int, path string, depth, adepth int, exp *archive.Expansion, r io.Reader, h hint) {
	file, size, ok := w.spoolPart(idx, path, r)
	if !ok {
		w.setDisposition(idx, DispNone, "ole")
		return
	}
	defer file.Close()
	kind := oleKind(file, size)
	if kind == "encrypted-ooxml" || kind == "ole" && isOOXMLHint(h) {
		w.setDisposition(idx, DispNone, kind)
		w.unscannableKind(path, ReasonEncrypted, kind)
		return
	}
	if read := w.oleReader(kind, file, size); read != nil {
		w.docReader(idx, path, depth, adepth, exp, kind, file, size, read.read, read.errs)
		return
	}
	w.stringsOf(idx, path, io.NewSectionReader(file, 0, size), kind, ReasonUnsupported)
}

// database reads the records of a SQLite database file (package sqlite),
// every value a field of its own; deleted rows and free pages too, as
// far as they survive. Damaged pages are reported, and then the file's
// strings are scanned as well.
func (w *walker) database(idx int, path string, r io.Reader) {
	w.setDisposition(idx, DispDatabase, "sqlite")
	file, size, ok := w.spoolPart(idx, path, r)
	if !ok {
		w.setDisposition(idx, DispNone, "sqlite")
		return
	}
	defer file.Close()
	db := sqlite.NewReader(w.ctx, file, size, sqlite.Limits{MaxOutput: w.lim.MaxPartBytes + 1})
	rec := &errRecorder{r: db}
	w.segment(idx, path, rec)
	if w.halted(path) {
		return
	}
	switch err := rec.err; {
	case err == nil:
	case errors.Is(err, sqlite.ErrEncrypted):
		w.setDisposition(idx, DispNone, "sqlite")
		w.unscannableKind(path, ReasonEncrypted, "sqlite")
	case errors.Is(err, sqlite.ErrLimit):
		w.unscannableKind(path, ReasonPartSize, "sqlite")
	default:
		// Damaged pages, or a header that does not read: the strings
		// of the whole file too.
		read := w.rep.Parts[idx].Bytes > 0
		w.unscannableKind(path, ReasonCorrupt, "sqlite")
		w.salvage(idx, path, file, size)
		if read {
			w.setDisposition(idx, DispDatabase, "sqlite")
		}
		w.rep.Parts[idx].Kind = "sqlite"
	}
}

// setDisposition records how Part idx was read and, if the bytes were
// sniffed as something, what they are.
func (w *walker) setDisposition(idx int, d Disposition, kind string) {
	p := &w.rep.Parts[idx]
	p.Disposition = d
	if kind != "" {
		p.Kind = kind
	}
}

// unscannableKind records content at path that was not fully scanned, with
// the format it was sniffed as.
func (w *walker) unscannableKind(path string, r Reason, kind string) {
	w.rep.Unscannable = append(w.rep.Unscannable, Unscannable{Part: path, Reason: r, Kind: kind})
}

// stringsOf scans the printable runs of r (a format not read, or bytes
// that are none) and reports the part with reason.
func (w *walker) stringsOf(idx int, path string, r io.Reader, kind string, reason Reason) {
	w.setDisposition(idx, DispStrings, kind)
	pr := printable.NewReader(r, printable.Limits{MaxOutput: w.lim.MaxPartBytes + 1})
	if err := w.segment(idx, path, pr); err != nil {
		// Reading the bytes failed (an archive member past the
		// expansion limit): that is the reason.
		w.readFailed(idx, path, err)
		return
	}
	w.unscannableKind(path, reason, kind)
}

// salvage scans the printable runs of a spooled part that its reader
// could not read (see stringsOf). The reason was recorded already.
func (w *walker) salvage(idx int, path string, f *os.File, size int64) {
	w.setDisposition(idx, DispStrings, "")
	pr := printable.NewReader(io.NewSectionReader(f, 0, size), printable.Limits{MaxOutput: w.lim.MaxPartBytes + 1})
	w.segment(idx, path, pr)
}

// textPart decodes and scans a text part: the charset the part declares
// (checked against its bytes), else the one the sniff found; HTML is
// rendered; uuencoded files and OpenPGP messages inside plain text become
// parts of their own.
func (w *walker) textPart(idx int, path string, depth, adepth int, exp *archive.Expansion, br io.Reader, h hint, ts textsniff.Result) {
	html := h.html() || !h.declaredText() && looksHTMLReader(br)
	w.setDisposition(idx, DispText, "")
	if html {
		w.setDisposition(idx, DispHTML, "")
	}
	var raw io.Reader = br
	cs := h.charset
	var watch *binaryWatch
	switch ts.Encoding {
	case "utf-16le", "utf-16be":
		order := unicode.LittleEndian
		if ts.Encoding == "utf-16be" {
			order = unicode.BigEndian
		}
		raw = unicode.UTF16(order, unicode.UseBOM).NewDecoder().Reader(br)
		cs = "utf-8"
		w.rep.Parts[idx].Charset = ts.Encoding
		if h.charset == "" || !strings.HasPrefix(strings.ToLower(h.charset), "utf-16") {
			w.rep.Parts[idx].Kind = ts.Encoding
		}
	case "utf-7":
		// Only with clear evidence (textsniff): x/text has no UTF-7.
		if cs == "" {
			cs = "utf-7"
			w.note(idx, NoteCharsetGuessed)
		}
		watch = &binaryWatch{r: br}
		raw = watch
	default:
		// The declared charset, checked against the bytes, or the
		// guess (charsetDecoder).
		watch = &binaryWatch{r: br}
		raw = watch
	}
	var blocks *blockSet
	wrap := func(text io.Reader) io.Reader { return text }
	if !html {
		blocks = &blockSet{w: w}
		wrap = blocks.wrap
	}
	if h.charset != "" {
		w.rep.Parts[idx].Charset = strings.ToLower(h.charset)
	}
	var err error
	if ts.Reason == textsniff.ReasonUTF8 && isUTF8Label(cs) {
		// The sniff found valid UTF-8 and that is what was declared (or
		// nothing was): no conversion, and no second check of the bytes.
		err = w.textSegment(idx, path, raw, html, wrap)
	} else {
		err = w.textDecodedWrapped(idx, path, raw, cs, html, wrap)
	}
	if err != nil {
		w.readFailed(idx, path, err)
	}
	if watch != nil && watch.binary() {
		// Text at the start, binary further on: what the binary bytes
		// hold was read only as text.
		w.unscannableKind(path, ReasonBinary, "text+binary")
	}
	if blocks != nil {
		blocks.dispatch(idx, path, depth, adepth, exp)
	}
}

// binaryWatch counts, in text read through it, the NUL bytes and other
// control characters that text does not have, so a part that is text at
// the start and binary further on is still reported.
type binaryWatch struct {
	r        io.Reader
	n, nul   int64
	controls int64
}

func (b *binaryWatch) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	q := p[:n]
	for len(q) > 0 {
		// Eight bytes at a time while none is below 0x20: most text.
		for len(q) >= 8 && below20(binary.LittleEndian.Uint64(q)) == 0 {
			q = q[8:]
		}
		end := min(len(q), 8)
		for _, c := range q[:end] {
			b.nul += int64(nulByte[c])
			b.controls += int64(controlByte[c])
		}
		q = q[end:]
	}
	b.n += int64(n)
	return n, err
}

// below20 is not 0 when one of the eight bytes of x is below 0x20.
func below20(x uint64) uint64 { return (x - 0x2020202020202020) &^ x & 0x8080808080808080 }

// nulByte and controlByte are 1 for a NUL byte and for the other control
// characters text does not have (not tab, LF, CR, FF or ESC).
var nulByte, controlByte = func() (nul, ctl [256]uint8) {
	nul[0] = 1
	for c := 1; c < 0x20; c++ {
		switch c {
		case '\t', '\n', '\r', '\f', 0x1b:
		default:
			ctl[c] = 1
		}
	}
	return nul, ctl
}()

// binary reports whether the text read was more than a few stray bytes
// away from text: 8 NUL bytes, 64 other controls, or controls past 1 in
// 100 (and 16). Text has none of them; compressed or binary data has
// about 10 in 100.
func (b *binaryWatch) binary() bool {
	bad := b.nul + b.controls
	return b.nul >= 8 || b.controls >= 64 || bad >= 16 && bad*100 > b.n
}

// embeddedMessage reads a part whose bytes are a message (an .eml sent
// as application/octet-stream, a forwarded message pasted as text): its
// entity is path.1, as for message/rfc822.
func (w *walker) embeddedMessage(idx int, path string, depth int, br io.Reader) {
	w.setDisposition(idx, DispMessage, "rfc822")
	if depth+1 > w.lim.MaxDepth {
		w.unscannable(path, ReasonDepth)
		return
	}
	w.entity(path+".1", depth+1, br, "text/plain")
}

// media walks an image, audio, video or font file to its end (package
// media): its metadata text is scanned, and bytes after its end are a
// part of their own. A file whose structure does not walk is corrupt: its
// printable runs are scanned.
func (w *walker) media(idx int, path string, depth, adepth int, exp *archive.Expansion, r io.Reader, kind string) {
	file, size, ok := w.spoolPart(idx, path, r)
	if !ok {
		w.setDisposition(idx, DispNone, kind)
		return
	}
	defer file.Close()
	info, err := media.Identify(w.ctx, file, size, media.Limits{})
	if err != nil {
		if w.halted(path) {
			return
		}
		// A signature whose structure does not walk (a PNG signature in
		// front of CSV text), or one past the limits: its strings.
		reason := ReasonCorrupt
		if errors.Is(err, media.ErrLimit) {
			reason = ReasonPartSize
		}
		w.unscannableKind(path, reason, kind)
		w.salvage(idx, path, file, size)
		w.rep.Parts[idx].Kind = kind
		return
	}
	w.setDisposition(idx, DispMedia, info.Kind)
	// The names can be the file's own (a PNG keyword): scan them too.
	var b strings.Builder
	for _, t := range info.Text {
		b.WriteString(t.Name)
		b.WriteString(": ")
		b.WriteString(t.Value)
		b.WriteByte('\n')
	}
	if b.Len() > 0 {
		w.segment(idx, path, strings.NewReader(b.String()))
	}
	if info.Truncated {
		w.unscannableKind(path, ReasonPartSize, info.Kind)
	}
	if info.End < size && !w.halted(path) {
		w.trailer(path, depth, adepth, exp, io.NewSectionReader(file, info.End, size-info.End))
	}
}

// trailer dispatches the bytes after the end of a file's structure (a zip
// appended to a JPEG, a CSV after a PNG) as the part path/after-end.
func (w *walker) trailer(path string, depth, adepth int, exp *archive.Expansion, r io.Reader) {
	p := w.entryPath(path, "after-end")
	idx, ok := w.newEntry(p, "after-end")
	if !ok {
		return
	}
	w.content(idx, p, depth, adepth, exp, r, hint{})
}

// smime reads an S/MIME (CMS) part: encrypted content is reported,
// a detached signature is a signature, and signed-data or compressed-data
// only wrap their content, which is read as the part path.1 when it is a
// MIME entity (as S/MIME carries) and as path/NAME otherwise (a signed
// file.pdf.p7m).
func (w *walker) smime(idx int, path string, depth, adepth int, exp *archive.Expansion, r io.Reader, h hint) {
	res, err := cms.Unwrap(r, cms.Limits{MaxContent: w.lim.MaxPartBytes, MaxInput: w.lim.MaxPartBytes})
	kind := "cms"
	if len(res.Layers) > 0 {
		kind = string(res.Layers[0])
	}
	switch {
	case err != nil:
		w.setDisposition(idx, DispNone, kind)
		if w.halted(path) {
			return
		}
		if errors.Is(err, cms.ErrUnsupported) {
			w.unscannableKind(path, ReasonUnsupported, kind)
		} else {
			w.unscannableKind(path, ReasonCorrupt, kind)
		}
		return
	case res.Encrypted:
		w.setDisposition(idx, DispNone, kind)
		w.unscannableKind(path, ReasonEncrypted, kind)
		return
	case res.Detached || res.Content == nil:
		w.setDisposition(idx, DispSignature, kind)
		return
	}
	w.setDisposition(idx, DispWrapped, kind)
	content := &errRecorder{r: res.Content}
	w.wrappedContent(idx, path, depth, adepth, exp, content, strings.TrimSuffix(pathBase(h.name), pathExt(h.name)))
	if content.err != nil && !w.halted(path) {
		w.unscannableKind(path, ReasonCorrupt, kind)
	}
}

// wrappedContent reads the content a wrapper (S/MIME, OpenPGP) holds: a
// MIME entity as path.1, anything else as the member path/name.
func (w *walker) wrappedContent(idx int, path string, depth, adepth int, exp *archive.Expansion, r io.Reader, name string) {
	br := getReader(r, sniffBytes)
	defer putReader(br)
	head, _ := br.Peek(sniffBytes)
	if isMIMEEntity(head) {
		if depth+1 > w.lim.MaxDepth {
			w.unscannable(path, ReasonDepth)
			return
		}
		w.entity(path+".1", depth+1, br, "text/plain")
		return
	}
	if name == "" || name == "." {
		name = "content"
	}
	p := w.entryPath(path, name)
	eidx, ok := w.newEntry(p, name)
	if !ok {
		return
	}
	w.content(eidx, p, depth, adepth, exp, br, hint{name: name})
}

// isMIMEEntity reports whether head starts a MIME entity: a header block
// with a Content-Type or MIME-Version field, or a message.
func isMIMEEntity(head []byte) bool {
	if textsniff.LooksLikeMessage(head) {
		return true
	}
	l := strings.ToLower(string(head[:min(len(head), 64)]))
	return strings.HasPrefix(l, "content-type:") || strings.HasPrefix(l, "mime-version:") ||
		strings.HasPrefix(l, "content-transfer-encoding:") || strings.HasPrefix(l, "content-disposition:")
}

// errRecorder keeps the first error other than io.EOF its reader
// returned.
type errRecorder struct {
	r   io.Reader
	err error
}

func (e *errRecorder) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && err != io.EOF && e.err == nil {
		e.err = err
	}
	return n, err
}

// isOOXMLHint reports whether a part's name or type says OOXML, which in
// a compound file means an encrypted document.
func isOOXMLHint(h hint) bool {
	return isOOXMLName(h.name) || ooxmlTypes[h.mediaType]
}

// looksHTMLReader peeks at a buffered reader's first bytes for looksHTML.
func looksHTMLReader(r io.Reader) bool {
	br, ok := r.(interface{ Peek(int) ([]byte, error) })
	if !ok {
		return false
	}
	head, _ := br.Peek(512)
	return looksHTML(head)
}

// isUTF8Label reports whether the charset label cs, as a part declares it,
// says UTF-8 (or ASCII, its subset), or is empty.
func isUTF8Label(cs string) bool {
	switch strings.ToLower(strings.Trim(strings.TrimSpace(cs), `"`)) {
	case "", "utf-8", "utf8", "us-ascii", "ascii":
		return true
	}
	return false
}

// knownLabel reports whether cs names a charset the walker can decode.
func knownLabel(cs string) bool {
	cs = strings.ToLower(strings.Trim(strings.TrimSpace(cs), `"`))
	if cs == "" {
		return false
	}
	_, known := declaredDecoder(cs)
	return known
}
