package console

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/dlprelay/dlprelay/detect"
	"github.com/dlprelay/dlprelay/detect/customers"
	"github.com/dlprelay/dlprelay/detect/extract"
	"github.com/dlprelay/dlprelay/relay/audit"
	"github.com/dlprelay/dlprelay/relay/quarantine"
)

// countingRescanner counts the segments whose text the real Rescanner is
// asked to keep: a reveal of findings from another extractor must not read
// the text.
type countingRescanner struct {
	Rescanner
	texts atomic.Int32
}

func (r *countingRescanner) Rescan(ctx context.Context, msg io.Reader, keep func(string, int64) int64) ([]PartInfo, map[string]string, error) {
	return r.Rescanner.Rescan(ctx, msg, func(seg string, kept int64) int64 {
		n := keep(seg, kept)
		if n > 0 {
			r.texts.Add(1)
		}
		return n
	})
}

// withCountingRescanner rebuilds h's console over a countingRescanner.
func withCountingRescanner(t *testing.T, h *harness) *countingRescanner {
	t.Helper()
	rs := &countingRescanner{Rescanner: NewRescanner(extract.Limits{})}
	c, err := New(h.c.cfg, h.q, h.log, h.dir, rs)
	if err != nil {
		t.Fatal(err)
	}
	h.c, h.h = c, c.Handler()
	return rs
}

// noValues fails if s carries a customer value of the sample, or a mask
// of one (cut out of the text at the offsets), raw or JSON-escaped.
func noValues(t *testing.T, what, s string) {
	t.Helper()
	for _, v := range append(append([]string{}, customerValues...), masks...) {
		if strings.Contains(s, v) || strings.Contains(s, jsonEscaped(v)) {
			t.Errorf("%s shows %q", what, v)
		}
	}
}

// oldFindings are the forms of findings that an extractor other than this
// build's left in the quarantine.
func oldFindings(t *testing.T, hits []detect.RecordHit) map[string]json.RawMessage {
	t.Helper()
	bare, _ := json.Marshal(hits) // what the relay stored before versions
	result, _ := json.Marshal(detect.Result{Records: hits})
	v1, err := detect.EncodeFindings(detect.Findings{Schema: detect.FindingsSchema, Extractor: detect.ExtractorUnversioned, Records: hits})
	if err != nil {
		t.Fatal(err)
	}
	newer, _ := detect.EncodeFindings(detect.Findings{Schema: detect.FindingsSchema, Extractor: detect.ExtractorVersion + 1, Records: hits})
	return map[string]json.RawMessage{"bare array": bare, "Result object": result, "extractor 1": v1, "newer extractor": newer}
}

// TestRevealOtherExtractor: findings of another extractor version are
// shown by record, field and part, never cut out of today's text: neither
// a value nor a mask, on the page or in the API, masked or revealed; the
// page and the API say why, and the reveal is audited as one that showed
// no value.
func TestRevealOtherExtractor(t *testing.T) {
	t.Parallel()
	hits := findHits(t, sampleMessage)
	for name, raw := range oldFindings(t, hits) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, Config{})
			rs := withCountingRescanner(t, h)
			id := h.put(quarantine.Entry{Findings: raw, Records: 2, RecordIDs: []string{"C001", "C002"}}, sampleMessage)

			viewer := h.client().login("viewer1")
			_, page := viewer.get("/console/q/" + id + "?lang=en")
			noValues(t, "masked page", page)
			for _, want := range []string{"C001", "C002", "Phone", "1.2", english.T("detail.extractor_changed"), english.T("detail.unavailable")} {
				if !strings.Contains(page, want) {
					t.Errorf("masked page lacks %q", want)
				}
			}
			_, page = viewer.get("/console/q/" + id + "?lang=ja")
			if !strings.Contains(page, japanese.T("detail.extractor_changed")) {
				t.Error("Japanese page lacks the reason")
			}

			api := h.client().apiLogin("officer1")
			_, body := api.get("/api/quarantine/" + id)
			noValues(t, "API detail", body)
			dv := decode[detailView](t, body)
			want := detect.ExtractorUnversioned
			if name == "newer extractor" {
				want = detect.ExtractorVersion + 1
			}
			if dv.RevealUnavailable != "extractor_changed" || dv.FindingsExtractor != want || dv.FindingsError || len(dv.Records) != 2 {
				t.Errorf("API detail: reveal_unavailable %q, extractor %d, %d records", dv.RevealUnavailable, dv.FindingsExtractor, len(dv.Records))
			}
			checkUnavailable(t, dv)

			officer := h.client().login("officer1")
			resp, page := officer.postForm("/console/q/"+id+"/reveal?lang=en", url.Values{"justification": {"complaint #7"}})
			if resp.StatusCode != 200 {
				t.Fatalf("reveal: %d", resp.StatusCode)
			}
			noValues(t, "revealed page", page)
			if !strings.Contains(page, english.T("detail.extractor_changed")) || strings.Contains(page, "<mark>") {
				t.Error("revealed page does not say why no value is shown")
			}
			r, ok := h.log.last(audit.ActionReveal)
			if !ok || r.Actor != "officer1" || r.Target != id || r.Justification != "complaint #7" || r.Detail["records"] != "C001,C002" ||
				r.Detail["count"] != "2" || r.Detail["reveal_unavailable"] != "extractor_changed" {
				t.Errorf("reveal audit %+v", r)
			}

			_, body = api.postJSON("/api/quarantine/"+id+"/reveal", map[string]string{"justification": "same complaint"})
			noValues(t, "API reveal", body)
			dv = decode[detailView](t, body)
			if !dv.Revealed || dv.RevealUnavailable != "extractor_changed" {
				t.Errorf("API reveal: revealed %v, reveal_unavailable %q", dv.Revealed, dv.RevealUnavailable)
			}
			checkUnavailable(t, dv)
			if n := rs.texts.Load(); n != 0 {
				t.Errorf("the text of %d segments was read at offsets of another extractor", n)
			}
		})
	}
}

func checkUnavailable(t *testing.T, dv detailView) {
	t.Helper()
	n := 0
	for _, r := range dv.Records {
		for _, m := range r.Matches {
			n++
			if !m.Unavailable || m.Reason != "extractor_changed" || m.Masked != "" || m.Value != "" || m.Before != "" || m.After != "" {
				t.Errorf("record %s match %+v", r.ID, m)
			}
		}
	}
	if n != 5 {
		t.Errorf("%d matches, want 5", n)
	}
}

// TestRevealCurrentExtractor: findings of this build's extractor are cut
// out of the text and revealed as before.
func TestRevealCurrentExtractor(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})
	rs := withCountingRescanner(t, h)
	api := h.client().apiLogin("officer1")
	_, body := api.postJSON("/api/quarantine/"+h.id+"/reveal", map[string]string{"justification": "complaint #8"})
	dv := decode[detailView](t, body)
	if dv.RevealUnavailable != "" || dv.FindingsExtractor != detect.ExtractorVersion || dv.Withheld {
		t.Errorf("reveal_unavailable %q, extractor %d, withheld %v", dv.RevealUnavailable, dv.FindingsExtractor, dv.Withheld)
	}
	var values []string
	for _, r := range dv.Records {
		for _, m := range r.Matches {
			if m.Unavailable || m.Reason != "" {
				t.Errorf("match %+v unavailable", m)
			}
			values = append(values, m.Value)
		}
	}
	if want := fmt.Sprint(customerValues); fmt.Sprint(values) != want {
		t.Errorf("revealed %v, want %v", values, want)
	}
	if r, _ := h.log.last(audit.ActionReveal); r.Detail["count"] != "2" || r.Detail["reveal_unavailable"] != "" {
		t.Errorf("reveal audit %v", r.Detail)
	}
	if rs.texts.Load() == 0 {
		t.Error("the text was not read")
	}
}

// TestOtherExtractorWithholdsHeaders: with findings of another extractor,
// a value in the Subject, a display name or a file name cannot be masked
// there, so a masked view leaves them out when the Subject may hold one
// (Entry.SubjectWithheld); a reveal shows them. So do unreadable findings.
func TestOtherExtractorWithholdsHeaders(t *testing.T) {
	t.Parallel()
	msg := "From: =?UTF-8?B?5bGx55SwIOWkqumDjg==?= <sales@corp.example>\r\n" + // 山田 太郎
		"To: partner@external.example\r\n" +
		"Subject: =?UTF-8?B?5bGx55SwIOWkqumDjiDmp5jjga7ku7Y=?=\r\n" + // 山田 太郎 様の件
		"MIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=\"b1\"\r\n" +
		"\r\n" +
		"--b1\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n" +
		"\r\n" +
		"本文です。\r\n" +
		"--b1\r\n" +
		"Content-Type: text/csv; charset=utf-8\r\n" +
		"Content-Disposition: attachment; filename*=UTF-8''%E5%B1%B1%E7%94%B0%20%E5%A4%AA%E9%83%8E.csv\r\n" + // 山田 太郎.csv
		"\r\n" +
		"id\r\n" +
		"--b1--\r\n"
	text := partText(t, msg, "1.header")
	at := strings.Index(text, "山田 太郎")
	if at < 0 {
		t.Fatalf("header text %q", text)
	}
	hits := []detect.RecordHit{{ID: "C001", Fields: []customers.Field{customers.FieldName}, Parts: []string{"1.header"},
		Matches: []detect.Match{{Field: customers.FieldName, Part: "1.header", Start: int64(at), End: int64(at + len("山田 太郎"))}}, Closest: -1}}
	old, _ := json.Marshal(hits)
	cases := []struct {
		name     string
		findings json.RawMessage
		withheld bool
	}{
		{"current extractor", currentFindings(t, hits), false},
		{"extractor 1", old, true},
		{"unreadable findings", json.RawMessage(`{"schema":99}`), true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, Config{})
			id := h.put(quarantine.Entry{Subject: "山田 太郎 様の件", SubjectWithheld: true, Findings: tc.findings, Records: 1, RecordIDs: []string{"C001"}}, msg)
			_, page := h.client().login("viewer1").get("/console/q/" + id + "?lang=en")
			_, body := h.client().apiLogin("viewer1").get("/api/quarantine/" + id)
			for what, s := range map[string]string{"masked page": page, "API detail": body} {
				shown := "山田 太郎"
				if tc.withheld {
					shown = "山田" // not even masked
				}
				if strings.Contains(s, shown) || strings.Contains(s, jsonEscaped(shown)) {
					t.Errorf("%s shows %q", what, shown)
				}
			}
			dv := decode[detailView](t, body)
			if dv.Withheld != tc.withheld || dv.Withheld != strings.Contains(page, english.T("detail.withheld")) {
				t.Errorf("withheld %v, page says so: %v", dv.Withheld, strings.Contains(page, english.T("detail.withheld")))
			}
			if tc.withheld {
				if dv.Entry.Subject != "" || dv.Parts[2].Filename != "" || len(dv.Headers) == 0 || dv.Headers[0].Value != "" {
					t.Errorf("withheld view: subject %q, parts %+v, headers %+v", dv.Entry.Subject, dv.Parts, dv.Headers)
				}
				if !strings.Contains(page, english.T("detail.withheld_subject")) {
					t.Error("page lacks the withheld subject")
				}
			} else if dv.Entry.Subject != "山田 *** 様の件" || !strings.Contains(dv.Parts[2].Filename, "***") {
				t.Errorf("masked view: subject %q, parts %+v", dv.Entry.Subject, dv.Parts)
			}
			_, page = h.client().login("officer1").postForm("/console/q/"+id+"/reveal", url.Values{"justification": {"x"}})
			if !strings.Contains(page, "山田 太郎 様の件") || !strings.Contains(page, "山田 太郎.csv") {
				t.Error("revealed page lacks the subject or the file name")
			}
		})
	}
}
