package history

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// opener makes a fresh, empty Store for one test.
type opener func(t *testing.T) Store

func openMemory(t *testing.T) Store {
	m := NewMemory()
	t.Cleanup(func() { m.Close() })
	return m
}

func openSQLite(t *testing.T) Store {
	s, err := Open(filepath.Join(t.TempDir(), "history.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return s
}

var implementations = []struct {
	name string
	open opener
}{
	{"Memory", openMemory},
	{"SQLite", openSQLite},
}

// The Memory and the SQLite must agree: every behaviour test runs on both.

func TestStoreSemantics(t *testing.T) {
	t.Parallel()
	for _, impl := range implementations {
		t.Run(impl.name, func(t *testing.T) {
			t.Parallel()
			testSemantics(t, impl.open)
		})
	}
}

func TestStoreInvalid(t *testing.T) {
	t.Parallel()
	for _, impl := range implementations {
		t.Run(impl.name, func(t *testing.T) {
			t.Parallel()
			testInvalid(t, impl.open)
		})
	}
}

func TestStorePrune(t *testing.T) {
	t.Parallel()
	for _, impl := range implementations {
		t.Run(impl.name, func(t *testing.T) {
			t.Parallel()
			testPrune(t, impl.open)
		})
	}
}

var t0 = time.Date(2025, 3, 14, 9, 26, 53, 589793238, time.UTC)

type add struct {
	sender  string
	entries []Entry
}

func e(key string, at time.Time, high bool) Entry { return Entry{Key: key, At: at, High: high} }

func testSemantics(t *testing.T, open opener) {
	const alice = "alice@example.com"
	tests := []struct {
		name   string
		adds   []add
		sender string
		since  time.Time
		want   []Entry
	}{
		{
			name:   "empty",
			sender: alice, since: t0,
		},
		{
			name: "at == since is included, a nanosecond earlier is not",
			adds: []add{{alice, []Entry{
				e("at", t0, false),
				e("before", t0.Add(-time.Nanosecond), false),
				e("after", t0.Add(time.Nanosecond), false),
			}}},
			sender: alice, since: t0,
			want: []Entry{e("after", t0.Add(time.Nanosecond), false), e("at", t0, false)},
		},
		{
			name:   "ordered by key",
			adds:   []add{{alice, []Entry{e("c", t0, false), e("a", t0.Add(2*time.Hour), false), e("b", t0.Add(time.Hour), true)}}},
			sender: alice, since: t0,
			want: []Entry{e("a", t0.Add(2*time.Hour), false), e("b", t0.Add(time.Hour), true), e("c", t0, false)},
		},
		{
			name: "adding again later moves At forward",
			adds: []add{
				{alice, []Entry{e("k", t0.Add(-48*time.Hour), false)}},
				{alice, []Entry{e("k", t0.Add(time.Hour), false)}},
			},
			sender: alice, since: t0,
			want: []Entry{e("k", t0.Add(time.Hour), false)},
		},
		{
			name: "adding again earlier keeps the later At",
			adds: []add{
				{alice, []Entry{e("k", t0.Add(time.Hour), false)}},
				{alice, []Entry{e("k", t0.Add(-48*time.Hour), false)}},
			},
			sender: alice, since: t0,
			want: []Entry{e("k", t0.Add(time.Hour), false)},
		},
		{
			name: "the same key twice in one Add",
			adds: []add{
				{alice, []Entry{e("k", t0.Add(time.Hour), false), e("k", t0, true)}},
			},
			sender: alice, since: t0,
			want: []Entry{e("k", t0.Add(time.Hour), true)},
		},
		{
			name: "high stays high",
			adds: []add{
				{alice, []Entry{e("k", t0, true)}},
				{alice, []Entry{e("k", t0.Add(time.Hour), false)}},
			},
			sender: alice, since: t0,
			want: []Entry{e("k", t0.Add(time.Hour), true)},
		},
		{
			name: "low becomes high",
			adds: []add{
				{alice, []Entry{e("k", t0.Add(time.Hour), false)}},
				{alice, []Entry{e("k", t0, true)}},
			},
			sender: alice, since: t0,
			want: []Entry{e("k", t0.Add(time.Hour), true)},
		},
		{
			name: "an entry outside the window that was high once is still high when sent again",
			adds: []add{
				{alice, []Entry{e("k", t0.Add(-48*time.Hour), true)}},
				{alice, []Entry{e("k", t0, false)}},
			},
			sender: alice, since: t0,
			want: []Entry{e("k", t0, true)},
		},
		{
			name: "sender is case-insensitive",
			adds: []add{
				{"Alice@Example.COM", []Entry{e("a", t0, false)}},
				{"ALICE@example.com", []Entry{e("a", t0.Add(time.Hour), true), e("b", t0, false)}},
			},
			sender: "aLiCe@eXaMpLe.CoM", since: t0,
			want: []Entry{e("a", t0.Add(time.Hour), true), e("b", t0, false)},
		},
		{
			name: "keys are case-sensitive",
			adds: []add{
				{alice, []Entry{e("k", t0, false), e("K", t0, false)}},
			},
			sender: alice, since: t0,
			want: []Entry{e("K", t0, false), e("k", t0, false)},
		},
		{
			name: "other senders are isolated",
			adds: []add{
				{alice, []Entry{e("a", t0, false)}},
				{"bob@example.com", []Entry{e("a", t0.Add(time.Hour), true), e("b", t0, true)}},
				{"alice@example.org", []Entry{e("c", t0, true)}},
				{"", []Entry{e("d", t0, true)}},
			},
			sender: alice, since: t0,
			want: []Entry{e("a", t0, false)},
		},
		{
			name: "the null sender is a sender",
			adds: []add{
				{alice, []Entry{e("a", t0, false)}},
				{"", []Entry{e("d", t0, true)}},
			},
			sender: "", since: t0,
			want: []Entry{e("d", t0, true)},
		},
		{
			name:   "zero since means everything",
			adds:   []add{{alice, []Entry{e("a", time.Unix(0, 0), false), e("b", t0, false)}}},
			sender: alice, since: time.Time{},
			want: []Entry{e("a", time.Unix(0, 0), false), e("b", t0, false)},
		},
		{
			name:   "since far in the future means nothing",
			adds:   []add{{alice, []Entry{e("a", t0, false)}}},
			sender: alice, since: time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC),
		},
		{
			name:   "times in other zones are the same instants",
			adds:   []add{{alice, []Entry{e("a", t0.In(time.FixedZone("JST", 9*3600)), false)}}},
			sender: alice, since: t0.In(time.FixedZone("PST", -8*3600)),
			want: []Entry{e("a", t0, false)},
		},
		{
			name:   "an empty Add adds nothing",
			adds:   []add{{alice, nil}},
			sender: alice, since: time.Time{},
		},
	}
	ctx := context.Background()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := open(t)
			for _, a := range tt.adds {
				if err := s.Add(ctx, a.sender, a.entries); err != nil {
					t.Fatalf("Add(%q): %v", a.sender, err)
				}
			}
			got, err := s.Since(ctx, tt.sender, tt.since)
			if err != nil {
				t.Fatal(err)
			}
			checkEntries(t, got, tt.want)
		})
	}
}

func testInvalid(t *testing.T, open opener) {
	ctx := context.Background()
	const alice = "alice@example.com"
	tests := []struct {
		name    string
		sender  string
		entries []Entry
	}{
		{"sender too long", strings.Repeat("a", MaxSenderLen-len("@example.com")+1) + "@example.com", []Entry{e("k", t0, false)}},
		{"key too long", alice, []Entry{e("ok", t0, false), e(strings.Repeat("k", MaxKeyLen+1), t0, false)}},
		{"empty key", alice, []Entry{e("ok", t0, false), e("", t0, false)}},
		{"zero time", alice, []Entry{e("ok", t0, false), e("k", time.Time{}, false)}},
		{"time past 2262", alice, []Entry{e("ok", t0, false), e("k", time.Date(2263, 1, 1, 0, 0, 0, 0, time.UTC), false)}},
		{"too many entries", alice, manyEntries(MaxEntries + 1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := open(t)
			err := s.Add(ctx, tt.sender, tt.entries)
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("Add: %v, want ErrInvalid", err)
			}
			if strings.Contains(err.Error(), "example.com") {
				t.Errorf("error %q names the sender", err)
			}
			// Nothing was added, not even the valid entries.
			got, err := s.Since(ctx, alice, time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			checkEntries(t, got, nil)
		})
	}

	t.Run("at the limits", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		sender := strings.Repeat("a", MaxSenderLen-len("@example.com")) + "@example.com"
		key := strings.Repeat("k", MaxKeyLen)
		if err := s.Add(ctx, sender, []Entry{e(key, t0, true)}); err != nil {
			t.Fatal(err)
		}
		got, err := s.Since(ctx, sender, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		checkEntries(t, got, []Entry{e(key, t0, true)})
	})

	t.Run("Since with too long a sender", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		if _, err := s.Since(ctx, strings.Repeat("a", MaxSenderLen+1), t0); !errors.Is(err, ErrInvalid) {
			t.Fatalf("Since: %v, want ErrInvalid", err)
		}
	})
}

// MaxEntries itself is accepted. Checked on checkAdd, which both
// implementations call first: 100,000 rows take SQLite about 2 s, and 25
// times that under the race detector.
func TestCheckAddMaxEntries(t *testing.T) {
	t.Parallel()
	if _, err := checkAdd("alice@example.com", manyEntries(MaxEntries)); err != nil {
		t.Fatal(err)
	}
	if _, err := checkAdd("alice@example.com", manyEntries(MaxEntries+1)); !errors.Is(err, ErrInvalid) {
		t.Fatalf("checkAdd: %v, want ErrInvalid", err)
	}
}

func manyEntries(n int) []Entry {
	out := make([]Entry, n)
	for i := range out {
		out[i] = e(fmt.Sprintf("k%06d", i), t0.Add(time.Duration(i)*time.Second), i%3 == 0)
	}
	return out
}

func testPrune(t *testing.T, open opener) {
	ctx := context.Background()
	s := open(t)
	if n, err := senders(ctx, s); err != nil || n != 0 {
		t.Fatalf("Senders on an empty store: %d, %v", n, err)
	}
	adds := []add{
		{"alice@example.com", []Entry{e("old", t0.Add(-time.Hour), true), e("edge", t0, false), e("new", t0.Add(time.Hour), false)}},
		{"Bob@example.com", []Entry{e("old", t0.Add(-time.Nanosecond), false)}},
		{"carol@example.com", []Entry{e("old", t0.Add(-48*time.Hour), false), e("moved", t0.Add(-48*time.Hour), true)}},
		{"carol@example.com", []Entry{e("moved", t0.Add(time.Minute), false)}},
	}
	for _, a := range adds {
		if err := s.Add(ctx, a.sender, a.entries); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := senders(ctx, s); err != nil || n != 3 {
		t.Fatalf("Senders: %d, %v; want 3", n, err)
	}

	n, err := s.Prune(ctx, t0)
	if err != nil {
		t.Fatal(err)
	}
	if n != 3 {
		t.Errorf("Prune: %d, want 3", n)
	}
	got, err := s.Since(ctx, "alice@example.com", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	checkEntries(t, got, []Entry{e("edge", t0, false), e("new", t0.Add(time.Hour), false)})
	got, err = s.Since(ctx, "carol@example.com", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	checkEntries(t, got, []Entry{e("moved", t0.Add(time.Minute), true)})
	// Bob has nothing left, so he is no longer a sender.
	if n, err := senders(ctx, s); err != nil || n != 2 {
		t.Fatalf("Senders after Prune: %d, %v; want 2", n, err)
	}

	if n, err := s.Prune(ctx, t0); err != nil || n != 0 {
		t.Errorf("second Prune: %d, %v; want 0", n, err)
	}
	if n, err := s.Prune(ctx, time.Time{}); err != nil || n != 0 {
		t.Errorf("Prune(zero time): %d, %v; want 0", n, err)
	}
	if n, err := s.Prune(ctx, time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)); err != nil || n != 3 {
		t.Errorf("Prune(far future): %d, %v; want 3", n, err)
	}
	if n, err := senders(ctx, s); err != nil || n != 0 {
		t.Fatalf("Senders after pruning all: %d, %v; want 0", n, err)
	}
}

// senders calls the Senders method both implementations have (under a
// Ledger, the wrapped store's).
func senders(ctx context.Context, s Store) (int, error) {
	if l, ok := s.(*Ledger); ok {
		s = l.store
	}
	return s.(interface {
		Senders(context.Context) (int, error)
	}).Senders(ctx)
}

func checkEntries(t *testing.T, got, want []Entry) {
	t.Helper()
	ok := len(got) == len(want)
	for i := 0; ok && i < len(got); i++ {
		g, w := got[i], want[i]
		ok = g.Key == w.Key && g.At.Equal(w.At) && g.High == w.High && g.At.Location() == time.UTC
	}
	if !ok {
		t.Errorf("entries:\n got %s\nwant %s", fmtEntries(got), fmtEntries(want))
	}
}

func fmtEntries(es []Entry) string {
	var b strings.Builder
	b.WriteString("[")
	for i, e := range es {
		if i > 0 {
			b.WriteString(" ")
		}
		fmt.Fprintf(&b, "{%s %s %t}", e.Key, e.At.Format(time.RFC3339Nano), e.High)
	}
	b.WriteString("]")
	return b.String()
}

func TestMemoryClosed(t *testing.T) {
	t.Parallel()
	m := NewMemory()
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := m.Since(ctx, "a", t0); !errors.Is(err, ErrClosed) {
		t.Errorf("Since after Close: %v", err)
	}
	if err := m.Add(ctx, "a", []Entry{e("k", t0, false)}); !errors.Is(err, ErrClosed) {
		t.Errorf("Add after Close: %v", err)
	}
	if _, err := m.Prune(ctx, t0); !errors.Is(err, ErrClosed) {
		t.Errorf("Prune after Close: %v", err)
	}
}

func TestCanceledContext(t *testing.T) {
	t.Parallel()
	for _, impl := range implementations {
		t.Run(impl.name, func(t *testing.T) {
			t.Parallel()
			s := impl.open(t)
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			if err := s.Add(ctx, "a", []Entry{e("k", t0, false)}); !errors.Is(err, context.Canceled) {
				t.Errorf("Add: %v, want context.Canceled", err)
			}
			if _, err := s.Since(ctx, "a", t0); !errors.Is(err, context.Canceled) {
				t.Errorf("Since: %v, want context.Canceled", err)
			}
			got, err := s.Since(context.Background(), "a", time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			checkEntries(t, got, nil)
		})
	}
}
