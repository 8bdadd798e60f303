package main

// The dlprelay side of each example in configs/mta/ must stay a valid
// configuration, also for the examples no test can run here (Microsoft 365).
// The MTA sides are run by the tagged tests (postfix_test.go, exim_test.go).

import (
	"path/filepath"
	"testing"

	"github.com/dlprelay/dlprelay/relay/config"
)

func TestMTAExampleConfigs(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join("..", "..", "configs", "mta", "*", "dlprelay.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 2 {
		t.Fatalf("found %d configs/mta/*/dlprelay.yaml, want the proxy-filter and Microsoft 365 ones", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(filepath.Dir(f)), func(t *testing.T) {
			t.Parallel()
			if _, err := config.Load(f); err != nil {
				t.Errorf("%v", err)
			}
		})
	}
}
