package config

import (
	"bytes"
	"fmt"
	"net/netip"
	"os"
)

// AllowedPrefixes returns smtp.allowed_networks parsed, host bits cleared; a
// bare IP address becomes a /32 or /128. Entries that do not parse are
// skipped (Validate reports them). Client addresses should be compared after
// netip.Addr.Unmap, since an IPv4 client of an IPv6 listener may appear as
// ::ffff:a.b.c.d.
func (c *Config) AllowedPrefixes() []netip.Prefix {
	out := make([]netip.Prefix, 0, len(c.SMTP.AllowedNetworks))
	for _, s := range c.SMTP.AllowedNetworks {
		if p, err := ParsePrefix(s); err == nil {
			out = append(out, p)
		}
	}
	return out
}

// UpstreamPassword reads the upstream AUTH password: the first line of
// upstream.password_file, without its line ending. It returns "" and no error
// when no password file is configured. The password never appears in errors.
func (c *Config) UpstreamPassword() (string, error) {
	path := c.Upstream.PasswordFile
	if path == "" {
		return "", nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("upstream.password_file: %w", err)
	}
	line, _, _ := bytes.Cut(data, []byte("\n"))
	line = bytes.TrimSuffix(line, []byte("\r"))
	if len(line) == 0 {
		return "", fmt.Errorf("upstream.password_file: %s: the first line is empty; want the password", path)
	}
	return string(line), nil
}
