package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/dlprelay/dlprelay/relay/audit"
	"github.com/dlprelay/dlprelay/relay/config"
	"github.com/dlprelay/dlprelay/relay/console"
	"github.com/dlprelay/dlprelay/relay/inspect"
	"github.com/dlprelay/dlprelay/relay/metrics"
	"github.com/dlprelay/dlprelay/relay/quarantine"
	"github.com/dlprelay/dlprelay/relay/release"
	"github.com/dlprelay/dlprelay/relay/smtpd"
	"github.com/dlprelay/dlprelay/relay/users"
)

// compliance is the officers' side of the relay: the audit log, the console
// users, the console itself and the worker that delivers released mail. It
// lives for the whole process; a reload does not reopen it.
type compliance struct {
	audit   *audit.SQLite
	users   *users.SQLite
	console *console.Console // nil when console.enabled is false
	worker  *release.Worker
	logged  atomic.Int64 // seq of the last audit entry whose hash was logged
}

// logHead logs the audit log's last seq and hash unless that entry's hash
// is already in the log: entries appended by the CLI (users, quarantine,
// audit export) are pinned this way, at start and hourly.
func (c *compliance) logHead(ctx context.Context, log *slog.Logger) {
	h, err := c.audit.Head(ctx)
	if err != nil {
		if !errors.Is(err, context.Canceled) {
			log.Warn("audit log head unreadable", "err", err)
		}
		return
	}
	if h.Seq == 0 || h.Seq == c.logged.Load() {
		return
	}
	c.logged.Store(h.Seq)
	log.Info("audit log head", "seq", h.Seq, "hash", h.Hash)
}

// releaseSent banks the records of a delivered release in the sender
// history, through the engine in force (inspect.Engine.Released): a held
// message did not count for its sender's windows, a released one has left
// and does. A failure is logged; the message has gone either way.
func releaseSent(live func() *smtpd.Live, log *slog.Logger) func(context.Context, quarantine.Entry, []string) {
	return func(ctx context.Context, e quarantine.Entry, rcpts []string) {
		eng, ok := live().Engine.(*inspect.Engine)
		if !ok {
			return
		}
		r := inspect.Release{Sender: e.Sender, Recipients: rcpts, Findings: e.Findings, RecordIDs: e.RecordIDs}
		if err := eng.Released(ctx, r); err != nil {
			log.Error("sender history not written after a release was delivered; the records stay counted in memory until it is",
				"entry", e.ID, "err", err)
		}
	}
}

// Paths of the compliance databases in the data directory.
func auditPath(cfg *config.Config) string { return filepath.Join(cfg.DataDir, "audit.db") }
func usersPath(cfg *config.Config) string { return filepath.Join(cfg.DataDir, "users.db") }

// releaseDetails says whether a released message to rcpts may carry the
// release's details (X-DLP-Released), by the policy in force
// (policy.headers.details_to), as live mail's X-DLP-* details are decided.
func releaseDetails(live func() *smtpd.Live) func([]string) bool {
	return func(rcpts []string) bool {
		eng, ok := live().Engine.(*inspect.Engine)
		return ok && eng.Policy().Details(rcpts)
	}
}

// openCompliance opens the audit log and user directory and builds the
// console and the release worker over the quarantine q. live gives what is
// in force at each release attempt: the upstream, and the engine that
// decides the trace header (releaseDetails) and banks the records of a
// delivered release (releaseSent).
func openCompliance(cfg *config.Config, q quarantine.Store, log *slog.Logger, m *metrics.Metrics, live func() *smtpd.Live) (*compliance, error) {
	a, err := audit.Open(auditPath(cfg))
	if err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	u, err := users.Open(usersPath(cfg), users.Options{})
	if err != nil {
		a.Close()
		return nil, fmt.Errorf("console users: %w", err)
	}
	c := &compliance{audit: a, users: u}
	// Each entry's seq and hash go to the relay's log, which lives outside
	// data_dir (the journal, a log shipper): a copy of the chain that a
	// rewrite of audit.db cannot reach. `audit verify -pin` checks it.
	a.OnAppend(func(r audit.Record) {
		c.logged.Store(r.Seq)
		log.Info("audit entry appended", "seq", r.Seq, "action", string(r.Action), "hash", r.Hash)
	})
	c.logHead(context.Background(), log)
	c.worker = release.New(release.Config{Hostname: cfg.Hostname, Poll: 2 * time.Second,
		OnDelivered: func(d time.Duration) { m.ReleaseLatency.Observe(d.Seconds()) },
		Sent:        releaseSent(live, log), Details: releaseDetails(live)}, q, a, func() release.Transport { return live().Upstream }, log,
		func(result string) { m.Releases.WithLabelValues(result).Inc() })
	if cfg.Console.Enabled {
		var proxies []netip.Prefix
		for _, s := range cfg.Console.TrustedProxies {
			if p, err := config.ParsePrefix(s); err == nil {
				proxies = append(proxies, p)
			}
		}
		c.console, err = console.New(console.Config{
			SecureCookies:   cfg.ConsoleSecureCookies(),
			ProxyUserHeader: cfg.Console.ProxyUserHeader, TrustedProxies: proxies,
			SessionIdle: cfg.Console.SessionIdle, SessionMax: cfg.Console.SessionMax,
			Logger: log,
		}, q, a, u, console.NewRescanner(inspect.Limits(cfg)))
		if err != nil {
			c.close()
			return nil, err
		}
	}
	return c, nil
}

func (c *compliance) close() {
	c.users.Close()
	c.audit.Close()
}

// handler serves the console and the API next to the admin endpoints.
func (c *compliance) handler(adminHandler http.Handler) http.Handler {
	if c.console == nil {
		return adminHandler
	}
	mux := http.NewServeMux()
	ch := c.console.Handler()
	mux.Handle("/console/", ch)
	mux.Handle("/api/", ch)
	mux.Handle("/", adminHandler)
	return mux
}

// record appends a system event to the audit log, logging a failure.
func (c *compliance) record(ctx context.Context, log *slog.Logger, e audit.Event) {
	if _, err := c.audit.Append(ctx, e); err != nil {
		log.Error("audit append failed", "err", err, "action", string(e.Action))
	}
}

// housekeeping purges expired quarantine entries hourly and keeps the
// quarantine gauges current every 30 seconds.
func (c *compliance) housekeeping(ctx context.Context, q quarantine.Store, m *metrics.Metrics, log *slog.Logger) {
	t := time.NewTicker(30 * time.Second)
	defer t.Stop()
	var lastPurge time.Time
	for {
		if time.Since(lastPurge) >= time.Hour {
			lastPurge = time.Now()
			n, err := q.Purge(ctx, time.Now())
			switch {
			case err != nil && !errors.Is(err, context.Canceled):
				log.Warn("quarantine purge failed", "err", err)
			case n > 0:
				m.QuarantinePurged.Add(float64(n))
				log.Info("quarantine entries expired", "entries", n)
				c.record(ctx, log, audit.Event{Actor: "system", Action: audit.ActionDelete, Target: "retention",
					Detail: map[string]string{"expired": strconv.Itoa(n)}})
			}
			c.logHead(ctx, log)
		}
		if st, err := q.Stats(ctx); err == nil {
			m.QuarantineHeld.Set(float64(st.Held))
			m.QuarantinePending.Set(float64(st.PendingApproval))
			m.QuarantineOldestAge.Set(st.OldestHeld.Seconds())
			m.QuarantineBytes.Set(float64(st.Bytes))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
