package admin

import (
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"time"
)

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
