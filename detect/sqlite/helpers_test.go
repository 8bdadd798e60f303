package sqlite

import (
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// result is everything one read gives.
type result struct {
	text  string
	err   error
	stats Stats
}

func read(db []byte, lim Limits) result {
	r := NewReader(context.Background(), bytes.NewReader(db), int64(len(db)), lim)
	text, err := io.ReadAll(r)
	return result{string(text), err, r.Stats()}
}

// fields splits the text into lines and each line into its fields.
func fields(text string) [][]string {
	var rows [][]string
	for _, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		rows = append(rows, strings.Split(line, ","))
	}
	return rows
}

// hasField reports whether some line of text has value as one of its
// fields, whole.
func hasField(text, value string) bool {
	for _, row := range fields(text) {
		if slices.Contains(row, value) {
			return true
		}
	}
	return false
}

// hasLine reports whether text has line as a line of its own.
func hasLine(text, line string) bool {
	return slices.Contains(strings.Split(text, "\n"), line)
}

// customers returns the rows of testdata/customers.csv, without its
// header line.
func customers(t testing.TB) [][]string {
	t.Helper()
	rows, err := csv.NewReader(bytes.NewReader(readFixture(t, "customers.csv"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows[1:]
}
