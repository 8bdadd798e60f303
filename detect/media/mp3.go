package media

import (
	"bytes"
	"encoding/binary"
	"strings"
)

// MP3 (MPEG audio layers I-III): an optional ID3v2 tag, MPEG frames
// walked by their headers (a Xing or Info frame is a frame too), then
// optional APEv2 and ID3v1 tags. At least minFrames frames of one stream
// must follow each other; End is after the last frame or tag.

const minFrames = 3

type mpegFrame struct {
	version, layer, rate int
	length               int
}

func (f mpegFrame) sameStream(g mpegFrame) bool {
	return f.version == g.version && f.layer == g.layer && f.rate == g.rate
}

var (
	mpegRates = [3][3]int{{44100, 48000, 32000}, {22050, 24000, 16000}, {11025, 12000, 8000}}
	// kbit/s by [MPEG-1?][layer-1][index-1].
	mpegBitrates = [2][3][14]int{
		{ // MPEG-2 and 2.5
			{32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256},
			{8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160},
			{8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160},
		},
		{ // MPEG-1
			{32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448},
			{32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384},
			{32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320},
		},
	}
)

// parseMPEGHeader parses a frame header. Free-format bitrates (index 0)
// are not taken: their frames have no length in the header.
func parseMPEGHeader(b []byte) (mpegFrame, bool) {
	if len(b) < 4 || b[0] != 0xFF || b[1]&0xE0 != 0xE0 {
		return mpegFrame{}, false
	}
	v := int(b[1] >> 3 & 3) // 0: 2.5, 1: reserved, 2: 2, 3: 1
	layer := 4 - int(b[1]>>1&3)
	bi, si := int(b[2]>>4), int(b[2]>>2&3)
	if v == 1 || layer == 4 || bi == 0 || bi == 15 || si == 3 || b[3]&3 == 2 {
		return mpegFrame{}, false
	}
	ver := [4]int{2, 0, 1, 0}[v] // index into mpegRates: 0 MPEG-1, 1 MPEG-2, 2 MPEG-2.5
	rate := mpegRates[ver][si]
	mpeg1 := 0
	if ver == 0 {
		mpeg1 = 1
	}
	br := mpegBitrates[mpeg1][layer-1][bi-1] * 1000
	pad := int(b[2] >> 1 & 1)
	var n int
	switch {
	case layer == 1:
		n = (12*br/rate + pad) * 4
	case layer == 3 && ver != 0:
		n = 72*br/rate + pad
	default:
		n = 144*br/rate + pad
	}
	return mpegFrame{version: ver, layer: layer, rate: rate, length: n}, true
}

func walkMP3(w *walker) (int64, error) {
	off := int64(0)
	for w.fits(off, 10) {
		h, err := w.hdr(off, 3)
		if err != nil {
			return 0, err
		}
		if string(h) != "ID3" {
			break
		}
		if err := w.step(); err != nil {
			return 0, err
		}
		n, err := w.id3At(off, w.size-off)
		if err != nil {
			return 0, err
		}
		off += n
	}
	c := w.cursor(off)
	// Some writers leave zeros between the tag and the first frame.
	for zeros := 0; zeros < 64<<10; {
		b, err := c.peek(4096)
		if err != nil {
			return 0, err
		}
		i := 0
		for i < len(b) && b[i] == 0 {
			i++
		}
		c.skip(int64(i))
		zeros += i
		if i < len(b) || len(b) == 0 {
			break
		}
	}
	var first mpegFrame
	frames := 0
	for {
		b, err := c.peek(4)
		if err != nil {
			return 0, err
		}
		f, ok := parseMPEGHeader(b)
		if !ok || frames > 0 && !f.sameStream(first) || int64(f.length) > w.size-c.off {
			break
		}
		if err := w.step(); err != nil {
			return 0, err
		}
		if frames == 0 {
			first = f
		}
		frames++
		c.skip(int64(f.length))
	}
	if frames < minFrames {
		return 0, w.corrupt("fewer than %d MPEG audio frames", minFrames)
	}
	end := c.off
	// Trailing tags: APEv2 (with its header), then ID3v1.
	if w.fits(end, 32) {
		h, err := w.hdr(end, 32)
		if err != nil {
			return 0, err
		}
		if string(h[:8]) == "APETAGEX" && binary.LittleEndian.Uint32(h[20:])&(1<<29) != 0 {
			n := int64(binary.LittleEndian.Uint32(h[12:]))
			if !w.fits(end+32, n) || n < 32 {
				return 0, w.corrupt("APE tag past the end")
			}
			if err := w.ape(end+32, n-32, int(binary.LittleEndian.Uint32(h[16:]))); err != nil {
				return 0, err
			}
			end += 32 + n
		}
	}
	if w.fits(end, 128) {
		h, err := w.hdr(end, 3)
		if err != nil {
			return 0, err
		}
		if string(h) == "TAG" {
			if err := w.id3v1(end); err != nil {
				return 0, err
			}
			end += 128
		}
	}
	return end, nil
}

// ape reads the items of an APEv2 tag (n bytes at off, before its footer).
func (w *walker) ape(off, n int64, count int) error {
	if n > maxBlob {
		return w.limit("APE tag too large")
	}
	b, err := w.read(off, n)
	if err != nil {
		return err
	}
	for i := 0; i < count; i++ {
		if err := w.step(); err != nil {
			return err
		}
		if len(b) < 9 {
			return w.corrupt("bad APE item")
		}
		size := int64(binary.LittleEndian.Uint32(b))
		flags := binary.LittleEndian.Uint32(b[4:])
		k := bytes.IndexByte(b[8:], 0)
		if k < 0 || size > int64(len(b)-8-k-1) {
			return w.corrupt("bad APE item")
		}
		key := string(b[8 : 8+k])
		v := b[8+k+1 : 8+k+1+int(size)]
		if flags>>1&3 == 1 { // binary
			name := "ape"
			if cleanKey(key) {
				name += ":" + key
			}
			w.stringsOf(name+"#strings", v)
		} else {
			w.addKeyed("ape", decUTF8orLatin1([]byte(key)), strings.ReplaceAll(decUTF8(v), "\x00", "\n"), false)
		}
		b = b[8+k+1+int(size):]
	}
	return nil
}

// id3v1 reads the 128-byte tag at off. The fields are Latin-1 by the
// letter, UTF-8 in what ffmpeg and others write: UTF-8 when valid.
func (w *walker) id3v1(off int64) error {
	b, err := w.read(off, 128)
	if err != nil {
		return err
	}
	field := func(name string, f []byte) {
		w.addText("id3v1:"+name, decUTF8orLatin1(bytes.TrimRight(bytes.TrimRight(f, "\x00"), " ")), false)
	}
	field("title", b[3:33])
	field("artist", b[33:63])
	field("album", b[63:93])
	field("year", b[93:97])
	comment := b[97:127]
	if comment[28] == 0 && comment[29] != 0 {
		comment = comment[:28] // ID3v1.1: a track number
	}
	field("comment", comment)
	return nil
}
