package extract

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

func addressStrings(rep *Report) []string {
	out := []string{}
	for _, a := range rep.Addresses {
		out = append(out, fmt.Sprintf("%s|%s|%s", a.Header, a.Name, a.Addr))
	}
	return out
}

func TestAddresses(t *testing.T) {
	segs, rep := walk(t, `From: =?ISO-2022-JP?B?GyRCMUQ2SEl0GyhC?= <Sales@Corp.Example>
Sender: mailer@corp.example
Reply-To: =?utf-8?q?=E7=94=B0=E6=9D=91?= <tamura.ken@gmail.com>
To: "Lee, Ann" <ann@example.com>, team: a@example.com, b@example.com;
To: second-field@example.com
Cc: =?cp932?B?j6yW7CCQvQ==?= <ono@example.jp>, =?x-unknown-label?B?j6yW7CCQvQ==?= <u@example.jp>
Bcc: hidden@corp.example
Subject: s
Content-Type: multipart/mixed; boundary=B

--B

body
--B
Content-Type: message/rfc822

From: Inner <inner@example.net>
To: inner-to@example.net

inner body
--B--
`, Limits{})
	want := []string{
		"from|営業部|sales@corp.example",
		"sender||mailer@corp.example",
		"reply-to|田村|tamura.ken@gmail.com",
		"to|Lee, Ann|ann@example.com",
		"to||a@example.com",
		"to||b@example.com",
		"to||second-field@example.com",
		"cc|小野 誠|ono@example.jp",
		"cc|小野 誠|u@example.jp", // an unknown label: the charset is guessed
	}
	if got := addressStrings(rep); !slices.Equal(got, want) {
		t.Errorf("addresses:\n got %q\nwant %q", got, want)
	}
	// The header segment has every field, the names decoded alike.
	if got, want := textOf(segs, "1.header"), "From: 営業部 <Sales@Corp.Example>\nSender: mailer@corp.example\nReply-To: 田村 <tamura.ken@gmail.com>\n"+
		"To: \"Lee, Ann\" <ann@example.com>, team: a@example.com, b@example.com;\nTo: second-field@example.com\n"+
		"Cc: 小野 誠 <ono@example.jp>, 小野 誠 <u@example.jp>\nBcc: hidden@corp.example\nSubject: s\nContent-Type: multipart/mixed; boundary=B\n"; got != want {
		t.Errorf("header text = %q, want %q", got, want)
	}
	if got := textOf(segs, "1.2.1.header"); got != "From: Inner <inner@example.net>\nTo: inner-to@example.net\n" {
		t.Errorf("inner header text = %q", got)
	}
}

// TestAddressesMalformed checks that a field that does not parse keeps the
// mailboxes that can be read, and that its text is still scanned.
func TestAddressesMalformed(t *testing.T) {
	segs, rep := walk(t, "From: Broken Name <broken@example.com\n"+
		"To: ok@example.com, <<>>, \"Quoted, Name\" <q@example.com>, no-at-sign, Bad Name bad@example.com, \x8eR\x93c <sjis@example.jp>\n"+
		"Cc: =?utf-8?B?5bGx55Sw?= <yamada@example.jp>, (comment, with comma) c@example.com, @, x@\n"+
		"\nbody\n", Limits{})
	want := []string{
		"from|Broken Name|broken@example.com",
		"to||ok@example.com",
		"to|Quoted, Name|q@example.com",
		"to|Bad Name|bad@example.com",
		"to|山田|sjis@example.jp", // raw Shift_JIS, guessed
		"cc|山田|yamada@example.jp",
		"cc||c@example.com",
	}
	if got := addressStrings(rep); !slices.Equal(got, want) {
		t.Errorf("addresses:\n got %q\nwant %q", got, want)
	}
	if got := textOf(segs, "1.header"); !strings.Contains(got, "Broken Name") || !strings.Contains(got, "山田 <sjis@example.jp>") || !strings.Contains(got, "broken@") {
		t.Errorf("header text = %q", got)
	}
	if len(rep.Parts) != 1 || rep.Parts[0].Note != "" {
		t.Errorf("parts = %+v", rep.Parts)
	}
}

func TestAddressesLimit(t *testing.T) {
	var b strings.Builder
	b.WriteString("To: ")
	for i := range MaxAddresses + 200 {
		if i > 0 {
			b.WriteString(",\n ")
		}
		fmt.Fprintf(&b, "u%d@example.com", i)
	}
	b.WriteString("\nCc: late@example.com\n\nbody\n")
	_, rep := walk(t, b.String(), Limits{})
	if len(rep.Addresses) != MaxAddresses || rep.Addresses[MaxAddresses-1].Addr != fmt.Sprintf("u%d@example.com", MaxAddresses-1) {
		t.Errorf("%d addresses, last %+v", len(rep.Addresses), rep.Addresses[len(rep.Addresses)-1])
	}
}

func TestAttachmentsCounted(t *testing.T) {
	zip := makeZip(t, 8, "a.txt", "x", "b.txt", "y")
	for _, tc := range []struct {
		name, msg string
		want      int
	}{
		{"plain", "Subject: x\n\nbody\n", 0},
		{"alone, disposition only", "Content-Type: application/octet-stream\nContent-Disposition: attachment\n\nxx\n", 1},
		{"inline with a file name", "Content-Type: multipart/related; boundary=B\n\n--B\nContent-Type: text/html\n\n<p>x</p>\n--B\nContent-Type: image/png; name=logo.png\nContent-Disposition: inline\n\nPNG\n--B--\n", 1},
		{"broken disposition", "Content-Type: multipart/mixed; boundary=B\n\n--B\nContent-Type: application/octet-stream\nContent-Disposition: attachment; filename=a b c.bin; ;\n\nxx\n--B--\n", 1},
		{"inline text, no name", "Content-Type: multipart/mixed; boundary=B\n\n--B\nContent-Disposition: inline\n\ntext\n--B--\n", 0},
		{"multipart with a name", "Content-Type: multipart/mixed; boundary=B; name=x.eml\nContent-Disposition: attachment\n\n--B\n\ntext\n--B--\n", 0},
		{"attached message and its attachment", "Content-Type: multipart/mixed; boundary=B\n\n--B\nContent-Type: message/rfc822; name=fwd.eml\n\nContent-Type: multipart/mixed; boundary=C\n\n--C\n\ninner\n--C\nContent-Disposition: attachment; filename=memo.txt\n\nmemo\n--C--\n--B--\n", 2},
		{"attached message without a name", "Content-Type: multipart/mixed; boundary=B\n\n--B\nContent-Type: message/rfc822\n\nSubject: inner\n\ninner\n--B--\n", 0},
		{"zip members do not count", withAttachments(attachment{name: "a.zip", data: zip}, attachment{name: "c.txt", data: []byte("z")}), 2},
		{"nor a message in a zip", withAttachments(attachment{name: "a.zip", data: makeZip(t, 8, "m.eml", "Content-Type: multipart/mixed; boundary=D\r\n\r\n--D\r\nContent-Disposition: attachment; filename=in.txt\r\n\r\nq\r\n--D--\r\n")}), 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var rep *Report
			if strings.Contains(tc.msg, "\r\n") {
				_, rep = walkRaw(t, tc.msg, Limits{})
			} else {
				_, rep = walk(t, tc.msg, Limits{})
			}
			if rep.Attachments != tc.want {
				t.Errorf("Attachments = %d, want %d (parts %+v)", rep.Attachments, tc.want, rep.Parts)
			}
		})
	}
}

// TestHeaderWordCharsets checks that encoded words in the Subject,
// Content-Description and file names are decoded as bodies are: the
// Japanese aliases that x/text does not know, unknown labels and
// mislabelled text (Shift_JIS labelled ISO-2022-JP) included.
func TestHeaderWordCharsets(t *testing.T) {
	segs, _ := walk(t, `Subject: =?cp932?B?jNqLcYOKg1iDZw==?=
Content-Type: multipart/mixed; boundary=B

--B
Content-Description: =?x-sjis?B?iWOLxg==?=
Content-Type: text/csv; name="=?ISO-2022-JP?B?lryV6y5jc3Y=?="

a,b
--B--
`, Limits{})
	if got := textOf(segs, "1.header"); got != "Subject: 顧客リスト\nContent-Type: multipart/mixed; boundary=B\n" {
		t.Errorf("subject = %q", got)
	}
	if got := textOf(segs, "1.1.header"); got != "Content-Description: 営業\nContent-Type: text/csv; name=\"名簿.csv\"\n名簿.csv\n" {
		t.Errorf("part header text = %q", got)
	}
}
