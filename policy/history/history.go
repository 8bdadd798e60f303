package history

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

// Entry is one customer record a sender sent outside.
type Entry struct {
	Key  string    // record key (see Keyer)
	At   time.Time // last time it was sent
	High bool      // true if it was ever sent with high confidence
}

// Store is the contract the relay uses. Implementations are safe for
// concurrent use.
//
// Errors: input that breaks the limits below wraps ErrInvalid and will fail
// the same way again; a store opened read-only returns ErrReadOnly from Add
// and Prune; anything else is an I/O or database failure that may pass (the
// relay treats it as temporary and fails closed).
type Store interface {
	// Since returns the distinct keys the sender sent at or after since,
	// one Entry per key with the latest At and High = any high, ordered by
	// Key. Sender is compared case-insensitively. At is in UTC with
	// nanosecond precision.
	Since(ctx context.Context, sender string, since time.Time) ([]Entry, error)
	// Add records that sender sent these entries at their At times. Adding
	// a key again updates At (to the later one) and ORs High. It is
	// durable when it returns (survives a process crash). It is atomic:
	// on error nothing was added.
	Add(ctx context.Context, sender string, entries []Entry) error
	// Prune deletes entries older than before and returns how many.
	Prune(ctx context.Context, before time.Time) (int, error)
	Close() error
}

// Limits on what Add accepts; Since also checks the sender's length.
const (
	// MaxSenderLen bounds a sender address in bytes (after lower-casing).
	// RFC 5321 §4.5.3.1.3 allows a path of 256 octets; this leaves room.
	MaxSenderLen = 512
	// MaxKeyLen bounds a key in bytes. A hashed key is 32 bytes; a record
	// ID used as key when hashing is off must fit too.
	MaxKeyLen = 256
	// MaxEntries bounds the entries of one Add.
	MaxEntries = 100_000
)

var (
	// ErrInvalid is wrapped by errors about input that breaks the limits.
	ErrInvalid = errors.New("history: invalid input")
	// ErrReadOnly is returned by Add and Prune on a store opened with
	// OpenReadOnly.
	ErrReadOnly = errors.New("history: store is read-only")
	// ErrClosed is returned by a Memory after Close.
	ErrClosed = errors.New("history: store is closed")
)

// Times are stored as int64 Unix nanoseconds, which cover 1677-09-21 to
// 2262-04-11. Add rejects a time outside that range (notably the zero
// time.Time, a sure sign of a bug); Since and Prune clamp to it.
var (
	minTime = time.Unix(0, math.MinInt64)
	maxTime = time.Unix(0, math.MaxInt64)
)

// nanos returns t as Unix nanoseconds, clamped to the representable range.
func nanos(t time.Time) int64 {
	switch {
	case t.Before(minTime):
		return math.MinInt64
	case t.After(maxTime):
		return math.MaxInt64
	}
	return t.UnixNano()
}

// fromNanos is the inverse of nanos, always in UTC so both implementations
// return the same value.
func fromNanos(n int64) time.Time { return time.Unix(0, n).UTC() }

// normSender lower-cases sender and checks its length.
func normSender(sender string) (string, error) {
	s := strings.ToLower(sender)
	if len(s) > MaxSenderLen {
		return "", fmt.Errorf("%w: sender is %d bytes, more than %d", ErrInvalid, len(s), MaxSenderLen)
	}
	return s, nil
}

// checkAdd validates the arguments of Add and returns the normalized sender.
// Nothing of the sender or keys goes into the error text: with hashing off
// a key is a record ID.
func checkAdd(sender string, entries []Entry) (string, error) {
	s, err := normSender(sender)
	if err != nil {
		return "", err
	}
	if len(entries) > MaxEntries {
		return "", fmt.Errorf("%w: %d entries in one Add, more than %d", ErrInvalid, len(entries), MaxEntries)
	}
	for i, e := range entries {
		switch {
		case e.Key == "":
			return "", fmt.Errorf("%w: entry %d has an empty key", ErrInvalid, i)
		case len(e.Key) > MaxKeyLen:
			return "", fmt.Errorf("%w: entry %d has a key of %d bytes, more than %d", ErrInvalid, i, len(e.Key), MaxKeyLen)
		case e.At.Before(minTime) || e.At.After(maxTime):
			return "", fmt.Errorf("%w: entry %d has time %s, outside %d-%d", ErrInvalid, i, e.At.UTC().Format(time.RFC3339), minTime.Year(), maxTime.Year())
		}
	}
	return s, nil
}

// ctxErr is a cheap cancellation check for the in-memory store.
func ctxErr(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("history: %w", err)
	}
	return nil
}
