// Package customers loads the customer list that detect looks for in mail.
//
// A list is a CSV file with a header row, saved as UTF-8 (with or without a
// byte-order mark) or as Shift_JIS/CP932, the way Excel saves CSV in Japan.
// The encoding is decided from the first MiB: if that is valid UTF-8 the file
// is read as UTF-8, otherwise as Shift_JIS (golang.org/x/text's decoder
// follows the WHATWG/CP932 table, so NEC and IBM extensions such as ① and 髙
// decode).
//
// Columns are taken by name from Columns, or recognised from common English
// and Japanese headers (see RecognisedHeaders). The ID column is required, and at
// least one of name, kana, email, phone and address must be present; a
// company column is optional and never enough on its own.
//
// Errors name the file and line, never a customer value: a list is personal
// data, and errors end up in logs.
package customers

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/unicode/norm"

	"github.com/dlprelay/dlprelay/detect/normalize"
)

// Field names a customer attribute.
type Field string

// The fields a list can hold.
const (
	FieldID    Field = "id"
	FieldName  Field = "name"
	FieldKana  Field = "kana"
	FieldEmail Field = "email"
	FieldPhone Field = "phone"
	// FieldAddress is a postal address.
	FieldAddress Field = "address"
	// FieldCompany is the customer's company or employer. It is loaded and
	// matched, but detect never reports a record on its company alone.
	FieldCompany Field = "company"
)

// fields lists every field, in a fixed order.
var fields = [...]Field{FieldID, FieldName, FieldKana, FieldEmail, FieldPhone, FieldAddress, FieldCompany}

// AllFields returns every field, in a fixed order: id, name, kana, email,
// phone, address, company.
func AllFields() []Field { return fields[:len(fields):len(fields)] }

// Columns names the header of the column that holds each field. An empty
// name means: recognise the column from the usual headers.
type Columns struct{ ID, Name, Kana, Email, Phone, Address, Company string }

func (c Columns) get(f Field) string {
	switch f {
	case FieldID:
		return c.ID
	case FieldName:
		return c.Name
	case FieldKana:
		return c.Kana
	case FieldEmail:
		return c.Email
	case FieldPhone:
		return c.Phone
	case FieldAddress:
		return c.Address
	case FieldCompany:
		return c.Company
	}
	return ""
}

// RecognisedHeaders returns the headers recognised for f when Columns
// leaves it empty. Headers are compared after NFKC, trimming and
// lower-casing, so "Customer_ID", "ＩＤ" and " id " are all "id".
func RecognisedHeaders(f Field) []string { return slices.Clone(recognised[f]) }

var recognised = map[Field][]string{
	FieldID:      {"customer_id", "id", "顧客ID", "顧客番号"},
	FieldName:    {"name", "氏名", "名前", "顧客名"},
	FieldKana:    {"name_kana", "kana", "フリガナ", "ふりがな", "カナ"},
	FieldEmail:   {"email", "e-mail", "mail", "メールアドレス", "メール"},
	FieldPhone:   {"phone", "tel", "telephone", "電話番号", "電話"},
	FieldAddress: {"address", "住所"},
	FieldCompany: {"company", "会社名", "勤務先"},
}

// Record is one customer. ID is the value of the ID column; Values holds
// the other fields that are present and non-empty in the row, trimmed but
// otherwise as written.
type Record struct {
	ID     string
	Values map[Field]string
}

// List is a loaded customer list.
type List struct {
	Records []Record
	// Source is the path (or the name given to Parse) the list came from.
	Source string
	// Encoding is "utf-8" or "shift_jis".
	Encoding string
	// Header maps each field found to the header of its column.
	Header map[Field]string
}

// Len returns the number of records.
func (l *List) Len() int {
	if l == nil {
		return 0
	}
	return len(l.Records)
}

// MaxFieldBytes is the longest field accepted, in bytes.
const MaxFieldBytes = 1 << 20

// sniffBytes is how much of the file decides its encoding.
const sniffBytes = 1 << 20

// Load reads the customer list in the CSV file at path.
func Load(path string, cols Columns) (*List, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("customers: %w", err)
	}
	defer f.Close()
	return Parse(f, path, cols)
}

// Parse reads a customer list in CSV from r. source names r in errors and in
// List.Source.
func Parse(r io.Reader, source string, cols Columns) (*List, error) {
	l := &List{Source: source, Header: map[Field]string{}}
	br := bufio.NewReaderSize(r, sniffBytes)
	head, err := br.Peek(sniffBytes)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return nil, fmt.Errorf("customers: %s: %w", source, err)
	}
	var in io.Reader = br
	switch {
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}), bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		return nil, fmt.Errorf("customers: %s: UTF-16 is not supported; save the list as CSV (UTF-8) or CSV (Shift_JIS)", source)
	case bytes.HasPrefix(head, []byte("\xEF\xBB\xBF")):
		br.Discard(3)
		l.Encoding = "utf-8"
	case normalize.ValidUTF8Prefix(head, err == io.EOF):
		l.Encoding = "utf-8"
	default:
		l.Encoding = "shift_jis"
		in = japanese.ShiftJIS.NewDecoder().Reader(br)
	}

	cr := csv.NewReader(&lineGuard{r: in})
	cr.FieldsPerRecord = -1 // short rows are fine: missing cells are empty
	// Strict quoting: with lazy quotes an unbalanced quote would silently
	// swallow every following row into one field.
	cr.LazyQuotes = false
	cr.ReuseRecord = true

	header, err := cr.Read()
	if err == io.EOF {
		return nil, fmt.Errorf("customers: %s: empty file, want a header row", source)
	}
	if err != nil {
		return nil, csvError(source, err)
	}
	idx, err := findColumns(header, cols)
	if err != nil {
		return nil, fmt.Errorf("customers: %s:1: header row: %w", source, err)
	}
	for f, i := range idx {
		l.Header[f] = strings.TrimSpace(header[i])
	}

	for {
		row, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, csvError(source, err)
		}
		line, _ := cr.FieldPos(0)
		rec, err := makeRecord(row, idx, l.Encoding)
		if err != nil {
			return nil, fmt.Errorf("customers: %s:%d: %w", source, line, err)
		}
		if rec.ID == "" && len(rec.Values) == 0 {
			continue // a blank row, as spreadsheets leave at the end
		}
		if rec.ID == "" {
			return nil, fmt.Errorf("customers: %s:%d: empty ID in column %q", source, line, l.Header[FieldID])
		}
		l.Records = append(l.Records, rec)
	}
	return l, nil
}

func makeRecord(row []string, idx map[Field]int, enc string) (Record, error) {
	rec := Record{}
	for f, i := range idx {
		if i >= len(row) {
			continue
		}
		v := row[i]
		if len(v) > MaxFieldBytes {
			return rec, fmt.Errorf("%s field longer than %d bytes", f, MaxFieldBytes)
		}
		if enc == "utf-8" && !utf8.ValidString(v) {
			return rec, fmt.Errorf("%s field is not valid UTF-8 (the file was detected as UTF-8 from its start)", f)
		}
		v = strings.TrimFunc(v, isSpace)
		if v == "" {
			continue
		}
		if f == FieldID {
			rec.ID = v
			continue
		}
		if rec.Values == nil {
			rec.Values = make(map[Field]string, len(idx)-1)
		}
		rec.Values[f] = v
	}
	return rec, nil
}

func isSpace(r rune) bool {
	return r == ' ' || r == '\t' || r == '\r' || r == '\n' || r == 0x3000 || r == 0xA0 || r == 0xFEFF
}

// headerKey is how header cells are compared.
func headerKey(s string) string {
	return strings.ToLower(strings.TrimFunc(norm.NFKC.String(s), isSpace))
}

// findColumns maps fields to column indexes.
func findColumns(header []string, cols Columns) (map[Field]int, error) {
	keys := make([]string, len(header))
	for i, h := range header {
		keys[i] = headerKey(h)
	}
	idx := map[Field]int{}
	for _, f := range fields {
		if want := cols.get(f); want != "" {
			i := indexOf(keys, headerKey(want))
			if i < 0 {
				// The configured name is configuration, not data: safe to show.
				return nil, fmt.Errorf("no column named %q for %s", want, f)
			}
			idx[f] = i
			continue
		}
		for _, name := range recognised[f] {
			if i := indexOf(keys, headerKey(name)); i >= 0 {
				idx[f] = i
				break
			}
		}
	}
	// The header cells are not shown: a file without a header row would
	// put a customer's values there.
	if _, ok := idx[FieldID]; !ok {
		return nil, fmt.Errorf("no ID column (want a header named one of %s, or set the ID column name)",
			strings.Join(recognised[FieldID], ", "))
	}
	n := len(idx) - 1
	if _, ok := idx[FieldCompany]; ok {
		n-- // a company alone identifies no one
	}
	if n < 1 {
		return nil, errors.New("no name, kana, email, phone or address column; nothing to look for")
	}
	return idx, nil
}

func indexOf(keys []string, k string) int {
	for i, key := range keys {
		if key == k {
			return i
		}
	}
	return -1
}

// csvError rewrites an encoding/csv error without the text it quotes.
func csvError(source string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		if errors.Is(pe.Err, errLineTooLong) {
			return fmt.Errorf("customers: %s:%d: %w", source, pe.StartLine, errLineTooLong)
		}
		return fmt.Errorf("customers: %s:%d:%d: %w", source, pe.Line, pe.Column, pe.Err)
	}
	if errors.Is(err, errLineTooLong) {
		return fmt.Errorf("customers: %s: %w", source, errLineTooLong)
	}
	return fmt.Errorf("customers: %s: %w", source, err)
}

var errLineTooLong = fmt.Errorf("line longer than %d bytes", maxLineBytes)

// maxLineBytes bounds one physical line, so a file without line breaks
// cannot make the CSV reader buffer it whole.
const maxLineBytes = 4 * MaxFieldBytes

// lineGuard fails the read once a line grows past maxLineBytes.
type lineGuard struct {
	r   io.Reader
	run int
}

func (g *lineGuard) Read(p []byte) (int, error) {
	n, err := g.r.Read(p)
	for _, c := range p[:n] {
		if c == '\n' {
			g.run = 0
		} else if g.run++; g.run > maxLineBytes {
			return 0, errLineTooLong
		}
	}
	return n, err
}
