package listguard

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/dlprelay/dlprelay/relay/config"
)

// List identifies a customer list as loaded: the file it was read from,
// the records it holds and the SHA-256 of the bytes they were read from.
type List struct {
	File    string
	Records int
	SHA256  [sha256.Size]byte
}

// Sum is the list's SHA-256 in lower-case hex, as the state file holds it.
func (l List) Sum() string { return hex.EncodeToString(l.SHA256[:]) }

// The errors a *Refusal wraps.
var (
	// ErrEmpty: the list has no records (a header row only, or only blank
	// rows). It is refused whatever the configuration or an operator says.
	ErrEmpty = errors.New("no customer records")
	// ErrDrop: the list has fewer records than customers.max_drop allows
	// against the accepted list.
	ErrDrop = errors.New("far fewer customer records than the accepted list")
	// ErrState: the accepted-list state file exists but cannot be read, so
	// the drop cannot be judged.
	ErrState = errors.New("the accepted customer list state cannot be read")
)

// Reason names why a list was refused; the values label
// dlprelay_customers_refused_total.
type Reason string

// The reasons.
const (
	ReasonEmpty Reason = "empty"
	ReasonDrop  Reason = "drop"
	ReasonState Reason = "state"
)

// Reasons lists every Reason, for pre-creating metric labels.
var Reasons = []Reason{ReasonEmpty, ReasonDrop, ReasonState}

// Refusal is a list the guard will not put in service. Its text names the
// file, both counts and what to do; it never holds a customer value.
type Refusal struct {
	Reason Reason
	List   List
	// Accepted is the state the list was judged against (nil for an
	// empty list checked without one, or when the state is unreadable).
	Accepted *Accepted
	// MaxDrop is customers.max_drop as configured.
	MaxDrop config.Percent
	// Path and Err are the state file and why it could not be read, an
	// error wrapping ErrState (ReasonState only).
	Path string
	Err  error
}

func (r *Refusal) Error() string {
	switch r.Reason {
	case ReasonEmpty:
		return fmt.Sprintf("customer list %s has no records (a header row only, or only blank rows): a list that protects nothing is never served; fix the export", r.List.File)
	case ReasonDrop:
		return fmt.Sprintf("customer list %s has %d records, %s fewer than the %d of the list accepted %s (%s); customers.max_drop is %s. "+
			"If the list is meant to be this short, confirm it with 'dlprelay customers accept -why TEXT', then reload (SIGHUP) or start the relay",
			r.List.File, r.List.Records, FormatDrop(r.List.Records, r.Accepted.Records), r.Accepted.Records,
			r.Accepted.At.UTC().Format("2006-01-02 15:04:05Z"), r.Accepted.How, r.MaxDrop)
	case ReasonState:
		return fmt.Sprintf("customer list %s (%d records) not checked against the accepted list: %v; 'dlprelay customers status' shows the state, and 'dlprelay customers accept -why TEXT' records the current list again",
			r.List.File, r.List.Records, r.Err)
	}
	return "customer list refused"
}

// Unwrap returns ErrEmpty, ErrDrop or ErrState.
func (r *Refusal) Unwrap() error {
	switch r.Reason {
	case ReasonEmpty:
		return ErrEmpty
	case ReasonDrop:
		return ErrDrop
	}
	return ErrState
}

// CheckEmpty refuses a list without records (ErrEmpty).
func CheckEmpty(l List) error {
	if l.Records <= 0 {
		return &Refusal{Reason: ReasonEmpty, List: l}
	}
	return nil
}

// Check decides whether l may replace the accepted list acc (nil: none
// accepted yet, so any list with records may) under maxDrop: it returns
// nil or a *Refusal. l is refused when it has no records, or when
//
//	l.Records < (100% - maxDrop) × acc.Records
//
// computed exactly in integers; maxDrop 0 refuses any shrink, 100% (or
// more) none. A maxDrop below 0 counts as 0.
func Check(l List, acc *Accepted, maxDrop config.Percent) error {
	if err := CheckEmpty(l); err != nil {
		return err
	}
	if acc == nil {
		return nil
	}
	keep := int64(config.Percent100 - min(max(maxDrop, 0), config.Percent100))
	if int64(l.Records)*int64(config.Percent100) < int64(acc.Records)*keep {
		return &Refusal{Reason: ReasonDrop, List: l, Accepted: acc, MaxDrop: maxDrop}
	}
	return nil
}

// FormatDrop writes how much smaller n is than accepted, for people:
// "70%", "33.3%", "0%"; a list that grew reads "none (+12 records)".
func FormatDrop(n, accepted int) string {
	if accepted <= 0 {
		return "none"
	}
	if n > accepted {
		return fmt.Sprintf("none (+%d records)", n-accepted)
	}
	// Tenths of a percent, rounded up, so that a drop over max_drop never
	// reads as equal to it.
	tenths := (int64(accepted-n)*1000 + int64(accepted) - 1) / int64(accepted)
	if tenths%10 == 0 {
		return fmt.Sprintf("%d%%", tenths/10)
	}
	return fmt.Sprintf("%d.%d%%", tenths/10, tenths%10)
}
