package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dlprelay/dlprelay/policy/history"
)

// TestScanRuleTrace runs `dlprelay scan` with the sample company policy and
// an envelope from the command line, as an officer would to try a rule
// change: the verdict, the deciding rule and every rule that fired.
func TestScanRuleTrace(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "dlprelay.yaml")
	watch := filepath.Join(dir, "leavers.csv")
	writeFile(t, watch, "address,name,from,until\ns.tanaka@example.co.jp,田中 翔太,2026-11-01,2027-01-31\n")
	company, err := readFileString(filepath.Join("..", "..", "configs", "company-jp.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	company = strings.Replace(company, "file: configs/watchlist.csv", "file: "+watch, 1)
	company = strings.Replace(company, "file: testdata/customers.csv", "file: "+sharedTestdata(t, "testdata/customers.csv"), 1)
	writeFile(t, cfg, company)
	msg := sharedTestdata(t, "testdata/mail/02-rows-plain.eml")

	var out, errb bytes.Buffer
	code := run([]string{"scan", "-config", cfg, "-sender", "s.tanaka@example.co.jp", "-rcpt", "tax@kansa-partners.co.jp",
		"-at", "2026-12-01T10:00:00+09:00", msg}, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, want := range []string{
		"verdict: quarantine (leaver-any-record)",
		"recipients: partner; watchlisted: true",
		"* leaver-any-record → quarantine: sender on watchlist; 4 records ≥ 1 (low confidence); recipients: partner",
		"  partner-ok → pass:",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}

	// After the watchlist entry ends, the same message to the same partner
	// passes by the partner exception; -json shows the trace.
	out.Reset()
	code = run([]string{"scan", "-json", "-config", cfg, "-sender", "s.tanaka@example.co.jp", "-rcpt", "tax@kansa-partners.co.jp",
		"-at", "2027-02-01T10:00:00+09:00", msg}, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var rep scanReport
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Verdict != "pass" || rep.Rule != "partner-ok" || rep.Watchlisted || len(rep.Fired) == 0 || !rep.Fired[0].Decisive {
		t.Errorf("report = %+v", rep)
	}
}

func readFileString(path string) (string, error) {
	b, err := os.ReadFile(path)
	return string(b), err
}

// TestScanDispositions runs `dlprelay scan` on a message whose parts are
// read in different ways: the human output and -json name each part's
// disposition and the sniffed kind, and the unscannable reasons.
func TestScanDispositions(t *testing.T) {
	t.Parallel()
	cfg := filepath.Join(t.TempDir(), "dlprelay.yaml")
	writeFile(t, cfg, "customers:\n  file: "+sharedTestdata(t, "testdata/customers.csv")+"\n")
	msg := sharedTestdata(t, "detect/testdata/mail/44-media-appended.eml")
	var out, errb bytes.Buffer
	if code := run([]string{"scan", "-config", cfg, msg}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, want := range []string{
		"1.2 [media jpeg] image/jpeg",
		"1.2/after-end [archive zip]",
		"1.2/after-end/list.csv [text] text/csv",
		"1.3 [strings png] image/png",
		"unscannable: part 1.3: corrupt (png)",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	out.Reset()
	if code := run([]string{"scan", "-json", "-config", cfg, msg}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var rep scanReport
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, p := range rep.Parts {
		got[p.Path] = string(p.Disposition) + "/" + p.Kind
	}
	if got["1.2"] != "media/jpeg" || got["1.3"] != "strings/png" || got["1.2/after-end/list.csv"] != "text/" {
		t.Errorf("dispositions = %v", got)
	}
	if len(rep.Unscannable) != 1 || rep.Unscannable[0].Kind != "png" {
		t.Errorf("unscannable = %+v", rep.Unscannable)
	}
}

// TestScanHistoryFilesApart: with -history each file is judged against the
// relay's sender history alone, never against the files scanned before it
// in the same run (nothing is sent).
func TestScanHistoryFilesApart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	cfg := filepath.Join(dir, "dlprelay.yaml")
	writeFile(t, cfg, "data_dir: "+data+"\ncustomers:\n  file: "+sharedTestdata(t, "testdata/customers.csv")+`
policy:
  history:
    hash_ids: false
  rules:
    - name: window
      min_records: 5
      window: 24h
      action: quarantine
    - name: any
      min_records: 1
      action: flag
`)
	if err := os.MkdirAll(data, 0o700); err != nil {
		t.Fatal(err)
	}
	h, err := history.Open(filepath.Join(data, "history.db"))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if err := h.Add(context.Background(), "a@corp.test", []history.Entry{{Key: "C0010", At: now}, {Key: "C0011", At: now}}); err != nil {
		t.Fatal(err)
	}
	h.Close()
	var files []string
	for i, rows := range []string{"山田 太郎 03-1234-5678\r\n佐藤 花子 090-1111-2222", "鈴木 一郎 06-2345-6789\r\n高橋 美咲 080-3333-4444"} {
		f := filepath.Join(dir, fmt.Sprintf("m%d.eml", i))
		writeFile(t, f, "From: a@corp.test\r\nSubject: x\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"+rows+"\r\n")
		files = append(files, f)
	}
	var out, errb bytes.Buffer
	if code := run(append([]string{"scan", "-json", "-config", cfg, "-history", "-sender", "a@corp.test"}, files...), &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	dec := json.NewDecoder(&out)
	for i := range files {
		var rep scanReport
		if err := dec.Decode(&rep); err != nil {
			t.Fatal(err)
		}
		// 2 in the history + 2 in the message: under 5.
		if rep.Verdict != "flag" {
			t.Errorf("file %d: %s (%s), want flag: %+v", i+1, rep.Verdict, rep.Rule, rep.Fired)
		}
	}
}
