package main

// The customers commands show and confirm the customer list the relay
// judges against (relay/listguard): status compares the list file with the
// accepted one in data_dir, accept records the file as accepted after an
// operator looked at it. They read the list with the relay's own code
// (inspect.ReadList), so the count and the SHA-256 are the ones the relay
// will see.

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/user"
	"path/filepath"
	"strings"

	"github.com/dlprelay/dlprelay/relay/audit"
	"github.com/dlprelay/dlprelay/relay/config"
	"github.com/dlprelay/dlprelay/relay/inspect"
	"github.com/dlprelay/dlprelay/relay/listguard"
)

const customersDescription = "Shows and confirms the customer list against the last accepted one, kept in\ndata_dir/" + listguard.FileName + ". A start or reload refuses a list with\nno records, and one with fewer than (100% - customers.max_drop) of the accepted\nlist's records, until an operator accepts it here. Run as the relay's system\nuser, so that the files stay the relay's."

var customersCommands = []subcommand{
	{"status", "compare the list file with the accepted list (exit 1: a reload would refuse it)", runCustomersStatus},
	{"accept", "record the list file as accepted, whatever its drop; then reload the relay", runCustomersAccept},
}

func runCustomers(args []string, stdout, stderr io.Writer) int {
	return runCustomersEnv(processEnv(), args, stdout, stderr)
}

func runCustomersEnv(env *cliEnv, args []string, stdout, stderr io.Writer) int {
	return runGroup("customers", customersDescription, customersCommands, env, args, stdout, stderr)
}

// customersFlags are -config, -customers and -data, as serve takes them:
// give the same ones the relay runs with.
func customersFlags(fs *flag.FlagSet) *configFlags {
	var cf configFlags
	fs.StringVar(&cf.config, "config", "", "configuration `file` (YAML); default: the embedded laptop default (data in ./var)")
	fs.StringVar(&cf.customers, "customers", "", "customer list `file.csv`, overrides customers.file (as serve -customers)")
	fs.StringVar(&cf.data, "data", "", "data `directory`, overrides data_dir (as serve -data)")
	return &cf
}

func runCustomersStatus(env *cliEnv, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("customers status", "customers status [-config FILE] [-customers FILE.csv] [-data DIR]",
		"Reads the customer list as the relay does and compares it with the accepted list\nin data_dir: both record counts, the drop, and whether a start or reload would\nload it. It changes nothing.\nExit status: 0 a reload would load the list, 1 it would refuse it (or the list\nor the state cannot be read), 2 usage.", stderr)
	cf := customersFlags(fs)
	if _, code, stop := parseArgs(fs, args, 0); stop {
		return code
	}
	return report(stderr, customersStatus(cf, stdout))
}

func customersStatus(cf *configFlags, stdout io.Writer) error {
	cfg, err := cf.load()
	if err != nil {
		return err
	}
	_, l, err := inspect.ReadList(cfg)
	if errors.Is(err, listguard.ErrEmpty) {
		fmt.Fprintf(stdout, "customer list %s: 0 records\nrefused: %v\n", printable(l.File), err)
		return errQuiet
	}
	if err != nil {
		return err
	}
	printList(stdout, l)
	prior, perr := listguard.Read(cfg.DataDir)
	printAccepted(stdout, cfg, l, prior, perr)
	guard := &listguard.Guard{Dir: cfg.DataDir}
	dec, err := guard.Check(l, cfg.Customers.MaxDrop)
	switch {
	case err != nil:
		fmt.Fprintf(stdout, "refused: a start or reload would not load this list: %s\n", printable(err.Error()))
		return errQuiet
	case dec.Same():
		fmt.Fprintln(stdout, "ok: this is the accepted list")
	case dec.FirstLoad():
		fmt.Fprintln(stdout, "ok: a start or reload would load this list and record it as accepted")
	default:
		fmt.Fprintln(stdout, "ok: a start or reload would load this list and record it as the new accepted list")
	}
	return nil
}

func runCustomersAccept(env *cliEnv, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("customers accept", "customers accept -why TEXT [-config FILE] [-customers FILE.csv] [-data DIR]",
		"Reads the customer list as the relay does, prints its record count against the\naccepted list's and the drop, and records it as the accepted list, however much\nshorter it is: confirm a list that a start or reload refused (customers.max_drop),\nafter checking that it is meant to be that short. A list with no records is\nrefused: no one can accept it. The acceptance is written to the audit log\n("+string(audit.ActionCustomersAccept)+", as the operating-system user running this command).\nThe running relay loads the list at its next reload: send it SIGHUP afterwards.\nExit status: 0 accepted (or already the accepted list), 1 refused or failed,\n2 usage.", stderr)
	cf := customersFlags(fs)
	why := fs.String("why", "", "why the list is accepted (`text`, recorded in the audit log)")
	if _, code, stop := parseArgs(fs, args, 0); stop {
		return code
	}
	return report(stderr, customersAccept(env, cf, *why, stdout))
}

func customersAccept(env *cliEnv, cf *configFlags, why string, stdout io.Writer) error {
	why, err := checkWhy(why)
	if err != nil {
		return err
	}
	cfg, err := cf.load()
	if err != nil {
		return err
	}
	// A wrong -data or data_dir must not leave a state file where no
	// relay looks.
	if fi, err := os.Stat(cfg.DataDir); err != nil || !fi.IsDir() {
		return refusedf("data_dir %s is not a directory: is -config (or -data) the relay's?", cfg.DataDir)
	}
	_, l, err := inspect.ReadList(cfg)
	if err != nil {
		return err // an empty list too: it cannot be accepted
	}
	printList(stdout, l)
	prior, perr := listguard.Read(cfg.DataDir)
	printAccepted(stdout, cfg, l, prior, perr)
	if perr == nil && prior != nil && (listguard.Decision{List: l, Prior: prior}).Same() {
		fmt.Fprintln(stdout, "already the accepted list; nothing recorded")
		return nil
	}
	by := osUser(env)
	detail := map[string]string{
		"via": "cli", "actor": "os_user", "records": fmt.Sprint(l.Records), "sha256": l.Sum(),
		"max_drop": cfg.Customers.MaxDrop.String(),
	}
	switch {
	case perr != nil:
		detail["accepted_records"] = "unreadable"
	case prior == nil:
		detail["accepted_records"] = "none"
	default:
		detail["accepted_records"] = fmt.Sprint(prior.Records)
		detail["drop"] = listguard.FormatDrop(l.Records, prior.Records)
	}
	if s := env.getenv("SUDO_USER"); s != "" {
		detail["sudo_user"] = clipName(s)
	}
	// Audited first: an acceptance that is not in the audit log does not
	// happen.
	log, err := audit.Open(filepath.Join(cfg.DataDir, auditFile))
	if err != nil {
		return err
	}
	defer log.Close()
	ev := audit.Event{Actor: by, Action: audit.ActionCustomersAccept, Target: clipName(l.File), Justification: why, Detail: detail}
	if _, err := log.Append(context.Background(), ev); err != nil {
		return fmt.Errorf("recording %s in the audit log: %w", ev.Action, err)
	}
	acc, err := (&listguard.Guard{Dir: cfg.DataDir}).Accept(l, by)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "accepted by %s: %d records recorded in %s\nthe relay loads this list at its next reload: send it SIGHUP (systemctl reload dlprelay, or kill -HUP PID)\n",
		printable(acc.By), acc.Records, listguard.Path(cfg.DataDir))
	return nil
}

// printList prints what the relay read: the file, its records and SHA-256.
func printList(w io.Writer, l listguard.List) {
	fmt.Fprintf(w, "customer list %s: %d records, sha256 %s\n", printable(l.File), l.Records, l.Sum())
}

// printAccepted prints the accepted list in data_dir and the drop against
// it.
func printAccepted(w io.Writer, cfg *config.Config, l listguard.List, prior *listguard.Accepted, perr error) {
	switch {
	case perr != nil:
		fmt.Fprintf(w, "accepted list: unreadable: %s\n", printable(perr.Error()))
	case prior == nil:
		fmt.Fprintf(w, "accepted list: none yet in %s (the first list loaded is accepted)\n", cfg.DataDir)
	default:
		by := ""
		if prior.By != "" {
			by = " by " + printable(prior.By)
		}
		fmt.Fprintf(w, "accepted list: %d records, sha256 %s, accepted %s (%s%s)\n", prior.Records, prior.SHA256,
			prior.At.UTC().Format("2006-01-02 15:04:05Z"), prior.How, by)
		fmt.Fprintf(w, "drop: %s (customers.max_drop %s)\n", listguard.FormatDrop(l.Records, prior.Records), cfg.Customers.MaxDrop)
	}
}

// osUser names the operating-system user running the command, for the
// audit log and the state file.
func osUser(env *cliEnv) string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return clipName(u.Username)
	}
	if s := strings.TrimSpace(env.getenv("USER")); s != "" {
		return clipName(s)
	}
	return fmt.Sprintf("uid %d", os.Getuid())
}
