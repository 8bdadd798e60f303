package smtpd

import (
	"strings"
	"testing"
)

func TestTagSubject(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, tag, in, want string
	}{
		{"plain", "[DLP]", "From: a\r\nSubject: hello\r\n\r\nbody\r\n", "From: a\r\nSubject: [DLP] hello\r\n\r\nbody\r\n"},
		{"folded value keeps its folding", "[DLP]", "Subject: a\r\n b\r\nTo: c\r\n\r\nx", "Subject: [DLP] a\r\n b\r\nTo: c\r\n\r\nx"},
		{"encoded word", "[DLP]", "Subject: =?UTF-8?B?5pel5pys?=\r\n\r\n", "Subject: [DLP] =?UTF-8?B?5pel5pys?=\r\n\r\n"},
		{"case and space before colon", "[DLP]", "SUBJECT : x\r\n\r\n", "SUBJECT : [DLP] x\r\n\r\n"},
		{"empty subject", "[DLP]", "Subject:\r\n\r\n", "Subject: [DLP]\r\n\r\n"},
		{"no subject: added at the end of the header", "[DLP]", "From: a\r\n\r\nSubject: in the body\r\n", "From: a\r\nSubject: [DLP]\r\n\r\nSubject: in the body\r\n"},
		{"only the first", "[DLP]", "Subject: one\r\nSubject: two\r\n\r\n", "Subject: [DLP] one\r\nSubject: two\r\n\r\n"},
		{"a header that starts like subject", "[DLP]", "Subjectivity: no\r\nSubject: yes\r\n\r\n", "Subjectivity: no\r\nSubject: [DLP] yes\r\n\r\n"},
		{"non-ASCII tag is encoded", "[要確認]", "Subject: x\r\n\r\n", "Subject: =?utf-8?q?[=E8=A6=81=E7=A2=BA=E8=AA=8D]?= x\r\n\r\n"},
		{"a subject word in the body is untouched", "[DLP]", "To: a\r\n\r\nSubject: x\r\n", "To: a\r\nSubject: [DLP]\r\n\r\nSubject: x\r\n"},
	}
	for _, tt := range tests {
		var b strings.Builder
		if _, err := cleanHeader(&b, strings.NewReader(tt.in), tt.tag); err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if b.String() != tt.want {
			t.Errorf("%s:\n got %q\nwant %q", tt.name, b.String(), tt.want)
		}
	}
	// A header line longer than the read buffer is copied through whole.
	long := "X-Long: " + strings.Repeat("a", 10000) + "\r\nSubject: s\r\n\r\nb"
	var b strings.Builder
	if _, err := cleanHeader(&b, strings.NewReader(long), "[T]"); err != nil {
		t.Fatal(err)
	}
	if want := strings.Replace(long, "Subject: s", "Subject: [T] s", 1); b.String() != want {
		t.Errorf("long header line mangled")
	}
}
