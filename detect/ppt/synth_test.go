package ppt

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"unicode/utf16"
)

// rec is a record ([MS-PPT] 2.3.1): a container if ver is 0xF.
func rec(ver, instance, typ uint16, body ...[]byte) []byte {
	b := bytes.Join(body, nil)
	h := binary.LittleEndian.AppendUint16(nil, ver|instance<<4)
	h = binary.LittleEndian.AppendUint16(h, typ)
	h = binary.LittleEndian.AppendUint32(h, uint32(len(b)))
	return append(h, b...)
}

func container(typ uint16, children ...[]byte) []byte { return rec(0xF, 0, typ, children...) }

func u16(s string) []byte {
	var b []byte
	for _, c := range utf16.Encode([]rune(s)) {
		b = binary.LittleEndian.AppendUint16(b, c)
	}
	return b
}

func chars(s string) []byte             { return rec(0, 0, rtTextCharsAtom, u16(s)) }
func latin(s string) []byte             { return rec(0, 0, rtTextBytesAtom, []byte(s)) }
func cstring(i uint16, s string) []byte { return rec(0, i, rtCString, u16(s)) }

// oleStg is an ExOleObjStg holding data, zlib-compressed if compress.
func oleStg(data []byte, compress bool) []byte {
	if !compress {
		return rec(0, 0, rtExOleObjStg, data)
	}
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(data)
	zw.Close()
	return rec(0, 1, rtExOleObjStg, binary.LittleEndian.AppendUint32(nil, uint32(len(data))), z.Bytes())
}

// currentUser is a "Current User" stream whose CurrentUserAtom carries
// headerToken.
func currentUser(token uint32) []byte {
	b := rec(0, 0, 0x0FF6, binary.LittleEndian.AppendUint32(binary.LittleEndian.AppendUint32(nil, 0x14), token), make([]byte, 16))
	return b
}

// makePPT writes a presentation whose PowerPoint Document stream is the
// records given, to the spec.
func makePPT(extra []*cfbNode, records ...[]byte) []byte {
	nodes := []*cfbNode{stream("Current User", currentUser(0xE391C05F)), stream("PowerPoint Document", bytes.Join(records, nil))}
	return buildCFB(append(nodes, extra...)...)
}
