// Package upstream owns the connection to the upstream smarthost: it opens
// (or reuses) an SMTP client session for each transaction, relays MAIL and
// RCPT so every command gets the upstream's own answer, sends the message
// only when told to, and aborts with RSET otherwise. It classifies every
// failure into the errors below, which relay/smtpd maps to replies.
package upstream

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// TLSMode says whether STARTTLS is used towards the upstream.
type TLSMode string

const (
	TLSNone          TLSMode = "none"
	TLSOpportunistic TLSMode = "opportunistic"
	TLSRequired      TLSMode = "required"
)

// Config describes the upstream and how to talk to it.
type Config struct {
	Address   string // host:port
	LocalName string // EHLO name
	TLS       TLSMode
	// TLSConfig carries RootCAs and ServerName; nil means system roots and
	// the host part of Address. Only TLSRequired verifies the certificate.
	TLSConfig          *tls.Config
	Username, Password string // AUTH PLAIN when Username is set
	ConnectTimeout     time.Duration
	CommandTimeout     time.Duration
	DataTimeout        time.Duration
	MaxIdle            int
	IdleTimeout        time.Duration
}

// Errors a transaction returns besides *Reply.
var (
	// ErrUnavailable: the upstream could not be reached, TLS could not be
	// set up as required, or the connection broke. Temporary.
	ErrUnavailable = errors.New("upstream unavailable")
	// ErrTimeout: the upstream did not answer in time. Temporary.
	ErrTimeout = errors.New("upstream timed out")
	// ErrRefused (with ErrUnavailable): the upstream answered but refused
	// the session itself — its greeting, EHLO or our AUTH. That concerns
	// the relay's setup, not the message, so it is temporary whatever code
	// the upstream used: no mail bounces over it.
	ErrRefused = errors.New("upstream refused the session")
	// ErrTLS (with ErrUnavailable): STARTTLS could not be set up as
	// configured (not offered while required, refused, or the handshake or
	// certificate check failed). Temporary.
	ErrTLS = errors.New("upstream TLS failed")
	// ErrNoUTF8: the transaction needs SMTPUTF8 and the upstream does not
	// offer it. Permanent.
	ErrNoUTF8 = errors.New("upstream does not offer SMTPUTF8")
	// ErrUncertain: the whole message and its final dot were sent and no
	// answer to them was read: the upstream timed out (with ErrTimeout),
	// dropped the connection (with ErrUnavailable), or answered what is
	// neither a 250 nor a refusal (with the *Reply). The upstream may have
	// accepted the message, so sending it again may deliver it twice. Data
	// returns it; every failure of Data before the final dot left, and every
	// 4xx or 5xx answer to it, is certain: nothing was delivered.
	ErrUncertain = errors.New("no answer to the final dot: the upstream may have accepted the message")
)

// Reply is an SMTP error answer from the upstream, to be passed on. Its
// Message is the upstream's own text, which often quotes the recipient or
// the message (a content filter's "550 5.7.1 content mentions
// taro.yamada@example.jp"): it goes into the reply to the client and
// nowhere else. Error and Status leave it out, so a Reply that is logged
// or recorded carries only its codes.
type Reply struct {
	Code     int
	Enhanced smtp.EnhancedCode
	Message  string
}

func (r *Reply) Error() string { return "upstream replied " + r.Status() }

// Status is the reply's code and enhanced code, such as "550 5.7.1" (the
// code alone when the upstream sent no enhanced code): all of an upstream
// answer that the relay logs or records.
func (r *Reply) Status() string { return status(r.Code, r.Enhanced) }

func status(code int, enh smtp.EnhancedCode) string {
	if enh == smtp.EnhancedCodeNotSet || enh == smtp.NoEnhancedCode {
		return strconv.Itoa(code)
	}
	return fmt.Sprintf("%d %d.%d.%d", code, enh[0], enh[1], enh[2])
}

// Accepted is the upstream's 250 to a message, as much of it as the relay
// logs or records: the enhanced code, and the upstream's queue id (to
// follow the message in the upstream's log) when its text has one in a
// form MTAs use — "queued as ID" (Postfix, dlprelay), "id=ID" (Exim). The
// rest of the text is not kept, for the reason Reply's text is not: a 250
// is free text too, and a filter may echo there what it saw.
type Accepted struct {
	Enhanced smtp.EnhancedCode // EnhancedCodeNotSet when the upstream sent none
	QueueID  string            // "" when the text has none in a known form
}

// Status is "250" and the enhanced code, such as "250 2.0.0".
func (a Accepted) Status() string { return status(250, a.Enhanced) }

// String is Status and the queue id, such as "250 2.0.0 queued as 4F1xQz9".
func (a Accepted) String() string {
	if a.QueueID == "" {
		return a.Status()
	}
	return a.Status() + " queued as " + a.QueueID
}

// queueIDRe finds the queue id in a 250 text: after "queued as " or "id=",
// 1 to 64 characters of what queue ids are made of.
var queueIDRe = regexp.MustCompile(`(?i)(?:\bqueued as |\bid=)([a-z0-9][a-z0-9._-]{0,63})(?:[^a-z0-9._@-]|$)`)

// accepted reads the 250 text go-smtp's client returns ("2.0.0 Ok: queued
// as 4F1xQz9": the enhanced code, if any, then the text).
func accepted(text string) Accepted {
	var a Accepted
	first, rest, _ := strings.Cut(text, " ")
	if enh, ok := parseEnhanced(first); ok && enh[0] == 2 {
		a.Enhanced, text = enh, rest
	}
	if m := queueIDRe.FindStringSubmatch(text); m != nil {
		a.QueueID = m[1]
	}
	return a
}

// parseEnhanced parses an enhanced status code such as "2.0.0" (RFC 3463:
// class.subject.detail, each at most three digits).
func parseEnhanced(s string) (smtp.EnhancedCode, bool) {
	parts := strings.Split(s, ".")
	if len(parts) != 3 {
		return smtp.EnhancedCode{}, false
	}
	var enh smtp.EnhancedCode
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || len(p) > 3 {
			return smtp.EnhancedCode{}, false
		}
		enh[i] = n
	}
	return enh, true
}

// Temporary reports whether the upstream answered with a 4xx.
func (r *Reply) Temporary() bool { return r.Code/100 == 4 }

// Forwarder hands out transactions on pooled upstream connections. It is safe
// for concurrent use.
type Forwarder struct {
	cfg Config

	mu     sync.Mutex
	idle   []*conn
	closed bool

	lastOK atomic.Int64 // unix nanos of the last successful upstream exchange
}

type conn struct {
	c      *smtp.Client
	w      *wire // what c writes to
	tls    bool
	idleAt time.Time
}

// wire is the connection under the SMTP client. It counts the writes since
// mark, so that Data can tell whether its final dot left: the client
// buffers what it writes, and the flush that ends the message is the last
// write before the answer is read.
type wire struct {
	net.Conn
	writes int  // complete writes since mark
	failed bool // a write since mark failed
}

func (w *wire) Write(b []byte) (int, error) {
	n, err := w.Conn.Write(b)
	if err != nil {
		w.failed = true
	} else {
		w.writes++
	}
	return n, err
}

func (w *wire) mark() { w.writes, w.failed = 0, false }

// sent reports whether all that was written since mark was handed to the
// network (a failed write leaves at least its end, the final dot, unsent).
func (w *wire) sent() bool { return w.writes > 0 && !w.failed }

// New returns a Forwarder; it connects lazily.
func New(cfg Config) *Forwarder {
	if cfg.TLS == "" {
		cfg.TLS = TLSOpportunistic
	}
	if cfg.LocalName == "" {
		cfg.LocalName = "localhost"
	}
	if cfg.ConnectTimeout <= 0 {
		cfg.ConnectTimeout = 30 * time.Second
	}
	if cfg.CommandTimeout <= 0 {
		cfg.CommandTimeout = 5 * time.Minute
	}
	if cfg.DataTimeout <= 0 {
		cfg.DataTimeout = 10 * time.Minute
	}
	return &Forwarder{cfg: cfg}
}

// LastContact is when the upstream last answered as expected (zero: never).
func (f *Forwarder) LastContact() time.Time {
	n := f.lastOK.Load()
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}

func (f *Forwarder) ok() { f.lastOK.Store(time.Now().UnixNano()) }

// SeedContact sets LastContact to t if the forwarder has had no contact
// yet: a forwarder that replaces one for the same upstream (a reload)
// inherits what is known about its health.
func (f *Forwarder) SeedContact(t time.Time) {
	if !t.IsZero() {
		f.lastOK.CompareAndSwap(0, t.UnixNano())
	}
}

// Close closes idle connections; transactions in flight finish normally and
// their connections are then closed instead of pooled.
func (f *Forwarder) Close() {
	f.mu.Lock()
	idle := f.idle
	f.idle, f.closed = nil, true
	f.mu.Unlock()
	for _, c := range idle {
		c.quit()
	}
}

// Probe opens a fresh connection, greets and quits: a health check.
func (f *Forwarder) Probe(ctx context.Context) error {
	c, err := f.dial(ctx)
	if err != nil {
		return err
	}
	c.quit()
	return nil
}

// Tx is one mail transaction on the upstream. Its methods must be called from
// one goroutine; exactly one of Data or Abort ends it.
type Tx struct {
	f    *Forwarder
	c    *conn
	rcpt int
	done bool
}

// Begin starts a transaction with MAIL FROM. A pooled connection that turns
// out to be dead is replaced once by a fresh one.
func (f *Forwarder) Begin(ctx context.Context, from string, opts *smtp.MailOptions) (*Tx, error) {
	var mo *smtp.MailOptions
	if opts != nil {
		// Pass on what the upstream must know; go-smtp's client adds
		// BODY=8BITMIME itself when the upstream offers it.
		mo = &smtp.MailOptions{Size: opts.Size, UTF8: opts.UTF8}
	}
	for attempt := 0; ; attempt++ {
		c, reused, err := f.get(ctx)
		if err != nil {
			return nil, err
		}
		if mo != nil && mo.UTF8 {
			if ok, _ := c.c.Extension("SMTPUTF8"); !ok {
				f.put(c)
				return nil, ErrNoUTF8
			}
		}
		err = c.c.Mail(from, mo)
		if err == nil {
			f.ok()
			return &Tx{f: f, c: c}, nil
		}
		cerr := classify(err)
		var r *Reply
		if errors.As(cerr, &r) {
			f.ok()
			f.reset(c)
			return nil, cerr
		}
		c.close()
		if reused && attempt == 0 {
			continue // the pooled connection had gone stale
		}
		return nil, cerr
	}
}

// Rcpt relays one recipient and returns the upstream's refusal, if any.
func (t *Tx) Rcpt(to string, opts *smtp.RcptOptions) error {
	if err := t.c.c.Rcpt(to, nil); err != nil {
		cerr := classify(err)
		var r *Reply
		if errors.As(cerr, &r) {
			t.f.ok()
		}
		return cerr
	}
	t.f.ok()
	t.rcpt++
	return nil
}

// Data sends the message: write is called with the dot-stuffing writer and
// must write the whole message. It returns what the relay keeps of the
// upstream's 250 (see Accepted); any other outcome is an error and the
// connection is not reused. The error is ErrUncertain when the final dot
// was sent and no refusal came back: the upstream may hold the message.
func (t *Tx) Data(write func(w io.Writer) error) (Accepted, error) {
	t.done = true
	dc, err := t.c.c.Data()
	if err != nil {
		cerr := classify(err)
		t.finish(cerr)
		return Accepted{}, cerr
	}
	// DataTimeout bounds the whole phase: sending the message (go-smtp sets
	// no deadline while it is written, so an upstream that stops reading
	// would hold the session or the release worker for good) and waiting
	// for the answer to the final dot, in what is left of it.
	deadline := time.Now().Add(t.f.cfg.DataTimeout)
	t.c.w.SetWriteDeadline(deadline)
	if err := write(dc); err != nil {
		// The upstream has seen part of the message; the connection cannot
		// be trusted to end that cleanly, so drop it: nothing is delivered.
		t.c.close()
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return Accepted{}, fmt.Errorf("%w: writing message: the upstream stopped reading for %v", ErrTimeout, t.f.cfg.DataTimeout)
		}
		return Accepted{}, fmt.Errorf("%w: writing message: %v", ErrUnavailable, err)
	}
	t.c.w.SetWriteDeadline(time.Time{})
	t.c.c.SubmissionTimeout = max(time.Until(deadline), time.Millisecond)
	t.c.w.mark()
	resp, err := dc.CloseWithResponse()
	if err != nil {
		cerr := classify(err)
		var r *Reply
		refusal := errors.As(cerr, &r) && (r.Code/100 == 4 || r.Code/100 == 5)
		if !refusal && t.c.w.sent() {
			t.c.close()
			return Accepted{}, fmt.Errorf("%w: %w", ErrUncertain, cerr)
		}
		t.finish(cerr)
		return Accepted{}, cerr
	}
	t.f.ok()
	t.f.put(t.c)
	return accepted(resp.StatusText), nil
}

// Abort ends the transaction without sending anything (RSET) and pools the
// connection when it is still healthy. Calling it after Data is a no-op.
func (t *Tx) Abort() {
	if t == nil || t.done {
		return
	}
	t.done = true
	t.f.reset(t.c)
}

// finish pools the connection after an SMTP-level refusal, closes it after
// anything else.
func (t *Tx) finish(err error) {
	var r *Reply
	if errors.As(err, &r) {
		t.f.ok()
		t.f.reset(t.c)
		return
	}
	t.c.close()
}

func (f *Forwarder) reset(c *conn) {
	if err := c.c.Reset(); err != nil {
		c.close()
		return
	}
	f.put(c)
}

func (f *Forwarder) get(ctx context.Context) (*conn, bool, error) {
	now := time.Now()
	f.mu.Lock()
	var stale []*conn
	var got *conn
	for len(f.idle) > 0 {
		c := f.idle[len(f.idle)-1]
		f.idle = f.idle[:len(f.idle)-1]
		if f.cfg.IdleTimeout > 0 && now.Sub(c.idleAt) > f.cfg.IdleTimeout {
			stale = append(stale, c)
			continue
		}
		got = c
		break
	}
	f.mu.Unlock()
	for _, c := range stale {
		c.close()
	}
	if got != nil {
		return got, true, nil
	}
	c, err := f.dial(ctx)
	return c, false, err
}

func (f *Forwarder) put(c *conn) {
	c.idleAt = time.Now()
	f.mu.Lock()
	if f.closed || len(f.idle) >= f.cfg.MaxIdle {
		f.mu.Unlock()
		c.quit()
		return
	}
	f.idle = append(f.idle, c)
	f.mu.Unlock()
}

// dial connects, greets, starts TLS as configured and authenticates.
func (f *Forwarder) dial(ctx context.Context) (*conn, error) {
	c, err := f.dialOnce(ctx, f.cfg.TLS != TLSNone)
	if err != nil && f.cfg.TLS == TLSOpportunistic && errors.Is(err, ErrTLS) && !errors.Is(err, errCredentialsNeedTLS) {
		// Opportunistic TLS falls back to plain text, as Postfix's "may".
		c, err = f.dialOnce(ctx, false)
	}
	return c, err
}

func (f *Forwarder) dialOnce(ctx context.Context, tryTLS bool) (*conn, error) {
	d := net.Dialer{Timeout: f.cfg.ConnectTimeout}
	nc, err := d.DialContext(ctx, "tcp", f.cfg.Address)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", unavailableOrTimeout(err), err)
	}
	nc.SetDeadline(time.Now().Add(f.cfg.CommandTimeout))
	c := &conn{}
	if tryTLS {
		tc, err := f.startTLS(nc)
		if err != nil {
			nc.Close()
			return nil, err
		}
		if tc != nil {
			nc, c.tls = tc, true
		}
		// go-smtp's client expects a greeting; the real one was read above.
		nc = &greeted{Conn: nc, r: io.MultiReader(strings.NewReader("220 greeted\r\n"), nc)}
	}
	c.w = &wire{Conn: nc}
	cl := smtp.NewClient(c.w)
	cl.CommandTimeout = f.cfg.CommandTimeout
	cl.SubmissionTimeout = f.cfg.DataTimeout
	c.c = cl
	if err := cl.Hello(f.cfg.LocalName); err != nil {
		cl.Close()
		return nil, refused("greeting or EHLO", classify(err))
	}
	if f.cfg.Username != "" {
		if !c.tls && f.cfg.TLS != TLSNone {
			cl.Close()
			return nil, fmt.Errorf("%w: %w: %w", ErrUnavailable, ErrTLS, errCredentialsNeedTLS)
		}
		if err := cl.Auth(sasl.NewPlainClient("", f.cfg.Username, f.cfg.Password)); err != nil {
			cl.Close()
			err = classify(err)
			var r *Reply
			if errors.As(err, &r) {
				// A refused login is our configuration problem, not the
				// sender's: always temporary so no mail bounces over it.
				return nil, refused("AUTH", r)
			}
			return nil, err
		}
	}
	nc.SetDeadline(time.Time{})
	f.ok()
	return c, nil
}

// startTLS reads the greeting, says EHLO and, when STARTTLS is offered,
// upgrades the connection. It returns nil when the upstream does not offer
// STARTTLS and TLS is not required. (go-smtp's client offers STARTTLS only
// with its own EHLO name, so this part is done by hand.)
func (f *Forwarder) startTLS(nc net.Conn) (net.Conn, error) {
	tp := textproto.NewConn(nc)
	if _, _, err := tp.ReadResponse(220); err != nil {
		return nil, refused("greeting", classify(toSMTPErr(err)))
	}
	id, err := tp.Cmd("EHLO %s", f.cfg.LocalName)
	if err != nil {
		return nil, classify(err)
	}
	tp.StartResponse(id)
	_, msg, err := tp.ReadResponse(250)
	tp.EndResponse(id)
	offered := false
	if err == nil {
		for _, l := range strings.Split(msg, "\n")[1:] {
			if strings.EqualFold(strings.TrimSpace(l), "STARTTLS") {
				offered = true
			}
		}
	}
	if !offered {
		if f.cfg.TLS == TLSRequired {
			return nil, fmt.Errorf("%w: %w: not offered and upstream.tls is required", ErrUnavailable, ErrTLS)
		}
		return nil, nil
	}
	id, err = tp.Cmd("STARTTLS")
	if err != nil {
		return nil, classify(err)
	}
	tp.StartResponse(id)
	_, _, err = tp.ReadResponse(220)
	tp.EndResponse(id)
	if err != nil {
		// classify keeps the refusal's codes, not its text.
		return nil, fmt.Errorf("%w: %w: STARTTLS: %v", ErrUnavailable, ErrTLS, classify(toSMTPErr(err)))
	}
	tc := tls.Client(nc, f.tlsConfig())
	if err := tc.Handshake(); err != nil {
		return nil, fmt.Errorf("%w: %w: %v", ErrUnavailable, ErrTLS, err)
	}
	return tc, nil
}

func toSMTPErr(err error) error {
	var pe *textproto.Error
	if errors.As(err, &pe) {
		return &smtp.SMTPError{Code: pe.Code, Message: pe.Msg}
	}
	return err
}

// greeted replays a greeting line in front of a connection.
type greeted struct {
	net.Conn
	r io.Reader
}

func (g *greeted) Read(b []byte) (int, error) { return g.r.Read(b) }

// tlsConfig is the client TLS configuration. Opportunistic TLS encrypts
// without verifying the certificate (as Postfix's "may" level: an
// unverifiable certificate is still better than plain text); required TLS
// verifies it against ca_file (or the system roots) and server_name (or the
// host of address).
func (f *Forwarder) tlsConfig() *tls.Config {
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if f.cfg.TLSConfig != nil {
		tc = f.cfg.TLSConfig.Clone()
	}
	if tc.ServerName == "" {
		host, _, _ := net.SplitHostPort(f.cfg.Address)
		tc.ServerName = host
	}
	if f.cfg.TLS == TLSOpportunistic {
		tc.InsecureSkipVerify = true
	}
	return tc
}

func (c *conn) close() { c.c.Close() }

// quit says goodbye without waiting long.
func (c *conn) quit() {
	go func() {
		c.c.Quit()
		c.c.Close()
	}()
}

// errCredentialsNeedTLS: STARTTLS failed and a username is configured; the
// plain-text fallback of opportunistic TLS would not send it either.
var errCredentialsNeedTLS = errors.New("no TLS, so the credentials are not sent")

// refused marks an upstream reply to the session's setup (at is the
// step) as ErrRefused; other errors (timeouts, broken connections) pass.
// Like every error of this package it has the reply's codes, not its text.
func refused(at string, err error) error {
	var r *Reply
	if errors.As(err, &r) {
		return fmt.Errorf("%w: %w: %s: %s", ErrUnavailable, ErrRefused, at, r.Status())
	}
	return err
}

// classify turns an error from go-smtp's client into *Reply, ErrTimeout or
// ErrUnavailable. A reply that is not SMTP (textproto's ProtocolError
// quotes the line) is ErrUnavailable without the line: it is the
// upstream's text.
func classify(err error) error {
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		return &Reply{Code: se.Code, Enhanced: se.EnhancedCode, Message: se.Message}
	}
	var pe textproto.ProtocolError
	if errors.As(err, &pe) {
		return fmt.Errorf("%w: the upstream's reply is not SMTP", ErrUnavailable)
	}
	return fmt.Errorf("%w: %v", unavailableOrTimeout(err), err)
}

func unavailableOrTimeout(err error) error {
	var ne net.Error
	if errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		return ErrTimeout
	}
	return ErrUnavailable
}
