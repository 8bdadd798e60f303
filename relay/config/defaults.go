package config

import (
	"os"
	"time"

	"github.com/dlprelay/dlprelay/policy"
)

// mib is 1024*1024 bytes, for writing sizes.
const mib = 1 << 20

// Default returns the configuration with every default applied. Only
// Customers.File, which is required, is left empty. Parse starts from it, so
// a field missing from the file keeps the value set here.
//
// Hostname is the machine's host name, or "localhost" if that is unknown.
func Default() Config {
	return Config{
		Hostname: defaultHostname(),
		DataDir:  "./var",
		SMTP: SMTP{
			Listen:            "127.0.0.1:10025",
			AllowedNetworks:   []string{"127.0.0.0/8", "::1/128"},
			MaxMessageBytes:   50 * mib,
			MaxRecipients:     1000,
			MaxLineLength:     2048,
			MaxDataLineLength: 0,
			ReadTimeout:       5 * time.Minute,
			DataTimeout:       10 * time.Minute,
			WriteTimeout:      5 * time.Minute,
			MaxConnections:    100,
			BareLineEndings:   BareLineEndingsReject,
			DrainTimeout:      30 * time.Second,
		},
		Upstream: Upstream{
			Address:            "127.0.0.1:10026",
			TLS:                UpstreamTLSOpportunistic,
			ConnectTimeout:     30 * time.Second,
			CommandTimeout:     5 * time.Minute,
			DataTimeout:        5 * time.Minute,
			MaxIdleConnections: 4,
			IdleTimeout:        60 * time.Second,
		},
		Customers: Customers{MaxDrop: 50 * PercentPoint},
		Scan: Scan{
			MaxDepth:          20,
			MaxParts:          1000,
			MaxArchiveEntries: 10000,
			MaxArchiveDepth:   5,
			MaxExpansionRatio: 100,
			MaxHeaderBytes:    1 * mib,
			MaxPartBytes:      50 * mib,
			MaxTotalBytes:     200 * mib,
			Timeout:           60 * time.Second,
		},
		Policy: Policy{
			InternalMail:     InternalMailScan,
			BuiltinFreeMail:  true,
			ConfidenceWindow: 200,
			Watchlist:        Watchlist{TimeZone: "Asia/Tokyo"},
			History:          History{HashIDs: true},
			Rules:            RulesFrom(policy.DefaultRules()),
			RejectMessage:    policy.DefaultRejectMessage,
			Headers:          Headers{DetailsTo: []string{string(policy.ClassInternal)}},
		},
		Quarantine: Quarantine{Retention: 30 * 24 * time.Hour},
		Console: Console{
			Enabled:     true,
			FourEyes:    true,
			SessionIdle: 30 * time.Minute,
			SessionMax:  12 * time.Hour,
		},
		Admin: Admin{
			Listen:              "127.0.0.1:8025",
			ReadyUpstreamWithin: 2 * time.Minute,
		},
		Log: Log{
			Level:  "info",
			Format: "text",
		},
	}
}

// Embedded returns the configuration `dlprelay serve` uses without -config:
// the defaults, with the sample customer list testdata/customers.csv, data in
// ./var, SMTP on 127.0.0.1:10025, the upstream at 127.0.0.1:10026 and the
// admin listener on 127.0.0.1:8025. It is meant for trying dlprelay on a
// laptop, and always validates.
func Embedded() *Config {
	c := Default()
	c.Customers.File = "testdata/customers.csv"
	c.DataDir = "./var"
	c.SMTP.Listen = "127.0.0.1:10025"
	c.Upstream.Address = "127.0.0.1:10026"
	c.Admin.Listen = "127.0.0.1:8025"
	return &c
}

func defaultHostname() string {
	if h, err := os.Hostname(); err == nil && h != "" && validHostname(h) {
		return h
	}
	return "localhost"
}

// Values of the string fields that take one of a fixed set.
const (
	BareLineEndingsReject    = "reject"
	BareLineEndingsNormalize = "normalize"

	UpstreamTLSNone          = "none"
	UpstreamTLSOpportunistic = "opportunistic"
	UpstreamTLSRequired      = "required"

	InternalMailScan = "scan"
	InternalMailPass = "pass"
)

// RulesFrom writes policy rules as configuration rules.
func RulesFrom(rules []policy.Rule) []Rule {
	out := make([]Rule, len(rules))
	for i, r := range rules {
		out[i] = Rule{
			Name: r.Name, Sender: r.Sender, Recipients: r.Recipients, MinRecords: r.MinRecords,
			Confidence: r.Confidence, Window: r.Window, Attachments: r.Attachments, Unscannable: r.Unscannable,
			PrivateAddress: r.PrivateAddress, PrivateContact: r.PrivateContact, Action: r.Action.String(),
			Monitor: r.Monitor, Notify: r.Notify,
		}
	}
	return out
}

// PolicyRules turns the configured rules into policy rules. An action that
// does not parse becomes quarantine (Validate reports it first; failing
// closed anyway).
func (p *Policy) PolicyRules() []policy.Rule {
	out := make([]policy.Rule, len(p.Rules))
	for i, r := range p.Rules {
		act, err := policy.ParseAction(r.Action)
		if err != nil {
			act = policy.Quarantine
		}
		out[i] = policy.Rule{
			Name: r.Name, Sender: r.Sender, Recipients: r.Recipients, MinRecords: r.MinRecords,
			Confidence: r.Confidence, Window: r.Window, Attachments: r.Attachments, Unscannable: r.Unscannable,
			PrivateAddress: r.PrivateAddress, PrivateContact: r.PrivateContact, Action: act,
			Monitor: r.Monitor, Notify: r.Notify,
		}
	}
	return out
}
