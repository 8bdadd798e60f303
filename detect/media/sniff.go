package media

import (
	"bytes"
	"encoding/binary"
)

// SniffLen is how many leading bytes Sniff looks at.
const SniffLen = 64

// Sniff reports whether head (the first bytes of a file, SniffLen of them
// are enough) starts with the signature of a format Identify walks, and
// which. It is cheap and says nothing of the rest of the file: only
// Identify can tell that the file is media.
func Sniff(head []byte) (kind string, ok bool) {
	h := head[:min(len(head), SniffLen)]
	switch {
	case bytes.HasPrefix(h, []byte(pngSig)):
		return "png", true
	case bytes.HasPrefix(h, []byte{0xFF, 0xD8, 0xFF}):
		return "jpeg", true
	case bytes.HasPrefix(h, []byte("GIF87a")), bytes.HasPrefix(h, []byte("GIF89a")):
		return "gif", true
	case len(h) >= 12 && string(h[:4]) == "RIFF":
		switch string(h[8:12]) {
		case "WEBP":
			return "webp", true
		case "WAVE":
			return "wav", true
		case "AVI ":
			return "avi", true
		}
	case bytes.HasPrefix(h, []byte("II*\x00")), bytes.HasPrefix(h, []byte("MM\x00*")):
		return "tiff", true
	case sniffBMP(h):
		return "bmp", true
	case sniffICO(h):
		if h[2] == 2 {
			return "cur", true
		}
		return "ico", true
	case len(h) >= 8 && string(h[4:8]) == "ftyp":
		size := int(binary.BigEndian.Uint32(h))
		if size < 16 || len(h) < 12 {
			return "", false
		}
		var compat []byte
		if size <= len(h) {
			compat = h[16:size]
		}
		kind, _ := brandKind(h[8:12], compat)
		return kind, true
	case len(h) >= 8 && isQuickTimeTop(string(h[4:8])) && binary.BigEndian.Uint32(h) >= 8:
		return "mov", true
	case sniffMP3(h):
		return "mp3", true
	case bytes.HasPrefix(h, []byte("OggS\x00")):
		return "ogg", true
	case bytes.HasPrefix(h, []byte("fLaC")):
		return "flac", true
	case len(h) >= 12 && (string(h[:4]) == "\x00\x01\x00\x00" || string(h[:4]) == "true" || string(h[:4]) == "OTTO"):
		if n := binary.BigEndian.Uint16(h[4:]); n == 0 || n > maxFontTables {
			return "", false
		}
		if string(h[:4]) == "OTTO" {
			return "otf", true
		}
		return "ttf", true
	case bytes.HasPrefix(h, []byte("ttcf")):
		return "ttc", true
	case bytes.HasPrefix(h, []byte("wOFF")):
		return "woff", true
	case bytes.HasPrefix(h, []byte("wOF2")):
		return "woff2", true
	}
	return "", false
}

// sniffBMP checks the file header's reserved fields and the DIB header
// size too: "BM" alone starts too much text.
func sniffBMP(h []byte) bool {
	if len(h) < 18 || string(h[:2]) != "BM" || binary.LittleEndian.Uint32(h[6:]) != 0 {
		return false
	}
	switch binary.LittleEndian.Uint32(h[14:]) {
	case 12, 40, 52, 56, 64, 108, 124:
		return true
	}
	return false
}

// sniffICO checks the first directory entry too.
func sniffICO(h []byte) bool {
	if len(h) < 22 || h[0] != 0 || h[1] != 0 || (h[2] != 1 && h[2] != 2) || h[3] != 0 {
		return false
	}
	n := int(binary.LittleEndian.Uint16(h[4:]))
	return n > 0 && h[6+3] == 0 && int(binary.LittleEndian.Uint32(h[6+12:])) >= 6+16*n
}

// sniffMP3 takes an ID3v2 header, or an MPEG audio frame header followed
// by another one when the first frame is shorter than h.
func sniffMP3(h []byte) bool {
	if len(h) >= 10 && string(h[:3]) == "ID3" {
		return h[3] >= 2 && h[3] <= 4 && h[4] != 0xFF && h[6]|h[7]|h[8]|h[9] < 0x80
	}
	f, ok := parseMPEGHeader(h)
	if !ok {
		return false
	}
	if f.length+4 <= len(h) {
		g, ok := parseMPEGHeader(h[f.length:])
		return ok && g.sameStream(f)
	}
	return true
}

func isQuickTimeTop(t string) bool {
	switch t {
	case "moov", "mdat", "wide", "free", "skip", "pnot":
		return true
	}
	return false
}
