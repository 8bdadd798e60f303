package htmltext

import "bytes"

// output collects the text of one conversion for Read.
//
// Rendered text is written as it comes, line by line; brk ends a line.
// Everything else is side text, on lines of its own: text that is not in
// the flow (display: none, <template>, ruby annotations), and pieces
// (attribute values, comments, script and style). Side text that comes
// in the middle of a rendered line waits in queue until the line ends,
// so it never lands between two words the browser shows side by side:
// the scanner would not find "Yamada" in "Ya", "title", "mada". Likewise
// a piece that comes in the middle of a line of hidden text waits in
// sideQueue until that line ends. If a queue grows past sideMax, or a
// table's foster-parented text must come out early, the line is
// interrupted instead, and its last tailMax bytes are written again
// before it goes on, so a value up to tailMax bytes long that spans the
// interruption is still written whole once.
type output struct {
	buf  []byte // buf[off:] is produced and not yet read
	off  int
	max  int64
	n    int64 // bytes produced
	full bool  // max was reached: the rest is cut

	nl     bool // nothing written yet, or the last byte written is '\n'
	inLine bool // the current line has rendered text other than white space
	apart  bool // side text was written last: rendered text starts a new line
	reemit bool // the line was interrupted: write its tail again before more of it
	tail   []byte
	queue  []byte

	sideInLine bool   // a line of hidden text is open
	sideQueue  []byte // pieces waiting for the end of that line
	toQueue    bool   // the piece being written goes to sideQueue
}

const (
	// sideMax bounds the side text held back until a line ends.
	sideMax = 256 << 10
	// tailMax is how much of an interrupted line is written again: more
	// than the longest customer value (an address is under 300 bytes).
	tailMax = 1 << 10
	// fosterMax bounds the text held for all open tables' foster parents.
	fosterMax = 256 << 10
)

var newlineByte = []byte{'\n'}

// put appends b to what Read hands out, up to max.
func (o *output) put(b []byte) {
	if o.full || len(b) == 0 {
		return
	}
	if room := o.max - o.n; int64(len(b)) > room {
		b = b[:room]
		o.full = true
		if len(b) == 0 {
			return
		}
	}
	if o.off == len(o.buf) {
		o.buf, o.off = o.buf[:0], 0
	}
	o.buf = append(o.buf, b...)
	o.n += int64(len(b))
	o.nl = b[len(b)-1] == '\n'
}

func (o *output) newline() {
	if !o.nl {
		o.put(newlineByte)
	}
}

// pending returns the bytes produced and not yet read.
func (o *output) pending() []byte { return o.buf[o.off:] }

// text writes rendered text on the current line. White space before
// the first word of a line is dropped.
func (o *output) text(b []byte) {
	if len(b) == 0 || !o.inLine && !hasNonSpace(b) {
		return
	}
	if o.apart || o.reemit {
		o.newline()
		o.apart = false
		if o.reemit {
			o.reemit = false
			o.put(lastBytes(o.tail, tailMax))
		}
	}
	o.put(b)
	o.tail = append(o.tail, b...)
	if len(o.tail) > 2*tailMax {
		o.tail = append(o.tail[:0], o.tail[len(o.tail)-tailMax:]...)
	}
	if !o.inLine && hasNonSpace(b) {
		o.inLine = true
	}
}

// brk ends the current line and writes the side pieces that waited for it.
func (o *output) brk() {
	o.newline()
	o.inLine, o.reemit, o.apart = false, false, false
	o.tail = o.tail[:0]
	if len(o.queue) > 0 {
		o.put(o.queue)
		o.newline()
		o.queue = o.queue[:0]
	}
}

// writeSide writes side text: at once when no rendered line is open (or
// it is already interrupted), else after the line.
func (o *output) writeSide(b []byte) {
	if len(b) == 0 {
		return
	}
	if !o.inLine || o.reemit {
		if !o.apart {
			o.newline()
			o.apart = true
		}
		o.put(b)
		return
	}
	if len(o.queue)+len(b) > sideMax {
		o.newline()
		o.put(o.queue)
		o.queue = o.queue[:0]
		o.put(b)
		o.reemit, o.apart = true, true
		return
	}
	o.queue = append(o.queue, b...)
}

// separate ends a line of side text.
func (o *output) separate() {
	if !o.inLine || o.reemit {
		if o.apart {
			o.newline()
		}
		return
	}
	if n := len(o.queue); n > 0 && o.queue[n-1] != '\n' {
		o.queue = append(o.queue, '\n')
	}
}

// sideText writes hidden text, on the current line of hidden text.
func (o *output) sideText(b []byte) {
	if !o.sideInLine && !hasNonSpace(b) {
		return
	}
	o.writeSide(b)
	if !o.sideInLine && hasNonSpace(b) {
		o.sideInLine = true
	}
}

// sideBreak ends the current line of hidden text, and writes the pieces
// that waited for it.
func (o *output) sideBreak() {
	o.separate()
	o.sideInLine = false
	if len(o.sideQueue) > 0 {
		o.writeSide(o.sideQueue)
		o.separate()
		o.sideQueue = o.sideQueue[:0]
	}
}

// piece writes b as a piece of its own.
func (o *output) piece(b []byte) {
	o.pieceStart()
	o.piecePart(b)
	o.pieceEnd()
}

// pieceStart starts a piece written in parts (piecePart) up to pieceEnd.
func (o *output) pieceStart() {
	o.toQueue = o.sideInLine
	if o.toQueue {
		if n := len(o.sideQueue); n > 0 && o.sideQueue[n-1] != '\n' {
			o.sideQueue = append(o.sideQueue, '\n')
		}
		return
	}
	o.separate()
}

func (o *output) piecePart(b []byte) {
	if !o.toQueue {
		o.writeSide(b)
		return
	}
	if len(o.sideQueue)+len(b) > sideMax {
		// Too much waits: the line of hidden text is cut here.
		o.toQueue = false
		o.separate()
		o.writeSide(o.sideQueue)
		o.sideQueue = o.sideQueue[:0]
		o.writeSide(b)
		return
	}
	o.sideQueue = append(o.sideQueue, b...)
}

func (o *output) pieceEnd() {
	if o.toQueue {
		if n := len(o.sideQueue); n > 0 && o.sideQueue[n-1] != '\n' {
			o.sideQueue = append(o.sideQueue, '\n')
		}
		return
	}
	o.separate()
}

// interrupt writes rendered text that belongs elsewhere (a table's
// foster-parented text that cannot wait any longer) on its own lines.
func (o *output) interrupt(b []byte) {
	o.newline()
	o.put(b)
	o.newline()
	if o.inLine {
		o.reemit = true
	}
	o.apart = true
}

// lineTail returns a copy of the current line's rendered text, up to
// tailMax bytes, or nil when the line has none.
func (o *output) lineTail() []byte {
	if len(o.tail) == 0 {
		return nil
	}
	return append([]byte(nil), lastBytes(o.tail, tailMax)...)
}

// lastBytes returns the last n bytes of b or fewer, starting at a rune.
func lastBytes(b []byte, n int) []byte {
	if len(b) <= n {
		return b
	}
	i := len(b) - n
	for j := i; j < len(b) && j < i+4; j++ {
		if b[j]&0xC0 != 0x80 {
			return b[j:]
		}
	}
	return b[i:]
}

// fosterBuf holds the rendered text a table foster-parents. A browser
// moves text (and elements) that are directly in a table, not in a cell
// or caption, to just before the table, where it joins the text in front
// of the table: "x<table>y<tr><td>cell</table>" shows "xy" above the
// table. The text is given out when the table ends, as its own line: pre
// (the line in front of the table) followed by buf.
type fosterBuf struct {
	pre []byte
	buf []byte
}

// line returns the text a table fostered, with the line it joins.
func (f *fosterBuf) line() []byte {
	if len(f.buf) == 0 || !hasNonSpace(f.buf) {
		return nil
	}
	return append(append([]byte(nil), f.pre...), f.buf...)
}

// openLine returns the last line of buf (with pre if buf has no line
// break), up to tailMax bytes: the text a table opened here would join.
func (f *fosterBuf) openLine() []byte {
	b := lastBytes(f.buf, tailMax)
	if i := bytes.LastIndexByte(b, '\n'); i >= 0 {
		return append([]byte(nil), b[i+1:]...)
	}
	if len(b) < len(f.buf) {
		return append([]byte(nil), b...)
	}
	return append(lastBytes(f.pre, tailMax-len(b)), b...)
}
