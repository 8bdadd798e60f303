// Package archive opens zip and gzip files for the text extractor and
// bounds what reading them may cost. (Tar needs no help: archive/tar
// streams it, and a tar in a gzip file is bounded by the gzip's
// expansion.)
//
// Open reads an archive's directory from an io.ReaderAt (the caller spools
// an attachment to a temporary file first) and lists its entries; Reader.Open
// hands out one entry's decompressed content. Every byte decompressed is
// counted against an Expansion: one entry may not expand more than Ratio
// times its compressed size, nor the whole archive (nested archives
// included, when they share the Expansion) more than Ratio times the
// archive's size. The counts are taken while decompressing, not from the
// headers, which an attacker writes. The first Grace bytes are never
// refused, so small, very repetitive files are not taken for bombs.
//
// Sniff tells archives, OLE compound files (legacy Office, encrypted
// OOXML) and other formats apart by their first bytes.
//
// 7z is recognised but not read (ErrUnsupported): the one maintained
// pure-Go reader, github.com/bodgit/sevenzip (v1.6.5), allocates slices
// sized by counts in the archive header before reading them, so a 200-byte
// file made it allocate 3 GB (found by FuzzArchiveWalk, kept as a seed),
// and larger counts would end the process with an out-of-memory error that
// cannot be recovered. Reading 7z needs a header parser that bounds counts
// by the header's size first.
//
// Errors are the sentinel values below; other errors from Open or a
// reader mean the archive is damaged.
package archive

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"path"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/japanese"
)

// Errors. Callers map them to the reasons they report.
var (
	// ErrEncrypted: the entry (or the whole archive) is encrypted.
	ErrEncrypted = errors.New("archive: encrypted")
	// ErrUnsupported: a format or compression method this package cannot
	// read (RAR, zip methods other than store and deflate, ...).
	ErrUnsupported = errors.New("archive: unsupported format")
	// ErrCorrupt: the archive or entry cannot be read.
	ErrCorrupt = errors.New("archive: corrupt")
	// ErrTooManyEntries: the archive has more entries than allowed, or a
	// central directory larger than 16 MiB.
	ErrTooManyEntries = errors.New("archive: too many entries")
	// ErrExpansion: decompression passed the expansion ratio.
	ErrExpansion = errors.New("archive: expansion ratio exceeded")
)

// Format is what Sniff recognised.
type Format int

// Formats.
const (
	Unknown Format = iota
	Zip
	SevenZip
	Rar
	OLE  // Microsoft compound file: legacy .doc/.xls/.ppt, .msg, encrypted OOXML
	Gzip // a gzip stream, often of a tar archive
	PDF
)

var magics = []struct {
	prefix string
	f      Format
}{
	{"PK\x03\x04", Zip},
	{"PK\x05\x06", Zip}, // empty archive
	{"PK\x07\x08", Zip}, // spanned marker
	{"7z\xbc\xaf\x27\x1c", SevenZip},
	{"Rar!\x1a\x07", Rar},
	{"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", OLE},
	{"\x1f\x8b", Gzip},
	{"%PDF-", PDF},
}

// SniffLen is how many leading bytes Sniff needs.
const SniffLen = 8

// Sniff returns the format of a file starting with head.
func Sniff(head []byte) Format {
	for _, m := range magics {
		if bytes.HasPrefix(head, []byte(m.prefix)) {
			return m.f
		}
	}
	return Unknown
}

// Expansion bounds decompression. One Expansion may be shared by an
// archive and the archives nested in it; it is not safe for concurrent
// use.
type Expansion struct {
	// Ratio is the most decompressed bytes per compressed byte.
	Ratio int64
	// Grace is the output below which the ratio is not checked.
	Grace int64
	// budget is the output the whole archive may still produce; set by
	// the first Open that uses this Expansion.
	budget  int64
	started bool
}

// NewExpansion returns an Expansion with the given ratio and a grace of
// 1 MiB.
func NewExpansion(ratio int64) *Expansion {
	return &Expansion{Ratio: ratio, Grace: 1 << 20}
}

// Exhausted reports whether the whole archive's allowance is used up.
func (e *Expansion) Exhausted() bool { return e.started && e.budget < 0 }

func (e *Expansion) allow(compressed int64) int64 {
	if compressed > (1<<62)/max(e.Ratio, 1) {
		return 1 << 62
	}
	return max(e.Ratio*compressed, e.Grace)
}

// Entry is one member of an archive.
type Entry struct {
	// Name is the member's path in the archive, in UTF-8 (legacy
	// Shift_JIS names from Japanese Windows are converted).
	Name string
	// Size is the uncompressed size the archive declares.
	Size int64
	// Dir is true for a directory.
	Dir bool
	// Encrypted is true when the entry cannot be read without a password.
	Encrypted bool
}

// Reader is an open archive.
type Reader struct {
	entries []Entry
	exp     *Expansion
	zip     []*zip.File
}

// Open opens the archive of format f (only Zip is read) in r. maxEntries
// bounds the entries listed (ErrTooManyEntries past it). exp bounds
// decompression; it must not be nil.
func Open(f Format, r io.ReaderAt, size int64, maxEntries int, exp *Expansion) (*Reader, error) {
	if !exp.started {
		exp.started = true
		exp.budget = exp.allow(size)
	}
	switch f {
	case Zip:
		return openZip(r, size, maxEntries, exp)
	}
	return nil, ErrUnsupported // SevenZip included: see the package comment
}

func openZip(r io.ReaderAt, size int64, maxEntries int, exp *Expansion) (*Reader, error) {
	n, err := zipDirEntries(r, size, maxEntries)
	if err != nil {
		return nil, corrupt(err)
	}
	if n > maxEntries {
		return nil, ErrTooManyEntries
	}
	zr, err := zip.NewReader(r, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return nil, corrupt(err)
	}
	a := &Reader{exp: exp, zip: zr.File}
	for _, f := range zr.File {
		a.entries = append(a.entries, Entry{
			Name:      entryName(f.Name),
			Size:      int64(min(f.UncompressedSize64, 1<<62)),
			Dir:       strings.HasSuffix(f.Name, "/"),
			Encrypted: f.Flags&1 != 0,
		})
	}
	return a, nil
}

func corrupt(err error) error {
	if errors.Is(err, ErrCorrupt) {
		return err
	}
	return errors.Join(ErrCorrupt, err)
}

// entryName returns name in UTF-8 with "/" separators. Zip names without
// the UTF-8 flag are taken as UTF-8 if they are valid, else as Shift_JIS
// (what Japanese Windows writes).
func entryName(name string) string {
	if !utf8.ValidString(name) {
		if d, err := japanese.ShiftJIS.NewDecoder().String(name); err == nil {
			name = d
		} else {
			name = strings.ToValidUTF8(name, "\uFFFD")
		}
	}
	return strings.ReplaceAll(name, "\\", "/")
}

// Entries lists the archive's members in directory order.
func (a *Reader) Entries() []Entry { return a.entries }

// Open returns the decompressed content of entry i. Reads fail with
// ErrExpansion once the entry or the archive passes its ratio, with
// ErrCorrupt (joined with the cause) on damaged data. Open itself fails
// with ErrEncrypted or ErrUnsupported for entries that cannot be read.
func (a *Reader) Open(i int) (io.ReadCloser, error) {
	if a.entries[i].Encrypted {
		return nil, ErrEncrypted
	}
	f := a.zip[i]
	if f.Method != zip.Store && f.Method != zip.Deflate {
		return nil, ErrUnsupported
	}
	rc, err := f.Open()
	if err != nil {
		return nil, corrupt(err)
	}
	return &limited{rc: rc, exp: a.exp, entryMax: a.exp.allow(int64(min(f.CompressedSize64, 1<<62)))}, nil
}

// limited counts what an entry produces against its own and its
// archive's allowance.
type limited struct {
	rc       io.ReadCloser
	exp      *Expansion
	entryMax int64
	n        int64
	err      error
}

func (l *limited) Read(p []byte) (int, error) {
	if l.err != nil {
		return 0, l.err
	}
	n, err := l.rc.Read(p)
	l.n += int64(n)
	l.exp.budget -= int64(n)
	if l.n > l.entryMax || l.exp.budget < 0 {
		l.err = ErrExpansion
		return 0, l.err
	}
	if err != nil && err != io.EOF {
		err = corrupt(err)
		l.err = err
	}
	return n, err
}

func (l *limited) Close() error { return l.rc.Close() }

// OpenGzip returns the decompressed content of the gzip file in r (size
// bytes; concatenated members are read as one stream) and the original
// file name its header records, if it is plain ASCII. The content counts against exp
// like one entry of a size-byte archive: reads fail with ErrExpansion past
// the ratio, with ErrCorrupt on damaged data.
func OpenGzip(r io.ReaderAt, size int64, exp *Expansion) (io.ReadCloser, string, error) {
	if !exp.started {
		exp.started = true
		exp.budget = exp.allow(size)
	}
	zr, err := gzip.NewReader(io.NewSectionReader(r, 0, size))
	if err != nil {
		return nil, "", corrupt(err)
	}
	// The header's name is Latin-1 by the format, but gzip(1) stores the
	// bytes it was given; only an ASCII name is taken as such.
	name := path.Base(zr.Name)
	for i := 0; i < len(name); i++ {
		if name[i] >= 0x80 || name[i] < 0x20 {
			name = ""
			break
		}
	}
	if name == "." || name == "/" {
		name = ""
	}
	return &limited{rc: zr, exp: exp, entryMax: exp.allow(size)}, name, nil
}

// IsTar reports whether head (at least the first 512 bytes of a file) is
// a POSIX or GNU tar header: the "ustar" magic and a valid checksum, so
// that text which happens to hold "ustar" is not taken for a tar.
func IsTar(head []byte) bool {
	if len(head) < 512 || string(head[257:262]) != "ustar" {
		return false
	}
	var sum int64
	for i, c := range head[:512] {
		if i >= 148 && i < 156 {
			c = ' ' // the checksum field counts as spaces
		}
		sum += int64(c)
	}
	field := strings.Trim(string(head[148:156]), " \x00")
	want, err := strconv.ParseInt(field, 8, 64)
	return err == nil && want == sum
}
