package doc

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// piece is one entry of the piece table: characters [cp, cpEnd) of the
// document are at byte off of the WordDocument stream, one byte each
// (compressed) or two (UTF-16LE).
type piece struct {
	cp, cpEnd  int64
	off        int64
	compressed bool
}

// parseCLX reads the piece table (PlcPcd) from the CLX at fc in the table
// stream ([MS-DOC] 2.9.38): a run of Prc (clxt 0x01) followed by one Pcdt
// (clxt 0x02).
func parseCLX(table []byte, fc, lcb int64) ([]piece, error) {
	if fc < 0 || lcb <= 0 || fc > int64(len(table)) || lcb > int64(len(table))-fc {
		return nil, fmt.Errorf("%w: CLX outside the table stream", ErrCorrupt)
	}
	clx := table[fc : fc+lcb]
	for len(clx) > 0 {
		switch clx[0] {
		case 0x01: // Prc: clxt, cbGrpprl, grpprl
			if len(clx) < 3 {
				return nil, fmt.Errorf("%w: CLX Prc truncated", ErrCorrupt)
			}
			n := int(int16(binary.LittleEndian.Uint16(clx[1:])))
			if n < 0 || 3+n > len(clx) {
				return nil, fmt.Errorf("%w: CLX Prc size", ErrCorrupt)
			}
			clx = clx[3+n:]
		case 0x02: // Pcdt: clxt, lcb, PlcPcd
			if len(clx) < 5 {
				return nil, fmt.Errorf("%w: CLX Pcdt truncated", ErrCorrupt)
			}
			n := int64(binary.LittleEndian.Uint32(clx[1:]))
			if n > int64(len(clx)-5) {
				return nil, fmt.Errorf("%w: PlcPcd past the CLX", ErrCorrupt)
			}
			return parsePlcPcd(clx[5 : 5+n])
		default:
			return nil, fmt.Errorf("%w: CLX clxt %#02x", ErrCorrupt, clx[0])
		}
	}
	return nil, fmt.Errorf("%w: CLX without a piece table", ErrCorrupt)
}

func parsePlcPcd(b []byte) ([]piece, error) {
	if len(b) < 16 || (len(b)-4)%12 != 0 {
		return nil, fmt.Errorf("%w: PlcPcd of %d bytes", ErrCorrupt, len(b))
	}
	n := (len(b) - 4) / 12 // bounded by the table stream's real size
	ps := make([]piece, n)
	pcd := b[4*(n+1):]
	for i := range ps {
		cp := int64(binary.LittleEndian.Uint32(b[4*i:]))
		end := int64(binary.LittleEndian.Uint32(b[4*i+4:]))
		if end < cp {
			return nil, fmt.Errorf("%w: piece table out of order", ErrCorrupt)
		}
		fc := binary.LittleEndian.Uint32(pcd[8*i+2:])
		p := piece{cp: cp, cpEnd: end, compressed: fc&(1<<30) != 0}
		fc &^= 3 << 30
		if p.compressed {
			p.off = int64(fc / 2)
		} else {
			p.off = int64(fc)
		}
		ps[i] = p
	}
	return ps, nil
}

// textReader reads the characters [start, end) of the document as UTF-8
// text, as Word shows them, converting a few thousand characters at a time:
// its memory does not depend on the text's length. It yields at most max
// bytes, then fails with an error wrapping ErrLimit; a piece outside the
// WordDocument stream fails it with ErrCorrupt. The first failure is kept
// in err.
type textReader struct {
	ctx    context.Context
	word   []byte
	pieces []piece
	i      int   // the piece being read
	cp     int64 // the next character
	end    int64
	t      textWriter
	out    bytes.Buffer
	read   int64 // bytes handed out
	done   bool
	err    error
}

func newTextReader(ctx context.Context, word []byte, pieces []piece, start, end, max int64) *textReader {
	r := &textReader{ctx: ctx, word: word, pieces: pieces, cp: start, end: end}
	r.t = textWriter{buf: &r.out, max: max}
	return r
}

func (r *textReader) Read(p []byte) (int, error) {
	for r.out.Len() == 0 && !r.done && r.err == nil {
		r.fill()
	}
	if r.out.Len() > 0 {
		n, _ := r.out.Read(p)
		r.read += int64(n)
		return n, nil
	}
	if r.err != nil {
		return 0, r.err
	}
	return 0, io.EOF
}

// chunk is how many characters fill converts at a time.
const chunk = 4096

// fill converts up to chunk characters into out.
func (r *textReader) fill() {
	if err := r.ctx.Err(); err != nil {
		r.err = err
		return
	}
	// out was drained: what t counts against max is what was handed out.
	r.t.written = r.read
	for n := 0; n < chunk; {
		if r.i >= len(r.pieces) || r.cp >= r.end {
			r.t.finish()
			r.err, r.done = r.t.err, true
			return
		}
		p := r.pieces[r.i]
		if r.cp >= p.cpEnd {
			r.i++
			continue
		}
		if r.cp < p.cp {
			if p.cp >= r.end {
				r.i = len(r.pieces)
				continue
			}
			r.cp = p.cp // characters no piece holds
		}
		width := int64(2)
		if p.compressed {
			width = 1
		}
		hi := min64(p.cpEnd, r.end)
		hi = min64(hi, r.cp+int64(chunk-n))
		off := p.off + (r.cp-p.cp)*width
		cnt := hi - r.cp
		if off < 0 || off > int64(len(r.word)) || cnt > (int64(len(r.word))-off)/width {
			r.err = fmt.Errorf("%w: piece past the WordDocument stream", ErrCorrupt)
			return
		}
		b := r.word[off : off+cnt*width]
		for i := int64(0); i < cnt; i++ {
			if p.compressed {
				r.t.put(charmap.Windows1252.DecodeByte(b[i]))
			} else {
				r.t.put16(binary.LittleEndian.Uint16(b[2*i:]))
			}
			if r.t.err != nil {
				r.err = r.t.err
				return
			}
		}
		r.cp = hi
		n += int(cnt)
	}
}

func min64(a, b int64) int64 {
	if a < b {
		return a
	}
	return b
}

func max64(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}

// Bounds of the field state.
const (
	maxFieldDepth = 64   // nested fields; Word itself allows 20
	maxFieldCode  = 2048 // bytes of a field code or result kept to read a HYPERLINK
)

// field is one open field (0x13 begin, 0x14 separator, 0x15 end).
type field struct {
	inCode bool
	code   strings.Builder
	result strings.Builder
	target string // a HYPERLINK's target, read at the separator
}

// textWriter turns Word's characters into text: paragraph marks and
// breaks become newlines, cell marks tabs and a row mark the end of a
// line; field codes are dropped, their results kept, and a HYPERLINK's
// target follows its result as " <target>" unless the result already
// shows it.
type textWriter struct {
	buf        *bytes.Buffer
	max        int64 // bytes in all
	written    int64 // bytes already taken out of buf
	fields     []*field
	hidden     int    // open fields in their code part
	pendingTab bool   // a cell mark, written as a tab unless a row mark follows
	pending    uint16 // a high surrogate waiting for its pair
	err        error
}

// finish ends the text: a surrogate left alone, a last cell mark.
func (t *textWriter) finish() {
	t.flushSurrogate()
	if t.pendingTab {
		t.pendingTab = false
		t.write("\t")
	}
}

func (t *textWriter) put16(u uint16) {
	switch {
	case utf16.IsSurrogate(rune(u)) && u < 0xDC00:
		t.flushSurrogate()
		t.pending = u
	case utf16.IsSurrogate(rune(u)):
		if t.pending != 0 {
			r := utf16.DecodeRune(rune(t.pending), rune(u))
			t.pending = 0
			t.put(r)
			return
		}
		t.put(0xFFFD)
	default:
		t.flushSurrogate()
		t.put(rune(u))
	}
}

func (t *textWriter) flushSurrogate() {
	if t.pending != 0 {
		t.pending = 0
		t.put(0xFFFD)
	}
}

func (t *textWriter) put(r rune) {
	switch r {
	case 0x13:
		if len(t.fields) >= maxFieldDepth {
			t.err = fmt.Errorf("%w: fields nested more than %d deep", ErrCorrupt, maxFieldDepth)
			return
		}
		t.fields = append(t.fields, &field{inCode: true})
		t.hidden++
		return
	case 0x14:
		if f := t.top(); f != nil && f.inCode {
			f.inCode = false
			t.hidden--
			f.target = hyperlinkTarget(f.code.String())
		}
		return
	case 0x15:
		f := t.top()
		if f == nil {
			return
		}
		t.fields = t.fields[:len(t.fields)-1]
		if f.inCode {
			t.hidden--
			f.target = hyperlinkTarget(f.code.String())
		}
		if f.target != "" && t.hidden == 0 && !strings.Contains(f.result.String(), strings.TrimPrefix(f.target, "mailto:")) {
			t.write(" <" + f.target + ">")
		}
		return
	}
	if t.hidden > 0 {
		if f := t.top(); f != nil && f.inCode && f.code.Len() < maxFieldCode {
			f.code.WriteRune(r)
		}
		return
	}
	switch r {
	case 0x07: // cell mark; one right after another is the row mark
		if t.pendingTab {
			t.pendingTab = false
			t.write("\n")
		} else {
			t.pendingTab = true
		}
		return
	}
	if r < 0x20 && r != 0x09 && r != 0x0D && r != 0x0B && r != 0x0C && r != 0x0E && r != 0x1E || r == 0x7F {
		return // anchors of pictures, footnote and comment marks, optional hyphen
	}
	if t.pendingTab {
		t.pendingTab = false
		t.write("\t")
	}
	switch r {
	case 0x0D, 0x0B, 0x0C, 0x0E: // paragraph, line, page/section, column break
		t.write("\n")
	case 0x09:
		t.write("\t")
	case 0x1E: // non-breaking hyphen
		t.write("-")
	default:
		if t.written+int64(t.buf.Len()+utf8.RuneLen(r)) > t.max {
			t.limit()
			break
		}
		t.buf.WriteRune(r)
		if f := t.top(); f != nil && f.result.Len() < maxFieldCode {
			f.result.WriteRune(r)
		}
	}
}

func (t *textWriter) top() *field {
	if len(t.fields) == 0 {
		return nil
	}
	return t.fields[len(t.fields)-1]
}

func (t *textWriter) write(s string) {
	if t.written+int64(t.buf.Len()+len(s)) > t.max {
		t.limit()
		return
	}
	t.buf.WriteString(s)
}

func (t *textWriter) limit() {
	if t.err == nil {
		t.err = fmt.Errorf("%w: more than %d bytes of output", ErrLimit, t.max)
	}
}

// hyperlinkTarget returns the target of a HYPERLINK field code
// (`HYPERLINK "mailto:a@example.jp" \o "tip"`), or "".
func hyperlinkTarget(code string) string {
	toks := fieldTokens(code)
	if len(toks) < 2 || !strings.EqualFold(toks[0], "HYPERLINK") {
		return ""
	}
	for i := 1; i < len(toks); i++ {
		tok := toks[i]
		if strings.HasPrefix(tok, `\`) {
			if len(tok) == 2 && strings.ContainsRune("lotmLOTM", rune(tok[1])) {
				i++ // the switch's argument
			}
			continue
		}
		return printable(tok)
	}
	return ""
}

// fieldTokens splits a field code into words and "quoted strings".
func fieldTokens(s string) []string {
	var toks []string
	for {
		s = strings.TrimLeft(s, " \t\r\n")
		if s == "" {
			return toks
		}
		if s[0] == '"' {
			end := strings.IndexByte(s[1:], '"')
			if end < 0 {
				return append(toks, s[1:])
			}
			toks = append(toks, s[1:1+end])
			s = s[2+end:]
			continue
		}
		end := strings.IndexAny(s, " \t\r\n")
		if end < 0 {
			return append(toks, s)
		}
		toks = append(toks, s[:end])
		s = s[end:]
	}
}

// printable keeps the printable runes of s.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7F || r == 0xFFFD {
			return -1
		}
		return r
	}, s)
}
