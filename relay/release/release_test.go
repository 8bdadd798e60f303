package release

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/dlprelay/dlprelay/relay/audit"
	"github.com/dlprelay/dlprelay/relay/quarantine"
	"github.com/dlprelay/dlprelay/relay/relaytest"
	"github.com/dlprelay/dlprelay/relay/upstream"
)

type fixture struct {
	q     *quarantine.SQLite
	log   *audit.SQLite
	up    *relaytest.Upstream
	fwd   *upstream.Forwarder
	dir   string
	clock *clock
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func newFixture(t *testing.T) *fixture {
	t.Helper()
	dir := t.TempDir()
	c := &clock{t: time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)}
	q, err := quarantine.Open(dir, quarantine.Options{Now: c.now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { q.Close() })
	a, err := audit.Open(dir + "/audit.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	up := relaytest.NewUpstream(t)
	fwd := upstream.New(upstream.Config{Address: up.Addr, LocalName: "relay.test", TLS: upstream.TLSNone,
		ConnectTimeout: 2 * time.Second, CommandTimeout: 5 * time.Second, DataTimeout: 5 * time.Second})
	t.Cleanup(fwd.Close)
	return &fixture{q: q, log: a, up: up, fwd: fwd, dir: dir, clock: c}
}

// requestRelease records the release policy fourEyes, as the relay would,
// and asks for a release under it.
func (f *fixture) requestRelease(ctx context.Context, id, actor string, rcpts []string, justification string, fourEyes bool) (quarantine.ReleaseRequest, error) {
	if err := f.q.SetReleasePolicy(ctx, quarantine.ReleasePolicy{FourEyes: fourEyes, Source: "test"}); err != nil {
		return quarantine.ReleaseRequest{}, err
	}
	return f.q.RequestRelease(ctx, id, actor, rcpts, justification)
}

func (f *fixture) worker() *Worker {
	return New(Config{Hostname: "relay.test", Now: f.clock.now, Backoff: time.Minute}, f.q, f.log,
		func() Transport { return f.fwd }, nil, nil)
}

// hold quarantines a message and returns its entry.
func (f *fixture) hold(t *testing.T, rcpts ...string) quarantine.Entry {
	t.Helper()
	msg := "From: a@corp.test\r\nTo: b@outside.test\r\nSubject: held\r\nMessage-ID: <held@corp.test>\r\n\r\nbody line\r\n"
	e, err := f.q.Put(quarantine.Entry{Sender: "a@corp.test", Recipients: rcpts, Verdict: "quarantine"}, strings.NewReader(msg))
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func (f *fixture) status(t *testing.T, id string) quarantine.Status {
	t.Helper()
	e, err := f.q.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return e.Status
}

func TestReleaseDeliversOnceWithTrace(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	e := f.hold(t, "b@outside.test", "c@outside.test")
	req, err := f.requestRelease(ctx, e.ID, "alice", []string{"c@outside.test"}, "customer asked for it", true)
	if err != nil {
		t.Fatal(err)
	}
	w := f.worker()
	w.cfg.Details = func([]string) bool { return true }
	if did, err := w.Once(ctx); did || err != nil {
		t.Fatalf("a pending (unapproved) request was sent: %v %v", did, err)
	}
	if _, err := f.q.ApproveRelease(ctx, req.ID, "bob"); err != nil {
		t.Fatal(err)
	}
	if did, err := w.Once(ctx); !did || err != nil {
		t.Fatalf("Once = %v, %v", did, err)
	}
	if did, _ := w.Once(ctx); did {
		t.Fatal("the request was sent twice")
	}
	msgs := f.up.Messages()
	if len(msgs) != 1 {
		t.Fatalf("upstream got %d messages", len(msgs))
	}
	m := msgs[0]
	if m.From != "a@corp.test" || fmt.Sprint(m.To) != "[c@outside.test]" {
		t.Errorf("envelope %s %v, want the original sender and the selected recipient", m.From, m.To)
	}
	data := string(m.Data)
	for _, want := range []string{"Received: by relay.test (dlprelay release) id " + e.ID, "X-DLP-Released: release-id=" + req.ID,
		"by=alice; approved-by=bob", "Subject: held\r\n", "\r\n\r\nbody line\r\n"} {
		if !strings.Contains(data, want) {
			t.Errorf("released message lacks %q:\n%s", want, data)
		}
	}
	if s := f.status(t, e.ID); s != quarantine.StatusReleased {
		t.Errorf("status %s, want released", s)
	}
	recs, _, err := f.log.List(ctx, audit.Query{Action: audit.ActionReleaseOutcome})
	if err != nil || len(recs) != 1 || recs[0].Detail["result"] != ResultReleased {
		t.Errorf("audit: %+v %v", recs, err)
	}
}

// TestReleaseTraceWithoutDetails: a released message whose recipients may
// not have the details (policy.headers.details_to; no Details at all is
// the same) carries the trace of mail that was never held — nothing says
// it was held or names the officers — and the entry id an officer finds it
// by. Details is asked about the recipients the upstream accepted.
func TestReleaseTraceWithoutDetails(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name    string
		details func([]string) bool
	}{
		{"no Details", nil},
		{"Details says no", func([]string) bool { return false }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			ctx := context.Background()
			e := f.hold(t, "b@outside.test", "gone@outside.test")
			if _, err := f.requestRelease(ctx, e.ID, "alice", nil, "customer asked for it", false); err != nil {
				t.Fatal(err)
			}
			f.up.OnRcpt(func(to string) error {
				if to == "gone@outside.test" {
					return relaytest.Err(550, smtp.EnhancedCode{5, 1, 1}, "no such user")
				}
				return nil
			})
			var asked [][]string
			w := f.worker()
			if tt.details != nil {
				w.cfg.Details = func(rcpts []string) bool { asked = append(asked, rcpts); return tt.details(rcpts) }
			}
			if did, err := w.Once(ctx); !did || err != nil {
				t.Fatalf("Once = %v, %v", did, err)
			}
			msgs := f.up.Messages()
			if len(msgs) != 1 {
				t.Fatalf("upstream got %d messages", len(msgs))
			}
			data := string(msgs[0].Data)
			for _, want := range []string{"Received: by relay.test (dlprelay) id " + e.ID + ";", "X-DLP-Scan-ID: " + e.ID + "\r\n", "Subject: held\r\n"} {
				if !strings.Contains(data, want) {
					t.Errorf("released message lacks %q:\n%s", want, data)
				}
			}
			for _, no := range []string{"X-DLP-Released", "release", "alice"} {
				if strings.Contains(data, no) {
					t.Errorf("released message says %q to recipients without the details:\n%s", no, data)
				}
			}
			if tt.details != nil && fmt.Sprint(asked) != "[[b@outside.test]]" {
				t.Errorf("Details asked about %v, want the accepted recipient only", asked)
			}
		})
	}
}

func TestReleaseRetriesTemporaryAndFailsPermanent(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	e := f.hold(t, "b@outside.test")
	if _, err := f.requestRelease(ctx, e.ID, "alice", nil, "ok", false); err != nil {
		t.Fatal(err)
	}
	f.up.OnData(func([]byte) error { return relaytest.Err(451, smtp.EnhancedCode{4, 3, 0}, "try later") })
	w := f.worker()
	var latencies []time.Duration
	w.cfg.OnDelivered = func(d time.Duration) { latencies = append(latencies, d) }
	if did, err := w.Once(ctx); !did || err != nil {
		t.Fatal(did, err)
	}
	if s := f.status(t, e.ID); s != quarantine.StatusApproved {
		t.Fatalf("after a 451: %s, want approved (pending a retry)", s)
	}
	if did, _ := w.Once(ctx); did {
		t.Fatal("retried before the backoff")
	}
	f.clock.add(2 * time.Minute)
	f.up.OnData(nil)
	if did, err := w.Once(ctx); !did || err != nil {
		t.Fatal(did, err)
	}
	if s := f.status(t, e.ID); s != quarantine.StatusReleased || len(f.up.Messages()) != 1 {
		t.Fatalf("after the retry: %s, %d messages", s, len(f.up.Messages()))
	}
	if len(latencies) != 1 || latencies[0] != 2*time.Minute {
		t.Errorf("release latency %v, want [2m0s] (approved, a 451, delivered 2 minutes later)", latencies)
	}

	e2 := f.hold(t, "b@outside.test")
	if _, err := f.requestRelease(ctx, e2.ID, "alice", nil, "ok", false); err != nil {
		t.Fatal(err)
	}
	f.up.OnData(func([]byte) error { return relaytest.Err(554, smtp.EnhancedCode{5, 7, 1}, "no") })
	if did, err := w.Once(ctx); !did || err != nil {
		t.Fatal(did, err)
	}
	if s := f.status(t, e2.ID); s != quarantine.StatusReleaseFailed {
		t.Fatalf("after a 554: %s, want release_failed", s)
	}
}

// TestCrashAfterUpstreamAccepted: the worker is "killed" after the upstream
// accepted the message and before the outcome was recorded. The next worker
// (after a restart) must not send it again: it marks it uncertain.
func TestCrashAfterUpstreamAccepted(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	e := f.hold(t, "b@outside.test")
	if _, err := f.requestRelease(ctx, e.ID, "alice", nil, "ok", false); err != nil {
		t.Fatal(err)
	}
	w := f.worker()
	crashed := errors.New("crash")
	w.delivered = func(quarantine.ReleaseRequest) { panic(crashed) }
	func() {
		defer func() {
			if r := recover(); r != crashed {
				t.Fatalf("recover() = %v", r)
			}
		}()
		w.Once(ctx)
	}()
	if len(f.up.Messages()) != 1 {
		t.Fatal("the upstream did not get the message before the crash")
	}
	// Restart: a new worker on the store as the crash left it.
	w2 := f.worker()
	if err := w2.Recover(ctx); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if did, err := w2.Once(ctx); did || err != nil {
			t.Fatalf("after the restart the request was claimed again: %v %v", did, err)
		}
		f.clock.add(time.Hour)
	}
	if n := len(f.up.Messages()); n != 1 {
		t.Fatalf("delivered %d times, want once", n)
	}
	if s := f.status(t, e.ID); s != quarantine.StatusReleaseUncertain {
		t.Errorf("status %s, want release_uncertain", s)
	}
}

// TestConcurrentApproveAndWorkers: two officers approve at once and two
// workers run at once; the message is delivered exactly once.
func TestConcurrentApproveAndWorkers(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	e := f.hold(t, "b@outside.test")
	req, err := f.requestRelease(ctx, e.ID, "alice", nil, "ok", true)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var wins, conflicts int
	var mu sync.Mutex
	for _, who := range []string{"bob", "carol", "dave", "erin"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := f.q.ApproveRelease(ctx, req.ID, who)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				wins++
			case errors.Is(err, quarantine.ErrConflict):
				conflicts++
			default:
				t.Errorf("approve: %v", err)
			}
		}()
	}
	wg.Wait()
	if wins != 1 || conflicts != 3 {
		t.Fatalf("wins %d conflicts %d", wins, conflicts)
	}
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := f.worker()
			for range 3 {
				if _, err := w.Once(ctx); err != nil {
					t.Errorf("worker: %v", err)
				}
			}
		}()
	}
	wg.Wait()
	if n := len(f.up.Messages()); n != 1 {
		t.Fatalf("delivered %d times, want once", n)
	}
}

// TestReleaseSentHook: Sent is told of a delivered release with the
// recipients the upstream accepted (for the sender history), and not of
// an attempt the upstream refused.
func TestReleaseSentHook(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	e := f.hold(t, "b@outside.test", "gone@outside.test", "c@outside.test")
	if _, err := f.requestRelease(ctx, e.ID, "alice", nil, "ok", false); err != nil {
		t.Fatal(err)
	}
	f.up.OnRcpt(func(to string) error {
		if to == "gone@outside.test" {
			return relaytest.Err(550, smtp.EnhancedCode{5, 1, 1}, "no such user")
		}
		return nil
	})
	var refuse atomic.Bool
	refuse.Store(true)
	f.up.OnData(func([]byte) error {
		if refuse.Load() {
			return relaytest.Err(451, smtp.EnhancedCode{4, 3, 0}, "try later")
		}
		return nil
	})
	type call struct {
		entry string
		rcpts []string
	}
	var calls []call
	w := f.worker()
	w.cfg.Sent = func(_ context.Context, e quarantine.Entry, rcpts []string) { calls = append(calls, call{e.ID, rcpts}) }
	if did, err := w.Once(ctx); !did || err != nil {
		t.Fatal(did, err)
	}
	if len(calls) != 0 {
		t.Fatalf("Sent told of a refused attempt: %v", calls)
	}
	refuse.Store(false)
	f.clock.add(2 * time.Minute)
	if did, err := w.Once(ctx); !did || err != nil {
		t.Fatal(did, err)
	}
	if len(calls) != 1 || calls[0].entry != e.ID || fmt.Sprint(calls[0].rcpts) != "[b@outside.test c@outside.test]" {
		t.Errorf("Sent calls %v, want one for %s with the two accepted recipients", calls, e.ID)
	}
}

// TestReleaseOutcomeHasCodesOnly: an upstream that refuses a released
// message quotes what its content filter found; the worker's log line, the
// audit outcome and the request's last error (which a viewer, who sees
// customer values masked, can read) carry the upstream's code and enhanced
// code, never its text. The same holds for the 250 text of a delivery,
// of which only the queue id is kept.
func TestReleaseOutcomeHasCodesOnly(t *testing.T) {
	t.Parallel()
	const text = "content mentions taro.yamada@example.jp 03-1234-5678"
	tests := []struct {
		name   string
		data   error
		rcpt   error // for the second recipient
		status quarantine.Status
		want   string // in the log, the audit entry and the last error
	}{
		{"5xx at DATA", relaytest.Err(550, smtp.EnhancedCode{5, 7, 1}, text), nil, quarantine.StatusReleaseFailed, "550 5.7.1"},
		{"4xx at DATA", relaytest.Err(451, smtp.EnhancedCode{4, 7, 1}, text), nil, quarantine.StatusApproved, "451 4.7.1"},
		{"5xx at RCPT", nil, relaytest.Err(550, smtp.EnhancedCode{5, 1, 1}, "<c@outside.test>: "+text), quarantine.StatusReleased, "1 recipients refused"},
		{"250 echoing content", relaytest.Err(250, smtp.EnhancedCode{2, 0, 0}, "Ok: queued as 7Hq2Lk ("+text+")"), nil, quarantine.StatusReleased, "250 2.0.0 queued as 7Hq2Lk"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			ctx := context.Background()
			e := f.hold(t, "b@outside.test", "c@outside.test")
			if _, err := f.requestRelease(ctx, e.ID, "alice", nil, "ok", false); err != nil {
				t.Fatal(err)
			}
			f.up.OnData(func([]byte) error { return tt.data })
			f.up.OnRcpt(func(to string) error {
				if to == "c@outside.test" {
					return tt.rcpt
				}
				return nil
			})
			var buf strings.Builder
			w := New(Config{Hostname: "relay.test", Now: f.clock.now}, f.q, f.log,
				func() Transport { return f.fwd }, slog.New(slog.NewTextHandler(&buf, nil)), nil)
			if did, err := w.Once(ctx); !did || err != nil {
				t.Fatalf("Once = %v, %v", did, err)
			}
			got, err := f.q.Get(ctx, e.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != tt.status || len(got.Releases) != 1 {
				t.Fatalf("status %s with %d requests, want %s and 1", got.Status, len(got.Releases), tt.status)
			}
			recs, _, err := f.log.List(ctx, audit.Query{Action: audit.ActionReleaseOutcome})
			if err != nil || len(recs) != 1 {
				t.Fatalf("audit: %+v %v", recs, err)
			}
			for where, s := range map[string]string{"log": buf.String(), "audit reply": recs[0].Detail["reply"], "last error": got.Releases[0].LastError} {
				if where == "last error" && tt.status == quarantine.StatusReleased {
					// A delivered request keeps no last error.
				} else if !strings.Contains(s, tt.want) {
					t.Errorf("%s lacks %q: %q", where, tt.want, s)
				}
				for _, v := range []string{"taro.yamada", "03-1234-5678", "content mentions"} {
					if strings.Contains(s, v) {
						t.Errorf("%s carries the upstream's text: %q", where, s)
					}
				}
			}
		})
	}
}

// TestNoAnswerAfterDotIsUncertain: the upstream reads the whole message and
// then hangs up, or says nothing until the data timeout. It may have
// accepted the message, so the release is release_uncertain (audited, left
// for an officer) and is not sent again, however long the worker runs.
func TestNoAnswerAfterDotIsUncertain(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		hook error
	}{
		{"hang up", relaytest.HangUp},
		{"silent past the data timeout", relaytest.Silent},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			f.fwd = upstream.New(upstream.Config{Address: f.up.Addr, LocalName: "relay.test", TLS: upstream.TLSNone,
				ConnectTimeout: 2 * time.Second, CommandTimeout: 5 * time.Second, DataTimeout: 300 * time.Millisecond})
			t.Cleanup(f.fwd.Close)
			ctx := context.Background()
			e := f.hold(t, "b@outside.test")
			if _, err := f.requestRelease(ctx, e.ID, "alice", nil, "ok", false); err != nil {
				t.Fatal(err)
			}
			f.up.OnData(func([]byte) error { return tt.hook })
			var results []string
			w := New(Config{Hostname: "relay.test", Now: f.clock.now, Backoff: time.Minute}, f.q, f.log,
				func() Transport { return f.fwd }, nil, func(r string) { results = append(results, r) })
			if did, err := w.Once(ctx); !did || err != nil {
				t.Fatalf("Once = %v, %v", did, err)
			}
			got, err := f.q.Get(ctx, e.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != quarantine.StatusReleaseUncertain {
				t.Fatalf("status %s after no answer to the final dot, want release_uncertain", got.Status)
			}
			if r := got.Releases[0]; r.Status != quarantine.StatusReleaseUncertain || r.Attempts != 1 ||
				!strings.Contains(r.LastError, "no answer to the final dot") || !strings.Contains(r.LastError, "release-id "+r.ID) {
				t.Errorf("request %+v: want release_uncertain, one attempt, a last error naming the release id", r)
			}
			// However long the worker runs, and whatever the upstream
			// does now, the message is not sent again by itself.
			f.up.OnData(nil)
			for range 3 {
				f.clock.add(2 * time.Hour)
				if did, err := w.Once(ctx); did || err != nil {
					t.Fatalf("the uncertain release was claimed again: %v %v", did, err)
				}
			}
			if n := len(f.up.Messages()); n != 1 {
				t.Fatalf("the upstream got the message %d times, want once", n)
			}
			if !slices.Equal(results, []string{ResultUncertain}) {
				t.Errorf("results %v, want [uncertain]", results)
			}
			recs, _, err := f.log.List(ctx, audit.Query{Action: audit.ActionReleaseOutcome})
			if err != nil || len(recs) != 1 || recs[0].Detail["result"] != ResultUncertain || recs[0].Detail["release_id"] != got.Releases[0].ID {
				t.Fatalf("audit: %+v %v", recs, err)
			}
			// An officer who checked the upstream's log settles it.
			if err := f.q.Resolve(ctx, e.ID, true); err != nil {
				t.Fatalf("resolve: %v", err)
			}
			if s := f.status(t, e.ID); s != quarantine.StatusReleased {
				t.Errorf("after resolve: %s", s)
			}
		})
	}
}

// TestTemporaryRefusalsAreRetried: a 4xx before the message was sent, or
// a 4xx answer to the final dot, is a refusal the upstream stated: the
// release is retried after the backoff, and delivered once.
func TestTemporaryRefusalsAreRetried(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		set  func(u *relaytest.Upstream, err error)
	}{
		{"421 to MAIL", func(u *relaytest.Upstream, err error) { u.OnMail(func(string) error { return err }) }},
		{"451 to RCPT", func(u *relaytest.Upstream, err error) { u.OnRcpt(func(string) error { return err }) }},
		{"421 to the final dot", func(u *relaytest.Upstream, err error) { u.OnData(func([]byte) error { return err }) }},
		{"451 to the final dot", func(u *relaytest.Upstream, err error) { u.OnData(func([]byte) error { return err }) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			ctx := context.Background()
			e := f.hold(t, "b@outside.test")
			if _, err := f.requestRelease(ctx, e.ID, "alice", nil, "ok", false); err != nil {
				t.Fatal(err)
			}
			code := 451
			if strings.HasPrefix(tt.name, "421") {
				code = 421
			}
			tt.set(f.up, relaytest.Err(code, smtp.EnhancedCode{4, 3, 0}, "try later"))
			w := f.worker()
			if did, err := w.Once(ctx); !did || err != nil {
				t.Fatal(did, err)
			}
			if s := f.status(t, e.ID); s != quarantine.StatusApproved {
				t.Fatalf("after a %d: %s, want approved (pending a retry)", code, s)
			}
			f.up.OnMail(nil)
			f.up.OnRcpt(nil)
			f.up.OnData(nil)
			f.clock.add(2 * time.Minute)
			if did, err := w.Once(ctx); !did || err != nil {
				t.Fatal(did, err)
			}
			if s := f.status(t, e.ID); s != quarantine.StatusReleased {
				t.Fatalf("after the retry: %s", s)
			}
			if n := len(f.up.Messages()); n != 1 {
				t.Fatalf("upstream has %d messages, want 1", n)
			}
		})
	}
}
