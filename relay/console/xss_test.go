package console

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/dlprelay/dlprelay/relay/audit"
	"github.com/dlprelay/dlprelay/relay/quarantine"
	"github.com/dlprelay/dlprelay/relay/users"
)

const (
	xssScript = `<script>alert(1)</script>`
	xssImg    = `"><img src=x onerror=alert(2)>`
	xssURL    = `javascript:alert(3)`
)

// hostileMessage puts the payloads in a display name, the Subject, a file
// name and the text around a customer value.
const hostileMessage = "From: \"<script>alert(1)</script>\" <sales@corp.example>\r\n" +
	"To: partner@external.example\r\n" +
	"Subject: \"><img src=x onerror=alert(2)> <script>alert(1)</script>\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: multipart/mixed; boundary=\"b1\"\r\n" +
	"\r\n" +
	"--b1\r\n" +
	"Content-Type: text/plain; charset=utf-8\r\n" +
	"\r\n" +
	"<script>alert(1)</script> 山田 太郎 \"><img src=x onerror=alert(2)> javascript:alert(3)\r\n" +
	"--b1\r\n" +
	"Content-Type: text/plain; charset=utf-8\r\n" +
	"Content-Disposition: attachment; filename=\"<script>alert(1)</script>.txt\"\r\n" +
	"\r\n" +
	"佐藤 花子\r\n" +
	"--b1--\r\n"

var (
	rawPayload = regexp.MustCompile(`(?i)<script>alert|<img src=x|href="javascript:|src="javascript:|action="javascript:`)
	escapedTag = regexp.MustCompile(`&lt;script&gt;alert\(1\)&lt;/script&gt;|&#34;&gt;&lt;img src=x onerror=alert\(2\)&gt;`)
)

func TestXSS(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})
	h.q.setFourEyes(true)
	ctx := context.Background()
	id := h.put(quarantine.Entry{
		Subject:    xssImg + " " + xssScript,
		Sender:     xssImg + "@evil.example",
		Recipients: []string{xssURL, xssScript + "@x.example"},
	}, hostileMessage)
	e := h.q.entries[id]
	e.Rules = []string{xssScript, xssURL}
	e.Verdict, e.Reasons = xssImg, []string{xssScript}
	if err := h.q.AddNote(ctx, id, xssImg, xssScript+" "+xssURL); err != nil {
		t.Fatal(err)
	}
	if _, err := h.q.RequestRelease(ctx, id, "officer1", nil, xssScript); err != nil {
		t.Fatal(err)
	}
	h.dir.Add(ctx, xssScript, password, users.Viewer) // the directory's own checks are not the console's defence
	h.log.Append(ctx, audit.Event{Actor: xssScript, Action: audit.ActionNote, Target: xssURL, Justification: xssImg,
		Detail: map[string]string{xssScript: xssImg}, Remote: xssScript})

	admin := h.client().login("admin1")
	pages := map[string]string{}
	get := func(name, target string) {
		_, pages[name] = admin.get(target)
	}
	get("list", "/console/?q="+url.QueryEscape(xssScript))
	get("detail", "/console/q/"+id)
	get("users", "/console/users")
	get("audit", "/console/audit?actor="+url.QueryEscape(xssScript))
	get("not found", "/console/q/"+url.PathEscape(xssScript))
	_, pages["login"] = h.client().get("/console/login?next=" + url.QueryEscape("javascript:alert(3)"))
	_, pages["revealed"] = admin.postForm("/console/q/"+id+"/reveal", url.Values{"justification": {xssScript}})
	_, pages["bulk"] = admin.postForm("/console/bulk", url.Values{"action": {"hold"}, "id": {xssScript}, "justification": {"x"}})
	_, pages["error"] = admin.postForm("/console/q/"+id+"/note", url.Values{"justification": {"x"}, "text": {""}})

	for name, page := range pages {
		if m := rawPayload.FindString(page); m != "" {
			t.Errorf("%s page: unescaped %q", name, m)
		}
	}
	// The payloads are on the pages, escaped: the test is not vacuous.
	for _, name := range []string{"list", "detail", "users", "audit", "revealed", "bulk"} {
		if !escapedTag.MatchString(pages[name]) {
			t.Errorf("%s page: payload not found escaped", name)
		}
	}
	for _, want := range []string{"alert(1)&lt;/script&gt;.txt", "onerror=alert(2)&gt; &lt;script&gt;"} {
		if !strings.Contains(pages["detail"], want) && !strings.Contains(pages["revealed"], want) {
			t.Errorf("detail: %q not found", want)
		}
	}
	if !strings.Contains(pages["revealed"], "&lt;script&gt;alert(1)&lt;/script&gt; </span><mark>山田 太郎</mark>") {
		t.Error("revealed context not escaped as expected")
	}
	if !strings.Contains(pages["login"], `name="next" value="/console/"`) {
		t.Error("login page kept a javascript: next")
	}

	// JSON escapes < and > too, so a mis-sniffed response cannot run.
	_, body := admin.get("/api/quarantine/" + id)
	if strings.Contains(body, "<script>") {
		t.Error("API answer holds a raw <script>")
	}
}
