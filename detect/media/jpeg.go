package media

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

const (
	xmpJPEG    = "http://ns.adobe.com/xap/1.0/\x00"
	xmpExtJPEG = "http://ns.adobe.com/xmp/extension/\x00"
	photoshop  = "Photoshop 3.0\x00"
)

// walkJPEG walks the markers from SOI to EOI, skipping the entropy-coded
// data after each SOS up to the next marker that is not RSTn or a
// stuffed 0xFF00.
func walkJPEG(w *walker) (int64, error) {
	c := w.cursor(2)
	sawSOF, sawSOS := false, false
	for {
		if err := w.step(); err != nil {
			return 0, err
		}
		b, err := c.need(2)
		if err != nil {
			return 0, err
		}
		if b[0] != 0xFF {
			return 0, w.corrupt("no marker at %d", c.off)
		}
		m := b[1]
		if m == 0xFF { // fill byte
			c.skip(1)
			continue
		}
		at := c.off
		c.skip(2)
		switch {
		case m == 0xD9: // EOI
			if !sawSOS {
				return 0, w.corrupt("EOI before any scan")
			}
			return c.off, nil
		case m == 0x01 || m >= 0xD0 && m <= 0xD7: // TEM, RSTn: no length
			continue
		case m < 0xC0 || m == 0xD8:
			return 0, w.corrupt("bad marker at %d", at)
		}
		lb, err := c.need(2)
		if err != nil {
			return 0, err
		}
		n := int64(binary.BigEndian.Uint16(lb))
		if n < 2 || !w.fits(c.off, n) {
			return 0, w.corrupt("bad segment length at %d", at)
		}
		seg, segLen := c.off+2, n-2
		switch {
		case m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC:
			sawSOF = true
		case m == 0xDA:
			if !sawSOF {
				return 0, w.corrupt("scan before a frame header")
			}
			sawSOS = true
		case m == 0xFE:
			b, cut, err := w.readText(seg, segLen)
			if err != nil {
				return 0, err
			}
			w.addText("jpeg:COM", decUTF8orLatin1(b), cut)
		case m >= 0xE0 && m <= 0xEF:
			if err := w.jpegApp(m-0xE0, seg, segLen); err != nil {
				return 0, err
			}
		}
		c.skip(n)
		if m == 0xDA {
			if err := skipEntropy(c); err != nil {
				return 0, err
			}
		}
	}
}

// skipEntropy moves c to the first marker after entropy-coded data.
func skipEntropy(c *cursor) error {
	for {
		b, err := c.peek(64 << 10)
		if err != nil {
			return err
		}
		if len(b) < 2 {
			return c.w.corrupt("entropy-coded data runs to the end")
		}
		i := bytes.IndexByte(b[:len(b)-1], 0xFF)
		if i < 0 {
			c.skip(int64(len(b) - 1))
			continue
		}
		c.skip(int64(i))
		switch next := b[i+1]; {
		case next == 0x00 || next >= 0xD0 && next <= 0xD7:
			c.skip(2)
		case next == 0xFF:
			c.skip(1)
		default:
			return nil
		}
	}
}

// jpegApp reads the APPn segments that carry text.
func (w *walker) jpegApp(n byte, off, size int64) error {
	id, err := w.hdr(off, int(min(size, 64)))
	if err != nil {
		return err
	}
	switch {
	case n == 1 && bytes.HasPrefix(id, []byte("Exif\x00")):
		return w.exifAt(off+6, size-6)
	case n == 1 && bytes.HasPrefix(id, []byte(xmpJPEG)):
		b, cut, err := w.readText(off+int64(len(xmpJPEG)), size-int64(len(xmpJPEG)))
		if err != nil {
			return err
		}
		w.addText("xmp", decUTF8(b), cut)
	case n == 1 && bytes.HasPrefix(id, []byte(xmpExtJPEG)):
		// GUID (32), full length (4), offset (4), then a piece of the
		// extended XMP.
		p := int64(len(xmpExtJPEG)) + 40
		if size < p {
			return w.corrupt("short extended XMP segment")
		}
		b, cut, err := w.readText(off+p, size-p)
		if err != nil {
			return err
		}
		w.addText("xmp:extension", decUTF8(b), cut)
	case n == 13 && bytes.HasPrefix(id, []byte(photoshop)):
		b, err := w.read(off+int64(len(photoshop)), size-int64(len(photoshop)))
		if err != nil {
			return err
		}
		return w.photoshop(b)
	case n == 0 && (bytes.HasPrefix(id, []byte("JFIF\x00")) || bytes.HasPrefix(id, []byte("JFXX\x00"))),
		n == 2 && (bytes.HasPrefix(id, []byte("ICC_PROFILE\x00")) || bytes.HasPrefix(id, []byte("MPF\x00"))),
		n == 14 && bytes.HasPrefix(id, []byte("Adobe")):
		// Pictures, profiles and flags: no text.
	default:
		return w.stringsAt(fmt.Sprintf("jpeg:APP%d#strings", n), off, size)
	}
	return nil
}

// photoshop reads Photoshop image resources ("8BIM" blocks) for the IPTC
// block (resource 0x0404).
func (w *walker) photoshop(b []byte) error {
	for len(b) >= 12 && string(b[:4]) == "8BIM" {
		if err := w.step(); err != nil {
			return err
		}
		id := binary.BigEndian.Uint16(b[4:])
		nl := int(b[6])
		p := 7 + nl
		if p%2 == 1 {
			p++
		}
		if p+4 > len(b) {
			return w.corrupt("short Photoshop resource")
		}
		n := int(binary.BigEndian.Uint32(b[p:]))
		p += 4
		if n > len(b)-p {
			return w.corrupt("Photoshop resource past its segment")
		}
		if id == 0x0404 {
			if err := w.iptc(b[p : p+n]); err != nil {
				return err
			}
		}
		p += n + n%2
		b = b[min(p, len(b)):]
	}
	return nil
}

// iptc reads IPTC IIM records: application record (2) datasets are text
// (captions, keywords, by-lines ...).
func (w *walker) iptc(b []byte) error {
	utf8Set := false
	for len(b) >= 5 && b[0] == 0x1C {
		if err := w.step(); err != nil {
			return err
		}
		rec, ds := b[1], b[2]
		n := int(binary.BigEndian.Uint16(b[3:]))
		p := 5
		if n&0x8000 != 0 { // extended dataset: n&0x7FFF bytes of length
			k := n & 0x7FFF
			if k > 4 || p+k > len(b) {
				return w.corrupt("bad IPTC dataset length")
			}
			n = 0
			for _, c := range b[p : p+k] {
				n = n<<8 | int(c)
			}
			p += k
		}
		if n < 0 || n > len(b)-p {
			return w.corrupt("IPTC dataset past its block")
		}
		v := b[p : p+n]
		switch {
		case rec == 1 && ds == 90: // coded character set
			utf8Set = bytes.Equal(v, []byte("\x1b%G"))
		case rec == 2 && ds != 0: // 2:00 is the record version
			s := decUTF8orLatin1(v)
			if utf8Set {
				s = decUTF8(v)
			}
			w.addText(fmt.Sprintf("iptc:2:%d", ds), s, false)
		}
		b = b[p+n:]
	}
	return nil
}
