package watchlist

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// MaxRows is the most rows a file may have after its header.
const MaxRows = 1_000_000

// MaxFieldBytes is the longest cell accepted, in bytes, in the columns the
// package reads. Unknown columns are only bounded by the 64 KiB of a row.
const MaxFieldBytes = 1024

// maxErrors caps the messages Parse joins; past it the last one counts the
// rest.
const maxErrors = 20

// column is a field of Entry that a column of the file fills.
type column int

const (
	colAddress column = iota
	colName
	colFrom
	colUntil
	numColumns
)

var columnNames = [numColumns]string{"address", "name", "from", "until"}

func (c column) String() string { return columnNames[c] }

// recognised lists the headers of each column, compared with headerKey.
// When several are present for one column, Parse fails.
var recognised = [numColumns][]string{
	colAddress: {"email", "e-mail", "mail", "メールアドレス", "address", "アドレス"},
	colName:    {"name", "display_name", "氏名", "名前"},
	colFrom:    {"from", "effective_from", "start", "開始日"},
	colUntil:   {"until", "effective_until", "end", "終了日", "退職日"},
}

// headerKey is how header cells are compared.
func headerKey(s string) string {
	return strings.ToLower(strings.TrimFunc(norm.NFKC.String(s), isSpace))
}

// recognisedKeys holds the headerKey of each recognised header.
var recognisedKeys = func() (keys [numColumns][]string) {
	for c, names := range recognised {
		for _, n := range names {
			keys[c] = append(keys[c], headerKey(n))
		}
	}
	return keys
}()

// layout tells where a file's columns are.
type layout struct {
	index  [numColumns]int    // -1 when absent
	header [numColumns]string // the header as written, trimmed, for messages
}

func findColumns(header []string) (layout, error) {
	var lay layout
	for c := range numColumns {
		lay.index[c] = -1
	}
	for i, cell := range header {
		k := headerKey(cell)
		for c := range numColumns {
			for _, name := range recognisedKeys[c] {
				if k != name {
					continue
				}
				h := strings.TrimFunc(cell, isSpace)
				if lay.index[c] >= 0 {
					return lay, fmt.Errorf("columns %q and %q are both the %s column; keep one, or rename the other", lay.header[c], h, c)
				}
				lay.index[c], lay.header[c] = i, h
			}
		}
	}
	// The other header cells are not shown: in a file without a header row
	// they would be someone's address and name.
	if lay.index[colAddress] < 0 {
		return lay, fmt.Errorf("no address column (want a header named one of %s)", strings.Join(recognised[colAddress], ", "))
	}
	return lay, nil
}

// Load reads the watch list in the CSV file at path. Dates are read in loc,
// which must not be nil.
func Load(path string, loc *time.Location) (*List, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("watchlist: %w", err)
	}
	defer f.Close()
	return Parse(f, path, loc)
}

// Parse reads a watch list in CSV from r. source names r in errors and is
// what Source returns. Dates are read in loc, which must not be nil: "the
// last day" of an employee is a day where HR is.
func Parse(r io.Reader, source string, loc *time.Location) (*List, error) {
	if loc == nil {
		return nil, fmt.Errorf("watchlist: %s: no time zone to read dates in", source)
	}
	d, err := newDecoder(r)
	if err != nil {
		return nil, fmt.Errorf("watchlist: %s: %w", source, err)
	}
	guard := newRecordGuard(d)
	cr := csv.NewReader(guard)
	cr.FieldsPerRecord = -1 // short rows are fine: missing cells are empty
	cr.Comment = '#'
	// Strict quoting: with lazy quotes an unbalanced quote would swallow
	// every following row into one cell.
	cr.LazyQuotes = false
	cr.ReuseRecord = true

	header, err := cr.Read()
	if err == io.EOF {
		return nil, fmt.Errorf("watchlist: %s: empty file, want a header row", source)
	}
	if err != nil {
		return nil, csvError(source, guard, err)
	}
	line, _ := cr.FieldPos(0)
	lay, err := findColumns(header)
	if err != nil {
		return nil, fmt.Errorf("watchlist: %s:%d: header: %w", source, line, err)
	}

	l := &List{source: source, byAddr: map[string][]int{}}
	var errs errorList
	for rows := 0; ; {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			errs.fatal = csvError(source, guard, err)
			break
		}
		line, _ := cr.FieldPos(0)
		if rows++; rows > MaxRows {
			errs.fatal = fmt.Errorf("watchlist: %s:%d: more than %d rows", source, line, MaxRows)
			break
		}
		e, problems, blank := parseRow(rec, &lay, loc)
		if len(problems) > 0 {
			errs.add(fmt.Errorf("watchlist: %s:%d: %s", source, line, strings.Join(problems, "; ")))
			continue
		}
		if blank {
			continue
		}
		e.Line = line
		l.byAddr[e.Address] = append(l.byAddr[e.Address], len(l.entries))
		l.entries = append(l.entries, e)
	}
	if err := errs.join(source); err != nil {
		return nil, err
	}
	return l, nil
}

// parseRow makes an entry of one row. problems describe what is wrong, one
// per bad cell, each naming its column; blank is true for a row whose cells
// are all empty.
func parseRow(rec []string, lay *layout, loc *time.Location) (e Entry, problems []string, blank bool) {
	var val [numColumns]string
	blank = true
	for c := range numColumns {
		i := lay.index[c]
		if i < 0 || i >= len(rec) {
			continue
		}
		v := rec[i]
		switch {
		case len(v) > MaxFieldBytes:
			problems = append(problems, fmt.Sprintf("%s column %q: longer than %d bytes", c, lay.header[c], MaxFieldBytes))
			blank = false
			continue
		case !utf8.ValidString(v):
			problems = append(problems, fmt.Sprintf("%s column %q: not valid UTF-8 (the file was taken for UTF-8 from its first non-ASCII bytes)", c, lay.header[c]))
			blank = false
			continue
		}
		val[c] = strings.TrimFunc(v, isSpace)
		if val[c] != "" {
			blank = false
		}
	}
	if blank || len(problems) > 0 {
		return e, problems, blank
	}

	e.Address = normalizeAddress(val[colAddress])
	if p := addressProblem(e.Address); p != "" {
		problems = append(problems, fmt.Sprintf("%s column %q: %s", colAddress, lay.header[colAddress], p))
	}
	e.Name = val[colName]
	var fromOK, untilOK bool
	e.From, fromOK = parseBound(val[colFrom], false, loc)
	if !fromOK {
		problems = append(problems, fmt.Sprintf("%s column %q: %s", colFrom, lay.header[colFrom], dateProblem))
	}
	e.Until, untilOK = parseBound(val[colUntil], true, loc)
	if !untilOK {
		problems = append(problems, fmt.Sprintf("%s column %q: %s", colUntil, lay.header[colUntil], dateProblem))
	}
	if fromOK && untilOK && !e.From.IsZero() && !e.Until.IsZero() && e.Until.Before(e.From) {
		problems = append(problems, fmt.Sprintf("%s column %q is before %s column %q", colUntil, lay.header[colUntil], colFrom, lay.header[colFrom]))
	}
	return e, problems, false
}

// addressProblem says what keeps a (normalized) address from looking like
// one, or returns "".
func addressProblem(a string) string {
	at := strings.Count(a, "@")
	switch {
	case a == "":
		return "empty"
	case strings.ContainsRune(a, utf8.RuneError):
		return "has bytes that are not text in the file's encoding"
	case at == 0 && strings.Contains(a, "＠"):
		return "no @ (the ＠ is a full-width one)"
	case at == 0:
		return "no @"
	case at > 1:
		return "more than one @"
	case strings.HasPrefix(a, "@"):
		return "nothing before the @"
	case strings.HasSuffix(a, "@"):
		return "nothing after the @"
	case strings.ContainsAny(a, "<>"):
		return "has < or >"
	}
	for _, r := range a {
		switch {
		case unicode.IsSpace(r):
			return "has a space"
		case unicode.IsControl(r):
			return "has a control character"
		}
	}
	return ""
}

const dateProblem = "not a date (want 2026-12-31, 2026/12/31 or an RFC 3339 time, years 1900 to 9999)"

// dateLayouts are the day forms; Go's 1 and 2 take one or two digits.
var dateLayouts = [...]string{"2006-1-2", "2006/1/2"}

// parseBound reads a From (end false) or Until (end true) cell. An empty
// cell is the zero time. A day is its first instant for From and its last
// for Until; an RFC 3339 time is that instant either way.
func parseBound(v string, end bool, loc *time.Location) (time.Time, bool) {
	if v == "" {
		return time.Time{}, true
	}
	var t time.Time
	day := false
	for _, layout := range dateLayouts {
		if d, err := time.ParseInLocation(layout, v, loc); err == nil {
			t, day = d, true
			break
		}
	}
	if !day {
		d, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return time.Time{}, false
		}
		t = d.In(loc)
	}
	// The range also keeps a time away from the zero time, which would
	// read as an open bound.
	if y := t.Year(); y < 1900 || y > 9999 {
		return time.Time{}, false
	}
	if day && end {
		y, m, dd := t.Date()
		t = time.Date(y, m, dd+1, 0, 0, 0, 0, loc).Add(-time.Nanosecond)
	}
	return t, true
}

// errorList gathers the errors of a parse: row errors, capped, and the one
// that ended it early, if any.
type errorList struct {
	rows  []error // the first maxErrors
	n     int     // row errors in all
	fatal error
}

func (l *errorList) add(err error) {
	if len(l.rows) < maxErrors {
		l.rows = append(l.rows, err)
	}
	l.n++
}

// join returns at most maxErrors messages: row errors first, then, when
// some were left out, one that counts them, then the fatal error.
func (l *errorList) join(source string) error {
	limit := maxErrors
	if l.fatal != nil {
		limit--
	}
	out := l.rows
	if l.n > limit {
		shown := limit - 1
		out = append(l.rows[:shown:shown], fmt.Errorf("watchlist: %s: %d more bad rows not shown", source, l.n-shown))
	}
	if l.fatal != nil {
		out = append(out, l.fatal)
	}
	return errors.Join(out...)
}

// csvError names the place of an error from the CSV reader. The error text
// of encoding/csv quotes no cell.
func csvError(source string, g *recordGuard, err error) error {
	if errors.Is(err, errRecordTooLong) {
		return fmt.Errorf("watchlist: %s:%d: %w", source, g.startLine, errRecordTooLong)
	}
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Errorf("watchlist: %s:%d:%d: %w", source, pe.Line, pe.Column, pe.Err)
	}
	return fmt.Errorf("watchlist: %s: %w", source, err)
}
