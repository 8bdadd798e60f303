// Package smtpd is the relay's SMTP side: it accepts connections from the
// company MTA (allowed networks or authenticated clients only), speaks SMTP
// with go-smtp, and per transaction hands the envelope to the upstream
// forwarder, the message to the inspection engine and the verdict to
// delivery, quarantine or rejection. It only translates protocol; detection
// lives in detect/, rules in policy/. Every reply comes from toReply or the
// named replies in reply.go.
package smtpd

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/dlprelay/dlprelay/relay/inspect"
	"github.com/dlprelay/dlprelay/relay/metrics"
	"github.com/dlprelay/dlprelay/relay/notify"
	"github.com/dlprelay/dlprelay/relay/quarantine"
	"github.com/dlprelay/dlprelay/relay/upstream"
)

// Options are fixed for the life of a Server.
type Options struct {
	Hostname          string
	MaxMessageBytes   int64
	MaxRecipients     int
	MaxLineLength     int
	MaxDataLineLength int
	ReadTimeout       time.Duration
	WriteTimeout      time.Duration
	// DataTimeout bounds the whole DATA phase of one message, however the
	// client paces its bytes (a client dribbling a byte per read_timeout
	// would otherwise hold a session for days); 0: no bound.
	DataTimeout    time.Duration
	MaxConnections int
	// TLSConfig enables STARTTLS when not nil.
	TLSConfig *tls.Config
	// NormalizeBareEOL rewrites bare CR/LF in DATA to CRLF instead of
	// rejecting the message.
	NormalizeBareEOL bool
	// SpoolDir holds temporary files for large messages.
	SpoolDir string
	// SpoolMemory is how many bytes of a message stay in memory before it
	// spills to SpoolDir. Default 1 MiB.
	SpoolMemory int

	Logger  *slog.Logger
	Metrics *metrics.Metrics
	// Notifier sends the notification mails verdicts ask for; nil sends
	// none.
	Notifier Notifier
}

// Notifier queues a notification mail. Send must not block the session;
// delivery happens later, best effort.
type Notifier interface {
	Send(n notify.Notice)
}

// Quarantine stores held messages. Put must have the message durably on disk
// (fsync + atomic rename) before it returns nil; on error nothing is stored.
type Quarantine interface {
	Put(e quarantine.Entry, msg io.Reader) (quarantine.Entry, error)
}

// Inspector judges one message. Inspect returns an error only when the
// message could not be judged; the relay then temp-fails it (fail closed).
// It must be safe for concurrent use.
type Inspector interface {
	Inspect(ctx context.Context, env inspect.Envelope, msg io.Reader) (inspect.Decision, error)
}

// Live is what a reload (SIGHUP) replaces. Each transaction takes the Live in
// force at its MAIL command and keeps it to the end, so one message is never
// judged by two rule sets.
type Live struct {
	Engine     Inspector
	Upstream   *upstream.Forwarder
	Quarantine Quarantine
	// Allowed are the client networks that may relay without AUTH.
	Allowed []netip.Prefix
	// Users enables AUTH PLAIN/LOGIN when not nil: name → bcrypt hash.
	Users map[string][]byte
	// CheckPassword verifies a user's password against Users.
	CheckPassword func(users map[string][]byte, user, pass string) bool
	// AllowInsecureAuth offers AUTH without TLS.
	AllowInsecureAuth bool
	// Officers receive notifications addressed to officers.
	Officers []string
	// SubjectTag is put in front of the Subject of flagged mail; empty:
	// the Subject is left alone.
	SubjectTag string
}

func (l *Live) allowed(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range l.Allowed {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// Server is the SMTP listener.
type Server struct {
	opts Options
	log  *slog.Logger
	m    *metrics.Metrics
	srv  *smtp.Server
	live atomic.Pointer[Live]

	conns    atomic.Int64 // open connections
	inTx     atomic.Int64 // transactions between MAIL and their end
	draining atomic.Bool

	mu        sync.Mutex
	listeners []net.Listener
	wires     map[*wire]struct{} // open connections, closed by Shutdown
	serving   sync.WaitGroup     // Serve calls running
}

// New returns a Server that serves with live until SetLive replaces it.
func New(opts Options, live *Live) *Server {
	if opts.SpoolMemory <= 0 {
		opts.SpoolMemory = 1 << 20
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Metrics == nil {
		opts.Metrics = metrics.New("test", nil, nil)
	}
	s := &Server{opts: opts, log: opts.Logger, m: opts.Metrics, wires: map[*wire]struct{}{}}
	s.live.Store(live)
	srv := smtp.NewServer(smtp.BackendFunc(s.newSession))
	srv.Domain = opts.Hostname
	srv.MaxMessageBytes = opts.MaxMessageBytes
	srv.MaxRecipients = opts.MaxRecipients
	srv.MaxLineLength = 0 // wire bounds lines and answers instead of hanging up
	srv.ReadTimeout = opts.ReadTimeout
	srv.WriteTimeout = opts.WriteTimeout
	srv.EnableSMTPUTF8 = true
	srv.AllowInsecureAuth = true // wire does TLS; Session.AuthMechanisms decides
	srv.ErrorLog = errorLog{s.log}
	s.srv = srv
	return s
}

// SetLive swaps in a new configuration for connections opened from now on
// and returns the previous one.
func (s *Server) SetLive(l *Live) *Live { return s.live.Swap(l) }

// Live returns the configuration in force.
func (s *Server) Live() *Live { return s.live.Load() }

// Serve accepts connections on ln until Shutdown.
func (s *Server) Serve(ln net.Listener) error {
	g := &gate{Listener: ln, s: s}
	s.mu.Lock()
	if s.draining.Load() {
		s.mu.Unlock()
		ln.Close()
		return nil
	}
	s.listeners = append(s.listeners, g)
	s.serving.Add(1)
	s.mu.Unlock()
	defer s.serving.Done()
	err := s.srv.Serve(g)
	if s.draining.Load() {
		return nil
	}
	return err
}

// Shutdown stops accepting, lets transactions in flight finish until ctx is
// done, then closes every connection. A transaction cut off this way never got
// its 250, so the client keeps the message and retries.
func (s *Server) Shutdown(ctx context.Context) error {
	s.draining.Store(true)
	s.mu.Lock()
	for _, l := range s.listeners {
		l.Close()
	}
	s.mu.Unlock()
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	var err error
wait:
	for s.inTx.Load() > 0 {
		select {
		case <-ctx.Done():
			err = ctx.Err()
			break wait
		case <-t.C:
		}
	}
	// Close the connections under their handlers rather than with go-smtp's
	// Server.Close: that closes each session from this goroutine while its
	// handler may still be using it (a data race in go-smtp v0.25.1), and
	// its Logout would abort an upstream transaction under a running DATA.
	// A handler sees its connection end and closes the session itself.
	s.mu.Lock()
	open := make([]*wire, 0, len(s.wires))
	for w := range s.wires {
		open = append(open, w)
	}
	s.mu.Unlock()
	for _, w := range open {
		w.Close()
	}
	// Handlers out of DATA end at once. One still waiting for the upstream
	// (the drain deadline passed) ends when the upstream answers; its client
	// has no 250 and keeps the message.
	// go-smtp counts handlers in a WaitGroup that its Serve adds to; wait
	// for the Serve loops to return first, so no Add can meet the Wait.
	s.serving.Wait()
	hctx, cancel := context.WithTimeout(context.Background(), handlerWait)
	defer cancel()
	s.srv.Shutdown(hctx)
	return err
}

// handlerWait bounds how long Shutdown waits for session handlers after it
// closed their connections.
const handlerWait = time.Second

// InFlight reports open connections and transactions in progress.
func (s *Server) InFlight() (conns, transactions int64) { return s.conns.Load(), s.inTx.Load() }

// Ready reports whether the server can take mail: not draining, and the
// upstream answered within the last `within` (zero: not checked).
func (s *Server) Ready(within time.Duration) error {
	if s.draining.Load() {
		return errors.New("shutting down")
	}
	l := s.live.Load()
	if l == nil || l.Engine == nil {
		return errors.New("no customer list loaded")
	}
	if within > 0 {
		last := l.Upstream.LastContact()
		if last.IsZero() || time.Since(last) > within {
			return errors.New("upstream not reached recently")
		}
	}
	return nil
}

// ProbeUpstream checks the upstream every interval unless real traffic
// already did, so /readyz reflects its health on a quiet relay. It returns
// when ctx is done.
func (s *Server) ProbeUpstream(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		l := s.live.Load()
		if time.Since(l.Upstream.LastContact()) >= interval {
			pctx, cancel := context.WithTimeout(ctx, interval)
			if err := l.Upstream.Probe(pctx); err != nil {
				s.m.UpstreamErrors.WithLabelValues(errorClass(err)).Inc()
				s.log.Warn("upstream probe failed", "err", err)
			}
			cancel()
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// gate admits connections: allowed networks (or any client when AUTH is on,
// which then must authenticate before MAIL) and at most MaxConnections.
// Refused clients get one reply line and are closed.
type gate struct {
	net.Listener
	s *Server
}

func (g *gate) Accept() (net.Conn, error) {
	s := g.s
	for {
		c, err := g.Listener.Accept()
		if err != nil {
			return nil, err
		}
		live := s.live.Load()
		addr := remoteAddr(c)
		if !live.allowed(addr) && live.Users == nil {
			s.m.Connections.WithLabelValues("denied_network").Inc()
			s.log.Info("connection refused", "client", addr.String(), "reason", "network not allowed")
			go s.refuse(c, replyNetworkDenied)
			continue
		}
		if max := s.opts.MaxConnections; max > 0 && s.conns.Load() >= int64(max) {
			s.m.Connections.WithLabelValues("denied_limit").Inc()
			s.log.Warn("connection refused", "client", addr.String(), "reason", "too many connections")
			go s.refuse(c, replyTooManyConns)
			continue
		}
		w := newWire(c, s.opts.TLSConfig, s.opts.MaxLineLength, s.opts.MaxDataLineLength, s.opts.ReadTimeout)
		w.dataTimeout = s.opts.DataTimeout
		w.onReply = s.m.Reply
		w.onClose = func() {
			s.mu.Lock()
			delete(s.wires, w)
			s.mu.Unlock()
			s.conns.Add(-1)
			s.m.SessionsInFlight.Dec()
		}
		s.mu.Lock()
		if s.draining.Load() {
			// Accepted just as Shutdown closed the listener, which may
			// already have closed the open connections.
			s.mu.Unlock()
			c.Close()
			continue
		}
		s.wires[w] = struct{}{}
		s.conns.Add(1)
		s.m.SessionsInFlight.Inc()
		s.mu.Unlock()
		s.m.Connections.WithLabelValues("accepted").Inc()
		return w, nil
	}
}

func (s *Server) refuse(c net.Conn, r *smtp.SMTPError) {
	defer c.Close()
	c.SetWriteDeadline(time.Now().Add(5 * time.Second))
	s.m.Reply(r.Code)
	io.WriteString(c, formatReply(s.opts.Hostname, r))
}

func formatReply(host string, r *smtp.SMTPError) string {
	e := r.EnhancedCode
	return fmt.Sprintf("%d %d.%d.%d %s %s\r\n", r.Code, e[0], e[1], e[2], host, r.Message)
}

func remoteAddr(c net.Conn) netip.Addr {
	if ta, ok := c.RemoteAddr().(*net.TCPAddr); ok {
		if a, ok := netip.AddrFromSlice(ta.IP); ok {
			return a.Unmap()
		}
	}
	return netip.Addr{}
}

// errorLog routes go-smtp's own log lines to slog at debug level: they are
// connection noise (resets, timeouts), not decisions.
type errorLog struct{ l *slog.Logger }

func (e errorLog) Printf(format string, v ...interface{}) {
	e.l.Debug("smtp", "msg", fmt.Sprintf(format, v...))
}
func (e errorLog) Println(v ...interface{}) { e.l.Debug("smtp", "msg", fmt.Sprint(v...)) }
