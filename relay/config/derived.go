package config

import (
	"bytes"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
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

// CredentialsDirEnv is the environment variable systemd sets to the
// directory of a unit's credentials (LoadCredential=, SetCredential=).
const CredentialsDirEnv = "CREDENTIALS_DIRECTORY"

// SecretPath returns where a secret file configured as path is read from:
// a relative path is taken in $CREDENTIALS_DIRECTORY when that is set (so
// "password_file: upstream-password" finds the credential systemd passed
// as LoadCredential=upstream-password:/etc/...), else as given (relative
// to the working directory). Absolute paths are used as they are.
func SecretPath(path string) string {
	return secretPath(path, os.LookupEnv)
}

func secretPath(path string, lookup func(string) (string, bool)) string {
	if path == "" || filepath.IsAbs(path) {
		return path
	}
	if dir, ok := lookup(CredentialsDirEnv); ok && dir != "" {
		return filepath.Join(dir, path)
	}
	return path
}

// UpstreamPassword reads the upstream AUTH password: the first line of
// upstream.password_file (found with SecretPath), without its line ending,
// or the value of the environment variable upstream.password_env. It
// returns "" and no error when neither is configured. The password never
// appears in errors; each error names the field.
func (c *Config) UpstreamPassword() (string, error) {
	return c.upstreamPassword(os.LookupEnv)
}

func (c *Config) upstreamPassword(lookup func(string) (string, bool)) (string, error) {
	if name := c.Upstream.PasswordEnv; name != "" {
		v, ok := lookup(name)
		switch {
		case !ok:
			return "", fmt.Errorf("upstream.password_env: the environment variable %s is not set", name)
		case v == "":
			return "", fmt.Errorf("upstream.password_env: the environment variable %s is empty; want the password", name)
		}
		return v, nil
	}
	if c.Upstream.PasswordFile == "" {
		return "", nil
	}
	path := secretPath(c.Upstream.PasswordFile, lookup)
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

// HistoryKeyFile returns where the sender history's HMAC key is read from
// and whether it may be created there: policy.history.key_file (found
// with SecretPath; never created, the operator provides it), or
// data_dir/history.key (created on first use).
func (c *Config) HistoryKeyFile() (path string, create bool) {
	if f := c.Policy.History.KeyFile; f != "" {
		return SecretPath(f), false
	}
	return filepath.Join(c.DataDir, "history.key"), true
}

// ConsoleSecureCookies reports whether the console marks its cookies
// Secure whatever the request: console.secure_cookies (for a TLS proxy in
// front), or admin.tls, since then the admin listener speaks only HTTPS.
func (c *Config) ConsoleSecureCookies() bool {
	return c.Console.SecureCookies || c.Admin.TLS.CertFile != ""
}
