package smtpd

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dlprelay/dlprelay/relay/config"
	"github.com/dlprelay/dlprelay/relay/inspect"
)

// TestAddresseeExemption runs the "writing to a customer about themselves"
// exemption through a real session, with the sample customer list and the
// shipped default rules (three records quarantine): it holds only when the
// customer is everyone the message goes to outside.
func TestAddresseeExemption(t *testing.T) {
	t.Parallel()
	cfg := config.Embedded()
	cfg.Customers.File = filepath.Join("..", "..", "testdata", "customers.csv")
	cfg.Policy.InternalDomains = []string{"corp.test"}
	// The delivered copy carries the verdict's details (X-DLP-Verdict for
	// a flag), so a record that was counted shows.
	cfg.Policy.Headers.DetailsTo = []string{"any"}
	eng, err := inspect.Build(cfg, inspect.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// C0001-C0003, each by name and phone.
	rows := "From: a@corp.test\r\nTo: x@gmail.com\r\nSubject: list\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" +
		"山田 太郎 03-1234-5678\r\n佐藤 花子 090-1111-2222\r\n鈴木 一郎 06-2345-6789\r\n"
	customers := []string{"taro.yamada@example.jp", "hanako.sato@example.jp", "ichiro.suzuki@example.co.jp"}

	t.Run("three rows to free-mail with the three customers added are held", func(t *testing.T) {
		t.Parallel()
		r := startRelay(t, func(_ *Options, l *Live) { l.Engine = eng })
		c := greet(t, r.addr)
		if got := c.sendMail("a@corp.test", append([]string{"x@gmail.com"}, customers...), rows); !strings.HasPrefix(got, "250 ") {
			t.Fatalf("DATA reply %q", got)
		}
		if n := len(r.up.Messages()); n != 0 {
			t.Errorf("upstream got %d messages; the customers' own addresses let the rows through", n)
		}
		if n := len(r.quarantined(t)); n != 1 {
			t.Errorf("quarantine has %d entries, want 1", n)
		}
	})
	t.Run("one customer's own record to that customer is exempt", func(t *testing.T) {
		t.Parallel()
		r := startRelay(t, func(_ *Options, l *Live) { l.Engine = eng })
		c := greet(t, r.addr)
		own := "From: a@corp.test\r\nTo: taro.yamada@example.jp\r\nSubject: your record\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" +
			"山田 太郎 様 03-1234-5678 taro.yamada@example.jp\r\n"
		// An internal copy does not change that.
		if got := c.sendMail("a@corp.test", []string{"Taro.Yamada@example.jp", "a@corp.test"}, own); !strings.HasPrefix(got, "250 ") {
			t.Fatalf("DATA reply %q", got)
		}
		msgs := r.up.WaitMessages(1, 5*time.Second)
		if len(msgs) != 1 {
			t.Fatalf("upstream got %d messages, want 1", len(msgs))
		}
		if strings.Contains(string(msgs[0].Data), "X-DLP-Verdict") {
			t.Errorf("the customer's own record was counted:\n%s", msgs[0].Data)
		}
		if n := len(r.quarantined(t)); n != 0 {
			t.Errorf("quarantine has %d entries, want 0", n)
		}
	})
}
