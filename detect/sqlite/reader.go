package sqlite

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// Reader gives the text of the records of a database file. See the
// package comment for what it reads and how the text looks.
type Reader struct {
	ctx  context.Context
	src  io.ReaderAt
	size int64
	lim  Limits
	h    header

	started bool
	page    []byte              // the page being walked
	ovfl    []byte              // an overflow page
	payload []byte              // a payload put together from overflow pages
	free    []uint64            // pages on the free list
	trunk   []uint64            // the free list's trunk pages
	unknown []uint64            // pages of no known use, so far
	ovflSet []uint64            // pages read as overflow pages
	orphans bool                // the walk is on the second round
	seen    map[uint32]struct{} // overflow pages of one long chain
	pg      btree
	pgno    int64 // the page being walked, 0 before page 1
	stale   bool  // it is a free page, or an overflow page not reached: its damage is not counted
	cell    int   // its next cell
	cellsOK bool  // its cells are to be read
	spaceOK bool  // its free space is still to be read
	cols    int   // columns of the last record read on it
	rec     recordText
	blocks  []int
	spans   []span
	hits    []hit
	budget  int // carving work left on the page

	anyBtree bool // some page was a b-tree page
	page1Bad bool

	out     []byte
	off     int
	written int64
	err     error
	stats   Stats
}

// NewReader returns a reader of the text of every record in the database
// file r of size bytes (see the package comment). It reads r with ReadAt a
// page at a time, holding at most a page, an overflow page and one
// record's payload (MaxPayload). Errors, from r, ctx or the file, come
// from Read after the text before them.
func NewReader(ctx context.Context, r io.ReaderAt, size int64, lim Limits) *Reader {
	return &Reader{ctx: ctx, src: r, size: size, lim: lim.withDefaults()}
}

// Damaged is how many pages had damage (cells or pages skipped, a broken
// overflow chain, pages missing from the end of the file), so far.
func (r *Reader) Damaged() int { return r.stats.Damaged }

// Stats returns the counts so far.
func (r *Reader) Stats() Stats { return r.stats }

// fillSize is how much text Read makes before it hands it out.
const fillSize = 64 << 10

// Read implements io.Reader.
func (r *Reader) Read(p []byte) (int, error) {
	for r.off == len(r.out) {
		if r.err != nil {
			return 0, r.err
		}
		r.out, r.off = r.out[:0], 0
		for len(r.out) < fillSize && r.err == nil {
			r.step()
		}
		r.clip()
	}
	n := copy(p, r.out[r.off:])
	r.off += n
	return n, nil
}

// clip cuts the text made at MaxOutput, on a character boundary.
func (r *Reader) clip() {
	left := r.lim.MaxOutput - r.written
	if int64(len(r.out)) > left {
		cut := int(left)
		for cut > 0 && !utf8.RuneStart(r.out[cut]) {
			cut--
		}
		r.out = r.out[:cut]
		r.err = fmt.Errorf("%w: %d bytes of text (MaxOutput)", ErrLimit, r.lim.MaxOutput)
	}
	r.written += int64(len(r.out))
}

// step does one piece of work: the next piece of a record, the next cell,
// the free space of the page, or the next page.
func (r *Reader) step() {
	switch {
	case !r.started:
		r.start()
	case r.rec.active:
		r.out = r.rec.next(r.out)
		if !r.rec.active {
			if r.rec.bad {
				r.damage()
			} else {
				r.cols = max(r.cols, r.rec.n)
			}
		}
	case r.cellsOK && r.cell < r.pg.ncell:
		r.readCell(r.cell)
		r.cell++
	case r.spaceOK:
		r.spaceOK = false
		r.readFreeSpace()
	case r.orphans:
		r.nextOrphan()
	case r.pgno >= r.h.pages:
		r.orphans, r.pgno = true, 0
		if r.page1Bad && !r.anyBtree {
			r.finish() // encrypted: the other pages are noise too
		}
	default:
		r.nextPage()
	}
}

// start reads the header and the free list.
func (r *Reader) start() {
	r.started = true
	var hb [headerSize]byte
	if r.size < headerSize {
		r.err = ErrNotSQLite
		return
	}
	if err := readAt(r.src, hb[:], 0); err != nil {
		r.err = err
		return
	}
	h, err := parseHeader(hb[:], r.size)
	if err != nil {
		if err == ErrCorrupt {
			err = fmt.Errorf("%w: the header's page size is invalid", ErrCorrupt)
		}
		r.err = err
		return
	}
	r.h = h
	if h.pages < 1 {
		r.err = fmt.Errorf("%w: the file is shorter than one page", ErrCorrupt)
		return
	}
	if h.declared > h.pages || r.size%int64(h.pageSize) != 0 {
		r.stats.Damaged++ // pages missing from the end
	}
	r.page = make([]byte, h.pageSize)
	words := (min(h.pages, r.lim.MaxPages) + 64) / 64
	r.free, r.trunk = make([]uint64, words), make([]uint64, words)
	r.unknown, r.ovflSet = make([]uint64, words), make([]uint64, words)
	r.readFreeList()
}

// readAt fills b from offset off of src. io.EOF with all of b read is no
// error (io.ReaderAt allows it at the end of the input); short of it, the
// file is shorter than the size it was said to have.
func readAt(src io.ReaderAt, b []byte, off int64) error {
	n, err := src.ReadAt(b, off)
	switch {
	case n == len(b):
		return nil
	case err == nil || err == io.EOF || err == io.ErrUnexpectedEOF:
		return fmt.Errorf("%w: the file is shorter than its size", ErrCorrupt)
	}
	return err
}

// readPage reads page n into b, counting it against MaxPages and checking
// the context first. It returns false with r.err set when it cannot.
func (r *Reader) readPage(b []byte, n int64) bool {
	if r.err != nil {
		return false
	}
	if err := r.ctx.Err(); err != nil {
		r.err = err
		return false
	}
	if r.stats.Reads >= r.lim.MaxPages {
		r.err = fmt.Errorf("%w: %d pages read (MaxPages)", ErrLimit, r.lim.MaxPages)
		return false
	}
	if err := readAt(r.src, b, (n-1)*int64(r.h.pageSize)); err != nil {
		r.err = err
		return false
	}
	r.stats.Reads++
	return true
}

func isSet(set []uint64, n int64) bool {
	i := n / 64
	return i < int64(len(set)) && set[i]&(1<<(n%64)) != 0
}

func set(set []uint64, n int64) {
	if i := n / 64; i < int64(len(set)) {
		set[i] |= 1 << (n % 64)
	}
}

// readFreeList marks the pages of the free list, following its trunk
// pages while they are valid and not seen before.
func (r *Reader) readFreeList() {
	buf := r.ovfl[:0]
	if cap(buf) < r.h.pageSize {
		buf = make([]byte, r.h.pageSize)
	}
	buf = buf[:r.h.pageSize]
	r.ovfl = buf
	for t := int64(r.h.freeTrunk); t != 0; {
		if t < 2 || t > r.h.pages || isSet(r.trunk, t) || t > r.lim.MaxPages {
			r.stats.Damaged++
			return
		}
		if !r.readPage(buf, t) {
			return
		}
		set(r.free, t)
		set(r.trunk, t)
		n := int64(binary.BigEndian.Uint32(buf[4:]))
		if n > int64(r.h.usable/4-2) {
			r.stats.Damaged++
			return
		}
		for i := int64(0); i < n; i++ {
			if l := int64(binary.BigEndian.Uint32(buf[8+4*i:])); l >= 2 && l <= r.h.pages {
				set(r.free, l)
			}
		}
		t = int64(binary.BigEndian.Uint32(buf[:4]))
	}
}

// damage counts the page being walked as damaged, once, unless it is
// stale: a free page (whose cells may point at pages used again since),
// or an overflow page that no chain reached.
func (r *Reader) damage() {
	if !r.pg.damaged && !r.stale {
		r.stats.Damaged++
	}
	r.pg.damaged = true
}

// nextPage reads the next page and decides what to read of it.
func (r *Reader) nextPage() {
	r.pgno++
	n := r.pgno
	r.cellsOK, r.spaceOK, r.cell, r.cols = false, false, 0, 0
	if n == r.h.lockBytePage() || r.h.isPtrmap(n) {
		return
	}
	if !r.readPage(r.page, n) {
		return
	}
	r.stats.Pages++
	r.stale = isSet(r.free, n)
	b := r.page[:r.h.usable]
	hdr := 0
	if n == 1 {
		hdr = headerSize
	}
	if !parseBtree(&r.pg, b, hdr) {
		switch {
		case n == 1:
			// It is carved at the end, if some page is a b-tree page;
			// if none is, the file is encrypted and its bytes are noise.
			// Nor is the header's free list to be trusted.
			r.page1Bad = true
			r.stats.Damaged++
			clear(r.free)
			clear(r.trunk)
		case r.stale:
			// An old overflow page, or a leaf page whose b-tree header a
			// trunk's page list overwrote: carve it all.
			from := 0
			if isSet(r.trunk, n) {
				from = 8 + 4*int(min(binary.BigEndian.Uint32(b[4:]), uint32(r.h.usable/4-2)))
			}
			r.pg = btree{b: b, kind: anyLeaf, used: append(r.pg.used[:0], span{0, from})}
			r.spaceOK = true
		default:
			set(r.unknown, n) // an overflow page, or a page of no known use
		}
		return
	}
	r.anyBtree = true
	if r.pg.damaged {
		r.pg.damaged = false
		r.damage()
	}
	if n == 1 && r.h.badEnc {
		r.damage()
	}
	r.cellsOK = r.pg.headerOK
	r.spaceOK = true
}

// runs gives the printable runs of b, one a line.
func (r *Reader) runs(b []byte) {
	var n int
	r.out, n = appendRuns(r.out, b, r.h.enc, '\n')
	r.stats.Runs += int64(n)
}

// readCell reads cell i of the page being walked.
func (r *Reader) readCell(i int) {
	pg := &r.pg
	off := pg.cellOffset(i)
	if off < pg.ptrs+2*pg.ncell {
		r.damage()
		return
	}
	if pg.kind == tableInterior {
		return // a child page and a row id: no text
	}
	c, ok := parseCell(pg.b, off, pg.kind, len(pg.b))
	if !ok {
		r.damage()
		return
	}
	pg.used = append(pg.used, span{off, c.end})
	p, cut := c.local, false
	if c.overflow != 0 {
		p, cut = r.followOverflow(c)
	}
	if uint64(len(p)) > uint64(r.lim.MaxPayload) {
		p, cut = p[:r.lim.MaxPayload], true
	}
	if uint64(len(p)) < c.size && !cut {
		cut = true // a broken chain: damage already counted
	}
	if cut && uint64(len(p)) < c.size && int64(len(p)) == r.lim.MaxPayload {
		r.stats.Cut++
	}
	if r.stale {
		r.stats.Carved++
	} else {
		r.stats.Records++
	}
	if !r.rec.start(p, cut, r.h.enc) {
		if !cut {
			r.damage()
		}
		r.runs(p)
		return
	}
	r.rec.rowid, r.rec.hasID = c.rowid, pg.kind == tableLeaf
}

// followOverflow puts together the payload of cell c from its local part
// and its overflow chain, at most MaxPayload bytes. A chain that leaves
// the file, loops or ends early is damage; the payload is then what was
// read.
func (r *Reader) followOverflow(c cell) ([]byte, bool) {
	want := min(c.size, uint64(r.lim.MaxPayload))
	p := append(r.payload[:0], c.local...)
	if len(r.ovfl) < r.h.pageSize {
		r.ovfl = make([]byte, r.h.pageSize)
	}
	buf := r.ovfl[:r.h.pageSize]
	var chain [16]uint32
	long := false
	for n, i := c.overflow, 0; uint64(len(p)) < want; i++ {
		if n < 2 || int64(n) > r.h.pages || r.looped(chain[:min(i, len(chain))], n, i, &long) {
			r.damage()
			break
		}
		if i < len(chain) {
			chain[i] = n
		}
		if !r.readPage(buf, int64(n)) {
			break
		}
		r.stats.Overflow++
		set(r.ovflSet, int64(n))
		take := min(uint64(r.h.usable-4), want-uint64(len(p)))
		p = append(p, buf[4:4+take]...)
		n = binary.BigEndian.Uint32(buf)
		if n == 0 && uint64(len(p)) < want {
			r.damage()
			break
		}
	}
	r.payload = p
	if cap(r.payload) > 1<<20 && uint64(len(p)) < 1<<20 {
		r.payload = nil // let a large buffer go
	}
	return p, uint64(len(p)) < c.size
}

// looped reports whether overflow page n was seen before in this chain:
// a linear look at the first pages, a map once the chain is long.
func (r *Reader) looped(first []uint32, n uint32, i int, long *bool) bool {
	for _, m := range first {
		if m == n {
			return true
		}
	}
	if i < 16 {
		return false
	}
	if !*long {
		*long = true
		if r.seen == nil {
			r.seen = make(map[uint32]struct{})
		}
		clear(r.seen)
	}
	if _, ok := r.seen[n]; ok {
		return true
	}
	r.seen[n] = struct{}{}
	return false
}

// nextOrphan reads the next page that was of no known use: no b-tree,
// free-list or pointer-map page, and no overflow page of any cell read.
// It is carved as free space. It may be an overflow page that was not
// reached (the rest of a payload cut at MaxPayload, or behind a broken
// link): if its first 4 bytes can be the next overflow page (0 or a page
// of the file) it is not counted as damage; otherwise it is damage (a
// b-tree page whose type byte was lost, say). A page of zeros is
// skipped.
func (r *Reader) nextOrphan() {
	r.cellsOK, r.spaceOK, r.cell, r.cols = false, false, 0, 0
	for r.pgno++; r.pgno <= r.h.pages; r.pgno++ {
		if isSet(r.unknown, r.pgno) && !isSet(r.ovflSet, r.pgno) {
			break
		}
	}
	if r.pgno > r.h.pages {
		r.finish()
		return
	}
	if !r.readPage(r.page, r.pgno) {
		return
	}
	b := r.page[:r.h.usable]
	if allZero(b) {
		return
	}
	r.pg = btree{b: b, kind: anyLeaf, used: r.pg.used[:0]}
	next := int64(binary.BigEndian.Uint32(b))
	r.stale = next <= r.h.pages && next != 1
	r.damage()
	r.spaceOK = true
}

// finish ends the walk with the error that sums up what was skipped or
// cut, or io.EOF.
func (r *Reader) finish() {
	if r.page1Bad {
		if !r.anyBtree {
			r.err = ErrEncrypted
			return
		}
		// Other pages were b-tree pages: page 1 is damaged, not
		// encrypted. Carve it (its damage was counted), then finish.
		r.page1Bad = false
		if r.readPage(r.page, 1) {
			b := r.page[:r.h.usable]
			r.pg = btree{b: b, kind: anyLeaf, damaged: true, used: append(r.pg.used[:0], span{0, headerSize})}
			r.stale, r.spaceOK, r.cols = false, true, 0
		}
		return
	}
	var errs []error
	if r.stats.Damaged > 0 {
		errs = append(errs, fmt.Errorf("%w: %d damaged pages", ErrCorrupt, r.stats.Damaged))
	}
	if r.stats.Cut > 0 {
		errs = append(errs, fmt.Errorf("%w: %d records longer than %d bytes cut (MaxPayload)", ErrLimit, r.stats.Cut, r.lim.MaxPayload))
	}
	switch len(errs) {
	case 0:
		r.err = io.EOF
	case 1:
		r.err = errs[0]
	default:
		r.err = errors.Join(errs...)
	}
}
