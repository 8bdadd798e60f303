package config

import (
	"strings"
	"testing"
)

// TestSubjectTagLineBreaksRefused: the subject tag goes into the Subject of
// flagged mail, so a tag that could end the header line (CR, LF, NEL, or
// any other control character) and start a forged field is refused by
// name; a printable one, non-ASCII included, is accepted.
func TestSubjectTagLineBreaksRefused(t *testing.T) {
	t.Parallel()
	for _, tag := range []string{`[DLP]\r\nX-DLP-Verdict: pass`, `[DLP]\nBcc: x@evil.example`, `[DLP]\r`, `a\u0085b`, `a\x00b`, `\x1b[31m`} {
		_, err := Parse([]byte(minimal+"policy:\n  subject_tag: \""+tag+"\"\n"), "p.yaml")
		if err == nil || !strings.Contains(err.Error(), "policy.subject_tag") {
			t.Errorf("subject_tag %q: err %v, want one naming policy.subject_tag", tag, err)
		}
	}
	for _, tag := range []string{"[DLP]", "[要確認]", "[SECURE: check]"} {
		c, err := Parse([]byte(minimal+"policy:\n  subject_tag: \""+tag+"\"\n"), "p.yaml")
		if err != nil {
			t.Errorf("subject_tag %q: %v", tag, err)
		} else if c.Policy.SubjectTag != tag {
			t.Errorf("subject_tag %q read as %q", tag, c.Policy.SubjectTag)
		}
	}
}
