package printable

import "unicode/utf8"

// MaxLine is the longest line a run comes out as. A longer run is split
// into lines of at most MaxLine bytes, each after the first starting with
// the last LineOverlap bytes of the one before, so that no value shorter
// than LineOverlap is cut in two.
const (
	MaxLine     = 64 << 10
	LineOverlap = 256
)

// codec converts the characters of one encoding to UTF-8.
type codec interface {
	// appendChar appends the character that starts at win[i], which the
	// scanner has found whole, and returns its length in win.
	appendChar(dst, win []byte, i int) ([]byte, int)
}

// runBuf is one scanner's current run and the lines of the runs that
// ended. The scanner's loop only counts (width, score) while a run goes
// on; the run's bytes are converted to UTF-8 when it ends and qualifies,
// or when the window moves on in the middle of it.
//
// Each line is staged with the input offset where its run (or piece)
// ended. The reader merges the lines of all scanners in the order of
// those offsets, so the output does not depend on how the input was cut
// into reads.
type runBuf struct {
	minRun   int
	minScore int // what score a run needs (see scoreRun)

	start int    // where the run's unconverted bytes begin in the window, or -1
	text  []byte // the run's bytes from earlier windows, converted
	width int    // its characters, wide ones counting 2
	score int    // how clearly it is text of its encoding
	long  bool   // the run was split: its last piece goes out whatever its width

	staged []byte // lines of ended runs, each ending in "\n"
	ends   []lineEnd
}

type lineEnd struct {
	at int64 // the input offset where the run (or piece) ended
	n  int   // bytes of staged, "\n" included
}

func (b *runBuf) active() bool { return b.start >= 0 || len(b.text) > 0 }

// qualifies reports whether the run is to be emitted if it ends now.
func (b *runBuf) qualifies() bool {
	return (b.long || b.width >= b.minRun) && b.score >= b.minScore
}

// convert converts the run's bytes win[b.start:i] (win[0] is at input
// offset base) onto text, splitting the run where it passes MaxLine.
func (b *runBuf) convert(c codec, win []byte, base int64, i int) {
	if _, ok := c.(*utf8Scanner); ok && len(b.text)+i-b.start <= MaxLine {
		// UTF-8 is copied as it is.
		b.text = append(b.text, win[b.start:i]...)
		b.start = -1
		return
	}
	for j := b.start; j < i; {
		n := len(b.text)
		var size int
		b.text, size = c.appendChar(b.text, win, j)
		if len(b.text) > MaxLine {
			b.text = b.text[:n]
			b.split(base + int64(j))
			continue
		}
		j += size
	}
	b.start = -1
}

// split stages the run as a line ending at offset at, if it has the score
// for it, and keeps its last LineOverlap bytes to start the next piece.
func (b *runBuf) split(at int64) {
	if b.score >= b.minScore {
		b.stage(at)
	}
	keep := len(b.text) - LineOverlap
	for keep < len(b.text) && !utf8.RuneStart(b.text[keep]) {
		keep++
	}
	b.text = b.text[:copy(b.text, b.text[keep:])]
	b.long = true
}

// carry converts the part of an active run that is in the window, before
// the window moves on to the bytes from i.
func (b *runBuf) carry(c codec, win []byte, base int64, i int) {
	if b.start >= 0 {
		b.convert(c, win, base, i)
	}
}

// end ends the run before win[i] (i may be len(win)), staging it if it
// qualifies.
func (b *runBuf) end(c codec, win []byte, base int64, i int) {
	if b.qualifies() {
		if b.start >= 0 {
			b.convert(c, win, base, i)
		}
		if len(b.text) > 0 {
			b.stage(base + int64(i))
		}
	}
	b.start, b.text, b.width, b.score, b.long = -1, b.text[:0], 0, 0, false
}

func (b *runBuf) stage(at int64) {
	b.staged = append(b.staged, b.text...)
	b.staged = append(b.staged, '\n')
	b.ends = append(b.ends, lineEnd{at: at, n: len(b.text) + 1})
}

// unstage forgets the staged lines once the reader has taken them.
func (b *runBuf) unstage() {
	b.staged, b.ends = b.staged[:0], b.ends[:0]
}
