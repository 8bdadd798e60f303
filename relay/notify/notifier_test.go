package notify

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/dlprelay/dlprelay/relay/relaytest"
	"github.com/dlprelay/dlprelay/relay/upstream"
)

// forwarder is a real upstream client for addr, plain text, short timeouts.
func forwarder(t *testing.T, addr string) *upstream.Forwarder {
	t.Helper()
	f := upstream.New(upstream.Config{Address: addr, LocalName: "relay.test", TLS: upstream.TLSNone, MaxIdle: 2,
		ConnectTimeout: time.Second, CommandTimeout: 2 * time.Second, DataTimeout: 2 * time.Second})
	t.Cleanup(f.Close)
	return f
}

// results collects what the Notifier reports.
type results chan string

func (r results) next(t *testing.T) string {
	t.Helper()
	select {
	case res := <-r:
		return res
	case <-time.After(5 * time.Second):
		t.Fatal("no result reported")
		return ""
	}
}

// none checks that nothing more was reported.
func (r results) none(t *testing.T) {
	t.Helper()
	select {
	case res := <-r:
		t.Errorf("extra result %q", res)
	default:
	}
}

// syncBuffer is a log destination read after the Notifier has stopped.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type harness struct {
	n   *Notifier
	res results
	log *syncBuffer
}

// start makes a Notifier on transport with short delays; it is closed when
// the test ends.
func start(t *testing.T, cfg Config, transport func() Transport) harness {
	t.Helper()
	if cfg.From == "" {
		cfg.From = "dlprelay@example.co.jp"
	}
	if cfg.Backoff == 0 {
		cfg.Backoff = 10 * time.Millisecond
	}
	h := harness{res: make(results, 100), log: &syncBuffer{}}
	log := slog.New(slog.NewTextHandler(h.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	n, err := New(cfg, transport, log, func(r string) { h.res <- r })
	if err != nil {
		t.Fatal(err)
	}
	h.n = n
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		n.Close(ctx)
		if t.Failed() {
			t.Logf("log:\n%s", h.log)
		}
	})
	return h
}

func fixed(tr Transport) func() Transport { return func() Transport { return tr } }

// close closes the Notifier and expects it to finish in time.
func (h harness) close(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := h.n.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

// gate holds every Begin until opened (or the attempt's context ends).
type gate struct {
	tr      Transport
	open    chan struct{}
	entered chan struct{}
}

func newGate(tr Transport) *gate {
	return &gate{tr: tr, open: make(chan struct{}), entered: make(chan struct{}, 100)}
}

func (g *gate) Begin(ctx context.Context, from string, opts *smtp.MailOptions) (*upstream.Tx, error) {
	g.entered <- struct{}{}
	select {
	case <-g.open:
		return g.tr.Begin(ctx, from, opts)
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// counter counts hook calls and answers the first fails with err.
type counter struct {
	calls atomic.Int32
}

func (c *counter) failFirst(fails int32, err error) func(string) error {
	return func(string) error {
		if c.calls.Add(1) <= fails {
			return err
		}
		return nil
	}
}

func TestSendDelivers(t *testing.T) {
	t.Parallel()
	up := relaytest.NewUpstream(t)
	h := start(t, Config{}, fixed(forwarder(t, up.Addr)))
	nt := testNotice()
	nt.To = append(nt.To, "OFFICER@example.co.jp") // a repeat, ignoring case
	h.n.Send(nt)
	if got := h.res.next(t); got != ResultSent {
		t.Fatalf("result = %q, want sent", got)
	}
	msgs := up.Messages()
	if len(msgs) != 1 {
		t.Fatalf("upstream got %d messages", len(msgs))
	}
	m := msgs[0]
	if m.From != "dlprelay@example.co.jp" || !slices.Equal(m.To, []string{"officer@example.co.jp", "audit@example.co.jp"}) {
		t.Errorf("envelope = %s -> %v", m.From, m.To)
	}
	if m.UTF8 {
		t.Errorf("sent with SMTPUTF8")
	}
	checkWire(t, m.Data)
	p := parse(t, m.Data)
	if s, _ := p.h.Subject(); !strings.HasPrefix(s, "[dlprelay] 隔離されました / Message quarantined") {
		t.Errorf("Subject = %q", s)
	}
	if p.h.Get("X-Dlp-Notification") != "quarantine" || p.h.Get("Auto-Submitted") != "auto-generated" {
		t.Errorf("headers:\n%s", m.Data)
	}
	checkOrder(t, p.body, []string{"隔離されました。", "ルール: 顧客リスト大量送信", "Rules: 顧客リスト大量送信"})

	h.close(t)
	h.res.none(t)
	// The log names the notice, never an address or a rule.
	logs := h.log.String()
	if !strings.Contains(logs, "20260102T030405Z-0123abcd") || !strings.Contains(logs, "result=sent") {
		t.Errorf("log lacks the id or result:\n%s", logs)
	}
	for _, s := range []string{"@example.co.jp", "顧客リスト大量送信", "freemail"} {
		if strings.Contains(logs, s) {
			t.Errorf("log shows %q:\n%s", s, logs)
		}
	}
}

func TestTemporaryFailureIsRetried(t *testing.T) {
	t.Parallel()
	up := relaytest.NewUpstream(t)
	var data counter
	fail := data.failFirst(1, relaytest.Err(451, smtp.EnhancedCode{4, 3, 0}, "try later"))
	up.OnData(func([]byte) error { return fail("") })
	h := start(t, Config{}, fixed(forwarder(t, up.Addr)))
	h.n.Send(testNotice())
	if got := h.res.next(t); got != ResultSent {
		t.Fatalf("result = %q, want sent", got)
	}
	h.close(t)
	if n := len(up.Messages()); n != 1 {
		t.Errorf("upstream got %d messages, want exactly 1", n)
	}
	if n := data.calls.Load(); n != 2 {
		t.Errorf("DATA %d times, want 2", n)
	}
	h.res.none(t)
}

func TestPermanentFailureIsNotRetried(t *testing.T) {
	t.Parallel()
	up := relaytest.NewUpstream(t)
	var mail counter
	up.OnMail(mail.failFirst(100, relaytest.Err(550, smtp.EnhancedCode{5, 7, 1}, "no")))
	h := start(t, Config{}, fixed(forwarder(t, up.Addr)))
	h.n.Send(testNotice())
	if got := h.res.next(t); got != ResultFailed {
		t.Fatalf("result = %q, want failed", got)
	}
	if n := mail.calls.Load(); n != 1 {
		t.Errorf("MAIL %d times, want 1", n)
	}
	if n := len(up.Messages()); n != 0 {
		t.Errorf("upstream got %d messages", n)
	}
}

func TestRetriesRunOut(t *testing.T) {
	t.Parallel()
	up := relaytest.NewUpstream(t)
	var mail counter
	up.OnMail(mail.failFirst(100, relaytest.Err(421, smtp.EnhancedCode{4, 4, 5}, "busy")))
	h := start(t, Config{Retries: 2, Backoff: time.Millisecond}, fixed(forwarder(t, up.Addr)))
	h.n.Send(testNotice())
	if got := h.res.next(t); got != ResultFailed {
		t.Fatalf("result = %q, want failed", got)
	}
	if n := mail.calls.Load(); n != 3 {
		t.Errorf("MAIL %d times, want 3 (1 + 2 retries)", n)
	}
}

// A recipient refused for good is skipped, one refused for now is retried
// alone, and the notice is reported once.
func TestRecipientsFailSeparately(t *testing.T) {
	t.Parallel()
	up := relaytest.NewUpstream(t)
	var later counter
	laterFail := later.failFirst(1, relaytest.Err(452, smtp.EnhancedCode{4, 2, 2}, "full"))
	up.OnRcpt(func(to string) error {
		switch to {
		case "gone@example.co.jp":
			return relaytest.Err(550, smtp.EnhancedCode{5, 1, 1}, "no such user")
		case "later@example.co.jp":
			return laterFail(to)
		}
		return nil
	})
	h := start(t, Config{}, fixed(forwarder(t, up.Addr)))
	nt := testNotice()
	nt.To = []string{"officer@example.co.jp", "gone@example.co.jp", "later@example.co.jp"}
	h.n.Send(nt)
	if got := h.res.next(t); got != ResultSent {
		t.Fatalf("result = %q, want sent", got)
	}
	h.close(t)
	h.res.none(t)
	var got [][]string
	for _, m := range up.Messages() {
		got = append(got, m.To)
	}
	want := [][]string{{"officer@example.co.jp"}, {"later@example.co.jp"}}
	if !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("deliveries = %v, want %v", got, want)
	}
}

func TestAllRecipientsRefused(t *testing.T) {
	t.Parallel()
	up := relaytest.NewUpstream(t)
	up.OnRcpt(func(string) error { return relaytest.Err(550, smtp.EnhancedCode{5, 1, 1}, "no such user") })
	h := start(t, Config{}, fixed(forwarder(t, up.Addr)))
	h.n.Send(testNotice())
	if got := h.res.next(t); got != ResultFailed {
		t.Fatalf("result = %q, want failed", got)
	}
	if n := len(up.Messages()); n != 0 {
		t.Errorf("upstream got %d messages", n)
	}
}

// The transport is asked for again on every attempt: the relay swaps its
// forwarder on reload, and an unreachable upstream is temporary.
func TestTransportPerAttempt(t *testing.T) {
	t.Parallel()
	up := relaytest.NewUpstream(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := forwarder(t, ln.Addr().String())
	ln.Close()
	live := forwarder(t, up.Addr)
	var calls atomic.Int32
	h := start(t, Config{}, func() Transport {
		if calls.Add(1) == 1 {
			return dead
		}
		return live
	})
	h.n.Send(testNotice())
	if got := h.res.next(t); got != ResultSent {
		t.Fatalf("result = %q, want sent", got)
	}
	if n := calls.Load(); n != 2 {
		t.Errorf("transport asked %d times, want 2", n)
	}
}

func TestFullQueueDrops(t *testing.T) {
	t.Parallel()
	up := relaytest.NewUpstream(t)
	g := newGate(forwarder(t, up.Addr))
	h := start(t, Config{Queue: 1}, fixed(g))
	h.n.Send(testNotice())
	h.n.Send(testNotice()) // the first is held: no room
	if got := h.res.next(t); got != ResultDropped {
		t.Fatalf("result = %q, want dropped", got)
	}
	close(g.open)
	if got := h.res.next(t); got != ResultSent {
		t.Fatalf("result = %q, want sent", got)
	}
	h.n.Send(testNotice()) // room again
	if got := h.res.next(t); got != ResultSent {
		t.Fatalf("result = %q, want sent", got)
	}
	if !strings.Contains(h.log.String(), "queue full") {
		t.Errorf("drop not logged:\n%s", h.log)
	}
}

func TestInvalidNoticeFails(t *testing.T) {
	t.Parallel()
	up := relaytest.NewUpstream(t)
	h := start(t, Config{}, fixed(forwarder(t, up.Addr)))
	nt := testNotice()
	nt.To = nil
	h.n.Send(nt)
	nt.To = []string{"a@b\r\nBcc: c@d"}
	h.n.Send(nt)
	for range 2 {
		if got := h.res.next(t); got != ResultFailed {
			t.Fatalf("result = %q, want failed", got)
		}
	}
	h.close(t)
	if n := up.Connections(); n != 0 {
		t.Errorf("upstream saw %d connections", n)
	}
	if strings.Contains(h.log.String(), "c@d") {
		t.Errorf("log shows the address:\n%s", h.log)
	}
}

// Close sends what is queued, refuses what comes after, and returns when
// the queue is empty.
func TestCloseDrains(t *testing.T) {
	t.Parallel()
	up := relaytest.NewUpstream(t)
	g := newGate(forwarder(t, up.Addr))
	h := start(t, Config{}, fixed(g))
	const n = 5
	for range n {
		h.n.Send(testNotice())
	}
	closed := make(chan error, 1)
	go func() { closed <- h.n.Close(context.Background()) }()
	waitFor(t, func() bool { h.n.mu.Lock(); defer h.n.mu.Unlock(); return h.n.closed })
	h.n.Send(testNotice())
	if got := h.res.next(t); got != ResultDropped {
		t.Fatalf("after Close: result = %q, want dropped", got)
	}
	close(g.open)
	for range n {
		if got := h.res.next(t); got != ResultSent {
			t.Fatalf("result = %q, want sent", got)
		}
	}
	select {
	case err := <-closed:
		if err != nil {
			t.Fatalf("Close: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not return")
	}
	if got := len(up.Messages()); got != n {
		t.Errorf("upstream got %d messages, want %d", got, n)
	}
	h.res.none(t)
}

// A notice waiting for its retry is abandoned, not waited for.
func TestCloseAbandonsRetries(t *testing.T) {
	t.Parallel()
	up := relaytest.NewUpstream(t)
	up.OnMail(func(string) error { return relaytest.Err(451, smtp.EnhancedCode{4, 3, 0}, "later") })
	h := start(t, Config{Backoff: time.Hour}, fixed(forwarder(t, up.Addr)))
	h.n.Send(testNotice())
	waitFor(t, func() bool { h.n.mu.Lock(); defer h.n.mu.Unlock(); return len(h.n.waiting) == 1 })
	h.close(t)
	if got := h.res.next(t); got != ResultDropped {
		t.Fatalf("result = %q, want dropped", got)
	}
	if !strings.Contains(h.log.String(), "pending retry abandoned") {
		t.Errorf("abandoning not logged:\n%s", h.log)
	}
}

// When Close runs out of time, everything still held is dropped and Close
// says so.
func TestCloseGivesUp(t *testing.T) {
	t.Parallel()
	up := relaytest.NewUpstream(t)
	g := newGate(forwarder(t, up.Addr)) // never opened
	h := start(t, Config{}, fixed(g))
	const n = 4
	for range n {
		h.n.Send(testNotice())
	}
	<-g.entered // an attempt is in flight
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := h.n.Close(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Close = %v, want context.Canceled", err)
	}
	for range n {
		if got := h.res.next(t); got != ResultDropped {
			t.Fatalf("result = %q, want dropped", got)
		}
	}
	h.res.none(t)
}

func TestNewRefuses(t *testing.T) {
	t.Parallel()
	tr := fixed(upstream.New(upstream.Config{Address: "127.0.0.1:1"}))
	for _, tc := range []struct {
		cfg   Config
		tr    func() Transport
		field string
	}{
		{Config{}, tr, "From"},
		{Config{From: "a@b\r\n"}, tr, "From"},
		{Config{From: "a@b", Hostname: "x y"}, tr, "Hostname"},
		{Config{From: "a@b", Queue: -1}, tr, "Queue"},
		{Config{From: "a@b", Backoff: -1}, tr, "Backoff"},
		{Config{From: "a@b", Timeout: -1}, tr, "Timeout"},
		{Config{From: "a@b"}, nil, "transport"},
	} {
		if _, err := New(tc.cfg, tc.tr, nil, nil); err == nil || !strings.Contains(err.Error(), tc.field) {
			t.Errorf("New(%+v) = %v, want an error naming %s", tc.cfg, err, tc.field)
		}
	}
}

func TestDefaultsAndBackoff(t *testing.T) {
	t.Parallel()
	cfg, err := Config{From: "dlprelay@example.co.jp"}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	want := Config{From: "dlprelay@example.co.jp", Hostname: "example.co.jp", Queue: DefaultQueue,
		Retries: DefaultRetries, Backoff: DefaultBackoff, Timeout: DefaultTimeout}
	if cfg != want {
		t.Errorf("defaults = %+v, want %+v", cfg, want)
	}
	if cfg, _ := (Config{From: "a@b", Retries: -1}).withDefaults(); cfg.Retries != 0 {
		t.Errorf("Retries -1 -> %d, want 0", cfg.Retries)
	}
	n := &Notifier{cfg: cfg}
	for attempts, want := range map[int]time.Duration{1: 30 * time.Second, 2: time.Minute, 4: 4 * time.Minute, 5: 5 * time.Minute, 500: 5 * time.Minute} {
		if got := n.backoff(attempts); got != want {
			t.Errorf("backoff(%d) = %v, want %v", attempts, got, want)
		}
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached")
		}
		time.Sleep(time.Millisecond)
	}
}
