package xls

import (
	"crypto/md5"
	"crypto/rc4"
	"crypto/sha1"
	"encoding/binary"
	"math"
	"unicode/utf16"
)

// entry is a directory entry for cfbFile: a stream (data) or a storage,
// with the index of its parent storage (0: the root).
type entry struct {
	name    string
	data    []byte
	storage bool
	parent  int
}

const (
	endOfChain = 0xFFFFFFFE
	freeSect   = 0xFFFFFFFF
	fatSect    = 0xFFFFFFFD
	noStream   = 0xFFFFFFFF
)

// cfbFile writes a compound file ([MS-CFB]) holding the entries: version 3
// (512-byte sectors) or 4 (4096), streams under 4096 bytes in the mini
// stream. Entries' indexes in the directory are 1 + their index in es.
func cfbFile(version int, es ...entry) []byte {
	ss := 512
	if version == 4 {
		ss = 4096
	}
	secs := func(n int) int { return (n + ss - 1) / ss }
	// the mini stream and its FAT
	var mini []byte
	var miniFat []uint32
	start := make([]uint32, len(es))
	for i, e := range es {
		if e.storage || len(e.data) >= 4096 {
			continue
		}
		if len(e.data) == 0 {
			start[i] = endOfChain
			continue
		}
		first := len(mini) / 64
		start[i] = uint32(first)
		n := (len(e.data) + 63) / 64
		for k := 0; k < n; k++ {
			if k == n-1 {
				miniFat = append(miniFat, endOfChain)
			} else {
				miniFat = append(miniFat, uint32(first+k+1))
			}
		}
		mini = append(mini, e.data...)
		mini = append(mini, make([]byte, n*64-len(e.data))...)
	}
	nDir := secs((len(es) + 1) * 128)
	nMiniFat := secs(len(miniFat) * 4)
	nMini := secs(len(mini))
	rest := nDir + nMiniFat + nMini
	for _, e := range es {
		if !e.storage && len(e.data) >= 4096 {
			rest += secs(len(e.data))
		}
	}
	nFat := 1
	for nFat*ss/4 < nFat+rest {
		nFat++
	}
	if nFat > 109 {
		panic("cfbFile: too large for a header-only DIFAT")
	}
	total := nFat + rest
	fat := make([]uint32, nFat*ss/4)
	for i := range fat {
		fat[i] = freeSect
	}
	next := 0
	chain := func(n int) uint32 {
		if n == 0 {
			return endOfChain
		}
		first := next
		for k := 0; k < n; k++ {
			if k == n-1 {
				fat[next] = endOfChain
			} else {
				fat[next] = uint32(next + 1)
			}
			next++
		}
		return uint32(first)
	}
	for k := 0; k < nFat; k++ {
		fat[next] = fatSect
		next++
	}
	dirStart := chain(nDir)
	miniFatStart := chain(nMiniFat)
	miniStart := chain(nMini)
	for i, e := range es {
		if !e.storage && len(e.data) >= 4096 {
			start[i] = chain(secs(len(e.data)))
		}
	}
	out := make([]byte, ss*(1+total))
	// header
	h := out[:512]
	copy(h, cfbMagic)
	binary.LittleEndian.PutUint16(h[24:], 0x3E)
	binary.LittleEndian.PutUint16(h[26:], uint16(version))
	binary.LittleEndian.PutUint16(h[28:], 0xFFFE)
	shift := 9
	if ss == 4096 {
		shift = 12
		binary.LittleEndian.PutUint32(h[40:], uint32(nDir))
	}
	binary.LittleEndian.PutUint16(h[30:], uint16(shift))
	binary.LittleEndian.PutUint16(h[32:], 6)
	binary.LittleEndian.PutUint32(h[44:], uint32(nFat))
	binary.LittleEndian.PutUint32(h[48:], dirStart)
	binary.LittleEndian.PutUint32(h[56:], 4096)
	binary.LittleEndian.PutUint32(h[60:], miniFatStart)
	binary.LittleEndian.PutUint32(h[64:], uint32(nMiniFat))
	binary.LittleEndian.PutUint32(h[68:], endOfChain)
	for k := 0; k < 109; k++ {
		v := uint32(freeSect)
		if k < nFat {
			v = uint32(k)
		}
		binary.LittleEndian.PutUint32(h[76+4*k:], v)
	}
	sector := func(sn uint32) []byte { o := int(sn+1) * ss; return out[o:] }
	for i, v := range fat {
		binary.LittleEndian.PutUint32(out[ss+4*i:], v)
	}
	// directory: children of a storage chained by right siblings
	dir := sector(dirStart)
	for i := 0; i < nDir*ss/128; i++ {
		d := dir[i*128:]
		binary.LittleEndian.PutUint32(d[68:], noStream)
		binary.LittleEndian.PutUint32(d[72:], noStream)
		binary.LittleEndian.PutUint32(d[76:], noStream)
	}
	put := func(i int, name string, typ byte, start uint32, size int) {
		d := dir[i*128:]
		u := utf16.Encode([]rune(name))
		for k, c := range u {
			binary.LittleEndian.PutUint16(d[2*k:], c)
		}
		binary.LittleEndian.PutUint16(d[64:], uint16(2*(len(u)+1)))
		d[66], d[67] = typ, 1
		binary.LittleEndian.PutUint32(d[116:], start)
		binary.LittleEndian.PutUint64(d[120:], uint64(size))
	}
	put(0, "Root Entry", 5, miniStart, len(mini))
	if len(mini) == 0 {
		binary.LittleEndian.PutUint32(dir[116:], endOfChain)
	}
	last := map[int]int{} // parent -> last child's directory index
	for i, e := range es {
		typ, size := byte(2), len(e.data)
		if e.storage {
			typ, size, start[i] = 1, 0, 0
		}
		put(i+1, e.name, typ, start[i], size)
		if l, ok := last[e.parent]; ok {
			binary.LittleEndian.PutUint32(dir[l*128+72:], uint32(i+1))
		} else {
			binary.LittleEndian.PutUint32(dir[e.parent*128+76:], uint32(i+1))
		}
		last[e.parent] = i + 1
	}
	if nMiniFat > 0 {
		mf := sector(miniFatStart)
		for i := 0; i < nMiniFat*ss/4; i++ {
			v := uint32(freeSect)
			if i < len(miniFat) {
				v = miniFat[i]
			}
			binary.LittleEndian.PutUint32(mf[4*i:], v)
		}
		copy(sector(miniStart), mini)
	}
	for i, e := range es {
		if !e.storage && len(e.data) >= 4096 {
			copy(sector(start[i]), e.data)
		}
	}
	return out
}

// rec is a BIFF record.
func rec(typ uint16, data ...[]byte) []byte {
	var d []byte
	for _, p := range data {
		d = append(d, p...)
	}
	b := binary.LittleEndian.AppendUint16(nil, typ)
	b = binary.LittleEndian.AppendUint16(b, uint16(len(d)))
	return append(b, d...)
}

func u16(v uint16) []byte { return binary.LittleEndian.AppendUint16(nil, v) }
func u32(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }
func f64(v float64) []byte {
	return binary.LittleEndian.AppendUint64(nil, math.Float64bits(v))
}

// wide is the UTF-16LE of s.
func wide(s string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = binary.LittleEndian.AppendUint16(b, u)
	}
	return b
}

// xlStr is an XLUnicodeString in UTF-16 (cch of 2 bytes, flags 1).
func xlStr(s string) []byte {
	return append(append(u16(uint16(len(utf16.Encode([]rune(s))))), 1), wide(s)...)
}

// sheetSpec is one sheet for workbook.
type sheetSpec struct {
	name  string
	state byte
	recs  [][]byte
}

// workbook builds a BIFF8 Workbook stream: the globals (pre right after
// BOF, e.g. FILEPASS; globals, e.g. an SST, after the BOUNDSHEETs) then the
// sheets.
func workbook(pre, globals [][]byte, sheets ...sheetSpec) []byte {
	bof := func(dt uint16) []byte { return rec(recBOF, u16(0x0600), u16(dt), make([]byte, 12)) }
	bs := func(pos uint32, s sheetSpec) []byte {
		n := utf16.Encode([]rune(s.name))
		return rec(recBoundSheet, u32(pos), []byte{s.state, 0, byte(len(n)), 1}, wide(s.name))
	}
	size := len(bof(5)) + len(rec(recCodePage, u16(1200)))
	for _, g := range pre {
		size += len(g)
	}
	for _, s := range sheets {
		size += len(bs(0, s))
	}
	for _, g := range globals {
		size += len(g)
	}
	size += 4 // EOF
	var subs [][]byte
	pos := []uint32{}
	off := size
	for _, s := range sheets {
		b := bof(0x10)
		for _, r := range s.recs {
			b = append(b, r...)
		}
		b = append(b, rec(recEOF)...)
		pos = append(pos, uint32(off))
		off += len(b)
		subs = append(subs, b)
	}
	w := bof(5)
	for _, g := range pre {
		w = append(w, g...)
	}
	w = append(w, rec(recCodePage, u16(1200))...)
	for i, s := range sheets {
		w = append(w, bs(pos[i], s)...)
	}
	for _, g := range globals {
		w = append(w, g...)
	}
	w = append(w, rec(recEOF)...)
	for _, s := range subs {
		w = append(w, s...)
	}
	return w
}

// The encryption below is written from [MS-OFFCRYPTO] 2.3.5 and 2.3.6 and
// [MS-XLS] 2.2.10, independently of crypt.go, to make encrypted fixtures:
// no tool here writes an RC4-encrypted .xls.

// rc4StdKey is the RC4 (v1.1) key of block for password and salt.
func rc4StdKey(password string, salt []byte, block uint32) []byte {
	h0 := md5.Sum(wide(password))
	var buf []byte
	for i := 0; i < 16; i++ {
		buf = append(append(buf, h0[:5]...), salt...)
	}
	h1 := md5.Sum(buf)
	hf := md5.Sum(append(append([]byte(nil), h1[:5]...), u32(block)...))
	return hf[:]
}

// rc4CryptoAPIKey is the RC4 CryptoAPI key of block (keyBits 40 or 128).
func rc4CryptoAPIKey(password string, salt []byte, block uint32, keyBits int) []byte {
	h0 := sha1.Sum(append(append([]byte(nil), salt...), wide(password)...))
	hf := sha1.Sum(append(h0[:], u32(block)...))
	if keyBits == 40 {
		return append(append([]byte(nil), hf[:5]...), make([]byte, 11)...)
	}
	return hf[:keyBits/8]
}

// filePassStd is a FILEPASS record for RC4 v1.1 with password.
func filePassStd(password string, salt []byte) []byte {
	verifier := []byte("0123456789abcdef")
	vh := md5.Sum(verifier)
	c, _ := rc4.NewCipher(rc4StdKey(password, salt, 0))
	enc := make([]byte, 32)
	c.XORKeyStream(enc, append(append([]byte(nil), verifier...), vh[:]...))
	return rec(recFilePass, u16(1), u16(1), u16(1), salt, enc)
}

// filePassCryptoAPI is a FILEPASS record for RC4 CryptoAPI (v4.2).
func filePassCryptoAPI(password string, salt []byte, keyBits int) []byte {
	csp := wide("Microsoft Enhanced Cryptographic Provider v1.0\x00")
	hdr := append(append(append(u32(0x04), u32(0)...), u32(0x6801)...), u32(0x8004)...) // flags, sizeExtra, RC4, SHA1
	hdr = append(append(append(append(hdr, u32(uint32(keyBits))...), u32(1)...), u32(0)...), u32(0)...)
	hdr = append(hdr, csp...)
	verifier := []byte("fedcba9876543210")
	vh := sha1.Sum(verifier)
	c, _ := rc4.NewCipher(rc4CryptoAPIKey(password, salt, 0, keyBits))
	enc := make([]byte, 36)
	c.XORKeyStream(enc, append(append([]byte(nil), verifier...), vh[:]...))
	return rec(recFilePass, u16(1), u16(4), u16(2), u32(0x04), u32(uint32(len(hdr))), hdr,
		u32(16), salt, enc[:16], u32(20), enc[16:])
}

// encrypt encrypts a workbook stream after its FILEPASS record in place:
// every record's data at its stream offset with the key stream of its
// 1024-byte block, except the records left in the clear and BOUNDSHEET's
// first 4 bytes.
func encrypt(w []byte, key func(block uint32) []byte) []byte {
	w = append([]byte(nil), w...)
	ks := func(off int) byte { return 0 }
	cache := map[int][]byte{}
	ks = func(off int) byte {
		blk := off / 1024
		s, ok := cache[blk]
		if !ok {
			c, _ := rc4.NewCipher(key(uint32(blk)))
			s = make([]byte, 1024)
			c.XORKeyStream(s, s)
			cache[blk] = s
		}
		return s[off%1024]
	}
	on := false
	for p := 0; p+4 <= len(w); {
		typ, n := binary.LittleEndian.Uint16(w[p:]), int(binary.LittleEndian.Uint16(w[p+2:]))
		from := p + 4
		switch {
		case !on || typ == recBOF || typ == recFilePass || typ == recInterfaceHd:
		case typ == recBoundSheet:
			from += 4
			fallthrough
		default:
			for i := from; i < p+4+n; i++ {
				w[i] ^= ks(i)
			}
		}
		if typ == recFilePass {
			on = true
		}
		p += 4 + n
	}
	return w
}
