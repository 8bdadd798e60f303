package quarantine

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/dlprelay/dlprelay/detect"
	"github.com/dlprelay/dlprelay/internal/durable"
)

// tmpPrefix starts the names of files being written. It starts with '.', so
// no valid ID's message file can carry it.
const tmpPrefix = ".tmp-"

// orphanAge is how old a message file without a row must be before Open
// removes it: younger, it may be a Put of another process between its
// rename and its commit.
const orphanAge = time.Minute

// crashAt, when set, is called at each step of Put that a crash could
// interrupt ("written", "synced", "renamed", "inserted", "committed"). Only
// the crash test's child process sets it.
var crashAt func(point string)

func crashPoint(p string) {
	if crashAt != nil {
		crashAt(p)
	}
}

// Put implements Store. The message is streamed to a temporary file in the
// message directory, fsynced, linked to <id>.eml (a rename that never
// replaces an existing file), the directory fsynced, and only then is the
// row inserted and committed: an entry is visible only once its bytes are
// durable. On error the file is removed. A caller-chosen ID that exists is
// an error wrapping fs.ErrExist; an invalid one wraps ErrInvalidID.
func (s *SQLite) Put(e Entry, msg io.Reader) (Entry, error) {
	e, err := s.prepare(e)
	if err != nil {
		return Entry{}, err
	}
	ctx := context.Background()
	var exists int
	if err := s.r.QueryRowContext(ctx, "SELECT count(*) FROM entries WHERE id = ?", e.ID).Scan(&exists); err != nil {
		return Entry{}, fmt.Errorf("quarantine: put %s: %w", e.ID, err)
	}
	if exists > 0 {
		return Entry{}, fmt.Errorf("quarantine: put %s: %w", e.ID, fs.ErrExist)
	}
	final := s.msgPath(e.ID)
	if e.Size, err = s.writeMessage(final, msg); err != nil {
		return Entry{}, fmt.Errorf("quarantine: put %s: %w", e.ID, err)
	}
	err = s.write(ctx, func(tx *sql.Tx) error {
		if err := insertEntry(ctx, tx, e); err != nil {
			return err
		}
		crashPoint("inserted")
		return nil
	})
	if err != nil {
		os.Remove(final)
		return Entry{}, fmt.Errorf("quarantine: put %s: %w", e.ID, err)
	}
	crashPoint("committed")
	return e, nil
}

// prepare checks and completes an entry for Put.
func (s *SQLite) prepare(e Entry) (Entry, error) {
	if e.Received.IsZero() {
		e.Received = s.now()
	}
	e.Received = e.Received.UTC()
	if !storable(e.Received) {
		return Entry{}, fmt.Errorf("quarantine: put: %w: received %v", ErrInvalid, e.Received)
	}
	if e.ID == "" {
		e.ID = newID(e.Received)
	} else if err := checkID(e.ID); err != nil {
		return Entry{}, err
	}
	if len(e.Recipients) > MaxRecipients {
		return Entry{}, fmt.Errorf("quarantine: put %s: %w: %d recipients, at most %d", e.ID, ErrInvalid, len(e.Recipients), MaxRecipients)
	}
	if len(e.Rules) > MaxRecipients || len(e.Reasons) > MaxRecipients {
		return Entry{}, fmt.Errorf("quarantine: put %s: %w: %d rules and %d reasons", e.ID, ErrInvalid, len(e.Rules), len(e.Reasons))
	}
	for _, l := range [][]string{{e.ClientAddr, e.Helo, e.Sender, e.Verdict}, e.Recipients, e.Rules, e.Reasons, e.RecordIDs} {
		for _, f := range l {
			if len(f) > MaxField {
				return Entry{}, fmt.Errorf("quarantine: put %s: %w: a field of %d bytes, at most %d", e.ID, ErrInvalid, len(f), MaxField)
			}
		}
	}
	if e.Records < 0 {
		return Entry{}, fmt.Errorf("quarantine: put %s: %w: %d records", e.ID, ErrInvalid, e.Records)
	}
	e.Recipients, e.Rules, e.Reasons, e.RecordIDs = orEmpty(e.Recipients), orEmpty(e.Rules), orEmpty(e.Reasons), orEmpty(e.RecordIDs)
	e.Subject = cleanLine(e.Subject, MaxSubject)
	f, err := boundFindings(e.Findings)
	if err != nil {
		return Entry{}, fmt.Errorf("quarantine: put %s: %w: findings: %v", e.ID, ErrInvalid, err)
	}
	e.Findings = f
	e.Status, e.ExpiresAt, e.Hold = StatusHeld, e.Received.Add(s.retention), false
	e.SubjectWithheld = subjectWithheld(e)
	e.Notes, e.Releases = nil, nil
	return e, nil
}

// writeMessage streams msg to final through a temporary file and makes the
// name durable; it returns the size. On error it leaves neither file.
func (s *SQLite) writeMessage(final string, msg io.Reader) (int64, error) {
	var rnd [8]byte
	rand.Read(rnd[:])
	tmp := filepath.Join(s.dir, tmpPrefix+hex.EncodeToString(rnd[:]))
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return 0, err
	}
	defer os.Remove(tmp) // after the link, or on error
	n, err := io.Copy(f, msg)
	if err == nil {
		crashPoint("written")
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, err
	}
	crashPoint("synced")
	// A link is a rename that fails if final exists: two Puts with one
	// caller-chosen ID cannot replace each other's file.
	if err := os.Link(tmp, final); err != nil {
		return 0, err
	}
	if err := os.Remove(tmp); err == nil {
		err = durable.SyncDir(s.dir)
	}
	if err != nil {
		os.Remove(final)
		return 0, err
	}
	crashPoint("renamed")
	return n, nil
}

const insertEntrySQL = `INSERT INTO entries (id, received, client_addr, helo, sender, sender_fold, verdict,
	reasons, records, record_ids, size, subject, subject_fold, findings, status, expires_at, hold, subject_withheld)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// insertEntry inserts e (checked by prepare) with its recipients and rules.
func insertEntry(ctx context.Context, tx *sql.Tx, e Entry) error {
	var findings sql.NullString
	if len(e.Findings) > 0 {
		findings = sql.NullString{String: string(e.Findings), Valid: true}
	}
	if _, err := tx.ExecContext(ctx, insertEntrySQL, e.ID, nanos(e.Received), e.ClientAddr, e.Helo,
		e.Sender, fold(e.Sender), e.Verdict, jsonList(e.Reasons), e.Records, jsonList(e.RecordIDs),
		e.Size, e.Subject, fold(e.Subject), findings, e.Status, nanos(e.ExpiresAt), e.Hold, e.SubjectWithheld); err != nil {
		return err
	}
	for i, r := range e.Recipients {
		if _, err := tx.ExecContext(ctx, "INSERT INTO recipients (entry_id, pos, addr, addr_fold) VALUES (?, ?, ?, ?)",
			e.ID, i, r, fold(r)); err != nil {
			return err
		}
	}
	for i, r := range e.Rules {
		if _, err := tx.ExecContext(ctx, "INSERT INTO rules (entry_id, pos, rule) VALUES (?, ?, ?)", e.ID, i, r); err != nil {
			return err
		}
	}
	return nil
}

// cleanup removes what a crash left in the message directory: temporary
// files, and message files of no visible entry (no row and older than
// orphanAge, or a deleted or expired row).
func (s *SQLite) cleanup() error {
	des, err := os.ReadDir(s.dir)
	if err != nil {
		return fmt.Errorf("quarantine: %w", err)
	}
	kept := map[string]bool{}
	rows, err := s.r.Query("SELECT id FROM entries WHERE status NOT IN ('deleted', 'expired')")
	if err != nil {
		return fmt.Errorf("quarantine: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return fmt.Errorf("quarantine: %w", err)
		}
		kept[id] = true
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("quarantine: %w", err)
	}
	var known map[string]bool // every row's ID, read only if needed
	cutoff := s.now().Add(-orphanAge)
	var errs []error
	for _, de := range des {
		name := de.Name()
		id, isMsg := strings.CutSuffix(name, ".eml")
		switch {
		case strings.HasPrefix(name, tmpPrefix) && de.Type().IsRegular():
		case isMsg && ValidID(id) && de.Type().IsRegular() && !kept[id]:
			if known == nil {
				if known, err = s.allIDs(); err != nil {
					return err
				}
			}
			if !known[id] {
				fi, err := de.Info()
				if err != nil || fi.ModTime().After(cutoff) {
					continue // perhaps another process's Put, about to commit
				}
			}
		default:
			continue
		}
		if err := os.Remove(filepath.Join(s.dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("quarantine: removing crash leftovers: %w", err)
	}
	return nil
}

func (s *SQLite) allIDs() (map[string]bool, error) {
	rows, err := s.r.Query("SELECT id FROM entries")
	if err != nil {
		return nil, fmt.Errorf("quarantine: %w", err)
	}
	defer rows.Close()
	ids := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("quarantine: %w", err)
		}
		ids[id] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("quarantine: %w", err)
	}
	return ids, nil
}

// fold is the case folding of the case-insensitive filters.
func fold(s string) string { return strings.ToLower(s) }

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func jsonList(s []string) string {
	b, _ := json.Marshal(orEmpty(s)) // strings always marshal
	return string(b)
}

func parseList(s string) ([]string, error) {
	out := []string{}
	if err := json.Unmarshal([]byte(s), &out); err != nil {
		return nil, err
	}
	return orEmpty(out), nil
}

// cleanLine makes s one line of valid UTF-8 of at most max bytes: invalid
// bytes become U+FFFD, control characters spaces, and it is trimmed and cut
// at a character boundary.
func cleanLine(s string, max int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	return strings.TrimSpace(cut(strings.TrimSpace(s), max))
}

// cut shortens s (valid UTF-8) to at most max bytes at a character
// boundary.
func cut(s string, max int) string {
	if len(s) <= max {
		return s
	}
	for max > 0 && !utf8.RuneStart(s[max]) {
		max--
	}
	return s[:max]
}

// boundFindings checks that f is JSON and cuts it to MaxFindings, keeping
// whole records: an array (the findings stored before versions) keeps the
// longest prefix of its elements that fits; an object (detect.Findings, or
// a legacy detect.Result) keeps its other members, schema and extractor
// among them, and the longest prefix of its "records" array that fits.
// Anything else longer is dropped. A held message is never refused for its
// findings.
func boundFindings(f json.RawMessage) (json.RawMessage, error) {
	return boundFindingsTo(f, MaxFindings)
}

// boundFindingsTo is boundFindings with max for MaxFindings.
func boundFindingsTo(f json.RawMessage, max int) (json.RawMessage, error) {
	if len(f) == 0 || string(f) == "null" {
		return nil, nil
	}
	if !json.Valid(f) {
		return nil, errors.New("not JSON")
	}
	if len(f) <= max {
		return f, nil
	}
	switch bytes.TrimLeft(f, " \t\r\n")[0] {
	case '[':
		var elems []json.RawMessage
		if err := json.Unmarshal(f, &elems); err != nil {
			return nil, nil
		}
		return cutArray(nil, elems, nil, max), nil
	case '{':
		return cutRecords(f, max), nil
	}
	return nil, nil
}

// cutRecords cuts the "records" array of the JSON object f so that the
// whole object fits in max bytes; nil if f has no records array or its
// other members alone do not fit. The other members come first, in the
// order of their keys.
func cutRecords(f json.RawMessage, max int) json.RawMessage {
	var members map[string]json.RawMessage
	if err := json.Unmarshal(f, &members); err != nil {
		return nil
	}
	var recs []json.RawMessage
	if err := json.Unmarshal(members["records"], &recs); err != nil || recs == nil {
		return nil // no records, or not an array
	}
	delete(members, "records")
	head := []byte{'{'}
	for _, k := range slices.Sorted(maps.Keys(members)) {
		key, _ := json.Marshal(k) // a string always marshals
		head = append(append(append(head, key...), ':'), members[k]...)
		head = append(head, ',')
	}
	head = append(head, `"records":`...)
	return cutArray(head, recs, []byte{'}'}, max)
}

// cutArray returns head, the longest prefix of elems that fits as a JSON
// array, and tail, in at most max bytes; nil if head and tail do not fit
// with "[]".
func cutArray(head []byte, elems []json.RawMessage, tail []byte, max int) json.RawMessage {
	if len(head)+2+len(tail) > max {
		return nil
	}
	out := append(slices.Clip(head), '[')
	for i, el := range elems {
		need := len(el) + 1 + len(tail) // el, ']', tail
		if i > 0 {
			need++ // ','
		}
		if len(out)+need > max {
			break
		}
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, el...)
	}
	return append(append(out, ']'), tail...)
}

// subjectWithheld reports whether e's Subject may hold a customer value: a
// record was found in a header segment ("1.header": the Subject, display
// names, file names), or the findings cannot say (missing, unreadable, or
// cut short of the records found).
func subjectWithheld(e Entry) bool {
	if e.Subject == "" || len(e.RecordIDs) == 0 && e.Records == 0 {
		return false
	}
	f, err := detect.DecodeFindings(e.Findings)
	if err != nil || !e.FindingsComplete(f) {
		return true
	}
	for _, h := range f.Records {
		for _, p := range h.Parts {
			if p == "header" || strings.HasSuffix(p, ".header") {
				return true
			}
		}
	}
	return false
}
