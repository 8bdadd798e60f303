package xls

import "fmt"

// sst is the shared string table: every string's UTF-8 in one arena.
type sst struct {
	arena []byte
	ends  []uint32
}

// get returns string i, nil when there is none.
func (s *sst) get(i uint32) []byte {
	if uint64(i) >= uint64(len(s.ends)) {
		return nil
	}
	var start uint32
	if i > 0 {
		start = s.ends[i-1]
	}
	return s.arena[start:s.ends[i]]
}

// read reads an SST record and its CONTINUE records ([MS-XLS] 2.4.265):
// cstTotal, cstUnique, then XLUnicodeRichExtendedStrings, any of which may
// be split across a CONTINUE (its characters then resume after a new flags
// byte; its rich-text runs and phonetic block do not). The strings held
// are bounded by max bytes (4 bytes counted for each string besides its
// text).
func (s *sst) read(c *cursor, max int64) error {
	var head [8]byte
	if ok, err := c.fixed(head[:]); !ok || err != nil {
		return err
	}
	unique := le32(head[4:])
	var h [4]byte
	for i := uint32(0); i < unique; i++ {
		if ok, err := c.fixed(h[:3]); !ok || err != nil {
			return err // the table ends early: the strings read stand
		}
		cch, flags := int(le16(h[:])), h[2]
		var runs, ext int
		if flags&0x08 != 0 {
			if ok, err := c.fixed(h[:2]); !ok || err != nil {
				return err
			}
			runs = 4 * int(le16(h[:]))
		}
		if flags&0x04 != 0 {
			if ok, err := c.fixed(h[:4]); !ok || err != nil {
				return err
			}
			ext = int(le32(h[:]) & 0x7FFFFFFF)
		}
		var err error
		if s.arena, err = readChars(c, cch, flags&1 != 0, s.arena); err != nil {
			return err
		}
		if int64(len(s.arena))+4*int64(len(s.ends)+1) > max {
			return fmt.Errorf("%w: shared strings over MaxOutput", ErrLimit)
		}
		s.ends = append(s.ends, uint32(len(s.arena)))
		if err := c.skip(runs + ext); err != nil {
			return err
		}
	}
	return nil
}
