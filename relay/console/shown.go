package console

import (
	"cmp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/dlprelay/dlprelay/detect"
	"github.com/dlprelay/dlprelay/relay/quarantine"
)

// What a masked view (a viewer's, or an officer's before a reveal) shows of
// the text around the findings. Every text of the message on the page — the
// Subject, each header field, each part's file name, each snippet — is
// either masked at the stored offsets of the findings or withheld. Text is
// shown only where a scan whose findings can be applied read it: findings
// of this extractor (other extractors place other text at the same
// offsets), holding every record the entry counts (the store cuts findings
// that do not fit), in a segment read again to its end, where no record
// has matches that were only counted (detect.MaxMatchesPerRecord): those
// could be anywhere in its segments. Officers see file names as they are.

// Bounds on what one detail page reads again of a message.
const (
	maxRescanText = 32 << 20  // bytes kept of all segments together
	maxHeaderText = 256 << 10 // bytes of one header segment; a longer one is not masked
)

// masker masks text at the stored offsets of the findings.
type masker struct {
	// usable: the findings are readable, of this extractor and complete.
	usable  bool
	matches map[string][]detect.Match // by segment
	// counted are the segments of records with matches that were only
	// counted: where they are is not known.
	counted map[string]bool
}

// newMasker returns the masker of entry e's findings f (ferr: the error
// decoding them).
func newMasker(e quarantine.Entry, f detect.Findings, ferr error) *masker {
	m := &masker{matches: map[string][]detect.Match{}, counted: map[string]bool{}}
	if ferr != nil || !f.Current() || !e.FindingsComplete(f) {
		return m
	}
	m.usable = true
	for _, h := range f.Records {
		for _, mt := range h.Matches {
			m.matches[mt.Part] = append(m.matches[mt.Part], mt)
		}
		if h.MoreMatches > 0 {
			for _, p := range h.Parts {
				m.counted[p] = true
			}
			for _, mt := range h.Matches {
				m.counted[mt.Part] = true
			}
		}
	}
	return m
}

// maskRange returns text[from:to], a piece of the text of segment seg,
// with every match in it masked. ok is false where the findings cannot
// vouch for the piece: they are not usable, a record has matches there
// that were only counted, a match of the segment does not fit the text
// (it is not the text that was scanned) or crosses an end of the piece.
func (m *masker) maskRange(seg, text string, from, to int) (string, bool) {
	if !m.usable || m.counted[seg] || from < 0 || from > to || to > len(text) {
		return "", false
	}
	var in []detect.Match
	for _, mt := range m.matches[seg] {
		if mt.Start < 0 || mt.End <= mt.Start || mt.End > int64(len(text)) ||
			!utf8.RuneStart(text[mt.Start]) || mt.End < int64(len(text)) && !utf8.RuneStart(text[mt.End]) {
			return "", false
		}
		s, e := int(mt.Start), int(mt.End)
		switch {
		case e <= from || s >= to:
		case s < from || e > to:
			return "", false
		default:
			in = append(in, mt)
		}
	}
	// By start, the longest first; overlapping matches are masked as one.
	slices.SortFunc(in, func(a, b detect.Match) int { return cmp.Or(cmp.Compare(a.Start, b.Start), cmp.Compare(b.End, a.End)) })
	var b strings.Builder
	at := from
	for i := 0; i < len(in); {
		first, end := in[i], int(in[i].End)
		j := i + 1
		for ; j < len(in) && int(in[j].Start) < end; j++ {
			end = max(end, int(in[j].End))
		}
		b.WriteString(text[at:first.Start])
		v := text[first.Start:end]
		if int(first.End) == end {
			b.WriteString(mask(first.Field, v))
		} else {
			b.WriteString(maskPrefix(strings.TrimSpace(v), 2))
		}
		at, i = end, j
	}
	b.WriteString(text[at:to])
	return b.String(), true
}

// maskHeaders masks the value of each header field at the offsets of the
// findings in the message's header segment ("1.header"), whose text is
// given (whole: read to its end), and withholds the fields it cannot place
// there. The segment has a line "Name: value" for each field with a value,
// in order, decoded by the scanner; a field is placed at the next such
// line that matches its value as the console decoded it, so a field the
// two decode differently is withheld.
func (m *masker) maskHeaders(fields []headerField, text string, whole bool) {
	cursor := 0
	for i := range fields {
		f := &fields[i]
		v := strings.TrimSpace(f.Value)
		if v == "" {
			f.Value = ""
			continue
		}
		line := f.Name + ": " + v + "\n"
		at := -1
		if whole {
			at = indexLine(text, line, cursor)
		}
		masked, ok := "", false
		if at >= 0 {
			from := at + len(f.Name) + len(": ")
			masked, ok = m.maskRange("1.header", text, from, from+len(v))
		}
		if !ok {
			f.Value, f.Withheld = "", true
			continue
		}
		f.Value, cursor = masked, at+len(line)
	}
}

// indexLine returns the index of the first line of text at or after from
// that is line (which ends in "\n"), or -1.
func indexLine(text, line string, from int) int {
	for from <= len(text) {
		i := strings.Index(text[from:], line)
		if i < 0 {
			return -1
		}
		if at := from + i; at == 0 || text[at-1] == '\n' {
			return at
		}
		from += i + 1
	}
	return -1
}

// maskFilename masks the file name of part p at the offsets of the
// findings in its header segment (p.Path+".header", whose last line is
// the file name), or reports false.
func (m *masker) maskFilename(p PartInfo, rr *reread) (string, bool) {
	seg := p.Path + ".header"
	text, whole := rr.whole(seg)
	line := p.Filename + "\n"
	if !whole || !strings.HasSuffix(text, line) {
		return "", false
	}
	from := len(text) - len(line)
	if from > 0 && text[from-1] != '\n' {
		return "", false
	}
	return m.maskRange(seg, text, from, from+len(p.Filename))
}

// maskView makes v, the view of entry e, a masked one: the header values
// and file names (but for a user who sees file names as they are) masked
// by m or withheld, the Subject as the scanner cleared it (not
// e.SubjectWithheld) or masked as in the Subject header or withheld. The
// redactor red also replaces each value it knows with its mask, wherever
// it appears in them.
func maskView(v *detailView, e quarantine.Entry, m *masker, rr *reread, red *strings.Replacer, filenames bool) {
	text, whole := rr.whole("1.header")
	m.maskHeaders(v.Headers, text, whole)
	for i := range v.Headers {
		if v.Headers[i].Withheld {
			v.Withheld = true
		}
		v.Headers[i].Value = red.Replace(v.Headers[i].Value)
	}
	switch {
	case v.Entry.Subject == "":
	case !e.SubjectWithheld:
		v.Entry.Subject = red.Replace(v.Entry.Subject)
	default:
		v.Entry.Subject = ""
		for _, f := range v.Headers {
			if f.Name == "Subject" {
				if !f.Withheld {
					v.Entry.Subject = red.Replace(cut(strings.TrimSpace(oneLine(f.Value)), quarantine.MaxSubject))
				}
				break
			}
		}
		if v.Entry.Subject == "" {
			v.WithheldSubject, v.Withheld = true, true
		}
	}
	for i := range v.Parts {
		p := &v.Parts[i]
		if p.Filename == "" || filenames {
			continue
		}
		if s, ok := m.maskFilename(*p, rr); ok {
			p.Filename = red.Replace(s)
		} else {
			p.Filename, p.FilenameWithheld, v.Withheld = "", true, true
		}
	}
}

// cut shortens s to at most n bytes at a character boundary.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
