//go:build browser

// The compliance console in a real browser: issue 5's acceptance test. It
// runs only with `-tags browser` and drives Debian's Chromium
// (/usr/bin/chromium) headless with chromedp; .ci/run installs Chromium and
// fails if this test did not pass:
//
//	go test -tags browser -run Browser -count=1 -v ./cmd/dlprelay/
//
// Without /usr/bin/chromium the test fails, unless DLPRELAY_SKIP_BROWSER=1
// is set. DLPRELAY_BIN=path tests that binary instead of building this
// package. On failure it logs the page's URL, the tail of its HTML and of
// the relay's log, and saves a screenshot in the test's artifact directory
// (kept with `go test -artifacts`).
//
// The story: a message with customer rows is quarantined; officer alice logs
// in, finds it, sees the values masked, reveals them with a justification
// and requests its release; she cannot approve her own request; bob logs in
// and approves; the release worker delivers it to the upstream once, with an
// X-DLP-Released header naming both (the recipient is in
// policy.headers.details_to); the audit log verifies and names who did
// what.

package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net/textproto"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/dlprelay/dlprelay/relay/audit"
	"github.com/dlprelay/dlprelay/relay/relaytest"
	"github.com/dlprelay/dlprelay/relay/release"
	"github.com/dlprelay/dlprelay/relay/users"
)

const (
	chromiumPath = "/usr/bin/chromium"
	// browserBudget bounds the whole browser session, stepTimeout one
	// step (a navigation and the wait for what it should show).
	browserBudget = 3 * time.Minute
	stepTimeout   = 20 * time.Second
	// releaseTimeout bounds the wait for the release worker (it polls
	// every 2 s) to deliver an approved message.
	releaseTimeout = 20 * time.Second
)

// The message and what the console must show of it.
const (
	rowsSubject = "Customer list for the campaign"
	rowsSender  = "sales@dlprelay.example"
	rowsRcpt    = "agency@outside.example"
	phone       = "03-1234-5678" // C0001's phone in the message
	phoneMasked = "03-****-5678" // mask.go: first and last digit groups kept
	email       = "taro.yamada@example.jp"
	emailMasked = "t***@example.jp"
)

// The console's English strings the test looks for (relay/console/i18n.go).
const (
	textSelfApproval = "The officer who requested a release cannot approve it."
	textPending      = "Pending approval"
	textReleased     = "Released"
)

func TestConsoleBrowser(t *testing.T) {
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("DLPRELAY_SKIP_BROWSER") == "1" {
			t.Skipf("%s: %v (DLPRELAY_SKIP_BROWSER=1)", chromiumPath, err)
		}
		t.Fatalf("the console browser test needs Chromium at %s: %v\n"+
			"install it (apt-get install chromium; .ci/run does) or set DLPRELAY_SKIP_BROWSER=1 to skip this test", chromiumPath, err)
	}
	dir := t.TempDir()
	customers := sharedTestdata(t, "testdata/customers.csv")
	msg := crlfMessage(t, sharedTestdata(t, "testdata/mail/02-rows-plain.eml"))

	// The console users exist before the relay starts: it opens users.db.
	data := filepath.Join(dir, "data")
	accounts := []consoleUser{
		{"alice", "alice-password-1234", users.Officer},
		{"bob", "bob-password-5678", users.Officer},
		{"carol", "carol-password-9012", users.Admin},
	}
	for _, u := range accounts {
		addConsoleUser(t, data, u.name, u.password, u.role)
	}

	cfg := filepath.Join(dir, "dlprelay.yaml")
	writeFile(t, cfg, "customers:\n  file: "+customers+"\n"+
		"upstream:\n  tls: none\n"+
		"console:\n  enabled: true\n  four_eyes: true\n"+
		// The release's details (X-DLP-Released) go only where configured.
		"policy:\n  headers:\n    details_to: ["+rowsRcpt+"]\n")
	bin := buildDlprelayBinary(t)
	up := relaytest.NewUpstream(t)
	relay := startDlprelayWith(t, bin, procOptions{upstream: up.Addr, customers: customers, config: cfg, data: data})

	if err := sendPlain(relay.listen, rowsSender, rowsRcpt, msg); err != nil {
		t.Fatalf("sending %s: %v", "02-rows-plain.eml", err)
	}
	// The relay answers 250 once the entry is stored, so this is final.
	if n := len(up.Messages()); n != 0 {
		t.Fatalf("the upstream got %d message(s); the one with customer rows must be quarantined", n)
	}

	b := startBrowser(t, "http://"+relay.admin, relay)

	// alice: log in, find the entry, see it masked, reveal, request release.
	b.login(accounts[0])
	detailURL, id := b.openEntry(rowsSubject)
	t.Logf("entry %s at %s", id, detailURL)
	html := b.html()
	for _, s := range []string{phone, email, "山田 太郎"} {
		if strings.Contains(html, s) {
			t.Fatalf("the masked detail page shows %q", s)
		}
	}
	for _, s := range []string{phoneMasked, emailMasked, "山田 ***"} {
		if !strings.Contains(html, s) {
			t.Fatalf("the masked detail page lacks the masked value %q", s)
		}
	}
	if got := b.status(); got != "Held" {
		t.Fatalf("entry status %q, want Held", got)
	}

	const revealWhy = "checking which customers are in the list"
	b.do("reveal the values",
		chromedp.SendKeys(chromedp.CSS(`form[action$="/reveal"] input[name="justification"]`), revealWhy),
		chromedp.Click(chromedp.CSS(`form[action$="/reveal"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`td mark`)))
	marks := b.texts(`td mark`)
	if !slices.Contains(marks, phone) || !slices.Contains(marks, email) {
		t.Fatalf("after the reveal, the highlighted values are %q; want %q and %q among them", marks, phone, email)
	}

	const releaseWhy = "the agency has a contract for this campaign"
	b.do("request the release",
		chromedp.SendKeys(chromedp.CSS(`form[action$="/release"] input[name="justification"]`), releaseWhy),
		chromedp.Click(chromedp.CSS(`form[action$="/release"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`p.msg.ok`)))
	if d := b.dialog(); d == "" {
		t.Fatalf("the release button submitted without asking for confirmation")
	} else {
		t.Logf("confirmation accepted: %q", d)
	}
	if got := b.status(); got != textPending {
		t.Fatalf("after the request, entry status %q, want %q", got, textPending)
	}

	// Four eyes: alice's own approval is refused (or not offered).
	aliceTriedApproval := b.exists(`form[action$="/approve"]`)
	if aliceTriedApproval {
		b.do("approve her own request (must be refused)",
			chromedp.SendKeys(chromedp.CSS(`form[action$="/approve"] input[name="justification"]`), "approving my own request"),
			chromedp.Click(chromedp.CSS(`form[action$="/approve"] button`)),
			chromedp.WaitVisible(chromedp.CSS(`p.msg.error[role="alert"]`)))
		if got := b.text(`p.msg.error[role="alert"]`); !strings.Contains(got, textSelfApproval) {
			t.Fatalf("alice approving her own request: the page says %q, want the self-approval error %q", got, textSelfApproval)
		}
		b.do("go back to the entry", chromedp.Navigate(detailURL), chromedp.WaitVisible(chromedp.CSS(`table.kv`)))
		if got := b.status(); got != textPending {
			t.Fatalf("after alice's refused approval, entry status %q, want %q", got, textPending)
		}
	} else {
		t.Logf("the approve control is not offered to the requester")
	}
	b.do("log out",
		chromedp.Click(chromedp.CSS(`form[action="/console/logout"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/console/login"] input[name="password"]`)))

	// bob: approve.
	b.login(accounts[1])
	if url, _ := b.openEntry(rowsSubject); url != detailURL {
		t.Fatalf("bob found the entry at %s, alice at %s", url, detailURL)
	}
	const approveWhy = "contract checked with legal"
	b.do("approve the release",
		chromedp.SendKeys(chromedp.CSS(`form[action$="/approve"] input[name="justification"]`), approveWhy),
		chromedp.Click(chromedp.CSS(`form[action$="/approve"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`p.msg.ok`)))

	// The worker delivers it, once, with the trace header.
	got := up.WaitMessages(1, releaseTimeout)
	if len(got) != 1 {
		t.Fatalf("%v after the approval the upstream has %d message(s), want 1", releaseTimeout, len(got))
	}
	m := got[0]
	if m.From != rowsSender || len(m.To) != 1 || m.To[0] != rowsRcpt {
		t.Errorf("released envelope %q -> %q, want %q -> [%q]", m.From, m.To, rowsSender, rowsRcpt)
	}
	if !bytes.HasSuffix(m.Data, msg) {
		t.Errorf("the released message does not end with the message as sent:\n%s", m.Data)
	}
	hdr, err := textproto.NewReader(bufio.NewReader(bytes.NewReader(m.Data))).ReadMIMEHeader()
	if err != nil {
		t.Fatalf("reading the released message's header: %v", err)
	}
	if rel := hdr.Values("X-Dlp-Released"); len(rel) != 1 || !strings.Contains(rel[0], "by=alice;") || !strings.Contains(rel[0], "approved-by=bob;") {
		t.Errorf("X-DLP-Released headers %q, want one naming by=alice and approved-by=bob", rel)
	}
	b.waitStatus(detailURL, textReleased, releaseTimeout)

	auditVerifyCommand(t, bin, cfg, data)
	checkAudit(t, filepath.Join(data, "audit.db"), id, aliceTriedApproval, map[audit.Action]string{
		audit.ActionReveal: revealWhy, audit.ActionReleaseRequest: releaseWhy,
	})
	// Still one copy. The request is released now, a state the worker's
	// claim (approved → sending) cannot take, so no later poll sends it.
	if n := len(up.Messages()); n != 1 {
		t.Errorf("the upstream has %d copies of the released message, want 1", n)
	}
}

// consoleUser is a console account the test creates.
type consoleUser struct {
	name, password string
	role           users.Role
}

// auditVerifyCommand runs `dlprelay audit verify` on the data directory,
// beside the running relay, as an auditor would.
func auditVerifyCommand(t *testing.T, bin, cfg, data string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, "audit", "verify", "-config", cfg, "-data", data).CombinedOutput()
	if err != nil || !bytes.HasPrefix(out, []byte("audit log OK: ")) {
		t.Errorf("dlprelay audit verify: %v\n%s", err, out)
		return
	}
	t.Logf("dlprelay audit verify: %s", bytes.TrimSpace(out))
}

// checkAudit verifies the audit chain and looks for what the story must
// have left in it: logins, the reveal and the release request by alice
// (with the justifications in why), the approval by bob (and alice's
// refused one, if she could try), the worker's outcome, a logout.
func checkAudit(t *testing.T, path, id string, aliceTriedApproval bool, why map[audit.Action]string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	log, err := audit.OpenReadOnly(path)
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	n, err := log.Verify(ctx)
	if err != nil {
		t.Fatalf("audit verify: %v (%d entries good)", err, n)
	}
	recs, total, err := log.List(ctx, audit.Query{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("audit log: %d entries, chain verifies", total)
	if total != n || len(recs) != total {
		t.Errorf("audit: Verify checked %d entries, List gives %d of %d", n, len(recs), total)
	}

	type want struct {
		actor  string
		action audit.Action
		target string
		result string // Detail["result"]; "" for any
	}
	wants := []want{
		{"alice", audit.ActionLogin, "alice", ""},
		{"alice", audit.ActionView, id, ""},
		{"alice", audit.ActionReveal, id, ""},
		{"alice", audit.ActionReleaseRequest, id, "ok"},
		{"alice", audit.ActionLogout, "alice", ""},
		{"bob", audit.ActionLogin, "bob", ""},
		{"bob", audit.ActionReleaseApprove, id, "ok"},
		{"system", audit.ActionReleaseOutcome, id, release.ResultReleased},
	}
	if aliceTriedApproval {
		wants = append(wants, want{"alice", audit.ActionReleaseApprove, id, "self_approval"})
	}
	for _, w := range wants {
		i := slices.IndexFunc(recs, func(r audit.Record) bool {
			return r.Actor == w.actor && r.Action == w.action && r.Target == w.target && (w.result == "" || r.Detail["result"] == w.result)
		})
		if i < 0 {
			t.Errorf("audit: no %s by %s on %s (result %q)", w.action, w.actor, w.target, w.result)
			continue
		}
		if j, ok := why[w.action]; ok && recs[i].Justification != j {
			t.Errorf("audit: %s by %s has justification %q, want %q", w.action, w.actor, recs[i].Justification, j)
		}
	}
	for _, r := range recs {
		switch {
		case r.Action == audit.ActionReleaseApprove && r.Actor == "bob" && r.Detail["result"] != "ok":
			t.Errorf("audit: bob's approval #%d has result %q", r.Seq, r.Detail["result"])
		case r.Action == audit.ActionLoginFailed:
			t.Errorf("audit: a failed login #%d by %s", r.Seq, r.Actor)
		}
	}
	// No customer value in the log, revealed or not.
	var exp bytes.Buffer
	if err := log.Export(ctx, audit.Query{}, "json", &exp); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{phone, email, phoneMasked, "山田"} {
		if strings.Contains(exp.String(), s) {
			t.Errorf("the audit log holds the customer value %q", s)
		}
	}
}

// consoleBrowser is one headless Chromium tab on the console.
type consoleBrowser struct {
	t     *testing.T
	ctx   context.Context // the tab; every step derives a timeout from it
	base  string          // http://admin-address
	relay *dlprelayProcess
	// dialogs gets the message of each confirmation the page asked for;
	// all are accepted.
	dialogs chan string
}

// startBrowser starts Chromium on a fresh profile and opens a tab. When the
// test ends it closes the browser; if the test failed, it first saves a
// screenshot and logs the page and the relay's log.
func startBrowser(t *testing.T, base string, relay *dlprelayProcess) *consoleBrowser {
	t.Helper()
	tmp := t.TempDir()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath),
		// Chromium leaves a singleton socket directory in $TMPDIR; keep it
		// (and the shared memory files) in the test's directory.
		chromedp.Env("TMPDIR="+tmp),
		chromedp.Headless,
		chromedp.NoSandbox, // CI runs as root
		chromedp.DisableGPU,
		chromedp.UserDataDir(filepath.Join(tmp, "profile")),
		// No Internet here: keep Chromium from reaching for it.
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.WindowSize(1280, 1600),
	)
	root, cancelRoot := context.WithTimeout(context.Background(), browserBudget)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(root, opts...)
	ctx, cancelTab := chromedp.NewContext(allocCtx)
	b := &consoleBrowser{t: t, ctx: ctx, base: base, relay: relay, dialogs: make(chan string, 16)}

	// The first Do on ctx starts the browser for ctx's lifetime, so its
	// wait is bounded from outside rather than by a shorter context.
	started := make(chan error, 1)
	go func() { started <- chromedp.Do(ctx) }()
	var err error
	select {
	case err = <-started:
	case <-time.After(60 * time.Second):
		cancelRoot()
		err = fmt.Errorf("not started after 60s (%w)", <-started)
	}
	if err != nil {
		cancelTab()
		cancelAlloc()
		cancelRoot()
		t.Fatalf("starting %s: %v", chromiumPath, err)
	}

	// The release button asks for confirmation (console.js): accept it,
	// as an officer would, from a goroutine (the click waits for it).
	opening := chromedp.Events(ctx, page.JavascriptDialogOpening)
	dialogsDone := make(chan struct{})
	go func() {
		defer close(dialogsDone)
		for ev, err := range opening {
			if err != nil {
				return
			}
			hctx, cancel := context.WithTimeout(ctx, stepTimeout)
			_, err := chromedp.Call(hctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
			cancel()
			msg := ev.Message
			if err != nil {
				msg = "(could not accept: " + err.Error() + ") " + msg
			}
			select {
			case b.dialogs <- msg:
			default:
			}
		}
	}()
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
		cancelRoot()
		<-dialogsDone
	})
	t.Cleanup(b.snapshotOnFailure) // runs first: the browser is still open
	return b
}

// do runs steps within stepTimeout, failing the test with what if they do
// not complete.
func (b *consoleBrowser) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

// runStep is do for an action with a value.
func runStep[T any](b *consoleBrowser, what string, a chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
	return v
}

// login logs in through the login form, in English.
func (b *consoleBrowser) login(u consoleUser) {
	b.t.Helper()
	b.do("open the login page",
		chromedp.Navigate(b.base+"/console/login?lang=en"),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/console/login"] input[name="user"]`)))
	b.do("log in as "+u.name,
		chromedp.SendKeys(chromedp.CSS(`form[action="/console/login"] input[name="user"]`), u.name),
		chromedp.SendKeys(chromedp.CSS(`form[action="/console/login"] input[name="password"]`), u.password),
		chromedp.Click(chromedp.CSS(`form[action="/console/login"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/console/logout"]`)))
	if who := b.text(`header.top .right`); !strings.Contains(who, u.name+" (Officer)") {
		b.t.Fatalf("logged in as %s, the page header says %q", u.name, who)
	}
}

// openEntry finds the entry with subject in the quarantine list, opens it
// and returns its URL and ID.
func (b *consoleBrowser) openEntry(subject string) (url, id string) {
	b.t.Helper()
	link := chromedp.Search(`//table//td/a[normalize-space()="` + subject + `"]`)
	b.do("list the quarantine",
		chromedp.Navigate(b.base+"/console/"),
		chromedp.WaitVisible(link))
	href := runStep(b, "read the entry's link", chromedp.AttributeValue(link, "href"))
	id, ok := strings.CutPrefix(href.Value, "/console/q/")
	if !ok || id == "" {
		b.t.Fatalf("the entry's link is %q, want /console/q/<id>", href.Value)
	}
	b.do("open the entry",
		chromedp.Click(link),
		chromedp.WaitVisible(chromedp.CSS(`table.kv`)))
	if h := b.text(`main h1`); h != subject {
		b.t.Fatalf("the detail page's title is %q, want %q", h, subject)
	}
	return b.base + href.Value, id
}

func (b *consoleBrowser) html() string {
	b.t.Helper()
	return runStep(b, "read the page", chromedp.OuterHTML(chromedp.CSS(`html`)))
}

func (b *consoleBrowser) text(css string) string {
	b.t.Helper()
	s := runStep(b, "read "+css, chromedp.Text(chromedp.CSS(css)))
	return strings.TrimSpace(s)
}

// texts returns the text of every element css selects (none is not an
// error).
func (b *consoleBrowser) texts(css string) []string {
	b.t.Helper()
	return runStep(b, "read "+css, chromedp.Evaluate[[]string](
		`Array.from(document.querySelectorAll(`+jsString(css)+`), e => e.textContent.trim())`))
}

func (b *consoleBrowser) exists(css string) bool {
	b.t.Helper()
	return runStep(b, "look for "+css, chromedp.Evaluate[bool](`document.querySelector(`+jsString(css)+`) !== null`))
}

// status is the Status row of the detail page.
func (b *consoleBrowser) status() string {
	b.t.Helper()
	return strings.TrimSpace(runStep(b, "read the entry's status",
		chromedp.Text(chromedp.Search(`//table[contains(@class,"kv")]//tr[th="Status"]/td`))))
}

// waitStatus reloads the detail page until its status is want.
func (b *consoleBrowser) waitStatus(url, want string, timeout time.Duration) {
	b.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		b.do("reload the entry", chromedp.Navigate(url), chromedp.WaitVisible(chromedp.CSS(`table.kv`)))
		got := b.status()
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("after %v the entry's status is %q, want %q", timeout, got, want)
		}
		time.Sleep(200 * time.Millisecond) // between polls of the page
	}
}

// dialog returns the message of the next confirmation the page asked for,
// or "" if none came within a second.
func (b *consoleBrowser) dialog() string {
	select {
	case m := <-b.dialogs:
		return m
	case <-time.After(time.Second):
		return ""
	}
}

// snapshotOnFailure saves a screenshot and logs the page and the relay's
// log, for a test that failed.
func (b *consoleBrowser) snapshotOnFailure() {
	t := b.t
	if !t.Failed() {
		return
	}
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	if loc, err := chromedp.Run(ctx, chromedp.Location()); err == nil {
		t.Logf("browser at %s", loc)
	}
	if png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot()); err != nil {
		t.Logf("screenshot: %v", err)
	} else {
		p := filepath.Join(t.ArtifactDir(), "console.png")
		if err := os.WriteFile(p, png, 0o644); err != nil {
			t.Logf("screenshot: %v", err)
		} else {
			t.Logf("screenshot: %s (kept with go test -artifacts)", p)
		}
	}
	if text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`)); err == nil {
		t.Logf("page text (first 60 lines):\n%s", headLines(text, 60))
	}
	if html, err := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS(`html`))); err != nil {
		t.Logf("page HTML: %v", err)
	} else {
		t.Logf("page HTML (last 60 lines):\n%s", tailLines(html, 60))
	}
	t.Logf("dlprelay output (last 40 lines):\n%s", tailLines(b.relay.output(), 40))
}

func headLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = append(lines[:n], "…")
	}
	return strings.Join(lines, "\n")
}

// jsString quotes s as a JavaScript string literal (for CSS selectors
// without backslashes or newlines).
func jsString(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `\'`) + "'"
}
