package xls

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/richardlehane/mscfb"
)

// container is an opened compound file.
type container struct {
	size     int64
	workbook *mscfb.File // the Workbook (BIFF8) or Book (BIFF5) stream
	biff5    bool
	embedded []*mscfb.File // Package and Ole10Native streams, in directory order
}

// openCFB opens the compound file and finds the streams Read reads. A
// stream larger than the file is a cyclic sector chain: ErrCorrupt.
func openCFB(r io.ReaderAt, size int64) (*container, error) {
	doc, err := mscfb.New(io.NewSectionReader(r, 0, size))
	if err != nil {
		var me mscfb.Error
		if errors.As(err, &me) && strings.Contains(me.Error(), "bad signature") {
			return nil, fmt.Errorf("%w: not a compound file", ErrUnsupported)
		}
		return nil, corrupt("compound file: %v", err)
	}
	c := &container{size: size}
	var encInfo, encPkg bool
	var book *mscfb.File
	for _, f := range doc.File {
		if f.Size > size {
			return nil, corrupt("stream %q longer than the file", printable(f.Name))
		}
		top := len(f.Path) == 0
		switch {
		case top && f.Name == "Workbook":
			c.workbook = f
		case top && f.Name == "Book":
			book = f
		case top && f.Name == "EncryptionInfo":
			encInfo = true
		case top && f.Name == "EncryptedPackage":
			encPkg = true
		case !top && (f.Name == "Package" || f.Name == "Ole10Native" && f.Initial == 1) && f.Size > 0:
			c.embedded = append(c.embedded, f)
		}
	}
	switch {
	case c.workbook != nil:
	case book != nil:
		c.workbook, c.biff5 = book, true
	case encInfo && encPkg:
		return nil, fmt.Errorf("%w: encrypted OOXML package (EncryptionInfo, EncryptedPackage)", ErrEncrypted)
	default:
		return nil, fmt.Errorf("%w: compound file without a Workbook stream (not an .xls)", ErrUnsupported)
	}
	return c, nil
}

// read reads the workbook stream, then the embedded files.
func (c *container) read(b *book) error {
	b.biff5 = c.biff5
	rr := newRecordReader(bufio.NewReaderSize(c.workbook, 64<<10), c.workbook.Size, b.lim.MaxRecords)
	if err := b.readStream(rr); err != nil {
		return err
	}
	for _, f := range c.embedded {
		if err := b.ctx.Err(); err != nil {
			return err
		}
		name := "object/" + strings.Join(append(append([]string(nil), f.Path...), f.Name), "/")
		var r io.Reader = io.LimitReader(f, f.Size)
		if f.Name == "Ole10Native" {
			nr, n, err := ole10Native(bufio.NewReader(r), f.Size)
			if err != nil {
				continue // a damaged package: its bytes are scanned by nobody, as before
			}
			r = io.LimitReader(nr, n)
		}
		if err := b.emitFile(name, r); err != nil {
			return err
		}
	}
	return nil
}

// ole10Native skips the header of an \x01Ole10Native stream ([MS-OLEDS]
// 2.3.6, the Packager's layout): total size (4), flags (2), label, path
// (NUL-terminated), 2+2 bytes, temp path length (4) and path, data size (4),
// then the data. It returns the data and its size.
func ole10Native(r *bufio.Reader, size int64) (io.Reader, int64, error) {
	var hdr [6]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, 0, err
	}
	for i := 0; i < 2; i++ { // label, source path
		if _, err := r.ReadSlice(0); err != nil {
			return nil, 0, err
		}
	}
	var four [4]byte
	if _, err := io.ReadFull(r, four[:]); err != nil { // reserved
		return nil, 0, err
	}
	if _, err := io.ReadFull(r, four[:]); err != nil {
		return nil, 0, err
	}
	n := int64(le32(four[:]))
	if n > size {
		return nil, 0, errors.New("bad path length")
	}
	if _, err := io.CopyN(io.Discard, r, n); err != nil {
		return nil, 0, err
	}
	if _, err := io.ReadFull(r, four[:]); err != nil {
		return nil, 0, err
	}
	n = int64(le32(four[:]))
	if n > size {
		return nil, 0, errors.New("bad data length")
	}
	return r, n, nil
}

func corrupt(format string, a ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrCorrupt}, a...)...)
}

func le16(b []byte) uint16 { return uint16(b[0]) | uint16(b[1])<<8 }
func le32(b []byte) uint32 {
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}
