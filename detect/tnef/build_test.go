package tnef

import (
	"encoding/binary"
	"unicode/utf16"
)

// Go counterparts of testdata/src/gen.py, for the fuzz seeds, the memory
// test and the benchmark.

func le16(v uint16) []byte { return binary.LittleEndian.AppendUint16(nil, v) }
func le32(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }

func cat(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

// mkAttr is one attribute with its checksum.
func mkAttr(level byte, id uint32, data []byte) []byte {
	var sum uint16
	for _, c := range data {
		sum += uint16(c)
	}
	return cat([]byte{level}, le32(id), le32(uint32(len(data))), data, le16(sum))
}

func pad4(b []byte) []byte { return append(b, make([]byte, -len(b)&3)...) }

func utf16z(s string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = binary.LittleEndian.AppendUint16(b, u)
	}
	return append(b, 0, 0)
}

// mkVarProp is a single-valued variable-length property (count 1).
func mkVarProp(typ, id uint16, v []byte) []byte {
	return cat(le16(typ), le16(id), le32(1), le32(uint32(len(v))), pad4(append([]byte(nil), v...)))
}

func mkPropList(props ...[]byte) []byte {
	return cat(le32(uint32(len(props))), cat(props...))
}

func mkTNEF(attrs ...[]byte) []byte {
	return cat(le32(Signature), le16(0x1234), cat(attrs...))
}

// mela is b as uncompressed RTF ([MS-OXRTFCP] "MELA").
func mela(b []byte) []byte {
	return cat(le32(uint32(len(b)+12)), le32(uint32(len(b))), []byte("MELA"), le32(0), b)
}
