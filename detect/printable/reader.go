package printable

import (
	"errors"
	"io"
	"unicode/utf8"
)

// scanner is one encoding's reader of runs.
type scanner interface {
	// scan reads the characters of win (win[0] is at input offset base)
	// that start before offset limit, from where the last call stopped.
	// win holds lookahead bytes past limit unless the input ends there.
	scan(win []byte, base, limit int64)
	// finish ends the current run at the end of the input, win being
	// the last window.
	finish(win []byte, base int64)
	lines() *runBuf
}

func (b *runBuf) lines() *runBuf { return b }

type reader struct {
	src     io.Reader
	lim     Limits
	scan    []scanner
	win     []byte // input from offset base; cap is the window size plus lookahead
	base    int64
	next    int64 // every scanner has read up to here
	read    int64 // bytes read from src
	empty   int   // reads in a row that returned nothing
	out     []byte
	off     int   // of out, handed out already
	written int64 // bytes of output so far
	err     error // to return once out is handed out
}

func newReader(src io.Reader, lim Limits, window int) *reader {
	lim = lim.withDefaults()
	buf := func(minScore int) runBuf {
		return runBuf{minRun: lim.MinRun, minScore: minScore, start: -1}
	}
	// The order is the order of lines that end at the same offset.
	r := &reader{
		src: src,
		lim: lim,
		scan: []scanner{
			&utf8Scanner{runBuf: buf(0)},
			&sjisScanner{runBuf: buf(scoreRun)},
			&zeroScanner{runBuf: buf(0)},
			&utf16Scanner{runBuf: buf(scoreRun), pos: 0},
			&utf16Scanner{runBuf: buf(scoreRun), pos: 1},
			&utf16Scanner{runBuf: buf(scoreRun), pos: 0, bigEndian: true},
			&utf16Scanner{runBuf: buf(scoreRun), pos: 1, bigEndian: true},
		},
		win: make([]byte, 0, window+lookahead+1),
	}
	tablesOnce.Do(buildTables)
	return r
}

func (r *reader) Read(p []byte) (int, error) {
	for r.off == len(r.out) {
		if r.err != nil {
			return 0, r.err
		}
		r.out, r.off = r.out[:0], 0
		r.fill()
	}
	n := copy(p, r.out[r.off:])
	r.off += n
	return n, nil
}

// fill reads once from src, scans what can be scanned and puts the lines
// that ended into out.
func (r *reader) fill() {
	// Keep the bytes the scanners have not read yet, and the one before
	// them (utf16Scanner looks back a byte).
	from := max(r.next-1, r.base)
	r.win = r.win[:copy(r.win, r.win[from-r.base:])]
	r.base = from

	room := r.win[len(r.win):cap(r.win)]
	if left := r.lim.MaxInput - r.read; int64(len(room)) > left {
		room = room[:left]
	}
	n, err := r.src.Read(room)
	if n < 0 || n > len(room) {
		n, err = 0, errors.New("printable: invalid Read count") // as bufio does
	}
	r.win = r.win[:len(r.win)+n]
	r.read += int64(n)
	switch {
	case err == nil && n == 0:
		if r.empty++; r.empty >= 100 {
			err = io.ErrNoProgress
		}
	case err == nil && r.read >= r.lim.MaxInput:
		// Anything more is past the limit: look for one more byte.
		err = io.EOF
		var one [1]byte
		for tries := 0; tries < 100; tries++ {
			m, e := r.src.Read(one[:])
			if m > 0 {
				err = ErrInputLimit
				break
			}
			if e != nil {
				if e != io.EOF {
					err = e
				}
				break
			}
		}
	default:
		r.empty = 0
	}

	end := err != nil
	limit := r.base + int64(len(r.win))
	if !end {
		limit -= lookahead
	}
	if limit > r.next {
		for _, s := range r.scan {
			s.scan(r.win, r.base, limit)
		}
		r.next = limit
	}
	if end {
		for _, s := range r.scan {
			s.finish(r.win, r.base)
		}
		r.err = err
	}
	r.merge()
}

// merge moves the staged lines of all scanners to out in the order of the
// offsets where they ended, cutting at MaxOutput.
func (r *reader) merge() {
	var idx [8]int
	var from [8]int // offset in staged
	for {
		best := -1
		var at int64
		for k, s := range r.scan {
			b := s.lines()
			if idx[k] < len(b.ends) && (best < 0 || b.ends[idx[k]].at < at) {
				best, at = k, b.ends[idx[k]].at
			}
		}
		if best < 0 {
			break
		}
		b := r.scan[best].lines()
		n := b.ends[idx[best]].n
		line := b.staged[from[best] : from[best]+n]
		idx[best]++
		from[best] += n
		if left := r.lim.MaxOutput - r.written; int64(len(line)) > left {
			cut := int(left)
			for cut > 0 && !utf8.RuneStart(line[cut]) {
				cut--
			}
			r.out = append(r.out, line[:cut]...)
			r.written += int64(cut)
			r.err = ErrOutputLimit
			break
		}
		r.out = append(r.out, line...)
		r.written += int64(len(line))
	}
	for _, s := range r.scan {
		s.lines().unstage()
	}
}
