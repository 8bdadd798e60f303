package freemail

import (
	"regexp"
	"slices"
	"strings"
	"testing"
)

// label is one DNS label of a host name: letters, digits and inner hyphens.
var label = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?$`)

func TestDomains(t *testing.T) {
	t.Parallel()
	d := Domains()
	if len(d) < 50 {
		t.Fatalf("only %d domains", len(d))
	}
	if !slices.IsSorted(d) {
		t.Error("Domains() is not sorted")
	}
	seen := map[string]bool{}
	for _, s := range builtin {
		if seen[s] {
			t.Errorf("%q is listed twice", s)
		}
		seen[s] = true
	}
	if len(d) != len(builtin) {
		t.Errorf("Domains() has %d entries, the source %d", len(d), len(builtin))
	}
	for _, s := range d {
		labels := strings.Split(s, ".")
		if len(labels) < 2 || len(s) > 253 {
			t.Errorf("%q: want a domain with at least one dot", s)
		}
		for _, l := range labels {
			if !label.MatchString(l) || len(l) > 63 {
				t.Errorf("%q: label %q is not [a-z0-9-]", s, l)
			}
		}
	}
	// A few that a Japanese company will certainly meet.
	for _, want := range []string{"gmail.com", "yahoo.co.jp", "docomo.ne.jp", "ezweb.ne.jp", "au.com", "softbank.ne.jp", "i.softbank.jp", "icloud.com", "outlook.jp"} {
		if !seen[want] {
			t.Errorf("%s is missing", want)
		}
	}
}

func TestDomainsIsACopy(t *testing.T) {
	t.Parallel()
	d := Domains()
	d[0] = "changed.example"
	if Domains()[0] == "changed.example" {
		t.Error("changing the result of Domains changed the list")
	}
}

func TestMatch(t *testing.T) {
	t.Parallel()
	list := []string{"example.com", "Docomo.ne.jp", "ocn.ne.jp.", "", "softbank.ne.jp"}
	tests := []struct {
		domain string
		want   bool
	}{
		{"example.com", true},
		{"EXAMPLE.COM", true},
		{"Example.Com.", true},
		{" example.com ", true},
		{"mail.example.com", true},
		{"a.b.mail.example.com", true},
		{"badexample.com", false},
		{"example.com.evil.test", false},
		{"xample.com", false},
		{"com", false},
		{"docomo.ne.jp", true},  // the list entry's case does not matter
		{"abc.ocn.ne.jp", true}, // nor its trailing dot
		{"t.softbank.ne.jp", true},
		{"i.softbank.jp", false}, // not under softbank.ne.jp
		{"", false},
		{".", false},
		{"@example.com", false},
	}
	for _, tt := range tests {
		if got := Match(tt.domain, list); got != tt.want {
			t.Errorf("Match(%q) = %v, want %v", tt.domain, got, tt.want)
		}
	}
	if Match("example.com", nil) {
		t.Error("Match with a nil list")
	}
	if Match("example.com", []string{""}) || Match("", []string{""}) {
		t.Error("an empty entry matched")
	}
}

func TestMatchBuiltin(t *testing.T) {
	t.Parallel()
	d := Domains()
	tests := []struct {
		domain string
		want   bool
	}{
		{"gmail.com", true},
		{"GMail.com", true},
		{"t.vodafone.ne.jp", true},
		{"biz.au.com", true},
		{"xyz.so-net.ne.jp", true},
		{"example.co.jp", false},
		{"notgmail.com", false},
	}
	for _, tt := range tests {
		if got := Match(tt.domain, d); got != tt.want {
			t.Errorf("Match(%q, Domains()) = %v, want %v", tt.domain, got, tt.want)
		}
	}
}
