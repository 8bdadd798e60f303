package media

import (
	"bytes"
	"encoding/binary"
	"strings"
)

// ID3v2 tags (versions 2.2, 2.3 and 2.4): text frames, comments, lyrics,
// URLs and picture descriptions are text; private and object frames are
// scanned for strings. Unsynchronisation is undone; compressed frames are
// inflated within MaxInflate; encrypted frames cannot be read and are
// ErrCorrupt.

func syncsafe(b []byte) int64 {
	return int64(b[0])<<21 | int64(b[1])<<14 | int64(b[2])<<7 | int64(b[3])
}

// id3At reads the ID3v2 tag at off, in a region of n bytes, and returns
// its size with the footer.
func (w *walker) id3At(off, n int64) (int64, error) {
	h, err := w.hdr(off, 10)
	if err != nil {
		return 0, err
	}
	if string(h[:3]) != "ID3" || h[3] < 2 || h[3] > 4 || h[4] == 0xFF || h[6]|h[7]|h[8]|h[9] >= 0x80 {
		return 0, w.corrupt("bad ID3v2 header")
	}
	ver, flags := h[3], h[5]
	size := syncsafe(h[6:])
	total := 10 + size
	if ver == 4 && flags&0x10 != 0 {
		total += 10 // footer
	}
	if total > n || !w.fits(off, total) {
		return 0, w.corrupt("ID3v2 tag past the end")
	}
	t := &id3Tag{w: w, ver: ver, off: off + 10, end: off + 10 + size}
	if flags&0x80 != 0 && ver < 4 {
		// The whole tag is unsynchronised: undo it in memory.
		if size > maxBlob {
			return 0, w.limit("unsynchronised ID3 tag too large")
		}
		b, err := w.read(t.off, size)
		if err != nil {
			return 0, err
		}
		t.mem = unsync(b)
	}
	if flags&0x40 != 0 && ver >= 3 {
		if err := t.skipExtended(); err != nil {
			return 0, err
		}
	}
	if err := t.frames(flags&0x80 != 0); err != nil {
		return 0, err
	}
	return total, nil
}

// id3Tag is one tag being read: from the file between off and end, or
// from mem (an unsynchronised tag undone) from pos.
type id3Tag struct {
	w        *walker
	ver      byte
	off, end int64
	mem      []byte
	pos      int64
}

func (t *id3Tag) left() int64 {
	if t.mem != nil {
		return int64(len(t.mem)) - t.pos
	}
	return t.end - t.off
}

// get returns the next n bytes (n already checked against left).
func (t *id3Tag) get(n int64) ([]byte, error) {
	if t.mem != nil {
		b := t.mem[t.pos : t.pos+n]
		t.pos += n
		return b, nil
	}
	b, err := t.w.read(t.off, n)
	t.off += n
	return b, err
}

func (t *id3Tag) skip(n int64) {
	if t.mem != nil {
		t.pos += n
	} else {
		t.off += n
	}
}

func (t *id3Tag) skipExtended() error {
	if t.left() < 4 {
		return t.w.corrupt("short ID3 extended header")
	}
	b, err := t.get(4)
	if err != nil {
		return err
	}
	n := int64(binary.BigEndian.Uint32(b)) // 2.3: the size after these bytes
	if t.ver == 4 {
		n = syncsafe(b) - 4 // 2.4: the size with them
	}
	if n < 0 || n > t.left() {
		return t.w.corrupt("bad ID3 extended header")
	}
	t.skip(n)
	return nil
}

func (t *id3Tag) frames(tagUnsync bool) error {
	w := t.w
	idLen, hdrLen := int64(4), int64(10)
	if t.ver == 2 {
		idLen, hdrLen = 3, 6
	}
	for t.left() >= hdrLen {
		if err := w.step(); err != nil {
			return err
		}
		var h []byte
		var err error
		if t.mem != nil {
			h = t.mem[t.pos : t.pos+hdrLen]
		} else if h, err = w.hdr(t.off, int(hdrLen)); err != nil {
			return err
		}
		id := string(h[:idLen])
		if h[0] == 0 {
			break // padding
		}
		if !isFrameID(id) {
			return w.corrupt("bad ID3 frame id")
		}
		var size int64
		var flags uint16
		switch t.ver {
		case 2:
			size = int64(h[3])<<16 | int64(h[4])<<8 | int64(h[5])
		case 3:
			size = int64(binary.BigEndian.Uint32(h[4:]))
			flags = binary.BigEndian.Uint16(h[8:])
		case 4:
			size = syncsafe(h[4:])
			flags = binary.BigEndian.Uint16(h[8:])
		}
		t.skip(hdrLen)
		if size > t.left() {
			return w.corrupt("ID3 frame past its tag")
		}
		if err := t.frame(id, size, flags, tagUnsync); err != nil {
			return err
		}
	}
	// Padding should be zeros; anything else is scanned.
	if n := t.left(); n > 0 {
		if t.mem != nil {
			w.stringsOf("id3:padding#strings", t.mem[t.pos:])
		} else if err := w.stringsAt("id3:padding#strings", t.off, n); err != nil {
			return err
		}
	}
	return nil
}

func isFrameID(id string) bool {
	for i := 0; i < len(id); i++ {
		if !(id[i] >= 'A' && id[i] <= 'Z' || id[i] >= '0' && id[i] <= '9') {
			return false
		}
	}
	return true
}

// frame reads one frame of size bytes at the tag's position.
func (t *id3Tag) frame(id string, size int64, flags uint16, tagUnsync bool) error {
	w := t.w
	var compressed, encrypted, unsynced, dataLen bool
	var extra int64 // bytes after the header before the data
	switch t.ver {
	case 3:
		compressed, encrypted = flags&0x0080 != 0, flags&0x0040 != 0
		if compressed {
			extra += 4
		}
		if encrypted {
			extra++
		}
		if flags&0x0020 != 0 {
			extra++
		}
	case 4:
		compressed, encrypted = flags&0x0008 != 0, flags&0x0004 != 0
		unsynced = flags&0x0002 != 0 || tagUnsync
		dataLen = flags&0x0001 != 0
		if flags&0x0040 != 0 {
			extra++
		}
		if encrypted {
			extra++
		}
		if dataLen {
			extra += 4
		}
	}
	if encrypted {
		return w.corrupt("encrypted ID3 frame")
	}
	if extra > size {
		return w.corrupt("short ID3 frame")
	}
	t.skip(extra)
	size -= extra
	kind := frameKind(id)
	if kind == frameBinary {
		t.skip(size)
		return nil
	}
	// Frames that must be decoded whole are read whole (bounded); text
	// frames only as far as the text budget reaches.
	var b []byte
	cut := false
	var err error
	switch {
	case compressed || unsynced:
		if size > maxBlob {
			return w.limit("ID3 frame too large")
		}
		if b, err = t.get(size); err != nil {
			return err
		}
		if unsynced {
			b = unsync(b)
		}
		if compressed {
			if b, cut, err = w.inflateBytes(b, min(2*w.budget()+64, maxBlob)); err != nil {
				return err
			}
		}
	case kind == frameStrings:
		if t.mem != nil {
			w.stringsOf("id3:"+id+"#strings", t.mem[t.pos:t.pos+size])
			t.skip(size)
			return nil
		}
		err := w.stringsAt("id3:"+id+"#strings", t.off, size)
		t.skip(size)
		return err
	default:
		m := min(size, 2*w.budget()+1024)
		if b, err = t.get(m); err != nil {
			return err
		}
		t.skip(size - m)
		cut = m < size
	}
	w.id3Frame(id, kind, b, cut)
	return nil
}

// Frame kinds.
const (
	frameBinary  = iota // no text (counters, seek points ...)
	frameText           // T***: encoding, text
	frameURL            // W***: Latin-1 URL
	frameUserURL        // WXXX/WXX: encoding, description, URL
	frameComment        // COMM/USLT/COM/ULT: encoding, language, description, text
	framePicture        // APIC/PIC: encoding, MIME or format, type, description, data
	frameStrings        // PRIV, GEOB, unknown: printable strings
)

func frameKind(id string) int {
	switch id {
	case "COMM", "USLT", "COM", "ULT":
		return frameComment
	case "APIC", "PIC":
		return framePicture
	case "WXXX", "WXX":
		return frameUserURL
	case "MCDI", "MCI", "PCNT", "CNT", "POPM", "POP", "RVA2", "RVAD", "RVA", "EQU2", "EQUA", "EQU",
		"ETCO", "ETC", "MLLT", "MLL", "SYTC", "STC", "RVRB", "REV", "SEEK", "ASPI", "RBUF", "BUF",
		"POSS", "SIGN", "ENCR", "GRID", "UFID", "UFI", "SYLT", "SLT", "AENC", "CRA", "LINK", "LNK":
		return frameBinary
	}
	switch id[0] {
	case 'T':
		return frameText
	case 'W':
		return frameURL
	}
	return frameStrings
}

func (w *walker) id3Frame(id string, kind int, b []byte, cut bool) {
	name := "id3:" + id
	if kind == frameURL {
		w.addText(name, decLatin1(b), cut)
		return
	}
	if len(b) == 0 {
		return
	}
	enc, b := b[0], b[1:]
	switch kind {
	case frameText:
		if id == "TXXX" || id == "TXX" {
			desc, rest := id3Split(enc, b)
			w.addKeyed(name, id3Text(enc, desc), id3Values(enc, rest), cut)
			return
		}
		w.addText(name, id3Values(enc, b), cut)
	case frameUserURL:
		desc, rest := id3Split(enc, b)
		w.addKeyed(name, id3Text(enc, desc), decLatin1(rest), cut)
	case frameComment:
		if len(b) < 3 {
			return
		}
		desc, rest := id3Split(enc, b[3:])
		w.addKeyed(name, id3Text(enc, desc), id3Text(enc, rest), cut)
	case framePicture:
		if id == "PIC" {
			if len(b) < 4 {
				return
			}
			b = b[4:] // format (3), type (1)
		} else {
			i := bytes.IndexByte(b, 0)
			if i < 0 || i+2 > len(b) {
				return
			}
			b = b[i+2:] // MIME type, picture type
		}
		desc, _ := id3Split(enc, b)
		w.addText(name, id3Text(enc, desc), false)
	}
}

// id3Split cuts b at the first terminator of its encoding (one zero byte,
// or two aligned ones for UTF-16).
func id3Split(enc byte, b []byte) (head, rest []byte) {
	if enc == 1 || enc == 2 {
		for i := 0; i+1 < len(b); i += 2 {
			if b[i] == 0 && b[i+1] == 0 {
				return b[:i], b[i+2:]
			}
		}
		return b, nil
	}
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return b[:i], b[i+1:]
	}
	return b, nil
}

// id3Text decodes text in an ID3 encoding: 0 Latin-1, 1 UTF-16 with BOM,
// 2 UTF-16BE, 3 UTF-8.
func id3Text(enc byte, b []byte) string {
	switch enc {
	case 1:
		return decUTF16(b, false)
	case 2:
		return decUTF16(b, true)
	case 3:
		return decUTF8(b)
	}
	return decLatin1(b)
}

// id3Values decodes a text frame, whose 2.4 values are separated by
// terminators, one value a line.
func id3Values(enc byte, b []byte) string {
	var vals []string
	for len(b) > 0 {
		var v []byte
		v, b = id3Split(enc, b)
		vals = append(vals, id3Text(enc, v))
	}
	return strings.TrimRight(strings.Join(vals, "\n"), "\n")
}

// unsync undoes ID3 unsynchronisation: 0xFF 0x00 is 0xFF.
func unsync(b []byte) []byte {
	if bytes.Index(b, []byte{0xFF, 0x00}) < 0 {
		return b
	}
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		out = append(out, b[i])
		if b[i] == 0xFF && i+1 < len(b) && b[i+1] == 0 {
			i++
		}
	}
	return out
}
