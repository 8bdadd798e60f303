package textsniff

import (
	"strings"
	"testing"
)

func TestLooksLikeMessage(t *testing.T) {
	received := "Received: from a.example (a.example [192.0.2.1])\r\n\tby b.example; Mon, 5 Jan 2026 09:00:00 +0900\r\n"
	tests := []struct {
		name string
		in   string
		want bool
	}{
		{"fixture", string(fixture(t, "message.eml")), true},
		{"minimal", "From: a@example.jp\r\nTo: b@example.jp\r\n\r\nhi\r\n", true},
		{"lf-only", "Subject: list\nDate: Mon, 5 Jan 2026 09:00:00 +0900\n\nhi\n", true},
		{"lower-case", "from: a@example.jp\nsubject: x\n\n", true},
		{"mbox-from-line", "From a@example.jp Mon Jan  5 09:00:00 2026\nFrom: a@example.jp\nTo: b@example.jp\n\n", true},
		{"received-first", strings.Repeat(received, 3) + "Return-Path: <a@example.jp>\r\n", true},
		{"folded-subject", "Subject: a long\r\n subject\r\nFrom: a@example.jp\r\n", true},
		{"other-fields-first", "X-Mailer: x\r\nX-Priority: 3\r\nDKIM-Signature: v=1;\r\n b=abc\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n", true},
		{"obsolete-blank-before-colon", "Subject : x\r\nFrom : a@example.jp\r\n", true},
		{"bom", "\xef\xbb\xbfFrom: a@example.jp\r\nTo: b@example.jp\r\n", true},
		{"8bit-value", "Subject: \xe9\xa1\xa7\xe5\xae\xa2\r\nFrom: a@example.jp\r\n", true},
		{"cut-after-two", "From: a@example.jp\r\nTo: b@exa", false},

		{"empty", "", false},
		{"one-known-field", "From: a@example.jp\r\n\r\nTo: b@example.jp\r\n", false},
		{"same-field-twice", "Received: a\r\nReceived: b\r\n\r\n", false},
		{"unknown-fields", "X-A: 1\r\nX-B: 2\r\nX-C: 3\r\n\r\n", false},
		{"text-then-fields", "Hello,\r\nFrom: a@example.jp\r\nTo: b@example.jp\r\n", false},
		{"note-with-colons", "To: Bob\nThe list: attached\nFrom: Alice\n", false},
		{"starts-folded", " From: a@example.jp\r\nTo: b@example.jp\r\n", false},
		{"csv", "From,To,Subject\r\na,b,c\r\n", false},
		{"blank-name", ": x\r\nFrom: a\r\nTo: b\r\n", false},
		{"space-in-name", "Sent by: a\r\nFrom: a\r\nTo: b\r\n", false},
		{"nul", "From: a@example.jp\r\nTo: b\x00@example.jp\r\n", false},
		{"mbox-line-only", "From a@example.jp Mon Jan  5 09:00:00 2026", false},
		{"too-far", strings.Repeat("X-Filler: 1\r\n", maxMessageFields) + "From: a\r\nTo: b\r\n", false},
		{"just-in-reach", strings.Repeat("X-Filler: 1\r\n", maxMessageFields-2) + "From: a\r\nTo: b\r\n", true},
	}
	for _, tt := range tests {
		if got := LooksLikeMessage([]byte(tt.in)); got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
}
