package doc

import (
	"encoding/binary"
	"unicode/utf16"

	"golang.org/x/text/encoding/charmap"
)

// synthDoc describes a Word 97 document built to [MS-DOC] by makeDoc, for
// what LibreOffice does not write (compressed pieces, encryption flags,
// Ole10Native packages, hostile counts).
type synthDoc struct {
	flags      uint16
	nFib       uint16
	stories    [8]string // body, footnotes, headers, macro, comments, endnotes, text boxes, header text boxes
	compressed bool      // pieces in Windows-1252 rather than UTF-16LE
	pieceRuns  int       // > 0: the body is split into pieces of this many characters
	repeat     int       // > 0: the piece table lists the body's first piece this many times over
	objects    []*cfbNode
}

// makeDoc writes the document: a FIB of 1024 bytes, then the text in the
// WordDocument stream; the CLX at offset 0 of 1Table.
func makeDoc(d synthDoc) []byte {
	const textAt = 1024
	word := make([]byte, textAt)
	binary.LittleEndian.PutUint16(word[0:], wIdent)
	nFib := d.nFib
	if nFib == 0 {
		nFib = nFib97
	}
	binary.LittleEndian.PutUint16(word[2:], nFib)
	binary.LittleEndian.PutUint16(word[10:], d.flags|fWhichTblStm)
	binary.LittleEndian.PutUint16(word[32:], 14)
	binary.LittleEndian.PutUint16(word[62:], 22)
	binary.LittleEndian.PutUint16(word[152:], 93)
	type pc struct{ cp, cpEnd, fc uint32 }
	var pcs []pc
	var cp uint32
	for i, s := range d.stories {
		u := utf16.Encode([]rune(s))
		binary.LittleEndian.PutUint32(word[64+12+4*i:], uint32(len(u)))
		run := len(u)
		if i == 0 && d.pieceRuns > 0 {
			run = d.pieceRuns
		}
		for off := 0; off < len(u); off += run {
			end := min(off+run, len(u))
			p := pc{cp: cp + uint32(off), cpEnd: cp + uint32(end)}
			if d.compressed {
				p.fc = uint32(len(word))*2 | 1<<30
				b, _ := charmap.Windows1252.NewEncoder().Bytes([]byte(string(utf16.Decode(u[off:end]))))
				word = append(word, b...)
			} else {
				p.fc = uint32(len(word))
				for _, c := range u[off:end] {
					word = binary.LittleEndian.AppendUint16(word, c)
				}
			}
			pcs = append(pcs, p)
		}
		cp += uint32(len(u))
	}
	if len(pcs) == 0 {
		pcs = append(pcs, pc{fc: uint32(len(word))})
	}
	if d.repeat > 0 {
		p0, n := pcs[0], pcs[0].cpEnd-pcs[0].cp
		pcs = pcs[:0]
		for k := 0; k < d.repeat; k++ {
			pcs = append(pcs, pc{cp: uint32(k) * n, cpEnd: uint32(k+1) * n, fc: p0.fc})
		}
		binary.LittleEndian.PutUint32(word[64+12:], 0x7FFFFFFF)
	}
	plc := []byte{}
	for _, p := range pcs {
		plc = binary.LittleEndian.AppendUint32(plc, p.cp)
	}
	plc = binary.LittleEndian.AppendUint32(plc, pcs[len(pcs)-1].cpEnd)
	for _, p := range pcs {
		plc = append(plc, 0, 0)
		plc = binary.LittleEndian.AppendUint32(plc, p.fc)
		plc = append(plc, 0, 0)
	}
	clx := append([]byte{0x02}, binary.LittleEndian.AppendUint32(nil, uint32(len(plc)))...)
	clx = append(clx, plc...)
	binary.LittleEndian.PutUint32(word[154+33*8:], 0)
	binary.LittleEndian.PutUint32(word[154+33*8+4:], uint32(len(clx)))
	nodes := []*cfbNode{stream("WordDocument", word), stream("1Table", clx)}
	if len(d.objects) > 0 {
		nodes = append(nodes, storage("ObjectPool", d.objects...))
	}
	return buildCFB(nodes...)
}

// ole10Native is an OLE1 package of a file as Word's Packager stores it.
func ole10Native(label, path string, data []byte) []byte {
	var b []byte
	b = append(b, 2, 0)
	b = append(append(b, label...), 0)
	b = append(append(b, path...), 0)
	b = append(b, 0, 0, 3, 0)
	tmp := append([]byte(path), 0)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(tmp)))
	b = append(b, tmp...)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(data)))
	b = append(b, data...)
	return append(binary.LittleEndian.AppendUint32(nil, uint32(len(b))), b...)
}
