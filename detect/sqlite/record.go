package sqlite

import "strconv"

// A record (https://www.sqlite.org/fileformat2.html#record_format) is a
// header, its size as a varint then one serial type per column, followed
// by the values in column order.

// varint reads a SQLite varint from b: big-endian, 7 bits a byte while
// the high bit is set, and all 8 bits of a ninth byte. n is 0 if b ends
// first.
func varint(b []byte) (v uint64, n int) {
	for i := 0; i < 8; i++ {
		if i >= len(b) {
			return 0, 0
		}
		v = v<<7 | uint64(b[i]&0x7f)
		if b[i] < 0x80 {
			return v, i + 1
		}
	}
	if len(b) < 9 {
		return 0, 0
	}
	return v<<8 | uint64(b[8]), 9
}

// serialLen is the size of a value of serial type t in the body; ok is
// false for the types no record holds (10, 11).
func serialLen(t uint64) (n uint64, ok bool) {
	switch {
	case t <= 4:
		return t, true
	case t == 5:
		return 6, true
	case t == 6, t == 7:
		return 8, true
	case t == 8, t == 9:
		return 0, true
	case t < 12:
		return 0, false
	}
	return (t - 12) / 2, true
}

func isText(t uint64) bool { return t >= 13 && t&1 == 1 }

// chunkSize is the most bytes of one text value formatted at a time, so
// that a long value does not need all its text in memory at once.
const chunkSize = 64 << 10

// recordText gives one record's values as text, a piece at a time: the
// values that the serial types in types describe, from body. The body may
// be cut short (cut): values past its end are lost, the one it cuts is
// given as far as it goes.
type recordText struct {
	types   []byte // serial types still to read
	body    []byte // values still to give
	whole   []byte // the payload, for the runs of a record whose header broke
	cut     bool
	enc     encoding
	rowid   int64 // a table row's id, given for a NULL first value
	hasID   bool
	n       int  // values given so far
	text    int  // bytes left of a text value being given in pieces
	textCut bool // the body's cut is in that value
	bad     bool // the record is damaged
	active  bool
}

// start begins the record in payload p (cut if shorter than the cell's
// payload). It reports false, leaving the record inactive, when the header
// size does not parse or is past the end of an uncut payload.
func (rt *recordText) start(p []byte, cut bool, enc encoding) bool {
	h, n := varint(p)
	if n == 0 || h < uint64(n) || (h > uint64(len(p)) && !cut) {
		*rt = recordText{}
		return false
	}
	hend := int(min(h, uint64(len(p))))
	rt.init(p[n:hend], p[hend:], cut, enc)
	rt.whole = p
	return true
}

// init begins a record of serial types types and values body.
func (rt *recordText) init(types, body []byte, cut bool, enc encoding) {
	*rt = recordText{types: types, body: body, cut: cut, enc: enc, active: true}
}

// next appends the record's next piece of text to dst: a separator and a
// value, or the next piece of a long text value, or the newline that ends
// the record (then the record is no longer active). A serial type that no
// record has, or a value past the end of an uncut body, ends the record
// with bad set; the body from there on is given as its printable runs.
func (rt *recordText) next(dst []byte) []byte {
	if rt.text > 0 {
		return rt.textPiece(dst)
	}
	if len(rt.types) == 0 {
		return rt.end(dst)
	}
	t, n := varint(rt.types)
	size, ok := serialLen(t)
	if n == 0 || !ok {
		// A header cut with the payload is not damage.
		rt.bad = !rt.cut || len(rt.body) > 0
		return rt.end(dst)
	}
	rt.types = rt.types[n:]
	short := size > uint64(len(rt.body))
	if short && !rt.cut {
		rt.bad = true
		return rt.end(dst)
	}
	if rt.n > 0 {
		dst = append(dst, ',')
	}
	rt.n++
	if short {
		size = uint64(len(rt.body))
		rt.types = nil // the cut is in this value: nothing after it
		rt.textCut = isText(t)
	}
	v := rt.body[:size]
	switch {
	case isText(t):
		rt.text = len(v)
		return rt.textPiece(dst)
	case t >= 12:
		dst = appendBlob(dst, v)
	case t >= 1 && t <= 6 && !short:
		dst = appendInt(dst, v)
	case t == 7 && !short:
		dst = appendFloat(dst, v)
	case t == 0 && rt.n == 1 && rt.hasID:
		// An INTEGER PRIMARY KEY column is stored as NULL: its value
		// is the row id. It is most often the first column.
		dst = strconv.AppendInt(dst, rt.rowid, 10)
	case t == 8:
		dst = append(dst, '0')
	case t == 9:
		dst = append(dst, '1')
	}
	rt.body = rt.body[size:]
	return dst
}

// textPiece appends the next piece of the text value being given.
func (rt *recordText) textPiece(dst []byte) []byte {
	v := rt.body[:rt.text]
	n := textCut(v, chunkSize, rt.enc)
	if n == 0 {
		n = len(v)
	}
	if n == len(v) && rt.textCut {
		v = trimCut(v, rt.enc) // the rest of the character is not there
		dst = appendText(dst, v, rt.enc)
	} else {
		dst = appendText(dst, v[:n], rt.enc)
	}
	rt.body, rt.text = rt.body[n:], rt.text-n
	return dst
}

// end ends the record: the runs of a damaged record's remaining bytes,
// then the newline.
func (rt *recordText) end(dst []byte) []byte {
	if rt.bad {
		rest := rt.body
		if rt.n == 0 && rt.whole != nil {
			rest = rt.whole // the header broke before any value
		}
		if rt.n > 0 {
			dst = append(dst, ',')
		}
		dst, _ = appendRuns(dst, rest, rt.enc, ' ')
	}
	rt.active = false
	return append(dst, '\n')
}

// checkValues checks that the serial types types describe values in
// body, and returns the bytes they take and how many there are. A carved
// record must be plausible: serial types of real columns, values within
// body (with open, the last ones may go past its end), every text value
// clean text in enc and at least one of them two characters or more. With
// want > 0 there must be at most want columns.
func checkValues(types, body []byte, enc encoding, want int, open bool) (used, cols int, ok bool) {
	text := false
	for len(types) > 0 {
		t, m := varint(types)
		size, ok := serialLen(t)
		if m == 0 || !ok {
			return 0, 0, false
		}
		types = types[m:]
		cols++
		if want > 0 && cols > want {
			return 0, 0, false
		}
		v := body[used:]
		if size <= uint64(len(v)) {
			v = v[:size]
			used += len(v)
		} else if !open {
			return 0, 0, false
		} else {
			v = trimCut(v, enc) // a character may be cut at the end
			used = len(body)
		}
		if isText(t) {
			if !cleanText(v, enc) {
				return 0, 0, false
			}
			text = text || size >= 2
		}
	}
	return used, cols, text
}
