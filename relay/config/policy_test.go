package config

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dlprelay/dlprelay/policy"
)

const minimal = "customers:\n  file: c.csv\n"

func TestPolicyRulesParse(t *testing.T) {
	t.Parallel()
	c, err := Parse([]byte(minimal+`policy:
  internal_domains: [example.co.jp]
  watchlist:
    file: leavers.csv
  rules:
    - name: leaver-window
      sender: watchlist
      recipients: [freemail, partner]
      min_records: 20
      window: 168h
      confidence: high
      action: quarantine
    - name: flag-all
      min_records: 1
      action: flag
      monitor: true
`), "p.yaml")
	if err != nil {
		t.Fatal(err)
	}
	got := c.Policy.PolicyRules()
	if len(got) != 2 {
		t.Fatalf("rules = %+v", got)
	}
	w := got[0]
	if w.Name != "leaver-window" || w.Sender != "watchlist" || w.Window != 168*time.Hour || w.MinRecords != 20 ||
		w.Confidence != "high" || w.Action != policy.Quarantine || strings.Join(w.Recipients, ",") != "freemail,partner" {
		t.Errorf("rule 0 = %+v", w)
	}
	if !got[1].Monitor || got[1].Action != policy.Flag {
		t.Errorf("rule 1 = %+v", got[1])
	}
}

func TestPolicyErrorsNameTheRule(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		yaml string
		want []string
	}{
		{"bad action", `policy:
  rules:
    - name: r1
      action: drop
`, []string{`p.yaml:6: policy.rules[0].action: rule "r1": is "drop"`}},
		{"bad window", `policy:
  rules:
    - name: r1
      window: 24h
      action: flag
`, []string{`p.yaml:6: policy.rules[0].window: rule "r1": is set but min_records is 0`}},
		{"duplicate names", `policy:
  rules:
    - name: r1
      action: flag
    - name: r1
      action: pass
`, []string{`p.yaml:7: policy.rules[1].name: rule "r1": is also the name of rules[0]`}},
		{"unknown field in a rule", `policy:
  rules:
    - name: r1
      min_record: 3
      action: flag
`, []string{`p.yaml:6: policy.rules[0].min_record: unknown field "min_record"; did you mean "min_records"?`}},
		{"watchlist rule without a watchlist", `policy:
  rules:
    - name: leaver
      sender: watchlist
      action: flag
`, []string{`p.yaml:6: policy.rules[0].sender: rule "leaver" is for watchlisted senders but policy.watchlist.file is not set`}},
		{"notify without from and officers", `policy:
  rules:
    - name: r
      min_records: 1
      action: quarantine
      notify: [officers]
`, []string{"policy.notify.from (not set): required when a rule notifies", "policy.notify.officers (not set): is empty but a rule notifies officers"}},
		{"empty rules", `policy:
  rules: []
`, []string{"p.yaml:4: policy.rules: is empty"}},
		{"domains and numbers", `policy:
  internal_domains: [example.co.jp, "not a domain"]
  company_mobile_numbers: [phone]
  watchlist:
    time_zone: Mars/Olympus
  subject_tag: "a\tb"
`, []string{"policy.internal_domains[1]", "policy.company_mobile_numbers[0]", "policy.watchlist.time_zone", "policy.subject_tag"}},
		{"header details", `policy:
  headers:
    details_to: [internal, internl, "journal@", "not a domain", journal@archive.example, archive.example]
`, []string{`p.yaml:5: policy.headers.details_to[1]: is "internl"; want a recipient class (internal, partner, freemail, external, outside, any), a domain`,
			`policy.headers.details_to[2]: is "journal@"; want an address`, `policy.headers.details_to[3]: is "not a domain"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse([]byte(minimal+tt.yaml), "p.yaml")
			if err == nil {
				t.Fatal("Parse succeeded")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error\n%v\ndoes not contain %q", err, w)
				}
			}
		})
	}
}

func TestRulesFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	rules := filepath.Join(dir, "rules.yaml")
	write := func(s string) {
		if err := os.WriteFile(rules, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	main := minimal + "policy:\n  rules_file: " + rules + "\n"

	write("rules:\n  - name: from-file\n    min_records: 2\n    action: quarantine\n")
	c, err := Parse([]byte(main), "p.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Policy.Rules) != 1 || c.Policy.Rules[0].Name != "from-file" {
		t.Errorf("rules = %+v", c.Policy.Rules)
	}

	// Errors in the rules file name that file and its line.
	write("rules:\n  - name: ok\n    action: flag\n  - name: bad\n    action: explode\n")
	_, err = Parse([]byte(main), "p.yaml")
	if err == nil || !strings.Contains(err.Error(), rules+`:5: policy.rules[1].action: rule "bad": is "explode"`) {
		t.Errorf("err = %v", err)
	}
	write("rules:\n  - name: ok\n    actoin: flag\n")
	_, err = Parse([]byte(main), "p.yaml")
	if err == nil || !strings.Contains(err.Error(), rules+`:3: policy.rules[0].actoin: unknown field`) {
		t.Errorf("err = %v", err)
	}
	write("- name: x\n")
	if _, err = Parse([]byte(main), "p.yaml"); err == nil {
		t.Error("a rules file that is a bare list was accepted")
	}

	// Not both, and the file must exist.
	_, err = Parse([]byte(main+"  rules:\n    - name: inline\n      action: flag\n"), "p.yaml")
	if err == nil || !strings.Contains(err.Error(), "keep the rules in one place") {
		t.Errorf("err = %v", err)
	}
	_, err = Parse([]byte(minimal+"policy:\n  rules_file: "+filepath.Join(dir, "missing.yaml")+"\n"), "p.yaml")
	if err == nil || !strings.Contains(err.Error(), "p.yaml:4: policy.rules_file") {
		t.Errorf("err = %v", err)
	}
}

// TestCompanyExample checks that configs/company-jp.yaml, the realistic
// policy the README points at, is valid.
func TestCompanyExample(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("../../configs/company-jp.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c, err := Parse(data, "company-jp.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Policy.Rules) < 10 || c.Policy.Watchlist.File == "" || len(c.Policy.Notify.Officers) == 0 {
		t.Errorf("the example lost its policy: %+v", c.Policy)
	}
}

// TestHeaderDetailsTo: policy.headers.details_to defaults to the internal
// class; [] gives the details to no one; the list reaches the policy.
func TestHeaderDetailsTo(t *testing.T) {
	t.Parallel()
	c, err := Parse([]byte(minimal), "p.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Policy.Headers.DetailsTo; !slices.Equal(got, []string{"internal"}) {
		t.Errorf("default details_to %q, want [internal]", got)
	}
	c, err = Parse([]byte(minimal+"policy:\n  headers:\n    details_to: []\n"), "p.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Policy.Headers.DetailsTo; got == nil || len(got) != 0 {
		t.Errorf("details_to: [] read as %#v, want empty", got)
	}
	c, err = Parse([]byte(minimal+"policy:\n  headers:\n    details_to: [any, j@archive.example, archive.example]\n"), "p.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Policy.Headers.DetailsTo; !slices.Equal(got, []string{"any", "j@archive.example", "archive.example"}) {
		t.Errorf("details_to read as %q", got)
	}
}
