package main

import (
	"context"
	"encoding/base64"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
	dirUsers, err := users.Open(filepath.Join(data, "users.db"), users.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dirUsers.Add(context.Background(), "olivia", officerPass, users.Officer); err != nil {
		t.Fatal(err)
	}
	dirUsers.Close()
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
