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
		defer obj.data.data.Reset()
		return p.emitObject(obj, &obj.data.data)
	}
	return nil
}

// OLE1 FormatID values (MS-OLEDS 2.2.4 ObjectHeader).
const (
	ole1Linked   = 1
	ole1Embedded = 2
	ole1Static   = 5
)

// headerPrefix bounds the bytes an object's headers are read from.
const headerPrefix = 256 << 10

// emitObject hands out the native data of an OLE1 embedded object
// (MS-OLEDS 2.2.4: ObjectHeader, then NativeDataSize and NativeData), or
// the packaged file of a Package object; data that is not an OLE1
// object is handed out as it is. A linked object has no data, a static
// one only a picture: nothing is emitted for them.
func (p *parser) emitObject(obj *object, data *chunks) error {
	if data.Len() == 0 {
		return nil
	}
	class := printableName(obj.class)
	h, ok := parseOLE1(data.Prefix(headerPrefix), data.Len())
	switch {
	case !ok:
		return p.emitItem(ItemFile, objectName(obj.n, class), data.Section(0, data.Len()))
	case h.formatID == ole1Linked || h.formatID == ole1Static:
		return nil
	}
	if c := printableName(h.class); c != "" {
		class = c
	}
	if strings.EqualFold(class, "Package") {
		pre := make([]byte, min(h.size, headerPrefix))
		data.ReadAt(pre, h.off)
		if name, off, size, ok := parsePackage(pre, h.size); ok {
			label := "Package"
			if n := printableName(p.decodeANSI(name)); n != "" {
				label = "Package: " + n
			}
			return p.emitItem(ItemFile, objectName(obj.n, label), data.Section(h.off+off, size))
		}
	}
	return p.emitItem(ItemFile, objectName(obj.n, class), data.Section(h.off, h.size))
}

func objectName(n int, class string) string {
	if class == "" {
		return fmt.Sprintf("object %d", n)
	}
	return fmt.Sprintf("object %d (%s)", n, class)
}

// ole1Header is an OLE1 object's header: its format, its class, and
// where its native data is.
type ole1Header struct {
	formatID  uint32
	class     string
	off, size int64
}

// parseOLE1 reads an ObjectHeader and, for an embedded object, where its
// native data is (cut to what is there when NativeDataSize claims more)
// from b, the first bytes of total.
func parseOLE1(b []byte, total int64) (ole1Header, bool) {
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
	h.size = int64(binary.LittleEndian.Uint32(rest))
	h.off = int64(len(b)-len(rest)) + 4
	h.size = min(h.size, total-h.off)
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
// and bytes. b is the first bytes of the total native data; off and size
// say where the file is in it.
func parsePackage(b []byte, total int64) (name string, off, size int64, ok bool) {
	all := len(b)
	if len(b) < 2 {
		return "", 0, 0, false
	}
	b = b[2:]
	label, b, ok := cstring(b)
	if !ok {
		return "", 0, 0, false
	}
	orig, b, ok := cstring(b)
	if !ok || len(b) < 8 {
		return "", 0, 0, false
	}
	if binary.LittleEndian.Uint32(b) != 0x00030000 {
		return "", 0, 0, false
	}
	n := uint64(binary.LittleEndian.Uint32(b[4:]))
	b = b[8:]
	if n > uint64(len(b)) {
		return "", 0, 0, false
	}
	b = b[n:]
	if len(b) < 4 {
		return "", 0, 0, false
	}
	size = int64(binary.LittleEndian.Uint32(b))
	off = int64(all-len(b)) + 4
	size = min(size, total-off)
	name = label
	if name == "" {
		name = orig
	}
	if i := strings.LastIndexAny(name, `\/`); i >= 0 {
		name = name[i+1:]
	}
	return name, off, size, true
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
