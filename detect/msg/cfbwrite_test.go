package msg

import (
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
	"unicode/utf16"
)

// This file is a minimal writer of OLE compound files ([MS-CFB]) for the
// test fixtures: nothing on this machine writes .msg, and mscfb only reads.
// It writes version 3 (512-byte sectors) or 4 (4096-byte sectors), one
// FAT of at most 109 sectors (no DIFAT sectors), the directory as a
// balanced binary tree of black entries (a valid red-black tree when
// balanced; readers do not check colours), streams under 4096 bytes in the
// mini stream and the others in regular sectors.

const (
	cfbFree       = 0xFFFFFFFF
	cfbEndOfChain = 0xFFFFFFFE
	cfbFATSect    = 0xFFFFFFFD
	cfbNoStream   = 0xFFFFFFFF
)

// cfbEntry is a storage (children) or a stream (data) to write.
type cfbEntry struct {
	name     string
	data     []byte
	children []*cfbEntry
	storage  bool
}

func cfbStorage(name string, children ...*cfbEntry) *cfbEntry {
	return &cfbEntry{name: name, storage: true, children: children}
}

func cfbStream(name string, data []byte) *cfbEntry {
	return &cfbEntry{name: name, data: data}
}

// cfbCompare orders sibling names as [MS-CFB] 2.6.4 wants: shorter first,
// then by upper-cased UTF-16 code units.
func cfbCompare(a, b string) int {
	ua, ub := utf16.Encode([]rune(strings.ToUpper(a))), utf16.Encode([]rune(strings.ToUpper(b)))
	if len(ua) != len(ub) {
		return len(ua) - len(ub)
	}
	return slices.Compare(ua, ub)
}

type cfbDir struct {
	e                  *cfbEntry
	typ                byte
	left, right, child uint32
	start              uint32
	size               uint64
	mini               bool
}

// writeCFB returns the compound file with root's children; ss is 512 or 4096.
func writeCFB(root *cfbEntry, ss int) []byte {
	var dirs []*cfbDir
	var add func(e *cfbEntry, typ byte) uint32
	add = func(e *cfbEntry, typ byte) uint32 {
		id := uint32(len(dirs))
		d := &cfbDir{e: e, typ: typ, left: cfbNoStream, right: cfbNoStream, child: cfbNoStream}
		dirs = append(dirs, d)
		if !e.storage && typ != 5 {
			return id
		}
		kids := slices.Clone(e.children)
		slices.SortFunc(kids, func(a, b *cfbEntry) int { return cfbCompare(a.name, b.name) })
		ids := make([]uint32, len(kids))
		for i, k := range kids {
			t := byte(2)
			if k.storage {
				t = 1
			}
			ids[i] = add(k, t)
		}
		var balance func(lo, hi int) uint32
		balance = func(lo, hi int) uint32 {
			if lo >= hi {
				return cfbNoStream
			}
			mid := (lo + hi) / 2
			dirs[ids[mid]].left = balance(lo, mid)
			dirs[ids[mid]].right = balance(mid+1, hi)
			return ids[mid]
		}
		d.child = balance(0, len(ids))
		return id
	}
	add(root, 5)

	// Mini stream and big streams.
	var mini []byte
	var miniFAT []uint32
	var bigs []*cfbDir
	for _, d := range dirs[1:] {
		if d.typ != 2 {
			continue
		}
		d.size = uint64(len(d.e.data))
		if len(d.e.data) == 0 {
			d.start = cfbEndOfChain
			continue
		}
		if len(d.e.data) < 4096 {
			d.mini = true
			d.start = uint32(len(mini) / 64)
			n := (len(d.e.data) + 63) / 64
			for i := 0; i < n; i++ {
				next := uint32(len(miniFAT) + 1)
				if i == n-1 {
					next = cfbEndOfChain
				}
				miniFAT = append(miniFAT, next)
			}
			mini = append(mini, d.e.data...)
			mini = append(mini, make([]byte, n*64-len(d.e.data))...)
			continue
		}
		bigs = append(bigs, d)
	}
	secs := func(n int) int { return (n + ss - 1) / ss }
	nDir := secs(len(dirs) * 128)
	nMiniFAT := secs(len(miniFAT) * 4)
	nMini := secs(len(mini))
	rest := nDir + nMiniFAT + nMini
	for _, d := range bigs {
		rest += secs(len(d.e.data))
	}
	nFAT := 1
	for nFAT*ss/4 < nFAT+rest {
		nFAT++
	}
	if nFAT > 109 {
		panic(fmt.Sprintf("cfb writer: %d FAT sectors need DIFAT sectors", nFAT))
	}
	total := nFAT + rest
	fat := make([]uint32, nFAT*ss/4)
	for i := range fat {
		fat[i] = cfbFree
	}
	for i := 0; i < nFAT; i++ {
		fat[i] = cfbFATSect
	}
	next := nFAT
	chain := func(n int) uint32 {
		if n == 0 {
			return cfbEndOfChain
		}
		start := next
		for i := 0; i < n; i++ {
			if i == n-1 {
				fat[next] = cfbEndOfChain
			} else {
				fat[next] = uint32(next + 1)
			}
			next++
		}
		return uint32(start)
	}
	dirStart := chain(nDir)
	miniFATStart := chain(nMiniFAT)
	miniStart := chain(nMini)
	for _, d := range bigs {
		d.start = chain(secs(len(d.e.data)))
	}
	dirs[0].start = miniStart
	dirs[0].size = uint64(len(mini))
	if len(mini) == 0 {
		dirs[0].start = cfbEndOfChain
	}

	out := make([]byte, (total+1)*ss)
	sector := func(n int) []byte { return out[(n+1)*ss : (n+2)*ss] }
	h := out[:512]
	copy(h, cfbSignature)
	le := binary.LittleEndian
	le.PutUint16(h[24:], 0x003E)
	if ss == 4096 {
		le.PutUint16(h[26:], 4)
		le.PutUint16(h[30:], 12)
		le.PutUint32(h[40:], uint32(nDir))
	} else {
		le.PutUint16(h[26:], 3)
		le.PutUint16(h[30:], 9)
	}
	le.PutUint16(h[28:], 0xFFFE)
	le.PutUint16(h[32:], 6)
	le.PutUint32(h[44:], uint32(nFAT))
	le.PutUint32(h[48:], dirStart)
	le.PutUint32(h[56:], 4096)
	le.PutUint32(h[60:], miniFATStart)
	le.PutUint32(h[64:], uint32(nMiniFAT))
	le.PutUint32(h[68:], cfbEndOfChain)
	for i := 0; i < 109; i++ {
		v := uint32(cfbFree)
		if i < nFAT {
			v = uint32(i)
		}
		le.PutUint32(h[76+4*i:], v)
	}
	for i, v := range fat {
		le.PutUint32(sector(i / (ss / 4))[4*(i%(ss/4)):], v)
	}
	dirBytes := make([]byte, nDir*ss)
	for i := len(dirs); i < nDir*ss/128; i++ {
		b := dirBytes[i*128:]
		le.PutUint32(b[68:], cfbNoStream)
		le.PutUint32(b[72:], cfbNoStream)
		le.PutUint32(b[76:], cfbNoStream)
	}
	for i, d := range dirs {
		b := dirBytes[i*128:]
		name := utf16.Encode([]rune(d.e.name))
		if d.typ == 5 {
			name = utf16.Encode([]rune("Root Entry"))
		}
		if len(name) > 31 {
			panic("cfb writer: name too long: " + d.e.name)
		}
		for j, u := range name {
			le.PutUint16(b[2*j:], u)
		}
		le.PutUint16(b[64:], uint16(2*len(name)+2))
		b[66] = d.typ
		b[67] = 1 // black
		le.PutUint32(b[68:], d.left)
		le.PutUint32(b[72:], d.right)
		le.PutUint32(b[76:], d.child)
		if d.typ == 1 {
			d.start = 0
		}
		le.PutUint32(b[116:], d.start)
		le.PutUint64(b[120:], d.size)
	}
	put := func(start uint32, data []byte) {
		for i := 0; len(data) > 0; i++ {
			n := copy(sector(int(start)+i), data)
			data = data[n:]
		}
	}
	put(dirStart, dirBytes)
	mf := make([]byte, nMiniFAT*ss)
	for i := range mf {
		mf[i] = 0xFF
	}
	for i, v := range miniFAT {
		le.PutUint32(mf[4*i:], v)
	}
	if nMiniFAT > 0 {
		put(miniFATStart, mf)
	}
	if nMini > 0 {
		put(miniStart, mini)
	}
	for _, d := range bigs {
		put(d.start, d.e.data)
	}
	return out
}
