// Package relaytest provides a real SMTP upstream for tests: a go-smtp server
// on a loopback port that records every transaction it accepts and can be told
// to fail at MAIL, RCPT or DATA, or to read a message and never answer it.
package relaytest

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Message is one transaction the upstream accepted.
type Message struct {
	From string
	To   []string
	// Data is the message exactly as received, after dot-unstuffing.
	Data []byte
	// UTF8 and Body record the MAIL parameters the client sent.
	UTF8 bool
	Body smtp.BodyType
	// TLS says whether the session had started TLS, Authenticated whether
	// the client logged in.
	TLS           bool
	Authenticated bool
}

// Upstream is a recording SMTP server. Its hooks may be set at any time; a
// nil hook accepts.
type Upstream struct {
	Addr string

	srv    *smtp.Server
	ln     net.Listener
	served chan struct{} // closed when Serve returned

	mu      sync.Mutex
	msgs    []Message
	conns   int
	mailErr func(from string) error
	rcptErr func(to string) error
	dataErr func(data []byte) error
	notify  chan struct{}
	user    string // AUTH PLAIN required when set
	pass    string
}

// RequireAuth makes the upstream refuse MAIL from sessions that did not log
// in with AUTH PLAIN as user and pass.
func (u *Upstream) RequireAuth(user, pass string) {
	u.mu.Lock()
	u.user, u.pass = user, pass
	u.mu.Unlock()
}

// NewUpstream starts an upstream on 127.0.0.1 and stops it when the test ends.
func NewUpstream(t testing.TB) *Upstream {
	t.Helper()
	return NewUpstreamTLS(t, nil)
}

// NewUpstreamTLS is NewUpstream offering STARTTLS with the given config.
func NewUpstreamTLS(t testing.TB, tc *tls.Config) *Upstream {
	t.Helper()
	u := &Upstream{notify: make(chan struct{}, 1)}
	srv := smtp.NewServer(smtp.BackendFunc(u.newSession))
	srv.Domain = "upstream.test"
	srv.EnableSMTPUTF8 = true
	srv.MaxMessageBytes = 64 << 20
	srv.AllowInsecureAuth = true
	srv.ErrorLog = discardLogger{}
	srv.TLSConfig = tc
	srv.ReadTimeout = 30 * time.Second
	srv.WriteTimeout = 30 * time.Second
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("relaytest: listen: %v", err)
	}
	tl := &tracker{Listener: ln, conns: map[*trackedConn]struct{}{}}
	u.srv, u.ln, u.Addr = srv, tl, ln.Addr().String()
	u.served = make(chan struct{})
	go func() {
		defer close(u.served)
		srv.Serve(tl)
	}()
	t.Cleanup(u.Close)
	return u
}

// Close stops the upstream: later connections are refused and open ones are
// closed. It waits a little for the sessions to end.
func (u *Upstream) Close() {
	// Not go-smtp's Server.Close: it closes each session from this goroutine
	// while the session's handler may still use it, a data race in go-smtp
	// v0.25.1. Closing the connections lets each handler end its own.
	u.ln.Close()
	// Serve adds each session to a WaitGroup that Shutdown waits on; let
	// it return first.
	<-u.served
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	u.srv.Shutdown(ctx)
}

// tracker is the upstream's listener. It keeps the connections it accepted,
// and its Close closes them too.
type tracker struct {
	net.Listener

	mu     sync.Mutex
	closed bool
	conns  map[*trackedConn]struct{}
}

func (l *tracker) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		c.Close()
		return nil, net.ErrClosed
	}
	tc := &trackedConn{Conn: c, l: l}
	l.conns[tc] = struct{}{}
	return tc, nil
}

func (l *tracker) Close() error {
	err := l.Listener.Close()
	l.mu.Lock()
	l.closed = true
	open := make([]*trackedConn, 0, len(l.conns))
	for c := range l.conns {
		open = append(open, c)
	}
	l.mu.Unlock()
	for _, c := range open {
		c.Close()
	}
	return err
}

type trackedConn struct {
	net.Conn
	l *tracker
}

func (c *trackedConn) Close() error {
	c.l.mu.Lock()
	delete(c.l.conns, c)
	c.l.mu.Unlock()
	return c.Conn.Close()
}

// OnMail sets a hook that may refuse MAIL FROM (return an *smtp.SMTPError).
func (u *Upstream) OnMail(f func(from string) error) { u.mu.Lock(); u.mailErr = f; u.mu.Unlock() }

// OnRcpt sets a hook that may refuse a recipient.
func (u *Upstream) OnRcpt(f func(to string) error) { u.mu.Lock(); u.rcptErr = f; u.mu.Unlock() }

// OnData sets a hook that may refuse the message after reading it, or
// return HangUp or Silent.
func (u *Upstream) OnData(f func(data []byte) error) { u.mu.Lock(); u.dataErr = f; u.mu.Unlock() }

// HangUp and Silent, returned by an OnData hook, leave the message without
// an answer after its final dot: HangUp closes the connection, Silent keeps
// it open and says nothing until the client closes it (or a minute passes,
// or the upstream is closed). The message counts as accepted (Messages has
// it), as with an upstream that queued it and crashed before it answered, or
// whose 250 was lost: the client cannot tell whether it was delivered.
var (
	HangUp = errors.New("relaytest: hang up after the final dot")
	Silent = errors.New("relaytest: no answer after the final dot")
)

// Messages returns a copy of what was accepted so far.
func (u *Upstream) Messages() []Message {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]Message(nil), u.msgs...)
}

// Connections is how many SMTP sessions were opened (at EHLO/HELO).
func (u *Upstream) Connections() int { u.mu.Lock(); defer u.mu.Unlock(); return u.conns }

// WaitMessages waits until at least n messages were accepted or the timeout
// passes, and returns what it has.
func (u *Upstream) WaitMessages(n int, timeout time.Duration) []Message {
	deadline := time.Now().Add(timeout)
	for {
		m := u.Messages()
		if len(m) >= n || time.Now().After(deadline) {
			return m
		}
		select {
		case <-u.notify:
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func (u *Upstream) newSession(c *smtp.Conn) (smtp.Session, error) {
	u.mu.Lock()
	u.conns++
	u.mu.Unlock()
	return &session{u: u, c: c}, nil
}

type session struct {
	u      *Upstream
	c      *smtp.Conn
	cur    Message
	authed bool
}

func (s *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *session) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, user, pass string) error {
		s.u.mu.Lock()
		ok := s.u.user != "" && user == s.u.user && pass == s.u.pass
		s.u.mu.Unlock()
		if !ok {
			return smtp.ErrAuthFailed
		}
		s.authed = true
		return nil
	}), nil
}

func (s *session) Reset()        { s.cur = Message{} }
func (s *session) Logout() error { return nil }

func (s *session) Mail(from string, opts *smtp.MailOptions) error {
	s.u.mu.Lock()
	f, needAuth := s.u.mailErr, s.u.user != ""
	s.u.mu.Unlock()
	if needAuth && !s.authed {
		return smtp.ErrAuthRequired
	}
	if f != nil {
		if err := f(from); err != nil {
			return err
		}
	}
	s.cur = Message{From: from}
	if opts != nil {
		s.cur.UTF8, s.cur.Body = opts.UTF8, opts.Body
	}
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.u.mu.Lock()
	f := s.u.rcptErr
	s.u.mu.Unlock()
	if f != nil {
		if err := f(to); err != nil {
			return err
		}
	}
	s.cur.To = append(s.cur.To, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, r); err != nil {
		return err
	}
	s.u.mu.Lock()
	f := s.u.dataErr
	s.u.mu.Unlock()
	var hookErr error
	if f != nil {
		hookErr = f(buf.Bytes())
		if hookErr != nil && !errors.Is(hookErr, HangUp) && !errors.Is(hookErr, Silent) {
			return hookErr
		}
	}
	m := s.cur
	m.Data = buf.Bytes()
	_, m.TLS = s.c.TLSConnectionState()
	m.Authenticated = s.authed
	s.u.mu.Lock()
	s.u.msgs = append(s.u.msgs, m)
	s.u.mu.Unlock()
	select {
	case s.u.notify <- struct{}{}:
	default:
	}
	if hookErr != nil {
		nc := s.c.Conn()
		if errors.Is(hookErr, Silent) {
			// Wait for the client to give up: its close ends this read.
			// The answer go-smtp writes afterwards goes nowhere.
			nc.SetReadDeadline(time.Now().Add(time.Minute))
			io.Copy(io.Discard, nc)
		}
		nc.Close()
		return hookErr
	}
	return nil
}

// Err returns an *smtp.SMTPError with the given code, enhanced code and text,
// for use in hooks.
func Err(code int, enh smtp.EnhancedCode, msg string) error {
	return &smtp.SMTPError{Code: code, EnhancedCode: enh, Message: msg}
}

type discardLogger struct{}

func (discardLogger) Printf(string, ...interface{}) {}
func (discardLogger) Println(...interface{})        {}
