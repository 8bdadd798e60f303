package console

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/dlprelay/dlprelay/detect"
	"github.com/dlprelay/dlprelay/detect/customers"
	"github.com/dlprelay/dlprelay/relay/audit"
	"github.com/dlprelay/dlprelay/relay/quarantine"
)

func TestMask(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		field customers.Field
		in    string
		want  string
	}{
		{customers.FieldName, "山田 太郎", "山田 ***"},
		{customers.FieldName, "山田　太郎", "山田 ***"}, // ideographic space
		{customers.FieldName, "John Q Smith", "John ***"},
		{customers.FieldName, "山田太郎", "山田***"},
		{customers.FieldName, "山田", "山***"},
		{customers.FieldName, "林", "***"},
		{customers.FieldPhone, "090-1234-5678", "090-****-5678"},
		{customers.FieldPhone, "03-1234-5678", "03-****-5678"},
		{customers.FieldPhone, "(03) 1234 5678", "(03) **** 5678"},
		{customers.FieldPhone, "+81 90 1234 5678", "+81 ** **** 5678"},
		{customers.FieldPhone, "０９０－１２３４－５６７８", "０９０－****－５６７８"},
		{customers.FieldPhone, "09012345678", "090****5678"},
		{customers.FieldPhone, "1234567", "*****67"},
		{customers.FieldEmail, "taro.yamada@example.jp", "t***@example.jp"},
		{customers.FieldEmail, "ｔａｒｏ＠example.jp", "ｔ***＠example.jp"},
		{customers.FieldEmail, "@example.jp", "@***"},
		{customers.FieldEmail, "no-at-sign", "n***"},
		{customers.FieldAddress, "東京都千代田区丸の内1-2-3", "東京***"},
		{customers.FieldKana, "ヤマダ タロウ", "ヤマ***"},
		{customers.FieldID, "C001", "C0***"},
		{customers.FieldCompany, "ab", "a***"},
		{customers.FieldAddress, "", "***"},
	} {
		if got := mask(c.field, c.in); got != c.want {
			t.Errorf("mask(%s, %q) = %q, want %q", c.field, c.in, got, c.want)
		}
	}
}

func TestContext(t *testing.T) {
	t.Parallel()
	text := strings.Repeat("あ", 40) + "VALUE" + strings.Repeat("い", 40)
	start := strings.Index(text, "VALUE")
	if got := before(text, start); got != strings.Repeat("あ", 30) {
		t.Errorf("before = %q", got)
	}
	if got := after(text, start+5); got != strings.Repeat("い", 30) {
		t.Errorf("after = %q", got)
	}
	if got := before("ab", 1); got != "a" {
		t.Errorf("short before = %q", got)
	}
}

var masks = []string{"山田 ***", "090-****-5678", "t***@example.jp", "東京***", "佐藤 ***"}

func TestMaskedAndRevealed(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})
	viewer := h.client().login("viewer1")
	_, page := viewer.get("/console/q/" + h.id)
	for _, m := range masks {
		if !strings.Contains(page, m) {
			t.Errorf("masked page lacks %q", m)
		}
	}
	for _, v := range customerValues {
		if strings.Contains(page, v) {
			t.Errorf("masked page shows %q", v)
		}
	}
	if strings.Contains(page, "/reveal") {
		t.Error("a viewer is offered reveal")
	}
	if r, ok := h.log.last(audit.ActionView); !ok || r.Actor != "viewer1" || r.Target != h.id {
		t.Errorf("view audit %+v", r)
	}

	api := h.client().apiLogin("officer1")
	_, body := api.get("/api/quarantine/" + h.id)
	for _, v := range customerValues {
		if strings.Contains(body, v) || strings.Contains(body, jsonEscaped(v)) {
			t.Errorf("API detail shows %q", v)
		}
	}
	dv := decode[detailView](t, body)
	if len(dv.Records) != 2 || dv.Records[0].Matches[1].Masked != "090-****-5678" || dv.Revealed {
		t.Errorf("API detail records %+v", dv.Records)
	}
	if len(dv.Parts) != 3 || dv.Parts[2].Filename != "list.csv" || len(dv.Headers) < 5 {
		t.Errorf("parts %+v headers %d", dv.Parts, len(dv.Headers))
	}

	// Reveal: the values with context, audited with record IDs only.
	officer := h.client().login("officer1")
	_, page = officer.postForm("/console/q/"+h.id+"/reveal", url.Values{"justification": {"customer complaint #12"}})
	for _, v := range customerValues {
		if !strings.Contains(page, v) {
			t.Errorf("revealed page lacks %q", v)
		}
	}
	if !strings.Contains(page, "ご依頼の件です。  お客様: </span><mark>山田 太郎</mark><span class=\"ctx\"> 様  電話: 090-1234-5678") {
		t.Error("revealed value without its context")
	}
	r, _ := h.log.last(audit.ActionReveal)
	if r.Actor != "officer1" || r.Justification != "customer complaint #12" || r.Detail["records"] != "C001,C002" || r.Detail["count"] != "2" {
		t.Errorf("reveal audit %+v", r)
	}
	_, body = api.postJSON("/api/quarantine/"+h.id+"/reveal", map[string]string{"justification": "same complaint"})
	dv = decode[detailView](t, body)
	if !dv.Revealed || dv.Records[0].Matches[0].Value != "山田 太郎" || dv.Records[0].Matches[0].Before == "" {
		t.Errorf("API reveal %+v", dv.Records[0].Matches[0])
	}
	assertNoCustomerValues(t, h)
}

func jsonEscaped(s string) string {
	b, _ := json.Marshal(s)
	return strings.Trim(string(b), `"`)
}

// TestMaskedHeaders: a value found in header text (the Subject, a display
// name, a file name) is masked there too.
func TestMaskedHeaders(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})
	msg := "From: =?UTF-8?B?5bGx55SwIOWkqumDjg==?= <sales@corp.example>\r\n" + // 山田 太郎
		"To: partner@external.example\r\n" +
		"Subject: =?UTF-8?B?5bGx55SwIOWkqumDjiDmp5jjga7ku7Y=?=\r\n" + // 山田 太郎 様の件
		"Content-Type: text/plain; charset=utf-8\r\n" +
		"\r\n" +
		"本文です。\r\n"
	text := partText(t, msg, "1.header")
	at := strings.Index(text, "山田 太郎")
	if at < 0 {
		t.Fatalf("header text %q", text)
	}
	hits := []detect.RecordHit{{ID: "C001", Fields: []customers.Field{customers.FieldName}, Parts: []string{"1.header"},
		Matches: []detect.Match{{Field: customers.FieldName, Part: "1.header", Start: int64(at), End: int64(at + len("山田 太郎"))}}}}
	id := h.put(quarantine.Entry{Subject: "山田 太郎 様の件", Findings: currentFindings(t, hits), Records: 1}, msg)

	_, page := h.client().login("viewer1").get("/console/q/" + id)
	if strings.Contains(page, "山田 太郎") {
		t.Error("masked page shows the name from the headers")
	}
	if !strings.Contains(page, "山田 *** 様の件") {
		t.Error("masked subject missing")
	}
	_, page = h.client().login("officer1").postForm("/console/q/"+id+"/reveal", url.Values{"justification": {"x"}})
	if !strings.Contains(page, "山田 太郎 様の件") {
		t.Error("revealed page lacks the subject")
	}
}

// TestGoneMessage: after delete the record still opens, without bytes.
func TestGoneMessage(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})
	cl := h.client().apiLogin("officer1")
	cl.postJSON("/api/quarantine/"+h.id+"/delete", map[string]string{"justification": "done"})
	resp, body := cl.get("/api/quarantine/" + h.id)
	dv := decode[detailView](t, body)
	if resp.StatusCode != 200 || !dv.Gone || !dv.Records[0].Matches[0].Unavailable || dv.Entry.Status != quarantine.StatusDeleted {
		t.Errorf("deleted entry: %d %s", resp.StatusCode, body)
	}
	if resp, _ := cl.postJSON("/api/quarantine/"+h.id+"/download", map[string]string{"justification": "x"}); resp.StatusCode != 404 {
		t.Errorf("download of a deleted entry: %d", resp.StatusCode)
	}
}

func TestPackIDs(t *testing.T) {
	t.Parallel()
	var ids []string
	for i := 0; i < 1000; i++ {
		ids = append(ids, fmt.Sprintf("CUST-%06d", i)) // 11 bytes + comma: 21 a value
	}
	d := map[string]string{}
	n := packIDs(ids, d)
	if n != 30*21 || len(d) != 30 {
		t.Errorf("packed %d ids into %d values", n, len(d))
	}
	var back []string
	for k := 1; k <= 30; k++ {
		key := "records"
		if k > 1 {
			key = fmt.Sprintf("records_%d", k)
		}
		if len(d[key]) > 256 {
			t.Errorf("%s is %d bytes", key, len(d[key]))
		}
		back = append(back, strings.Split(d[key], ",")...)
	}
	if !slices.Equal(back, ids[:n]) {
		t.Error("ids not packed in order")
	}
	d = map[string]string{}
	if n := packIDs([]string{"A", "B\nC", "D"}, d); n != 1 || d["records"] != "A" {
		t.Errorf("id with a line break: %d %v", n, d)
	}
}

// TestRevealManyRecords: the record IDs of a large reveal fit the audit
// record (values of at most 256 bytes).
func TestRevealManyRecords(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})
	one := findHits(t, sampleMessage)[0]
	var hits []detect.RecordHit
	for i := 0; i < 150; i++ {
		hit := one
		hit.ID = fmt.Sprintf("CUSTOMER-%08d", i)
		hits = append(hits, hit)
	}
	id := h.put(quarantine.Entry{Findings: currentFindings(t, hits), Records: len(hits)}, sampleMessage)
	resp, body := h.client().apiLogin("officer1").postJSON("/api/quarantine/"+id+"/reveal", map[string]string{"justification": "audit sample"})
	if resp.StatusCode != 200 {
		t.Fatalf("reveal: %d %s", resp.StatusCode, body)
	}
	if dv := decode[detailView](t, body); len(dv.Records) != 150 {
		t.Errorf("%d records revealed", len(dv.Records))
	}
	r, _ := h.log.last(audit.ActionReveal)
	if r.Detail["count"] != "150" || r.Detail["records_2"] == "" || !strings.HasPrefix(r.Detail["records"], "CUSTOMER-00000000,CUSTOMER-00000001,") {
		t.Errorf("reveal audit %v", r.Detail)
	}
}
