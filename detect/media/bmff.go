package media

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
	"unicode/utf8"
)

// ISO base media files (MP4, MOV, 3GP, M4A, HEIC, AVIF): top-level boxes
// from offset 0, ftyp first (or, for old QuickTime files, moov, mdat,
// wide, free, skip or pnot). End is the end of the last top-level box.
// Text comes from moov/udta (QuickTime ©-strings, 3GPP strings), from
// meta boxes (iTunes ilst items, QuickTime mdta keys, xml boxes, HEIF Exif
// and XMP items) and from XMP uuid boxes.

var xmpUUID = []byte{0xBE, 0x7A, 0xCF, 0xCB, 0x97, 0xA9, 0x42, 0xE8, 0x9C, 0x71, 0x99, 0x94, 0x91, 0xE3, 0xAF, 0xAC}

// brandKind names the file by its ftyp brands.
func brandKind(major, compat []byte) (kind, class string) {
	m := string(major)
	has := func(bs ...string) bool {
		for i := 0; i+4 <= len(compat); i += 4 {
			for _, b := range bs {
				if string(compat[i:i+4]) == b {
					return true
				}
			}
		}
		return false
	}
	heic := []string{"heic", "heix", "heim", "heis", "hevc", "hevx", "hevm", "hevs"}
	switch {
	case m == "qt  ":
		return "mov", Video
	case strings.HasPrefix(m, "3gp"), strings.HasPrefix(m, "3g2"):
		return "3gp", Video
	case m == "M4A " || m == "M4B " || m == "M4P ":
		return "m4a", Audio
	case m == "avif" || m == "avis":
		return "avif", Image
	case contains(heic, m):
		return "heic", Image
	case m == "mif1" || m == "msf1" || m == "miaf":
		if has("avif", "avis") {
			return "avif", Image
		}
		return "heic", Image
	}
	return "mp4", Video
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// box is one box header.
type box struct {
	typ       string
	off, data int64 // start of the box and of its content
	end       int64
}

// readBox reads the box header at off, which must end by end. ok is false
// when the bytes there are not a box header that fits. The type must be
// printable unless anyType (QuickTime ilst items are numbered).
func (w *walker) readBox(off, end int64, anyType bool) (b box, ok bool, err error) {
	if end-off < 8 {
		return box{}, false, nil
	}
	h, err := w.hdr(off, int(min(16, end-off)))
	if err != nil {
		return box{}, false, err
	}
	size := uint64(binary.BigEndian.Uint32(h))
	b = box{typ: string(h[4:8]), off: off, data: off + 8}
	switch size {
	case 0: // to the end
		size = uint64(end - off)
	case 1:
		if len(h) < 16 {
			return box{}, false, nil
		}
		size = binary.BigEndian.Uint64(h[8:])
		b.data += 8
	}
	if !anyType && !isBoxType(b.typ) || size < uint64(b.data-off) || size > uint64(end-off) {
		return box{}, false, nil
	}
	b.end = off + int64(size)
	return b, true, nil
}

// isBoxType accepts printable four-character codes (and ©, 0xA9).
func isBoxType(t string) bool {
	for i := 0; i < len(t); i++ {
		if (t[i] < 0x20 || t[i] > 0x7E) && t[i] != 0xA9 {
			return false
		}
	}
	return true
}

type bmffWalk struct {
	w        *walker
	sawMoov  bool
	sawMeta  bool
	mdtaKeys []string
}

func walkBMFF(w *walker) (int64, error) {
	bw := &bmffWalk{w: w}
	off := int64(0)
	for off < w.size {
		if err := w.step(); err != nil {
			return 0, err
		}
		b, ok, err := w.readBox(off, w.size, false)
		if err != nil {
			return 0, err
		}
		if !ok {
			if off == 0 {
				return 0, w.corrupt("no box at 0")
			}
			break // not a box: the rest is not part of the file
		}
		if off == 0 {
			if b.typ == "ftyp" {
				if err := bw.ftyp(b); err != nil {
					return 0, err
				}
			} else if !isQuickTimeTop(b.typ) {
				return 0, w.corrupt("no ftyp box first")
			}
		}
		if err := bw.top(b); err != nil {
			return 0, err
		}
		off = b.end
	}
	switch w.info.Class {
	case Image:
		if !bw.sawMeta {
			return 0, w.corrupt("no meta box")
		}
	default:
		if !bw.sawMoov {
			return 0, w.corrupt("no moov box")
		}
	}
	return off, nil
}

func (bw *bmffWalk) ftyp(b box) error {
	n := b.end - b.data
	if n < 8 || n%4 != 0 {
		return bw.w.corrupt("bad ftyp box")
	}
	h, err := bw.w.read(b.data, min(n, 4096))
	if err != nil {
		return err
	}
	bw.w.info.Kind, bw.w.info.Class = brandKind(h[:4], h[8:])
	return nil
}

func (bw *bmffWalk) top(b box) error {
	w := bw.w
	switch b.typ {
	case "moov":
		bw.sawMoov = true
		return bw.children(b, 1, bw.moovChild)
	case "meta":
		bw.sawMeta = true
		return bw.meta(b, 1)
	case "uuid":
		return bw.uuid(b)
	case "ftyp", "mdat", "moof", "mfra", "sidx", "ssix", "styp", "prft", "emsg", "wide", "pnot", "pdin", "mvex":
		return nil
	}
	return w.stringsAt(boxName("bmff:box/", b.typ)+"#strings", b.data, b.end-b.data)
}

func boxName(prefix, typ string) string {
	return prefix + decMacRoman([]byte(typ))
}

// children walks the boxes that fill the content of b (after skip bytes
// of a full box header), calling fn with each. QuickTime may end a list
// with a few zero bytes.
func (bw *bmffWalk) children(b box, depth int, fn func(box, int) error) error {
	return bw.childrenFrom(b.data, b.end, depth, fn)
}

func (bw *bmffWalk) childrenFrom(off, end int64, depth int, fn func(box, int) error) error {
	return bw.walkBoxes(off, end, depth, false, fn)
}

func (bw *bmffWalk) walkBoxes(off, end int64, depth int, anyType bool, fn func(box, int) error) error {
	w := bw.w
	if err := w.depth(depth); err != nil {
		return err
	}
	for off < end {
		if err := w.step(); err != nil {
			return err
		}
		c, ok, err := w.readBox(off, end, anyType)
		if err != nil {
			return err
		}
		if !ok {
			if end-off <= 8 {
				if z, err := w.read(off, end-off); err == nil && allZero(z) {
					return nil
				}
			}
			return w.corrupt("bad box at %d", off)
		}
		if err := fn(c, depth+1); err != nil {
			return err
		}
		off = c.end
	}
	return nil
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

func (bw *bmffWalk) moovChild(b box, depth int) error {
	switch b.typ {
	case "udta":
		return bw.children(b, depth, bw.udtaChild)
	case "meta":
		return bw.meta(b, depth)
	case "trak":
		return bw.children(b, depth, bw.moovChild)
	case "uuid":
		return bw.uuid(b)
	}
	return nil
}

func (bw *bmffWalk) uuid(b box) error {
	w := bw.w
	if b.end-b.data < 16 {
		return w.corrupt("short uuid box")
	}
	u, err := w.hdr(b.data, 16)
	if err != nil {
		return err
	}
	if bytes.Equal(u, xmpUUID) {
		t, cut, err := w.readText(b.data+16, b.end-b.data-16)
		if err != nil {
			return err
		}
		w.addText("xmp", decUTF8(t), cut)
		return nil
	}
	return w.stringsAt("bmff:uuid#strings", b.data+16, b.end-b.data-16)
}

// udtaChild reads one user-data box.
func (bw *bmffWalk) udtaChild(b box, depth int) error {
	w := bw.w
	n := b.end - b.data
	switch {
	case b.typ == "meta":
		return bw.meta(b, depth)
	case b.typ == "uuid":
		return bw.uuid(b)
	case b.typ == "XMP_":
		t, cut, err := w.readText(b.data, n)
		if err != nil {
			return err
		}
		w.addText("xmp", decUTF8(t), cut)
		return nil
	case b.typ[0] == 0xA9:
		return bw.qtStrings(b)
	case contains([]string{"titl", "dscp", "cprt", "perf", "auth", "gnre", "albm"}, b.typ):
		// 3GPP: a full box header, a language, then UTF-8 or UTF-16
		// with a BOM.
		if n < 6 {
			return w.corrupt("short 3GPP string box")
		}
		t, cut, err := w.readText(b.data+6, n-6)
		if err != nil {
			return err
		}
		if b.typ == "albm" && len(t) > 0 && !cut && t[len(t)-1] != 0 && bytes.IndexByte(t, 0) == len(t)-2 {
			t = t[:len(t)-1] // the optional track number
		}
		w.addText(boxName("udta:", b.typ), decBOMText(t), cut)
		return nil
	case b.typ == "name":
		t, cut, err := w.readText(b.data, n)
		if err != nil {
			return err
		}
		w.addText("udta:name", decUTF8orLatin1(t), cut)
		return nil
	}
	return w.stringsAt(boxName("udta:", b.typ)+"#strings", b.data, n)
}

// decBOMText decodes UTF-16 when it starts with a BOM, else UTF-8.
func decBOMText(b []byte) string {
	if len(b) >= 2 && (b[0] == 0xFE && b[1] == 0xFF || b[0] == 0xFF && b[1] == 0xFE) {
		return decUTF16(b, true)
	}
	return decUTF8(b)
}

// qtStrings reads a QuickTime ©xxx user-data box: a list of (length,
// language, text), or in some files an iTunes-style data box.
func (bw *bmffWalk) qtStrings(b box) error {
	w := bw.w
	n := b.end - b.data
	name := boxName("udta:", b.typ)
	if n >= 16 {
		h, err := w.hdr(b.data+4, 4)
		if err != nil {
			return err
		}
		if string(h) == "data" {
			return bw.children(b, 1, func(c box, _ int) error { return bw.dataBox(name, c) })
		}
	}
	raw, cut, err := w.readText(b.data, n)
	if err != nil {
		return err
	}
	for p := 0; p < len(raw); {
		if p+4 > len(raw) {
			if cut {
				break
			}
			return w.corrupt("bad QuickTime string")
		}
		l := int(binary.BigEndian.Uint16(raw[p:]))
		lang := binary.BigEndian.Uint16(raw[p+2:])
		p += 4
		if l > len(raw)-p {
			if !cut {
				return w.corrupt("bad QuickTime string")
			}
			l = len(raw) - p
		}
		s := raw[p : p+l]
		if lang < 0x400 && lang != 0 && !utf8.Valid(s) {
			w.addText(name, decMacRoman(s), cut)
		} else {
			w.addText(name, decBOMText(s), cut)
		}
		p += l
	}
	return nil
}

// meta reads a meta box: a full box in ISO files, a plain one in some
// QuickTime files.
func (bw *bmffWalk) meta(b box, depth int) error {
	w := bw.w
	data := b.data
	if b.end-b.data >= 8 {
		h, err := w.hdr(b.data+4, 4)
		if err != nil {
			return err
		}
		if string(h) != "hdlr" {
			data += 4 // version and flags
		}
	}
	m := &heifItems{}
	bw.mdtaKeys = nil
	err := bw.childrenFrom(data, b.end, depth, func(c box, depth int) error {
		switch c.typ {
		case "keys":
			return bw.keys(c)
		case "ilst":
			return bw.walkBoxes(c.data, c.end, depth, true, bw.ilstItem)
		case "xml ":
			if c.end-c.data < 4 {
				return w.corrupt("short xml box")
			}
			t, cut, err := w.readText(c.data+4, c.end-c.data-4)
			if err != nil {
				return err
			}
			w.addText("meta:xml", decBOMText(t), cut)
		case "uuid":
			return bw.uuid(c)
		case "iinf":
			return bw.iinf(c, depth, m)
		case "iloc":
			return bw.iloc(c, m)
		case "idat":
			m.idat, m.idatEnd = c.data, c.end
		}
		return nil
	})
	if err != nil {
		return err
	}
	return bw.heifText(m)
}

// keys reads QuickTime mdta key names.
func (bw *bmffWalk) keys(b box) error {
	w := bw.w
	if b.end-b.data < 8 {
		return w.corrupt("short keys box")
	}
	raw, err := w.read(b.data, b.end-b.data)
	if err != nil {
		return err
	}
	raw = raw[8:]
	for len(raw) >= 8 {
		if err := w.step(); err != nil {
			return err
		}
		n := int(binary.BigEndian.Uint32(raw))
		if n < 8 || n > len(raw) {
			return w.corrupt("bad key")
		}
		bw.mdtaKeys = append(bw.mdtaKeys, decUTF8(raw[8:n]))
		raw = raw[n:]
	}
	return nil
}

// ilstItem reads one iTunes metadata item: data boxes, and for "----"
// items a mean and a name.
func (bw *bmffWalk) ilstItem(b box, depth int) error {
	w := bw.w
	name := boxName("ilst:", b.typ)
	if !isBoxType(b.typ) {
		name = fmt.Sprintf("ilst:0x%08X", binary.BigEndian.Uint32([]byte(b.typ)))
	}
	if !isBoxType(b.typ) || len(bw.mdtaKeys) > 0 {
		// QuickTime mdta: the type is a 1-based index into the keys.
		i := int(binary.BigEndian.Uint32([]byte(b.typ)))
		if i >= 1 && i <= len(bw.mdtaKeys) {
			key := bw.mdtaKeys[i-1]
			if cleanKey(key) {
				name = "mdta:" + key
			} else {
				w.addText("mdta#key", key, false)
				name = "mdta"
			}
		}
	}
	return bw.children(b, depth, func(c box, _ int) error {
		switch c.typ {
		case "data":
			return bw.dataBox(name, c)
		case "name", "mean":
			if c.end-c.data < 4 {
				return w.corrupt("short %s box", c.typ)
			}
			t, cut, err := w.readText(c.data+4, c.end-c.data-4)
			if err != nil {
				return err
			}
			w.addText(name+"/"+c.typ, decUTF8(t), cut)
		}
		return nil
	})
}

// dataBox reads an iTunes data box: type, locale, value. Only the text
// types are text; numbers and cover art are not.
func (bw *bmffWalk) dataBox(name string, b box) error {
	w := bw.w
	n := b.end - b.data
	if n < 8 {
		return w.corrupt("short data box")
	}
	h, err := w.hdr(b.data, 4)
	if err != nil {
		return err
	}
	typ := binary.BigEndian.Uint32(h) & 0xFFFFFF
	switch typ {
	case 1, 2, 3, 4, 5:
	default:
		return nil
	}
	t, cut, err := w.readText(b.data+8, n-8)
	if err != nil {
		return err
	}
	switch typ {
	case 2, 5:
		w.addText(name, decUTF16(t, true), cut)
	case 3:
		w.addText(name, decShiftJIS(t), cut)
	default:
		w.addText(name, decUTF8(t), cut)
	}
	return nil
}
