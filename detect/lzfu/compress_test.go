package lzfu

import "encoding/binary"

// Compress is the compressor of [MS-OXRTFCP] 2.2.3, for tests: at each
// position the longest dictionary match (2 to 17 bytes, which may run into the
// bytes it writes) becomes a reference, else a literal; the end marker is a
// reference to the write position.
func Compress(in []byte) []byte {
	var dict [dictSize]byte
	copy(dict[:], initialDict)
	wpos, filled := len(initialDict), len(initialDict)
	out := make([]byte, headerSize, headerSize+len(in)+len(in)/8+4)
	var run []byte
	var ctl byte
	bit := 0
	flush := func() {
		out = append(out, ctl)
		out = append(out, run...)
		run, ctl, bit = run[:0], 0, 0
	}
	write := func(b byte) {
		dict[wpos] = b
		wpos = (wpos + 1) % dictSize
		filled = min(filled+1, dictSize)
	}
	for i := 0; i <= len(in); {
		if i == len(in) { // the end marker
			ctl |= 1 << bit
			run = append(run, byte(wpos>>4), byte(wpos<<4))
			flush()
			break
		}
		bestOff, bestLen := 0, 0
		for off := range filled {
			if off == wpos {
				continue
			}
			n := 0
			for n < 17 && i+n < len(in) {
				pos := (off + n) % dictSize
				var b byte
				if dist := (pos - wpos + dictSize) % dictSize; dist < n {
					b = in[i+dist]
				} else {
					b = dict[pos]
				}
				if b != in[i+n] {
					break
				}
				n++
			}
			if n > bestLen {
				bestOff, bestLen = off, n
			}
		}
		if bestLen >= 2 {
			ctl |= 1 << bit
			ref := bestOff<<4 | (bestLen - 2)
			run = append(run, byte(ref>>8), byte(ref))
			for j := range bestLen {
				write(in[i+j])
			}
			i += bestLen
		} else {
			run = append(run, in[i])
			write(in[i])
			i++
		}
		bit++
		if bit == 8 {
			flush()
		}
	}
	binary.LittleEndian.PutUint32(out[0:], uint32(len(out)-4))
	binary.LittleEndian.PutUint32(out[4:], uint32(len(in)))
	binary.LittleEndian.PutUint32(out[8:], compTypeLZFu)
	var crc uint32
	for _, b := range out[headerSize:] {
		crc = crcTable[byte(crc)^b] ^ crc>>8
	}
	binary.LittleEndian.PutUint32(out[12:], crc)
	return out
}

// Store is the uncompressed ("MELA") form of in.
func Store(in []byte) []byte {
	out := make([]byte, headerSize, headerSize+len(in))
	binary.LittleEndian.PutUint32(out[0:], uint32(len(in)+12))
	binary.LittleEndian.PutUint32(out[4:], uint32(len(in)))
	binary.LittleEndian.PutUint32(out[8:], compTypeMELA)
	return append(out, in...)
}
