package sqlite

import (
	"encoding/binary"
	"slices"
)

// B-tree page types (the first byte of the b-tree page header).
const (
	indexInterior byte = 0x02
	tableInterior byte = 0x05
	indexLeaf     byte = 0x0a
	tableLeaf     byte = 0x0d
	// anyLeaf is a free page that is no b-tree page any more: its cells,
	// if any are left, may be a table's or an index's.
	anyLeaf byte = 0xff
)

func isBtree(kind byte) bool {
	return kind == indexInterior || kind == tableInterior || kind == indexLeaf || kind == tableLeaf
}

// btree is one b-tree page being read: its header, checked against the
// page, and the byte ranges its cells were read from.
type btree struct {
	b        []byte // the page, usable bytes only
	kind     byte
	ncell    int
	ptrs     int // offset of the cell pointer array
	content  int // start of the cell content area
	first    int // first freeblock, 0 if none
	damaged  bool
	headerOK bool   // the header and pointer array fit in the page
	used     []span // bytes of cells read, and of the header and pointers
}

// span is a range of a page's bytes, [from, to).
type span struct{ from, to int }

// parseBtree reads the b-tree page header at offset hdr of page b (hdr is
// 100 on page 1). It reports false when the page type is no b-tree's. A
// header whose counts do not fit the page is damaged: then no cells are
// read, and the whole page is free space to carve.
func parseBtree(pg *btree, b []byte, hdr int) bool {
	*pg = btree{b: b, used: pg.used[:0]}
	if hdr+8 > len(b) || !isBtree(b[hdr]) {
		return false
	}
	pg.kind = b[hdr]
	hlen := 8
	if pg.kind == indexInterior || pg.kind == tableInterior {
		hlen = 12
	}
	pg.first = int(binary.BigEndian.Uint16(b[hdr+1:]))
	pg.ncell = int(binary.BigEndian.Uint16(b[hdr+3:]))
	pg.content = int(binary.BigEndian.Uint16(b[hdr+5:]))
	if pg.content == 0 {
		pg.content = 65536
	}
	pg.ptrs = hdr + hlen
	end := pg.ptrs + 2*pg.ncell
	if end > len(b) {
		pg.damaged = true
		pg.ncell = 0
		pg.used = append(pg.used, span{0, min(hdr+hlen, len(b))})
		return true
	}
	pg.headerOK = true
	pg.used = append(pg.used, span{0, end})
	if pg.content < end || pg.content > len(b) {
		pg.damaged = true
	}
	return true
}

// cell is where one cell's payload is: the local part, the whole
// payload's length and the first overflow page.
type cell struct {
	local    []byte
	size     uint64 // the payload's length
	overflow uint32 // first overflow page, 0 if the payload is all local
	end      int    // the cell's end in the page
	rowid    int64  // a table leaf cell's row id
}

// localSize is how many of a payload's size bytes are stored in the cell
// on a page of usable size u, for page type kind (the U, P, X, M, K of the
// file format).
func localSize(size uint64, u int, kind byte) int {
	x := u - 35
	if kind != tableLeaf {
		x = (u-12)*64/255 - 23
	}
	if size <= uint64(x) {
		return int(size)
	}
	m := (u-12)*32/255 - 23
	k := m + int((size-uint64(m))%uint64(u-4))
	if k <= x {
		return k
	}
	return m
}

// parseCell reads the cell at offset off of a page of kind kind whose
// usable size is u; the cell must end within b. It reports false if the
// cell does not fit or has no payload (a table interior cell).
func parseCell(b []byte, off int, kind byte, u int) (cell, bool) {
	var c cell
	if off < 0 || off >= len(b) {
		return c, false
	}
	p := off
	if kind == indexInterior {
		p += 4 // left child page
	}
	if p >= len(b) {
		return c, false
	}
	size, n := varint(b[p:])
	if n == 0 {
		return c, false
	}
	p += n
	if kind == tableLeaf {
		id, n := varint(b[p:])
		if n == 0 {
			return c, false
		}
		c.rowid = int64(id)
		p += n
	}
	if kind != tableLeaf && kind != indexLeaf && kind != indexInterior {
		return c, false
	}
	local := localSize(size, u, kind)
	if local > len(b)-p {
		return c, false
	}
	c.local, c.size = b[p:p+local], size
	p += local
	if uint64(local) < size {
		if p+4 > len(b) {
			return c, false
		}
		c.overflow = binary.BigEndian.Uint32(b[p:])
		p += 4
	}
	c.end = p
	return c, true
}

// cellOffset is the offset of cell i in the pointer array.
func (pg *btree) cellOffset(i int) int {
	return int(binary.BigEndian.Uint16(pg.b[pg.ptrs+2*i:]))
}

// freeblocks appends the offsets of the page's freeblocks to dst,
// following the chain while it stays in ascending order after the cell
// pointers; ok is false if it does not (damage).
func (pg *btree) freeblocks(dst []int) (_ []int, ok bool) {
	for off, prev := pg.first, 0; off != 0; {
		if off <= prev || off < pg.ptrs+2*pg.ncell || off+4 > len(pg.b) {
			return dst, false
		}
		size := int(binary.BigEndian.Uint16(pg.b[off+2:]))
		if size < 4 || off+size > len(pg.b) {
			return dst, false
		}
		dst = append(dst, off)
		prev = off + size - 1
		off = int(binary.BigEndian.Uint16(pg.b[off:]))
	}
	return dst, true
}

// unused returns the page's bytes that no cell read covers, in order:
// the unallocated space, the freeblocks, fragments, and on a damaged
// page the bytes of cells that could not be read.
func (pg *btree) unused(dst []span) []span {
	slices.SortFunc(pg.used, func(a, b span) int { return a.from - b.from })
	at := 0
	for _, s := range pg.used {
		if s.from > at {
			dst = append(dst, span{at, s.from})
		}
		at = max(at, s.to)
	}
	if at < len(pg.b) {
		dst = append(dst, span{at, len(pg.b)})
	}
	return dst
}
