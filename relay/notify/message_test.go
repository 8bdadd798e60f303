package notify

import (
	"bytes"
	"io"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-message/mail"
)

var jst = time.FixedZone("JST", 9*3600)

func testConfig() Config {
	return Config{From: "dlprelay@example.co.jp", Contact: "コンプライアンス室 (内線 1234)"}
}

func testNotice() Notice {
	return Notice{
		To:           []string{"officer@example.co.jp", "audit@example.co.jp"},
		Audience:     AudienceOfficers,
		Action:       ActionQuarantine,
		MessageID:    "20260102T030405Z-0123abcd",
		QuarantineID: "20260102T030405Z-q789",
		Sender:       "taro@example.co.jp",
		Recipients:   3,
		Classes:      []string{"freemail", "external"},
		Rules:        []string{"顧客リスト大量送信", "watchlist-24h"},
		Records:      42,
		Time:         time.Date(2026, 1, 2, 12, 4, 5, 0, jst),
	}
}

// wantHeaders is every header Build writes, each once.
var wantHeaders = []string{
	"Auto-Submitted", "Content-Transfer-Encoding", "Content-Type", "Date", "From",
	"Message-Id", "Mime-Version", "Precedence", "Subject", "To",
	"X-Auto-Response-Suppress", "X-Dlp-Notification",
}

// parsed is a notification read back the way a mail client would.
type parsed struct {
	h    mail.Header
	body string
}

func parse(t testing.TB, raw []byte) parsed {
	t.Helper()
	mr, err := mail.CreateReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, raw)
	}
	defer mr.Close()
	p, err := mr.NextPart()
	if err != nil {
		t.Fatalf("first part: %v", err)
	}
	body, err := io.ReadAll(p.Body)
	if err != nil {
		t.Fatalf("body: %v", err)
	}
	if _, err := mr.NextPart(); err != io.EOF {
		t.Fatalf("second part: %v, want EOF", err)
	}
	return parsed{h: mr.Header, body: string(body)}
}

func (p parsed) headerNames() []string {
	var names []string
	for f := p.h.Fields(); f.Next(); {
		names = append(names, f.Key())
	}
	slices.Sort(names)
	return names
}

// checkWire checks what must hold for every built message: CRLF only, 7-bit,
// header lines within RFC 5322's 78 characters.
func checkWire(t testing.TB, raw []byte) {
	t.Helper()
	if !bytes.HasSuffix(raw, []byte("\r\n")) {
		t.Errorf("message does not end with CRLF")
	}
	inHeader := true
	for i, line := range strings.Split(strings.TrimSuffix(string(raw), "\r\n"), "\r\n") {
		if strings.ContainsAny(line, "\r\n") {
			t.Errorf("line %d has a bare CR or LF: %q", i+1, line)
		}
		for _, c := range []byte(line) {
			if c >= 0x80 || (c < ' ' && c != '\t') {
				t.Errorf("line %d has byte %#x: %q", i+1, c, line)
				break
			}
		}
		if line == "" {
			inHeader = false
		}
		if inHeader && len(line) > maxLine {
			t.Errorf("header line %d is %d long: %q", i+1, len(line), line)
		}
		if !inHeader && len(line) > 76 {
			t.Errorf("body line %d is %d long: %q", i+1, len(line), line)
		}
	}
}

func TestBuildOfficers(t *testing.T) {
	t.Parallel()
	nt := testNotice()
	raw, err := Build(testConfig(), nt)
	if err != nil {
		t.Fatal(err)
	}
	checkWire(t, raw)
	p := parse(t, raw)
	if got := p.headerNames(); !slices.Equal(got, wantHeaders) {
		t.Errorf("headers = %v\nwant %v", got, wantHeaders)
	}
	subject, err := p.h.Subject()
	if err != nil {
		t.Fatal(err)
	}
	if want := "[dlprelay] 隔離されました / Message quarantined (id 20260102T030405Z-0123abcd)"; subject != want {
		t.Errorf("Subject = %q, want %q", subject, want)
	}
	if !strings.Contains(string(raw), "=?UTF-8?q?") {
		t.Errorf("Subject is not RFC 2047 encoded")
	}
	for name, want := range map[string]string{
		"From":                      "dlprelay <dlprelay@example.co.jp>",
		"To":                        "officer@example.co.jp, audit@example.co.jp",
		"Mime-Version":              "1.0",
		"Content-Type":              "text/plain; charset=UTF-8",
		"Content-Transfer-Encoding": "quoted-printable",
		"Auto-Submitted":            "auto-generated",
		"Precedence":                "bulk",
		"X-Dlp-Notification":        "quarantine",
	} {
		if got := p.h.Get(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	date, err := p.h.Date()
	if err != nil || !date.Equal(nt.Time) {
		t.Errorf("Date = %v (%v), want %v", date, err, nt.Time)
	}
	if got := p.h.Get("Date"); got != "Fri, 02 Jan 2026 12:04:05 +0900" {
		t.Errorf("Date = %q, want the notice's zone", got)
	}
	if id, err := p.h.MessageID(); err != nil || !strings.HasSuffix(id, "@example.co.jp") || len(id) < 30 {
		t.Errorf("Message-ID = %q (%v), want random@example.co.jp", id, err)
	}

	ja := []string{
		"次のメールは配信されずに隔離されました。",
		"処理: 隔離 (quarantine)",
		"日時: 2026-01-02T12:04:05+09:00",
		"dlprelay ID: 20260102T030405Z-0123abcd",
		"隔離 ID: 20260102T030405Z-q789",
		"送信者: taro@example.co.jp",
		"宛先: 3 件 (freemail, external)",
		"ルール: 顧客リスト大量送信, watchlist-24h",
		"顧客レコード数: 42",
	}
	en := []string{
		"The DLP policy quarantined the following message",
		"Action: quarantine",
		"Time: 2026-01-02T12:04:05+09:00",
		"dlprelay id: 20260102T030405Z-0123abcd",
		"Quarantine id: 20260102T030405Z-q789",
		"Sender: taro@example.co.jp",
		"Recipients: 3 (freemail, external)",
		"Rules: 顧客リスト大量送信, watchlist-24h",
		"Customer records: 42",
	}
	checkOrder(t, p.body, append(ja, en...))
}

// checkOrder checks that body holds every string of want, in that order, each
// on its own line or starting one.
func checkOrder(t *testing.T, body string, want []string) {
	t.Helper()
	rest := body
	for _, w := range want {
		i := strings.Index(rest, w)
		if i < 0 {
			t.Errorf("body lacks %q (or has it out of order):\n%s", w, body)
			return
		}
		rest = rest[i+len(w):]
	}
}

func TestBuildSender(t *testing.T) {
	t.Parallel()
	nt := testNotice()
	nt.Audience = AudienceSender
	nt.To = []string{"taro@example.co.jp"}
	raw, err := Build(testConfig(), nt)
	if err != nil {
		t.Fatal(err)
	}
	checkWire(t, raw)
	p := parse(t, raw)
	checkOrder(t, p.body, []string{
		"あなたが送信したメールは、DLP ポリシーにより配信が保留され",
		"dlprelay ID: 20260102T030405Z-0123abcd",
		"隔離 ID: 20260102T030405Z-q789",
		"ご不明な点はコンプライアンス室 (内線 1234)に、dlprelay ID 20260102T030405Z-0123abcd を添えてお問い合わせください。",
		"Your message was held for review by compliance",
		"Quarantine id: 20260102T030405Z-q789",
		"contact コンプライアンス室 (内線 1234) quoting dlprelay id 20260102T030405Z-0123abcd.",
	})
	// The sender learns neither the rules nor the counts.
	for _, s := range []string{"顧客リスト大量送信", "watchlist-24h", "42", "freemail", "Rules", "ルール"} {
		if strings.Contains(p.body, s) {
			t.Errorf("sender's notice shows %q:\n%s", s, p.body)
		}
	}

	nt.QuarantineID = ""
	nt.Action = ActionReject
	raw, err = Build(Config{From: "dlprelay@example.co.jp"}, nt)
	if err != nil {
		t.Fatal(err)
	}
	p = parse(t, raw)
	checkOrder(t, p.body, []string{"ご不明な点はコンプライアンス担当者に", "contact your compliance team quoting"})
	if strings.Contains(p.body, "隔離 ID") || strings.Contains(p.body, "Quarantine id") {
		t.Errorf("a notice without a quarantine id shows one:\n%s", p.body)
	}
}

func TestBuildSubjects(t *testing.T) {
	t.Parallel()
	for action, want := range map[string]string{
		ActionFlag:       "[dlprelay] 要確認として記録されました / Message flagged (id 20260102T030405Z-0123abcd)",
		ActionQuarantine: "[dlprelay] 隔離されました / Message quarantined (id 20260102T030405Z-0123abcd)",
		ActionReject:     "[dlprelay] 送信が拒否されました / Message rejected (id 20260102T030405Z-0123abcd)",
	} {
		nt := testNotice()
		nt.Action = action
		raw, err := Build(testConfig(), nt)
		if err != nil {
			t.Fatal(err)
		}
		checkWire(t, raw)
		p := parse(t, raw)
		if got, _ := p.h.Subject(); got != want {
			t.Errorf("%s: Subject = %q, want %q", action, got, want)
		}
		if got := p.h.Get("X-Dlp-Notification"); got != action {
			t.Errorf("%s: X-DLP-Notification = %q", action, got)
		}
	}
}

// Values from the configuration and the caller cannot add a header or a
// line: control and formatting characters are shown escaped.
func TestBuildHostileValues(t *testing.T) {
	t.Parallel()
	cfg := testConfig()
	cfg.Contact = "x\r\nBcc: contact@evil.test"
	nt := testNotice()
	nt.Rules = []string{"rule\r\nBcc: x@y", "\u202eevil"}
	nt.Sender = "a@b\r\nBcc: sender@evil.test"
	nt.Classes = []string{"c\nBcc: class@evil.test"}
	nt.MessageID = "id\r\nBcc: id@evil.test =?UTF-8?q?x?="
	nt.QuarantineID = "q\rBcc: q@evil.test"
	for _, aud := range []string{AudienceOfficers, AudienceSender} {
		nt.Audience = aud
		raw, err := Build(cfg, nt)
		if err != nil {
			t.Fatal(err)
		}
		checkWire(t, raw)
		p := parse(t, raw)
		if got := p.headerNames(); !slices.Equal(got, wantHeaders) {
			t.Errorf("%s: headers = %v\nwant %v", aud, got, wantHeaders)
		}
		if p.h.Has("Bcc") {
			t.Errorf("%s: a Bcc header was injected", aud)
		}
		subject, _ := p.h.Subject()
		if want := "[dlprelay] 隔離されました / Message quarantined (id id__Bcc:_id_evil.test___UTF-8_q_x__)"; subject != want {
			t.Errorf("%s: Subject = %q, want %q", aud, subject, want)
		}
		for _, line := range strings.Split(p.body, "\r\n") {
			if strings.HasPrefix(line, "Bcc") {
				t.Errorf("%s: body has a line of its own from a value: %q", aud, line)
			}
		}
		if !strings.Contains(p.body, `id\r\nBcc: id@evil.test`) {
			t.Errorf("%s: escaped id missing from the body:\n%s", aud, p.body)
		}
		if aud == AudienceSender && !strings.Contains(p.body, `x\r\nBcc: contact@evil.test`) {
			t.Errorf("%s: escaped contact missing from the body:\n%s", aud, p.body)
		}
	}
	// Only the officers see rules, classes and the sender.
	nt.Audience = AudienceOfficers
	raw, _ := Build(cfg, nt)
	body := parse(t, raw).body
	for _, want := range []string{`rule\r\nBcc: x@y`, `\u202eevil`, `a@b\r\nBcc: sender@evil.test`, `c\nBcc: class@evil.test`, `q\rBcc: q@evil.test`} {
		if !strings.Contains(body, want) {
			t.Errorf("body lacks %q:\n%s", want, body)
		}
	}
}

func TestBuildFoldsLongTo(t *testing.T) {
	t.Parallel()
	nt := testNotice()
	nt.To = nil
	for i := range 30 {
		nt.To = append(nt.To, "compliance-officer-"+strings.Repeat("x", i)+"@example.co.jp")
	}
	nt.To = append(nt.To, "Compliance-Officer-@example.co.jp") // a repeat, ignoring case
	raw, err := Build(testConfig(), nt)
	if err != nil {
		t.Fatal(err)
	}
	checkWire(t, raw)
	p := parse(t, raw)
	list, err := p.h.AddressList("To")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range list {
		got = append(got, a.Address)
	}
	if !slices.Equal(got, nt.To[:30]) {
		t.Errorf("To = %v\nwant %v", got, nt.To[:30])
	}
}

func TestBuildRefuses(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		edit  func(*Config, *Notice)
		field string
	}{
		{"no To", func(_ *Config, n *Notice) { n.To = nil }, "To:"},
		{"CRLF in To", func(_ *Config, n *Notice) { n.To[1] = "a@b\r\nBcc: c@d" }, "To[1]"},
		{"space in To", func(_ *Config, n *Notice) { n.To[0] = "a b@c" }, "To[0]"},
		{"quoted To", func(_ *Config, n *Notice) { n.To[0] = `"a"@c` }, "To[0]"},
		{"non-ASCII To", func(_ *Config, n *Notice) { n.To[0] = "太郎@example.co.jp" }, "To[0]"},
		{"no domain", func(_ *Config, n *Notice) { n.To[0] = "officer@" }, "To[0]"},
		{"no local part", func(_ *Config, n *Notice) { n.To[0] = "@example.co.jp" }, "To[0]"},
		{"pass", func(_ *Config, n *Notice) { n.Action = "pass" }, "Action"},
		{"monitor", func(_ *Config, n *Notice) { n.Action = "monitor" }, "Action"},
		{"audience", func(_ *Config, n *Notice) { n.Audience = "hr" }, "Audience"},
		{"no id", func(_ *Config, n *Notice) { n.MessageID = "" }, "MessageID"},
		{"negative", func(_ *Config, n *Notice) { n.Records = -1 }, "Records"},
		{"no From", func(c *Config, _ *Notice) { c.From = "" }, "From"},
		{"CRLF in From", func(c *Config, _ *Notice) { c.From = "a@b\r\nX: y" }, "From"},
		{"bad Hostname", func(c *Config, _ *Notice) { c.Hostname = "h>\r\nX: y" }, "Hostname"},
	} {
		cfg, nt := testConfig(), testNotice()
		tc.edit(&cfg, &nt)
		raw, err := Build(cfg, nt)
		if err == nil {
			t.Errorf("%s: built\n%s", tc.name, raw)
			continue
		}
		if !strings.Contains(err.Error(), tc.field) {
			t.Errorf("%s: error %q does not name %s", tc.name, err, tc.field)
		}
		if strings.Contains(err.Error(), "example.co.jp") {
			t.Errorf("%s: error %q shows an address", tc.name, err)
		}
	}
}

// Build prints only what the Notice holds: customer data that reached the
// relay but not the Notice cannot appear. The field list pins Notice: a new
// field must be checked against "no customer data" before it is added here.
func TestBuildPrintsOnlyTheNotice(t *testing.T) {
	t.Parallel()
	var fields []string
	for f := range reflect.TypeFor[Notice]().Fields() {
		fields = append(fields, f.Name)
	}
	want := []string{"To", "Audience", "Action", "MessageID", "QuarantineID", "Sender",
		"Recipients", "Classes", "Rules", "Records", "Time"}
	if !slices.Equal(fields, want) {
		t.Errorf("Notice fields = %v, want %v: does the new field carry customer data?", fields, want)
	}

	// What the original message held, never given to Build.
	forbidden := []string{
		"見積書送付の件", "山田花子", "hanako.yamada@customer.example", "customer.example",
		"090-1234-5678", "CUST-000123", "4111111111111111", "東京都千代田区",
	}
	for _, aud := range []string{AudienceOfficers, AudienceSender} {
		for action := range actionTexts {
			nt := testNotice()
			nt.Audience, nt.Action = aud, action
			raw, err := Build(testConfig(), nt)
			if err != nil {
				t.Fatal(err)
			}
			p := parse(t, raw)
			subject, _ := p.h.Subject()
			for _, s := range forbidden {
				if bytes.Contains(raw, []byte(s)) || strings.Contains(p.body, s) || strings.Contains(subject, s) {
					t.Errorf("%s/%s: output contains %q", aud, action, s)
				}
			}
		}
	}
}

func FuzzBuild(f *testing.F) {
	f.Add("rule\r\nBcc: x@y", "a@b", "freemail", "20260102T030405Z-0123abcd", "q1", "")
	f.Add("\u202e", "a@b\nX: y", "c\x00", "=?UTF-8?q?x?=", "\xff\xfe", "内線\r\n")
	f.Add(strings.Repeat("長い規則名", 40), "", "", strings.Repeat("x", 300), "", strings.Repeat("y ", 100))
	f.Fuzz(func(t *testing.T, rule, sender, class, id, qid, contact string) {
		if id == "" {
			id = "x"
		}
		nt := testNotice()
		nt.Rules, nt.Sender, nt.Classes, nt.MessageID, nt.QuarantineID = []string{rule}, sender, []string{class}, id, qid
		cfg := testConfig()
		cfg.Contact = contact
		for _, aud := range []string{AudienceOfficers, AudienceSender} {
			nt.Audience = aud
			raw, err := Build(cfg, nt)
			if err != nil {
				t.Fatal(err)
			}
			checkWire(t, raw)
			p := parse(t, raw)
			if got := p.headerNames(); !slices.Equal(got, wantHeaders) {
				t.Fatalf("headers = %v", got)
			}
			if _, err := p.h.Subject(); err != nil {
				t.Fatalf("Subject: %v", err)
			}
		}
	})
}
