// Package printable finds the printable strings in bytes that no known
// format claims (an executable, a SQLite database, a CAD file), as
// strings(1) does, so that the customer values stored in them as text are
// scanned. It reads ASCII and UTF-8, UTF-16 in either byte order and at
// either alignment, and Shift_JIS; its output is UTF-8, one run per line.
//
// A run is a stretch of characters of one encoding at least MinRun long,
// East Asian wide characters (kanji, kana, full-width forms, and every
// double-byte Shift_JIS character) counting 2: a two-kanji name such as
// 山田 is a run of 4. Random bytes and machine code read as Shift_JIS or
// UTF-16 are full of valid kanji, so runs of those encodings must also
// look like Japanese: a Shift_JIS run needs two double-byte characters in
// a row, and each has a score by how common its characters are in text
// (see scoreRun in tables.go). ASCII and Latin-1 in UTF-16 come out once,
// whatever their byte order and alignment.
//
// The encodings are read independently, so the same bytes may come out
// more than once: a Shift_JIS or UTF-16 run's ASCII part also comes out
// as an ASCII run, and some bytes read as a run in two encodings, one of
// them garbage. That is deliberate: a run is never lost to another
// reading of the same bytes. Lines come out in the order in which their
// runs end in the input.
//
// What is not read: single-byte legacy charsets (Latin-1, Windows-1252),
// whose accented letters end an ASCII run; Shift_JIS half-width katakana,
// which end a Shift_JIS run; UTF-16 ideographs outside JIS X 0208 and
// CP932 (but for planes 2 and 3, as surrogate pairs), which end a UTF-16
// run; other scripts in UTF-16 but for Latin Extended; UTF-32, EUC-JP.
//
// NewReader streams: it holds a window of 32 KiB, each encoding's current
// run (at most MaxLine bytes), and the lines of one window. Its output
// does not depend on how the input is cut into reads. Its time is linear
// in the input, which MaxInput bounds. It stops with ErrOutputLimit or
// ErrInputLimit when a limit is reached, after handing out what came
// before.
package printable

import (
	"errors"
	"io"
)

// Errors returned by the reader after the output they cut short.
var (
	// ErrOutputLimit: the output reached Limits.MaxOutput. The output
	// ends there, on a character boundary.
	ErrOutputLimit = errors.New("printable: output limit reached")
	// ErrInputLimit: the input was longer than Limits.MaxInput. The
	// output has the runs of the first MaxInput bytes.
	ErrInputLimit = errors.New("printable: input limit reached")
)

// Limits bound what the reader does. Zero fields take the defaults.
type Limits struct {
	// MinRun is the shortest run emitted, in characters, wide ones
	// counting 2. Default 4; at least 2, at most 1024.
	MinRun int
	// MaxOutput is the most bytes of output. Default 64 MiB.
	MaxOutput int64
	// MaxInput is the most bytes of input read. Default 256 MiB.
	MaxInput int64
}

// Defaults and bounds of Limits.
const (
	DefaultMinRun    = 4
	DefaultMaxOutput = 64 << 20
	DefaultMaxInput  = 256 << 20
	minMinRun        = 2
	maxMinRun        = 1024
)

func (l Limits) withDefaults() Limits {
	if l.MinRun <= 0 {
		l.MinRun = DefaultMinRun
	}
	l.MinRun = min(max(l.MinRun, minMinRun), maxMinRun)
	if l.MaxOutput <= 0 {
		l.MaxOutput = DefaultMaxOutput
	}
	if l.MaxInput <= 0 {
		l.MaxInput = DefaultMaxInput
	}
	return l
}

// NewReader returns the printable runs of r, converted to UTF-8, one run
// per line ("\n" after each), streaming, in bounded memory. An error from
// r is returned after the runs of the bytes read before it.
func NewReader(r io.Reader, lim Limits) io.Reader {
	return newReader(r, lim, windowSize)
}

// windowSize is how many bytes of input are scanned at a time.
const windowSize = 32 << 10

// lookahead is how many bytes past the scanned ones the window must hold
// (until the end of the input), for a character or a Shift_JIS reading
// to be judged whole.
const lookahead = sjisLookahead
