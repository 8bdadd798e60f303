package extract

import (
	"errors"
	"io"
	"os"
	"path"
	"strconv"
	"strings"

	"github.com/dlprelay/dlprelay/detect/archive"
	"github.com/dlprelay/dlprelay/detect/office"
	"github.com/dlprelay/dlprelay/detect/pdf"
)

// This file handles attachments that are not text: archives (zip, 7z),
// Office and OpenDocument files, and the formats reported as unreadable.

// leaf visits an entity that is neither multipart nor a message: text, or
// an attachment to sniff and dispatch.
func (w *walker) leaf(idx int, path string, depth int, body io.Reader, cte, mediaType, name, cs string) {
	dec, known := transferDecoder(cte, body)
	if !known {
		w.note(idx, NoteEncodingUnknown)
	}
	br := getReader(dec, headerBuffer)
	defer putReader(br)
	head, _ := br.Peek(archive.SniffLen)
	f := archive.Sniff(head)
	switch {
	case isText(mediaType, name) && (f == archive.Unknown || f == archive.PDF || f == archive.Gzip):
		// Text: a PDF or gzip signature at the start of a text part is
		// not trusted, or "%PDF-" would hide a message body.
		w.rep.Parts[idx].Charset = strings.ToLower(cs)
		w.textDecoded(idx, path, br, cs, isHTML(mediaType, name))
	default:
		w.binary(idx, path, depth, w.adepth, w.exp, br, f, mediaType, name)
	}
	if d, ok := dec.(damager); ok && d.Damaged() {
		w.note(idx, NoteDecodeError)
	}
}

// Names that say what a file is, for content that does not.
var (
	archiveExts = map[string]archive.Format{".zip": archive.Zip, ".7z": archive.SevenZip}
	// unsupportedExts are formats known to hold text that this package
	// cannot read; they are reported, not passed over.
	unsupportedExts = map[string]bool{
		".rar": true, ".doc": true, ".xls": true, ".ppt": true, ".msg": true, ".dot": true,
		".xlt": true, ".pps": true, ".gz": true, ".tgz": true, ".tar": true, ".bz2": true,
		".xz": true, ".lzh": true, ".lha": true, ".cab": true, ".xlsb": true,
	}
	ooxmlTypes = map[string]bool{
		"application/vnd.openxmlformats-officedocument.wordprocessingml.document":   true,
		"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":         true,
		"application/vnd.openxmlformats-officedocument.presentationml.presentation": true,
	}
)

// binary dispatches an attachment or archive entry by its first bytes
// (f), then its name and media type. adepth is how many archives it is in;
// exp is the expansion budget of the outermost one (nil outside
// archives).
func (w *walker) binary(idx int, path string, depth, adepth int, exp *archive.Expansion, r io.Reader, f archive.Format, mediaType, name string) {
	ext := strings.ToLower(pathExt(name))
	switch {
	case f == archive.OLE:
		// An encrypted OOXML file is an OLE compound file holding an
		// "EncryptedPackage" stream; other OLE files are legacy Office
		// (.doc, .xls, .ppt) or Outlook (.msg) files.
		if office.IsOOXMLName(name) || ooxmlTypes[mediaType] {
			w.unscannable(path, ReasonEncrypted)
		} else {
			w.unscannable(path, ReasonUnsupported)
		}
	case f == archive.Zip || f == archive.SevenZip:
		w.container(idx, path, depth, adepth, exp, r, f, name)
	case f == archive.Rar || f == archive.Gzip:
		w.unscannable(path, ReasonUnsupported)
	case f == archive.PDF || mediaType == "application/pdf" || ext == ".pdf":
		w.pdf(idx, path, r)
	case archiveExts[ext] != 0 || office.KindOf(name) != office.None:
		// The name says archive or document, the content does not.
		w.unscannable(path, ReasonCorrupt)
	case unsupportedExts[ext]:
		w.unscannable(path, ReasonUnsupported)
	default:
		w.note(idx, NoteNotExtracted)
	}
}

// container opens a zip or 7z file: an Office or OpenDocument document
// has its text extracted, any other archive has its entries walked.
func (w *walker) container(idx int, path string, depth, adepth int, exp *archive.Expansion, r io.Reader, f archive.Format, name string) {
	file, size, err := w.spool(r)
	if err != nil {
		w.readFailed(idx, path, err)
		return
	}
	defer file.Close()
	if exp == nil {
		exp = archive.NewExpansion(int64(w.lim.MaxExpansionRatio))
	}
	a, err := archive.Open(f, file, size, max(w.lim.MaxArchiveEntries-w.archiveEntries, 0), exp)
	if err != nil {
		w.readFailed(idx, path, err)
		return
	}
	w.archiveEntries += len(a.Entries())
	if f == archive.Zip {
		pkg := zipPackage{a}
		k := office.Detect(pkg)
		if k != office.None {
			w.document(idx, path, k, pkg)
			return
		}
	}
	if adepth+1 > w.lim.MaxArchiveDepth {
		w.unscannable(path, ReasonArchiveDepth)
		return
	}
	w.note(idx, NoteArchive)
	saveDepth, saveExp := w.adepth, w.exp
	w.adepth, w.exp = adepth+1, exp
	w.entries(path, depth, adepth+1, a, exp)
	w.adepth, w.exp = saveDepth, saveExp
}

// pdf hands out the text layer of a PDF file (package pdf), through a
// pipe: pdf.Extract writes, fn reads.
func (w *walker) pdf(idx int, path string, r io.Reader) {
	file, size, err := w.spool(r)
	if err != nil {
		w.readFailed(idx, path, err)
		return
	}
	defer file.Close()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := pdf.Extract(w.ctx, file, size, pw, w.lim.MaxPartBytes-w.rep.Parts[idx].Bytes+1)
		pw.Close() // the error goes through done, not to the reader
		done <- err
	}()
	w.segment(idx, path, pr)
	// segment may stop reading early (a limit); let Extract see it.
	pr.CloseWithError(errStopped)
	err = <-done
	switch {
	case err == nil || errors.Is(err, errStopped):
	case errors.Is(err, pdf.ErrEncrypted):
		w.unscannable(path, ReasonEncrypted)
	case errors.Is(err, pdf.ErrUnsupported):
		w.unscannable(path, ReasonUnsupported)
	case errors.Is(err, pdf.ErrCorrupt):
		w.unscannable(path, ReasonCorrupt)
	default: // the walk's context
		w.halted(path)
	}
}

// document hands out the text of an Office or OpenDocument file.
func (w *walker) document(idx int, path string, k office.Kind, pkg zipPackage) {
	rd := office.NewReader(k, pkg)
	if err := w.segment(idx, path, rd); err != nil {
		w.readFailed(idx, path, err)
	}
	if rd.Damaged() {
		w.unscannable(path, ReasonCorrupt)
	}
}

// entries walks the members of an archive. Each file becomes a Part whose
// path is the archive's path, "/" and the member's name; its name is
// handed out as the segment path+".header".
func (w *walker) entries(apath string, depth, adepth int, a *archive.Reader, exp *archive.Expansion) {
	for i, e := range a.Entries() {
		if w.halted(apath) {
			return
		}
		if e.Dir {
			continue
		}
		if exp.Exhausted() {
			w.unscannable(apath, ReasonExpansion)
			return
		}
		p := w.entryPath(apath, e.Name)
		ext := strings.ToLower(pathExt(e.Name))
		if ext == ".eml" && !e.Encrypted {
			rc, err := a.Open(i)
			if err != nil {
				w.parts++
				w.rep.Parts = append(w.rep.Parts, Part{Path: p, ContentType: "message/rfc822", Filename: e.Name})
				w.readFailed(len(w.rep.Parts)-1, p, err)
				continue
			}
			w.entity(p, depth+1, rc, "text/plain")
			rc.Close()
			continue
		}
		w.parts++
		if w.parts > w.lim.MaxParts {
			w.unscannable(p, ReasonParts)
			w.stop = true
			return
		}
		idx := len(w.rep.Parts)
		w.rep.Parts = append(w.rep.Parts, Part{Path: p, ContentType: typeByName(e.Name), Filename: e.Name})
		w.segment(-1, p+".header", strings.NewReader(e.Name+"\n"))
		if e.Encrypted {
			w.unscannable(p, ReasonEncrypted)
			continue
		}
		rc, err := a.Open(i)
		if err != nil {
			w.readFailed(idx, p, err)
			continue
		}
		w.entry(idx, p, depth, adepth, exp, rc, e.Name)
		rc.Close()
	}
}

// entry dispatches one archive member by its content and name.
func (w *walker) entry(idx int, p string, depth, adepth int, exp *archive.Expansion, r io.Reader, name string) {
	br := getReader(r, sniffBytes)
	defer putReader(br)
	head, _ := br.Peek(512)
	f := archive.Sniff(head)
	switch {
	case f == archive.Unknown && (isText("", name) || (typeByName(name) == "application/octet-stream" && looksText(head))):
		if err := w.textDecoded(idx, p, br, "", isHTML("", name)); err != nil {
			w.readFailed(idx, p, err)
		}
	default:
		w.binary(idx, p, depth, adepth, exp, br, f, "", name)
	}
}

// looksText reports whether an unnamed member's first bytes look like
// text: no NUL and few control characters.
func looksText(head []byte) bool {
	if len(head) == 0 {
		return false
	}
	bad := 0
	for _, c := range head {
		switch {
		case c == 0:
			return false
		case c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != 0x1b && c != '\f':
			bad++
		}
	}
	return bad*20 < len(head)
}

// entryPath returns a unique part path for member name of the archive at
// apath.
func (w *walker) entryPath(apath, name string) string {
	var b strings.Builder
	for _, r := range strings.TrimLeft(name, "/") {
		if r < 0x20 || r == 0x7f {
			r = '_'
		}
		b.WriteRune(r)
	}
	clean := b.String()
	if clean == "" || strings.HasSuffix(clean, ".header") {
		// ".header" would read as the header segment of another part.
		clean += "_"
	}
	p := apath + "/" + clean
	if w.paths == nil {
		w.paths = map[string]bool{}
	}
	for n := 2; w.paths[p]; n++ {
		p = apath + "/" + clean + "~" + strconv.Itoa(n)
	}
	w.paths[p] = true
	return p
}

// readFailed records why the content at path could not be (fully) read.
// A failure of the message source or of fn is left to halted.
func (w *walker) readFailed(idx int, path string, err error) {
	switch {
	case errors.Is(err, archive.ErrExpansion):
		w.unscannable(path, ReasonExpansion)
	case errors.Is(err, archive.ErrTooManyEntries):
		w.unscannable(path, ReasonArchiveEntries)
	case errors.Is(err, archive.ErrEncrypted):
		w.unscannable(path, ReasonEncrypted)
	case errors.Is(err, archive.ErrUnsupported):
		w.unscannable(path, ReasonUnsupported)
	case errors.Is(err, errSpoolTooBig):
		w.unscannable(path, ReasonPartSize)
	case errors.Is(err, errStopped) || w.src.err != nil || w.ctx.Err() != nil:
		w.halted(path)
	case errors.Is(err, errSpoolWrite):
		if w.fatal == nil {
			w.fatal = err
		}
	default:
		w.unscannable(path, ReasonCorrupt)
	}
}

var (
	errSpoolTooBig = errors.New("extract: attachment larger than MaxPartBytes")
	errSpoolWrite  = errors.New("extract: cannot write temporary file")
)

// spool copies r to an unlinked temporary file, so an archive can be read
// at random without being held in memory. It reads at most MaxPartBytes.
// The caller closes the file.
func (w *walker) spool(r io.Reader) (*os.File, int64, error) {
	f, err := os.CreateTemp("", "dlprelay-extract-*")
	if err != nil {
		return nil, 0, errors.Join(errSpoolWrite, err)
	}
	os.Remove(f.Name()) // gone from the directory at once; the data lives until Close
	buf := make([]byte, 32<<10)
	var n int64
	for {
		if w.ctx.Err() != nil {
			f.Close()
			return nil, 0, errStopped
		}
		m, rerr := r.Read(buf)
		if m > 0 {
			if n+int64(m) > w.lim.MaxPartBytes {
				f.Close()
				return nil, 0, errSpoolTooBig
			}
			if _, err := f.Write(buf[:m]); err != nil {
				f.Close()
				return nil, 0, errors.Join(errSpoolWrite, err)
			}
			n += int64(m)
		}
		if rerr == io.EOF {
			return f, n, nil
		}
		if rerr != nil {
			f.Close()
			return nil, 0, rerr
		}
	}
}

// zipPackage presents an archive as an office.Package.
type zipPackage struct{ a *archive.Reader }

func (p zipPackage) Names() []string {
	es := p.a.Entries()
	names := make([]string, len(es))
	for i, e := range es {
		names[i] = e.Name
	}
	return names
}

func (p zipPackage) Open(name string) (io.ReadCloser, error) {
	for i, e := range p.a.Entries() {
		if e.Name == name {
			return p.a.Open(i)
		}
	}
	return nil, os.ErrNotExist
}

// typeByName is a fixed table (not the system's mime.types, which differs
// between hosts) of the media types of archive members.
func typeByName(name string) string {
	switch ext := strings.ToLower(pathExt(name)); ext {
	case ".txt", ".text", ".log", ".md":
		return "text/plain"
	case ".csv":
		return "text/csv"
	case ".tsv":
		return "text/tab-separated-values"
	case ".html", ".htm":
		return "text/html"
	case ".xml":
		return "application/xml"
	case ".json":
		return "application/json"
	case ".eml":
		return "message/rfc822"
	case ".zip":
		return "application/zip"
	case ".7z":
		return "application/x-7z-compressed"
	case ".pdf":
		return "application/pdf"
	case ".docx", ".xlsx", ".pptx", ".odt", ".ods", ".odp":
		return "application/" + ext[1:]
	default:
		if isText("", name) {
			return "text/plain"
		}
		return "application/octet-stream"
	}
}

func pathExt(name string) string { return path.Ext(name) }
