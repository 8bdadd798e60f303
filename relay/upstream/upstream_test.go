package upstream

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/dlprelay/dlprelay/relay/relaytest"
)

func fwd(addr string, mode TLSMode) *Forwarder {
	return New(Config{Address: addr, LocalName: "relay.test", TLS: mode, MaxIdle: 2,
		ConnectTimeout: time.Second, CommandTimeout: 2 * time.Second, DataTimeout: 2 * time.Second})
}

func send(t *testing.T, f *Forwarder, body string) error {
	t.Helper()
	tx, err := f.Begin(context.Background(), "a@corp.test", nil)
	if err != nil {
		return err
	}
	if err := tx.Rcpt("b@example.test", nil); err != nil {
		tx.Abort()
		return err
	}
	_, err = tx.Data(func(w io.Writer) error { _, err := io.WriteString(w, body); return err })
	return err
}

func TestOpportunisticWithoutSTARTTLSDelivers(t *testing.T) {
	up := relaytest.NewUpstream(t)
	f := fwd(up.Addr, TLSOpportunistic)
	defer f.Close()
	if err := send(t, f, "Subject: x\r\n\r\nhi\r\n"); err != nil {
		t.Fatal(err)
	}
	if n := len(up.Messages()); n != 1 {
		t.Fatalf("upstream got %d", n)
	}
	if f.LastContact().IsZero() {
		t.Error("LastContact not recorded")
	}
}

func TestRequiredTLSRefusesPlainUpstream(t *testing.T) {
	up := relaytest.NewUpstream(t)
	f := fwd(up.Addr, TLSRequired)
	defer f.Close()
	err := send(t, f, "Subject: x\r\n\r\nhi\r\n")
	if !errors.Is(err, ErrUnavailable) || !errors.Is(err, ErrTLS) {
		t.Fatalf("err = %v, want ErrUnavailable and ErrTLS", err)
	}
	if n := len(up.Messages()); n != 0 {
		t.Fatalf("upstream got %d", n)
	}
}

func TestUnreachable(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	f := fwd(addr, TLSNone)
	if err := send(t, f, "x\r\n"); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("err = %v, want ErrUnavailable", err)
	}
	if err := f.Probe(context.Background()); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("Probe err = %v", err)
	}
}

func TestRepliesAreClassified(t *testing.T) {
	up := relaytest.NewUpstream(t)
	up.OnRcpt(func(string) error { return relaytest.Err(452, smtp.EnhancedCode{4, 5, 3}, "too many") })
	f := fwd(up.Addr, TLSNone)
	defer f.Close()
	err := send(t, f, "x\r\n")
	var r *Reply
	if !errors.As(err, &r) || r.Code != 452 || !r.Temporary() {
		t.Fatalf("err = %v, want *Reply 452", err)
	}
	// The connection was reset and pooled: the next transaction reuses it.
	up.OnRcpt(nil)
	if err := send(t, f, "x\r\n"); err != nil {
		t.Fatal(err)
	}
	if n := up.Connections(); n != 1 {
		t.Errorf("connections = %d, want 1", n)
	}
}

// A pooled connection the upstream has dropped is replaced transparently.
func TestStalePooledConnectionIsReplaced(t *testing.T) {
	up := relaytest.NewUpstream(t)
	f := fwd(up.Addr, TLSNone)
	defer f.Close()
	if err := send(t, f, "x\r\n"); err != nil {
		t.Fatal(err)
	}
	// Break the idle connection under the pool.
	f.mu.Lock()
	for _, c := range f.idle {
		c.c.Close()
	}
	f.mu.Unlock()
	if err := send(t, f, "y\r\n"); err != nil {
		t.Fatalf("after a stale connection: %v", err)
	}
	if n := len(up.Messages()); n != 2 {
		t.Fatalf("upstream got %d", n)
	}
}

func TestUpstreamSTARTTLS(t *testing.T) {
	srvTLS, pool := relaytest.SelfSigned(t, "upstream.test")
	up := relaytest.NewUpstreamTLS(t, srvTLS)

	t.Run("opportunistic encrypts without verifying", func(t *testing.T) {
		f := fwd(up.Addr, TLSOpportunistic)
		defer f.Close()
		if err := send(t, f, "x\r\n"); err != nil {
			t.Fatal(err)
		}
		msgs := up.Messages()
		if !msgs[len(msgs)-1].TLS {
			t.Fatal("message was not sent over TLS")
		}
	})
	t.Run("required fails on an unverifiable certificate", func(t *testing.T) {
		f := fwd(up.Addr, TLSRequired)
		defer f.Close()
		if err := send(t, f, "x\r\n"); !errors.Is(err, ErrUnavailable) {
			t.Fatalf("err = %v, want ErrUnavailable", err)
		}
	})
	t.Run("required verifies with the CA and server name", func(t *testing.T) {
		f := New(Config{Address: up.Addr, LocalName: "relay.test", TLS: TLSRequired,
			TLSConfig: &tls.Config{RootCAs: pool, ServerName: "upstream.test"}, CommandTimeout: 2 * time.Second})
		defer f.Close()
		before := len(up.Messages())
		if err := send(t, f, "x\r\n"); err != nil {
			t.Fatal(err)
		}
		msgs := up.Messages()
		if len(msgs) != before+1 || !msgs[len(msgs)-1].TLS {
			t.Fatal("message was not sent over TLS")
		}
	})
}

func TestSeedContact(t *testing.T) {
	f := New(Config{Address: "127.0.0.1:1"})
	defer f.Close()
	f.SeedContact(time.Time{})
	if !f.LastContact().IsZero() {
		t.Fatal("a zero time set LastContact")
	}
	at := time.Now().Add(-time.Minute)
	f.SeedContact(at)
	if got := f.LastContact(); !got.Equal(at.Truncate(0)) && got.UnixNano() != at.UnixNano() {
		t.Fatalf("LastContact = %v, want %v", got, at)
	}
	f.SeedContact(time.Now()) // only when there was no contact yet
	if got := f.LastContact(); got.UnixNano() != at.UnixNano() {
		t.Fatalf("a second seed replaced LastContact: %v", got)
	}
}
