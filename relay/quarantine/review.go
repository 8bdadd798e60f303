package quarantine

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"
)

// What officers do to an entry besides releasing it, and retention.

// AddNote implements Store. The text is trimmed; it may span lines.
func (s *SQLite) AddNote(ctx context.Context, id, author, note string) error {
	if err := checkID(id); err != nil {
		return err
	}
	author, err := actorName("the author", author)
	if err != nil {
		return err
	}
	if note, err = text("the note", note); err != nil {
		return err
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		if _, _, err := entryState(ctx, tx, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO notes (entry_id, at, author, text) VALUES (?, ?, ?, ?)",
			id, nanos(s.now()), author, note); err != nil {
			return fmt.Errorf("quarantine: %w", err)
		}
		return nil
	})
}

// SetHold implements Store.
func (s *SQLite) SetHold(ctx context.Context, id string, hold bool) error {
	if err := checkID(id); err != nil {
		return err
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		st, _, err := entryState(ctx, tx, id)
		if err != nil {
			return err
		}
		if st.Purged() {
			return fmt.Errorf("quarantine: hold of entry %s, which is %s: %w", id, st, ErrConflict)
		}
		_, err = tx.ExecContext(ctx, "UPDATE entries SET hold = ? WHERE id = ?", hold, id)
		if err != nil {
			return fmt.Errorf("quarantine: %w", err)
		}
		return nil
	})
}

// Extend implements Store. It may also bring the expiry forward, to now at
// the earliest.
func (s *SQLite) Extend(ctx context.Context, id string, until time.Time) error {
	if err := checkID(id); err != nil {
		return err
	}
	if until.Before(s.now()) || !storable(until) {
		return fmt.Errorf("quarantine: extending entry %s: %w: %v is in the past", id, ErrInvalid, until)
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		st, _, err := entryState(ctx, tx, id)
		if err != nil {
			return err
		}
		if st.Purged() {
			return fmt.Errorf("quarantine: extending entry %s, which is %s: %w", id, st, ErrConflict)
		}
		_, err = tx.ExecContext(ctx, "UPDATE entries SET expires_at = ? WHERE id = ?", nanos(until), id)
		if err != nil {
			return fmt.Errorf("quarantine: %w", err)
		}
		return nil
	})
}

// Delete implements Store. The row is marked deleted (and committed) before
// the file is removed; a crash in between leaves a file that Open removes.
func (s *SQLite) Delete(ctx context.Context, id string) error {
	if err := checkID(id); err != nil {
		return err
	}
	err := s.write(ctx, func(tx *sql.Tx) error {
		st, hold, err := entryState(ctx, tx, id)
		switch {
		case err != nil:
			return err
		case st.Purged() || st == StatusSending:
			return fmt.Errorf("quarantine: deleting entry %s, which is %s: %w", id, st, ErrConflict)
		case hold:
			return fmt.Errorf("quarantine: deleting entry %s: %w", id, ErrOnHold)
		}
		if err := closeOpen(ctx, tx, id, StatusDeleted, s.now().UTC()); err != nil {
			return err
		}
		return setEntryStatus(ctx, tx, id, st, StatusDeleted)
	})
	if err != nil {
		return err
	}
	return s.removeMessage(id)
}

func (s *SQLite) removeMessage(id string) error {
	if err := os.Remove(s.msgPath(id)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("quarantine: entry %s is marked %s but its message stays until the next start: %w", id, StatusDeleted, err)
	}
	return nil
}

// Purge implements Store. All expired entries change in one transaction,
// then their files are removed; a crash in between leaves files that Open
// removes.
func (s *SQLite) Purge(ctx context.Context, now time.Time) (int, error) {
	var ids []string
	err := s.write(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT id, status FROM entries
			WHERE expires_at <= ? AND hold = 0 AND status NOT IN ('deleted', 'expired', 'sending')`, nanos(now))
		if err != nil {
			return fmt.Errorf("quarantine: purge: %w", err)
		}
		var sts []Status
		for rows.Next() {
			var id, st string
			if err := rows.Scan(&id, &st); err != nil {
				rows.Close()
				return fmt.Errorf("quarantine: purge: %w", err)
			}
			ids, sts = append(ids, id), append(sts, Status(st))
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("quarantine: purge: %w", err)
		}
		for i, id := range ids {
			if err := closeOpen(ctx, tx, id, StatusExpired, now.UTC()); err != nil {
				return err
			}
			if err := setEntryStatus(ctx, tx, id, sts[i], StatusExpired); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	var errs []error
	for _, id := range ids {
		if err := os.Remove(s.msgPath(id)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return len(ids), fmt.Errorf("quarantine: purge: entries marked expired, but their messages stay until the next start: %w", err)
	}
	return len(ids), nil
}
