// Package inspect joins detection and policy: an Engine holds one loaded
// customer list, the scanner built from it, the watchlist and the policy,
// and turns a message and its envelope into a Decision, reading the sender
// history on the way and reserving in it the records of a message let
// through, until the caller says whether the message left (Decision.Sent,
// Decision.NotSent). An Engine never changes after
// Build; a reload builds a new one and the relay swaps it in atomically, so
// every message is judged by exactly one consistent list and rule set.
package inspect

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/dlprelay/dlprelay/detect"
	"github.com/dlprelay/dlprelay/detect/customers"
	"github.com/dlprelay/dlprelay/detect/normalize"
	"github.com/dlprelay/dlprelay/policy"
	"github.com/dlprelay/dlprelay/policy/freemail"
	"github.com/dlprelay/dlprelay/policy/history"
	"github.com/dlprelay/dlprelay/policy/watchlist"
	"github.com/dlprelay/dlprelay/relay/config"
	"github.com/dlprelay/dlprelay/relay/listguard"
)

// Engine is an immutable, ready-to-use scanner and policy.
type Engine struct {
	list      *customers.List
	scanner   *detect.Scanner
	policy    *policy.Policy
	watch     *watchlist.List
	history   *history.Ledger // nil: no windowed rules, or no history wanted
	keyer     history.Keyer
	emails    map[string]string // record ID → lower-case e-mail, for addressees
	window    int64             // confidence window in bytes
	timeout   time.Duration
	loadedAt  time.Time
	watchFile string

	// now is the clock; tests set it.
	now func() time.Time
}

// Options are what Build needs besides the configuration.
type Options struct {
	// History is the sender history for windowed rules; nil means none is
	// kept (windows count this message only — only for `dlprelay scan`).
	// The relay passes one Ledger to every Engine it builds, so that
	// messages judged before and after a reload see each other's records
	// in flight.
	History *history.Ledger
	// Keyer makes history keys of record IDs; see HistoryKeyer.
	Keyer history.Keyer
	// Log receives progress for large lists; nil: silent.
	Log *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Admit, if set, decides whether the customer list read may be
	// served: it is called once the list is read (see ReadList), before
	// the matcher is built, and an error from it fails Build as it is
	// returned. The relay checks the list against the accepted one here
	// (relay/listguard). A list with no records fails Build whatever Admit
	// would say.
	Admit func(listguard.List) error
}

// Build loads the customer list and the watchlist named in cfg and builds
// the scanner and the policy. Any failure is returned; the caller keeps its
// previous Engine (or refuses to start), never runs without one.
func Build(cfg *config.Config, opt Options) (*Engine, error) {
	log := opt.Log
	pol, err := policy.New(PolicyConfig(cfg))
	if err != nil {
		return nil, err
	}
	var watch *watchlist.List
	if f := cfg.Policy.Watchlist.File; f != "" {
		loc, err := time.LoadLocation(cfg.Policy.Watchlist.TimeZone)
		if err != nil {
			return nil, fmt.Errorf("watchlist: time zone: %w", err)
		}
		if watch, err = watchlist.Load(f, loc); err != nil {
			return nil, fmt.Errorf("watchlist: %w", err)
		}
	}
	start := time.Now()
	list, id, err := ReadList(cfg)
	if err != nil {
		return nil, err
	}
	if opt.Admit != nil {
		if err := opt.Admit(id); err != nil {
			return nil, err
		}
	}
	dopt := detect.Options{Window: int64(cfg.Policy.ConfidenceWindow)}
	if log != nil {
		log.Info("customer list read", "file", cfg.Customers.File, "records", list.Len(), "elapsed", time.Since(start).Round(time.Millisecond).String())
		dopt.Progress = func(done, total int) {
			log.Info("building matcher", "records_done", done, "records", total, "elapsed", time.Since(start).Round(time.Millisecond).String())
		}
	}
	sc, err := detect.NewScannerWithOptions(list, Limits(cfg), dopt)
	if err != nil {
		return nil, fmt.Errorf("scanner: %w", err)
	}
	emails := map[string]string{}
	for _, r := range list.Records {
		if e := r.Values[customers.FieldEmail]; e != "" {
			emails[r.ID] = strings.ToLower(e)
		}
	}
	e := &Engine{
		list: list, scanner: sc, policy: pol, watch: watch, keyer: opt.Keyer, emails: emails,
		window: int64(cfg.Policy.ConfidenceWindow), timeout: cfg.Scan.Timeout, loadedAt: time.Now(),
		watchFile: cfg.Policy.Watchlist.File, now: opt.Now,
	}
	if pol.LongestWindow() > 0 {
		e.history = opt.History
	}
	if e.now == nil {
		e.now = time.Now
	}
	return e, nil
}

// ReadList reads the customer list cfg names, the way Build does, and
// identifies it: its record count and the SHA-256 of the bytes the records
// were parsed from (one read, so the two always agree, even when the file
// is replaced meanwhile). A list without records is refused with a
// *listguard.Refusal wrapping listguard.ErrEmpty: it would protect
// nothing.
func ReadList(cfg *config.Config) (*customers.List, listguard.List, error) {
	c := cfg.Customers.Columns
	cols := customers.Columns{ID: c.ID, Name: c.Name, Kana: c.Kana, Email: c.Email, Phone: c.Phone, Address: c.Address, Company: c.Company}
	path := cfg.Customers.File
	f, err := os.Open(path)
	if err != nil {
		return nil, listguard.List{}, fmt.Errorf("customer list: customers: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	in := io.TeeReader(f, h)
	list, err := customers.Parse(in, path, cols)
	if err == nil {
		// Parse reads to the end; this hashes anything it left.
		_, err = io.Copy(io.Discard, in)
	}
	if err != nil {
		return nil, listguard.List{}, fmt.Errorf("customer list: %w", err)
	}
	id := listguard.List{File: path, Records: list.Len()}
	h.Sum(id.SHA256[:0])
	if err := listguard.CheckEmpty(id); err != nil {
		return nil, id, err
	}
	return list, id, nil
}

// PolicyConfig derives the policy settings from the configuration file.
func PolicyConfig(cfg *config.Config) policy.Config {
	p := &cfg.Policy
	fm := slices.Clone(p.FreeMailDomains)
	if p.BuiltinFreeMail {
		fm = append(freemail.Domains(), fm...)
	}
	var numbers []string
	for _, n := range p.CompanyMobileNumbers {
		numbers = append(numbers, normalize.Phone(n))
	}
	return policy.Config{
		Rules:           p.PolicyRules(),
		Monitor:         p.Monitor,
		InternalDomains: p.InternalDomains,
		PartnerDomains:  p.PartnerDomains,
		FreeMailDomains: fm,
		SkipInternal:    p.InternalMail == config.InternalMailPass,
		CompanyNumbers:  numbers,
		RejectMessage:   p.RejectMessage,
		DetailsTo:       p.Headers.DetailsTo,
	}
}

// HistoryKeyer returns the keyer for cfg: HMAC when policy.history.hash_ids
// is on, the plain record IDs otherwise. The HMAC secret is
// policy.history.key_file when set (read, never created: the operator
// provides it) or data_dir/history.key (created on first use).
func HistoryKeyer(cfg *config.Config) (history.Keyer, error) {
	if !cfg.Policy.History.HashIDs {
		return history.NewKeyer(nil), nil
	}
	path, create := cfg.HistoryKeyFile()
	if !create {
		secret, err := history.LoadSecret(path)
		if err != nil {
			return history.Keyer{}, fmt.Errorf("policy.history.key_file: %w", err)
		}
		return history.NewKeyer(secret), nil
	}
	secret, err := history.LoadOrCreateSecret(path)
	if err != nil {
		return history.Keyer{}, fmt.Errorf("history key: %w", err)
	}
	return history.NewKeyer(secret), nil
}

// HistoryPath is where the sender history lives.
func HistoryPath(cfg *config.Config) string { return filepath.Join(cfg.DataDir, "history.db") }

// Limits derives the scan limits from the configuration file.
func Limits(cfg *config.Config) detect.Limits {
	return detect.Limits{
		MaxDepth: cfg.Scan.MaxDepth, MaxParts: cfg.Scan.MaxParts,
		MaxPartBytes: cfg.Scan.MaxPartBytes, MaxTotalBytes: cfg.Scan.MaxTotalBytes,
		Timeout:           cfg.Scan.Timeout,
		MaxArchiveEntries: cfg.Scan.MaxArchiveEntries,
		MaxArchiveDepth:   cfg.Scan.MaxArchiveDepth,
		MaxExpansionRatio: cfg.Scan.MaxExpansionRatio,
		MaxHeaderBytes:    int(cfg.Scan.MaxHeaderBytes),
	}
}

// Records is the number of customer records loaded.
func (e *Engine) Records() int { return e.list.Len() }

// Patterns is the number of patterns in the matcher.
func (e *Engine) Patterns() int { return e.scanner.Patterns() }

// Skipped reports customer values left out of the matcher, by field/reason.
func (e *Engine) Skipped() map[string]int { return e.scanner.Skipped() }

// LoadedAt is when the customer list was read.
func (e *Engine) LoadedAt() time.Time { return e.loadedAt }

// Policy is the policy the engine decides with.
func (e *Engine) Policy() *policy.Policy { return e.policy }

// Watchlist returns the number of watchlist entries loaded and active now.
func (e *Engine) Watchlist() (entries, active int) {
	return e.watch.Len(), e.watch.ActiveCount(e.now())
}

// Envelope is what the SMTP transaction says about a message.
type Envelope struct {
	Sender     string
	Recipients []string
}

// Decision is the outcome for one message.
type Decision struct {
	Verdict policy.Verdict
	// Result is what detection found; empty (never nil) when the message
	// was not scanned because policy let internal mail through.
	Result *detect.Result
	// Watchlisted says the sender was on the watchlist.
	Watchlisted bool
	// Scanned is false when the policy let the message through unscanned.
	Scanned bool
	// ScanTime is how long detection took.
	ScanTime time.Duration

	// pending holds the records Verdict.Remember lists, reserved in the
	// sender history until Sent or NotSent; nil when there are none.
	pending *history.Reservation
}

// Sent tells the engine that the upstream accepted the message: the
// records it reserved are banked in the sender history, for the windows of
// the sender's next messages. The message has left whatever Sent returns;
// on error (the history could not be written) the records stay counted in
// memory and the history is tried again at its next prune.
func (d Decision) Sent(ctx context.Context) error {
	if err := d.pending.Commit(ctx); err != nil {
		return fmt.Errorf("sender history: %w", err)
	}
	return nil
}

// NotSent tells the engine that the message did not leave (refused or
// temp-failed by the upstream, the session gone): its reserved records are
// forgotten. After Sent it does nothing, so a caller may defer it as soon
// as Inspect returned.
func (d Decision) NotSent() { d.pending.Drop() }

// RecordIDs lists the IDs of the customer records found (never values).
func (d Decision) RecordIDs() []string {
	if d.Result == nil {
		return nil
	}
	ids := make([]string, len(d.Result.Records))
	for i, r := range d.Result.Records {
		ids[i] = r.ID
	}
	return ids
}

// Inspect scans the message and applies the policy, reading the sender
// history for windowed rules. The records of a message let through
// (Verdict.Remember) are reserved in the history: counted by every message
// of the sender judged meanwhile, banked only when the caller reports the
// message Sent, forgotten when it reports NotSent — one of which it must
// call. An error means the message could not be judged (the caller must
// temp-fail, never pass it).
func (e *Engine) Inspect(ctx context.Context, env Envelope, msg io.Reader) (Decision, error) {
	if e.policy.SkipScan(env.Recipients) {
		return Decision{Verdict: e.policy.InternalVerdict(), Result: &detect.Result{}}, nil
	}
	if e.timeout > 0 {
		// The scanner turns its own time limit into an "unscannable"
		// finding for policy; this outer bound only stops a scanner that
		// overruns it, and then the message is temp-failed.
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 2*e.timeout+5*time.Second)
		defer cancel()
	}
	start := time.Now()
	res, err := e.scanner.Scan(ctx, msg)
	d := Decision{ScanTime: time.Since(start), Scanned: true}
	if err != nil {
		return d, fmt.Errorf("scan: %w", err)
	}
	d.Result = res
	in, err := e.input(ctx, env, res)
	if err != nil {
		return d, err
	}
	d.Watchlisted = in.Watchlisted
	d.Verdict = e.policy.Evaluate(in)
	if e.history != nil && env.Sender != "" && len(d.Verdict.Remember) > 0 {
		entries := make([]history.Entry, len(d.Verdict.Remember))
		for i, r := range d.Verdict.Remember {
			entries[i] = history.Entry{Key: r.Key, At: r.At, High: r.High}
		}
		if d.pending, err = e.history.Reserve(env.Sender, entries); err != nil {
			return d, fmt.Errorf("sender history: %w", err)
		}
	}
	return d, nil
}

// input gathers what the policy needs: the envelope with the header's
// display names, the watchlist status, the records as keys and the sender's
// history.
func (e *Engine) input(ctx context.Context, env Envelope, res *detect.Result) (policy.Input, error) {
	in := policy.Input{Now: e.now(), Sender: env.Sender, Attachments: res.Attachments}
	names := map[string]string{}
	var fromAddr string
	for _, a := range res.Addresses {
		switch a.Header {
		case "from":
			if fromAddr == "" {
				fromAddr, in.SenderName = a.Addr, a.Name
			}
		case "to", "cc":
			if _, ok := names[a.Addr]; !ok && a.Name != "" {
				names[a.Addr] = a.Name
			}
		}
	}
	for _, addr := range []string{env.Sender, fromAddr} {
		if w, ok := e.watch.Lookup(addr, in.Now); ok && addr != "" {
			in.Watchlisted, in.WatchName = true, w.Name
			break
		}
	}
	for _, r := range env.Recipients {
		in.Recipients = append(in.Recipients, policy.Recipient{Addr: r, Name: names[strings.ToLower(r)]})
	}
	in.Records = e.records(res.Records, env.Recipients)
	for _, u := range res.Unscannable {
		in.Unscannable = append(in.Unscannable, string(u.Reason))
	}
	for _, c := range res.Contacts {
		in.Contacts = append(in.Contacts, policy.Contact{Kind: string(c.Kind), Value: c.Value})
	}
	if e.history != nil && env.Sender != "" {
		past, err := e.history.Since(ctx, env.Sender, in.Now.Add(-e.policy.LongestWindow()))
		if err != nil {
			return in, fmt.Errorf("sender history: %w", err)
		}
		for _, p := range past {
			in.Past = append(in.Past, policy.Past{Key: p.Key, At: p.At, High: p.High})
		}
	}
	return in, nil
}

// records turns what detection found into the policy's records: keys,
// confidence, evidence, and the recipient that is the record's customer.
func (e *Engine) records(hits []detect.RecordHit, recipients []string) []policy.Record {
	rcpt := map[string]string{} // lower-case → as given
	for _, r := range recipients {
		if low := strings.ToLower(r); rcpt[low] == "" {
			rcpt[low] = r
		}
	}
	var out []policy.Record
	for i := range hits {
		h := &hits[i]
		r := policy.Record{Key: e.keyer.Key(h.ID), High: h.Corroborated(e.window)}
		if !r.High {
			r.Evidence = evidence(h)
		}
		if em, ok := e.emails[h.ID]; ok {
			r.Addressee = rcpt[em]
		}
		out = append(out, r)
	}
	return out
}

// Release is a held message an officer released, as the upstream accepted
// it: what the quarantine entry kept of it.
type Release struct {
	Sender string
	// Recipients are those the upstream accepted it for.
	Recipients []string
	// Findings are the entry's stored findings (detect.EncodeFindings);
	// RecordIDs its record IDs, used when it has no readable findings.
	Findings  []byte
	RecordIDs []string
}

// Released banks the records of a released message in the sender history:
// it did leave, so the sender's windows count it from now on, like a
// message let through (policy.Policy.Remember picks the records, with the
// recipients it was released to). Records come from the stored findings;
// an entry without readable ones counts each of its record IDs, at low
// confidence. Without windowed rules it does nothing. An error is the
// history's (the records then stay counted in memory, as with
// Decision.Sent); the message has left whatever it says.
func (e *Engine) Released(ctx context.Context, r Release) error {
	if e.history == nil || r.Sender == "" {
		return nil
	}
	f, err := detect.DecodeFindings(r.Findings)
	hits := f.Records
	if err != nil || len(hits) == 0 {
		hits = nil
		for _, id := range r.RecordIDs {
			hits = append(hits, detect.RecordHit{ID: id, Closest: -1})
		}
	}
	in := policy.Input{Now: e.now(), Sender: r.Sender, Records: e.records(hits, r.Recipients)}
	for _, a := range r.Recipients {
		in.Recipients = append(in.Recipients, policy.Recipient{Addr: a})
	}
	remember := e.policy.Remember(in)
	if len(remember) == 0 {
		return nil
	}
	entries := make([]history.Entry, len(remember))
	for i, p := range remember {
		entries[i] = history.Entry{Key: p.Key, At: p.At, High: p.High}
	}
	// Through a reservation, so that a history that cannot be written
	// now still counts the records in memory and is tried again.
	res, err := e.history.Reserve(r.Sender, entries)
	if err == nil {
		err = res.Commit(ctx)
	}
	if err != nil {
		return fmt.Errorf("sender history: %w", err)
	}
	return nil
}

// evidence names the text a record was found through: its matches' places.
// Records found through exactly the same places (a shared name) get the
// same evidence.
func evidence(h *detect.RecordHit) string {
	var b strings.Builder
	for _, m := range h.Matches {
		fmt.Fprintf(&b, "%s:%d-%d;", m.Part, m.Start, m.End)
	}
	if h.MoreMatches > 0 {
		fmt.Fprintf(&b, "+%d", h.MoreMatches)
	}
	return b.String()
}
