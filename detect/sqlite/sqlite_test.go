package sqlite

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

var update = flag.Bool("update", false, "rewrite the testdata/*.want.txt golden files")

// note1 is the start and end of notes row 1 (its body overflows).
const (
	note1Start = "1,C0022,Call back. lorem lorem "
	note1End   = "lorem contact: anna.kowalski@example.com"
	note2Start = "2,C0001,山田 太郎 様: お世話になっております。"
	note2End   = "お世話になっております。電話 03-1234-5678"
)

// The kinds table of customers.db: every serial type.
var kindLines = []string{
	"zero,0", "one,1", "i8,-100", "i16,1000", "i24,-1000000", "i32,2000000000",
	"i48,-100000000000000", "i64,9223372036854775807", "min,-9223372036854775808",
	"float,3.25", "neg,-0.5", "big,1e+300", "real-phone,9012345678",
	"null,", "empty,",
	"blob-text,ann.lee@example.com", "blob-bin,", "blob-mixed,+81 3 5555 0101 Ann Lee",
}

func TestFixtures(t *testing.T) {
	rows := customers(t)
	tests := []struct {
		file     string
		err      error    // nil: io.EOF
		rows     bool     // every customer row is a line
		missing  []string // except these ids
		notes    int      // notes rows 1 and 2 (2), only 1 (1), none (0)
		lines    []string // more lines the text has
		prefixes []string // lines the text has lines starting with
		fields   []string // values the text has as fields
		absent   []string // strings the text does not have
		carved   int64    // at least these many records carved
	}{
		{file: "customers.db", rows: true, notes: 2,
			lines: append([]string{
				"table,customers,customers,2,CREATE TABLE customers(id TEXT PRIMARY KEY, name TEXT, kana TEXT, email TEXT, phone TEXT)",
				"C0022,22",                        // the automatic index on id
				"anna.kowalski@example.com,22",    // the index on email
				"anna.kowalski@example.com,C0022", // the WITHOUT ROWID table
			}, kindLines...),
			fields: []string{"anna.kowalski@example.com", "山田 太郎", "ヤマダ タロウ", "+81 (0)6 7777 1212", "Lucas Müller"},
			absent: []string{"\x00", "\r"}},
		{file: "utf16le.db", rows: true, notes: 2},
		{file: "utf16be.db", rows: true, notes: 2},
		{file: "page512.db", rows: true, notes: 2},
		{file: "page65536.db", rows: true},
		{file: "reserved.db", rows: true, notes: 2},
		{file: "autovacuum.db", rows: true, notes: 1},
		// The deleted rows are carved from freeblocks (C0002, C0022) and
		// from the unallocated space (C0030); note 2 from a free-list
		// page that was the notes table's leaf.
		{file: "deleted.db", rows: true, carved: 4, prefixes: []string{note2Start}},
		// Merging pages rewrote the leaves: C0022's row is gone, C0002's
		// and C0030's are carved from the root page, which holds cells
		// from before its first split.
		{file: "deleted-split.db", rows: true, missing: []string{"C0022"}, carved: 2},
		// secure_delete zeroes what is deleted: nothing to find.
		{file: "deleted-secure.db", rows: true, missing: []string{"C0002", "C0022", "C0030"},
			absent: []string{"Kowalski", "hanako", "Lucas", "lorem"}},
		{file: "empty.db"},
		{file: "sqlcipher.db", err: ErrNotSQLite},
		{file: "sqlcipher-plainheader.db", err: ErrEncrypted},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			res := read(readFixture(t, tt.file), Limits{})
			if (tt.err == nil) != (res.err == nil) || (tt.err != nil && !errors.Is(res.err, tt.err)) {
				t.Fatalf("err %v, want %v", res.err, tt.err)
			}
			if tt.err != nil && res.text != "" {
				t.Errorf("text with %v: %q", res.err, res.text)
			}
			if !utf8.ValidString(res.text) {
				t.Error("text is not UTF-8")
			}
			if tt.rows {
				for _, row := range rows {
					if slices.Contains(tt.missing, row[0]) {
						continue
					}
					if line := strings.Join(row, ","); !hasLine(res.text, line) {
						t.Errorf("no line %q", line)
					}
				}
			}
			var n1, n2 bool
			for _, line := range strings.Split(res.text, "\n") {
				n1 = n1 || (strings.HasPrefix(line, note1Start) && strings.HasSuffix(line, note1End))
				n2 = n2 || (strings.HasPrefix(line, note2Start) && strings.HasSuffix(line, note2End))
			}
			if tt.notes >= 1 && !n1 {
				t.Error("no note 1, whole")
			}
			if tt.notes >= 2 && !n2 {
				t.Error("no note 2, whole")
			}
			for _, l := range tt.lines {
				if !hasLine(res.text, l) {
					t.Errorf("no line %q", l)
				}
			}
			for _, p := range tt.prefixes {
				if !strings.HasPrefix(res.text, p) && !strings.Contains(res.text, "\n"+p) {
					t.Errorf("no line starting %q", p)
				}
			}
			for _, f := range tt.fields {
				if !hasField(res.text, f) {
					t.Errorf("no field %q", f)
				}
			}
			for _, a := range tt.absent {
				if strings.Contains(res.text, a) {
					t.Errorf("text has %q", a)
				}
			}
			if res.stats.Carved < tt.carved {
				t.Errorf("carved %d, want at least %d", res.stats.Carved, tt.carved)
			}
			if res.stats.Damaged != 0 && tt.err == nil {
				t.Errorf("damaged %d", res.stats.Damaged)
			}
		})
	}
}

// TestGolden compares the whole text of each fixture, with its error and
// counts, with testdata/NAME.want.txt (-update rewrites them).
func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*.db")
	if err != nil || len(files) == 0 {
		t.Fatal(err, files)
	}
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			res := read(readFixture(t, name), Limits{})
			got := fmt.Sprintf("%s--- err: %v\n--- stats: %+v\n", res.text, res.err, res.stats)
			want := filepath.Join("testdata", strings.TrimSuffix(name, ".db")+".want.txt")
			if *update {
				if err := os.WriteFile(want, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			w, err := os.ReadFile(want)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(w) {
				gotFile := strings.TrimSuffix(want, ".want.txt") + ".got.txt"
				os.WriteFile(gotFile, []byte(got), 0o644)
				t.Errorf("text differs from %s; see %s", want, gotFile)
			}
		})
	}
}
