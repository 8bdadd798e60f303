package main

import (
	"bytes"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dlprelay/dlprelay/relay/admin"
)

// healthcheck runs `dlprelay healthcheck args...` and returns its exit
// status, stdout and stderr.
func healthcheck(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(append([]string{"healthcheck"}, args...), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// adminServer serves the relay's real admin handler with the readiness
// ready.
func adminServer(t *testing.T, ready admin.Readiness) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(admin.Handler(prometheus.NewRegistry(), ready))
	t.Cleanup(srv.Close)
	return srv
}

// wantOneLine fails unless s is exactly one newline-terminated line that
// contains every one of want.
func wantOneLine(t *testing.T, s string, want ...string) {
	t.Helper()
	if strings.Count(s, "\n") != 1 || !strings.HasSuffix(s, "\n") {
		t.Errorf("stderr is not one line: %q", s)
	}
	for _, w := range want {
		if !strings.Contains(s, w) {
			t.Errorf("stderr %q lacks %q", s, w)
		}
	}
}

func TestHealthcheckReady(t *testing.T) {
	t.Parallel()
	srv := adminServer(t, func() error { return nil })
	code, stdout, stderr := healthcheck(t, "-url", srv.URL+"/readyz")
	if code != 0 || stderr != "" {
		t.Fatalf("exit %d, stderr %q; want 0 and nothing", code, stderr)
	}
	if want := srv.URL + "/readyz: ready\n"; stdout != want {
		t.Errorf("stdout %q, want %q", stdout, want)
	}
}

func TestHealthcheckNotReady(t *testing.T) {
	t.Parallel()
	srv := adminServer(t, func() error { return errors.New("upstream not reached\nsince start") })
	code, stdout, stderr := healthcheck(t, "-url", srv.URL+"/readyz")
	if code != 1 || stdout != "" {
		t.Fatalf("exit %d, stdout %q; want 1 and nothing", code, stdout)
	}
	wantOneLine(t, stderr, "dlprelay: healthcheck: ", srv.URL+"/readyz", "503 Service Unavailable", "not ready: upstream not reached")
}

func TestHealthcheckStatuses(t *testing.T) {
	t.Parallel()
	// Only 200 is ready: not another 2xx, and a redirect is not followed.
	mux := http.NewServeMux()
	mux.HandleFunc("/nocontent", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	mux.HandleFunc("/moved", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/ok", http.StatusFound) })
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ready\n")) })
	mux.HandleFunc("/binary", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
		w.Write([]byte("\x1b[2Jboom\r\nsecond line\n"))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	for path, want := range map[string]string{
		"/nocontent": "204 No Content",
		"/moved":     "302 Found",
		"/missing":   "404 Not Found: 404 page not found",
		"/binary":    "500 Internal Server Error: ?[2Jboom",
	} {
		code, _, stderr := healthcheck(t, "-url", srv.URL+path)
		if code != 1 {
			t.Errorf("%s: exit %d, want 1", path, code)
		}
		wantOneLine(t, stderr, want)
	}
	if code, _, stderr := healthcheck(t, "-url", srv.URL+"/ok"); code != 0 {
		t.Errorf("/ok: exit %d, want 0: %s", code, stderr)
	}
}

func TestHealthcheckClosedPort(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	code, _, stderr := healthcheck(t, "-url", "http://"+addr+"/readyz")
	if code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	wantOneLine(t, stderr, addr, "connection refused")
}

func TestHealthcheckTimeout(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	start := time.Now()
	code, _, stderr := healthcheck(t, "-timeout", "200ms", "-url", srv.URL+"/readyz")
	if elapsed := time.Since(start); elapsed > 3*time.Second {
		t.Errorf("took %v with -timeout 200ms", elapsed)
	}
	if code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	wantOneLine(t, stderr, "Timeout")
}

func TestHealthcheckTLS(t *testing.T) {
	t.Parallel()
	srv := httptest.NewUnstartedServer(admin.Handler(prometheus.NewRegistry(), func() error { return nil }))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake
	srv.StartTLS()
	t.Cleanup(srv.Close)
	code, _, stderr := healthcheck(t, "-url", srv.URL+"/readyz")
	if code != 1 {
		t.Fatalf("self-signed certificate without -insecure: exit %d, want 1", code)
	}
	wantOneLine(t, stderr, "certificate")
	if code, stdout, stderr := healthcheck(t, "-insecure", "-url", srv.URL+"/readyz"); code != 0 || !strings.HasSuffix(stdout, ": ready\n") {
		t.Errorf("-insecure: exit %d, stdout %q, stderr %q; want 0 and ready", code, stdout, stderr)
	}
}

// TestHealthcheckConfigTLS: with admin.tls the listener is HTTPS only, so
// the URL from the config is https, verified unless -insecure.
func TestHealthcheckConfigTLS(t *testing.T) {
	t.Parallel()
	srv := httptest.NewUnstartedServer(admin.Handler(prometheus.NewRegistry(), func() error { return nil }))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake
	srv.StartTLS()
	t.Cleanup(srv.Close)
	_, port, err := net.SplitHostPort(srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	// The files are not read: the healthcheck only needs to know TLS is on.
	path := filepath.Join(t.TempDir(), "dlprelay.yaml")
	cfg := "customers:\n  file: customers.csv\nadmin:\n  listen: \":" + port + "\"\n  tls:\n    cert_file: admin.crt\n    key_file: admin.key\n"
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := healthcheck(t, "-config", path)
	if code != 1 {
		t.Fatalf("self-signed certificate without -insecure: exit %d, want 1", code)
	}
	wantOneLine(t, stderr, "https://127.0.0.1:"+port+"/readyz", "certificate")
	code, stdout, stderr := healthcheck(t, "-config", path, "-insecure")
	if want := "https://127.0.0.1:" + port + "/readyz: ready\n"; code != 0 || stdout != want {
		t.Errorf("-insecure: exit %d, stdout %q, stderr %q; want 0 and %q", code, stdout, stderr, want)
	}
}

// TestHealthcheckConfig finds the admin listener through -config: a
// wildcard listen address is asked on loopback.
func TestHealthcheckConfig(t *testing.T) {
	t.Parallel()
	srv := adminServer(t, func() error { return nil })
	_, port, err := net.SplitHostPort(srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, listen := range []string{":" + port, "0.0.0.0:" + port, "127.0.0.1:" + port} {
		path := filepath.Join(dir, "dlprelay.yaml")
		cfg := "customers:\n  file: customers.csv\nadmin:\n  listen: \"" + listen + "\"\n"
		if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
			t.Fatal(err)
		}
		code, stdout, stderr := healthcheck(t, "-config", path)
		if want := "http://127.0.0.1:" + port + "/readyz: ready\n"; code != 0 || stdout != want {
			t.Errorf("admin.listen %q: exit %d, stdout %q, stderr %q; want 0 and %q", listen, code, stdout, stderr, want)
		}
	}
	// admin.listen: "" turns the listener off; there is nothing to ask.
	path := filepath.Join(dir, "off.yaml")
	if err := os.WriteFile(path, []byte("customers:\n  file: customers.csv\nadmin:\n  listen: \"\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := healthcheck(t, "-config", path)
	if code != 1 {
		t.Errorf("admin.listen off: exit %d, want 1", code)
	}
	wantOneLine(t, stderr, "admin.listen is empty")
}

func TestHealthcheckReadyURL(t *testing.T) {
	t.Parallel()
	tests := []struct{ listen, want string }{
		{":8025", "http://127.0.0.1:8025/readyz"},
		{"0.0.0.0:8025", "http://127.0.0.1:8025/readyz"},
		{"[::]:8025", "http://[::1]:8025/readyz"},
		{"127.0.0.1:8025", "http://127.0.0.1:8025/readyz"},
		{"[::1]:9000", "http://[::1]:9000/readyz"},
		{"10.1.2.3:8025", "http://10.1.2.3:8025/readyz"},
		{"admin.example:8025", "http://admin.example:8025/readyz"},
	}
	for _, tt := range tests {
		got, err := readyURL(tt.listen, "http")
		if err != nil || got != tt.want {
			t.Errorf("readyURL(%q) = %q, %v; want %q", tt.listen, got, err, tt.want)
		}
	}
	if got, err := readyURL(":8443", "https"); err != nil || got != "https://127.0.0.1:8443/readyz" {
		t.Errorf("readyURL(:8443, https) = %q, %v", got, err)
	}
	for _, bad := range []string{"", "8025", "host"} {
		if got, err := readyURL(bad, "http"); err == nil {
			t.Errorf("readyURL(%q) = %q, want an error", bad, got)
		}
	}
}

func TestHealthcheckFlags(t *testing.T) {
	t.Parallel()
	srv := adminServer(t, func() error { return nil })
	tests := []struct {
		args   []string
		code   int
		stdout string // contained in stdout
		stderr string // contained in stderr
	}{
		{[]string{"-h"}, 0, "", "Usage: dlprelay healthcheck"},
		// Docker reserves exit status 2: a bad flag is "unhealthy" too.
		{[]string{"-bogus"}, 1, "", "flag provided but not defined: -bogus"},
		{[]string{"extra"}, 1, "", `unexpected argument "extra"`},
		{[]string{"-timeout", "0s", "-url", srv.URL + "/readyz"}, 1, "", "-timeout is 0s"},
		{[]string{"-timeout", "soon"}, 1, "", "invalid value"},
		{[]string{"-url", "ftp://127.0.0.1/readyz"}, 1, "", "want http:// or https://"},
		{[]string{"-url", "/readyz"}, 1, "", "want http:// or https://"},
		{[]string{"-config", filepath.Join(t.TempDir(), "missing.yaml")}, 1, "", "missing.yaml"},
		// -url wins over -config: the file is not read.
		{[]string{"-config", filepath.Join(t.TempDir(), "missing.yaml"), "-url", srv.URL + "/readyz"}, 0, ": ready", ""},
		{[]string{"-timeout", "2s", "-url", srv.URL + "/readyz"}, 0, ": ready", ""},
	}
	for _, tt := range tests {
		code, stdout, stderr := healthcheck(t, tt.args...)
		if code != tt.code || !strings.Contains(stdout, tt.stdout) || !strings.Contains(stderr, tt.stderr) {
			t.Errorf("healthcheck %q: exit %d, stdout %q, stderr %q; want %d, %q, %q",
				tt.args, code, stdout, stderr, tt.code, tt.stdout, tt.stderr)
		}
		if tt.code == 0 && tt.stderr == "" && stderr != "" {
			t.Errorf("healthcheck %q: exit 0 with stderr %q", tt.args, stderr)
		}
	}
}
