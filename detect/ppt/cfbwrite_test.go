package ppt

import (
	"encoding/binary"
	"unicode/utf16"
)

// cfbNode is a storage or stream of a compound file written by buildCFB.
type cfbNode struct {
	name     string
	data     []byte     // a stream's bytes
	children []*cfbNode // a storage's entries (a storage has data nil)
	storage  bool
}

func stream(name string, data []byte) *cfbNode { return &cfbNode{name: name, data: data} }
func storage(name string, children ...*cfbNode) *cfbNode {
	return &cfbNode{name: name, children: children, storage: true}
}

// buildCFB writes a version-4 compound file ([MS-CFB], 4096-byte
// sectors) to the spec, for fixtures no tool here writes. Streams shorter
// than 4096 bytes are padded with zeros to 4096 so that none lives in the
// mini stream (this writer does not write one). Siblings are chained
// through their right sibling (all black), which readers accept.
func buildCFB(root ...*cfbNode) []byte {
	const ss = 4096
	const (
		endOfChain = 0xFFFFFFFE
		fatSect    = 0xFFFFFFFD
		noStream   = 0xFFFFFFFF
	)
	type entry struct {
		n                  *cfbNode
		typ                byte
		left, right, child uint32
		start              uint32
		size               uint64
	}
	entries := []*entry{{n: &cfbNode{name: "Root Entry", children: root}, typ: 5, left: noStream, right: noStream, child: noStream, start: endOfChain}}
	var add func(parent *entry)
	add = func(parent *entry) {
		var prev *entry
		for _, c := range parent.n.children {
			e := &entry{n: c, typ: 2, left: noStream, right: noStream, child: noStream, start: endOfChain}
			if c.storage {
				e.typ = 1
			}
			id := uint32(len(entries))
			entries = append(entries, e)
			if prev == nil {
				parent.child = id
			} else {
				prev.right = id
			}
			prev = e
			if c.storage {
				add(e)
			}
		}
	}
	add(entries[0])
	// Sectors: stream data, then the directory, then the FAT.
	var sectors [][]byte
	var fat []uint32
	chain := func(b []byte) uint32 {
		first := uint32(len(sectors))
		for off := 0; off < len(b); off += ss {
			s := make([]byte, ss)
			copy(s, b[off:])
			sectors = append(sectors, s)
			fat = append(fat, uint32(len(sectors)))
		}
		fat[len(fat)-1] = endOfChain
		return first
	}
	for _, e := range entries {
		if e.typ != 2 {
			continue
		}
		d := e.n.data
		if len(d) < 4096 {
			d = append(append([]byte(nil), d...), make([]byte, 4096-len(d))...)
		}
		e.size = uint64(len(d))
		e.start = chain(d)
	}
	dir := make([]byte, 128*len(entries))
	for i, e := range entries {
		b := dir[128*i:]
		u := utf16.Encode([]rune(e.n.name))
		if len(u) > 31 {
			u = u[:31]
		}
		for j, c := range u {
			binary.LittleEndian.PutUint16(b[2*j:], c)
		}
		binary.LittleEndian.PutUint16(b[64:], uint16(2*(len(u)+1)))
		b[66], b[67] = e.typ, 1
		binary.LittleEndian.PutUint32(b[68:], e.left)
		binary.LittleEndian.PutUint32(b[72:], e.right)
		binary.LittleEndian.PutUint32(b[76:], e.child)
		binary.LittleEndian.PutUint32(b[116:], e.start)
		binary.LittleEndian.PutUint64(b[120:], e.size)
	}
	dirStart := chain(dir)
	nDir := len(sectors) - int(dirStart)
	nFat := 0
	for (len(sectors)+nFat)*4 > nFat*ss {
		nFat++
	}
	if nFat > 109 {
		panic("buildCFB: file too large for the header's DIFAT")
	}
	fatStart := uint32(len(sectors))
	for i := 0; i < nFat; i++ {
		fat = append(fat, fatSect)
	}
	fatBytes := make([]byte, nFat*ss)
	for i := range fatBytes[:len(fatBytes)/4] {
		v := uint32(0xFFFFFFFF)
		if i < len(fat) {
			v = fat[i]
		}
		binary.LittleEndian.PutUint32(fatBytes[4*i:], v)
	}
	h := make([]byte, ss)
	copy(h, cfbMagic)
	binary.LittleEndian.PutUint16(h[24:], 0x3E)
	binary.LittleEndian.PutUint16(h[26:], 4)
	binary.LittleEndian.PutUint16(h[28:], 0xFFFE)
	binary.LittleEndian.PutUint16(h[30:], 12)
	binary.LittleEndian.PutUint16(h[32:], 6)
	binary.LittleEndian.PutUint32(h[40:], uint32(nDir))
	binary.LittleEndian.PutUint32(h[44:], uint32(nFat))
	binary.LittleEndian.PutUint32(h[48:], dirStart)
	binary.LittleEndian.PutUint32(h[56:], 4096)
	binary.LittleEndian.PutUint32(h[60:], endOfChain)
	binary.LittleEndian.PutUint32(h[68:], endOfChain)
	for i := 0; i < 109; i++ {
		v := uint32(0xFFFFFFFF)
		if i < nFat {
			v = fatStart + uint32(i)
		}
		binary.LittleEndian.PutUint32(h[76+4*i:], v)
	}
	out := h
	for _, s := range sectors {
		out = append(out, s...)
	}
	return append(out, fatBytes...)
}
