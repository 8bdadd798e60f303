package main

// Helpers to build and run the dlprelay binary in tests, shared by the
// process tests here and the real-Postfix test (postfix_test.go).

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// sharedTestdata returns the absolute path of the repository's test file rel
// (relative to the repository root).
func sharedTestdata(t *testing.T, rel string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("..", "..", rel))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p); err != nil {
		t.Fatal(err)
	}
	return p
}

func buildDlprelayBinary(t *testing.T) string {
	t.Helper()
	if bin := os.Getenv("DLPRELAY_BIN"); bin != "" {
		t.Logf("testing DLPRELAY_BIN=%s", bin)
		return bin
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("go tool not in PATH: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "dlprelay")
	cmd := exec.Command(goTool, "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/dlprelay: %v\n%s", err, out)
	}
	return bin
}

// loopbackPort returns a port that was free on 127.0.0.1 a moment ago.
// Callers retry with a new one if something takes it in between.
func loopbackPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

type dlprelayProcess struct {
	listen, admin string // host:port
	data          string // -data directory
	log           string // stdout and stderr
	cmd           *exec.Cmd
	exited        chan error
	// stop ends the process with SIGTERM (SIGKILL after 15s); calling it
	// again does nothing.
	stop func()
}

func (p *dlprelayProcess) output() string {
	b, _ := os.ReadFile(p.log)
	return string(b)
}

// startDlprelayProcess runs `dlprelay serve` on free loopback ports and waits
// for /readyz. It stops the process (SIGTERM, then SIGKILL) when the test ends.
func startDlprelayProcess(t *testing.T, bin, upstream, customers string) *dlprelayProcess {
	t.Helper()
	return startDlprelayWith(t, bin, procOptions{upstream: upstream, customers: customers})
}

// procOptions choose how startDlprelayWith runs the binary.
type procOptions struct {
	upstream, customers string
	config              string // -config file; "" for the embedded default
	data                string // -data directory; "" for a fresh one
}

// startDlprelayWith is startDlprelayProcess with a configuration file and a
// data directory that may outlive the process (for restart tests).
func startDlprelayWith(t *testing.T, bin string, o procOptions) *dlprelayProcess {
	t.Helper()
	dir := t.TempDir()
	var lastErr error
	for attempt := 1; attempt <= 3; attempt++ {
		p := &dlprelayProcess{
			listen: net.JoinHostPort("127.0.0.1", strconv.Itoa(loopbackPort(t))),
			admin:  net.JoinHostPort("127.0.0.1", strconv.Itoa(loopbackPort(t))),
			data:   o.data,
			log:    filepath.Join(dir, fmt.Sprintf("dlprelay%d.log", attempt)),
		}
		if p.data == "" {
			p.data = filepath.Join(dir, fmt.Sprintf("data%d", attempt))
		}
		args := []string{"serve", "-listen", p.listen, "-upstream", o.upstream, "-customers", o.customers,
			"-admin", p.admin, "-data", p.data}
		if o.config != "" {
			args = append(args, "-config", o.config)
		}
		p.launch(t, exec.Command(bin, args...))
		stop := p.stop

		err := waitReady(p.admin, p.exited, 30*time.Second)
		if err == nil {
			t.Cleanup(stop)
			t.Logf("dlprelay listening on %s, admin %s, upstream %s", p.listen, p.admin, o.upstream)
			return p
		}
		stop()
		lastErr = fmt.Errorf("%v\n%s", err, tailLines(p.output(), 40))
		if !strings.Contains(p.output(), "address already in use") {
			break
		}
		t.Logf("attempt %d: port taken, retrying: %v", attempt, err)
	}
	t.Fatalf("dlprelay did not become ready: %v", lastErr)
	return nil
}

// launch starts cmd (dlprelay serve) with its output in p.log and sets
// p.cmd, p.exited and p.stop: SIGTERM, then SIGKILL after 15 s, which
// counts as a test error.
func (p *dlprelayProcess) launch(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	exited, stop := runLogged(t, cmd, p.log, 15*time.Second)
	p.cmd, p.exited = cmd, exited
	p.stop = func() {
		if stop() {
			t.Errorf("dlprelay did not exit within 15s of SIGTERM; killed")
		}
	}
}

// runLogged starts cmd with its stdout and stderr in the file logPath.
// exited receives the result of cmd.Wait; stop ends the process with
// stopProcess(timeout) the first time it is called and reports whether it
// had to kill it.
func runLogged(t *testing.T, cmd *exec.Cmd, logPath string, timeout time.Duration) (exited chan error, stop func() (killed bool)) {
	t.Helper()
	logf, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		t.Fatalf("start %s: %v", cmd.Path, err)
	}
	exited = make(chan error, 1)
	go func() { exited <- cmd.Wait(); logf.Close() }()
	var once sync.Once
	return exited, func() (killed bool) {
		once.Do(func() { killed = stopProcess(cmd, exited, timeout) })
		return killed
	}
}

// stopProcess ends a process with SIGTERM, or SIGKILL if it has not exited
// after timeout, and reports whether it had to kill it. It returns at once
// if the process already exited.
func stopProcess(cmd *exec.Cmd, exited chan error, timeout time.Duration) (killed bool) {
	select {
	case <-exited:
		return false
	default:
	}
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-exited:
		return false
	case <-time.After(timeout):
		cmd.Process.Kill()
		<-exited
		return true
	}
}

// waitReady polls GET /readyz until it answers 200, the process exits or the
// timeout passes.
func waitReady(admin string, exited chan error, timeout time.Duration) error {
	return waitHTTPOK(nil, "dlprelay", "http://"+admin+"/readyz", exited, timeout)
}

// waitHTTPOK polls GET url with client (nil: plain HTTP) until it answers
// 200, the process named what exits or the timeout passes. An exit is put
// back on exited, so that stopProcess still sees it.
func waitHTTPOK(client *http.Client, what, url string, exited chan error, timeout time.Duration) error {
	if client == nil {
		client = &http.Client{Timeout: 2 * time.Second}
	}
	deadline := time.Now().Add(timeout)
	last := "no answer"
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			exited <- err
			return fmt.Errorf("%s exited before it was ready: %v", what, err)
		default:
		}
		resp, err := client.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			last = resp.Status
		} else {
			last = err.Error()
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("GET %s not 200 after %v (last: %s)", url, timeout, last)
}

func tailLines(s string, n int) string {
	if strings.TrimSpace(s) == "" {
		return "(empty)"
	}
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// sendPlain submits msg over plain SMTP (loopback tests only).
func sendPlain(addr, from, to string, msg []byte) error {
	_, err := submit(addr, from, to, msg)
	return err
}

// submit sends msg from from to to in one SMTP transaction (EHLO, MAIL,
// RCPT, DATA, QUIT; 60 s at most) and returns the text of the 250 to DATA,
// or the error: the server's *smtp.SMTPError or a network error. A QUIT
// that fails after that 250 does not count: the message was accepted.
func submit(addr, from, to string, msg []byte) (string, error) {
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return "", err
	}
	conn.SetDeadline(time.Now().Add(60 * time.Second))
	c := smtp.NewClient(conn)
	defer c.Close()
	if err := c.Hello("client.test"); err != nil {
		return "", err
	}
	if err := c.Mail(from, nil); err != nil {
		return "", err
	}
	if err := c.Rcpt(to, nil); err != nil {
		return "", err
	}
	w, err := c.Data()
	if err != nil {
		return "", err
	}
	if _, err := w.Write(msg); err != nil {
		return "", err
	}
	resp, err := w.CloseWithResponse()
	if err != nil {
		return "", err
	}
	c.Quit()
	return resp.StatusText, nil
}

// crlfMessage reads an .eml file as it goes over SMTP: CRLF line endings,
// ending in CRLF.
func crlfMessage(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b = bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))
	b = bytes.ReplaceAll(b, []byte("\n"), []byte("\r\n"))
	if !bytes.HasSuffix(b, []byte("\r\n")) {
		b = append(b, '\r', '\n')
	}
	return b
}
