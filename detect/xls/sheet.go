package xls

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
)

// cell is one cell's text in a sheet's arena.
type cell struct {
	row      uint16
	col      uint16
	off, end uint32
}

// txo is the text of a text box or comment (TXO record), with the id of
// the object (OBJ) it belongs to.
type txo struct {
	id   uint16
	text string
}

// note is a NOTE record: the cell a comment is attached to and its author.
// In BIFF5 it holds the comment's text itself.
type note struct {
	row, col uint16
	id       uint16
	author   string
	text     string
}

// sheet collects one sheet's cells, in any order, until its EOF.
type sheet struct {
	info    sheetInfo
	cells   []cell
	arena   []byte
	budget  int64 // bytes the sheet may hold (the output budget left)
	used    int64
	sorted  bool
	pending *cell // a FORMULA whose string result follows in STRING
	lastObj uint16
	txos    []txo
	notes   []note
	hf      []string // "header: ..." / "footer: ..."
}

// cellOverhead is what a cell costs besides its text, against the budget.
const cellOverhead = 16

func (s *sheet) charge(n int) error {
	s.used += int64(n)
	if s.used > s.budget {
		return fmt.Errorf("%w: sheet %q holds more than MaxOutput", ErrLimit, s.info.label())
	}
	return nil
}

func (s *sheet) add(row, col uint16, text []byte) error {
	if len(text) == 0 {
		return nil
	}
	if err := s.charge(len(text) + cellOverhead); err != nil {
		return err
	}
	if n := len(s.cells); n == 0 {
		s.sorted = true
	} else if l := s.cells[n-1]; row < l.row || row == l.row && col <= l.col {
		s.sorted = false
	}
	off := uint32(len(s.arena))
	s.arena = append(s.arena, text...)
	s.cells = append(s.cells, cell{row: row, col: col, off: off, end: uint32(len(s.arena))})
	return nil
}

// cell reads a record of a sheet substream.
func (b *book) cell(s *sheet, t uint16, c *cursor) error {
	data := c.data
	if t != recString && t != recContinue && t != 0x04BC && t != 0x0221 && t != 0x0236 {
		s.pending = nil // STRING follows its FORMULA (after SHRFMLA, ARRAY or TABLE)
	}
	var num [32]byte
	switch t {
	case recLabelSST:
		if len(data) >= 10 {
			return s.add(le16(data), le16(data[2:]), b.sst.get(le32(data[6:])))
		}
	case recLabel, recRString:
		if len(data) >= 8 {
			c.data = data[6:]
			txt, err := b.xlString(c, 2, nil)
			if err != nil {
				return err
			}
			return s.add(le16(data), le16(data[2:]), txt)
		}
	case recNumber:
		if len(data) >= 14 {
			return s.add(le16(data), le16(data[2:]), b.fmts.appendNum(num[:0], le16(data[4:]), math.Float64frombits(le64(data[6:]))))
		}
	case recRK:
		if len(data) >= 10 {
			return s.add(le16(data), le16(data[2:]), b.fmts.appendNum(num[:0], le16(data[4:]), rk(le32(data[6:]))))
		}
	case recMulRK:
		if len(data) >= 12 {
			row, col := le16(data), le16(data[2:])
			for p := data[4:]; len(p) >= 6; p = p[6:] {
				if err := s.add(row, col, b.fmts.appendNum(num[:0], le16(p), rk(le32(p[2:])))); err != nil {
					return err
				}
				col++
			}
		}
	case recFormula:
		if len(data) >= 20 {
			row, col, v := le16(data), le16(data[2:]), data[6:14]
			if v[6] != 0xFF || v[7] != 0xFF {
				return s.add(row, col, b.fmts.appendNum(num[:0], le16(data[4:]), math.Float64frombits(le64(v))))
			}
			switch v[0] {
			case 0:
				s.pending = &cell{row: row, col: col}
			case 1:
				return s.add(row, col, boolText(v[2]))
			case 2:
				return s.add(row, col, []byte(errText(v[2])))
			}
		}
	case recString:
		if p := s.pending; p != nil {
			s.pending = nil
			txt, err := b.xlString(c, 2, nil)
			if err != nil {
				return err
			}
			return s.add(p.row, p.col, txt)
		}
	case recBoolErr:
		if len(data) >= 8 {
			if data[7] != 0 {
				return s.add(le16(data), le16(data[2:]), []byte(errText(data[6])))
			}
			return s.add(le16(data), le16(data[2:]), boolText(data[6]))
		}
	case recHeader, recFooter:
		if len(data) == 0 {
			return nil
		}
		lb := 2
		if b.biff5 {
			lb = 1
		}
		txt, err := b.xlString(c, lb, nil)
		if err != nil {
			return err
		}
		if h := hfText(string(txt)); h != "" {
			kind := "header"
			if t == recFooter {
				kind = "footer"
			}
			if err := s.charge(len(h) + cellOverhead); err != nil {
				return err
			}
			s.hf = append(s.hf, kind+": "+h)
		}
	case recObj:
		if !b.biff5 && len(data) >= 8 && le16(data) == 0x15 {
			s.lastObj = le16(data[6:])
		}
	case recTxO:
		if b.biff5 || len(data) < 14 {
			return nil
		}
		cch, runs := int(le16(data[10:])), int(le16(data[12:]))
		c.data = nil
		txt, err := readChars(c, cch, false, nil)
		if err != nil {
			return err
		}
		if err := c.skip(runs); err != nil {
			return err
		}
		if len(txt) > 0 {
			if err := s.charge(len(txt) + cellOverhead); err != nil {
				return err
			}
			s.txos = append(s.txos, txo{id: s.lastObj, text: string(txt)})
		}
	case recNote:
		return b.note(s, c)
	}
	return nil
}

// note reads a NOTE record: in BIFF8 the cell and author of a comment
// whose text is in a TXO; in BIFF5 the text itself, continued in NOTE
// records with row 0xFFFF.
func (b *book) note(s *sheet, c *cursor) error {
	data := c.data
	if b.biff5 {
		if len(data) < 6 {
			return nil
		}
		n := min(int(le16(data[4:])), len(data)-6)
		txt := string(b.decode8(nil, data[6:6+n]))
		if err := s.charge(len(txt) + cellOverhead); err != nil {
			return err
		}
		if le16(data) == 0xFFFF && len(s.notes) > 0 {
			s.notes[len(s.notes)-1].text += txt
			return nil
		}
		s.notes = append(s.notes, note{row: le16(data), col: le16(data[2:]), text: txt})
		return nil
	}
	if len(data) < 8 {
		return nil
	}
	c.data = data[8:]
	author, err := b.xlString(c, 2, nil)
	if err != nil {
		return err
	}
	if err := s.charge(len(author) + cellOverhead); err != nil {
		return err
	}
	s.notes = append(s.notes, note{row: le16(data), col: le16(data[2:]), id: le16(data[6:]), author: string(author)})
	return nil
}

// emitSheet emits the sheet's cells as CSV-like text in row order, and
// adds its comments and headers to the book's.
func (b *book) emitSheet(s *sheet) error {
	label := s.info.label()
	for _, n := range s.notes {
		if b.biff5 && n.text != "" {
			b.comments = fmt.Appendf(b.comments, "%s!%s: %s\n", label, cellRef(n.row, n.col), oneLine(n.text))
		}
	}
	byID := make(map[uint16]int, len(s.notes))
	for i := len(s.notes) - 1; i >= 0; i-- {
		byID[s.notes[i].id] = i // the first NOTE of an id wins
	}
	for _, x := range s.txos {
		i, ok := byID[x.id]
		if !ok || b.biff5 {
			b.comments = fmt.Appendf(b.comments, "%s textbox: %s\n", label, oneLine(x.text))
			continue
		}
		n := s.notes[i]
		b.comments = fmt.Appendf(b.comments, "%s!%s (%s): %s\n", label, cellRef(n.row, n.col), oneLine(printable(n.author)), oneLine(x.text))
	}
	for _, h := range s.hf {
		b.headers = fmt.Appendf(b.headers, "%s %s\n", label, oneLine(h))
	}
	if int64(len(b.comments)+len(b.headers)) > b.out {
		return fmt.Errorf("%w: comments and headers over MaxOutput", ErrLimit)
	}
	if len(s.cells) == 0 {
		return nil
	}
	if !s.sorted {
		slices.SortStableFunc(s.cells, func(x, y cell) int {
			if x.row != y.row {
				return int(x.row) - int(y.row)
			}
			return int(x.col) - int(y.col)
		})
	}
	var out []byte
	max := b.out
	for i, cl := range s.cells {
		if i > 0 && cl.row != s.cells[i-1].row {
			out = append(out, '\n')
		}
		prev := -1
		if i > 0 && cl.row == s.cells[i-1].row {
			prev = int(s.cells[i-1].col)
		}
		if prev >= 0 {
			out = append(out, ',')
		}
		for k := prev + 1; k < int(cl.col) && int64(len(out)) <= max; k++ {
			out = append(out, ',') // empty cells before this one
		}
		out = csvField(out, s.arena[cl.off:cl.end])
		if int64(len(out)) > max {
			break
		}
	}
	out = append(out, '\n')
	return b.emitText(label, out)
}

// emitText emits one text item, cut at the output budget (then ErrLimit).
func (b *book) emitText(name string, text []byte) error {
	if b.items >= b.lim.MaxItems {
		return fmt.Errorf("%w: more than MaxItems items", ErrLimit)
	}
	b.items++
	var over bool
	if int64(len(text)) > b.out {
		n := int(b.out)
		for n > 0 && n < len(text) && text[n]&0xC0 == 0x80 {
			n--
		}
		text, over = text[:n], true
	}
	b.out -= int64(len(text))
	if err := b.emit(Item{Kind: ItemText, Name: name, R: bytes.NewReader(text)}); err != nil {
		return err
	}
	if over {
		return fmt.Errorf("%w: output over MaxOutput", ErrLimit)
	}
	return nil
}

// emitFile emits an embedded file, cut at the output budget (then ErrLimit).
func (b *book) emitFile(name string, r io.Reader) error {
	if b.items >= b.lim.MaxItems {
		return fmt.Errorf("%w: more than MaxItems items", ErrLimit)
	}
	b.items++
	lr := &budgetReader{r: r, n: b.out}
	if err := b.emit(Item{Kind: ItemFile, Name: printable(name), R: lr}); err != nil {
		return err
	}
	b.out = lr.n
	if lr.over {
		return fmt.Errorf("%w: output over MaxOutput", ErrLimit)
	}
	return nil
}

// budgetReader reads r up to n bytes, noting whether there was more.
type budgetReader struct {
	r    io.Reader
	n    int64
	over bool
}

func (l *budgetReader) Read(p []byte) (int, error) {
	if l.n <= 0 {
		var one [1]byte
		if k, _ := l.r.Read(one[:]); k > 0 {
			l.over = true
		}
		return 0, io.EOF
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	k, err := l.r.Read(p)
	l.n -= int64(k)
	return k, err
}

// csvField appends s as a CSV field, quoted when it holds a comma, a quote
// or a line break.
func csvField(dst, s []byte) []byte {
	if !bytes.ContainsAny(s, ",\"\r\n") {
		return append(dst, s...)
	}
	dst = append(dst, '"')
	for _, c := range s {
		if c == '"' {
			dst = append(dst, '"')
		}
		dst = append(dst, c)
	}
	return append(dst, '"')
}

// fmtNum appends a cell number as a user reads it: an integer as plain
// digits (no exponent, no grouping, no ".0"), so IDs and phone numbers
// match; any other number in its shortest decimal form.
func fmtNum(dst []byte, f float64) []byte {
	switch {
	case math.IsNaN(f) || math.IsInf(f, 0):
		return append(dst, "#NUM!"...)
	case f == math.Trunc(f) && math.Abs(f) < 1e21:
		return strconv.AppendFloat(dst, f, 'f', -1, 64)
	case math.Abs(f) >= 1e-6:
		return strconv.AppendFloat(dst, f, 'f', -1, 64)
	}
	return strconv.AppendFloat(dst, f, 'E', -1, 64)
}

// rk decodes an RK number ([MS-XLS] 2.5.218).
func rk(v uint32) float64 {
	var f float64
	if v&2 != 0 {
		f = float64(int32(v) >> 2)
	} else {
		f = math.Float64frombits(uint64(v&^3) << 32)
	}
	if v&1 != 0 {
		f /= 100
	}
	return f
}

func boolText(v byte) []byte {
	if v != 0 {
		return []byte("TRUE")
	}
	return []byte("FALSE")
}

// errText is the text Excel shows for an error value ([MS-XLS] 2.5.10).
func errText(v byte) string {
	switch v {
	case 0x00:
		return "#NULL!"
	case 0x07:
		return "#DIV/0!"
	case 0x0F:
		return "#VALUE!"
	case 0x17:
		return "#REF!"
	case 0x1D:
		return "#NAME?"
	case 0x24:
		return "#NUM!"
	case 0x2A:
		return "#N/A"
	}
	return "#ERROR"
}

// cellRef is the A1-style name of a cell.
func cellRef(row, col uint16) string {
	var letters []byte
	for c := int(col) + 1; c > 0; c = (c - 1) / 26 {
		letters = append([]byte{byte('A' + (c-1)%26)}, letters...)
	}
	return string(letters) + strconv.Itoa(int(row)+1)
}

// hfText drops the codes of a header or footer ([MS-XLS] 2.4.136: &L &C
// &R sections, &P page and other fields, &"font" and &nn sizes); && is &.
func hfText(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '&' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		i++
		switch c := s[i]; {
		case c == '&':
			b.WriteByte('&')
		case c == 'L' || c == 'C' || c == 'R':
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
		case c == '"':
			if j := strings.IndexByte(s[i+1:], '"'); j >= 0 {
				i += j + 1
			}
		case c >= '0' && c <= '9':
			for i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9' {
				i++
			}
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// oneLine puts a comment's or header's line breaks on one line.
func oneLine(s string) string {
	return strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(s)
}

func le64(b []byte) uint64 { return uint64(le32(b)) | uint64(le32(b[4:]))<<32 }
