//go:build postfix || exim

package main

// Helpers for the real-MTA tests (postfix_test.go, exim_test.go): they run
// the example configurations in configs/mta/ themselves, changing only
// addresses and paths, so the examples cannot drift from what is tested.

import (
	"os"
	"strings"
	"testing"
)

// mtaExample returns the text of configs/mta/rel.
func mtaExample(t *testing.T, rel string) string {
	t.Helper()
	b, err := os.ReadFile(sharedTestdata(t, "configs/mta/"+rel))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// activeLines drops comment lines (first non-blank character '#') and
// blank lines, as Postfix's main.cf and Exim's configuration parser do.
func activeLines(text string) string {
	var b strings.Builder
	for _, line := range strings.Split(text, "\n") {
		if s := strings.TrimSpace(line); s == "" || s[0] == '#' {
			continue
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	return b.String()
}

// replaceOnce replaces old with new in s and fails the test unless old occurs
// exactly once: an example that changed shape must be looked at, not patched
// silently in the wrong place.
func replaceOnce(t *testing.T, s, old, new, where string) string {
	t.Helper()
	if n := strings.Count(s, old); n != 1 {
		t.Fatalf("%s: %q occurs %d times, want once", where, old, n)
	}
	return strings.Replace(s, old, new, 1)
}

// masterServices splits a master.cf text into its service entries, comments
// dropped, keyed by "service/type" (such as "smtp/inet"). An entry is a line
// starting with a non-blank character and the indented lines after it.
func masterServices(t *testing.T, text string) map[string]string {
	t.Helper()
	services := map[string]string{}
	var key string
	for _, line := range strings.Split(activeLines(text), "\n") {
		if line == "" {
			continue
		}
		if line[0] != ' ' && line[0] != '\t' {
			f := strings.Fields(line)
			if len(f) < 8 {
				t.Fatalf("master.cf entry %q has %d fields, want at least 8", line, len(f))
			}
			key = f[0] + "/" + f[1]
			if _, dup := services[key]; dup {
				t.Fatalf("master.cf has two %s entries", key)
			}
		} else if key == "" {
			t.Fatalf("master.cf continuation line %q before any entry", line)
		}
		services[key] += line + "\n"
	}
	return services
}

// worldTempDir makes a world-searchable (0755) directory for an MTA
// instance and removes it when the test ends. The MTA's daemons drop root
// and must reach it, so it cannot be t.TempDir() (0700).
func worldTempDir(t *testing.T, prefix string) string {
	t.Helper()
	dir, err := os.MkdirTemp("", prefix)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := os.RemoveAll(dir); err != nil {
			t.Logf("remove %s: %v", dir, err)
		}
	})
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}
