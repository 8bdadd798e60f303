package quarantine

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// TestOpenNoCleanup: a tool that opens the store beside the relay leaves
// the relay's files in flight alone; the relay's next Open still removes
// them.
func TestOpenNoCleanup(t *testing.T) {
	t.Parallel()
	ts := openTest(t)
	live := ts.put(t, sample(1), msgFor(1))
	write := func(name string, age time.Duration) {
		p := filepath.Join(ts.dir, name)
		if err := os.WriteFile(p, []byte("in flight"), 0o600); err != nil {
			t.Fatal(err)
		}
		mt := ts.clock.Now().Add(-age)
		if err := os.Chtimes(p, mt, mt); err != nil {
			t.Fatal(err)
		}
	}
	write(".tmp-0011223344556677", 0)      // a Put writing its message
	write("orphan-old.eml", 2*time.Minute) // would be removed as an orphan
	all := []string{".tmp-0011223344556677", live.ID + ".eml", "orphan-old.eml"}
	slices.Sort(all)

	tool, err := Open(ts.data, Options{Now: ts.clock.Now, NoCleanup: true})
	if err != nil {
		t.Fatalf("Open with NoCleanup: %v", err)
	}
	if got := names(t, ts.dir); !slices.Equal(got, all) {
		t.Errorf("after Open with NoCleanup: %v\nwant %v", got, all)
	}
	if err := tool.Close(); err != nil {
		t.Fatal(err)
	}

	ts.reopen(t)
	if got, want := names(t, ts.dir), []string{live.ID + ".eml"}; !slices.Equal(got, want) {
		t.Errorf("after Open: %v\nwant %v", got, want)
	}
}
