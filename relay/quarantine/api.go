package quarantine

import (
	"context"
	"errors"
	"io"
	"time"
)

// Status is where an entry is in its life. The values are stable: they are
// stored, shown in the console and used as API filter values.
type Status string

// The statuses.
const (
	StatusHeld             Status = "held"              // waiting for an officer
	StatusPendingApproval  Status = "pending_approval"  // release requested, second officer needed
	StatusApproved         Status = "approved"          // release approved, waiting for the worker (or a retry)
	StatusSending          Status = "sending"           // the worker is sending it upstream now
	StatusReleased         Status = "released"          // the upstream accepted it (250)
	StatusReleaseFailed    Status = "release_failed"    // the upstream refused it permanently (5xx)
	StatusReleaseUncertain Status = "release_uncertain" // a crash while sending: never resent automatically
	StatusDeleted          Status = "deleted"           // deleted by an officer; raw message removed
	StatusExpired          Status = "expired"           // purged by retention; raw message removed
)

// Errors returned (wrapped) by Store methods.
var (
	ErrNotFound     = errors.New("quarantine entry not found")
	ErrInvalidID    = errors.New("invalid quarantine id")
	ErrConflict     = errors.New("quarantine entry is not in a state that allows this") // e.g. release of a deleted entry, or lost a race
	ErrSelfApproval = errors.New("the officer who requested a release cannot approve it")
	ErrOnHold       = errors.New("quarantine entry is on legal hold")
)

// Filter selects and orders entries for List. Zero fields do not filter.
type Filter struct {
	Sender     string   // substring, case-insensitive
	Recipient  string   // substring of any recipient, case-insensitive
	Rule       string   // exact rule name among the fired rules
	Verdict    string   // exact verdict
	Statuses   []Status // any of
	From, To   time.Time
	MinRecords int
	Query      string // substring of sender, recipients or subject
	// Sort is one of "received" (default), "sender", "records", "size",
	// "status"; Desc reverses it. Ties are broken by ID.
	Sort   string
	Desc   bool
	Offset int
	Limit  int // default 50, at most 500
}

// Page is one page of List results.
type Page struct {
	Entries []Entry
	Total   int // entries matching the filter, all pages
}

// Note is an officer's remark on an entry.
type Note struct {
	Time   time.Time `json:"time"`
	Author string    `json:"author"`
	Text   string    `json:"text"`
}

// ReleaseRequest is a request to deliver a held message after all.
type ReleaseRequest struct {
	ID            string    `json:"id"` // also the idempotency key in the trace header
	EntryID       string    `json:"entry_id"`
	RequestedBy   string    `json:"requested_by"`
	RequestedAt   time.Time `json:"requested_at"`
	Justification string    `json:"justification"`
	Recipients    []string  `json:"recipients"` // a subset of the entry's recipients
	ApprovedBy    string    `json:"approved_by,omitempty"`
	ApprovedAt    time.Time `json:"approved_at,omitempty"`
	Attempts      int       `json:"attempts"`
	NextAttempt   time.Time `json:"next_attempt,omitempty"`
	LastError     string    `json:"last_error,omitempty"` // upstream reply text, no customer data
	FinishedAt    time.Time `json:"finished_at,omitempty"`
}

// Outcome is what the release worker reports for one attempt.
type Outcome struct {
	Delivered bool          // upstream answered 250
	Permanent bool          // upstream answered 5xx: give up
	Retry     time.Duration // temporary failure: try again after this
	Message   string        // upstream reply or error text
}

// Store is the quarantine: held messages, their review and their release.
// Implementations are safe for concurrent use. A PostgreSQL implementation
// shared by several relays is meant to follow the same contract.
type Store interface {
	// Put stores a message. It returns only once the message bytes and
	// the entry are durable (fsync, atomic rename, committed row); on
	// error nothing is visible. ExpiresAt is set from the retention.
	Put(e Entry, msg io.Reader) (Entry, error)
	// Get returns one entry with its notes and release requests.
	Get(ctx context.Context, id string) (Entry, error)
	// List returns one page of entries matching f.
	List(ctx context.Context, f Filter) (Page, error)
	// Open returns the stored message bytes (ErrNotFound once deleted or
	// expired).
	Open(ctx context.Context, id string) (io.ReadCloser, error)
	// AddNote appends a note.
	AddNote(ctx context.Context, id, author, text string) error
	// SetHold puts an entry on legal hold (no expiry) or takes it off.
	SetHold(ctx context.Context, id string, hold bool) error
	// Extend moves the expiry to until (not before now).
	Extend(ctx context.Context, id string, until time.Time) error
	// Delete removes the message bytes and marks the entry deleted; the
	// row stays for the record. ErrOnHold while on hold.
	Delete(ctx context.Context, id string) error
	// RequestRelease records a release request. With fourEyes false it is
	// approved at once (ApprovedBy = requester); otherwise the entry waits
	// in pending_approval. Recipients empty means all original
	// recipients; others must be among them. ErrConflict unless the entry
	// is held (or release_failed).
	RequestRelease(ctx context.Context, id, actor string, recipients []string, justification string, fourEyes bool) (ReleaseRequest, error)
	// ApproveRelease approves a pending request; ErrSelfApproval if
	// approver requested it, ErrConflict if it is not pending (another
	// officer was faster).
	ApproveRelease(ctx context.Context, requestID, approver string) (ReleaseRequest, error)
	// ClaimRelease atomically takes one approved request whose
	// NextAttempt has come (approved → sending) for the worker; ok false
	// when there is none. Two workers never claim the same request.
	ClaimRelease(ctx context.Context, now time.Time) (req ReleaseRequest, ok bool, err error)
	// FinishRelease records the outcome of a claimed attempt: released,
	// release_failed, or back to approved with NextAttempt = now+Retry.
	FinishRelease(ctx context.Context, requestID string, o Outcome) error
	// RecoverSending marks every request left in sending by a crash as
	// release_uncertain (never resent automatically) and returns them.
	RecoverSending(ctx context.Context) ([]ReleaseRequest, error)
	// Resolve settles a release_uncertain entry as released or held after
	// an officer checked the upstream.
	Resolve(ctx context.Context, id string, delivered bool) error
	// Purge removes the bytes of entries past ExpiresAt and not on hold,
	// marks them expired, and returns how many.
	Purge(ctx context.Context, now time.Time) (int, error)
	// Stats are the numbers the metrics need.
	Stats(ctx context.Context) (Stats, error)
	Close() error
}

// Stats summarise the quarantine for metrics and the console.
type Stats struct {
	Held            int // held + pending_approval + approved + release_uncertain
	PendingApproval int
	OldestHeld      time.Duration // age of the oldest held entry, 0 if none
	Bytes           int64         // bytes of stored messages
}
