package detect

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// pinsFile holds, per sample message, a hash of the message and a hash of
// where its golden result places matches (part paths and offsets), with
// the ExtractorVersion they were taken at.
const pinsFile = "testdata/extractor-pins.json"

type pins struct {
	Extractor int            `json:"extractor"`
	Files     map[string]pin `json:"files"`
}

type pin struct {
	Message string `json:"message"` // SHA-256 of the .eml
	Matches string `json:"matches"` // SHA-256 of the golden's match places
}

// TestExtractorVersionPinned fails when a change to extraction or
// normalization moves a match of a sample message (a path or an offset
// in testdata/golden) while ExtractorVersion stays the same: stored
// findings would then be revealed at the wrong text (see
// ExtractorVersion). After such a change, bump ExtractorVersion and run
// go test -run TestExtractorVersionPinned -update. A sample message that
// is new, or was remade (its bytes changed), is pinned again by -update
// without a bump.
func TestExtractorVersionPinned(t *testing.T) {
	var have pins
	if b, err := os.ReadFile(pinsFile); err == nil {
		if err := json.Unmarshal(b, &have); err != nil {
			t.Fatalf("%s: %v", pinsFile, err)
		}
	} else if !os.IsNotExist(err) {
		t.Fatal(err)
	}
	goldens, err := filepath.Glob(filepath.Join("testdata", "golden", "*.want.json"))
	if err != nil {
		t.Fatal(err)
	}
	now := pins{Extractor: ExtractorVersion, Files: map[string]pin{}}
	var moved []string
	for _, g := range goldens {
		name := strings.TrimSuffix(filepath.Base(g), ".want.json")
		eml, err := findSample(name)
		if err != nil {
			t.Fatal(err)
		}
		p, err := pinOf(eml, g)
		if err != nil {
			t.Fatal(err)
		}
		now.Files[name] = p
		old, ok := have.Files[name]
		if ok && old.Message == p.Message && old.Matches != p.Matches && have.Extractor == ExtractorVersion {
			moved = append(moved, name)
		}
	}
	if len(moved) > 0 && !*update {
		t.Fatalf("matches moved in %s with ExtractorVersion still %d: bump ExtractorVersion (detect/findings.go), then run go test ./detect -run TestExtractorVersionPinned -update", strings.Join(moved, ", "), ExtractorVersion)
	}
	if len(moved) > 0 {
		t.Fatalf("matches moved in %s: bump ExtractorVersion before -update pins them", strings.Join(moved, ", "))
	}
	if !equalPins(have, now) {
		if !*update {
			t.Fatalf("%s is out of date (new or remade sample messages, or a new ExtractorVersion): run go test ./detect -run TestExtractorVersionPinned -update", pinsFile)
		}
		b, _ := json.MarshalIndent(now, "", "  ")
		if err := os.WriteFile(pinsFile, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func equalPins(a, b pins) bool {
	if a.Extractor != b.Extractor || len(a.Files) != len(b.Files) {
		return false
	}
	for k, v := range a.Files {
		if b.Files[k] != v {
			return false
		}
	}
	return true
}

// findSample returns the .eml a golden belongs to (see TestGolden).
func findSample(name string) (string, error) {
	for _, dir := range []string{filepath.Join("..", "testdata", "mail"), filepath.Join("testdata", "mail")} {
		p := filepath.Join(dir, name+".eml")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("no sample message for golden %s", name)
}

func pinOf(eml, golden string) (pin, error) {
	msg, err := os.ReadFile(eml)
	if err != nil {
		return pin{}, err
	}
	b, err := os.ReadFile(golden)
	if err != nil {
		return pin{}, err
	}
	var res Result
	if err := json.Unmarshal(b, &res); err != nil {
		return pin{}, fmt.Errorf("%s: %w", golden, err)
	}
	var places []string
	for _, r := range res.Records {
		for _, m := range r.Matches {
			places = append(places, fmt.Sprintf("%s %s %s %d %d", r.ID, m.Field, m.Part, m.Start, m.End))
		}
	}
	slices.Sort(places)
	hm := sha256.Sum256(msg)
	hp := sha256.Sum256([]byte(strings.Join(places, "\n")))
	return pin{Message: hex.EncodeToString(hm[:]), Matches: hex.EncodeToString(hp[:])}, nil
}
