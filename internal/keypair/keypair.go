// Package keypair owns a TLS certificate chain and private key read from PEM
// files, served to TLS handshakes and replaceable while the listeners run:
// a SIGHUP after a certificate renewal reads the files again, and the next
// handshake uses the new certificate.
package keypair

import (
	"crypto/tls"
	"fmt"
	"os"
	"sync/atomic"
)

// Pair is the certificate a listener serves. The zero value is not usable;
// use Load.
type Pair struct {
	field string // configuration field, for errors: "smtp.tls", "admin.tls"
	cur   atomic.Pointer[tls.Certificate]
}

// Load reads certFile and keyFile for the configuration field named field.
// It returns nil and no error when both are empty (no TLS). Errors name the
// field and the file, never the files' content.
func Load(field, certFile, keyFile string) (*Pair, error) {
	if certFile == "" && keyFile == "" {
		return nil, nil
	}
	p := &Pair{field: field}
	c, err := p.Read(certFile, keyFile)
	if err != nil {
		return nil, err
	}
	p.cur.Store(c)
	return p, nil
}

// Read loads a certificate and key without serving them (see Set), so a
// reload can check every file before it changes anything.
func (p *Pair) Read(certFile, keyFile string) (*tls.Certificate, error) {
	certPEM, err := os.ReadFile(certFile)
	if err != nil {
		return nil, fmt.Errorf("%s.cert_file: %w", p.field, err)
	}
	keyPEM, err := os.ReadFile(keyFile)
	if err != nil {
		return nil, fmt.Errorf("%s.key_file: %w", p.field, err)
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	clear(keyPEM)
	if err != nil {
		// crypto/tls names what is wrong (no PEM data, a key that does
		// not match) without quoting the input.
		return nil, fmt.Errorf("%s: %s and %s: %w", p.field, certFile, keyFile, err)
	}
	return &cert, nil
}

// Set serves c from the next handshake on; connections already open keep
// theirs.
func (p *Pair) Set(c *tls.Certificate) { p.cur.Store(c) }

// TLSConfig returns a server configuration that serves the current
// certificate, TLS 1.2 at least.
func (p *Pair) TLSConfig() *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
			return p.cur.Load(), nil
		},
	}
}
