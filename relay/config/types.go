package config

import "time"

// Config is the whole dlprelay configuration file. Every field has a default
// set by Default; configs/dlprelay.yaml documents each one. Load and Parse
// read it from YAML, Validate checks it.
type Config struct {
	// Hostname is the name used in the SMTP greeting, in EHLO to the upstream
	// and in the Received: header. Default: os.Hostname(), or "localhost";
	// an empty hostname in a file also means the default.
	Hostname string `yaml:"hostname"`
	// DataDir holds the quarantine and temporary spool files. Default "./var".
	DataDir string `yaml:"data_dir"`

	SMTP      SMTP      `yaml:"smtp"`
	Upstream  Upstream  `yaml:"upstream"`
	Customers Customers `yaml:"customers"`
	Scan      Scan      `yaml:"scan"`
	Policy    Policy    `yaml:"policy"`
	Admin     Admin     `yaml:"admin"`
	Log       Log       `yaml:"log"`
}

// SMTP configures the inbound listener.
type SMTP struct {
	Listen string `yaml:"listen"` // default "127.0.0.1:10025"
	// AllowedNetworks lists the CIDRs (or single IP addresses) that may send;
	// at least one. Default ["127.0.0.0/8", "::1/128"]. Parsed by
	// Config.AllowedPrefixes.
	AllowedNetworks []string `yaml:"allowed_networks"`
	MaxMessageBytes int64    `yaml:"max_message_bytes"` // default 50 MiB
	MaxRecipients   int      `yaml:"max_recipients"`    // default 1000
	// MaxLineLength bounds a command line; a longer one is answered with
	// 500 5.5.2 and the session goes on. Default 2048.
	MaxLineLength int `yaml:"max_line_length"`
	// MaxDataLineLength bounds a line inside DATA; a message with a longer line
	// is rejected with 554 5.6.0. 0 means no limit (max_message_bytes still
	// bounds it). Default 0.
	MaxDataLineLength int           `yaml:"max_data_line_length"`
	ReadTimeout       time.Duration `yaml:"read_timeout"`    // default 5m
	WriteTimeout      time.Duration `yaml:"write_timeout"`   // default 5m
	MaxConnections    int           `yaml:"max_connections"` // default 100
	// BareLineEndings says what to do with a bare CR or LF in DATA:
	// "reject" (default: 554 5.6.0 after the final dot) or "normalize"
	// (rewritten to CRLF before scanning and forwarding); see the
	// BareLineEndings* constants.
	BareLineEndings string `yaml:"bare_line_endings"`
	// DrainTimeout bounds how long SIGTERM waits for in-flight transactions;
	// 0 does not wait. Default 30s.
	DrainTimeout time.Duration `yaml:"drain_timeout"`
	TLS          TLS           `yaml:"tls"`
	Auth         Auth          `yaml:"auth"`
}

// TLS holds the server certificate that enables STARTTLS. Empty: no STARTTLS.
type TLS struct {
	CertFile string `yaml:"cert_file"`
	KeyFile  string `yaml:"key_file"`
}

// Auth enables SMTP AUTH PLAIN/LOGIN against a users file.
type Auth struct {
	// UsersFile has one "user:bcrypt-hash" per line; empty disables AUTH.
	// Read it with LoadUsers.
	UsersFile string `yaml:"users_file"`
	// AllowInsecure offers AUTH without TLS. Default false.
	AllowInsecure bool `yaml:"allow_insecure"`
}

// Upstream is the smarthost that accepted mail is forwarded to.
type Upstream struct {
	Address string `yaml:"address"` // host:port, required (default "127.0.0.1:10026")
	// TLS: "none", "opportunistic" (default) or "required" STARTTLS; see the
	// UpstreamTLS* constants.
	TLS        string `yaml:"tls"`
	CAFile     string `yaml:"ca_file"`
	ServerName string `yaml:"server_name"`
	Username   string `yaml:"username"`
	// PasswordFile holds the AUTH password (first line); never the password
	// inline. Required with Username; read it with Config.UpstreamPassword.
	PasswordFile   string        `yaml:"password_file"`
	ConnectTimeout time.Duration `yaml:"connect_timeout"` // default 30s
	CommandTimeout time.Duration `yaml:"command_timeout"` // default 5m
	DataTimeout    time.Duration `yaml:"data_timeout"`    // default 10m
	// MaxIdleConnections is how many upstream connections are kept for reuse
	// across transactions. Default 4; 0 disables reuse.
	MaxIdleConnections int           `yaml:"max_idle_connections"`
	IdleTimeout        time.Duration `yaml:"idle_timeout"` // default 60s
}

// Customers names the customer list and its columns.
type Customers struct {
	File string `yaml:"file"` // CSV path; required
	// Columns maps fields to CSV header names; empty entries are recognised
	// from common headers (id/customer_id/顧客ID, name/氏名, ...).
	Columns CustomerColumns `yaml:"columns"`
}

// CustomerColumns names the header of each field in the customer CSV.
type CustomerColumns struct {
	ID    string `yaml:"id"`
	Name  string `yaml:"name"`
	Kana  string `yaml:"kana"`
	Email string `yaml:"email"`
	Phone string `yaml:"phone"`
	// Address is matched like the other fields; Company is loaded but is
	// never a record hit on its own.
	Address string `yaml:"address"`
	Company string `yaml:"company"`
}

// Scan bounds the work done on one message.
type Scan struct {
	MaxDepth      int           `yaml:"max_depth"`       // MIME nesting, default 20
	MaxParts      int           `yaml:"max_parts"`       // default 1000
	MaxPartBytes  int64         `yaml:"max_part_bytes"`  // decoded bytes per part, default 50 MiB
	MaxTotalBytes int64         `yaml:"max_total_bytes"` // decoded bytes per message, default 200 MiB
	Timeout       time.Duration `yaml:"timeout"`         // default 60s
	// Archives (zip, 7z) and Office/OpenDocument files: entries per
	// message, archives nested inside archives, and the largest allowed
	// ratio of uncompressed to compressed bytes (zip bombs).
	MaxArchiveEntries int `yaml:"max_archive_entries"` // default 10000
	MaxArchiveDepth   int `yaml:"max_archive_depth"`   // default 5
	MaxExpansionRatio int `yaml:"max_expansion_ratio"` // default 100
}

// Policy sets the thresholds that turn findings into a verdict.
type Policy struct {
	// Distinct customer records needed for each action; 0 disables that
	// action. The enabled ones must be ordered FlagAt ≤ QuarantineAt ≤ RejectAt.
	FlagAt       int `yaml:"flag_at"`       // default 1
	QuarantineAt int `yaml:"quarantine_at"` // default 3
	RejectAt     int `yaml:"reject_at"`     // default 0 (off)
	// Unscannable is the action for content that could not be scanned: pass,
	// flag, quarantine or reject. Default "quarantine".
	Unscannable string `yaml:"unscannable"`
	// RejectMessage is the human text of the 550 5.7.1 reply: printable
	// US-ASCII, at most 400 bytes. Default policy.DefaultRejectMessage; ""
	// also means the default.
	RejectMessage string `yaml:"reject_message"`
}

// Admin is the HTTP listener for /metrics, /healthz and /readyz.
type Admin struct {
	Listen string `yaml:"listen"` // default "127.0.0.1:8025"; "" disables
	// ReadyUpstreamWithin: /readyz needs a successful upstream contact this recent. Default 2m.
	ReadyUpstreamWithin time.Duration `yaml:"ready_upstream_within"`
}

// Log configures log/slog output.
type Log struct {
	Level  string `yaml:"level"`  // debug, info (default), warn, error
	Format string `yaml:"format"` // text (default) or json
}
