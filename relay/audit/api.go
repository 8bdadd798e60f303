// Package audit owns dlprelay's audit trail: an append-only log of what
// people did in the compliance console and CLI (logins, reveals of masked
// data, downloads, releases, approvals, deletions, notes, holds, user and
// configuration changes). Each entry carries the hash of the one before, so
// a changed, removed or inserted row is detected by Verify. Entries hold
// ids, user names and actions, never customer values.
//
// What the chain proves has limits. It has no secret in it: whoever can
// write the database file can rewrite an entry and recompute every hash
// after it, and Verify passes. A cut-off tail leaves a valid chain; the
// SQLite log also keeps the count and last hash in an anchor row written
// with each entry, which shows the cut unless the anchor is rewritten too.
// So the chain catches accidents, bugs and careless edits, and it catches
// a forger only against a hash kept outside the file: an exported log, a
// recent `dlprelay audit verify` result stored elsewhere, or the relay's
// own log, which carries each entry's seq and hash (see SQLite.OnAppend),
// pins every entry up to it. See SQLite.Verify and SQLite.VerifyPinned.
package audit

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"
)

// Action names what was done. The values are stable: they are stored,
// exported and filtered on.
type Action string

// The actions.
const (
	ActionLogin          Action = "login"
	ActionLoginFailed    Action = "login_failed"
	ActionLogout         Action = "logout"
	ActionView           Action = "view"   // opened an entry (masked)
	ActionReveal         Action = "reveal" // unmasked customer values
	ActionDownload       Action = "download"
	ActionReleaseRequest Action = "release_request"
	ActionReleaseApprove Action = "release_approve"
	ActionReleaseOutcome Action = "release_outcome" // released, failed, uncertain, resolved
	ActionDelete         Action = "delete"
	ActionNote           Action = "note"
	ActionHold           Action = "hold"
	ActionExtend         Action = "extend"
	ActionUserChange     Action = "user_change"
	ActionConfigReload   Action = "config_reload"
	ActionExport         Action = "export"
	// ActionCustomersAccept: an operator confirmed a customer list that
	// a start or reload refused (dlprelay customers accept).
	ActionCustomersAccept Action = "customers_accept"
)

// Event is what a caller appends.
type Event struct {
	Actor  string `json:"actor"` // user name, or "system"
	Action Action `json:"action"`
	Target string `json:"target"` // quarantine entry id, user name, ...
	// Justification is the reason the user gave (every console action
	// asks for one).
	Justification string `json:"justification,omitempty"`
	// Detail is extra key/values (no customer values), stored as JSON.
	Detail map[string]string `json:"detail,omitempty"`
	// Remote is the client address of the console request, if any.
	Remote string `json:"remote,omitempty"`
}

// Record is one stored entry of the log.
type Record struct {
	Seq      int64     `json:"seq"`
	Time     time.Time `json:"time"`
	Event              // actor, action, target, justification, detail, remote
	PrevHash string    `json:"prev_hash"`
	Hash     string    `json:"hash"`
}

// ErrTampered is returned (wrapped) by Verify, naming the first bad entry.
var ErrTampered = errors.New("audit log tampered")

var (
	// ErrInvalid is wrapped by Append's error for an event past the
	// limits (see Event.Validate) and by List's and Export's for a bad
	// query or format.
	ErrInvalid = errors.New("audit: invalid input")
	// ErrReadOnly is returned by Append on a log opened read-only.
	ErrReadOnly = errors.New("audit: log is read-only")
)

// TamperedError is the error Verify returns for a broken chain. It wraps
// ErrTampered.
type TamperedError struct {
	// Seq is the first bad seq: the record that does not verify, or the
	// first one missing.
	Seq    int64
	Reason string // what is wrong, for people
}

func (e *TamperedError) Error() string {
	return fmt.Sprintf("%v at seq %d: %s", ErrTampered, e.Seq, e.Reason)
}

func (e *TamperedError) Unwrap() error { return ErrTampered }

// Query selects records for List and Export. Zero fields do not filter.
// Actor, Action and Target match exactly; From is inclusive and To
// exclusive (From <= Time < To). Offset and Limit page List; Export writes
// every matching record and ignores them, so a page of the console's list
// never becomes a partial export.
type Query struct {
	Actor    string
	Action   Action
	Target   string
	From, To time.Time
	Offset   int
	Limit    int // List: default 100, at most 1000; Export: no limit
}

// Log is the audit trail. Implementations are safe for concurrent use and
// serialize appends so the chain stays linear.
type Log interface {
	// Append adds an entry, durable when it returns.
	Append(ctx context.Context, e Event) (Record, error)
	// List returns matching records, newest first, and the total count.
	List(ctx context.Context, q Query) ([]Record, int, error)
	// Verify recomputes the whole chain; it returns the number of records
	// checked, and an error wrapping ErrTampered that names the first
	// bad seq.
	Verify(ctx context.Context) (int, error)
	// Export writes the matching records, oldest first, as "csv" or
	// "json" (one JSON array).
	Export(ctx context.Context, q Query, format string, w io.Writer) error
	Close() error
}
