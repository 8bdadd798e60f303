//go:build prometheus

// The shipped dashboard and alerts against a real Prometheus (issue 6). It
// runs only with `-tags prometheus` and needs Debian's prometheus package
// (/usr/bin/prometheus); .ci/run installs it and fails if this test did not
// pass:
//
//	go test -tags prometheus -run Prometheus -count=1 -v ./cmd/dlprelay/
//
// Without the binary the test fails, unless DLPRELAY_SKIP_PROMETHEUS=1 is
// set. DLPRELAY_BIN=path tests that binary instead of building this package.
//
// The story: dlprelay serves with a relaytest upstream; a private
// Prometheus (its own configuration and TSDB in a temporary directory, on a
// free loopback port) scrapes the relay's admin listener every second and
// evaluates configs/prometheus/alerts.yml; clean, flagged and quarantined
// messages go through the relay; once Prometheus has scraped the traffic
// twice, every query of every panel of configs/grafana/dlprelay.json runs
// through /api/v1/query. Any query error fails the test, and so does an
// empty (or NaN-only) result for the core panels. Every alerting rule must
// have been evaluated without error.

package main

import (
	"encoding/json"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/dlprelay/dlprelay/relay/relaytest"
)

const (
	prometheusPath = "/usr/bin/prometheus"
	// promStartTimeout bounds the wait for /-/ready; promWaitTimeout
	// bounds each wait for scrapes and rule evaluations (every second).
	promStartTimeout = 30 * time.Second
	promWaitTimeout  = 30 * time.Second
	// quarantineGaugeTimeout bounds the wait for the quarantine gauges,
	// which the relay refreshes every 30 seconds.
	quarantineGaugeTimeout = 45 * time.Second
)

// corePanels must show data after the test's traffic: a query with an
// empty or NaN-only result fails the test. Other panels (window triggers,
// purges, notifications...) may rightly be empty here; their queries must
// still run without error.
var corePanels = []string{
	"Relay up", "Ready", "Messages in range", "Customer records", "Version",
	"Messages by verdict", "Rules fired", "Policy reasons", "Quarantine rate", "Records found per message",
	"Message size", "SMTP replies by class",
	"Scan duration", "Upstream DATA duration", "Bytes scanned",
	"Upstream errors by class", "Readiness",
	"Customer list age", "Customer list reloads", "Customer records loaded",
	"Held messages", "Pending approvals", "Oldest held message", "Release attempts by result", "Data disk free",
	"Watchlist entries", "Monitor would-be verdicts", "Unscannable by reason", "Notifications",
}

// The traffic: what each message becomes under the default policy.
var promTraffic = []struct {
	file, verdict string
}{
	{"testdata/mail/01-clean-plain.eml", "pass"},
	{"testdata/mail/02-rows-plain.eml", "quarantine"},
	{"testdata/mail/03-iso2022jp.eml", "flag"},
	{"testdata/mail/14-unreadable.eml", "quarantine"},
}

func TestPrometheusDashboard(t *testing.T) {
	if _, err := os.Stat(prometheusPath); err != nil {
		if os.Getenv("DLPRELAY_SKIP_PROMETHEUS") == "1" {
			t.Skipf("%s: %v (DLPRELAY_SKIP_PROMETHEUS=1)", prometheusPath, err)
		}
		t.Fatalf("the Prometheus test needs Debian's prometheus at %s: %v\n"+
			"install it (apt-get install prometheus; .ci/run does) or set DLPRELAY_SKIP_PROMETHEUS=1 to skip this test", prometheusPath, err)
	}
	start := time.Now()
	rules := sharedTestdata(t, "configs/prometheus/alerts.yml")
	dashboard := sharedTestdata(t, "configs/grafana/dlprelay.json")
	customers := sharedTestdata(t, "testdata/customers.csv")

	bin := buildDlprelayBinary(t)
	up := relaytest.NewUpstream(t)
	relay := startDlprelayProcess(t, bin, up.Addr, customers)
	prom := startPrometheus(t, relay.admin, rules)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("Prometheus log (last 40 lines):\n%s", tailLines(prom.output(), 40))
			t.Logf("dlprelay output (last 40 lines):\n%s", tailLines(relay.output(), 40))
		}
	})

	// Samples from before the traffic, so that rates have a baseline.
	prom.waitFor(t, "the first scrape", `up{job="dlprelay"} == 1`, func(v []float64) bool { return len(v) == 1 })
	t.Logf("first scrape after %v", time.Since(start).Round(time.Millisecond))

	for _, m := range promTraffic {
		if err := sendPlain(relay.listen, "sales@dlprelay.example", "partner@outside.example", readEML(t, m.file)); err != nil {
			t.Fatalf("sending %s: %v", m.file, err)
		}
	}
	if n := len(up.Messages()); n != 2 {
		t.Fatalf("the upstream got %d messages, want 2 (the pass and the flag)", n)
	}
	trafficDone := time.Now()

	// Scraped at least twice after the traffic: once with every message
	// counted, then once more.
	total := float64(len(promTraffic))
	prom.waitFor(t, "the traffic in a scrape", `sum(dlprelay_smtp_messages_total{job="dlprelay"})`,
		func(v []float64) bool { return len(v) == 1 && v[0] == total })
	first := prom.scalar(t, `timestamp(up{job="dlprelay"})`)
	prom.waitFor(t, "a second scrape after the traffic", `timestamp(up{job="dlprelay"})`,
		func(v []float64) bool { return len(v) == 1 && v[0] > first })
	t.Logf("traffic scraped twice %v after it was sent", time.Since(trafficDone).Round(time.Millisecond))

	// What the traffic must have left in the metrics, as Prometheus sees it.
	for _, want := range []struct {
		query string
		value float64
	}{
		{`sum(dlprelay_smtp_messages_total{verdict="pass"})`, 1},
		{`sum(dlprelay_smtp_messages_total{verdict="flag"})`, 1},
		{`sum(dlprelay_smtp_messages_total{verdict="quarantine"})`, 2},
		{`sum(dlprelay_quarantine_stored_total)`, 2},
		{`sum(dlprelay_policy_message_records_count)`, total},
		// Only 01 carries no record: 14's legacy.xls is an OLE file that
		// cannot be parsed yet, and its printable strings hold two rows.
		{`sum(dlprelay_policy_message_records_bucket{le="0"})`, 1},
		{`sum(dlprelay_scan_duration_seconds_count)`, total},
		{`sum(dlprelay_upstream_data_duration_seconds_count)`, 2},
		{`dlprelay_ready`, 1},
	} {
		if got := prom.scalar(t, want.query); got != want.value {
			t.Errorf("%s = %v, want %v", want.query, got, want.value)
		}
	}
	if got := prom.scalar(t, `sum(dlprelay_scan_unscannable_total)`); got < 1 {
		t.Errorf("no unscannable content counted (14-unreadable.eml has five parts)")
	}
	// The quarantine gauges follow within the relay's 30-second refresh.
	prom.waitForTimeout(t, "the quarantine gauges", `dlprelay_quarantine_held_messages == 2 and dlprelay_quarantine_oldest_held_age_seconds > 0`,
		func(v []float64) bool { return len(v) == 1 }, quarantineGaugeTimeout)

	t.Run("dashboard queries", func(t *testing.T) {
		queries := dashboardQueries(t, dashboard)
		core := map[string]bool{}
		for _, q := range queries {
			r, err := prom.query(q.expr)
			if err != nil {
				t.Errorf("panel %q, target %s: %v\n%s", q.panel, q.refID, err, q.expr)
				continue
			}
			if slices.Contains(corePanels, q.panel) {
				if finite(r) == 0 {
					t.Errorf("core panel %q, target %s: no data (%d series, none finite)\n%s", q.panel, q.refID, len(r), q.expr)
				}
				core[q.panel] = true
			}
			t.Logf("%-36s %s: %d series", q.panel, q.refID, len(r))
		}
		for _, p := range corePanels {
			if !core[p] {
				t.Errorf("core panel %q is not in %s", p, dashboard)
			}
		}
		t.Logf("%d queries of %s ran", len(queries), filepath.Base(dashboard))
	})

	t.Run("dashboard variables", func(t *testing.T) {
		if got := prom.labelValues(t, "job", `dlprelay_build_info`); !slices.Equal(got, []string{"dlprelay"}) {
			t.Errorf("$job offers %q, want [dlprelay]", got)
		}
		if got := prom.labelValues(t, "instance", `dlprelay_build_info{job=~"dlprelay"}`); !slices.Equal(got, []string{relay.admin}) {
			t.Errorf("$instance offers %q, want [%s]", got, relay.admin)
		}
	})

	t.Run("alert rules", func(t *testing.T) {
		want := alertNames(t, rules)
		var last []promRule
		deadline := time.Now().Add(promWaitTimeout)
		for {
			last = prom.rules(t)
			evaluated := 0
			for _, r := range last {
				if r.Health != "unknown" {
					evaluated++
				}
			}
			if evaluated == len(last) && len(last) > 0 || time.Now().After(deadline) {
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
		var got []string
		for _, r := range last {
			got = append(got, r.Name)
			if r.Health != "ok" || r.LastError != "" {
				t.Errorf("rule %s: health %q, error %q", r.Name, r.Health, r.LastError)
			}
			if r.Type != "alerting" {
				t.Errorf("rule %s is %s, want alerting", r.Name, r.Type)
			}
			// The test's relay is healthy: nothing is even pending.
			if r.State != "inactive" {
				t.Errorf("alert %s is %s on a healthy relay", r.Name, r.State)
			}
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("Prometheus loaded rules %q, want %q", got, want)
		}
		t.Logf("%d alerting rules evaluated without error", len(got))
	})
	t.Logf("done in %v", time.Since(start).Round(time.Millisecond))
}

// promProcess is a private Prometheus.
type promProcess struct {
	addr   string // host:port of its web listener
	log    string
	client *http.Client
}

func (p *promProcess) output() string {
	b, _ := os.ReadFile(p.log)
	return string(b)
}

// startPrometheus runs Prometheus scraping the relay's admin listener every
// second under job="dlprelay" and evaluating the rules file every second,
// with its TSDB in a temporary directory, and waits for /-/ready. The
// process is stopped (SIGTERM, SIGKILL after 10 s) when the test ends.
func startPrometheus(t *testing.T, admin, rules string) *promProcess {
	t.Helper()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "prometheus.yml")
	writeFileOrFail(t, cfg, fmt.Sprintf(`global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files:
  - %q
scrape_configs:
  - job_name: dlprelay
    static_configs:
      - targets: [%q]
`, rules, admin))
	var lastErr error
	for attempt := 1; attempt <= 3; attempt++ {
		p := &promProcess{
			addr:   net.JoinHostPort("127.0.0.1", strconv.Itoa(loopbackPort(t))),
			log:    filepath.Join(dir, fmt.Sprintf("prometheus%d.log", attempt)),
			client: &http.Client{Timeout: 10 * time.Second},
		}
		cmd := exec.Command(prometheusPath,
			"--config.file="+cfg,
			"--storage.tsdb.path="+filepath.Join(dir, fmt.Sprintf("tsdb%d", attempt)),
			"--web.listen-address="+p.addr,
			"--log.level=warn")
		exited, stopped := runLogged(t, cmd, p.log, 10*time.Second)
		stop := func() { stopped() }
		err := p.waitReady(exited)
		if err == nil {
			t.Cleanup(stop)
			t.Logf("prometheus on %s scraping %s", p.addr, admin)
			return p
		}
		stop()
		lastErr = fmt.Errorf("%v\n%s", err, tailLines(p.output(), 20))
		if !strings.Contains(p.output(), "address already in use") {
			break
		}
		t.Logf("attempt %d: port taken, retrying: %v", attempt, err)
	}
	t.Fatalf("prometheus did not become ready: %v", lastErr)
	return nil
}

func (p *promProcess) waitReady(exited chan error) error {
	return waitHTTPOK(nil, "prometheus", "http://"+p.addr+"/-/ready", exited, promStartTimeout)
}

// promSample is one series of an instant query's result; a scalar result
// is one promSample without labels.
type promSample struct {
	Metric map[string]string `json:"metric"`
	Value  float64
}

// query runs an instant query now. An error is Prometheus's (bad syntax,
// an evaluation error) or the transport's; a warning is an error too.
func (p *promProcess) query(q string) ([]promSample, error) {
	resp, err := p.client.Get("http://" + p.addr + "/api/v1/query?" + url.Values{"query": {q}}.Encode())
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var body struct {
		Status    string   `json:"status"`
		ErrorType string   `json:"errorType"`
		Error     string   `json:"error"`
		Warnings  []string `json:"warnings"`
		Data      struct {
			ResultType string          `json:"resultType"`
			Result     json.RawMessage `json:"result"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return nil, fmt.Errorf("%s: decoding the answer: %v", resp.Status, err)
	}
	if body.Status != "success" {
		return nil, fmt.Errorf("%s: %s: %s", resp.Status, body.ErrorType, body.Error)
	}
	if len(body.Warnings) > 0 {
		return nil, fmt.Errorf("warnings: %q", body.Warnings)
	}
	switch body.Data.ResultType {
	case "vector":
		var raw []struct {
			Metric map[string]string `json:"metric"`
			Value  [2]any            `json:"value"`
		}
		if err := json.Unmarshal(body.Data.Result, &raw); err != nil {
			return nil, err
		}
		out := make([]promSample, len(raw))
		for i, r := range raw {
			v, err := sampleValue(r.Value)
			if err != nil {
				return nil, err
			}
			out[i] = promSample{Metric: r.Metric, Value: v}
		}
		return out, nil
	case "scalar":
		var raw [2]any
		if err := json.Unmarshal(body.Data.Result, &raw); err != nil {
			return nil, err
		}
		v, err := sampleValue(raw)
		return []promSample{{Value: v}}, err
	default:
		return nil, fmt.Errorf("result type %q, want an instant vector or a scalar", body.Data.ResultType)
	}
}

func sampleValue(v [2]any) (float64, error) {
	s, ok := v[1].(string)
	if !ok {
		return 0, fmt.Errorf("sample value %v is not a string", v[1])
	}
	return strconv.ParseFloat(s, 64) // accepts NaN, +Inf, -Inf
}

// finite counts the samples with a finite value.
func finite(r []promSample) int {
	n := 0
	for _, s := range r {
		if !math.IsNaN(s.Value) && !math.IsInf(s.Value, 0) {
			n++
		}
	}
	return n
}

// scalar runs q, which must give exactly one sample, and returns its value.
func (p *promProcess) scalar(t *testing.T, q string) float64 {
	t.Helper()
	r, err := p.query(q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	if len(r) != 1 {
		t.Fatalf("%s: %d samples, want 1: %v", q, len(r), r)
	}
	return r[0].Value
}

// waitFor polls q every 200 ms until ok accepts its values, for at most
// promWaitTimeout.
func (p *promProcess) waitFor(t *testing.T, what, q string, ok func([]float64) bool) []float64 {
	t.Helper()
	return p.waitForTimeout(t, what, q, ok, promWaitTimeout)
}

func (p *promProcess) waitForTimeout(t *testing.T, what, q string, ok func([]float64) bool, timeout time.Duration) []float64 {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var last []float64
	var lastErr error
	for time.Now().Before(deadline) {
		r, err := p.query(q)
		lastErr = err
		if err == nil {
			last = last[:0]
			for _, s := range r {
				last = append(last, s.Value)
			}
			if ok(last) {
				return last
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("waited %v for %s: %s gave %v (error %v)", timeout, what, q, last, lastErr)
	return nil
}

// labelValues is what Grafana's label_values(selector, label) offers.
func (p *promProcess) labelValues(t *testing.T, label, selector string) []string {
	t.Helper()
	resp, err := p.client.Get("http://" + p.addr + "/api/v1/label/" + label + "/values?" + url.Values{"match[]": {selector}}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Status string   `json:"status"`
		Error  string   `json:"error"`
		Data   []string `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || body.Status != "success" {
		t.Fatalf("label values of %s for %s: %v %s", label, selector, err, body.Error)
	}
	return body.Data
}

type promRule struct {
	Name      string `json:"name"`
	Type      string `json:"type"`
	Health    string `json:"health"`
	LastError string `json:"lastError"`
	State     string `json:"state"`
}

// rules lists the rules Prometheus loaded, from /api/v1/rules.
func (p *promProcess) rules(t *testing.T) []promRule {
	t.Helper()
	resp, err := p.client.Get("http://" + p.addr + "/api/v1/rules")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Status string `json:"status"`
		Data   struct {
			Groups []struct {
				Rules []promRule `json:"rules"`
			} `json:"groups"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || body.Status != "success" {
		t.Fatalf("/api/v1/rules: %v (status %q)", err, body.Status)
	}
	var out []promRule
	for _, g := range body.Data.Groups {
		out = append(out, g.Rules...)
	}
	return out
}

// alertNames lists the alerts of a rules file, sorted.
func alertNames(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Groups []struct {
			Rules []struct {
				Alert string `yaml:"alert"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	if err := yaml.Unmarshal(b, &f); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var names []string
	for _, g := range f.Groups {
		for _, r := range g.Rules {
			names = append(names, r.Alert)
		}
	}
	slices.Sort(names)
	return names
}

// dashQuery is one target of one panel, with Grafana's variables replaced.
type dashQuery struct {
	panel, refID, expr string
}

// grafanaVars are the values the test gives the dashboard's variables and
// Grafana's built-in interval variables: one minute holds 60 scrapes here.
var grafanaVars = strings.NewReplacer(
	"$__rate_interval", "1m",
	"${__rate_interval}", "1m",
	"$__interval", "15s",
	"${__interval}", "15s",
	"$__range", "5m",
	"${__range}", "5m",
	"${job}", "dlprelay",
	"$job", "dlprelay",
	"${instance}", ".+",
	"$instance", ".+",
)

var leftoverVar = regexp.MustCompile(`\$\{?\w+`)

// dashboardQueries reads every panel target's expr from the dashboard,
// rows' nested panels included.
func dashboardQueries(t *testing.T, path string) []dashQuery {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	type panel struct {
		Title   string `json:"title"`
		Type    string `json:"type"`
		Targets []struct {
			RefID string `json:"refId"`
			Expr  string `json:"expr"`
		} `json:"targets"`
		Panels []json.RawMessage `json:"panels"`
	}
	var d struct {
		SchemaVersion int               `json:"schemaVersion"`
		Panels        []json.RawMessage `json:"panels"`
	}
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var out []dashQuery
	titles := map[string]bool{}
	var walk func([]json.RawMessage)
	walk = func(raw []json.RawMessage) {
		for _, r := range raw {
			var p panel
			if err := json.Unmarshal(r, &p); err != nil {
				t.Fatalf("%s: panel: %v", path, err)
			}
			if p.Type != "row" {
				if titles[p.Title] {
					t.Errorf("%s: two panels are titled %q", path, p.Title)
				}
				titles[p.Title] = true
				if len(p.Targets) == 0 {
					t.Errorf("%s: panel %q has no query", path, p.Title)
				}
			}
			for _, tg := range p.Targets {
				expr := grafanaVars.Replace(tg.Expr)
				if v := leftoverVar.FindString(expr); v != "" {
					t.Errorf("%s: panel %q, target %s: unknown variable %s in %s", path, p.Title, tg.RefID, v, tg.Expr)
					continue
				}
				out = append(out, dashQuery{panel: p.Title, refID: tg.RefID, expr: expr})
			}
			walk(p.Panels)
		}
	}
	walk(d.Panels)
	if len(out) == 0 {
		t.Fatalf("%s: no queries", path)
	}
	return out
}

func writeFileOrFail(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}
