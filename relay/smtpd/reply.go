package smtpd

import (
	"context"
	"errors"
	"net"
	"os"
	"strings"

	"github.com/emersion/go-smtp"

	"github.com/dlprelay/dlprelay/relay/upstream"
)

// Reply codes used by the relay, with the RFC that defines each. Enhanced
// codes are from RFC 3463 and the IANA registry (RFC 5248).
var (
	// RFC 5321 §4.2.3: 554 at connection opening means "no SMTP service here".
	replyNetworkDenied = reply(554, 5, 7, 1, "Error: client host rejected: access denied")
	// RFC 5321 §4.2.3: 421 closes the channel; X.7.0 other security status.
	replyTooManyConns = reply(421, 4, 7, 0, "Error: too many connections, try again later")
	// RFC 5321 §4.2.3: 503 bad sequence of commands.
	replyNestedMail  = reply(503, 5, 5, 1, "Error: nested MAIL command")
	replyNeedMail    = reply(503, 5, 5, 1, "Error: need MAIL command")
	replyNeedHelo    = reply(503, 5, 5, 1, "Error: send HELO/EHLO first")
	replyBadSequence = reply(503, 5, 5, 1, "Error: bad sequence of commands")
	// RFC 4954 §6: 530 5.7.0 authentication required; 538 5.7.11 encryption required.
	replyAuthRequired = reply(530, 5, 7, 0, "Error: authentication required")
	replyAuthNeedsTLS = reply(538, 5, 7, 11, "Error: encryption required for requested authentication mechanism")
	replyAuthFailed   = reply(535, 5, 7, 8, "Error: authentication failed")
	// RFC 5321 §4.2.3 421: service shutting down.
	replyShuttingDown = reply(421, 4, 3, 2, "Error: service shutting down, try again later")
	// The DATA phase outlasted smtp.data_timeout; the connection closes.
	replyDataTimeout = reply(421, 4, 4, 2, "Error: timeout receiving the message data, closing connection")
	// RFC 3463 X.3.0 other mail system status: our own temporary failure
	// (scanner, spool, quarantine). The MTA keeps the message and retries.
	replyInternal = reply(451, 4, 3, 0, "Error: temporary local problem, try again later")
	// RFC 3463 X.4.1 no answer from host, X.4.2 bad connection.
	replyUpstreamDown    = reply(451, 4, 4, 1, "Error: upstream relay unreachable, try again later")
	replyUpstreamTimeout = reply(451, 4, 4, 2, "Error: upstream relay timed out, try again later")
	replyUpstreamTemp    = reply(451, 4, 4, 0, "Error: upstream relay deferred the message, try again later")
	// The upstream refused the session itself (greeting, EHLO, our AUTH):
	// a problem of the relay's setup, so temporary whatever its code.
	replyUpstreamRefused = reply(451, 4, 4, 0, "Error: upstream relay refused the relay's session (greeting, EHLO or AUTH), try again later")
	// STARTTLS with the upstream failed as configured (RFC 3463 X.7.5:
	// cryptographic failure).
	replyUpstreamTLS = reply(451, 4, 7, 5, "Error: TLS with the upstream relay failed, try again later")
	// RFC 3463 X.3.4 message too big for system.
	replyTooBig = reply(552, 5, 3, 4, "Error: message too big")
	// RFC 3463 X.6.0 other or undefined media error.
	replyBareEOL  = reply(554, 5, 6, 0, "Error: bare CR or LF in message; lines must end with CRLF")
	replyLongLine = reply(554, 5, 6, 0, "Error: message has a line longer than allowed")
	// RFC 6531 §3.7.1 / RFC 3463 X.6.7: SMTPUTF8 required but not supported downstream.
	replyNoUTF8Upstream = reply(553, 5, 6, 7, "Error: upstream relay does not support SMTPUTF8")
	// RFC 5321 §4.2.2 553 mailbox name not allowed; RFC 3463 X.1.3 bad
	// destination mailbox address syntax, X.1.7 bad sender's mailbox syntax.
	replyBadRcptSyntax   = reply(553, 5, 1, 3, "Error: recipient address syntax not accepted")
	replyBadSenderSyntax = reply(553, 5, 1, 7, "Error: sender address syntax not accepted")
	// RFC 3463 X.7.1 delivery not authorized, message refused (policy reject).
	replyPolicyReject = reply(550, 5, 7, 1, "Message refused by data loss prevention policy")
)

func reply(code, a, b, c int, msg string) *smtp.SMTPError {
	return &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCode{a, b, c}, Message: msg}
}

// stage is the command an upstream error answers.
type stage int

const (
	atMail stage = iota
	atRcpt
	atData
)

// toReply is the one place that turns an error from any part of the relay into
// the SMTP reply the client sees. It always returns a plain *smtp.SMTPError
// (go-smtp type-asserts, it does not unwrap) with an enhanced status code, and
// never echoes the text of an internal error, which could carry message
// content. Unknown errors fail closed as 451 4.3.0.
//
// Upstream answers: at RCPT the client gets the upstream's own reply, so each
// recipient is accepted or refused exactly as the upstream decided; at MAIL
// and DATA a 4xx becomes 451 4.4.0 (the MTA keeps the message and retries)
// and a 5xx keeps its code and enhanced code.
func toReply(err error, at stage) *smtp.SMTPError {
	if err == nil {
		return nil
	}
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		return withEnhanced(se)
	}
	var ur *upstream.Reply
	if errors.As(err, &ur) {
		return upstreamReply(ur, at)
	}
	switch {
	case errors.Is(err, smtp.ErrDataTooLarge):
		return replyTooBig
	case errors.Is(err, upstream.ErrNoUTF8):
		return replyNoUTF8Upstream
	case errors.Is(err, upstream.ErrTimeout), errors.Is(err, os.ErrDeadlineExceeded), errors.Is(err, context.DeadlineExceeded):
		return replyUpstreamTimeout
	case errors.Is(err, upstream.ErrTLS):
		return replyUpstreamTLS
	case errors.Is(err, upstream.ErrRefused):
		return replyUpstreamRefused
	case errors.Is(err, upstream.ErrUnavailable):
		return replyUpstreamDown
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return replyUpstreamTimeout
	}
	return replyInternal
}

// upstreamReply passes an upstream answer on (see toReply); the text is the
// upstream's, marked as such and cut to one printable line so it cannot break
// the reply framing.
func upstreamReply(ur *upstream.Reply, at stage) *smtp.SMTPError {
	code := ur.Code
	enh := ur.Enhanced
	class := code / 100
	switch {
	case class == 4 && at != atRcpt:
		code, enh = 451, smtp.EnhancedCode{4, 4, 0}
	case class == 4 || class == 5:
	default:
		// A 2xx/3xx where an error was expected, or garbage: temporary.
		return replyUpstreamTemp
	}
	if enh == smtp.EnhancedCodeNotSet || enh == smtp.NoEnhancedCode || enh[0] != class {
		enh = smtp.EnhancedCode{class, 0, 0}
	}
	return &smtp.SMTPError{Code: code, EnhancedCode: enh, Message: "upstream: " + printableLine(ur.Message, 200)}
}

func withEnhanced(se *smtp.SMTPError) *smtp.SMTPError {
	if se.EnhancedCode != smtp.EnhancedCodeNotSet && se.EnhancedCode != smtp.NoEnhancedCode {
		return se
	}
	class := se.Code / 100
	return &smtp.SMTPError{Code: se.Code, EnhancedCode: smtp.EnhancedCode{class, 0, 0}, Message: se.Message}
}

// printableLine keeps printable ASCII of s on one line, at most n bytes.
func printableLine(s string, n int) string {
	var b strings.Builder
	for _, r := range s {
		if b.Len() >= n {
			break
		}
		switch {
		case r == '\r' || r == '\n' || r == '\t':
			b.WriteByte(' ')
		case r >= 0x20 && r < 0x7f:
			b.WriteRune(r)
		}
	}
	return strings.TrimSpace(b.String())
}
