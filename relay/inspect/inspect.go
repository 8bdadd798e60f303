// Package inspect joins detection and policy: an Engine holds one loaded
// customer list, the scanner built from it and the policy, and turns a
// message and its envelope into a Decision. An Engine never changes after
// Build; a reload builds a new one and the relay swaps it in atomically, so
// every message is judged by exactly one consistent list and rule set.
package inspect

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/dlprelay/dlprelay/detect"
	"github.com/dlprelay/dlprelay/detect/customers"
	"github.com/dlprelay/dlprelay/policy"
	"github.com/dlprelay/dlprelay/relay/config"
)

// Engine is an immutable, ready-to-use scanner and policy.
type Engine struct {
	list     *customers.List
	scanner  *detect.Scanner
	policy   *policy.Policy
	timeout  time.Duration
	loadedAt time.Time
}

// Build loads the customer list named in cfg and builds the scanner and the
// policy, logging progress to log (nil: silent) for large lists. Any failure
// is returned; the caller keeps its previous Engine (or refuses to start),
// never runs without one.
func Build(cfg *config.Config, log *slog.Logger) (*Engine, error) {
	pol, err := policy.New(PolicyConfig(cfg))
	if err != nil {
		return nil, fmt.Errorf("policy: %w", err)
	}
	cols := customers.Columns{
		ID: cfg.Customers.Columns.ID, Name: cfg.Customers.Columns.Name, Kana: cfg.Customers.Columns.Kana,
		Email: cfg.Customers.Columns.Email, Phone: cfg.Customers.Columns.Phone,
		Address: cfg.Customers.Columns.Address, Company: cfg.Customers.Columns.Company,
	}
	start := time.Now()
	list, err := customers.Load(cfg.Customers.File, cols)
	if err != nil {
		return nil, fmt.Errorf("customer list: %w", err)
	}
	var opt detect.Options
	if log != nil {
		log.Info("customer list read", "file", cfg.Customers.File, "records", list.Len(), "elapsed", time.Since(start).Round(time.Millisecond).String())
		opt.Progress = func(done, total int) {
			log.Info("building matcher", "records_done", done, "records", total, "elapsed", time.Since(start).Round(time.Millisecond).String())
		}
	}
	sc, err := detect.NewScannerWithOptions(list, Limits(cfg), opt)
	if err != nil {
		return nil, fmt.Errorf("scanner: %w", err)
	}
	return &Engine{list: list, scanner: sc, policy: pol, timeout: cfg.Scan.Timeout, loadedAt: time.Now()}, nil
}

// PolicyConfig derives the policy settings from the configuration file.
func PolicyConfig(cfg *config.Config) policy.Config {
	act, err := policy.ParseAction(cfg.Policy.Unscannable)
	if err != nil {
		act = policy.Quarantine // Validate rejects this earlier; fail closed anyway.
	}
	return policy.Config{
		Thresholds: policy.Thresholds{
			FlagAt: cfg.Policy.FlagAt, QuarantineAt: cfg.Policy.QuarantineAt, RejectAt: cfg.Policy.RejectAt,
		},
		Unscannable:   act,
		RejectMessage: cfg.Policy.RejectMessage,
	}
}

// Limits derives the scan limits from the configuration file.
func Limits(cfg *config.Config) detect.Limits {
	return detect.Limits{
		MaxDepth: cfg.Scan.MaxDepth, MaxParts: cfg.Scan.MaxParts,
		MaxPartBytes: cfg.Scan.MaxPartBytes, MaxTotalBytes: cfg.Scan.MaxTotalBytes,
		Timeout:           cfg.Scan.Timeout,
		MaxArchiveEntries: cfg.Scan.MaxArchiveEntries,
		MaxArchiveDepth:   cfg.Scan.MaxArchiveDepth,
		MaxExpansionRatio: cfg.Scan.MaxExpansionRatio,
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

// Envelope is what the SMTP transaction says about a message.
type Envelope struct {
	Sender     string
	Recipients []string
}

// Decision is the outcome for one message.
type Decision struct {
	Verdict policy.Verdict
	Result  *detect.Result
	// ScanTime is how long detection took.
	ScanTime time.Duration
}

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

// Inspect scans the message and applies the policy. An error means the
// message could not be judged (the caller must temp-fail, never pass it).
func (e *Engine) Inspect(ctx context.Context, env Envelope, msg io.Reader) (Decision, error) {
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
	d := Decision{ScanTime: time.Since(start)}
	if err != nil {
		return d, fmt.Errorf("scan: %w", err)
	}
	d.Result = res
	in := policy.Input{Records: len(res.Records), Sender: env.Sender, Recipients: env.Recipients}
	for _, u := range res.Unscannable {
		in.Unscannable = append(in.Unscannable, string(u.Reason))
	}
	d.Verdict = e.policy.Evaluate(in)
	return d, nil
}
