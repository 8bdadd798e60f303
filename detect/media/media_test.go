package media

import (
	"archive/zip"
	"bytes"
	"compress/zlib"
	"context"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

const csv = "name,email\nYamada Taro,taro.yamada@example.jp\n"

func zipOf(t testing.TB) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	f, err := zw.Create("list.csv")
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(f, csv)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// pngChunk builds one PNG chunk with its CRC.
func pngChunk(typ string, data []byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	b = append(b, typ...)
	b = append(b, data...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b[4:]))
}

// tinyPNG builds a 1x1 grey PNG with the given chunks before IDAT.
func tinyPNG(extra ...[]byte) []byte {
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write([]byte{0, 0})
	zw.Close()
	b := []byte(pngSig)
	b = append(b, pngChunk("IHDR", []byte{0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0})...)
	for _, e := range extra {
		b = append(b, e...)
	}
	b = append(b, pngChunk("IDAT", z.Bytes())...)
	return append(b, pngChunk("IEND", nil)...)
}

func zlibOf(b []byte) []byte {
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(b)
	zw.Close()
	return z.Bytes()
}

// TestPolyglots: what follows a media file's end is handed back, and a
// signature without its structure is not media.
func TestPolyglots(t *testing.T) {
	t.Parallel()
	png := fixture(t, "png-text.png")
	jpg := fixture(t, "jpeg-exif.jpg")
	mp3 := fixture(t, "audio-id3v23.mp3")
	mp4 := fixture(t, "video.mp4")
	wav := fixture(t, "audio.wav")
	ogg := fixture(t, "audio.ogg")
	flac := fixture(t, "audio.flac")
	gif := fixture(t, "gif-comment.gif")
	ttf := fixture(t, "font.ttf")
	tif := fixture(t, "tiff-le.tif")
	z := zipOf(t)
	cat := func(a ...[]byte) []byte { return bytes.Join(a, nil) }
	for _, tc := range []struct {
		name string
		in   []byte
		end  int64 // 0: ErrCorrupt
	}{
		{"png signature + csv", cat([]byte(pngSig), []byte(csv)), 0},
		{"png + csv", cat(png, []byte(csv)), int64(len(png))},
		{"png + zip", cat(png, z), int64(len(png))},
		{"jpeg + zip", cat(jpg, z), int64(len(jpg))},
		{"jpeg + csv", cat(jpg, []byte(csv)), int64(len(jpg))},
		{"jpeg signature + csv", cat([]byte{0xFF, 0xD8, 0xFF}, []byte(csv)), 0},
		{"gif + zip", cat(gif, z), int64(len(gif))},
		{"gif signature + csv", cat([]byte("GIF89a"), []byte(csv)), 0},
		{"mp3 + zip", cat(mp3, z), int64(len(mp3))},
		{"id3 + csv", cat(mp3[:10+syncsafe(mp3[6:10])], []byte(csv)), 0},
		{"mp4 + zip", cat(mp4, z), int64(len(mp4))},
		{"mp4 + csv", cat(mp4, []byte(csv)), int64(len(mp4))},
		{"ftyp + csv", cat(mp4[:binary.BigEndian.Uint32(mp4)], []byte(csv)), 0},
		{"wav + zip", cat(wav, z), int64(len(wav))},
		{"riff wave + csv", cat([]byte("RIFF\x40\x00\x00\x00WAVE"), []byte(csv), make([]byte, 64)), 0},
		{"ogg + zip", cat(ogg, z), int64(len(ogg))},
		{"ogg first page + csv", cat(ogg[:58], []byte(csv)), 0},
		{"flac + zip", cat(flac, z), int64(len(flac))},
		{"flac metadata + csv", cat(flac[:flacMetaEnd(flac)], []byte(csv)), 0},
		{"flac metadata only", flac[:flacMetaEnd(flac)], int64(flacMetaEnd(flac))},
		{"flac cut in a frame", flac[:len(flac)-100], -1},
		{"ttf + zip", cat(ttf, z), int64(len(ttf))},
		{"tiff + zip", cat(tif, z), int64(len(tif))},
		{"bmp header + csv", cat([]byte("BM\x00\x10\x00\x00\x00\x00\x00\x00\x36\x00\x00\x00\x28\x00\x00\x00"), []byte(csv), make([]byte, 64)), 0},
	} {
		info, err := identifyBytes(t, tc.in, Limits{})
		if tc.end == 0 {
			if !errors.Is(err, ErrCorrupt) {
				t.Errorf("%s: got %+v, %v; want ErrCorrupt", tc.name, info.End, err)
			}
			continue
		}
		if tc.end < 0 {
			if err != nil || info.End >= int64(len(tc.in)) {
				t.Errorf("%s: End %d, %v; want less than %d", tc.name, info.End, err, len(tc.in))
			}
			continue
		}
		if err != nil || info.End != tc.end {
			t.Errorf("%s: End %d, %v; want %d", tc.name, info.End, err, tc.end)
		}
	}
}

// flacMetaEnd returns the end of a FLAC file's metadata blocks.
func flacMetaEnd(b []byte) int {
	p := 4
	for {
		last := b[p]&0x80 != 0
		p += 4 + (int(b[p+1])<<16 | int(b[p+2])<<8 | int(b[p+3]))
		if last {
			return p
		}
	}
}

// TestNotMedia: text and other formats are not media.
func TestNotMedia(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"", csv, "PK\x03\x04", "%PDF-1.7\n", "BMW,320i,2019\n", "\x00\x00\x01\x00"} {
		if _, err := identifyBytes(t, []byte(in), Limits{}); !errors.Is(err, ErrNotMedia) {
			t.Errorf("%q: %v, want ErrNotMedia", in, err)
		}
	}
}

// TestTruncated cuts every fixture at every length (every 7th byte for
// the larger ones): never a panic, and either an error of ours or an
// End within the cut.
func TestTruncated(t *testing.T) {
	t.Parallel()
	for _, f := range fixtures(t) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		step := 1
		if len(b) > 4096 {
			step = 7
		}
		for n := 0; n < len(b); n += step {
			info, err := identifyBytes(t, b[:n], Limits{})
			switch {
			case err == nil:
				if info.End <= 0 || info.End > int64(n) {
					t.Fatalf("%s cut at %d: End %d", f, n, info.End)
				}
			case !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrLimit) && !errors.Is(err, ErrNotMedia):
				t.Fatalf("%s cut at %d: %v", f, n, err)
			}
		}
	}
}

func TestSniff(t *testing.T) {
	t.Parallel()
	want := map[string]string{
		"apng.png": "png", "jpeg-exif.jpg": "jpeg", "gif-comment.gif": "gif", "webp-exif.webp": "webp",
		"tiff-le.tif": "tiff", "tiff-be.tif": "tiff", "bmp.bmp": "bmp", "bmp3.bmp": "bmp", "icon.ico": "ico",
		"image.heic": "heic", "image.avif": "avif", "video.mp4": "mp4", "video.mov": "mov", "video.3gp": "3gp",
		"audio.m4a": "m4a", "audio-bare.mp3": "mp3", "audio-id3v24.mp3": "mp3", "audio.wav": "wav",
		"video.avi": "avi", "audio.ogg": "ogg", "audio.flac": "flac", "font.ttf": "ttf", "font.woff": "woff",
		"font.woff2": "woff2",
	}
	for name, kind := range want {
		b := fixture(t, name)
		if got, ok := Sniff(b[:min(len(b), SniffLen)]); !ok || got != kind {
			t.Errorf("Sniff(%s) = %q, %v; want %q", name, got, ok, kind)
		}
	}
	for _, in := range []string{"", "GIF8", "BM", "RIFF\x00\x00\x00\x00JUNK", "ID3\x05\x00", "\xff\xfb", "OTTO\x00\x00"} {
		if kind, ok := Sniff([]byte(in)); ok {
			t.Errorf("Sniff(%q) = %q", in, kind)
		}
	}
}

// TestLimits: MaxText cuts and says so; MaxItems, MaxDepth and
// MaxInflate stop the walk with ErrLimit; a cancelled context stops it.
func TestLimits(t *testing.T) {
	t.Parallel()
	jpg := fixture(t, "jpeg-exif.jpg")
	info, err := identifyBytes(t, jpg, Limits{MaxText: 20})
	if err != nil || !info.Truncated || info.End != int64(len(jpg)) {
		t.Errorf("MaxText 20: %+v %v", info, err)
	}
	total := 0
	for _, x := range info.Text {
		total += len(x.Value)
	}
	if total > 20 {
		t.Errorf("MaxText 20: %d bytes of text", total)
	}
	if _, err := identifyBytes(t, jpg, Limits{MaxItems: 5}); !errors.Is(err, ErrLimit) {
		t.Errorf("MaxItems 5: %v", err)
	}
	if _, err := identifyBytes(t, fixture(t, "video.mp4"), Limits{MaxDepth: 2}); !errors.Is(err, ErrLimit) {
		t.Errorf("MaxDepth 2: %v", err)
	}
	if info, err := identifyBytes(t, fixture(t, "video.mp4"), Limits{MaxDepth: 6}); err != nil || len(info.Text) == 0 {
		t.Errorf("MaxDepth 6: %+v %v", info, err)
	}
	// A zTXt bomb: 8 MiB of zeros in a few KB.
	bomb := tinyPNG(pngChunk("zTXt", append([]byte("Comment\x00\x00"), zlibOf(make([]byte, 8<<20))...)))
	if _, err := identifyBytes(t, bomb, Limits{}); !errors.Is(err, ErrLimit) {
		t.Errorf("zTXt bomb: %v", err)
	}
	// Within the ratio, but past MaxInflate.
	big := bytes.Repeat([]byte("0123456789abcdef"), 4096) // 64 KiB, compresses ~ 100:1
	if _, err := identifyBytes(t, tinyPNG(pngChunk("zTXt", append([]byte("Comment\x00\x00"), zlibOf(big)...))), Limits{MaxInflate: 1000}); !errors.Is(err, ErrLimit) {
		t.Errorf("MaxInflate 1000: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Identify(ctx, bytes.NewReader(fixture(t, "audio.flac")), int64(len(fixture(t, "audio.flac"))), Limits{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

// TestPNG covers what the fixtures do not: a bad CRC, chunks in a
// private chunk, a Latin-1 tEXt, a compressed iTXt, a PNG without IDAT.
func TestPNG(t *testing.T) {
	t.Parallel()
	good := tinyPNG(pngChunk("tEXt", []byte("Comment\x00caf\xe9")),
		// UTF-8 in tEXt, as ImageMagick writes it: read as UTF-8.
		pngChunk("tEXt", []byte("Author\x00山田太郎")),
		pngChunk("iTXt", append([]byte("Description\x00\x01\x00ja\x00\xe8\xaa\xac\xe6\x98\x8e\x00"), zlibOf([]byte("山田太郎"))...)),
		pngChunk("prVt", []byte("\x01\x02"+csv)))
	info, err := identifyBytes(t, good, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, x := range info.Text {
		got[x.Name] = x.Value
	}
	want := map[string]string{
		"tEXt:Comment":                "café",
		"tEXt:Author":                 "山田太郎",
		"iTXt:Description#language":   "ja",
		"iTXt:Description#translated": "説明",
		"iTXt:Description":            "山田太郎",
		"png:chunk/prVt#strings":      "name,email\nYamada Taro,taro.yamada@example.jp",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q (all: %q)", k, got[k], v, got)
		}
	}
	bad := bytes.Clone(good)
	bad[len(pngSig)+8+13] ^= 1 // IHDR's CRC
	if _, err := identifyBytes(t, bad, Limits{}); !errors.Is(err, ErrCorrupt) {
		t.Errorf("bad CRC: %v", err)
	}
	noIDAT := append([]byte(pngSig), pngChunk("IHDR", make([]byte, 13))...)
	noIDAT = append(noIDAT, pngChunk("IEND", nil)...)
	if _, err := identifyBytes(t, noIDAT, Limits{}); !errors.Is(err, ErrCorrupt) {
		t.Errorf("no IDAT: %v", err)
	}
}

// TestDecode checks the decoders against known strings.
func TestDecode(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ got, want string }{
		{decLatin1([]byte("caf\xe9")), "café"},
		{decUTF8orLatin1([]byte("caf\xc3\xa9")), "café"},
		{decUTF8orLatin1([]byte("caf\xe9")), "café"},
		{decUTF16([]byte{0xFF, 0xFE, 0x71, 0x5C, 0x30, 0x75}, true), "山田"},
		{decUTF16([]byte{0x5C, 0x71, 0x75, 0x30}, true), "山田"},
		{decUTF16([]byte{0x71, 0x5C, 0x30}, false), "山\uFFFD"},
		{decMacRoman([]byte{0xA9, 'n', 'a', 'm'}), "©nam"},
		{decShiftJIS([]byte{0x8E, 0x52, 0x93, 0x63}), "山田"},
		{decJIS([]byte("\x1b$B;3ED\x1b(B")), "山田"},
		{decJIS([]byte{0xBB, 0xB3, 0xC5, 0xC4}), "山田"},
		{decUTF8([]byte("a\xffb")), "a\uFFFDb"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
	var s stringScanner
	s.limit = 1 << 20
	s.write([]byte("\x00\x01abc\x00abcd\xff\xfe山田太郎\x00x"))
	if got := s.done(); got != "abcd\n山田太郎" {
		t.Errorf("strings: %q", got)
	}
}

// TestNames: a key the file chose is part of a name only when it is
// short printable ASCII.
func TestNames(t *testing.T) {
	t.Parallel()
	info, err := identifyBytes(t, tinyPNG(pngChunk("tEXt", []byte("caf\xe9 \x00value"))), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if len(info.Text) != 2 || info.Text[0] != (Text{"tEXt#key", "café "}) || info.Text[1] != (Text{"tEXt", "value"}) {
		t.Errorf("%q", info.Text)
	}
	for _, x := range info.Text {
		if !strings.HasPrefix(x.Name, "tEXt") {
			t.Errorf("name %q", x.Name)
		}
	}
}

// tiffOf builds a little-endian TIFF: one IFD at 8 with the given
// entries (tag, type, count, value) and next-IFD offset.
func tiffOf(next uint32, entries ...[4]uint32) []byte {
	b := []byte("II*\x00\x08\x00\x00\x00")
	b = binary.LittleEndian.AppendUint16(b, uint16(len(entries)))
	for _, e := range entries {
		b = binary.LittleEndian.AppendUint16(b, uint16(e[0]))
		b = binary.LittleEndian.AppendUint16(b, uint16(e[1]))
		b = binary.LittleEndian.AppendUint32(b, e[2])
		b = binary.LittleEndian.AppendUint32(b, e[3])
	}
	return binary.LittleEndian.AppendUint32(b, next)
}

func TestTIFF(t *testing.T) {
	t.Parallel()
	// One strip of 16 bytes at 100; the IFD links to itself.
	b := tiffOf(8, [4]uint32{0x0111, 4, 1, 100}, [4]uint32{0x0117, 4, 1, 16})
	b = append(b, make([]byte, 200-len(b))...)
	info, err := identifyBytes(t, b, Limits{})
	if err != nil || info.End != 116 {
		t.Errorf("strip at 100: End %d, %v; want 116", info.End, err)
	}
	// The strip past the end of the file.
	b = tiffOf(0, [4]uint32{0x0111, 4, 1, 100}, [4]uint32{0x0117, 4, 1, 160})
	b = append(b, make([]byte, 200-len(b))...)
	if _, err := identifyBytes(t, b, Limits{}); !errors.Is(err, ErrCorrupt) {
		t.Errorf("strip past the end: %v", err)
	}
	// No image data.
	b = tiffOf(0, [4]uint32{0x010E, 2, 4, 0x636261})
	if _, err := identifyBytes(t, b, Limits{}); !errors.Is(err, ErrCorrupt) {
		t.Errorf("no strips: %v", err)
	}
}

func TestMP3Tags(t *testing.T) {
	t.Parallel()
	mp3 := fixture(t, "audio-bare.mp3")
	// An APEv2 tag with a header, then ID3v1.
	item := func(k, v string) []byte {
		b := binary.LittleEndian.AppendUint32(nil, uint32(len(v)))
		b = binary.LittleEndian.AppendUint32(b, 0)
		return append(append(append(b, k...), 0), v...)
	}
	items := append(item("Comment", csv), item("Title", "t")...)
	hdr := func(flags uint32) []byte {
		b := []byte("APETAGEX")
		b = binary.LittleEndian.AppendUint32(b, 2000)
		b = binary.LittleEndian.AppendUint32(b, uint32(len(items)+32))
		b = binary.LittleEndian.AppendUint32(b, 2)
		b = binary.LittleEndian.AppendUint32(b, flags)
		return append(b, make([]byte, 8)...)
	}
	ape := append(append(hdr(1<<31|1<<29), items...), hdr(1<<31)...)
	v1 := make([]byte, 128)
	copy(v1, "TAG")
	copy(v1[3:], "v1 title")
	copy(v1[97:], "v1 comment")
	in := append(append(append(bytes.Clone(mp3), ape...), v1...), zipOf(t)...)
	info, err := identifyBytes(t, in, Limits{})
	if want := int64(len(mp3) + len(ape) + 128); err != nil || info.End != want {
		t.Fatalf("End %d, %v; want %d", info.End, err, want)
	}
	got := map[string]string{}
	for _, x := range info.Text {
		got[x.Name] = x.Value
	}
	if got["ape:Comment"] != csv || got["ape:Title"] != "t" || got["id3v1:title"] != "v1 title" || got["id3v1:comment"] != "v1 comment" {
		t.Errorf("%q", got)
	}
	// Two frames are not enough.
	f, _ := parseMPEGHeader(mp3)
	if _, err := identifyBytes(t, mp3[:2*f.length], Limits{}); !errors.Is(err, ErrCorrupt) {
		t.Errorf("two frames: %v", err)
	}
}

func TestOggChain(t *testing.T) {
	t.Parallel()
	a, b := fixture(t, "audio.ogg"), fixture(t, "audio.opus")
	info, err := identifyBytes(t, append(append(bytes.Clone(a), b...), csv...), Limits{})
	if want := int64(len(a) + len(b)); err != nil || info.End != want {
		t.Fatalf("End %d, %v; want %d", info.End, err, want)
	}
	n := 0
	for _, x := range info.Text {
		if x.Name == "ogg:vorbis-comment-vendor" {
			n++
		}
	}
	if n != 2 {
		t.Errorf("%d comment packets, want 2", n)
	}
	bad := bytes.Clone(a)
	bad[len(bad)-1] ^= 1 // the last page's CRC fails: it is not part of the file
	info, err = identifyBytes(t, bad, Limits{})
	if err != nil || info.End >= int64(len(a)) {
		t.Errorf("bad last page: End %d, %v", info.End, err)
	}
}

func TestBMPSlack(t *testing.T) {
	t.Parallel()
	b := fixture(t, "bmp3.bmp")
	in := append(bytes.Clone(b), csv...)
	binary.LittleEndian.PutUint32(in[2:], uint32(len(in))) // the declared size covers the CSV
	info, err := identifyBytes(t, in, Limits{})
	if err != nil || info.End != int64(len(in)) || len(info.Text) != 1 || info.Text[0].Name != "bmp:slack#strings" || !strings.Contains(info.Text[0].Value, "taro.yamada@example.jp") {
		t.Errorf("%+v %v", info, err)
	}
	binary.LittleEndian.PutUint32(in[2:], uint32(len(in)+1)) // past the file
	if _, err := identifyBytes(t, in, Limits{}); !errors.Is(err, ErrCorrupt) {
		t.Errorf("size past the file: %v", err)
	}
}

func TestICO(t *testing.T) {
	t.Parallel()
	ico := fixture(t, "icon.ico")
	cur := bytes.Clone(ico)
	cur[2] = 2 // a cursor has the same directory, type 2
	info, err := identifyBytes(t, append(cur, csv...), Limits{})
	if err != nil || info.Kind != "cur" || info.End != int64(len(ico)) {
		t.Errorf("cursor: %+v %v", info, err)
	}
	bad := bytes.Clone(ico)
	binary.LittleEndian.PutUint32(bad[6+12:], uint32(len(ico)-10)) // the image runs past the end
	if _, err := identifyBytes(t, bad, Limits{}); !errors.Is(err, ErrCorrupt) {
		t.Errorf("image past the end: %v", err)
	}
}

// id3v2 builds an ID3v2 tag of version ver with flags and frames.
func id3v2(ver, flags byte, body []byte) []byte {
	n := len(body)
	return append([]byte{'I', 'D', '3', ver, 0, flags, byte(n >> 21 & 127), byte(n >> 14 & 127), byte(n >> 7 & 127), byte(n & 127)}, body...)
}

func id3Frame(ver byte, id string, flags uint16, data []byte) []byte {
	b := []byte(id)
	n := len(data)
	if ver == 4 {
		b = append(b, byte(n>>21&127), byte(n>>14&127), byte(n>>7&127), byte(n&127))
	} else {
		b = binary.BigEndian.AppendUint32(b, uint32(n))
	}
	b = binary.BigEndian.AppendUint16(b, flags)
	return append(b, data...)
}

func TestID3(t *testing.T) {
	t.Parallel()
	frames := fixture(t, "audio-bare.mp3")
	utf16be := []byte{0x5C, 0x71, 0x75, 0x30} // 山田
	comm := append([]byte("\x03jpn\x00"), csv...)
	compressed := append(binary.BigEndian.AppendUint32(nil, uint32(len(comm))), zlibOf(comm)...)
	unsynced := []byte{0, 'a', 0xFF, 0x00, 0xE0, 'b'} // Latin-1 "a\xff\xe0b" with 0xFF 0x00 stuffing
	v23 := id3v2(3, 0x40, bytes.Join([][]byte{
		{0, 0, 0, 6, 0, 0, 0, 0, 0, 0}, // extended header: 6 bytes after the size
		id3Frame(3, "TIT2", 0, append([]byte{2}, utf16be...)),
		id3Frame(3, "COMM", 0x0080, compressed),
		id3Frame(3, "TXXX", 0, []byte("\x00caf\xe9\x00value")),
		id3Frame(3, "PRIV", 0, []byte("owner\x00\x00\x01"+csv)),
		make([]byte, 16), // padding
	}, nil))
	info, err := identifyBytes(t, append(v23, frames...), Limits{})
	if err != nil || info.End != int64(len(v23)+len(frames)) {
		t.Fatalf("v2.3: End %d, %v", info.End, err)
	}
	want := []Text{
		{"id3:TIT2", "山田"},
		{"id3:COMM", csv},
		{"id3:TXXX#key", "café"},
		{"id3:TXXX", "value"},
		{"id3:PRIV#strings", "owner\nname,email\nYamada Taro,taro.yamada@example.jp"},
	}
	if !reflect.DeepEqual(info.Text, want) {
		t.Errorf("v2.3: %q", info.Text)
	}

	v24 := id3v2(4, 0, bytes.Join([][]byte{
		id3Frame(4, "TPE1", 0x0002, unsynced),
		id3Frame(4, "TIT2", 0, []byte("\x03one\x00two")),
		id3Frame(4, "COMM", 0x0009, append([]byte{0, 0, 0, byte(len(csv) + 5)}, zlibOf(append([]byte("\x03jpn\x00"), csv...))...)),
	}, nil))
	info, err = identifyBytes(t, append(v24, frames...), Limits{})
	if err != nil {
		t.Fatalf("v2.4: %v", err)
	}
	if len(info.Text) != 3 || info.Text[0] != (Text{"id3:TPE1", "a\u00ff\u00e0b"}) || info.Text[1] != (Text{"id3:TIT2", "one\ntwo"}) || info.Text[2] != (Text{"id3:COMM", csv}) {
		t.Errorf("v2.4: %q", info.Text)
	}

	// The whole tag unsynchronised (2.3).
	// The frame is written, then the whole tag unsynchronised.
	tag := id3v2(3, 0x80, bytes.ReplaceAll(id3Frame(3, "TPE1", 0, []byte{0, 'a', 0xFF, 0xE0, 'b'}), []byte{0xFF, 0xE0}, []byte{0xFF, 0, 0xE0}))
	info, err = identifyBytes(t, append(tag, frames...), Limits{})
	if err != nil || len(info.Text) != 1 || info.Text[0].Value != "a\u00ff\u00e0b" {
		t.Errorf("unsynchronised tag: %q %v", info.Text, err)
	}
	// An encrypted frame cannot be read.
	tag = id3v2(3, 0, id3Frame(3, "TIT2", 0x0040, []byte("\x01\x00secret")))
	if _, err := identifyBytes(t, append(tag, frames...), Limits{}); !errors.Is(err, ErrCorrupt) {
		t.Errorf("encrypted frame: %v", err)
	}
	// Padding that is not zeros is scanned.
	tag = id3v2(3, 0, append(id3Frame(3, "TIT2", 0, []byte("\x00t")), append([]byte{0}, csv...)...))
	info, err = identifyBytes(t, append(tag, frames...), Limits{})
	if err != nil || len(info.Text) != 2 || info.Text[1].Name != "id3:padding#strings" {
		t.Errorf("padding: %q %v", info.Text, err)
	}
}

func TestVorbisPicture(t *testing.T) {
	t.Parallel()
	pic := binary.BigEndian.AppendUint32(nil, 3)
	pic = binary.BigEndian.AppendUint32(pic, 9)
	pic = append(pic, "image/png"...)
	pic = binary.BigEndian.AppendUint32(pic, uint32(len("front cover")))
	pic = append(pic, "front cover"...)
	pic = append(pic, make([]byte, 20)...)
	comments := []string{"TITLE=t", "METADATA_BLOCK_PICTURE=" + base64.StdEncoding.EncodeToString(pic), "METADATA_BLOCK_PICTURE=not base64!"}
	b := binary.LittleEndian.AppendUint32(nil, 1)
	b = append(b, 'v')
	b = binary.LittleEndian.AppendUint32(b, uint32(len(comments)))
	for _, c := range comments {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(c)))
		b = append(b, c...)
	}
	w := newWalker(context.Background(), bytes.NewReader(nil), 0, Limits{}.withDefaults())
	if err := w.vorbisComments("x", bytes.NewReader(b), int64(len(b))); err != nil {
		t.Fatal(err)
	}
	want := []Text{{"x-vendor", "v"}, {"x", "TITLE=t"}, {"x/picture", "front cover"}, {"x", "METADATA_BLOCK_PICTURE=not base64!"}}
	if !reflect.DeepEqual(w.info.Text, want) {
		t.Errorf("%q", w.info.Text)
	}
	// A count past the block.
	b[5] = 0xFF
	w = newWalker(context.Background(), bytes.NewReader(nil), 0, Limits{}.withDefaults())
	if err := w.vorbisComments("x", bytes.NewReader(b), int64(len(b))); !errors.Is(err, ErrCorrupt) {
		t.Errorf("bad count: %v", err)
	}
}

// TestRereads: tags pointing at one region again and again do not make
// the walk read it again and again.
func TestRereads(t *testing.T) {
	t.Parallel()
	const n = 4000
	var entries [][4]uint32
	entries = append(entries, [4]uint32{0x0111, 4, 1, 8}, [4]uint32{0x0117, 4, 1, 8})
	for i := 0; i < n; i++ {
		entries = append(entries, [4]uint32{0x010E, 2, 64 << 10, 1 << 20})
	}
	b := tiffOf(0, entries...)
	b = append(b, make([]byte, 1<<20+64<<10-len(b))...) // the value: 64 KiB of zeros at 1 MiB
	_, err := identifyBytes(t, b, Limits{})
	if !errors.Is(err, ErrLimit) {
		t.Errorf("%d reads of one value: %v", n, err)
	}
}
