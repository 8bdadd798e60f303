// Package tnef reads TNEF, the Transport Neutral Encapsulation Format of
// Outlook and Exchange (winmail.dat, application/ms-tnef), as specified by
// [MS-OXTNEF]: the signature 0x223E9F78 and key, then message- and
// attachment-level attributes, each with its checksum.
//
// It owns the TNEF framing and the MAPI property lists that attMsgProps,
// attRecipTable and attAttachment carry. What it emits, in stream order:
// the subject and plain body (attSubject, attBody, PR_BODY) as text, the
// sender, recipients (attFrom, attRecipTable) and every other string
// property, multi-valued ones too, as "name=value" text; PR_BODY_HTML /
// PR_HTML as the file "body.html"; PR_RTF_COMPRESSED decoded (package
// detect/lzfu) as the file "body.rtf"; and each attachment's bytes
// (attAttachData, PR_ATTACH_DATA_BIN, or the PR_ATTACH_DATA_OBJ of an
// embedded message or OLE object) as the file "attachment/<name>", named by
// PR_ATTACH_LONG_FILENAME, attAttachTitle or PR_ATTACH_FILENAME, else
// "attachment N".
//
// It does not read RTF, HTML or the attachments themselves: they are handed
// back as files for the walker to sniff. An embedded message (an attachment
// whose PR_ATTACH_DATA_OBJ is IID_IMessage) is itself a TNEF stream and is
// emitted as such a file, so the walker recurses into it with its own depth
// bound: nothing nests inside this package. Binary and numeric properties
// other than those above are skipped. 8-bit strings are decoded in the code
// page of attOemCodepage (932 is CP932), Windows-1252 when there is none;
// PT_UNICODE strings are UTF-16LE.
//
// [MS-OXTNEF]: https://learn.microsoft.com/en-us/openspecs/exchange_server_protocols/ms-oxtnef/
package tnef

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"
)

// Defaults of the Limits fields.
const (
	DefaultMaxOutput     = 64 << 20
	DefaultMaxItems      = 10000
	DefaultMaxRatio      = 100
	DefaultMaxProperties = 100000
)

// Limits bound a read; zero fields take the defaults (Default* consts).
type Limits struct {
	MaxOutput     int64 // bytes of text and embedded files emitted in all (default 64 MiB)
	MaxItems      int   // items emitted (default 10000)
	MaxRatio      int   // RTF bytes per compressed byte of PR_RTF_COMPRESSED (default 100)
	MaxProperties int   // MAPI properties read in all, recipients' and attachments' included (default 100000)
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
	if l.MaxProperties <= 0 {
		l.MaxProperties = DefaultMaxProperties
	}
	return l
}

// ItemKind says what an Item is.
type ItemKind int

const (
	ItemText ItemKind = iota // UTF-8 text to scan (R yields UTF-8)
	ItemFile                 // an embedded file, bytes as they are, to be walked as an attachment (the walker sniffs it)
)

// Item is one thing the reader found.
type Item struct {
	Kind ItemKind
	// Name labels the item: "subject", "body", "properties", "recipients",
	// "body.html", "body.rtf", "attachment/<file name>",
	// "attachment/<file name>/properties", "properties/<property>" (a string
	// property too long for the "properties" text). File names are made
	// printable (control characters and path separators become "_").
	Name string
	R    io.Reader // valid only during the emit call
}

var (
	// ErrEncrypted is never returned: TNEF has no encryption of its own (an
	// S/MIME or IRM message in TNEF is an attachment the walker reads).
	// It exists so every reader has the same sentinels.
	ErrEncrypted = errors.New("tnef: encrypted")
	// ErrCorrupt: the stream is damaged (a truncated attribute, a bad
	// checksum, a property list that does not parse); what was emitted
	// before stands. Damage inside one attribute whose frame is intact does
	// not stop the read: the rest is read and ErrCorrupt returned at the end.
	ErrCorrupt = errors.New("tnef: corrupt stream")
	// ErrLimit: a Limits bound was hit; what was emitted before stands.
	ErrLimit = errors.New("tnef: limit reached")
	// ErrUnsupported: not TNEF (no signature) or a TNEF version other than
	// 1.0 (attTnefVersion 0x00010000).
	ErrUnsupported = errors.New("tnef: unsupported")
)

// Signature is the first four bytes of a TNEF stream, little-endian.
const Signature = 0x223E9F78

// Attribute levels ([MS-OXTNEF] 2.1.3.1).
const (
	levelMessage    = 0x01
	levelAttachment = 0x02
)

// Attribute IDs, the low word of the attribute's 32-bit ID
// ([MS-OXTNEF] 2.1.3.2); the high word is the type, not checked.
const (
	attFrom             = 0x8000
	attSubject          = 0x8004
	attMessageClass     = 0x8008
	attMessageID        = 0x8009
	attParentID         = 0x800A
	attConversationID   = 0x800B
	attBody             = 0x800C
	attAttachData       = 0x800F
	attAttachTitle      = 0x8010
	attAttachTransport  = 0x9001
	attAttachRenddata   = 0x9002
	attMsgProps         = 0x9003
	attRecipTable       = 0x9004
	attAttachment       = 0x9005
	attTnefVersion      = 0x9006
	attOemCodepage      = 0x9007
	attOriginalMsgClass = 0x0600
)

// Is reports whether head starts with the TNEF signature.
func Is(head []byte) bool {
	return len(head) >= 4 && binary.LittleEndian.Uint32(head) == Signature
}

// IsMediaType reports whether a MIME media type (lower case, no parameters)
// is one TNEF is sent as: application/ms-tnef or application/vnd.ms-tnef.
func IsMediaType(mediaType string) bool {
	return mediaType == "application/ms-tnef" || mediaType == "application/vnd.ms-tnef"
}

// Read reads the TNEF stream r of size bytes and calls emit for each item
// found, in stream order. It stops at ctx's end (returning ctx.Err()), at
// the first error of emit (returned as is), or at a bound (an error wrapping
// ErrLimit). Errors wrap the sentinels above so errors.Is works. Attribute
// and property lengths are claims: each is checked against the input left
// before anything is read, values are streamed from r or, when short (64 KiB
// at most), read into memory, so memory does not follow the input's claims.
func Read(ctx context.Context, r io.ReaderAt, size int64, lim Limits, emit func(Item) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	rd := &reader{ctx: ctx, r: r, size: size, lim: lim.withDefaults(), emit: emit, cp: defaultCodePage}
	rd.msgProps.name = "properties"
	rd.scratch = make([]byte, min(max(size, 64), maxInline))
	err := rd.read()
	if err == nil {
		err = rd.deferred
	}
	return err
}

// reader is one Read.
type reader struct {
	ctx  context.Context
	r    io.ReaderAt
	size int64
	lim  Limits
	emit func(Item) error

	cp       uint32 // code page of 8-bit strings
	out      int64  // bytes emitted
	items    int
	nprops   int
	nAttach  int
	att      *attachment
	msgProps textBuf
	emitErr  error  // emit's error, returned as is
	deferred error  // the first ErrCorrupt / ErrUnsupported that did not stop the read
	scratch  []byte // short values and checksums: min(size, maxInline) bytes
	num      [20]byte
}

// region is a span of the input.
type region struct {
	off, n int64
	ok     bool
}

func (rd *reader) section(g region) *io.SectionReader {
	return io.NewSectionReader(rd.r, g.off, g.n)
}

// attachment is what has been read of the current attachment; its items are
// emitted when it ends (the next attAttachRenddata, a message attribute or
// the end), when its long file name, which attAttachment carries after
// attAttachData, is known.
type attachment struct {
	n                          int
	title, longName, shortName string
	data, bin, obj             region
	props                      textBuf
}

// label names the attachment by its file name; one without (an embedded
// message, whose PR_DISPLAY_NAME is its subject: customer text, not a name)
// is "attachment N".
func (a *attachment) label() string {
	for _, s := range []string{a.longName, a.title, a.shortName} {
		if s = label(s); s != "" {
			return s
		}
	}
	return fmt.Sprintf("attachment %d", a.n)
}

// label makes a file name printable for Item.Name: control, format and
// bidi characters and path separators become "_", and it is cut at 200
// runes.
func label(s string) string {
	var b strings.Builder
	n := 0
	for _, c := range strings.TrimSpace(s) {
		if n == 200 {
			break
		}
		n++
		if c == '/' || c == '\\' || c == unicode.ReplacementChar || !unicode.IsPrint(c) && c != ' ' {
			c = '_'
		}
		b.WriteRune(c)
	}
	return b.String()
}

func (rd *reader) read() error {
	var head [6]byte
	// A ReaderAt may return io.EOF with a full read at the end: the count
	// is what tells a short read, here and below.
	if m, _ := rd.r.ReadAt(head[:], 0); m < len(head) || rd.size < 6 {
		if rd.size >= 4 && !Is(head[:]) {
			return fmt.Errorf("%w: no TNEF signature", ErrUnsupported)
		}
		return fmt.Errorf("%w: %d bytes, shorter than the signature and key", ErrCorrupt, rd.size)
	}
	if !Is(head[:]) {
		return fmt.Errorf("%w: no TNEF signature", ErrUnsupported)
	}
	pos := int64(6)
	for pos < rd.size {
		if err := rd.ctx.Err(); err != nil {
			return err
		}
		if rd.size-pos < 9 {
			return fmt.Errorf("%w: truncated attribute header at offset %d", ErrCorrupt, pos)
		}
		var h [9]byte
		if m, err := rd.r.ReadAt(h[:], pos); m < len(h) {
			return fmt.Errorf("%w: reading offset %d: %v", ErrCorrupt, pos, err)
		}
		level := h[0]
		id := binary.LittleEndian.Uint32(h[1:])
		n := int64(binary.LittleEndian.Uint32(h[5:]))
		data := region{off: pos + 9, n: n, ok: true}
		truncated := false
		if avail := rd.size - data.off; n+2 > avail {
			truncated = true
			data.n = max(0, min(n, avail))
		}
		if level != levelMessage && level != levelAttachment {
			return fmt.Errorf("%w: attribute level %d at offset %d", ErrCorrupt, level, pos)
		}
		if !truncated {
			var ck [2]byte
			if m, err := rd.r.ReadAt(ck[:], data.off+n); m < len(ck) {
				return fmt.Errorf("%w: reading offset %d: %v", ErrCorrupt, data.off+n, err)
			}
			sum, err := rd.checksum(data)
			if err != nil {
				return err
			}
			if sum != binary.LittleEndian.Uint16(ck[:]) {
				rd.soft(fmt.Errorf("%w: attribute 0x%08X at offset %d: checksum 0x%04X, stream says 0x%04X", ErrCorrupt, id, pos, sum, binary.LittleEndian.Uint16(ck[:])))
			}
		}
		if err := rd.attribute(level, id, data); err != nil {
			return err
		}
		if truncated {
			if err := rd.closeAttachment(); err != nil {
				return err
			}
			if err := rd.flushMessage(); err != nil {
				return err
			}
			return fmt.Errorf("%w: attribute 0x%08X at offset %d claims %d bytes, %d are left", ErrCorrupt, id, pos, n, rd.size-data.off)
		}
		pos = data.off + n + 2
	}
	if err := rd.closeAttachment(); err != nil {
		return err
	}
	return rd.flushMessage()
}

// soft records an error that does not stop the read (damage inside one
// attribute) and returns nil; any other error is returned.
func (rd *reader) soft(err error) error {
	if err == nil {
		return nil
	}
	if err != rd.emitErr && (errors.Is(err, ErrCorrupt) || errors.Is(err, ErrUnsupported)) {
		if rd.deferred == nil {
			rd.deferred = err
		}
		return nil
	}
	return err
}

// checksum is the attribute checksum: the sum of the data bytes, mod 65536.
func (rd *reader) checksum(g region) (uint16, error) {
	var sum uint16
	for off := g.off; off < g.off+g.n; {
		if err := rd.ctx.Err(); err != nil {
			return 0, err
		}
		b := rd.scratch[:min(int64(len(rd.scratch)), g.off+g.n-off)]
		m, err := rd.r.ReadAt(b, off)
		for _, c := range b[:m] {
			sum += uint16(c)
		}
		off += int64(m)
		if m < len(b) {
			return 0, fmt.Errorf("%w: reading offset %d: %v", ErrCorrupt, off, err)
		}
	}
	return sum, nil
}

// attribute handles one attribute whose data is g.
func (rd *reader) attribute(level byte, id uint32, g region) error {
	if level == levelMessage {
		if err := rd.closeAttachment(); err != nil {
			return err
		}
	}
	switch uint32(level)<<16 | byte2(id) {
	case levelMessage<<16 | attTnefVersion:
		c := rd.cursor(g)
		if v := c.u32(); c.err == nil && v != 0x00010000 {
			return fmt.Errorf("%w: TNEF version 0x%08X", ErrUnsupported, v)
		}
	case levelMessage<<16 | attOemCodepage:
		c := rd.cursor(g)
		if v := c.u32(); c.err == nil && v != 0 {
			rd.cp = v
		}
	case levelMessage<<16 | attSubject:
		return rd.emitString("subject", g, false)
	case levelMessage<<16 | attBody:
		return rd.emitString("body", g, false)
	case levelMessage<<16 | attMessageClass, levelMessage<<16 | attMessageID,
		levelMessage<<16 | attParentID, levelMessage<<16 | attConversationID,
		levelMessage<<16 | attOriginalMsgClass:
		return rd.soft(rd.addString(&rd.msgProps, attrName(byte2(id)), g, false))
	case levelMessage<<16 | attFrom:
		return rd.soft(rd.from(g))
	case levelMessage<<16 | attMsgProps:
		return rd.soft(rd.propList(g, nil))
	case levelMessage<<16 | attRecipTable:
		return rd.soft(rd.recipients(g))
	case levelAttachment<<16 | attAttachRenddata:
		if err := rd.closeAttachment(); err != nil {
			return err
		}
		if err := rd.flushMessage(); err != nil {
			return err
		}
		rd.nAttach++
		rd.att = &attachment{n: rd.nAttach}
	case levelAttachment<<16 | attAttachTitle:
		a := rd.attachment()
		v, err := rd.shortString(g, false)
		a.title = v
		return rd.soft(err)
	case levelAttachment<<16 | attAttachData:
		rd.attachment().data = g
	case levelAttachment<<16 | attAttachment:
		return rd.soft(rd.propList(g, rd.attachment()))
	}
	return nil
}

func byte2(id uint32) uint32 { return id & 0xFFFF }

// attachment returns the current attachment, starting one when an
// attachment attribute comes without attAttachRenddata.
func (rd *reader) attachment() *attachment {
	if rd.att == nil {
		rd.nAttach++
		rd.att = &attachment{n: rd.nAttach}
	}
	return rd.att
}

func attrName(id uint32) string {
	switch id {
	case attMessageClass:
		return "attMessageClass"
	case attMessageID:
		return "attMessageID"
	case attParentID:
		return "attParentID"
	case attConversationID:
		return "attConversationID"
	case attOriginalMsgClass:
		return "attOriginalMessageClass"
	case attFrom:
		return "attFrom"
	}
	return fmt.Sprintf("att0x%04X", id)
}

// closeAttachment emits the current attachment's items.
func (rd *reader) closeAttachment() error {
	a := rd.att
	if a == nil {
		return nil
	}
	rd.att = nil
	name := "attachment/" + a.label()
	switch {
	case a.data.ok:
		if err := rd.emitItem(ItemFile, name, rd.section(a.data)); err != nil {
			return err
		}
	case a.bin.ok:
		if err := rd.emitItem(ItemFile, name, rd.section(a.bin)); err != nil {
			return err
		}
	}
	if a.obj.ok {
		n := name
		if a.data.ok || a.bin.ok {
			n += " (object)"
		}
		if err := rd.emitItem(ItemFile, n, rd.section(a.obj)); err != nil {
			return err
		}
	}
	a.props.name = name + "/properties"
	return rd.flush(&a.props)
}

func (rd *reader) flushMessage() error { return rd.flush(&rd.msgProps) }

// emitItem emits one item, counting it and its bytes against the limits.
func (rd *reader) emitItem(kind ItemKind, name string, r io.Reader) error {
	if err := rd.ctx.Err(); err != nil {
		return err
	}
	if rd.items >= rd.lim.MaxItems {
		return fmt.Errorf("%w: more than %d items (MaxItems)", ErrLimit, rd.lim.MaxItems)
	}
	rd.items++
	b := &budget{r: r, left: rd.lim.MaxOutput - rd.out}
	err := rd.emit(Item{Kind: kind, Name: name, R: b})
	rd.out += b.n
	if err != nil {
		rd.emitErr = err
		return err
	}
	if b.hit {
		return fmt.Errorf("%w: more than %d bytes emitted (MaxOutput)", ErrLimit, rd.lim.MaxOutput)
	}
	return nil
}

// errOutput is what an item's reader returns past MaxOutput.
var errOutput = fmt.Errorf("%w: MaxOutput reached", ErrLimit)

// budget passes at most left bytes of r.
type budget struct {
	r    io.Reader
	left int64
	n    int64
	hit  bool
}

func (b *budget) Read(p []byte) (int, error) {
	if b.hit {
		return 0, errOutput
	}
	if b.left <= 0 {
		var one [1]byte
		m, err := b.r.Read(one[:])
		if m > 0 {
			b.hit = true
			return 0, errOutput
		}
		return 0, err
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	m, err := b.r.Read(p)
	b.left -= int64(m)
	b.n += int64(m)
	return m, err
}
