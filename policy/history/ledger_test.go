package history

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

// A Ledger is a Store: the behaviour tests of both stores pass through it.
func TestLedgerIsAStore(t *testing.T) {
	t.Parallel()
	for _, impl := range implementations {
		open := func(t *testing.T) Store { return NewLedger(impl.open(t)) }
		t.Run(impl.name, func(t *testing.T) {
			t.Parallel()
			t.Run("semantics", func(t *testing.T) { testSemantics(t, open) })
			t.Run("invalid", func(t *testing.T) { testInvalid(t, open) })
			t.Run("prune", func(t *testing.T) { testPrune(t, open) })
		})
	}
}

// TestLedgerReserve: a reservation is counted by Since while in flight,
// banked by Commit, forgotten by Drop; on both stores.
func TestLedgerReserve(t *testing.T) {
	t.Parallel()
	for _, impl := range implementations {
		t.Run(impl.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			store := impl.open(t)
			l := NewLedger(store)
			const alice = "alice@example.com"
			since := func(s Store, sender string) []Entry {
				t.Helper()
				got, err := s.Since(ctx, sender, t0.Add(-time.Hour))
				if err != nil {
					t.Fatal(err)
				}
				return got
			}
			if err := l.Add(ctx, alice, []Entry{e("a", t0.Add(-time.Minute), true), e("old", t0.Add(-2*time.Hour), false)}); err != nil {
				t.Fatal(err)
			}

			// In flight: counted, merged with the store, not in the store.
			r1, err := l.Reserve("Alice@Example.com", []Entry{e("a", t0, false), e("b", t0, false)})
			if err != nil {
				t.Fatal(err)
			}
			r2, err := l.Reserve(alice, []Entry{e("b", t0.Add(time.Second), true), e("c", t0, false), e("early", t0.Add(-3*time.Hour), false)})
			if err != nil {
				t.Fatal(err)
			}
			checkEntries(t, since(l, alice), []Entry{e("a", t0, true), e("b", t0.Add(time.Second), true), e("c", t0, false)})
			checkEntries(t, since(store, alice), []Entry{e("a", t0.Add(-time.Minute), true)})
			checkEntries(t, since(l, "bob@example.com"), nil)

			// Dropped: gone, as if never sent; dropping again or
			// committing a nil reservation does nothing.
			r2.Drop()
			r2.Drop()
			checkEntries(t, since(l, alice), []Entry{e("a", t0, true), e("b", t0, false)})

			// Committed: in the store, held no longer; the deferred Drop
			// after it does not take it back.
			if err := r1.Commit(ctx); err != nil {
				t.Fatal(err)
			}
			r1.Drop()
			if err := r1.Commit(ctx); err != nil {
				t.Fatal(err)
			}
			want := []Entry{e("a", t0, true), e("b", t0, false)}
			checkEntries(t, since(store, alice), want)
			checkEntries(t, since(l, alice), want)
			if n := len(l.held); n != 0 {
				t.Errorf("%d senders still held after Commit and Drop", n)
			}

			// Nothing to reserve: a nil reservation, which does nothing.
			r, err := l.Reserve(alice, nil)
			if err != nil || r != nil {
				t.Fatalf("Reserve(nil): %v, %v", r, err)
			}
			r.Drop()
			if err := r.Commit(ctx); err != nil {
				t.Fatal(err)
			}
			// Checked as Add checks.
			if _, err := l.Reserve(alice, []Entry{{Key: "", At: t0}}); !errors.Is(err, ErrInvalid) {
				t.Errorf("Reserve(empty key): %v, want ErrInvalid", err)
			}
			if _, err := l.Reserve(alice, []Entry{{Key: "k"}}); !errors.Is(err, ErrInvalid) {
				t.Errorf("Reserve(zero time): %v, want ErrInvalid", err)
			}
		})
	}
}

// flaky is a store whose Add fails while fail is set.
type flaky struct {
	Store
	mu   sync.Mutex
	fail bool
}

var errFlaky = errors.New("disk on fire")

func (f *flaky) Add(ctx context.Context, sender string, entries []Entry) error {
	f.mu.Lock()
	fail := f.fail
	f.mu.Unlock()
	if fail {
		return errFlaky
	}
	return f.Store.Add(ctx, sender, entries)
}

func (f *flaky) set(fail bool) { f.mu.Lock(); f.fail = fail; f.mu.Unlock() }

// TestLedgerCommitFails: a message that left but whose records the store
// refused stays counted (fail closed), is not dropped, and is banked by
// the next Prune once the store works again, or ages out.
func TestLedgerCommitFails(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := &flaky{Store: NewMemory(), fail: true}
	l := NewLedger(f)
	r, err := l.Reserve("a@example.com", []Entry{e("new", t0, false), e("old", t0.Add(-time.Hour), true)})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Commit(ctx); !errors.Is(err, errFlaky) {
		t.Fatalf("Commit: %v, want the store's error", err)
	}
	r.Drop()
	got, err := l.Since(ctx, "a@example.com", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	checkEntries(t, got, []Entry{e("new", t0, false), e("old", t0.Add(-time.Hour), true)})

	// Still failing: Prune reports it, keeps counting.
	if _, err := l.Prune(ctx, t0.Add(-48*time.Hour)); !errors.Is(err, errFlaky) {
		t.Fatalf("Prune: %v, want the store's error", err)
	}
	// Working again: the entries still in the window are banked.
	f.set(false)
	n, err := l.Prune(ctx, t0.Add(-time.Minute))
	if err != nil || n != 1 {
		t.Fatalf("Prune: %d, %v; want 1 (the old entry aged out)", n, err)
	}
	got, err = f.Store.Since(ctx, "a@example.com", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	checkEntries(t, got, []Entry{e("new", t0, false)})
	if len(l.held) != 0 {
		t.Errorf("still held after the store took it: %v", l.held)
	}

	// A stranded reservation entirely out of the window is simply dropped.
	f.set(true)
	r, _ = l.Reserve("b@example.com", []Entry{e("k", t0, false)})
	r.Commit(ctx)
	if n, err := l.Prune(ctx, t0.Add(time.Hour)); err != nil || n != 2 {
		t.Fatalf("Prune: %d, %v; want 2 (one in the store, one stranded)", n, err)
	}
	if len(l.held) != 0 {
		t.Errorf("still held after aging out: %v", l.held)
	}
}

// TestLedgerConcurrent runs reservations, commits, drops and reads of one
// sender in parallel (for the race detector) and checks the end state:
// exactly the committed keys.
func TestLedgerConcurrent(t *testing.T) {
	t.Parallel()
	for _, impl := range implementations {
		t.Run(impl.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			l := NewLedger(impl.open(t))
			var wg sync.WaitGroup
			for i := range 16 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for j := range 10 {
						key := fmt.Sprintf("k%02d-%d", i, j)
						r, err := l.Reserve("a@example.com", []Entry{e(key, t0, false)})
						if err != nil {
							t.Error(err)
							return
						}
						got, err := l.Since(ctx, "a@example.com", t0)
						if err != nil {
							t.Error(err)
							return
						}
						if !hasKey(got, key) {
							t.Errorf("own reservation %s not seen", key)
						}
						if j%2 == 0 {
							if err := r.Commit(ctx); err != nil {
								t.Error(err)
							}
						}
						r.Drop()
					}
				}()
			}
			wg.Wait()
			got, err := l.Since(ctx, "a@example.com", t0)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 16*5 {
				t.Errorf("%d entries, want the %d committed", len(got), 16*5)
			}
			for _, g := range got {
				var i, j int
				fmt.Sscanf(g.Key, "k%02d-%d", &i, &j)
				if j%2 != 0 {
					t.Errorf("dropped %s is counted", g.Key)
				}
			}
		})
	}
}

func hasKey(es []Entry, key string) bool {
	for _, x := range es {
		if x.Key == key {
			return true
		}
	}
	return false
}
