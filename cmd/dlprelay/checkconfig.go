package main

import (
	"fmt"
	"io"
	"sort"

	"github.com/dlprelay/dlprelay/internal/keypair"
	"github.com/dlprelay/dlprelay/relay/config"
	"github.com/dlprelay/dlprelay/relay/inspect"
	"github.com/dlprelay/dlprelay/relay/listguard"
)

func runCheckConfig(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("check-config", "check-config [flags]",
		"Validates the configuration (errors name the field and line), loads the customer\nlist and builds the matcher, as serve would, and prints a summary. A list with\nno records, or one that a start or reload would refuse against the accepted list\nin data_dir (customers.max_drop; see 'dlprelay customers status'), is an error.\nExit status: 0 valid, 1 invalid.", stderr)
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
	// The accepted-list state is read, never written: check-config
	// changes nothing in data_dir.
	guard := &listguard.Guard{Dir: cfg.DataDir}
	var dec listguard.Decision
	eng, err := inspect.Build(cfg, inspect.Options{Admit: func(l listguard.List) (err error) {
		dec, err = guard.Check(l, cfg.Customers.MaxDrop)
		return err
	}})
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
	switch {
	case dec.Same():
		fmt.Fprintf(stdout, "  the accepted list (%s)\n", listguard.Path(cfg.DataDir))
	case dec.Prior != nil:
		fmt.Fprintf(stdout, "  accepted list: %d records; drop %s, within customers.max_drop %s\n",
			dec.Prior.Records, listguard.FormatDrop(eng.Records(), dec.Prior.Records), cfg.Customers.MaxDrop)
	case cfg.Customers.MaxDrop >= config.Percent100:
		fmt.Fprintf(stdout, "  customers.max_drop is 100%%: no drop is refused\n")
	default:
		fmt.Fprintf(stdout, "  no accepted list in %s: the relay accepts this one when it loads it\n", cfg.DataDir)
	}
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
