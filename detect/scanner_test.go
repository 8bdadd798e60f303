package detect

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/iotest"

	"github.com/dlprelay/dlprelay/detect/customers"
)

func newScanner(t testing.TB, csv string, lim Limits) *Scanner {
	t.Helper()
	list, err := customers.Parse(strings.NewReader(csv), "test.csv", customers.Columns{})
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewScanner(list, lim)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func crlf(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\n", "\r\n")
}

func scan(t testing.TB, s *Scanner, msg string) *Result {
	t.Helper()
	res, err := s.Scan(context.Background(), strings.NewReader(crlf(msg)))
	if err != nil {
		t.Fatalf("Scan: %v", err)
	}
	return res
}

// hits returns "ID:field+field" for each record found.
func hits(res *Result) []string {
	var out []string
	for _, r := range res.Records {
		var fs []string
		for _, f := range r.Fields {
			fs = append(fs, string(f))
		}
		out = append(out, r.ID+":"+strings.Join(fs, "+"))
	}
	return out
}

const smallList = `id,name,kana,email,phone
A1,Ann Lee,,ann.lee@example.com,+81 3 5555 0101
A2,山田 太郎,ヤマダ タロウ,taro@example.jp,03-1234-5678
A3,Jo,,jo@example.com,123
A4,森,モリ,no-at-sign,090-1111-2222
A5,Bo Li,やまだ はなこ,,0312345678
`

func TestMatching(t *testing.T) {
	s := newScanner(t, smallList, Limits{})
	tests := []struct {
		body string
		want []string
	}{
		{"Dear Ann Lee,", []string{"A1:name"}},
		{"DEAR ANN  LEE!", []string{"A1:name"}},
		{"ＡＮＮ　ＬＥＥ", []string{"A1:name"}},
		{"Annual Leeds, Joann Lee, Ann Leeson", nil},
		// The name inside the address is the address, not a second
		// field found.
		{"mail ann.lee@example.com now", []string{"A1:email"}},
		{"joann.lee@example.community", nil},
		{"山田太郎", []string{"A2:name"}},
		{"山田 太郎", []string{"A2:name"}},
		{"山田　太郎様", []string{"A2:name"}},
		{"山田\r\n太郎", []string{"A2:name"}},
		{"ﾔﾏﾀﾞ ﾀﾛｳ", []string{"A2:kana"}},
		{"やまだたろう", []string{"A2:kana"}},
		// A phone number shared by two records reports both.
		{"TEL ０３（１２３４）５６７８", []string{"A2:phone", "A5:phone"}},
		{"+81-3-1234-5678", []string{"A2:phone", "A5:phone"}},
		{"03-1234-567 and 3-1234-5678 and 1234-5678", nil},
		{"+81 3 5555 0101", []string{"A1:phone"}},
		// Short values are not patterns: Jo, 森, モリ, 123.
		{"Jo 森 モリ 見積もり 123", nil},
		{"090-1111-2222", []string{"A4:phone"}},
		{"record A1 and A5", nil},
		{"ヤマダハナコ", []string{"A5:kana"}},
	}
	for _, tt := range tests {
		res := scan(t, s, "Subject: test\n\n"+tt.body+"\n")
		if got := hits(res); !slices.Equal(got, tt.want) {
			t.Errorf("%q: found %v, want %v", tt.body, got, tt.want)
		}
	}
}

// TestPrecision checks the matches users would not call one: an address
// inside a longer address, a name across a sentence end, supporting
// fields alone, and one customer counted several times.
func TestPrecision(t *testing.T) {
	s := newScanner(t, `id,name,email,phone,company,address
P1,Grant Hill,,,,
P2,,chen@example.co.jp,,,
P3,J. Smith,,,,
P4,,,,山田商事株式会社,東京都千代田区丸の内1-1-1
P5,久保 誠一,,090-1234-5678,,
P6,久保誠一,,,,
P7,久保誠,,,,
P8,山田花子,,,,
`, Limits{})
	tests := []struct {
		body string
		want []string
	}{
		{"please write to mary.chen@example.co.jp", nil},
		{"please write to mary_chen@example.co.jp or mary-chen@example.co.jp or x+chen@example.co.jp", nil},
		{"ｍａｒｙ．ｃｈｅｎ＠ｅｘａｍｐｌｅ．ｃｏ．ｊｐ", nil},
		{"write to chen@example.co.jp.", []string{"P2:email"}},
		{"(chen@example.co.jp), <chen@example.co.jp>, mailto:chen@example.co.jp", []string{"P2:email"}},
		{"chen@example.co.jp.evil.com", nil},
		{"chen@example.co.jp-evil.com", nil},
		{"chen@example.co.jp. Next sentence", []string{"P2:email"}},
		// An address glued to Japanese text: は cannot continue it.
		{"…は、chen@example.co.jpは先方の担当です", []string{"P2:email"}},
		{"ご連絡はchen@example.co.jpまで", []string{"P2:email"}},
		// A Latin name glued to Japanese.
		{"Grant Hillさんへ", []string{"P1:name"}},
		{"the fund needs a grant; hill walkers like it", nil},
		{"a grant. Hill walkers", nil},
		{"Dear Grant Hill, hello", []string{"P1:name"}},
		{"Grant\r\nHill", []string{"P1:name"}},
		{"Hill, Grant and Grant,Hill", []string{"P1:name"}},
		{"J. Smith", []string{"P3:name"}},
		{"山本。花子 山田。花子", nil},
		{"山田・花子", []string{"P8:name"}},
		// A company directory: company and address are supporting
		// fields and never make a record, not even together.
		{"山田商事株式会社 東京都千代田区丸の内1-1-1", nil},
		// One customer row: P5 by name and phone; P6 shares the name
		// written next to P5's phone; P7's name is inside it.
		{"久保誠一 090-1234-5678", []string{"P5:name+phone"}},
		// Without the phone, the name is P5's or P6's; P7 is still
		// inside it.
		{"久保誠一", []string{"P5:name", "P6:name"}},
		{"久保誠さん", []string{"P7:name"}},
	}
	for _, tt := range tests {
		res := scan(t, s, "Subject: test\n\n"+tt.body+"\n")
		if got := hits(res); !slices.Equal(got, tt.want) {
			t.Errorf("%q: found %v, want %v", tt.body, got, tt.want)
		}
	}
	// The last e-mail check needs the text after the address: a dot at
	// the end of a read is decided once the next one comes.
	res, err := s.Scan(context.Background(), iotest.OneByteReader(strings.NewReader("Subject: t\n\nchen@example.co.jp.com and chen@example.co.jp.\n")))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := hits(res), []string{"P2:email"}; !slices.Equal(got, want) {
		t.Errorf("one byte at a time: found %v, want %v", got, want)
	}
	if n := len(res.Records[0].Matches); n != 1 {
		t.Errorf("one byte at a time: %d matches, want 1", n)
	}
}

func TestSkippedAndPatterns(t *testing.T) {
	s := newScanner(t, smallList, Limits{})
	want := map[string]int{
		"id/too_short":    5, // A1..A5 are shorter than MinIDRunes
		"name/too_short":  2, // Jo, 森
		"kana/too_short":  1, // モリ
		"email/invalid":   1, // no-at-sign
		"phone/too_short": 1, // 123
	}
	if got := s.Skipped(); !reflect.DeepEqual(got, want) {
		t.Errorf("Skipped() = %v, want %v", got, want)
	}
	// Ann Lee, 山田太郎, ヤマダタロウ, ann lee email, taro email, jo email,
	// Bo Li, ヤマダハナコ; phones 0355550101, 0312345678, 09011112222.
	if got := s.Patterns(); got != 11 {
		t.Errorf("Patterns() = %d, want 11", got)
	}
	s.Skipped()["x"] = 1
	if _, ok := s.Skipped()["x"]; ok {
		t.Error("Skipped() returned the Scanner's own map")
	}
}

func TestSampleListSkipped(t *testing.T) {
	s := sampleScanner(t)
	want := map[string]int{"name/too_short": 2, "kana/too_short": 1, "phone/too_short": 1, "email/invalid": 1}
	if got := s.Skipped(); !reflect.DeepEqual(got, want) {
		t.Errorf("Skipped() = %v, want %v", got, want)
	}
}

func TestDuplicateIDsMerge(t *testing.T) {
	s := newScanner(t, "id,name,email\nC9,Ann Lee,\nC9,,ann.lee@example.com\nC8,Ann Lee,\n", Limits{})
	res := scan(t, s, "Subject: x\n\nAnn Lee <ann.lee@example.com>\n")
	// C8 shares the name, but the name is written next to C9's address:
	// the text is about C9, so C8 adds no record.
	if got, want := hits(res), []string{"C9:email+name"}; !slices.Equal(got, want) {
		t.Errorf("found %v, want %v", got, want)
	}
	// The name alone is either of them.
	res = scan(t, s, "Subject: x\n\nAnn Lee\n")
	if got, want := hits(res), []string{"C8:name", "C9:name"}; !slices.Equal(got, want) {
		t.Errorf("found %v, want %v", got, want)
	}
}

func TestPartsAttribution(t *testing.T) {
	s := newScanner(t, smallList, Limits{})
	res := scan(t, s, `Subject: =?UTF-8?B?5bGx55Sw5aSq6YOO?=
Content-Type: multipart/mixed; boundary=B

--B
Content-Type: text/plain

Ann Lee
--B
Content-Type: text/plain

Ann Lee again, 山田太郎
--B--
`)
	want := []RecordHit{
		{ID: "A1", Fields: []customers.Field{"name"}, Parts: []string{"1.1", "1.2"}, Closest: -1,
			Matches: []Match{{"name", "1.1", 0, 7}, {"name", "1.2", 0, 7}}},
		{ID: "A2", Fields: []customers.Field{"name"}, Parts: []string{"1.header", "1.2"}, Closest: -1,
			Matches: []Match{{"name", "1.header", 9, 21}, {"name", "1.2", 15, 27}}}, // after "Subject: "
	}
	if !reflect.DeepEqual(res.Records, want) {
		t.Errorf("records = %+v, want %+v", res.Records, want)
	}
}

// TestMatchPositions checks offsets in the original text (before NFKC and
// folding), overlapping names, the closeness of fields and the cap.
func TestMatchPositions(t *testing.T) {
	s := newScanner(t, `id,name,kana,phone,address,company
B1,久保 誠,,03-1111-2222,東京都千代田区丸の内1-1-1,山田商事株式会社
B2,久保 誠一,クボ セイイチ,,,山田商事株式会社
B3,Ann Lee,,,,Acme Trading
`, Limits{})
	body := "ﾎﾟｲﾝﾄ: 久保誠一様 TEL ０３－１１１１－２２２２\n住所 東京都千代田区丸の内１－１－１\nAcme Trading 山田商事株式会社\n"
	res := scan(t, s, "Subject: x\n\n"+body)
	text := crlf(body)
	got := map[string][]string{}
	for _, r := range res.Records {
		for _, m := range r.Matches {
			if m.Part != "1" {
				t.Errorf("%s: match in part %q", r.ID, m.Part)
			}
			got[r.ID] = append(got[r.ID], string(m.Field)+"="+text[m.Start:m.End])
		}
	}
	want := map[string][]string{
		// 久保誠 inside 久保誠一 names B2, not B1; the company shows with
		// the other fields of B1 and B2.
		"B1": {"phone=０３－１１１１－２２２２", "address=東京都千代田区丸の内１－１－１", "company=山田商事株式会社"},
		"B2": {"name=久保誠一", "company=山田商事株式会社"},
		// B3 is found by its company alone: not reported.
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("matches = %q, want %q", got, want)
	}
	for _, r := range res.Records {
		switch r.ID {
		case "B1":
			// The phone ends "\r\n住所 " before the address (name and
			// phone are further apart: "一様 TEL ").
			if want := int64(len("\r\n住所 ")); r.Closest != want || !r.Corroborated(20) || r.Corroborated(5) {
				t.Errorf("B1 closest = %d, want %d", r.Closest, want)
			}
		case "B2":
			if r.Closest <= 0 {
				t.Errorf("B2 closest = %d", r.Closest)
			}
		}
	}

	// The cap: 150 occurrences give 100 matches and 50 more, and B1's
	// 久保誠 inside each is none of B1's.
	res = scan(t, s, "Subject: x\n\n"+strings.Repeat("久保誠一 ", 150))
	if got, want := hits(res), []string{"B2:name"}; !slices.Equal(got, want) {
		t.Errorf("found %v, want %v", got, want)
	}
	for _, r := range res.Records {
		if len(r.Matches) != MaxMatchesPerRecord || r.MoreMatches != 150-MaxMatchesPerRecord {
			t.Errorf("%s: %d matches, %d more", r.ID, len(r.Matches), r.MoreMatches)
		}
		if r.Closest != -1 {
			t.Errorf("%s: closest %d with one field", r.ID, r.Closest)
		}
	}
}

// TestLimitsAreResults checks that every limit gives an Unscannable entry
// and a Result, never an error.
func TestLimitsAreResults(t *testing.T) {
	deep := func(n int) string {
		var b strings.Builder
		for i := 0; i < n; i++ {
			fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=b%d\n\n--b%d\n", i, i)
		}
		b.WriteString("Content-Type: text/plain\n\nAnn Lee\n")
		return b.String()
	}
	many := "Content-Type: multipart/mixed; boundary=B\n\n" + strings.Repeat("--B\n\nx\n", 50) + "--B\n\nAnn Lee\n--B--\n"
	big := "Subject: big\n\n" + strings.Repeat("filler ", 2000) + "Ann Lee\n"
	tests := []struct {
		name  string
		lim   Limits
		msg   string
		want  Unscannable
		found bool // whether Ann Lee is still found
	}{
		{"depth", Limits{MaxDepth: 5}, deep(10), Unscannable{Part: "1.1.1.1.1.1", Reason: ReasonDepth}, false},
		{"parts", Limits{MaxParts: 10}, many, Unscannable{Part: "1.10", Reason: ReasonParts}, false},
		{"part size", Limits{MaxPartBytes: 1000}, big, Unscannable{Part: "1", Reason: ReasonPartSize}, false},
		{"total size", Limits{MaxTotalBytes: 1000}, big, Unscannable{Part: "1", Reason: ReasonTotalSize}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newScanner(t, smallList, tt.lim)
			res := scan(t, s, tt.msg)
			if len(res.Unscannable) != 1 || res.Unscannable[0] != tt.want {
				t.Errorf("unscannable = %v, want [%v]", res.Unscannable, tt.want)
			}
			if found := len(res.Records) > 0; found != tt.found {
				t.Errorf("records = %v", res.Records)
			}
			// The same message within default limits is fully scanned.
			full := scan(t, newScanner(t, smallList, Limits{}), tt.msg)
			if len(full.Unscannable) != 0 || len(full.Records) != 1 {
				t.Errorf("default limits: %+v", full)
			}
		})
	}
}

func TestScanErrors(t *testing.T) {
	s := newScanner(t, smallList, Limits{})
	boom := errors.New("client went away")
	msg := crlf("Subject: x\n\nAnn Lee\n")
	if _, err := s.Scan(context.Background(), io.MultiReader(strings.NewReader(msg), iotest.ErrReader(boom))); !errors.Is(err, boom) {
		t.Errorf("reader error: err = %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Scan(ctx, strings.NewReader(msg)); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: err = %v", err)
	}
}

// TestResultCarriesNoValues checks that a Result, as it would be logged,
// names records by ID only.
func TestResultCarriesNoValues(t *testing.T) {
	s := sampleScanner(t)
	raw, err := os.ReadFile(filepath.Join("..", "testdata", "mail", "02-rows-plain.eml"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Scan(context.Background(), bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	js, _ := json.Marshal(res)
	for _, v := range []string{"山田", "taro.yamada", "Ann Lee", "ann.lee", "5678", "0312345678", "john"} {
		if bytes.Contains(js, []byte(v)) {
			t.Errorf("Result contains the value %q: %s", v, js)
		}
	}
}

// TestSampleMessages pins what the relay's tests rely on.
func TestSampleMessages(t *testing.T) {
	s := sampleScanner(t)
	count := func(name string) int {
		raw, err := os.ReadFile(filepath.Join("..", "testdata", "mail", name))
		if err != nil {
			t.Fatal(err)
		}
		res, err := s.Scan(context.Background(), bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		return len(res.Records)
	}
	if n := count("01-clean-plain.eml"); n != 0 {
		t.Errorf("01-clean-plain.eml: %d records, want 0", n)
	}
	if n := count("02-rows-plain.eml"); n < 3 {
		t.Errorf("02-rows-plain.eml: %d records, want at least 3", n)
	}
	if n := count("10-annual.eml"); n != 0 {
		t.Errorf("10-annual.eml: %d records, want 0", n)
	}
}

// TestConcurrentScans runs many scans at once (go test -race) and checks
// each against a scan done alone.
func TestConcurrentScans(t *testing.T) {
	s := sampleScanner(t)
	files, _ := filepath.Glob(filepath.Join("..", "testdata", "mail", "*.eml"))
	var msgs [][]byte
	var want []string
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		res, err := s.Scan(context.Background(), bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		js, _ := json.Marshal(res)
		msgs = append(msgs, raw)
		want = append(want, string(js))
	}
	var wg sync.WaitGroup
	errs := make(chan string, 64)
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 20; i++ {
				k := (g + i) % len(msgs)
				res, err := s.Scan(context.Background(), bytes.NewReader(msgs[k]))
				if err != nil {
					errs <- err.Error()
					return
				}
				if js, _ := json.Marshal(res); string(js) != want[k] {
					errs <- fmt.Sprintf("%s: concurrent result differs", files[k])
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

func TestNilList(t *testing.T) {
	if _, err := NewScanner(nil, Limits{}); err == nil {
		t.Error("NewScanner(nil) did not fail")
	}
}

func TestEmptyList(t *testing.T) {
	s, err := NewScanner(&customers.List{}, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	res := scan(t, s, "Subject: x\n\nAnn Lee 03-1234-5678\n")
	if len(res.Records) != 0 || s.Patterns() != 0 {
		t.Errorf("empty list found %v", res.Records)
	}
}

func TestDefaultLimits(t *testing.T) {
	d := DefaultLimits()
	if d.MaxDepth != 20 || d.MaxParts != 1000 || d.MaxPartBytes != 50<<20 || d.MaxTotalBytes != 200<<20 || d.Timeout.Seconds() != 60 {
		t.Errorf("DefaultLimits() = %+v", d)
	}
}

func TestProgress(t *testing.T) {
	l := genList(progressEvery + 10)
	var calls [][2]int
	s, err := NewScannerWithOptions(l, Limits{}, Options{Progress: func(done, total int) { calls = append(calls, [2]int{done, total}) }})
	if err != nil || s == nil {
		t.Fatal(err)
	}
	n := len(l.Records)
	if want := [][2]int{{progressEvery, n}, {n, n}}; !reflect.DeepEqual(calls, want) {
		t.Errorf("progress calls %v, want %v", calls, want)
	}
}
