package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dlprelay/dlprelay/relay/relaytest"
)

// documentCases are office files the readers of issue 13 read, each sent
// as an attachment: disposition is what `scan -json` must say of the
// attachment's part (1.2) — the reader that handled it — and inner a part
// below it that only that reader can have handed out.
var documentCases = []struct {
	name, file, contentType string
	disposition, inner      string
}{
	{"xls", "detect/xls/testdata/book.xls", "application/vnd.ms-excel",
		"document/xls", "1.2/Hidden (hidden)"},
	{"doc", "detect/doc/testdata/letter.doc", "application/msword",
		"document/doc", "1.2/footnotes"},
	{"ppt", "detect/ppt/testdata/object.ppt", "application/vnd.ms-powerpoint",
		"document/ppt", "1.2/object 1/顧客"},
	{"msg", "detect/msg/testdata/04-embedded-message.msg", "application/vnd.ms-outlook",
		"document/msg", "1.2/attachment 1 (message)/attachment/customers.csv"},
	{"winmail.dat", "detect/tnef/testdata/02-japanese.tnef", "application/ms-tnef",
		"document/tnef", "1.2/attachment/顧客一覧.csv"},
	{"rtf", "detect/rtf/testdata/01-libreoffice.rtf", "application/rtf",
		"document/rtf", "1.2/body"},
}

// documentMessage is a message from sales@dlprelay.example with file
// attached as name, base64, of the declared type.
func documentMessage(t *testing.T, name, contentType, file string) []byte {
	t.Helper()
	data, err := os.ReadFile(sharedTestdata(t, file))
	if err != nil {
		t.Fatal(err)
	}
	enc := base64.StdEncoding.EncodeToString(data)
	var b strings.Builder
	fmt.Fprintf(&b, "From: sales@dlprelay.example\r\nTo: partner@outside.example\r\nSubject: the file\r\n"+
		"Message-ID: <%s@dlprelay.example>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"+
		"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nAs attached.\r\n"+
		"--b\r\nContent-Type: %s\r\nContent-Disposition: attachment; filename=%q\r\nContent-Transfer-Encoding: base64\r\n\r\n",
		strings.NewReplacer(".", "-", " ", "-").Replace(name), contentType, filepath.Base(file))
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n--b--\r\n")
	return []byte(b.String())
}

// TestDocumentsEndToEnd: each document format is read end to end. Through
// a real SMTP session a relay process (one customer record is enough to
// hold a message) holds the message with the records the attachment
// carries, and `dlprelay scan -json` of the same message names the reader
// of the attachment's part and the parts only that reader hands out.
func TestDocumentsEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildDlprelayBinary(t)
	up := relaytest.NewUpstream(t)
	customers := sharedTestdata(t, "testdata/customers.csv")
	dir := t.TempDir()
	cfg := filepath.Join(dir, "dlprelay.yaml")
	writeFile(t, cfg, "customers:\n  file: "+customers+"\npolicy:\n  rules:\n"+
		"    - name: any-record\n      min_records: 1\n      action: quarantine\n")
	data := filepath.Join(dir, "data")
	p := startDlprelayWith(t, bin, procOptions{upstream: up.Addr, customers: customers, config: cfg, data: data})

	for _, tc := range documentCases {
		t.Run(tc.name, func(t *testing.T) {
			msg := documentMessage(t, tc.name, tc.contentType, tc.file)
			eml := filepath.Join(t.TempDir(), "m.eml")
			writeFile(t, eml, string(msg))

			var out, errb bytes.Buffer
			if code := run([]string{"scan", "-json", "-config", cfg, eml}, &out, &errb); code != 0 {
				t.Fatalf("scan: exit %d: %s", code, errb.String())
			}
			var rep scanReport
			if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
				t.Fatal(err)
			}
			parts := map[string]string{}
			for _, pt := range rep.Parts {
				parts[pt.Path] = string(pt.Disposition) + "/" + pt.Kind
			}
			if parts["1.2"] != tc.disposition {
				t.Errorf("part 1.2 is %q, want %q; parts %v", parts["1.2"], tc.disposition, parts)
			}
			if _, ok := parts[tc.inner]; !ok {
				t.Errorf("no part %q; parts %v", tc.inner, parts)
			}
			var want []string
			for _, r := range rep.Records {
				want = append(want, r.ID)
			}
			if len(want) == 0 {
				t.Fatalf("scan found no record in the %s", tc.name)
			}

			before := len(heldEntries(t, data))
			if err := sendPlain(p.listen, "sales@dlprelay.example", "partner@outside.example", msg); err != nil {
				t.Fatalf("sending: %v", err)
			}
			held := heldEntries(t, data)
			if len(held) != before+1 {
				t.Fatalf("%d entries held after sending, want %d; log:\n%s", len(held), before+1, tailLines(p.output(), 10))
			}
			e := held[len(held)-1]
			for _, h := range held {
				if h.Received.After(e.Received) {
					e = h
				}
			}
			got := slices.Clone(e.RecordIDs)
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("held with records %v, scan found %v", got, want)
			}
		})
	}
	if n := len(up.Messages()); n != 0 {
		t.Errorf("the upstream got %d messages; every one carried customer records", n)
	}
}
