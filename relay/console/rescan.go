package console

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/dlprelay/dlprelay/detect/extract"
)

// ErrNoPart is returned (wrapped) by PartText for a segment the message
// does not have.
var ErrNoPart = errors.New("console: no such part in the message")

// errFound stops a walk once the wanted segment has been read.
var errFound = errors.New("console: part found")

// NewRescanner returns the Rescanner the relay uses: it walks the stored
// message again with extract.Walk under limits l, so segment paths and
// offsets are those the detector of this build reports, that is those of
// findings whose extractor is detect.ExtractorVersion. The console asks it
// for no other findings' text (see detail).
func NewRescanner(l extract.Limits) Rescanner { return &rescanner{lim: l} }

type rescanner struct{ lim extract.Limits }

// PartText returns at most max bytes of segment part. A segment handed out
// twice (the preamble and the epilogue of a multipart entity) is taken the
// first time.
func (x *rescanner) PartText(ctx context.Context, msg io.Reader, part string, max int64) (string, error) {
	var b strings.Builder
	found := false
	_, err := extract.Walk(ctx, msg, x.lim, func(segment string, text io.Reader) error {
		if segment != part {
			_, err := io.Copy(io.Discard, text)
			return err
		}
		found = true
		if _, err := io.Copy(&b, io.LimitReader(text, max)); err != nil {
			return err
		}
		return errFound
	})
	if found && (err == nil || errors.Is(err, errFound)) {
		return b.String(), nil
	}
	if err != nil && !errors.Is(err, errFound) {
		return "", fmt.Errorf("console: rescan %s: %w", part, err)
	}
	return "", fmt.Errorf("console: rescan %s: %w", part, ErrNoPart)
}

// Parts lists the entities of the message.
func (x *rescanner) Parts(ctx context.Context, msg io.Reader) ([]PartInfo, error) {
	rep, err := extract.Walk(ctx, msg, x.lim, func(_ string, text io.Reader) error {
		_, err := io.Copy(io.Discard, text)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("console: rescan: %w", err)
	}
	out := make([]PartInfo, 0, len(rep.Parts))
	for _, p := range rep.Parts {
		out = append(out, PartInfo{Path: p.Path, ContentType: p.ContentType, Filename: p.Filename, Bytes: p.Bytes})
	}
	return out, nil
}
