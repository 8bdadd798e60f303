package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// env is a fake environment for the lookups behind UpstreamPassword and
// SecretPath, so that these tests run in parallel.
func env(vars map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := vars[k]
		return v, ok
	}
}

// TestUpstreamPasswordEnv: upstream.password_env names a variable whose
// value is the password; an unset or empty variable is an error naming
// the field and the variable, never a value.
func TestUpstreamPasswordEnv(t *testing.T) {
	t.Parallel()
	const secret = "Env-Secret-8d1f"
	for _, tt := range []struct {
		name    string
		vars    map[string]string
		want    string
		wantErr string
	}{
		{"set", map[string]string{"RELAY_PW": secret}, secret, ""},
		{"spaces kept", map[string]string{"RELAY_PW": " pass word "}, " pass word ", ""},
		{"unset", map[string]string{"OTHER": secret}, "", "upstream.password_env: the environment variable RELAY_PW is not set"},
		{"empty", map[string]string{"RELAY_PW": ""}, "", "upstream.password_env: the environment variable RELAY_PW is empty"},
	} {
		c := Embedded()
		c.Upstream.Username = "relay"
		c.Upstream.PasswordEnv = "RELAY_PW"
		if err := c.Validate(); err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		got, err := c.upstreamPassword(env(tt.vars))
		if tt.wantErr != "" {
			if err == nil || !strings.HasPrefix(err.Error(), tt.wantErr) {
				t.Errorf("%s: error %v; want %s", tt.name, err, tt.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), secret) {
				t.Errorf("%s: error %q holds the value of another variable", tt.name, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%s: password %q, %v; want %q", tt.name, got, err, tt.want)
		}
	}
}

// TestSecretPathCredentialsDirectory: a relative password_file is read from
// $CREDENTIALS_DIRECTORY when systemd set it; an absolute one, or any path
// without the variable, is read as written.
func TestSecretPathCredentialsDirectory(t *testing.T) {
	t.Parallel()
	creds := t.TempDir()
	if err := os.WriteFile(filepath.Join(creds, "upstream-password"), []byte("From-Credentials-2b9e\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	systemd := env(map[string]string{CredentialsDirEnv: creds})
	for _, tt := range []struct {
		path string
		env  func(string) (string, bool)
		want string
	}{
		{"upstream-password", systemd, filepath.Join(creds, "upstream-password")},
		{"sub/pw", systemd, filepath.Join(creds, "sub/pw")},
		{"/etc/dlprelay/pw", systemd, "/etc/dlprelay/pw"},
		{"upstream-password", env(nil), "upstream-password"},
		{"upstream-password", env(map[string]string{CredentialsDirEnv: ""}), "upstream-password"},
		{"", systemd, ""},
	} {
		if got := secretPath(tt.path, tt.env); got != tt.want {
			t.Errorf("secretPath(%q) = %q, want %q", tt.path, got, tt.want)
		}
	}

	c := Embedded()
	c.Upstream.Username = "relay"
	c.Upstream.PasswordFile = "upstream-password"
	got, err := c.upstreamPassword(systemd)
	if err != nil || got != "From-Credentials-2b9e" {
		t.Errorf("password from the credentials directory: %q, %v", got, err)
	}
	if _, err := c.upstreamPassword(env(map[string]string{CredentialsDirEnv: t.TempDir()})); err == nil ||
		!strings.HasPrefix(err.Error(), "upstream.password_file: ") {
		t.Errorf("missing credential: error %v; want one naming upstream.password_file", err)
	}
}

// TestConsoleSecureCookies: with admin.tls the console's cookies are always
// Secure; without it console.secure_cookies decides (a TLS proxy in front).
func TestConsoleSecureCookies(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		secure, tls, want bool
	}{
		{false, false, false},
		{true, false, true},
		{false, true, true},
		{true, true, true},
	} {
		c := Embedded()
		c.Console.SecureCookies = tt.secure
		if tt.tls {
			c.Admin.TLS = TLS{CertFile: "admin.pem", KeyFile: "admin.key"}
		}
		if got := c.ConsoleSecureCookies(); got != tt.want {
			t.Errorf("secure_cookies %v, admin.tls %v: ConsoleSecureCookies() = %v, want %v", tt.secure, tt.tls, got, tt.want)
		}
	}
}

// TestAdminTLSParsed: both admin.tls files are read into Admin.TLS, the
// names the healthcheck command looks for.
func TestAdminTLSParsed(t *testing.T) {
	t.Parallel()
	c, err := Parse([]byte(minimal+"admin:\n  tls:\n    cert_file: /etc/dlprelay/admin.pem\n    key_file: /etc/dlprelay/admin.key\n"), "p.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if c.Admin.TLS.CertFile != "/etc/dlprelay/admin.pem" || c.Admin.TLS.KeyFile != "/etc/dlprelay/admin.key" {
		t.Errorf("admin.tls = %+v", c.Admin.TLS)
	}
	if d := Default(); d.Admin.TLS != (TLS{}) {
		t.Errorf("default admin.tls = %+v, want none", d.Admin.TLS)
	}
}

// TestHistoryKeyFile: the history key is data_dir/history.key (created on
// first use) unless policy.history.key_file names one, which is only read,
// from $CREDENTIALS_DIRECTORY when relative.
func TestHistoryKeyFile(t *testing.T) {
	t.Parallel()
	c := Embedded()
	c.DataDir = "/var/lib/dlprelay"
	if path, create := c.HistoryKeyFile(); path != "/var/lib/dlprelay/history.key" || !create {
		t.Errorf("default: %q, create %v", path, create)
	}
	c.Policy.History.KeyFile = "/etc/dlprelay/history.key"
	if path, create := c.HistoryKeyFile(); path != "/etc/dlprelay/history.key" || create {
		t.Errorf("key_file: %q, create %v", path, create)
	}
	if err := c.Validate(); err != nil {
		t.Error(err)
	}
	if got := secretPath("history-key", env(map[string]string{CredentialsDirEnv: "/run/credentials/dlprelay.service"})); got != "/run/credentials/dlprelay.service/history-key" {
		t.Errorf("relative key_file with systemd credentials: %q", got)
	}
}
