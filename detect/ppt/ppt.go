// Package ppt reads PowerPoint 97–2003 presentations ([MS-PPT]): the text
// of slides, notes, masters, comments, headers and footers and hyperlink
// targets from the records of the "PowerPoint Document" stream, and the
// embedded OLE objects (ExOleObjStg, zlib-inflated within Limits).
//
// The stream is read as a linear walk of its records, top-level record by
// top-level record, in the order they are stored: not in slide-show order,
// and edits kept from earlier incremental saves are read too (the persist
// directory is not followed). Text is taken from TextCharsAtom (UTF-16LE),
// TextBytesAtom (Latin-1) and the CString atoms of comments, hyperlinks and
// header/footer settings. It does not read PowerPoint 95 and earlier
// (ErrUnsupported), encrypted presentations (ErrEncrypted), formatting,
// pictures or VBA; the "Current User" stream is only looked at for its
// encryption mark.
package ppt

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// Defaults of Limits.
const (
	DefaultMaxOutput = 64 << 20
	DefaultMaxItems  = 10000
	DefaultMaxRatio  = 100
	DefaultMaxDepth  = 32
)

// Limits bound a read; zero fields take the defaults.
type Limits struct {
	MaxOutput int64 // bytes of text and embedded files emitted in all (default 64 MiB)
	MaxItems  int   // items emitted (default 10000)
	MaxRatio  int   // inflated bytes of an embedded object per compressed byte (default 100)
	MaxDepth  int   // nesting of record containers read (default 32; real files nest about 10)
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

const (
	ItemText ItemKind = iota // UTF-8 text to scan (R yields UTF-8)
	ItemFile                 // an embedded file, bytes as they are, to be walked as an attachment
)

// Item is one thing the reader found.
type Item struct {
	Kind ItemKind
	// Name labels the item for the report: "document" (the outline,
	// hyperlinks, header/footer settings), "slide 1", "notes 1",
	// "master 1", "handout 1" (numbered in the order found), "object 1"
	// (an embedded object: a compound file, to be walked).
	Name string
	R    io.Reader // valid only during the emit call
}

var (
	ErrEncrypted   = errors.New("ppt: encrypted presentation")
	ErrCorrupt     = errors.New("ppt: corrupt presentation")
	ErrLimit       = errors.New("ppt: limit reached")
	ErrUnsupported = errors.New("ppt: unsupported variant")
)

var cfbMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}

// Is reports whether head starts like a compound file (OLE2), the container
// of every .ppt. It does not tell a .ppt from a .doc or .xls: the lead's
// sniffer should look for the "PowerPoint Document" stream; Read returns
// ErrUnsupported for a compound file without one.
func Is(head []byte) bool {
	return bytes.HasPrefix(head, cfbMagic)
}

// Record types read ([MS-PPT] 2.13.24).
const (
	rtDocument          = 0x03E8
	rtSlide             = 0x03EE
	rtNotes             = 0x03F0
	rtMainMaster        = 0x03F8
	rtHandout           = 0x0FC9
	rtTextCharsAtom     = 0x0FA0
	rtTextBytesAtom     = 0x0FA8
	rtCString           = 0x0FBA
	rtExHyperlink       = 0x0FD7
	rtHeadersFooters    = 0x0FD9
	rtExOleObjStg       = 0x1011
	rtComment10         = 0x2EE0
	rtBinaryTagData     = 0x138B // an atom whose data is records (PP9/PP10/PP12 extensions: comments)
	rtCryptSession10    = 0x2F14
	encryptedUserToken  = 0xF3D1C4DF // CurrentUserAtom.headerToken of an encrypted file
	currentUserTokenOff = 12
)

// Read reads the presentation r of size bytes and calls emit for each item
// found, in the order stored. It stops at ctx's end (returning ctx.Err()),
// at the first error of emit (returned as is), or at a bound (an error
// wrapping ErrLimit). Other errors wrap ErrEncrypted, ErrCorrupt or
// ErrUnsupported; what was emitted before an error stands.
//
// Memory is bounded by the input's real size (the PowerPoint Document
// stream is held whole, never more than size bytes) plus one item's text
// (at most MaxOutput); embedded objects are inflated as they are read.
func Read(ctx context.Context, r io.ReaderAt, size int64, lim Limits, emit func(Item) error) error {
	lim = lim.withDefaults()
	if err := ctx.Err(); err != nil {
		return err
	}
	c, err := openCFB(r, size)
	if err != nil {
		return err
	}
	if c.stream(nil, "EncryptedSummary") != nil {
		return fmt.Errorf("%w: EncryptedSummary stream", ErrEncrypted)
	}
	if cu := c.stream(nil, "Current User"); cu != nil && cu.Size >= currentUserTokenOff+4 && cu.Size <= 4096 {
		if b, err := c.readAll(cu); err == nil && binary.LittleEndian.Uint32(b[currentUserTokenOff:]) == encryptedUserToken {
			return fmt.Errorf("%w: Current User marks the file encrypted", ErrEncrypted)
		}
	}
	ds := c.stream(nil, "PowerPoint Document")
	if ds == nil {
		return fmt.Errorf("%w: no PowerPoint Document stream (not a PowerPoint 97-2003 presentation)", ErrUnsupported)
	}
	doc, err := c.readAll(ds)
	if err != nil {
		return err
	}
	// A CryptSession10Container is a top-level record; look for it before
	// anything is emitted (the records after it would be ciphertext).
	for p := 0; p+8 <= len(doc); {
		h := header(doc[p:])
		if h.typ == rtCryptSession10 {
			return fmt.Errorf("%w: CryptSession10Container", ErrEncrypted)
		}
		if h.len > int64(len(doc)-p-8) {
			break
		}
		p += 8 + int(h.len)
	}
	w := &walker{ctx: ctx, lim: lim, emit: emit, counts: map[string]int{}}
	return w.top(doc)
}

// recHeader is a RecordHeader ([MS-PPT] 2.3.1).
type recHeader struct {
	ver      uint16
	instance uint16
	typ      uint16
	len      int64
}

func header(b []byte) recHeader {
	vi := binary.LittleEndian.Uint16(b)
	return recHeader{ver: vi & 0xF, instance: vi >> 4, typ: binary.LittleEndian.Uint16(b[2:]), len: int64(binary.LittleEndian.Uint32(b[4:]))}
}

// walker walks the records and counts what was emitted.
type walker struct {
	ctx     context.Context
	lim     Limits
	emit    func(Item) error
	items   int
	written int64
	counts  map[string]int
	objects int
	text    bytes.Buffer // the text of the top-level record being read
	textMax int64
}

func (w *walker) remaining() int64 { return w.lim.MaxOutput - w.written }

func (w *walker) check() error {
	if err := w.ctx.Err(); err != nil {
		return err
	}
	if w.items >= w.lim.MaxItems {
		return fmt.Errorf("%w: more than %d items", ErrLimit, w.lim.MaxItems)
	}
	return nil
}

// top reads the top-level records: each container's text is one item.
func (w *walker) top(doc []byte) error {
	for p := 0; p < len(doc); {
		if err := w.ctx.Err(); err != nil {
			return err
		}
		if len(doc)-p < 8 {
			return nil // padding after the last record
		}
		h := header(doc[p:])
		if h.len > int64(len(doc)-p-8) {
			return fmt.Errorf("%w: record %#04x past the stream", ErrCorrupt, h.typ)
		}
		body := doc[p+8 : p+8+int(h.len)]
		p += 8 + int(h.len)
		if h.typ == rtExOleObjStg {
			if err := w.object(h, body); err != nil {
				return err
			}
			continue
		}
		if h.ver != 0xF {
			continue
		}
		w.text.Reset()
		w.textMax = w.remaining()
		werr := w.walk(body, 1, 0)
		if w.text.Len() > 0 {
			if err := w.emitText(w.topName(h.typ)); err != nil {
				return err
			}
		}
		if werr != nil {
			return werr
		}
	}
	return nil
}

func (w *walker) topName(typ uint16) string {
	var kind string
	switch typ {
	case rtDocument:
		return "document"
	case rtSlide:
		kind = "slide"
	case rtNotes:
		kind = "notes"
	case rtMainMaster:
		kind = "master"
	case rtHandout:
		kind = "handout"
	default:
		kind = "record"
	}
	w.counts[kind]++
	return kind + " " + strconv.Itoa(w.counts[kind])
}

func (w *walker) emitText(name string) error {
	if err := w.check(); err != nil {
		return err
	}
	w.items++
	w.written += int64(w.text.Len())
	return w.emit(Item{Kind: ItemText, Name: name, R: bytes.NewReader(w.text.Bytes())})
}

// walk reads the records of a container's body (or of a
// BinaryTagDataBlob, whose data is records); parent is the container's
// type, for CString atoms (kept only in comments, hyperlinks and
// header/footer settings).
func (w *walker) walk(b []byte, depth int, parent uint16) error {
	if depth > w.lim.MaxDepth {
		return fmt.Errorf("%w: records nested more than %d deep", ErrCorrupt, w.lim.MaxDepth)
	}
	var lastCString []byte
	for p := 0; p < len(b); {
		if len(b)-p < 8 {
			return fmt.Errorf("%w: record header past its container", ErrCorrupt)
		}
		h := header(b[p:])
		if h.len > int64(len(b)-p-8) {
			return fmt.Errorf("%w: record %#04x past its container", ErrCorrupt, h.typ)
		}
		body := b[p+8 : p+8+int(h.len)]
		p += 8 + int(h.len)
		var err error
		switch {
		case h.ver == 0xF || h.typ == rtBinaryTagData:
			err = w.walk(body, depth+1, h.typ)
		case h.typ == rtTextCharsAtom:
			err = w.utf16(body)
		case h.typ == rtTextBytesAtom:
			err = w.latin1(body)
		case h.typ == rtCString && (parent == rtComment10 || parent == rtExHyperlink || parent == rtHeadersFooters):
			// A hyperlink's friendly name is often its target: once is
			// enough.
			if !bytes.Equal(body, lastCString) {
				err = w.utf16(body)
			}
			lastCString = body
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (w *walker) utf16(b []byte) error {
	var hi rune // a high surrogate waiting for its pair
	for i := 0; i+1 < len(b); i += 2 {
		r := rune(binary.LittleEndian.Uint16(b[i:]))
		if hi != 0 {
			if r >= 0xDC00 && r < 0xE000 {
				r, hi = utf16.DecodeRune(hi, r), 0
				if err := w.put(r); err != nil {
					return err
				}
				continue
			}
			hi = 0
			if err := w.put(utf8.RuneError); err != nil {
				return err
			}
		}
		switch {
		case r >= 0xD800 && r < 0xDC00:
			hi = r
			continue
		case r >= 0xDC00 && r < 0xE000:
			r = utf8.RuneError
		}
		if err := w.put(r); err != nil {
			return err
		}
	}
	if hi != 0 {
		if err := w.put(utf8.RuneError); err != nil {
			return err
		}
	}
	return w.line()
}

func (w *walker) latin1(b []byte) error {
	for _, c := range b {
		if err := w.put(rune(c)); err != nil {
			return err
		}
	}
	return w.line()
}

// put writes one character as the slide shows it: paragraph (\r) and line
// (\v) breaks become newlines; other control characters are dropped.
func (w *walker) put(r rune) error {
	switch {
	case r == '\r' || r == '\v' || r == '\n':
		r = '\n'
	case r == '\t':
	case r < 0x20 || r == 0x7F:
		return nil
	}
	if int64(w.text.Len()+utf8.RuneLen(r)) > w.textMax {
		return fmt.Errorf("%w: more than %d bytes of output", ErrLimit, w.lim.MaxOutput)
	}
	w.text.WriteRune(r)
	return nil
}

// line ends an atom's text with a newline.
func (w *walker) line() error {
	if b := w.text.Bytes(); len(b) == 0 || b[len(b)-1] == '\n' {
		return nil
	}
	return w.put('\n')
}
