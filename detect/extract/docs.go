package extract

import (
	"errors"
	"io"
	"os"
	"strings"

	"github.com/dlprelay/dlprelay/detect/archive"
	"github.com/dlprelay/dlprelay/detect/doc"
	"github.com/dlprelay/dlprelay/detect/lzfu"
	"github.com/dlprelay/dlprelay/detect/msg"
	"github.com/dlprelay/dlprelay/detect/ppt"
	"github.com/dlprelay/dlprelay/detect/rtf"
	"github.com/dlprelay/dlprelay/detect/tnef"
	"github.com/dlprelay/dlprelay/detect/xls"
)

// docItem is one thing a document reader (xls, doc, ppt, msg, tnef, rtf)
// found: text to scan, or a file embedded in the document (an attachment
// of a message, an object in a sheet) to be walked as a part of its own.
type docItem struct {
	file bool
	name string
	r    io.Reader
}

// docErrs are a reader's sentinel errors, mapped to reasons.
type docErrs struct {
	encrypted, corrupt, limit, unsupported error
}

// document reads the part at path (Part idx) with a document reader: kind
// labels it ("xls", "msg" …). read calls emit for each item in document
// order; each becomes a Part below path, path/NAME: text is a segment of
// its own, an embedded file is walked as any attachment is (by its bytes),
// one archive level down. On a reader's error, what it handed out before
// stands and the reason is reported; an encrypted document is that
// reason alone, a damaged or unsupported one has its strings scanned too
// (salvage), since the reader may have stopped early.
func (w *walker) docReader(idx int, path string, depth, adepth int, exp *archive.Expansion, kind string,
	file *os.File, size int64, read func(emit func(docItem) error) error, errs docErrs) {
	w.setDisposition(idx, DispDocument, kind)
	if adepth+1 > w.lim.MaxArchiveDepth {
		w.setDisposition(idx, DispNone, kind)
		w.unscannableKind(path, ReasonArchiveDepth, kind)
		return
	}
	exp = w.budget(exp)
	emitted := 0
	err := read(func(it docItem) error {
		if w.halted(path) {
			return errStopped
		}
		name := strings.Trim(it.name, "/")
		if name == "" {
			name = "content"
		}
		p := w.entryPath(path, name)
		eidx, ok := w.newEntry(p, name)
		if !ok {
			return errStopped
		}
		emitted++
		if !it.file {
			// A section of the document, not a file: the name labels it.
			w.rep.Parts[eidx].ContentType, w.rep.Parts[eidx].Filename = "text/plain", ""
			w.setDisposition(eidx, DispText, "")
			w.segment(eidx, p, it.r)
			return nil
		}
		saveDepth, saveExp := w.adepth, w.exp
		w.adepth, w.exp = adepth+1, exp
		w.content(eidx, p, depth, adepth+1, exp, it.r, hint{name: pathBase(name)})
		w.adepth, w.exp = saveDepth, saveExp
		if w.stop {
			return errStopped
		}
		return nil
	})
	switch {
	case err == nil || errors.Is(err, errStopped):
	case errors.Is(err, errs.encrypted):
		w.unscannableKind(path, ReasonEncrypted, kind)
		if emitted == 0 {
			w.setDisposition(idx, DispNone, kind)
		}
	case errors.Is(err, errs.limit):
		w.unscannableKind(path, ReasonPartSize, kind)
	case errors.Is(err, errs.unsupported):
		w.unscannableKind(path, ReasonUnsupported, kind)
		w.salvage(idx, path, file, size)
	case errors.Is(err, errs.corrupt):
		w.unscannableKind(path, ReasonCorrupt, kind)
		w.salvage(idx, path, file, size)
	default: // the walk's context, or a spool failure below
		if !w.halted(path) {
			w.unscannableKind(path, ReasonCorrupt, kind)
			w.salvage(idx, path, file, size)
		}
	}
}

// docRead is a document reader bound to one file.
type docRead struct {
	read func(emit func(docItem) error) error
	errs docErrs
}

// oleReader returns the reader of an OLE compound file of kind (see
// oleKind), or nil for a kind not read.
func (w *walker) oleReader(kind string, file io.ReaderAt, size int64) *docRead {
	switch kind {
	case "xls":
		return &docRead{
			read: func(emit func(docItem) error) error {
				return xls.Read(w.ctx, file, size, xls.Limits{MaxOutput: w.lim.MaxPartBytes, MaxItems: w.lim.MaxParts, MaxRatio: w.lim.MaxExpansionRatio},
					func(it xls.Item) error { return emit(docItem{file: it.Kind == xls.ItemFile, name: it.Name, r: it.R}) })
			},
			errs: docErrs{encrypted: xls.ErrEncrypted, corrupt: xls.ErrCorrupt, limit: xls.ErrLimit, unsupported: xls.ErrUnsupported},
		}
	case "doc":
		return &docRead{
			read: func(emit func(docItem) error) error {
				return doc.Read(w.ctx, file, size, doc.Limits{MaxOutput: w.lim.MaxPartBytes, MaxItems: w.lim.MaxParts, MaxRatio: w.lim.MaxExpansionRatio},
					func(it doc.Item) error { return emit(docItem{file: it.Kind == doc.ItemFile, name: it.Name, r: it.R}) })
			},
			errs: docErrs{encrypted: doc.ErrEncrypted, corrupt: doc.ErrCorrupt, limit: doc.ErrLimit, unsupported: doc.ErrUnsupported},
		}
	case "ppt":
		return &docRead{
			read: func(emit func(docItem) error) error {
				return ppt.Read(w.ctx, file, size, ppt.Limits{MaxOutput: w.lim.MaxPartBytes, MaxItems: w.lim.MaxParts, MaxRatio: w.lim.MaxExpansionRatio},
					func(it ppt.Item) error { return emit(docItem{file: it.Kind == ppt.ItemFile, name: it.Name, r: it.R}) })
			},
			errs: docErrs{encrypted: ppt.ErrEncrypted, corrupt: ppt.ErrCorrupt, limit: ppt.ErrLimit, unsupported: ppt.ErrUnsupported},
		}
	case "msg":
		return &docRead{
			read: func(emit func(docItem) error) error {
				return msg.Read(w.ctx, file, size, msg.Limits{MaxOutput: w.lim.MaxPartBytes, MaxItems: w.lim.MaxParts, MaxDepth: w.lim.MaxDepth},
					func(it msg.Item) error { return emit(docItem{file: it.Kind == msg.ItemFile, name: it.Name, r: it.R}) })
			},
			errs: docErrs{encrypted: msg.ErrEncrypted, corrupt: msg.ErrCorrupt, limit: msg.ErrLimit, unsupported: msg.ErrUnsupported},
		}
	}
	return nil
}

// docFile reads a part whose bytes are a document format of its own
// (sniffFormat's classDoc): kind names its reader.
func (w *walker) docFile(idx int, path string, depth, adepth int, exp *archive.Expansion, r io.Reader, kind string) {
	file, size, ok := w.spoolPart(idx, path, r)
	if !ok {
		w.setDisposition(idx, DispNone, kind)
		return
	}
	defer file.Close()
	var read *docRead
	switch kind {
	case "tnef":
		read = &docRead{
			read: func(emit func(docItem) error) error {
				return tnef.Read(w.ctx, file, size, tnef.Limits{MaxOutput: w.lim.MaxPartBytes, MaxItems: w.lim.MaxParts, MaxRatio: w.lim.MaxExpansionRatio},
					func(it tnef.Item) error { return emit(docItem{file: it.Kind == tnef.ItemFile, name: it.Name, r: it.R}) })
			},
			errs: docErrs{encrypted: tnef.ErrEncrypted, corrupt: tnef.ErrCorrupt, limit: tnef.ErrLimit, unsupported: tnef.ErrUnsupported},
		}
	case "rtf":
		read = &docRead{
			read: func(emit func(docItem) error) error {
				return rtf.Read(w.ctx, io.NewSectionReader(file, 0, size), rtf.Limits{MaxOutput: w.lim.MaxPartBytes, MaxItems: w.lim.MaxParts, MaxRatio: w.lim.MaxExpansionRatio},
					func(it rtf.Item) error { return emit(docItem{file: it.Kind == rtf.ItemFile, name: it.Name, r: it.R}) })
			},
			errs: docErrs{encrypted: rtf.ErrEncrypted, corrupt: rtf.ErrCorrupt, limit: rtf.ErrLimit, unsupported: rtf.ErrUnsupported},
		}
	case "compressed-rtf":
		read = &docRead{
			read: func(emit func(docItem) error) error {
				return lzfu.Read(w.ctx, io.NewSectionReader(file, 0, size), lzfu.Limits{MaxOutput: w.lim.MaxPartBytes, MaxRatio: w.lim.MaxExpansionRatio},
					func(it lzfu.Item) error { return emit(docItem{file: it.Kind == lzfu.ItemFile, name: it.Name, r: it.R}) })
			},
			errs: docErrs{encrypted: lzfu.ErrEncrypted, corrupt: lzfu.ErrCorrupt, limit: lzfu.ErrLimit, unsupported: lzfu.ErrUnsupported},
		}
	}
	w.docReader(idx, path, depth, adepth, exp, kind, file, size, read.read, read.errs)
}
