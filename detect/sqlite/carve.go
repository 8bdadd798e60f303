package sqlite

import (
	"encoding/binary"
	"slices"
)

// Deleting a row does not erase it (unless the database was written with
// secure_delete on, as Debian's sqlite3 is built): its cell's bytes stay
// on the page, and only the cell's pointer is removed. The freed cell
// becomes a freeblock, whose 4-byte header (next freeblock, size)
// overwrites the cell's first bytes: the payload length, the row id, and
// usually the record's header size and first serial type. A freeblock at
// the start of the cell content area then joins the unallocated space,
// its header left in place. Pages that SQLite rewrites (merging or
// splitting pages, defragmenting one) keep no deleted cells, but the root
// page of a tree, which starts as a leaf, keeps its old leaf cells in its
// unallocated space when it becomes an interior page.
//
// readFreeSpace carves the bytes of a page that no live cell covers:
//
//  1. Whole cells, tried at every offset: a payload length, a row id (in
//     a table leaf), and a record that takes exactly that length (or,
//     for a payload that went on in overflow pages, whose header fits
//     the cell's local part), its text clean text of the database's
//     encoding with at least one value of two characters or more, and
//     no more columns than the page's live records have.
//  2. The head of each freeblock (and of each 4 bytes elsewhere that read
//     as a freeblock header): the serial types that survive from byte 4
//     on, with the values they describe ending exactly where the
//     freeblock does; or, knowing the page's column count, one (an index
//     cell: two) lost serial types, whose values are then the unknown
//     bytes before the known ones, given as one field.
//  3. Everything else as printable runs, one a line.
//
// Carved records come out as records (one a line, "," between values).
// The overflow pages of a carved cell are not followed (once free they may
// have been used again); they are read as free or orphan pages.

// carveWork bounds the work of carving one page: this many steps (an
// offset tried, a serial type or a byte of a value checked) for each byte
// of the page. Past it the rest of the page's free space is given as runs,
// so that a page of crafted bytes costs time linear in its size.
const carveWork = 16

// spend takes n steps of the page's carving work and reports whether
// there were any left.
func (r *Reader) spend(n int) bool {
	r.budget -= n
	return r.budget >= 0
}

// hit is a whole cell found in free space.
type hit struct {
	from, to int // the cell's bytes in the page
	rowid    int64
	types    []byte // its record's serial types
	body     []byte // and values (cut if the cell went on in overflow)
	open     bool
}

// readFreeSpace reads the page's bytes that no cell read covers.
func (r *Reader) readFreeSpace() {
	pg := &r.pg
	r.blocks = r.blocks[:0]
	if pg.headerOK {
		var ok bool
		if r.blocks, ok = pg.freeblocks(r.blocks); !ok {
			r.damage()
		}
	}
	r.spans = pg.unused(r.spans[:0])
	r.hits = r.hits[:0]
	r.budget = carveWork * len(pg.b)
	for _, s := range r.spans {
		if !allZero(pg.b[s.from:s.to]) {
			r.findCells(s)
		}
	}
	h := 0
	for _, s := range r.spans {
		if allZero(pg.b[s.from:s.to]) {
			continue
		}
		at := s.from
		for ; h < len(r.hits) && r.hits[h].from < s.to; h++ {
			c := r.hits[h]
			r.between(at, c.from)
			r.carved(nil, c.types, c.body, c.open, c.rowid)
			at = c.to
		}
		r.between(at, s.to)
	}
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// findCells looks for whole cells in span s and adds them to r.hits. A
// cell does not start in a freeblock's header, nor cross the start of a
// freeblock. An interior page may hold leaf cells from before it was
// first split (the root page of a tree starts as a leaf): they are looked
// for too.
func (r *Reader) findCells(s span) {
	kinds := []byte{r.pg.kind}
	switch r.pg.kind {
	case tableInterior:
		kinds[0] = tableLeaf
	case indexInterior:
		kinds = append(kinds, indexLeaf)
	case anyLeaf:
		kinds = []byte{tableLeaf, indexLeaf}
	}
	bi := 0 // the first freeblock that does not end before j
	for j := s.from; j < s.to && r.spend(1); j++ {
		for bi < len(r.blocks) && r.blocks[bi]+4 <= j {
			bi++
		}
		if bi < len(r.blocks) && r.blocks[bi] <= j {
			continue // in a freeblock header
		}
		limit := s.to
		if bi < len(r.blocks) {
			limit = min(limit, r.blocks[bi])
		}
		for _, kind := range kinds {
			if c, ok := r.cellAt(j, limit, kind); ok {
				r.hits = append(r.hits, c)
				j = c.to - 1
				break
			}
		}
	}
}

// cellAt reports whether a whole cell of page type kind, with a plausible
// record, starts at offset j and ends by limit.
func (r *Reader) cellAt(j, limit int, kind byte) (hit, bool) {
	p := j
	if kind == indexInterior {
		p += 4
	}
	if p >= limit || r.pg.b[p] == 0 {
		return hit{}, false // a payload is never empty
	}
	c, ok := parseCell(r.pg.b[:limit], j, kind, len(r.pg.b))
	if !ok {
		return hit{}, false
	}
	h, n := varint(c.local)
	if n == 0 || h <= uint64(n) || h > uint64(len(c.local)) {
		return hit{}, false
	}
	types, body := c.local[n:h], c.local[h:]
	open := c.overflow != 0
	if open && (int64(c.overflow) < 2 || int64(c.overflow) > r.h.pages) {
		return hit{}, false
	}
	if !r.spend(len(c.local)) {
		return hit{}, false
	}
	used, cols, ok := checkValues(types, body, r.h.enc, r.cols, open)
	if !ok || (!open && used != len(body)) {
		return hit{}, false
	}
	r.cols = max(r.cols, cols)
	rowid := int64(-1)
	if kind == tableLeaf {
		rowid = c.rowid
	}
	return hit{from: j, to: c.end, rowid: rowid, types: types, body: body, open: open}, true
}

// between reads the bytes [from, to) of the page that are no whole cell:
// the head of each freeblock in them is carved if it can be, the rest
// given as runs.
func (r *Reader) between(from, to int) {
	for from < to {
		// The freeblocks are in ascending order.
		i, isBlock := slices.BinarySearch(r.blocks, from)
		if isBlock {
			i++
		}
		next := to // the next freeblock's start after from
		if i < len(r.blocks) && r.blocks[i] < to {
			next = r.blocks[i]
		}
		if !isBlock {
			r.ghosts(from, next)
		} else if unknown, types, body, ok := r.headless(from, next); ok {
			r.carved(unknown, types, body, false, -1)
		} else {
			r.runs(r.pg.b[min(from+4, next):next])
		}
		from = next
	}
}

// ghosts reads bytes [from, to) that are in no freeblock. A cell freed at
// the start of the cell content area is first made a freeblock and then
// joins the unallocated space, its freeblock header left in place: where
// 4 bytes read as such a header (the next freeblock after it, a size
// within the bytes), the cell behind it is carved if it can be. The rest
// is given as runs.
func (r *Reader) ghosts(from, to int) {
	b := r.pg.b
	at := from
	for f := from; f+6 <= to && r.spend(1); f++ {
		next, size := int(binary.BigEndian.Uint16(b[f:])), int(binary.BigEndian.Uint16(b[f+2:]))
		if size < 6 || f+size > to || (next != 0 && (next < f+size || next >= len(b))) {
			continue
		}
		if unknown, types, body, ok := r.headless(f, f+size); ok {
			r.runs(b[at:f])
			r.carved(unknown, types, body, false, -1)
			at = f + size
			f = at - 1
		}
	}
	r.runs(b[at:to])
}

// headless carves a deleted cell from the freeblock [from, to) whose
// header overwrote its first 4 bytes, and reports whether it could: the
// bytes of the lost values, if any, the serial types that survived and
// the values they describe.
func (r *Reader) headless(from, to int) (unknown, types, body []byte, ok bool) {
	kind := r.pg.kind
	switch kind { // an interior page may hold cells from when it was a leaf
	case tableInterior:
		kind = tableLeaf
	case indexInterior:
		kind = indexLeaf
	}
	if to-from < 6 {
		return nil, nil, nil, false
	}
	b := r.pg.b[:to]
	// Lost: the header size (the serial types from byte 4 are whole).
	// The values end where the freeblock does.
	best, bestCols := -1, 0
	hp, sum := from+4, 0
	for cols := 1; cols <= 2000 && hp < to && r.spend(1); cols++ {
		t, n := varint(b[hp:])
		size, ok := serialLen(t)
		if n == 0 || !ok || uint64(to-hp) < size {
			break
		}
		hp += n
		sum += int(size)
		if hp+sum > to {
			break
		}
		if hp+sum == to && r.spend(to-from) {
			if _, _, ok := checkValues(b[from+4:hp], b[hp:], r.h.enc, r.cols, false); ok {
				if best < 0 || cols == r.cols {
					best, bestCols = hp, cols
				}
			}
		}
	}
	if best >= 0 && (r.cols == 0 || bestCols <= r.cols) {
		return nil, b[from+4 : best], b[best:], true
	}
	if r.cols == 0 {
		return nil, nil, nil, false
	}
	// Lost: the header size and one serial type (in an index cell, which
	// has no row id, maybe two), one or two bytes long. The known types
	// are the last ones, their values the last bytes.
	lost := 1
	if kind == indexLeaf {
		lost = 2
	}
	for d := 1; d <= lost; d++ {
		for ts := from + 4; ts <= from+5; ts++ {
			known := r.cols - d
			if known < 1 {
				continue
			}
			hp, sum, ok := ts, 0, true
			for i := 0; i < known && ok; i++ {
				t, n := varint(b[hp:])
				size, valid := serialLen(t)
				ok = n > 0 && valid && size <= uint64(to-hp)
				hp += n
				sum += int(size)
			}
			if !ok || hp+sum > to || !r.spend(known+to-from) {
				continue
			}
			if _, _, ok := checkValues(b[ts:hp], b[to-sum:], r.h.enc, 0, false); ok {
				return b[hp : to-sum], b[ts:hp], b[to-sum:], true
			}
		}
	}
	return nil, nil, nil, false
}

// carved gives a carved record: the bytes of lost values first, when
// there are (as text if they are text, else as runs), then the values
// that serial types types describe in body. rowid is the row id of a
// whole table leaf cell, or -1.
func (r *Reader) carved(unknown, types, body []byte, open bool, rowid int64) {
	r.stats.Carved++
	var rt recordText
	rt.init(types, body, open, r.h.enc)
	rt.rowid, rt.hasID = rowid, rowid >= 0
	if unknown != nil {
		if cleanText(unknown, r.h.enc) {
			r.out = appendText(r.out, unknown, r.h.enc)
		} else {
			r.out, _ = appendRuns(r.out, unknown, r.h.enc, ' ')
		}
		rt.n = 1 // the values that follow are separated from it
	}
	for rt.active {
		r.out = rt.next(r.out)
	}
}
