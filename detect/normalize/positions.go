package normalize

import (
	"sort"
	"unicode/utf8"
)

// Positions maps byte offsets in one normalized form of a text back to
// byte offsets in the original text. It covers the current piece, the one
// before it and at least History bytes before (so a match that began in an
// earlier piece is placed); earlier offsets map to the start of what it
// covers.
type Positions struct {
	base int64 // offset in the form of the current piece's first byte
	runs []run // sorted by out
}

// run is a stretch of the form whose bytes come from src[src, src+srcN).
// In a linear run output byte k comes from source byte src+k (text that
// NFKC and folding left at its length); otherwise the whole run stands for
// the whole source range (a segment NFKC rewrote, a collapsed separator, or
// the empty range where the spaced form puts a space between CJK and other
// scripts). Dropped default-ignorable runes are in no run.
type run struct {
	out, src int64
	n, srcN  int32
	linear   bool
}

// Base returns the offset, in the whole form, of the first byte of the
// piece the Positions came with.
func (p *Positions) Base() int64 { return p.base }

// find returns the run holding form offset off, or the nearest one.
func (p *Positions) find(off int64) (run, bool) {
	i := sort.Search(len(p.runs), func(i int) bool { return p.runs[i].out > off }) - 1
	if i < 0 {
		if len(p.runs) == 0 {
			return run{}, false
		}
		return p.runs[0], false
	}
	return p.runs[i], true
}

// Start returns the offset in the original text where the form's byte at
// offset off comes from (the start of its source, for a rewritten segment).
func (p *Positions) Start(off int64) int64 {
	r, ok := p.find(off)
	if !ok {
		return r.src
	}
	if d := off - r.out; r.linear && d < int64(r.srcN) {
		return r.src + d
	}
	if off >= r.out+int64(r.n) {
		return r.src + int64(r.srcN) // past the run: at its end
	}
	return r.src
}

// End returns the offset in the original text just past the source of the
// form's byte at offset off-1: the end of a match that ends at off.
func (p *Positions) End(off int64) int64 {
	r, ok := p.find(off - 1)
	if !ok {
		return r.src
	}
	if d := off - r.out; r.linear && d <= int64(r.srcN) {
		return r.src + d
	}
	return r.src + int64(r.srcN)
}

// form is one normalized form being built: the current piece and the
// position runs of the current and previous pieces.
type form struct {
	buf  []byte
	runs []run
	base int64 // offset in the form of buf[0]
	cur  int   // index in runs of the first run that may touch this piece
	head int   // runs before head are no longer needed
	pos  Positions
}

// mark records that buf[start:] (just appended) comes from source
// [src, srcEnd).
func (f *form) mark(start int, src, srcEnd int64, linear bool) {
	out := f.base + int64(start)
	n := int32(len(f.buf) - start)
	if k := len(f.runs) - 1; k >= 0 {
		l := &f.runs[k]
		if l.out+int64(l.n) == out {
			if linear && l.linear && l.src+int64(l.srcN) == src {
				l.n += n
				l.srcN += int32(srcEnd - src)
				return
			}
			if !linear && !l.linear && l.src == src && l.src+int64(l.srcN) == srcEnd {
				l.n += n
				return
			}
		}
	}
	f.runs = append(f.runs, run{out: out, src: src, n: n, srcN: int32(srcEnd - src), linear: linear})
}

// compose replaces the rune at the end of the buffer with its composition
// with mark (see composePair), if there is one, and reports whether it did.
// The composed rune keeps the source range of the rune it replaces.
func (f *form) compose(mark rune) bool {
	last, size := utf8.DecodeLastRune(f.buf)
	c, ok := composePair(last, mark)
	if !ok || len(f.runs) <= f.head {
		return false
	}
	start := len(f.buf) - size
	if utf8.RuneLen(c) == size {
		utf8.EncodeRune(f.buf[start:], c)
		return true
	}
	// Another length: take the rune out of its run and mark it anew.
	src, srcEnd, _ := f.cutLast(size)
	f.buf = utf8.AppendRune(f.buf[:start], c)
	f.mark(start, src, srcEnd, false)
	return true
}

// pop takes the last rune of the current piece off the buffer and its run,
// and returns it with its source range and whether that range is exactly
// its bytes (to append it again with mark). ok is false if the piece is
// empty.
func (f *form) pop() (r rune, src, srcEnd int64, linear, ok bool) {
	k := len(f.runs) - 1
	if len(f.buf) == 0 || k < f.head {
		return 0, 0, 0, false, false
	}
	r, size := utf8.DecodeLastRune(f.buf)
	l := &f.runs[k]
	if l.out+int64(l.n) != f.base+int64(len(f.buf)) || int(l.n) < size {
		return 0, 0, 0, false, false
	}
	src, srcEnd, linear = f.cutLast(size)
	f.buf = f.buf[:len(f.buf)-size]
	return r, src, srcEnd, linear, true
}

// cutLast takes the last size bytes of output off the last run (the caller
// has checked they are there) and returns their source range and whether
// it is exactly their bytes. The buffer is the caller's to shorten.
func (f *form) cutLast(size int) (src, srcEnd int64, linear bool) {
	k := len(f.runs) - 1
	l := &f.runs[k]
	src, srcEnd = l.src, l.src+int64(l.srcN)
	if l.linear {
		src = srcEnd - int64(size)
		l.srcN -= int32(size)
	}
	l.n -= int32(size)
	if l.n == 0 {
		f.runs = f.runs[:k]
	}
	return src, srcEnd, l.linear
}

// popped is a rune taken off a form with its source range (see pop).
type popped struct {
	r           rune
	src, srcEnd int64
	linear      bool
}

// popN takes the last len(ps) runes off the form into ps, in their order.
// If there are not that many in the current piece it takes none and
// returns false.
func (f *form) popN(ps []popped) bool {
	for i := len(ps) - 1; i >= 0; i-- {
		p := &ps[i]
		var ok bool
		p.r, p.src, p.srcEnd, p.linear, ok = f.pop()
		if !ok {
			f.pushN(ps[i+1:])
			return false
		}
	}
	return true
}

// pushN appends runes taken off with popN, with their source ranges.
func (f *form) pushN(ps []popped) {
	for _, p := range ps {
		o := len(f.buf)
		f.buf = utf8.AppendRune(f.buf, p.r)
		f.mark(o, p.src, p.srcEnd, p.linear)
	}
}

// flush hands the piece to send and starts the next one.
func (f *form) flush(send func([]byte, *Positions)) {
	if len(f.buf) == 0 {
		return
	}
	f.pos = Positions{base: f.base, runs: f.runs[f.head:]}
	send(f.buf, &f.pos)
	f.base += int64(len(f.buf))
	f.buf = f.buf[:0]
	// Keep the runs of this piece and those within History bytes before
	// the next one; the last run may continue into the next piece.
	for f.head < f.cur && f.runs[f.head].out+int64(f.runs[f.head].n) <= f.base-History {
		f.head++
	}
	if f.head > 256 && f.head > len(f.runs)/2 {
		f.runs = f.runs[:copy(f.runs, f.runs[f.head:])]
		f.head = 0
	}
	f.cur = max(len(f.runs)-1, f.head)
}

// History is how far back, in bytes of a form, Positions maps offsets
// before the current piece, besides the whole previous piece: matches
// longer than that, split across pieces, start at the oldest position
// kept.
const History = 4096

func (f *form) reset() {
	f.buf, f.runs, f.base, f.cur, f.head = f.buf[:0], f.runs[:0], 0, 0, 0
}
