package config

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"
)

// FuzzParse feeds arbitrary bytes to Parse. It must not panic; a config it
// accepts must validate; every error must be a *FieldError naming the file.
// The seed corpus is in testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	if example, err := os.ReadFile(examplePath); err == nil {
		f.Add(example)
	}
	f.Add([]byte(base))
	f.Add([]byte(base + "smtp:\n  allowed_networks: [10.0.0.0/8, '::1', 192.0.2.1]\n  max_message_bytes: 10MiB\n"))
	f.Add([]byte("a: &a [*a]\n"))
	f.Add([]byte("x: &x {level: info}\nlog:\n  <<: *x\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data, "fuzz.yaml")
		if err == nil {
			if verr := c.Validate(); verr != nil {
				t.Fatalf("Parse accepted a config that does not validate: %v", verr)
			}
			return
		}
		var errs []error
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			errs = j.Unwrap()
		} else {
			errs = []error{err}
		}
		for _, e := range errs {
			var fe *FieldError
			if !errors.As(e, &fe) {
				t.Fatalf("error %v (%T) is not a *FieldError", e, e)
			}
			if fe.File != "fuzz.yaml" || !strings.HasPrefix(fe.Error(), "fuzz.yaml") {
				t.Fatalf("error %q does not name the file", fe)
			}
			// YAML also breaks lines at a lone CR.
			if fe.Line < 0 || fe.Line > bytes.Count(data, []byte("\n"))+bytes.Count(data, []byte("\r"))+2 {
				t.Fatalf("error %q has line %d beyond the input", fe, fe.Line)
			}
		}
	})
}

// FuzzParseUsers feeds arbitrary bytes to the users file parser. It must not
// panic, and every user it accepts must have a well-formed hash.
func FuzzParseUsers(f *testing.F) {
	f.Add([]byte("# users\nalice:" + dummyHash + "\n\nbob:$2y$04$abcdefghijklmnopqrstuu5Jm3jYNBvBTXmB1q2w4cY0aTBr.nT1a\n"))
	f.Add([]byte("alice\n:x\na b:c\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		users, err := parseUsers(bytes.NewReader(data), "users")
		if err != nil {
			return
		}
		for u, h := range users {
			if u == "" || strings.ContainsAny(u, ": \t\r\n") {
				t.Fatalf("accepted user name %q", u)
			}
			if err := checkBcryptHash(string(h)); err != nil {
				t.Fatalf("accepted hash for %q: %v", u, err)
			}
		}
	})
}
