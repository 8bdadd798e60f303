package config

import (
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/dlprelay/dlprelay/detect/normalize"
	"github.com/dlprelay/dlprelay/policy"
	"github.com/dlprelay/dlprelay/relay/quarantine"
)

// Validate checks every field and returns all problems joined with
// errors.Join, each a *FieldError naming the field path. It checks values
// only: it does not open the files the configuration names.
func (c *Config) Validate() error {
	return joinFieldErrors(c.validate())
}

// checker collects validation errors.
type checker struct {
	errs []*FieldError
}

func (k *checker) add(field, format string, args ...any) *FieldError {
	e := &FieldError{Field: field, Msg: fmt.Sprintf(format, args...)}
	k.errs = append(k.errs, e)
	return e
}

func (k *checker) required(field, value string) bool {
	if value == "" {
		k.add(field, "required")
		return false
	}
	return true
}

func (k *checker) positive(field string, v int64) {
	if v <= 0 {
		k.add(field, "is %d; want more than 0", v)
	}
}

func (k *checker) nonNegative(field string, v int64) {
	if v < 0 {
		k.add(field, "is %d; want 0 or more", v)
	}
}

func (k *checker) oneOf(field, v string, allowed ...string) {
	if !slices.Contains(allowed, v) {
		k.add(field, "is %q; want one of %s", v, strings.Join(allowed, ", "))
	}
}

// listen checks a listen address: host:port with a numeric port (0 picks a
// free one) and an optional host.
func (k *checker) listen(field, addr string) {
	if _, _, err := splitHostPort(addr, 0); err != nil {
		k.add(field, "%v", err)
	}
}

// tls checks that a certificate and key come together: both files or
// neither.
func (k *checker) tls(field string, t TLS) {
	switch {
	case t.CertFile != "" && t.KeyFile == "":
		k.add(field+".key_file", "required when %s.cert_file is set", field)
	case t.CertFile == "" && t.KeyFile != "":
		k.add(field+".cert_file", "required when %s.key_file is set", field)
	}
}

// validEnvName accepts a portable environment variable name:
// [A-Za-z_][A-Za-z0-9_]*.
func validEnvName(s string) bool {
	if s == "" || s[0] >= '0' && s[0] <= '9' {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// splitHostPort checks that addr is host:port with a numeric port of at
// least minPort.
func splitHostPort(addr string, minPort int) (string, int, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, fmt.Errorf("is %q; want host:port (%v)", addr, stripAddrErr(err))
	}
	p, err := strconv.ParseUint(port, 10, 16)
	if err != nil || int(p) < minPort {
		return "", 0, fmt.Errorf("is %q; want a port number from %d to 65535", addr, minPort)
	}
	if strings.ContainsFunc(host, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return "", 0, fmt.Errorf("is %q; the host has spaces or control characters", addr)
	}
	return host, int(p), nil
}

// stripAddrErr returns the reason of a net.AddrError without repeating the
// address.
func stripAddrErr(err error) string {
	if ae, ok := err.(*net.AddrError); ok {
		return ae.Err
	}
	return err.Error()
}

// ParsePrefix parses an allowed network: a CIDR such as "10.0.0.0/8" (host
// bits are cleared) or a bare IP address, which means that address alone
// (/32 or /128). Zones are not allowed.
func ParsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, err
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	if a.Zone() != "" {
		return netip.Prefix{}, fmt.Errorf("address %q has a zone; zones are not allowed", s)
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// validHostname reports whether h can be used in the greeting and EHLO:
// 1 to 255 bytes of printable ASCII without spaces.
func validHostname(h string) bool {
	if h == "" || len(h) > 255 {
		return false
	}
	for i := 0; i < len(h); i++ {
		if h[i] <= ' ' || h[i] > '~' {
			return false
		}
	}
	return true
}

func (c *Config) validate() []*FieldError {
	var k checker

	if k.required("hostname", c.Hostname) && !validHostname(c.Hostname) {
		k.add("hostname", "is %q; want 1 to 255 characters of printable ASCII without spaces", c.Hostname)
	}
	k.required("data_dir", c.DataDir)

	// smtp
	s := &c.SMTP
	if k.required("smtp.listen", s.Listen) {
		k.listen("smtp.listen", s.Listen)
	}
	if len(s.AllowedNetworks) == 0 {
		k.add("smtp.allowed_networks", "is empty; want at least one network such as 127.0.0.0/8 (no network means no client may send)")
	}
	for i, n := range s.AllowedNetworks {
		if _, err := ParsePrefix(n); err != nil {
			k.add(fmt.Sprintf("smtp.allowed_networks[%d]", i), "is %q; want a CIDR such as 10.0.0.0/8 or an IP address (%v)", n, err)
		}
	}
	k.positive("smtp.max_message_bytes", s.MaxMessageBytes)
	k.positive("smtp.max_recipients", int64(s.MaxRecipients))
	k.positive("smtp.max_line_length", int64(s.MaxLineLength))
	k.nonNegative("smtp.max_data_line_length", int64(s.MaxDataLineLength))
	k.positive("smtp.read_timeout", int64(s.ReadTimeout))
	k.positive("smtp.write_timeout", int64(s.WriteTimeout))
	k.positive("smtp.max_connections", int64(s.MaxConnections))
	k.oneOf("smtp.bare_line_endings", s.BareLineEndings, BareLineEndingsReject, BareLineEndingsNormalize)
	k.nonNegative("smtp.drain_timeout", int64(s.DrainTimeout))
	k.nonNegative("smtp.data_timeout", int64(s.DataTimeout))
	k.tls("smtp.tls", s.TLS)

	// upstream
	u := &c.Upstream
	if k.required("upstream.address", u.Address) {
		if host, _, err := splitHostPort(u.Address, 1); err != nil {
			k.add("upstream.address", "%v", err)
		} else if host == "" {
			k.add("upstream.address", "is %q; want a host before the port", u.Address)
		}
	}
	k.oneOf("upstream.tls", u.TLS, UpstreamTLSNone, UpstreamTLSOpportunistic, UpstreamTLSRequired)
	switch {
	case u.PasswordFile != "" && u.PasswordEnv != "":
		k.add("upstream.password_env", "is set, and so is upstream.password_file; want one of the two")
	case u.Username != "" && u.PasswordFile == "" && u.PasswordEnv == "":
		k.add("upstream.password_file", "required when upstream.username is set (or name an environment variable in upstream.password_env)")
	case u.Username == "" && u.PasswordFile != "":
		k.add("upstream.username", "required when upstream.password_file is set")
	case u.Username == "" && u.PasswordEnv != "":
		k.add("upstream.username", "required when upstream.password_env is set")
	}
	if u.PasswordEnv != "" && !validEnvName(u.PasswordEnv) {
		k.add("upstream.password_env", "is %q; want the name of an environment variable (letters, digits and _, not starting with a digit)", u.PasswordEnv)
	}
	k.positive("upstream.connect_timeout", int64(u.ConnectTimeout))
	k.positive("upstream.command_timeout", int64(u.CommandTimeout))
	k.positive("upstream.data_timeout", int64(u.DataTimeout))
	k.nonNegative("upstream.max_idle_connections", int64(u.MaxIdleConnections))
	if u.MaxIdleConnections > 0 {
		k.positive("upstream.idle_timeout", int64(u.IdleTimeout))
	} else {
		k.nonNegative("upstream.idle_timeout", int64(u.IdleTimeout))
	}

	// customers
	k.required("customers.file", c.Customers.File)
	if p := c.Customers.MaxDrop; p < 0 || p > Percent100 {
		k.add("customers.max_drop", "is %s; want a percentage from 0%% to 100%%, such as \"50%%\"", p)
	}

	// scan
	k.positive("scan.max_depth", int64(c.Scan.MaxDepth))
	k.positive("scan.max_parts", int64(c.Scan.MaxParts))
	k.positive("scan.max_part_bytes", c.Scan.MaxPartBytes)
	k.positive("scan.max_total_bytes", c.Scan.MaxTotalBytes)
	k.positive("scan.timeout", int64(c.Scan.Timeout))
	k.positive("scan.max_archive_entries", int64(c.Scan.MaxArchiveEntries))
	k.positive("scan.max_archive_depth", int64(c.Scan.MaxArchiveDepth))
	k.positive("scan.max_expansion_ratio", int64(c.Scan.MaxExpansionRatio))
	k.positive("scan.max_header_bytes", c.Scan.MaxHeaderBytes)
	if c.Scan.MaxHeaderBytes > 64*mib {
		k.add("scan.max_header_bytes", "is %d; want at most 64MiB (a header block is held in memory)", c.Scan.MaxHeaderBytes)
	}

	// policy
	k.policy(&c.Policy)

	// quarantine and console
	k.positive("quarantine.retention", int64(c.Quarantine.Retention))
	k.positive("console.session_idle", int64(c.Console.SessionIdle))
	k.positive("console.session_max", int64(c.Console.SessionMax))
	for i, n := range c.Console.TrustedProxies {
		if _, err := ParsePrefix(n); err != nil {
			k.add(fmt.Sprintf("console.trusted_proxies[%d]", i), "is %q; want a CIDR or an IP address (%v)", n, err)
		}
	}
	if c.Console.ProxyUserHeader != "" && len(c.Console.TrustedProxies) == 0 {
		k.add("console.trusted_proxies", "is empty but console.proxy_user_header is set; name the proxies whose header is believed")
	}
	if c.SMTP.MaxRecipients > quarantine.MaxRecipients {
		k.add("smtp.max_recipients", "is %d; want at most %d (what a quarantine entry holds)", c.SMTP.MaxRecipients, quarantine.MaxRecipients)
	}

	// admin
	if c.Admin.Listen != "" {
		k.listen("admin.listen", c.Admin.Listen)
	}
	k.positive("admin.ready_upstream_within", int64(c.Admin.ReadyUpstreamWithin))
	k.tls("admin.tls", c.Admin.TLS)

	// log
	k.oneOf("log.level", c.Log.Level, "debug", "info", "warn", "error")
	k.oneOf("log.format", c.Log.Format, "text", "json")

	return k.errs
}

// policy checks the policy section: classes, watchlist, rules (through
// policy.ValidateRules, so the relay and the policy agree) and what the
// rules need from elsewhere in the file.
func (k *checker) policy(p *Policy) {
	k.oneOf("policy.internal_mail", p.InternalMail, InternalMailScan, InternalMailPass)
	for _, l := range []struct {
		field string
		list  []string
	}{{"policy.internal_domains", p.InternalDomains}, {"policy.partner_domains", p.PartnerDomains}, {"policy.freemail_domains", p.FreeMailDomains}} {
		for i, d := range l.list {
			if !validDomain(d) {
				k.add(fmt.Sprintf("%s[%d]", l.field, i), "is %q; want a domain name such as example.co.jp", d)
			}
		}
	}
	for i, n := range p.CompanyMobileNumbers {
		if normalize.Phone(n) == "" {
			k.add(fmt.Sprintf("policy.company_mobile_numbers[%d]", i), "is %q; want a phone number such as 090-1234-5678", n)
		}
	}
	k.positive("policy.confidence_window", int64(p.ConfidenceWindow))
	if _, err := time.LoadLocation(p.Watchlist.TimeZone); err != nil || p.Watchlist.TimeZone == "" {
		k.add("policy.watchlist.time_zone", "is %q; want an IANA time zone such as Asia/Tokyo or UTC", p.Watchlist.TimeZone)
	}
	if p.History.KeyFile != "" && !p.History.HashIDs {
		k.add("policy.history.key_file", "is set but policy.history.hash_ids is false; the key would not be used")
	}
	if len(p.Rules) == 0 {
		k.add("policy.rules", "is empty; an empty rule list would pass everything (write a pass rule if that is what you want)")
	}
	badAction := map[int]bool{}
	for i, r := range p.Rules {
		if _, err := policy.ParseAction(r.Action); err != nil {
			k.add(fmt.Sprintf("policy.rules[%d].action", i), "rule %q: is %q; want pass, flag, quarantine or reject", r.Name, r.Action)
			badAction[i] = true
		}
	}
	for _, e := range policy.ValidateRules(p.PolicyRules()) {
		if e.Field == "action" && badAction[e.Index] {
			continue
		}
		field := fmt.Sprintf("policy.rules[%d]", e.Index)
		if e.Field != "" {
			field += "." + e.Field
		}
		k.add(field, "rule %q: %s", e.Rule, e.Msg)
	}
	officers := false
	notify := false
	for i, r := range p.Rules {
		if r.Sender == policy.SenderWatchlist && p.Watchlist.File == "" {
			k.add(fmt.Sprintf("policy.rules[%d].sender", i), "rule %q is for watchlisted senders but policy.watchlist.file is not set", r.Name)
		}
		notify = notify || len(r.Notify) > 0
		officers = officers || slices.Contains(r.Notify, policy.NotifyOfficers)
	}
	if officers && len(p.Notify.Officers) == 0 {
		k.add("policy.notify.officers", "is empty but a rule notifies officers; want at least one address")
	}
	if notify && p.Notify.From == "" {
		k.add("policy.notify.from", "required when a rule notifies")
	}
	if p.Notify.From != "" && !validAddress(p.Notify.From) {
		k.add("policy.notify.from", "is %q; want an address such as dlprelay@example.co.jp", p.Notify.From)
	}
	for i, a := range p.Notify.Officers {
		if !validAddress(a) {
			k.add(fmt.Sprintf("policy.notify.officers[%d]", i), "is %q; want an address such as compliance@example.co.jp", a)
		}
	}
	if len(p.SubjectTag) > 40 || strings.ContainsFunc(p.SubjectTag, unicode.IsControl) || !utf8.ValidString(p.SubjectTag) {
		k.add("policy.subject_tag", "is %q; want at most 40 bytes of printable text", p.SubjectTag)
	}
	if p.RejectMessage != "" {
		if err := policy.CheckReplyText(p.RejectMessage); err != nil {
			k.add("policy.reject_message", "%v", err)
		}
	}
	for i, to := range p.Headers.DetailsTo {
		switch {
		case policy.IsRecipientWord(to):
		case strings.Contains(to, "@"):
			if !validAddress(to) {
				k.add(fmt.Sprintf("policy.headers.details_to[%d]", i), "is %q; want an address such as journal@example.co.jp", to)
			}
		case !validDomain(to):
			k.add(fmt.Sprintf("policy.headers.details_to[%d]", i), "is %q; want a recipient class (internal, partner, freemail, external, outside, any), a domain such as example.co.jp or an address", to)
		}
	}
}

// validDomain accepts a DNS name of letter-digit-hyphen labels with at least
// one dot.
func validDomain(d string) bool {
	if len(d) == 0 || len(d) > 253 || !strings.Contains(d, ".") {
		return false
	}
	for _, l := range strings.Split(strings.TrimSuffix(d, "."), ".") {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for _, c := range l {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

// validAddress accepts local@domain without spaces or angle brackets.
func validAddress(a string) bool {
	at := strings.LastIndexByte(a, '@')
	return at > 0 && at < len(a)-1 && !strings.ContainsAny(a, " \t\r\n<>,;\"") && validDomain(a[at+1:])
}
