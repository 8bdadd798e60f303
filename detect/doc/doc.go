// Package doc reads Word 97–2003 binary documents ([MS-DOC]): the text of
// the main document, footnotes, headers and footers, comments, endnotes and
// text boxes, from the piece table of the "WordDocument" and "0Table" /
// "1Table" streams, and the embedded OLE objects of the "ObjectPool"
// storage. Field codes are dropped except HYPERLINK targets; field results
// are kept. Text comes out as Word shows it: UTF-16LE pieces as they are
// (Japanese documents are written so), 8-bit ("compressed") pieces in
// Windows-1252, as [MS-DOC] 2.4.1 defines them whatever the document's
// language; tables as tab-separated lines.
//
// It does not read Word 6/95 files (ErrUnsupported), encrypted or
// XOR-obfuscated files (ErrEncrypted), formatting, pictures or drawings, and
// it does not re-serialise an embedded storage: an embedded workbook comes
// out as its bare "Workbook" (BIFF) stream.
package doc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
)

// Defaults of Limits.
const (
	DefaultMaxOutput = 64 << 20
	DefaultMaxItems  = 10000
	DefaultMaxRatio  = 100
)

// Limits bound a read; zero fields take the defaults.
type Limits struct {
	MaxOutput int64 // bytes of text and embedded files emitted in all (default 64 MiB)
	MaxItems  int   // items emitted (default 10000)
	// MaxRatio bounds output per input byte for anything decompressed
	// (default 100). A .doc holds nothing compressed that this package
	// inflates; the field is kept so every reader takes the same Limits.
	MaxRatio int
}

func (l Limits) withDefaults() Limits {
	if l.MaxOutput <= 0 {
		l.MaxOutput = DefaultMaxOutput
	}
	if l.MaxItems <= 0 {
		l.MaxItems = DefaultMaxItems
	}
	if l.MaxRatio <= 0 {
		l.MaxRatio = DefaultMaxRatio
	}
	return l
}

// ItemKind says what an Item is.
type ItemKind int

const (
	ItemText ItemKind = iota // UTF-8 text to scan (R yields UTF-8)
	ItemFile                 // an embedded file, bytes as they are, to be walked as an attachment
)

// Item is one thing the reader found.
type Item struct {
	Kind ItemKind
	// Name labels the item for the report: "body", "footnotes", "headers",
	// "comments", "endnotes", "text boxes", "header text boxes",
	// "object 1/report.xlsx", "object 2/Workbook", "object 3/Package".
	Name string
	R    io.Reader // valid only during the emit call
}

var (
	ErrEncrypted   = errors.New("doc: encrypted document")
	ErrCorrupt     = errors.New("doc: corrupt document")
	ErrLimit       = errors.New("doc: limit reached")
	ErrUnsupported = errors.New("doc: unsupported variant")
)

// Is reports whether head starts like a compound file (OLE2), the container
// of every .doc. It does not tell a .doc from an .xls or .ppt: the lead's
// sniffer should look for the "WordDocument" stream; Read returns
// ErrUnsupported for a compound file without one.
func Is(head []byte) bool {
	return bytes.HasPrefix(head, cfbMagic)
}

var cfbMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}

// Read reads the document r of size bytes and calls emit for each item
// found, in document order: the text ranges (body, footnotes, headers,
// comments, endnotes, text boxes, header text boxes; empty ones are left
// out), then the embedded objects. It stops at ctx's end (returning
// ctx.Err()), at the first error of emit (returned as is), or at a bound
// (an error wrapping ErrLimit). Other errors wrap ErrEncrypted, ErrCorrupt
// or ErrUnsupported; what was emitted before an error stands.
//
// Memory is bounded by the input's real size (the WordDocument and table
// streams are held whole, never more than size bytes); text is converted
// as emit reads it, a few thousand characters at a time. A text item that
// emit does not read to its end still counts what was read.
func Read(ctx context.Context, r io.ReaderAt, size int64, lim Limits, emit func(Item) error) error {
	lim = lim.withDefaults()
	if err := ctx.Err(); err != nil {
		return err
	}
	c, err := openCFB(r, size)
	if err != nil {
		return err
	}
	wd := c.stream(nil, "WordDocument")
	if wd == nil {
		return fmt.Errorf("%w: no WordDocument stream (not a Word 97-2003 document)", ErrUnsupported)
	}
	word, err := c.readAll(wd)
	if err != nil {
		return err
	}
	f, err := parseFIB(word)
	if err != nil {
		return err
	}
	tname := "0Table"
	if f.whichTable {
		tname = "1Table"
	}
	ts := c.stream(nil, tname)
	if ts == nil {
		return fmt.Errorf("%w: no %s stream", ErrCorrupt, tname)
	}
	table, err := c.readAll(ts)
	if err != nil {
		return err
	}
	pieces, err := parseCLX(table, f.fcClx, f.lcbClx)
	if err != nil {
		return err
	}
	o := &out{ctx: ctx, lim: lim, emit: emit}
	var cp int64
	for _, rg := range f.ranges() {
		start, end := cp, cp+rg.n
		cp = end
		if rg.name == "" || rg.n == 0 {
			continue
		}
		if err := o.check(); err != nil {
			return err
		}
		tr := newTextReader(ctx, word, pieces, start, end, o.remaining())
		o.items++
		err := emit(Item{Kind: ItemText, Name: rg.name, R: tr})
		o.written += tr.read
		if err != nil {
			return err
		}
		if tr.err != nil {
			return tr.err
		}
	}
	return emitObjects(c, o)
}

// out counts what was emitted against the Limits.
type out struct {
	ctx     context.Context
	lim     Limits
	emit    func(Item) error
	items   int
	written int64
}

func (o *out) remaining() int64 { return o.lim.MaxOutput - o.written }

func (o *out) check() error {
	if err := o.ctx.Err(); err != nil {
		return err
	}
	if o.items >= o.lim.MaxItems {
		return fmt.Errorf("%w: more than %d items", ErrLimit, o.lim.MaxItems)
	}
	return nil
}
