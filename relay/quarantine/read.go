package quarantine

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"
	"time"
)

// entryCols are the columns scanEntry reads, findings left out.
const entryCols = `e.id, e.received, e.client_addr, e.helo, e.sender, e.verdict, e.reasons, e.records,
	e.record_ids, e.size, e.subject, e.status, e.expires_at, e.hold, e.subject_withheld`

type scanner interface{ Scan(dest ...any) error }

func scanEntry(sc scanner, extra ...any) (Entry, error) {
	var (
		e                  Entry
		received, expires  int64
		reasons, recordIDs string
		status             string
		err                error
	)
	dest := append([]any{&e.ID, &received, &e.ClientAddr, &e.Helo, &e.Sender, &e.Verdict, &reasons, &e.Records,
		&recordIDs, &e.Size, &e.Subject, &status, &expires, &e.Hold, &e.SubjectWithheld}, extra...)
	if err := sc.Scan(dest...); err != nil {
		return Entry{}, err
	}
	e.Received, e.ExpiresAt, e.Status = fromNanos(received), fromNanos(expires), Status(status)
	if e.Reasons, err = parseList(reasons); err != nil {
		return Entry{}, fmt.Errorf("entry %s: reasons: %w", e.ID, err)
	}
	if e.RecordIDs, err = parseList(recordIDs); err != nil {
		return Entry{}, fmt.Errorf("entry %s: record IDs: %w", e.ID, err)
	}
	return e, nil
}

// Get implements Store.
func (s *SQLite) Get(ctx context.Context, id string) (Entry, error) {
	if err := checkID(id); err != nil {
		return Entry{}, err
	}
	var e Entry
	err := s.read(ctx, func(tx *sql.Tx) error {
		var findings sql.NullString
		var err error
		e, err = scanEntry(tx.QueryRowContext(ctx, "SELECT "+entryCols+", e.findings FROM entries e WHERE e.id = ?", id), &findings)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("quarantine: entry %s: %w", id, ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("quarantine: %w", err)
		}
		if findings.Valid {
			e.Findings = json.RawMessage(findings.String)
		}
		if err := fillLists(ctx, tx, []*Entry{&e}); err != nil {
			return err
		}
		if e.Notes, err = notes(ctx, tx, id); err != nil {
			return err
		}
		e.Releases, err = releases(ctx, tx, "WHERE entry_id = ? ORDER BY requested_at, id", id)
		return err
	})
	return e, err
}

// fillLists reads the recipients and rules of es.
func fillLists(ctx context.Context, tx *sql.Tx, es []*Entry) error {
	if len(es) == 0 {
		return nil
	}
	byID := make(map[string]*Entry, len(es))
	args := make([]any, len(es))
	for i, e := range es {
		byID[e.ID], args[i] = e, e.ID
		e.Recipients, e.Rules = []string{}, []string{}
	}
	in := "(?" + strings.Repeat(", ?", len(es)-1) + ")"
	for _, q := range []struct {
		sql string
		add func(e *Entry, v string)
	}{
		{"SELECT entry_id, addr FROM recipients WHERE entry_id IN " + in + " ORDER BY entry_id, pos",
			func(e *Entry, v string) { e.Recipients = append(e.Recipients, v) }},
		{"SELECT entry_id, rule FROM rules WHERE entry_id IN " + in + " ORDER BY entry_id, pos",
			func(e *Entry, v string) { e.Rules = append(e.Rules, v) }},
	} {
		rows, err := tx.QueryContext(ctx, q.sql, args...)
		if err != nil {
			return fmt.Errorf("quarantine: %w", err)
		}
		for rows.Next() {
			var id, v string
			if err := rows.Scan(&id, &v); err != nil {
				rows.Close()
				return fmt.Errorf("quarantine: %w", err)
			}
			q.add(byID[id], v)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return fmt.Errorf("quarantine: %w", err)
		}
	}
	return nil
}

func notes(ctx context.Context, tx *sql.Tx, id string) ([]Note, error) {
	rows, err := tx.QueryContext(ctx, "SELECT at, author, text FROM notes WHERE entry_id = ? ORDER BY seq", id)
	if err != nil {
		return nil, fmt.Errorf("quarantine: %w", err)
	}
	defer rows.Close()
	var out []Note
	for rows.Next() {
		var n Note
		var at int64
		if err := rows.Scan(&at, &n.Author, &n.Text); err != nil {
			return nil, fmt.Errorf("quarantine: %w", err)
		}
		n.Time = fromNanos(at)
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("quarantine: %w", err)
	}
	return out, nil
}

// sortCols maps Filter.Sort to a column.
var sortCols = map[string]string{
	"":         "e.received",
	"received": "e.received",
	"sender":   "e.sender_fold",
	"records":  "e.records",
	"size":     "e.size",
	"status":   "e.status",
}

// validStatus reports whether st is one of the statuses.
func validStatus(st Status) bool {
	switch st {
	case StatusHeld, StatusPendingApproval, StatusApproved, StatusSending, StatusReleased,
		StatusReleaseFailed, StatusReleaseUncertain, StatusDeleted, StatusExpired:
		return true
	}
	return false
}

// List limits.
const (
	defaultLimit = 50
	maxLimit     = 500
)

// where turns f into a WHERE clause (empty or starting with " WHERE ") and
// its arguments.
func where(f Filter) (string, []any, error) {
	var conds []string
	var args []any
	add := func(cond string, a ...any) {
		conds = append(conds, cond)
		args = append(args, a...)
	}
	for _, s := range []string{f.Sender, f.Recipient, f.Rule, f.Verdict, f.Query} {
		if len(s) > MaxField {
			return "", nil, fmt.Errorf("quarantine: list: %w: a filter of %d bytes, at most %d", ErrInvalid, len(s), MaxField)
		}
	}
	const anyRecipient = "EXISTS (SELECT 1 FROM recipients r WHERE r.entry_id = e.id AND instr(r.addr_fold, ?) > 0)"
	if f.Sender != "" {
		add("instr(e.sender_fold, ?) > 0", fold(f.Sender))
	}
	if f.Recipient != "" {
		add(anyRecipient, fold(f.Recipient))
	}
	if f.Rule != "" {
		add("e.id IN (SELECT entry_id FROM rules WHERE rule = ?)", f.Rule)
	}
	if f.Verdict != "" {
		add("e.verdict = ?", f.Verdict)
	}
	if len(f.Statuses) > 0 {
		var ph []string
		for _, st := range f.Statuses {
			if !validStatus(st) {
				return "", nil, fmt.Errorf("quarantine: list: %w: status %q", ErrInvalid, st)
			}
			ph = append(ph, "?")
			args = append(args, string(st))
		}
		conds = append(conds, "e.status IN ("+strings.Join(ph, ", ")+")")
	}
	for _, t := range []time.Time{f.From, f.To} {
		if !t.IsZero() && !storable(t) {
			return "", nil, fmt.Errorf("quarantine: list: %w: time %v", ErrInvalid, t)
		}
	}
	if !f.From.IsZero() {
		add("e.received >= ?", nanos(f.From))
	}
	if !f.To.IsZero() {
		add("e.received < ?", nanos(f.To))
	}
	if f.MinRecords > 0 {
		add("e.records >= ?", f.MinRecords)
	}
	if f.Query != "" {
		q := fold(f.Query)
		subject := "(e.subject_withheld = 0 AND instr(e.subject_fold, ?) > 0)"
		if f.QueryWithheld {
			subject = "instr(e.subject_fold, ?) > 0"
		}
		add("(instr(e.sender_fold, ?) > 0 OR "+subject+" OR "+anyRecipient+")", q, q, q)
	}
	if len(conds) == 0 {
		return "", nil, nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args, nil
}

// List implements Store.
func (s *SQLite) List(ctx context.Context, f Filter) (Page, error) {
	col, ok := sortCols[f.Sort]
	if !ok {
		return Page{}, fmt.Errorf("quarantine: list: %w: sort %q", ErrInvalid, f.Sort)
	}
	dir := " ASC"
	if f.Desc {
		dir = " DESC"
	}
	limit := f.Limit
	if limit <= 0 {
		limit = defaultLimit
	}
	limit = min(limit, maxLimit)
	offset := max(f.Offset, 0)
	cond, args, err := where(f)
	if err != nil {
		return Page{}, err
	}
	var p Page
	err = s.read(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM entries e"+cond, args...).Scan(&p.Total); err != nil {
			return fmt.Errorf("quarantine: list: %w", err)
		}
		q := "SELECT " + entryCols + " FROM entries e" + cond + " ORDER BY " + col + dir + ", e.id" + dir + " LIMIT ? OFFSET ?"
		rows, err := tx.QueryContext(ctx, q, append(slices.Clip(args), limit, offset)...)
		if err != nil {
			return fmt.Errorf("quarantine: list: %w", err)
		}
		defer rows.Close()
		p.Entries = []Entry{}
		for rows.Next() {
			e, err := scanEntry(rows)
			if err != nil {
				return fmt.Errorf("quarantine: list: %w", err)
			}
			p.Entries = append(p.Entries, e)
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("quarantine: list: %w", err)
		}
		es := make([]*Entry, len(p.Entries))
		for i := range p.Entries {
			es[i] = &p.Entries[i]
		}
		return fillLists(ctx, tx, es)
	})
	if err != nil {
		return Page{}, err
	}
	return p, nil
}

// Open implements Store.
func (s *SQLite) Open(ctx context.Context, id string) (io.ReadCloser, error) {
	if err := checkID(id); err != nil {
		return nil, err
	}
	var status string
	err := s.r.QueryRowContext(ctx, "SELECT status FROM entries WHERE id = ?", id).Scan(&status)
	if errors.Is(err, sql.ErrNoRows) || status == string(StatusDeleted) || status == string(StatusExpired) {
		return nil, fmt.Errorf("quarantine: entry %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("quarantine: entry %s: %w", id, err)
	}
	f, err := os.Open(s.msgPath(id))
	if errors.Is(err, fs.ErrNotExist) {
		// Deleted or purged since the status was read; or damage.
		return nil, fmt.Errorf("quarantine: entry %s: message file: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("quarantine: entry %s: %w", id, err)
	}
	return f, nil
}

// Stats implements Store. It groups the entries by status through the
// status index: fine for a metric scraped every few seconds on a quarantine
// of some hundred thousand entries.
func (s *SQLite) Stats(ctx context.Context) (Stats, error) {
	rows, err := s.r.QueryContext(ctx, "SELECT status, count(*), min(received), sum(size) FROM entries GROUP BY status")
	if err != nil {
		return Stats{}, fmt.Errorf("quarantine: stats: %w", err)
	}
	defer rows.Close()
	var (
		st     Stats
		oldest int64
		seen   bool
	)
	for rows.Next() {
		var (
			status string
			n      int
			first  int64
			bytes  int64
		)
		if err := rows.Scan(&status, &n, &first, &bytes); err != nil {
			return Stats{}, fmt.Errorf("quarantine: stats: %w", err)
		}
		switch Status(status) {
		case StatusHeld, StatusPendingApproval, StatusApproved, StatusReleaseUncertain:
			st.Held += n
			if !seen || first < oldest {
				oldest, seen = first, true
			}
		}
		if Status(status) == StatusPendingApproval {
			st.PendingApproval = n
		}
		if Status(status) != StatusDeleted && Status(status) != StatusExpired {
			st.Bytes += bytes
		}
	}
	if err := rows.Err(); err != nil {
		return Stats{}, fmt.Errorf("quarantine: stats: %w", err)
	}
	if st.Held > 0 {
		st.OldestHeld = max(s.now().Sub(fromNanos(oldest)), 0)
	}
	return st, nil
}
