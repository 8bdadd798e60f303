package admin

import (
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/dlprelay/dlprelay/internal/keypair"
	"github.com/dlprelay/dlprelay/relay/metrics"
	"github.com/dlprelay/dlprelay/relay/relaytest"
)

// TestAdminTLS: with admin.tls the listener answers /readyz over HTTPS
// (TLS 1.2 at least) and refuses plain HTTP: a request in clear gets a 400
// from the TLS layer, never the handler's answer.
func TestAdminTLS(t *testing.T) {
	t.Parallel()
	certFile, keyFile, _, pool := relaytest.WriteSelfSigned(t, t.TempDir(), "admin")
	pair, err := keypair.Load("admin.tls", certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	tc := pair.TLSConfig()
	m := metrics.New("test", nil, nil)
	srv := NewServer(Handler(m.Registry, func() error { return nil }), tc)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- Serve(srv, ln) }()
	t.Cleanup(func() {
		srv.Close()
		if err := <-served; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	addr := ln.Addr().String()

	get := func(c *http.Client, url string) (int, string, error) {
		resp, err := c.Get(url)
		if err != nil {
			return 0, "", err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), nil
	}
	https := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	if code, body, err := get(https, "https://"+addr+"/readyz"); err != nil || code != 200 || body != "ready\n" {
		t.Errorf("GET https /readyz = %d %q, %v; want 200 ready", code, body, err)
	}
	if code, body, err := get(&http.Client{Timeout: 10 * time.Second}, "http://"+addr+"/readyz"); err != nil || code != http.StatusBadRequest || strings.Contains(body, "ready\n") {
		t.Errorf("GET http /readyz = %d %q, %v; want 400 from the TLS layer", code, body, err)
	}
	old := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MaxVersion: tls.VersionTLS11}}}
	if code, _, err := get(old, "https://"+addr+"/readyz"); err == nil {
		t.Errorf("GET over TLS 1.1 = %d; want a failed handshake", code)
	}
}

func TestLoopback(t *testing.T) {
	t.Parallel()
	for addr, want := range map[string]bool{
		"127.0.0.1:8025": true, "127.9.9.9:1": true, "[::1]:8025": true,
		"0.0.0.0:8025": false, "[::]:8025": false, "192.0.2.10:8025": false, "[2001:db8::1]:8025": false,
	} {
		a, err := net.ResolveTCPAddr("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		if got := Loopback(a); got != want {
			t.Errorf("Loopback(%s) = %v, want %v", addr, got, want)
		}
	}
}
