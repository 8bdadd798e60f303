// Package release owns the delivery of quarantined messages that officers
// released: a worker claims approved release requests from the quarantine
// store, re-injects the original bytes through the upstream with a trace
// header, and records the outcome. It delivers each request at most once:
// a request is marked "sending" before the upstream sees the message; a
// request found "sending" after a crash, and one whose final dot got no
// answer (the upstream may have taken it), is marked release_uncertain and
// never sent again automatically. Only a refusal (a 4xx, or a failure
// before the message was sent whole) is retried.
package release

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/dlprelay/dlprelay/relay/audit"
	"github.com/dlprelay/dlprelay/relay/quarantine"
	"github.com/dlprelay/dlprelay/relay/upstream"
)

// Transport starts a transaction on the upstream; *upstream.Forwarder is
// one. The worker asks for it at each attempt because the relay swaps its
// forwarder on reload.
type Transport interface {
	Begin(ctx context.Context, from string, opts *smtp.MailOptions) (*upstream.Tx, error)
}

// Config tunes the worker.
type Config struct {
	// Hostname names this relay in the trace headers.
	Hostname string
	// Poll is how often the store is asked for approved requests when
	// idle. Default 5s.
	Poll time.Duration
	// Backoff is the first retry delay after a temporary failure, doubled
	// per attempt up to MaxBackoff. Defaults 1m and 1h.
	Backoff, MaxBackoff time.Duration
	// MaxAttempts makes a request fail for good after this many temporary
	// failures. Default 50 (days of retries at the maximum backoff).
	MaxAttempts int
	// OnDelivered, if set, is told how long a delivered release took from
	// its approval to the upstream's 250 (for a latency metric).
	OnDelivered func(time.Duration)
	// Sent, if set, is told of each message the upstream accepted, with
	// the recipients it accepted, before the outcome is recorded: the
	// relay banks the message's records in the sender history, since they
	// have now left.
	Sent func(ctx context.Context, e quarantine.Entry, rcpts []string)
	// Details, if set, says whether a message to these recipients may
	// carry the release's details in its header (policy.headers.details_to,
	// as for live mail): X-DLP-Released names the officers and says the
	// message was held. Without it, or when it says no, the message carries
	// only an opaque X-DLP-Scan-ID, as mail that was never held does.
	Details func(rcpts []string) bool
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// Worker re-injects released messages.
type Worker struct {
	cfg       Config
	store     quarantine.Store
	audit     audit.Log
	transport func() Transport
	log       *slog.Logger
	onResult  func(result string)
	wake      chan struct{}

	// delivered is called after the upstream accepted a message and
	// before the outcome is recorded; tests use it to stand for a crash
	// at that point.
	delivered func(req quarantine.ReleaseRequest)
}

// Results reported to onResult, for a metric.
const (
	ResultReleased  = "released"
	ResultRetry     = "retry"
	ResultFailed    = "failed"
	ResultUncertain = "uncertain"
)

// New makes a worker. log may be nil; onResult may be nil.
func New(cfg Config, store quarantine.Store, log audit.Log, transport func() Transport, logger *slog.Logger, onResult func(string)) *Worker {
	if cfg.Poll <= 0 {
		cfg.Poll = 5 * time.Second
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = time.Minute
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = time.Hour
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 50
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if onResult == nil {
		onResult = func(string) {}
	}
	return &Worker{cfg: cfg, store: store, audit: log, transport: transport, log: logger, onResult: onResult, wake: make(chan struct{}, 1)}
}

// Wake makes the worker look for approved requests now (the console calls
// it after an approval) instead of at the next poll.
func (w *Worker) Wake() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Run recovers requests a crash left in flight, then delivers approved
// requests until ctx is done.
func (w *Worker) Run(ctx context.Context) error {
	if err := w.Recover(ctx); err != nil {
		return err
	}
	t := time.NewTicker(w.cfg.Poll)
	defer t.Stop()
	for {
		for {
			did, err := w.Once(ctx)
			if err != nil {
				w.log.Error("release worker", "err", err)
				break
			}
			if !did {
				break
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		case <-w.wake:
		}
	}
}

// Recover marks requests left in "sending" by a crash as uncertain: the
// upstream may have accepted them, so they are never resent automatically.
func (w *Worker) Recover(ctx context.Context) error {
	reqs, err := w.store.RecoverSending(ctx)
	if err != nil {
		return fmt.Errorf("release: recovering: %w", err)
	}
	for _, r := range reqs {
		w.log.Warn("release interrupted by a restart; marked uncertain, not resent", "entry", r.EntryID, "release_id", r.ID)
		w.record(ctx, r, "uncertain", "interrupted while sending; check the upstream for release-id "+r.ID)
		w.onResult(ResultUncertain)
	}
	return nil
}

// Once delivers at most one approved request; it reports whether there was
// one.
func (w *Worker) Once(ctx context.Context) (bool, error) {
	req, ok, err := w.store.ClaimRelease(ctx, w.cfg.Now())
	if err != nil || !ok {
		return false, err
	}
	o := w.deliver(ctx, req)
	if o.Delivered && w.delivered != nil {
		w.delivered(req)
	}
	if !o.Delivered && !o.Permanent && !o.Uncertain && req.Attempts+1 >= w.cfg.MaxAttempts {
		o.Permanent = true
		o.Message = fmt.Sprintf("gave up after %d attempts: %s", req.Attempts+1, o.Message)
	}
	if err := w.store.FinishRelease(ctx, req.ID, o); err != nil {
		return true, fmt.Errorf("release %s: recording the outcome: %w", req.ID, err)
	}
	result := ResultRetry
	switch {
	case o.Delivered:
		result = ResultReleased
		if w.cfg.OnDelivered != nil && !req.ApprovedAt.IsZero() {
			w.cfg.OnDelivered(w.cfg.Now().Sub(req.ApprovedAt))
		}
	case o.Permanent:
		result = ResultFailed
	case o.Uncertain:
		result = ResultUncertain
		w.log.Warn("release got no answer after the message was sent; marked uncertain, not resent",
			"entry", req.EntryID, "release_id", req.ID)
	}
	w.log.Info("release attempt", "entry", req.EntryID, "release_id", req.ID, "result", result, "attempt", req.Attempts+1, "reply", o.Message)
	w.record(ctx, req, result, o.Message)
	w.onResult(result)
	return true, nil
}

// deliver sends the stored message to the request's recipients.
func (w *Worker) deliver(ctx context.Context, req quarantine.ReleaseRequest) quarantine.Outcome {
	e, err := w.store.Get(ctx, req.EntryID)
	if err != nil {
		return quarantine.Outcome{Permanent: errors.Is(err, quarantine.ErrNotFound), Retry: w.backoff(req.Attempts), Message: "entry: " + err.Error()}
	}
	msg, err := w.store.Open(ctx, req.EntryID)
	if err != nil {
		return quarantine.Outcome{Permanent: errors.Is(err, quarantine.ErrNotFound), Retry: w.backoff(req.Attempts), Message: "message: " + err.Error()}
	}
	defer msg.Close()
	rcpts := req.Recipients
	if len(rcpts) == 0 {
		rcpts = e.Recipients
	}
	opts := &smtp.MailOptions{UTF8: !isASCII(e.Sender) || !allASCII(rcpts)}
	tx, err := w.transport().Begin(ctx, e.Sender, opts)
	if err != nil {
		return w.failure(req, err)
	}
	accepted := 0
	var refused, sent []string
	for _, r := range rcpts {
		if err := tx.Rcpt(r, nil); err != nil {
			var rep *upstream.Reply
			if errors.As(err, &rep) && !rep.Temporary() {
				refused = append(refused, rep.Status())
				continue
			}
			tx.Abort()
			return w.failure(req, err)
		}
		accepted++
		sent = append(sent, r)
	}
	if accepted == 0 {
		tx.Abort()
		return quarantine.Outcome{Permanent: true, Message: "every recipient refused: " + strings.Join(refused, ", ")}
	}
	trace := w.trace(e, req, w.cfg.Details != nil && w.cfg.Details(sent))
	acc, err := tx.Data(func(wr io.Writer) error {
		if _, err := io.WriteString(wr, trace); err != nil {
			return err
		}
		_, err := io.Copy(wr, msg)
		return err
	})
	if err != nil {
		return w.failure(req, err)
	}
	if w.cfg.Sent != nil {
		w.cfg.Sent(ctx, e, sent)
	}
	m := acc.String()
	if len(refused) > 0 {
		m += fmt.Sprintf("; %d recipients refused permanently", len(refused))
	}
	return quarantine.Outcome{Delivered: true, Message: m}
}

// trace is the header put on a released message: a Received: line (the
// quarantined copy has none of ours) and, with details, who released it.
// Without details it looks like the trace of mail that was never held —
// the recipients learn neither that it was held nor the officers' names —
// and the entry id in X-DLP-Scan-ID is what an officer finds it by.
func (w *Worker) trace(e quarantine.Entry, req quarantine.ReleaseRequest, details bool) string {
	now := w.cfg.Now()
	if !details {
		return fmt.Sprintf("Received: by %s (dlprelay) id %s; %s\r\nX-DLP-Scan-ID: %s\r\n",
			headerSafe(w.cfg.Hostname), headerSafe(e.ID), now.Format(time.RFC1123Z), headerSafe(e.ID))
	}
	approver := req.ApprovedBy
	if approver == "" {
		approver = req.RequestedBy
	}
	return fmt.Sprintf("Received: by %s (dlprelay release) id %s; %s\r\n"+
		"X-DLP-Released: release-id=%s; entry=%s; by=%s; approved-by=%s; at=%s\r\n",
		headerSafe(w.cfg.Hostname), headerSafe(e.ID), now.Format(time.RFC1123Z),
		headerSafe(req.ID), headerSafe(e.ID), headerSafe(req.RequestedBy), headerSafe(approver), now.UTC().Format(time.RFC3339))
}

// failure is the outcome of an attempt that failed with err. Its message
// has the upstream's codes, never its text (see upstream.Reply): it is
// logged, audited and shown to every console user, viewers included.
func (w *Worker) failure(req quarantine.ReleaseRequest, err error) quarantine.Outcome {
	if errors.Is(err, upstream.ErrUncertain) {
		// Sending it again could deliver it twice: an officer checks the
		// upstream's log for the release id and resolves it.
		return quarantine.Outcome{Uncertain: true, Message: uncertainMessage(err, req.ID)}
	}
	var rep *upstream.Reply
	if errors.As(err, &rep) {
		if !rep.Temporary() {
			return quarantine.Outcome{Permanent: true, Message: rep.Status()}
		}
		return quarantine.Outcome{Retry: w.backoff(req.Attempts), Message: rep.Status()}
	}
	return quarantine.Outcome{Retry: w.backoff(req.Attempts), Message: printable(err.Error())}
}

// uncertainMessage says why an attempt is uncertain (an upstream's text is
// not repeated) and what the officer checks.
func uncertainMessage(err error, releaseID string) string {
	why := "the connection dropped"
	var rep *upstream.Reply
	switch {
	case errors.As(err, &rep):
		why = "the upstream answered " + rep.Status()
	case errors.Is(err, upstream.ErrTimeout):
		why = "the upstream timed out"
	}
	return "no answer to the final dot (" + why + "): the upstream may have accepted the message; check its log or mailboxes for release-id " + headerSafe(releaseID) + " (X-DLP-Released) or the entry id (X-DLP-Scan-ID)"
}

func (w *Worker) backoff(attempts int) time.Duration {
	d := w.cfg.Backoff
	for range attempts {
		d *= 2
		if d >= w.cfg.MaxBackoff {
			return w.cfg.MaxBackoff
		}
	}
	return d
}

func (w *Worker) record(ctx context.Context, req quarantine.ReleaseRequest, result, msg string) {
	if w.audit == nil {
		return
	}
	_, err := w.audit.Append(ctx, audit.Event{Actor: "system", Action: audit.ActionReleaseOutcome, Target: req.EntryID,
		Detail: map[string]string{"release_id": req.ID, "result": result, "reply": truncate(msg, 200)}})
	if err != nil {
		w.log.Error("audit append failed", "err", err, "entry", req.EntryID)
	}
}

// headerSafe keeps a value from breaking out of its header line.
func headerSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x21 || r == 0x7f || r == ';' {
			return '_'
		}
		return r
	}, s)
}

func printable(s string) string {
	return truncate(strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s), 300)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func allASCII(ss []string) bool {
	for _, s := range ss {
		if !isASCII(s) {
			return false
		}
	}
	return true
}
