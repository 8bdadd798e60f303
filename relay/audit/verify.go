package audit

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Verify implements Log. It reads the anchor and walks every entry in seq
// order in one read transaction (one snapshot, so a relay appending
// meanwhile does not make it fail), checking that
//
//   - seqs run 1, 2, 3, ... without a gap,
//   - each entry's prev_hash is the hash of the one before (64 zeros for
//     the first),
//   - each entry's hash is the hash of its own fields (see computeHash),
//   - the anchor's count and last hash are those of the last entry.
//
// It returns the number of entries before the first bad one (all of them
// when the log verifies) and, for a broken log, a *TamperedError naming
// the first bad seq.
//
// What that proves, and what it does not. A changed field, a deleted entry,
// an entry inserted in the middle and two entries swapped each break the
// chain at the first entry touched. A cut-off tail does not break the
// chain (what is left is a valid chain); only the anchor shows it, as a
// count larger than the entries found. The chain has no secret in it:
// someone who can write the file can rewrite any entry and recompute every
// hash after it and the anchor, and Verify will pass. Catching that needs
// a copy of a recent hash kept where that person cannot write (an export
// or `audit verify` output shipped elsewhere, the relay's log line for the
// entry): an entry whose hash is known from outside fixes every entry up
// to it, and VerifyPinned checks such hashes.
func (s *SQLite) Verify(ctx context.Context) (int, error) {
	head, err := s.VerifyPinned(ctx, nil)
	return int(head.Seq), err
}

// Pin is the hash of entry Seq as known from outside the log: a relay log
// line ("audit entry appended"), an earlier `audit verify` output, an
// export. Its text form is "SEQ:HASH".
type Pin struct {
	Seq  int64
	Hash string
}

func (p Pin) String() string { return fmt.Sprintf("%d:%s", p.Seq, p.Hash) }

// ParsePin reads "SEQ:HASH": a seq from 1, and 64 lower-case hex digits.
func ParsePin(s string) (Pin, error) {
	seq, hash, ok := strings.Cut(strings.TrimSpace(s), ":")
	n, err := strconv.ParseInt(seq, 10, 64)
	if !ok || err != nil || n < 1 || len(hash) != 64 || strings.Trim(hash, "0123456789abcdef") != "" {
		return Pin{}, fmt.Errorf("%w: pin %q: want SEQ:HASH, a seq from 1 and 64 lower-case hex digits", ErrInvalid, s)
	}
	return Pin{Seq: n, Hash: hash}, nil
}

// VerifyPinned is Verify that also checks each pin: entry Seq must exist
// and have that hash. This is what catches a forger who rewrote entries
// and recomputed every hash after them: the chain verifies, but an entry
// at or after the first rewritten one no longer has the hash pinned for it.
// It returns the last entry's seq and hash (seq 0 for an empty log); for
// a broken log, the seq is the count of entries before the first bad one
// and the error a *TamperedError.
func (s *SQLite) VerifyPinned(ctx context.Context, pins []Pin) (Pin, error) {
	pinned := make(map[int64]string, len(pins))
	for _, p := range pins {
		if h, ok := pinned[p.Seq]; ok && h != p.Hash {
			return Pin{}, fmt.Errorf("%w: two different pins for seq %d", ErrInvalid, p.Seq)
		}
		pinned[p.Seq] = p.Hash
	}
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return Pin{}, fmt.Errorf("audit: %w", err)
	}
	defer tx.Rollback()

	var (
		anchorCount int64
		anchorHash  string
		noAnchor    bool
	)
	if err := tx.QueryRowContext(ctx, anchorSQL).Scan(&anchorCount, &anchorHash); errors.Is(err, sql.ErrNoRows) {
		noAnchor = true
	} else if err != nil {
		return Pin{}, fmt.Errorf("audit: %w", err)
	}

	rows, err := tx.QueryContext(ctx, `SELECT `+columns+` FROM entries ORDER BY seq`)
	if err != nil {
		return Pin{}, fmt.Errorf("audit: %w", err)
	}
	defer rows.Close()
	var (
		want = int64(1)
		prev = zeroHash
	)
	bad := func(seq int64, format string, args ...any) (Pin, error) {
		n := max(seq-1, 0)
		return Pin{Seq: n}, &TamperedError{Seq: seq, Reason: fmt.Sprintf(format, args...)}
	}
	for rows.Next() {
		rec, err := scanRecord(rows)
		if err != nil {
			// A column of the wrong type or a detail that is not a
			// JSON object: written behind the log's back, in this
			// entry or, if it is not seq want, where it is missing.
			return bad(want, "unreadable entry: %v", err)
		}
		switch {
		case rec.Seq > want:
			return bad(want, "missing (the next entry is seq %d)", rec.Seq)
		case rec.Seq < want:
			return bad(rec.Seq, "out of sequence (expected seq %d)", want)
		case rec.PrevHash != prev:
			return bad(rec.Seq, "prev_hash is not the hash of the entry before")
		}
		h, err := computeHash(&rec)
		if err != nil {
			return bad(rec.Seq, "%v", err)
		}
		if h != rec.Hash {
			return bad(rec.Seq, "hash does not match the entry's contents")
		}
		if p, ok := pinned[rec.Seq]; ok && p != rec.Hash {
			return bad(rec.Seq, "hash differs from the one pinned for it: this entry or one before it was rewritten")
		}
		prev = rec.Hash
		want++
	}
	if err := rows.Err(); err != nil {
		return Pin{Seq: want - 1}, fmt.Errorf("audit: %w", err)
	}
	n := want - 1
	for seq := range pinned {
		if seq > n {
			return bad(n+1, "missing: seq %d is pinned, the log ends at seq %d", seq, n)
		}
	}
	switch {
	case noAnchor:
		return bad(n+1, "the anchor row is missing")
	case anchorCount > n:
		return bad(n+1, "missing: the anchor records %d entries, the log ends at seq %d (its tail was cut off)", anchorCount, n)
	case anchorCount < n:
		return bad(anchorCount+1, "not in the anchor, which records %d entries (appended behind the log's back)", anchorCount)
	case anchorHash != prev:
		return bad(n, "hash differs from the anchor's last hash")
	}
	return Pin{Seq: n, Hash: prev}, nil
}
