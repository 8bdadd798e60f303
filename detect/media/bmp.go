package media

import (
	"encoding/binary"
)

// BMP: the file header's size is the end, when it is plausible: at least
// the headers, the palette and the pixel data that the width, height and
// depth imply, and no more than the file. Bytes between the palette and
// the pixels, and between the pixels and the declared end, are scanned
// for strings.
func walkBMP(w *walker) (int64, error) {
	h, err := w.read(0, min(w.size, 14+64))
	if err != nil {
		return 0, err
	}
	le := binary.LittleEndian
	if len(h) < 26 {
		return 0, w.corrupt("short header")
	}
	fileSize := int64(le.Uint32(h[2:]))
	pixOff := int64(le.Uint32(h[10:]))
	dib := int64(le.Uint32(h[14:]))
	var width, height, planes, bpp, comp, imageSize, colors int64
	if dib == 12 {
		width, height = int64(le.Uint16(h[18:])), int64(le.Uint16(h[20:]))
		planes, bpp = int64(le.Uint16(h[22:])), int64(le.Uint16(h[24:]))
	} else {
		if len(h) < 14+40 {
			return 0, w.corrupt("short header")
		}
		width, height = int64(int32(le.Uint32(h[18:]))), int64(int32(le.Uint32(h[22:])))
		planes, bpp = int64(le.Uint16(h[26:])), int64(le.Uint16(h[28:]))
		comp, imageSize = int64(le.Uint32(h[30:])), int64(le.Uint32(h[34:]))
		colors = int64(le.Uint32(h[46:]))
	}
	if height < 0 {
		height = -height
	}
	if planes != 1 || width <= 0 || height == 0 || width > 1<<20 || height > 1<<20 {
		return 0, w.corrupt("bad dimensions")
	}
	headers := 14 + dib
	if dib == 40 && comp == 3 {
		headers += 12 // bit masks
	} else if dib == 40 && comp == 6 {
		headers += 16
	}
	var pixels int64
	switch comp {
	case 0, 3, 6: // uncompressed
		switch bpp {
		case 1, 2, 4, 8, 16, 24, 32:
		default:
			return 0, w.corrupt("bad depth")
		}
		pixels = (bpp*width + 31) / 32 * 4 * height
	case 1, 2, 4, 5: // RLE8, RLE4, JPEG, PNG: the header gives the size
		if imageSize == 0 {
			return 0, w.corrupt("compressed without a size")
		}
		pixels = imageSize
	default:
		return 0, w.corrupt("bad compression")
	}
	palette := headers
	if bpp <= 8 && comp != 4 && comp != 5 {
		if colors == 0 || colors > 1<<bpp {
			colors = 1 << bpp
		}
		entry := int64(4)
		if dib == 12 {
			entry = 3
		}
		palette += colors * entry
	}
	if pixOff < headers || fileSize > w.size || pixOff+pixels > fileSize {
		return 0, w.corrupt("sizes do not add up")
	}
	if palette < pixOff {
		if err := w.stringsAt("bmp:gap#strings", palette, pixOff-palette); err != nil {
			return 0, err
		}
	}
	if err := w.stringsAt("bmp:slack#strings", pixOff+pixels, fileSize-pixOff-pixels); err != nil {
		return 0, err
	}
	return fileSize, nil
}

// walkICO walks an icon or cursor directory: End is the furthest image.
// Each image must start as a PNG or a DIB header; the images themselves
// are not walked.
func walkICO(w *walker) (int64, error) {
	h, err := w.hdr(0, 6)
	if err != nil {
		return 0, err
	}
	n := int64(binary.LittleEndian.Uint16(h[4:]))
	if err := w.steps(int(n)); err != nil {
		return 0, err
	}
	dir, err := w.read(6, 16*n)
	if err != nil {
		return 0, err
	}
	end := 6 + 16*n
	for i := int64(0); i < n; i++ {
		e := dir[16*i:]
		size, off := int64(binary.LittleEndian.Uint32(e[8:])), int64(binary.LittleEndian.Uint32(e[12:]))
		if e[3] != 0 || off < 6+16*n || size < 8 || !w.fits(off, size) {
			return 0, w.corrupt("bad directory entry")
		}
		m, err := w.hdr(off, 8)
		if err != nil {
			return 0, err
		}
		if string(m) != pngSig && binary.LittleEndian.Uint32(m) != 40 {
			return 0, w.corrupt("image is neither PNG nor DIB")
		}
		end = max(end, off+size)
	}
	return end, nil
}
