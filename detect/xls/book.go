package xls

import (
	"context"
	"fmt"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
)

// sheetInfo is a BOUNDSHEET record: a sheet's name, visibility and where
// its substream starts.
type sheetInfo struct {
	name  string
	state byte // 0 visible, 1 hidden, 2 very hidden
	kind  byte // 0 worksheet, 1 macro sheet, 2 chart, 6 VBA module
	pos   uint32
	done  bool
}

func (s sheetInfo) label() string {
	n := printable(s.name)
	if n == "" {
		n = "(unnamed sheet)"
	}
	switch s.state & 3 {
	case 1:
		n += " (hidden)"
	case 2:
		n += " (very hidden)"
	}
	return n
}

// maxSheets bounds the BOUNDSHEET records kept (Excel itself stops far
// below).
const maxSheets = 1 << 16

// book is the state of one Read.
type book struct {
	ctx   context.Context
	lim   Limits
	emit  func(Item) error
	out   int64 // output budget left
	items int
	biff5 bool
	enc   encoding.Encoding // BIFF5 strings' code page

	sheets []sheetInfo
	sst    sst
	fmts   formats

	comments []byte // "Sheet!A1 (author): text" lines
	headers  []byte // "Sheet header: text" lines
}

// readStream reads the workbook stream's records: the globals substream,
// then each sheet's, emitting a sheet at its EOF.
func (b *book) readStream(rr *recordReader) error {
	b.enc = charmap.Windows1252
	t, data, err := rr.next()
	if err != nil {
		return err
	}
	switch {
	case t == recBOF && len(data) >= 4 && le16(data) == 0x0600 && !b.biff5:
	case t == recBOF && len(data) >= 4 && le16(data) == 0x0500:
		b.biff5 = true
	case t == recBOF && len(data) >= 4 && b.biff5:
		return fmt.Errorf("%w: BIFF version %#x in the Book stream", ErrUnsupported, le16(data))
	case t == recBOF && len(data) >= 4:
		return fmt.Errorf("%w: BIFF version %#x", ErrUnsupported, le16(data))
	case t == 0x0009 || t == 0x0209 || t == 0x0409:
		return fmt.Errorf("%w: BIFF2-4 workbook", ErrUnsupported)
	default:
		return corrupt("the workbook stream does not start with BOF")
	}
	if le16(data[2:]) != 0x0005 {
		return corrupt("the workbook stream does not start with the globals")
	}
	depth := 1
	var sh *sheet
	next := 0 // the next sheet in order, for a BOF at no recorded position
	for n := 0; ; n++ {
		if n&1023 == 0 {
			if err := b.ctx.Err(); err != nil {
				return err
			}
		}
		t, data, err := rr.next()
		start := rr.start
		if err == errEnd {
			break
		}
		if err != nil {
			if sh != nil {
				if e := b.emitSheet(sh); e != nil {
					return e
				}
			}
			return err
		}
		switch t {
		case recBOF:
			depth++
			if depth != 2 || len(data) < 4 {
				continue // a chart inside a sheet, or junk: read past it
			}
			idx := -1
			for i := range b.sheets {
				if !b.sheets[i].done && int64(b.sheets[i].pos) == start {
					idx = i
					break
				}
			}
			for idx < 0 && next < len(b.sheets) {
				if !b.sheets[next].done {
					idx = next
				}
				next++
			}
			info := sheetInfo{name: fmt.Sprintf("sheet %d", len(b.sheets)+1)}
			if idx >= 0 {
				b.sheets[idx].done = true
				info = b.sheets[idx]
			}
			sh = &sheet{info: info, budget: b.out}
			continue
		case recEOF:
			depth--
			if depth == 1 && sh != nil {
				if err := b.emitSheet(sh); err != nil {
					return err
				}
				sh = nil
			}
			if depth < 1 {
				depth = 1 // the globals' EOF
			}
			continue
		}
		c := &cursor{rr: rr, data: data}
		if sh == nil {
			err = b.global(t, c)
		} else if depth == 2 {
			err = b.cell(sh, t, c)
		}
		if err != nil {
			if sh != nil {
				if e := b.emitSheet(sh); e != nil {
					return e
				}
			}
			return err
		}
	}
	if sh != nil {
		if err := b.emitSheet(sh); err != nil {
			return err
		}
		return corrupt("sheet %q ends without EOF", sh.info.label())
	}
	if len(b.comments) > 0 {
		if err := b.emitText("comments", b.comments); err != nil {
			return err
		}
	}
	if len(b.headers) > 0 {
		if err := b.emitText("headers", b.headers); err != nil {
			return err
		}
	}
	return b.emitNames()
}

// emitNames emits the sheet names, one a line, so that a name is scanned
// even when its sheet is empty (Item.Name is a label, not scanned text).
func (b *book) emitNames() error {
	var names []byte
	for _, s := range b.sheets {
		names = append(append(names, s.label()...), '\n')
		if int64(len(names)) > b.out {
			return fmt.Errorf("%w: sheet names over MaxOutput", ErrLimit)
		}
	}
	if len(names) == 0 {
		return nil
	}
	return b.emitText("sheet names", names)
}

// global reads a record of the globals substream.
func (b *book) global(t uint16, c *cursor) error {
	data := c.data
	switch t {
	case recFilePass:
		d, err := filePass(data, b.biff5)
		if err != nil {
			return err
		}
		c.rr.dec = d
	case recCodePage:
		if len(data) >= 2 {
			b.enc = codePage(le16(data))
		}
	case recBoundSheet:
		if len(data) < 7 {
			return corrupt("short BOUNDSHEET")
		}
		if len(b.sheets) >= maxSheets {
			return fmt.Errorf("%w: more than %d sheets", ErrLimit, maxSheets)
		}
		s := sheetInfo{pos: le32(data), state: data[4], kind: data[5]}
		c.data = data[6:]
		name, err := b.xlString(c, 1, nil)
		if err != nil {
			return err
		}
		s.name = string(name)
		b.sheets = append(b.sheets, s)
	case recDateMode:
		b.fmts.date1904 = len(data) >= 2 && le16(data) == 1
	case recXF:
		if len(data) >= 4 && len(b.fmts.xf) < maxXF {
			b.fmts.xf = append(b.fmts.xf, le16(data[2:]))
		}
	case recFormat:
		if len(data) < 3 || len(b.fmts.custom) >= maxXF {
			return nil
		}
		lb := 2
		if b.biff5 {
			lb = 1
		}
		c.data = data[2:]
		f, err := b.xlString(c, lb, nil)
		if err != nil {
			return err
		}
		if b.fmts.custom == nil {
			b.fmts.custom = map[uint16]byte{}
		}
		b.fmts.custom[le16(data)] = formatKind(string(f))
	case recSST:
		if b.biff5 {
			return nil
		}
		return b.sst.read(c, b.lim.MaxOutput)
	}
	return nil
}
