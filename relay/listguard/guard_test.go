package listguard

import (
	"errors"
	"os"
	"testing"
	"time"

	"github.com/dlprelay/dlprelay/relay/config"
)

func newGuard(t *testing.T) (*Guard, *time.Time) {
	t.Helper()
	now := time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)
	return &Guard{Dir: t.TempDir(), Now: func() time.Time { return now }}, &now
}

// commit checks l and commits it as a reload would; it fails the test
// unless the check gives want (nil: passes).
func commit(t *testing.T, g *Guard, l List, maxDrop config.Percent, how How, want error) Accepted {
	t.Helper()
	d, err := g.Check(l, maxDrop)
	if want != nil {
		if !errors.Is(err, want) {
			t.Fatalf("Check(%d records) = %v, want %v", l.Records, err, want)
		}
		return Accepted{}
	}
	if err != nil {
		t.Fatalf("Check(%d records): %v", l.Records, err)
	}
	a, err := g.Commit(d, how)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestGuardLifecycle follows one data_dir: a first load, reloads within
// the bound, a refused drop, the operator's acceptance, and the reload
// after it.
func TestGuardLifecycle(t *testing.T) {
	t.Parallel()
	g, now := newGuard(t)
	const maxDrop = 50 * config.PercentPoint

	// First load: no state, accepted and recorded as such.
	a := commit(t, g, list(30), maxDrop, HowStart, nil)
	if a.How != HowFirstLoad || a.Records != 30 || a.SHA256 != list(30).Sum() || !a.At.Equal(*now) {
		t.Errorf("first load recorded %+v", a)
	}
	if got, _ := Read(g.Dir); got == nil || *got != a {
		t.Errorf("state %+v, want %+v", got, a)
	}

	// The same list again: nothing is written, the record stays.
	*now = now.Add(time.Hour)
	if b := commit(t, g, list(30), maxDrop, HowReload, nil); b != a {
		t.Errorf("same list: %+v, want the first record %+v", b, a)
	}

	// Within the bound: accepted, and the new baseline.
	b := commit(t, g, list(20), maxDrop, HowReload, nil)
	if b.How != HowReload || b.Records != 20 {
		t.Errorf("within the bound: %+v", b)
	}
	// 10 of 20 is at the bound; 9 is not (against 20, not the first 30).
	commit(t, g, list(9), maxDrop, HowReload, ErrDrop)
	commit(t, g, list(0), maxDrop, HowReload, ErrEmpty)
	if got, _ := Read(g.Dir); got.Records != 20 {
		t.Errorf("a refused list changed the state: %+v", got)
	}

	// The operator accepts the short list; the next reload loads it.
	acc, err := g.Accept(list(9), "alice")
	if err != nil {
		t.Fatal(err)
	}
	if acc.How != HowOperator || acc.By != "alice" || acc.Records != 9 {
		t.Errorf("accepted %+v", acc)
	}
	d, err := g.Check(list(9), maxDrop)
	if err != nil || !d.Same() {
		t.Fatalf("after accept: %+v, %v; want the accepted list", d, err)
	}
	if c, _ := g.Commit(d, HowReload); c != acc {
		t.Errorf("the reload after accept rewrote the record: %+v, want %+v", c, acc)
	}

	// An empty list cannot be accepted, even by an operator.
	if _, err := g.Accept(list(0), "alice"); !errors.Is(err, ErrEmpty) {
		t.Errorf("Accept(empty) = %v, want ErrEmpty", err)
	}
	if got, _ := Read(g.Dir); *got != acc {
		t.Errorf("state after refusing an empty accept: %+v", got)
	}
}

// TestGuardUnreadableState: a state file that cannot be read refuses every
// list (not only small ones) until an operator accepts one, unless the
// check is off.
func TestGuardUnreadableState(t *testing.T) {
	t.Parallel()
	g, _ := newGuard(t)
	if err := os.WriteFile(Path(g.Dir), []byte(`{"version":1,"records":30`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{1, 30, 1000} {
		_, err := g.Check(list(n), 5000)
		var r *Refusal
		if !errors.As(err, &r) || r.Reason != ReasonState || !errors.Is(err, ErrState) {
			t.Fatalf("Check(%d) with a broken state: %v, want a ReasonState refusal", n, err)
		}
		if r.Path != Path(g.Dir) {
			t.Errorf("refusal names %q, want %q", r.Path, Path(g.Dir))
		}
	}
	// With the check off the state is not needed; the commit repairs it.
	d, err := g.Check(list(1), config.Percent100)
	if err != nil {
		t.Fatalf("max_drop 100%% with a broken state: %v", err)
	}
	if a, err := g.Commit(d, HowReload); err != nil || a.Records != 1 {
		t.Fatalf("commit: %+v, %v", a, err)
	}
	if got, err := Read(g.Dir); err != nil || got.Records != 1 {
		t.Errorf("state after the repairing commit: %+v, %v", got, err)
	}

	// Broken again; the operator's acceptance repairs it.
	if err := os.WriteFile(Path(g.Dir), []byte("garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := g.Accept(list(7), "bob"); err != nil {
		t.Fatal(err)
	}
	commit(t, g, list(7), 5000, HowReload, nil)
	commit(t, g, list(3), 5000, HowReload, ErrDrop)
}

// TestGuardCommitFails: a commit that cannot write reports it (the relay
// then refuses the list), and the state stays as it was.
func TestGuardCommitFails(t *testing.T) {
	t.Parallel()
	g, _ := newGuard(t)
	d, err := g.Check(list(30), 5000)
	if err != nil {
		t.Fatal(err)
	}
	g.Dir = g.Dir + "/missing"
	if _, err := g.Commit(d, HowStart); err == nil {
		t.Fatal("commit into a missing directory succeeded")
	}
	if _, err := g.Accept(list(30), "alice"); err == nil {
		t.Fatal("accept into a missing directory succeeded")
	}
}

// TestGuardSanitizes: a path or user name the state file could not hold is
// made printable rather than failing the commit.
func TestGuardSanitizes(t *testing.T) {
	t.Parallel()
	g, _ := newGuard(t)
	l := list(5)
	l.File = "/srv/list\n\x1b[31m.csv"
	a, err := g.Accept(l, "eve\x00")
	if err != nil {
		t.Fatal(err)
	}
	if a.File != "/srv/list??[31m.csv" || a.By != "eve?" {
		t.Errorf("recorded file %q by %q", a.File, a.By)
	}
	if got, err := Read(g.Dir); err != nil || *got != a {
		t.Errorf("read back %+v, %v", got, err)
	}
}
