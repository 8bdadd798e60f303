package history

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"
)

// Memory is a Store that keeps everything in memory: for tests, and for a
// relay run without a data directory (the history is then lost on restart,
// so Add's durability promise does not hold). It behaves like SQLite in
// every other respect.
type Memory struct {
	mu      sync.RWMutex
	closed  bool
	senders map[string]map[string]memEntry // sender → key → entry
}

type memEntry struct {
	at   int64 // Unix nanoseconds, as SQLite stores it
	high bool
}

var _ Store = (*Memory)(nil)

// NewMemory returns an empty in-memory Store.
func NewMemory() *Memory {
	return &Memory{senders: make(map[string]map[string]memEntry)}
}

// Since implements Store.
func (m *Memory) Since(ctx context.Context, sender string, since time.Time) ([]Entry, error) {
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	s, err := normSender(sender)
	if err != nil {
		return nil, err
	}
	from := nanos(since)
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.closed {
		return nil, ErrClosed
	}
	var out []Entry
	for k, e := range m.senders[s] {
		if e.at >= from {
			out = append(out, Entry{Key: k, At: fromNanos(e.at), High: e.high})
		}
	}
	slices.SortFunc(out, func(a, b Entry) int { return strings.Compare(a.Key, b.Key) })
	return out, nil
}

// Add implements Store.
func (m *Memory) Add(ctx context.Context, sender string, entries []Entry) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	s, err := checkAdd(sender, entries)
	if err != nil {
		return err
	}
	if len(entries) == 0 {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	keys := m.senders[s]
	if keys == nil {
		keys = make(map[string]memEntry, len(entries))
		m.senders[s] = keys
	}
	for _, e := range entries {
		n := memEntry{at: nanos(e.At), high: e.High}
		if old, ok := keys[e.Key]; ok {
			n.at = max(n.at, old.at)
			n.high = n.high || old.high
		}
		keys[e.Key] = n
	}
	return nil
}

// Prune implements Store.
func (m *Memory) Prune(ctx context.Context, before time.Time) (int, error) {
	if err := ctxErr(ctx); err != nil {
		return 0, err
	}
	b := nanos(before)
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return 0, ErrClosed
	}
	n := 0
	for s, keys := range m.senders {
		for k, e := range keys {
			if e.at < b {
				delete(keys, k)
				n++
			}
		}
		if len(keys) == 0 {
			delete(m.senders, s)
		}
	}
	return n, nil
}

// Senders returns the number of distinct senders with entries.
func (m *Memory) Senders(ctx context.Context) (int, error) {
	if err := ctxErr(ctx); err != nil {
		return 0, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.closed {
		return 0, ErrClosed
	}
	return len(m.senders), nil
}

// Close implements Store. Later calls return ErrClosed.
func (m *Memory) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closed = true
	m.senders = nil
	return nil
}
