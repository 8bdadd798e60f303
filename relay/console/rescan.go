package console

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/dlprelay/dlprelay/detect/extract"
)

// NewRescanner returns the Rescanner the relay uses: it walks the stored
// message again with extract.Walk under limits l, so segment paths and
// offsets are those the detector of this build reports, that is those of
// findings whose extractor is detect.ExtractorVersion. The console asks it
// for no other findings' text (see detail).
func NewRescanner(l extract.Limits) Rescanner { return &rescanner{lim: l} }

type rescanner struct{ lim extract.Limits }

// Rescan implements Rescanner.
func (x *rescanner) Rescan(ctx context.Context, msg io.Reader, keep func(segment string, kept int64) int64) ([]PartInfo, map[string]string, error) {
	texts := map[string]string{}
	seen := map[string]bool{}
	var kept int64
	rep, err := extract.Walk(ctx, msg, x.lim, func(segment string, text io.Reader) error {
		n := int64(0)
		if !seen[segment] {
			seen[segment] = true
			n = keep(segment, kept)
		}
		if n <= 0 {
			_, err := io.Copy(io.Discard, text)
			return err
		}
		var b strings.Builder
		if _, err := io.Copy(&b, io.LimitReader(text, n)); err != nil {
			return err
		}
		texts[segment] = b.String()
		kept += int64(b.Len())
		_, err := io.Copy(io.Discard, text)
		return err
	})
	if err != nil {
		return nil, nil, fmt.Errorf("console: rescan: %w", err)
	}
	parts := make([]PartInfo, 0, len(rep.Parts))
	for _, p := range rep.Parts {
		parts = append(parts, PartInfo{Path: p.Path, ContentType: p.ContentType, Filename: p.Filename, Bytes: p.Bytes})
	}
	return parts, texts, nil
}
