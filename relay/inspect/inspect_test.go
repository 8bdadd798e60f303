package inspect

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dlprelay/dlprelay/policy"
	"github.com/dlprelay/dlprelay/relay/config"
)

func sampleConfig() *config.Config {
	cfg := config.Embedded()
	cfg.Customers.File = filepath.Join("..", "..", "testdata", "customers.csv")
	return cfg
}

func TestBuildAndInspect(t *testing.T) {
	var logs bytes.Buffer
	eng, err := Build(sampleConfig(), Options{Log: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if eng.Records() != 30 || eng.Patterns() == 0 {
		t.Errorf("records %d patterns %d", eng.Records(), eng.Patterns())
	}
	if !strings.Contains(logs.String(), "records_done=30") {
		t.Errorf("no build progress in the log:\n%s", logs.String())
	}
	tests := map[string]policy.Action{
		"01-clean-plain.eml":  policy.Pass,
		"02-rows-plain.eml":   policy.Quarantine,
		"03-iso2022jp.eml":    policy.Flag,
		"90-lone-surname.eml": policy.Pass,
	}
	for name, want := range tests {
		f, err := os.Open(filepath.Join("..", "..", "testdata", "mail", name))
		if err != nil {
			t.Fatal(err)
		}
		d, err := eng.Inspect(context.Background(), Envelope{Sender: "a@corp.example", Recipients: []string{"b@example.net"}}, f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if d.Verdict.Action != want {
			t.Errorf("%s: verdict %v, want %v (records %v)", name, d.Verdict.Action, want, d.RecordIDs())
		}
		if d.Verdict.Records > len(d.RecordIDs()) {
			t.Errorf("%s: verdict counts %d records, result has only %d", name, d.Verdict.Records, len(d.RecordIDs()))
		}
	}
}

func TestBuildFailsClosed(t *testing.T) {
	cfg := sampleConfig()
	cfg.Customers.File = filepath.Join(t.TempDir(), "missing.csv")
	if _, err := Build(cfg, Options{}); err == nil || !strings.Contains(err.Error(), "missing.csv") {
		t.Fatalf("err = %v, want an error naming the file", err)
	}
}

func TestLimitsFromConfig(t *testing.T) {
	cfg := sampleConfig()
	cfg.Scan.MaxArchiveEntries, cfg.Scan.MaxArchiveDepth, cfg.Scan.MaxExpansionRatio = 7, 2, 33
	l := Limits(cfg)
	if l.MaxArchiveEntries != 7 || l.MaxArchiveDepth != 2 || l.MaxExpansionRatio != 33 || l.MaxDepth != cfg.Scan.MaxDepth || l.Timeout != cfg.Scan.Timeout {
		t.Errorf("limits not carried over: %+v", l)
	}
}
