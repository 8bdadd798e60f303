package keypair

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writePair writes a fresh self-signed certificate and its key to dir and
// returns the paths and the key's PEM.
func writePair(t *testing.T, dir, name string) (certFile, keyFile, keyPEM string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, name+".pem"), filepath.Join(dir, name+".key")
	keyPEM = string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}))
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, []byte(keyPEM), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile, keyPEM
}

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
	certA, keyA, _ := writePair(t, dir, "a")
	certB, keyB, _ := writePair(t, dir, "b")
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
	certA, keyA, keyPEM := writePair(t, dir, "a")
	certB, _, _ := writePair(t, dir, "b")
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
