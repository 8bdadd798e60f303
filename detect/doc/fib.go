package doc

import (
	"encoding/binary"
	"fmt"
)

// fib is what Read needs of the File Information Block ([MS-DOC] 2.5.1) at
// the start of the WordDocument stream.
type fib struct {
	whichTable    bool  // fWhichTblStm: the table stream is "1Table"
	fcClx, lcbClx int64 // the CLX in the table stream
	ccp           [8]int64
	nFib          uint16
}

const (
	wIdent = 0xA5EC
	// nFib97 is the nFib of Word 97 and later ([MS-DOC] 2.5.2: FibBase.nFib
	// is 0x00C1 for all of them; the real version is in cswNew). Word 6
	// and 95 write 0x0065–0x0068.
	nFib97 = 0x00C1

	fEncrypted   = 0x0100
	fWhichTblStm = 0x0200
	fObfuscated  = 0x8000
)

// parseFIB reads the FibBase, FibRgLw97 and the fcClx/lcbClx pair of
// FibRgFcLcb97.
func parseFIB(w []byte) (*fib, error) {
	if len(w) < 32 {
		return nil, fmt.Errorf("%w: WordDocument stream of %d bytes", ErrCorrupt, len(w))
	}
	if binary.LittleEndian.Uint16(w) != wIdent {
		return nil, fmt.Errorf("%w: FIB wIdent %#04x", ErrCorrupt, binary.LittleEndian.Uint16(w))
	}
	f := &fib{nFib: binary.LittleEndian.Uint16(w[2:])}
	flags := binary.LittleEndian.Uint16(w[10:])
	if flags&fEncrypted != 0 {
		if flags&fObfuscated != 0 {
			return nil, fmt.Errorf("%w: XOR-obfuscated", ErrEncrypted)
		}
		return nil, fmt.Errorf("%w: RC4 / CryptoAPI", ErrEncrypted)
	}
	if f.nFib < nFib97 {
		return nil, fmt.Errorf("%w: Word 6/95 document (nFib %#04x)", ErrUnsupported, f.nFib)
	}
	f.whichTable = flags&fWhichTblStm != 0
	p := 32
	u16 := func() (int, bool) {
		if p+2 > len(w) {
			return 0, false
		}
		v := int(binary.LittleEndian.Uint16(w[p:]))
		p += 2
		return v, true
	}
	csw, ok := u16()
	if !ok || csw < 14 {
		return nil, fmt.Errorf("%w: FIB csw", ErrCorrupt)
	}
	if p+csw*2 > len(w) {
		return nil, fmt.Errorf("%w: FIB fibRgW past the stream", ErrCorrupt)
	}
	p += csw * 2
	cslw, ok := u16()
	if !ok || cslw < 22 || p+cslw*4 > len(w) {
		return nil, fmt.Errorf("%w: FIB fibRgLw", ErrCorrupt)
	}
	// FibRgLw97: cbMac, lProductCreated, lProductRevised, then ccpText,
	// ccpFtn, ccpHdd, reserved3 (ccpMcr), ccpAtn, ccpEdn, ccpTxbx,
	// ccpHdrTxbx.
	for i := range f.ccp {
		v := int32(binary.LittleEndian.Uint32(w[p+(3+i)*4:]))
		if v < 0 {
			return nil, fmt.Errorf("%w: FIB negative character count", ErrCorrupt)
		}
		f.ccp[i] = int64(v)
	}
	p += cslw * 4
	cb, ok := u16()
	const clxIndex = 33 // fcClx is the 34th pair of FibRgFcLcb97
	if !ok || cb <= clxIndex || p+cb*8 > len(w) {
		return nil, fmt.Errorf("%w: FIB fibRgFcLcb", ErrCorrupt)
	}
	f.fcClx = int64(binary.LittleEndian.Uint32(w[p+clxIndex*8:]))
	f.lcbClx = int64(binary.LittleEndian.Uint32(w[p+clxIndex*8+4:]))
	return f, nil
}

// textRange is one story of the document: its item name ("" for one not
// emitted) and its length in characters.
type textRange struct {
	name string
	n    int64
}

// ranges lists the stories in CP order ([MS-DOC] 2.3: main document,
// footnotes, headers, macro (reserved3), comments, endnotes, text boxes,
// header text boxes).
func (f *fib) ranges() []textRange {
	names := [8]string{"body", "footnotes", "headers", "", "comments", "endnotes", "text boxes", "header text boxes"}
	var r []textRange
	for i, n := range names {
		r = append(r, textRange{n, f.ccp[i]})
	}
	return r
}
