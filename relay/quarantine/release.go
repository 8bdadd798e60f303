package quarantine

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// The release state machine. Every transition is a conditional UPDATE
// (… WHERE status = <from>) whose affected rows are checked, inside a write
// transaction that changes the request and its entry together: of two
// officers or workers racing for one transition exactly one wins, the other
// gets ErrConflict (or, claiming, the next request). SQLite's one writer
// serializes them anyway; the conditions keep the contract for a
// PostgreSQL store that would run them concurrently.

const releaseCols = `id, entry_id, status, requested_by, requested_at, justification, recipients,
	approved_by, approved_at, attempts, next_attempt, last_error, finished_at`

// openStatuses are the statuses of an open release request.
const openStatuses = "('pending_approval', 'approved', 'sending', 'release_uncertain')"

func scanRelease(sc scanner) (ReleaseRequest, error) {
	var (
		r                  ReleaseRequest
		status, rcpts      string
		requested          int64
		approved, next, fi sql.NullInt64
	)
	if err := sc.Scan(&r.ID, &r.EntryID, &status, &r.RequestedBy, &requested, &r.Justification, &rcpts,
		&r.ApprovedBy, &approved, &r.Attempts, &next, &r.LastError, &fi); err != nil {
		return ReleaseRequest{}, err
	}
	r.Status, r.RequestedAt = Status(status), fromNanos(requested)
	r.ApprovedAt, r.NextAttempt, r.FinishedAt = fromNull(approved), fromNull(next), fromNull(fi)
	var err error
	if r.Recipients, err = parseList(rcpts); err != nil {
		return ReleaseRequest{}, fmt.Errorf("release %s: recipients: %w", r.ID, err)
	}
	return r, nil
}

// releases reads the requests that clause (WHERE … ORDER BY …) selects.
func releases(ctx context.Context, tx *sql.Tx, clause string, args ...any) ([]ReleaseRequest, error) {
	rows, err := tx.QueryContext(ctx, "SELECT "+releaseCols+" FROM releases "+clause, args...)
	if err != nil {
		return nil, fmt.Errorf("quarantine: %w", err)
	}
	defer rows.Close()
	var out []ReleaseRequest
	for rows.Next() {
		r, err := scanRelease(rows)
		if err != nil {
			return nil, fmt.Errorf("quarantine: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("quarantine: %w", err)
	}
	return out, nil
}

func releaseByID(ctx context.Context, tx *sql.Tx, id string) (ReleaseRequest, error) {
	r, err := scanRelease(tx.QueryRowContext(ctx, "SELECT "+releaseCols+" FROM releases WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return ReleaseRequest{}, fmt.Errorf("quarantine: release %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return ReleaseRequest{}, fmt.Errorf("quarantine: %w", err)
	}
	return r, nil
}

// entryState reads the status and hold of entry id.
func entryState(ctx context.Context, tx *sql.Tx, id string) (Status, bool, error) {
	var (
		st   string
		hold bool
	)
	err := tx.QueryRowContext(ctx, "SELECT status, hold FROM entries WHERE id = ?", id).Scan(&st, &hold)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, fmt.Errorf("quarantine: entry %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return "", false, fmt.Errorf("quarantine: %w", err)
	}
	return Status(st), hold, nil
}

// one checks that an UPDATE changed exactly one row: none means the row
// was not in the state the UPDATE required.
func one(res sql.Result, err error) error {
	if err != nil {
		return fmt.Errorf("quarantine: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("quarantine: %w", err)
	}
	if n != 1 {
		return fmt.Errorf("quarantine: %w", ErrConflict)
	}
	return nil
}

// setEntryStatus moves entry id from one status to another; to deleted
// or expired, it drops the Subject too.
func setEntryStatus(ctx context.Context, tx *sql.Tx, id string, from, to Status) error {
	q := "UPDATE entries SET status = ? WHERE id = ? AND status = ?"
	if to.Purged() {
		// The Subject is part of the message: it goes with the bytes.
		q = "UPDATE entries SET status = ?, subject = '', subject_fold = '' WHERE id = ? AND status = ?"
	}
	if err := one(tx.ExecContext(ctx, q, to, id, from)); err != nil {
		return fmt.Errorf("entry %s %s → %s: %w", id, from, to, err)
	}
	return nil
}

// closeOpen ends the open request of entry id, if any, as to.
func closeOpen(ctx context.Context, tx *sql.Tx, id string, to Status, now time.Time) error {
	_, err := tx.ExecContext(ctx, "UPDATE releases SET status = ?, finished_at = ? WHERE entry_id = ? AND status IN "+openStatuses,
		to, nanos(now), id)
	if err != nil {
		return fmt.Errorf("quarantine: %w", err)
	}
	return nil
}

// actorName checks and trims the name of an officer.
func actorName(what, s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > MaxField {
		return "", fmt.Errorf("quarantine: %w: %s must be 1 to %d bytes", ErrInvalid, what, MaxField)
	}
	return s, nil
}

// text checks and trims a free text (a note, a justification).
func text(what, s string) (string, error) {
	s = strings.TrimSpace(strings.ToValidUTF8(s, "\uFFFD"))
	if s == "" || len(s) > MaxNote {
		return "", fmt.Errorf("quarantine: %w: %s must be 1 to %d bytes", ErrInvalid, what, MaxNote)
	}
	return s, nil
}

// ReleasePolicy implements Store.
func (s *SQLite) ReleasePolicy(ctx context.Context) (ReleasePolicy, error) {
	var p ReleasePolicy
	err := s.read(ctx, func(tx *sql.Tx) error {
		var err error
		p, err = releasePolicy(ctx, tx)
		return err
	})
	return p, err
}

// releasePolicy reads the recorded policy, or the default.
func releasePolicy(ctx context.Context, tx *sql.Tx) (ReleasePolicy, error) {
	var (
		p   ReleasePolicy
		at  int64
		eye bool
	)
	err := tx.QueryRowContext(ctx, "SELECT four_eyes, source, set_at FROM release_policy WHERE id = 1").Scan(&eye, &p.Source, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return DefaultReleasePolicy, nil
	}
	if err != nil {
		return ReleasePolicy{}, fmt.Errorf("quarantine: release policy: %w", err)
	}
	p.FourEyes, p.SetAt = eye, fromNanos(at)
	return p, nil
}

// SetReleasePolicy implements Store.
func (s *SQLite) SetReleasePolicy(ctx context.Context, p ReleasePolicy) error {
	src := strings.ToValidUTF8(p.Source, "\uFFFD")
	if len(src) > MaxField {
		return fmt.Errorf("quarantine: %w: the policy's source is over %d bytes", ErrInvalid, MaxField)
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO release_policy (id, four_eyes, source, set_at) VALUES (1, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET four_eyes = excluded.four_eyes, source = excluded.source, set_at = excluded.set_at`,
			p.FourEyes, src, nanos(s.now().UTC()))
		if err != nil {
			return fmt.Errorf("quarantine: release policy: %w", err)
		}
		return nil
	})
}

// RequestRelease implements Store.
func (s *SQLite) RequestRelease(ctx context.Context, id, actor string, recipients []string, justification string) (ReleaseRequest, error) {
	if err := checkID(id); err != nil {
		return ReleaseRequest{}, err
	}
	actor, err := actorName("the requester", actor)
	if err != nil {
		return ReleaseRequest{}, err
	}
	if justification, err = text("the justification", justification); err != nil {
		return ReleaseRequest{}, err
	}
	if len(recipients) > MaxRecipients {
		return ReleaseRequest{}, fmt.Errorf("quarantine: %w: %d recipients", ErrInvalid, len(recipients))
	}
	now := s.now().UTC()
	req := ReleaseRequest{ID: newReleaseID(), EntryID: id, Status: StatusPendingApproval,
		RequestedBy: actor, RequestedAt: now, Justification: justification}
	err = s.write(ctx, func(tx *sql.Tx) error {
		pol, err := releasePolicy(ctx, tx)
		if err != nil {
			return err
		}
		if !pol.FourEyes {
			req.Status, req.ApprovedBy, req.ApprovedAt, req.NextAttempt = StatusApproved, actor, now, now
		}
		st, _, err := entryState(ctx, tx, id)
		if err != nil {
			return err
		}
		if st != StatusHeld && st != StatusReleaseFailed {
			return fmt.Errorf("quarantine: release of entry %s, which is %s: %w", id, st, ErrConflict)
		}
		var orig []string
		rows, err := tx.QueryContext(ctx, "SELECT addr FROM recipients WHERE entry_id = ? ORDER BY pos", id)
		if err != nil {
			return fmt.Errorf("quarantine: %w", err)
		}
		for rows.Next() {
			var a string
			if err := rows.Scan(&a); err != nil {
				rows.Close()
				return fmt.Errorf("quarantine: %w", err)
			}
			orig = append(orig, a)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("quarantine: %w", err)
		}
		if req.Recipients, err = pickRecipients(orig, recipients); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO releases (id, entry_id, status, requested_by, requested_at,
			justification, recipients, approved_by, approved_at, next_attempt) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			req.ID, id, req.Status, actor, nanos(now), justification, jsonList(req.Recipients),
			req.ApprovedBy, nullNanos(req.ApprovedAt), nullNanos(req.NextAttempt)); err != nil {
			return fmt.Errorf("quarantine: %w", err)
		}
		return setEntryStatus(ctx, tx, id, st, req.Status)
	})
	if err != nil {
		return ReleaseRequest{}, err
	}
	return req, nil
}

// pickRecipients returns the release recipients: all of orig when want is
// empty, else want, each as orig spells it, without repeats.
func pickRecipients(orig, want []string) ([]string, error) {
	if len(want) == 0 {
		if len(orig) == 0 {
			return nil, fmt.Errorf("quarantine: %w: the entry has no recipients", ErrInvalid)
		}
		return orig, nil
	}
	var out []string
	for i, w := range want {
		w = strings.TrimSpace(w)
		found := ""
		for _, o := range orig {
			if strings.EqualFold(o, w) {
				found = o
				break
			}
		}
		if found == "" {
			// The address is not repeated: errors get logged.
			return nil, fmt.Errorf("quarantine: %w: release recipient %d is not a recipient of the message", ErrInvalid, i+1)
		}
		if !slices.Contains(out, found) {
			out = append(out, found)
		}
	}
	return out, nil
}

// ApproveRelease implements Store. The approver is compared with the
// requester ignoring case.
func (s *SQLite) ApproveRelease(ctx context.Context, requestID, approver string) (ReleaseRequest, error) {
	if err := checkID(requestID); err != nil {
		return ReleaseRequest{}, err
	}
	approver, err := actorName("the approver", approver)
	if err != nil {
		return ReleaseRequest{}, err
	}
	var req ReleaseRequest
	err = s.write(ctx, func(tx *sql.Tx) error {
		var err error
		if req, err = releaseByID(ctx, tx, requestID); err != nil {
			return err
		}
		if req.Status != StatusPendingApproval {
			return fmt.Errorf("quarantine: approval of release %s, which is %s: %w", requestID, req.Status, ErrConflict)
		}
		if strings.EqualFold(req.RequestedBy, approver) {
			return fmt.Errorf("quarantine: release %s: %w", requestID, ErrSelfApproval)
		}
		now := s.now().UTC()
		if err := one(tx.ExecContext(ctx, `UPDATE releases SET status = 'approved', approved_by = ?, approved_at = ?, next_attempt = ?
			WHERE id = ? AND status = 'pending_approval'`, approver, nanos(now), nanos(now), requestID)); err != nil {
			return err
		}
		req.Status, req.ApprovedBy, req.ApprovedAt, req.NextAttempt = StatusApproved, approver, now, now
		return setEntryStatus(ctx, tx, req.EntryID, StatusPendingApproval, StatusApproved)
	})
	if err != nil {
		return ReleaseRequest{}, err
	}
	return req, nil
}

// ClaimRelease implements Store. It takes the request due longest ago.
func (s *SQLite) ClaimRelease(ctx context.Context, now time.Time) (ReleaseRequest, bool, error) {
	var (
		req ReleaseRequest
		ok  bool
	)
	err := s.write(ctx, func(tx *sql.Tx) error {
		var id string
		err := tx.QueryRowContext(ctx, `SELECT id FROM releases WHERE status = 'approved' AND next_attempt <= ?
			ORDER BY next_attempt, id LIMIT 1`, nanos(now)).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("quarantine: %w", err)
		}
		if err := one(tx.ExecContext(ctx, "UPDATE releases SET status = 'sending' WHERE id = ? AND status = 'approved'", id)); err != nil {
			return err
		}
		if req, err = releaseByID(ctx, tx, id); err != nil {
			return err
		}
		ok = true
		return setEntryStatus(ctx, tx, req.EntryID, StatusApproved, StatusSending)
	})
	if err != nil || !ok {
		return ReleaseRequest{}, false, err
	}
	return req, true, nil
}

// FinishRelease implements Store. A negative Retry counts as 0; Message is
// kept as one line of at most MaxNote bytes.
func (s *SQLite) FinishRelease(ctx context.Context, requestID string, o Outcome) error {
	if err := checkID(requestID); err != nil {
		return err
	}
	msg := cleanLine(o.Message, MaxNote)
	return s.write(ctx, func(tx *sql.Tx) error {
		req, err := releaseByID(ctx, tx, requestID)
		if err != nil {
			return err
		}
		if req.Status != StatusSending {
			return fmt.Errorf("quarantine: outcome of release %s, which is %s: %w", requestID, req.Status, ErrConflict)
		}
		now := s.now().UTC()
		var to Status
		switch {
		case o.Delivered:
			to = StatusReleased
			err = one(tx.ExecContext(ctx, `UPDATE releases SET status = ?, attempts = attempts + 1, finished_at = ?
				WHERE id = ? AND status = 'sending'`, to, nanos(now), requestID))
		case o.Uncertain:
			// Open, as RecoverSending leaves it: Resolve ends it.
			to = StatusReleaseUncertain
			err = one(tx.ExecContext(ctx, `UPDATE releases SET status = ?, attempts = attempts + 1, last_error = ?
				WHERE id = ? AND status = 'sending'`, to, msg, requestID))
		case o.Permanent:
			to = StatusReleaseFailed
			err = one(tx.ExecContext(ctx, `UPDATE releases SET status = ?, attempts = attempts + 1, last_error = ?, finished_at = ?
				WHERE id = ? AND status = 'sending'`, to, msg, nanos(now), requestID))
		default:
			to = StatusApproved
			err = one(tx.ExecContext(ctx, `UPDATE releases SET status = ?, attempts = attempts + 1, last_error = ?, next_attempt = ?
				WHERE id = ? AND status = 'sending'`, to, msg, nanos(now.Add(max(o.Retry, 0))), requestID))
		}
		if err != nil {
			return err
		}
		return setEntryStatus(ctx, tx, req.EntryID, StatusSending, to)
	})
}

// RecoverSending implements Store.
func (s *SQLite) RecoverSending(ctx context.Context) ([]ReleaseRequest, error) {
	var out []ReleaseRequest
	err := s.write(ctx, func(tx *sql.Tx) error {
		var err error
		if out, err = releases(ctx, tx, "WHERE status = 'sending' ORDER BY id"); err != nil {
			return err
		}
		for i, r := range out {
			if err := one(tx.ExecContext(ctx, "UPDATE releases SET status = 'release_uncertain' WHERE id = ? AND status = 'sending'", r.ID)); err != nil {
				return err
			}
			if err := setEntryStatus(ctx, tx, r.EntryID, StatusSending, StatusReleaseUncertain); err != nil {
				return err
			}
			out[i].Status = StatusReleaseUncertain
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Resolve implements Store. The request ends released, or release_failed
// with a LastError saying an officer resolved it.
func (s *SQLite) Resolve(ctx context.Context, id string, delivered bool) error {
	if err := checkID(id); err != nil {
		return err
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		st, _, err := entryState(ctx, tx, id)
		if err != nil {
			return err
		}
		if st != StatusReleaseUncertain {
			return fmt.Errorf("quarantine: resolving entry %s, which is %s: %w", id, st, ErrConflict)
		}
		now := s.now().UTC()
		req, to := StatusReleased, StatusReleased
		lastError := ""
		if !delivered {
			req, to, lastError = StatusReleaseFailed, StatusHeld, "resolved by an officer as not delivered"
		}
		if err := one(tx.ExecContext(ctx, `UPDATE releases SET status = ?, finished_at = ?, last_error = iif(? = '', last_error, ?)
			WHERE entry_id = ? AND status = 'release_uncertain'`, req, nanos(now), lastError, lastError, id)); err != nil {
			return fmt.Errorf("entry %s has no uncertain release: %w", id, err)
		}
		return setEntryStatus(ctx, tx, id, StatusReleaseUncertain, to)
	})
}
