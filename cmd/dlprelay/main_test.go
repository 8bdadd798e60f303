package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestCommandLine(t *testing.T) {
	tests := []struct {
		args []string
		code int
		want string // in stdout+stderr
	}{
		{nil, 2, "Commands:"},
		{[]string{"help"}, 0, "check-config"},
		{[]string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{[]string{"version"}, 0, "dlprelay dev"},
		{[]string{"serve", "-h"}, 0, "-upstream host:port"},
		{[]string{"scan", "-h"}, 0, "-rcpt address"},
		{[]string{"check-config", "-h"}, 0, "Validates the configuration"},
		{[]string{"serve", "-bogus"}, 2, "flag provided but not defined: -bogus"},
		{[]string{"scan"}, 2, "Usage: dlprelay scan"},
		{[]string{"check-config", "-customers", "../../testdata/customers.csv"}, 0, "30 records"},
		{[]string{"scan", "-customers", "../../testdata/customers.csv", "../../testdata/mail/02-rows-plain.eml"}, 0, "verdict: quarantine"},
		{[]string{"scan", "-customers", "../../testdata/customers.csv", "-json", "../../testdata/mail/01-clean-plain.eml"}, 0, `"verdict":"pass","would":"pass","fired":[],"watchlisted":false,"classes":["external"]`},
		{[]string{"scan", "-customers", "../../testdata/customers.csv", "-json", "../../testdata/mail/02-rows-plain.eml"}, 0, `"records":[{"id":"C0001","fields":["email","id","name","phone"],"parts":["1"]`},
		{[]string{"scan", "-customers", "../../testdata/customers.csv", "missing.eml"}, 1, "missing.eml"},
		{[]string{"scan", "-customers", "nonexistent.csv", "../../testdata/mail/01-clean-plain.eml"}, 2, "nonexistent.csv"},
		{[]string{"help"}, 0, "quarantine"},
		{[]string{"quarantine"}, 2, "Usage: dlprelay quarantine <command>"},
		{[]string{"quarantine", "help"}, 0, "approve"},
		{[]string{"quarantine", "show"}, 2, "Usage: dlprelay quarantine show"},
		{[]string{"quarantine", "release", "-h"}, 0, "$DLPRELAY_PASSWORD"},
		{[]string{"quarantine", "list", "-h"}, 0, "-min-records n"},
		{[]string{"audit", "verify", "-h"}, 0, "needs no login"},
		{[]string{"audit", "export", "-h"}, 0, "-format format"},
		{[]string{"users", "add", "-h"}, 0, "DLPRELAY_NEW_PASSWORD"},
		{[]string{"users", "frob"}, 2, `unknown command "frob"`},
		{[]string{"users", "list", "-bogus"}, 2, "flag provided but not defined: -bogus"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var out bytes.Buffer
			code := run(tt.args, &out, &out)
			if code != tt.code || !strings.Contains(out.String(), tt.want) {
				t.Errorf("exit %d, want %d; output lacks %q:\n%s", code, tt.code, tt.want, out.String())
			}
			if strings.Contains(out.String(), "taro.yamada") || strings.Contains(out.String(), "03-1234-5678") {
				t.Errorf("output carries a customer value:\n%s", out.String())
			}
		})
	}
}
