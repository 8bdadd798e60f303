package audit

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
)

// Export formats.
const (
	FormatCSV  = "csv"
	FormatJSON = "json"
)

// csvHeader is the first row of a CSV export. detail is the JSON object
// the entry's hash covers; time is RFC 3339 in UTC.
var csvHeader = []string{"seq", "time", "actor", "action", "target", "justification", "detail", "remote", "prev_hash", "hash"}

// Export implements Log. It streams: one row is read, written and
// forgotten at a time, from one SELECT (one snapshot of the log). The JSON
// form is an array of Records; the CSV form has a header row (csvHeader)
// and holds the same fields. Either holds everything needed to recompute
// the hashes.
//
// A CSV export is data, not a spreadsheet: a justification or user name
// that starts with "=", "+", "-" or "@" is written as it is (escaping it
// would change what the hashes cover), and a spreadsheet program that
// opens the file directly may take it for a formula. Import it as text.
func (s *SQLite) Export(ctx context.Context, q Query, format string, w io.Writer) error {
	var ew exportWriter
	switch format {
	case FormatCSV:
		ew = &csvExport{w: csv.NewWriter(w)}
	case FormatJSON:
		ew = &jsonExport{w: bufio.NewWriter(w)}
	default:
		return fmt.Errorf("%w: export format %q: want %q or %q", ErrInvalid, format, FormatCSV, FormatJSON)
	}
	where, args := q.where()
	rows, err := s.r.QueryContext(ctx, `SELECT `+columns+` FROM entries`+where+` ORDER BY seq`, args...)
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	defer rows.Close()
	if err := ew.begin(); err != nil {
		return fmt.Errorf("audit: export: %w", err)
	}
	for rows.Next() {
		rec, err := scanRecord(rows)
		if err != nil {
			return err
		}
		if err := ew.record(&rec); err != nil {
			return fmt.Errorf("audit: export: %w", err)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	if err := ew.end(); err != nil {
		return fmt.Errorf("audit: export: %w", err)
	}
	return nil
}

type exportWriter interface {
	begin() error
	record(*Record) error
	end() error // flushes
}

type csvExport struct{ w *csv.Writer }

func (e *csvExport) begin() error { return e.w.Write(csvHeader) }

func (e *csvExport) record(r *Record) error {
	detail, err := detailJSON(r.Detail)
	if err != nil {
		return err
	}
	return e.w.Write([]string{
		strconv.FormatInt(r.Seq, 10), formatTime(r.Time), r.Actor, string(r.Action), r.Target,
		r.Justification, detail, r.Remote, r.PrevHash, r.Hash,
	})
}

func (e *csvExport) end() error {
	e.w.Flush()
	return e.w.Error()
}

type jsonExport struct {
	w   *bufio.Writer
	n   int
	buf bytes.Buffer
}

func (e *jsonExport) begin() error {
	_, err := e.w.WriteString("[")
	return err
}

func (e *jsonExport) record(r *Record) error {
	sep := ",\n"
	if e.n == 0 {
		sep = "\n"
	}
	e.n++
	e.buf.Reset()
	enc := json.NewEncoder(&e.buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil {
		return err
	}
	if _, err := e.w.WriteString(sep); err != nil {
		return err
	}
	_, err := e.w.Write(bytes.TrimSuffix(e.buf.Bytes(), []byte("\n")))
	return err
}

func (e *jsonExport) end() error {
	end := "\n]\n"
	if e.n == 0 {
		end = "]\n"
	}
	if _, err := e.w.WriteString(end); err != nil {
		return err
	}
	return e.w.Flush()
}
