package openpgp

import (
	"fmt"
	"io"

	"github.com/dlprelay/dlprelay/detect/internal/bounded"
)

// Packet tags (RFC 9580 section 5; 20 is the OCB/EAX AEAD packet of
// RFC 4880bis drafts and LibrePGP, which GnuPG 2.3+ and rnp write).
const (
	tagPKESK      = 1
	tagSignature  = 2
	tagSKESK      = 3
	tagOnePassSig = 4
	tagSecretKey  = 5
	tagPublicKey  = 6
	tagSecretSub  = 7
	tagCompressed = 8
	tagSED        = 9
	tagMarker     = 10
	tagLiteral    = 11
	tagTrust      = 12
	tagUserID     = 13
	tagPublicSub  = 14
	tagUserAttr   = 17
	tagSEIPD      = 18
	tagMDC        = 19
	tagAEAD       = 20
	tagPadding    = 21
)

// lengthToEOF is the length of an old-format packet of length type 3,
// which extends to the end of the data.
const lengthToEOF = -1

// errTruncated is the input ending inside a packet.
var errTruncated = fmt.Errorf("%w: truncated", ErrCorrupt)

// header is a packet header (RFC 9580 section 4.2).
type header struct {
	tag     int
	length  int64 // of the first (or only) chunk, or lengthToEOF
	partial bool  // more chunks follow (new format partial body length)
}

// reader reads packets from one stream (the input, or a compressed
// packet's decompressed data) and counts the bytes it reads against a
// limit.
type reader struct {
	src      bounded.ByteReader
	off, max int64
	scratch  []byte
}

// newReader reads from r, at most max bytes. With buffer, a reader that
// is not an io.ByteReader is buffered; without, it is read a byte at a
// time (Classify reads only what it needs).
func newReader(r io.Reader, max int64, buffer bool) *reader {
	p := &reader{max: max}
	p.src = bounded.Bytes(r, buffer)
	return p
}

func (p *reader) limitErr() error {
	return fmt.Errorf("%w: more than %d bytes of input", ErrLimit, p.max)
}

// readByte returns io.EOF at the end of the input. Errors of the
// underlying reader (a decompressor's) are mapped by streamErr.
func (p *reader) readByte() (byte, error) {
	if p.off >= p.max {
		return 0, p.limitErr()
	}
	b, err := p.src.ReadByte()
	if err != nil {
		if err == io.EOF {
			return 0, err
		}
		return 0, streamErr(err)
	}
	p.off++
	return b, nil
}

// read reads at most len(p) bytes; io.EOF at the end of the input.
func (p *reader) read(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	if left := p.max - p.off; int64(len(b)) > left {
		if left <= 0 {
			return 0, p.limitErr()
		}
		b = b[:left]
	}
	n, err := p.src.Read(b)
	p.off += int64(n)
	if n > 0 {
		return n, nil
	}
	if err == nil {
		err = io.ErrNoProgress
	}
	if err == io.EOF {
		return 0, err
	}
	return 0, streamErr(err)
}

// header reads a packet header. It returns io.EOF if the input ends
// before it, and an error wrapping ErrCorrupt if it ends inside it or the
// header is malformed.
func (p *reader) header() (header, error) {
	b, err := p.readByte()
	if err != nil {
		return header{}, err
	}
	if b&0x80 == 0 {
		return header{}, fmt.Errorf("%w: packet tag without its high bit", ErrCorrupt)
	}
	if b&0x40 == 0 { // old format
		h := header{tag: int(b>>2) & 0x0f}
		switch b & 3 {
		case 0, 1, 2:
			n := 1 << (b & 3) // 1, 2 or 4 octets
			var l int64
			for range n {
				c, err := p.readByte()
				if err != nil {
					return header{}, eofIsTruncated(err)
				}
				l = l<<8 | int64(c)
			}
			h.length = l
		case 3:
			h.length = lengthToEOF
		}
		return h, nil
	}
	h := header{tag: int(b & 0x3f)}
	h.length, h.partial, err = p.newLength()
	return h, err
}

// newLength reads a new-format body length (RFC 9580 section 4.2.1).
func (p *reader) newLength() (int64, bool, error) {
	o, err := p.readByte()
	if err != nil {
		return 0, false, eofIsTruncated(err)
	}
	switch {
	case o < 192:
		return int64(o), false, nil
	case o < 224:
		o2, err := p.readByte()
		if err != nil {
			return 0, false, eofIsTruncated(err)
		}
		return (int64(o)-192)<<8 + int64(o2) + 192, false, nil
	case o < 255:
		return 1 << (o & 0x1f), true, nil
	}
	var l int64
	for range 4 {
		c, err := p.readByte()
		if err != nil {
			return 0, false, eofIsTruncated(err)
		}
		l = l<<8 | int64(c)
	}
	return l, false, nil
}

func eofIsTruncated(err error) error {
	if err == io.EOF {
		return errTruncated
	}
	return err
}

// body streams a packet's body, following partial body lengths.
type body struct {
	p       *reader
	left    int64 // in the current chunk
	partial bool  // another chunk follows this one
	toEOF   bool
	err     error
}

func newBody(p *reader, h header) *body {
	if h.length == lengthToEOF {
		return &body{p: p, toEOF: true}
	}
	return &body{p: p, left: h.length, partial: h.partial}
}

func (b *body) Read(buf []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if b.toEOF {
		n, err := b.p.read(buf)
		if err != nil {
			b.err = err
		}
		return n, err
	}
	for b.left == 0 {
		if !b.partial {
			b.err = io.EOF
			return 0, io.EOF
		}
		l, partial, err := b.p.newLength()
		if err != nil {
			b.err = err
			return 0, err
		}
		b.left, b.partial = l, partial
	}
	if len(buf) == 0 {
		return 0, nil
	}
	n, err := b.p.read(buf[:min(int64(len(buf)), b.left)])
	b.left -= int64(n)
	if err != nil {
		b.err = eofIsTruncated(err)
	}
	return n, b.err
}

// skip reads past the rest of the body.
func (b *body) skip() error {
	if b.p.scratch == nil {
		b.p.scratch = make([]byte, 4096)
	}
	for {
		_, err := b.Read(b.p.scratch)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}
