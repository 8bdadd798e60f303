// Package cfb opens OLE compound files (MS-CFB) for the document readers
// through github.com/richardlehane/mscfb, with the bounds mscfb lacks: the
// reads it makes while building its directory are budgeted (it holds every
// directory entry in memory, whatever the header claims), and a stream is
// never read past the size of the file that holds it.
package cfb

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/richardlehane/mscfb"
)

// Magic is the signature a compound file starts with.
var Magic = []byte{0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1}

// MaxDirectoryRead bounds what mscfb may read while it builds its
// directory (header, DIFAT, directory and mini FAT chains): each directory
// sector becomes four entries held in memory, so this bounds the
// directory. 4 MiB is 32768 entries, far more than any real document has.
const MaxDirectoryRead = 4 << 20

var (
	// ErrCorrupt: not a compound file, or one whose structure is damaged.
	ErrCorrupt = errors.New("cfb: damaged compound file")
	// ErrLimit: the directory is larger than MaxDirectoryRead allows.
	ErrLimit = errors.New("cfb: compound file directory too large")
)

// budgetReader fails once more than left bytes were asked of it.
type budgetReader struct {
	r    io.ReaderAt
	left int64
	hit  bool
}

func (b *budgetReader) ReadAt(p []byte, off int64) (int, error) {
	if b.left < int64(len(p)) {
		b.hit = true
		return 0, ErrLimit
	}
	b.left -= int64(len(p))
	return b.r.ReadAt(p, off)
}

// File is an opened compound file.
type File struct {
	Files []*mscfb.File // every directory entry, in mscfb's order
	size  int64
}

// Open opens the compound file r of size bytes. Errors wrap ErrCorrupt or
// ErrLimit.
func Open(r io.ReaderAt, size int64) (*File, error) {
	if size < 512 {
		return nil, fmt.Errorf("%w: %d bytes, too short for a compound file", ErrCorrupt, size)
	}
	sr := io.NewSectionReader(r, 0, size)
	head := make([]byte, len(Magic))
	if _, err := sr.ReadAt(head, 0); err != nil || !bytes.Equal(head, Magic) {
		return nil, fmt.Errorf("%w: not a compound file", ErrCorrupt)
	}
	br := &budgetReader{r: sr, left: MaxDirectoryRead}
	d, err := mscfb.New(br)
	if err != nil {
		if br.hit {
			return nil, fmt.Errorf("%w: over %d bytes", ErrLimit, MaxDirectoryRead)
		}
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	// Streams are read without the budget: their reads are bounded by
	// the file's size (ReadAll, Reader).
	br.left = 1 << 62
	return &File{Files: d.File, size: size}, nil
}

// Size is the size of the compound file, the most any stream can hold.
func (c *File) Size() int64 { return c.size }

// Stream returns the stream name in the storage path (nil: the root), or
// nil.
func (c *File) Stream(path []string, name string) *mscfb.File {
	for _, f := range c.Files {
		if f.Name == name && !f.FileInfo().IsDir() && slices.Equal(f.Path, path) {
			return f
		}
	}
	return nil
}

// ReadAll reads a whole stream. A stream can claim any size; one larger
// than the file itself is refused before anything is allocated.
func (c *File) ReadAll(f *mscfb.File) ([]byte, error) {
	n := f.Size
	if n > c.size {
		return nil, fmt.Errorf("%w: stream %q claims %d bytes in a file of %d", ErrCorrupt, f.Name, n, c.size)
	}
	buf := make([]byte, n) // n is at most the file's size, checked above
	got, err := io.ReadFull(Reader(f), buf)
	if err != nil {
		return nil, fmt.Errorf("%w: stream %q: %d of %d bytes read", ErrCorrupt, f.Name, got, n)
	}
	return buf, nil
}

// Reader reads the stream f in pieces of at most 32 KiB; a broken sector
// chain is an error wrapping ErrCorrupt (mscfb's Read returns io.EOF with
// the last bytes).
func Reader(f *mscfb.File) io.Reader { return streamReader{f} }

type streamReader struct{ f *mscfb.File }

func (s streamReader) Read(p []byte) (int, error) {
	if len(p) > 32<<10 {
		p = p[:32<<10]
	}
	n, err := s.f.Read(p)
	if err != nil && err != io.EOF {
		return n, fmt.Errorf("%w: stream %q: %v", ErrCorrupt, s.f.Name, err)
	}
	return n, err
}
