package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dlprelay/dlprelay/relay/audit"
	"github.com/dlprelay/dlprelay/relay/relaytest"
	"github.com/dlprelay/dlprelay/relay/users"
)

// apiClient is one officer's session on the console's JSON API.
type apiClient struct {
	t    *testing.T
	base string
	hc   *http.Client
	csrf string
}

func newAPIClient(t *testing.T, base, user, password string) *apiClient {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &apiClient{t: t, base: base, hc: &http.Client{Jar: jar, Timeout: 10 * time.Second}}
	var ans struct {
		CSRFToken string `json:"csrf_token"`
	}
	if code := c.do("POST", "/api/login", map[string]string{"user": user, "password": password}, &ans); code != 200 {
		t.Fatalf("login %s: HTTP %d", user, code)
	}
	c.csrf = ans.CSRFToken
	return c
}

// do calls the API and decodes the JSON answer into out; it returns the
// status code.
func (c *apiClient) do(method, path string, in, out any) int {
	c.t.Helper()
	var body io.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.csrf != "" {
		req.Header.Set("X-CSRF-Token", c.csrf)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(b, out); err != nil {
			c.t.Fatalf("%s %s: %v: %s", method, path, err, b)
		}
	}
	if resp.StatusCode >= 300 {
		c.t.Logf("%s %s: HTTP %d %s", method, path, resp.StatusCode, b)
	}
	return resp.StatusCode
}

// TestConsoleReleaseEndToEnd runs the officers' flow against the running
// binary through the JSON API: a message with customer rows is quarantined;
// alice requests its release; she cannot approve her own request; bob
// approves; the release worker delivers it exactly once with the trace
// header; the audit chain verifies and names who did what.
func TestConsoleReleaseEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildDlprelayBinary(t)
	up := relaytest.NewUpstream(t)
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	ctx := context.Background()
	for _, u := range []string{"alice", "bob"} {
		addConsoleUser(t, data, u, password(u), users.Officer)
	}
	addConsoleUser(t, data, "vera", password("vera"), users.Viewer)
	customers := sharedTestdata(t, "testdata/customers.csv")
	cfg := filepath.Join(dir, "dlprelay.yaml")
	writeFile(t, cfg, "customers:\n  file: "+customers+"\nconsole:\n  four_eyes: true\n")
	p := startDlprelayWith(t, bin, procOptions{upstream: up.Addr, customers: customers, config: cfg, data: data})

	msg, err := os.ReadFile(sharedTestdata(t, "testdata/mail/02-rows-plain.eml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := sendPlain(p.listen, "sales@dlprelay.example", "agency@outside.example", msg); err != nil {
		t.Fatal(err)
	}
	if n := len(up.Messages()); n != 0 {
		t.Fatalf("the upstream got %d messages; the message should be held", n)
	}
	base := "http://" + p.admin
	alice := newAPIClient(t, base, "alice", "alice-password-123")
	var list struct {
		Entries []struct {
			ID      string `json:"id"`
			Subject string `json:"subject"`
			Status  string `json:"status"`
		} `json:"entries"`
		Total int `json:"total"`
	}
	if code := alice.do("GET", "/api/quarantine?q=campaign", nil, &list); code != 200 || list.Total != 1 {
		t.Fatalf("list: HTTP %d, %+v", code, list)
	}
	id := list.Entries[0].ID

	// A viewer sees the entry with masked values but cannot act.
	vera := newAPIClient(t, base, "vera", "vera-password-123")
	var detail json.RawMessage
	if code := vera.do("GET", "/api/quarantine/"+id, nil, &detail); code != 200 {
		t.Fatalf("viewer detail: HTTP %d", code)
	}
	if strings.Contains(string(detail), "03-1234-5678") || strings.Contains(string(detail), "山田 太郎") {
		t.Errorf("the masked detail carries a customer value: %s", detail)
	}
	if code := vera.do("POST", "/api/quarantine/"+id+"/release", map[string]any{"justification": "x"}, nil); code != 403 {
		t.Errorf("viewer release: HTTP %d, want 403", code)
	}

	var revealed json.RawMessage
	if code := alice.do("POST", "/api/quarantine/"+id+"/reveal", map[string]any{"justification": "checking the rows"}, &revealed); code != 200 ||
		!strings.Contains(string(revealed), "03-1234-5678") {
		t.Errorf("reveal: HTTP %d %s", code, revealed)
	}
	if code := alice.do("POST", "/api/quarantine/"+id+"/release", map[string]any{"justification": "agency contract #12"}, nil); code != 200 {
		t.Fatalf("release request: HTTP %d", code)
	}
	if code := alice.do("POST", "/api/quarantine/"+id+"/approve", map[string]any{"justification": "self"}, nil); code != 409 {
		t.Errorf("self-approval: HTTP %d, want 409", code)
	}
	time.Sleep(3 * time.Second) // longer than the worker's poll: nothing may go out unapproved
	if n := len(up.Messages()); n != 0 {
		t.Fatalf("released before approval: %d messages", n)
	}
	bob := newAPIClient(t, base, "bob", "bob-password-123")
	if code := bob.do("POST", "/api/quarantine/"+id+"/approve", map[string]any{"justification": "contract checked"}, nil); code != 200 {
		t.Fatalf("approve: HTTP %d", code)
	}
	got := up.WaitMessages(1, 20*time.Second)
	if len(got) != 1 {
		t.Fatalf("the upstream got %d messages after approval; log:\n%s", len(got), tailLines(p.output(), 20))
	}
	// To an outside recipient, with the default policy.headers.details_to
	// ([internal]), nothing says the message was held or who released it:
	// the entry id in X-DLP-Scan-ID is what an officer finds it by.
	if d := string(got[0].Data); !strings.Contains(d, "\r\nX-DLP-Scan-ID: "+id+"\r\n") || strings.Contains(d, "X-DLP-Released") ||
		strings.Contains(d, "alice") || strings.Contains(d, "bob") ||
		!strings.Contains(d, "\r\nSubject: Customer list for the campaign\r\n") || !strings.HasSuffix(d, "\r\nMore next week.\r\n") {
		t.Errorf("released message:\n%s", d)
	}
	if code := bob.do("POST", "/api/quarantine/"+id+"/release", map[string]any{"justification": "again"}, nil); code != 409 {
		t.Errorf("second release of a released entry: HTTP %d, want 409", code)
	}
	time.Sleep(3 * time.Second)
	if n := len(up.Messages()); n != 1 {
		t.Errorf("delivered %d times, want once", n)
	}

	p.stop()
	log, err := audit.OpenReadOnly(filepath.Join(data, "audit.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	n, err := log.Verify(ctx)
	if err != nil {
		t.Fatalf("audit verify after %d entries: %v", n, err)
	}
	recs, _, err := log.List(ctx, audit.Query{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, r := range recs {
		seen[fmt.Sprintf("%s %s", r.Actor, r.Action)] = true
	}
	for _, want := range []string{"alice login", "alice reveal", "alice release_request", "bob release_approve", "system release_outcome", "vera login"} {
		if !seen[want] {
			t.Errorf("audit lacks %q; has %v", want, seen)
		}
	}

	// The relay's log holds each entry's hash: pins for `audit verify`.
	var pins []audit.Pin
	for _, m := range regexp.MustCompile(`msg="audit entry appended" seq=(\d+) action=\w+ hash=([0-9a-f]{64})`).FindAllStringSubmatch(p.output(), -1) {
		pin, err := audit.ParsePin(m[1] + ":" + m[2])
		if err != nil {
			t.Fatal(err)
		}
		pins = append(pins, pin)
	}
	if len(pins) != len(recs) {
		t.Errorf("the relay logged %d audit entries, the log has %d", len(pins), len(recs))
	}
	if head, err := log.VerifyPinned(ctx, pins); err != nil || head.Seq != int64(len(recs)) {
		t.Errorf("audit verify with the logged pins: %v, %v", head, err)
	}
}
