package msg

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/richardlehane/mscfb"
)

// Stream and storage names of [MS-OXMSG] 2.2.
const (
	propsName     = "__properties_version1.0"
	substgPrefix  = "__substg1.0_"
	recipPrefix   = "__recip_version1.0_#"
	attachPrefix  = "__attach_version1.0_#"
	embeddedName  = "__substg1.0_3701000D"
	attachDataBin = "__substg1.0_37010102"
)

// Property stream header sizes ([MS-OXMSG] 2.4.1).
const (
	headerTop      = 32
	headerEmbedded = 24
	headerOther    = 8
)

// Property types ([MS-OXCDATA] 2.11.1).
const (
	ptLong      = 0x0003
	ptString8   = 0x001E
	ptUnicode   = 0x001F
	ptBinary    = 0x0102
	ptMVString8 = 0x101E
	ptMVUnicode = 0x101F
)

// Property ids read by name.
const (
	pidMessageClass     = 0x001A
	pidSubject          = 0x0037
	pidTransportHeaders = 0x007D
	pidSenderName       = 0x0C1A
	pidSenderAddrType   = 0x0C1E
	pidSenderEmail      = 0x0C1F
	pidRecipientType    = 0x0C15
	pidDisplayBcc       = 0x0E02
	pidDisplayCc        = 0x0E03
	pidDisplayTo        = 0x0E04
	pidBody             = 0x1000
	pidRTFCompressed    = 0x1009
	pidHTML             = 0x1013
	pidDisplayName      = 0x3001
	pidAddrType         = 0x3002
	pidEmailAddress     = 0x3003
	pidAttachFilename   = 0x3704
	pidAttachMethod     = 0x3705
	pidAttachLongName   = 0x3707
	pidSMTPAddress      = 0x39FE
	pidInternetCPID     = 0x3FDE
	pidMessageCodepage  = 0x3FFD
	pidSenderSMTP       = 0x5D01
	pidRecipDisplayName = 0x5FF6
)

// Attachment methods (PR_ATTACH_METHOD, [MS-OXCMSG] 2.2.2.9).
const (
	attachEmbeddedMsg = 5
	attachOLE         = 6
)

// maxLabel bounds the runes of a file name used in an item's label.
const maxLabel = 128

type reader struct {
	ctx       context.Context
	lim       Limits
	size      int64 // input size: no stream can be longer
	emit      func(Item) error
	left      int64 // output budget
	items     int
	encrypted string // why the message is unreadable, if it is
}

// prop is a string property value.
type prop struct {
	id, typ uint16
	idx     int // value index of a multi-valued property, -1 otherwise
	val     string
}

func (p prop) tag() string {
	t := fmt.Sprintf("%04X%04X", p.id, p.typ)
	if p.idx >= 0 {
		t += "[" + strconv.Itoa(p.idx) + "]"
	}
	return t
}

// storage is one message, recipient or attachment storage read: its fixed
// properties that matter, its strings and its binary streams.
type storage struct {
	fixed   map[uint16]uint32 // PT_LONG values by property id
	strs    []prop
	binary  map[uint16]*mscfb.File
	hasProp bool
}

func (s *storage) str(id uint16) string {
	for _, p := range s.strs {
		if p.id == id && p.idx < 0 {
			return p.val
		}
	}
	return ""
}

// message emits the items of the message in storage n, each label prefixed.
func (rd *reader) message(n *node, prefix string, depth int, parentCP uint32) error {
	hdr := headerTop
	if depth > 0 {
		hdr = headerEmbedded
	}
	fixed, err := rd.fixedProps(n, hdr)
	if err != nil {
		return err
	}
	cp := fixed[pidMessageCodepage]
	if cp == 0 {
		cp = fixed[pidInternetCPID]
	}
	if cp == 0 {
		cp = parentCP
	}
	s, err := rd.readStorage(n, cp)
	if err != nil {
		return err
	}
	s.fixed = fixed

	if class := strings.ToLower(s.str(pidMessageClass)); strings.HasPrefix(class, "ipm.note.smime") && !strings.Contains(class, "multipartsigned") && rd.encrypted == "" {
		rd.encrypted = "S/MIME-encrypted message"
	}

	var h strings.Builder
	line := func(k, v string) {
		if v != "" {
			h.WriteString(k + ": " + v + "\n")
		}
	}
	line("Subject", s.str(pidSubject))
	line("From", nameAddr(s.str(pidSenderName), first(s.str(pidSenderSMTP), s.str(pidSenderEmail))))
	line("To", s.str(pidDisplayTo))
	line("Cc", s.str(pidDisplayCc))
	line("Bcc", s.str(pidDisplayBcc))
	if err := rd.emitText(prefix+"header", h.String()); err != nil {
		return err
	}
	if err := rd.emitText(prefix+"internet headers", s.str(pidTransportHeaders)); err != nil {
		return err
	}
	if err := rd.emitText(prefix+"body", s.str(pidBody)); err != nil {
		return err
	}
	if f := s.binary[pidHTML]; f != nil {
		if err := rd.emitFile(prefix+"body.html", f); err != nil {
			return err
		}
	} else if html := s.str(pidHTML); html != "" {
		if err := rd.emitItem(Item{Kind: ItemFile, Name: prefix + "body.html", R: strings.NewReader(html)}); err != nil {
			return err
		}
	}
	if f := s.binary[pidRTFCompressed]; f != nil {
		if err := rd.emitFile(prefix+"body.rtf.compressed", f); err != nil {
			return err
		}
	}
	if err := rd.recipients(n, prefix, cp); err != nil {
		return err
	}
	done := map[uint16]bool{pidSubject: true, pidSenderName: true, pidSenderAddrType: true, pidSenderEmail: true, pidSenderSMTP: true,
		pidDisplayTo: true, pidDisplayCc: true, pidDisplayBcc: true, pidTransportHeaders: true, pidBody: true, pidHTML: true}
	if err := rd.emitText(prefix+"properties", propLines(s.strs, done, "")); err != nil {
		return err
	}
	return rd.attachments(n, prefix, depth, cp)
}

// recipients emits the "recipients" item: a line per recipient storage.
func (rd *reader) recipients(n *node, prefix string, cp uint32) error {
	var b strings.Builder
	for _, c := range numbered(n.storages, recipPrefix) {
		if err := rd.ctx.Err(); err != nil {
			return err
		}
		fixed, err := rd.fixedProps(c, headerOther)
		if err != nil {
			return err
		}
		s, err := rd.readStorage(c, cp)
		if err != nil {
			return err
		}
		kind := "To"
		switch fixed[pidRecipientType] & 0xF {
		case 2:
			kind = "Cc"
		case 3:
			kind = "Bcc"
		}
		name := s.str(pidDisplayName)
		b.WriteString(kind + ": " + nameAddr(name, first(s.str(pidSMTPAddress), s.str(pidEmailAddress))) + "\n")
		done := map[uint16]bool{pidDisplayName: true, pidSMTPAddress: true, pidEmailAddress: true, pidAddrType: true}
		if s.str(pidRecipDisplayName) == name {
			done[pidRecipDisplayName] = true
		}
		b.WriteString(propLines(s.strs, done, "  "))
	}
	return rd.emitText(prefix+"recipients", b.String())
}

// attachments emits each attachment's properties and content.
func (rd *reader) attachments(n *node, prefix string, depth int, cp uint32) error {
	for i, c := range numbered(n.storages, attachPrefix) {
		if err := rd.ctx.Err(); err != nil {
			return err
		}
		num := strconv.Itoa(i + 1)
		fixed, err := rd.fixedProps(c, headerOther)
		if err != nil {
			return err
		}
		s, err := rd.readStorage(c, cp)
		if err != nil {
			return err
		}
		if err := rd.emitText(prefix+"attachment "+num+"/properties", propLines(s.strs, nil, "")); err != nil {
			return err
		}
		fname := first(s.str(pidAttachLongName), s.str(pidAttachFilename), s.str(pidDisplayName))
		if strings.EqualFold(fname, "message.rpmsg") && rd.encrypted == "" {
			rd.encrypted = "rights-protected (IRM) message"
		}
		if f := c.stream(attachDataBin); f != nil {
			label := "attachment " + num
			if l := label1(fname); l != "" {
				label = "attachment/" + l
			}
			if err := rd.emitFile(prefix+label, f); err != nil {
				return err
			}
			continue
		}
		obj := c.byName[embeddedName]
		if obj == nil {
			continue
		}
		method := fixed[pidAttachMethod]
		if method == attachOLE || (method != attachEmbeddedMsg && !obj.isMessage()) {
			objPrefix := prefix + "attachment " + num + " (object)/"
			for _, name := range []string{"CONTENTS", "Package"} {
				if f := obj.stream(name); f != nil {
					if err := rd.emitFile(objPrefix+name, f); err != nil {
						return err
					}
				}
			}
			if f := obj.stream("Ole10Native"); f != nil {
				if err := rd.ole10Native(objPrefix, f, cp); err != nil {
					return err
				}
			}
			continue
		}
		if depth+1 > rd.lim.MaxDepth {
			return fmt.Errorf("%w: embedded messages nested deeper than %d", ErrLimit, rd.lim.MaxDepth)
		}
		if err := rd.message(obj, prefix+"attachment "+num+" (message)/", depth+1, cp); err != nil {
			return err
		}
	}
	return nil
}

// numbered returns the storages named prefix+8 hex digits, in number
// order (storages with a bad number last, in directory order).
func numbered(storages []*node, prefix string) []*node {
	var out []*node
	for _, c := range storages {
		if strings.HasPrefix(c.name, prefix) {
			out = append(out, c)
		}
	}
	num := func(n *node) uint64 {
		v, err := strconv.ParseUint(strings.TrimPrefix(n.name, prefix), 16, 32)
		if err != nil {
			return 1 << 40
		}
		return v
	}
	slices.SortStableFunc(out, func(a, b *node) int {
		x, y := num(a), num(b)
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	})
	return out
}

// fixedProps reads the PT_LONG values of a property stream, skipping its
// header of hdr bytes. The stream is read 16 bytes at a time, never held;
// an entry cut short ends it (as ErrCorrupt).
func (rd *reader) fixedProps(n *node, hdr int) (map[uint16]uint32, error) {
	out := map[uint16]uint32{}
	f := n.stream(propsName)
	if f == nil {
		return out, nil
	}
	if f.Size > rd.size {
		return nil, fmt.Errorf("%w: property stream claims %d bytes in a %d-byte file", ErrCorrupt, f.Size, rd.size)
	}
	br := bufio.NewReaderSize(&streamReader{ctx: rd.ctx, f: f, left: f.Size}, 4096)
	if _, err := br.Discard(hdr); err != nil {
		return nil, streamErr(err, "property stream header")
	}
	var e [16]byte
	for {
		if _, err := io.ReadFull(br, e[:]); err != nil {
			if err == io.EOF {
				return out, nil
			}
			return nil, streamErr(err, "property stream")
		}
		tag := binary.LittleEndian.Uint32(e[0:4])
		if tag&0xFFFF == ptLong {
			switch id := uint16(tag >> 16); id {
			case pidMessageCodepage, pidInternetCPID, pidAttachMethod, pidRecipientType:
				out[id] = binary.LittleEndian.Uint32(e[8:12])
			}
		}
	}
}

func streamErr(err error, what string) error {
	if errors.Is(err, ErrCorrupt) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return fmt.Errorf("%w: %s cut short", ErrCorrupt, what)
	}
	return fmt.Errorf("%w: %s: %v", ErrCorrupt, what, err)
}

// readStorage reads the string properties of a storage (decoded with code
// page cp for PT_STRING8) and notes its binary streams. Each string's
// size is charged to the output budget before it is read.
func (rd *reader) readStorage(n *node, cp uint32) (*storage, error) {
	s := &storage{binary: map[uint16]*mscfb.File{}}
	for _, f := range n.streams {
		id, typ, idx, ok := parseSubstg(f.Name)
		if !ok {
			continue
		}
		switch typ {
		case ptBinary:
			if s.binary[id] == nil {
				s.binary[id] = f
			}
			continue
		case ptString8, ptUnicode:
			if idx >= 0 {
				continue
			}
		case ptMVString8, ptMVUnicode:
			if idx < 0 { // the lengths stream
				continue
			}
		default:
			continue
		}
		if err := rd.ctx.Err(); err != nil {
			return nil, err
		}
		raw, err := rd.readSmall(f)
		if err != nil {
			return nil, err
		}
		var v string
		if typ == ptUnicode || typ == ptMVUnicode {
			v = decodeUTF16(raw)
		} else {
			v = decode8(raw, cp)
		}
		if extra := int64(len(v)) - int64(len(raw)); extra > 0 {
			if err := rd.charge(extra); err != nil {
				return nil, err
			}
		}
		if v != "" {
			s.strs = append(s.strs, prop{id: id, typ: typ, idx: idx, val: v})
		}
	}
	slices.SortStableFunc(s.strs, func(a, b prop) int {
		if a.id != b.id {
			return int(a.id) - int(b.id)
		}
		if a.typ != b.typ {
			return int(a.typ) - int(b.typ)
		}
		return a.idx - b.idx
	})
	return s, nil
}

// parseSubstg parses "__substg1.0_IIIITTTT" and "__substg1.0_IIIITTTT-NNNNNNNN".
func parseSubstg(name string) (id, typ uint16, idx int, ok bool) {
	rest, found := strings.CutPrefix(name, substgPrefix)
	if !found || len(rest) < 8 {
		return 0, 0, 0, false
	}
	tag, err := strconv.ParseUint(rest[:8], 16, 32)
	if err != nil {
		return 0, 0, 0, false
	}
	idx = -1
	if len(rest) > 8 {
		if len(rest) != 17 || rest[8] != '-' {
			return 0, 0, 0, false
		}
		n, err := strconv.ParseUint(rest[9:], 16, 32)
		if err != nil || n > 1<<20 {
			return 0, 0, 0, false
		}
		idx = int(n)
	}
	return uint16(tag >> 16), uint16(tag), idx, true
}

// readSmall reads a whole stream into memory, charging it to the budget
// first.
func (rd *reader) readSmall(f *mscfb.File) ([]byte, error) {
	if f.Size > rd.size {
		return nil, fmt.Errorf("%w: a stream claims %d bytes in a %d-byte file", ErrCorrupt, f.Size, rd.size)
	}
	if err := rd.charge(f.Size); err != nil {
		return nil, err
	}
	b := make([]byte, f.Size)
	if _, err := io.ReadFull(&streamReader{ctx: rd.ctx, f: f, left: f.Size}, b); err != nil {
		return nil, streamErr(err, "property value")
	}
	return b, nil
}

func (rd *reader) charge(n int64) error {
	if n > rd.left {
		return fmt.Errorf("%w: output beyond %d bytes", ErrLimit, rd.lim.MaxOutput)
	}
	rd.left -= n
	return nil
}

func (rd *reader) emitItem(it Item) error {
	if err := rd.ctx.Err(); err != nil {
		return err
	}
	if rd.items >= rd.lim.MaxItems {
		return fmt.Errorf("%w: more than %d items", ErrLimit, rd.lim.MaxItems)
	}
	rd.items++
	return rd.emit(it)
}

// emitText emits a text item; empty text is not emitted. Its bytes were
// charged when its strings were read.
func (rd *reader) emitText(name, text string) error {
	if text == "" {
		return nil
	}
	return rd.emitItem(Item{Kind: ItemText, Name: name, R: strings.NewReader(text)})
}

// emitFile emits stream f as a file item, read from the compound file as
// the callee reads it.
func (rd *reader) emitFile(name string, f *mscfb.File) error {
	if f.Size > rd.size {
		return fmt.Errorf("%w: a stream claims %d bytes in a %d-byte file", ErrCorrupt, f.Size, rd.size)
	}
	if err := rd.charge(f.Size); err != nil {
		return err
	}
	return rd.emitItem(Item{Kind: ItemFile, Name: name, R: &streamReader{ctx: rd.ctx, f: f, left: f.Size}})
}

// streamReader reads a stream of the compound file sequentially, left
// bytes of it; a stream that ends early or whose sector chain is broken is
// ErrCorrupt.
type streamReader struct {
	ctx  context.Context
	f    *mscfb.File
	left int64
	err  error
}

func (s *streamReader) Read(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	if s.left <= 0 {
		return 0, io.EOF
	}
	if err := s.ctx.Err(); err != nil {
		s.err = err
		return 0, err
	}
	if int64(len(p)) > s.left {
		p = p[:s.left]
	}
	n, err := s.f.Read(p)
	if n < 0 || n > len(p) {
		n = 0
	}
	s.left -= int64(n)
	switch {
	case err == nil, err == io.EOF && s.left == 0:
		if n == 0 && s.left > 0 {
			s.err = fmt.Errorf("%w: stream read returned nothing", ErrCorrupt)
			return 0, s.err
		}
		return n, nil
	case err == io.EOF:
		s.err = fmt.Errorf("%w: stream %d bytes short", ErrCorrupt, s.left)
	default:
		s.err = fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	return n, s.err
}

// propLines renders string properties as "IIIITTTT: value" lines, skipping the
// ids in done; a value's line breaks become spaces.
func propLines(ps []prop, done map[uint16]bool, indent string) string {
	var b strings.Builder
	for _, p := range ps {
		if done[p.id] {
			continue
		}
		b.WriteString(indent + p.tag() + ": " + oneLine(p.val) + "\n")
	}
	return b.String()
}

func oneLine(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	return strings.Join(strings.Fields(strings.NewReplacer("\r\n", " ", "\r", " ", "\n", " ").Replace(s)), " ")
}

func nameAddr(name, addr string) string {
	switch {
	case addr == "" || addr == name:
		return name
	case name == "":
		return "<" + addr + ">"
	}
	return name + " <" + addr + ">"
}

func first(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// label1 makes a file name fit in an item label: printable, no path
// separators, at most maxLabel runes.
func label1(name string) string {
	var b strings.Builder
	n := 0
	for _, r := range name {
		if n == maxLabel {
			break
		}
		n++
		switch {
		case r == '/' || r == '\\':
			b.WriteByte('_')
		case r == utf8.RuneError || !unicode.IsPrint(r):
			b.WriteByte('?')
		default:
			b.WriteRune(r)
		}
	}
	return strings.TrimSpace(b.String())
}

// maxOle10Header bounds the bytes read to find where an Ole10Native
// stream's file starts.
const maxOle10Header = 8192

// ole10Native emits the file a Packager object holds: its "\x01Ole10Native"
// stream is a size, flags, the label and the source path (NUL-terminated,
// in the code page), 4 bytes, a length-prefixed temporary path, then the
// file's size and bytes ([MS-OLEDS] 2.3.6, as Packager writes it). The
// file is emitted under its label's name; a stream that does not parse
// so is emitted whole as "Ole10Native", for the walker to sniff.
func (rd *reader) ole10Native(prefix string, f *mscfb.File, cp uint32) error {
	if f.Size > rd.size {
		return fmt.Errorf("%w: a stream claims %d bytes in a %d-byte file", ErrCorrupt, f.Size, rd.size)
	}
	head := make([]byte, min(f.Size, maxOle10Header))
	if n, err := f.ReadAt(head, 0); n == len(head) && (err == nil || err == io.EOF) {
		if name, off, size, ok := parseOle10Native(head, f.Size); ok {
			if _, err := f.Seek(off, io.SeekStart); err == nil || size == 0 {
				label := label1(decode8([]byte(name), cp))
				if label == "" {
					label = "Ole10Native"
				}
				if err := rd.charge(size); err != nil {
					return err
				}
				return rd.emitItem(Item{Kind: ItemFile, Name: prefix + label, R: &streamReader{ctx: rd.ctx, f: f, left: size}})
			}
			if _, err := f.Seek(0, io.SeekStart); err != nil {
				return fmt.Errorf("%w: Ole10Native stream: %v", ErrCorrupt, err)
			}
		}
	}
	return rd.emitFile(prefix+"Ole10Native", f)
}

// parseOle10Native finds, in the first bytes of an Ole10Native stream of
// size bytes, the file's name (the label, else the source path's last
// element), offset and size.
func parseOle10Native(b []byte, size int64) (name string, off, n int64, ok bool) {
	p := 6 // total size, flags
	cstr := func() (string, bool) {
		if p > len(b) {
			return "", false
		}
		i := bytes.IndexByte(b[p:], 0)
		if i < 0 {
			return "", false
		}
		s := string(b[p : p+i])
		p += i + 1
		return s, true
	}
	u32 := func() (int64, bool) {
		if p+4 > len(b) {
			return 0, false
		}
		v := int64(binary.LittleEndian.Uint32(b[p:]))
		p += 4
		return v, true
	}
	label, ok1 := cstr()
	src, ok2 := cstr()
	if !ok1 || !ok2 {
		return "", 0, 0, false
	}
	p += 4 // flags, unknown
	tmpLen, ok3 := u32()
	if !ok3 || tmpLen > int64(len(b)-p) {
		return "", 0, 0, false
	}
	p += int(tmpLen)
	n, ok4 := u32()
	if !ok4 || n > size-int64(p) {
		return "", 0, 0, false
	}
	if label == "" {
		label = src[strings.LastIndexAny(src, `\/`)+1:]
	}
	return label, int64(p), n, true
}
