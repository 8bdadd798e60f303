// Command dlprelay is an outbound-mail data-loss-prevention relay: the
// company MTA uses it as its smarthost, and it scans every message for rows
// of the customer list before passing, flagging, quarantining or rejecting
// it.
//
// Usage:
//
//	dlprelay serve [-config FILE] [-listen ADDR] [-upstream HOST:PORT] [-customers FILE.csv] [-admin ADDR] [-data DIR]
//	dlprelay scan [-config FILE] [-customers FILE.csv] [-json] [-sender ADDR] [-rcpt ADDR] FILE.eml...
//	dlprelay check-config [-config FILE] [-customers FILE.csv]
//	dlprelay version
//	dlprelay healthcheck [-config FILE | -url URL] [-timeout D] [-insecure]
//	dlprelay sink [-listen ADDR] [-dir DIR]
//	dlprelay quarantine list|show|release|approve|delete|note|hold [-config FILE] [-data DIR] -user NAME [flags] [ID]
//	dlprelay audit verify [-config FILE] [-data DIR]
//	dlprelay audit export [-config FILE] [-data DIR] -user ADMIN -why TEXT [-format csv|json] [-o FILE]
//	dlprelay users add|list|passwd|role|disable|enable|unlock [-config FILE] [-data DIR] -user ADMIN [flags] [NAME]
//	dlprelay customers status|accept [-config FILE] [-customers FILE.csv] [-data DIR] [-why TEXT]
//
// The quarantine, audit and users commands work on the stores in data_dir
// beside a running relay, with the compliance console's roles; the
// password of -user comes from $DLPRELAY_PASSWORD or a line of stdin. The
// customers commands compare the customer list with the last accepted one
// and confirm a list that a start or reload refused for its drop.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

type command struct {
	name    string
	summary string
	run     func(args []string, stdout, stderr io.Writer) int
}

var commands = []command{
	{"serve", "run the relay", runServe},
	{"scan", "scan .eml files offline and print findings and verdicts", runScan},
	{"check-config", "validate the configuration and load the customer list", runCheckConfig},
	{"version", "print the version", runVersion},
	{"healthcheck", "ask a running relay's /readyz (exit 0 ready, 1 not)", runHealthcheck},
	{"sink", "development upstream that saves what it receives (for trying dlprelay)", runSink},
	{"quarantine", "list, show, release, approve, delete, annotate and hold quarantined mail", runQuarantine},
	{"audit", "verify or export the audit log", runAudit},
	{"users", "manage the compliance console's users", runUsers},
	{"customers", "compare the customer list with the accepted one, or accept a shorter list", runCustomers},
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands {
		if c.name == args[0] {
			return c.run(args[1:], stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "dlprelay: unknown command %q\n\n", args[0])
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintf(w, "dlprelay: outbound mail DLP relay\n\nUsage: dlprelay <command> [flags]\n\nCommands:\n")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-13s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, "\nRun 'dlprelay <command> -h' for the flags of a command.\n")
}

// newFlags returns the flag set of a subcommand; -h prints the synopsis, the
// description and the flags.
func newFlags(name, synopsis, description string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: dlprelay %s\n\n%s\n", synopsis, description)
		n := 0
		fs.VisitAll(func(*flag.Flag) { n++ })
		if n > 0 {
			fmt.Fprintf(stderr, "\nFlags:\n")
			fs.PrintDefaults()
		}
	}
	return fs
}

// parseFlags parses args; stop says the command should exit with code: 0
// after -h, 2 after a bad flag.
func parseFlags(fs *flag.FlagSet, args []string) (code int, stop bool) {
	err := fs.Parse(args)
	switch {
	case err == nil:
		return 0, false
	case errors.Is(err, flag.ErrHelp):
		return 0, true
	}
	return 2, true
}
