package media

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// TIFF structure: the header, chains of IFDs, tag values and image data.
// It is the whole of a TIFF file and the inside of EXIF blocks (JPEG APP1,
// PNG eXIf, WebP EXIF, HEIF Exif items).

// tiffWalk walks the TIFF structure of n bytes at base in the file.
type tiffWalk struct {
	w    *walker
	base int64
	n    int64
	bo   binary.ByteOrder
	// file is set for a TIFF file: a reference outside the structure is
	// ErrCorrupt (in an EXIF block it is skipped, as readers do), and end
	// is the furthest byte referenced.
	file      bool
	end       int64
	seen      map[int64]bool
	imageData bool // some IFD has strips or tiles
}

// IFD kinds, for tag names.
const (
	ifdMain = iota
	ifdExif
	ifdGPS
	ifdInterop
)

// walkTIFF walks a TIFF file. It has no end marker: End is the furthest
// byte any IFD, tag value, strip or tile uses.
func walkTIFF(w *walker) (int64, error) {
	t := &tiffWalk{w: w, n: w.size, file: true}
	if err := t.walk(); err != nil {
		return 0, err
	}
	if !t.imageData {
		return 0, w.corrupt("no image data")
	}
	return t.end, nil
}

// exifAt reads an EXIF block of n bytes at off: a TIFF structure, after
// an "Exif\0\0" prefix when there is one.
func (w *walker) exifAt(off, n int64) error {
	if n >= 6 {
		p, err := w.hdr(off, 6)
		if err != nil {
			return err
		}
		if string(p) == "Exif\x00\x00" {
			off, n = off+6, n-6
		}
	}
	t := &tiffWalk{w: w, base: off, n: n}
	return t.walk()
}

func (t *tiffWalk) walk() error {
	h, err := t.bytes(0, 8)
	if err != nil {
		return err
	}
	switch string(h[:4]) {
	case "II*\x00":
		t.bo = binary.LittleEndian
	case "MM\x00*":
		t.bo = binary.BigEndian
	default:
		return t.w.corrupt("bad TIFF header")
	}
	t.extend(0, 8)
	t.seen = map[int64]bool{}
	return t.chain(int64(t.bo.Uint32(h[4:])), ifdMain, 1)
}

// bytes reads [off, off+n) of the TIFF structure.
func (t *tiffWalk) bytes(off, n int64) ([]byte, error) {
	if off < 0 || n < 0 || off > t.n || n > t.n-off {
		return nil, t.w.corrupt("TIFF reference outside the structure")
	}
	return t.w.read(t.base+off, n)
}

func (t *tiffWalk) extend(off, n int64) {
	t.end = max(t.end, off+n)
}

func (t *tiffWalk) inside(off, n int64) bool {
	return off >= 0 && n >= 0 && off <= t.n && n <= t.n-off
}

// chain walks the IFD at off and the ones linked after it.
func (t *tiffWalk) chain(off int64, kind, depth int) error {
	for off != 0 {
		if err := t.w.depth(depth); err != nil {
			return err
		}
		if t.seen[off] {
			return nil // a loop: every IFD in it has been walked
		}
		t.seen[off] = true
		next, err := t.ifd(off, kind, depth)
		if err != nil {
			return err
		}
		off = next
	}
	return nil
}

// tiffTypeSize is the size of one value of each TIFF field type.
var tiffTypeSize = [...]int64{1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4}

type tiffEntry struct {
	tag, typ uint16
	count    int64
	off      int64 // of the value, from the structure's start
	size     int64
}

// ifd walks one IFD and returns the offset of the next.
func (t *tiffWalk) ifd(off int64, kind, depth int) (int64, error) {
	w := t.w
	if err := w.step(); err != nil {
		return 0, err
	}
	c, err := t.bytes(off, 2)
	if err != nil {
		if t.file || kind == ifdMain && depth == 1 {
			return 0, err
		}
		return 0, nil // a dangling EXIF sub-IFD: skipped
	}
	count := int64(t.bo.Uint16(c))
	if err := w.steps(int(count)); err != nil {
		return 0, err
	}
	raw, err := t.bytes(off+2, 12*count+4)
	if err != nil {
		if t.file || kind == ifdMain && depth == 1 {
			return 0, err
		}
		return 0, nil
	}
	t.extend(off, 2+12*count+4)
	entries := make([]tiffEntry, 0, count)
	for i := int64(0); i < count; i++ {
		e := raw[12*i : 12*i+12]
		te := tiffEntry{tag: t.bo.Uint16(e), typ: t.bo.Uint16(e[2:]), count: int64(t.bo.Uint32(e[4:]))}
		if int(te.typ) >= len(tiffTypeSize) || tiffTypeSize[te.typ] == 0 {
			continue // an unknown type has no known size: readers skip it
		}
		te.size = te.count * tiffTypeSize[te.typ]
		if te.size <= 4 {
			te.off = off + 2 + 12*i + 8
		} else {
			te.off = int64(t.bo.Uint32(e[8:]))
			if !t.inside(te.off, te.size) {
				if t.file {
					return 0, w.corrupt("TIFF tag value outside the file")
				}
				continue
			}
			t.extend(te.off, te.size)
		}
		entries = append(entries, te)
	}
	byTag := map[uint16]tiffEntry{}
	for _, e := range entries {
		byTag[e.tag] = e
		if err := t.entry(e, kind, depth); err != nil {
			return 0, err
		}
	}
	if t.file {
		for _, p := range [][2]uint16{{0x0111, 0x0117}, {0x0144, 0x0145}, {0x0120, 0x0121}, {0x0201, 0x0202}} {
			if err := t.extents(byTag, p[0], p[1]); err != nil {
				return 0, err
			}
		}
	}
	return int64(t.bo.Uint32(raw[12*count:])), nil
}

// entry reads the text of one tag, or walks the IFDs it points to.
func (t *tiffWalk) entry(e tiffEntry, kind, depth int) error {
	w := t.w
	switch {
	case kind == ifdMain && e.tag == 0x8769:
		return t.subIFDs(e, ifdExif, depth)
	case kind == ifdMain && e.tag == 0x8825:
		return t.subIFDs(e, ifdGPS, depth)
	case kind == ifdExif && e.tag == 0xA005:
		return t.subIFDs(e, ifdInterop, depth)
	case kind == ifdMain && e.tag == 0x014A:
		return t.subIFDs(e, ifdMain, depth)
	case e.typ == 2: // ASCII
		b, cut, err := t.text(e)
		if err != nil {
			return err
		}
		v := string(bytes.TrimRight(b, "\x00"))
		w.addText(tiffTagName(kind, e.tag), decUTF8orLatin1(bytes.ReplaceAll([]byte(v), []byte{0}, []byte{'\n'})), cut)
	case (kind == ifdExif && e.tag == 0x9286) || (kind == ifdGPS && (e.tag == 0x001B || e.tag == 0x001C)):
		b, cut, err := t.text(e)
		if err != nil {
			return err
		}
		w.addText(tiffTagName(kind, e.tag), t.charsetText(b), cut)
	case kind == ifdMain && e.tag >= 0x9C9B && e.tag <= 0x9C9F:
		b, cut, err := t.text(e)
		if err != nil {
			return err
		}
		w.addText(tiffTagName(kind, e.tag), decUTF16(b, false), cut)
	case kind == ifdMain && e.tag == 0x02BC: // XMP
		b, cut, err := t.text(e)
		if err != nil {
			return err
		}
		w.addText("xmp", decUTF8(b), cut)
	case kind == ifdMain && e.tag == 0x83BB: // IPTC
		if e.size > maxBlob {
			return w.limit("IPTC block too large")
		}
		b, err := t.bytes(e.off, e.size)
		if err != nil {
			return err
		}
		return w.iptc(b)
	}
	return nil
}

// text reads a tag value for text, bounded by the text budget.
func (t *tiffWalk) text(e tiffEntry) ([]byte, bool, error) {
	m := min(e.size, 2*t.w.budget()+16)
	b, err := t.bytes(e.off, m)
	return b, m < e.size, err
}

// charsetText decodes a UserComment: an 8-byte charset prefix, then text.
func (t *tiffWalk) charsetText(b []byte) string {
	if len(b) < 8 {
		return decUTF8orLatin1(b)
	}
	p, v := string(b[:8]), b[8:]
	switch {
	case p == "UNICODE\x00":
		return decUTF16(v, t.bo == binary.BigEndian)
	case p == "JIS\x00\x00\x00\x00\x00":
		return decJIS(v)
	}
	// "ASCII\0\0\0", undefined (zeros), or anything else.
	return decUTF8orLatin1(bytes.TrimRight(v, " \x00"))
}

// subIFDs walks the IFDs an entry points to.
func (t *tiffWalk) subIFDs(e tiffEntry, kind, depth int) error {
	if e.typ != 4 && e.typ != 13 {
		return nil
	}
	if err := t.w.steps(int(min(e.count, 1<<31))); err != nil {
		return err
	}
	b, err := t.bytes(e.off, e.size)
	if err != nil {
		return err
	}
	for i := int64(0); i < e.count; i++ {
		if err := t.chain(int64(t.bo.Uint32(b[4*i:])), kind, depth+1); err != nil {
			return err
		}
	}
	return nil
}

// extents adds the image data that an offsets tag and its byte-counts tag
// point to (strips, tiles, free space, a JPEG thumbnail).
func (t *tiffWalk) extents(byTag map[uint16]tiffEntry, offTag, lenTag uint16) error {
	o, ok := byTag[offTag]
	if !ok {
		return nil
	}
	l, ok := byTag[lenTag]
	if !ok || l.count != o.count || (o.typ != 3 && o.typ != 4) || (l.typ != 3 && l.typ != 4) {
		return t.w.corrupt("TIFF image data without its byte counts")
	}
	if offTag == 0x0111 || offTag == 0x0144 {
		t.imageData = true
	}
	const chunk = 4096
	for i := int64(0); i < o.count; i += chunk {
		k := min(chunk, o.count-i)
		if err := t.w.steps(int(k)); err != nil {
			return err
		}
		os, err := t.bytes(o.off+i*tiffTypeSize[o.typ], k*tiffTypeSize[o.typ])
		if err != nil {
			return err
		}
		ls, err := t.bytes(l.off+i*tiffTypeSize[l.typ], k*tiffTypeSize[l.typ])
		if err != nil {
			return err
		}
		for j := int64(0); j < k; j++ {
			off, n := t.uint(os, o.typ, j), t.uint(ls, l.typ, j)
			if !t.inside(off, n) {
				return t.w.corrupt("TIFF image data outside the file")
			}
			t.extend(off, n)
		}
	}
	return nil
}

func (t *tiffWalk) uint(b []byte, typ uint16, i int64) int64 {
	if typ == 3 {
		return int64(t.bo.Uint16(b[2*i:]))
	}
	return int64(t.bo.Uint32(b[4*i:]))
}

var tiffNames = map[uint16]string{
	0x010D: "DocumentName", 0x010E: "ImageDescription", 0x010F: "Make", 0x0110: "Model",
	0x011D: "PageName", 0x0131: "Software", 0x0132: "DateTime", 0x013B: "Artist",
	0x013C: "HostComputer", 0x8298: "Copyright", 0x9C9B: "XPTitle", 0x9C9C: "XPComment",
	0x9C9D: "XPAuthor", 0x9C9E: "XPKeywords", 0x9C9F: "XPSubject", 0xC614: "UniqueCameraModel",
}

var exifNames = map[uint16]string{
	0x9003: "DateTimeOriginal", 0x9004: "DateTimeDigitized", 0x9010: "OffsetTime",
	0x9011: "OffsetTimeOriginal", 0x9012: "OffsetTimeDigitized", 0x9286: "UserComment",
	0x9290: "SubSecTime", 0x9291: "SubSecTimeOriginal", 0x9292: "SubSecTimeDigitized",
	0xA004: "RelatedSoundFile", 0xA420: "ImageUniqueID", 0xA430: "CameraOwnerName",
	0xA431: "BodySerialNumber", 0xA433: "LensMake", 0xA434: "LensModel", 0xA435: "LensSerialNumber",
}

var gpsNames = map[uint16]string{
	0x0008: "GPSSatellites", 0x0012: "GPSMapDatum", 0x001B: "GPSProcessingMethod",
	0x001C: "GPSAreaInformation", 0x001D: "GPSDateStamp",
}

func tiffTagName(kind int, tag uint16) string {
	var names map[uint16]string
	prefix := "exif:"
	switch kind {
	case ifdMain:
		names = tiffNames
	case ifdExif:
		names = exifNames
	case ifdGPS:
		names, prefix = gpsNames, "exif:gps/"
	case ifdInterop:
		prefix = "exif:interop/"
	}
	if n, ok := names[tag]; ok {
		return "exif:" + n
	}
	return fmt.Sprintf("%s0x%04X", prefix, tag)
}
