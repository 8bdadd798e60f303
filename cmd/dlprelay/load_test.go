//go:build fault

package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestLoadReport measures what dlprelay adds to a mail hop: the same
// messages sent by the Go load generator straight to Postfix's smtp-sink,
// then through dlprelay (scanning on, a 100,000-row customer list) to
// another smtp-sink, for 20 KB and 200 KB messages. It logs throughput,
// per-message latency (connect to the 250 after DATA) at p50/p99 on both
// paths and the relay's peak RSS. It asserts only that every message was
// accepted: the numbers are a measurement, not a test. Runs only with
// LOAD_REPORT=1; LOAD_MESSAGES sets the 20 KB count (the 200 KB run sends a
// quarter of it), LOAD_CLIENTS the concurrency (default 10).
func TestLoadReport(t *testing.T) {
	if os.Getenv("LOAD_REPORT") == "" {
		t.Skip("set LOAD_REPORT=1 to measure (takes a minute or two)")
	}
	sinkBin, err := exec.LookPath("smtp-sink")
	if err != nil {
		if _, err2 := os.Stat("/usr/sbin/smtp-sink"); err2 != nil {
			t.Skip("smtp-sink not installed (Debian package postfix)")
		}
		sinkBin = "/usr/sbin/smtp-sink"
	}
	n := envInt(t, "LOAD_MESSAGES", 2000)
	clients := envInt(t, "LOAD_CLIENTS", 10)
	bin := buildDlprelayBinary(t)
	dir := t.TempDir()

	var list strings.Builder
	list.WriteString("customer_id,name,name_kana,email,phone\n")
	for i := 1; i <= 100000; i++ {
		fmt.Fprintf(&list, "B%07d,Bench Customer %d,ベンチ カスタマー%d,customer%d@bench-customers.example,090-%04d-%04d\n", i, i, i, i, i/10000, i%10000)
	}
	customers := writeFileAt(t, filepath.Join(dir, "customers.csv"), list.String())

	directSink := startSmtpSink(t, sinkBin)
	relaySink := startSmtpSink(t, sinkBin)
	cfg := writeFileAt(t, filepath.Join(dir, "dlprelay.yaml"), "smtp:\n  max_connections: 300\n")
	loadStart := time.Now()
	p := startDlprelayWith(t, bin, procOptions{upstream: relaySink, customers: customers, config: cfg})
	t.Logf("dlprelay ready with 100,000 customers after %v", time.Since(loadStart).Round(time.Millisecond))
	afterLoad, err := peakRSS(p.cmd.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}

	type row struct {
		path      string
		size, n   int
		elapsed   time.Duration
		p50, p99  time.Duration
		delivered int
	}
	var rows []row
	run := func(path, addr string, size, count int) row {
		msgs := make([]loadMessage, count)
		for i := range msgs {
			msgs[i] = makeLoadMessage(fmt.Sprintf("%s-%d-%05d", path, size, i), size, false)
		}
		c := &loadClient{addr: func() string { return addr }, maxAttempts: 1, rcpt: "rcpt@bench.test"}
		start := time.Now()
		outs := runLoad(c, msgs, clients)
		r := row{path: path, size: size, n: count, elapsed: time.Since(start)}
		var lat []time.Duration
		for _, o := range outs {
			if o.accepted {
				r.delivered++
				lat = append(lat, o.latency)
			}
		}
		r.p50, r.p99 = percentile(lat, 50), percentile(lat, 99)
		if r.delivered != count {
			t.Errorf("%s, %d bytes: %d of %d accepted", path, size, r.delivered, count)
		}
		return r
	}
	for _, size := range []int{20 << 10, 200 << 10} {
		count := n
		if size > 100<<10 {
			count = max(n/4, 100)
		}
		run("warm-up", p.listen, size, 50)
		direct := run("direct", directSink, size, count)
		relayed := run("relay", p.listen, size, count)
		rows = append(rows, direct, relayed)
	}
	peak, err := peakRSS(p.cmd.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n%d clients, %d CPUs, 100,000-row customer list\n", clients, runtime.NumCPU())
	fmt.Fprintf(&b, "| path | size | messages | msgs/s | MB/s | p50 | p99 |\n|---|---|---|---|---|---|---|\n")
	for _, r := range rows {
		secs := r.elapsed.Seconds()
		fmt.Fprintf(&b, "| %s | %d KB | %d | %.0f | %.1f | %.1f ms | %.1f ms |\n", r.path, r.size>>10, r.delivered,
			float64(r.delivered)/secs, float64(r.delivered*r.size)/secs/1e6,
			float64(r.p50.Microseconds())/1000, float64(r.p99.Microseconds())/1000)
	}
	for i := 0; i+1 < len(rows); i += 2 {
		d, r := rows[i], rows[i+1]
		fmt.Fprintf(&b, "added by dlprelay at %d KB: p50 %+.1f ms, p99 %+.1f ms\n", d.size>>10,
			float64((r.p50-d.p50).Microseconds())/1000, float64((r.p99-d.p99).Microseconds())/1000)
	}
	fmt.Fprintf(&b, "dlprelay peak RSS: %.0f MiB after loading the list, %.0f MiB after the runs\n",
		float64(afterLoad)/(1<<20), float64(peak)/(1<<20))
	t.Log(b.String())
}

// startSmtpSink runs Postfix's smtp-sink on a free loopback port and returns
// its address.
func startSmtpSink(t *testing.T, bin string) string {
	t.Helper()
	addr := net.JoinHostPort("127.0.0.1", fmt.Sprint(loopbackPort(t)))
	args := []string{"-c", "-h", "sink.test", addr, "256"}
	if os.Geteuid() == 0 {
		args = append([]string{"-u", "nobody"}, args...)
	}
	cmd := exec.Command(bin, args...)
	if err := cmd.Start(); err != nil {
		t.Fatalf("smtp-sink: %v", err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			return addr
		}
		if time.Now().After(deadline) {
			t.Fatalf("smtp-sink did not listen on %s: %v", addr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
