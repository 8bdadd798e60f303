package archive

import (
	"bufio"
	"encoding/binary"
	"io"
)

// Zip record signatures and sizes (APPNOTE.TXT 4.3.12, 4.3.14-16).
const (
	sigDirHeader    = 0x02014b50
	sigDirEnd       = 0x06054b50
	sigDir64Locator = 0x07064b50
	sigDir64End     = 0x06064b50
	dirHeaderLen    = 46
	dirEndLen       = 22
	dir64LocatorLen = 20
	dir64EndLen     = 56
	// maxDirBytes bounds the central directory archive/zip may load.
	maxDirBytes = 16 << 20
)

// zipDirEntries counts the central directory headers of the zip in r the
// way archive/zip reads them (consecutive headers from the start of the
// directory until a bad signature), stopping once the count passes max.
// archive/zip holds every header in memory, and the count in the end
// record may be off by multiples of 65536, so the count is taken from the
// headers themselves before archive/zip is let near them. A directory of
// more than maxDirBytes counts as max+1 entries.
func zipDirEntries(r io.ReaderAt, size int64, max int) (int, error) {
	dirStart, err := zipDirStart(r, size)
	if err != nil {
		return 0, err
	}
	br := bufio.NewReaderSize(io.NewSectionReader(r, dirStart, size-dirStart), 32<<10)
	var h [dirHeaderLen]byte
	n := 0
	var dirBytes int64
	for n <= max {
		if _, err := io.ReadFull(br, h[:]); err != nil {
			break
		}
		if binary.LittleEndian.Uint32(h[:4]) != sigDirHeader {
			break
		}
		n++
		skip := int64(binary.LittleEndian.Uint16(h[28:])) + int64(binary.LittleEndian.Uint16(h[30:])) + int64(binary.LittleEndian.Uint16(h[32:]))
		if dirBytes += dirHeaderLen + skip; dirBytes > maxDirBytes {
			// Names, extra fields and comments of up to 64 KiB each
			// are all held by archive/zip.
			return max + 1, nil
		}
		if _, err := br.Discard(int(skip)); err != nil {
			break
		}
	}
	return n, nil
}

// zipDirStart finds where the central directory starts, as archive/zip
// does: directorySize bytes before the (zip64) end record.
func zipDirStart(r io.ReaderAt, size int64) (int64, error) {
	bLen := min(size, 65*1024+dirEndLen)
	if bLen < dirEndLen {
		return 0, ErrCorrupt
	}
	buf := make([]byte, bLen)
	if _, err := r.ReadAt(buf, size-bLen); err != nil && err != io.EOF {
		return 0, err
	}
	p := -1
	for i := len(buf) - dirEndLen; i >= 0; i-- {
		if binary.LittleEndian.Uint32(buf[i:]) == sigDirEnd {
			p = i
			break
		}
	}
	if p < 0 {
		return 0, ErrCorrupt
	}
	end := size - bLen + int64(p)
	b := buf[p:]
	dirSize := uint64(binary.LittleEndian.Uint32(b[12:]))
	if binary.LittleEndian.Uint16(b[10:]) == 0xffff || dirSize == 0xffffffff || binary.LittleEndian.Uint32(b[16:]) == 0xffffffff {
		if e64, s64, ok := zipDir64(r, end); ok {
			end, dirSize = e64, s64
		}
	}
	if dirSize > uint64(end) {
		return 0, ErrCorrupt
	}
	return end - int64(dirSize), nil
}

// zipDir64 reads the zip64 end record through its locator, which sits
// just before the end record at end.
func zipDir64(r io.ReaderAt, end int64) (recOffset int64, dirSize uint64, ok bool) {
	if end < dir64LocatorLen {
		return 0, 0, false
	}
	var loc [dir64LocatorLen]byte
	if _, err := r.ReadAt(loc[:], end-dir64LocatorLen); err != nil || binary.LittleEndian.Uint32(loc[:]) != sigDir64Locator {
		return 0, 0, false
	}
	off := binary.LittleEndian.Uint64(loc[8:])
	if off > uint64(end) {
		return 0, 0, false
	}
	var rec [dir64EndLen]byte
	if _, err := r.ReadAt(rec[:], int64(off)); err != nil || binary.LittleEndian.Uint32(rec[:4]) != sigDir64End {
		return 0, 0, false
	}
	return int64(off), binary.LittleEndian.Uint64(rec[40:]), true
}
