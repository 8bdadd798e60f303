package watchlist

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"golang.org/x/text/encoding/japanese"
)

// sniffBytes is how much, from the first non-ASCII byte on, decides the
// encoding.
const sniffBytes = 64 << 10

// decoder hands the CSV reader UTF-8. ASCII passes through as it is (it
// reads the same in both encodings); at the first non-ASCII byte it looks
// at the next sniffBytes and from then on reads either UTF-8 or Shift_JIS.
type decoder struct {
	br  *bufio.Reader
	dec io.Reader // nil until decided
}

var errUTF16 = errors.New("UTF-16 is not supported; save the list as CSV UTF-8 or CSV (Shift_JIS)")

func newDecoder(r io.Reader) (*decoder, error) {
	d := &decoder{br: bufio.NewReaderSize(r, sniffBytes)}
	head, err := d.br.Peek(3)
	if err != nil && err != io.EOF {
		return nil, err
	}
	switch {
	case bytes.HasPrefix(head, []byte("\xEF\xBB\xBF")):
		d.br.Discard(3)
		d.dec = d.br // a UTF-8 BOM settles it
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}), bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		return nil, errUTF16
	}
	return d, nil
}

func (d *decoder) Read(p []byte) (int, error) {
	if d.dec != nil {
		return d.dec.Read(p)
	}
	if len(p) == 0 {
		return 0, nil
	}
	if d.br.Buffered() == 0 {
		if _, err := d.br.Peek(1); err != nil {
			return 0, err
		}
	}
	buf, _ := d.br.Peek(d.br.Buffered())
	ascii := len(buf)
	for i, c := range buf {
		if c >= utf8.RuneSelf {
			ascii = i
			break
		}
	}
	if ascii > 0 {
		n := copy(p, buf[:ascii])
		d.br.Discard(n)
		return n, nil
	}
	head, err := d.br.Peek(sniffBytes)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return 0, err
	}
	if validUTF8Prefix(head, err == io.EOF) {
		d.dec = d.br
	} else {
		d.dec = japanese.ShiftJIS.NewDecoder().Reader(d.br)
	}
	return d.dec.Read(p)
}

// validUTF8Prefix reports whether b is valid UTF-8, allowing a rune cut off
// at the end unless b is the whole input.
func validUTF8Prefix(b []byte, whole bool) bool {
	if utf8.Valid(b) {
		return true
	}
	if whole {
		return false
	}
	for cut := 1; cut < utf8.UTFMax && cut <= len(b); cut++ {
		if utf8.Valid(b[:len(b)-cut]) {
			return !utf8.FullRune(b[len(b)-cut:])
		}
	}
	return false
}

// maxRecordBytes bounds one record (a row, with any line breaks quoted in
// it) and one comment line, so that neither a file without line breaks nor
// an unclosed quote makes the CSV reader buffer the file whole.
const maxRecordBytes = 64 << 10

var errRecordTooLong = fmt.Errorf("a row or comment line longer than %d bytes", maxRecordBytes)

// recordGuard fails the read once a record grows past maxRecordBytes. In
// well-formed CSV a line break ends a record when an even number of quotes
// came before it in the record; a line starting with # at a record
// boundary is a comment, whose quotes count for nothing. A record that is
// not well-formed is an error of the CSV reader, which ends the parse.
type recordGuard struct {
	r         io.Reader
	line      int  // the line being read, from 1
	startLine int  // the line the current record or comment started on
	run       int  // bytes in the current record or comment line
	inQuotes  bool // an odd number of quotes so far in the record
	atStart   bool // at a record boundary: the next byte starts a line
	inComment bool
}

func newRecordGuard(r io.Reader) *recordGuard {
	return &recordGuard{r: r, line: 1, startLine: 1, atStart: true}
}

func (g *recordGuard) Read(p []byte) (int, error) {
	n, err := g.r.Read(p)
	for _, c := range p[:n] {
		if g.atStart {
			g.atStart, g.startLine = false, g.line
			g.inComment = c == '#'
		}
		if c == '\n' {
			g.line++
		}
		switch {
		case c == '\n' && (g.inComment || !g.inQuotes):
			g.run, g.atStart, g.inComment = 0, true, false
			continue
		case c == '"' && !g.inComment:
			g.inQuotes = !g.inQuotes
		}
		if g.run++; g.run > maxRecordBytes {
			return 0, errRecordTooLong
		}
	}
	return n, err
}
