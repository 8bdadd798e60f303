package keypair

import (
	"crypto/tls"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dlprelay/dlprelay/relay/relaytest"
)

func served(t *testing.T, tc *tls.Config) []byte {
	t.Helper()
	c, err := tc.GetCertificate(&tls.ClientHelloInfo{})
	if err != nil {
		t.Fatal(err)
	}
	return c.Certificate[0]
}

func TestLoadSetServes(t *testing.T) {
	dir := t.TempDir()
	certA, keyA, _, _ := relaytest.WriteSelfSigned(t, dir, "a")
	certB, keyB, _, _ := relaytest.WriteSelfSigned(t, dir, "b")
	p, err := Load("smtp.tls", certA, keyA)
	if err != nil {
		t.Fatal(err)
	}
	tc := p.TLSConfig()
	if tc.MinVersion != tls.VersionTLS12 {
		t.Errorf("MinVersion %x", tc.MinVersion)
	}
	first := served(t, tc)
	b, err := p.Read(certB, keyB)
	if err != nil {
		t.Fatal(err)
	}
	if string(served(t, tc)) != string(first) {
		t.Fatal("Read changed the served certificate before Set")
	}
	p.Set(b)
	if string(served(t, tc)) == string(first) {
		t.Fatal("Set did not change the served certificate")
	}
	if p, err := Load("smtp.tls", "", ""); p != nil || err != nil {
		t.Errorf("no files: %v, %v; want nil, nil", p, err)
	}
}

func TestLoadErrorsNameTheField(t *testing.T) {
	dir := t.TempDir()
	certA, keyA, keyPEM, _ := relaytest.WriteSelfSigned(t, dir, "a")
	certB, _, _, _ := relaytest.WriteSelfSigned(t, dir, "b")
	for _, tt := range []struct{ name, cert, key, want string }{
		{"missing cert", filepath.Join(dir, "none.pem"), keyA, "admin.tls.cert_file: "},
		{"missing key", certA, filepath.Join(dir, "none.key"), "admin.tls.key_file: "},
		{"key of another certificate", certB, keyA, "admin.tls: "},
		{"files swapped", keyA, certA, "admin.tls: "},
	} {
		p, err := Load("admin.tls", tt.cert, tt.key)
		if err == nil || p != nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("%s: %v, %v; want an error starting %q", tt.name, p, err, tt.want)
			continue
		}
		if strings.Contains(err.Error(), strings.Split(keyPEM, "\n")[1]) {
			t.Errorf("%s: the error quotes the key", tt.name)
		}
	}
}
