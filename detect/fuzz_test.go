package detect

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzScan feeds arbitrary bytes to Scan. Besides not crashing, a Result
// must be well formed: no error for in-memory input, records sorted by ID
// with sorted distinct fields, every part path unique, every matched
// segment belonging to a visited part, every match a non-empty range in a
// listed part and field, the byte count within limits, and contacts,
// addresses and attachments as checkContacts says.
// Seeds: the sample messages plus testdata/fuzz/FuzzScan.
func FuzzScan(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("..", "testdata", "mail", "*.eml"))
	own, _ := filepath.Glob(filepath.Join("testdata", "mail", "*.eml"))
	for _, file := range append(files, own...) {
		raw, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	s := sampleScanner(f)
	lim := DefaultLimits()
	f.Fuzz(func(t *testing.T, msg []byte) {
		res, err := s.Scan(context.Background(), bytes.NewReader(msg))
		if err != nil {
			t.Fatalf("Scan error on in-memory input: %v", err)
		}
		if !slices.IsSortedFunc(res.Records, func(a, b RecordHit) int { return strings.Compare(a.ID, b.ID) }) {
			t.Fatalf("records not sorted: %v", res.Records)
		}
		paths := map[string]bool{}
		for _, p := range res.Parts {
			if paths[p.Path] {
				t.Fatalf("part path %q twice", p.Path)
			}
			paths[p.Path] = true
		}
		for _, r := range res.Records {
			if len(r.Fields) == 0 || !slices.IsSorted(r.Fields) || len(slices.Compact(slices.Clone(r.Fields))) != len(r.Fields) {
				t.Fatalf("bad fields %v", r.Fields)
			}
			for _, seg := range r.Parts {
				if !paths[strings.TrimSuffix(seg, ".header")] {
					t.Fatalf("record %s matched in %q, not a visited part", r.ID, seg)
				}
			}
			if len(r.Matches) == 0 || len(r.Matches) > MaxMatchesPerRecord || r.MoreMatches < 0 || r.Closest < -1 {
				t.Fatalf("record %s: %d matches, %d more, closest %d", r.ID, len(r.Matches), r.MoreMatches, r.Closest)
			}
			for _, m := range r.Matches {
				if m.Start < 0 || m.End <= m.Start || m.End > res.BytesScanned || !slices.Contains(r.Parts, m.Part) || !slices.Contains(r.Fields, m.Field) {
					t.Fatalf("record %s: bad match %+v", r.ID, m)
				}
			}
		}
		if res.BytesScanned > lim.MaxTotalBytes || res.BytesScanned < 0 {
			t.Fatalf("BytesScanned = %d", res.BytesScanned)
		}
		if len(res.Parts) > lim.MaxParts {
			t.Fatalf("%d parts", len(res.Parts))
		}
		checkContacts(t, res, paths)
	})
}

// checkContacts checks Contacts, Addresses and Attachments: within their
// limits, contacts distinct and found in a body segment of a visited part,
// an email with exactly one "@", a mobile number 11 digits, addresses
// lower-case valid UTF-8.
func checkContacts(t *testing.T, res *Result, paths map[string]bool) {
	t.Helper()
	if len(res.Contacts) > MaxContacts || len(res.Addresses) > MaxAddresses {
		t.Fatalf("%d contacts, %d addresses", len(res.Contacts), len(res.Addresses))
	}
	seen := map[Contact]bool{}
	for _, c := range res.Contacts {
		key := Contact{Kind: c.Kind, Value: c.Value}
		if seen[key] || !paths[c.Part] {
			t.Fatalf("contact %+v twice, or not in a visited body part", c)
		}
		seen[key] = true
		switch c.Kind {
		case ContactEmail:
			local, domain, _ := strings.Cut(c.Value, "@")
			if strings.Count(c.Value, "@") != 1 || local == "" || !validDomain([]byte(domain)) || strings.ToLower(c.Value) != c.Value {
				t.Fatalf("bad email contact %+v", c)
			}
		case ContactMobile:
			if !isMobile([]byte(c.Value)) || strings.Trim(c.Value, "0123456789") != "" {
				t.Fatalf("bad mobile contact %+v", c)
			}
		default:
			t.Fatalf("contact kind %q", c.Kind)
		}
	}
	for _, a := range res.Addresses {
		if !strings.Contains(a.Addr, "@") || strings.ToLower(a.Addr) != a.Addr || !utf8.ValidString(a.Addr+a.Name) {
			t.Fatalf("bad address %+v", a)
		}
		switch a.Header {
		case "from", "sender", "reply-to", "to", "cc":
		default:
			t.Fatalf("address of header %q", a.Header)
		}
	}
	if res.Attachments < 0 || res.Attachments > len(res.Parts) {
		t.Fatalf("%d attachments of %d parts", res.Attachments, len(res.Parts))
	}
}
