// Package media tells whether an attachment is an image, a sound, a video
// or a font by walking its structure, and returns the metadata text in it.
//
// A signature is not enough: Identify walks the container (PNG chunks,
// JPEG markers and entropy-coded data, GIF blocks, RIFF chunks, ISO BMFF
// boxes, TIFF IFDs, MPEG audio frames, Ogg pages, FLAC frames, font table
// directories ...) from offset 0 to the end the format defines, and
// reports that end. Bytes after it are not part of the media file (a zip
// appended to a JPEG, a CSV after a PNG's IEND): the caller scans them as a
// part of their own. A file whose signature names a format but whose
// structure does not walk to an end is ErrCorrupt: the caller treats it as
// unidentified binary.
//
// Metadata text (PNG text chunks, EXIF and XMP, ID3 frames, Vorbis
// comments, RIFF INFO, iTunes tags, font names ...) is returned decoded to
// UTF-8, since that is where a leaker hides data in a picture. Regions the
// format leaves to private use (unknown PNG chunks and JPEG APPn segments,
// RIFF chunks, free boxes, ID3 PRIV and GEOB frames, padding that is not
// zero ...) are returned as their printable strings, under a name ending
// in "#strings". Payload (pixels, samples, video frames) is walked by its
// framing but not decoded: data hidden in it is not found.
//
// Not walked (ErrNotMedia): BigTIFF, Matroska/WebM, ASF/WMV, FLV, AIFF,
// raw AAC/AC-3/AMR streams, JPEG 2000, JPEG XL and PSD. Free-format MP3
// (bitrate index 0) has no frame lengths: ErrCorrupt after an ID3 tag,
// ErrNotMedia without one.
//
// Every read goes through an io.ReaderAt with bounded buffers; the walk
// is bounded by Limits and by the context. Errors are the sentinel values
// ErrNotMedia, ErrCorrupt and ErrLimit (wrapped with a short reason that
// never carries file content), the context's error, or an error from the
// io.ReaderAt.
package media

import (
	"context"
	"errors"
	"fmt"
	"io"
)

// Errors. Callers map them to the reasons they report.
var (
	// ErrNotMedia: no signature of a format Identify walks at offset 0.
	ErrNotMedia = errors.New("media: not a known media format")
	// ErrCorrupt: a media signature, but the structure does not walk to
	// an end.
	ErrCorrupt = errors.New("media: corrupt")
	// ErrLimit: a limit was hit before the end of the structure (one of
	// Limits, a structure parsed in memory past 16 MiB, or metadata read
	// over and over: more than twice the file and 64 MiB in total).
	ErrLimit = errors.New("media: limit exceeded")
)

// Defaults for zero Limits fields.
const (
	DefaultMaxText    = 1 << 20
	DefaultMaxItems   = 1 << 20
	DefaultMaxDepth   = 16
	DefaultMaxInflate = 1 << 20
)

const (
	// inflateRatio bounds one compressed text's output to this many times
	// its compressed size, past inflateGrace bytes.
	inflateRatio = 100
	inflateGrace = 64 << 10
	// maxStrings is the most bytes of private regions (see the package
	// comment) scanned for strings in one file; past it Truncated is set.
	maxStrings = 16 << 20
	// maxBlob is the most bytes one metadata structure that is parsed in
	// memory (an ID3 frame that must be decoded whole, a HEIF Exif item,
	// a font's name table) may have; past it the walk stops with ErrLimit.
	maxBlob = 16 << 20
)

// Limits bound Identify. Zero fields take the defaults above.
type Limits struct {
	// MaxText is the most metadata text returned, in bytes of UTF-8, in
	// total. Past it Info.Truncated is set; the walk goes on.
	MaxText int64
	// MaxItems is the most chunks, boxes, markers, frames, pages, blocks
	// and IFD entries walked (ErrLimit past it).
	MaxItems int
	// MaxDepth is the deepest nesting of boxes, lists and IFDs walked
	// (ErrLimit past it).
	MaxDepth int
	// MaxInflate is the most bytes decompressed for compressed text
	// (zTXt, iTXt, compressed ID3 frames, WOFF tables) in total
	// (ErrLimit past it). One stream may also not expand more than 100
	// times its compressed size, past 64 KiB.
	MaxInflate int64
}

func (l Limits) withDefaults() Limits {
	if l.MaxText <= 0 {
		l.MaxText = DefaultMaxText
	}
	if l.MaxItems <= 0 {
		l.MaxItems = DefaultMaxItems
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultMaxDepth
	}
	if l.MaxInflate <= 0 {
		l.MaxInflate = DefaultMaxInflate
	}
	return l
}

// Classes.
const (
	Image = "image"
	Audio = "audio"
	Video = "video"
	Font  = "font"
)

// Info is what Identify found.
type Info struct {
	// Kind is the format: "png", "jpeg", "gif", "webp", "tiff", "bmp",
	// "ico", "cur", "heic", "avif", "mp4", "mov", "3gp", "m4a", "mp3",
	// "wav", "avi", "ogg" (Vorbis, Opus, Theora ...), "flac", "ttf",
	// "otf", "ttc", "woff" or "woff2". The names are stable: they appear
	// in reports.
	Kind string
	// Class is Image, Audio, Video or Font.
	Class string
	// End is the offset just past the last byte of the structure: bytes
	// [End, size) are not part of it. 0 < End <= size.
	End int64
	// Text is the metadata text found, in file order, at most
	// Limits.MaxText bytes in total.
	Text []Text
	// Truncated is set when some metadata text was not returned: MaxText
	// was reached, or more than 16 MiB of private regions were to be
	// scanned for strings. The caller reports it.
	Truncated bool
}

// Text is one piece of metadata text.
type Text struct {
	// Name says where the text came from: "tEXt:Comment",
	// "exif:UserComment", "xmp", "jpeg:COM", "id3:COMM", "riff:INFO/ICMT",
	// "ogg:vorbis-comment", "font:name/1" ... A key the file chose (a PNG
	// keyword, an ID3 TXXX description, a RIFF chunk id) is part of the
	// name when it is printable ASCII of at most 64 bytes, and is
	// returned as a Text of its own ("...#key") otherwise. Names carry
	// bytes from the file: scan them with the values, and do not log
	// them.
	Name string
	// Value is the text decoded to UTF-8: declared encodings are honoured
	// (Latin-1 tEXt, UTF-16 ID3 frames, EXIF UserComment charset prefixes,
	// UTF-16LE XPComment, Mac Roman font names ...); invalid bytes are
	// replaced with U+FFFD.
	Value string
}

// Identify walks the structure of the file in r (size bytes) from offset 0
// to its end. It returns ErrNotMedia when the file has no signature of a
// format it walks (see Sniff), ErrCorrupt when the structure breaks, and
// ErrLimit when lim is reached first. On error, Info holds only the Kind
// and Class the signature named (none for ErrNotMedia).
func Identify(ctx context.Context, r io.ReaderAt, size int64, lim Limits) (Info, error) {
	if size <= 0 {
		return Info{}, ErrNotMedia
	}
	head := make([]byte, min(size, SniffLen))
	if _, err := r.ReadAt(head, 0); err != nil && !(errors.Is(err, io.EOF)) {
		return Info{}, err
	}
	kind, ok := Sniff(head)
	if !ok {
		return Info{}, ErrNotMedia
	}
	f := formats[kind]
	w := newWalker(ctx, r, size, lim.withDefaults())
	w.info.Kind, w.info.Class = kind, f.class
	end, err := f.walk(w)
	if err != nil {
		return Info{Kind: w.info.Kind, Class: w.info.Class}, err
	}
	if end <= 0 || end > size {
		// A walker's bug, not the file's: never hand back an End past
		// the data.
		return Info{Kind: w.info.Kind, Class: w.info.Class}, fmt.Errorf("%w: %s: end %d outside the file", ErrCorrupt, kind, end)
	}
	w.info.End = end
	return w.info, nil
}

// format is one walker. walk sets w.info.Kind and Class when the structure
// says more than the signature (an ftyp brand, an Ogg codec).
type format struct {
	class string
	walk  func(w *walker) (end int64, err error)
}

var formats map[string]format

func init() {
	formats = map[string]format{
		"png":   {Image, walkPNG},
		"jpeg":  {Image, walkJPEG},
		"gif":   {Image, walkGIF},
		"webp":  {Image, walkRIFF},
		"tiff":  {Image, walkTIFF},
		"bmp":   {Image, walkBMP},
		"ico":   {Image, walkICO},
		"cur":   {Image, walkICO},
		"mp4":   {Video, walkBMFF}, // also heic, avif, mov, 3gp, m4a: the ftyp decides
		"mov":   {Video, walkBMFF},
		"heic":  {Image, walkBMFF},
		"avif":  {Image, walkBMFF},
		"3gp":   {Video, walkBMFF},
		"m4a":   {Audio, walkBMFF},
		"wav":   {Audio, walkRIFF},
		"avi":   {Video, walkRIFF},
		"mp3":   {Audio, walkMP3},
		"ogg":   {Audio, walkOgg},
		"flac":  {Audio, walkFLAC},
		"ttf":   {Font, walkSFNT},
		"otf":   {Font, walkSFNT},
		"ttc":   {Font, walkTTC},
		"woff":  {Font, walkWOFF},
		"woff2": {Font, walkWOFF2},
	}
}
