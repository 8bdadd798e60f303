package sqlite

import "encoding/binary"

// Text encodings, as the header's field at offset 56 names them.
type encoding uint8

const (
	encUTF8    encoding = 1
	encUTF16LE encoding = 2
	encUTF16BE encoding = 3
)

// headerSize is the size of the database header at the start of page 1.
const headerSize = 100

// header is what the walk needs from the database header.
type header struct {
	pageSize  int // 512 to 65536
	usable    int // pageSize less the reserved bytes at the end of each page
	enc       encoding
	pages     int64  // whole pages in the file
	declared  int64  // pages the header says the database has, 0 if not valid
	freeTrunk uint32 // first free-list trunk page, 0 if none
	freeCount uint32 // free-list pages, as the header says
	autoVac   bool   // pointer-map pages are present
	badEnc    bool   // the encoding field is not 1, 2 or 3
}

// parseHeader reads the 100-byte header b of a file of size bytes. It
// returns ErrNotSQLite without the magic string and ErrCorrupt for a page
// size or reserved size that no database has.
func parseHeader(b []byte, size int64) (header, error) {
	var h header
	if len(b) < headerSize || !IsSQLite(b) {
		return h, ErrNotSQLite
	}
	switch ps := int(binary.BigEndian.Uint16(b[16:])); {
	case ps == 1:
		h.pageSize = 65536
	case ps >= 512 && ps <= 32768 && ps&(ps-1) == 0:
		h.pageSize = ps
	default:
		return h, ErrCorrupt
	}
	h.usable = h.pageSize - int(b[20])
	if h.usable < 480 {
		return h, ErrCorrupt
	}
	switch e := binary.BigEndian.Uint32(b[56:]); e {
	case 1, 2, 3:
		h.enc = encoding(e)
	case 0: // no schema written yet
		h.enc = encUTF8
	default:
		h.enc, h.badEnc = encUTF8, true
	}
	h.pages = size / int64(h.pageSize)
	// The page count is valid when the change counter matches the
	// version-valid-for number (SQLite 3.7.0 and later).
	if n := binary.BigEndian.Uint32(b[28:]); n != 0 && binary.BigEndian.Uint32(b[24:]) == binary.BigEndian.Uint32(b[92:]) {
		h.declared = int64(n)
	}
	h.freeTrunk = binary.BigEndian.Uint32(b[32:])
	h.freeCount = binary.BigEndian.Uint32(b[36:])
	h.autoVac = binary.BigEndian.Uint32(b[52:]) != 0
	return h, nil
}

// lockBytePage is the page that holds the bytes at offset 2^30, which
// SQLite never uses, or 0 if the file does not reach it.
func (h *header) lockBytePage() int64 {
	p := int64(1<<30)/int64(h.pageSize) + 1
	if p > h.pages {
		return 0
	}
	return p
}

// isPtrmap reports whether page n is a pointer-map page of an
// auto-vacuum database: page 2 and every (usable/5 + 1)th page after it,
// one page later where that is the lock-byte page.
func (h *header) isPtrmap(n int64) bool {
	if !h.autoVac || n < 2 {
		return false
	}
	per := int64(h.usable/5 + 1)
	p := (n-2)/per*per + 2
	if p == int64(1<<30)/int64(h.pageSize)+1 {
		p++
	}
	return p == n
}
