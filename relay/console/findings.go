package console

import (
	"context"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/dlprelay/dlprelay/detect"
)

// Bounds on the snippets of one detail page.
const (
	maxShownRecords = 200
	maxShownMatches = 500
	maxPartText     = 8 << 20 // bytes of one part's text read for snippets
	contextRunes    = 30      // characters either side of a revealed value
)

// Why a match's text is not shown (matchView.Reason); stable values of the
// API.
const (
	// unavailableExtractor: the findings were made by another version of
	// the extractor (detect.Findings.Current is false), so the text at
	// their offsets may not be what matched; it is not read at all.
	unavailableExtractor = "extractor_changed"
	// unavailableGone: the message bytes are deleted or expired.
	unavailableGone = "message_gone"
	// unavailableText: the part is past the bounds, not in the message
	// as extracted today, or the offsets do not fit its text.
	unavailableText = "text_unavailable"
)

// recordView is one customer record found, as the console shows it.
type recordView struct {
	ID      string      `json:"id"`
	Fields  []string    `json:"fields"`
	Parts   []string    `json:"parts"`
	Matches []matchView `json:"matches"`
	More    int         `json:"more_matches,omitempty"` // matches not shown
}

// matchView is one match. Value, Before and After (the value with up to
// 30 characters of context either side) are set only in a reveal; the
// masked form always.
type matchView struct {
	Field  string `json:"field"`
	Part   string `json:"part"`
	Start  int64  `json:"start"`
	End    int64  `json:"end"`
	Masked string `json:"masked"`
	Value  string `json:"value,omitempty"`
	Before string `json:"before,omitempty"`
	After  string `json:"after,omitempty"`
	// Unavailable: the text is not shown, masked or not; Reason says why
	// (extractor_changed, message_gone, text_unavailable).
	Unavailable bool   `json:"unavailable,omitempty"`
	Reason      string `json:"reason,omitempty"`
}

// reread is what a detail page read again of a stored message: its
// entities and the text of the segments it asked for.
type reread struct {
	parts []PartInfo
	texts map[string]string
	asked map[string]int64 // bytes asked of each segment kept
}

// whole returns the text of segment seg and whether it was read to its
// end. A nil reread has no text.
func (r *reread) whole(seg string) (string, bool) {
	if r == nil {
		return "", false
	}
	t, ok := r.texts[seg]
	return t, ok && int64(len(t)) < r.asked[seg]
}

// reread walks the message of entry id once, keeping need[segment] bytes
// of each segment and, with headers, every header segment to its end (up
// to maxHeaderText), at most maxPartText of one segment and maxRescanText
// of all.
func (c *Console) reread(ctx context.Context, id string, need map[string]int64, headers bool) (*reread, error) {
	msg, err := c.q.Open(ctx, id)
	if err != nil {
		return nil, err
	}
	defer msg.Close()
	r := &reread{asked: map[string]int64{}}
	keep := func(seg string, kept int64) int64 {
		n := need[seg]
		if headers && strings.HasSuffix(seg, ".header") {
			n = max(n, maxHeaderText+1) // one more: a longer one is not whole
		}
		if n = min(n, maxPartText, maxRescanText-kept); n > 0 {
			r.asked[seg] = n
		}
		return n
	}
	r.parts, r.texts, err = c.rescan.Rescan(ctx, msg, keep)
	if err != nil {
		return nil, err
	}
	return r, nil
}

// snippetNeed is how much of each segment the snippets of hits need: as
// far as the last match shown in it and its context. Nothing unless
// current (the findings are of this extractor: detect.Findings.Current):
// with another one, the offsets may point anywhere in today's text, and
// it is not read.
func snippetNeed(hits []detect.RecordHit, current bool) map[string]int64 {
	need := map[string]int64{}
	if !current {
		return need
	}
	shown := 0
	for _, h := range hits[:min(len(hits), maxShownRecords)] {
		for _, m := range h.Matches {
			if shown++; shown > maxShownMatches {
				return need
			}
			need[m.Part] = max(need[m.Part], m.End+contextRunes*utf8.UTFMax)
		}
	}
	return need
}

// snippets cuts each match out of its part's text (texts, as reread kept
// them) and masks it; with reveal, it keeps the value and its context too.
// It also returns a redactor that replaces the values, wherever else they
// appear on the page (Subject, headers, file names), with their masks.
// Unless current, every match is unavailable; so are those of a message
// gone (its bytes deleted or expired) and those whose text was not kept or
// does not fit the offsets.
func snippets(hits []detect.RecordHit, current, gone, reveal bool, texts map[string]string) ([]recordView, *strings.Replacer) {
	if len(hits) > maxShownRecords {
		hits = hits[:maxShownRecords]
	}
	var views []recordView
	var pairs []string // value, mask, ... for the redactor
	shown := 0
	for _, h := range hits {
		rv := recordView{ID: h.ID, Parts: h.Parts, More: h.MoreMatches}
		for _, f := range h.Fields {
			rv.Fields = append(rv.Fields, string(f))
		}
		for _, m := range h.Matches {
			if shown++; shown > maxShownMatches {
				rv.More++
				continue
			}
			mv := matchView{Field: string(m.Field), Part: m.Part, Start: m.Start, End: m.End}
			text, ok := texts[m.Part]
			if !current || !ok || m.Start < 0 || m.End <= m.Start || m.End > int64(len(text)) ||
				!utf8.RuneStart(text[m.Start]) || int(m.End) < len(text) && !utf8.RuneStart(text[m.End]) {
				mv.Unavailable, mv.Reason = true, unavailableText
				switch {
				case !current:
					mv.Reason = unavailableExtractor
				case gone:
					mv.Reason = unavailableGone
				}
				rv.Matches = append(rv.Matches, mv)
				continue
			}
			value := text[m.Start:m.End]
			mv.Masked = shownText(mask(m.Field, value))
			if reveal {
				mv.Value = shownText(value)
				mv.Before = shownText(before(text, int(m.Start)))
				mv.After = shownText(after(text, int(m.End)))
			}
			if utf8.RuneCountInString(strings.TrimSpace(value)) >= 2 {
				pairs = append(pairs, strings.TrimSpace(value), mv.Masked)
			}
			rv.Matches = append(rv.Matches, mv)
		}
		views = append(views, rv)
	}
	return views, redactor(pairs)
}

// shownText is s as a page shows it: on one line, valid UTF-8.
func shownText(s string) string { return strings.ToValidUTF8(oneLine(s), "\uFFFD") }

// redactor replaces each value of pairs (value, mask, ...) with its mask,
// longest values first so that a value inside another does not split it.
func redactor(pairs []string) *strings.Replacer {
	type pair struct{ v, m string }
	var ps []pair
	for i := 0; i+1 < len(pairs); i += 2 {
		ps = append(ps, pair{pairs[i], pairs[i+1]})
	}
	slices.SortStableFunc(ps, func(a, b pair) int { return len(b.v) - len(a.v) })
	var args []string
	for _, p := range ps {
		args = append(args, p.v, p.m)
	}
	return strings.NewReplacer(args...)
}

func before(text string, start int) string {
	i := start
	for n := 0; n < contextRunes && i > 0; n++ {
		_, size := utf8.DecodeLastRuneInString(text[:i])
		i -= size
	}
	return text[i:start]
}

func after(text string, end int) string {
	i := end
	for n := 0; n < contextRunes && i < len(text); n++ {
		_, size := utf8.DecodeRuneInString(text[i:])
		i += size
	}
	return text[end:i]
}

// oneLine turns control characters (line breaks, tabs) into spaces.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
}
