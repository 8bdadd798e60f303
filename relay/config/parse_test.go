package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/dlprelay/dlprelay/policy"
)

// base is a minimal valid file: only the required field. Tests append to it,
// so line 1 is always customers.file.
const base = "customers: {file: c.csv}\n"

// fieldErrors returns the *FieldErrors joined in err.
func fieldErrors(t *testing.T, err error) []*FieldError {
	t.Helper()
	var errs []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	} else {
		errs = []error{err}
	}
	var out []*FieldError
	for _, e := range errs {
		var fe *FieldError
		if !errors.As(e, &fe) {
			t.Fatalf("error %v (%T) is not a *FieldError", e, e)
		}
		out = append(out, fe)
	}
	return out
}

// wantOneError parses src and checks that it fails with exactly one error on
// field at line (0: not set), whose text contains msg.
func wantOneError(t *testing.T, src, field string, line int, msg string) {
	t.Helper()
	_, err := Parse([]byte(src), "t.yaml")
	if err == nil {
		t.Fatalf("Parse succeeded; want an error on %s\n%s", field, src)
	}
	errs := fieldErrors(t, err)
	if len(errs) != 1 {
		t.Fatalf("got %d errors, want 1:\n%v", len(errs), err)
	}
	e := errs[0]
	text := e.Error()
	prefix := fmt.Sprintf("t.yaml:%d: %s: ", line, field)
	if line == 0 {
		prefix = fmt.Sprintf("t.yaml: %s (not set): ", field)
	}
	if !strings.HasPrefix(text, prefix) {
		t.Errorf("error %q does not start with %q", text, prefix)
	}
	if e.File != "t.yaml" || e.Line != line || e.Field != field {
		t.Errorf("FieldError{File %q, Line %d, Field %q}; want t.yaml, %d, %s", e.File, e.Line, e.Field, line, field)
	}
	if !strings.Contains(text, msg) {
		t.Errorf("error %q does not contain %q", text, msg)
	}
}

func TestValidationErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		src   string // appended to base
		field string
		line  int // 0: not set in the file
		msg   string
	}{
		{"hostname with space", "hostname: 'a b'\n", "hostname", 2, "printable ASCII"},
		{"hostname non-ASCII", "hostname: ホスト\n", "hostname", 2, "printable ASCII"},
		{"data_dir empty", "data_dir: ''\n", "data_dir", 2, "required"},

		{"listen empty", "smtp:\n  listen: ''\n", "smtp.listen", 3, "required"},
		{"listen no port", "smtp:\n  listen: 127.0.0.1\n", "smtp.listen", 3, "want host:port"},
		{"listen port too big", "smtp:\n  listen: 127.0.0.1:65536\n", "smtp.listen", 3, "port number from 0 to 65535"},
		{"listen named port", "smtp:\n  listen: 127.0.0.1:smtp\n", "smtp.listen", 3, "port number"},
		{"networks empty", "smtp:\n  allowed_networks: []\n", "smtp.allowed_networks", 3, "at least one network"},
		{"network bad CIDR", "smtp:\n  allowed_networks:\n    - 10.0.0.0/8\n    - 10.0.0.0/33\n", "smtp.allowed_networks[1]", 5, `"10.0.0.0/33"`},
		{"network not an IP", "smtp:\n  allowed_networks: [10.0.0.0/8, '::1', example.com]\n", "smtp.allowed_networks[2]", 3, `"example.com"`},
		{"network with zone", "smtp:\n  allowed_networks:\n    - fe80::1%eth0\n", "smtp.allowed_networks[0]", 4, "zone"},
		{"max_message_bytes 0", "smtp:\n  max_message_bytes: 0\n", "smtp.max_message_bytes", 3, "is 0; want more than 0"},
		{"max_message_bytes negative", "smtp:\n  max_message_bytes: -1\n", "smtp.max_message_bytes", 3, "is -1"},
		{"max_recipients 0", "smtp:\n  max_recipients: 0\n", "smtp.max_recipients", 3, "more than 0"},
		{"max_line_length 0", "smtp:\n  max_line_length: 0\n", "smtp.max_line_length", 3, "more than 0"},
		{"max_data_line_length negative", "smtp:\n  max_data_line_length: -1\n", "smtp.max_data_line_length", 3, "0 or more"},
		{"read_timeout 0", "smtp:\n  read_timeout: 0s\n", "smtp.read_timeout", 3, "more than 0"},
		{"write_timeout negative", "smtp:\n  write_timeout: -1s\n", "smtp.write_timeout", 3, "more than 0"},
		{"max_connections 0", "smtp:\n  max_connections: 0\n", "smtp.max_connections", 3, "more than 0"},
		{"bare_line_endings unknown", "smtp:\n  bare_line_endings: keep\n", "smtp.bare_line_endings", 3, "want one of reject, normalize"},
		{"drain_timeout negative", "smtp:\n  drain_timeout: -5s\n", "smtp.drain_timeout", 3, "0 or more"},
		{"tls cert without key", "smtp:\n  tls:\n    cert_file: c.pem\n", "smtp.tls.key_file", 0, "required when smtp.tls.cert_file is set"},
		{"tls key without cert", "smtp:\n  tls:\n    key_file: k.pem\n", "smtp.tls.cert_file", 0, "required when smtp.tls.key_file is set"},
		{"tls key empty with cert", "smtp:\n  tls:\n    cert_file: c.pem\n    key_file: ''\n", "smtp.tls.key_file", 5, "required when"},

		{"upstream address empty", "upstream:\n  address: ''\n", "upstream.address", 3, "required"},
		{"upstream no port", "upstream:\n  address: mx.example.com\n", "upstream.address", 3, "want host:port"},
		{"upstream no host", "upstream:\n  address: ':25'\n", "upstream.address", 3, "want a host"},
		{"upstream port 0", "upstream:\n  address: mx.example.com:0\n", "upstream.address", 3, "from 1 to 65535"},
		{"upstream tls unknown", "upstream:\n  tls: always\n", "upstream.tls", 3, "want one of none, opportunistic, required"},
		{"upstream username without password_file", "upstream:\n  username: relay\n", "upstream.password_file", 0, "required when upstream.username is set"},
		{"upstream password_file without username", "upstream:\n  password_file: pw\n", "upstream.username", 0, "required when upstream.password_file is set"},
		{"upstream password_env without username", "upstream:\n  password_env: RELAY_PW\n", "upstream.username", 0, "required when upstream.password_env is set"},
		{"upstream password_file and password_env", "upstream:\n  username: relay\n  password_file: pw\n  password_env: RELAY_PW\n", "upstream.password_env", 5, "and so is upstream.password_file"},
		{"upstream password_env not a name", "upstream:\n  username: relay\n  password_env: 'RELAY PW'\n", "upstream.password_env", 4, "want the name of an environment variable"},
		{"upstream password_env starts with a digit", "upstream:\n  username: relay\n  password_env: 1PW\n", "upstream.password_env", 4, "not starting with a digit"},
		{"history key_file without hashing", "policy:\n  history:\n    hash_ids: false\n    key_file: /etc/dlprelay/history.key\n", "policy.history.key_file", 5, "hash_ids is false"},
		{"admin tls cert without key", "admin:\n  tls:\n    cert_file: c.pem\n", "admin.tls.key_file", 0, "required when admin.tls.cert_file is set"},
		{"admin tls key without cert", "admin:\n  tls:\n    key_file: k.pem\n", "admin.tls.cert_file", 0, "required when admin.tls.key_file is set"},
		{"admin tls key empty with cert", "admin:\n  tls:\n    cert_file: c.pem\n    key_file: ''\n", "admin.tls.key_file", 5, "required when admin.tls.cert_file is set"},
		{"admin tls unknown field", "admin:\n  tls:\n    key: k.pem\n", "admin.tls.key", 4, `unknown field "key"`},
		{"upstream connect_timeout 0", "upstream:\n  connect_timeout: 0\n", "upstream.connect_timeout", 3, "more than 0"},
		{"upstream command_timeout 0", "upstream:\n  command_timeout: 0s\n", "upstream.command_timeout", 3, "more than 0"},
		{"upstream data_timeout negative", "upstream:\n  data_timeout: -1m\n", "upstream.data_timeout", 3, "more than 0"},
		{"smtp data_timeout negative", "smtp:\n  data_timeout: -1m\n", "smtp.data_timeout", 3, "0 or more"},
		{"upstream max_idle negative", "upstream:\n  max_idle_connections: -1\n", "upstream.max_idle_connections", 3, "0 or more"},
		{"upstream idle_timeout 0 with reuse", "upstream:\n  idle_timeout: 0s\n", "upstream.idle_timeout", 3, "more than 0"},
		{"upstream idle_timeout negative without reuse", "upstream:\n  max_idle_connections: 0\n  idle_timeout: -1s\n", "upstream.idle_timeout", 4, "0 or more"},

		{"scan max_depth 0", "scan:\n  max_depth: 0\n", "scan.max_depth", 3, "more than 0"},
		{"scan max_parts 0", "scan:\n  max_parts: 0\n", "scan.max_parts", 3, "more than 0"},
		{"scan max_part_bytes 0", "scan:\n  max_part_bytes: 0MiB\n", "scan.max_part_bytes", 3, "more than 0"},
		{"scan max_total_bytes negative", "scan:\n  max_total_bytes: -1\n", "scan.max_total_bytes", 3, "more than 0"},
		{"scan max_header_bytes 0", "scan:\n  max_header_bytes: 0\n", "scan.max_header_bytes", 3, "more than 0"},
		{"scan max_header_bytes huge", "scan:\n  max_header_bytes: 1GiB\n", "scan.max_header_bytes", 3, "at most 64MiB"},
		{"scan timeout 0", "scan:\n  timeout: 0s\n", "scan.timeout", 3, "more than 0"},

		{"internal_mail unknown", "policy:\n  internal_mail: skip\n", "policy.internal_mail", 3, "want one of scan, pass"},
		{"confidence_window 0", "policy:\n  confidence_window: 0\n", "policy.confidence_window", 3, "more than 0"},
		{"rule action unknown", "policy:\n  rules:\n    - name: x\n      action: drop\n", "policy.rules[0].action", 5, `rule "x": is "drop"`},
		{"reject_message non-ASCII", "policy:\n  reject_message: 送信拒否\n", "policy.reject_message", 3, "printable US-ASCII"},
		{"reject_message too long", "policy:\n  reject_message: " + strings.Repeat("x", 401) + "\n", "policy.reject_message", 3, "at most 400"},

		{"admin listen bad", "admin:\n  listen: localhost\n", "admin.listen", 3, "want host:port"},
		{"admin ready 0", "admin:\n  ready_upstream_within: 0s\n", "admin.ready_upstream_within", 3, "more than 0"},

		{"log level unknown", "log:\n  level: verbose\n", "log.level", 3, "want one of debug, info, warn, error"},
		{"log format unknown", "log:\n  format: xml\n", "log.format", 3, "want one of text, json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			wantOneError(t, base+tt.src, tt.field, tt.line, tt.msg)
		})
	}
}

func TestCustomersFileRequired(t *testing.T) {
	t.Parallel()
	wantOneError(t, "log:\n  level: info\n", "customers.file", 0, "required")
	wantOneError(t, "customers:\n  file: ''\n", "customers.file", 2, "required")
	// An empty file is all defaults, which lack only the customer list.
	wantOneError(t, "", "customers.file", 0, "required")
	wantOneError(t, "# only a comment\n", "customers.file", 0, "required")
}

func TestDecodeErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		src   string // appended to base
		field string
		line  int
		msg   string
	}{
		{"unknown top-level field", "hostnme: x\n", "hostnme", 2, `unknown field "hostnme"; did you mean "hostname"?`},
		{"unknown nested field", "smtp:\n  tls:\n    cert: x\n", "smtp.tls.cert", 4, `unknown field "cert"`},
		{"unknown field far from any", "smtp:\n  zzzzzzzz: 1\n", "smtp.zzzzzzzz", 3, "known fields here: listen, allowed_networks"},
		{"dash instead of underscore", "upstream:\n  max-idle-connections: 1\n", "upstream.max-idle-connections", 3, `did you mean "max_idle_connections"?`},
		{"duplicate field", "log:\n  level: info\n  level: debug\n", "log.level", 4, "duplicate field (first set at line 3)"},
		{"duplicate section", "log: {}\nlog: {}\n", "log", 3, "duplicate field"},
		{"merge key", "x: &x {level: info}\nlog:\n  <<: *x\n", "", 0, ""}, // two errors; checked below
		{"section is a scalar", "smtp: 5\n", "smtp", 2, `want a mapping of fields, got "5"`},
		{"section is a list", "smtp: [a]\n", "smtp", 2, "want a mapping of fields, got a list"},
		{"list is a scalar", "smtp:\n  allowed_networks: 10.0.0.0/8\n", "smtp.allowed_networks", 3, "want a list"},
		{"list entry is a list", "smtp:\n  allowed_networks: [[a]]\n", "smtp.allowed_networks[0]", 3, "want a string, got a list"},
		{"list entry null", "smtp:\n  allowed_networks:\n    - 10.0.0.0/8\n    -\n", "smtp.allowed_networks[1]", 5, "empty list entry"},
		{"int is a word", "smtp:\n  max_recipients: many\n", "smtp.max_recipients", 3, `want an integer, got "many"`},
		{"int is a float", "smtp:\n  max_recipients: 1.5\n", "smtp.max_recipients", 3, `want an integer, got "1.5"`},
		{"int overflows", "smtp:\n  max_recipients: 99999999999999999999\n", "smtp.max_recipients", 3, "want an integer"},
		{"int is a mapping", "smtp:\n  max_recipients: {a: 1}\n", "smtp.max_recipients", 3, "want an integer, got a mapping"},
		{"bool is a word", "smtp:\n  auth:\n    allow_insecure: maybe\n", "smtp.auth.allow_insecure", 4, "want true or false"},
		{"string is a list", "hostname: [a]\n", "hostname", 2, "want a string, got a list"},
		{"duration without unit", "smtp:\n  read_timeout: 30\n", "smtp.read_timeout", 3, `want a duration such as "30s"`},
		{"duration nonsense", "scan:\n  timeout: soon\n", "scan.timeout", 3, `got "soon"`},
		{"duration is a list", "scan:\n  timeout: [1s]\n", "scan.timeout", 3, "got a list"},
		{"size bad unit", "scan:\n  max_part_bytes: 50XB\n", "scan.max_part_bytes", 3, `want a size in bytes, such as 52428800 or "50MiB", got "50XB"`},
		{"size fraction", "scan:\n  max_part_bytes: 1.5MiB\n", "scan.max_part_bytes", 3, "want a size"},
		{"size float", "scan:\n  max_part_bytes: 1.5\n", "scan.max_part_bytes", 3, "want a size"},
		{"size overflow", "scan:\n  max_part_bytes: 9999999999TiB\n", "scan.max_part_bytes", 3, "want a size"},
		{"size bool", "smtp:\n  max_message_bytes: true\n", "smtp.max_message_bytes", 3, "want a size"},
		{"size list", "smtp:\n  max_message_bytes: [1]\n", "smtp.max_message_bytes", 3, "got a list"},
	}
	for _, tt := range tests {
		if tt.field == "" {
			continue
		}
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			wantOneError(t, base+tt.src, tt.field, tt.line, tt.msg)
		})
	}
}

func TestMergeKeysRejected(t *testing.T) {
	t.Parallel()
	_, err := Parse([]byte(base+"x: &x {level: info}\nlog:\n  <<: *x\n"), "t.yaml")
	for _, want := range []string{`t.yaml:2: x: unknown field "x"`, "t.yaml:4: log.<<: YAML merge keys (<<) are not supported"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v lacks %q", err, want)
		}
	}
}

func TestFileLevelErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		src  string
		want string // exact error text
	}{
		{"syntax error", "smtp:\n  listen: [\n", "t.yaml:3: invalid YAML: did not find expected node content"},
		{"tab indentation", "smtp:\n\tlisten: x\n", "t.yaml:2: invalid YAML: found character that cannot start any token"},
		{"unclosed flow list", "a: b\nc: [1, 2\nd: e\n", "t.yaml:2: invalid YAML: did not find expected ',' or ']'"},
		{"bad indentation", "a: b\nc: d\n  e: f\n", "t.yaml:3: invalid YAML: mapping values are not allowed in this context"},
		{"two documents", base + "---\nlog: {}\n", "t.yaml:2: a second YAML document; want exactly one"},
		{"top level is a list", "- a\n- b\n", "t.yaml:1: want a mapping of fields, got a list"},
		{"top level is a scalar", "hello\n", `t.yaml:1: want a mapping of fields, got "hello"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse([]byte(tt.src), "t.yaml")
			if err == nil {
				t.Fatal("Parse succeeded")
			}
			first := strings.SplitN(err.Error(), "\n", 2)[0]
			if first != tt.want {
				t.Errorf("error\n got %q\nwant %q", first, tt.want)
			}
		})
	}
}

// TestAllErrorsReported checks that decoding and validation errors are all
// collected, not just the first, in file order, with the fields that are not
// in the file last.
func TestAllErrorsReported(t *testing.T) {
	t.Parallel()
	src := `smtp:
  listn: 127.0.0.1:25
  allowed_networks: [10.0.0.0/8, 300.0.0.0/8]
  read_timeout: 30
upstream:
  username: relay
  tls: sometimes
policy:
  internal_mail: sometimes
log:
  level: loud
`
	_, err := Parse([]byte(src), "dlprelay.yaml")
	want := []string{
		`dlprelay.yaml:2: smtp.listn: unknown field "listn"; did you mean "listen"?`,
		`dlprelay.yaml:3: smtp.allowed_networks[1]: is "300.0.0.0/8"`,
		`dlprelay.yaml:4: smtp.read_timeout: want a duration`,
		`dlprelay.yaml:7: upstream.tls: is "sometimes"`,
		`dlprelay.yaml:9: policy.internal_mail: is "sometimes"`,
		`dlprelay.yaml:11: log.level: is "loud"`,
		`dlprelay.yaml: upstream.password_file (not set): required when upstream.username is set`,
		`dlprelay.yaml: customers.file (not set): required`,
	}
	errs := fieldErrors(t, err)
	if len(errs) != len(want) {
		t.Fatalf("got %d errors, want %d:\n%v", len(errs), len(want), err)
	}
	for i, w := range want {
		if !strings.HasPrefix(errs[i].Error(), w) {
			t.Errorf("error %d\n got %q\nwant prefix %q", i, errs[i], w)
		}
	}
}

func TestDefaults(t *testing.T) {
	t.Parallel()
	d := Default()
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "localhost"
	}
	if d.Hostname != host {
		t.Errorf("Hostname = %q, want %q", d.Hostname, host)
	}
	checks := []struct {
		field string
		got   any
		want  any
	}{
		{"data_dir", d.DataDir, "./var"},
		{"smtp.listen", d.SMTP.Listen, "127.0.0.1:10025"},
		{"smtp.allowed_networks", d.SMTP.AllowedNetworks, []string{"127.0.0.0/8", "::1/128"}},
		{"smtp.max_message_bytes", d.SMTP.MaxMessageBytes, int64(50 << 20)},
		{"smtp.max_recipients", d.SMTP.MaxRecipients, 1000},
		{"smtp.max_line_length", d.SMTP.MaxLineLength, 2048},
		{"smtp.max_data_line_length", d.SMTP.MaxDataLineLength, 0},
		{"smtp.read_timeout", d.SMTP.ReadTimeout, 5 * time.Minute},
		{"smtp.write_timeout", d.SMTP.WriteTimeout, 5 * time.Minute},
		{"smtp.max_connections", d.SMTP.MaxConnections, 100},
		{"smtp.bare_line_endings", d.SMTP.BareLineEndings, "reject"},
		{"smtp.drain_timeout", d.SMTP.DrainTimeout, 30 * time.Second},
		{"smtp.tls", d.SMTP.TLS, TLS{}},
		{"smtp.auth", d.SMTP.Auth, Auth{}},
		{"upstream.address", d.Upstream.Address, "127.0.0.1:10026"},
		{"upstream.tls", d.Upstream.TLS, "opportunistic"},
		{"upstream.connect_timeout", d.Upstream.ConnectTimeout, 30 * time.Second},
		{"upstream.command_timeout", d.Upstream.CommandTimeout, 5 * time.Minute},
		{"upstream.data_timeout", d.Upstream.DataTimeout, 5 * time.Minute},
		{"smtp.data_timeout", d.SMTP.DataTimeout, 10 * time.Minute},
		{"upstream.max_idle_connections", d.Upstream.MaxIdleConnections, 4},
		{"upstream.idle_timeout", d.Upstream.IdleTimeout, 60 * time.Second},
		{"customers", d.Customers, Customers{MaxDrop: 5000}},
		{"scan.max_depth", d.Scan.MaxDepth, 20},
		{"scan.max_parts", d.Scan.MaxParts, 1000},
		{"scan.max_part_bytes", d.Scan.MaxPartBytes, int64(50 << 20)},
		{"scan.max_total_bytes", d.Scan.MaxTotalBytes, int64(200 << 20)},
		{"scan.timeout", d.Scan.Timeout, 60 * time.Second},
		{"scan.max_header_bytes", d.Scan.MaxHeaderBytes, int64(1 << 20)},
		{"policy.internal_mail", d.Policy.InternalMail, "scan"},
		{"policy.builtin_freemail", d.Policy.BuiltinFreeMail, true},
		{"policy.confidence_window", d.Policy.ConfidenceWindow, 200},
		{"policy.history.hash_ids", d.Policy.History.HashIDs, true},
		{"policy.watchlist.time_zone", d.Policy.Watchlist.TimeZone, "Asia/Tokyo"},
		{"policy.rules", d.Policy.Rules, RulesFrom(policy.DefaultRules())},
		{"admin.listen", d.Admin.Listen, "127.0.0.1:8025"},
		{"admin.ready_upstream_within", d.Admin.ReadyUpstreamWithin, 2 * time.Minute},
		{"log.level", d.Log.Level, "info"},
		{"log.format", d.Log.Format, "text"},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s = %#v, want %#v", c.field, c.got, c.want)
		}
	}
	if d.Policy.RejectMessage == "" {
		t.Error("policy.reject_message has no default")
	}
	// The defaults lack only the customer list.
	err = d.Validate()
	if errs := fieldErrors(t, err); len(errs) != 1 || errs[0].Error() != "customers.file: required" {
		t.Errorf("Default().Validate() = %v; want only customers.file: required", err)
	}
	// Default returns a fresh value each time.
	d.SMTP.AllowedNetworks[0] = "mutated"
	if Default().SMTP.AllowedNetworks[0] != "127.0.0.0/8" {
		t.Error("Default shares its slices between calls")
	}
}

func TestEmbedded(t *testing.T) {
	t.Parallel()
	c := Embedded()
	if err := c.Validate(); err != nil {
		t.Fatalf("Embedded().Validate() = %v", err)
	}
	want := Default()
	want.Customers.File = "testdata/customers.csv"
	if !reflect.DeepEqual(*c, want) {
		t.Errorf("Embedded() = %+v\nwant %+v", *c, want)
	}
	if c.SMTP.Listen != "127.0.0.1:10025" || c.Upstream.Address != "127.0.0.1:10026" || c.Admin.Listen != "127.0.0.1:8025" || c.DataDir != "./var" {
		t.Errorf("Embedded() addresses: %s %s %s %s", c.SMTP.Listen, c.Upstream.Address, c.Admin.Listen, c.DataDir)
	}
}

// TestExplicitValuesStay checks that values equal to the zero value, or
// different from the default, survive decoding on top of the defaults.
func TestExplicitValuesStay(t *testing.T) {
	t.Parallel()
	src := base + `hostname: mx.example.com
smtp:
  allowed_networks: [192.0.2.7]
  max_data_line_length: 0
  drain_timeout: 0
  max_message_bytes: 10MB
  tls: {cert_file: c.pem, key_file: k.pem}
  auth:
    allow_insecure: true
upstream:
  max_idle_connections: 0
  idle_timeout: 0s
  username: relay
  password_file: /run/pw
  tls: none
scan:
  max_part_bytes: 1048576
  max_total_bytes: 2 GiB
  timeout: 1h30m
policy:
  monitor: true
  internal_mail: pass
  rules:
    - name: all
      min_records: 1
      action: reject
  reject_message: ""
admin:
  listen: ""
log:
  level: debug
  format: json
`
	c, err := Parse([]byte(src), "t.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want := Default()
	want.Customers.File = "c.csv"
	want.Hostname = "mx.example.com"
	want.SMTP.AllowedNetworks = []string{"192.0.2.7"}
	want.SMTP.DrainTimeout = 0
	want.SMTP.MaxMessageBytes = 10_000_000
	want.SMTP.TLS = TLS{"c.pem", "k.pem"}
	want.SMTP.Auth.AllowInsecure = true
	want.Upstream.MaxIdleConnections = 0
	want.Upstream.IdleTimeout = 0
	want.Upstream.Username = "relay"
	want.Upstream.PasswordFile = "/run/pw"
	want.Upstream.TLS = "none"
	want.Scan.MaxPartBytes = 1 << 20
	want.Scan.MaxTotalBytes = 2 << 30
	want.Scan.Timeout = 90 * time.Minute
	want.Policy.Monitor = true
	want.Policy.InternalMail = "pass"
	want.Policy.Rules = []Rule{{Name: "all", MinRecords: 1, Action: "reject"}}
	want.Policy.RejectMessage = ""
	want.Admin.Listen = ""
	want.Log = Log{"debug", "json"}
	if !reflect.DeepEqual(*c, want) {
		t.Errorf("Parse =\n%+v\nwant\n%+v", *c, want)
	}
}

func TestNullKeepsDefault(t *testing.T) {
	t.Parallel()
	c, err := Parse([]byte(base+"hostname:\nsmtp:\n  listen:\n  allowed_networks:\nscan: ~\nadmin:\n  listen: null\n"), "t.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want := Default()
	want.Customers.File = "c.csv"
	if !reflect.DeepEqual(*c, want) {
		t.Errorf("Parse =\n%+v\nwant the defaults\n%+v", *c, want)
	}
}

func TestAliasesFollowed(t *testing.T) {
	t.Parallel()
	src := base + "smtp:\n  listen: &addr 127.0.0.1:2525\n  allowed_networks: &nets [10.0.0.0/8, *addr]\n"
	_, err := Parse([]byte(src), "t.yaml")
	// The alias is followed into the list; its value is not a network.
	wantPrefix := `t.yaml:4: smtp.allowed_networks[1]: is "127.0.0.1:2525"`
	if err == nil || !strings.HasPrefix(err.Error(), wantPrefix) {
		t.Fatalf("Parse error %v; want prefix %q", err, wantPrefix)
	}
	c, err := Parse([]byte(base+"smtp:\n  read_timeout: &t 7s\n  write_timeout: *t\n"), "t.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if c.SMTP.WriteTimeout != 7*time.Second {
		t.Errorf("write_timeout = %v, want 7s", c.SMTP.WriteTimeout)
	}
}

func TestParseSize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want int64 // -1: error
	}{
		{"0", 0},
		{"1", 1},
		{"52428800", 50 << 20},
		{"50MiB", 50 << 20},
		{"50 MiB", 50 << 20},
		{"50mib", 50 << 20},
		{"10MB", 10_000_000},
		{"1KB", 1000},
		{"1KiB", 1024},
		{"3GB", 3e9},
		{"3GiB", 3 << 30},
		{"2TB", 2e12},
		{"2TiB", 2 << 40},
		{"7B", 7},
		{" 8 ", 8},
		{"8388608TiB", -1}, // 2^63: overflow
		{"8388607TiB", 8388607 << 40},
		{"", -1},
		{"MiB", -1},
		{"-1", -1},
		{"1.5MiB", -1},
		{"1M", -1},
		{"1 M i B", -1},
		{"99999999999999999999", -1},
	}
	for _, tt := range tests {
		got, err := parseSize(tt.in)
		if tt.want < 0 {
			if err == nil {
				t.Errorf("parseSize(%q) = %d, want an error", tt.in, got)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
}

func TestValidateWithoutFile(t *testing.T) {
	t.Parallel()
	c := Embedded()
	c.SMTP.Listen = "nope"
	c.Upstream.TLS = "maybe"
	err := c.Validate()
	errs := fieldErrors(t, err)
	if len(errs) != 2 {
		t.Fatalf("got %v, want 2 errors", err)
	}
	if got := errs[0].Error(); !strings.HasPrefix(got, `smtp.listen: is "nope"`) {
		t.Errorf("error %q; want it to start with the field", got)
	}
	if errs[1].Field != "upstream.tls" || errs[1].File != "" || errs[1].Line != 0 {
		t.Errorf("second error %+v", errs[1])
	}
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Field != "smtp.listen" {
		t.Errorf("errors.As found %+v", fe)
	}
}

func TestParseNoValidate(t *testing.T) {
	t.Parallel()
	// No customers.file: valid for ParseNoValidate, not for Parse.
	c, err := ParseNoValidate([]byte("smtp:\n  listen: 127.0.0.1:1\n"), "t.yaml")
	if err != nil {
		t.Fatalf("ParseNoValidate: %v", err)
	}
	if c.SMTP.Listen != "127.0.0.1:1" {
		t.Errorf("listen = %q", c.SMTP.Listen)
	}
	c.Customers.File = "from-a-flag.csv"
	if err := c.Validate(); err != nil {
		t.Errorf("Validate after fixing: %v", err)
	}
	// Decoding errors are still reported, with lines.
	_, err = ParseNoValidate([]byte("smtp:\n  lisen: x\n"), "t.yaml")
	if err == nil || !strings.HasPrefix(err.Error(), "t.yaml:2: smtp.lisen: unknown field") {
		t.Errorf("ParseNoValidate error %v", err)
	}
}

func TestLoad(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "relay.yaml")
	if err := os.WriteFile(path, []byte(base+"log:\n  format: yaml\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Load(path)
	if want := path + ":3: log.format: "; err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("Load error %v; want prefix %q", err, want)
	}
	if _, err := Load(filepath.Join(dir, "missing.yaml")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load of a missing file: %v, want os.ErrNotExist", err)
	}
	_, err = Parse([]byte("log: {level: x}\n"), "")
	if err == nil || !strings.Contains(err.Error(), "config:1: log.level") {
		t.Errorf("Parse with no name: %v; want the name \"config\"", err)
	}
}

func TestAllowedPrefixes(t *testing.T) {
	t.Parallel()
	c := Embedded()
	c.SMTP.AllowedNetworks = []string{"10.1.2.3/8", "192.0.2.7", "2001:db8::1", "::1/128", "bogus"}
	var got []string
	for _, p := range c.AllowedPrefixes() {
		got = append(got, p.String())
	}
	want := []string{"10.0.0.0/8", "192.0.2.7/32", "2001:db8::1/128", "::1/128"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("AllowedPrefixes() = %v, want %v", got, want)
	}
}

func TestUpstreamPassword(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name    string
		file    string
		want    string
		wantErr string
	}{
		{"not configured", "", "", ""},
		{"one line", write("a", "s3cret\n"), "s3cret", ""},
		{"no newline", write("b", "s3cret"), "s3cret", ""},
		{"CRLF and more lines", write("c", "pass word \r\nsecond\n"), "pass word ", ""},
		{"empty file", write("d", ""), "", "first line is empty"},
		{"empty first line", write("e", "\nsecret\n"), "", "first line is empty"},
		{"missing file", filepath.Join(dir, "missing"), "", "no such file"},
	}
	for _, tt := range tests {
		c := Embedded()
		c.Upstream.PasswordFile = tt.file
		got, err := c.UpstreamPassword()
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.HasPrefix(err.Error(), "upstream.password_file: ") {
				t.Errorf("%s: error %v; want upstream.password_file: ...%s", tt.name, err, tt.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), "secret") {
				t.Errorf("%s: error %q leaks the file content", tt.name, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%s: UpstreamPassword() = %q, %v; want %q", tt.name, got, err, tt.want)
		}
	}
}
