package main

import (
	"bufio"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"
)

// runHealthcheck asks a running relay's admin listener whether it can take
// mail (GET /readyz), for a container HEALTHCHECK or a monitoring probe that
// has no curl. Exit status: 0 on 200, 1 on anything else — including a bad
// flag, since Docker reserves 2 — with one line on stderr saying why.
func runHealthcheck(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("healthcheck", "healthcheck [-config FILE | -url URL] [-timeout D] [-insecure]",
		"Asks a running relay whether it is ready to take mail: GET /readyz on the admin\n"+
			"listener of the configuration (admin.listen; a wildcard address such as \":8025\"\n"+
			"or \"0.0.0.0:8025\" is asked on loopback), or on -url. With admin.tls it asks\n"+
			"over https and verifies the certificate against the system roots: asked on\n"+
			"loopback, the certificate needs 127.0.0.1 among its names, or give -insecure.\n"+
			"Exit status: 0 ready (200), 1 not ready, unreachable or bad flags; the reason\n"+
			"is one line on stderr.", stderr)
	var (
		configFile = fs.String("config", "", "configuration `file` (YAML) whose admin.listen is asked; default: the embedded default (127.0.0.1:8025)")
		rawURL     = fs.String("url", "", "readiness `URL` to GET instead, e.g. https://127.0.0.1:8025/readyz; overrides -config")
		timeout    = fs.Duration("timeout", 5*time.Second, "give up after this `duration` (connect, TLS and response)")
		insecure   = fs.Bool("insecure", false, "with https, do not verify the server certificate (say, one for a public name, asked on loopback); nothing secret is sent")
	)
	if code, stop := parseFlags(fs, args); stop {
		if code != 0 {
			return 1
		}
		return 0
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "dlprelay: healthcheck: unexpected argument %q\n", fs.Arg(0))
		return 1
	}
	if *timeout <= 0 {
		fmt.Fprintf(stderr, "dlprelay: healthcheck: -timeout is %v; want a positive duration\n", *timeout)
		return 1
	}
	target := *rawURL
	if target == "" {
		cf := configFlags{config: *configFile}
		cfg, err := cf.load()
		if err != nil {
			fmt.Fprintf(stderr, "dlprelay: healthcheck: %s\n", oneLine(err.Error()))
			return 1
		}
		scheme := "http"
		if cfg.Admin.TLS.CertFile != "" {
			scheme = "https" // the admin listener speaks only HTTPS then
		}
		if target, err = readyURL(cfg.Admin.Listen, scheme); err != nil {
			fmt.Fprintf(stderr, "dlprelay: healthcheck: %v\n", err)
			return 1
		}
	} else if u, err := url.Parse(target); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		fmt.Fprintf(stderr, "dlprelay: healthcheck: -url is %q; want http:// or https://host:port/path\n", target)
		return 1
	}
	status, err := checkReady(target, *timeout, *insecure)
	if err != nil {
		fmt.Fprintf(stderr, "dlprelay: healthcheck: %s\n", oneLine(err.Error()))
		return 1
	}
	fmt.Fprintf(stdout, "%s: %s\n", target, status)
	return 0
}

// readyURL turns an admin listen address into the URL of its /readyz: a
// wildcard or empty host becomes loopback, since that is where a probe
// running beside the relay (in its container, on its host) reaches it.
func readyURL(listen, scheme string) (string, error) {
	if listen == "" {
		return "", errors.New("admin.listen is empty (the admin listener is off); give -url")
	}
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return "", fmt.Errorf("admin.listen is %q: %v", listen, err)
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
		if ip != nil && ip.To4() == nil {
			host = "::1" // "[::]:8025" may be IPv6-only
		}
	}
	u := url.URL{Scheme: scheme, Host: net.JoinHostPort(host, port), Path: "/readyz"}
	return u.String(), nil
}

// checkReady GETs target and returns the first line of the body on 200. Any
// other status is an error carrying the status and that line (the /readyz
// body says why the relay is not ready and never carries customer data).
// Redirects are not followed and no proxy is used.
func checkReady(target string, timeout time.Duration, insecure bool) (string, error) {
	tr := &http.Transport{
		Proxy:             nil,
		DisableKeepAlives: true,
		DialContext:       (&net.Dialer{Timeout: timeout}).DialContext,
	}
	if insecure {
		tr.TLSClientConfig = &tls.Config{InsecureSkipVerify: true}
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{
		Transport:     tr,
		Timeout:       timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	resp, err := client.Get(target)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	line := firstLine(resp.Body)
	if resp.StatusCode != http.StatusOK {
		if line == "" {
			return "", fmt.Errorf("%s: %s", target, resp.Status)
		}
		return "", fmt.Errorf("%s: %s: %s", target, resp.Status, line)
	}
	return line, nil
}

// firstLine returns the first line of r, at most 200 bytes of it.
func firstLine(r io.Reader) string {
	s := bufio.NewScanner(io.LimitReader(r, 4096))
	s.Buffer(make([]byte, 0, 4096), 4096)
	if !s.Scan() {
		return ""
	}
	line := strings.Map(func(r rune) rune {
		if !unicode.IsPrint(r) {
			return '?'
		}
		return r
	}, strings.TrimSpace(s.Text()))
	if len(line) > 200 {
		line = line[:200] + "..."
	}
	return line
}

// oneLine joins the lines of a multi-line message (a config error lists
// every field) so that the reason stays one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", "; ")), " ")
}
