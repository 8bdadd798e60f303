// Package aho is a compact, read-only Aho-Corasick automaton for matching
// many byte patterns against streamed text.
//
// It exists because detect must hold hundreds of thousands of customer
// values: github.com/cloudflare/ahocorasick stores two [256]*node tables per
// trie node (about 4 KiB) and preallocates one node per pattern byte, which
// needs tens of gigabytes for a 100k-row customer list. Here a trie node
// costs 17 bytes: the trie is laid out in breadth-first order, so the
// children of a state are one contiguous, label-sorted run found by a short
// scan or a binary search.
//
// Speed comes from the shallow states, where a scan spends most of its
// time: the root and the states at depth 1 and 2 (at most maxDense of them)
// get a dense 256-entry row of complete transitions, failure links already
// followed, with a flag bit saying whether the target ends a pattern. At the
// root, bytes that cannot start a pattern are skipped in a tight loop (or by
// bytes.IndexByte when only one byte can start one, as with the space that
// starts every spaced pattern in detect).
//
// A Matcher is immutable after Build and safe for concurrent use. Matching is
// resumable: Scan takes and returns a State, so text can be fed in chunks of
// any size and a pattern split across chunks is still found. Every
// occurrence is reported, overlapping ones included (both "久保誠" and
// "久保誠一" in "久保誠一"), with the offset where it ends.
package aho

import (
	"bytes"
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

	// hasOut flags a dense transition whose target ends a pattern (itself
	// or through its output link).
	hasOut = 1 << 31
	// maxStates keeps state numbers clear of the flag bit.
	maxStates = hasOut - 1
	// maxDense bounds the states with a dense row (1 KiB each).
	maxDense = 4096
	// denseDepth is the deepest state given a dense row.
	denseDepth = 2
)

// node is one trie state.
type node struct {
	first uint32 // children of s are states first .. nodes[s+1].first-1
	fail  uint32 // longest proper suffix that is also a trie state
	out   uint32 // nearest state (s itself or via fail links) that ends a pattern, or none
}

// Matcher is an Aho-Corasick automaton over a fixed set of patterns.
type Matcher struct {
	// Per state, in breadth-first order (state 0 is the root); nodes has a
	// sentinel entry at the end.
	nodes []node
	label []byte  // byte on the edge from the parent
	term  []int32 // pattern index ending exactly at s, or -1

	// dense[s<<8|c] is the complete transition of state s < nDense on c,
	// with hasOut set when the target has an output.
	dense  []uint32
	nDense uint32
	// start[c] reports whether c can start a pattern; single is that byte
	// when it is the only one (else -1).
	start  [256]bool
	single int

	lens     []uint32 // pattern lengths
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
		if total >= maxStates {
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
	t = nil
	m.patterns = len(patterns)
	m.lens = make([]uint32, len(patterns))
	for i, p := range patterns {
		m.lens[i] = uint32(len(p))
	}

	// Phase 3: failure and output links, in breadth-first order so that a
	// state's fail target (always shallower) is finished before it.
	n := len(m.label)
	m.nodes[root].out = none
	for s := uint32(0); s < uint32(n); s++ {
		for v := m.nodes[s].first; v < m.nodes[s+1].first; v++ {
			c := m.label[v]
			f := uint32(root)
			if s != root {
				f = m.nodes[s].fail
				for {
					if w, ok := m.child(f, c); ok {
						f = w
						break
					}
					if f == root {
						break
					}
					f = m.nodes[f].fail
				}
			}
			m.nodes[v].fail = f
			if m.term[v] >= 0 {
				m.nodes[v].out = v
			} else {
				m.nodes[v].out = m.nodes[f].out
			}
		}
	}

	// Phase 4: dense rows for the shallow states, which come first in
	// breadth-first order.
	m.buildDense()
	return m, nil
}

func (m *Matcher) buildDense() {
	n := uint32(len(m.label))
	// Depths of the first states, to find where depth denseDepth ends.
	limit := min(n, maxDense)
	depth := make([]uint8, limit)
	nd := uint32(1)
	for s := uint32(0); s < limit; s++ {
		if depth[s] > denseDepth {
			break
		}
		nd = s + 1
		for v := m.nodes[s].first; v < m.nodes[s+1].first && v < limit; v++ {
			depth[v] = depth[s] + 1
		}
	}
	m.nDense = nd
	m.dense = make([]uint32, int(nd)<<8)
	flag := func(v uint32) uint32 {
		if m.nodes[v].out != none {
			return v | hasOut
		}
		return v
	}
	for s := uint32(0); s < nd; s++ {
		row := m.dense[s<<8 : (s+1)<<8]
		if s != root {
			// Start from the row of the fail state (shallower, so done).
			f := m.nodes[s].fail
			copy(row, m.dense[f<<8:(f+1)<<8])
		}
		for v := m.nodes[s].first; v < m.nodes[s+1].first; v++ {
			row[m.label[v]] = flag(v)
		}
	}
	m.single = -1
	count := 0
	for c := 0; c < 256; c++ {
		if m.dense[c] != 0 {
			m.start[c] = true
			m.single = c
			count++
		}
	}
	if count != 1 {
		m.single = -1
	}
}

// Patterns returns the number of patterns the Matcher was built with.
func (m *Matcher) Patterns() int { return m.patterns }

// PatternLen returns the length in bytes of pattern i.
func (m *Matcher) PatternLen(i int) int { return int(m.lens[i]) }

// States returns the number of trie states, a measure of memory use.
func (m *Matcher) States() int { return len(m.label) }

// SizeBytes estimates the memory held by the Matcher.
func (m *Matcher) SizeBytes() int64 {
	return int64(len(m.label))*(1+4+12) + int64(len(m.dense))*4 + int64(len(m.lens))*4
}

// child returns the child of s labelled c, if any.
func (m *Matcher) child(s uint32, c byte) (uint32, bool) {
	lo, hi := m.nodes[s].first, m.nodes[s+1].first
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
		if l := m.label[lo]; l >= c {
			return lo, l == c
		}
	}
	return 0, false
}

// Scan feeds in to the automaton from state st and calls report for every
// pattern occurrence that ends in in, overlapping ones included, with the
// pattern index and the offset in in just past its last byte (so the
// occurrence starts end-PatternLen(pattern) bytes before, possibly in an
// earlier chunk). It returns the state to resume from with the next chunk
// of the same text.
func (m *Matcher) Scan(st State, in []byte, report func(pattern, end int)) State {
	if len(m.label) <= 1 {
		return 0
	}
	s := uint32(st)
	dense, nd := m.dense, m.nDense
	for i := 0; i < len(in); i++ {
		if s == root {
			// Skip bytes that cannot start a pattern.
			if m.single >= 0 {
				j := bytes.IndexByte(in[i:], byte(m.single))
				if j < 0 {
					break
				}
				i += j
			} else {
				for i < len(in) && !m.start[in[i]] {
					i++
				}
				if i == len(in) {
					break
				}
			}
		}
		c := in[i]
		var v uint32
		if s < nd {
			v = dense[s<<8|uint32(c)]
		} else {
			for {
				if w, ok := m.child(s, c); ok {
					v = w
					if m.nodes[w].out != none {
						v |= hasOut
					}
					break
				}
				s = m.nodes[s].fail
				if s < nd {
					v = dense[s<<8|uint32(c)]
					break
				}
			}
		}
		s = v &^ hasOut
		if v&hasOut != 0 {
			for o := m.nodes[s].out; o != none; o = m.nodes[m.nodes[o].fail].out {
				report(int(m.term[o]), i+1)
			}
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
		label: make([]byte, n),
		nodes: make([]node, n+1),
		term:  make([]int32, n),
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
		m.nodes[i].first = uint32(len(queue))
		for _, v := range kids {
			nv := uint32(len(queue))
			queue = append(queue, v)
			m.label[nv] = t.label[v]
			m.term[nv] = t.term[v]
		}
	}
	m.nodes[n].first = uint32(n)
	return m
}
