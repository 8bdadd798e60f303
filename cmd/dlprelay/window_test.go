package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dlprelay/dlprelay/relay/config"
	"github.com/dlprelay/dlprelay/relay/quarantine"
	"github.com/dlprelay/dlprelay/relay/relaytest"
	"github.com/dlprelay/dlprelay/relay/release"
)

// TestWatchlistWindowAcrossRestart is the low-and-slow case end to end: a
// watchlisted employee sends 10 messages of 3 customer records each to a
// free-mail address through the running relay. Each message alone is only
// flagged; the rolling window rule (20 distinct records in 24h) quarantines
// the 7th message, which brings the total to 21, and every one after it. The
// relay is restarted after the 5th message: the sender history survives.
func TestWatchlistWindowAcrossRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildDlprelayBinary(t)
	up := relaytest.NewUpstream(t)
	dir := t.TempDir()
	// A list of its own, every row matchable by name and phone.
	customers := filepath.Join(dir, "customers.csv")
	var list strings.Builder
	list.WriteString("customer_id,name,email,phone\n")
	var rows [][]string
	for i, family := range []string{"山川", "谷口", "森野"} {
		for j, given := range []string{"一郎", "二郎", "三郎", "四郎", "五郎", "六郎", "七郎", "八郎", "九郎", "十郎"} {
			n := 10*i + j + 1
			row := []string{fmt.Sprintf("T%03d", n), family + " " + given, fmt.Sprintf("cust%02d@example.org", n), fmt.Sprintf("03-5555-%04d", n)}
			rows = append(rows, row)
			list.WriteString(strings.Join(row, ",") + "\n")
		}
	}
	writeFile(t, customers, list.String())

	tokyo := time.FixedZone("JST", 9*3600)
	today := time.Now().In(tokyo)
	watch := filepath.Join(dir, "leavers.csv")
	writeFile(t, watch, fmt.Sprintf("address,name,from,until\nleaver@corp.test,山本 一郎,%s,%s\n",
		today.AddDate(0, 0, -7).Format("2006-01-02"), today.AddDate(0, 0, 30).Format("2006-01-02")))
	cfg := filepath.Join(dir, "dlprelay.yaml")
	writeFile(t, cfg, `customers:
  file: `+customers+`
policy:
  internal_domains: [corp.test]
  # The test reads the verdict from the delivered copies.
  headers:
    details_to: [me@gmail.com]
  watchlist:
    file: `+watch+`
  rules:
    - name: leaver-window
      sender: watchlist
      min_records: 20
      window: 24h
      action: quarantine
    - name: leaver-records
      sender: watchlist
      min_records: 1
      action: flag
`)
	data := filepath.Join(dir, "data")
	p := startDlprelayWith(t, bin, procOptions{upstream: up.Addr, customers: customers, config: cfg, data: data})

	for i := range 10 {
		if i == 5 {
			p.stop()
			p = startDlprelayWith(t, bin, procOptions{upstream: up.Addr, customers: customers, config: cfg, data: data})
		}
		var body strings.Builder
		for _, r := range rows[3*i : 3*i+3] {
			fmt.Fprintf(&body, "%s %s\r\n", r[1], r[3]) // name and phone: one high-confidence record
		}
		msg := fmt.Sprintf("From: leaver@corp.test\r\nTo: me@gmail.com\r\nSubject: part %d\r\nMessage-ID: <m%d@corp.test>\r\n"+
			"Content-Type: text/plain; charset=utf-8\r\n\r\n%s", i+1, i+1, body.String())
		if err := sendPlain(p.listen, "leaver@corp.test", "me@gmail.com", []byte(msg)); err != nil {
			t.Fatalf("message %d: %v", i+1, err)
		}
	}

	got := up.WaitMessages(6, 5*time.Second)
	time.Sleep(200 * time.Millisecond) // nothing more may arrive
	got = up.Messages()
	if len(got) != 6 {
		t.Fatalf("upstream got %d messages, want the first 6 (flagged); log:\n%s", len(got), tailLines(p.output(), 30))
	}
	for i, m := range got {
		if !strings.Contains(string(m.Data), "X-DLP-Verdict: flag") || !strings.Contains(string(m.Data), fmt.Sprintf("Subject: part %d", i+1)) {
			t.Errorf("delivered message %d is not part %d, flagged:\n%s", i+1, i+1, m.Data)
		}
	}
	held := heldEntries(t, data)
	var subjects []string
	for _, e := range held {
		subjects = append(subjects, e.Subject)
	}
	if got := strings.Join(subjects, ", "); got != "part 7, part 8, part 9, part 10" {
		t.Errorf("quarantine holds %q, want parts 7-10", got)
	}
	log := p.output()
	if n := strings.Count(log, "rule=leaver-window"); n != 4 {
		t.Errorf("the second process logged %d decisions by leaver-window, want 4:\n%s", n, tailLines(log, 20))
	}
	if strings.Contains(log, "山本") || strings.Contains(log, rows[20][1]) {
		t.Errorf("the log carries a name")
	}
}

func writeFile(t *testing.T, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestReleasedRecordsCountInWindow: a held message did not leave, so its
// records do not count for the sender's window; once an officer's release
// of it is delivered they do, from then on. The relay is wired as serve
// wires it (buildLiveChecked, the release worker told by releaseSent).
func TestReleasedRecordsCountInWindow(t *testing.T) {
	t.Parallel()
	r := startPolicyRelay(t, func(cfg *config.Config) {
		cfg.Policy.Rules = []config.Rule{
			{Name: "window", MinRecords: 5, Window: 24 * time.Hour, Action: "quarantine"},
			{Name: "bulk", MinRecords: 3, Action: "quarantine"},
			{Name: "any", MinRecords: 1, Action: "flag"},
		}
	})
	_, rows := testList(t, t.TempDir())
	recs := func(from, to int) string {
		var b strings.Builder
		for _, row := range rows[from:to] {
			fmt.Fprintf(&b, "%s 様 %s\r\n", row[1], row[3])
		}
		return b.String()
	}
	const from, to = "k.sato@example.co.jp", "x@gmail.com"
	send := func(mid string, body string) {
		t.Helper()
		if got := r.send(t, from, []string{to}, mail(mid, from, to, "list", body)); !strings.HasPrefix(got, "250 ") {
			t.Fatalf("%s: %q", mid, got)
		}
	}
	held := func() int {
		t.Helper()
		p, err := r.q.List(context.Background(), quarantine.Filter{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		return len(p.Entries)
	}

	send("m1@t", recs(0, 3)) // three records: held
	if held() != 1 {
		t.Fatalf("first message not held")
	}
	send("m2@t", recs(3, 4)) // one record; the held three do not count: 1
	if r.delivered("m2@t") == "" {
		t.Fatalf("second message not delivered")
	}

	p, err := r.q.List(context.Background(), quarantine.Filter{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := r.q.SetReleasePolicy(ctx, quarantine.ReleasePolicy{FourEyes: false, Source: "test"}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.q.RequestRelease(ctx, p.Entries[0].ID, "alice", nil, "the customer asked for it"); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	w := release.New(release.Config{Hostname: "dlp.test", Sent: releaseSent(r.live, log)}, r.q, nil,
		func() release.Transport { return r.live().Upstream }, log, nil)
	if did, err := w.Once(ctx); !did || err != nil {
		t.Fatalf("release: %v, %v", did, err)
	}
	if r.delivered("m1@t") == "" {
		t.Fatalf("the release was not delivered")
	}

	send("m3@t", recs(4, 5)) // 3 released + 1 + 1 = 5: the window holds it
	if r.delivered("m3@t") != "" || held() != 2 {
		t.Errorf("third message delivered (%t), %d held: the released records were not counted", r.delivered("m3@t") != "", held())
	}
}
