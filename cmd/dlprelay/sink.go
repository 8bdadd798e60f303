package main

import (
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/emersion/go-smtp"
)

// runSink is a development aid: a tiny upstream that accepts every message
// and writes it to a directory, so the relay can be tried without a real
// mail server behind it. It is not a mail server.
func runSink(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("sink", "sink [flags]",
		"A development upstream: accepts every message on -listen and writes it to\n-dir as NNNN.eml, so you can see what the relay forwards. Not for production.", stderr)
	listen := fs.String("listen", "127.0.0.1:10026", "listen `address`")
	dir := fs.String("dir", "var/sink", "`directory` to write received messages to")
	if code, stop := parseFlags(fs, args); stop {
		return code
	}
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		fmt.Fprintf(stderr, "dlprelay sink: %v\n", err)
		return 1
	}
	var n atomic.Int64
	be := smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) {
		return &sinkSession{dir: *dir, n: &n, out: stdout}, nil
	})
	srv := smtp.NewServer(be)
	srv.Domain = "sink.localhost"
	srv.EnableSMTPUTF8 = true
	srv.ReadTimeout, srv.WriteTimeout = 5*time.Minute, 5*time.Minute
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintf(stderr, "dlprelay sink: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "sink listening on %s, writing to %s\n", ln.Addr(), *dir)
	if err := srv.Serve(ln); err != nil {
		fmt.Fprintf(stderr, "dlprelay sink: %v\n", err)
		return 1
	}
	return 0
}

type sinkSession struct {
	dir  string
	n    *atomic.Int64
	out  io.Writer
	from string
	to   []string
}

func (s *sinkSession) Reset()        { s.from, s.to = "", nil }
func (s *sinkSession) Logout() error { return nil }
func (s *sinkSession) Mail(from string, _ *smtp.MailOptions) error {
	s.from = from
	return nil
}
func (s *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}
func (s *sinkSession) Data(r io.Reader) error {
	name := filepath.Join(s.dir, fmt.Sprintf("%04d.eml", s.n.Add(1)))
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Fprintf(s.out, "received %s from <%s> to %v\n", name, s.from, s.to)
	return nil
}
