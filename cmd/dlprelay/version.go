package main

import (
	"flag"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
)

func runVersion(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("version", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: dlprelay version\n\nPrints the version, VCS revision and Go version.\n")
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	fmt.Fprintf(stdout, "dlprelay %s (%s, %s)\n", version, revision(), runtime.Version())
	return 0
}

// revision is the VCS revision the binary was built from, if known.
func revision() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown revision"
	}
	rev, dirty := "unknown revision", ""
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
			if len(rev) > 12 {
				rev = rev[:12]
			}
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "+dirty"
			}
		}
	}
	return rev + dirty
}
