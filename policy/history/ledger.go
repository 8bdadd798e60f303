package history

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"
)

// Ledger is a Store with reservations: the records of messages in flight,
// judged and let through but not yet accepted by the upstream. Since
// counts a reservation as if it had been sent, so that the parallel
// messages of one sender see each other's records, as they would if one
// had been sent first; Commit makes it history once the upstream took the
// message, Drop forgets it when the message did not leave (refused,
// temp-failed, the session gone). Only what left is banked, and nothing in
// flight is invisible.
//
// Reservations live in memory only. A crash forgets them, which is right:
// a message in flight had no 250 yet, so its client still has it and sends
// it again, and it is judged and reserved anew.
//
// One Ledger serves the whole process (every Engine, before and after a
// reload), or two messages could each miss the other's reservations. It is
// safe for concurrent use; its Store methods are the wrapped store's, with
// Since adding the reservations and Prune retrying failed commits.
type Ledger struct {
	store Store

	mu   sync.Mutex
	held map[string]map[*Reservation]struct{} // sender → reservations counted
}

var _ Store = (*Ledger)(nil)

// NewLedger wraps s. Closing the Ledger closes s.
func NewLedger(s Store) *Ledger {
	return &Ledger{store: s, held: make(map[string]map[*Reservation]struct{})}
}

// Reservation is the records of one message in flight. Its methods are for
// the one goroutine handling that message; a nil Reservation (nothing to
// remember) does nothing.
type Reservation struct {
	l       *Ledger
	sender  string // normalized
	entries []Entry
	state   reservationState
}

type reservationState int

const (
	reserved  reservationState = iota // in flight, counted
	banking                           // left; Commit is adding it to the store
	committed                         // in the store, no longer held
	dropped                           // did not leave, forgotten
	stranded                          // left, but the store failed: held until Prune banks it or it ages out
)

// Reserve holds entries for sender until Commit or Drop; Since counts them
// from now on. It checks them as Add does (errors wrap ErrInvalid), so a
// Commit fails only for the store's own reasons. With no entries it
// returns a nil Reservation.
func (l *Ledger) Reserve(sender string, entries []Entry) (*Reservation, error) {
	s, err := checkAdd(sender, entries)
	if err != nil {
		return nil, err
	}
	if len(entries) == 0 {
		return nil, nil
	}
	r := &Reservation{l: l, sender: s, entries: make([]Entry, len(entries))}
	for i, e := range entries {
		e.At = fromNanos(nanos(e.At)) // as the stores return it
		r.entries[i] = e
	}
	l.mu.Lock()
	l.hold(r)
	l.mu.Unlock()
	return r, nil
}

// Commit banks the reserved entries in the store: the message left. It is
// durable when it returns nil (as Add). On error the entries stay counted
// in memory, since the message did leave, and Prune tries the store again;
// the error is the store's. Commit after Commit does nothing; Commit after
// Drop still banks (a message that left counts).
func (r *Reservation) Commit(ctx context.Context) error {
	if r == nil {
		return nil
	}
	l := r.l
	l.mu.Lock()
	if r.state == committed {
		l.mu.Unlock()
		return nil
	}
	if r.state == dropped {
		l.hold(r)
	}
	r.state = banking
	entries := r.entries // Prune may replace the slice, never change it
	l.mu.Unlock()

	// Counted in memory until the store has it, so Since never misses it.
	err := l.store.Add(ctx, r.sender, entries)

	l.mu.Lock()
	defer l.mu.Unlock()
	if err != nil {
		r.state = stranded
		return err
	}
	r.state = committed
	l.unhold(r)
	return nil
}

// Drop forgets the reserved entries: the message did not leave. It does
// nothing after Commit (even a failed one: that message left), so a caller
// may defer it right after Reserve.
func (r *Reservation) Drop() {
	if r == nil {
		return
	}
	l := r.l
	l.mu.Lock()
	defer l.mu.Unlock()
	if r.state != reserved {
		return
	}
	r.state = dropped
	l.unhold(r)
}

// hold and unhold keep r among the counted reservations; l.mu is held.
func (l *Ledger) hold(r *Reservation) {
	m := l.held[r.sender]
	if m == nil {
		m = make(map[*Reservation]struct{})
		l.held[r.sender] = m
	}
	m[r] = struct{}{}
}

func (l *Ledger) unhold(r *Reservation) {
	if m := l.held[r.sender]; m != nil {
		delete(m, r)
		if len(m) == 0 {
			delete(l.held, r.sender)
		}
	}
}

// Since implements Store: the store's entries and the reservations', one
// Entry per key (latest At, High if any is high), ordered by Key.
func (l *Ledger) Since(ctx context.Context, sender string, since time.Time) ([]Entry, error) {
	// The reservations first, then the store: a reservation committed in
	// between is then seen twice (and merged), never missed.
	var extra []Entry
	if s, err := normSender(sender); err == nil {
		from := nanos(since)
		l.mu.Lock()
		for r := range l.held[s] {
			for _, e := range r.entries {
				if nanos(e.At) >= from {
					extra = append(extra, e)
				}
			}
		}
		l.mu.Unlock()
	}
	out, err := l.store.Since(ctx, sender, since)
	if err != nil || len(extra) == 0 {
		return out, err
	}
	byKey := make(map[string]Entry, len(out)+len(extra))
	for _, e := range slices.Concat(out, extra) {
		if old, ok := byKey[e.Key]; ok {
			if old.At.After(e.At) {
				e.At = old.At
			}
			e.High = e.High || old.High
		}
		byKey[e.Key] = e
	}
	merged := make([]Entry, 0, len(byKey))
	for _, e := range byKey {
		merged = append(merged, e)
	}
	slices.SortFunc(merged, func(a, b Entry) int { return strings.Compare(a.Key, b.Key) })
	return merged, nil
}

// Add implements Store: straight to the store, for records known to have
// left (a released message).
func (l *Ledger) Add(ctx context.Context, sender string, entries []Entry) error {
	return l.store.Add(ctx, sender, entries)
}

// Prune implements Store. It also ages out the entries of reservations
// whose commit failed, and tries the store again with what is left of
// them; the count includes the entries aged out.
func (l *Ledger) Prune(ctx context.Context, before time.Time) (int, error) {
	n, err := l.store.Prune(ctx, before)
	if err != nil {
		return n, err
	}
	b := nanos(before)
	var retry []*Reservation
	l.mu.Lock()
	for _, m := range l.held {
		for r := range m {
			if r.state != stranded {
				continue
			}
			var kept []Entry
			for _, e := range r.entries {
				if nanos(e.At) >= b {
					kept = append(kept, e)
				} else {
					n++
				}
			}
			r.entries = kept
			if len(kept) == 0 {
				r.state = committed // nothing left to bank
				l.unhold(r)
				continue
			}
			retry = append(retry, r)
		}
	}
	l.mu.Unlock()
	for _, r := range retry {
		if err := r.Commit(ctx); err != nil {
			return n, err
		}
	}
	return n, nil
}

// Close implements Store: it closes the store. Reservations are forgotten
// with the process.
func (l *Ledger) Close() error { return l.store.Close() }
