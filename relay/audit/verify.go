package audit

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
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
// or `audit verify` output shipped elsewhere, a syslog line): an entry
// whose hash is known from outside fixes every entry up to it.
func (s *SQLite) Verify(ctx context.Context) (int, error) {
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return 0, fmt.Errorf("audit: %w", err)
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
		return 0, fmt.Errorf("audit: %w", err)
	}

	rows, err := tx.QueryContext(ctx, `SELECT `+columns+` FROM entries ORDER BY seq`)
	if err != nil {
		return 0, fmt.Errorf("audit: %w", err)
	}
	defer rows.Close()
	var (
		want = int64(1)
		prev = zeroHash
	)
	bad := func(seq int64, format string, args ...any) (int, error) {
		n := max(seq-1, 0)
		return int(n), &TamperedError{Seq: seq, Reason: fmt.Sprintf(format, args...)}
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
		prev = rec.Hash
		want++
	}
	if err := rows.Err(); err != nil {
		return int(want - 1), fmt.Errorf("audit: %w", err)
	}
	n := want - 1
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
	return int(n), nil
}
