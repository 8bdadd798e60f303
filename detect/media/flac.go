package media

import (
	"encoding/binary"
	"io"
)

// FLAC: "fLaC", metadata blocks up to the one flagged last, then frames.
// Frames have no length: a frame ends where the next frame header starts
// (sync code, valid fields, matching CRC-8) and the CRC-16 of the frame
// up to there checks. The last frame ends at the end of the file if its
// CRC-16 checks there, else at the first place it checks (a shorter End
// is safe: the caller scans the rest).

var (
	crc8Table = func() (t [256]byte) {
		for i := range t {
			c := byte(i)
			for j := 0; j < 8; j++ {
				if c&0x80 != 0 {
					c = c<<1 ^ 0x07
				} else {
					c <<= 1
				}
			}
			t[i] = c
		}
		return t
	}()
	crc16Table = func() (t [256]uint16) {
		for i := range t {
			c := uint16(i) << 8
			for j := 0; j < 8; j++ {
				if c&0x8000 != 0 {
					c = c<<1 ^ 0x8005
				} else {
					c <<= 1
				}
			}
			t[i] = c
		}
		return t
	}()
)

type flacInfo struct {
	channels, bps int
	total         int64 // samples per channel; 0 if unknown
	variable      byte  // blocking strategy bit of the first frame
}

func walkFLAC(w *walker) (int64, error) {
	off := int64(4)
	var si flacInfo
	for first := true; ; first = false {
		if err := w.step(); err != nil {
			return 0, err
		}
		h, err := w.hdr(off, 4)
		if err != nil {
			return 0, err
		}
		last, typ := h[0]&0x80 != 0, h[0]&0x7F
		n := int64(h[1])<<16 | int64(h[2])<<8 | int64(h[3])
		data := off + 4
		if typ == 127 || !w.fits(data, n) {
			return 0, w.corrupt("bad metadata block at %d", off)
		}
		if first != (typ == 0) {
			return 0, w.corrupt("STREAMINFO is not the first block")
		}
		switch typ {
		case 0:
			if n != 34 {
				return 0, w.corrupt("bad STREAMINFO")
			}
			b, err := w.read(data, 34)
			if err != nil {
				return 0, err
			}
			x := binary.BigEndian.Uint64(b[10:])
			si.channels = int(x>>41&7) + 1
			si.bps = int(x>>36&31) + 1
			si.total = int64(x & (1<<36 - 1))
		case 4:
			if err := w.vorbisComments("flac:vorbis-comment", io.NewSectionReader(w.r, data, n), n); err != nil {
				return 0, err
			}
		case 6:
			if err := w.flacPictureAt(data, n); err != nil {
				return 0, err
			}
		case 3, 5: // seek table, cue sheet
		default: // padding, application and reserved blocks
			if err := w.stringsAt("flac:block#strings", data, n); err != nil {
				return 0, err
			}
		}
		off = data + n
		if last {
			break
		}
	}
	return w.flacFrames(off, si)
}

// flacPictureAt reads a PICTURE block's description, not its picture.
func (w *walker) flacPictureAt(off, n int64) error {
	l := w.lenReader(io.NewSectionReader(w.r, off, n), n)
	b, err := l.bytes(8)
	if err != nil {
		return err
	}
	if err := l.skip(int64(binary.BigEndian.Uint32(b[4:]))); err != nil {
		return err
	}
	b, err = l.bytes(4)
	if err != nil {
		return err
	}
	d, cut, err := l.text(int64(binary.BigEndian.Uint32(b)))
	if err != nil {
		return err
	}
	w.addText("flac:picture", decUTF8(d), cut)
	return nil
}

// flacHeader checks a frame header at the start of b and returns its
// length and block size; ok is false if it is not one.
func flacHeader(b []byte, si *flacInfo) (n int, samples int64, ok bool) {
	if len(b) < 6 || b[0] != 0xFF || b[1]&0xFE != 0xF8 {
		return 0, 0, false
	}
	bs, sr := b[2]>>4, b[2]&15
	ch, ss := int(b[3]>>4), b[3]>>1&7
	if bs == 0 || sr == 15 || ch > 10 || ss == 3 || b[3]&1 != 0 {
		return 0, 0, false
	}
	channels := ch + 1
	if ch >= 8 {
		channels = 2
	}
	bps := [8]int{0, 8, 12, 0, 16, 20, 24, 32}[ss]
	if channels != si.channels || bps != 0 && bps != si.bps {
		return 0, 0, false
	}
	// The frame or sample number, coded like UTF-8 (up to 7 bytes).
	p := 4
	c := b[p]
	k := 0
	switch {
	case c < 0x80:
	case c&0xE0 == 0xC0:
		k = 1
	case c&0xF0 == 0xE0:
		k = 2
	case c&0xF8 == 0xF0:
		k = 3
	case c&0xFC == 0xF8:
		k = 4
	case c&0xFE == 0xFC:
		k = 5
	case c == 0xFE:
		k = 6
	default:
		return 0, 0, false
	}
	if len(b) < p+1+k+2+2+1 {
		return 0, 0, false
	}
	for _, d := range b[p+1 : p+1+k] {
		if d&0xC0 != 0x80 {
			return 0, 0, false
		}
	}
	p += 1 + k
	switch bs {
	case 1:
		samples = 192
	case 2, 3, 4, 5:
		samples = 576 << (bs - 2)
	case 6:
		samples = int64(b[p]) + 1
		p++
	case 7:
		samples = int64(binary.BigEndian.Uint16(b[p:])) + 1
		p += 2
	default:
		samples = 256 << (bs - 8)
	}
	switch sr {
	case 12:
		p++
	case 13, 14:
		p += 2
	}
	var crc byte
	for _, d := range b[:p] {
		crc = crc8Table[crc^d]
	}
	if crc != b[p] {
		return 0, 0, false
	}
	return p + 1, samples, true
}

// flacFrames walks the frames from off.
func (w *walker) flacFrames(off int64, si flacInfo) (int64, error) {
	if off == w.size {
		return off, nil // metadata only
	}
	c := w.cursor(off)
	const look = 16 // longest frame header
	frames := 0
	var samples int64
	for {
		b, err := c.peek(look)
		if err != nil {
			return 0, err
		}
		hl, n, ok := flacHeader(b, &si)
		if ok && frames == 0 {
			si.variable = b[1] & 1
		}
		if !ok || b[1]&1 != si.variable {
			if frames == 0 {
				return 0, w.corrupt("no frame after the metadata")
			}
			return c.off, nil // the rest is not FLAC
		}
		if err := w.step(); err != nil {
			return 0, err
		}
		frames++
		samples += n
		start := c.off
		var crc uint16
		for _, d := range b[:hl] {
			crc = crc<<8 ^ crc16Table[byte(crc>>8)^d]
		}
		c.skip(int64(hl))
		firstZero := int64(-1)
		lastFrame := si.total > 0 && samples >= si.total
		next := int64(-1)
	scan:
		for {
			b, err := c.peek(64 << 10)
			if err != nil {
				return 0, err
			}
			if len(b) == 0 {
				break
			}
			atEOF := c.off+int64(len(b)) == w.size
			stop := len(b)
			if !atEOF {
				stop = len(b) - look
			}
			for i := 0; i < stop; i++ {
				if crc == 0 && c.off+int64(i) > start+int64(hl)+2 {
					if firstZero < 0 {
						firstZero = c.off + int64(i)
					}
					if b[i] == 0xFF && !lastFrame {
						if _, _, ok := flacHeader(b[i:], &si); ok && b[i+1]&1 == si.variable {
							next = c.off + int64(i)
							c.skip(int64(i))
							break scan
						}
					}
				}
				crc = crc<<8 ^ crc16Table[byte(crc>>8)^b[i]]
			}
			c.skip(int64(stop))
			if atEOF {
				break
			}
		}
		switch {
		case next >= 0:
			continue
		case crc == 0:
			return w.size, nil // the last frame ends the file
		case firstZero >= 0:
			return firstZero, nil
		case frames == 1:
			return 0, w.corrupt("no frame after the metadata")
		default:
			return start, nil // not a frame: the frames before are the file
		}
	}
}
