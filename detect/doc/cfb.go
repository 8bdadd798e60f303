package doc

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/richardlehane/mscfb"
)

// maxHeaderRead bounds what mscfb may read while it builds its directory
// (header, DIFAT, directory and mini FAT chains): each directory sector
// becomes four directory entries held in memory, so this bounds the
// directory whatever the header claims. 4 MiB is 32768 entries, far more
// than any real document has.
const maxHeaderRead = 4 << 20

// budgetReader fails once more than left bytes were asked of it.
type budgetReader struct {
	r    io.ReaderAt
	left int64
	hit  bool
}

var errBudget = errors.New("compound file directory too large")

func (b *budgetReader) ReadAt(p []byte, off int64) (int, error) {
	if b.left < int64(len(p)) {
		b.hit = true
		return 0, errBudget
	}
	b.left -= int64(len(p))
	return b.r.ReadAt(p, off)
}

// cfb is an opened compound file.
type cfb struct {
	files []*mscfb.File
	size  int64
}

func openCFB(r io.ReaderAt, size int64) (*cfb, error) {
	if size < 512 {
		return nil, fmt.Errorf("%w: %d bytes, too short for a compound file", ErrCorrupt, size)
	}
	sr := io.NewSectionReader(r, 0, size)
	head := make([]byte, 8)
	if _, err := sr.ReadAt(head, 0); err != nil || !bytes.Equal(head, cfbMagic) {
		return nil, fmt.Errorf("%w: not a compound file", ErrCorrupt)
	}
	br := &budgetReader{r: sr, left: maxHeaderRead}
	d, err := mscfb.New(br)
	if err != nil {
		if br.hit {
			return nil, fmt.Errorf("%w: compound file directory over %d bytes", ErrLimit, maxHeaderRead)
		}
		return nil, fmt.Errorf("%w: compound file: %v", ErrCorrupt, err)
	}
	// Streams are read without the budget (their reads are bounded by
	// size, below).
	br.left = 1 << 62
	return &cfb{files: d.File, size: size}, nil
}

// stream returns the stream name in the storage path (nil: the root), or
// nil.
func (c *cfb) stream(path []string, name string) *mscfb.File {
	for _, f := range c.files {
		if f.Name == name && !f.FileInfo().IsDir() && slices.Equal(f.Path, path) {
			return f
		}
	}
	return nil
}

// readAll reads a whole stream. A stream can claim any size; one larger
// than the file itself is refused before anything is allocated.
func (c *cfb) readAll(f *mscfb.File) ([]byte, error) {
	n := f.Size
	if n > c.size {
		return nil, fmt.Errorf("%w: stream %q claims %d bytes in a file of %d", ErrCorrupt, f.Name, n, c.size)
	}
	buf := make([]byte, n) // n is at most the file's size, checked above
	got, err := io.ReadFull(streamReader{f}, buf)
	if err != nil {
		return nil, fmt.Errorf("%w: stream %q: %d of %d bytes read", ErrCorrupt, f.Name, got, n)
	}
	return buf, nil
}

// streamReader reads an mscfb.File, whose Read returns io.EOF with the
// last bytes and an mscfb.Error on a broken chain.
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
