package console

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dlprelay/dlprelay/detect"
	"github.com/dlprelay/dlprelay/detect/customers"
	"github.com/dlprelay/dlprelay/detect/extract"
	"github.com/dlprelay/dlprelay/relay/audit"
	"github.com/dlprelay/dlprelay/relay/quarantine"
	"github.com/dlprelay/dlprelay/relay/users"
	"golang.org/x/crypto/bcrypt"
)

// What a viewer sees: every text on the detail page and in the API is
// either masked at the stored findings' offsets or withheld, whatever the
// findings are and wherever the value sits (the Subject, any header field,
// any part's file name); officers see file names as they are.

// The values of record C100, planted in the file name of an attachment,
// in an X- header and in the Subject of fileMessage.
const (
	fileName  = "吉田 拓海"
	filePhone = "075-111-2222"
)

var (
	fileValues   = []string{fileName, filePhone}
	fileFilename = fileName + " " + filePhone + ".txt"
	fileMasked   = "吉田 *** 075-***-2222" // mask.go: the first token; the first and last digit groups
)

// fileMessage returns a message whose Subject, X-Customer header and
// attachment file name hold record C100's name and phone; before is put
// in front of the attachment (more parts).
func fileMessage(before string) string {
	enc := mime.BEncoding.Encode("UTF-8", fileName+" "+filePhone)
	return "From: sales@corp.example\r\n" +
		"To: partner@external.example\r\n" +
		"Subject: " + mime.BEncoding.Encode("UTF-8", fileName+" "+filePhone+" の件") + "\r\n" +
		"X-Customer: " + enc + "\r\n" +
		"MIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=\"b1\"\r\n" +
		"\r\n" +
		"--b1\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n" +
		"\r\n" +
		"本文です。\r\n" +
		before +
		"--b1\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n" +
		"Content-Disposition: attachment; filename*=UTF-8''" + url.PathEscape(fileFilename) + "\r\n" +
		"\r\n" +
		"memo\r\n" +
		"--b1--\r\n"
}

// segments returns the text of every segment of msg as the detector's
// walk hands it out, in walk order.
func segments(t *testing.T, msg string) (order []string, texts map[string]string) {
	t.Helper()
	texts = map[string]string{}
	_, err := extract.Walk(context.Background(), strings.NewReader(msg), extract.Limits{}, func(seg string, r io.Reader) error {
		b, err := io.ReadAll(r)
		if _, seen := texts[seg]; !seen {
			order, texts[seg] = append(order, seg), string(b)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return order, texts
}

// placeRecord is record id as the detector reports it: every occurrence
// of each value (of field fields[i]) in every segment of msg.
func placeRecord(t *testing.T, msg, id string, fields []customers.Field, values []string) detect.RecordHit {
	t.Helper()
	order, texts := segments(t, msg)
	h := detect.RecordHit{ID: id, Closest: -1}
	seenField := map[customers.Field]bool{}
	for _, seg := range order {
		found := false
		for i, v := range values {
			for from := 0; ; {
				at := strings.Index(texts[seg][from:], v)
				if at < 0 {
					break
				}
				at += from
				h.Matches = append(h.Matches, detect.Match{Field: fields[i], Part: seg, Start: int64(at), End: int64(at + len(v))})
				from, found = at+len(v), true
				if !seenField[fields[i]] {
					seenField[fields[i]] = true
					h.Fields = append(h.Fields, fields[i])
				}
			}
		}
		if found {
			h.Parts = append(h.Parts, seg)
		}
	}
	if len(h.Matches) == 0 {
		t.Fatalf("record %s: no value in the message", id)
	}
	return h
}

func fileRecord(t *testing.T, msg string) detect.RecordHit {
	return placeRecord(t, msg, "C100", []customers.Field{customers.FieldName, customers.FieldPhone}, fileValues)
}

// noFileValues fails if s carries C100's name or phone, raw or
// JSON-escaped.
func noFileValues(t *testing.T, what, s string) {
	t.Helper()
	for _, v := range fileValues {
		if strings.Contains(s, v) || strings.Contains(s, jsonEscaped(v)) {
			t.Errorf("%s shows %q", what, v)
		}
	}
}

// viewerSees gets entry id's detail page and API answer as viewer1 and
// checks that neither carries C100's values.
func viewerSees(t *testing.T, h *harness, id string) (string, detailView) {
	t.Helper()
	_, page := h.client().login("viewer1").get("/console/q/" + id + "?lang=en")
	resp, body := h.client().apiLogin("viewer1").get("/api/quarantine/" + id)
	if resp.StatusCode != 200 {
		t.Fatalf("API detail: %d %s", resp.StatusCode, body)
	}
	noFileValues(t, "viewer's page", page)
	noFileValues(t, "viewer's API detail", body)
	return page, decode[detailView](t, body)
}

// header returns the value of the first header field name in dv.
func header(dv detailView, name string) (headerField, bool) {
	for _, f := range dv.Headers {
		if f.Name == name {
			return f, true
		}
	}
	return headerField{}, false
}

// TestViewerFileNamesAndHeaders: a customer value in a file name, an X-
// header or the Subject is masked for a viewer where the findings place it,
// and withheld where they cannot: findings of another extractor, no
// findings at all, matches past what the page shows, a part past what the
// console used to re-read.
func TestViewerFileNamesAndHeaders(t *testing.T) {
	t.Parallel()
	// 25 parts, each with another customer's name, in front of the
	// attachment.
	var many strings.Builder
	for i := 0; i < 25; i++ {
		fmt.Fprintf(&many, "--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nお客様: 佐藤 花子 (%d)\r\n", i)
	}
	// 600 occurrences of another customer's name in the first part.
	crowd := strings.Repeat("佐藤 花子\r\n", 600)

	type tc struct {
		name     string
		msg      string
		findings func(t *testing.T, msg string) (json.RawMessage, int)
		masked   bool // false: withheld
	}
	current := func(t *testing.T, msg string) (json.RawMessage, int) {
		return currentFindings(t, []detect.RecordHit{fileRecord(t, msg)}), 1
	}
	cases := []tc{
		{"current extractor", fileMessage(""), current, true},
		{"extractor 1", fileMessage(""), func(t *testing.T, msg string) (json.RawMessage, int) {
			b, _ := json.Marshal([]detect.RecordHit{fileRecord(t, msg)})
			return b, 1
		}, false},
		{"no findings stored", fileMessage(""), func(t *testing.T, msg string) (json.RawMessage, int) {
			return json.RawMessage("null"), 1
		}, false},
		{"findings cut short", fileMessage(""), func(t *testing.T, msg string) (json.RawMessage, int) {
			return currentFindings(t, []detect.RecordHit{fileRecord(t, msg)}), 2 // one record of two kept
		}, false},
		{"parts past the re-read ones", fileMessage(many.String()), func(t *testing.T, msg string) (json.RawMessage, int) {
			var hits []detect.RecordHit
			for i := 0; i < 25; i++ {
				seg := fmt.Sprintf("1.%d", i+2)
				hits = append(hits, placeRecord(t, msg, fmt.Sprintf("C2%02d", i), []customers.Field{customers.FieldName}, []string{fmt.Sprintf("佐藤 花子 (%d)", i)}))
				hits[i].Matches, hits[i].Parts = onlyIn(hits[i].Matches, seg), []string{seg}
			}
			return currentFindings(t, append(hits, fileRecord(t, msg))), 26
		}, true},
		{"matches past the shown ones", strings.Replace(fileMessage(""), "本文です。", crowd, 1), func(t *testing.T, msg string) (json.RawMessage, int) {
			all := placeRecord(t, msg, "C002", []customers.Field{customers.FieldName}, []string{"佐藤 花子"})
			var hits []detect.RecordHit
			for i := 0; i < 6; i++ {
				h := all
				h.ID, h.Matches = fmt.Sprintf("C30%d", i), all.Matches[i*100:(i+1)*100]
				hits = append(hits, h)
			}
			return currentFindings(t, append(hits, fileRecord(t, msg))), 7
		}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, Config{})
			findings, n := c.findings(t, c.msg)
			ids := []string{}
			for i := 0; i < n; i++ {
				ids = append(ids, fmt.Sprintf("R%d", i))
			}
			id := h.put(quarantine.Entry{Subject: fileName + " " + filePhone + " の件", SubjectWithheld: true,
				Findings: findings, Records: n, RecordIDs: ids}, c.msg)
			page, dv := viewerSees(t, h, id)

			var file *PartInfo
			for i := range dv.Parts {
				if dv.Parts[i].Path == fmt.Sprint("1.", len(dv.Parts)-1) {
					file = &dv.Parts[i]
				}
			}
			if file == nil {
				t.Fatalf("no attachment among %+v", dv.Parts)
			}
			xc, ok := header(dv, "X-Customer")
			if !ok {
				t.Fatalf("no X-Customer header among %+v", dv.Headers)
			}
			if c.masked {
				if file.Filename != fileMasked+".txt" || file.FilenameWithheld {
					t.Errorf("file name %q (withheld %v), want %q", file.Filename, file.FilenameWithheld, fileMasked+".txt")
				}
				if xc.Value != fileMasked || xc.Withheld {
					t.Errorf("X-Customer %q (withheld %v), want %q", xc.Value, xc.Withheld, fileMasked)
				}
				if dv.Entry.Subject != fileMasked+" の件" || dv.WithheldSubject {
					t.Errorf("subject %q (withheld %v)", dv.Entry.Subject, dv.WithheldSubject)
				}
				if !strings.Contains(page, fileMasked+".txt") {
					t.Error("the page lacks the masked file name")
				}
			} else {
				if file.Filename != "" || !file.FilenameWithheld || xc.Value != "" || !xc.Withheld || dv.Entry.Subject != "" || !dv.WithheldSubject || !dv.Withheld {
					t.Errorf("withheld view: file %+v, X-Customer %+v, subject %q (withheld %v), withheld %v", *file, xc, dv.Entry.Subject, dv.WithheldSubject, dv.Withheld)
				}
				for _, key := range []string{"detail.withheld", "detail.withheld_subject", "detail.withheld_value"} {
					if !strings.Contains(page, english.T(key)) {
						t.Errorf("the page lacks %q", english.T(key))
					}
				}
			}

			// An officer sees the file name as it is, and the rest as
			// the viewer does until a reveal.
			_, body := h.client().apiLogin("officer1").get("/api/quarantine/" + id)
			odv := decode[detailView](t, body)
			if got := odv.Parts[len(odv.Parts)-1]; got.Filename != fileFilename || got.FilenameWithheld {
				t.Errorf("officer: file name %q (withheld %v), want %q", got.Filename, got.FilenameWithheld, fileFilename)
			}
			if oxc, _ := header(odv, "X-Customer"); oxc != xc || odv.Entry.Subject != dv.Entry.Subject {
				t.Errorf("officer: X-Customer %+v, subject %q; the viewer %+v, %q", oxc, odv.Entry.Subject, xc, dv.Entry.Subject)
			}
			_, page = h.client().login("officer1").postForm("/console/q/"+id+"/reveal", url.Values{"justification": {"complaint #3"}})
			for _, want := range []string{fileFilename, fileName + " " + filePhone + " の件"} {
				if !strings.Contains(page, want) {
					t.Errorf("the revealed page lacks %q", want)
				}
			}
		})
	}
}

// onlyIn keeps the matches in segment seg.
func onlyIn(ms []detect.Match, seg string) []detect.Match {
	var out []detect.Match
	for _, m := range ms {
		if m.Part == seg {
			out = append(out, m)
		}
	}
	return out
}

// TestPurgedEntryDropsSubject: once the message is deleted or expired,
// its Subject is shown to nobody, in the list or the detail, page or API,
// even where the held entry showed it masked.
func TestPurgedEntryDropsSubject(t *testing.T) {
	t.Parallel()
	const subject = "山田 太郎様へのご案内" // the name of record C001, which is in the body
	for _, how := range []string{"deleted", "expired"} {
		t.Run(how, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, Config{})
			id := h.put(quarantine.Entry{Subject: subject, Sender: "purge@corp.example"}, sampleMessage)
			_, body := h.client().apiLogin("viewer1").get("/api/quarantine/" + id)
			if dv := decode[detailView](t, body); dv.Entry.Subject != "山田 ***様へのご案内" {
				t.Fatalf("held: the viewer sees the subject %q", dv.Entry.Subject)
			}
			switch how {
			case "deleted":
				if resp, body := h.client().apiLogin("officer1").postJSON("/api/quarantine/"+id+"/delete", map[string]string{"justification": "done"}); resp.StatusCode != 200 {
					t.Fatalf("delete: %d %s", resp.StatusCode, body)
				}
			case "expired": // what Purge does
				h.q.mu.Lock()
				h.q.entries[id].Status = quarantine.StatusExpired
				delete(h.q.msgs, id)
				h.q.mu.Unlock()
			}
			for _, who := range []string{"viewer1", "officer1"} {
				_, detailPage := h.client().login(who).get("/console/q/" + id + "?lang=en")
				_, listPage := h.client().login(who).get("/console/?sender=purge&lang=en")
				api := h.client().apiLogin(who)
				_, detail := api.get("/api/quarantine/" + id)
				_, list := api.get("/api/quarantine?sender=purge")
				for what, s := range map[string]string{"detail page": detailPage, "list page": listPage, "API detail": detail, "API list": list} {
					if strings.Contains(s, "山田") || strings.Contains(s, jsonEscaped("山田")) || strings.Contains(s, "ご案内") || strings.Contains(s, jsonEscaped("ご案内")) {
						t.Errorf("%s: the %s shows the subject of a %s entry", who, what, how)
					}
				}
				for what, s := range map[string]string{"detail page": detailPage, "list page": listPage} {
					if !strings.Contains(s, english.T("detail.subject_removed")) {
						t.Errorf("%s: the %s does not say the subject went with the message", who, what)
					}
				}
				if dv := decode[detailView](t, detail); dv.Entry.Subject != "" || !dv.Gone {
					t.Errorf("%s: API detail subject %q, gone %v", who, dv.Entry.Subject, dv.Gone)
				}
			}
		})
	}
}

// realHarness is a console over the SQLite quarantine, audit log and user
// directory, with viewer1 and officer1.
func realHarness(t *testing.T) (*harness, *quarantine.SQLite, *audit.SQLite) {
	t.Helper()
	ctx := context.Background()
	h := newHarness(t, Config{})
	q, err := quarantine.Open(t.TempDir(), quarantine.Options{Now: h.clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { q.Close() })
	dir, err := users.Open(filepath.Join(t.TempDir(), "users.db"), users.Options{Cost: bcrypt.MinCost, Now: h.clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dir.Close() })
	log, err := audit.Open(filepath.Join(t.TempDir(), "audit.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { log.Close() })
	for name, role := range map[string]users.Role{"viewer1": users.Viewer, "officer1": users.Officer} {
		if _, err := dir.Add(ctx, name, password, role); err != nil {
			t.Fatal(err)
		}
	}
	c, err := New(Config{Now: h.clk.Now, Logger: h.c.logger}, q, log, dir, NewRescanner(extract.Limits{}))
	if err != nil {
		t.Fatal(err)
	}
	h.c, h.h = c, c.Handler()
	return h, q, log
}

// realPut holds msg in q with record hits, as the relay does.
func realPut(t *testing.T, h *harness, q *quarantine.SQLite, sender, subject, msg string, hits []detect.RecordHit) string {
	t.Helper()
	var ids []string
	for _, hit := range hits {
		ids = append(ids, hit.ID)
	}
	e, err := q.Put(quarantine.Entry{Received: h.clk.Now().Add(-time.Hour), Sender: sender, Recipients: []string{"partner@external.example"},
		Subject: subject, Verdict: "quarantine", Records: len(hits), RecordIDs: ids, Findings: currentFindings(t, hits)}, strings.NewReader(msg))
	if err != nil {
		t.Fatal(err)
	}
	return e.ID
}

// TestViewerSearch: a viewer's q matches only what the viewer is shown —
// the sender, the recipients, a Subject the list shows — never a Subject
// withheld because it names a customer; officers, who may reveal it, match
// it. Once the message is deleted, its Subject matches for nobody.
func TestViewerSearch(t *testing.T) {
	t.Parallel()
	h, q, log := realHarness(t)
	named := fileMessage("")
	namedID := realPut(t, h, q, "a@corp.example", fileName+" "+filePhone+" の件", named, []detect.RecordHit{fileRecord(t, named)})
	realPut(t, h, q, "b@corp.example", "Quarterly figures", sampleMessage, findHits(t, sampleMessage))
	if e, err := q.Get(context.Background(), namedID); err != nil || !e.SubjectWithheld {
		t.Fatalf("the store does not withhold the Subject naming a customer: %v %+v", err, e)
	}

	count := func(who, query string) (page, api int) {
		t.Helper()
		_, body := h.client().apiLogin(who).get("/api/quarantine?q=" + url.QueryEscape(query))
		api = decode[listAnswer](t, body).Total
		_, html := h.client().login(who).get("/console/?q=" + url.QueryEscape(query))
		page = strings.Count(html, `<a href="/console/q/`) / 2 // two links a row
		return page, api
	}
	for _, c := range []struct {
		who, q string
		want   int
	}{
		{"viewer1", fileName, 0},
		{"viewer1", "吉田", 0},
		{"viewer1", filePhone, 0},
		{"viewer1", "075-", 0},
		{"viewer1", "の件", 0},
		{"viewer1", "quarterly", 1},
		{"viewer1", "corp.example", 2},
		{"viewer1", "partner@", 2},
		{"officer1", fileName, 1},
		{"officer1", "quarterly", 1},
	} {
		if page, api := count(c.who, c.q); page != c.want || api != c.want {
			t.Errorf("%s q=%q: %d on the page, %d by the API, want %d", c.who, c.q, page, api, c.want)
		}
	}

	if resp, body := h.client().apiLogin("officer1").postJSON("/api/quarantine/"+namedID+"/delete", map[string]string{"justification": "sent by mistake"}); resp.StatusCode != 200 {
		t.Fatalf("delete: %d %s", resp.StatusCode, body)
	}
	if page, api := count("officer1", fileName); page != 0 || api != 0 {
		t.Errorf("officer q matches the Subject of a deleted entry: %d on the page, %d by the API", page, api)
	}
	// The audit trail still verifies, and holds no Subject.
	if _, err := log.Verify(context.Background()); err != nil {
		t.Fatal(err)
	}
	recs, _, err := log.List(context.Background(), audit.Query{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		b, _ := json.Marshal(r)
		noFileValues(t, fmt.Sprintf("audit record %d", r.Seq), string(b))
	}
}

// TestViewerSeesWhatTheScannerCleared: a message held with no record found
// (an encrypted attachment, say) shows a viewer its headers and file names
// as they are when its findings say this extractor read it; held without
// findings (before they were stored for such messages), nothing says which
// scan read them, and they are withheld. The Subject, which every scan
// read, is shown.
func TestViewerSeesWhatTheScannerCleared(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})
	cleared := h.put(quarantine.Entry{Subject: "顧客リスト送付の件", Findings: currentFindings(t, nil)}, sampleMessage)
	unknown := h.put(quarantine.Entry{Subject: "顧客リスト送付の件", Findings: json.RawMessage("null")}, sampleMessage)
	for id, withheld := range map[string]bool{cleared: false, unknown: true} {
		_, body := h.client().apiLogin("viewer1").get("/api/quarantine/" + id)
		dv := decode[detailView](t, body)
		from, _ := header(dv, "From")
		file := dv.Parts[len(dv.Parts)-1]
		if dv.Entry.Subject != "顧客リスト送付の件" || dv.WithheldSubject {
			t.Errorf("withheld %v: subject %q (withheld %v)", withheld, dv.Entry.Subject, dv.WithheldSubject)
		}
		if withheld {
			if !from.Withheld || from.Value != "" || !file.FilenameWithheld || file.Filename != "" || !dv.Withheld {
				t.Errorf("no findings: From %+v, file %+v, withheld %v", from, file, dv.Withheld)
			}
		} else if from.Withheld || from.Value != `"Sales Rep" <sales@corp.example>` || file.FilenameWithheld || file.Filename != "list.csv" || dv.Withheld {
			t.Errorf("cleared: From %+v, file %+v, withheld %v", from, file, dv.Withheld)
		}
	}
}
