package uuencode

import (
	"bufio"
	"io"
	"slices"
)

// Limits bound what a Splitter decodes. Zero fields take the values of
// DefaultLimits.
type Limits struct {
	// MaxBlocks is the most blocks taken out of one text; later blocks
	// stay in the text and are counted in Stats.Skipped.
	MaxBlocks int
	// MaxBlockBytes is the most decoded bytes written for one block; the
	// rest of the block is dropped and the block is Capped.
	MaxBlockBytes int64
	// MaxTotalBytes is the most decoded bytes written for all blocks
	// together. The block that reaches it is Capped; later blocks stay in
	// the text and are counted in Stats.Skipped.
	MaxTotalBytes int64
}

// DefaultLimits returns the limits used for zero fields.
func DefaultLimits() Limits {
	return Limits{MaxBlocks: 100, MaxBlockBytes: 50 << 20, MaxTotalBytes: 50 << 20}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxBlocks <= 0 {
		l.MaxBlocks = d.MaxBlocks
	}
	if l.MaxBlockBytes <= 0 {
		l.MaxBlockBytes = d.MaxBlockBytes
	}
	if l.MaxTotalBytes <= 0 {
		l.MaxTotalBytes = d.MaxTotalBytes
	}
	return l
}

// Block is one block taken out of the text.
type Block struct {
	Name    string // from the begin line, as it is there (see the package comment)
	Framing Framing
	Bytes   int64 // decoded bytes written
	// Cut: the block ended before its last line, at a line that is not
	// encoded or at the end of the text. What was decoded up to there was
	// written; the lines after it are text.
	Cut bool
	// Capped: decoded bytes past MaxBlockBytes or MaxTotalBytes were
	// dropped (the block's lines are still taken out of the text).
	Capped bool
}

// Stats says what a Splitter found.
type Stats struct {
	Blocks  []Block // in the order of the text, at most MaxBlocks
	Cut     int     // blocks with Cut set
	Capped  int     // blocks with Capped set
	Skipped int     // blocks left in the text because of MaxBlocks or MaxTotalBytes
	Decoded int64   // decoded bytes written, all blocks together
}

// Splitter passes a text through unchanged, except that it takes out the
// uuencoded blocks in it and writes their decoded bytes to writers it
// asks for. See NewSplitter.
type Splitter struct {
	br   *bufio.Reader
	open func(name string) (io.WriteCloser, error)
	lim  Limits

	out []byte // text to hand out, from off
	off int
	err error // after out: io.EOF or what went wrong

	st      state
	long    bool    // passing on the rest of a line longer than MaxLine
	begin   []byte  // the begin line, while st is afterBegin
	framing Framing // of the block, or of the begin line in afterBegin
	b64     base64Lines
	width   int // of the block's lines: see width

	holding bool           // held is a line that may be the block's last
	held    []byte         // (see blockLine)
	w       io.WriteCloser // the current block's, while st is inBlock or afterLast
	bw      *bufio.Writer
	dec     [MaxLine]byte
	stats   Stats
}

type state int

const (
	inText     state = iota
	afterBegin       // a begin line was read; the next line decides
	inBlock
	afterLast // the length-0 line was read; "end" may follow
)

// NewSplitter returns a reader of the text r with its uuencoded blocks
// taken out. A block is a begin line ("begin MODE NAME" or "begin-base64
// MODE NAME", with a name) followed by an encoded line that has all its
// characters (but perhaps its final padding; in base64 a multiple of
// four). It goes on while lines are encoded and as wide as that first one
// (a classic line may lack one group of stripped trailing spaces); a
// line of another width can only be the last, so it must be followed by
// the length-0 line, "end" or "====". The block ends after its last line
// and the "end" line, if there is one.
//
// A block's lines are not in the text; its decoded bytes are written to
// the writer open(NAME) returns, which is closed when the block ends. A
// begin line not followed by an encoded line stays text, and the line
// after it is read as text. A block that meets a line that does not
// belong to it ends there (Cut): what was decoded is written, and that
// line and the ones after it are text again.
//
// The text's line terminators are kept. Memory does not grow with the
// input: lines longer than MaxLine are passed on in pieces.
//
// Read returns the errors of r, of open and of the writers (Write and
// Close), after the text before them; the writer of a block under way is
// then closed. Stats says what was found once Read has returned io.EOF.
func NewSplitter(r io.Reader, open func(name string) (io.WriteCloser, error), lim Limits) *Splitter {
	return &Splitter{br: bufio.NewReaderSize(r, MaxLine), open: open, lim: lim.withDefaults()}
}

// Stats returns what the Splitter has found so far.
func (s *Splitter) Stats() Stats {
	st := s.stats
	st.Blocks = slices.Clone(st.Blocks)
	return st
}

// Read implements io.Reader.
func (s *Splitter) Read(p []byte) (int, error) {
	for s.off == len(s.out) {
		if s.err != nil {
			return 0, s.err
		}
		s.out, s.off = s.out[:0], 0
		s.step()
	}
	n := copy(p, s.out[s.off:])
	s.off += n
	return n, nil
}

// step reads one line, or a piece of a long one.
func (s *Splitter) step() {
	line, err := s.br.ReadSlice('\n')
	switch {
	case err == bufio.ErrBufferFull:
		if !s.long {
			s.notEncoded()
			s.long = true
		}
		s.out = append(s.out, line...)
		return
	case s.long:
		s.out = append(s.out, line...)
		s.long = false
	case len(line) > 0:
		s.line(line)
	}
	if err != nil && s.err == nil {
		if err == io.EOF {
			s.notEncoded()
		} else {
			s.fail(err)
		}
		if s.err == nil {
			s.err = io.EOF
		}
	}
}

// line handles one whole line, terminator included.
func (s *Splitter) line(line []byte) {
	b := body(line)
	switch s.st {
	case inText:
		if h, ok := parseBegin(b); ok && len(h.name) > 0 {
			s.framing = h.framing
			s.begin = append(s.begin[:0], line...)
			s.st = afterBegin
			return
		}
		s.out = append(s.out, line...)
	case afterBegin:
		n, ok := s.first(b)
		if !ok {
			s.out = append(s.out, s.begin...)
			s.st = inText
			s.line(line)
			return
		}
		if len(s.stats.Blocks) >= s.lim.MaxBlocks || s.stats.Decoded >= s.lim.MaxTotalBytes {
			s.stats.Skipped++
			s.out = append(append(s.out, s.begin...), line...)
			s.st = inText
			return
		}
		if !s.startBlock() {
			return
		}
		if s.framing == Base64 {
			n = s.b64.decode(b, s.dec[:])
		}
		s.write(s.dec[:n])
		s.st = inBlock
	case inBlock:
		s.blockLine(line, b)
	case afterLast:
		s.endBlock(false)
		if !isEnd(b) {
			s.line(line)
		}
	}
}

// first reports whether b can be the first line of a block: an encoded
// line with all its characters (but perhaps padding), or for base64 a
// multiple of four. It sets the block's width. A classic line is decoded
// into s.dec.
func (s *Splitter) first(b []byte) (int, bool) {
	var kind lineKind
	n := 0
	if s.framing == Base64 {
		kind = s.b64.classify(b, true)
	} else {
		kind, n = classicLine(b, 0, s.dec[:])
	}
	s.width = width(s.framing, b)
	return n, kind == data
}

// width is what lines of one block share, but for the last encoded line:
// the length character of a classic line, the length of a base64 line.
func width(f Framing, b []byte) int {
	if f == Base64 {
		return len(trimSpace(b))
	}
	if len(b) == 0 {
		return 0
	}
	return int(b[0]-' ') & 0x3f
}

// blockLine handles a line after the first of a block. Lines as wide as
// the first are written at once. A line of another width can only be the
// last encoded line: it is held until the next line shows the block's
// end (the length-0 line, "end" or "===="). When it does not, the block
// is Cut before the held line, which is text again with the lines after
// it: text does not disappear into a block just because it is made of
// base64 characters.
func (s *Splitter) blockLine(line, b []byte) {
	classic := s.framing == Classic
	var kind lineKind
	n := 0
	if classic {
		kind, n = classicLine(b, strictShortfall, s.dec[:])
		if kind != last && isEnd(b) { // the length-0 line is missing
			kind = last
		}
	} else {
		kind = s.b64.classify(b, false)
	}
	if s.holding {
		s.holding = false
		if kind != last {
			s.endBlock(true)
			s.out = append(s.out, s.held...)
			s.line(line)
			return
		}
		hb := body(s.held)
		if classic {
			_, hn := classicLine(hb, strictShortfall, s.dec[:])
			s.write(s.dec[:hn])
		} else {
			s.write(s.dec[:s.b64.decode(hb, s.dec[:])])
		}
	}
	switch {
	case kind == last && classic && !isEnd(b):
		s.st = afterLast // "end" may follow
	case kind == last:
		s.endBlock(false)
	case kind == data && width(s.framing, b) == s.width:
		if !classic {
			n = s.b64.decode(b, s.dec[:])
		}
		s.write(s.dec[:n])
	case kind == data:
		s.held = append(s.held[:0], line...)
		s.holding = true
	default:
		s.endBlock(true)
		s.line(line)
	}
}

// notEncoded ends what a line that cannot be encoded (a long line, or the
// end of the text) ends.
func (s *Splitter) notEncoded() {
	switch s.st {
	case afterBegin:
		s.out = append(s.out, s.begin...)
		s.st = inText
	case inBlock:
		s.endBlock(true)
		if s.holding {
			s.holding = false
			s.out = append(s.out, s.held...)
		}
	case afterLast:
		s.endBlock(false)
	}
}

func (s *Splitter) startBlock() bool {
	h, _ := parseBegin(body(s.begin))
	name := string(h.name)
	w, err := s.open(name)
	if err != nil {
		s.fail(err)
		return false
	}
	s.w = w
	if s.bw == nil {
		s.bw = bufio.NewWriterSize(w, 32<<10)
	} else {
		s.bw.Reset(w)
	}
	s.b64 = base64Lines{}
	s.stats.Blocks = append(s.stats.Blocks, Block{Name: name, Framing: s.framing})
	return true
}

// write writes decoded bytes of the current block, within the limits.
func (s *Splitter) write(p []byte) {
	if s.w == nil {
		return // failed
	}
	blk := &s.stats.Blocks[len(s.stats.Blocks)-1]
	room := min(s.lim.MaxBlockBytes-blk.Bytes, s.lim.MaxTotalBytes-s.stats.Decoded)
	if int64(len(p)) > room {
		p = p[:room]
		if !blk.Capped {
			blk.Capped = true
			s.stats.Capped++
		}
	}
	if len(p) == 0 {
		return
	}
	if _, err := s.bw.Write(p); err != nil {
		s.fail(err)
		return
	}
	blk.Bytes += int64(len(p))
	s.stats.Decoded += int64(len(p))
}

// endBlock flushes and closes the current block's writer.
func (s *Splitter) endBlock(cut bool) {
	s.st = inText
	if s.w == nil {
		return
	}
	if cut {
		s.stats.Blocks[len(s.stats.Blocks)-1].Cut = true
		s.stats.Cut++
	}
	err := s.bw.Flush()
	if cerr := s.w.Close(); err == nil {
		err = cerr
	}
	s.w = nil
	s.bw.Reset(nil)
	if err != nil {
		s.fail(err)
	}
}

// fail stops the Splitter: the current writer is closed and Read returns
// err after the text before it.
func (s *Splitter) fail(err error) {
	if s.w != nil {
		s.w.Close()
		s.w = nil
	}
	if s.err == nil {
		s.err = err
	}
	s.st = inText
}
