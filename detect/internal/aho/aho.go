// Package aho is a compact, read-only Aho-Corasick automaton for matching
// many byte patterns against streamed text.
//
// It exists because detect must hold hundreds of thousands of customer
// values: github.com/cloudflare/ahocorasick stores two [256]*node tables per
// trie node (about 4 KiB) and preallocates one node per pattern byte, which
// needs tens of gigabytes for a 100k-row customer list. Here a trie node
// costs 17 bytes: the trie is laid out in breadth-first order, so the
// children of a state are one contiguous, label-sorted run found by binary
// search, and only the root has a dense 256-entry table.
//
// A Matcher is immutable after Build and safe for concurrent use. Matching is
// resumable: Scan takes and returns a State, so text can be fed in chunks of
// any size and a pattern split across chunks is still found.
package aho

import (
	"fmt"
	"math"
	"slices"
)

// State is the position of a scan in the automaton. The zero State is the
// start of a text.
type State uint32

const (
	root = 0
	none = math.MaxUint32 // "no state" in links
)

// Matcher is an Aho-Corasick automaton over a fixed set of patterns.
type Matcher struct {
	// Per state, in breadth-first order (state 0 is the root):
	label      []byte   // byte on the edge from the parent
	childStart []uint32 // children of s are states childStart[s] .. childStart[s+1]-1
	fail       []uint32 // longest proper suffix that is also a trie state
	out        []uint32 // nearest state (s itself or via fail links) that ends a pattern, or none
	term       []int32  // pattern index ending exactly at s, or -1

	rootNext [256]uint32 // dense transitions out of the root (0 = stay at root)
	patterns int
}

// Build makes a Matcher for patterns. Pattern i is reported as index i.
// Empty patterns are never reported. If a pattern occurs more than once, the
// last index is reported; callers that need all indexes should deduplicate
// first.
func Build(patterns []string) (*Matcher, error) {
	total := 1
	for _, p := range patterns {
		total += len(p)
		if total >= math.MaxUint32-1 {
			return nil, fmt.Errorf("aho: patterns too large (%d bytes)", total)
		}
	}

	// Phase 1: a temporary trie with first-child/next-sibling lists.
	t := newTempTrie(total)
	for i, p := range patterns {
		if len(p) == 0 {
			continue
		}
		s := uint32(root)
		for j := 0; j < len(p); j++ {
			s = t.child(s, p[j])
		}
		t.term[s] = int32(i)
	}

	// Phase 2: renumber breadth first so that children are contiguous.
	m := t.layout()
	m.patterns = len(patterns)

	// Phase 3: failure and output links, in breadth-first order so that a
	// state's fail target (always shallower) is finished before it.
	n := len(m.label)
	m.fail = make([]uint32, n)
	m.out = make([]uint32, n)
	m.out[root] = none
	for s := uint32(0); s < uint32(n); s++ {
		for v := m.childStart[s]; v < m.childStart[s+1]; v++ {
			c := m.label[v]
			f := uint32(root)
			if s != root {
				f = m.fail[s]
				for {
					if w, ok := m.next(f, c); ok {
						f = w
						break
					}
					if f == root {
						break
					}
					f = m.fail[f]
				}
			}
			m.fail[v] = f
			if m.term[v] >= 0 {
				m.out[v] = v
			} else {
				m.out[v] = m.out[f]
			}
		}
	}
	return m, nil
}

// Patterns returns the number of patterns the Matcher was built with.
func (m *Matcher) Patterns() int { return m.patterns }

// States returns the number of trie states, a measure of memory use.
func (m *Matcher) States() int { return len(m.label) }

// SizeBytes estimates the memory held by the Matcher.
func (m *Matcher) SizeBytes() int64 {
	return int64(len(m.label))*(1+4+4+4+4) + 4*256
}

// next returns the child of s labelled c, if any.
func (m *Matcher) next(s uint32, c byte) (uint32, bool) {
	if s == root {
		v := m.rootNext[c]
		return v, v != 0
	}
	lo, hi := m.childStart[s], m.childStart[s+1]
	for hi-lo > 8 {
		// Narrow [lo, hi) while keeping the first label >= c inside.
		mid := lo + (hi-lo)/2
		if m.label[mid] < c {
			lo = mid + 1
		} else {
			hi = mid + 1
		}
	}
	for ; lo < hi; lo++ {
		if m.label[lo] == c {
			return lo, true
		}
		if m.label[lo] > c {
			break
		}
	}
	return 0, false
}

// Scan feeds in to the automaton from state st and calls report with the
// index of every pattern occurrence that ends in in (a pattern may be
// reported many times). It returns the state to resume from with the next
// chunk of the same text.
func (m *Matcher) Scan(st State, in []byte, report func(pattern int)) State {
	s := uint32(st)
	if len(m.label) <= 1 {
		return 0
	}
	for _, c := range in {
		for {
			if v, ok := m.next(s, c); ok {
				s = v
				break
			}
			if s == root {
				break
			}
			s = m.fail[s]
		}
		for o := m.out[s]; o != none; o = m.out[m.fail[o]] {
			report(int(m.term[o]))
		}
	}
	return State(s)
}

// tempTrie is the build-time trie: compact to grow, slow to search.
type tempTrie struct {
	first, sibling []uint32 // 0 = none (the root is never a child)
	label          []byte
	term           []int32
	rootKids       [256]uint32
}

func newTempTrie(capacity int) *tempTrie {
	// Prefixes are shared, so capacity is an upper bound; start smaller.
	c := min(capacity, 1<<20)
	t := &tempTrie{
		first:   make([]uint32, 1, c),
		sibling: make([]uint32, 1, c),
		label:   make([]byte, 1, c),
		term:    make([]int32, 1, c),
	}
	t.term[0] = -1
	return t
}

func (t *tempTrie) add(c byte) uint32 {
	t.first = append(t.first, 0)
	t.sibling = append(t.sibling, 0)
	t.label = append(t.label, c)
	t.term = append(t.term, -1)
	return uint32(len(t.label) - 1)
}

// child returns the child of s labelled c, creating it if needed.
func (t *tempTrie) child(s uint32, c byte) uint32 {
	if s == root {
		if v := t.rootKids[c]; v != 0 {
			return v
		}
		v := t.add(c)
		t.rootKids[c] = v
		return v
	}
	for v := t.first[s]; v != 0; v = t.sibling[v] {
		if t.label[v] == c {
			return v
		}
	}
	v := t.add(c)
	t.sibling[v] = t.first[s]
	t.first[s] = v
	return v
}

func (t *tempTrie) layout() *Matcher {
	n := len(t.label)
	m := &Matcher{
		label:      make([]byte, n),
		childStart: make([]uint32, n+1),
		term:       make([]int32, n),
	}
	// queue holds old state ids in breadth-first order; its index is the
	// new id.
	queue := make([]uint32, 1, n)
	queue[0] = root
	m.term[0] = -1
	var kids []uint32
	for i := 0; i < len(queue); i++ {
		old := queue[i]
		kids = kids[:0]
		if old == root {
			for c := 0; c < 256; c++ {
				if v := t.rootKids[c]; v != 0 {
					kids = append(kids, v)
				}
			}
		} else {
			for v := t.first[old]; v != 0; v = t.sibling[v] {
				kids = append(kids, v)
			}
			slices.SortFunc(kids, func(a, b uint32) int { return int(t.label[a]) - int(t.label[b]) })
		}
		m.childStart[i] = uint32(len(queue))
		for _, v := range kids {
			nv := uint32(len(queue))
			queue = append(queue, v)
			m.label[nv] = t.label[v]
			m.term[nv] = t.term[v]
			if i == root {
				m.rootNext[t.label[v]] = nv
			}
		}
	}
	m.childStart[n] = uint32(n)
	return m
}
