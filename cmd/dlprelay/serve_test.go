package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/dlprelay/dlprelay/relay/audit"
	"github.com/dlprelay/dlprelay/relay/config"
	"github.com/dlprelay/dlprelay/relay/quarantine"
	"github.com/dlprelay/dlprelay/relay/relaytest"
)

// heldEntries lists the quarantine in the data directory of a relay
// process, oldest first. The store may be open in the process: SQLite lets
// both read, and with no message in flight this Open's cleanup has nothing
// to take from it.
func heldEntries(t *testing.T, data string) []quarantine.Entry {
	t.Helper()
	q, err := quarantine.Open(data, quarantine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	p, err := q.List(context.Background(), quarantine.Filter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	return p.Entries
}

// TestServeRefusesToStartWithoutCustomerList: fail closed at start.
func TestServeRefusesToStartWithoutCustomerList(t *testing.T) {
	bin := buildDlprelayBinary(t)
	out, err := exec.Command(bin, "serve", "-listen", "127.0.0.1:0", "-admin", "",
		"-customers", filepath.Join(t.TempDir(), "missing.csv"), "-data", t.TempDir()).CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Fatalf("serve with a missing list: err %v, want exit status 1\n%s", err, out)
	}
	if !bytes.Contains(out, []byte("refusing to start")) || !bytes.Contains(out, []byte("missing.csv")) {
		t.Errorf("error should say it refuses to start and name the file:\n%s", out)
	}
}

// TestServeReloadAndDrain runs the real binary: a clean message passes and a
// message with customer rows is held; SIGHUP with a changed list takes
// effect; SIGHUP with a broken list keeps the running one; SIGTERM exits 0.
func TestServeReloadAndDrain(t *testing.T) {
	bin := buildDlprelayBinary(t)
	up := relaytest.NewUpstream(t)
	list := filepath.Join(t.TempDir(), "customers.csv")
	orig, err := os.ReadFile(sharedTestdata(t, "testdata/customers.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(list, orig, 0o600); err != nil {
		t.Fatal(err)
	}
	p := startDlprelayProcess(t, bin, up.Addr, list)
	rows := readEML(t, "testdata/mail/02-rows-plain.eml")
	clean := readEML(t, "testdata/mail/01-clean-plain.eml")

	send := func(msg []byte) {
		t.Helper()
		if err := sendPlain(p.listen, "alice@corp.test", "bob@example.com", msg); err != nil {
			t.Fatalf("send: %v", err)
		}
	}
	quarantined := func() int { return len(heldEntries(t, p.data)) }

	send(clean)
	send(rows)
	if n := len(up.Messages()); n != 1 {
		t.Fatalf("upstream got %d messages, want the clean one", n)
	}
	if n := quarantined(); n != 1 {
		t.Fatalf("quarantine has %d, want 1", n)
	}

	// Reload with a list that no longer holds those customers (as many
	// records, so that customers.max_drop lets it in): the same message
	// now passes.
	header, _, _ := bytes.Cut(orig, []byte("\n"))
	other := append(header, '\n')
	for i := range 30 {
		other = fmt.Appendf(other, "X%04d,Nobody Atall%d,ノバディ,nobody%d@nowhere.example,09900000%02d\n", i, i, i, i)
	}
	if err := os.WriteFile(list, other, 0o600); err != nil {
		t.Fatal(err)
	}
	// A connection open across the reload is not dropped.
	open, err := smtp.Dial(p.listen)
	if err != nil {
		t.Fatal(err)
	}
	defer open.Close()
	if err := open.Hello("client.test"); err != nil {
		t.Fatal(err)
	}
	p.cmd.Process.Signal(syscall.SIGHUP)
	waitLog(t, p, "msg=reloaded", 1)
	// The same upstream was reached before the reload: the relay stays
	// ready (the new upstream pool inherits the last contact).
	if resp, err := http.Get("http://" + p.admin + "/readyz"); err != nil {
		t.Fatal(err)
	} else {
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("/readyz right after a reload: %s %s", resp.Status, body)
		}
	}
	if strings.Contains(p.output(), "take effect only after a restart") {
		t.Errorf("a reload changing only the customer list warned about a restart:\n%s", tailLines(p.output(), 5))
	}
	if err := open.Noop(); err != nil {
		t.Fatalf("connection dropped by the reload: %v", err)
	}
	// The open connection's next transaction already uses the new list.
	if err := open.Mail("alice@corp.test", nil); err != nil {
		t.Fatal(err)
	}
	if err := open.Rcpt("bob@example.com", nil); err != nil {
		t.Fatal(err)
	}
	w, err := open.Data()
	if err != nil {
		t.Fatal(err)
	}
	w.Write(rows)
	if err := w.Close(); err != nil {
		t.Fatalf("message on the kept connection: %v", err)
	}
	if n := len(up.Messages()); n != 2 {
		t.Fatalf("after reload, on the kept connection: upstream got %d messages, want 2", n)
	}
	send(rows)
	if n := len(up.Messages()); n != 3 {
		t.Fatalf("after reload: upstream got %d messages, want 3", n)
	}

	// A broken list is refused and the running one stays.
	if err := os.WriteFile(list, []byte("no id column here\nx\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p.cmd.Process.Signal(syscall.SIGHUP)
	waitLog(t, p, "reload failed; keeping the running configuration", 1)
	send(rows)
	if n := len(up.Messages()); n != 4 {
		t.Fatalf("after a failed reload: upstream got %d messages, want 4", n)
	}
	metrics := get(t, "http://"+p.admin+"/metrics")
	for _, want := range []string{`dlprelay_customers_reloads_total{result="failure"} 1`, `dlprelay_customers_last_reload_success 0`, `dlprelay_customers_records 30`} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}

	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.exited:
		p.exited <- err // for the cleanup
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v\n%s", err, p.output())
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("no exit after SIGTERM")
	}
	if !strings.Contains(p.output(), "msg=stopped") {
		t.Errorf("no stop line in the log:\n%s", tailLines(p.output(), 20))
	}
	if strings.Contains(p.output(), "Yamada") || strings.Contains(p.output(), "山田") {
		t.Errorf("log carries a customer value")
	}
}

func readEML(t *testing.T, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(sharedTestdata(t, rel))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func waitLog(t *testing.T, p *dlprelayProcess, substr string, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if strings.Count(p.output(), substr) >= n {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("log never showed %q:\n%s", substr, tailLines(p.output(), 20))
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func TestRestartFields(t *testing.T) {
	base := config.Default()
	tests := []struct {
		name   string
		change func(*config.Config)
		want   string
	}{
		{"customer list", func(c *config.Config) { c.Customers.File = "other.csv" }, ""},
		{"allowed networks", func(c *config.Config) { c.SMTP.AllowedNetworks = []string{"10.0.0.0/8"} }, ""},
		{"auth users", func(c *config.Config) { c.SMTP.Auth.UsersFile = "users" }, ""},
		{"upstream", func(c *config.Config) { c.Upstream.Address = "mx.corp.test:25" }, ""},
		{"policy rules", func(c *config.Config) { c.Policy.SubjectTag = "[DLP]" }, ""},
		{"smtp listen", func(c *config.Config) { c.SMTP.Listen = "0.0.0.0:25" }, "smtp (listener settings)"},
		{"smtp max size", func(c *config.Config) { c.SMTP.MaxMessageBytes = 1 }, "smtp (listener settings)"},
		{"retention", func(c *config.Config) { c.Quarantine.Retention = time.Hour }, "quarantine"},
		{"console", func(c *config.Config) { c.Console.SessionIdle = time.Hour }, "console"},
		{"four-eyes", func(c *config.Config) { c.Console.FourEyes = !c.Console.FourEyes }, ""},
		{"admin readiness", func(c *config.Config) { c.Admin.ReadyUpstreamWithin = time.Second }, "admin"},
		{"log", func(c *config.Config) { c.Log.Level = "debug" }, "log"},
		{"notify from", func(c *config.Config) { c.Policy.Notify.From = "dlp@corp.test" }, "policy.notify.from"},
	}
	for _, tt := range tests {
		c := config.Default()
		tt.change(&c)
		got := strings.Join(restartFields(&base, &c), ",")
		if got != tt.want {
			t.Errorf("%s: restartFields = %q, want %q", tt.name, got, tt.want)
		}
	}
}

// TestServeHistoryKeyFile: with policy.history.key_file the history key is
// read from there and none is created in data_dir; a missing key file
// stops the start with an error naming the field.
func TestServeHistoryKeyFile(t *testing.T) {
	bin := buildDlprelayBinary(t)
	up := relaytest.NewUpstream(t)
	customers := sharedTestdata(t, "testdata/customers.csv")
	dir := t.TempDir()
	key := filepath.Join(dir, "history.key")
	cfg := filepath.Join(dir, "dlprelay.yaml")
	if err := os.WriteFile(cfg, []byte("customers:\n  file: "+customers+"\npolicy:\n  history:\n    key_file: "+key+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	out, err := exec.Command(bin, "serve", "-config", cfg, "-listen", "127.0.0.1:0", "-admin", "",
		"-upstream", up.Addr, "-data", t.TempDir()).CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 || !bytes.Contains(out, []byte("policy.history.key_file")) {
		t.Fatalf("serve with a missing key_file: err %v, want exit status 1 naming the field\n%s", err, out)
	}

	if err := os.WriteFile(key, bytes.Repeat([]byte{0xa5}, 32), 0o600); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "data")
	p := startDlprelayWith(t, bin, procOptions{upstream: up.Addr, customers: customers, config: cfg, data: data})
	p.stop()
	if _, err := os.Stat(filepath.Join(data, "history.key")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("data_dir/history.key: %v; want none with key_file set", err)
	}
}

// TestServeLogsAuditHead: entries appended while the relay was down (by the
// CLI) are pinned by an "audit log head" line at start.
func TestServeLogsAuditHead(t *testing.T) {
	bin := buildDlprelayBinary(t)
	up := relaytest.NewUpstream(t)
	data := t.TempDir()
	log, err := audit.Open(filepath.Join(data, auditFile))
	if err != nil {
		t.Fatal(err)
	}
	var last audit.Record
	for _, a := range []audit.Action{audit.ActionUserChange, audit.ActionDelete} {
		if last, err = log.Append(context.Background(), audit.Event{Actor: "alice", Action: a, Target: "vera", Justification: "cli"}); err != nil {
			t.Fatal(err)
		}
	}
	log.Close()
	p := startDlprelayWith(t, bin, procOptions{upstream: up.Addr, customers: sharedTestdata(t, "testdata/customers.csv"), data: data})
	p.stop()
	want := fmt.Sprintf(`msg="audit log head" seq=2 hash=%s`, last.Hash)
	if !strings.Contains(p.output(), want) {
		t.Errorf("the relay's log lacks %s:\n%s", want, tailLines(p.output(), 20))
	}
}

// TestServeNotificationSurvivesRestart: a notification the upstream does not
// take yet waits in data_dir/notify across a restart and is sent after it.
func TestServeNotificationSurvivesRestart(t *testing.T) {
	bin := buildDlprelayBinary(t)
	up := relaytest.NewUpstream(t)
	up.OnMail(func(from string) error {
		if from == "dlprelay@corp.test" {
			return relaytest.Err(421, smtp.EnhancedCode{4, 3, 2}, "not now")
		}
		return nil
	})
	dir := t.TempDir()
	cfg := filepath.Join(dir, "dlprelay.yaml")
	writeFile(t, cfg, `policy:
  notify:
    from: dlprelay@corp.test
    officers: [compliance@corp.test]
  rules:
    - name: any-record
      min_records: 1
      action: quarantine
      notify: [officers]
`)
	data := filepath.Join(dir, "data")
	customers := sharedTestdata(t, "testdata/customers.csv")
	p := startDlprelayWith(t, bin, procOptions{upstream: up.Addr, customers: customers, config: cfg, data: data})
	msg, err := os.ReadFile(sharedTestdata(t, "testdata/mail/02-rows-plain.eml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := sendPlain(p.listen, "sales@dlprelay.example", "agency@outside.example", msg); err != nil {
		t.Fatal(err)
	}
	waitLog := func(p *dlprelayProcess, s string) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); !strings.Contains(p.output(), s); time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("the relay's log lacks %q:\n%s", s, tailLines(p.output(), 20))
			}
		}
	}
	waitLog(p, "notify: will retry")
	kept, _ := filepath.Glob(filepath.Join(data, "notify", "*.notice"))
	if len(kept) != 1 {
		t.Fatalf("outbox holds %v, want one notice", kept)
	}
	p.stop()
	if !strings.Contains(p.output(), "kept in the outbox for the next start") {
		t.Errorf("the relay's log does not say the notice was kept:\n%s", tailLines(p.output(), 20))
	}

	up.OnMail(nil)
	p = startDlprelayWith(t, bin, procOptions{upstream: up.Addr, customers: customers, config: cfg, data: data})
	waitLog(p, "notify: notice sent")
	p.stop()
	var notices int
	for _, m := range up.Messages() {
		if m.From == "dlprelay@corp.test" && slices.Equal(m.To, []string{"compliance@corp.test"}) {
			notices++
		}
	}
	if notices != 1 {
		t.Errorf("the officers got %d notices, want 1", notices)
	}
	if left, _ := filepath.Glob(filepath.Join(data, "notify", "*")); len(left) != 0 {
		t.Errorf("outbox after sending: %v, want empty", left)
	}
}

// TestServeSIGTERMAfterSIGHUPBurst: a SIGTERM right after a burst of SIGHUPs
// still stops the relay. signal.Notify drops what a full channel cannot
// take, and SIGHUPs arriving while slow reloads ran used to fill the one
// channel SIGTERM shared with them.
func TestServeSIGTERMAfterSIGHUPBurst(t *testing.T) {
	bin := buildDlprelayBinary(t)
	up := relaytest.NewUpstream(t)
	var list strings.Builder
	list.WriteString("customer_id,name,email,phone\n")
	for i := range 100000 { // a list that takes a while to load
		fmt.Fprintf(&list, "B%07d,Burst Customer %d,customer%d@burst.example,080-%04d-%04d\n", i, i, i, i/10000, i%10000)
	}
	customers := filepath.Join(t.TempDir(), "customers.csv")
	writeFile(t, customers, list.String())
	p := startDlprelayProcess(t, bin, up.Addr, customers)
	for range 40 {
		p.cmd.Process.Signal(syscall.SIGHUP)
		time.Sleep(25 * time.Millisecond)
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.exited:
		p.exited <- err
		if err != nil {
			t.Errorf("exit: %v\n%s", err, tailLines(p.output(), 20))
		}
	case <-time.After(30 * time.Second):
		t.Errorf("SIGTERM after a burst of SIGHUPs: still running after 30 s\n%s", tailLines(p.output(), 10))
	}
	p.stop()
	if n := strings.Count(p.output(), "msg=reloaded"); n == 0 {
		t.Errorf("no reload for 40 SIGHUPs:\n%s", tailLines(p.output(), 10))
	}
}
