package smtpd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dlprelay/dlprelay/relay/config"
	"github.com/dlprelay/dlprelay/relay/inspect"
)

// TestRealEngine runs the shared sample messages through the real customer
// list, scanner and policy: the clean one is delivered, the one with
// customer rows is held and never reaches the upstream.
func TestRealEngine(t *testing.T) {
	t.Parallel()
	cfg := config.Embedded()
	cfg.Customers.File = filepath.Join("..", "..", "testdata", "customers.csv")
	eng, err := inspect.Build(cfg, inspect.Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := startRelay(t, func(_ *Options, l *Live) { l.Engine = eng })
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "mail", name))
		if err != nil {
			t.Fatal(err)
		}
		return strings.ReplaceAll(string(b), "\r\n.", "\r\n..") // dot-stuff for the wire
	}
	c := greet(t, r.addr)
	if got := c.sendMail("a@corp.test", []string{"b@example.test"}, read("01-clean-plain.eml")); !strings.HasPrefix(got, "250 ") {
		t.Fatalf("clean message: %q", got)
	}
	if got := c.sendMail("a@corp.test", []string{"b@example.test"}, read("02-rows-plain.eml")); !strings.HasPrefix(got, "250 ") {
		t.Fatalf("message with rows: %q", got)
	}
	if n := len(r.up.Messages()); n != 1 {
		t.Fatalf("upstream got %d messages, want only the clean one", n)
	}
	if n := len(r.quarantined(t)); n != 1 {
		t.Fatalf("quarantine has %d entries, want 1", n)
	}
}
