package admin

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/dlprelay/dlprelay/relay/config"
)

// TLSConfig loads admin.tls for an HTTPS-only admin listener: the
// certificate chain and key are read now, so a missing or broken file
// stops the start with an error naming its field (never the file's
// content). It returns nil when admin.tls is not set. TLS 1.2 is the
// lowest version offered.
//
// The certificate is loaded once, like smtp.tls: a renewed certificate, or
// a change to admin.tls, takes effect at the next restart, not on SIGHUP.
func TLSConfig(t config.TLS) (*tls.Config, error) {
	if t.CertFile == "" && t.KeyFile == "" {
		return nil, nil
	}
	certPEM, err := os.ReadFile(t.CertFile)
	if err != nil {
		return nil, fmt.Errorf("admin.tls.cert_file: %w", err)
	}
	keyPEM, err := os.ReadFile(t.KeyFile)
	if err != nil {
		return nil, fmt.Errorf("admin.tls.key_file: %w", err)
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	clear(keyPEM)
	if err != nil {
		// crypto/tls names what is wrong (no PEM data, a key that does
		// not match) without quoting the input.
		return nil, fmt.Errorf("admin.tls: %s and %s: %w", t.CertFile, t.KeyFile, err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}

// NewServer returns the admin HTTP server for h. With tc it is HTTPS only
// (see Serve).
func NewServer(h http.Handler, tc *tls.Config) *http.Server {
	return &http.Server{Handler: h, TLSConfig: tc, ReadHeaderTimeout: 10 * time.Second}
}

// Serve runs srv on ln until srv is shut down, when it returns nil. With
// srv.TLSConfig set every connection must begin with a TLS handshake: a
// plain HTTP request is answered "400 Bad Request" (Client sent an HTTP
// request to an HTTPS server) and the connection closed, so nothing is
// ever served in clear.
func Serve(srv *http.Server, ln net.Listener) error {
	var err error
	if srv.TLSConfig != nil {
		err = srv.ServeTLS(ln, "", "")
	} else {
		err = srv.Serve(ln)
	}
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Loopback reports whether a listener's address is a loopback address, so
// that only this host can reach it. An unspecified address (0.0.0.0, ::)
// is not.
func Loopback(a net.Addr) bool {
	if ta, ok := a.(*net.TCPAddr); ok {
		return ta.IP.IsLoopback()
	}
	return false
}
