package extract

import (
	"archive/tar"
	"errors"
	"io"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/japanese"

	"github.com/dlprelay/dlprelay/detect/archive"
	"github.com/dlprelay/dlprelay/detect/office"
	"github.com/dlprelay/dlprelay/detect/pdf"
)

// This file handles attachments that are not text: archives (zip, tar, gzip),
// Office and OpenDocument files, and the formats reported as unreadable.

// leaf visits an entity that is neither multipart nor a message: its
// transfer encoding is undone and its bytes dispatched (content).
func (w *walker) leaf(idx int, path string, depth int, body io.Reader, cte, mediaType, name, cs string) {
	dec, known := transferDecoder(cte, body)
	if !known {
		w.note(idx, NoteEncodingUnknown)
	}
	w.content(idx, path, depth, w.adepth, w.exp, dec, hint{mediaType: mediaType, name: name, charset: cs})
	if d, ok := dec.(damager); ok && d.Damaged() {
		w.note(idx, NoteDecodeError)
	}
}

var ooxmlTypes = map[string]bool{
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document":   true,
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":         true,
	"application/vnd.openxmlformats-officedocument.presentationml.presentation": true,
}

func isOOXMLName(name string) bool { return office.IsOOXMLName(name) }

// container opens a zip file: an Office or OpenDocument document
// has its text extracted, any other archive has its entries walked.
func (w *walker) container(idx int, path string, depth, adepth int, exp *archive.Expansion, r io.Reader, f archive.Format, name string) {
	w.setDisposition(idx, DispNone, "zip")
	file, size, ok := w.spoolPart(idx, path, r)
	if !ok {
		return
	}
	defer file.Close()
	exp = w.budget(exp)
	a, err := archive.Open(f, file, size, max(w.lim.MaxArchiveEntries-w.archiveEntries, 0), exp)
	if err != nil {
		if w.readFailed(idx, path, err) == ReasonCorrupt {
			w.salvage(idx, path, file, size)
		}
		return
	}
	w.archiveEntries += len(a.Entries())
	if f == archive.Zip {
		pkg := zipPackage{a}
		k := office.Detect(pkg)
		if k != office.None {
			w.setDisposition(idx, DispDocument, k.String())
			w.document(idx, path, k, pkg)
			// A document is a zip: what its reader does not read
			// (embedded packages and objects, media, docProps, custom
			// XML, a customer list added to it) is walked as the
			// members of any archive, so nothing in it passes unread.
			if adepth+1 > w.lim.MaxArchiveDepth {
				w.unscannable(path, ReasonArchiveDepth)
				return
			}
			saveDepth, saveExp := w.adepth, w.exp
			w.adepth, w.exp = adepth+1, exp
			w.entriesExcept(path, depth, adepth+1, a, exp, office.Members(k, pkg.Names()))
			w.adepth, w.exp = saveDepth, saveExp
			return
		}
	}
	if adepth+1 > w.lim.MaxArchiveDepth {
		w.unscannable(path, ReasonArchiveDepth)
		return
	}
	w.setDisposition(idx, DispArchive, "")
	w.note(idx, NoteArchive)
	saveDepth, saveExp := w.adepth, w.exp
	w.adepth, w.exp = adepth+1, exp
	w.entries(path, depth, adepth+1, a, exp)
	w.adepth, w.exp = saveDepth, saveExp
}

// pdf hands out the text layer of a PDF file (package pdf), through a
// pipe: pdf.Extract writes, fn reads.
func (w *walker) pdf(idx int, path string, r io.Reader) {
	w.setDisposition(idx, DispPDF, "")
	file, size, ok := w.spoolPart(idx, path, r)
	if !ok {
		w.setDisposition(idx, DispNone, "pdf")
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
	err := <-done
	switch {
	case err == nil || errors.Is(err, errStopped):
	case errors.Is(err, pdf.ErrEncrypted):
		w.unscannableKind(path, ReasonEncrypted, "pdf")
	case errors.Is(err, pdf.ErrUnsupported):
		// What the text layer gave is scanned; the rest may be in the
		// strings (a %PDF- header in front of plain text, say).
		w.unscannableKind(path, ReasonUnsupported, "pdf")
		w.salvage(idx, path, file, size)
	case errors.Is(err, pdf.ErrCorrupt):
		w.unscannableKind(path, ReasonCorrupt, "pdf")
		w.salvage(idx, path, file, size)
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
	w.entriesExcept(apath, depth, adepth, a, exp, nil)
}

// entriesExcept is entries without the members named in read (those a
// document reader has read).
func (w *walker) entriesExcept(apath string, depth, adepth int, a *archive.Reader, exp *archive.Expansion, read []string) {
	for i, e := range a.Entries() {
		if slices.Contains(read, e.Name) {
			continue
		}
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
		idx, ok := w.newEntry(p, e.Name)
		if !ok {
			return
		}
		if e.Encrypted {
			w.setDisposition(idx, DispNone, "")
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

// newEntry adds the Part of an archive member at path p and hands out its
// name. ok is false when the parts limit ended the walk.
func (w *walker) newEntry(p, name string) (idx int, ok bool) {
	w.parts++
	if w.parts > w.lim.MaxParts {
		w.unscannable(p, ReasonParts)
		w.stop = true
		return 0, false
	}
	idx = len(w.rep.Parts)
	w.rep.Parts = append(w.rep.Parts, Part{Path: p, ContentType: typeByName(name), Filename: name})
	w.segment(-1, p+".header", strings.NewReader(name+"\n"))
	return idx, true
}

// gzip reads a gzip file: a tar archive in it has its members walked,
// anything else is one member named as the gzip header (or the file name
// without ".gz") says.
func (w *walker) gzip(idx int, path string, depth, adepth int, exp *archive.Expansion, r io.Reader, name string) {
	if adepth+1 > w.lim.MaxArchiveDepth {
		w.setDisposition(idx, DispNone, "gzip")
		w.unscannable(path, ReasonArchiveDepth)
		return
	}
	w.setDisposition(idx, DispNone, "gzip")
	file, size, ok := w.spoolPart(idx, path, r)
	if !ok {
		return
	}
	defer file.Close()
	exp = w.budget(exp)
	rc, inner, err := archive.OpenGzip(file, size, exp)
	if err != nil {
		if w.readFailed(idx, path, err) == ReasonCorrupt {
			w.salvage(idx, path, file, size)
		}
		return
	}
	defer rc.Close()
	w.setDisposition(idx, DispArchive, "")
	w.note(idx, NoteArchive)
	saveDepth, saveExp := w.adepth, w.exp
	w.adepth, w.exp = adepth+1, exp
	defer func() { w.adepth, w.exp = saveDepth, saveExp }()
	// A stream that turns out damaged (a gzip header in front of other
	// bytes) is also read for its strings.
	rec := &errRecorder{r: rc}
	defer func() {
		if rec.err != nil && !errors.Is(rec.err, archive.ErrExpansion) && !errors.Is(rec.err, errStopped) && !w.halted(path) {
			w.unscannableKind(path, ReasonCorrupt, "gzip")
			w.salvage(idx, path, file, size)
		}
	}()
	br := getReader(rec, sniffBytes)
	defer putReader(br)
	if isTarStart(br) {
		w.tar(idx, path, depth, adepth+1, exp, br)
		return
	}
	if inner == "" {
		inner = strings.TrimSuffix(pathBase(name), pathExt(name))
		if strings.EqualFold(pathExt(name), ".tgz") {
			inner += ".tar"
		}
	}
	if w.entryLimit(path, 1) {
		return
	}
	p := w.entryPath(path, inner)
	eidx, ok := w.newEntry(p, inner)
	if !ok {
		return
	}
	w.entry(eidx, p, depth, adepth+1, exp, br, inner)
}

// entryLimit counts n more archive entries and reports (and records at
// path) whether that passes MaxArchiveEntries.
func (w *walker) entryLimit(path string, n int) bool {
	w.archiveEntries += n
	if w.archiveEntries > w.lim.MaxArchiveEntries {
		w.unscannable(path, ReasonArchiveEntries)
		return true
	}
	return false
}

// isTarStart reports whether r, a *bufio.Reader, starts with a tar header.
func isTarStart(r io.Reader) bool {
	br, ok := r.(interface{ Peek(int) ([]byte, error) })
	if !ok {
		return false
	}
	head, _ := br.Peek(512)
	return archive.IsTar(head)
}

// tar walks the members of a tar stream, reading it once, in order.
func (w *walker) tar(idx int, path string, depth, adepth int, exp *archive.Expansion, r io.Reader) {
	w.setDisposition(idx, DispArchive, "tar")
	w.note(idx, NoteArchive)
	tr := tar.NewReader(r)
	for !w.halted(path) {
		h, err := tr.Next()
		if err == io.EOF {
			return
		}
		if err != nil {
			w.readFailed(idx, path, err)
			return
		}
		if w.entryLimit(path, 1) {
			return
		}
		if h.Typeflag != tar.TypeReg && h.Typeflag != tar.TypeRegA {
			continue
		}
		name := h.Name
		if !utf8.ValidString(name) {
			if d, err := japanese.ShiftJIS.NewDecoder().String(name); err == nil {
				name = d
			}
		}
		p := w.entryPath(path, name)
		eidx, ok := w.newEntry(p, name)
		if !ok {
			return
		}
		w.entry(eidx, p, depth, adepth, exp, tr, name)
	}
}

// entry dispatches one archive member by its content (and, for ties, its
// name).
func (w *walker) entry(idx int, p string, depth, adepth int, exp *archive.Expansion, r io.Reader, name string) {
	w.content(idx, p, depth, adepth, exp, r, hint{name: name})
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

// readFailed records why the content at path could not be (fully) read,
// and returns the reason ("" for a failure of the message source or of
// fn, which is left to halted).
func (w *walker) readFailed(idx int, path string, err error) Reason {
	var r Reason
	switch {
	case errors.Is(err, archive.ErrExpansion):
		r = ReasonExpansion
	case errors.Is(err, archive.ErrTooManyEntries):
		r = ReasonArchiveEntries
	case errors.Is(err, archive.ErrEncrypted):
		r = ReasonEncrypted
	case errors.Is(err, archive.ErrUnsupported):
		r = ReasonUnsupported
	case errors.Is(err, errSpoolTooBig):
		r = ReasonPartSize
	case errors.Is(err, errStopped) || w.src.err != nil || w.ctx.Err() != nil:
		w.halted(path)
		return ""
	case errors.Is(err, errSpoolWrite):
		if w.fatal == nil {
			w.fatal = err
		}
		return ""
	default:
		r = ReasonCorrupt
	}
	w.unscannableKind(path, r, w.rep.Parts[idx].Kind)
	return r
}

var (
	errSpoolTooBig = errors.New("extract: attachment larger than MaxPartBytes")
	errSpoolWrite  = errors.New("extract: cannot write temporary file")
)

// spool copies r to an unlinked temporary file, so an archive can be read
// at random without being held in memory. It reads at most MaxPartBytes.
// The caller closes the file.
// spoolPart spools r for entity idx at path; a failure is recorded on the
// part and ok is false.
func (w *walker) spoolPart(idx int, path string, r io.Reader) (f *os.File, size int64, ok bool) {
	f, size, err := w.spool(r)
	if err != nil {
		w.readFailed(idx, path, err)
		return nil, 0, false
	}
	return f, size, true
}

// budget returns the expansion budget of the outermost archive: exp when
// this archive is nested in one, a new budget otherwise.
func (w *walker) budget(exp *archive.Expansion) *archive.Expansion {
	if exp == nil {
		return archive.NewExpansion(int64(w.lim.MaxExpansionRatio))
	}
	return exp
}

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

func pathBase(name string) string { return path.Base(name) }

func hasKey[K comparable, V any](m map[K]V, k K) bool {
	_, ok := m[k]
	return ok
}
