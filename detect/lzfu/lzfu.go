// Package lzfu reads compressed RTF, the PidTagRtfCompressed (PR_RTF_COMPRESSED)
// property of Outlook messages, as specified by [MS-OXRTFCP]: a 16-byte header
// (COMPSIZE, RAWSIZE, COMPTYPE, CRC) followed by LZ77 data ("LZFu") decoded
// against a 4096-byte dictionary pre-loaded with the standard initial RTF
// string, or by the RTF as it is ("MELA").
//
// It owns the decompression only: the RTF that comes out is handed on as an
// embedded file ("body.rtf") for the RTF reader; this package does not read
// RTF. It decodes as a stream: memory is one 4 KiB dictionary and small
// buffers, whatever RAWSIZE or COMPSIZE claim. Both are claims: COMPSIZE
// bounds how much input is read, RAWSIZE is not used to allocate or to cut
// the output (all that decodes is emitted, so nothing is hidden from the scan
// by a false RAWSIZE).
//
// [MS-OXRTFCP]: https://learn.microsoft.com/en-us/openspecs/exchange_server_protocols/ms-oxrtfcp/
package lzfu

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Defaults of the Limits fields.
const (
	DefaultMaxOutput = 64 << 20
	DefaultMaxItems  = 10000
	DefaultMaxRatio  = 100
)

// Limits bound a read; zero fields take the defaults (Default* consts).
type Limits struct {
	MaxOutput int64 // bytes of RTF emitted (default 64 MiB)
	MaxItems  int   // items emitted (default 10000; Read emits one)
	MaxRatio  int   // RTF bytes per compressed input byte (default 100; LZFu itself cannot exceed 8.5)
}

func (l Limits) withDefaults() Limits {
	if l.MaxOutput <= 0 {
		l.MaxOutput = DefaultMaxOutput
	}
	if l.MaxItems <= 0 {
		l.MaxItems = DefaultMaxItems
	}
	if l.MaxRatio <= 0 {
		l.MaxRatio = DefaultMaxRatio
	}
	return l
}

// ItemKind says what an Item is.
type ItemKind int

const (
	ItemText ItemKind = iota // UTF-8 text to scan (not emitted by this package)
	ItemFile                 // an embedded file, bytes as they are: here the RTF
)

// Item is one thing the reader found.
type Item struct {
	Kind ItemKind
	Name string    // "body.rtf"
	R    io.Reader // valid only during the emit call
}

var (
	// ErrEncrypted is never returned by this package (compressed RTF has no
	// encryption); it exists so every reader has the same sentinels.
	ErrEncrypted = errors.New("lzfu: encrypted")
	// ErrCorrupt: a short header or data, a bad dictionary reference or a CRC
	// mismatch; what was emitted before stands.
	ErrCorrupt = errors.New("lzfu: corrupt compressed RTF")
	// ErrLimit: a Limits bound was hit; what was emitted before stands.
	ErrLimit = errors.New("lzfu: limit reached")
	// ErrUnsupported: a COMPTYPE other than LZFu or MELA.
	ErrUnsupported = errors.New("lzfu: unsupported compression type")
)

// Header field values ([MS-OXRTFCP] 2.1.3.1.1).
const (
	headerSize   = 16
	compTypeLZFu = 0x75465A4C // "LZFu"
	compTypeMELA = 0x414C454D // "MELA"
	dictSize     = 4096
)

// initialDict is the dictionary's initial content ([MS-OXRTFCP] 2.1.2.1).
const initialDict = `{\rtf1\ansi\mac\deff0\deftab720{\fonttbl;}{\f0\fnil \froman \fswiss \fmodern \fscript \fdecor MS Sans SerifSymbolArialTimes New RomanCourier{\colortbl\red0\green0\blue0` + "\r\n" + `\par \pard\plain\f0\fs20\b\i\u\tab\tx`

// Is reports whether head starts like compressed RTF: COMPTYPE "LZFu" or
// "MELA" at offset 8 of a header at least 16 bytes long.
func Is(head []byte) bool {
	if len(head) < headerSize {
		return false
	}
	t := binary.LittleEndian.Uint32(head[8:])
	return t == compTypeLZFu || t == compTypeMELA
}

// Read decodes the compressed RTF r and calls emit once with an ItemFile
// "body.rtf" whose reader yields the RTF. What emit leaves unread is decoded
// and discarded after it returns, so the CRC is always checked. It returns
// emit's error as is, ctx.Err() when ctx ends, or an error wrapping ErrCorrupt,
// ErrLimit or ErrUnsupported; output read before an error stands.
func Read(ctx context.Context, r io.Reader, lim Limits, emit func(Item) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	d := newDecoder(ctx, r, lim)
	// The header is read before emit, so a file that is not compressed RTF
	// at all emits nothing.
	if err := d.readHeader(); err != nil {
		return err
	}
	if err := emit(Item{Kind: ItemFile, Name: "body.rtf", R: d}); err != nil {
		return err
	}
	_, err := io.Copy(io.Discard, d)
	return err
}

// Decode returns a reader of the RTF that the compressed RTF r holds. Its
// Read returns io.EOF at the end of good data, or an error wrapping
// ErrCorrupt, ErrLimit or ErrUnsupported (after the bytes decoded before it).
func Decode(r io.Reader, lim Limits) io.Reader {
	return newDecoder(context.Background(), r, lim)
}

// decoder is the streaming LZFu / MELA decoder.
type decoder struct {
	ctx context.Context
	lim Limits
	src io.Reader

	headerDone bool
	compType   uint32
	wantCRC    uint32
	remain     int64 // compressed bytes still to read (COMPSIZE - 12 at the start)
	consumed   int64 // input bytes read, header included

	crc   uint32
	in    [4096]byte
	inPos int
	inLen int

	dict [dictSize]byte
	wpos int

	out      [8 * 17]byte // decoded bytes not yet returned: one run, eight 17-byte references at most
	outPos   int
	outLen   int
	produced int64

	done bool  // end marker (or end of data) reached
	err  error // sticky
}

func newDecoder(ctx context.Context, r io.Reader, lim Limits) *decoder {
	d := &decoder{ctx: ctx, lim: lim.withDefaults(), src: r}
	copy(d.dict[:], initialDict)
	d.wpos = len(initialDict)
	return d
}

func (d *decoder) readHeader() error {
	if d.headerDone {
		return d.err
	}
	d.headerDone = true
	var h [headerSize]byte
	if n, err := io.ReadFull(d.src, h[:]); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			d.err = fmt.Errorf("%w: header is %d bytes, want %d", ErrCorrupt, n, headerSize)
		} else {
			d.err = err
		}
		return d.err
	}
	d.consumed = headerSize
	compSize := int64(binary.LittleEndian.Uint32(h[0:]))
	d.compType = binary.LittleEndian.Uint32(h[8:])
	d.wantCRC = binary.LittleEndian.Uint32(h[12:])
	switch d.compType {
	case compTypeLZFu, compTypeMELA:
	default:
		d.err = fmt.Errorf("%w: COMPTYPE 0x%08X", ErrUnsupported, d.compType)
		return d.err
	}
	if compSize < 12 {
		d.err = fmt.Errorf("%w: COMPSIZE %d is shorter than the header", ErrCorrupt, compSize)
		return d.err
	}
	d.remain = compSize - 12
	if d.compType == compTypeMELA && d.wantCRC != 0 {
		d.err = fmt.Errorf("%w: uncompressed RTF with a CRC of 0x%08X (must be 0)", ErrCorrupt, d.wantCRC)
		return d.err
	}
	return nil
}

// crcTable is the CRC-32 table of [MS-OXRTFCP] 2.1.3.2 (polynomial
// 0xEDB88320); the CRC starts at 0 and is not inverted at the end.
var crcTable = func() (t [256]uint32) {
	for i := range t {
		c := uint32(i)
		for range 8 {
			if c&1 != 0 {
				c = 0xEDB88320 ^ c>>1
			} else {
				c >>= 1
			}
		}
		t[i] = c
	}
	return t
}()

// fill reads more compressed input; false at the end of COMPSIZE or on error
// (d.err set for a short input).
func (d *decoder) fill() bool {
	if d.remain == 0 || d.err != nil {
		return false
	}
	if err := d.ctx.Err(); err != nil {
		d.err = err
		return false
	}
	n := int64(len(d.in))
	if d.remain < n {
		n = d.remain
	}
	m, err := io.ReadAtLeast(d.src, d.in[:n], 1)
	if m > 0 {
		if d.compType == compTypeLZFu {
			for _, b := range d.in[:m] {
				d.crc = crcTable[byte(d.crc)^b] ^ d.crc>>8
			}
		}
		d.inPos, d.inLen = 0, m
		d.remain -= int64(m)
		d.consumed += int64(m)
		return true
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || err == nil {
		d.err = fmt.Errorf("%w: truncated: %d of the bytes COMPSIZE claims are missing", ErrCorrupt, d.remain)
	} else {
		d.err = err
	}
	return false
}

// next returns the next compressed input byte.
func (d *decoder) next() (byte, bool) {
	if d.inPos == d.inLen && !d.fill() {
		return 0, false
	}
	b := d.in[d.inPos]
	d.inPos++
	return b, true
}

// finish drains the rest of COMPSIZE into the CRC and checks it.
func (d *decoder) finish() {
	d.done = true
	for d.err == nil {
		d.inPos = d.inLen
		if !d.fill() {
			break
		}
	}
	if d.err != nil {
		return
	}
	if d.compType == compTypeLZFu && d.crc != d.wantCRC {
		d.err = fmt.Errorf("%w: CRC 0x%08X, header says 0x%08X", ErrCorrupt, d.crc, d.wantCRC)
		return
	}
	d.err = io.EOF
}

// emitByte records one decoded byte in the dictionary and the output.
func (d *decoder) emitByte(b byte) {
	d.dict[d.wpos] = b
	d.wpos = (d.wpos + 1) % dictSize
	d.out[d.outLen] = b
	d.outLen++
}

// step decodes one run (a control byte and up to eight tokens) into d.out.
func (d *decoder) step() {
	if d.compType == compTypeMELA {
		if d.inPos == d.inLen && !d.fill() {
			if d.err == nil {
				d.finish()
			}
			return
		}
		c := copy(d.out[:], d.in[d.inPos:d.inLen])
		d.inPos += c
		d.outLen = c
		return
	}
	ctl, ok := d.next()
	if !ok {
		if d.err == nil { // COMPSIZE ended on a run boundary with no end marker
			d.finish()
		}
		return
	}
	for i := range 8 {
		if ctl&(1<<i) == 0 {
			b, ok := d.next()
			if !ok {
				if d.err == nil {
					d.finish()
				}
				return
			}
			d.emitByte(b)
			continue
		}
		hi, ok1 := d.next()
		lo, ok2 := d.next()
		if !ok1 || !ok2 {
			if d.err == nil {
				d.err = fmt.Errorf("%w: data ends inside a dictionary reference", ErrCorrupt)
			}
			return
		}
		ref := int(hi)<<8 | int(lo)
		off, n := ref>>4, ref&0xF+2
		if off == d.wpos {
			d.finish()
			return
		}
		for j := range n {
			d.emitByte(d.dict[(off+j)%dictSize])
		}
	}
}

// Read implements io.Reader.
func (d *decoder) Read(p []byte) (int, error) {
	if !d.headerDone {
		if err := d.readHeader(); err != nil {
			return 0, err
		}
	}
	n := 0
	for n < len(p) {
		if d.outPos < d.outLen {
			c := copy(p[n:], d.out[d.outPos:d.outLen])
			d.outPos += c
			n += c
			continue
		}
		if d.err != nil || d.done {
			break
		}
		d.outPos, d.outLen = 0, 0
		d.step()
		d.produced += int64(d.outLen)
		if d.produced > d.lim.MaxOutput {
			d.outLen = 0
			d.err = fmt.Errorf("%w: more than %d bytes of RTF (MaxOutput)", ErrLimit, d.lim.MaxOutput)
		} else if d.produced > int64(d.lim.MaxRatio)*d.consumed {
			d.outLen = 0
			d.err = fmt.Errorf("%w: more than %d bytes of RTF per compressed byte (MaxRatio)", ErrLimit, d.lim.MaxRatio)
		}
	}
	if n > 0 {
		return n, nil
	}
	if d.err == nil {
		d.err = io.EOF
	}
	return 0, d.err
}
