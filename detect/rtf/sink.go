package rtf

import (
	"io"
	"slices"
	"unicode/utf8"
)

// sink collects the text of one item until its group ends. Counted sinks
// are items and are charged to MaxOutput; the others are small side
// buffers (a field instruction, a class name) that keep at most cap
// bytes.
type sink struct {
	name    string
	kind    ItemKind
	counted bool
	cap     int
	html    bool   // lines end in CRLF (de-encapsulated HTML)
	buf     []byte // a side buffer's bytes
	data    chunks // an item's bytes
	side    []byte // side pieces (link targets) waiting for the line's end
	done    bool
}

// maxSide bounds the side pieces held for one line.
const maxSide = 64 << 10

// newSink opens an item's sink; the group that opened it emits it when
// it ends.
func (p *parser) newSink(name string, kind ItemKind) *sink {
	s := &sink{name: name, kind: kind, counted: true}
	p.open = append(p.open, s)
	st := p.top()
	st.sink = s
	st.dest = dText
	st.closer = func(p *parser) error { return p.emitSink(s) }
	return s
}

func (p *parser) write(s *sink, str string) error {
	return p.writeBytes(s, []byte(str))
}

func (p *parser) writeByte(s *sink, b byte) error {
	if s == nil {
		return nil
	}
	if !s.counted {
		if len(s.buf) < s.cap {
			s.buf = append(s.buf, b)
		}
		return nil
	}
	if err := p.charge(1); err != nil {
		return err
	}
	s.data.AppendByte(b)
	return nil
}

func (p *parser) writeBytes(s *sink, b []byte) error {
	if s == nil || len(b) == 0 {
		return nil
	}
	if !s.counted {
		room := s.cap - len(s.buf)
		if room < len(b) {
			b = b[:max(room, 0)]
			for len(b) > 0 && !utf8.Valid(b) {
				b = b[:len(b)-1]
			}
		}
		s.buf = append(s.buf, b...)
		return nil
	}
	if err := p.charge(len(b)); err != nil {
		return err
	}
	s.data.Append(b)
	return nil
}

// charge counts n more output bytes against MaxOutput and MaxRatio.
func (p *parser) charge(n int) error {
	if p.limitErr != nil {
		return p.limitErr
	}
	if p.out+int64(n) > p.lim.MaxOutput {
		p.limitErr = limit("more than %d bytes of output", p.lim.MaxOutput)
		return p.limitErr
	}
	if p.out+int64(n) > int64(p.lim.MaxRatio)*p.cr.n+4096 {
		p.limitErr = limit("output more than %d times the input", p.lim.MaxRatio)
		return p.limitErr
	}
	p.out += int64(n)
	return nil
}

// newline ends a line of s, then writes the side pieces of that line.
func (p *parser) newline(s *sink) error {
	nl := "\n"
	if s.html {
		nl = "\r\n"
	}
	if err := p.write(s, nl); err != nil {
		return err
	}
	if len(s.side) > 0 {
		side := s.side
		s.side = nil
		return p.writeBytes(s, side)
	}
	return nil
}

// addSide adds a side piece, written on a line of its own after the
// current line of s.
func (p *parser) addSide(s *sink, piece []byte) error {
	if len(s.side)+len(piece)+1 > maxSide {
		if err := p.newline(s); err != nil {
			return err
		}
	}
	s.side = append(s.side, piece...)
	s.side = append(s.side, '\n')
	return nil
}

// rowEnd ends a table row: the tab after its last cell is dropped.
func (p *parser) rowEnd(s *sink) error {
	if s.data.Last() == '\t' {
		s.data.DropLast()
		p.out--
	}
	return p.newline(s)
}

// emitSink hands out the item s holds, if it holds anything.
func (p *parser) emitSink(s *sink) error {
	if s.done {
		return nil
	}
	s.done = true
	if i := slices.Index(p.open, s); i >= 0 {
		p.open = slices.Delete(p.open, i, i+1)
	}
	if len(s.side) > 0 {
		// A bound hit here is in p.limitErr; what is held is emitted.
		if s.data.Len() > 0 && s.data.Last() != '\n' {
			_ = p.newline(s)
		} else {
			side := s.side
			s.side = nil
			_ = p.writeBytes(s, side)
		}
	}
	defer s.data.Reset()
	if s.data.Blank() {
		return nil
	}
	if s == p.root {
		return p.emitBody(s.data.Section(0, s.data.Len()))
	}
	return p.emitItem(s.kind, s.name, s.data.Section(0, s.data.Len()))
}

// emitItem emits an item other than the body, which keeps the last of
// MaxItems: past MaxItems-1 items are dropped, and the read goes on so
// that a document of 10,000 footnotes still has its body scanned; Read
// then returns ErrLimit.
func (p *parser) emitItem(kind ItemKind, name string, r io.Reader) error {
	if p.items >= p.lim.MaxItems-1 {
		if p.itemsErr == nil {
			p.itemsErr = limit("more than %d items", p.lim.MaxItems)
		}
		return nil
	}
	p.items++
	return p.emit(Item{Kind: kind, Name: name, R: r})
}

func (p *parser) emitBody(r io.Reader) error {
	if p.items >= p.lim.MaxItems {
		p.limitErr = limit("more than %d items", p.lim.MaxItems)
		return p.limitErr
	}
	p.items++
	return p.emit(Item{Kind: p.root.kind, Name: p.root.name, R: r})
}

// flushOpen emits the items whose groups had not ended when the read
// stopped, innermost first, the body last.
func (p *parser) flushOpen() error {
	_ = p.flush() // a bound hit here is in p.limitErr
	for len(p.open) > 0 {
		s := p.open[len(p.open)-1]
		if err := p.emitSink(s); err != nil {
			return err
		}
	}
	return nil
}
