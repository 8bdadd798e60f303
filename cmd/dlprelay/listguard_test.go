package main

// End-to-end tests of the customer list guard through the real binary:
// an empty list stops a start, a reload with an empty or much shorter list
// keeps the running one, and `dlprelay customers accept` lets the next
// reload (or start) load a shorter list.

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dlprelay/dlprelay/relay/listguard"
	"github.com/dlprelay/dlprelay/relay/relaytest"
)

// serveOnce runs `dlprelay serve` expecting it to refuse to start, and
// returns its output. A relay that starts instead is killed after 30 s.
func serveOnce(t *testing.T, bin string, args ...string) string {
	t.Helper()
	args = append([]string{"serve", "-listen", "127.0.0.1:0", "-admin", "127.0.0.1:0", "-upstream", "127.0.0.1:1"}, args...)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, args...).CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Fatalf("serve %q: err %v, want exit status 1\n%s", args, err, out)
	}
	return string(out)
}

// TestServeRefusesEmptyList: a list with a header and no records stops
// the start, with a message naming the file; nothing is recorded as
// accepted.
func TestServeRefusesEmptyList(t *testing.T) {
	t.Parallel()
	bin := buildDlprelayBinary(t)
	dir := t.TempDir()
	_, _, empty := guardLists(t, dir)
	data := filepath.Join(dir, "data")
	out := serveOnce(t, bin, "-customers", empty, "-data", data)
	for _, want := range []string{"refusing to start", empty, "has no records", "customers_refused=empty", "records=0"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if _, err := os.Stat(listguard.Path(data)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("an empty list left a state file: %v", err)
	}
}

// TestServeRefusesShrunkListAtStart: with an accepted list of 30 records
// in data_dir, a start with 9 of them exits 1 naming both counts; after
// `customers accept` it starts.
func TestServeRefusesShrunkListAtStart(t *testing.T) {
	t.Parallel()
	bin := buildDlprelayBinary(t)
	up := relaytest.NewUpstream(t)
	dir := t.TempDir()
	full, short, _ := guardLists(t, dir)
	data := filepath.Join(dir, "data")
	p := startDlprelayWith(t, bin, procOptions{upstream: up.Addr, customers: full, data: data})
	p.stop()
	if !strings.Contains(p.output(), `msg="customer list accepted" how=first_load records=30`) {
		t.Errorf("the first start did not record its list:\n%s", tailLines(p.output(), 20))
	}

	out := serveOnce(t, bin, "-customers", short, "-data", data)
	for _, want := range []string{"refusing to start", short, "has 9 records, 70% fewer than the 30", "customers_refused=drop",
		"records=9", "accepted_records=30", "dlprelay customers accept"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}

	accept := exec.Command(bin, "customers", "accept", "-customers", short, "-data", data, "-why", "the campaign list replaces the CRM export")
	if out, err := accept.CombinedOutput(); err != nil {
		t.Fatalf("customers accept: %v\n%s", err, out)
	}
	p = startDlprelayWith(t, bin, procOptions{upstream: up.Addr, customers: short, data: data})
	p.stop()
	if !strings.Contains(p.output(), "customers=9") {
		t.Errorf("the start after accept does not serve the short list:\n%s", tailLines(p.output(), 20))
	}
}

// TestServeReloadGuard: a running relay given an empty list, then a list
// of 30% of its rows, keeps scanning with the one it has (a message with
// customer rows is still held); the reload counts as failed and the
// refusal shows in the log and the metrics. After `customers accept` the
// next SIGHUP loads the short list.
func TestServeReloadGuard(t *testing.T) {
	t.Parallel()
	bin := buildDlprelayBinary(t)
	up := relaytest.NewUpstream(t)
	dir := t.TempDir()
	full, short, empty := guardLists(t, dir)
	list := filepath.Join(dir, "customers.csv")
	install := func(src string) {
		t.Helper()
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		// As an export job would: a new file renamed over the old one.
		writeFile(t, list+".new", string(b))
		if err := os.Rename(list+".new", list); err != nil {
			t.Fatal(err)
		}
	}
	install(full)
	p := startDlprelayProcess(t, bin, up.Addr, list)
	rows := readEML(t, "testdata/mail/02-rows-plain.eml")
	delivered := func() int { return len(up.Messages()) }
	held := func() int { return len(heldEntries(t, p.data)) }
	send := func() {
		t.Helper()
		if err := sendPlain(p.listen, "alice@corp.test", "bob@example.com", rows); err != nil {
			t.Fatalf("send: %v", err)
		}
	}
	metricsHave := func(when string, series ...string) {
		t.Helper()
		m := get(t, "http://"+p.admin+"/metrics")
		for _, s := range series {
			if !strings.Contains(m, s+"\n") {
				t.Errorf("%s: /metrics lacks %q", when, s)
			}
		}
	}
	send()
	if held() != 1 || delivered() != 0 {
		t.Fatalf("with the full list: %d held, %d delivered; want 1, 0", held(), delivered())
	}
	metricsHave("after start", `dlprelay_customers_records 30`, `dlprelay_customers_accepted_records 30`, `dlprelay_customers_reload_refused 0`,
		`dlprelay_customers_refused_total{reason="empty"} 0`)

	const failed = `msg="reload failed; keeping the running configuration, customer list, watchlist and rules"`
	install(empty)
	p.cmd.Process.Signal(syscall.SIGHUP)
	waitLog(t, p, failed, 1)
	send()
	if held() != 2 || delivered() != 0 {
		t.Fatalf("after the empty list was refused: %d held, %d delivered; want 2, 0", held(), delivered())
	}
	metricsHave("after the empty list", `dlprelay_customers_reloads_total{result="failure"} 1`, `dlprelay_customers_last_reload_success 0`,
		`dlprelay_customers_refused_total{reason="empty"} 1`, `dlprelay_customers_reload_refused 1`, `dlprelay_customers_records 30`)

	install(short)
	p.cmd.Process.Signal(syscall.SIGHUP)
	waitLog(t, p, failed, 2)
	send()
	if held() != 3 || delivered() != 0 {
		t.Fatalf("after the short list was refused: %d held, %d delivered; want 3, 0", held(), delivered())
	}
	metricsHave("after the short list", `dlprelay_customers_reloads_total{result="failure"} 2`, `dlprelay_customers_refused_total{reason="drop"} 1`,
		`dlprelay_customers_reload_refused 1`, `dlprelay_customers_records 30`, `dlprelay_customers_accepted_records 30`)
	var refusal string
	for _, line := range strings.Split(p.output(), "\n") {
		if strings.Contains(line, "customers_refused=drop") {
			refusal = line
		}
	}
	for _, want := range []string{failed, "has 9 records, 70% fewer than the 30", "records=9", "accepted_records=30", "max_drop=50%"} {
		if !strings.Contains(refusal, want) {
			t.Errorf("the refusal's log line lacks %q:\n%s", want, refusal)
		}
	}

	// The operator confirms the short list; the next reload loads it, and
	// the rows of the message are no longer in the list.
	accept := exec.Command(bin, "customers", "accept", "-customers", list, "-data", p.data, "-why", "campaign list only")
	out, err := accept.CombinedOutput()
	if err != nil {
		t.Fatalf("customers accept: %v\n%s", err, out)
	}
	if !bytes.Contains(out, []byte("drop: 70%")) || !bytes.Contains(out, []byte("9 records recorded")) {
		t.Errorf("customers accept printed:\n%s", out)
	}
	p.cmd.Process.Signal(syscall.SIGHUP)
	waitLog(t, p, "msg=reloaded", 1)
	if !strings.Contains(p.output(), "msg=reloaded customers=9") {
		t.Errorf("the reload after accept did not load 9 records:\n%s", tailLines(p.output(), 10))
	}
	send()
	if held() != 3 || delivered() != 1 {
		t.Errorf("after the accepted reload: %d held, %d delivered; want 3, 1", held(), delivered())
	}
	metricsHave("after accept and reload", `dlprelay_customers_reloads_total{result="success"} 2`, `dlprelay_customers_last_reload_success 1`,
		`dlprelay_customers_reload_refused 0`, `dlprelay_customers_records 9`, `dlprelay_customers_accepted_records 9`)
	if strings.Contains(p.output(), "Yamada") || strings.Contains(p.output(), "山田") {
		t.Errorf("log carries a customer value")
	}
}
