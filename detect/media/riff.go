package media

import (
	"encoding/binary"
)

// RIFF files: WebP, WAV and AVI. The RIFF header's size gives the end;
// the chunks inside must fill it.

// riffBinary are the chunks of each form that carry no text (payload,
// codec headers, indexes). Other chunks are scanned for strings.
var riffBinary = map[string]map[string]bool{
	"WEBP": set("VP8 ", "VP8L", "VP8X", "ANIM", "ANMF", "ALPH", "ICCP"),
	"WAVE": set("fmt ", "data", "fact", "cue ", "smpl", "inst", "plst", "PEAK", "acid", "ds64", "levl", "cart"),
	"AVI ": set("avih", "strh", "strf", "strd", "indx", "idx1", "vprp", "dmlh", "ix00", "ix01", "ix02", "ix03"),
}

func set(s ...string) map[string]bool {
	m := make(map[string]bool, len(s))
	for _, k := range s {
		m[k] = true
	}
	return m
}

// riffWalk is the state of one RIFF walk.
type riffWalk struct {
	w    *walker
	form string
	seen map[string]bool // chunk ids and LIST types found
}

func walkRIFF(w *walker) (int64, error) {
	h, err := w.hdr(0, 12)
	if err != nil {
		return 0, err
	}
	size := int64(binary.LittleEndian.Uint32(h[4:]))
	form := string(h[8:12])
	end := 8 + size
	if size < 4 || end > w.size {
		return 0, w.corrupt("RIFF size past the end of the file")
	}
	rw := &riffWalk{w: w, form: form, seen: map[string]bool{}}
	if err := rw.chunks(12, end, "", 1); err != nil {
		return 0, err
	}
	switch form {
	case "WEBP":
		if !rw.seen["VP8 "] && !rw.seen["VP8L"] && !rw.seen["ANMF"] {
			return 0, w.corrupt("no image data")
		}
	case "WAVE":
		if !rw.seen["fmt "] || !rw.seen["data"] {
			return 0, w.corrupt("no fmt or data chunk")
		}
	case "AVI ":
		if !rw.seen["LIST/hdrl"] || !rw.seen["LIST/movi"] {
			return 0, w.corrupt("no hdrl or movi list")
		}
		// OpenDML: files past 1 GB go on in "RIFF....AVIX" chunks.
		for w.fits(end, 12) {
			h, err := w.hdr(end, 12)
			if err != nil {
				return 0, err
			}
			n := int64(binary.LittleEndian.Uint32(h[4:]))
			if string(h[:4]) != "RIFF" || string(h[8:12]) != "AVIX" || n < 4 || !w.fits(end+8, n) {
				break
			}
			if err := rw.chunks(end+12, end+8+n, "", 1); err != nil {
				return 0, err
			}
			end += 8 + n
		}
	}
	// A pad byte after an odd-sized RIFF chunk belongs to it.
	if size%2 == 1 && w.fits(end, 1) {
		if p, err := w.hdr(end, 1); err == nil && p[0] == 0 {
			end++
		}
	}
	return end, nil
}

// chunks walks the chunks in [off, end) of a RIFF or LIST chunk (list is
// the LIST type, "" at the top).
func (rw *riffWalk) chunks(off, end int64, list string, depth int) error {
	w := rw.w
	if err := w.depth(depth); err != nil {
		return err
	}
	first := true
	for off < end {
		if err := w.step(); err != nil {
			return err
		}
		if end-off < 8 {
			// A few bytes of padding that some writers leave.
			return w.stringsAt("riff:padding#strings", off, end-off)
		}
		h, err := w.hdr(off, 8)
		if err != nil {
			return err
		}
		id := string(h[:4])
		n := int64(binary.LittleEndian.Uint32(h[4:]))
		data := off + 8
		if !isFourCC(id) || n > end-data {
			return w.corrupt("bad chunk at %d", off)
		}
		if first && list == "" && rw.form == "WEBP" && id != "VP8 " && id != "VP8L" && id != "VP8X" {
			return w.corrupt("WebP without a VP8 chunk first")
		}
		first = false
		rw.seen[id] = true
		if err := rw.chunk(id, data, n, list, depth); err != nil {
			return err
		}
		off = data + n + n%2
	}
	return nil
}

func (rw *riffWalk) chunk(id string, off, n int64, list string, depth int) error {
	w := rw.w
	switch {
	case id == "LIST":
		if n < 4 {
			return w.corrupt("short LIST chunk")
		}
		t, err := w.hdr(off, 4)
		if err != nil {
			return err
		}
		typ := string(t)
		if !isFourCC(typ) {
			return w.corrupt("bad LIST type")
		}
		rw.seen["LIST/"+typ] = true
		if typ == "movi" || typ == "rec " {
			return nil // frames: payload
		}
		return rw.chunks(off+4, off+n, typ, depth+1)
	case list == "INFO":
		b, cut, err := w.readText(off, n)
		if err != nil {
			return err
		}
		w.addKeyed("riff:INFO", id, decUTF8orLatin1(b), cut)
	case id == "EXIF" && rw.form == "WEBP":
		return w.exifAt(off, n)
	case id == "XMP " && rw.form == "WEBP", id == "_PMX":
		b, cut, err := w.readText(off, n)
		if err != nil {
			return err
		}
		w.addText("xmp", decUTF8(b), cut)
	case id == "iXML":
		b, cut, err := w.readText(off, n)
		if err != nil {
			return err
		}
		w.addText("riff:iXML", decUTF8orLatin1(b), cut)
	case id == "strn":
		b, cut, err := w.readText(off, n)
		if err != nil {
			return err
		}
		w.addText("riff:strn", decUTF8orLatin1(b), cut)
	case (id == "id3 " || id == "ID3 ") && rw.form == "WAVE":
		_, err := w.id3At(off, n)
		return err
	case riffBinary[rw.form][id]:
	default:
		name := "riff:chunk"
		if cleanKey(id) {
			name += "/" + id
		}
		return w.stringsAt(name+"#strings", off, n)
	}
	return nil
}

func isFourCC(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7E {
			return false
		}
	}
	return true
}
