package media

import (
	"bytes"
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"
)

// bigPNG builds a PNG of about n bytes: many 64 KiB IDAT chunks, each a
// stored deflate block (not a valid image, but the walk does not inflate
// IDAT).
func bigPNG(n int) []byte {
	b := []byte(pngSig)
	b = append(b, pngChunk("IHDR", []byte{0, 0, 4, 0, 0, 0, 4, 0, 8, 2, 0, 0, 0})...)
	b = append(b, pngChunk("tEXt", []byte("Comment\x00"+csv))...)
	data := bytes.Repeat([]byte{0x55}, 64<<10)
	for len(b) < n {
		b = append(b, pngChunk("IDAT", data)...)
	}
	return append(b, pngChunk("IEND", nil)...)
}

// BenchmarkIdentify walks a 5 MB PNG from a file, as the scanner hands
// spooled attachments over, and fixtures of other kinds from memory.
func BenchmarkIdentify(b *testing.B) {
	png := bigPNG(5 << 20)
	path := filepath.Join(b.TempDir(), "big.png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	b.Run("png-5MB-file", func(b *testing.B) {
		b.SetBytes(int64(len(png)))
		for b.Loop() {
			info, err := Identify(context.Background(), f, int64(len(png)), Limits{})
			if err != nil || info.End != int64(len(png)) {
				b.Fatal(info.End, err)
			}
		}
	})
	for _, name := range []string{"jpeg-exif.jpg", "audio.flac", "audio-id3v23.mp3", "video.mp4", "audio.ogg"} {
		data := fixture(b, name)
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, err := Identify(context.Background(), bytes.NewReader(data), int64(len(data)), Limits{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// bigFLAC builds a mono 16-bit FLAC of about n bytes: STREAMINFO, then
// frames of 4096 samples with verbatim subframes (noise that never
// compresses, so the walk's CRC scan sees every byte).
func bigFLAC(n int) []byte {
	const block = 4096
	frames := n / (2*block + 16)
	b := []byte("fLaC")
	si := make([]byte, 34)
	binary.BigEndian.PutUint16(si[0:], block)
	binary.BigEndian.PutUint16(si[2:], block)
	// 8000 Hz (20 bits), 1 channel (3 bits: 0), 16 bits (5 bits: 15),
	// total samples (36 bits).
	x := uint64(8000)<<44 | uint64(0)<<41 | uint64(15)<<36 | uint64(frames*block)
	binary.BigEndian.PutUint64(si[10:], x)
	b = append(b, 0x80, 0, 0, 34)
	b = append(b, si...)
	seed := uint32(1)
	for i := 0; i < frames; i++ {
		start := len(b)
		b = append(b, 0xFF, 0xF8, 0x70, 0x08) // block size from the end of the header, rate from STREAMINFO, mono, 16 bits
		b = appendUTF8Number(b, i)
		b = binary.BigEndian.AppendUint16(b, block-1)
		var c8 byte
		for _, d := range b[start:] {
			c8 = crc8Table[c8^d]
		}
		b = append(b, c8, 0x02) // CRC-8; a verbatim subframe
		for j := 0; j < block; j++ {
			seed = seed*1664525 + 1013904223
			b = binary.BigEndian.AppendUint16(b, uint16(seed>>16))
		}
		var c16 uint16
		for _, d := range b[start:] {
			c16 = c16<<8 ^ crc16Table[byte(c16>>8)^d]
		}
		b = binary.BigEndian.AppendUint16(b, c16)
	}
	return b
}

func appendUTF8Number(b []byte, n int) []byte {
	return utf8.AppendRune(b, rune(n)) // frame numbers below 2^21 are coded as UTF-8 is
}

func TestBigFLAC(t *testing.T) {
	t.Parallel()
	f := bigFLAC(200 << 10)
	info, err := identifyBytes(t, f, Limits{})
	if err != nil || info.End != int64(len(f)) {
		t.Fatalf("End %d, %v; want %d", info.End, err, len(f))
	}
	z := zipOf(t)
	info, err = identifyBytes(t, append(bytes.Clone(f), z...), Limits{})
	if err != nil || info.End != int64(len(f)) {
		t.Fatalf("with a zip after it: End %d, %v; want %d", info.End, err, len(f))
	}
	// A flipped bit in the middle: the frames before it are the file.
	f[len(f)/2] ^= 1
	info, err = identifyBytes(t, f, Limits{})
	if err != nil || info.End >= int64(len(f)) || info.End < int64(len(f))/3 {
		t.Fatalf("damaged: End %d, %v", info.End, err)
	}
}

func BenchmarkFLAC(b *testing.B) {
	f := bigFLAC(5 << 20)
	b.SetBytes(int64(len(f)))
	for b.Loop() {
		info, err := Identify(context.Background(), bytes.NewReader(f), int64(len(f)), Limits{})
		if err != nil || info.End != int64(len(f)) {
			b.Fatal(info.End, err)
		}
	}
}
