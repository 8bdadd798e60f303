package sqlite

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"testing/iotest"
	"time"
	"unicode/utf8"
)

// sentinel reports whether err is nil or wraps one of the package's
// errors.
func sentinel(err error) bool {
	return err == nil || errors.Is(err, ErrCorrupt) || errors.Is(err, ErrLimit) ||
		errors.Is(err, ErrNotSQLite) || errors.Is(err, ErrEncrypted)
}

// pageSize is the page size db's header gives, or 512.
func pageSize(db []byte) int {
	if len(db) >= headerSize {
		if h, err := parseHeader(db[:headerSize], int64(len(db))); err == nil {
			return h.pageSize
		}
	}
	return 512
}

// bounded checks what every read of db must keep to: sentinel errors,
// UTF-8 text within MaxOutput and within 4 bytes of text for a byte of the
// pages read (a record's values as decimal, U+FFFD for a bad byte, UTF-16
// runs at both alignments).
func bounded(t *testing.T, res result, lim Limits, db []byte) {
	t.Helper()
	pageSize := pageSize(db)
	lim = lim.withDefaults()
	if !sentinel(res.err) {
		t.Fatalf("error %v", res.err)
	}
	if !utf8.ValidString(res.text) {
		t.Fatal("text is not UTF-8")
	}
	if n := int64(len(res.text)); n > lim.MaxOutput || n > 4*res.stats.Reads*int64(pageSize)+1024 {
		t.Fatalf("%d bytes of text from %d pages read", n, res.stats.Reads)
	}
}

// rowOffsets finds the bytes that only the customers table's cell of each
// row has (the id followed by the name), in a UTF-8 database.
func rowOffsets(db []byte, rows [][]string) []int {
	var offs []int
	for _, row := range rows {
		offs = append(offs, bytes.Index(db, []byte(row[0]+row[1])))
	}
	return offs
}

// TestTruncated reads fixtures cut short at many points: the text of the
// rows on whole pages before the cut is still there, and the error says
// the file is damaged.
func TestTruncated(t *testing.T) {
	rows := customers(t)
	for _, name := range []string{"customers.db", "page512.db", "deleted.db", "utf16le.db", "autovacuum.db"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			db := readFixture(t, name)
			ps := int(binary.BigEndian.Uint16(db[16:]))
			offs := rowOffsets(db, rows)
			var cuts []int
			for c := 0; c < len(db); c += 61 {
				cuts = append(cuts, c)
			}
			for p := ps; p < len(db); p += ps {
				cuts = append(cuts, p-1, p, p+1)
			}
			for _, cut := range cuts {
				res := read(db[:cut], Limits{})
				bounded(t, res, Limits{}, db[:cut])
				switch {
				case cut < headerSize && !errors.Is(res.err, ErrNotSQLite):
					t.Fatalf("cut %d: err %v, want ErrNotSQLite", cut, res.err)
				case cut >= headerSize && !errors.Is(res.err, ErrCorrupt):
					t.Fatalf("cut %d: err %v, want ErrCorrupt", cut, res.err)
				}
				for i, off := range offs {
					if off >= 0 && (off/ps+1)*ps <= cut && !hasLine(res.text, strings.Join(rows[i], ",")) {
						t.Fatalf("cut %d: no row %s, on page %d", cut, rows[i][0], off/ps+1)
					}
				}
			}
		})
	}
}

// TestFlips reads fixtures with random bytes changed: no panic, bounded
// text, sentinel errors, the same text every time.
func TestFlips(t *testing.T) {
	for _, name := range []string{"customers.db", "page512.db", "deleted.db", "deleted-split.db", "utf16be.db", "autovacuum.db", "reserved.db"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			orig := readFixture(t, name)
			ps := int(binary.BigEndian.Uint16(orig[16:]))
			rng := rand.New(rand.NewPCG(1, uint64(len(name))))
			n := 300
			if testing.Short() {
				n = 30
			}
			for i := 0; i < n; i++ {
				db := bytes.Clone(orig)
				for k := 1 + rng.IntN(16); k > 0; k-- {
					at := rng.IntN(len(db))
					if i%3 == 0 {
						at = rng.IntN(min(len(db), 2*ps)) // the header and b-tree headers
					}
					db[at] = byte(rng.Uint32())
				}
				lim := Limits{MaxPayload: 4096}
				res := read(db, lim)
				bounded(t, res, lim, db)
				if again := read(db, lim); again.text != res.text || fmt.Sprint(again.err) != fmt.Sprint(res.err) {
					t.Fatal("a second read differs")
				}
			}
		})
	}
}

// patch returns a copy of db with b written at offset off.
func patch(db []byte, off int, b ...byte) []byte {
	db = bytes.Clone(db)
	copy(db[off:], b)
	return db
}

func be16b(v int) []byte { return binary.BigEndian.AppendUint16(nil, uint16(v)) }
func be32b(v int) []byte { return binary.BigEndian.AppendUint32(nil, uint32(v)) }

// findPage returns the first page of db (page size ps) that is a b-tree
// page of kind kind holding s.
func findPage(t *testing.T, db []byte, ps int, kind byte, s string) int {
	t.Helper()
	for n := 1; n*ps <= len(db); n++ {
		p := db[(n-1)*ps : n*ps]
		hdr := 0
		if n == 1 {
			hdr = headerSize
		}
		if p[hdr] == kind && bytes.Contains(p, []byte(s)) {
			return n
		}
	}
	t.Fatalf("no page of kind %#x with %q", kind, s)
	return 0
}

// TestDamage reads files damaged in known ways: the damage is reported
// (ErrCorrupt) and the text that can be read is still given.
func TestDamage(t *testing.T) {
	rows := customers(t)
	cust := readFixture(t, "customers.db")
	del := readFixture(t, "deleted.db")
	const ps = 1024 // customers.db
	page := func(n int) int { return (n - 1) * ps }
	leaf := findPage(t, cust, ps, tableLeaf, "C0005田中")
	notes := findPage(t, cust, ps, tableLeaf, "Call back.")
	// The first overflow page of note 1: the cell's last 4 bytes.
	var pg btree
	parseBtree(&pg, cust[page(notes):page(notes)+ps], 0)
	var ovflAt int
	for i := 0; i < pg.ncell; i++ {
		if c, ok := parseCell(pg.b, pg.cellOffset(i), pg.kind, ps); ok && bytes.Contains(c.local, []byte("Call back.")) {
			ovflAt = page(notes) + c.end - 4
		}
	}
	if ovflAt == 0 {
		t.Fatal("no overflow pointer")
	}
	ovfl := int(binary.BigEndian.Uint32(cust[ovflAt:]))
	rec := bytes.Index(cust[page(leaf):], []byte("C0005田中")) + page(leaf)
	const delPS = 4096
	trunk := int(binary.BigEndian.Uint32(del[32:]))

	tests := []struct {
		name    string
		db      []byte
		err     error
		rows    bool     // every customer row is still a line
		has     []string // and these substrings are there
		absent  []string
		cutNote bool // note 1 is not a line of its own, whole
	}{
		// The pages of the chain that were not reached give their runs.
		{name: "overflow chain loops", db: patch(cust, page(ovfl), be32b(ovfl)...), err: ErrCorrupt, rows: true,
			has: []string{note1Start, note2Start, note1End}, cutNote: true},
		{name: "overflow page past the end", db: patch(cust, ovflAt, be32b(1<<30)...), err: ErrCorrupt, rows: true,
			has: []string{note1Start, note1End}, cutNote: true},
		{name: "overflow chain ends early", db: patch(cust, page(ovfl), be32b(0)...), err: ErrCorrupt, rows: true,
			has: []string{note1Start, note1End}, cutNote: true},
		// The cells are carved from the page as free space.
		{name: "cell count too large", db: patch(cust, page(leaf)+3, be16b(0xffff)...), err: ErrCorrupt, rows: true},
		{name: "cell pointer out of the page", db: patch(cust, page(leaf)+8, be16b(0xfff0)...), err: ErrCorrupt, rows: true},
		{name: "cell pointer into the header", db: patch(cust, page(leaf)+8, be16b(2)...), err: ErrCorrupt, rows: true},
		{name: "content area start before the pointers", db: patch(cust, page(leaf)+5, be16b(1)...), err: ErrCorrupt, rows: true},
		// Serial type 10: the row's values from there come as runs.
		{name: "bad serial type", db: patch(cust, rec-5, 10), err: ErrCorrupt, has: []string{"田中 健太", "kenta.tanaka@example.jp"}},
		{name: "header size past the payload", db: patch(cust, rec-6, 0x7f), err: ErrCorrupt, has: []string{"kenta.tanaka@example.jp"}},
		{name: "page 1 lost", db: patch(cust, headerSize, make([]byte, ps-headerSize)...), err: ErrCorrupt, rows: true},
		{name: "encoding unknown", db: patch(cust, 56, be32b(7)...), err: ErrCorrupt, rows: true},
		{name: "more pages than the file has", db: patch(cust, 28, be32b(len(cust)/ps+3)...), err: ErrCorrupt, rows: true},
		// Carved at the end as a page of no known use.
		{name: "page type unknown", db: patch(cust, page(leaf), 0x0e), err: ErrCorrupt, rows: true},
		{name: "freeblock chain loops", db: patch(del, delPS+2430, be16b(2430)...), err: ErrCorrupt, rows: true},
		// The chain stops before the block: C0022's cell comes as runs.
		{name: "freeblock past the page", db: patch(del, delPS+2432, be16b(0xfff0)...), err: ErrCorrupt,
			has: []string{"\nC0002,佐藤 花子,", "\nC0030,Lucas Müller,", "C0022Anna Kowalskianna.kowalski@example.com"}},
		{name: "free list loops", db: patch(del, (trunk-1)*delPS, be32b(trunk)...), err: ErrCorrupt, rows: true},
		{name: "free list trunk past the end", db: patch(del, 32, be32b(1000)...), err: ErrCorrupt, rows: true},
		{name: "page size invalid", db: patch(cust, 16, be16b(1000)...), err: ErrCorrupt},
		{name: "reserved space too large", db: patch(cust, 20, 250), err: ErrCorrupt},
		{name: "header only", db: cust[:headerSize], err: ErrCorrupt},
		{name: "shorter than the header", db: cust[:50], err: ErrNotSQLite},
		{name: "not SQLite", db: []byte(strings.Repeat("SQLite format 2\x00", 64)), err: ErrNotSQLite},
		{name: "empty", db: nil, err: ErrNotSQLite},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := read(tt.db, Limits{})
			if tt.err == nil && res.err != nil || tt.err != nil && !errors.Is(res.err, tt.err) {
				t.Fatalf("err %v, want %v", res.err, tt.err)
			}
			bounded(t, res, Limits{}, tt.db)
			if tt.rows {
				for _, row := range rows {
					if line := strings.Join(row, ","); !hasLine(res.text, line) {
						t.Errorf("no line %q", line)
					}
				}
			}
			for _, s := range tt.has {
				if !strings.Contains(res.text, s) {
					t.Errorf("no %q", s)
				}
			}
			for _, s := range tt.absent {
				if strings.Contains(res.text, s) {
					t.Errorf("text has %q", s)
				}
			}
			if tt.cutNote && wholeNote1(res.text) {
				t.Error("note 1 whole")
			}
		})
	}
}

func wholeNote1(text string) bool {
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, note1Start) && strings.HasSuffix(line, note1End) {
			return true
		}
	}
	return false
}

func TestLimits(t *testing.T) {
	db := readFixture(t, "customers.db")
	full := read(db, Limits{})
	t.Run("MaxOutput", func(t *testing.T) {
		for n := int64(1); n < int64(len(full.text)); n += 37 {
			res := read(db, Limits{MaxOutput: n})
			if !errors.Is(res.err, ErrLimit) || int64(len(res.text)) > n || int64(len(res.text)) < n-3 {
				t.Fatalf("MaxOutput %d: %d bytes, %v", n, len(res.text), res.err)
			}
			if !utf8.ValidString(res.text) || !strings.HasPrefix(full.text, res.text) {
				t.Fatalf("MaxOutput %d: text is not the full text's start", n)
			}
		}
		if res := read(db, Limits{MaxOutput: int64(len(full.text))}); res.err != nil || res.text != full.text {
			t.Fatalf("MaxOutput of the text's length: %v", res.err)
		}
	})
	t.Run("MaxPages", func(t *testing.T) {
		res := read(db, Limits{MaxPages: 5})
		if !errors.Is(res.err, ErrLimit) || res.stats.Reads != 5 || !strings.HasPrefix(full.text, res.text) || res.text == "" {
			t.Fatalf("%v, %+v", res.err, res.stats)
		}
	})
	t.Run("MaxPayload", func(t *testing.T) {
		res := read(db, Limits{MaxPayload: 500})
		if !errors.Is(res.err, ErrLimit) || errors.Is(res.err, ErrCorrupt) || res.stats.Cut != 2 {
			t.Fatalf("%v, %+v", res.err, res.stats)
		}
		// The rest of the note comes from its overflow pages' runs.
		if !strings.Contains(res.text, note1Start) || wholeNote1(res.text) || !strings.Contains(res.text, note1End) {
			t.Error("note 1 not cut")
		}
		for _, row := range customers(t) {
			if line := strings.Join(row, ","); !hasLine(res.text, line) {
				t.Errorf("no line %q", line)
			}
		}
	})
}

func TestContext(t *testing.T) {
	db := readFixture(t, "customers.db")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := NewReader(ctx, bytes.NewReader(db), int64(len(db)), Limits{})
	if _, err := io.ReadAll(r); !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v", err)
	}
	ctx, cancel = context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	r = NewReader(ctx, bytes.NewReader(db), int64(len(db)), Limits{})
	if _, err := io.ReadAll(r); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v", err)
	}
}

// failingAt fails reads at and past offset at.
type failingAt struct {
	r  io.ReaderAt
	at int64
}

var errDisk = errors.New("disk on fire")

func (f failingAt) ReadAt(p []byte, off int64) (int, error) {
	if off+int64(len(p)) > f.at {
		return 0, errDisk
	}
	return f.r.ReadAt(p, off)
}

// TestReadError: an error of the ReaderAt comes from Read as it is, after
// the text of the pages read before it.
func TestReadError(t *testing.T) {
	db := readFixture(t, "page512.db")
	r := NewReader(context.Background(), failingAt{bytes.NewReader(db), 4 * 512}, int64(len(db)), Limits{})
	text, err := io.ReadAll(r)
	if !errors.Is(err, errDisk) || sentinel(err) {
		t.Fatalf("err %v", err)
	}
	if !strings.Contains(string(text), "table,customers,customers,") {
		t.Fatalf("no text of page 1: %q", text)
	}
}

// TestSmallReads: the text does not depend on how it is read.
func TestSmallReads(t *testing.T) {
	for _, name := range []string{"customers.db", "utf16le.db", "deleted.db"} {
		db := readFixture(t, name)
		full := read(db, Limits{})
		r := NewReader(context.Background(), bytes.NewReader(db), int64(len(db)), Limits{})
		text, err := io.ReadAll(iotest.OneByteReader(r))
		if err != nil || string(text) != full.text {
			t.Errorf("%s: a byte at a time differs (%v)", name, err)
		}
	}
}
