package main

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	"golang.org/x/crypto/bcrypt"

	"github.com/dlprelay/dlprelay/relay/relaytest"
	"github.com/dlprelay/dlprelay/relay/users"
)

// TestSecretsNeverLogged runs the binary at debug level with every secret
// it knows: the upstream AUTH password from upstream.password_file, an SMTP
// AUTH users file, and console officers. It is driven through each path
// that handles one (upstream AUTH, SMTP AUTH that fails and succeeds,
// console logins that fail and succeed) and its whole log must not hold
// any password, in clear or base64, nor a bcrypt hash.
func TestSecretsNeverLogged(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	const (
		upstreamPass = "Upstream-Pass-7f3a9c"
		smtpPass     = "Smtp-Pass-41d2e8"
		smtpWrong    = "Smtp-Wrong-9b7c05"
		officerPass  = "Officer-Pass-5e6f1a"
		officerWrong = "Officer-Wrong-0c3d77"
	)
	bin := buildDlprelayBinary(t)
	up := relaytest.NewUpstream(t)
	up.RequireAuth("relayuser", upstreamPass)
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	addConsoleUser(t, data, "olivia", officerPass, users.Officer)
	hash, err := bcrypt.GenerateFromPassword([]byte(smtpPass), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	pwFile, usersFile := filepath.Join(dir, "upstream.pass"), filepath.Join(dir, "smtp-users")
	writeFile(t, pwFile, upstreamPass+"\n")
	writeFile(t, usersFile, "mailer:"+string(hash)+"\n")
	os.Chmod(pwFile, 0o600)
	os.Chmod(usersFile, 0o600)
	customers := sharedTestdata(t, "testdata/customers.csv")
	cfg := filepath.Join(dir, "dlprelay.yaml")
	writeFile(t, cfg, "customers:\n  file: "+customers+"\n"+
		"upstream:\n  tls: none\n  username: relayuser\n  password_file: "+pwFile+"\n"+
		"smtp:\n  auth:\n    users_file: "+usersFile+"\n    allow_insecure: true\n"+
		"log:\n  level: debug\n")
	p := startDlprelayWith(t, bin, procOptions{upstream: up.Addr, customers: customers, config: cfg, data: data})

	// SMTP AUTH: a wrong password, then the right one, then a message the
	// relay forwards with its upstream AUTH.
	c, err := smtp.Dial(p.listen)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Hello("client.test"); err != nil {
		t.Fatal(err)
	}
	if err := c.Auth(sasl.NewPlainClient("", "mailer", smtpWrong)); err == nil {
		t.Fatal("AUTH with a wrong password succeeded")
	}
	if err := c.Auth(sasl.NewPlainClient("", "mailer", smtpPass)); err != nil {
		t.Fatalf("AUTH: %v", err)
	}
	c.Close()
	if err := sendPlain(p.listen, "sales@dlprelay.example", "b@example.test", []byte("Subject: hi\r\n\r\nhello\r\n")); err != nil {
		t.Fatal(err)
	}
	if msgs := up.Messages(); len(msgs) != 1 || !msgs[0].Authenticated {
		t.Fatalf("upstream got %d messages (want 1, with AUTH)", len(msgs))
	}

	// Console: a failed and a successful login.
	resp, err := http.Post("http://"+p.admin+"/api/login", "application/json",
		strings.NewReader(`{"user":"olivia","password":"`+officerWrong+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		t.Fatal("console login with a wrong password succeeded")
	}
	newAPIClient(t, "http://"+p.admin, "olivia", officerPass)

	p.stop()
	out := p.output()
	if !strings.Contains(out, "authentication failed") {
		t.Errorf("the failed SMTP AUTH is not in the log (is the log captured?):\n%s", tailLines(out, 30))
	}
	for _, s := range []string{upstreamPass, smtpPass, smtpWrong, officerPass, officerWrong} {
		for _, form := range []string{s, base64.StdEncoding.EncodeToString([]byte(s)),
			base64.StdEncoding.EncodeToString([]byte("\x00mailer\x00" + s)), base64.StdEncoding.EncodeToString([]byte("\x00relayuser\x00" + s))} {
			if strings.Contains(out, form) {
				t.Errorf("the log holds a secret (%q):\n%s", form, out)
			}
		}
	}
	if strings.Contains(out, string(hash)) || strings.Contains(out, "$2a$") || strings.Contains(out, "$2b$") {
		t.Errorf("the log holds a bcrypt hash:\n%s", out)
	}
}

// TestSecretsFromEnvironmentAndAdminTLS runs the binary with the upstream
// password in an environment variable (upstream.password_env) and an
// HTTPS-only admin listener (admin.tls): /readyz answers over HTTPS and
// plain HTTP is refused, every console cookie is Secure, the password
// reaches the upstream's AUTH, and neither the password nor the admin
// key is in the log or in check-config's output, which also finds a
// relative password_file in $CREDENTIALS_DIRECTORY.
func TestSecretsFromEnvironmentAndAdminTLS(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	const (
		envPass     = "Env-Upstream-Pass-3c81d0"
		officerPass = "Officer-Pass-a4b2c9"
	)
	bin := buildDlprelayBinary(t)
	up := relaytest.NewUpstream(t)
	up.RequireAuth("relayuser", envPass)
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	addConsoleUser(t, data, "olivia", officerPass, users.Officer)
	certFile, keyFile, keyPEM, pool := relaytest.WriteSelfSigned(t, dir, "admin")
	customers := sharedTestdata(t, "testdata/customers.csv")
	cfg := filepath.Join(dir, "dlprelay.yaml")
	writeFile(t, cfg, "data_dir: "+data+"\ncustomers:\n  file: "+customers+"\n"+
		"upstream:\n  tls: none\n  username: relayuser\n  password_env: DLPRELAY_TEST_UPSTREAM_PW\n"+
		"admin:\n  tls:\n    cert_file: "+certFile+"\n    key_file: "+keyFile+"\n"+
		"log:\n  level: debug\n")
	env := append(os.Environ(), "DLPRELAY_TEST_UPSTREAM_PW="+envPass)
	p := startDlprelayTLS(t, bin, env, pool, "-config", cfg, "-upstream", up.Addr, "-data", data)
	https := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}

	// HTTPS only.
	resp, err := http.Get("http://" + p.admin + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || strings.Contains(string(body), "ready\n") {
		t.Errorf("plain GET /readyz = %s %q; want 400 from the TLS layer", resp.Status, body)
	}

	// The env password reaches the upstream's AUTH.
	if err := sendPlain(p.listen, "sales@dlprelay.example", "b@example.test", []byte("Subject: hi\r\n\r\nhello\r\n")); err != nil {
		t.Fatal(err)
	}
	if msgs := up.Messages(); len(msgs) != 1 || !msgs[0].Authenticated {
		t.Fatalf("upstream got %d messages (want 1, with AUTH)", len(msgs))
	}

	// Console cookies over HTTPS: all Secure.
	cookies := map[string]*http.Cookie{}
	resp, err = https.Get("https://" + p.admin + "/console/login?lang=en")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for _, c := range resp.Cookies() {
		cookies[c.Name] = c
	}
	resp, err = https.Post("https://"+p.admin+"/api/login", "application/json",
		strings.NewReader(`{"user":"olivia","password":"`+officerPass+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("console login over HTTPS: %s", resp.Status)
	}
	for _, c := range resp.Cookies() {
		cookies[c.Name+" (login)"] = c
	}
	if len(cookies) < 2 {
		t.Errorf("want the login page's and the session's cookies, got %d", len(cookies))
	}
	for name, c := range cookies {
		if !c.Secure || !c.HttpOnly {
			t.Errorf("cookie %s: Secure %v HttpOnly %v; want both", name, c.Secure, c.HttpOnly)
		}
	}

	// check-config reads the same secrets and prints none of them; a
	// relative password_file is found in $CREDENTIALS_DIRECTORY.
	check := func(conf string, env []string) string {
		t.Helper()
		cmd := exec.Command(bin, "check-config", "-config", conf)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("check-config %s: %v\n%s", filepath.Base(conf), err, out)
		}
		return string(out)
	}
	outputs := p.output() + check(cfg, env)
	creds := filepath.Join(dir, "credentials")
	os.Mkdir(creds, 0o700)
	writeFile(t, filepath.Join(creds, "upstream-password"), envPass+"\n")
	credCfg := filepath.Join(dir, "credentials.yaml")
	writeFile(t, credCfg, "data_dir: "+data+"\ncustomers:\n  file: "+customers+"\n"+
		"upstream:\n  username: relayuser\n  password_file: upstream-password\n")
	outputs += check(credCfg, append(os.Environ(), "CREDENTIALS_DIRECTORY="+creds))

	p.stop()
	outputs += p.output()
	if !strings.Contains(outputs, "tls=true") {
		t.Errorf("the log does not say the admin listener uses TLS:\n%s", tailLines(p.output(), 30))
	}
	keyBody := strings.Split(keyPEM, "\n")[1]
	for _, s := range []string{envPass, base64.StdEncoding.EncodeToString([]byte("\x00relayuser\x00" + envPass)), officerPass, keyBody, "PRIVATE KEY"} {
		if strings.Contains(outputs, s) {
			t.Errorf("the log or check-config output holds a secret (%q):\n%s", s, outputs)
		}
	}
}

// TestAdminPlainHTTPWarning: an admin listener other hosts can reach,
// without TLS, with the console on, is warned about at start.
func TestAdminPlainHTTPWarning(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildDlprelayBinary(t)
	up := relaytest.NewUpstream(t)
	for _, tc := range []struct {
		admin string
		warn  bool
	}{
		{"0.0.0.0:0", true},
		{"127.0.0.1:0", false},
	} {
		p := startDlprelayTLS(t, bin, os.Environ(), nil, "-upstream", up.Addr, "-admin", tc.admin, "-data", t.TempDir(),
			"-customers", sharedTestdata(t, "testdata/customers.csv"))
		p.stop()
		if got := strings.Contains(p.output(), "the admin listener takes plain HTTP from other hosts"); got != tc.warn {
			t.Errorf("admin on %s: warning logged %v, want %v:\n%s", tc.admin, got, tc.warn, tailLines(p.output(), 20))
		}
	}
}

// startDlprelayTLS runs `dlprelay serve` with the environment env and
// args on a free SMTP port and, unless args choose one, a free admin
// port. With pool it waits for /readyz over HTTPS, trusting pool; without
// it, for the "dlprelay started" log line. It stops the process when the
// test ends.
func startDlprelayTLS(t *testing.T, bin string, env []string, pool *x509.CertPool, args ...string) *dlprelayProcess {
	t.Helper()
	dir := t.TempDir()
	p := &dlprelayProcess{
		listen: net.JoinHostPort("127.0.0.1", strconv.Itoa(loopbackPort(t))),
		admin:  net.JoinHostPort("127.0.0.1", strconv.Itoa(loopbackPort(t))),
		log:    filepath.Join(dir, "dlprelay.log"),
	}
	args = append([]string{"serve", "-listen", p.listen}, args...)
	if !slices.Contains(args, "-admin") {
		args = append(args, "-admin", p.admin)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	p.launch(t, cmd)
	t.Cleanup(p.stop)
	if pool != nil {
		https := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
		if err := waitHTTPOK(https, "dlprelay", "https://"+p.admin+"/readyz", p.exited, 30*time.Second); err != nil {
			t.Fatalf("%v\n%s", err, tailLines(p.output(), 30))
		}
		return p
	}
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		select {
		case err := <-p.exited:
			p.exited <- err
			t.Fatalf("dlprelay exited before it was ready: %v\n%s", err, tailLines(p.output(), 30))
		default:
		}
		if strings.Contains(p.output(), "dlprelay started") {
			return p
		}
	}
	t.Fatalf("dlprelay did not become ready:\n%s", tailLines(p.output(), 30))
	return nil
}
