package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/dlprelay/dlprelay/internal/dirlock"
	"github.com/dlprelay/dlprelay/internal/keypair"
	"github.com/dlprelay/dlprelay/policy"
	"github.com/dlprelay/dlprelay/policy/history"
	"github.com/dlprelay/dlprelay/relay/admin"
	"github.com/dlprelay/dlprelay/relay/audit"
	"github.com/dlprelay/dlprelay/relay/config"
	"github.com/dlprelay/dlprelay/relay/inspect"
	"github.com/dlprelay/dlprelay/relay/listguard"
	"github.com/dlprelay/dlprelay/relay/metrics"
	"github.com/dlprelay/dlprelay/relay/notify"
	"github.com/dlprelay/dlprelay/relay/quarantine"
	"github.com/dlprelay/dlprelay/relay/smtpd"
	"github.com/dlprelay/dlprelay/relay/upstream"
)

// configFlags are the flags that choose and override the configuration; serve,
// scan and check-config share them.
type configFlags struct {
	config, listen, upstream, customers, admin, data string
}

func (f *configFlags) register(fs *flag.FlagSet, serving bool) {
	fs.StringVar(&f.config, "config", "", "configuration `file` (YAML); default: the embedded laptop default (sample customer list, data in ./var)")
	fs.StringVar(&f.customers, "customers", "", "customer list `file.csv`, overrides customers.file")
	if serving {
		fs.StringVar(&f.listen, "listen", "", "SMTP listen `address`, overrides smtp.listen")
		fs.StringVar(&f.upstream, "upstream", "", "upstream smarthost `host:port`, overrides upstream.address")
		fs.StringVar(&f.admin, "admin", "", "admin HTTP listen `address` (/metrics, /healthz, /readyz), overrides admin.listen")
		fs.StringVar(&f.data, "data", "", "data `directory` (quarantine, spool), overrides data_dir")
	}
}

// load reads the configuration file (or the embedded default), applies the
// flag overrides and validates the result.
func (f *configFlags) load() (*config.Config, error) {
	overrides := f.listen != "" || f.upstream != "" || f.customers != "" || f.admin != "" || f.data != ""
	var cfg *config.Config
	switch {
	case f.config == "":
		cfg = config.Embedded()
	case !overrides:
		// Parse validates and names the file and line of every error.
		return config.Load(f.config)
	default:
		// Validated below, after the flags had their say (a flag may
		// supply what the file lacks); errors then name the field only.
		data, err := os.ReadFile(f.config)
		if err != nil {
			return nil, err
		}
		cfg, err = config.ParseNoValidate(data, f.config)
		if err != nil {
			return nil, err
		}
	}
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	set(&cfg.SMTP.Listen, f.listen)
	set(&cfg.Upstream.Address, f.upstream)
	set(&cfg.Customers.File, f.customers)
	set(&cfg.Admin.Listen, f.admin)
	set(&cfg.DataDir, f.data)
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return cfg, nil
}

func runServe(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("serve", "serve [flags]",
		"Runs the relay: SMTP in on -listen, mail forwarded to -upstream after scanning\nagainst the customer list. SIGHUP reloads the configuration and customer list;\nSIGTERM drains transactions in flight and stops.", stderr)
	var cf configFlags
	cf.register(fs, true)
	if code, stop := parseFlags(fs, args); stop {
		return code
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return 2
	}
	cfg, err := cf.load()
	if err != nil {
		fmt.Fprintf(stderr, "dlprelay: %v\n", err)
		return 1
	}
	log := newLogger(cfg.Log, stderr)
	m := metrics.New(version, policyReasons(), policy.UnscannableReasons)
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		log.Error("refusing to start", "err", err)
		return 1
	}
	// One relay per data_dir, locked before anything in it is touched: a
	// second one would recover the first's releases in flight.
	lock, err := dirlock.Acquire(cfg.DataDir)
	switch {
	case errors.Is(err, errors.ErrUnsupported):
		log.Warn("data_dir is not locked on this system: run one relay per data_dir", "data_dir", cfg.DataDir, "err", err)
	case err != nil:
		log.Error("refusing to start", "err", err)
		return 1
	}
	defer lock.Release()
	m.SetDataDir(cfg.DataDir)
	store, err := history.Open(inspect.HistoryPath(cfg))
	if err != nil {
		log.Error("refusing to start", "err", fmt.Errorf("sender history: %w", err))
		return 1
	}
	// One ledger for the life of the process, like the store: the records
	// of messages in flight are counted across reloads.
	hist := history.NewLedger(store)
	defer hist.Close()
	// One quarantine for the life of the process: a reload keeps it (a
	// changed data_dir takes effect only after a restart).
	q, err := quarantine.Open(cfg.DataDir, quarantine.Options{Retention: cfg.Quarantine.Retention})
	if err != nil {
		log.Error("refusing to start", "err", err)
		return 1
	}
	defer q.Close()
	// Before the console and the worker start: the quarantine applies
	// this policy to every release asked for, here or by the CLI.
	if err := recordReleasePolicy(q, &cf, cfg); err != nil {
		log.Error("refusing to start", "err", err)
		return 1
	}
	var srv *smtpd.Server
	comp, err := openCompliance(cfg, q, log, m, func() *smtpd.Live { return srv.Live() })
	if err != nil {
		log.Error("refusing to start", "err", err)
		return 1
	}
	defer comp.close()
	guard := &listguard.Guard{Dir: cfg.DataDir}
	live, eng, dec, err := buildLiveChecked(cfg, log, hist, q, guard)
	if err == nil {
		err = commitList(guard, dec, listguard.HowStart, m, log)
	}
	if err != nil {
		m.Reloads.WithLabelValues("failure").Inc()
		log.Error("refusing to start", append([]any{"err", err}, observeRefusal(m, err)...)...)
		return 1
	}
	observeEngine(m, eng, cfg)
	var notifier *notify.Notifier
	if cfg.Policy.Notify.From != "" {
		notifier, err = notify.New(notify.Config{From: cfg.Policy.Notify.From, Hostname: cfg.Hostname, Dir: filepath.Join(cfg.DataDir, "notify")},
			func() notify.Transport { return srv.Live().Upstream }, log,
			func(result string) { m.Notifications.WithLabelValues(result).Inc() })
		if err != nil {
			log.Error("refusing to start", "err", err)
			return 1
		}
	}

	var certs listenerCerts
	if certs.smtp, err = keypair.Load("smtp.tls", cfg.SMTP.TLS.CertFile, cfg.SMTP.TLS.KeyFile); err != nil {
		log.Error("refusing to start", "err", err)
		return 1
	}
	if certs.admin, err = keypair.Load("admin.tls", cfg.Admin.TLS.CertFile, cfg.Admin.TLS.KeyFile); err != nil {
		log.Error("refusing to start", "err", err)
		return 1
	}
	var tlsConf, adminTLS *tls.Config
	if certs.smtp != nil {
		tlsConf = certs.smtp.TLSConfig()
	}
	if certs.admin != nil {
		adminTLS = certs.admin.TLSConfig()
	}
	spool := filepath.Join(cfg.DataDir, "spool")
	if err := os.MkdirAll(spool, 0o700); err != nil {
		log.Error("refusing to start", "err", err)
		return 1
	}
	opts := smtpd.Options{
		Hostname:          cfg.Hostname,
		MaxMessageBytes:   cfg.SMTP.MaxMessageBytes,
		MaxRecipients:     cfg.SMTP.MaxRecipients,
		MaxLineLength:     cfg.SMTP.MaxLineLength,
		MaxDataLineLength: cfg.SMTP.MaxDataLineLength,
		ReadTimeout:       cfg.SMTP.ReadTimeout,
		DataTimeout:       cfg.SMTP.DataTimeout,
		WriteTimeout:      cfg.SMTP.WriteTimeout,
		MaxConnections:    cfg.SMTP.MaxConnections,
		TLSConfig:         tlsConf,
		NormalizeBareEOL:  cfg.SMTP.BareLineEndings == "normalize",
		SpoolDir:          spool,
		Logger:            log,
		Metrics:           m,
	}
	if notifier != nil {
		opts.Notifier = notifier
	}
	srv = smtpd.New(opts, live)

	ln, err := net.Listen("tcp", cfg.SMTP.Listen)
	if err != nil {
		log.Error("refusing to start", "err", err)
		return 1
	}
	var adminSrv *http.Server
	if cfg.Admin.Listen != "" {
		aln, err := net.Listen("tcp", cfg.Admin.Listen)
		if err != nil {
			ln.Close()
			log.Error("refusing to start", "err", err)
			return 1
		}
		within := cfg.Admin.ReadyUpstreamWithin
		ready := func() error { return srv.Ready(within) }
		m.SetReadiness(ready)
		adminSrv = admin.NewServer(comp.handler(admin.Handler(m.Registry, ready)), adminTLS)
		go func() {
			if err := admin.Serve(adminSrv, aln); err != nil {
				log.Error("admin listener failed", "err", err)
			}
		}()
		log.Info("admin listening", "addr", aln.Addr().String(), "tls", adminTLS != nil)
		if adminTLS == nil && cfg.Console.Enabled && !admin.Loopback(aln.Addr()) {
			log.Warn("the admin listener takes plain HTTP from other hosts: console passwords and session cookies cross the network in clear; set admin.tls, or bind admin.listen to a loopback address behind a TLS proxy",
				"addr", aln.Addr().String())
		}
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	probeEvery := cfg.Admin.ReadyUpstreamWithin / 2
	if probeEvery <= 0 {
		probeEvery = 30 * time.Second
	}
	go srv.ProbeUpstream(ctx, probeEvery)
	var longest atomic.Int64 // the longest rule window in force, for pruning
	longest.Store(int64(eng.Policy().LongestWindow()))
	go pruneHistory(ctx, hist, &longest, log)
	go comp.housekeeping(ctx, q, m, log)
	workerDone := make(chan struct{})
	go func() {
		defer close(workerDone)
		if err := comp.worker.Run(ctx); err != nil {
			log.Error("release worker stopped", "err", err)
		}
	}()

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	log.Info("dlprelay started", "version", version, "smtp", ln.Addr().String(), "upstream", cfg.Upstream.Address,
		"customers", eng.Records(), "patterns", eng.Patterns(), "data_dir", cfg.DataDir)

	// Two channels: signal.Notify drops a signal the channel has no room
	// for, so SIGHUPs arriving during slow reloads must not be able to
	// crowd out a SIGTERM. SIGHUPs that arrive while one is pending
	// coalesce: the pending reload reads the files after all of them.
	hups := make(chan os.Signal, 1)
	signal.Notify(hups, syscall.SIGHUP)
	defer signal.Stop(hups)
	stops := make(chan os.Signal, 1)
	signal.Notify(stops, syscall.SIGTERM, syscall.SIGINT)
	defer signal.Stop(stops)
	for {
		var sig os.Signal
		select {
		case sig = <-stops: // first, when both are pending
		default:
			select {
			case err := <-served:
				if err != nil {
					log.Error("smtp listener failed", "err", err)
					return 1
				}
				return 0
			case sig = <-stops:
			case sig = <-hups:
			}
		}
		if sig == syscall.SIGHUP {
			var eng *inspect.Engine
			var err error
			cfg, eng, err = reload(&cf, cfg, srv, m, log, hist, q, certs, guard)
			detail := map[string]string{"result": "success", "file": cf.config, "four_eyes": strconv.FormatBool(cfg.Console.FourEyes)}
			if eng == nil {
				delete(detail, "four_eyes")
				detail["result"] = "failure"
				var ref *listguard.Refusal
				if errors.As(err, &ref) {
					detail["customers_refused"] = string(ref.Reason)
				}
			}
			comp.record(ctx, log, audit.Event{Actor: "system", Action: audit.ActionConfigReload, Target: "config", Detail: detail})
			if eng != nil {
				longest.Store(int64(eng.Policy().LongestWindow()))
			}
			continue
		}
		log.Info("draining", "signal", sig.String(), "timeout", cfg.SMTP.DrainTimeout.String())
		dctx, dcancel := context.WithTimeout(context.Background(), cfg.SMTP.DrainTimeout)
		err := srv.Shutdown(dctx)
		dcancel()
		conns, txs := srv.InFlight()
		if err != nil {
			log.Warn("drain timed out; remaining connections closed", "transactions", txs, "connections", conns)
		}
		cancel()
		<-workerDone
		if notifier != nil {
			nctx, ncancel := context.WithTimeout(context.Background(), 5*time.Second)
			notifier.Close(nctx)
			ncancel()
		}
		srv.Live().Upstream.Close()
		if adminSrv != nil {
			sctx, scancel := context.WithTimeout(context.Background(), 2*time.Second)
			adminSrv.Shutdown(sctx)
			scancel()
		}
		log.Info("stopped")
		return 0
	}
}

// listenerCerts are the certificates the SMTP and admin listeners serve
// (nil: no TLS); a reload reads their files again.
type listenerCerts struct{ smtp, admin *keypair.Pair }

// read loads the certificates cfg names for the listeners that serve TLS,
// and returns a function that puts them in service. Turning TLS on or off
// takes a restart (restartFields says so).
func (lc listenerCerts) read(cfg *config.Config) (apply func(), err error) {
	var smtpCert, adminCert *tls.Certificate
	if lc.smtp != nil && cfg.SMTP.TLS.CertFile != "" {
		if smtpCert, err = lc.smtp.Read(cfg.SMTP.TLS.CertFile, cfg.SMTP.TLS.KeyFile); err != nil {
			return nil, err
		}
	}
	if lc.admin != nil && cfg.Admin.TLS.CertFile != "" {
		if adminCert, err = lc.admin.Read(cfg.Admin.TLS.CertFile, cfg.Admin.TLS.KeyFile); err != nil {
			return nil, err
		}
	}
	return func() {
		if smtpCert != nil {
			lc.smtp.Set(smtpCert)
		}
		if adminCert != nil {
			lc.admin.Set(adminCert)
		}
	}, nil
}

// reload rebuilds everything a SIGHUP may change, and reads the listeners'
// certificates again (a renewal). The new customer list must pass the
// guard, and its acceptance is recorded before it goes into service. On
// any error the running configuration, customer list and certificates
// stay in force, and the error is returned with a nil Engine.
func reload(cf *configFlags, old *config.Config, srv *smtpd.Server, m *metrics.Metrics, log *slog.Logger, hist *history.Ledger, q *quarantine.SQLite, certs listenerCerts, guard *listguard.Guard) (*config.Config, *inspect.Engine, error) {
	cfg, err := cf.load()
	var applyCerts func()
	if err == nil {
		applyCerts, err = certs.read(cfg)
	}
	if err == nil {
		var live *smtpd.Live
		var eng *inspect.Engine
		var dec listguard.Decision
		live, eng, dec, err = buildLiveChecked(cfg, log, hist, q, guard)
		if err == nil {
			err = commitList(guard, dec, listguard.HowReload, m, log)
			if err == nil {
				err = recordReleasePolicy(q, cf, cfg)
			}
			if err != nil {
				live.Upstream.Close()
			}
		}
		if err == nil {
			applyCerts()
			if cfg.Upstream.Address == old.Upstream.Address {
				// Same upstream: its health is known; /readyz must not
				// go unready until the new pool's first contact.
				live.Upstream.SeedContact(srv.Live().Upstream.LastContact())
			}
			prev := srv.SetLive(live)
			prev.Upstream.Close()
			observeEngine(m, eng, cfg)
			if cfg.Console.FourEyes != old.Console.FourEyes {
				log.Warn("release policy changed: console.four_eyes applies to the releases asked for from now on, in the console and the CLI",
					"four_eyes", cfg.Console.FourEyes)
			}
			if fields := restartFields(old, cfg); len(fields) > 0 {
				log.Warn("reloaded; these changes take effect only after a restart", "fields", fields)
			}
			n, active := eng.Watchlist()
			log.Info("reloaded", "customers", eng.Records(), "patterns", eng.Patterns(), "rules", len(cfg.Policy.Rules),
				"watchlist", n, "watchlist_active", active)
			return cfg, eng, nil
		}
	}
	m.Reloads.WithLabelValues("failure").Inc()
	m.ReloadSuccess.Set(0)
	log.Error("reload failed; keeping the running configuration, customer list, watchlist and rules",
		append([]any{"err", err}, observeRefusal(m, err)...)...)
	return old, nil, err
}

// recordReleasePolicy records in the quarantine the release policy of cfg
// (console.four_eyes) as the one this relay runs with. The quarantine
// applies it to every release asked for, in the console and by the CLI
// beside the relay, whatever their own configuration says.
func recordReleasePolicy(q *quarantine.SQLite, cf *configFlags, cfg *config.Config) error {
	src := cf.config
	if src == "" {
		src = "the embedded default configuration"
	}
	if abs, err := filepath.Abs(src); err == nil && cf.config != "" {
		src = abs
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := q.SetReleasePolicy(ctx, quarantine.ReleasePolicy{FourEyes: cfg.Console.FourEyes, Source: src}); err != nil {
		return fmt.Errorf("recording console.four_eyes in %s: %w", q.Path(), err)
	}
	return nil
}

// commitList records the list of dec as the accepted one (see
// listguard.Guard.Commit) and reports the accepted state in the metrics.
// It runs before the list goes into service: a list whose acceptance is
// not on disk does not serve.
func commitList(guard *listguard.Guard, dec listguard.Decision, how listguard.How, m *metrics.Metrics, log *slog.Logger) error {
	acc, err := guard.Commit(dec, how)
	if err != nil {
		return fmt.Errorf("recording the accepted customer list in %s: %w", listguard.Path(guard.Dir), err)
	}
	if !dec.Same() {
		prior := 0
		if dec.Prior != nil {
			prior = dec.Prior.Records
		}
		log.Info("customer list accepted", "how", string(acc.How), "records", acc.Records, "previous_records", prior,
			"drop", listguard.FormatDrop(acc.Records, prior), "state", listguard.Path(guard.Dir))
	}
	m.CustomersAccepted.Set(float64(acc.Records))
	m.ListRefused.Set(0)
	return nil
}

// observeRefusal counts a customer list the guard refused and returns the
// log attributes that say why (the reason and both counts); for any other
// error it returns none. The refusal gauge follows the last attempt.
func observeRefusal(m *metrics.Metrics, err error) []any {
	var ref *listguard.Refusal
	if !errors.As(err, &ref) {
		m.ListRefused.Set(0)
		return nil
	}
	m.CustomersRefused.WithLabelValues(string(ref.Reason)).Inc()
	m.ListRefused.Set(1)
	attrs := []any{"customers_refused", string(ref.Reason), "records", ref.List.Records}
	if ref.Accepted != nil {
		m.CustomersAccepted.Set(float64(ref.Accepted.Records))
		attrs = append(attrs, "accepted_records", ref.Accepted.Records, "max_drop", ref.MaxDrop.String())
	}
	return attrs
}

// restartFields lists the settings that differ between a and b and that
// a reload cannot apply: the listeners, the stores opened once per process
// and what the compliance console and the logger were built with. The
// rest (smtp.allowed_networks, smtp.auth, upstream, customers, scan and
// policy) is rebuilt by reload.
func restartFields(a, b *config.Config) []string {
	var out []string
	diff := func(name string, x, y any) {
		if fmt.Sprint(x) != fmt.Sprint(y) {
			out = append(out, name)
		}
	}
	// Certificates are read again on reload; only turning TLS on or off
	// needs a restart.
	tlsOn := func(t config.TLS) config.TLS {
		if t.CertFile != "" || t.KeyFile != "" {
			return config.TLS{CertFile: "on"}
		}
		return config.TLS{}
	}
	sa, sb := a.SMTP, b.SMTP
	sa.AllowedNetworks, sb.AllowedNetworks = nil, nil
	sa.Auth, sb.Auth = config.Auth{}, config.Auth{}
	sa.TLS, sb.TLS = tlsOn(sa.TLS), tlsOn(sb.TLS)
	diff("smtp (listener settings)", sa, sb)
	diff("hostname", a.Hostname, b.Hostname)
	diff("data_dir", a.DataDir, b.DataDir)
	aa, ab := a.Admin, b.Admin
	aa.TLS, ab.TLS = tlsOn(aa.TLS), tlsOn(ab.TLS)
	diff("admin", aa, ab)
	// console.four_eyes is applied by the quarantine (the release policy
	// reload records); the rest is the console's, built once.
	ca, cb := a.Console, b.Console
	ca.FourEyes, cb.FourEyes = false, false
	diff("console", ca, cb)
	diff("quarantine", a.Quarantine, b.Quarantine)
	diff("log", a.Log, b.Log)
	diff("policy.notify.from", a.Policy.Notify.From, b.Policy.Notify.From)
	return out
}

func observeEngine(m *metrics.Metrics, eng *inspect.Engine, cfg *config.Config) {
	m.Reloads.WithLabelValues("success").Inc()
	m.ReloadSuccess.Set(1)
	m.CustomerRecords.Set(float64(eng.Records()))
	m.ReloadTimestamp.Set(float64(eng.LoadedAt().Unix()))
	n, active := eng.Watchlist()
	m.WatchlistEntries.Set(float64(n))
	m.WatchlistActive.Set(float64(active))
	for _, r := range cfg.Policy.Rules {
		mode := "enforce"
		if r.Monitor || cfg.Policy.Monitor {
			mode = "monitor"
		}
		m.RuleFired.WithLabelValues(r.Name, r.Action, mode)
		if r.Window > 0 {
			m.WindowTriggers.WithLabelValues(r.Name)
		}
	}
}

// pruneHistory deletes sender history older than the longest rule window,
// hourly. With no windowed rule in force it keeps what is there (a reload
// may bring the rules back).
func pruneHistory(ctx context.Context, hist history.Store, longest *atomic.Int64, log *slog.Logger) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if w := time.Duration(longest.Load()); w > 0 {
			if n, err := hist.Prune(ctx, time.Now().Add(-w)); err != nil {
				log.Warn("pruning sender history failed", "err", err)
			} else if n > 0 {
				log.Info("sender history pruned", "entries", n)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// buildLiveChecked makes everything a connection uses from cfg: the
// inspection engine (customer list, scanner, policy), the upstream
// forwarder and the access rules, with the customer list checked by guard
// (before the matcher is built); the Decision is what to commit once the
// list is about to serve. The quarantine q, like the history, is the
// process's one store, opened once by runServe. A nil guard (tests that
// wire a relay in the test process) checks nothing but that the list has
// records, which Build always checks.
func buildLiveChecked(cfg *config.Config, log *slog.Logger, hist *history.Ledger, q smtpd.Quarantine, guard *listguard.Guard) (*smtpd.Live, *inspect.Engine, listguard.Decision, error) {
	var dec listguard.Decision
	keyer, err := inspect.HistoryKeyer(cfg)
	if err != nil {
		return nil, nil, dec, err
	}
	opt := inspect.Options{History: hist, Keyer: keyer, Log: log}
	if guard != nil {
		opt.Admit = func(l listguard.List) (err error) {
			dec, err = guard.Check(l, cfg.Customers.MaxDrop)
			return err
		}
	}
	eng, err := inspect.Build(cfg, opt)
	if err != nil {
		return nil, nil, dec, err
	}
	for k, n := range eng.Skipped() {
		log.Warn("customer values left out of matching", "field_reason", k, "count", n)
	}
	upCfg, err := upstreamConfig(cfg)
	if err != nil {
		return nil, nil, dec, err
	}
	live := &smtpd.Live{
		Engine:            eng,
		Upstream:          upstream.New(upCfg),
		Quarantine:        q,
		Allowed:           cfg.AllowedPrefixes(),
		CheckPassword:     config.CheckPassword,
		AllowInsecureAuth: cfg.SMTP.Auth.AllowInsecure,
		Officers:          cfg.Policy.Notify.Officers,
		SubjectTag:        cfg.Policy.SubjectTag,
	}
	if cfg.SMTP.Auth.UsersFile != "" {
		users, err := config.LoadUsers(cfg.SMTP.Auth.UsersFile)
		if err != nil {
			return nil, nil, dec, fmt.Errorf("smtp.auth.users_file: %w", err)
		}
		live.Users = users
	}
	return live, eng, dec, nil
}

func upstreamConfig(cfg *config.Config) (upstream.Config, error) {
	u := cfg.Upstream
	out := upstream.Config{
		Address: u.Address, LocalName: cfg.Hostname, TLS: upstream.TLSMode(u.TLS),
		ConnectTimeout: u.ConnectTimeout, CommandTimeout: u.CommandTimeout, DataTimeout: u.DataTimeout,
		MaxIdle: u.MaxIdleConnections, IdleTimeout: u.IdleTimeout, Username: u.Username,
	}
	if u.CAFile != "" || u.ServerName != "" {
		tc := &tls.Config{ServerName: u.ServerName, MinVersion: tls.VersionTLS12}
		if u.CAFile != "" {
			pem, err := os.ReadFile(u.CAFile)
			if err != nil {
				return out, fmt.Errorf("upstream.ca_file: %w", err)
			}
			tc.RootCAs = x509.NewCertPool()
			if !tc.RootCAs.AppendCertsFromPEM(pem) {
				return out, fmt.Errorf("upstream.ca_file: no PEM certificates in %s", u.CAFile)
			}
		}
		out.TLSConfig = tc
	}
	if u.Username != "" {
		pw, err := cfg.UpstreamPassword() // its errors name the field
		if err != nil {
			return out, err
		}
		out.Password = pw
	}
	return out, nil
}

func newLogger(c config.Log, w io.Writer) *slog.Logger {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.Level)); err != nil {
		level = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: level}
	if strings.EqualFold(c.Format, "json") {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func policyReasons() []string {
	var out []string
	for _, r := range policy.Reasons() {
		out = append(out, string(r))
	}
	return out
}
