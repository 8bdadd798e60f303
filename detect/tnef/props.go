package tnef

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/dlprelay/dlprelay/detect/lzfu"
)

// maxInline is the longest string value read into memory; a longer one is
// streamed as its own item.
const maxInline = 64 << 10

// maxTextBuf is the size at which a "properties" or "recipients" text is
// emitted and started afresh.
const maxTextBuf = 256 << 10

// MAPI property types ([MS-OXCDATA] 2.11.1).
const (
	ptShort    = 0x0002
	ptLong     = 0x0003
	ptFloat    = 0x0004
	ptDouble   = 0x0005
	ptCurrency = 0x0006
	ptAppTime  = 0x0007
	ptError    = 0x000A
	ptBoolean  = 0x000B
	ptObject   = 0x000D
	ptI8       = 0x0014
	ptString8  = 0x001E
	ptUnicode  = 0x001F
	ptSysTime  = 0x0040
	ptCLSID    = 0x0048
	ptBinary   = 0x0102
	mvFlag     = 0x1000
)

// Property IDs this package acts on or names.
const (
	prBody           = 0x1000
	prRTFCompressed  = 0x1009
	prHTML           = 0x1013 // PR_BODY_HTML (string) or PR_HTML (binary)
	prAttachDataBin  = 0x3701 // PR_ATTACH_DATA_BIN / PR_ATTACH_DATA_OBJ
	prAttachFilename = 0x3704
	prAttachLongName = 0x3707
	prDisplayName    = 0x3001
)

var propNames = map[uint16]string{
	0x001A: "PR_MESSAGE_CLASS",
	0x0037: "PR_SUBJECT",
	0x003D: "PR_SUBJECT_PREFIX",
	0x0042: "PR_SENT_REPRESENTING_NAME",
	0x0064: "PR_SENT_REPRESENTING_ADDRTYPE",
	0x0065: "PR_SENT_REPRESENTING_EMAIL_ADDRESS",
	0x0070: "PR_CONVERSATION_TOPIC",
	0x0074: "PR_RECEIVED_BY_NAME",
	0x0075: "PR_RECEIVED_BY_EMAIL_ADDRESS",
	0x007D: "PR_TRANSPORT_MESSAGE_HEADERS",
	0x0C1A: "PR_SENDER_NAME",
	0x0C1E: "PR_SENDER_ADDRTYPE",
	0x0C1F: "PR_SENDER_EMAIL_ADDRESS",
	0x0E02: "PR_DISPLAY_BCC",
	0x0E03: "PR_DISPLAY_CC",
	0x0E04: "PR_DISPLAY_TO",
	0x0E1D: "PR_NORMALIZED_SUBJECT",
	0x1000: "PR_BODY",
	0x1035: "PR_INTERNET_MESSAGE_ID",
	0x3001: "PR_DISPLAY_NAME",
	0x3002: "PR_ADDRTYPE",
	0x3003: "PR_EMAIL_ADDRESS",
	0x3703: "PR_ATTACH_EXTENSION",
	0x3704: "PR_ATTACH_FILENAME",
	0x3707: "PR_ATTACH_LONG_FILENAME",
	0x370E: "PR_ATTACH_MIME_TAG",
	0x39FE: "PR_SMTP_ADDRESS",
	0x5D01: "PR_SENDER_SMTP_ADDRESS",
	0x5D02: "PR_SENT_REPRESENTING_SMTP_ADDRESS",
}

// textBuf gathers "name=value" lines for one text item.
type textBuf struct {
	name string
	b    bytes.Buffer
}

func (rd *reader) flush(t *textBuf) error {
	if t.b.Len() == 0 {
		return nil
	}
	err := rd.emitItem(ItemText, t.name, bytes.NewReader(t.b.Bytes()))
	t.b.Reset()
	return err
}

func (rd *reader) addLine(t *textBuf, name, value string) error {
	return rd.addLineIndex(t, name, -1, value)
}

// addLineIndex adds "name[index]=value", or "name=value" for an index < 0.
func (rd *reader) addLineIndex(t *textBuf, name string, index int, value string) error {
	t.b.WriteString(name)
	if index >= 0 {
		t.b.WriteByte('[')
		t.b.Write(strconv.AppendInt(rd.num[:0], int64(index), 10))
		t.b.WriteByte(']')
	}
	t.b.WriteByte('=')
	t.b.WriteString(value)
	t.b.WriteByte('\n')
	if t.b.Len() >= maxTextBuf {
		return rd.flush(t)
	}
	return nil
}

// cursor reads little-endian fields from a region of the input.
type cursor struct {
	rd       *reader
	off, end int64
	err      error
	tmp      [16]byte
}

func (rd *reader) cursor(g region) *cursor {
	return &cursor{rd: rd, off: g.off, end: g.off + g.n}
}

func (c *cursor) left() int64 { return c.end - c.off }

func (c *cursor) fail(what string) {
	if c.err == nil {
		c.err = fmt.Errorf("%w: %s at offset %d runs past its attribute", ErrCorrupt, what, c.off)
	}
}

func (c *cursor) bytes(n int, what string) []byte {
	if c.err != nil {
		return nil
	}
	if int64(n) > c.left() {
		c.fail(what)
		c.off = c.end
		return nil
	}
	b := c.tmp[:n]
	if m, err := c.rd.r.ReadAt(b, c.off); m < n {
		c.err = fmt.Errorf("%w: reading offset %d: %v", ErrCorrupt, c.off, err)
		return nil
	}
	c.off += int64(n)
	return b
}

func (c *cursor) u16(what string) uint16 {
	if b := c.bytes(2, what); b != nil {
		return binary.LittleEndian.Uint16(b)
	}
	return 0
}

func (c *cursor) u32(what ...string) uint32 {
	w := "a field"
	if len(what) > 0 {
		w = what[0]
	}
	if b := c.bytes(4, w); b != nil {
		return binary.LittleEndian.Uint32(b)
	}
	return 0
}

// span takes the next n bytes as a region, and skips padding to 4 bytes (a
// missing final padding is tolerated).
func (c *cursor) span(n int64, what string) region {
	if c.err != nil {
		return region{}
	}
	if n > c.left() {
		c.fail(what)
		c.off = c.end
		return region{}
	}
	g := region{off: c.off, n: n, ok: true}
	c.off = min(c.end, c.off+(n+3)&^3)
	return g
}

// readRegion returns the bytes of a short region (g.n <= maxInline, checked
// by the callers), in rd's scratch buffer: valid until its next use.
func (rd *reader) readRegion(g region) ([]byte, error) {
	if g.n > int64(len(rd.scratch)) { // cannot happen: regions lie within size
		return nil, fmt.Errorf("%w: a value of %d bytes past the input", ErrCorrupt, g.n)
	}
	b := rd.scratch[:g.n]
	if m, err := rd.r.ReadAt(b, g.off); int64(m) < g.n {
		return nil, fmt.Errorf("%w: reading offset %d: %v", ErrCorrupt, g.off, err)
	}
	return b, nil
}

// shortString decodes a string value of at most maxInline bytes (a longer
// one is cut there).
func (rd *reader) shortString(g region, wide bool) (string, error) {
	g.n = min(g.n, maxInline)
	b, err := rd.readRegion(g)
	if err != nil {
		return "", err
	}
	return decodeString(b, rd.cp, wide), nil
}

// emitString emits a string value as its own text item.
func (rd *reader) emitString(name string, g region, wide bool) error {
	return rd.emitItem(ItemText, name, decodeReader(rd.section(rd.trimNUL(g, wide)), rd.cp, wide))
}

// trimNUL drops a string value's NUL terminator (two bytes when wide).
func (rd *reader) trimNUL(g region, wide bool) region {
	var end [2]byte
	if g.n >= 2 {
		if m, _ := rd.r.ReadAt(end[:], g.off+g.n-2); m == len(end) {
			switch {
			case wide && end == [2]byte{}:
				g.n -= 2
			case !wide && end[1] == 0:
				g.n--
			}
		}
	}
	return g
}

// addString adds a string value to t, or emits it as its own item
// "properties/<name>" when it is longer than maxInline.
func (rd *reader) addString(t *textBuf, name string, g region, wide bool) error {
	return rd.addValue(t, name, -1, g, wide)
}

// addValue is addString for the value of index index of a multi-valued
// property (-1 for a single value).
func (rd *reader) addValue(t *textBuf, name string, index int, g region, wide bool) error {
	if g.n > maxInline {
		if index >= 0 {
			name += "[" + strconv.Itoa(index) + "]"
		}
		return rd.emitString("properties/"+name, g, wide)
	}
	v, err := rd.shortString(g, wide)
	if err != nil {
		return err
	}
	if v == "" {
		return nil
	}
	return rd.addLineIndex(t, name, index, v)
}

// from reads attFrom, a TRP structure ([MS-OXTNEF] 2.1.3.3.3): a display
// name and an address.
func (rd *reader) from(g region) error {
	c := rd.cursor(g)
	c.u16("attFrom")
	c.u16("attFrom")
	cch := int64(c.u16("attFrom"))
	cb := int64(c.u16("attFrom"))
	if c.err != nil {
		return c.err
	}
	name := region{off: c.off, n: min(cch, c.left()), ok: true}
	addr := region{off: name.off + name.n, n: max(0, min(cb, c.left()-name.n)), ok: true}
	var vals []string
	for _, r := range []region{name, addr} {
		v, err := rd.shortString(r, false)
		if err != nil {
			return err
		}
		vals = append(vals, v)
	}
	if err := rd.addLine(&rd.msgProps, "attFrom", vals[0]+" <"+vals[1]+">"); err != nil {
		return err
	}
	if cch+cb > g.n-8 {
		return fmt.Errorf("%w: attFrom claims %d bytes of name and address, %d are there", ErrCorrupt, cch+cb, g.n-8)
	}
	return nil
}

// recipients reads attRecipTable: a row count, then rows that are property
// lists ([MS-OXTNEF] 2.1.3.3.13), and emits their strings as "recipients".
func (rd *reader) recipients(g region) error {
	c := rd.cursor(g)
	rows := c.u32("the row count")
	t := &textBuf{name: "recipients"}
	var err error
	added := false
	row := func(p prop, v region) error {
		if !p.isString() {
			return nil
		}
		added = true
		return rd.addValue(t, p.label, p.index, v, p.base() == ptUnicode)
	}
	for i := uint32(0); i < rows && c.err == nil && err == nil; i++ {
		if c.left() == 0 {
			c.fail(fmt.Sprintf("row %d of %d", i+1, rows))
			break
		}
		added = false
		if err = rd.props(c, row); err == nil && added {
			t.b.WriteByte('\n') // a blank line between recipients
		}
	}
	if ferr := rd.flush(t); ferr != nil {
		return ferr
	}
	if err != nil {
		return err
	}
	return c.err
}

// prop is one property's header.
type prop struct {
	typ, id uint16
	label   string // PR_ name, "named:<name>" or the tag in hex
	index   int    // the value's index in a multi-valued property, -1 otherwise
}

func (p prop) base() uint16    { return p.typ &^ mvFlag }
func (p prop) isString() bool  { return p.base() == ptString8 || p.base() == ptUnicode }
func (p prop) multi() bool     { return p.typ&mvFlag != 0 }
func (p prop) varLength() bool { return p.isString() || p.base() == ptBinary || p.base() == ptObject }

func tagLabel(id, typ uint16) string {
	if s, ok := propNames[id]; ok {
		return s
	}
	return fmt.Sprintf("0x%04X%04X", id, typ)
}

// fixedSize is the size of a fixed-length value of base type t, padded to 4
// bytes as TNEF stores it; 0 for a type it does not know.
func fixedSize(t uint16) int64 {
	switch t {
	case ptShort, ptLong, ptFloat, ptError, ptBoolean:
		return 4
	case ptDouble, ptCurrency, ptAppTime, ptI8, ptSysTime:
		return 8
	case ptCLSID:
		return 16
	}
	return 0
}

// props reads one property list ([MS-OXTNEF] 2.1.3.4) at c, calling fn for
// each value. The count is a claim: the loop ends with the list's bytes.
func (rd *reader) props(c *cursor, fn func(prop, region) error) error {
	count := c.u32("the property count")
	for i := uint32(0); i < count && c.err == nil; i++ {
		if c.left() == 0 {
			c.fail(fmt.Sprintf("property %d of %d", i+1, count))
			break
		}
		if rd.nprops >= rd.lim.MaxProperties {
			return fmt.Errorf("%w: more than %d properties (MaxProperties)", ErrLimit, rd.lim.MaxProperties)
		}
		rd.nprops++
		p := prop{typ: c.u16("a property type"), id: c.u16("a property ID"), index: -1}
		if p.id >= 0x8000 { // a named property: GUID, kind, then an ID or a name
			c.bytes(16, "a property GUID")
			switch kind := c.u32("a property kind"); kind {
			case 0:
				p.label = fmt.Sprintf("named:0x%X", c.u32("a named property ID"))
			case 1:
				n := int64(c.u32("a property name length"))
				g := c.span(n, "a property name")
				if c.err == nil {
					s, err := rd.shortString(region{off: g.off, n: min(g.n, 256), ok: true}, true)
					if err != nil {
						return err
					}
					p.label = "named:" + label(s)
				}
			default:
				if c.err == nil {
					return fmt.Errorf("%w: named property kind %d", ErrCorrupt, kind)
				}
			}
		}
		if c.err != nil {
			break
		}
		if p.label == "" {
			p.label = tagLabel(p.id, p.typ)
		}
		n := uint32(1)
		if p.multi() || p.varLength() {
			n = c.u32("a value count")
		}
		size := fixedSize(p.base())
		if !p.varLength() && size == 0 {
			return fmt.Errorf("%w: property 0x%04X%04X of unknown type", ErrCorrupt, p.id, p.typ)
		}
		for j := uint32(0); j < n && c.err == nil; j++ {
			if c.left() == 0 {
				c.fail("a property value")
				break
			}
			if p.multi() {
				p.index = int(j)
			}
			var g region
			if p.varLength() {
				g = c.span(int64(c.u32("a value length")), "a property value")
			} else {
				g = c.span(size, "a property value")
			}
			if c.err != nil {
				break
			}
			if err := fn(p, g); err != nil {
				return err
			}
		}
	}
	return c.err
}

// propList reads attMsgProps (a == nil) or attAttachment (the properties of
// attachment a).
func (rd *reader) propList(g region, a *attachment) error {
	c := rd.cursor(g)
	t := &rd.msgProps
	if a != nil {
		t = &a.props
	}
	return rd.props(c, func(p prop, v region) error {
		wide := p.base() == ptUnicode
		switch {
		case p.id == prBody && p.isString() && p.index < 0 && a == nil:
			return rd.emitString("body", v, wide)
		case p.id == prHTML && p.index < 0 && a == nil && p.base() == ptBinary:
			return rd.emitItem(ItemFile, "body.html", rd.section(v))
		case p.id == prHTML && p.index < 0 && a == nil && p.base() == ptString8:
			return rd.emitItem(ItemFile, "body.html", rd.section(rd.trimNUL(v, false)))
		case p.id == prHTML && p.index < 0 && a == nil && wide: // as UTF-8
			return rd.emitItem(ItemFile, "body.html", decodeReader(rd.section(rd.trimNUL(v, true)), rd.cp, true))
		case p.id == prRTFCompressed && p.base() == ptBinary && p.index < 0 && a == nil:
			return rd.rtf(v)
		case p.id == prAttachDataBin && a != nil && p.base() == ptBinary && p.index < 0:
			a.bin = v
		case p.id == prAttachDataBin && a != nil && p.base() == ptObject && p.index < 0:
			// The value starts with the interface's IID (16 bytes).
			if v.n >= 16 {
				a.obj = region{off: v.off + 16, n: v.n - 16, ok: true}
			}
		case p.isString():
			if a != nil && p.index < 0 && (p.id == prAttachLongName || p.id == prAttachFilename) {
				s, err := rd.shortString(v, wide)
				if err != nil {
					return err
				}
				if p.id == prAttachLongName {
					a.longName = s
				} else {
					a.shortName = s
				}
			}
			return rd.addValue(t, p.label, p.index, v, wide)
		}
		return nil
	})
}

// rtf decodes PR_RTF_COMPRESSED and emits the RTF as "body.rtf". A damaged
// compressed RTF is ErrCorrupt for the whole read but does not stop it, even
// when emit returns the error the item's reader gave it.
func (rd *reader) rtf(v region) error {
	var emitErr error
	var mr *mapReader
	lim := lzfu.Limits{MaxOutput: max(1, rd.lim.MaxOutput-rd.out), MaxRatio: rd.lim.MaxRatio}
	err := lzfu.Read(rd.ctx, rd.section(v), lim, func(it lzfu.Item) error {
		mr = &mapReader{r: it.R}
		emitErr = rd.emitItem(ItemFile, "body.rtf", mr)
		return emitErr
	})
	if emitErr != nil && mr != nil && mr.err != nil && errors.Is(emitErr, mr.err) && errors.Is(mr.err, ErrCorrupt) {
		rd.emitErr = nil
		return rd.soft(mr.err)
	}
	switch {
	case err == nil:
		return nil
	case emitErr != nil:
		return emitErr
	}
	return rd.soft(mapLZFu(err))
}

// mapLZFu turns an lzfu error into this package's sentinels.
func mapLZFu(err error) error {
	switch {
	case errors.Is(err, lzfu.ErrLimit):
		return fmt.Errorf("%w: PR_RTF_COMPRESSED: %v", ErrLimit, err)
	case errors.Is(err, lzfu.ErrCorrupt), errors.Is(err, lzfu.ErrUnsupported):
		return fmt.Errorf("%w: PR_RTF_COMPRESSED: %v", ErrCorrupt, err)
	}
	return err
}

// mapReader is the RTF's reader: its errors carry this package's sentinels.
type mapReader struct {
	r   io.Reader
	err error
}

func (m *mapReader) Read(p []byte) (int, error) {
	n, err := m.r.Read(p)
	if err != nil && err != io.EOF {
		if m.err == nil {
			m.err = mapLZFu(err)
		}
		return n, m.err
	}
	return n, err
}
