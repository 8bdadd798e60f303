package xls

import (
	"errors"
	"fmt"
	"io"
)

// Record types read ([MS-XLS] 2.3).
const (
	recFormula     = 0x0006
	recEOF         = 0x000A
	recHeader      = 0x0014
	recFooter      = 0x0015
	recNote        = 0x001C
	recFilePass    = 0x002F
	recContinue    = 0x003C
	recCodePage    = 0x0042
	recObj         = 0x005D
	recBoundSheet  = 0x0085
	recMulRK       = 0x00BD
	recRString     = 0x00D6
	recSST         = 0x00FC
	recLabelSST    = 0x00FD
	recTxO         = 0x01B6
	recNumber      = 0x0203
	recLabel       = 0x0204
	recBoolErr     = 0x0205
	recString      = 0x0207
	recRK          = 0x027E
	recBOF         = 0x0809
	recInterfaceHd = 0x00E1
	recUsrExcl     = 0x0194
	recFileLock    = 0x0195
	recRRDInfo     = 0x0196
	recRRDHead     = 0x0138
)

// recordReader reads the BIFF records of a stream, decrypting them once a
// FILEPASS record set dec.
type recordReader struct {
	r      io.Reader
	size   int64 // the stream's size
	pos    int64 // stream offset of the next unread byte
	left   int   // records still allowed
	peeked bool
	typ    uint16
	length int
	start  int64 // stream offset of the current record's header
	buf    [0xFFFF]byte
	dec    *decryptor
}

func newRecordReader(r io.Reader, size int64, maxRecords int) *recordReader {
	return &recordReader{r: r, size: size, left: maxRecords}
}

// errEnd is the end of the stream between records.
var errEnd = errors.New("end of stream")

// header reads the next record's header, once.
func (rr *recordReader) header() error {
	if rr.peeked {
		return nil
	}
	if rr.pos >= rr.size {
		return errEnd
	}
	var h [4]byte
	if _, err := io.ReadFull(rr.r, h[:]); err != nil {
		return truncated(err)
	}
	rr.start = rr.pos
	rr.pos += 4
	rr.typ, rr.length = le16(h[:]), int(le16(h[2:]))
	rr.peeked = true
	return nil
}

// peek returns the type of the next record, or 0 at the end of the stream.
func (rr *recordReader) peek() (uint16, error) {
	if err := rr.header(); err != nil {
		if err == errEnd {
			return 0, nil
		}
		return 0, err
	}
	return rr.typ, nil
}

// next reads the next record; its data is valid until the next call.
func (rr *recordReader) next() (uint16, []byte, error) {
	if err := rr.header(); err != nil {
		return 0, nil, err
	}
	rr.peeked = false
	if rr.left--; rr.left < 0 {
		return 0, nil, fmt.Errorf("%w: more than MaxRecords BIFF records", ErrLimit)
	}
	data := rr.buf[:rr.length]
	if _, err := io.ReadFull(rr.r, data); err != nil {
		return 0, nil, truncated(err)
	}
	off := rr.pos
	rr.pos += int64(rr.length)
	if rr.dec != nil {
		switch rr.typ {
		case recBOF, recFilePass, recUsrExcl, recFileLock, recInterfaceHd, recRRDInfo, recRRDHead:
		case recBoundSheet: // lbPlyPos stays in the clear
			if len(data) > 4 {
				rr.dec.apply(data[4:], off+4)
			}
		default:
			rr.dec.apply(data, off)
		}
	}
	return rr.typ, data, nil
}

func truncated(err error) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return corrupt("truncated BIFF record")
	}
	return corrupt("reading the workbook stream: %v", err)
}

// cursor reads a record's data and, when asked, runs on into the CONTINUE
// records that follow it.
type cursor struct {
	rr   *recordReader
	data []byte
}

// more loads the next CONTINUE record; false when the next record is not
// one (the data ran out).
func (c *cursor) more() (bool, error) {
	t, err := c.rr.peek()
	if err != nil || t != recContinue {
		return false, err
	}
	_, d, err := c.rr.next()
	if err != nil {
		return false, err
	}
	c.data = d
	return true, nil
}

// need makes at least n bytes available in c.data without crossing into a
// CONTINUE (for fixed fields, which Excel never splits): false when there
// are not.
func (c *cursor) need(n int) (bool, error) {
	for len(c.data) == 0 {
		ok, err := c.more()
		if !ok || err != nil {
			return false, err
		}
	}
	return len(c.data) >= n, nil
}

// skip drops n bytes, running on into CONTINUE records.
func (c *cursor) skip(n int) error {
	for n > 0 {
		if len(c.data) == 0 {
			ok, err := c.more()
			if err != nil {
				return err
			}
			if !ok {
				return nil // the data ran out: nothing more to skip
			}
		}
		k := min(n, len(c.data))
		c.data, n = c.data[k:], n-k
	}
	return nil
}

// fixed reads len(buf) bytes of fixed fields, running on into CONTINUE
// records (without the flags byte strings have there): false when the data
// ran out.
func (c *cursor) fixed(buf []byte) (bool, error) {
	for len(buf) > 0 {
		if len(c.data) == 0 {
			ok, err := c.more()
			if !ok || err != nil {
				return false, err
			}
		}
		k := copy(buf, c.data)
		c.data, buf = c.data[k:], buf[k:]
	}
	return true, nil
}
