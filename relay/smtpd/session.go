package smtpd

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/mail"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-message/charset"
	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/dlprelay/dlprelay/detect"
	"github.com/dlprelay/dlprelay/policy"
	"github.com/dlprelay/dlprelay/relay/inspect"
	"github.com/dlprelay/dlprelay/relay/notify"
	"github.com/dlprelay/dlprelay/relay/quarantine"
	"github.com/dlprelay/dlprelay/relay/upstream"
)

// session is one client connection. go-smtp calls its methods from the
// connection's goroutine only.
type session struct {
	s      *Server
	live   *Live
	w      *wire
	client netip.Addr
	helo   string
	user   string // authenticated user, "" if none
	fails  int    // failed AUTH attempts
	tx     *transaction
}

// transaction is one MAIL … DATA exchange.
type transaction struct {
	id    string
	from  string
	opts  smtp.MailOptions
	rcpts []string
	up    *upstream.Tx
}

func (s *Server) newSession(c *smtp.Conn) (smtp.Session, error) {
	w, ok := c.Conn().(*wire)
	if !ok {
		return nil, replyInternal
	}
	sess := &session{s: s, live: s.live.Load(), w: w, client: remoteAddr(w.raw), helo: printableLine(c.Hostname(), 255)}
	w.inTx = func() bool { return sess.tx != nil }
	return sess, nil
}

var (
	_ smtp.Session     = (*session)(nil)
	_ smtp.AuthSession = (*session)(nil)
)

func (ss *session) Reset() { ss.endTx() }

func (ss *session) Logout() error {
	ss.endTx()
	return nil
}

func (ss *session) endTx() {
	if ss.tx == nil {
		return
	}
	ss.tx.up.Abort()
	ss.tx = nil
	ss.s.inTx.Add(-1)
}

func (ss *session) authAllowed() bool {
	if ss.live.Users == nil {
		return false
	}
	_, isTLS := ss.w.TLS()
	return isTLS || ss.live.AllowInsecureAuth
}

// AuthMechanisms offers AUTH only when a users file is configured and the
// connection is encrypted (or insecure AUTH is explicitly allowed).
// maxAuthFailures is how many failed AUTH attempts a connection gets before
// it is closed.
const maxAuthFailures = 3

func (ss *session) AuthMechanisms() []string {
	if !ss.authAllowed() || ss.user != "" {
		return nil
	}
	return []string{sasl.Plain, sasl.Login}
}

func (ss *session) Auth(mech string) (sasl.Server, error) {
	if ss.live.Users == nil {
		return nil, smtp.ErrAuthUnsupported
	}
	if !ss.authAllowed() {
		return nil, replyAuthNeedsTLS
	}
	check := func(user, pass string) error {
		if !ss.live.CheckPassword(ss.live.Users, user, pass) {
			ss.fails++
			ss.s.log.Warn("authentication failed", "client", ss.client.String(), "attempt", ss.fails)
			if ss.fails >= maxAuthFailures {
				// Password guessing: answer, then hang up.
				ss.w.closeAfterReply = true
			}
			return replyAuthFailed
		}
		ss.user = user
		return nil
	}
	switch strings.ToUpper(mech) {
	case sasl.Plain:
		return sasl.NewPlainServer(func(identity, user, pass string) error {
			if identity != "" && identity != user {
				return replyAuthFailed
			}
			return check(user, pass)
		}), nil
	case sasl.Login:
		return &loginServer{check: check}, nil
	}
	return nil, smtp.ErrAuthUnknownMechanism
}

func (ss *session) Mail(from string, opts *smtp.MailOptions) error {
	// Each transaction takes the configuration in force now, so a reload
	// reaches connections the client keeps open for reuse.
	ss.live = ss.s.live.Load()
	switch {
	case ss.s.draining.Load():
		ss.w.closeAfterReply = true // RFC 5321 §3.8: 421 closes the channel
		return replyShuttingDown
	case ss.w.tlsActive && !ss.w.heloAfterTLS:
		return replyNeedHelo // RFC 3207 §4.2: forget the pre-TLS EHLO
	case ss.tx != nil:
		return replyNestedMail
	case !ss.live.allowed(ss.client) && ss.user == "":
		if ss.live.Users == nil {
			// No AUTH to offer (a reload removed the client's network).
			return replyNetworkDenied
		}
		return replyAuthRequired
	case from != "" && !plainAddress(from):
		return replyBadSenderSyntax
	}
	tx := &transaction{id: newID(), from: from}
	if opts != nil {
		tx.opts = *opts
	}
	up, err := ss.live.Upstream.Begin(context.Background(), from, opts)
	if err != nil {
		ss.upstreamError(err)
		ss.s.log.Warn("upstream refused MAIL", append([]any{"id", tx.id, "client", ss.client.String()}, upstreamAttrs(err)...)...)
		return toReply(err, atMail)
	}
	tx.up = up
	ss.tx = tx
	ss.s.inTx.Add(1)
	return nil
}

func (ss *session) Rcpt(to string, opts *smtp.RcptOptions) error {
	if ss.tx == nil {
		return replyNeedMail
	}
	if !plainAddress(to) {
		return replyBadRcptSyntax
	}
	if err := ss.tx.up.Rcpt(to, opts); err != nil {
		ss.upstreamError(err)
		// The recipient is not logged: it may be a customer's address.
		ss.s.log.Info("upstream refused RCPT", append([]any{"id", ss.tx.id, "client", ss.client.String()}, upstreamAttrs(err)...)...)
		return toReply(err, atRcpt)
	}
	ss.tx.rcpts = append(ss.tx.rcpts, to)
	return nil
}

// Data reads the message, has it judged, and carries out the verdict. The
// client gets 250 only after the upstream answered 250 or the message is
// durably in quarantine.
func (ss *session) Data(r io.Reader) error {
	tx := ss.tx
	if tx == nil {
		return replyBadSequence
	}
	defer ss.endTx()
	log := ss.s.log.With("id", tx.id, "client", ss.client.String())

	sp := newSpool(ss.s.opts.SpoolDir, ss.s.opts.SpoolMemory)
	defer sp.Close()
	var in io.Reader = r
	if ss.s.opts.NormalizeBareEOL {
		in = &eolNormalizer{r: r}
	}
	if _, err := io.Copy(sp, in); err != nil {
		if errors.Is(err, smtp.ErrDataTooLarge) {
			log.Info("message refused", "reason", "too big")
			return replyTooBig
		}
		if errors.Is(err, errDataTimeout) {
			log.Info("message refused", "reason", "data timeout", "size_so_far", sp.Size())
			ss.w.closeAfterReply = true
			return replyDataTimeout
		}
		log.Warn("reading message failed", "err", err)
		return replyInternal
	}
	ss.s.m.MessageBytes.Observe(float64(sp.Size()))
	if ss.w.longLine {
		log.Info("message refused", "reason", "line too long")
		return replyLongLine
	}
	if ss.w.bareEOL && !ss.s.opts.NormalizeBareEOL {
		log.Info("message refused", "reason", "bare CR or LF")
		return replyBareEOL
	}

	env := inspect.Envelope{Sender: tx.from, Recipients: tx.rcpts}
	d, err := ss.live.Engine.Inspect(context.Background(), env, sp.Reader())
	if d.Scanned || err != nil {
		ss.s.m.ScanSeconds.Observe(d.ScanTime.Seconds())
	}
	if err != nil {
		ss.s.m.Messages.WithLabelValues("error").Inc()
		log.Error("scan failed; message temp-failed", "err", err)
		return replyInternal
	}
	// Unless deliver reports it sent, the message's records were never
	// sent: the sender history forgets them.
	defer d.NotSent()
	v := d.Verdict
	ss.observe(d)
	log = log.With("sender", tx.from, "recipients", len(tx.rcpts), "size", sp.Size(),
		"verdict", v.Action.String(), "rule", v.Rule, "fired", firedList(v.Fired), "reasons", reasonList(v.Reasons),
		"records", v.Records, "high_records", v.HighRecords, "classes", classList(v.Classes),
		"unscannable", len(d.Result.Unscannable), "scan_ms", d.ScanTime.Milliseconds())
	if d.Watchlisted {
		log = log.With("watchlisted", true)
	}
	if v.Monitored() {
		log = log.With("would", v.Would.String(), "would_rule", v.WouldRule)
	}

	switch v.Action {
	case policy.Pass, policy.Flag:
		return ss.deliver(log, tx, d, sp)
	case policy.Quarantine:
		tx.up.Abort()
		msg, forged := cleanReader(sp.Reader())
		e, err := ss.live.Quarantine.Put(quarantine.Entry{
			ID: tx.id, Received: time.Now().UTC(), ClientAddr: ss.client.String(), Helo: ss.helo,
			Sender: tx.from, Recipients: tx.rcpts, Verdict: v.Action.String(), Reasons: reasonList(v.Reasons),
			Rules: firedList(v.Fired), Records: v.Records, RecordIDs: d.RecordIDs(),
			Subject: subject(sp.Reader()), Findings: findings(d),
		}, msg)
		msg.Close()
		if err != nil {
			ss.s.m.Messages.WithLabelValues("error").Inc()
			log.Error("quarantine failed; message temp-failed", "err", err)
			return replyInternal
		}
		ss.s.m.Messages.WithLabelValues(v.Action.String()).Inc()
		ss.s.m.Quarantined.Inc()
		log.Info("message quarantined", "quarantine_id", e.ID, "forged_headers_removed", <-forged)
		ss.notify(tx, v, e.ID)
		return queued(tx.id)
	default: // policy.Reject, and anything newer than this code: refuse.
		tx.up.Abort()
		log.Info("message rejected")
		ss.notify(tx, v, "")
		r := *replyPolicyReject
		if v.Message != "" {
			r.Message = printableLine(v.Message, policy.MaxRejectMessage)
		}
		return &r
	}
}

// maxSubjectHeader bounds how much of a message subject reads to find the
// Subject header.
const maxSubjectHeader = 64 << 10

// subject returns the decoded Subject of msg for the quarantine's list, ""
// if there is none in the first maxSubjectHeader bytes. Encoded words in
// an unknown charset stay encoded. The quarantine makes it one line.
func subject(msg io.Reader) string {
	m, err := mail.ReadMessage(io.LimitReader(msg, maxSubjectHeader))
	if err != nil {
		return ""
	}
	raw := m.Header.Get("Subject")
	dec := mime.WordDecoder{CharsetReader: charset.Reader}
	s, err := dec.DecodeHeader(raw)
	if err != nil {
		return raw
	}
	return s
}

// findings is the stored form of the records detection found (IDs, fields,
// parts, offsets; never values) for the quarantine's console: a
// detect.Findings carrying the extractor version that placed the offsets,
// so that a later relay with another extractor does not cut its text at
// them. A scanned message with no record gets findings too (no records,
// the version): they say which extractor found its headers and file names
// clear. Nil for a message that was not scanned.
func findings(d inspect.Decision) json.RawMessage {
	if d.Result == nil || len(d.Result.Records) == 0 && !d.Scanned {
		return nil
	}
	b, err := detect.EncodeFindings(detect.NewFindings(d.Result))
	if err != nil {
		return nil // cannot happen; the entry is then held without findings, its Subject withheld
	}
	return b
}

// observe counts a decision in the metrics.
func (ss *session) observe(d inspect.Decision) {
	m, v := ss.s.m, d.Verdict
	m.ScanBytes.Add(float64(d.Result.BytesScanned))
	if v.Action != policy.Quarantine {
		// A quarantine is counted once it is durable (Data): a failed
		// write temp-fails the message, which counts as "error".
		m.Messages.WithLabelValues(v.Action.String()).Inc()
	}
	if d.Scanned {
		m.MessageRecords.Observe(float64(v.Records))
	}
	for _, r := range v.Reasons {
		m.Reasons.WithLabelValues(string(r)).Inc()
	}
	for _, f := range v.Fired {
		mode := "enforce"
		if f.Monitor {
			mode = "monitor"
		}
		m.RuleFired.WithLabelValues(f.Rule, f.Action.String(), mode).Inc()
		if slices.Contains(f.Reasons, policy.ReasonRecordsWindow) {
			m.WindowTriggers.WithLabelValues(f.Rule).Inc()
		}
	}
	if v.Monitored() {
		m.MonitorWould.WithLabelValues(v.Would.String()).Inc()
	}
	for _, u := range d.Result.Unscannable {
		m.Unscannable.WithLabelValues(string(u.Reason)).Inc()
	}
}

// notify queues the notifications the verdict asks for. They carry no
// customer data: ids, counts, rule names and recipient classes.
func (ss *session) notify(tx *transaction, v policy.Verdict, quarantineID string) {
	n := ss.s.opts.Notifier
	if n == nil || len(v.Notify) == 0 {
		return
	}
	base := notify.Notice{
		Action: v.Action.String(), MessageID: tx.id, QuarantineID: quarantineID, Sender: tx.from,
		Recipients: len(tx.rcpts), Classes: classList(v.Classes), Rules: firedList(v.Fired),
		Records: v.Records, Time: time.Now(),
	}
	for _, audience := range v.Notify {
		nt := base
		nt.Audience = audience
		switch audience {
		case policy.NotifyOfficers:
			nt.To = ss.live.Officers
		case policy.NotifySender:
			if tx.from == "" {
				continue // null sender: bounces are not answered
			}
			nt.To = []string{tx.from}
		}
		if len(nt.To) > 0 {
			n.Send(nt)
		}
	}
}

// deliver forwards the message with a Received: header and the X-DLP-*
// headers (see writeDLPHeaders) prepended, the client's own X-DLP-* headers
// removed, the Subject tagged when flagged and configured, the rest byte for
// byte.
func (ss *session) deliver(log *slog.Logger, tx *transaction, d inspect.Decision, sp *spool) error {
	var hdr strings.Builder
	ss.received(&hdr, tx)
	v := d.Verdict
	writeDLPHeaders(&hdr, v, tx.id)
	tag := ""
	if v.Action == policy.Flag {
		tag = ss.live.SubjectTag
	}
	start := time.Now()
	forged := 0
	acc, err := tx.up.Data(func(w io.Writer) error {
		if _, err := io.WriteString(w, hdr.String()); err != nil {
			return err
		}
		n, err := cleanHeader(w, sp.Reader(), tag)
		forged = n
		return err
	})
	ss.s.m.UpstreamSeconds.Observe(time.Since(start).Seconds())
	if err != nil {
		ss.upstreamError(err)
		log.Warn("upstream refused message", upstreamAttrs(err)...)
		return toReply(err, atData)
	}
	if err := d.Sent(context.Background()); err != nil {
		// The upstream has it: a 4xx now would only send it twice.
		log.Error("sender history not written after delivery; the records stay counted in memory until it is", "err", err)
	}
	log.Info("message delivered", "upstream_reply", acc.Status(), "upstream_queue_id", acc.QueueID, "forged_headers_removed", forged)
	if v.Action == policy.Flag {
		ss.notify(tx, v, "")
	}
	return queued(tx.id)
}

// received writes the trace header (RFC 5321 §4.4, protocol names RFC 3848
// and RFC 6531).
func (ss *session) received(b *strings.Builder, tx *transaction) {
	_, isTLS := ss.w.TLS()
	proto := "SMTP"
	if ss.w.ehlo {
		proto = "ESMTP"
		if tx.opts.UTF8 {
			proto = "UTF8SMTP"
		}
		if isTLS {
			proto += "S"
		}
		if ss.user != "" {
			proto += "A"
		}
	}
	helo := ss.helo
	if helo == "" {
		helo = "unknown"
	}
	fmt.Fprintf(b, "Received: from %s ([%s])\r\n\tby %s (dlprelay) with %s id %s", helo, ss.client, ss.s.opts.Hostname, proto, tx.id)
	if len(tx.rcpts) == 1 && !strings.ContainsAny(tx.rcpts[0], "\r\n") {
		fmt.Fprintf(b, "\r\n\tfor <%s>", tx.rcpts[0])
	}
	fmt.Fprintf(b, "; %s\r\n", time.Now().Format(time.RFC1123Z))
}

func (ss *session) upstreamError(err error) {
	ss.s.m.UpstreamErrors.WithLabelValues(errorClass(err)).Inc()
}

// upstreamAttrs are the log attributes of an upstream failure: its class
// and, when the upstream answered, its code and enhanced code (reply);
// otherwise the error (err), a timeout or a broken connection. Never the
// upstream's text, which often quotes the recipient or the message (see
// upstream.Reply).
func upstreamAttrs(err error) []any {
	attrs := []any{"class", errorClass(err)}
	var r *upstream.Reply
	if errors.As(err, &r) {
		return append(attrs, "reply", r.Status())
	}
	return append(attrs, "err", err)
}

func errorClass(err error) string {
	var r *upstream.Reply
	switch {
	case errors.As(err, &r) && r.Temporary():
		return "4xx"
	case errors.As(err, &r):
		return "5xx"
	case errors.Is(err, upstream.ErrTimeout):
		return "timeout"
	}
	return "unavailable"
}

func queued(id string) error {
	// go-smtp sends an *SMTPError returned from Data as the reply, which is
	// the only way to choose the text of a 250.
	return &smtp.SMTPError{Code: 250, EnhancedCode: smtp.EnhancedCode{2, 0, 0}, Message: "Ok: queued as " + id}
}

// firedList names the rules that fired, enforced and monitored.
func firedList(fs []policy.Fired) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.Rule
	}
	return out
}

// enforcedList names the enforced rules that fired.
func enforcedList(fs []policy.Fired) []string {
	var out []string
	for _, f := range fs {
		if !f.Monitor {
			out = append(out, f.Rule)
		}
	}
	return out
}

// enforcedReasons lists the distinct reasons of the enforced rules that
// fired, in the order first seen: the reasons of the rules enforcedList
// names.
func enforcedReasons(fs []policy.Fired) []string {
	var out []string
	for _, f := range fs {
		if f.Monitor {
			continue
		}
		for _, r := range f.Reasons {
			if !slices.Contains(out, string(r)) {
				out = append(out, string(r))
			}
		}
	}
	return out
}

func classList(cs []policy.Class) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = string(c)
	}
	return out
}

func reasonList(rs []policy.Reason) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = string(r)
	}
	return out
}

var idEncoding = base32.NewEncoding("0123456789abcdefghijklmnopqrstuv").WithPadding(base32.NoPadding)

// newID returns a sortable, unique transaction id: UTC time to the
// millisecond plus 40 random bits.
func newID() string {
	var b [5]byte
	rand.Read(b[:])
	t := time.Now().UTC()
	return t.Format("20060102T150405") + strconv.Itoa(t.Nanosecond()/1e6 + 1000)[1:] + "-" + idEncoding.EncodeToString(b[:])
}

// loginServer is the server side of AUTH LOGIN (draft-murchison-sasl-login),
// which go-sasl only provides as a client.
type loginServer struct {
	check func(user, pass string) error
	user  string
	state int
}

func (l *loginServer) Next(response []byte) ([]byte, bool, error) {
	switch l.state {
	case 0:
		l.state = 1
		if len(response) == 0 {
			return []byte("Username:"), false, nil
		}
		l.user = string(response)
		l.state = 2
		return []byte("Password:"), false, nil
	case 1:
		l.user = string(response)
		l.state = 2
		return []byte("Password:"), false, nil
	case 2:
		l.state = 3
		return nil, true, l.check(l.user, string(response))
	}
	return nil, false, replyAuthFailed
}
