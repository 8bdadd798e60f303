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
	StatusReleaseUncertain Status = "release_uncertain" // a crash while sending, or no answer to the final dot: never resent automatically
	StatusDeleted          Status = "deleted"           // deleted by an officer; raw message and Subject removed
	StatusExpired          Status = "expired"           // purged by retention; raw message and Subject removed
)

// Purged reports whether an entry in status s has lost its message, and
// its Subject with it: deleted or expired.
func (s Status) Purged() bool { return s == StatusDeleted || s == StatusExpired }

// Errors returned (wrapped) by Store methods.
var (
	ErrNotFound     = errors.New("quarantine entry not found")
	ErrInvalidID    = errors.New("invalid quarantine id")
	ErrConflict     = errors.New("quarantine entry is not in a state that allows this") // e.g. release of a deleted entry, or lost a race
	ErrSelfApproval = errors.New("the officer who requested a release cannot approve it")
	ErrOnHold       = errors.New("quarantine entry is on legal hold")
	// ErrInvalid is a request the store refuses as given: an empty
	// justification or note, a release recipient who was not an original
	// recipient, an expiry in the past, an unknown sort key or status in a
	// Filter, a field over its limit. The console answers it with 400.
	ErrInvalid = errors.New("invalid quarantine request")
)

// Limits on what the store keeps. Put refuses an entry over MaxRecipients or
// MaxField (the caller bounds these already) and shortens what it cannot
// refuse without failing a held message: the Subject to MaxSubject bytes,
// the Findings to the longest prefix of their records that fits in
// MaxFindings (which is detect.MaxFindingsBytes: what DecodeFindings reads).
const (
	MaxRecipients = 1000    // recipients of an entry or a release request
	MaxSubject    = 1 << 10 // bytes of the decoded, trimmed Subject
	MaxFindings   = 1 << 20 // bytes of the Findings JSON
	MaxField      = 1 << 10 // bytes of any other single text: sender, a recipient, an ID, an actor
	MaxNote       = 4 << 10 // bytes of a note's text, of a release justification, of a release outcome's message
)

// Filter selects and orders entries for List. Zero fields do not filter.
type Filter struct {
	Sender     string    // substring, case-insensitive
	Recipient  string    // substring of any recipient, case-insensitive
	Rule       string    // exact rule name among the fired rules
	Verdict    string    // exact verdict
	Statuses   []Status  // any of
	From, To   time.Time // Received in [From, To)
	MinRecords int
	// Query is a substring of the sender, a recipient or the Subject,
	// case-insensitive. A Subject that may hold a customer value
	// (Entry.SubjectWithheld, which lists show to nobody) is searched
	// only with QueryWithheld: whether it matches tells what it holds.
	// Set QueryWithheld only for a user who may see such a Subject (one
	// whose role may reveal customer values), never for a viewer.
	Query         string
	QueryWithheld bool
	// Sort is one of "received" (default), "sender", "records", "size",
	// "status"; Desc reverses it. Ties are broken by ID.
	Sort   string
	Desc   bool
	Offset int
	Limit  int // default 50 (when 0 or less), at most 500 (more is cut to 500)
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
	ID      string `json:"id"` // also the idempotency key in the trace header
	EntryID string `json:"entry_id"`
	// Status is where this request is: pending_approval, approved,
	// sending or release_uncertain while open (an entry has at most one
	// open request, and the entry's Status is the same); released or
	// release_failed once finished (release_failed also when an officer
	// resolved an uncertain release as not delivered); deleted or expired
	// when the entry was deleted or purged while the request was open.
	Status        Status    `json:"status"`
	RequestedBy   string    `json:"requested_by"`
	RequestedAt   time.Time `json:"requested_at"`
	Justification string    `json:"justification"`
	Recipients    []string  `json:"recipients"` // a subset of the entry's recipients
	ApprovedBy    string    `json:"approved_by,omitempty"`
	ApprovedAt    time.Time `json:"approved_at,omitempty"`
	Attempts      int       `json:"attempts"`
	NextAttempt   time.Time `json:"next_attempt,omitempty"`
	LastError     string    `json:"last_error,omitempty"` // the upstream's reply codes or the error, never the upstream's text
	FinishedAt    time.Time `json:"finished_at,omitempty"`
}

// ReleasePolicy is how the relay that serves a quarantine decides
// releases. The relay records it at start and on every reload
// (SetReleasePolicy), and RequestRelease applies it whoever asks — the
// console, the CLI beside the relay — so a front end's own configuration
// can neither loosen nor tighten it.
type ReleasePolicy struct {
	// FourEyes: a release needs a second officer's approval
	// (console.four_eyes).
	FourEyes bool `json:"four_eyes"`
	// Source says where the relay took it from (its configuration file),
	// for messages; at most MaxField bytes.
	Source string `json:"source,omitempty"`
	// SetAt is when the relay recorded it; zero when no relay has (none
	// ran with this store, or one from before policies were recorded),
	// and the policy is then the strict default: FourEyes true.
	SetAt time.Time `json:"set_at,omitzero"`
}

// Recorded reports whether a relay recorded p (else it is the default).
func (p ReleasePolicy) Recorded() bool { return !p.SetAt.IsZero() }

// DefaultReleasePolicy is the policy while no relay has recorded one.
var DefaultReleasePolicy = ReleasePolicy{FourEyes: true}

// Outcome is what the release worker reports for one attempt.
type Outcome struct {
	Delivered bool // upstream answered 250
	Permanent bool // upstream answered 5xx: give up
	// Uncertain: the message was sent whole and no answer came back (a
	// timeout or a dropped connection after the final dot); the upstream
	// may have accepted it, so it is not retried.
	Uncertain bool
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
	// List returns one page of entries matching f. Its entries leave
	// Findings, Notes and Releases empty: Get has them. ErrInvalid for an
	// unknown Sort or Status.
	List(ctx context.Context, f Filter) (Page, error)
	// Open returns the stored message bytes (ErrNotFound once deleted or
	// expired).
	Open(ctx context.Context, id string) (io.ReadCloser, error)
	// AddNote appends a note (any status, deleted and expired included).
	// ErrInvalid for an empty author or text, or a text over MaxNote.
	AddNote(ctx context.Context, id, author, text string) error
	// SetHold puts an entry on legal hold (no expiry) or takes it off.
	// ErrConflict once deleted or expired.
	SetHold(ctx context.Context, id string, hold bool) error
	// Extend moves the expiry to until (not before now: ErrInvalid).
	// ErrConflict once deleted or expired.
	Extend(ctx context.Context, id string, until time.Time) error
	// Delete removes the message bytes and the Subject (it is part of the
	// message) and marks the entry deleted; the row stays for the
	// record. ErrOnHold while on hold; ErrConflict
	// while sending (the worker reads the bytes) and once deleted or
	// expired. An open release request ends as deleted.
	Delete(ctx context.Context, id string) error
	// ReleasePolicy returns the policy the relay recorded, or
	// DefaultReleasePolicy if none is.
	ReleasePolicy(ctx context.Context) (ReleasePolicy, error)
	// SetReleasePolicy records the policy the relay runs with, SetAt now;
	// the relay calls it at start and on every reload. ErrInvalid for a
	// Source over MaxField.
	SetReleasePolicy(ctx context.Context, p ReleasePolicy) error
	// RequestRelease records a release request under the recorded
	// ReleasePolicy, read in the same transaction: without four-eyes it is
	// approved at once (ApprovedBy = requester); with four-eyes (and
	// while no policy is recorded) the entry waits in pending_approval.
	// Recipients empty means all original recipients; others must be
	// among them (compared ignoring case, kept as the original spells
	// them), else ErrInvalid, as for an empty actor or justification.
	// ErrConflict unless the entry is held (or release_failed).
	RequestRelease(ctx context.Context, id, actor string, recipients []string, justification string) (ReleaseRequest, error)
	// ApproveRelease approves a pending request; ErrSelfApproval if
	// approver requested it (names compared ignoring case), ErrConflict if
	// it is not pending (another officer was faster).
	ApproveRelease(ctx context.Context, requestID, approver string) (ReleaseRequest, error)
	// ClaimRelease atomically takes one approved request whose
	// NextAttempt has come (approved → sending) for the worker; ok false
	// when there is none. Two workers never claim the same request.
	ClaimRelease(ctx context.Context, now time.Time) (req ReleaseRequest, ok bool, err error)
	// FinishRelease records the outcome of a claimed attempt: released,
	// release_failed, release_uncertain (Outcome.Uncertain: left for an
	// officer to Resolve, as after a crash), or back to approved with
	// NextAttempt = now+Retry; each counts one attempt. ErrConflict unless
	// the request is sending.
	FinishRelease(ctx context.Context, requestID string, o Outcome) error
	// RecoverSending marks every request left in sending by a crash as
	// release_uncertain (never resent automatically) and returns them.
	RecoverSending(ctx context.Context) ([]ReleaseRequest, error)
	// Resolve settles a release_uncertain entry as released or held after
	// an officer checked the upstream. ErrConflict unless the entry is
	// release_uncertain.
	Resolve(ctx context.Context, id string, delivered bool) error
	// Purge removes the bytes and the Subject of entries past ExpiresAt
	// (ExpiresAt <= now) and not on hold, marks them expired, and returns
	// how many. An entry
	// being sent is left for the next Purge; an open release request ends
	// as expired.
	Purge(ctx context.Context, now time.Time) (int, error)
	// Stats are the numbers the metrics need.
	Stats(ctx context.Context) (Stats, error)
	Close() error
}

// Stats summarise the quarantine for metrics and the console.
type Stats struct {
	Held            int // held + pending_approval + approved + release_uncertain
	PendingApproval int
	OldestHeld      time.Duration // age of the oldest entry counted in Held, 0 if none
	Bytes           int64         // bytes of stored messages (every status but deleted and expired)
}
