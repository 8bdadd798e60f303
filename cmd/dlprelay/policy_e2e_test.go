package main

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/dlprelay/dlprelay/detect"
	"github.com/dlprelay/dlprelay/policy/history"
	"github.com/dlprelay/dlprelay/relay/config"
	"github.com/dlprelay/dlprelay/relay/metrics"
	"github.com/dlprelay/dlprelay/relay/notify"
	"github.com/dlprelay/dlprelay/relay/quarantine"
	"github.com/dlprelay/dlprelay/relay/relaytest"
	"github.com/dlprelay/dlprelay/relay/smtpd"
)

// policyRelay is the relay wired as `dlprelay serve` wires it (buildLiveChecked,
// notifier, metrics), with configs/company-jp.yaml's policy, in front of a
// recording upstream.
type policyRelay struct {
	addr string
	up   *relaytest.Upstream
	q    *quarantine.SQLite
	live func() *smtpd.Live
}

// testList writes a customer list whose 30 rows all match by name and
// phone, and returns its path and rows (id, name, email, phone).
func testList(t *testing.T, dir string) (string, [][]string) {
	t.Helper()
	path := filepath.Join(dir, "customers.csv")
	var list strings.Builder
	list.WriteString("customer_id,name,email,phone\n")
	var rows [][]string
	for i, family := range []string{"山川", "谷口", "森野"} {
		for j, given := range []string{"一郎", "二郎", "三郎", "四郎", "五郎", "六郎", "七郎", "八郎", "九郎", "十郎"} {
			n := 10*i + j + 1
			row := []string{fmt.Sprintf("T%03d", n), family + " " + given, fmt.Sprintf("cust%02d@example.org", n), fmt.Sprintf("03-5555-%04d", n)}
			rows = append(rows, row)
			list.WriteString(strings.Join(row, ",") + "\n")
		}
	}
	writeFile(t, path, list.String())
	return path, rows
}

// startPolicyRelay loads configs/company-jp.yaml, points it at a test list,
// watchlist and upstream, lets mod change it, and serves it.
func startPolicyRelay(t *testing.T, mod func(*config.Config)) *policyRelay {
	t.Helper()
	dir := t.TempDir()
	cfg, err := config.Load(filepath.Join("..", "..", "configs", "company-jp.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	up := relaytest.NewUpstream(t)
	cfg.Customers.File, _ = testList(t, dir)
	today := time.Now().In(time.FixedZone("JST", 9*3600))
	watch := filepath.Join(dir, "leavers.csv")
	writeFile(t, watch, fmt.Sprintf("address,name,from,until\ns.tanaka@example.co.jp,田中 翔太,%s,%s\n",
		today.AddDate(0, 0, -3).Format("2006-01-02"), today.AddDate(0, 1, 0).Format("2006-01-02")))
	cfg.Policy.Watchlist.File = watch
	cfg.Upstream.Address, cfg.Upstream.TLS = up.Addr, config.UpstreamTLSNone
	cfg.DataDir = filepath.Join(dir, "data")
	if mod != nil {
		mod(cfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	q, err := quarantine.Open(cfg.DataDir, quarantine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	live, _, _, err := buildLiveChecked(cfg, log, history.NewLedger(history.NewMemory()), q, nil)
	if err != nil {
		q.Close()
		t.Fatal(err)
	}
	m := metrics.New("test", policyReasons(), nil)
	var srv *smtpd.Server
	nt, err := notify.New(notify.Config{From: cfg.Policy.Notify.From, Hostname: "dlp.test", Backoff: 10 * time.Millisecond},
		func() notify.Transport { return srv.Live().Upstream }, log, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv = smtpd.New(smtpd.Options{
		Hostname: "dlp.test", MaxMessageBytes: 10 << 20, MaxRecipients: 10, MaxLineLength: 2048,
		ReadTimeout: 10 * time.Second, WriteTimeout: 10 * time.Second, MaxConnections: 10,
		SpoolDir: t.TempDir(), Logger: log, Metrics: m, Notifier: nt,
	}, live)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		nt.Close(ctx)
		live.Upstream.Close()
		q.Close()
	})
	return &policyRelay{addr: ln.Addr().String(), up: up, q: q, live: srv.Live}
}

// send submits one message and returns the final reply as "code text".
func (r *policyRelay) send(t *testing.T, from string, to []string, msg string) string {
	t.Helper()
	c, err := smtp.Dial(r.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Hello("client.test"); err != nil {
		t.Fatal(err)
	}
	if err := c.Mail(from, nil); err != nil {
		t.Fatal(err)
	}
	for _, rc := range to {
		if err := c.Rcpt(rc, nil); err != nil {
			t.Fatalf("RCPT %s: %v", rc, err)
		}
	}
	w, err := c.Data()
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(w, msg)
	resp, err := w.CloseWithResponse()
	var se *smtp.SMTPError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("%d %d.%d.%d %s", se.Code, se.EnhancedCode[0], se.EnhancedCode[1], se.EnhancedCode[2], se.Message)
	case err != nil:
		t.Fatal(err)
	}
	return "250 " + resp.StatusText
}

// delivered returns the upstream copy of the message with this Message-ID
// (not notifications), or "".
func (r *policyRelay) delivered(mid string) string {
	for _, m := range r.up.Messages() {
		if strings.Contains(string(m.Data), "Message-ID: <"+mid+">") {
			return string(m.Data)
		}
	}
	return ""
}

// notices returns the notification mails received so far, keyed by
// recipient.
func (r *policyRelay) notices() map[string]int {
	out := map[string]int{}
	for _, m := range r.up.Messages() {
		if strings.Contains(string(m.Data), "X-DLP-Notification:") {
			for _, to := range m.To {
				out[to]++
			}
		}
	}
	return out
}

func mail(mid, from, to, subject, body string) string {
	return "From: " + from + "\r\nTo: " + to + "\r\nSubject: " + subject + "\r\nMessage-ID: <" + mid + ">\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + body + "\r\n"
}

func withAttachment(mid, from, to, name string, data []byte) string {
	return "From: " + from + "\r\nTo: " + to + "\r\nSubject: files\r\nMessage-ID: <" + mid + ">\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=b1\r\n\r\n--b1\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n" +
		"--b1\r\nContent-Type: application/octet-stream; name=" + name + "\r\nContent-Disposition: attachment; filename=" + name +
		"\r\nContent-Transfer-Encoding: base64\r\n\r\n" + base64.StdEncoding.EncodeToString(data) + "\r\n--b1--\r\n"
}

// detailsToAll gives every recipient the verdict's header details, so a
// test can read from the delivered copy which rule fired.
func detailsToAll(c *config.Config) { c.Policy.Headers.DetailsTo = []string{"any"} }

// TestPolicyEndToEnd sends one message per rule kind through the running
// relay with the sample company policy and checks what the upstream got:
// the message (with headers, tag) or not, and the notification mails.
// The header details go to everyone here (detailsToAll);
// TestPolicyHeadersOutside has the policy as shipped.
func TestPolicyEndToEnd(t *testing.T) {
	t.Parallel()
	r := startPolicyRelay(t, detailsToAll)
	_, rows := testList(t, t.TempDir())
	recs := func(from, to int) string { // rows [from, to): name and phone each
		var b strings.Builder
		for _, row := range rows[from:to] {
			fmt.Fprintf(&b, "%s 様 %s\r\n", row[1], row[3])
		}
		return b.String()
	}
	encrypted, err := os.ReadFile(sharedTestdata(t, "testdata/attachments/archive/encrypted.zip"))
	if err != nil {
		t.Fatal(err)
	}
	const officer = "compliance@example.co.jp"
	tests := []struct {
		name      string
		from      string
		to        []string
		msg       string
		reply     string   // prefix of the final reply
		delivered bool     // reached the upstream
		headers   []string // in the delivered copy
		absent    []string // not in the delivered copy
		notified  []string // notification recipients (cumulative counts checked)
	}{
		{name: "internal mail with records passes", from: "a.ito@example.co.jp", to: []string{"b.kato@example.co.jp"},
			msg: mail("m1@t", "a.ito@example.co.jp", "b.kato@example.co.jp", "list", recs(0, 5)), reply: "250 ", delivered: true, absent: []string{"X-DLP-Verdict", "X-DLP-Rules"}},
		{name: "one record to free-mail is quarantined, officers and sender told", from: "a.ito@example.co.jp", to: []string{"friend@gmail.com"},
			msg: mail("m2@t", "a.ito@example.co.jp", "friend@gmail.com", "hi", recs(0, 1)), reply: "250 ", notified: []string{officer, "a.ito@example.co.jp"}},
		{name: "records to a partner pass", from: "a.ito@example.co.jp", to: []string{"tax@kansa-partners.co.jp"},
			msg: mail("m3@t", "a.ito@example.co.jp", "tax@kansa-partners.co.jp", "data", recs(0, 4)), reply: "250 ", delivered: true, absent: []string{"X-DLP-Verdict"}},
		{name: "one record outside is flagged and the subject tagged", from: "a.ito@example.co.jp", to: []string{"buyer@customer-corp.jp"},
			msg: mail("m4@t", "a.ito@example.co.jp", "buyer@customer-corp.jp", "見積", recs(5, 6)), reply: "250 ", delivered: true,
			headers: []string{"X-DLP-Verdict: flag", "X-DLP-Rules: external-one", "Subject: =?utf-8?q?[DLP=E7=A2=BA=E8=AA=8D]?= 見積"}},
		{name: "three records outside are quarantined", from: "a.ito@example.co.jp", to: []string{"buyer@customer-corp.jp"},
			msg: mail("m5@t", "a.ito@example.co.jp", "buyer@customer-corp.jp", "list", recs(6, 9)), reply: "250 ", notified: []string{officer}},
		{name: "ten corroborated records outside are rejected", from: "a.ito@example.co.jp", to: []string{"buyer@customer-corp.jp"},
			msg: mail("m6@t", "a.ito@example.co.jp", "buyer@customer-corp.jp", "all", recs(10, 20)), reply: "550 5.7.1 Message rejected by data loss prevention policy; contact compliance@example.co.jp"},
		{name: "a leaver's one record to a partner is quarantined", from: "s.tanaka@example.co.jp", to: []string{"tax@kansa-partners.co.jp"},
			msg: mail("m7@t", "s.tanaka@example.co.jp", "tax@kansa-partners.co.jp", "fyi", recs(20, 21)), reply: "250 ", notified: []string{officer}},
		{name: "a leaver's attachment to free-mail is flagged", from: "s.tanaka@example.co.jp", to: []string{"shota.home@yahoo.co.jp"},
			msg: withAttachment("m8@t", "s.tanaka@example.co.jp", "shota.home@yahoo.co.jp", "notes.txt", []byte("nothing here")), reply: "250 ", delivered: true,
			headers: []string{"X-DLP-Rules: leaver-attachment-freemail"}, notified: []string{officer}},
		{name: "an encrypted zip outside is quarantined and the sender told", from: "a.ito@example.co.jp", to: []string{"buyer@customer-corp.jp"},
			msg: withAttachment("m9@t", "a.ito@example.co.jp", "buyer@customer-corp.jp", "list.zip", encrypted), reply: "250 ", notified: []string{"a.ito@example.co.jp"}},
		{name: "mail to one's own private account is flagged", from: "taro.suzuki@example.co.jp", to: []string{"suzuki.taro.1990@gmail.com"},
			msg: mail("m10@t", "Suzuki Taro <taro.suzuki@example.co.jp>", "suzuki.taro.1990@gmail.com", "memo", "memo"), reply: "250 ", delivered: true,
			headers: []string{"X-DLP-Rules: own-private-address"}, notified: []string{officer}},
		{name: "a namesake's free-mail account is not", from: "taro.suzuki@example.co.jp", to: []string{"taro.kimura@gmail.com"},
			msg: mail("m11@t", "taro.suzuki@example.co.jp", "taro.kimura@gmail.com", "memo", "memo"), reply: "250 ", delivered: true, absent: []string{"X-DLP-Verdict", "X-DLP-Rules"}},
		{name: "giving a customer a private address and mobile number is flagged", from: "a.ito@example.co.jp", to: []string{"buyer@customer-corp.jp"},
			msg: mail("m12@t", "a.ito@example.co.jp", "buyer@customer-corp.jp", "退職のご挨拶", "今後はこちらへ: ａｉｔｏ．ｐｒｉｖａｔｅ＠ｇｍａｉｌ．ｃｏｍ 090-9876-5432"), reply: "250 ", delivered: true,
			headers: []string{"X-DLP-Rules: private-contact"}},
		{name: "the company's own mobile number is not", from: "a.ito@example.co.jp", to: []string{"buyer@customer-corp.jp"},
			msg: mail("m13@t", "a.ito@example.co.jp", "buyer@customer-corp.jp", "連絡先", "営業携帯 090-1111-0001 まで"), reply: "250 ", delivered: true, absent: []string{"X-DLP-Verdict", "X-DLP-Rules"}},
		{name: "the monitored internal rule only reports", from: "a.ito@example.co.jp", to: []string{"b.kato@example.co.jp"},
			msg: mail("m14@t", "a.ito@example.co.jp", "b.kato@example.co.jp", "all", recs(0, 30)), reply: "250 ", delivered: true, absent: []string{"X-DLP-Verdict"}},
	}
	want := map[string]int{}
	for _, tt := range tests {
		got := r.send(t, tt.from, tt.to, tt.msg)
		if !strings.HasPrefix(got, tt.reply) {
			t.Errorf("%s: reply %q, want %q…", tt.name, got, tt.reply)
			continue
		}
		mid := strings.TrimSuffix(strings.SplitN(tt.msg[strings.Index(tt.msg, "Message-ID: <")+13:], ">", 2)[0], "")
		d := r.delivered(mid)
		if (d != "") != tt.delivered {
			t.Errorf("%s: delivered = %v, want %v", tt.name, d != "", tt.delivered)
		}
		for _, h := range tt.headers {
			if !strings.Contains(d, h) {
				t.Errorf("%s: delivered copy lacks %q:\n%s", tt.name, h, d)
			}
		}
		for _, h := range tt.absent {
			if d != "" && strings.Contains(d, h) {
				t.Errorf("%s: delivered copy has %q:\n%s", tt.name, h, d)
			}
		}
		for _, n := range tt.notified {
			want[n]++
		}
		deadline := time.Now().Add(5 * time.Second)
		for !sameCounts(r.notices(), want) && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if got := r.notices(); !sameCounts(got, want) {
			t.Errorf("%s: notifications %v, want %v", tt.name, got, want)
			want = got
		}
	}
	held, err := r.q.List(context.Background(), quarantine.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if held.Total != 4 {
		t.Errorf("quarantine holds %d messages, want 4", held.Total)
	}
	// The session fills in the Subject and the findings: this extractor's,
	// with no records when none was found.
	var subjects []string
	for _, e := range held.Entries {
		subjects = append(subjects, e.Subject)
		full, err := r.q.Get(context.Background(), e.ID)
		if err != nil {
			t.Fatal(err)
		}
		if f, err := detect.DecodeFindings(full.Findings); err != nil || !f.Current() || len(f.Records) != len(full.RecordIDs) || (e.Records > 0) != (len(f.Records) > 0) {
			t.Errorf("entry %q with %d records has findings %s (%v)", e.Subject, e.Records, full.Findings, err)
		}
	}
	if got := strings.Join(subjects, ","); got != "hi,list,fyi,files" {
		t.Errorf("quarantined subjects %q, want hi,list,fyi,files", got)
	}
	// A notification that comes back through the relay (say, to an
	// outside officer) passes: it carries nothing to find, so it cannot
	// loop.
	var notice string
	for _, m := range r.up.Messages() {
		if strings.Contains(string(m.Data), "X-DLP-Notification:") {
			notice = string(m.Data)
			break
		}
	}
	if _, after, ok := strings.Cut(notice, "\r\n\r\n"); ok && strings.Contains(notice, "Message-ID: <") {
		hdr := notice[:len(notice)-len(after)]
		mid := strings.SplitN(hdr[strings.Index(hdr, "Message-ID: <")+13:], ">", 2)[0]
		if got := r.send(t, "dlprelay@example.co.jp", []string{"auditor@outside-audit.example"}, strings.ReplaceAll(notice, "\r\n.", "\r\n..")); !strings.HasPrefix(got, "250 ") {
			t.Errorf("notification sent back: %q", got)
		}
		var copies []string
		for _, m := range r.up.Messages() {
			if strings.Contains(string(m.Data), "Message-ID: <"+mid+">") {
				copies = append(copies, string(m.Data))
			}
		}
		if len(copies) != 2 || !strings.HasPrefix(copies[1], "Received: ") || strings.Contains(copies[1], "X-DLP-Verdict") {
			t.Errorf("a notification sent back through the relay was not passed clean: %d copies\n%s", len(copies), copies)
		}
	} else {
		t.Error("no notification to send back")
	}
	// Notifications carry no customer data.
	for _, m := range r.up.Messages() {
		if s := string(m.Data); strings.Contains(s, "X-DLP-Notification:") {
			for _, row := range rows {
				if strings.Contains(s, row[1]) || strings.Contains(s, row[3]) || strings.Contains(s, "friend@gmail.com") {
					t.Errorf("a notification carries customer data or a recipient:\n%s", s)
				}
			}
		}
	}
}

func sameCounts(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestPolicyMonitorMode runs the same company policy in monitor mode: what
// would be quarantined is delivered, with the would-be verdict in a header.
func TestPolicyMonitorMode(t *testing.T) {
	t.Parallel()
	r := startPolicyRelay(t, func(c *config.Config) { c.Policy.Monitor = true; detailsToAll(c) })
	_, rows := testList(t, t.TempDir())
	got := r.send(t, "a.ito@example.co.jp", []string{"friend@gmail.com"},
		mail("mon1@t", "a.ito@example.co.jp", "friend@gmail.com", "hi", rows[0][1]+" "+rows[0][3]))
	if !strings.HasPrefix(got, "250 ") {
		t.Fatalf("reply %q", got)
	}
	d := r.delivered("mon1@t")
	if !strings.Contains(d, "X-DLP-Monitor: would=quarantine; rule=freemail-records") || strings.Contains(d, "X-DLP-Verdict") {
		t.Errorf("delivered copy:\n%s", d)
	}
	time.Sleep(100 * time.Millisecond)
	if n := r.notices(); len(n) != 0 {
		t.Errorf("monitor mode sent notifications: %v", n)
	}
}

// TestPolicyHeadersOutside: with the company policy as shipped, flagged
// mail to outside carries no X-DLP-* field but X-DLP-Scan-ID — no
// verdict, count, rule or reason: a leaver's flagged mail does not tell
// its recipient that the sender is on the watchlist — while the Subject
// tag, a separate choice the sample policy makes, is still there.
func TestPolicyHeadersOutside(t *testing.T) {
	t.Parallel()
	r := startPolicyRelay(t, nil)
	_, rows := testList(t, t.TempDir())
	tests := []struct {
		name, from, to, msg string
		tag                 bool
	}{
		{"a record to a customer", "a.ito@example.co.jp", "buyer@customer-corp.jp",
			mail("o1@t", "a.ito@example.co.jp", "buyer@customer-corp.jp", "見積", rows[5][1]+" 様 "+rows[5][3]), true},
		{"a leaver's attachment to free-mail", "s.tanaka@example.co.jp", "shota.home@yahoo.co.jp",
			withAttachment("o2@t", "s.tanaka@example.co.jp", "shota.home@yahoo.co.jp", "notes.txt", []byte("nothing here")), true},
	}
	for _, tt := range tests {
		if got := r.send(t, tt.from, []string{tt.to}, tt.msg); !strings.HasPrefix(got, "250 ") {
			t.Fatalf("%s: reply %q", tt.name, got)
		}
		mid := strings.SplitN(tt.msg[strings.Index(tt.msg, "Message-ID: <")+13:], ">", 2)[0]
		d := r.delivered(mid)
		hdr, _, _ := strings.Cut(d, "\r\n\r\n")
		var fields []string
		for _, l := range strings.Split(hdr, "\r\n") {
			if strings.HasPrefix(l, "X-DLP-") {
				fields = append(fields, l)
			}
		}
		if len(fields) != 1 || !strings.HasPrefix(fields[0], "X-DLP-Scan-ID: ") {
			t.Errorf("%s: X-DLP fields %q, want X-DLP-Scan-ID alone", tt.name, fields)
		}
		for _, v := range []string{"watchlist", "leaver-", "external-one", "flag"} {
			if strings.Contains(hdr, v) {
				t.Errorf("%s: the delivered header names %q:\n%s", tt.name, v, hdr)
			}
		}
		if tag := strings.Contains(hdr, "Subject: =?utf-8?q?[DLP=E7=A2=BA=E8=AA=8D]?="); tag != tt.tag {
			t.Errorf("%s: subject tagged %v, want %v", tt.name, tag, tt.tag)
		}
	}
}

// TestPolicyInternalPass: with internal_mail: pass, internal mail is not
// scanned at all, while the same content outside still is.
func TestPolicyInternalPass(t *testing.T) {
	t.Parallel()
	r := startPolicyRelay(t, func(c *config.Config) { c.Policy.InternalMail = config.InternalMailPass })
	_, rows := testList(t, t.TempDir())
	body := rows[0][1] + " " + rows[0][3] + "\r\n" + rows[1][1] + " " + rows[1][3] + "\r\n" + rows[2][1] + " " + rows[2][3]
	if got := r.send(t, "a@example.co.jp", []string{"b@example.co.jp", "c@sub.example-group.co.jp"}, mail("in1@t", "a@example.co.jp", "b@example.co.jp", "x", body)); !strings.HasPrefix(got, "250 ") {
		t.Fatalf("internal: %q", got)
	}
	if r.delivered("in1@t") == "" {
		t.Error("internal mail was not delivered")
	}
	r.send(t, "a@example.co.jp", []string{"b@example.co.jp", "c@customer-corp.jp"}, mail("in2@t", "a@example.co.jp", "c@customer-corp.jp", "x", body))
	if r.delivered("in2@t") != "" {
		t.Error("mail with an outside recipient skipped the scan")
	}
}
