package cms

import (
	"fmt"
	"io"

	"github.com/dlprelay/dlprelay/detect/internal/bounded"
)

// MaxBERNesting is how deeply indefinite-length and constructed elements
// may nest inside one layer (the skipped certificates and attributes
// included). Real messages stay below 12.
const MaxBERNesting = 32

// maxOIDLen bounds an OBJECT IDENTIFIER's content: the longest in use
// has about 30 bytes.
const maxOIDLen = 64

// errTruncated is the input ending inside an element.
var errTruncated = fmt.Errorf("%w: truncated", ErrCorrupt)

// ASN.1 classes and universal tags used here (X.690).
const (
	classUniversal = 0
	classContext   = 2

	tagEOC         = 0
	tagInteger     = 2
	tagOctetString = 4
	tagOID         = 6
	tagSequence    = 16
	tagSet         = 17
)

// indefinite is the length of an element that ends with end-of-contents.
const indefinite = -1

// elem is one element whose header has been read.
type elem struct {
	class       byte
	constructed bool
	tag         uint32
	length      int64 // of the content, or indefinite
	// end is the offset just past the content, or indefinite.
	end int64
	// limit is the offset the element may not pass: its end, or for an
	// indefinite element the limit of its parent (-1: none).
	limit int64
	depth int // nesting below the layer's outermost element
}

func (e elem) is(class byte, tag uint32) bool { return e.class == class && e.tag == tag }

func (e elem) isOctetString() bool { return e.is(classUniversal, tagOctetString) }

// decoder reads BER elements from a stream, one header at a time, and
// counts the bytes it reads against a limit. It never allocates from a
// length it has read, except for small primitives whose length it checks
// first (readPrim).
type decoder struct {
	src      bounded.ByteReader
	off, max int64
	peeked   *elem // a header given back by unread
	scratch  []byte
}

// newDecoder reads from r, at most max bytes. With buffer, a reader that
// is not an io.ByteReader is buffered (it may then be read past the
// element that ends the parse); without, it is read a byte at a time
// (Classify reads only what it needs).
func newDecoder(r io.Reader, max int64, buffer bool) *decoder {
	d := &decoder{max: max}
	d.src = bounded.Bytes(r, buffer)
	return d
}

func (d *decoder) readByte() (byte, error) {
	if d.off >= d.max {
		return 0, fmt.Errorf("%w: more than %d bytes of input", ErrLimit, d.max)
	}
	b, err := d.src.ReadByte()
	if err != nil {
		return 0, inputErr(err)
	}
	d.off++
	return b, nil
}

// read reads at most len(p) bytes of content (a short read is not an
// error).
func (d *decoder) read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if left := d.max - d.off; int64(len(p)) > left {
		if left <= 0 {
			return 0, fmt.Errorf("%w: more than %d bytes of input", ErrLimit, d.max)
		}
		p = p[:left]
	}
	n, err := d.src.Read(p)
	d.off += int64(n)
	if n > 0 {
		return n, nil
	}
	if err == nil {
		err = io.ErrNoProgress
	}
	return 0, inputErr(err)
}

// inputErr maps the end of input inside an element to errTruncated.
func inputErr(err error) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return errTruncated
	}
	return err
}

// header reads an identifier and a length (X.690 8.1.2, 8.1.3).
func (d *decoder) header() (elem, error) {
	b, err := d.readByte()
	if err != nil {
		return elem{}, err
	}
	e := elem{class: b >> 6, constructed: b&0x20 != 0, tag: uint32(b & 0x1f)}
	if e.tag == 0x1f { // high tag number, base 128
		e.tag = 0
		for i := 0; ; i++ {
			if b, err = d.readByte(); err != nil {
				return elem{}, err
			}
			if (i == 0 && b == 0x80) || i == 4 {
				return elem{}, fmt.Errorf("%w: bad tag number", ErrCorrupt)
			}
			e.tag = e.tag<<7 | uint32(b&0x7f)
			if b&0x80 == 0 {
				break
			}
		}
	}
	if b, err = d.readByte(); err != nil {
		return elem{}, err
	}
	switch {
	case b < 0x80:
		e.length = int64(b)
	case b == 0x80:
		if !e.constructed {
			return elem{}, fmt.Errorf("%w: primitive element of indefinite length", ErrCorrupt)
		}
		e.length = indefinite
	case b == 0xff:
		return elem{}, fmt.Errorf("%w: reserved length octet", ErrCorrupt)
	default:
		n := int(b & 0x7f)
		if n > 8 {
			return elem{}, fmt.Errorf("%w: length of %d octets", ErrCorrupt, n)
		}
		var l int64
		for range n {
			if b, err = d.readByte(); err != nil {
				return elem{}, err
			}
			if l > 1<<53 {
				return elem{}, fmt.Errorf("%w: length too large", ErrCorrupt)
			}
			l = l<<8 | int64(b)
		}
		e.length = l
	}
	return e, nil
}

// top reads the header of a layer's outermost element.
func (d *decoder) top() (elem, error) {
	e, err := d.header()
	if err != nil {
		return elem{}, err
	}
	e.end, e.limit = indefinite, indefinite
	if e.length != indefinite {
		e.end = d.off + e.length
		e.limit = e.end
	}
	return e, nil
}

// next reads the header of p's next child. It returns false at the end
// of p: its length used up, or its end-of-contents read.
func (d *decoder) next(p *elem) (elem, bool, error) {
	if d.peeked != nil {
		e := *d.peeked
		d.peeked = nil
		return e, true, nil
	}
	if !p.constructed {
		return elem{}, false, fmt.Errorf("%w: children of a primitive element", ErrCorrupt)
	}
	if p.end != indefinite && d.off == p.end {
		return elem{}, false, nil
	}
	if p.limit != indefinite && d.off >= p.limit {
		return elem{}, false, fmt.Errorf("%w: element overruns its parent", ErrCorrupt)
	}
	e, err := d.header()
	if err != nil {
		return elem{}, false, err
	}
	if p.limit != indefinite && d.off > p.limit {
		return elem{}, false, fmt.Errorf("%w: element overruns its parent", ErrCorrupt)
	}
	if e.class == classUniversal && e.tag == tagEOC {
		if e.constructed || e.length != 0 || p.end != indefinite {
			return elem{}, false, fmt.Errorf("%w: misplaced end-of-contents", ErrCorrupt)
		}
		return elem{}, false, nil
	}
	e.depth = p.depth + 1
	if e.depth > MaxBERNesting {
		return elem{}, false, fmt.Errorf("%w: elements nested deeper than %d", ErrLimit, MaxBERNesting)
	}
	e.end, e.limit = indefinite, p.limit
	if e.length != indefinite {
		e.end = d.off + e.length
		if p.limit != indefinite && e.end > p.limit {
			return elem{}, false, fmt.Errorf("%w: element overruns its parent", ErrCorrupt)
		}
		e.limit = e.end
	}
	return e, true, nil
}

// unread gives e back: the next call of next returns it.
func (d *decoder) unread(e elem) { d.peeked = &e }

// skip reads past the rest of e.
func (d *decoder) skip(e elem) error {
	if e.end != indefinite {
		return d.discard(e.end - d.off)
	}
	for {
		c, ok, err := d.next(&e)
		if err != nil || !ok {
			return err
		}
		if err := d.skip(c); err != nil {
			return err
		}
	}
}

func (d *decoder) discard(n int64) error {
	if d.scratch == nil {
		d.scratch = make([]byte, 4096)
	}
	for n > 0 {
		k, err := d.read(d.scratch[:min(n, int64(len(d.scratch)))])
		if err != nil {
			return err
		}
		n -= int64(k)
	}
	return nil
}

// readPrim returns the content of the primitive element e, which may not
// be longer than max.
func (d *decoder) readPrim(e elem, max int) ([]byte, error) {
	if e.constructed || e.length > int64(max) {
		return nil, fmt.Errorf("%w: element of %d bytes where at most %d are expected", ErrCorrupt, e.length, max)
	}
	b := make([]byte, e.length)
	for i := 0; i < len(b); {
		n, err := d.read(b[i:])
		if err != nil {
			return nil, err
		}
		i += n
	}
	return b, nil
}
