package detect

import (
	"cmp"
	"slices"

	"github.com/dlprelay/dlprelay/detect/customers"
)

// This file collects Result.Contacts during a scan.
//
// E-mail addresses come from an emailFinder that reads each body segment
// as it streams into the normalizer (a TeeReader), so it is ahead of the
// matcher; mobile numbers come from the normalizer's phone candidates.
// An address is customer data if a customer's email is matched over it,
// which the matcher may only report later, so candidates wait in a queue
// until the matcher has passed contactLag bytes beyond them (or the
// segment ends), and are then decided in the order of the text.

// contactLag is how far, in bytes of original text, the matcher must have
// read past the end of a candidate before it is decided: a customer email
// matched over the candidate is reported by then unless the match itself
// reaches further past it (a customer email with long separators in it).
const contactLag = 1024

// Bounds on the queues of one segment. Past maxPendingContacts the oldest
// candidate is decided at once; past maxEmailSpans the oldest match is
// forgotten.
const (
	maxPendingContacts = 1024
	maxEmailSpans      = 4096
)

// emailField is the index of customers.FieldEmail in fields.
var emailField = uint8(slices.Index(fields[:], customers.FieldEmail))

// contactKey identifies a contact for deduplication.
type contactKey struct {
	kind  ContactKind
	value string
}

// candidate is a contact found in the current segment, not yet decided.
type candidate struct {
	kind       ContactKind
	value      string
	start, end int64
}

type span struct{ start, end int64 }

// contactState is the contact part of a scanState.
type contactState struct {
	list []Contact
	seen map[contactKey]bool

	// For the current segment: whether it is looked at, the finder, the
	// candidates waiting, and the customer email matches that may
	// overlap them.
	on     bool
	finder emailFinder
	pend   []candidate
	spans  []span
}

func (c *contactState) full() bool { return len(c.list) >= MaxContacts }

// addCandidate queues a contact found in the current segment.
func (st *scanState) addCandidate(kind ContactKind, value []byte, start, end int64) {
	c := &st.contacts
	if c.full() || c.seen[contactKey{kind, string(value)}] {
		return
	}
	c.pend = append(c.pend, candidate{kind: kind, value: string(value), start: start, end: end})
	if len(c.pend) > maxPendingContacts {
		st.decideContacts(c.pend[0].end)
	}
}

// isMobile reports whether canonical phone digits are a Japanese mobile
// number: 11 digits, 070, 080 or 090 first.
func isMobile(d []byte) bool {
	return len(d) == 11 && d[0] == '0' && d[2] == '0' && (d[1] == '7' || d[1] == '8' || d[1] == '9')
}

// emailMatch records a customer email matched at [start, end) of the
// current segment.
func (st *scanState) emailMatch(start, end int64) {
	c := &st.contacts
	// Keep the matches an address may still overlap: those reaching past
	// the oldest candidate, and those the finder may still give an
	// address over.
	if len(c.spans) >= 64 {
		keep := c.finder.pos - maxEmailSpan
		for _, k := range c.pend {
			keep = min(keep, k.start)
		}
		c.spans = slices.DeleteFunc(c.spans, func(s span) bool { return s.end <= keep })
	}
	if len(c.spans) >= maxEmailSpans {
		c.spans = slices.Delete(c.spans, 0, len(c.spans)-maxEmailSpans+1)
	}
	c.spans = append(c.spans, span{start, end})
}

// decideContacts decides the candidates that end at or before upTo, in
// the order of the text: a contact is added unless it is a duplicate, the
// list is full, or (an address) a customer email was matched over it.
func (st *scanState) decideContacts(upTo int64) {
	c := &st.contacts
	var ready []candidate
	rest := c.pend[:0]
	for _, k := range c.pend {
		if k.end <= upTo {
			ready = append(ready, k)
		} else {
			rest = append(rest, k)
		}
	}
	clear(c.pend[len(rest):])
	c.pend = rest
	slices.SortStableFunc(ready, func(a, b candidate) int {
		return cmp.Or(cmp.Compare(a.start, b.start), cmp.Compare(a.end, b.end))
	})
	part := st.segments[st.seq-1]
	for _, k := range ready {
		if c.full() {
			c.pend = c.pend[:0]
			return
		}
		key := contactKey{k.kind, k.value}
		if c.seen[key] || k.kind == ContactEmail && c.overlapsEmail(k) {
			continue
		}
		if c.seen == nil {
			c.seen = map[contactKey]bool{}
		}
		c.seen[key] = true
		c.list = append(c.list, Contact{Kind: k.kind, Value: k.value, Part: part})
		if c.full() {
			c.finder.stop = true // nothing more is collected
		}
	}
}

func (c *contactState) overlapsEmail(k candidate) bool {
	for _, s := range c.spans {
		if s.start < k.end && k.start < s.end {
			return true
		}
	}
	return false
}

// endContacts decides every candidate of the segment that just ended.
func (st *scanState) endContacts() {
	c := &st.contacts
	c.finder.flush()
	st.decideContacts(c.finder.pos + 1)
	c.pend = c.pend[:0]
	c.spans = c.spans[:0]
	c.on = false
}
