package ppt

import (
	"errors"
	"fmt"
	"io"

	"github.com/richardlehane/mscfb"

	icfb "github.com/dlprelay/dlprelay/detect/internal/cfb"
)

// cfb is an opened compound file (detect/internal/cfb: the directory read
// on a budget, streams never past the file's size), its errors this
// package's.
type cfb struct{ *icfb.File }

func openCFB(r io.ReaderAt, size int64) (*cfb, error) {
	f, err := icfb.Open(r, size)
	switch {
	case errors.Is(err, icfb.ErrLimit):
		return nil, fmt.Errorf("%w: %v", ErrLimit, err)
	case err != nil:
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	return &cfb{f}, nil
}

// stream returns the stream name in the storage path (nil: the root), or
// nil.
func (c *cfb) stream(path []string, name string) *mscfb.File { return c.Stream(path, name) }

// readAll reads a whole stream, refusing one that claims more than the
// file holds.
func (c *cfb) readAll(f *mscfb.File) ([]byte, error) {
	b, err := c.ReadAll(f)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	return b, nil
}

// streamReader reads a stream; a broken sector chain wraps ErrCorrupt.
type streamReader struct{ f *mscfb.File }

func (s streamReader) Read(p []byte) (int, error) {
	n, err := icfb.Reader(s.f).Read(p)
	if err != nil && err != io.EOF {
		return n, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	return n, err
}
