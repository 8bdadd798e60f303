package media

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
)

const pngSig = "\x89PNG\r\n\x1a\n"

// walkPNG walks the chunks from IHDR to IEND (APNG included). The CRC of
// every chunk but the image data (IDAT, fdAT) is checked.
func walkPNG(w *walker) (int64, error) {
	off := int64(len(pngSig))
	sawIDAT := false
	for first := true; ; first = false {
		if err := w.step(); err != nil {
			return 0, err
		}
		h, err := w.hdr(off, 8)
		if err != nil {
			return 0, err
		}
		n := int64(binary.BigEndian.Uint32(h))
		typ := string(h[4:8])
		if n > 1<<31-1 || !isChunkType(typ) {
			return 0, w.corrupt("bad chunk at %d", off)
		}
		if !w.fits(off, 12+n) {
			return 0, w.corrupt("chunk at %d past the end", off)
		}
		if first && (typ != "IHDR" || n != 13) {
			return 0, w.corrupt("no IHDR")
		}
		data := off + 8
		switch typ {
		case "IDAT", "fdAT":
			sawIDAT = true
		default:
			if err := w.checkPNGCRC(off, n); err != nil {
				return 0, err
			}
		}
		switch typ {
		case "IEND":
			if !sawIDAT {
				return 0, w.corrupt("no IDAT")
			}
			return off + 12 + n, nil
		case "tEXt", "zTXt", "iTXt":
			if err := w.pngText(typ, data, n); err != nil {
				return 0, err
			}
		case "eXIf":
			if err := w.exifAt(data, n); err != nil {
				return 0, err
			}
		case "IHDR", "PLTE", "IDAT", "fdAT", "tRNS", "cHRM", "gAMA", "iCCP", "sBIT", "sRGB", "cICP", "mDCv", "cLLi",
			"bKGD", "hIST", "pHYs", "sPLT", "tIME", "acTL", "fcTL", "oFFs", "pCAL", "sCAL", "gIFg", "sTER", "dSIG":
		default:
			if err := w.stringsAt("png:chunk/"+typ+"#strings", data, n); err != nil {
				return 0, err
			}
		}
		off += 12 + n
	}
}

func isChunkType(t string) bool {
	for i := 0; i < 4; i++ {
		c := t[i] | 0x20
		if c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

// checkPNGCRC checks the CRC of the chunk at off with n data bytes.
func (w *walker) checkPNGCRC(off, n int64) error {
	h := crc32.NewIEEE()
	if err := w.each(off+4, 4+n, func(b []byte) error { h.Write(b); return nil }); err != nil {
		return err
	}
	c, err := w.hdr(off+8+n, 4)
	if err != nil {
		return err
	}
	if binary.BigEndian.Uint32(c) != h.Sum32() {
		return w.corrupt("bad CRC in chunk at %d", off)
	}
	return nil
}

// pngText reads a tEXt, zTXt or iTXt chunk.
func (w *walker) pngText(typ string, off, n int64) error {
	// The keyword and the iTXt header come first: 79 + 1 + 2 bytes, then
	// a language tag and a translated keyword of any length.
	m := min(n, 2*w.budget()+1024)
	b, err := w.read(off, m)
	if err != nil {
		return err
	}
	cut := m < n
	k := bytes.IndexByte(b, 0)
	if k < 1 || k > 79 {
		return w.corrupt("bad %s keyword", typ)
	}
	key := decLatin1(b[:k])
	rest := b[k+1:]
	switch typ {
	case "tEXt":
		// The spec says Latin-1; ImageMagick and others write UTF-8
		// (a Japanese comment would come out as mojibake).
		w.addKeyed("tEXt", key, decUTF8orLatin1(rest), cut)
	case "zTXt":
		if len(rest) < 1 || rest[0] != 0 {
			return w.corrupt("bad zTXt method")
		}
		out, ocut, err := w.inflateAt(off+int64(k)+2, n-int64(k)-2, 2*w.budget()+8)
		if err != nil {
			return err
		}
		w.addKeyed("zTXt", key, decUTF8orLatin1(out), ocut)
	case "iTXt":
		if len(rest) < 2 || rest[0] > 1 || rest[1] != 0 {
			return w.corrupt("bad iTXt flags")
		}
		compressed := rest[0] == 1
		hdr := rest[2:]
		lang := bytes.IndexByte(hdr, 0)
		tk := -1
		if lang >= 0 {
			tk = bytes.IndexByte(hdr[lang+1:], 0)
		}
		if tk < 0 {
			if cut {
				// A header longer than we read: the text is past it.
				w.info.Truncated = true
				return nil
			}
			return w.corrupt("bad iTXt header")
		}
		base := "iTXt"
		if cleanKey(key) {
			base += ":" + key
		}
		w.addText(base+"#language", decUTF8(hdr[:lang]), false)
		w.addText(base+"#translated", decUTF8(hdr[lang+1:lang+1+tk]), false)
		textOff := int64(k + 1 + 2 + lang + 1 + tk + 1)
		text := hdr[lang+1+tk+1:]
		if compressed {
			out, ocut, err := w.inflateAt(off+textOff, n-textOff, 2*w.budget()+8)
			if err != nil {
				return err
			}
			text, cut = out, ocut
		}
		w.addKeyed("iTXt", key, decUTF8(text), cut)
	}
	return nil
}
