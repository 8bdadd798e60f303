package rtf

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// object is an \object group: its number, its \objclass and the bytes of
// its \objdata.
type object struct {
	n     int
	class string
	data  *sink
	done  bool
}

// objdata starts reading the hex of an object's data; the end of the
// group hands out what it holds.
func (p *parser) objdata(st *state) error {
	if st.obj == nil || st.obj.done {
		st.dest = dSkip
		return nil
	}
	obj := st.obj
	obj.done = true
	obj.data = &sink{counted: true}
	st.dest = dObjdata
	p.hexHi = -1
	st.closer = func(p *parser) error {
		b := obj.data.buf
		obj.data.buf = nil
		return p.emitObject(obj, b)
	}
	return nil
}

// OLE1 FormatID values (MS-OLEDS 2.2.4 ObjectHeader).
const (
	ole1Linked   = 1
	ole1Embedded = 2
	ole1Static   = 5
)

// emitObject hands out the native data of an OLE1 embedded object
// (MS-OLEDS 2.2.4: ObjectHeader, then NativeDataSize and NativeData), or
// the packaged file of a Package object; data that is not an OLE1
// object is handed out as it is. A linked object has no data, a static
// one only a picture: nothing is emitted for them.
func (p *parser) emitObject(obj *object, b []byte) error {
	if len(b) == 0 {
		return nil
	}
	class := printableName(obj.class)
	h, ok := parseOLE1(b)
	switch {
	case !ok:
		return p.emitItem(ItemFile, objectName(obj.n, class), b, nil)
	case h.formatID == ole1Linked || h.formatID == ole1Static:
		return nil
	}
	if c := printableName(h.class); c != "" {
		class = c
	}
	native := h.native
	if strings.EqualFold(class, "Package") {
		if name, data, ok := parsePackage(native); ok {
			label := "Package"
			if n := printableName(p.decodeANSI(name)); n != "" {
				label = "Package: " + n
			}
			return p.emitItem(ItemFile, objectName(obj.n, label), data, nil)
		}
	}
	return p.emitItem(ItemFile, objectName(obj.n, class), native, nil)
}

func objectName(n int, class string) string {
	if class == "" {
		return fmt.Sprintf("object %d", n)
	}
	return fmt.Sprintf("object %d (%s)", n, class)
}

type ole1Header struct {
	formatID uint32
	class    string
	native   []byte
}

// parseOLE1 reads an ObjectHeader and, for an embedded object, its
// native data (cut to what is there when NativeDataSize claims more).
func parseOLE1(b []byte) (ole1Header, bool) {
	var h ole1Header
	if len(b) < 8 {
		return h, false
	}
	h.formatID = binary.LittleEndian.Uint32(b[4:])
	if h.formatID != ole1Linked && h.formatID != ole1Embedded && h.formatID != ole1Static {
		return h, false
	}
	rest := b[8:]
	class, rest, ok := lengthPrefixed(rest)
	if !ok {
		return h, false
	}
	h.class = class
	if h.formatID == ole1Static {
		return h, true
	}
	for range 2 { // TopicName, ItemName
		if _, rest, ok = lengthPrefixed(rest); !ok {
			return h, false
		}
	}
	if h.formatID == ole1Linked {
		return h, true
	}
	if len(rest) < 4 {
		return h, false
	}
	size := uint64(binary.LittleEndian.Uint32(rest))
	rest = rest[4:]
	if size > uint64(len(rest)) {
		size = uint64(len(rest))
	}
	h.native = rest[:size]
	return h, true
}

// lengthPrefixed reads a LengthPrefixedAnsiString: a 32-bit length
// counting the terminating NUL, then the characters.
func lengthPrefixed(b []byte) (string, []byte, bool) {
	if len(b) < 4 {
		return "", nil, false
	}
	n := uint64(binary.LittleEndian.Uint32(b))
	b = b[4:]
	if n > uint64(len(b)) || n > 1<<16 {
		return "", nil, false
	}
	s := b[:n]
	if i := bytes.IndexByte(s, 0); i >= 0 {
		s = s[:i]
	}
	return string(s), b[n:], true
}

// parsePackage reads the native data of a Package object (the OLE
// Packager's Ole10Native layout): a 16-bit header, the label and the
// original path (NUL-terminated), a 32-bit type (3: an embedded file),
// the temporary path with its 32-bit length, then the file's 32-bit size
// and bytes.
func parsePackage(b []byte) (name string, data []byte, ok bool) {
	if len(b) < 2 {
		return "", nil, false
	}
	b = b[2:]
	label, b, ok := cstring(b)
	if !ok {
		return "", nil, false
	}
	orig, b, ok := cstring(b)
	if !ok || len(b) < 8 {
		return "", nil, false
	}
	if binary.LittleEndian.Uint32(b) != 0x00030000 {
		return "", nil, false
	}
	n := uint64(binary.LittleEndian.Uint32(b[4:]))
	b = b[8:]
	if n > uint64(len(b)) {
		return "", nil, false
	}
	b = b[n:]
	if len(b) < 4 {
		return "", nil, false
	}
	size := uint64(binary.LittleEndian.Uint32(b))
	b = b[4:]
	if size > uint64(len(b)) {
		size = uint64(len(b))
	}
	name = label
	if name == "" {
		name = orig
	}
	if i := strings.LastIndexAny(name, `\/`); i >= 0 {
		name = name[i+1:]
	}
	return name, b[:size], true
}

func cstring(b []byte) (string, []byte, bool) {
	i := bytes.IndexByte(b, 0)
	if i < 0 || i > 4096 {
		return "", nil, false
	}
	return string(b[:i]), b[i+1:], true
}

// decodeANSI decodes a name in the document's code page.
func (p *parser) decodeANSI(s string) string {
	return string(p.dec.appendDecoded(nil, p.ansiCP, []byte(s)))
}

// printableName keeps the printable characters of a name from the file
// (no control or bidi characters), at most 100 of them.
func printableName(s string) string {
	var b strings.Builder
	n := 0
	for _, r := range s {
		if r == utf8.RuneError || !unicode.IsPrint(r) || unicode.Is(unicode.Bidi_Control, r) {
			continue
		}
		if n == 100 {
			break
		}
		b.WriteRune(r)
		n++
	}
	return strings.TrimSpace(b.String())
}
