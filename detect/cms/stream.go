package cms

import (
	"compress/flate"
	"compress/zlib"
	"errors"
	"fmt"
	"io"

	"github.com/dlprelay/dlprelay/detect/internal/bounded"
)

// octets streams the content of an OCTET STRING, primitive or
// constructed (BER: chunks of primitive OCTET STRINGs, which may nest),
// without buffering it.
type octets struct {
	d     *decoder
	stack []elem // open constructed strings, innermost last
	left  int64  // of the current primitive chunk
	err   error
}

func newOctets(d *decoder, e elem) *octets {
	o := &octets{d: d}
	if e.constructed {
		o.stack = []elem{e}
	} else {
		o.left = e.length
	}
	return o
}

func (o *octets) Read(p []byte) (int, error) {
	if o.err != nil {
		return 0, o.err
	}
	for o.left == 0 {
		if len(o.stack) == 0 {
			o.err = io.EOF
			return 0, o.err
		}
		e, ok, err := o.d.next(&o.stack[len(o.stack)-1])
		switch {
		case err != nil:
			o.err = err
			return 0, err
		case !ok:
			o.stack = o.stack[:len(o.stack)-1]
		case !e.isOctetString():
			o.err = fmt.Errorf("%w: chunk of a constructed OCTET STRING is not an OCTET STRING", ErrCorrupt)
			return 0, o.err
		case e.constructed: // depth bounded by next (MaxBERNesting)
			o.stack = append(o.stack, e)
		default:
			o.left = e.length
		}
	}
	if len(p) == 0 {
		return 0, nil
	}
	n, err := o.d.read(p[:min(int64(len(p)), o.left)])
	o.left -= int64(n)
	if err != nil {
		o.err = err
	}
	return n, err
}

// streamErr maps an error met while streaming content to this package's
// sentinels.
func streamErr(err error) error {
	var flateErr flate.CorruptInputError
	switch {
	case err == nil, err == io.EOF:
		return err
	case errors.Is(err, ErrCorrupt), errors.Is(err, ErrLimit), errors.Is(err, ErrUnsupported), errors.Is(err, ErrNotCMS):
		return err
	case errors.Is(err, bounded.ErrRatio):
		return fmt.Errorf("%w: compressed-data: %w", ErrLimit, err)
	case errors.Is(err, bounded.ErrLength):
		return fmt.Errorf("%w: content %w", ErrLimit, err)
	case err == io.ErrUnexpectedEOF:
		return errTruncated
	case errors.Is(err, zlib.ErrChecksum), errors.Is(err, zlib.ErrHeader), errors.Is(err, zlib.ErrDictionary), errors.As(err, &flateErr):
		return fmt.Errorf("%w: zlib: %v", ErrCorrupt, err)
	}
	return fmt.Errorf("%w: %w", ErrCorrupt, err)
}
