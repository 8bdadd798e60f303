package main

import (
	"bytes"
	"crypto/tls"
	"encoding/pem"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/dlprelay/dlprelay/relay/relaytest"
)

// TestCertificatesReloadOnSIGHUP renews the certificate that both
// smtp.tls and admin.tls name (same paths, new files) and sends SIGHUP: the
// next STARTTLS and the next HTTPS request get the new certificate, without
// a restart and without the "restart needed" warning.
func TestCertificatesReloadOnSIGHUP(t *testing.T) {
	bin := buildDlprelayBinary(t)
	up := relaytest.NewUpstream(t)
	dir := t.TempDir()
	certFile, keyFile, _, pool := relaytest.WriteSelfSigned(t, dir, "admin")
	cfg := filepath.Join(dir, "dlprelay.yaml")
	writeFile(t, cfg, fmt.Sprintf("smtp:\n  tls:\n    cert_file: %s\n    key_file: %s\nadmin:\n  tls:\n    cert_file: %s\n    key_file: %s\ncustomers:\n  file: %s\n",
		certFile, keyFile, certFile, keyFile, sharedTestdata(t, "testdata/customers.csv")))
	p := startDlprelayTLS(t, bin, os.Environ(), pool, "-config", cfg, "-upstream", up.Addr, "-data", filepath.Join(dir, "data"))

	fileCert := func() []byte {
		b, err := os.ReadFile(certFile)
		if err != nil {
			t.Fatal(err)
		}
		blk, _ := pem.Decode(b)
		return blk.Bytes
	}
	smtpCert := func() []byte {
		c, err := smtp.DialStartTLS(p.listen, &tls.Config{InsecureSkipVerify: true})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if err := c.Noop(); err != nil { // a round trip over TLS: the handshake is done
			t.Fatal(err)
		}
		st, ok := c.TLSConnectionState()
		if !ok || len(st.PeerCertificates) == 0 {
			t.Fatal("no TLS state after STARTTLS")
		}
		return st.PeerCertificates[0].Raw
	}
	adminCert := func() []byte {
		client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
		resp, err := client.Get("https://" + p.admin + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.TLS.PeerCertificates[0].Raw
	}

	old := fileCert()
	if !bytes.Equal(smtpCert(), old) || !bytes.Equal(adminCert(), old) {
		t.Fatal("the listeners do not serve the configured certificate")
	}
	relaytest.WriteSelfSigned(t, dir, "admin") // renewal: new certificate and key, same paths
	renewed := fileCert()
	if bytes.Equal(renewed, old) {
		t.Fatal("the test did not make a new certificate")
	}
	p.cmd.Process.Signal(syscall.SIGHUP)
	waitLog(t, p, "msg=reloaded", 1)
	if !bytes.Equal(smtpCert(), renewed) {
		t.Error("STARTTLS still serves the old certificate after SIGHUP")
	}
	if !bytes.Equal(adminCert(), renewed) {
		t.Error("the admin listener still serves the old certificate after SIGHUP")
	}
	if bytes.Contains([]byte(p.output()), []byte("take effect only after a restart")) {
		t.Errorf("a certificate renewal warned about a restart:\n%s", tailLines(p.output(), 5))
	}

	// A broken renewal fails the reload and keeps the running certificate.
	writeFile(t, keyFile, "not a key\n")
	p.cmd.Process.Signal(syscall.SIGHUP)
	waitLog(t, p, "reload failed", 1)
	if !bytes.Equal(smtpCert(), renewed) {
		t.Error("a failed reload changed the STARTTLS certificate")
	}
}
