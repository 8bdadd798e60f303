package main

import (
	"fmt"
	"io"
	"sort"

	"github.com/dlprelay/dlprelay/internal/keypair"
	"github.com/dlprelay/dlprelay/relay/config"
	"github.com/dlprelay/dlprelay/relay/inspect"
)

func runCheckConfig(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("check-config", "check-config [flags]",
		"Validates the configuration (errors name the field and line), loads the customer\nlist and builds the matcher, as serve would, and prints a summary.\nExit status: 0 valid, 1 invalid.", stderr)
	var cf configFlags
	cf.register(fs, false)
	if code, stop := parseFlags(fs, args); stop {
		return code
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return 2
	}
	cfg, err := cf.load()
	if err != nil {
		fmt.Fprintf(stderr, "dlprelay: %v\n", err)
		return 1
	}
	eng, err := inspect.Build(cfg, inspect.Options{})
	if err != nil {
		fmt.Fprintf(stderr, "dlprelay: %v\n", err)
		return 1
	}
	if cfg.SMTP.Auth.UsersFile != "" {
		users, err := config.LoadUsers(cfg.SMTP.Auth.UsersFile)
		if err != nil {
			fmt.Fprintf(stderr, "dlprelay: smtp.auth.users_file: %v\n", err)
			return 1
		}
		fmt.Fprintf(stdout, "auth users: %d\n", len(users))
	}
	if _, err := upstreamConfig(cfg); err != nil {
		fmt.Fprintf(stderr, "dlprelay: %v\n", err)
		return 1
	}
	if _, err := keypair.Load("smtp.tls", cfg.SMTP.TLS.CertFile, cfg.SMTP.TLS.KeyFile); err != nil {
		fmt.Fprintf(stderr, "dlprelay: %v\n", err)
		return 1
	}
	if _, err := keypair.Load("admin.tls", cfg.Admin.TLS.CertFile, cfg.Admin.TLS.KeyFile); err != nil {
		fmt.Fprintf(stderr, "dlprelay: %v\n", err)
		return 1
	}
	src := cf.config
	if src == "" {
		src = "(embedded default)"
	}
	fmt.Fprintf(stdout, "config %s: ok\ncustomer list %s: %d records, %d patterns\n", src, cfg.Customers.File, eng.Records(), eng.Patterns())
	if cfg.Policy.Watchlist.File != "" {
		n, active := eng.Watchlist()
		fmt.Fprintf(stdout, "watchlist %s: %d entries, %d active now\n", cfg.Policy.Watchlist.File, n, active)
	}
	mode := "enforcing"
	if cfg.Policy.Monitor {
		mode = "monitor mode: every verdict is reported, all mail passes"
	}
	fmt.Fprintf(stdout, "policy: %d rules (%s), evaluated in this order:\n", len(cfg.Policy.Rules), mode)
	for _, r := range cfg.Policy.Rules {
		mon := ""
		if r.Monitor {
			mon = " (monitor)"
		}
		fmt.Fprintf(stdout, "  %s → %s%s\n", r.Name, r.Action, mon)
	}
	skipped := eng.Skipped()
	keys := make([]string, 0, len(skipped))
	for k := range skipped {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(stdout, "  left out of matching: %s: %d\n", k, skipped[k])
	}
	return 0
}
