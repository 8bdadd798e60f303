package audit

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// dropTriggers is the first thing someone rewriting the file does.
var dropTriggers = []string{
	`DROP TRIGGER entries_append_only_update`,
	`DROP TRIGGER entries_append_only_delete`,
	`DROP TRIGGER entries_next_link`,
	`DROP TRIGGER anchor_no_insert`,
	`DROP TRIGGER anchor_no_delete`,
	`DROP TRIGGER anchor_forward`,
}

// insertRaw writes r as a row, as is.
func insertRaw(t *testing.T, db *sql.DB, r Record) {
	t.Helper()
	d, err := detailJSON(r.Detail)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO entries (`+columns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.Seq, r.Time.UnixNano(), r.Actor, string(r.Action), r.Target, r.Justification, d, r.Remote, r.PrevHash, r.Hash); err != nil {
		t.Fatal(err)
	}
}

// forge returns r with prev and the hash that makes it a valid link:
// anyone can compute it, there is no secret in the chain.
func forge(t *testing.T, r Record, prev string) Record {
	t.Helper()
	r.PrevHash = prev
	h, err := computeHash(&r)
	if err != nil {
		t.Fatal(err)
	}
	r.Hash = h
	return r
}

func exec(t *testing.T, db *sql.DB, stmts ...string) {
	t.Helper()
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

func TestVerifyDetectsTampering(t *testing.T) {
	t.Parallel()
	const n = 10
	for _, tc := range []struct {
		name   string
		tamper func(t *testing.T, db *sql.DB, recs []Record)
		seq    int64 // the first bad seq Verify must name
	}{
		{"changed justification", func(t *testing.T, db *sql.DB, _ []Record) {
			exec(t, db, `UPDATE entries SET justification = 'routine check' WHERE seq = 4`)
		}, 4},
		{"changed actor of the first", func(t *testing.T, db *sql.DB, _ []Record) {
			exec(t, db, `UPDATE entries SET actor = 'mallory' WHERE seq = 1`)
		}, 1},
		{"changed action of the last", func(t *testing.T, db *sql.DB, _ []Record) {
			exec(t, db, `UPDATE entries SET action = 'view' WHERE seq = 10`)
		}, 10},
		{"changed time", func(t *testing.T, db *sql.DB, _ []Record) {
			exec(t, db, `UPDATE entries SET at = at + 1 WHERE seq = 7`)
		}, 7},
		{"changed detail", func(t *testing.T, db *sql.DB, _ []Record) {
			exec(t, db, `UPDATE entries SET detail = '{"field":"name","i":"5"}' WHERE seq = 5`)
		}, 5},
		{"detail not JSON", func(t *testing.T, db *sql.DB, _ []Record) {
			exec(t, db, `UPDATE entries SET detail = 'oops' WHERE seq = 5`)
		}, 5},
		{"time not a number", func(t *testing.T, db *sql.DB, _ []Record) {
			exec(t, db, `UPDATE entries SET at = 'yesterday' WHERE seq = 3`)
		}, 3},
		{"changed remote", func(t *testing.T, db *sql.DB, _ []Record) {
			exec(t, db, `UPDATE entries SET remote = '198.51.100.7' WHERE seq = 8`)
		}, 8},
		{"changed hash", func(t *testing.T, db *sql.DB, _ []Record) {
			exec(t, db, fmt.Sprintf(`UPDATE entries SET hash = '%s' WHERE seq = 6`, zeroHash))
		}, 6},
		{"changed and rehashed, next not", func(t *testing.T, db *sql.DB, recs []Record) {
			// Rewriting one entry with a valid hash breaks the link
			// from the next one.
			r := recs[3]
			r.Justification = "routine check"
			r = forge(t, r, recs[2].Hash)
			exec(t, db, `DELETE FROM entries WHERE seq = 4`)
			insertRaw(t, db, r)
		}, 5},
		{"deleted row", func(t *testing.T, db *sql.DB, _ []Record) {
			exec(t, db, `DELETE FROM entries WHERE seq = 6`)
		}, 6},
		{"deleted first row", func(t *testing.T, db *sql.DB, _ []Record) {
			exec(t, db, `DELETE FROM entries WHERE seq = 1`)
		}, 1},
		{"deleted row, renumbered", func(t *testing.T, db *sql.DB, recs []Record) {
			exec(t, db, `DELETE FROM entries WHERE seq = 6`)
			for s := 7; s <= n; s++ {
				exec(t, db, fmt.Sprintf(`UPDATE entries SET seq = %d WHERE seq = %d`, s-1, s))
			}
			exec(t, db, fmt.Sprintf(`UPDATE anchor SET count = %d, last_hash = '%s'`, n-1, recs[n-1].Hash))
		}, 6},
		{"inserted row, garbage hash", func(t *testing.T, db *sql.DB, recs []Record) {
			for s := n; s >= 6; s-- {
				exec(t, db, fmt.Sprintf(`UPDATE entries SET seq = %d WHERE seq = %d`, s+1, s))
			}
			r := recs[5]
			r.Justification, r.Hash = "backdated", "0123"
			insertRaw(t, db, r)
		}, 6},
		{"inserted row, valid link", func(t *testing.T, db *sql.DB, recs []Record) {
			// A well-formed forged entry passes itself; the one after
			// it no longer follows.
			for s := n; s >= 6; s-- {
				exec(t, db, fmt.Sprintf(`UPDATE entries SET seq = %d WHERE seq = %d`, s+1, s))
			}
			r := recs[5]
			r.Justification = "backdated"
			insertRaw(t, db, forge(t, r, recs[4].Hash))
		}, 7},
		{"appended row, garbage hash", func(t *testing.T, db *sql.DB, recs []Record) {
			r := recs[n-1]
			r.Seq, r.PrevHash, r.Hash = n+1, recs[n-1].Hash, "x"
			insertRaw(t, db, r)
		}, n + 1},
		{"appended row, valid link, anchor not moved", func(t *testing.T, db *sql.DB, recs []Record) {
			r := recs[n-1]
			r.Seq = n + 1
			insertRaw(t, db, forge(t, r, recs[n-1].Hash))
		}, n + 1},
		{"row with seq 0", func(t *testing.T, db *sql.DB, recs []Record) {
			r := recs[0]
			r.Seq = 0
			insertRaw(t, db, r)
		}, 0},
		{"swapped rows", func(t *testing.T, db *sql.DB, _ []Record) {
			exec(t, db,
				`UPDATE entries SET seq = -3 WHERE seq = 3`,
				`UPDATE entries SET seq = 3 WHERE seq = 4`,
				`UPDATE entries SET seq = 4 WHERE seq = -3`)
		}, 3},
		{"swapped contents, seqs kept", func(t *testing.T, db *sql.DB, _ []Record) {
			exec(t, db,
				`CREATE TEMP TABLE t AS SELECT * FROM entries WHERE seq IN (3, 4)`,
				`DELETE FROM entries WHERE seq IN (3, 4)`,
				`INSERT INTO entries SELECT 7 - seq, at, actor, action, target, justification, detail, remote, prev_hash, hash FROM t`)
		}, 3},
		{"truncated tail", func(t *testing.T, db *sql.DB, _ []Record) {
			exec(t, db, `DELETE FROM entries WHERE seq > 8`)
		}, 9},
		{"truncated to nothing", func(t *testing.T, db *sql.DB, _ []Record) {
			exec(t, db, `DELETE FROM entries`)
		}, 1},
		{"anchor deleted", func(t *testing.T, db *sql.DB, _ []Record) {
			exec(t, db, `DELETE FROM anchor`)
		}, n + 1},
		{"anchor hash changed", func(t *testing.T, db *sql.DB, recs []Record) {
			exec(t, db, fmt.Sprintf(`UPDATE anchor SET last_hash = '%s'`, recs[n-2].Hash))
		}, n},
		{"last row rewritten and rehashed, anchor not", func(t *testing.T, db *sql.DB, recs []Record) {
			r := recs[n-1]
			r.Target = "q-other"
			exec(t, db, fmt.Sprintf(`DELETE FROM entries WHERE seq = %d`, n))
			insertRaw(t, db, forge(t, r, recs[n-2].Hash))
		}, n},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, path := openLog(t)
			recs := appendN(t, s, n)
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			db := rawDB(t, path)
			exec(t, db, dropTriggers...)
			tc.tamper(t, db, recs)
			db.Close()

			for _, open := range []func(string) (*SQLite, error){OpenReadOnly, Open} {
				s, err := open(path)
				if err != nil {
					t.Fatal(err)
				}
				defer s.Close()
				checkTampered(t, s, tc.seq)
			}
		})
	}
}

func checkTampered(t *testing.T, s *SQLite, seq int64) {
	t.Helper()
	got, err := s.Verify(context.Background())
	var te *TamperedError
	if !errors.As(err, &te) || !errors.Is(err, ErrTampered) {
		t.Fatalf("Verify = %d, %v; want a TamperedError", got, err)
	}
	if te.Seq != seq {
		t.Errorf("Verify: %v; want seq %d", err, seq)
	}
	if want := int(max(seq-1, 0)); got != want {
		t.Errorf("Verify checked %d entries, want %d", got, want)
	}
	t.Log(err)
}

// Entries appended after the tail was cut off chain from the anchor, so
// the gap stays in the log for every later Verify.
func TestTruncationStaysVisible(t *testing.T) {
	t.Parallel()
	s, path := openLog(t)
	recs := appendN(t, s, 6)
	s.Close()
	rawExec(t, path, append(dropTriggers, `DELETE FROM entries WHERE seq > 4`)...)

	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rec, err := s.Append(context.Background(), ev(7))
	if err != nil {
		t.Fatal(err)
	}
	if rec.Seq != 7 || rec.PrevHash != recs[5].Hash {
		t.Errorf("appended seq %d after %s, want seq 7 after the anchor's %s", rec.Seq, rec.PrevHash, recs[5].Hash)
	}
	checkTampered(t, s, 5)
}

// The limit: whoever can write the file and knows the (public) hashing can
// rewrite history consistently, chain and anchor, and Verify passes. A hash
// kept outside the file, as the relay logs it for each entry, catches it.
func TestConsistentForgeryNeedsAPin(t *testing.T) {
	t.Parallel()
	s, path := openLog(t)
	var logged []Pin // what the relay's log would hold
	s.OnAppend(func(r Record) { logged = append(logged, Pin{r.Seq, r.Hash}) })
	recs := appendN(t, s, 5)
	for i, r := range recs {
		if i >= len(logged) || logged[i] != (Pin{r.Seq, r.Hash}) {
			t.Fatalf("OnAppend reported %v, want the seq and hash of each record %v", logged, recs)
		}
	}
	if h, err := s.Head(context.Background()); err != nil || h != logged[4] {
		t.Fatalf("Head = %v, %v; want %v", h, err, logged[4])
	}
	s.Close()

	db := rawDB(t, path)
	exec(t, db, dropTriggers...)
	// Cut the tail and move the anchor back.
	exec(t, db, `DELETE FROM entries WHERE seq > 3`,
		fmt.Sprintf(`UPDATE anchor SET count = 3, last_hash = '%s'`, recs[2].Hash))
	// Rewrite seq 2 and rehash everything after it.
	exec(t, db, `DELETE FROM entries WHERE seq >= 2`)
	prev := recs[0].Hash
	for _, r := range recs[1:3] {
		r.Justification = "rewritten"
		r = forge(t, r, prev)
		insertRaw(t, db, r)
		prev = r.Hash
	}
	exec(t, db, fmt.Sprintf(`UPDATE anchor SET last_hash = '%s'`, prev))
	db.Close()

	s, err := OpenReadOnly(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	checkVerify(t, s, 3)
	// What catches it: the hash of seq 5 (or 2) kept elsewhere.
	got, _, err := s.List(context.Background(), Query{})
	if err != nil {
		t.Fatal(err)
	}
	if got[1].Hash == recs[1].Hash {
		t.Error("the rewritten entry kept its hash")
	}

	ctx := context.Background()
	// A pin on an entry before the rewrite still holds.
	if head, err := s.VerifyPinned(ctx, logged[:1]); err != nil || head.Seq != 3 || head.Hash != prev {
		t.Errorf("VerifyPinned(seq 1) = %v, %v; want the forged head 3:%s", head, err, prev)
	}
	for _, tc := range []struct {
		pin  Pin
		seq  int64
		want string
	}{
		{logged[2], 3, "pinned"},  // rewritten, rehashed
		{logged[1], 2, "pinned"},  // the entry rewritten
		{logged[4], 4, "missing"}, // cut off
	} {
		head, err := s.VerifyPinned(ctx, []Pin{logged[0], tc.pin})
		var te *TamperedError
		if !errors.As(err, &te) || te.Seq != tc.seq || !strings.Contains(te.Reason, tc.want) {
			t.Errorf("pin %v: VerifyPinned = %v, %v; want tampered at seq %d (%s)", tc.pin, head, err, tc.seq, tc.want)
		} else if head.Seq != tc.seq-1 {
			t.Errorf("pin %v: %d entries checked, want %d", tc.pin, head.Seq, tc.seq-1)
		}
	}
}

func TestParsePin(t *testing.T) {
	h := strings.Repeat("ab", 32)
	if p, err := ParsePin(" 12:" + h + "\n"); err != nil || p != (Pin{12, h}) || p.String() != "12:"+h {
		t.Errorf("ParsePin = %v, %v", p, err)
	}
	for _, bad := range []string{"", "12", "12:", "0:" + h, "-1:" + h, "x:" + h, "12:" + h[:63], "12:" + strings.ToUpper(h), "12:" + h + "0", "12:" + h[:62] + "zz"} {
		if p, err := ParsePin(bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("ParsePin(%q) = %v, %v; want ErrInvalid", bad, p, err)
		}
	}
	s, _ := openLog(t)
	if _, err := s.VerifyPinned(context.Background(), []Pin{{1, h}, {1, strings.Repeat("cd", 32)}}); !errors.Is(err, ErrInvalid) {
		t.Errorf("two pins for one seq: %v, want ErrInvalid", err)
	}
}
