// Package audit owns dlprelay's audit trail: an append-only log of what
// people did in the compliance console and CLI (logins, reveals of masked
// data, downloads, releases, approvals, deletions, notes, holds, user and
// configuration changes). Each entry carries the hash of the one before, so
// a changed, removed or inserted row is detected by Verify. Entries hold
// ids, user names and actions, never customer values.
package audit

import (
	"context"
	"errors"
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

// Query selects records for List and Export. Zero fields do not filter.
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
