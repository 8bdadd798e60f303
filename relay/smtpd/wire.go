package smtpd

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"errors"
	"net"
	"strconv"
	"sync"
	"time"
)

// wire is the byte layer between a client socket and go-smtp's parser. go-smtp
// does the SMTP grammar; wire fixes what go-smtp does differently from a
// careful MTA, in one place:
//
//   - It hands go-smtp one line per Read, so it always knows whether go-smtp is
//     reading a command, an AUTH response or message data (go-smtp replies to
//     a command before it reads the next one; data starts with the 354 reply
//     and ends at the line "." after a CRLF, exactly as go-smtp ends it).
//   - An over-long command line is swallowed and answered 500 5.5.2; the
//     session goes on (go-smtp would close the connection).
//   - In data it records bare CR or LF and lines longer than the data limit on
//     the raw bytes, before go-smtp's dot-unstuffing can hide them, so the
//     session can refuse smuggling attempts (CVE-2023-51764 class).
//   - It does STARTTLS itself, so that it stays above TLS, and drops any
//     command the client pipelined behind STARTTLS (CVE-2011-0411 class).
//   - BDAT is refused and CHUNKING not advertised: chunked data bypasses line
//     framing.
//   - It rewrites go-smtp's 502 replies for out-of-order commands into the
//     503 5.5.1 that RFC 5321 §4.2.3 asks for.
type wire struct {
	raw     net.Conn
	tlsConf *tls.Config // nil: no STARTTLS
	maxLine int         // command line limit, bytes including CRLF
	maxData int         // data line limit; 0 = none
	timeout time.Duration
	onReply func(code int) // called for every final reply line; may be nil
	onClose func()         // called once, at the first Close; may be nil
	closed  sync.Once

	mu   sync.Mutex // guards conn against Close/deadline calls from other goroutines
	conn net.Conn   // raw, or the TLS conn after STARTTLS
	br   *bufio.Reader

	// Reader state; used only by the goroutine that serves the connection.
	mode    wireMode
	pending []byte
	ds      dotState // go-smtp's data state, mirrored
	prev    byte     // previous data byte
	lineLen int      // bytes of the current data line so far

	dataTimeout time.Duration // bound on one DATA phase; 0: none
	dataStart   time.Time

	// Findings about the current or last DATA, read by the session.
	bareEOL  bool
	longLine bool

	tlsActive    bool
	heloAfterTLS bool // EHLO/HELO seen since TLS started
	ehlo         bool // the last greeting was EHLO
	inTx         func() bool

	wbuf []byte
	// closeAfterReply hangs up once the next final reply is written.
	closeAfterReply bool
}

type wireMode int

const (
	modeCommand wireMode = iota
	modeData
	modeAuth // the next line answers a 334 challenge
)

// Markers that wire hands to go-smtp in place of a line it handles itself;
// go-smtp answers them as unknown commands and Write turns those answers into
// the real replies.
const (
	markerLongLine = "XLNG"
	markerBDAT     = "XBDT"
)

const wireBufSize = 64 << 10

func newWire(c net.Conn, tlsConf *tls.Config, maxLine, maxData int, timeout time.Duration) *wire {
	if maxLine <= 0 {
		maxLine = 2048
	}
	size := wireBufSize
	if maxLine+2 > size {
		size = maxLine + 2
	}
	return &wire{
		raw: c, conn: c, br: bufio.NewReaderSize(c, size),
		tlsConf: tlsConf, maxLine: maxLine, maxData: maxData, timeout: timeout,
	}
}

// Read gives go-smtp at most one line.
func (w *wire) Read(b []byte) (int, error) {
	for len(w.pending) == 0 {
		var err error
		if w.mode == modeData {
			err = w.nextDataChunk()
		} else {
			err = w.nextCommandLine()
		}
		if err != nil {
			return 0, err
		}
	}
	n := copy(b, w.pending)
	w.pending = w.pending[n:]
	return n, nil
}

func (w *wire) readSlice() ([]byte, error) {
	var d time.Time
	if w.timeout > 0 {
		d = time.Now().Add(w.timeout)
	}
	if w.mode == modeData && w.dataTimeout > 0 {
		// A read that waits for a line end must not outlast the DATA phase.
		if end := w.dataStart.Add(w.dataTimeout); d.IsZero() || end.Before(d) {
			d = end
		}
	}
	if !d.IsZero() {
		w.conn.SetReadDeadline(d)
	}
	return w.br.ReadSlice('\n')
}

// nextDataChunk delivers the next data line, or the next piece of a line
// longer than the buffer. It runs go-smtp's own end-of-data state machine
// (data.go) byte for byte, so both agree on where the data ends, and notes
// bare line endings and long lines on the way.
func (w *wire) nextDataChunk() error {
	if w.dataTimeout > 0 && time.Since(w.dataStart) >= w.dataTimeout {
		return errDataTimeout
	}
	chunk, err := w.readSlice()
	if len(chunk) == 0 && err != nil {
		if w.dataTimeout > 0 && time.Since(w.dataStart) >= w.dataTimeout {
			return errDataTimeout
		}
		return err
	}
	for i, c := range chunk {
		if w.prev == '\r' && c != '\n' {
			w.bareEOL = true
		}
		if c == '\n' {
			if w.prev != '\r' {
				w.bareEOL = true
			}
			w.lineLen = 0
		} else {
			w.lineLen++
			if w.maxData > 0 && w.lineLen > w.maxData+1 {
				w.longLine = true
			}
		}
		w.prev = c
		w.ds = w.ds.next(c)
		if w.ds == dotEOF {
			// Nothing follows the final LF in a slice; be explicit anyway.
			chunk = chunk[:i+1]
			w.mode = modeCommand
			break
		}
	}
	w.pending = append(w.pending[:0], chunk...)
	return nil
}

// errDataTimeout: the DATA phase took longer than Options.DataTimeout. The
// session answers 421 and hangs up: the rest of the data cannot be skipped
// in bounded time.
var errDataTimeout = errors.New("message data took longer than smtp.data_timeout")

// dotState mirrors go-smtp's dataReader states.
type dotState int

const (
	dotBeginLine dotState = iota
	dotDot
	dotDotCR
	dotCR
	dotData
	dotEOF
)

func (s dotState) next(c byte) dotState {
	switch s {
	case dotBeginLine:
		switch c {
		case '.':
			return dotDot
		case '\r':
			return dotCR
		}
		return dotData
	case dotDot:
		if c == '\r' {
			return dotDotCR
		}
		return dotData
	case dotDotCR:
		if c == '\n' {
			return dotEOF
		}
		return dotData
	case dotCR:
		if c == '\n' {
			return dotBeginLine
		}
		return dotData
	case dotData:
		if c == '\r' {
			return dotCR
		}
		return dotData
	}
	return s
}

// nextCommandLine reads one command line (or AUTH response) and decides what
// go-smtp sees of it.
func (w *wire) nextCommandLine() error {
	line, tooLong, err := w.readCommand()
	if err != nil {
		return err
	}
	if w.mode == modeAuth {
		w.mode = modeCommand
		if tooLong {
			line = []byte("*\r\n") // cancels the exchange: 501
		}
		w.pending = append(w.pending[:0], line...)
		return nil
	}
	if tooLong {
		w.pending = append(w.pending[:0], markerLongLine+"\r\n"...)
		return nil
	}
	verb, rest := splitVerb(line)
	switch verb {
	case "BDAT":
		w.pending = append(w.pending[:0], markerBDAT+"\r\n"...)
		return nil
	case "EHLO", "HELO":
		w.heloAfterTLS = true
		w.ehlo = verb == "EHLO"
	case "STARTTLS":
		if w.tlsConf != nil || w.tlsActive {
			return w.startTLS(rest)
		}
	}
	w.pending = append(w.pending[:0], line...)
	return nil
}

// readCommand returns one line including its line ending. A line longer than
// maxLine is read to its end and thrown away; tooLong says so.
func (w *wire) readCommand() (line []byte, tooLong bool, err error) {
	line, err = w.readSlice()
	if err == nil && len(line) <= w.maxLine {
		return line, false, nil
	}
	for errors.Is(err, bufio.ErrBufferFull) {
		_, err = w.readSlice()
	}
	if err != nil {
		return nil, false, err
	}
	return nil, true, nil
}

func splitVerb(line []byte) (verb string, rest []byte) {
	l := bytes.TrimRight(line, "\r\n")
	v, r, _ := bytes.Cut(l, []byte(" "))
	return string(bytes.ToUpper(v)), bytes.TrimSpace(r)
}

// writeDirect sends a reply that wire makes itself. It is only called between
// go-smtp's commands (one line per Read), so replies stay in order.
func (w *wire) writeDirect(code int, enh, msg string) error {
	if w.onReply != nil {
		w.onReply(code)
	}
	w.mu.Lock()
	c := w.conn
	w.mu.Unlock()
	if w.timeout > 0 {
		c.SetWriteDeadline(time.Now().Add(w.timeout))
	}
	_, err := c.Write([]byte(strconv.Itoa(code) + " " + enh + " " + msg + "\r\n"))
	return err
}

// startTLS answers STARTTLS (RFC 3207) and upgrades the connection. Bytes the
// client sent behind the command are discarded before the handshake.
func (w *wire) startTLS(arg []byte) error {
	switch {
	case len(arg) > 0:
		return w.writeDirect(501, "5.5.4", "Syntax: STARTTLS")
	case w.tlsActive:
		return w.writeDirect(503, "5.5.1", "Error: TLS already active")
	case w.inTx != nil && w.inTx():
		return w.writeDirect(503, "5.5.1", "Error: MAIL transaction in progress")
	}
	if err := w.writeDirect(220, "2.0.0", "Ready to start TLS"); err != nil {
		return err
	}
	w.br.Discard(w.br.Buffered()) // commands pipelined behind STARTTLS
	tc := tls.Server(w.raw, w.tlsConf)
	if w.timeout > 0 {
		tc.SetDeadline(time.Now().Add(w.timeout))
	}
	if err := tc.Handshake(); err != nil {
		return err
	}
	tc.SetDeadline(time.Time{})
	w.mu.Lock()
	w.conn = tc
	w.mu.Unlock()
	w.br.Reset(tc)
	w.tlsActive = true
	w.heloAfterTLS = false
	return nil
}

// Write passes go-smtp's replies on, one line at a time, and adjusts the
// few that wire is responsible for.
func (w *wire) Write(b []byte) (int, error) {
	w.wbuf = append(w.wbuf, b...)
	var out []byte
	for {
		i := bytes.Index(w.wbuf, []byte("\r\n"))
		if i < 0 {
			break
		}
		line := w.wbuf[:i+2]
		out = w.rewrite(out, line)
		w.wbuf = w.wbuf[i+2:]
	}
	if len(w.wbuf) == 0 {
		w.wbuf = nil
	}
	if len(out) == 0 {
		return len(b), nil
	}
	w.mu.Lock()
	c := w.conn
	w.mu.Unlock()
	if _, err := c.Write(out); err != nil {
		return 0, err
	}
	if w.closeAfterReply && len(w.wbuf) == 0 {
		w.Close()
	}
	return len(b), nil
}

// Replies from go-smtp that wire replaces. go-smtp answers commands out of
// sequence with 502 ("not implemented"); RFC 5321 §4.2.3 says 503.
var rewrites = map[string]string{
	"502 5.5.1 Missing MAIL FROM command.\r\n":                                 "503 5.5.1 Error: need MAIL command\r\n",
	"502 5.5.1 Missing RCPT TO command.\r\n":                                   "503 5.5.1 Error: need RCPT command\r\n",
	"502 5.5.1 Please introduce yourself first.\r\n":                           "503 5.5.1 Error: send HELO/EHLO first\r\n",
	"500 5.5.2 Syntax errors, " + markerLongLine + " command unrecognized\r\n": "500 5.5.2 Error: line too long\r\n",
	"500 5.5.2 Syntax errors, " + markerBDAT + " command unrecognized\r\n":     "502 5.5.1 Error: BDAT not implemented\r\n",
}

func (w *wire) rewrite(out, line []byte) []byte {
	if r, ok := rewrites[string(line)]; ok {
		line = []byte(r)
	}
	switch {
	case bytes.Equal(line, []byte("250-CHUNKING\r\n")):
		return out
	case bytes.HasPrefix(line, []byte("250-Hello ")):
		out = append(out, line...)
		if w.tlsConf != nil && !w.tlsActive {
			out = append(out, "250-STARTTLS\r\n"...)
		}
		return out
	case bytes.HasPrefix(line, []byte("354 ")):
		w.mode = modeData
		w.dataStart = time.Now()
		w.ds, w.prev, w.lineLen = dotBeginLine, 0, 0
		w.bareEOL, w.longLine = false, false
	case bytes.HasPrefix(line, []byte("334 ")):
		w.mode = modeAuth
	}
	if w.onReply != nil && len(line) >= 4 && line[3] == ' ' {
		if code, err := strconv.Atoi(string(line[:3])); err == nil {
			w.onReply(code)
		}
	}
	return append(out, line...)
}

// TLS reports whether STARTTLS completed, and the TLS state.
func (w *wire) TLS() (tls.ConnectionState, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if tc, ok := w.conn.(*tls.Conn); ok {
		return tc.ConnectionState(), true
	}
	return tls.ConnectionState{}, false
}

func (w *wire) Close() error {
	w.mu.Lock()
	c := w.conn
	w.mu.Unlock()
	err := c.Close()
	w.closed.Do(func() {
		if w.onClose != nil {
			w.onClose()
		}
	})
	return err
}

func (w *wire) LocalAddr() net.Addr  { return w.raw.LocalAddr() }
func (w *wire) RemoteAddr() net.Addr { return w.raw.RemoteAddr() }

func (w *wire) SetDeadline(t time.Time) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.conn.SetDeadline(t)
}

func (w *wire) SetReadDeadline(t time.Time) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.conn.SetReadDeadline(t)
}

func (w *wire) SetWriteDeadline(t time.Time) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.conn.SetWriteDeadline(t)
}
