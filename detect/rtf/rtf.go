// Package rtf reads the text of Rich Text Format documents (RTF 1.9.1, as
// Word, WordPad, LibreOffice and Outlook write them) and the files
// embedded in them.
//
// What is read, as Items in the order their groups end:
//   - "info": the document properties of \info (title, subject, author,
//     manager, company, operator, category, keywords, comment, doccomm,
//     hlinkbase), one "name: value" line each; they leave with the file.
//   - "header", "header (left)", ..., "footer (first)": page headers and
//     footers; "footnote N" (or "endnote N"); "comment N": an annotation
//     with its \atnid and \atnauthor on the lines before its text.
//   - "object N (class)": the native data of an embedded OLE1 object
//     (\object ... {\*\objdata hex}, MS-OLEDS 2.2.4 ObjectHeader and
//     EmbeddedObject), as an ItemFile; for class Package (a file dragged
//     into the document) the packaged file itself, named
//     "object N (Package: name)". An objdata whose header is not an OLE1
//     embedded object is handed out as it is.
//   - "body": the main text, last. Paragraphs, \line, \page and \sect end
//     lines; a table row is one line with its cells separated by tabs.
//     Hidden text (\v), list numbers, field results (\fldrslt) and text
//     boxes are text; a HYPERLINK field's target (mailto: addresses
//     matter) is written on its own line after the line that shows it.
//   - "body.html" instead of "body" for an RTF that encapsulates HTML
//     (\fromhtml1, MS-OXRTFEX, as Outlook stores HTML mail): the
//     de-encapsulated HTML in UTF-8, an ItemFile for the walker to read as
//     HTML. The RTF-only rendering (\htmlrtf ... \htmlrtf0) is skipped.
//
// Text is UTF-8: \'hh escapes and 8-bit bytes are decoded in the code page
// of the current font (\fcharset: 128 Shift_JIS as CP932, 134 GBK, 129
// Hangul, 136 Big5, Cyrillic, Greek ... ; \cpg) or of the document
// (\ansicpg, also for \fcharset0 and 1: LibreOffice reads 0 as
// Windows-1252, but a generator that writes \ansicpg932 and fcharset0
// means CP932), with a double-byte character split over two escapes, or
// an escape and a literal trail byte, decoded as one character; after
// \dbch, a font of no charset takes the code page of the \dbch\afN
// font; \uN with its \ucN fallback skipped, surrogate pairs joined.
//
// What is not read: pictures (\pict, \shppict, their hex or \bin data
// is skipped), style sheets, font, colour, list and revision tables,
// document variables and every other ignorable destination (\*\...) this
// package does not name, and the fallback results of shapes (\shprslt)
// whose text boxes were read. RTF is never encrypted (Word's \passwordhash
// only protects against editing), so ErrEncrypted is not returned by Read;
// it is declared for the shape the readers share.
//
// Memory is bounded by Limits: the text of the items being built is held
// until its group ends (at most MaxOutput in all), the group stack is at
// most MaxDepth deep, and every other buffer is fixed. Nothing is sized
// from a count in the file: \bin N skips N bytes as they are read.
package rtf

import (
	"context"
	"errors"
	"fmt"
	"io"
)

// Defaults for the zero fields of Limits.
const (
	DefaultMaxOutput = 64 << 20
	DefaultMaxItems  = 10000
	DefaultMaxRatio  = 100
	DefaultMaxDepth  = 256
)

// Limits bound a read; zero fields take the defaults.
type Limits struct {
	MaxOutput int64 // bytes of text and embedded files emitted in all (default 64 MiB)
	// MaxItems bounds the items emitted (default 10000). The body keeps
	// the last one: past MaxItems-1 other items are dropped and the read
	// goes on, so the body is still emitted, then Read returns ErrLimit.
	MaxItems int
	// MaxRatio bounds output per input byte (default 100). RTF is not
	// compressed: its output is at most about three bytes per input byte
	// (one 8-bit character becoming a three-byte UTF-8 one), so only a
	// ratio below that is ever hit.
	MaxRatio int
	MaxDepth int // nesting of groups (default 256)
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
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultMaxDepth
	}
	return l
}

// ItemKind says what an Item is.
type ItemKind int

// Item kinds.
const (
	ItemText ItemKind = iota // UTF-8 text to scan
	ItemFile                 // an embedded file, bytes as they are, to be walked as an attachment
)

// Item is one thing the reader found.
type Item struct {
	Kind ItemKind
	Name string    // "body", "info", "header", "footnote 1", "comment 1", "object 1 (Excel.Sheet.8)", "body.html"
	R    io.Reader // valid only during the emit call
}

// Errors Read returns, wrapped.
var (
	ErrEncrypted   = errors.New("rtf: encrypted")
	ErrCorrupt     = errors.New("rtf: corrupt")
	ErrLimit       = errors.New("rtf: limit reached")
	ErrUnsupported = errors.New("rtf: unsupported variant")
)

// Is reports whether head, the first bytes of a file, starts an RTF
// document: "{\rtf" (after a UTF-8 byte order mark or white space, which
// readers accept). "{\urtf" and other variants are not RTF 1 and give
// ErrUnsupported from Read; Is does not recognise them.
func Is(head []byte) bool {
	i := 0
	if len(head) >= 3 && head[0] == 0xEF && head[1] == 0xBB && head[2] == 0xBF {
		i = 3
	}
	for i < len(head) && i < 64 && (head[i] == ' ' || head[i] == '\t' || head[i] == '\r' || head[i] == '\n') {
		i++
	}
	return len(head)-i >= 5 && string(head[i:i+5]) == `{\rtf`
}

// Read reads the RTF document r and calls emit for each item found, in
// the order their groups end (the body last). It stops at ctx's end
// (returning ctx.Err()), at the first error of emit (returned as is), or
// at a bound (an error wrapping ErrLimit). A document cut short or
// otherwise damaged gives ErrCorrupt; what was read of it is emitted
// first, as it is when a bound is hit, so a caller that fails closed
// still scans it. Read never panics and its memory is bounded by Limits.
func Read(ctx context.Context, r io.Reader, lim Limits, emit func(Item) error) error {
	p := newParser(ctx, r, lim.withDefaults(), emit)
	err := p.run()
	if err == nil || errors.Is(err, ErrCorrupt) || errors.Is(err, ErrLimit) {
		if ferr := p.flushOpen(); ferr != nil && !errors.Is(ferr, ErrLimit) {
			return ferr // emit's error
		}
	}
	if err == nil {
		err = p.limitErr
	}
	if err == nil {
		err = p.itemsErr
	}
	return err
}

func corrupt(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrCorrupt, fmt.Sprintf(format, a...))
}

func unsupported(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrUnsupported, fmt.Sprintf(format, a...))
}

func limit(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrLimit, fmt.Sprintf(format, a...))
}

// countingReader counts the bytes read, for MaxRatio.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n += int64(n)
	return n, err
}
