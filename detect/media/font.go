package media

import (
	"encoding/binary"
	"fmt"
)

// Fonts: TrueType and OpenType (the sfnt table directory), TrueType
// collections, WOFF and WOFF2. The name table's strings are text.

// maxFontTables bounds the table directory (real fonts have a few dozen).
const maxFontTables = 1024

func walkSFNT(w *walker) (int64, error) {
	return w.sfntAt(0)
}

// sfntAt walks the table directory of the font at off and returns the
// end of its furthest table.
func (w *walker) sfntAt(off int64) (int64, error) {
	h, err := w.hdr(off, 12)
	if err != nil {
		return 0, err
	}
	n := int64(binary.BigEndian.Uint16(h[4:]))
	if n == 0 || n > maxFontTables {
		return 0, w.corrupt("bad table count")
	}
	if err := w.steps(int(n)); err != nil {
		return 0, err
	}
	dir, err := w.read(off+12, 16*n)
	if err != nil {
		return 0, err
	}
	end := off + 12 + 16*n
	tables := map[string][2]int64{}
	for i := int64(0); i < n; i++ {
		e := dir[16*i:]
		tag := string(e[:4])
		to, tl := int64(binary.BigEndian.Uint32(e[8:])), int64(binary.BigEndian.Uint32(e[12:]))
		if !isFourCC(tag) || !w.fits(to, tl) {
			return 0, w.corrupt("bad table record")
		}
		tables[tag] = [2]int64{to, tl}
		end = max(end, min(to+(tl+3)&^3, w.size))
	}
	head, ok := tables["head"]
	if !ok {
		head, ok = tables["bhed"]
	}
	if !ok || head[1] < 54 {
		return 0, w.corrupt("no head table")
	}
	m, err := w.hdr(head[0]+12, 4)
	if err != nil {
		return 0, err
	}
	if binary.BigEndian.Uint32(m) != 0x5F0F3CF5 {
		return 0, w.corrupt("bad head table")
	}
	outlines := false
	for _, t := range []string{"glyf", "CFF ", "CFF2", "CBDT", "EBDT", "sbix", "bdat"} {
		if _, ok := tables[t]; ok {
			outlines = true
		}
	}
	if !outlines {
		return 0, w.corrupt("no glyphs")
	}
	if _, ok := tables["CFF "]; ok && w.info.Kind == "ttf" {
		w.info.Kind = "otf"
	}
	if name, ok := tables["name"]; ok {
		b, err := w.read(name[0], name[1])
		if err != nil {
			return 0, err
		}
		if err := w.nameTable(b); err != nil {
			return 0, err
		}
	}
	return end, nil
}

// nameTable reads the strings of a name table.
func (w *walker) nameTable(b []byte) error {
	if len(b) < 6 {
		return w.corrupt("short name table")
	}
	count := int(binary.BigEndian.Uint16(b[2:]))
	storage := int(binary.BigEndian.Uint16(b[4:]))
	if 6+12*count > len(b) || storage > len(b) {
		return w.corrupt("bad name table")
	}
	if err := w.steps(count); err != nil {
		return err
	}
	seen := map[string]bool{}
	for i := 0; i < count; i++ {
		r := b[6+12*i:]
		plat, enc := binary.BigEndian.Uint16(r), binary.BigEndian.Uint16(r[2:])
		id := binary.BigEndian.Uint16(r[6:])
		l, o := int(binary.BigEndian.Uint16(r[8:])), int(binary.BigEndian.Uint16(r[10:]))
		if storage+o+l > len(b) {
			return w.corrupt("name record outside the table")
		}
		s := b[storage+o : storage+o+l]
		var v string
		switch {
		case plat == 0 || plat == 3 || plat == 2 && enc == 1:
			v = decUTF16(s, true)
		case plat == 1 && enc == 1:
			v = decShiftJIS(s)
		case plat == 1:
			v = decMacRoman(s)
		default:
			v = decUTF8orLatin1(s)
		}
		name := fmt.Sprintf("font:name/%d", id)
		if seen[name+"\x00"+v] {
			continue // the same string for another platform
		}
		seen[name+"\x00"+v] = true
		w.addText(name, v, false)
	}
	return nil
}

func walkTTC(w *walker) (int64, error) {
	h, err := w.hdr(0, 12)
	if err != nil {
		return 0, err
	}
	n := int64(binary.BigEndian.Uint32(h[8:]))
	if n == 0 || n > maxFontTables {
		return 0, w.corrupt("bad font count")
	}
	offs, err := w.read(12, 4*n)
	if err != nil {
		return 0, err
	}
	end := 12 + 4*n
	for i := int64(0); i < n; i++ {
		e, err := w.sfntAt(int64(binary.BigEndian.Uint32(offs[4*i:])))
		if err != nil {
			return 0, err
		}
		end = max(end, e)
	}
	return end, nil
}

func walkWOFF(w *walker) (int64, error) {
	h, err := w.read(0, 44)
	if err != nil {
		return 0, err
	}
	be := binary.BigEndian
	length := int64(be.Uint32(h[8:]))
	n := int64(be.Uint16(h[12:]))
	if length > w.size || n == 0 || n > maxFontTables || 44+20*n > length || be.Uint16(h[14:]) != 0 {
		return 0, w.corrupt("bad WOFF header")
	}
	if err := w.steps(int(n)); err != nil {
		return 0, err
	}
	dir, err := w.read(44, 20*n)
	if err != nil {
		return 0, err
	}
	sawHead := false
	for i := int64(0); i < n; i++ {
		e := dir[20*i:]
		tag := string(e[:4])
		off, comp, orig := int64(be.Uint32(e[4:])), int64(be.Uint32(e[8:])), int64(be.Uint32(e[12:]))
		if !isFourCC(tag) || off < 44+20*n || comp > orig || off > length || comp > length-off {
			return 0, w.corrupt("bad WOFF table")
		}
		sawHead = sawHead || tag == "head"
		if tag != "name" {
			continue
		}
		if orig > maxBlob {
			return 0, w.limit("name table too large")
		}
		var b []byte
		if comp < orig {
			out, cut, err := w.inflateAt(off, comp, orig)
			if err != nil {
				return 0, err
			}
			if cut || int64(len(out)) != orig {
				return 0, w.corrupt("bad WOFF name table")
			}
			b = out
		} else if b, err = w.read(off, comp); err != nil {
			return 0, err
		}
		if err := w.nameTable(b); err != nil {
			return 0, err
		}
	}
	if !sawHead {
		return 0, w.corrupt("no head table")
	}
	if err := w.fontExtra(h[24:], length); err != nil {
		return 0, err
	}
	return length, nil
}

// fontExtra reads the metadata and private blocks of a WOFF (at b:
// metaOffset, metaLength, metaOrigLength, privOffset, privLength).
func (w *walker) fontExtra(b []byte, length int64) error {
	be := binary.BigEndian
	mo, ml := int64(be.Uint32(b)), int64(be.Uint32(b[4:]))
	po, pl := int64(be.Uint32(b[12:])), int64(be.Uint32(b[16:]))
	if mo > length || ml > length-mo || po > length || pl > length-po {
		return w.corrupt("metadata outside the file")
	}
	if ml > 0 {
		if w.info.Kind == "woff2" {
			// Brotli: not decompressed here.
			w.info.Truncated = true
		} else {
			out, cut, err := w.inflateAt(mo, ml, 2*w.budget()+8)
			if err != nil {
				return err
			}
			w.addText("woff:metadata", decUTF8(out), cut)
		}
	}
	return w.stringsAt(w.info.Kind+":private#strings", po, pl)
}

// WOFF2 tables: known tags by index.
const woff2Glyf, woff2Loca = 10, 11

func walkWOFF2(w *walker) (int64, error) {
	h, err := w.read(0, 48)
	if err != nil {
		return 0, err
	}
	be := binary.BigEndian
	flavor := string(h[4:8])
	length := int64(be.Uint32(h[8:]))
	n := int(be.Uint16(h[12:]))
	compressed := int64(be.Uint32(h[20:]))
	if length > w.size || n == 0 || n > maxFontTables || be.Uint16(h[14:]) != 0 {
		return 0, w.corrupt("bad WOFF2 header")
	}
	if err := w.steps(n); err != nil {
		return 0, err
	}
	dirLen := min(length-48, int64(n)*(1+4+5+5)+maxFontTables*16+16)
	dir, err := w.read(48, dirLen)
	if err != nil {
		return 0, err
	}
	p := 0
	for i := 0; i < n; i++ {
		if p >= len(dir) {
			return 0, w.corrupt("bad WOFF2 directory")
		}
		flags := dir[p]
		p++
		tag := int(flags & 63)
		if tag == 63 {
			if p+4 > len(dir) || !isFourCC(string(dir[p:p+4])) {
				return 0, w.corrupt("bad WOFF2 table tag")
			}
			p += 4
		}
		if _, ok := base128(dir, &p); !ok {
			return 0, w.corrupt("bad WOFF2 table length")
		}
		version := flags >> 6
		transformed := version != 0
		if tag == woff2Glyf || tag == woff2Loca {
			transformed = version != 3
		}
		if transformed {
			if _, ok := base128(dir, &p); !ok {
				return 0, w.corrupt("bad WOFF2 transform length")
			}
		}
	}
	if flavor == "ttcf" {
		if p+4 > len(dir) {
			return 0, w.corrupt("bad WOFF2 collection")
		}
		p += 4
		fonts, ok := uint255(dir, &p)
		if !ok || fonts == 0 {
			return 0, w.corrupt("bad WOFF2 collection")
		}
		for i := 0; i < fonts; i++ {
			if err := w.step(); err != nil {
				return 0, err
			}
			k, ok := uint255(dir, &p)
			if !ok || p+4 > len(dir) {
				return 0, w.corrupt("bad WOFF2 collection")
			}
			p += 4
			if err := w.steps(k); err != nil {
				return 0, err
			}
			for j := 0; j < k; j++ {
				if _, ok := uint255(dir, &p); !ok {
					return 0, w.corrupt("bad WOFF2 collection")
				}
			}
		}
	}
	if 48+int64(p)+compressed > length {
		return 0, w.corrupt("WOFF2 data past its length")
	}
	if err := w.fontExtra(h[28:], length); err != nil {
		return 0, err
	}
	return length, nil
}

// base128 reads a WOFF2 UIntBase128.
func base128(b []byte, p *int) (uint32, bool) {
	var v uint32
	for i := 0; i < 5; i++ {
		if *p >= len(b) {
			return 0, false
		}
		c := b[*p]
		*p++
		if i == 0 && c == 0x80 || v&0xFE000000 != 0 {
			return 0, false
		}
		v = v<<7 | uint32(c&0x7F)
		if c&0x80 == 0 {
			return v, true
		}
	}
	return 0, false
}

// uint255 reads a WOFF2 255UInt16.
func uint255(b []byte, p *int) (int, bool) {
	if *p >= len(b) {
		return 0, false
	}
	c := b[*p]
	*p++
	need := map[byte]int{253: 2, 254: 1, 255: 1}[c]
	if *p+need > len(b) {
		return 0, false
	}
	defer func() { *p += need }()
	switch c {
	case 253:
		return int(binary.BigEndian.Uint16(b[*p:])), true
	case 254:
		return int(b[*p]) + 253*2, true
	case 255:
		return int(b[*p]) + 253, true
	}
	return int(c), true
}
