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

	SMTP       SMTP       `yaml:"smtp"`
	Upstream   Upstream   `yaml:"upstream"`
	Customers  Customers  `yaml:"customers"`
	Scan       Scan       `yaml:"scan"`
	Policy     Policy     `yaml:"policy"`
	Quarantine Quarantine `yaml:"quarantine"`
	Console    Console    `yaml:"console"`
	Admin      Admin      `yaml:"admin"`
	Log        Log        `yaml:"log"`
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
	ReadTimeout       time.Duration `yaml:"read_timeout"` // default 5m
	// DataTimeout bounds the whole DATA phase of one message (read_timeout
	// bounds each read); 0 means no bound. Default 10m.
	DataTimeout    time.Duration `yaml:"data_timeout"`
	WriteTimeout   time.Duration `yaml:"write_timeout"`   // default 5m
	MaxConnections int           `yaml:"max_connections"` // default 100
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

// TLS holds a server certificate and its key, both PEM files: for
// smtp.tls it enables STARTTLS, for admin.tls it makes the admin listener
// HTTPS only. Both files or neither; empty means no TLS.
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
	// inline. A relative path is taken in $CREDENTIALS_DIRECTORY when that
	// is set (systemd LoadCredential=), else in the working directory.
	// PasswordEnv instead names an environment variable holding it. With
	// Username exactly one of the two is required; read the password with
	// Config.UpstreamPassword.
	PasswordFile   string        `yaml:"password_file"`
	PasswordEnv    string        `yaml:"password_env"`
	ConnectTimeout time.Duration `yaml:"connect_timeout"` // default 30s
	CommandTimeout time.Duration `yaml:"command_timeout"` // default 5m
	DataTimeout    time.Duration `yaml:"data_timeout"`    // default 5m
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
	// MaxDrop is how much smaller than the last accepted list (the record
	// count in data_dir/customers-accepted.json) a list may be and still
	// be loaded without an operator's confirmation (dlprelay customers
	// accept); a list with fewer than (100% - max_drop) of those records
	// is refused. 0% refuses any shrink; 100% turns the check off. A list
	// with no records is refused whatever this says. Default 50%.
	MaxDrop Percent `yaml:"max_drop"`
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
	// MaxHeaderBytes bounds the header block of one entity; a longer one
	// is unscannable (parse_error).
	MaxHeaderBytes int64 `yaml:"max_header_bytes"` // default 1 MiB
}

// Policy is the company's DLP policy: recipient classes, the watchlist of
// departing employees, the rules and what their actions do. See package
// policy for how rules are evaluated.
type Policy struct {
	// Monitor computes, logs, counts and headers every verdict but lets all
	// mail pass ("would have" verdicts). Default false.
	Monitor bool `yaml:"monitor"`
	// InternalDomains are the company's own domains (and their subdomains).
	InternalDomains []string `yaml:"internal_domains"`
	// InternalMail: "scan" (default: rules naming the internal class apply)
	// or "pass" (mail whose recipients are all internal is not scanned).
	InternalMail string `yaml:"internal_mail"`
	// PartnerDomains are known partners' domains.
	PartnerDomains []string `yaml:"partner_domains"`
	// FreeMailDomains are added to the built-in list of free-mail and
	// mobile-carrier domains (unless BuiltinFreeMail is false).
	FreeMailDomains []string `yaml:"freemail_domains"`
	BuiltinFreeMail bool     `yaml:"builtin_freemail"` // default true
	// CompanyMobileNumbers are mobile numbers the company issues; giving one
	// is not a private contact. Any common way of writing them.
	CompanyMobileNumbers []string `yaml:"company_mobile_numbers"`
	// ConfidenceWindow: two different fields of one record within this many
	// bytes of each other make a high-confidence hit. Default 200.
	ConfidenceWindow int       `yaml:"confidence_window"`
	Watchlist        Watchlist `yaml:"watchlist"`
	History          History   `yaml:"history"`
	// RulesFile names a YAML file holding the rules (a "rules:" list), for
	// a rule set kept apart from the relay settings. It cannot be combined
	// with Rules in this file.
	RulesFile string `yaml:"rules_file"`
	// Rules are evaluated in order; the first decisive one wins. Default:
	// quarantine unscannable content and 3+ records going outside, flag 1+.
	Rules []Rule `yaml:"rules"`
	// SubjectTag is put in front of the Subject of flagged mail, e.g.
	// "[DLP]"; empty (default) leaves the Subject alone. Printable text, at
	// most 40 bytes; non-ASCII is encoded (RFC 2047). Every recipient sees
	// it, outside ones too.
	SubjectTag string `yaml:"subject_tag"`
	// Headers says what the X-DLP-* header fields of delivered mail tell
	// whom.
	Headers Headers `yaml:"headers"`
	// RejectMessage is the human text of the 550 5.7.1 reply: printable
	// US-ASCII, at most 400 bytes. Default policy.DefaultRejectMessage; ""
	// also means the default.
	RejectMessage string `yaml:"reject_message"`
	Notify        Notify `yaml:"notify"`
}

// Headers configures the relay's X-DLP-* header fields. Every delivered
// message carries X-DLP-Scan-ID, the opaque transaction id an officer
// looks the decision up by. The details of a verdict — X-DLP-Verdict,
// X-DLP-Records, X-DLP-Rules, X-DLP-Reasons and X-DLP-Monitor, which tell
// the reader what was found and what the company thinks of the sender —
// are added only when every recipient is in DetailsTo.
type Headers struct {
	// DetailsTo: recipient classes (internal, partner, freemail, external,
	// outside, any), domains (with their subdomains) and addresses.
	// Default [internal]; [] gives the details to no one; [any] to every
	// recipient (only with a next hop that removes X-DLP-* before mail
	// leaves the company).
	DetailsTo []string `yaml:"details_to"`
}

// Rule is one policy rule as written in YAML; see policy.Rule for each
// field's meaning.
type Rule struct {
	Name           string        `yaml:"name"`
	Sender         string        `yaml:"sender"`
	Recipients     []string      `yaml:"recipients"`
	MinRecords     int           `yaml:"min_records"`
	Confidence     string        `yaml:"confidence"`
	Window         time.Duration `yaml:"window"`
	Attachments    bool          `yaml:"attachments"`
	Unscannable    []string      `yaml:"unscannable"`
	PrivateAddress bool          `yaml:"private_address"`
	PrivateContact bool          `yaml:"private_contact"`
	Action         string        `yaml:"action"`
	Monitor        bool          `yaml:"monitor"`
	Notify         []string      `yaml:"notify"`
}

// Watchlist is the CSV of departing employees HR maintains (address, name,
// from, until), reloaded with the customer list on SIGHUP.
type Watchlist struct {
	File string `yaml:"file"` // "" = no watchlist
	// TimeZone the dates in the file are in. Default "Asia/Tokyo".
	TimeZone string `yaml:"time_zone"`
}

// History is the per-sender memory of records sent outside, for rules with
// a window. It lives in data_dir/history.db.
type History struct {
	// HashIDs stores an HMAC of each record ID (key in
	// data_dir/history.key, or KeyFile) instead of the ID. Default true.
	HashIDs bool `yaml:"hash_ids"`
	// KeyFile holds the HMAC key (exactly 32 bytes) outside data_dir; it is
	// read, never created. A relative path is taken in
	// $CREDENTIALS_DIRECTORY when that is set (see SecretPath). Default ""
	// (data_dir/history.key, created on first use). Read the path with
	// Config.HistoryKeyFile.
	KeyFile string `yaml:"key_file"`
}

// Notify configures the notification mails rules ask for.
type Notify struct {
	// From is the envelope and header sender of notifications; required
	// when a rule notifies.
	From string `yaml:"from"`
	// Officers receive notifications for rules with notify: [officers].
	Officers []string `yaml:"officers"`
}

// Quarantine is the store of held messages (data_dir/quarantine.db and
// data_dir/quarantine/).
type Quarantine struct {
	// Retention: entries expire this long after they were received and are
	// purged with their message (not while on legal hold). Default 720h.
	Retention time.Duration `yaml:"retention"`
}

// Console is the compliance officers' web console and JSON API, served on
// the admin listener under /console/ and /api/.
type Console struct {
	Enabled bool `yaml:"enabled"` // default true
	// FourEyes: a release needs a second officer's approval. Default true.
	// The relay records it in the quarantine at start and on every reload,
	// and the quarantine applies it to releases asked for in the console
	// and by the CLI alike (which does not use its own configuration's).
	FourEyes bool `yaml:"four_eyes"`
	// SecureCookies forces the Secure cookie flag (set it when a TLS proxy
	// fronts the admin listener); requests over TLS get it anyway, and with
	// admin.tls set it is always on (see Config.ConsoleSecureCookies).
	// Default false.
	SecureCookies bool `yaml:"secure_cookies"`
	// ProxyUserHeader enables single sign-on behind an authenticating
	// reverse proxy: the named header carries the user name, believed only
	// from TrustedProxies. Default "" (off).
	ProxyUserHeader string        `yaml:"proxy_user_header"`
	TrustedProxies  []string      `yaml:"trusted_proxies"`
	SessionIdle     time.Duration `yaml:"session_idle"` // default 30m
	SessionMax      time.Duration `yaml:"session_max"`  // default 12h
}

// Admin is the HTTP listener for /metrics, /healthz, /readyz and the
// console.
type Admin struct {
	Listen string `yaml:"listen"` // default "127.0.0.1:8025"; "" disables
	// ReadyUpstreamWithin: /readyz needs a successful upstream contact this recent. Default 2m.
	ReadyUpstreamWithin time.Duration `yaml:"ready_upstream_within"`
	// TLS makes the listener HTTPS only (TLS 1.2 or later) with this
	// certificate. Default: neither file, plain HTTP.
	TLS TLS `yaml:"tls"`
}

// Log configures log/slog output.
type Log struct {
	Level  string `yaml:"level"`  // debug, info (default), warn, error
	Format string `yaml:"format"` // text (default) or json
}
