package media

import (
	"bytes"
	"encoding/binary"
)

// HEIF items (HEIC, AVIF): the item information (iinf) says which items
// are Exif or XMP, the item locations (iloc) say where their bytes are,
// in the file or in the meta box's idat.

type heifItem struct {
	typ, contentType string
	method           int // construction method: 0 file offsets, 1 idat
	extents          [][2]int64
}

type heifItems struct {
	byID          map[uint32]*heifItem
	order         []uint32
	idat, idatEnd int64
}

func (m *heifItems) item(id uint32) *heifItem {
	if m.byID == nil {
		m.byID = map[uint32]*heifItem{}
	}
	it, ok := m.byID[id]
	if !ok {
		it = &heifItem{}
		m.byID[id] = it
		m.order = append(m.order, id)
	}
	return it
}

// bytesReader reads big-endian fields from a box held in memory; a read
// past the end sets bad.
type bytesReader struct {
	b   []byte
	bad bool
}

func (r *bytesReader) uint(n int) uint64 {
	if n > len(r.b) {
		r.bad, r.b = true, nil
		return 0
	}
	var v uint64
	for _, c := range r.b[:n] {
		v = v<<8 | uint64(c)
	}
	r.b = r.b[n:]
	return v
}

func (r *bytesReader) cstring() string {
	i := bytes.IndexByte(r.b, 0)
	if i < 0 {
		r.bad = true
		s := string(r.b)
		r.b = nil
		return s
	}
	s := string(r.b[:i])
	r.b = r.b[i+1:]
	return s
}

func (bw *bmffWalk) iinf(b box, depth int, m *heifItems) error {
	w := bw.w
	h, err := w.hdr(b.data, int(min(8, b.end-b.data)))
	if err != nil {
		return err
	}
	if len(h) < 6 {
		return w.corrupt("short iinf box")
	}
	skip := int64(6)
	if h[0] != 0 {
		skip = 8
	}
	return bw.childrenFrom(b.data+skip, b.end, depth, func(c box, _ int) error {
		if c.typ != "infe" {
			return nil
		}
		if c.end-c.data > 64<<10 {
			return w.corrupt("infe box too large")
		}
		raw, err := w.read(c.data, c.end-c.data)
		if err != nil {
			return err
		}
		r := &bytesReader{b: raw}
		v := r.uint(1)
		r.uint(3)
		var it *heifItem
		switch {
		case v >= 2:
			idSize := 2
			if v == 3 {
				idSize = 4
			}
			id := uint32(r.uint(idSize))
			r.uint(2)
			typ := string(r.uint32bytes())
			r.cstring()
			it = m.item(id)
			it.typ = typ
			if typ == "mime" {
				it.contentType = r.cstring()
			}
		default:
			id := uint32(r.uint(2))
			r.uint(2)
			r.cstring()
			it = m.item(id)
			it.typ, it.contentType = "mime", r.cstring()
		}
		if r.bad && it.typ == "" {
			return w.corrupt("bad infe box")
		}
		return nil
	})
}

func (r *bytesReader) uint32bytes() []byte {
	if len(r.b) < 4 {
		r.bad, r.b = true, nil
		return nil
	}
	v := r.b[:4]
	r.b = r.b[4:]
	return v
}

func (bw *bmffWalk) iloc(b box, m *heifItems) error {
	w := bw.w
	raw, err := w.read(b.data, b.end-b.data)
	if err != nil {
		return err
	}
	r := &bytesReader{b: raw}
	v := int(r.uint(1))
	r.uint(3)
	sizes := r.uint(2)
	offSize, lenSize, baseSize, idxSize := int(sizes>>12), int(sizes>>8&15), int(sizes>>4&15), int(sizes&15)
	if v == 0 {
		idxSize = 0
	}
	for _, s := range []int{offSize, lenSize, baseSize, idxSize} {
		if s != 0 && s != 4 && s != 8 {
			return w.corrupt("bad iloc field size")
		}
	}
	var count uint64
	if v < 2 {
		count = r.uint(2)
	} else {
		count = r.uint(4)
	}
	for i := uint64(0); i < count && !r.bad; i++ {
		if err := w.step(); err != nil {
			return err
		}
		var id uint32
		if v < 2 {
			id = uint32(r.uint(2))
		} else {
			id = uint32(r.uint(4))
		}
		method := 0
		if v >= 1 {
			method = int(r.uint(2) & 15)
		}
		r.uint(2) // data reference index
		base := r.uint(baseSize)
		n := r.uint(2)
		it := m.item(id)
		it.method = method
		for j := uint64(0); j < n && !r.bad; j++ {
			if err := w.step(); err != nil {
				return err
			}
			r.uint(idxSize)
			off, l := r.uint(offSize), r.uint(lenSize)
			if base > 1<<62 || off > 1<<62 || l > 1<<62 {
				return w.corrupt("bad iloc extent")
			}
			it.extents = append(it.extents, [2]int64{int64(base + off), int64(l)})
		}
	}
	if r.bad {
		return w.corrupt("bad iloc box")
	}
	return nil
}

// heifText reads the Exif and XMP items.
func (bw *bmffWalk) heifText(m *heifItems) error {
	w := bw.w
	for _, id := range m.order {
		it := m.byID[id]
		isXMP := it.typ == "mime" && it.contentType == "application/rdf+xml"
		if it.typ != "Exif" && !isXMP || len(it.extents) == 0 {
			continue
		}
		// The extents, as file offsets.
		var ext [][2]int64
		for _, e := range it.extents {
			off, n := e[0], e[1]
			if it.method == 1 {
				if m.idatEnd == 0 || off > m.idatEnd-m.idat || n > m.idatEnd-m.idat-off {
					return w.corrupt("item outside idat")
				}
				off += m.idat
			} else if it.method != 0 {
				continue // items built from other items: no text of their own
			}
			if n == 0 || !w.fits(off, n) {
				return w.corrupt("item outside the file")
			}
			ext = append(ext, [2]int64{off, n})
		}
		switch {
		case isXMP:
			var buf []byte
			cut := false
			for _, e := range ext {
				b, c, err := w.readText(e[0], e[1]-0)
				if err != nil {
					return err
				}
				buf = append(buf, b...)
				cut = cut || c
				if cut {
					break
				}
			}
			w.addText("xmp", decUTF8(buf), cut)
		case len(ext) == 1:
			// Exif: a 4-byte offset to the TIFF header, then EXIF.
			off, n := ext[0][0], ext[0][1]
			if n < 4 {
				return w.corrupt("short Exif item")
			}
			h, err := w.hdr(off, 4)
			if err != nil {
				return err
			}
			skip := int64(binary.BigEndian.Uint32(h))
			if skip > n-4 {
				return w.corrupt("bad Exif item header")
			}
			if err := w.exifAt(off+4+skip, n-4-skip); err != nil {
				return err
			}
		default:
			// An Exif item in pieces: not read, and said so.
			w.info.Truncated = true
		}
	}
	return nil
}
