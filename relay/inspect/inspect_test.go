package inspect

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dlprelay/dlprelay/detect"
	"github.com/dlprelay/dlprelay/detect/extract"
	"github.com/dlprelay/dlprelay/policy"
	"github.com/dlprelay/dlprelay/policy/history"
	"github.com/dlprelay/dlprelay/relay/config"
)

func sampleConfig() *config.Config {
	cfg := config.Embedded()
	cfg.Customers.File = filepath.Join("..", "..", "testdata", "customers.csv")
	return cfg
}

func TestBuildAndInspect(t *testing.T) {
	var logs bytes.Buffer
	eng, err := Build(sampleConfig(), Options{Log: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if eng.Records() != 30 || eng.Patterns() == 0 {
		t.Errorf("records %d patterns %d", eng.Records(), eng.Patterns())
	}
	if !strings.Contains(logs.String(), "records_done=30") {
		t.Errorf("no build progress in the log:\n%s", logs.String())
	}
	tests := map[string]policy.Action{
		"01-clean-plain.eml":  policy.Pass,
		"02-rows-plain.eml":   policy.Quarantine,
		"03-iso2022jp.eml":    policy.Flag,
		"90-lone-surname.eml": policy.Pass,
	}
	for name, want := range tests {
		f, err := os.Open(filepath.Join("..", "..", "testdata", "mail", name))
		if err != nil {
			t.Fatal(err)
		}
		d, err := eng.Inspect(context.Background(), Envelope{Sender: "a@corp.example", Recipients: []string{"b@example.net"}}, f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if d.Verdict.Action != want {
			t.Errorf("%s: verdict %v, want %v (records %v)", name, d.Verdict.Action, want, d.RecordIDs())
		}
		if d.Verdict.Records > len(d.RecordIDs()) {
			t.Errorf("%s: verdict counts %d records, result has only %d", name, d.Verdict.Records, len(d.RecordIDs()))
		}
	}
}

func TestBuildFailsClosed(t *testing.T) {
	cfg := sampleConfig()
	cfg.Customers.File = filepath.Join(t.TempDir(), "missing.csv")
	if _, err := Build(cfg, Options{}); err == nil || !strings.Contains(err.Error(), "missing.csv") {
		t.Fatalf("err = %v, want an error naming the file", err)
	}
}

func TestLimitsFromConfig(t *testing.T) {
	cfg := sampleConfig()
	cfg.Scan.MaxArchiveEntries, cfg.Scan.MaxArchiveDepth, cfg.Scan.MaxExpansionRatio = 7, 2, 33
	l := Limits(cfg)
	if l.MaxArchiveEntries != 7 || l.MaxArchiveDepth != 2 || l.MaxExpansionRatio != 33 || l.MaxDepth != cfg.Scan.MaxDepth || l.Timeout != cfg.Scan.Timeout {
		t.Errorf("limits not carried over: %+v", l)
	}
}

// TestUnscannableReasonsAgree keeps the policy's list of reasons a rule may
// name in step with the detector's reasons.
func TestUnscannableReasonsAgree(t *testing.T) {
	detected := extract.Reasons()
	if len(detected) != len(policy.UnscannableReasons) {
		t.Errorf("detect has %d reasons, policy knows %d", len(detected), len(policy.UnscannableReasons))
	}
	for _, r := range detected {
		if !slices.Contains(policy.UnscannableReasons, string(r)) {
			t.Errorf("policy.UnscannableReasons lacks %q", r)
		}
	}
}

// TestInspectEnvelope checks what the engine gives the policy besides the
// records: the watchlist found through the From: header, a customer who is
// the recipient not counted, and the sender history read and written.
func TestInspectEnvelope(t *testing.T) {
	dir := t.TempDir()
	cfg := sampleConfig()
	watch := filepath.Join(dir, "leavers.csv")
	if err := os.WriteFile(watch, []byte("address,from\nleaver@corp.example,2020-01-01\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg.Policy.Watchlist.File = watch
	cfg.Policy.Rules = []config.Rule{
		{Name: "window", MinRecords: 5, Window: time.Hour, Action: "quarantine"},
		{Name: "leaver", Sender: "watchlist", MinRecords: 1, Action: "reject"},
		{Name: "any", MinRecords: 1, Action: "flag"},
	}
	hist := history.NewMemory()
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	eng, err := Build(cfg, Options{History: history.NewLedger(hist), Keyer: history.NewKeyer([]byte("k")), Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	msg := func(from, to, body string) io.Reader {
		return strings.NewReader("From: " + from + "\r\nTo: " + to + "\r\nSubject: x\r\n\r\n" + body + "\r\n")
	}
	ctx := context.Background()
	// 山田 太郎 is C0001 (taro.yamada@example.jp); mailing him his own record
	// is not a leak.
	d, err := eng.Inspect(ctx, Envelope{Sender: "a@corp.example", Recipients: []string{"Taro.Yamada@example.jp"}},
		msg("a@corp.example", "taro.yamada@example.jp", "山田 太郎 様 03-1234-5678"))
	if err != nil {
		t.Fatal(err)
	}
	if d.Verdict.Action != policy.Pass || len(d.RecordIDs()) != 1 {
		t.Errorf("addressee: %+v, records %v", d.Verdict, d.RecordIDs())
	}
	// The envelope sender is a shared mailbox, the From: is the leaver.
	d, err = eng.Inspect(ctx, Envelope{Sender: "sales@corp.example", Recipients: []string{"x@outside.example"}},
		msg("Leaver <leaver@corp.example>", "x@outside.example", "佐藤 花子 090-1111-2222"))
	if err != nil {
		t.Fatal(err)
	}
	if !d.Watchlisted || d.Verdict.Action != policy.Reject {
		t.Errorf("watchlist by From: watchlisted %v, %+v", d.Watchlisted, d.Verdict)
	}
	// Four flagged records are remembered (hashed) once sent, the fifth
	// crosses the window.
	for i, body := range []string{"山田 太郎 03-1234-5678\r\n佐藤 花子 090-1111-2222", "鈴木 一郎 06-2345-6789\r\n高橋 美咲 080-3333-4444", "田中 健太 045-123-4567"} {
		d, err = eng.Inspect(ctx, Envelope{Sender: "b@corp.example", Recipients: []string{"x@outside.example"}}, msg("b@corp.example", "x@outside.example", body))
		if err != nil {
			t.Fatal(err)
		}
		want := policy.Flag
		if i == 2 {
			want = policy.Quarantine
		}
		if d.Verdict.Action != want {
			t.Errorf("message %d: %v (%s), want %v", i+1, d.Verdict.Action, d.Verdict.Rule, want)
		}
		if err := d.Sent(ctx); err != nil {
			t.Fatal(err)
		}
	}
	past, err := hist.Since(ctx, "b@corp.example", now.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(past) != 4 {
		t.Errorf("history holds %d records, want 4", len(past))
	}
	for _, p := range past {
		if strings.HasPrefix(p.Key, "C0") {
			t.Errorf("history holds a plain record ID %q", p.Key)
		}
	}
}

// TestInspectReservesUntilSent: the records of a message let through are
// counted while it is in flight, banked by Sent, forgotten by NotSent; a
// quarantined message's records are not counted at all (they did not
// leave).
func TestInspectReservesUntilSent(t *testing.T) {
	cfg := sampleConfig()
	cfg.Policy.Rules = []config.Rule{
		{Name: "window", MinRecords: 3, Window: time.Hour, Action: "quarantine"},
		{Name: "any", MinRecords: 1, Action: "flag"},
	}
	store := history.NewMemory()
	ledger := history.NewLedger(store)
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	eng, err := Build(cfg, Options{History: ledger, Keyer: history.NewKeyer(nil), Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	env := Envelope{Sender: "a@corp.example", Recipients: []string{"x@outside.example"}}
	judge := func(body string) Decision {
		t.Helper()
		d, err := eng.Inspect(ctx, env, strings.NewReader("From: a@corp.example\r\nSubject: x\r\n\r\n"+body+"\r\n"))
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	count := func(s history.Store) int {
		t.Helper()
		got, err := s.Since(ctx, env.Sender, now.Add(-time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		return len(got)
	}

	d := judge("山田 太郎 03-1234-5678")
	if d.Verdict.Action != policy.Flag || count(ledger) != 1 || count(store) != 0 {
		t.Fatalf("in flight: %v, ledger %d, store %d; want flag, 1, 0", d.Verdict.Action, count(ledger), count(store))
	}
	d.NotSent()
	if count(ledger) != 0 {
		t.Fatalf("after NotSent the ledger still counts %d", count(ledger))
	}
	d = judge("山田 太郎 03-1234-5678")
	if err := d.Sent(ctx); err != nil {
		t.Fatal(err)
	}
	d.NotSent() // deferred by callers: no effect after Sent
	if count(store) != 1 || count(ledger) != 1 {
		t.Fatalf("after Sent: store %d, ledger %d; want 1, 1", count(store), count(ledger))
	}
	d = judge("佐藤 花子 090-1111-2222\r\n鈴木 一郎 06-2345-6789")
	if d.Verdict.Action != policy.Quarantine || count(ledger) != 1 {
		t.Fatalf("quarantined: %v, ledger %d; want quarantine, 1", d.Verdict.Action, count(ledger))
	}
}

// TestReleased: a released message's records are banked from its stored
// findings (an entry without findings: from its record IDs, at low
// confidence), as policy.Remember picks them for the recipients it was
// released to.
func TestReleased(t *testing.T) {
	cfg := sampleConfig()
	cfg.Policy.Rules = []config.Rule{{Name: "window", MinRecords: 3, Window: time.Hour, Action: "quarantine"}}
	store := history.NewMemory()
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	eng, err := Build(cfg, Options{History: history.NewLedger(store), Keyer: history.NewKeyer(nil), Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	findings, err := detect.EncodeFindings(detect.NewFindings(&detect.Result{Records: []detect.RecordHit{
		{ID: "C0001", Closest: 10}, {ID: "C0002", Closest: -1}, {ID: "C0003", Closest: 3}}}))
	if err != nil {
		t.Fatal(err)
	}
	banked := func(sender string) []history.Entry {
		t.Helper()
		got, err := store.Since(ctx, sender, now.Add(-time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	// Released to a free-mail address and to C0003 herself: C0003 counts.
	if err := eng.Released(ctx, Release{Sender: "a@corp.example", Recipients: []string{"x@gmail.com", "ichiro.suzuki@example.co.jp"}, Findings: findings}); err != nil {
		t.Fatal(err)
	}
	got := banked("a@corp.example")
	if len(got) != 3 || !got[0].High || got[1].High || !got[2].High || !got[0].At.Equal(now) {
		t.Errorf("banked %+v; want C0001 high, C0002 low, C0003 high, at the release", got)
	}
	// Released to C0003 alone: her own record is not counted.
	if err := eng.Released(ctx, Release{Sender: "b@corp.example", Recipients: []string{"ichiro.suzuki@example.co.jp"}, Findings: findings}); err != nil {
		t.Fatal(err)
	}
	if got := banked("b@corp.example"); len(got) != 2 {
		t.Errorf("banked %+v; want C0001 and C0002 only", got)
	}
	// No findings stored: the record IDs.
	if err := eng.Released(ctx, Release{Sender: "c@corp.example", Recipients: []string{"x@gmail.com"}, RecordIDs: []string{"C0004", "C0005"}}); err != nil {
		t.Fatal(err)
	}
	if got := banked("c@corp.example"); len(got) != 2 || got[0].Key != "C0004" || got[0].High {
		t.Errorf("banked %+v; want C0004 and C0005 at low confidence", got)
	}
}
