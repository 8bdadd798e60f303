package media

import (
	"bytes"
	"encoding/binary"
	"io"
)

// Ogg: pages ("OggS", version 0, a segment table), each with its CRC
// checked, until every logical stream has had its end-of-stream page
// (and no new chain starts), or up to the last valid page. The comment
// packet of each stream (Vorbis, Opus, Theora, Speex, FLAC) is text.

var oggCRC = func() (t [256]uint32) {
	for i := range t {
		r := uint32(i) << 24
		for j := 0; j < 8; j++ {
			if r&0x80000000 != 0 {
				r = r<<1 ^ 0x04C11DB7
			} else {
				r <<= 1
			}
		}
		t[i] = r
	}
	return t
}()

func oggChecksum(page []byte) uint32 {
	var crc uint32
	for i, c := range page {
		if i >= 22 && i < 26 {
			c = 0 // the CRC field itself
		}
		crc = crc<<8 ^ oggCRC[byte(crc>>24)^c]
	}
	return crc
}

// oggStream is one logical stream; its first two packets (identification
// and comments) are kept as byte ranges of the file.
type oggStream struct {
	serial  uint32
	seq     uint32
	closed  bool
	packets int
	pkt     [2][][2]int64
}

func walkOgg(w *walker) (int64, error) {
	streams := map[uint32]*oggStream{}
	var order []*oggStream
	open := 0
	page := make([]byte, 27+255+255*255)
	off, pages := int64(0), 0
	inHeaders := true // BOS pages of a chain come first
	for off < w.size {
		if err := w.step(); err != nil {
			return 0, err
		}
		ok, n, err := readOggPage(w, off, page)
		if err != nil {
			return 0, err
		}
		if !ok {
			if pages == 0 {
				return 0, w.corrupt("bad first page")
			}
			break
		}
		p := page[:n]
		flags := p[5]
		serial := binary.LittleEndian.Uint32(p[14:])
		seq := binary.LittleEndian.Uint32(p[18:])
		s := streams[serial]
		if flags&0x02 != 0 { // beginning of stream
			if s != nil || !inHeaders {
				break
			}
			s = &oggStream{serial: serial, seq: seq}
			streams[serial] = s
			order = append(order, s)
			open++
		} else {
			if pages == 0 {
				return 0, w.corrupt("first page is not a stream's beginning")
			}
			inHeaders = false
			if s == nil || s.closed || seq != s.seq+1 {
				break
			}
			s.seq = seq
		}
		// Packets: lacing values below 255 end one.
		nseg := int(p[26])
		at := off + 27 + int64(nseg)
		for _, l := range p[27 : 27+nseg] {
			if s.packets < len(s.pkt) {
				if err := w.step(); err != nil {
					return 0, err
				}
				s.pkt[s.packets] = append(s.pkt[s.packets], [2]int64{at, int64(l)})
			}
			if l < 255 {
				s.packets++
			}
			at += int64(l)
		}
		pages++
		off += int64(n)
		if flags&0x04 != 0 { // end of stream
			s.closed = true
			open--
			if open == 0 {
				// A new chain may follow; else this is the end.
				ok, m, err := readOggPage(w, off, page)
				if err != nil {
					return 0, err
				}
				if !ok || page[5]&0x02 == 0 || m == 0 {
					break
				}
				streams, inHeaders = map[uint32]*oggStream{}, true
			}
		}
	}
	if pages < 2 {
		return 0, w.corrupt("a single page")
	}
	for _, s := range order {
		if err := w.oggText(s); err != nil {
			return 0, err
		}
	}
	return off, nil
}

// readOggPage reads and checks the page at off into page; ok is false
// when there is no valid page there.
func readOggPage(w *walker, off int64, page []byte) (ok bool, n int, err error) {
	if !w.fits(off, 27) {
		return false, 0, nil
	}
	h, err := w.hdr(off, 27)
	if err != nil {
		return false, 0, err
	}
	if string(h[:4]) != "OggS" || h[4] != 0 || h[5]&^7 != 0 {
		return false, 0, nil
	}
	nseg := int(h[26])
	if !w.fits(off, int64(27+nseg)) {
		return false, 0, nil
	}
	copy(page, h)
	if err := w.readFull(page[27:27+nseg], off+27); err != nil {
		return false, 0, err
	}
	n = 27 + nseg
	for _, l := range page[27 : 27+nseg] {
		n += int(l)
	}
	if !w.fits(off, int64(n)) {
		return false, 0, nil
	}
	if err := w.readFull(page[27+nseg:n], off+int64(27+nseg)); err != nil {
		return false, 0, err
	}
	if binary.LittleEndian.Uint32(page[22:]) != oggChecksum(page[:n]) {
		return false, 0, nil
	}
	return true, n, nil
}

// packet returns a reader of a kept packet and its length.
func (w *walker) packet(ranges [][2]int64) (io.Reader, int64) {
	rs := make([]io.Reader, len(ranges))
	var n int64
	for i, r := range ranges {
		rs[i] = io.NewSectionReader(w.r, r[0], r[1])
		n += r[1]
	}
	return io.MultiReader(rs...), n
}

func (w *walker) oggText(s *oggStream) error {
	if s.packets < 2 {
		return nil // a stream without a comment packet
	}
	id, idLen := w.packet(s.pkt[0])
	head := make([]byte, min(idLen, 8))
	if _, err := io.ReadFull(id, head); err != nil {
		return w.corrupt("short packet")
	}
	r, n := w.packet(s.pkt[1])
	l := w.lenReader(r, n)
	var skip int64
	var prefix string
	switch {
	case bytes.HasPrefix(head, []byte("\x01vorbis")):
		skip, prefix = 7, "\x03vorbis"
	case bytes.HasPrefix(head, []byte("OpusHead")):
		skip, prefix = 8, "OpusTags"
	case bytes.HasPrefix(head, []byte("\x80theora")):
		w.info.Class = Video
		skip, prefix = 7, "\x81theora"
	case bytes.HasPrefix(head, []byte("Speex   ")):
		skip = 0
	case bytes.HasPrefix(head, []byte("\x7fFLAC")):
		b, err := l.bytes(min(n, 4))
		if err != nil {
			return err
		}
		if len(b) < 4 || b[0]&0x7F != 4 {
			return nil // the comment block is not the first: not read
		}
		return w.vorbisComments("ogg:vorbis-comment", l.r, n-4)
	default:
		if bytes.HasPrefix(head, []byte("OVP80")) || bytes.HasPrefix(head, []byte("\x80daala")) {
			w.info.Class = Video
		}
		return nil
	}
	if n < skip {
		return w.corrupt("short comment packet")
	}
	b, err := l.bytes(skip)
	if err != nil {
		return err
	}
	if string(b) != prefix {
		return w.corrupt("no comment packet")
	}
	return w.vorbisComments("ogg:vorbis-comment", l.r, n-skip)
}
