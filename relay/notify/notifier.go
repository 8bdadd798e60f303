package notify

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/dlprelay/dlprelay/relay/upstream"
)

// Transport starts a mail transaction on the upstream; *upstream.Forwarder is
// one. Begin, Rcpt and Data fail with *upstream.Reply (temporary when 4xx),
// upstream.ErrUnavailable or upstream.ErrTimeout (temporary), or anything
// else (permanent). Begin must honor ctx at least while connecting.
type Transport interface {
	Begin(ctx context.Context, from string, opts *smtp.MailOptions) (*upstream.Tx, error)
}

var _ Transport = (*upstream.Forwarder)(nil)

// Results given to onResult, one per notice passed to Send; they double as
// metric label values.
const (
	// ResultSent: at least one recipient accepted the notice.
	ResultSent = "sent"
	// ResultFailed: the notice was invalid, refused permanently, or still
	// failing when its retries ran out.
	ResultFailed = "failed"
	// ResultDropped: the queue was full, the Notifier closed, or Close
	// abandoned the notice (without an outbox: see Config.Dir).
	ResultDropped = "dropped"
)

// Results lists every result, to pre-register metric labels.
func Results() []string { return []string{ResultSent, ResultFailed, ResultDropped} }

// Defaults for Config.
const (
	DefaultQueue   = 1000
	DefaultRetries = 5
	DefaultBackoff = 30 * time.Second
	DefaultTimeout = 2 * time.Minute
	// maxBackoff caps the doubling retry delay.
	maxBackoff = 5 * time.Minute
	// workers send notices concurrently; a notice waiting for a retry does
	// not hold one.
	workers = 2
)

// Config configures a Notifier. Zero values take the defaults.
type Config struct {
	// From is the envelope and header From, e.g. dlprelay@example.co.jp;
	// required, a plain ASCII address.
	From string
	// Hostname is the right side of the Message-ID; default the domain of
	// From.
	Hostname string
	// Contact is whom the sender is told to contact, e.g. "the compliance
	// office (ext. 1234)"; default "your compliance team" (コンプライアンス
	// 担当者 in the Japanese text).
	Contact string
	// Queue bounds the notices held at once, queued, in flight or waiting
	// for a retry; Send drops (logged, counted) beyond it. Default 1000.
	Queue int
	// Retries is how many attempts follow the first for temporary failures;
	// 0 means the default 5, a negative number none.
	Retries int
	// Backoff is the first retry delay; it doubles per attempt, capped at
	// 5m. Default 30s.
	Backoff time.Duration
	// Timeout bounds one attempt. The upstream's transaction takes no
	// context once connected, so the bound is checked between SMTP
	// commands; each command is also bounded by the upstream's own command
	// and data timeouts. Default 2m.
	Timeout time.Duration
	// Dir, if set, is the outbox: every accepted notice is kept there as a
	// file until it is finished, and New queues the notices it finds, so a
	// restart or a crash delays a notice instead of losing it. Created
	// (0700) if missing. Empty: notices live in memory only.
	Dir string
}

// withDefaults validates cfg and fills in the defaults.
func (cfg Config) withDefaults() (Config, error) {
	if cfg.From == "" {
		return cfg, errors.New("notify: From: required")
	}
	if err := checkAddr(cfg.From); err != nil {
		return cfg, fmt.Errorf("notify: From: %w", err)
	}
	if cfg.Hostname == "" {
		cfg.Hostname = cfg.From[strings.LastIndexByte(cfg.From, '@')+1:]
	}
	if err := checkHostname(cfg.Hostname); err != nil {
		return cfg, fmt.Errorf("notify: Hostname: %w", err)
	}
	switch {
	case cfg.Queue < 0:
		return cfg, errors.New("notify: Queue: must not be negative")
	case cfg.Backoff < 0:
		return cfg, errors.New("notify: Backoff: must not be negative")
	case cfg.Timeout < 0:
		return cfg, errors.New("notify: Timeout: must not be negative")
	}
	if cfg.Queue == 0 {
		cfg.Queue = DefaultQueue
	}
	if cfg.Retries == 0 {
		cfg.Retries = DefaultRetries
	} else if cfg.Retries < 0 {
		cfg.Retries = 0
	}
	if cfg.Backoff == 0 {
		cfg.Backoff = DefaultBackoff
	}
	cfg.Backoff = min(cfg.Backoff, maxBackoff)
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	return cfg, nil
}

// errAbandoned marks a notice given up because the Notifier closed.
var errAbandoned = errors.New("abandoned: notifier closed")

// Notifier sends notices in the background: Send queues, two workers
// deliver, temporary failures wait on a timer for their retry without
// holding a worker. Without an outbox (Config.Dir) the queue is in memory
// only: a crash loses every notice queued or waiting for a retry. It is safe
// for concurrent use.
type Notifier struct {
	cfg       Config
	transport func() Transport
	log       *slog.Logger
	onResult  func(string)

	// queue has room for cfg.Queue notices and pending never exceeds
	// that, so sending to it never blocks. It is sent to and closed only
	// under mu, while closed is false.
	queue chan *job
	// ctx is canceled when Close gives up waiting: attempts stop at their
	// next step and queued notices are dropped.
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{} // closed when the workers have returned

	mu      sync.Mutex
	closed  bool
	pending int               // notices accepted and not finished
	waiting map[*job]struct{} // notices whose retry timer runs
}

// job is a notice on its way: the built message and the recipients it has
// still to reach.
type job struct {
	id, action, audience string // for logs
	msg                  []byte
	to                   []string // recipients still to reach
	attempts             int
	delivered, refused   int // recipients that accepted it, refused it for good
	timer                *time.Timer
	file                 string    // its name in the outbox; "" when not kept
	queued               time.Time // when Send accepted it, in this process or before
}

// New validates cfg, queues the notices kept in the outbox (cfg.Dir) and
// starts the workers. transport is called for every attempt (the relay swaps
// its forwarder on reload) and must not return nil. onResult, if not nil, is
// called once for every notice given to Send or found in the outbox, with
// ResultSent, ResultFailed or ResultDropped, from Send's goroutine or a
// worker; it must be quick and safe for concurrent use. A notice that Close
// leaves in the outbox for the next start is not reported. A nil log
// discards.
func New(cfg Config, transport func() Transport, log *slog.Logger, onResult func(result string)) (*Notifier, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if transport == nil {
		return nil, errors.New("notify: transport: required")
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if onResult == nil {
		onResult = func(string) {}
	}
	n := &Notifier{cfg: cfg, transport: transport, log: log, onResult: onResult, waiting: make(map[*job]struct{})}
	var kept []*job
	if cfg.Dir != "" {
		if kept, err = n.loadOutbox(); err != nil {
			return nil, err
		}
	}
	// The queue has room for every notice kept from before, even past the
	// bound: Send refuses new ones until pending is under it again.
	n.queue = make(chan *job, max(cfg.Queue, len(kept)))
	for _, j := range kept {
		n.pending++
		n.queue <- j
	}
	if len(kept) > 0 {
		log.Info("notify: notices kept from before queued", "notices", len(kept), "oldest", kept[0].queued)
	}
	n.ctx, n.cancel = context.WithCancel(context.Background())
	n.done = make(chan struct{})
	var wg sync.WaitGroup
	for range workers {
		wg.Go(n.work)
	}
	go func() {
		wg.Wait()
		close(n.done)
	}()
	return n, nil
}

// Send builds the notification and queues it; it never blocks on the
// upstream. An invalid notice (see Build) is logged and reported failed; a
// notice beyond the queue's bound or after Close is logged and reported
// dropped. Time defaults to now.
func (n *Notifier) Send(nt Notice) {
	if nt.Time.IsZero() {
		nt.Time = time.Now()
	}
	j := &job{id: nt.MessageID, action: nt.Action, audience: nt.Audience, queued: time.Now()}
	msg, err := Build(n.cfg, nt)
	if err != nil {
		n.log.Error("notify: invalid notice, not sent", "id", j.id, "action", j.action, "audience", j.audience, "err", err)
		n.onResult(ResultFailed)
		return
	}
	j.msg, j.to = msg, dedupe(nt.To)

	n.mu.Lock()
	reason := ""
	switch {
	case n.closed:
		reason = "notifier closed"
	case n.pending >= n.cfg.Queue:
		reason = "queue full"
	default:
		n.pending++ // the place is taken; the job goes in below
	}
	n.mu.Unlock()
	if reason != "" {
		n.log.Warn("notify: notice dropped", "id", j.id, "action", j.action, "audience", j.audience, "result", ResultDropped, "reason", reason)
		n.onResult(ResultDropped)
		return
	}
	if n.cfg.Dir != "" {
		j.file = newOutboxName()
		if err := n.keep(j); err != nil {
			j.file = ""
			n.log.Error("notify: writing the notice to the outbox failed; it is kept in memory only",
				"id", j.id, "action", j.action, "audience", j.audience, "err", err)
		}
	}
	n.mu.Lock()
	if n.closed {
		// Close came while the file was written: the file stays for the
		// next start (or, with none, the notice is dropped).
		n.mu.Unlock()
		n.abandon(j, errAbandoned)
		return
	}
	n.queue <- j // room: j is counted in pending
	n.mu.Unlock()
}

// Close stops accepting notices, abandons those waiting for a retry, and
// lets the workers send what is queued until ctx is done. Then it abandons
// what is still queued, tells an attempt in flight to stop at its next step,
// and returns ctx's error without waiting for it: that attempt's result may
// still be reported after Close returns. An abandoned notice stays in the
// outbox for the next start (logged); without an outbox it is logged and
// reported dropped.
func (n *Notifier) Close(ctx context.Context) error {
	n.mu.Lock()
	var abandoned []*job
	if !n.closed {
		n.closed = true
		for j := range n.waiting {
			j.timer.Stop() // a timer that already fired finds j gone
			abandoned = append(abandoned, j)
		}
		clear(n.waiting)
		close(n.queue)
	}
	n.mu.Unlock()
	for _, j := range abandoned {
		n.abandon(j, fmt.Errorf("pending retry %w", errAbandoned))
	}
	select {
	case <-n.done:
		n.cancel()
		return nil
	case <-ctx.Done():
		select {
		case <-n.done: // finished just in time
			n.cancel()
			return nil
		default:
		}
		n.cancel()
		for j := range n.queue { // the workers drop the rest too
			n.abandon(j, errAbandoned)
		}
		return fmt.Errorf("notify: close: %w", ctx.Err())
	}
}

func (n *Notifier) work() {
	for j := range n.queue {
		if n.ctx.Err() != nil {
			n.abandon(j, errAbandoned)
			continue
		}
		n.try(j)
	}
}

// try makes one attempt and decides what follows: done, retry or give up.
func (n *Notifier) try(j *job) {
	j.attempts++
	ctx, cancel := context.WithTimeout(n.ctx, n.cfg.Timeout)
	err := n.attempt(ctx, j)
	cancel()
	switch {
	case len(j.to) == 0:
		n.finish(j, ResultFailed, err) // sent unless nobody accepted it
		return
	case n.ctx.Err() != nil:
		n.keepProgress(j)
		n.abandon(j, fmt.Errorf("%w: %w", errAbandoned, err))
		return
	case j.attempts > n.cfg.Retries:
		n.finish(j, ResultFailed, fmt.Errorf("giving up after %d attempts: %w", j.attempts, err))
		return
	}
	n.keepProgress(j)
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		n.abandon(j, fmt.Errorf("%w: %w", errAbandoned, err))
		return
	}
	delay := n.backoff(j.attempts)
	attrs := []any{"id", j.id, "action", j.action, "audience", j.audience,
		"attempts", j.attempts, "retry_in", delay, "err", err}
	n.waiting[j] = struct{}{}
	j.timer = time.AfterFunc(delay, func() { n.requeue(j) })
	n.mu.Unlock() // from here j belongs to the timer
	n.log.Info("notify: will retry", attrs...)
}

// requeue puts a notice whose retry is due back in the queue, unless Close
// has abandoned it.
func (n *Notifier) requeue(j *job) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if _, ok := n.waiting[j]; !ok {
		return
	}
	delete(n.waiting, j)
	n.queue <- j // room: j is counted in pending
}

// backoff is the delay after the given number of attempts: Backoff,
// doubling, capped.
func (n *Notifier) backoff(attempts int) time.Duration {
	d := n.cfg.Backoff
	for i := 1; i < attempts && d < maxBackoff; i++ {
		d *= 2
	}
	return min(d, maxBackoff)
}

// attempt runs one transaction for j.to. It moves the recipients that
// accepted the notice to delivered and those refused for good to refused,
// and leaves in j.to the ones to retry; the error is why j.to is not empty,
// or why a recipient was refused.
func (n *Notifier) attempt(ctx context.Context, j *job) error {
	t := n.transport()
	if t == nil {
		return fmt.Errorf("%w: no transport", upstream.ErrUnavailable)
	}
	tx, err := t.Begin(ctx, n.cfg.From, nil) // quoted-printable is 7-bit: no options
	if err != nil {
		return n.whole(j, err)
	}
	var accepted, again []string
	var tempErr, permErr error
	for i, to := range j.to {
		if err := n.step(ctx); err != nil {
			tx.Abort()
			again = append(again, j.to[i:]...)
			j.to = append(accepted, again...)
			return err
		}
		switch err := tx.Rcpt(to, nil); {
		case err == nil:
			accepted = append(accepted, to)
		case temporary(err):
			again, tempErr = append(again, to), err
		default:
			j.refused++
			permErr = err
			n.log.Warn("notify: recipient refused", "id", j.id, "action", j.action, "audience", j.audience, "err", err)
		}
	}
	if len(accepted) == 0 {
		tx.Abort()
		j.to = again
		return firstErr(tempErr, permErr)
	}
	if err := n.step(ctx); err != nil {
		tx.Abort()
		j.to = append(accepted, again...)
		return err
	}
	if _, err := tx.Data(func(w io.Writer) error { _, err := w.Write(j.msg); return err }); err != nil {
		j.to = append(accepted, again...)
		return n.whole(j, err)
	}
	j.delivered += len(accepted)
	j.to = again
	return firstErr(tempErr, permErr)
}

// whole handles an error that ends the transaction for all of j.to.
func (n *Notifier) whole(j *job, err error) error {
	if !temporary(err) {
		j.refused += len(j.to)
		j.to = nil
	}
	return err
}

// step reports whether the attempt may go on.
func (n *Notifier) step(ctx context.Context) error {
	if n.ctx.Err() != nil {
		return errAbandoned
	}
	if ctx.Err() != nil {
		return fmt.Errorf("%w: attempt took longer than %v", upstream.ErrTimeout, n.cfg.Timeout)
	}
	return nil
}

func firstErr(first, second error) error {
	if first != nil {
		return first
	}
	return second
}

// temporary reports whether a notice that failed with err may be retried.
func temporary(err error) bool {
	var r *upstream.Reply
	if errors.As(err, &r) {
		return r.Temporary()
	}
	return errors.Is(err, upstream.ErrUnavailable) || errors.Is(err, upstream.ErrTimeout) ||
		errors.Is(err, errAbandoned) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)
}

// keepProgress rewrites j's outbox file when an attempt reached or refused
// some recipients, so a restart sends it only to the others.
func (n *Notifier) keepProgress(j *job) {
	if j.file == "" || j.delivered+j.refused == 0 {
		return
	}
	if err := n.keep(j); err != nil {
		n.log.Error("notify: updating the notice in the outbox failed; after a restart it may reach some recipients twice",
			"id", j.id, "err", err)
	}
}

// abandon gives j up because the Notifier is closing: a notice in the
// outbox stays there for the next start (logged, not reported); one that is
// not is finished as dropped.
func (n *Notifier) abandon(j *job, err error) {
	if j.file == "" {
		n.finish(j, ResultDropped, err)
		return
	}
	n.mu.Lock()
	n.pending--
	n.mu.Unlock()
	n.log.Info("notify: notice kept in the outbox for the next start", "id", j.id, "action", j.action, "audience", j.audience,
		"attempts", j.attempts, "delivered", j.delivered, "undelivered", len(j.to))
}

// finish ends a notice: sent if any recipient accepted it, else result.
// It removes its outbox file, logs one line and reports the result once.
func (n *Notifier) finish(j *job, result string, err error) {
	if j.delivered > 0 {
		result = ResultSent
	}
	n.forget(j)
	n.mu.Lock()
	n.pending--
	n.mu.Unlock()
	attrs := []any{"id", j.id, "action", j.action, "audience", j.audience, "result", result,
		"attempts", j.attempts, "delivered", j.delivered, "undelivered", j.refused + len(j.to)}
	switch {
	case err == nil:
		n.log.Info("notify: notice "+result, attrs...)
	case result == ResultSent:
		n.log.Warn("notify: notice sent to some recipients only", append(attrs, "err", err)...)
	default:
		n.log.Warn("notify: notice "+result, append(attrs, "err", err)...)
	}
	n.onResult(result)
}

// dedupe drops repeated addresses (the sender may also be an officer),
// ignoring case, and keeps the order.
func dedupe(to []string) []string {
	out := make([]string, 0, len(to))
	seen := make(map[string]bool, len(to))
	for _, a := range to {
		k := strings.ToLower(a)
		if !seen[k] {
			seen[k] = true
			out = append(out, a)
		}
	}
	return out
}
