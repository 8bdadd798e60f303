package realdb

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/dlprelay/dlprelay/detect/sqlite"
	_ "modernc.org/sqlite" // the "sqlite" database/sql driver (SQLite itself, in Go)
)

// read reads the text of database db.
func read(db []byte) (string, sqlite.Stats, error) {
	r := sqlite.NewReader(context.Background(), bytes.NewReader(db), int64(len(db)), sqlite.Limits{})
	text, err := io.ReadAll(r)
	return string(text), r.Stats(), err
}

// hasLine reports whether text has line as a line of its own.
func hasLine(text, line string) bool {
	return slices.Contains(strings.Split(text, "\n"), line)
}

// writeDB makes a database file with SQLite (modernc.org/sqlite, already
// a dependency of the module) by running stmts after the pragmas, and
// returns its bytes.
func writeDB(t testing.TB, pragmas []string, fill func(*sql.Tx) error) []byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), "t.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	for _, p := range pragmas {
		if _, err := db.Exec(p); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
	}
	tx, err := db.BeginTx(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := fill(tx); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Characters of the random text: ASCII, Latin, kana, kanji, a character
// outside the BMP (a surrogate pair in UTF-16), the ideographic space,
// and a tab, which the text gives as a space.
var alphabet = []rune("abcxyzABC0129 @.-_+()ÀéüßヤマダタロウさくらＡ山田太郎花子森😀\u3000\t")

func randText(rng *rand.Rand, n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteRune(alphabet[rng.IntN(len(alphabet))])
	}
	return b.String()
}

// randLen is a text length: mostly short, often around a page, sometimes
// several pages, so that payloads fall on both sides of every overflow
// threshold.
func randLen(rng *rand.Rand, pageSize int) int {
	switch rng.IntN(10) {
	case 0, 1:
		return rng.IntN(pageSize + 100)
	case 2:
		return rng.IntN(4 * pageSize)
	}
	return rng.IntN(30)
}

var floats = []struct {
	v float64
	s string
}{{3.25, "3.25"}, {-0.5, "-0.5"}, {1e300, "1e+300"}, {0.1, "0.1"}, {123456.789, "123456.789"}, {-2.5e-10, "-2.5e-10"}}

// value is a random value for a column, as an SQL argument, and its text.
func value(rng *rand.Rand, pageSize int) (any, string) {
	switch rng.IntN(8) {
	case 0:
		var n int64
		switch rng.IntN(4) {
		case 0:
			n = rng.Int64N(256) - 128
		case 1:
			n = rng.Int64N(1<<24) - 1<<23
		case 2:
			n = rng.Int64N(1<<48) - 1<<47
		default:
			n = int64(rng.Uint64())
		}
		return n, strconv.FormatInt(n, 10)
	case 1:
		f := floats[rng.IntN(len(floats))]
		return f.v, f.s
	case 2:
		return nil, ""
	case 3:
		s := randText(rng, randLen(rng, pageSize))
		return []byte(s), strings.ReplaceAll(s, "\t", " ")
	}
	s := randText(rng, randLen(rng, pageSize))
	return s, strings.ReplaceAll(s, "\t", " ")
}

// TestRoundTrip writes random rows with SQLite (page sizes, encodings,
// auto-vacuum, rowid and WITHOUT ROWID tables, an index, deletes) and
// finds every live row as a line of the text, and every indexed value.
func TestRoundTrip(t *testing.T) {
	seeds := 12
	if testing.Short() {
		seeds = 3
	}
	for seed := 1; seed <= seeds; seed++ {
		rng := rand.New(rand.NewPCG(uint64(seed), 7))
		pageSize := []int{512, 1024, 4096, 8192, 65536}[rng.IntN(5)]
		enc := []string{"UTF-8", "UTF-16le", "UTF-16be"}[rng.IntN(3)]
		vacuum := []string{"NONE", "FULL"}[rng.IntN(2)]
		t.Run(fmt.Sprintf("%d-%d-%s-%s", seed, pageSize, enc, vacuum), func(t *testing.T) {
			t.Parallel()
			rng := rand.New(rand.NewPCG(uint64(seed), 8))
			nrows := 50 + rng.IntN(300)
			want := map[string]bool{} // lines
			var indexed []string      // values of t.b, as index lines start
			db := writeDB(t, []string{
				fmt.Sprintf("PRAGMA page_size=%d", pageSize),
				"PRAGMA encoding='" + enc + "'",
				"PRAGMA auto_vacuum=" + vacuum,
			}, func(tx *sql.Tx) error {
				for _, s := range []string{
					"CREATE TABLE t(a TEXT, b, c, d)",
					"CREATE INDEX tb ON t(b)",
					"CREATE TABLE w(k TEXT PRIMARY KEY, v) WITHOUT ROWID",
				} {
					if _, err := tx.Exec(s); err != nil {
						return err
					}
				}
				for i := 0; i < nrows; i++ {
					// The first value is never NULL (a NULL first
					// value comes out as the row id).
					a := fmt.Sprintf("row%d %s", i, randText(rng, rng.IntN(20)))
					a = strings.ReplaceAll(a, "\t", " ")
					args := []any{a}
					line := []string{a}
					for c := 0; c < 3; c++ {
						v, s := value(rng, pageSize)
						args = append(args, v)
						line = append(line, s)
					}
					res, err := tx.Exec("INSERT INTO t VALUES(?, ?, ?, ?)", args...)
					if err != nil {
						return err
					}
					id, _ := res.LastInsertId()
					k := fmt.Sprintf("key%d", i)
					v, s := value(rng, pageSize)
					if _, err := tx.Exec("INSERT INTO w VALUES(?, ?)", k, v); err != nil {
						return err
					}
					if i%7 == 3 { // deleted: not required
						if _, err := tx.Exec("DELETE FROM t WHERE rowid = ?", id); err != nil {
							return err
						}
						continue
					}
					want[strings.Join(line, ",")] = true
					want[k+","+s] = true
					if _, isText := args[1].(string); isText && len(line[1]) < 100 {
						indexed = append(indexed, line[1]+","+strconv.FormatInt(id, 10))
					}
				}
				return nil
			})
			text, stats, err := read(db)
			if err != nil {
				t.Fatalf("err %v, %+v", err, stats)
			}
			if !utf8.ValidString(text) {
				t.Fatal("text is not UTF-8")
			}
			have := map[string]bool{}
			for _, l := range strings.Split(text, "\n") {
				have[l] = true
			}
			missing := 0
			for l := range want {
				if !have[l] {
					if missing++; missing <= 3 {
						t.Errorf("no line %.120q", l)
					}
				}
			}
			for _, l := range indexed {
				if !have[l] {
					t.Errorf("no index line %.120q", l)
				}
			}
			if missing > 0 {
				t.Errorf("%d of %d lines missing; %+v", missing, len(want), stats)
			}
		})
	}
}

// TestOverflowBoundaries writes records of exactly the payload sizes
// around the file format's overflow thresholds (X, and the K = M + (P-M)
// % (U-4) that is X-1, X, X+1) and reads each back whole.
func TestOverflowBoundaries(t *testing.T) {
	vlen := func(v int) int {
		n := 1
		for ; v >= 0x80; v >>= 7 {
			n++
		}
		return n
	}
	for _, ps := range []int{512, 1024, 4096, 65536} {
		t.Run(strconv.Itoa(ps), func(t *testing.T) {
			t.Parallel()
			u := ps
			x, m := u-35, (u-12)*32/255-23
			var sizes []int
			for d := -2; d <= 2; d++ {
				sizes = append(sizes, x+d)
				for k := 1; k <= 2; k++ {
					sizes = append(sizes, m+k*(u-4)+x-m+d)
				}
			}
			rng := rand.New(rand.NewPCG(uint64(ps), 1))
			var texts []string
			db := writeDB(t, []string{fmt.Sprintf("PRAGMA page_size=%d", ps)}, func(tx *sql.Tx) error {
				if _, err := tx.Exec("CREATE TABLE e(x TEXT)"); err != nil {
					return err
				}
				for _, p := range sizes {
					// A record of one text of length l is 1 + len(serial
					// type) + l bytes.
					for l := p - 4; l <= p-2; l++ {
						if 1+vlen(2*l+13)+l == p {
							s := randText(rng, l)
							// Keep it one byte a character.
							s = strings.Map(func(r rune) rune { return rune('a' + r%26) }, s)
							texts = append(texts, s)
							if _, err := tx.Exec("INSERT INTO e VALUES(?)", s); err != nil {
								return err
							}
						}
					}
				}
				return nil
			})
			if len(texts) != len(sizes) {
				t.Fatalf("%d texts for %d sizes", len(texts), len(sizes))
			}
			text, _, err := read(db)
			if err != nil {
				t.Fatal(err)
			}
			for i, s := range texts {
				// The rows are 1, 2, ...: their id is not in the record.
				if !hasLine(text, s) {
					t.Errorf("payload of %d bytes: not read whole", sizes[i])
				}
			}
		})
	}
}
