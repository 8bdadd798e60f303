package smtpd

import (
	"context"
	"io"
	"regexp"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/dlprelay/dlprelay/policy"
)

func TestCleanHeaderRemovesForgedDLPFields(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, tag, in, want string
		removed             int
	}{
		{"none", "", cleanMsg, cleanMsg, 0},
		{"one", "", "X-DLP-Verdict: pass\r\nFrom: a\r\n\r\nbody\r\n", "From: a\r\n\r\nbody\r\n", 1},
		{"all seven, mixed case",
			"", "x-dlp-verdict: pass\r\nX-Dlp-Scan-Id: 1\r\nFrom: a\r\nX-DLP-RECORDS: 0\r\nX-dlp-rules: none\r\nX-DLP-Reasons: none\r\nX-DLP-Monitor: would=pass\r\nX-DLP-Released: release-id=x\r\nTo: b\r\n\r\nbody\r\n",
			"From: a\r\nTo: b\r\n\r\nbody\r\n", 7},
		{"folded, with its continuation lines", "",
			"From: a\r\nX-DLP-Verdict: pass;\r\n\tscan-id=1\r\n  more\r\nSubject: s\r\n folded subject\r\n\r\nb\r\n",
			"From: a\r\nSubject: s\r\n folded subject\r\n\r\nb\r\n", 1},
		{"space before the colon", "", "X-DLP-Verdict : pass\r\nFrom: a\r\n\r\n", "From: a\r\n\r\n", 1},
		{"other X- headers stay", "", "X-DLPX: keep\r\nX-DL-Verdict: keep\r\nX-Mailer-X-DLP-Verdict: keep\r\n\r\n",
			"X-DLPX: keep\r\nX-DL-Verdict: keep\r\nX-Mailer-X-DLP-Verdict: keep\r\n\r\n", 0},
		{"at the end of the header section", "", "From: a\r\nX-DLP-Verdict: pass\r\n\r\nbody\r\n", "From: a\r\n\r\nbody\r\n", 1},
		{"last line of a message with no body", "", "From: a\r\nX-DLP-Verdict: pass\r\n", "From: a\r\n", 1},
		{"last line without CRLF", "", "From: a\r\nX-DLP-Verdict: pass", "From: a\r\n", 1},
		{"in the body: untouched", "", "From: a\r\n\r\nX-DLP-Verdict: pass\r\n\r\nX-DLP-Rules: x\r\n",
			"From: a\r\n\r\nX-DLP-Verdict: pass\r\n\r\nX-DLP-Rules: x\r\n", 0},
		{"no header section: untouched", "", "\r\nX-DLP-Verdict: pass\r\n", "\r\nX-DLP-Verdict: pass\r\n", 0},
		{"after a line that is not a field", "", "From: a\r\nnot a field\r\nX-DLP-Verdict: pass\r\n\r\nb",
			"From: a\r\nnot a field\r\n\r\nb", 1},
		{"bare LF line ends (normalization off upstream of here)", "", "X-DLP-Verdict: pass\nFrom: a\n\nX-DLP-Verdict: body\n",
			"From: a\n\nX-DLP-Verdict: body\n", 1},
		{"with a subject tag", "[DLP]", "X-DLP-Verdict: pass\r\nSubject: hi\r\nX-DLP-Rules: none\r\n\r\nb",
			"Subject: [DLP] hi\r\n\r\nb", 2},
		{"a forged Subject-looking continuation is not a Subject", "[DLP]", "X-DLP-Verdict: pass\r\n Subject: no\r\n\r\n",
			"Subject: [DLP]\r\n\r\n", 1},
		{"tag added when the last header line has no CRLF", "[DLP]", "From: a", "From: a\r\nSubject: [DLP]\r\n", 0},
	}
	for _, tt := range tests {
		var b strings.Builder
		n, err := cleanHeader(&b, strings.NewReader(tt.in), tt.tag)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if b.String() != tt.want || n != tt.removed {
			t.Errorf("%s:\n got %q (%d removed)\nwant %q (%d removed)", tt.name, b.String(), n, tt.want, tt.removed)
		}
		// Reading one byte at a time gives the same result.
		b.Reset()
		if n, err := cleanHeader(&b, iotest.OneByteReader(strings.NewReader(tt.in)), tt.tag); err != nil || b.String() != tt.want || n != tt.removed {
			t.Errorf("%s, one byte at a time: %q (%d removed), %v", tt.name, b.String(), n, err)
		}
	}

	// A forged field longer than the read buffer goes whole, continuation
	// included; a long kept field is copied whole.
	long := strings.Repeat("a", 10000)
	in := "X-Keep: " + long + "\r\nX-DLP-Verdict: " + long + "\r\n " + long + "\r\nSubject: s\r\n\r\n" + long
	var b strings.Builder
	n, err := cleanHeader(&b, strings.NewReader(in), "")
	if want := "X-Keep: " + long + "\r\nSubject: s\r\n\r\n" + long; err != nil || n != 1 || b.String() != want {
		t.Errorf("long lines: %d removed, %v, output of %d bytes, want %d", n, err, b.Len(), len(want))
	}
}

func TestCleanReader(t *testing.T) {
	t.Parallel()
	r, removed := cleanReader(strings.NewReader("X-DLP-Verdict: pass\r\nFrom: a\r\n\r\nb"))
	got, err := io.ReadAll(r)
	r.Close()
	if err != nil || string(got) != "From: a\r\n\r\nb" || <-removed != 1 {
		t.Fatalf("got %q, %v", got, err)
	}
	// Closing early ends the copy: the count still arrives.
	r, removed = cleanReader(strings.NewReader(strings.Repeat("X-DLP-A: 1\r\nFrom: a\r\n", 100000)))
	buf := make([]byte, 10)
	io.ReadFull(r, buf)
	r.Close()
	<-removed
}

// TestForgedDLPHeadersNeverArrive sends a flagged message that already
// claims "X-DLP-Verdict: pass" (and other forged X-DLP fields) in several
// spellings: the upstream gets each X-DLP field once, the relay's own.
func TestForgedDLPHeadersNeverArrive(t *testing.T) {
	t.Parallel()
	r := startRelay(t)
	c := greet(t, r.addr)
	forged := "X-DLP-Verdict: pass\r\nx-dlp-verdict: pass\r\nX-DLP-Scan-ID: 1\r\nX-DLP-Records: 0\r\nX-DLP-Rules:\r\n none\r\nX-DLP-Released: release-id=x; by=alice\r\n"
	body := forged + "X-Test-Verdict: flag\r\nSubject: rows\r\n\r\nX-DLP-Verdict: pass (in the body)\r\n"
	if got := c.sendMail("a@corp.test", []string{"b@example.test"}, body); !strings.HasPrefix(got, "250 2.0.0") {
		t.Fatalf("DATA reply %q", got)
	}
	msgs := r.up.Messages()
	if len(msgs) != 1 {
		t.Fatalf("upstream got %d messages", len(msgs))
	}
	rest := stripTrace(t, msgs[0].Data)
	want := regexp.MustCompile(`^X-DLP-Verdict: flag\r\nX-DLP-Records: 1\r\nX-DLP-Rules: records-flag\r\nX-DLP-Reasons: records\r\n` +
		`X-Test-Verdict: flag\r\nSubject: rows\r\n\r\nX-DLP-Verdict: pass \(in the body\)\r\n$`)
	if !want.Match(rest) {
		t.Fatalf("forwarded:\n%q", rest)
	}
	if n := strings.Count(strings.ToLower(string(rest)), "x-dlp-verdict:"); n != 2 { // ours, and the body line
		t.Errorf("X-DLP-Verdict appears %d times", n)
	}

	// The quarantine holds the message without the forged fields too, so a
	// release cannot carry them out.
	c.sendMail("a@corp.test", []string{"b@example.test"}, forged+"X-Test-Verdict: quarantine\r\nSubject: q\r\n\r\nrows\r\n")
	ids := r.quarantined(t)
	if len(ids) != 1 {
		t.Fatalf("quarantine has %d entries", len(ids))
	}
	rc, err := r.q.Open(context.Background(), ids[0])
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	stored, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	if string(stored) != "X-Test-Verdict: quarantine\r\nSubject: q\r\n\r\nrows\r\n" {
		t.Errorf("quarantined message:\n%q", stored)
	}
}

// FuzzCleanHeader: without a tag, the output is the input with whole lines
// left out, and no line of its header section starts an X-DLP- field; with
// any tag, the tag as written holds no CR, LF or other control character
// (a tab is white space inside the value).
func FuzzCleanHeader(f *testing.F) {
	f.Add("X-DLP-Verdict: pass\r\n folded\r\nSubject: s\r\n\r\nX-DLP-Verdict: body\r\n", "[DLP]")
	f.Add("x-dlp-a: 1\nFrom: a\n\n", "a\r\nX-DLP-Verdict: pass")
	f.Add("\r\nX-DLP-A: 1", "[要確認]\n")
	f.Add("From: a", "\r")
	f.Fuzz(func(t *testing.T, msg, tag string) {
		var b strings.Builder
		if _, err := cleanHeader(&b, strings.NewReader(msg), ""); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		in := strings.SplitAfter(msg, "\n")
		inHeader := true
		for line := range strings.SplitAfterSeq(out, "\n") {
			if line == "" {
				continue
			}
			for len(in) > 0 && in[0] != line {
				in = in[1:]
			}
			if len(in) == 0 {
				t.Fatalf("output line %q is not an input line in order; in %q out %q", line, msg, out)
			}
			in = in[1:]
			if strings.TrimRight(line, "\r\n") == "" {
				inHeader = false
			}
			if inHeader && hasPrefixFold([]byte(line), dlpHeaderPrefix) {
				t.Fatalf("X-DLP- field left in: in %q out %q", msg, out)
			}
		}
		if enc := encodeTag(tag); strings.ContainsFunc(enc, func(r rune) bool { return r < 0x20 && r != '\t' || r == 0x7f }) {
			t.Fatalf("tag %q written as %q", tag, enc)
		}
		b.Reset()
		if _, err := cleanHeader(&b, strings.NewReader(msg), tag); err != nil {
			t.Fatal(err)
		}
	})
}

// FuzzDLPHeaders: whatever a verdict's rule names and reasons hold, the
// X-DLP-* fields are whole lines of printable ASCII; without details there
// is only X-DLP-Scan-ID.
func FuzzDLPHeaders(f *testing.F) {
	f.Add("records-flag", "records", "watch", "id", true)
	f.Add("r\r\nX-DLP-Verdict: pass", "x\ny", "w\rz", "1\r\n2", true)
	f.Add("records-flag", "watchlist", "watch", "id", false)
	line := regexp.MustCompile(`^X-DLP-(Verdict|Scan-ID|Records|Rules|Reasons|Monitor): [\x20-\x7e]*\r\n$`)
	f.Fuzz(func(t *testing.T, rule, reason, wouldRule, id string, details bool) {
		v := policy.Verdict{Action: policy.Flag, Would: policy.Quarantine, WouldRule: wouldRule, Records: 2, Details: details,
			Fired: []policy.Fired{{Rule: rule, Action: policy.Flag, Reasons: []policy.Reason{policy.Reason(reason)}},
				{Rule: wouldRule, Action: policy.Quarantine, Monitor: true}},
			Reasons: []policy.Reason{policy.Reason(reason)}}
		var b strings.Builder
		writeDLPHeaders(&b, v, id)
		lines := strings.SplitAfter(b.String(), "\r\n")
		want := 1
		if details {
			want = 6
		}
		if len(lines) != want+1 || lines[want] != "" {
			t.Fatalf("want %d lines: %q", want, b.String())
		}
		if !strings.HasPrefix(lines[0], "X-DLP-Scan-ID: ") {
			t.Fatalf("first line %q, want X-DLP-Scan-ID", lines[0])
		}
		for _, l := range lines[:want] {
			if !line.MatchString(l) {
				t.Fatalf("bad header line %q", l)
			}
		}
	})
}

// TestDLPHeadersReasonsAreEnforced: X-DLP-Reasons lists the reasons of the
// rules X-DLP-Rules lists, the enforced ones; a monitor rule's reasons
// are not there (X-DLP-Monitor names that rule).
func TestDLPHeadersReasonsAreEnforced(t *testing.T) {
	t.Parallel()
	v := policy.Verdict{Action: policy.Flag, Would: policy.Quarantine, WouldRule: "leaver-watch", Records: 1, Details: true,
		Fired: []policy.Fired{
			{Rule: "records-flag", Action: policy.Flag, Reasons: []policy.Reason{policy.ReasonRecords}},
			{Rule: "leaver-watch", Action: policy.Quarantine, Monitor: true, Reasons: []policy.Reason{policy.ReasonWatchlist, policy.ReasonRecipient}},
			{Rule: "attach-flag", Action: policy.Flag, Reasons: []policy.Reason{policy.ReasonAttachment, policy.ReasonRecords}},
		},
		Reasons: []policy.Reason{policy.ReasonRecords, policy.ReasonWatchlist, policy.ReasonRecipient, policy.ReasonAttachment}}
	var b strings.Builder
	writeDLPHeaders(&b, v, "id1")
	want := "X-DLP-Scan-ID: id1\r\nX-DLP-Verdict: flag\r\nX-DLP-Records: 1\r\nX-DLP-Rules: records-flag, attach-flag\r\n" +
		"X-DLP-Reasons: records, attachment\r\nX-DLP-Monitor: would=quarantine; rule=leaver-watch; scan-id=id1\r\n"
	if b.String() != want {
		t.Errorf("headers\n got %q\nwant %q", b.String(), want)
	}
}

// TestSubjectTagCannotBreakHeader: even a tag with CR LF that config would
// refuse cannot add a header field to a flagged message: it is written as
// an encoded word.
func TestSubjectTagCannotBreakHeader(t *testing.T) {
	t.Parallel()
	r := startRelay(t, func(_ *Options, l *Live) { l.SubjectTag = "[DLP]\r\nBcc: x@evil.example" })
	c := greet(t, r.addr)
	if got := c.sendMail("a@corp.test", []string{"b@example.test"}, "X-Test-Verdict: flag\r\nSubject: rows\r\n\r\nb\r\n"); !strings.HasPrefix(got, "250 ") {
		t.Fatalf("DATA reply %q", got)
	}
	msgs := r.up.Messages()
	if len(msgs) != 1 {
		t.Fatalf("upstream got %d messages", len(msgs))
	}
	if !strings.Contains(string(msgs[0].Data), "\r\nSubject: =?utf-8?q?[DLP]=0D=0ABcc:_x@evil.example?= rows\r\n\r\nb\r\n") ||
		strings.Contains(string(msgs[0].Data), "\nBcc:") {
		t.Fatalf("forwarded:\n%q", msgs[0].Data)
	}
}
