package extract

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"sync"

	"github.com/dlprelay/dlprelay/detect/archive"
	"github.com/dlprelay/dlprelay/detect/uuencode"
)

// This file takes encoded files out of plain text: uuencoded files (a
// "begin 644 customers.csv" block, as old mailers and scripts send) and
// OpenPGP messages ("-----BEGIN PGP MESSAGE-----"). Their lines leave the
// text; each is spooled while the text is scanned and read afterwards as
// a part of its own, path/NAME (the uuencoded name) or path/pgp-message.

// blockSet collects the blocks of one text part.
type blockSet struct {
	w      *walker
	blocks []spooled
	lazy   *lazyBlocks
	uu     *uuencode.Splitter
	armor  *armorSplitter
	err    error // spooling failed
}

// spooled is one block's bytes in an unlinked temporary file.
type spooled struct {
	name string
	pgp  bool
	file *os.File
	size int64
}

// triggers are what a block's first line starts with; a text without a
// line that starts so is passed on as it is.
var triggers = [][]byte{[]byte("begin"), armorBegin}

// wrap returns text with its blocks taken out. Until a line starts with a
// trigger, it only looks at line starts (bytes.IndexByte per line) and
// hands the text out of its own buffer; from that line on, the text goes
// through the splitters.
func (b *blockSet) wrap(text io.Reader) io.Reader {
	b.lazy = &lazyBlocks{set: b, r: text, buf: lazyBufs.Get().(*[lazyBuffer]byte)[:], lineStart: true}
	return b.lazy
}

// lazyBuffer is the size of lazyBlocks' buffer; they are pooled, one per
// text part being read.
const lazyBuffer = 16 << 10

var lazyBufs = sync.Pool{New: func() any { return new([lazyBuffer]byte) }}

// lazyBlocks passes text on until a line starts with a trigger.
type lazyBlocks struct {
	set *blockSet
	r   io.Reader
	// buf[:ready] is decided and handed out from off on; buf[ready:end]
	// is read but not decided yet. buf[0] starts a line if lineStart.
	buf             []byte
	off, ready, end int
	lineStart       bool
	err             error
	full            io.Reader // the splitters, once a trigger was seen
}

func (l *lazyBlocks) Read(p []byte) (int, error) {
	for {
		if l.off < l.ready {
			n := copy(p, l.buf[l.off:l.ready])
			l.off += n
			return n, nil
		}
		if l.full != nil {
			return l.full.Read(p)
		}
		if l.ready > 0 {
			// All that was decided is out: keep what is not.
			l.lineStart = l.ready < l.end || l.buf[l.ready-1] == '\n'
			l.end = copy(l.buf, l.buf[l.ready:l.end])
			l.off, l.ready = 0, 0
		}
		if l.end > 0 && (l.err != nil || l.end == len(l.buf)) {
			l.decide()
			continue
		}
		if l.err != nil {
			return 0, l.err
		}
		n, err := l.r.Read(l.buf[l.end:])
		l.end += n
		if err != nil {
			l.err = err
		}
		if n > 0 {
			l.decide()
		}
	}
}

// decide looks at the line starts in buf[:end]: the text before a
// trigger's line is handed out and the rest goes through the splitters;
// with no trigger, everything is handed out but a last line start too
// short to tell (it may begin a trigger).
func (l *lazyBlocks) decide() {
	at, undecided := findTrigger(l.buf[:l.end], l.lineStart, l.err != nil)
	switch {
	case at >= 0:
		rest := io.MultiReader(bytes.NewReader(bytes.Clone(l.buf[at:l.end])), errReader{l.r, l.err})
		l.ready, l.end = at, at
		l.full = l.set.splitters(rest)
	case undecided >= 0:
		l.ready = undecided
	default:
		l.ready = l.end
	}
}

// findTrigger returns the offset of the first line start in b (b[0]
// counts when lineStart) at which a trigger begins, or -1; and, when there
// is none, the offset of a last line start whose bytes are too few to
// tell (a prefix of a trigger, and more text may follow), or -1.
func findTrigger(b []byte, lineStart, atEOF bool) (at, undecided int) {
	pos := 0
	if !lineStart {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			return -1, -1
		}
		pos = i + 1
	}
	for {
		rest := b[pos:]
		for _, t := range triggers {
			if bytes.HasPrefix(rest, t) {
				return pos, -1
			}
			if !atEOF && len(rest) < len(t) && bytes.HasPrefix(t, rest) {
				return -1, pos
			}
		}
		i := bytes.IndexByte(rest, '\n')
		if i < 0 {
			return -1, -1
		}
		pos += i + 1
	}
}

// errReader reads r, or returns err once r is done with (err set).
type errReader struct {
	r   io.Reader
	err error
}

func (e errReader) Read(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	return e.r.Read(p)
}

// splitters returns the text r through the uuencode and the armor
// splitters.
func (b *blockSet) splitters(r io.Reader) io.Reader {
	b.armor = &armorSplitter{set: b, br: bufio.NewReaderSize(r, 4096)}
	b.uu = uuencode.NewSplitter(b.armor, b.openUU, uuencode.Limits{
		MaxBlockBytes: b.w.lim.MaxPartBytes, MaxTotalBytes: b.w.lim.MaxPartBytes,
	})
	return b.uu
}

// openUU spools a uuencoded block.
func (b *blockSet) openUU(name string) (io.WriteCloser, error) {
	return b.open(name, false)
}

func (b *blockSet) open(name string, pgp bool) (io.WriteCloser, error) {
	f, err := os.CreateTemp("", "dlprelay-block-*")
	if err != nil {
		b.err = err
		return nil, errors.Join(errSpoolWrite, err)
	}
	os.Remove(f.Name())
	b.blocks = append(b.blocks, spooled{name: name, pgp: pgp, file: f})
	return &blockWriter{set: b, i: len(b.blocks) - 1}, nil
}

// blockWriter writes one spooled block.
type blockWriter struct {
	set *blockSet
	i   int
}

func (bw *blockWriter) Write(p []byte) (int, error) {
	s := &bw.set.blocks[bw.i]
	if s.size+int64(len(p)) > bw.set.w.lim.MaxPartBytes {
		return 0, errSpoolTooBig
	}
	n, err := s.file.Write(p)
	s.size += int64(n)
	if err != nil {
		return n, errors.Join(errSpoolWrite, err)
	}
	return n, nil
}

func (bw *blockWriter) Close() error { return nil }

// dispatch reads the blocks of the text part at path (Part idx), now that
// its text is done, as parts of their own.
func (b *blockSet) dispatch(idx int, path string, depth, adepth int, exp *archive.Expansion) {
	w := b.w
	defer b.close()
	if b.uu != nil {
		st := b.uu.Stats()
		if st.Skipped > 0 {
			// Blocks past the limits stayed in the text, as text.
			w.unscannableKind(path, ReasonParts, "uuencode")
		}
		for _, blk := range st.Blocks {
			if blk.Capped {
				w.unscannableKind(path, ReasonPartSize, "uuencode")
				break
			}
		}
		if len(st.Blocks) > 0 {
			w.note(idx, NoteUUEncoded)
		}
	}
	if b.armor != nil && b.armor.blocks > 0 {
		w.note(idx, NoteOpenPGP)
	}
	if b.err != nil {
		if w.fatal == nil {
			w.fatal = errors.Join(errSpoolWrite, b.err)
		}
		return
	}
	for _, s := range b.blocks {
		if w.halted(path) {
			return
		}
		name := s.name
		if s.pgp {
			name = "pgp-message"
		}
		p := w.entryPath(path, name)
		eidx, ok := w.newEntry(p, name)
		if !ok {
			return
		}
		r := io.NewSectionReader(s.file, 0, s.size)
		if s.pgp {
			w.pgpArmored(eidx, p, depth, adepth, exp, r)
			continue
		}
		w.content(eidx, p, depth, adepth, exp, r, hint{name: name})
	}
}

// close closes the spooled blocks and returns the buffer.
func (b *blockSet) close() {
	for _, s := range b.blocks {
		s.file.Close()
	}
	if b.lazy != nil && b.lazy.buf != nil {
		lazyBufs.Put((*[lazyBuffer]byte)(b.lazy.buf))
		b.lazy.buf = nil
	}
}

// armorSplitter passes text on, except the lines of each OpenPGP message
// block ("-----BEGIN PGP MESSAGE-----" to "-----END PGP MESSAGE-----",
// both included), which it spools. Other armored blocks (signatures,
// keys) and clear-signed text stay text.
type armorSplitter struct {
	set    *blockSet
	br     *bufio.Reader
	out    []byte
	w      io.WriteCloser // the block under way
	blocks int
	err    error
}

var (
	armorBegin = []byte("-----BEGIN PGP MESSAGE-----")
	armorEnd   = []byte("-----END PGP MESSAGE-----")
)

func (a *armorSplitter) Read(p []byte) (int, error) {
	for len(a.out) == 0 {
		if a.err != nil {
			return 0, a.err
		}
		a.step()
	}
	n := copy(p, a.out)
	a.out = a.out[n:]
	return n, nil
}

// step reads one line, or a piece of a long one.
func (a *armorSplitter) step() {
	line, err := a.br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		err = nil
	}
	trimmed := bytes.TrimRight(line, " \t\r\n")
	switch {
	case a.w == nil && bytes.Equal(trimmed, armorBegin) && a.set.err == nil:
		w, oerr := a.set.open("pgp-message", true)
		if oerr != nil {
			a.out = append(a.out[:0], line...)
			break
		}
		a.w = w
		a.blocks++
		a.write(line)
	case a.w != nil:
		a.write(line)
		if bytes.Equal(trimmed, armorEnd) {
			a.w.Close()
			a.w = nil
		}
	default:
		a.out = append(a.out[:0], line...)
	}
	if err != nil {
		if a.w != nil {
			a.w.Close()
			a.w = nil
		}
		a.err = err
	}
}

func (a *armorSplitter) write(line []byte) {
	if _, err := a.w.Write(line); err != nil {
		// Too big to spool: the rest of the block stays text.
		a.w.Close()
		a.w = nil
	}
}
