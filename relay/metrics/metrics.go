// Package metrics owns dlprelay's Prometheus metrics: names, help texts,
// label sets and the registry that exports them. Label values come only from
// fixed sets (verdicts, reasons, reply classes, error classes); no address or
// customer value ever becomes a label.
package metrics

import (
	"runtime"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Fixed label values.
var (
	// ConnResults label dlprelay_smtp_connections_total.
	ConnResults = []string{"accepted", "denied_network", "denied_limit"}
	// Verdicts label dlprelay_smtp_messages_total: the policy actions, and
	// "error" for a message that could not be judged (temp-failed).
	Verdicts = []string{"pass", "flag", "quarantine", "reject", "error"}
	// ReplyClasses label dlprelay_smtp_replies_total.
	ReplyClasses = []string{"2xx", "3xx", "4xx", "5xx"}
	// UpstreamErrorClasses label dlprelay_upstream_errors_total.
	UpstreamErrorClasses = []string{"unavailable", "timeout", "4xx", "5xx"}
	// ReloadResults label dlprelay_customers_reloads_total.
	ReloadResults = []string{"success", "failure"}
	// RefusalReasons label dlprelay_customers_refused_total: the reasons
	// of relay/listguard (a list with no records, a drop past
	// customers.max_drop, an unreadable accepted-list state).
	RefusalReasons = []string{"empty", "drop", "state"}
	// NotificationResults label dlprelay_notify_messages_total.
	NotificationResults = []string{"sent", "failed", "dropped"}
	// ReleaseResults label dlprelay_release_attempts_total.
	ReleaseResults = []string{"released", "retry", "failed", "uncertain"}
	// Actions label the policy metrics (without "error").
	Actions = []string{"pass", "flag", "quarantine", "reject"}
)

// Metrics holds every collector. Create one per process (or per test) with
// New; there is no global registry.
type Metrics struct {
	Registry *prometheus.Registry

	Connections      *prometheus.CounterVec
	SessionsInFlight prometheus.Gauge
	Replies          *prometheus.CounterVec
	Messages         *prometheus.CounterVec
	MessageBytes     prometheus.Histogram
	Reasons          *prometheus.CounterVec
	Quarantined      prometheus.Counter
	// MessageRecords is the number of distinct customer records found in
	// each scanned message.
	MessageRecords prometheus.Histogram

	// Policy: rule names come from the configuration (a bounded set).
	RuleFired        *prometheus.CounterVec
	MonitorWould     *prometheus.CounterVec
	WindowTriggers   *prometheus.CounterVec
	WatchlistEntries prometheus.Gauge
	WatchlistActive  prometheus.Gauge
	Unscannable      *prometheus.CounterVec
	Notifications    *prometheus.CounterVec

	// Quarantine and releases.
	QuarantineHeld      prometheus.Gauge
	QuarantinePending   prometheus.Gauge
	QuarantineOldestAge prometheus.Gauge
	QuarantineBytes     prometheus.Gauge
	QuarantinePurged    prometheus.Counter
	Releases            *prometheus.CounterVec
	ReleaseLatency      prometheus.Histogram

	ScanSeconds prometheus.Histogram
	ScanBytes   prometheus.Counter

	UpstreamSeconds prometheus.Histogram
	UpstreamErrors  *prometheus.CounterVec

	// The customer list guard (relay/listguard). CustomersAccepted is the
	// record count of the accepted list a new one is judged against;
	// CustomersRefused counts lists refused at a start or reload, by
	// reason; ListRefused is 1 while the last reload's list was refused.
	CustomersAccepted prometheus.Gauge
	CustomersRefused  *prometheus.CounterVec
	ListRefused       prometheus.Gauge

	CustomerRecords prometheus.Gauge
	ReloadTimestamp prometheus.Gauge
	ReloadSuccess   prometheus.Gauge
	Reloads         *prometheus.CounterVec
	BuildInfo       *prometheus.GaugeVec
	// Ready is 1 while the relay can take mail (what /readyz says), 0
	// otherwise; it reads the function given to SetReadiness at each
	// scrape, and is 0 until then.
	Ready     prometheus.GaugeFunc
	readiness *atomic.Pointer[func() error]

	disk *dataDisk // see SetDataDir
}

// New creates and registers every metric, and pre-creates every label value
// so that dashboards see zeros rather than gaps. reasons are the policy's
// reason constants.
func New(version string, reasons, unscannable []string) *Metrics {
	r := prometheus.NewRegistry()
	readiness := new(atomic.Pointer[func() error])
	m := &Metrics{
		Registry:  r,
		readiness: readiness,
		disk:      newDataDisk(),
		Connections: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dlprelay_smtp_connections_total",
			Help: "SMTP connections by result: accepted, denied_network (client not allowed, 554), denied_limit (too many connections, 421).",
		}, []string{"result"}),
		SessionsInFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "dlprelay_smtp_sessions_in_flight",
			Help: "SMTP connections currently open.",
		}),
		Replies: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dlprelay_smtp_replies_total",
			Help: "Final SMTP replies sent to clients, by code class.",
		}, []string{"class"}),
		Messages: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dlprelay_smtp_messages_total",
			Help: "Messages judged, by verdict (error: could not be judged and was temp-failed).",
		}, []string{"verdict"}),
		MessageBytes: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "dlprelay_smtp_message_bytes",
			Help:    "Size of messages received.",
			Buckets: prometheus.ExponentialBuckets(1024, 4, 10), // 1 KiB .. 256 MiB
		}),
		Reasons: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dlprelay_policy_reasons_total",
			Help: "Policy reasons that applied to messages.",
		}, []string{"reason"}),
		MessageRecords: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "dlprelay_policy_message_records",
			Help: "Distinct customer records found per scanned message (low confidence, which includes high); messages let through unscanned are not counted.",
			// 0 is its own bucket: most mail carries no record.
			Buckets: []float64{0, 1, 2, 3, 5, 10, 20, 50, 100, 500, 1000, 10000},
		}),
		Quarantined: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "dlprelay_quarantine_stored_total",
			Help: "Messages written durably to quarantine.",
		}),
		RuleFired: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dlprelay_policy_rule_fired_total",
			Help: "Policy rules that fired, by rule name, the rule's action, and mode (enforce, or monitor: reported only).",
		}, []string{"rule", "action", "mode"}),
		MonitorWould: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dlprelay_policy_monitor_would_total",
			Help: "Messages whose enforced verdict was milder than the one monitor rules would have given, by that would-be action.",
		}, []string{"action"}),
		WindowTriggers: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dlprelay_policy_window_triggers_total",
			Help: "Rolling-window (cumulative per sender) rules that fired, by rule.",
		}, []string{"rule"}),
		WatchlistEntries: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "dlprelay_policy_watchlist_entries",
			Help: "Entries in the loaded watchlist of departing employees.",
		}),
		WatchlistActive: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "dlprelay_policy_watchlist_active_entries",
			Help: "Watchlist entries in effect now (between their from and until dates).",
		}),
		Unscannable: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dlprelay_scan_unscannable_total",
			Help: "Content left unscanned, by reason (encrypted, unsupported_format, limits, ...).",
		}, []string{"reason"}),
		Notifications: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dlprelay_notify_messages_total",
			Help: "Notification mails by result: sent, failed (refused or retries exhausted), dropped (queue full).",
		}, []string{"result"}),
		QuarantineHeld: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "dlprelay_quarantine_held_messages",
			Help: "Messages held in quarantine (held, pending approval, approved, release uncertain).",
		}),
		QuarantinePending: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "dlprelay_quarantine_pending_approvals",
			Help: "Release requests waiting for a second officer's approval.",
		}),
		QuarantineOldestAge: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "dlprelay_quarantine_oldest_held_age_seconds",
			Help: "Age of the oldest held message; 0 when none is held.",
		}),
		QuarantineBytes: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "dlprelay_quarantine_stored_bytes",
			Help: "Bytes of messages stored in quarantine.",
		}),
		QuarantinePurged: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "dlprelay_quarantine_purged_total",
			Help: "Quarantine entries expired by retention and purged with their message.",
		}),
		Releases: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dlprelay_release_attempts_total",
			Help: "Release attempts by result: released, retry (temporary upstream failure), failed (refused), uncertain (interrupted by a restart).",
		}, []string{"result"}),
		ReleaseLatency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "dlprelay_release_latency_seconds",
			Help:    "Time from a release's approval to the upstream accepting the message (includes retries).",
			Buckets: prometheus.ExponentialBuckets(0.5, 4, 10), // 0.5 s .. ~36 h
		}),
		ScanSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "dlprelay_scan_duration_seconds",
			Help:    "Time to extract and match one message.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16), // 0.5 ms .. 16 s
		}),
		ScanBytes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "dlprelay_scan_bytes_total",
			Help: "Decoded bytes fed to the matcher.",
		}),
		UpstreamSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "dlprelay_upstream_data_duration_seconds",
			Help:    "Time from DATA to the upstream's final reply.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 16),
		}),
		UpstreamErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dlprelay_upstream_errors_total",
			Help: "Upstream failures by class: unavailable (connect/TLS/broken), timeout, 4xx, 5xx replies.",
		}, []string{"class"}),
		CustomerRecords: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "dlprelay_customers_records",
			Help: "Customer records in the loaded list.",
		}),
		CustomersAccepted: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "dlprelay_customers_accepted_records",
			Help: "Records of the last accepted customer list (data_dir/customers-accepted.json), which a new list may not fall below by more than customers.max_drop.",
		}),
		CustomersRefused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dlprelay_customers_refused_total",
			Help: "Customer lists refused at a start or reload, by reason: empty (no records), drop (fewer records than customers.max_drop allows against the accepted list), state (the accepted-list state unreadable).",
		}, []string{"reason"}),
		ListRefused: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "dlprelay_customers_reload_refused",
			Help: "1 while the last reload's customer list was refused (empty, or shrunk past customers.max_drop; the previous list stays in use) until a reload loads a list, else 0.",
		}),
		ReloadTimestamp: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "dlprelay_customers_last_reload_timestamp_seconds",
			Help: "Unix time of the last successful customer list load.",
		}),
		ReloadSuccess: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "dlprelay_customers_last_reload_success",
			Help: "1 if the last load or reload attempt succeeded, 0 if it failed (the previous list stays in use).",
		}),
		Reloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dlprelay_customers_reloads_total",
			Help: "Customer list (and configuration) load attempts by result.",
		}, []string{"result"}),
		BuildInfo: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "dlprelay_build_info",
			Help: "Always 1; labels carry the version and Go version.",
		}, []string{"version", "goversion"}),
		Ready: prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "dlprelay_ready",
			Help: "1 if the relay can take mail now (as /readyz: a customer list loaded, the upstream answered recently, not draining), else 0.",
		}, func() float64 {
			if f := readiness.Load(); f != nil && (*f)() == nil {
				return 1
			}
			return 0
		}),
	}
	r.MustRegister(
		m.Connections, m.SessionsInFlight, m.Replies, m.Messages, m.MessageBytes, m.Reasons, m.MessageRecords, m.Quarantined,
		m.QuarantineHeld, m.QuarantinePending, m.QuarantineOldestAge, m.QuarantineBytes, m.QuarantinePurged, m.Releases, m.ReleaseLatency,
		m.RuleFired, m.MonitorWould, m.WindowTriggers, m.WatchlistEntries, m.WatchlistActive, m.Unscannable, m.Notifications,
		m.ScanSeconds, m.ScanBytes, m.UpstreamSeconds, m.UpstreamErrors,
		m.CustomerRecords, m.CustomersAccepted, m.CustomersRefused, m.ListRefused, m.ReloadTimestamp, m.ReloadSuccess, m.Reloads, m.BuildInfo, m.Ready, m.disk,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	for _, v := range ConnResults {
		m.Connections.WithLabelValues(v)
	}
	for _, v := range ReplyClasses {
		m.Replies.WithLabelValues(v)
	}
	for _, v := range Verdicts {
		m.Messages.WithLabelValues(v)
	}
	for _, v := range UpstreamErrorClasses {
		m.UpstreamErrors.WithLabelValues(v)
	}
	for _, v := range ReloadResults {
		m.Reloads.WithLabelValues(v)
	}
	for _, v := range RefusalReasons {
		m.CustomersRefused.WithLabelValues(v)
	}
	for _, v := range reasons {
		m.Reasons.WithLabelValues(v)
	}
	for _, v := range unscannable {
		m.Unscannable.WithLabelValues(v)
	}
	for _, v := range NotificationResults {
		m.Notifications.WithLabelValues(v)
	}
	for _, v := range Actions {
		m.MonitorWould.WithLabelValues(v)
	}
	for _, v := range ReleaseResults {
		m.Releases.WithLabelValues(v)
	}
	m.BuildInfo.WithLabelValues(version, runtime.Version()).Set(1)
	return m
}

// SetReadiness makes dlprelay_ready report ready(): 1 when it returns nil.
func (m *Metrics) SetReadiness(ready func() error) { m.readiness.Store(&ready) }

// Reply counts one final reply by its code.
func (m *Metrics) Reply(code int) {
	if code < 200 || code > 599 {
		return
	}
	m.Replies.WithLabelValues(ReplyClasses[code/100-2]).Inc()
}
