// Package msg reads Outlook message files (.msg, [MS-OXMSG]): the
// properties of a message stored in an OLE compound file, its recipients
// and its attachments, embedded messages included.
//
// A message is a storage of the compound file (the root, or an embedded
// message's "__substg1.0_3701000D" storage). Its fixed-size properties sit
// in the "__properties_version1.0" stream (a 32-byte header for the
// top-level message, 24 for an embedded one, 8 for a recipient or an
// attachment, then 16-byte entries); each variable-size property is a
// stream "__substg1.0_IIIITTTT" (property id, then property type, in hex:
// the property tag). Strings are PT_UNICODE (UTF-16LE) or PT_STRING8 in
// the message's code page (PR_MESSAGE_CODEPAGE, else PR_INTERNET_CPID; CP932
// is Shift_JIS as Windows writes it). Multi-valued strings are read from
// their "-0000000N" streams.
//
// What is emitted, in this order, for each message:
//   - "header" (text): Subject, From (sender name and address), To, Cc and
//     Bcc as Outlook displays them;
//   - "internet headers" (text): PR_TRANSPORT_MESSAGE_HEADERS, the headers
//     the message arrived with;
//   - "body" (text): PR_BODY;
//   - "body.html" (file): PR_HTML as stored (a PT_UNICODE HTML body is
//     handed out as UTF-8);
//   - "body.rtf.compressed" (file): PR_RTF_COMPRESSED, raw: package lzfu
//     decodes it;
//   - "recipients" (text): one "To:", "Cc:" or "Bcc:" line per recipient
//     (display name and SMTP or e-mail address), then the recipient's other
//     string properties;
//   - "properties" (text): every other string property of the message, named
//     properties included, one "IIIITTTT: value" line each (the hex tag, with
//     "[n]" after it for the values of a multi-valued property);
//   - per attachment N (1-based, in storage order): "attachment N/properties"
//     (text: file names, MIME type and the other string properties), then
//     the attachment itself: "attachment/<name>" (file) for attached data
//     (the long file name, else the 8.3 one, else the display name, made
//     printable; "attachment N" without any),
//     the items of an embedded message under "attachment N (message)/",
//     and for an OLE object its "CONTENTS", "Package" or "Ole10Native"
//     stream as a file under "attachment N (object)/".
//
// What is not read: binary properties other than the ones above (entry ids,
// search keys), the named-property mapping (named properties are labelled by
// tag), and compressed RTF, which is handed out undecoded. An S/MIME or
// rights-protected (IRM) message is read as far as it is clear (envelope,
// recipients, the encrypted attachment as a file) and Read then reports
// ErrEncrypted.
//
// Every stream size is a claim of the file: it is checked against the input
// size and the output budget before anything is read, and attachment data is
// streamed from the compound file, never held.
package msg

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/richardlehane/mscfb"
)

// Defaults for zero fields of Limits.
const (
	DefaultMaxOutput  = 64 << 20
	DefaultMaxItems   = 10000
	DefaultMaxRatio   = 100
	DefaultMaxDepth   = 8
	DefaultMaxEntries = 65536
)

// Limits bound a read; zero fields take the defaults (exported Default* consts).
type Limits struct {
	MaxOutput int64 // bytes of text and embedded files emitted in all (default 64 MiB)
	MaxItems  int   // items emitted (default 10000)
	// MaxRatio is output per input byte for anything decompressed (default
	// 100). Nothing in a .msg is decompressed here (compressed RTF is handed
	// out raw), so it bounds nothing today; it is kept for the common shape.
	MaxRatio int
	// MaxDepth bounds the nesting of embedded messages (default 8): a
	// message attached to a message attached to ... deeper than this is
	// ErrLimit.
	MaxDepth int
	// MaxEntries bounds the compound file's directory entries (default
	// 65536): the directory is read whole before anything else, so this
	// bounds that memory (about 300 bytes an entry) whatever the file claims.
	MaxEntries int
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
	if l.MaxEntries <= 0 {
		l.MaxEntries = DefaultMaxEntries
	}
	return l
}

// ItemKind says what an Item is.
type ItemKind int

// Item kinds.
const (
	ItemText ItemKind = iota // UTF-8 text to scan (R yields UTF-8)
	ItemFile                 // an embedded file, bytes as they are, to be walked as an attachment (the walker sniffs it)
)

// Item is one thing the reader found.
type Item struct {
	Kind ItemKind
	Name string    // a path-like label for the report: "body", "attachment/report.xlsx", "attachment 2 (message)/body"
	R    io.Reader // valid only during the emit call
}

// Errors; those Read returns wrap one of these.
var (
	ErrEncrypted   = errors.New("msg: encrypted message: content unreadable")
	ErrCorrupt     = errors.New("msg: damaged message file")
	ErrLimit       = errors.New("msg: limit reached")
	ErrUnsupported = errors.New("msg: unsupported file")
)

// cfbSignature opens every OLE compound file.
var cfbSignature = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}

// Is reports whether head starts like an OLE compound file. Every .msg is
// one, but so are .doc, .xls and .ppt, which the first bytes do not tell
// apart: a true answer means "try Read", and Read returns an error wrapping
// ErrUnsupported (before emitting anything) for a compound file that is not
// an Outlook message, so the caller can hand it to the next OLE reader.
func Is(head []byte) bool {
	return bytes.HasPrefix(head, cfbSignature)
}

// Read reads the file r of size bytes and calls emit for each item found,
// in document order. It stops at ctx's end (returning ctx.Err()), at the
// first error of emit (returned as is), or at a bound (an error wrapping
// ErrLimit). Errors wrap the sentinels above so errors.Is works. It never
// panics on any input, never allocates from an unchecked count in the file,
// and its memory is bounded by Limits, not by the input's claims.
//
// A file that is not a compound file, or a compound file that is not a
// message (a .doc, an .xls), is ErrUnsupported with nothing emitted. An
// S/MIME-encrypted or rights-protected message is ErrEncrypted after what
// is clear of it (header, recipients, properties, the encrypted attachment
// as a file) has been emitted.
func Read(ctx context.Context, r io.ReaderAt, size int64, lim Limits, emit func(Item) error) error {
	lim = lim.withDefaults()
	if err := ctx.Err(); err != nil {
		return err
	}
	if size < 0 {
		return fmt.Errorf("%w: negative size %d", ErrCorrupt, size)
	}
	var head [512]byte
	n, err := r.ReadAt(head[:min(size, 512)], 0)
	if n < len(cfbSignature) || !Is(head[:n]) {
		if err != nil && err != io.EOF {
			return fmt.Errorf("%w: reading the header: %v", ErrCorrupt, err)
		}
		return fmt.Errorf("%w: not an OLE compound file", ErrUnsupported)
	}
	if n < len(head) {
		return fmt.Errorf("%w: %d bytes is too short for a compound file", ErrCorrupt, size)
	}
	br := newBudgetReader(r, size, head[:], lim.MaxEntries)
	doc, err := mscfb.New(br)
	if err != nil {
		if br.tooManyDirs {
			return fmt.Errorf("%w: more than %d directory entries", ErrLimit, lim.MaxEntries)
		}
		if br.chainLooping {
			return fmt.Errorf("%w: a sector chain loops", ErrCorrupt)
		}
		if e, ok := err.(mscfb.Error); ok && e.Typ() == mscfb.ErrPathLimit {
			return fmt.Errorf("%w: storages nested deeper than %d", ErrLimit, mscfb.PathLimit)
		}
		return fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	br.disarm()
	t := buildTree(doc)
	if !t.root.isMessage() {
		return fmt.Errorf("%w: compound file is not an Outlook message", ErrUnsupported)
	}
	rd := &reader{ctx: ctx, lim: lim, size: size, emit: emit, left: lim.MaxOutput}
	if err := rd.message(t.root, "", 0, 0); err != nil {
		return err
	}
	if rd.encrypted != "" {
		return fmt.Errorf("%w: %s", ErrEncrypted, rd.encrypted)
	}
	return nil
}

// budgetReader is the io.ReaderAt mscfb.New reads through. mscfb reads
// the whole directory and follows the sector chains of the header, the
// DIFAT, the directory and the mini stream before it returns, and a chain
// can loop in ways its checks do not catch (a run of forward steps after
// every backward jump); so while it is armed, the reader counts:
//   - sector-sized reads (header, DIFAT and directory sectors): more than
//     the directory-entry budget allows is ErrLimit, so a directory as long
//     as the file cannot fill memory;
//   - all reads: an honest file needs about two a sector (a sector and its
//     FAT entry), so more than four a sector of the file is a looping chain,
//     ErrCorrupt, found in time linear in the file's size.
//
// Once New has returned, disarm lifts the counts for the streams' reads,
// which the output budget bounds.
type budgetReader struct {
	r            io.ReaderAt
	size         int64
	sectorReads  int64
	maxSectors   int64
	reads        int64
	maxReads     int64
	armed        bool
	tooManyDirs  bool
	chainLooping bool
}

func newBudgetReader(r io.ReaderAt, size int64, head []byte, maxEntries int) *budgetReader {
	shift := uint(head[30]) | uint(head[31])<<8
	ss := int64(512)
	if shift == 12 {
		ss = 4096
	}
	difat := int64(uint32(head[72]) | uint32(head[73])<<8 | uint32(head[74])<<16 | uint32(head[75])<<24)
	if limit := size / ss; difat > limit {
		difat = limit
	}
	dirSectors := (int64(maxEntries)*128 + ss - 1) / ss
	return &budgetReader{r: r, size: size, maxSectors: 1 + difat + dirSectors, maxReads: 4*(size/ss) + 64, armed: true}
}

func (b *budgetReader) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 || off >= b.size {
		return 0, io.EOF
	}
	if b.armed {
		b.reads++
		if b.reads > b.maxReads {
			b.chainLooping = true
			return 0, errors.New("read budget exhausted")
		}
		if len(p) >= 512 {
			b.sectorReads++
			if b.sectorReads > b.maxSectors {
				b.tooManyDirs = true
				return 0, errors.New("directory budget exhausted")
			}
		}
	}
	if rest := b.size - off; int64(len(p)) > rest {
		n, err := b.r.ReadAt(p[:rest], off)
		if err == nil {
			err = io.EOF
		}
		return n, err
	}
	return b.r.ReadAt(p, off)
}

func (b *budgetReader) disarm() { b.armed = false }

// node is a storage of the compound file with its children in directory
// order.
type node struct {
	name     string
	streams  []*mscfb.File
	storages []*node
	byName   map[string]*node
}

func (n *node) stream(name string) *mscfb.File {
	for _, f := range n.streams {
		if f.Name == name {
			return f
		}
	}
	return nil
}

// isMessage reports whether a storage holds a message: a property stream
// or a property value stream.
func (n *node) isMessage() bool {
	for _, f := range n.streams {
		if f.Name == propsName || strings.HasPrefix(f.Name, substgPrefix) {
			return true
		}
	}
	return false
}

type tree struct{ root *node }

// buildTree turns mscfb's flat list (each entry with the names of the
// storages above it) into storages with children. The root entry is the
// one storage mscfb lists with no path that is named "Root Entry"; a
// storage listed twice under one path keeps its first children list.
func buildTree(doc *mscfb.Reader) tree {
	root := &node{byName: map[string]*node{}}
	rootSeen := false
	for _, f := range doc.File {
		dir := f.FileInfo().IsDir()
		if dir && len(f.Path) == 0 && !rootSeen && f.Name == "Root Entry" {
			rootSeen = true
			continue
		}
		parent := root
		for _, p := range f.Path {
			c := parent.byName[p]
			if c == nil {
				c = &node{name: p, byName: map[string]*node{}}
				parent.byName[p] = c
				parent.storages = append(parent.storages, c)
			}
			parent = c
		}
		if dir {
			if parent.byName[f.Name] == nil {
				c := &node{name: f.Name, byName: map[string]*node{}}
				parent.byName[f.Name] = c
				parent.storages = append(parent.storages, c)
			}
			continue
		}
		parent.streams = append(parent.streams, f)
	}
	return tree{root: root}
}
