package audit

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// parseCSV reads a CSV export back into records.
func parseCSV(t *testing.T, r io.Reader) []Record {
	t.Helper()
	rows, err := csv.NewReader(r).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) == 0 || !slices.Equal(rows[0], csvHeader) {
		t.Fatalf("header %q, want %q", rows[0], csvHeader)
	}
	var out []Record
	for _, row := range rows[1:] {
		seq, err := strconv.ParseInt(row[0], 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		at, err := time.Parse(time.RFC3339Nano, row[1])
		if err != nil {
			t.Fatal(err)
		}
		d, err := parseDetail(row[6])
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, Record{
			Seq: seq, Time: at,
			Event: Event{
				Actor: row[2], Action: Action(row[3]), Target: row[4],
				Justification: row[5], Detail: d, Remote: row[7],
			},
			PrevHash: row[8], Hash: row[9],
		})
	}
	return out
}

func parseJSON(t *testing.T, b []byte) []Record {
	t.Helper()
	var out []Record
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("%v in %s", err, b)
	}
	return out
}

func TestExport(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := openLog(t)
	recs := appendN(t, s, 5)
	// Values that need quoting or escaping in either format.
	odd := Event{
		Actor: "bob@example.com", Action: ActionNote, Target: "q,\"7\"",
		Justification: "line 1\nline 2, \"quoted\"\r\n=cmd|' /C calc'!A0 <b>&amp;</b> \u2028 日本語",
		Detail:        map[string]string{"z": "last", "a": "first,\"x\"", "note": "tab\there"},
		Remote:        "[2001:db8::1]:443",
	}
	rec, err := s.Append(ctx, odd)
	if err != nil {
		t.Fatal(err)
	}
	// A browser sends CRLF; a CSV reader would turn it into LF.
	if rec.Justification != strings.ReplaceAll(odd.Justification, "\r\n", "\n") {
		t.Errorf("justification stored as %q", rec.Justification)
	}
	recs = append(recs, rec)
	bare, err := s.Append(ctx, Event{Actor: "system", Action: ActionConfigReload})
	if err != nil {
		t.Fatal(err)
	}
	recs = append(recs, bare)

	for _, tc := range []struct {
		name string
		q    Query
		want []Record
	}{
		{"all", Query{}, recs},
		// Paging is List's; Export writes everything that matches.
		{"paging ignored", Query{Offset: 2, Limit: 1}, recs},
		{"filtered", Query{Actor: "user1"}, []Record{recs[0], recs[3]}},
		{"none", Query{Actor: "nobody"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := s.Export(ctx, tc.q, FormatCSV, &b); err != nil {
				t.Fatal(err)
			}
			checkRecords(t, parseCSV(t, &b), tc.want)

			b.Reset()
			if err := s.Export(ctx, tc.q, FormatJSON, &b); err != nil {
				t.Fatal(err)
			}
			if !json.Valid(b.Bytes()) || !strings.HasPrefix(b.String(), "[") {
				t.Fatalf("not one JSON array: %s", b.Bytes())
			}
			checkRecords(t, parseJSON(t, b.Bytes()), tc.want)
		})
	}

	// An exported chain carries everything to verify it elsewhere.
	var b bytes.Buffer
	if err := s.Export(ctx, Query{}, FormatCSV, &b); err != nil {
		t.Fatal(err)
	}
	prev := zeroHash
	for _, r := range parseCSV(t, &b) {
		h, err := computeHash(&r)
		if err != nil || r.PrevHash != prev || h != r.Hash {
			t.Fatalf("exported seq %d does not verify", r.Seq)
		}
		prev = r.Hash
	}

	if err := s.Export(ctx, Query{}, "xml", &b); !errors.Is(err, ErrInvalid) {
		t.Errorf("Export as xml: %v, want ErrInvalid", err)
	}
}

func TestExportEmpty(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := openLog(t)
	var b bytes.Buffer
	if err := s.Export(ctx, Query{}, FormatJSON, &b); err != nil {
		t.Fatal(err)
	}
	if b.String() != "[]\n" {
		t.Errorf("empty JSON export %q", b.String())
	}
	b.Reset()
	if err := s.Export(ctx, Query{}, FormatCSV, &b); err != nil {
		t.Fatal(err)
	}
	if want := strings.Join(csvHeader, ",") + "\n"; b.String() != want {
		t.Errorf("empty CSV export %q, want %q", b.String(), want)
	}
}

// failWriter fails once more than n bytes were written.
type failWriter struct{ n int }

var errFull = errors.New("disk full")

func (w *failWriter) Write(p []byte) (int, error) {
	if len(p) > w.n {
		return 0, errFull
	}
	w.n -= len(p)
	return len(p), nil
}

// Export streams: the writer sees output before the last row is read, and
// its error stops the export.
func TestExportWriterError(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := openLog(t)
	appendMany(t, s, 100) // more than the CSV and bufio buffers hold
	for _, f := range []string{FormatCSV, FormatJSON} {
		if err := s.Export(ctx, Query{}, f, &failWriter{n: 10000}); !errors.Is(err, errFull) {
			t.Errorf("%s: %v, want the writer's error", f, err)
		}
	}
}
