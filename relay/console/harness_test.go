package console

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dlprelay/dlprelay/detect"
	"github.com/dlprelay/dlprelay/detect/customers"
	"github.com/dlprelay/dlprelay/detect/extract"
	"github.com/dlprelay/dlprelay/relay/quarantine"
	"github.com/dlprelay/dlprelay/relay/users"
)

const password = "correct horse battery"

// The customer values in sampleMessage, by record: none may appear on a
// masked page, in the audit log, or in an error.
var customerValues = []string{"山田 太郎", "090-1234-5678", "taro.yamada@example.jp", "東京都千代田区丸の内1-2-3", "佐藤 花子"}

const sampleMessage = "From: \"Sales Rep\" <sales@corp.example>\r\n" +
	"To: \"Partner\" <partner@external.example>, other@external.example\r\n" +
	"Subject: =?UTF-8?B?6aGn5a6i44Oq44K544OI6YCB5LuY44Gu5Lu2?=\r\n" + // 顧客リスト送付の件
	"MIME-Version: 1.0\r\n" +
	"Content-Type: multipart/mixed; boundary=\"b1\"\r\n" +
	"\r\n" +
	"--b1\r\n" +
	"Content-Type: text/plain; charset=utf-8\r\n" +
	"\r\n" +
	"いつもお世話になっております。ご依頼の件です。\r\n" +
	"お客様: 山田 太郎 様\r\n" +
	"電話: 090-1234-5678\r\n" +
	"メール: taro.yamada@example.jp\r\n" +
	"住所: 東京都千代田区丸の内1-2-3\r\n" +
	"--b1\r\n" +
	"Content-Type: text/csv; charset=utf-8\r\n" +
	"Content-Disposition: attachment; filename=\"list.csv\"\r\n" +
	"\r\n" +
	"id,name\r\n" +
	"C002,佐藤 花子\r\n" +
	"--b1--\r\n"

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type harness struct {
	t   *testing.T
	c   *Console
	h   http.Handler
	q   *memStore
	log *memLog
	dir *memDir
	clk *clock
	id  string // the sample entry, held
}

// newHarness builds a console over fresh doubles with users viewer1,
// officer1, officer2 and admin1 (all with password) and the sample
// entry.
func newHarness(t *testing.T, cfg Config) *harness {
	t.Helper()
	clk := &clock{t: time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)}
	cfg.Now = clk.Now
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	h := &harness{t: t, clk: clk, q: newMemStore(clk.Now), log: &memLog{now: clk.Now}, dir: newMemDir(clk.Now)}
	for name, role := range map[string]users.Role{"viewer1": users.Viewer, "officer1": users.Officer, "officer2": users.Officer, "admin1": users.Admin} {
		if _, err := h.dir.Add(context.Background(), name, password, role); err != nil {
			t.Fatal(err)
		}
	}
	c, err := New(cfg, h.q, h.log, h.dir, NewRescanner(extract.Limits{}))
	if err != nil {
		t.Fatal(err)
	}
	h.c, h.h = c, c.Handler()
	h.id = h.put(quarantine.Entry{}, sampleMessage)
	return h
}

// put stores msg with findings computed from customerValues the way the
// detector reports them, and returns the id.
func (h *harness) put(e quarantine.Entry, msg string) string {
	h.t.Helper()
	if e.Sender == "" {
		e.Sender = "sales@corp.example"
	}
	if e.Recipients == nil {
		e.Recipients = []string{"partner@external.example", "other@external.example"}
	}
	if e.Subject == "" {
		e.Subject = "顧客リスト送付の件"
	}
	e.Received = h.clk.Now().Add(-3 * time.Hour)
	e.Verdict, e.Rules, e.Reasons = "quarantine", []string{"customer-data-outside"}, []string{"records"}
	if e.Findings == nil {
		hits := findHits(h.t, msg)
		e.Records = len(hits)
		for _, hit := range hits {
			e.RecordIDs = append(e.RecordIDs, hit.ID)
		}
		e.Findings = currentFindings(h.t, hits)
	}
	stored, err := h.q.Put(e, strings.NewReader(msg))
	if err != nil {
		h.t.Fatal(err)
	}
	return stored.ID
}

// currentFindings is hits stored as the relay stores them now: with this
// build's extractor version.
func currentFindings(t *testing.T, hits []detect.RecordHit) json.RawMessage {
	t.Helper()
	b, err := detect.EncodeFindings(detect.NewFindings(&detect.Result{Records: hits}))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// findHits places the customer values of msg as the detector would:
// record C001 (name, phone, email, address) in part 1.1 and C002 (name)
// in part 1.2.
func findHits(t *testing.T, msg string) []detect.RecordHit {
	t.Helper()
	text := func(part string) string { return partText(t, msg, part) }
	hit := func(id, part string, fields []customers.Field, values []string) (detect.RecordHit, bool) {
		s := text(part)
		h := detect.RecordHit{ID: id, Parts: []string{part}, Closest: -1}
		for i, v := range values {
			at := strings.Index(s, v)
			if at < 0 {
				continue
			}
			h.Fields = append(h.Fields, fields[i])
			h.Matches = append(h.Matches, detect.Match{Field: fields[i], Part: part, Start: int64(at), End: int64(at + len(v))})
		}
		return h, len(h.Matches) > 0
	}
	var hits []detect.RecordHit
	if h, ok := hit("C001", "1.1", []customers.Field{customers.FieldName, customers.FieldPhone, customers.FieldEmail, customers.FieldAddress}, customerValues[:4]); ok {
		hits = append(hits, h)
	}
	if h, ok := hit("C002", "1.2", []customers.Field{customers.FieldName}, customerValues[4:]); ok {
		hits = append(hits, h)
	}
	return hits
}

// partText is the text of segment part of msg as the Rescanner reads it;
// "" if msg has no such segment.
func partText(t *testing.T, msg, part string) string {
	t.Helper()
	_, texts, err := NewRescanner(extract.Limits{}).Rescan(context.Background(), strings.NewReader(msg), func(seg string, _ int64) int64 {
		if seg == part {
			return 1 << 20
		}
		return 0
	})
	if err != nil {
		t.Fatal(err)
	}
	return texts[part]
}

// client is one browser or CLI: its cookies, its CSRF token and address.
type client struct {
	h      *harness
	jar    map[string]string
	csrf   string
	remote string
	header http.Header
}

func (h *harness) client() *client {
	return &client{h: h, jar: map[string]string{}, remote: "192.0.2.10:50000", header: http.Header{}}
}

func (cl *client) do(method, target string, body io.Reader, contentType string) (*http.Response, string) {
	cl.h.t.Helper()
	req := httptest.NewRequest(method, target, body)
	req.RemoteAddr = cl.remote
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, vs := range cl.header {
		req.Header[k] = vs
	}
	for k, v := range cl.jar {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	rec := httptest.NewRecorder()
	cl.h.h.ServeHTTP(rec, req)
	resp := rec.Result()
	for _, ck := range resp.Cookies() {
		if ck.MaxAge < 0 || ck.Value == "" {
			delete(cl.jar, ck.Name)
		} else {
			cl.jar[ck.Name] = ck.Value
		}
	}
	return resp, rec.Body.String()
}

func (cl *client) get(target string) (*http.Response, string) {
	return cl.do("GET", target, nil, "")
}

// postForm posts v, adding the CSRF field unless v has a "csrf" key
// already (an empty one sends none).
func (cl *client) postForm(target string, v url.Values) (*http.Response, string) {
	if v == nil {
		v = url.Values{}
	}
	if !v.Has("csrf") {
		v.Set("csrf", cl.csrf)
	}
	return cl.do("POST", target, strings.NewReader(v.Encode()), "application/x-www-form-urlencoded")
}

// postJSON posts body as JSON with the client's CSRF header (if any).
func (cl *client) postJSON(target string, body any) (*http.Response, string) {
	b, err := json.Marshal(body)
	if err != nil {
		cl.h.t.Fatal(err)
	}
	if cl.csrf != "" && cl.header.Get(csrfHeader) == "" {
		defer cl.header.Del(csrfHeader)
		cl.header.Set(csrfHeader, cl.csrf)
	}
	return cl.do("POST", target, bytes.NewReader(b), "application/json")
}

var csrfInput = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// login logs in through the login page and keeps the CSRF token from the
// next page.
func (cl *client) login(user string) *client {
	cl.h.t.Helper()
	_, body := cl.get("/console/login")
	m := csrfInput.FindStringSubmatch(body)
	if m == nil {
		cl.h.t.Fatalf("no login token in %s", body)
	}
	resp, body := cl.postForm("/console/login", url.Values{"csrf": {m[1]}, "user": {user}, "password": {password}})
	if resp.StatusCode != http.StatusSeeOther {
		cl.h.t.Fatalf("login %s: %d %s", user, resp.StatusCode, body)
	}
	_, body = cl.get("/console/")
	if m = csrfInput.FindStringSubmatch(body); m == nil {
		cl.h.t.Fatalf("no csrf token on the list page")
	}
	cl.csrf = m[1]
	return cl
}

// apiLogin logs in through the API.
func (cl *client) apiLogin(user string) *client {
	cl.h.t.Helper()
	resp, body := cl.postJSON("/api/login", map[string]string{"user": user, "password": password})
	if resp.StatusCode != http.StatusOK {
		cl.h.t.Fatalf("api login %s: %d %s", user, resp.StatusCode, body)
	}
	var out loginAnswer
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		cl.h.t.Fatal(err)
	}
	cl.csrf = out.CSRFToken
	return cl
}

func decode[T any](t *testing.T, body string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
	return v
}
