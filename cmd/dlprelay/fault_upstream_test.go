//go:build fault

package main

// The upstream and the load generator of the fault suite (fault_test.go).

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/textproto"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// faultKinds are the faults faultUpstream injects, each with its own
// probability per transaction.
var faultKinds = []string{
	"mail421", "rcpt451", "rcpt452", "rcpt550", "data451", "data554", "slow", "reset",
}

// faultUpstream is an SMTP server standing in for the company's outbound MTA
// that fails on purpose: it answers 421/451/452/550/554, stalls past the
// relay's timeout, drops the connection in the middle of DATA, and goes down
// (connection refused) for short periods. It records every message it
// accepted by its X-Load-ID header.
type faultUpstream struct {
	t     *testing.T
	addr  string
	slow  time.Duration // how long a "slow" DATA stalls
	probs map[string]float64

	mu       sync.Mutex
	rng      *rand.Rand
	ln       net.Listener
	got      map[string]int // X-Load-ID -> times accepted
	late     map[string]int // accepted after stalling past the relay's timeout
	injected map[string]int // fault kind -> times injected
	closed   bool
	downs    int
}

func newFaultUpstream(t *testing.T, probs map[string]float64, slow time.Duration) *faultUpstream {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u := &faultUpstream{
		t: t, addr: ln.Addr().String(), slow: slow, probs: probs, ln: ln,
		rng: rand.New(rand.NewPCG(1, 2)),
		got: map[string]int{}, late: map[string]int{}, injected: map[string]int{},
	}
	go u.serve(ln)
	t.Cleanup(u.close)
	return u
}

func (u *faultUpstream) serve(ln net.Listener) {
	s := smtp.NewServer(smtp.BackendFunc(u.newSession))
	s.Domain = "upstream.test"
	s.AllowInsecureAuth = true
	s.MaxMessageBytes = 64 << 20
	s.ErrorLog = discardLog{}
	s.Serve(ln) // returns when ln is closed; open sessions carry on
}

func (u *faultUpstream) close() {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.closed = true
	if u.ln != nil {
		u.ln.Close()
	}
}

// goDown closes the listener (new connections are refused) for d.
func (u *faultUpstream) goDown(d time.Duration) {
	u.mu.Lock()
	if u.closed || u.ln == nil {
		u.mu.Unlock()
		return
	}
	u.ln.Close()
	u.ln = nil
	u.downs++
	u.mu.Unlock()
	time.Sleep(d)
	for i := 0; ; i++ {
		ln, err := net.Listen("tcp", u.addr)
		if err == nil {
			u.mu.Lock()
			if u.closed {
				u.mu.Unlock()
				ln.Close()
				return
			}
			u.ln = ln
			u.mu.Unlock()
			go u.serve(ln)
			return
		}
		if i > 100 {
			u.t.Errorf("upstream could not listen on %s again: %v", u.addr, err)
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// roll reports whether the fault kind strikes this time, and counts it.
func (u *faultUpstream) roll(kind string) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.rng.Float64() >= u.probs[kind] {
		return false
	}
	u.injected[kind]++
	return true
}

func (u *faultUpstream) accepted() (got, late map[string]int) {
	u.mu.Lock()
	defer u.mu.Unlock()
	got, late = map[string]int{}, map[string]int{}
	for k, v := range u.got {
		got[k] = v
	}
	for k, v := range u.late {
		late[k] = v
	}
	return got, late
}

func (u *faultUpstream) faults() map[string]int {
	u.mu.Lock()
	defer u.mu.Unlock()
	m := map[string]int{"down": u.downs}
	for k, v := range u.injected {
		m[k] = v
	}
	return m
}

func (u *faultUpstream) newSession(c *smtp.Conn) (smtp.Session, error) {
	return &faultSession{u: u, conn: c.Conn()}, nil
}

type faultSession struct {
	u    *faultUpstream
	conn net.Conn
}

func (s *faultSession) Reset()        {}
func (s *faultSession) Logout() error { return nil }

func (s *faultSession) Mail(string, *smtp.MailOptions) error {
	if s.u.roll("mail421") {
		return &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 3, 2}, Message: "fault: service not available"}
	}
	return nil
}

func (s *faultSession) Rcpt(string, *smtp.RcptOptions) error {
	switch {
	case s.u.roll("rcpt451"):
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "fault: local error"}
	case s.u.roll("rcpt452"):
		return &smtp.SMTPError{Code: 452, EnhancedCode: smtp.EnhancedCode{4, 3, 1}, Message: "fault: insufficient storage"}
	case s.u.roll("rcpt550"):
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "fault: no such user"}
	}
	return nil
}

func (s *faultSession) Data(r io.Reader) error {
	if s.u.roll("reset") {
		io.CopyN(io.Discard, r, 512)
		s.conn.Close() // the relay sees the connection drop in the middle of DATA
		return errors.New("fault: reset")
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	switch {
	case s.u.roll("data451"):
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "fault: try later"}
	case s.u.roll("data554"):
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "fault: content refused"}
	}
	late := false
	if s.u.roll("slow") {
		time.Sleep(s.u.slow) // past the relay's upstream data_timeout
		late = true
	}
	id := loadID(b)
	s.u.mu.Lock()
	s.u.got[id]++
	if late {
		s.u.late[id]++
	}
	s.u.mu.Unlock()
	return nil
}

type discardLog struct{}

func (discardLog) Printf(string, ...interface{}) {}
func (discardLog) Println(...interface{})        {}

// loadID returns the X-Load-ID header of a message, "" if it has none.
func loadID(msg []byte) string {
	h, err := textproto.NewReader(bufio.NewReader(bytes.NewReader(msg))).ReadMIMEHeader()
	if err != nil && len(h) == 0 {
		return ""
	}
	return h.Get("X-Load-Id")
}

// quarantinedIDs reads the X-Load-ID of every message in a data directory's
// quarantine.
func quarantinedIDs(t *testing.T, data string) map[string]int {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(data, "quarantine", "*.eml"))
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]int{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		ids[loadID(b)]++
	}
	return ids
}

// loadMessage is one message of a load run.
type loadMessage struct {
	id       string
	customer bool // carries customer records: the policy quarantines it
	body     []byte
}

// customerRows are three rows of testdata/customers.csv: the default
// policy's records-quarantine rule (3 or more records) quarantines a message
// carrying them.
const customerRows = "顧客リスト\r\n山田 太郎, taro.yamada@example.jp, 03-1234-5678\r\n" +
	"佐藤 花子, hanako.sato@example.jp, 090-1111-2222\r\n" +
	"鈴木 一郎, ichiro.suzuki@example.co.jp, 06-2345-6789\r\n"

// makeLoadMessage builds a message of about size bytes.
func makeLoadMessage(id string, size int, customer bool) loadMessage {
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: sender@corp.test\r\nTo: someone@elsewhere.test\r\nSubject: load %s\r\n", id)
	fmt.Fprintf(&b, "Message-ID: <%s@load.test>\r\nX-Load-ID: %s\r\nMIME-Version: 1.0\r\n", id, id)
	b.WriteString("Content-Type: text/plain; charset=utf-8\r\n\r\n")
	if customer {
		b.WriteString(customerRows)
	}
	line := "The quarterly numbers are in the shared folder, nothing else to add here.\r\n"
	for b.Len() < size {
		b.WriteString(line)
	}
	return loadMessage{id: id, customer: customer, body: b.Bytes()}
}

// outcome is what the sending client finally saw for one message.
type outcome struct {
	accepted  bool // a 250 after DATA
	permanent int  // the 5xx code that ended it, 0 if none
	attempts  int
	tempFails int // 4xx replies and connection errors before the end
	latency   time.Duration
}

// loadClient sends messages like an MTA does: a temporary failure (4xx or
// a broken connection) is retried after a backoff, up to maxAttempts; a 5xx
// ends the message. addr is read before every attempt, so the relay can
// move (restart on a new port) during a run.
type loadClient struct {
	addr        func() string
	maxAttempts int
	backoff     time.Duration
	rcpt        string
	completed   atomic.Int64
}

func (c *loadClient) send(m loadMessage) outcome {
	var o outcome
	for o.attempts < c.maxAttempts {
		o.attempts++
		start := time.Now()
		_, err := submit(c.addr(), "sender@corp.test", c.rcpt, m.body)
		if err == nil {
			o.accepted = true
			o.latency = time.Since(start)
			break
		}
		var se *smtp.SMTPError
		if errors.As(err, &se) && se.Code >= 500 {
			o.permanent = se.Code
			break
		}
		o.tempFails++
		d := c.backoff << min(o.attempts-1, 4)
		time.Sleep(d/2 + rand.N(d))
	}
	c.completed.Add(1)
	return o
}

// runLoad sends msgs with workers concurrent clients and returns each
// message's outcome by id.
func runLoad(c *loadClient, msgs []loadMessage, workers int) map[string]outcome {
	var (
		mu   sync.Mutex
		outs = make(map[string]outcome, len(msgs))
		next atomic.Int64
		wg   sync.WaitGroup
	)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(msgs) {
					return
				}
				o := c.send(msgs[i])
				mu.Lock()
				outs[msgs[i].id] = o
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return outs
}

// percentile returns the p-th percentile (0..100) of ds.
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := int(float64(len(s)-1) * p / 100)
	return s[i]
}

// peakRSS returns a process's peak resident set size in bytes (VmHWM).
func peakRSS(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kb int64
			if _, err := fmt.Sscanf(strings.TrimSpace(v), "%d kB", &kb); err != nil {
				return 0, err
			}
			return kb << 10, nil
		}
	}
	return 0, errors.New("no VmHWM in /proc status")
}
