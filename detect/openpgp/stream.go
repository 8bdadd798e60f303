package openpgp

import (
	"compress/bzip2"
	"compress/flate"
	"compress/zlib"
	"errors"
	"fmt"
	"io"

	"github.com/dlprelay/dlprelay/detect/internal/bounded"
)

// streamErr maps an error met while reading packets or content to this
// package's sentinels; io.EOF stays itself.
func streamErr(err error) error {
	var (
		flateErr flate.CorruptInputError
		bzipErr  bzip2.StructuralError
	)
	switch {
	case err == nil, err == io.EOF:
		return err
	case errors.Is(err, ErrCorrupt), errors.Is(err, ErrLimit), errors.Is(err, ErrUnsupported), errors.Is(err, ErrNotOpenPGP):
		return err
	case errors.Is(err, bounded.ErrRatio):
		return fmt.Errorf("%w: compressed packet: %w", ErrLimit, err)
	case errors.Is(err, bounded.ErrLength):
		return fmt.Errorf("%w: content %w", ErrLimit, err)
	case err == io.ErrUnexpectedEOF:
		return errTruncated
	case errors.Is(err, zlib.ErrChecksum), errors.Is(err, zlib.ErrHeader), errors.Is(err, zlib.ErrDictionary),
		errors.As(err, &flateErr), errors.As(err, &bzipErr):
		return fmt.Errorf("%w: decompressing: %v", ErrCorrupt, err)
	}
	return fmt.Errorf("%w: %w", ErrCorrupt, err)
}
