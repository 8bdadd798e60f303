//go:build postfix || exim

package main

// Message helpers shared by the real-MTA tests (postfix_test.go,
// exim_test.go): test messages as they go over SMTP, comparing what the
// upstream got, and finding a message in dlprelay's quarantine.

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/dlprelay/dlprelay/relay/quarantine"
	"github.com/dlprelay/dlprelay/relay/relaytest"
)

// readMessage is crlfMessage for a message a real MUA could have sent: it
// must have From, Date and Message-ID.
func readMessage(t *testing.T, path string) []byte {
	t.Helper()
	b := crlfMessage(t, path)
	for _, h := range []string{"From:", "Date:", "Message-ID:"} {
		if !hasHeader(b, h) {
			// Postfix would not add it (always_add_missing_headers = no),
			// but a message without it is not what a real MUA sends.
			t.Fatalf("%s has no %s header", path, h)
		}
	}
	return b
}

func hasHeader(msg []byte, name string) bool {
	hdr, _, _ := bytes.Cut(msg, []byte("\r\n\r\n"))
	for _, line := range strings.Split(string(hdr), "\r\n") {
		if len(line) >= len(name) && strings.EqualFold(line[:len(name)], name) {
			return true
		}
	}
	return false
}

func messageID(msg []byte) string {
	hdr, _, _ := bytes.Cut(msg, []byte("\r\n\r\n"))
	for _, line := range strings.Split(string(hdr), "\r\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.EqualFold(k, "Message-ID") {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// stripTraceHeaders removes the trace at the top of msg — the Received:
// headers (with their continuation lines) and the X-DLP-Scan-ID dlprelay
// writes after its own Received: — and says how many Received: headers
// and scan ids there were. Nothing else is removed: Postfix is configured
// not to add or rewrite headers.
func stripTraceHeaders(msg []byte) (rest []byte, received, scanIDs int) {
	for {
		switch head := bytes.ToLower(msg[:min(len(msg), 14)]); {
		case bytes.HasPrefix(head, []byte("received:")):
			received++
		case bytes.HasPrefix(head, []byte("x-dlp-scan-id:")):
			scanIDs++
		default:
			return msg, received, scanIDs
		}
		for {
			i := bytes.Index(msg, []byte("\r\n"))
			if i < 0 {
				return nil, received, scanIDs
			}
			msg = msg[i+2:]
			if len(msg) == 0 || (msg[0] != ' ' && msg[0] != '\t') {
				break
			}
		}
	}
}

// diffLines shows the first differing line of two messages, with line numbers.
func diffLines(want, got []byte) string {
	w := strings.Split(string(want), "\r\n")
	g := strings.Split(string(got), "\r\n")
	for i := 0; i < max(len(w), len(g)); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl || i >= len(w) || i >= len(g) {
			return fmt.Sprintf("first difference at line %d:\n want %q\n  got %q\nwhole message received:\n%s", i+1, wl, gl, got)
		}
	}
	return "(only line endings differ)"
}

func grepLines(s, substr string) string {
	var out []string
	for _, line := range strings.Split(s, "\n") {
		if strings.Contains(line, substr) {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}

// waitQuarantine waits for a quarantine entry in the relay's data
// directory whose message holds the Message-ID msgID, and returns it with
// the message.
func waitQuarantine(t *testing.T, data, msgID string, timeout time.Duration) (quarantine.Entry, []byte) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	find := func() (quarantine.Entry, []byte, bool) {
		q, err := quarantine.Open(data, quarantine.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer q.Close()
		ctx := context.Background()
		p, err := q.List(ctx, quarantine.Filter{Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range p.Entries {
			rc, err := q.Open(ctx, e.ID)
			if err != nil {
				t.Fatal(err)
			}
			eml, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(eml, []byte(msgID)) {
				return e, eml, true
			}
		}
		return quarantine.Entry{}, nil, false
	}
	for {
		if e, eml, ok := find(); ok {
			return e, eml
		}
		if time.Now().After(deadline) {
			t.Fatalf("no quarantine entry for %s in %s within %v", msgID, data, timeout)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// expectCleanAtUpstream checks that the upstream got, within timeout,
// exactly want from alice@corp.example to bob@partner.example, byte for byte
// under at least minTrace leading Received: headers (the MTA's,
// dlprelay's) and dlprelay's X-DLP-Scan-ID. It returns those headers.
func expectCleanAtUpstream(t *testing.T, up *relaytest.Upstream, want []byte, minTrace int, timeout time.Duration) []byte {
	t.Helper()
	msgs := up.WaitMessages(1, timeout)
	if len(msgs) != 1 {
		t.Fatalf("upstream got %d messages, want 1", len(msgs))
	}
	got := msgs[0]
	if got.From != "alice@corp.example" || len(got.To) != 1 || got.To[0] != "bob@partner.example" {
		t.Errorf("upstream envelope = %q -> %q, want alice@corp.example -> [bob@partner.example]", got.From, got.To)
	}
	body, n, ids := stripTraceHeaders(got.Data)
	trace := got.Data[:len(got.Data)-len(body)]
	t.Logf("upstream message starts with %d Received: header(s) and %d X-DLP-Scan-ID:\n%s", n, ids, trace)
	if n < minTrace {
		t.Errorf("upstream message has %d Received: headers, want at least %d:\n%s", n, minTrace, got.Data)
	}
	if ids != 1 {
		t.Errorf("upstream message has %d X-DLP-Scan-ID fields in its trace, want dlprelay's one:\n%s", ids, got.Data)
	}
	if !bytes.Equal(body, want) {
		t.Errorf("upstream message differs from the submitted one (leading trace headers stripped)\n%s", diffLines(want, body))
	}
	return trace
}
