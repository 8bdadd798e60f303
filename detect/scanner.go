// Package detect finds customer records in outbound mail.
//
// A Scanner is built once from a customer list (package customers) and then
// scans messages, from any number of goroutines at once. Scan walks the
// whole MIME tree (package extract), normalizes every piece of text
// (package normalize) and looks for every customer value in one pass:
//
//   - Names, kana, IDs and emails written in Latin script are matched as
//     " value " in the spaced form of the text, so they only match whole
//     words: customer "Ann Lee" is found in "Dear Ann Lee," but not in
//     "Annual Leeds", and ann@example.com is not found in joann@example.com.
//   - Values containing Han, hiragana or katakana are matched without
//     spaces in the compact form of the text, so 山田 太郎 is found in
//     山田太郎, 山田　太郎 and 山田・太郎.
//   - Phone numbers are matched by canonical digits (03-1234-5678,
//     ０３（１２３４）５６７８ and +81 3 1234 5678 are one number) against
//     the phone-number candidates of the text, never inside longer numbers.
//
// Both text forms go through one Aho-Corasick automaton each (package
// internal/aho, built for large lists), so a scan costs the same for 100
// or 1,000,000 customers. Several records may share a value; a match
// reports all of them.
//
// Values too short to mean anything are left out, and counted by Skipped:
// CJK names under MinNameRunesCJK runes, CJK kana under MinKanaRunesCJK,
// Latin names and kana under MinNameRunesLatin letters and digits, IDs
// under MinIDRunes, addresses under MinAddressRunesCJK or
// MinAddressRunesLatin, company names under MinCompanyRunes, emails
// without "@", phone numbers with fewer than 10 or more than 15 digits.
//
// Each match is reported with its field, its segment and its byte range in
// the segment's original text (the decoded UTF-8 text as extracted, before
// normalization), at most MaxMatchesPerRecord per record; RecordHit.Closest
// says how close together two different fields of a record were found,
// for corroboration ("name and phone of the same row within N bytes").
//
// Company names are matched like names but never make a hit alone: a
// record found only by its company is dropped, and the company field is
// reported only with another field of the same record.
//
// Besides customer records, a Result says what a policy needs to know
// about the message itself: the contact details it gives in its text that
// are not customer data (Contacts: e-mail addresses, full-width ones
// included, and Japanese mobile numbers; see Contact and emailFinder), the
// mailboxes of its own From, Sender, Reply-To, To and Cc fields
// (Addresses) and how many attachments it has (Attachments).
//
// A Result's records hold customer IDs, fields, part paths and offsets,
// never customer values, so they can be logged. Contacts and Addresses
// hold addresses and numbers as written, and a recipient may be a
// customer: log their counts, not their values.
package detect

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/dlprelay/dlprelay/detect/customers"
	"github.com/dlprelay/dlprelay/detect/extract"
	"github.com/dlprelay/dlprelay/detect/internal/aho"
	"github.com/dlprelay/dlprelay/detect/normalize"
)

// Minimum value lengths, counted in letters and digits after normalization.
const (
	MinNameRunesCJK   = 2 // 山田
	MinNameRunesLatin = 4 // "Ann" is too short; "Ann Lee" is not
	// MinKanaRunesCJK is longer than for names: kana are phonetic, and with
	// hiragana folded to katakana a two-kana reading such as モリ would
	// match everyday words (見積もり).
	MinKanaRunesCJK = 4
	MinIDRunes      = 4
	// Addresses are long and made of common words (県, 市, 丁目):
	// shorter ones would match everyday text.
	MinAddressRunesCJK   = 6
	MinAddressRunesLatin = 8
	// Company names: 4 runes either way (山田商事, Acme).
	MinCompanyRunes = 4
)

// MaxMatchesPerRecord bounds RecordHit.Matches; further matches are only
// counted (RecordHit.MoreMatches).
const MaxMatchesPerRecord = 100

// Skip reasons, as used in Skipped keys ("name/too_short").
const (
	SkipTooShort = "too_short"
	SkipTooLong  = "too_long"
	SkipInvalid  = "invalid"
)

// Scanner looks for the values of a customer list in messages. It is
// immutable once built and safe for concurrent use.
type Scanner struct {
	lim Limits
	ids []string // record index → ID

	spaced, compact         *aho.Matcher
	spacedRefs, compactRefs refTable
	phones                  map[uint64]uint32 // phone key → group in phoneRefs
	phoneRefs               refTable

	skipped map[string]int
}

// fields is the order of customer fields; a ref or hit names a field by
// its index here.
var fields = [...]customers.Field{customers.FieldID, customers.FieldName, customers.FieldKana, customers.FieldEmail, customers.FieldPhone, customers.FieldAddress, customers.FieldCompany}

// companyBit is the mask bit of the company field, which never makes a hit
// alone.
const companyBit = 1 << 6

// ref is one (record, field) a pattern stands for.
type ref struct {
	rec   uint32
	field uint8 // index into fields
}

// refTable maps a pattern index to its refs: refs[start[i]:start[i+1]].
type refTable struct {
	start []uint32
	refs  []ref
}

func (t *refTable) of(i int) []ref { return t.refs[t.start[i]:t.start[i+1]] }

func (t *refTable) len() int { return max(len(t.start)-1, 0) }

// entry is one normalized value of one record, before grouping.
type entry struct {
	key string
	ref ref
}

// Options tune NewScannerWithOptions.
type Options struct {
	// Progress, if set, is called from the building goroutine as records
	// are prepared: done of total records, and once more with done ==
	// total when the Scanner is ready. A relay logs it for large lists.
	Progress func(done, total int)
}

// progressEvery is how many records pass between Progress calls.
const progressEvery = 1 << 16

// NewScanner builds a Scanner for list. lim applies to each Scan.
func NewScanner(list *customers.List, lim Limits) (*Scanner, error) {
	return NewScannerWithOptions(list, lim, Options{})
}

// NewScannerWithOptions is NewScanner with Options.
func NewScannerWithOptions(list *customers.List, lim Limits, opt Options) (*Scanner, error) {
	if list == nil {
		return nil, fmt.Errorf("detect: nil customer list")
	}
	if len(list.Records) >= 1<<31 {
		return nil, fmt.Errorf("detect: too many customer records (%d)", len(list.Records))
	}
	s := &Scanner{
		lim:     lim,
		ids:     make([]string, len(list.Records)),
		skipped: map[string]int{},
	}
	n := len(list.Records)
	spaced := make([]entry, 0, 2*n)
	compact := make([]entry, 0, 2*n)
	phones := make([]entry, 0, n)
	for i, rec := range list.Records {
		if opt.Progress != nil && i%progressEvery == 0 && i > 0 {
			opt.Progress(i, n)
		}
		s.ids[i] = rec.ID
		for fi, f := range fields {
			v := rec.Values[f]
			if f == customers.FieldID {
				v = rec.ID
			}
			if v == "" {
				continue
			}
			r := ref{rec: uint32(i), field: uint8(fi)}
			key, kind, reason := patternFor(f, v)
			switch kind {
			case kindSpaced:
				spaced = append(spaced, entry{key, r})
			case kindCompact:
				compact = append(compact, entry{key, r})
			case kindPhone:
				phones = append(phones, entry{key, r})
			default:
				s.skipped[string(f)+"/"+reason]++
			}
		}
	}

	// The two automata are built at once: on a 2-core machine that halves
	// the wall time of a large list's build.
	var wg sync.WaitGroup
	var errSpaced, errCompact error
	wg.Go(func() {
		var keys []string
		keys, s.spacedRefs = group(spaced)
		spaced = nil
		s.spaced, errSpaced = aho.Build(keys)
	})
	wg.Go(func() {
		var keys []string
		keys, s.compactRefs = group(compact)
		compact = nil
		s.compact, errCompact = aho.Build(keys)
	})
	keys, phoneRefs := group(phones)
	s.phoneRefs = phoneRefs
	s.phones = make(map[uint64]uint32, len(keys))
	for i, k := range keys {
		s.phones[phoneKey([]byte(k))] = uint32(i)
	}
	wg.Wait()
	if err := cmp.Or(errSpaced, errCompact); err != nil {
		return nil, fmt.Errorf("detect: %w", err)
	}
	if opt.Progress != nil {
		opt.Progress(n, n)
	}
	return s, nil
}

type patternKind int

const (
	kindSkip patternKind = iota
	kindSpaced
	kindCompact
	kindPhone
)

// patternFor returns the normalized form of value v of field f and where it
// is matched, or the reason it is skipped.
func patternFor(f customers.Field, v string) (key string, kind patternKind, reason string) {
	switch f {
	case customers.FieldPhone:
		p := normalize.Phone(v)
		switch {
		case len(p) < normalize.MinPhoneDigits:
			return "", kindSkip, SkipTooShort
		case len(p) > normalize.MaxPhoneDigits:
			return "", kindSkip, SkipTooLong
		}
		return p, kindPhone, ""
	case customers.FieldEmail:
		local, domain, ok := strings.Cut(v, "@")
		if !ok || strings.TrimSpace(local) == "" || strings.TrimSpace(domain) == "" {
			return "", kindSkip, SkipInvalid
		}
		sp := normalize.Spaced(v)
		if len(sp) < 3 {
			return "", kindSkip, SkipInvalid
		}
		return sp, kindSpaced, ""
	}
	minCJK, minLatin := MinNameRunesCJK, MinNameRunesLatin
	switch f {
	case customers.FieldKana:
		minCJK = MinKanaRunesCJK
	case customers.FieldID:
		minCJK, minLatin = MinIDRunes, MinIDRunes
	case customers.FieldAddress:
		minCJK, minLatin = MinAddressRunesCJK, MinAddressRunesLatin
	case customers.FieldCompany:
		minCJK, minLatin = MinCompanyRunes, MinCompanyRunes
	}
	if normalize.IsCJK(v) {
		c := normalize.Compact(v)
		if utf8.RuneCountInString(c) < minCJK {
			return "", kindSkip, SkipTooShort
		}
		return c, kindCompact, ""
	}
	sp := normalize.Spaced(v)
	if utf8.RuneCountInString(sp)-strings.Count(sp, " ") < minLatin {
		return "", kindSkip, SkipTooShort
	}
	return sp, kindSpaced, ""
}

// group sorts entries by key and returns the distinct keys with the refs of
// each.
func group(es []entry) ([]string, refTable) {
	slices.SortFunc(es, func(a, b entry) int {
		if c := strings.Compare(a.key, b.key); c != 0 {
			return c
		}
		if c := cmp.Compare(a.ref.rec, b.ref.rec); c != 0 {
			return c
		}
		return cmp.Compare(a.ref.field, b.ref.field)
	})
	var keys []string
	t := refTable{refs: make([]ref, 0, len(es))}
	for i, e := range es {
		if i == 0 || e.key != es[i-1].key {
			keys = append(keys, e.key)
			t.start = append(t.start, uint32(len(t.refs)))
		}
		if i > 0 && e == es[i-1] {
			continue
		}
		t.refs = append(t.refs, e.ref)
	}
	t.start = append(t.start, uint32(len(t.refs)))
	return keys, t
}

// phoneKey packs canonical digits (at most 15) into a map key: a leading 1
// keeps leading zeros.
func phoneKey(d []byte) uint64 {
	k := uint64(1)
	for _, c := range d {
		k = k*10 + uint64(c-'0')
	}
	return k
}

// Patterns returns the number of distinct values the Scanner looks for:
// the patterns of its two automata plus the distinct phone numbers.
func (s *Scanner) Patterns() int {
	return s.spacedRefs.len() + s.compactRefs.len() + s.phoneRefs.len()
}

// Skipped returns, per "field/reason" (such as "name/too_short"), how many
// customer values were left out of the Scanner. The map is a copy.
func (s *Scanner) Skipped() map[string]int {
	m := make(map[string]int, len(s.skipped))
	for k, v := range s.skipped {
		m[k] = v
	}
	return m
}

// SizeBytes estimates the memory held by the Scanner's matching tables
// (not counting the customer list).
func (s *Scanner) SizeBytes() int64 {
	n := s.spaced.SizeBytes() + s.compact.SizeBytes()
	for _, t := range []*refTable{&s.spacedRefs, &s.compactRefs, &s.phoneRefs} {
		n += int64(len(t.start))*4 + int64(len(t.refs))*8
	}
	n += int64(len(s.phones)) * 16
	return n
}

// Scan reads the whole message from r and reports the customer records in
// it. It returns an error only for internal failures: r failing, or ctx
// being cancelled. Content it cannot read, and limits it hits (Limits,
// including the timeout), are described in the Result.
func (s *Scanner) Scan(ctx context.Context, r io.Reader) (*Result, error) {
	st := newScan(s)
	rep, err := extract.Walk(ctx, r, s.lim, st.segment)
	if err != nil {
		return nil, fmt.Errorf("detect: %w", err)
	}
	return st.result(rep), nil
}

// scanState is the state of one Scan call.
//
// Occurrences are kept per pattern (a value shared by many records, such
// as a common name, is recorded once) and handed out to the records of the
// pattern when the Result is built.
type scanState struct {
	s *Scanner

	segments  []string // segment paths in walk order
	seq       int      // 1 + index of the current segment in segments
	spacedSt  aho.State
	compactSt aho.State

	// hits has one entry per record found, indexed through hitOf.
	hits  []recHit
	hitOf map[uint32]int32
	// pats has one entry per pattern found, indexed through patOf by
	// table<<32 | pattern.
	pats  []patHit
	patOf map[uint64]int32

	// The piece being matched and its positions, for the callbacks.
	at                  *normalize.Positions
	onSpaced, onCompact func(p, end int)

	contacts contactState
}

// Pattern tables, as in patOf keys.
const (
	tableSpaced = iota
	tableCompact
	tablePhone
)

type recHit struct {
	rec    uint32
	fields uint8 // bit i: fields[i]
	pats   []patRef
}

// patRef is one pattern found for a record, as one of its fields.
type patRef struct {
	pat   int32 // index in scanState.pats
	field uint8
}

// patHit is one pattern found: its first MaxMatchesPerRecord occurrences,
// a count of the others, and the segments it was found in.
type patHit struct {
	occ  []occurrence
	more int
	segs []int32 // distinct, in walk order
}

type occurrence struct {
	seg        int32
	start, end int64
}

func newScan(s *Scanner) *scanState {
	st := &scanState{
		s:     s,
		hitOf: map[uint32]int32{},
		patOf: map[uint64]int32{},
	}
	st.onSpaced = func(p, end int) {
		// Spaced patterns are " value ": the padding spaces are not part
		// of what the user wrote.
		e := st.at.Base() + int64(end)
		b := e - int64(s.spaced.PatternLen(p))
		from, to := st.at.Start(b+1), st.at.End(e-1)
		st.pattern(tableSpaced, p, &s.spacedRefs, from, to)
		if st.contacts.on {
			for _, r := range s.spacedRefs.of(p) {
				if r.field == emailField {
					st.emailMatch(from, to)
					break
				}
			}
		}
	}
	st.onCompact = func(p, end int) {
		e := st.at.Base() + int64(end)
		b := e - int64(s.compact.PatternLen(p))
		st.pattern(tableCompact, p, &s.compactRefs, st.at.Start(b), st.at.End(e))
	}
	st.contacts.finder.found = func(addr []byte, start, end int64) {
		st.addCandidate(ContactEmail, addr, start, end)
	}
	return st
}

// segment scans one segment of text; it is the extract.TextFunc. The text
// of a body segment also goes through the e-mail finder (contacts.go).
func (st *scanState) segment(path string, text io.Reader) error {
	st.segments = append(st.segments, path)
	st.seq = len(st.segments) // stamps start at 1: 0 means never seen
	st.spacedSt, st.compactSt = 0, 0
	if strings.HasSuffix(path, ".header") || st.contacts.full() {
		return normalize.Stream(text, st)
	}
	st.contacts.on = true
	st.contacts.finder.reset()
	err := normalize.Stream(io.TeeReader(text, &st.contacts.finder), st)
	st.endContacts()
	return err
}

// Spaced implements normalize.Sink.
func (st *scanState) Spaced(b []byte, at *normalize.Positions) {
	st.at = at
	st.spacedSt = st.s.spaced.Scan(st.spacedSt, b, st.onSpaced)
	if st.contacts.on && len(st.contacts.pend) > 0 {
		// The matcher has read up to here: candidates contactLag bytes
		// before can be decided (contacts.go).
		st.decideContacts(at.End(at.Base()+int64(len(b))) - contactLag)
	}
}

// Compact implements normalize.Sink.
func (st *scanState) Compact(b []byte, at *normalize.Positions) {
	st.at = at
	st.compactSt = st.s.compact.Scan(st.compactSt, b, st.onCompact)
}

// Phone implements normalize.Sink.
func (st *scanState) Phone(canonical []byte, start, end int64) {
	g, ok := st.s.phones[phoneKey(canonical)]
	if ok {
		st.pattern(tablePhone, int(g), &st.s.phoneRefs, start, end)
	} else if st.contacts.on && isMobile(canonical) {
		st.addCandidate(ContactMobile, canonical, start, end)
	}
}

// pattern records an occurrence of pattern p of a table at [start, end)
// of the current segment's original text. The first time p is found, its
// records are marked.
func (st *scanState) pattern(table, p int, refs *refTable, start, end int64) {
	key := uint64(table)<<32 | uint64(p)
	pi, ok := st.patOf[key]
	if !ok {
		pi = int32(len(st.pats))
		st.pats = append(st.pats, patHit{})
		st.patOf[key] = pi
		for _, r := range refs.of(p) {
			i, ok := st.hitOf[r.rec]
			if !ok {
				i = int32(len(st.hits))
				st.hits = append(st.hits, recHit{rec: r.rec})
				st.hitOf[r.rec] = i
			}
			h := &st.hits[i]
			h.fields |= 1 << r.field
			h.pats = append(h.pats, patRef{pat: pi, field: r.field})
		}
	}
	ph := &st.pats[pi]
	seg := int32(st.seq - 1)
	if n := len(ph.segs); n == 0 || ph.segs[n-1] != seg {
		ph.segs = append(ph.segs, seg)
	}
	if len(ph.occ) < MaxMatchesPerRecord {
		ph.occ = append(ph.occ, occurrence{seg: seg, start: start, end: end})
	} else {
		ph.more++
	}
}

// match is one occurrence as one field of a record.
type match struct {
	seg        int32
	field      uint8
	start, end int64
}

// closest returns the smallest gap between matches of two different
// fields in one segment, or -1. ms is sorted by segment and start.
func closest(ms []match) int64 {
	best := int64(-1)
	var last [len(fields)]match // latest-ending match per field in the segment
	var have uint8
	for k, m := range ms {
		if k == 0 || m.seg != ms[k-1].seg {
			have = 0
		}
		for f := range last {
			if have&(1<<f) == 0 || f == int(m.field) {
				continue
			}
			if g := max(0, m.start-last[f].end, last[f].start-m.end); best < 0 || g < best {
				best = g
			}
		}
		if have&(1<<m.field) == 0 || m.end > last[m.field].end {
			last[m.field] = m
			have |= 1 << m.field
		}
	}
	return best
}

func (st *scanState) result(rep *extract.Report) *Result {
	res := &Result{
		Records:      make([]RecordHit, 0, len(st.hits)),
		Parts:        rep.Parts,
		Unscannable:  rep.Unscannable,
		BytesScanned: rep.Bytes,
		Contacts:     st.contacts.list,
		Addresses:    rep.Addresses,
		Attachments:  rep.Attachments,
	}
	if res.Parts == nil {
		res.Parts = []Part{}
	}
	if res.Unscannable == nil {
		res.Unscannable = []Unscannable{}
	}
	if len(st.hits) == 0 {
		return res
	}
	ids := st.s.ids

	// Records sharing an ID are one customer: sort by ID and merge runs.
	order := make([]int32, len(st.hits))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int {
		ra, rb := st.hits[a].rec, st.hits[b].rec
		if c := strings.Compare(ids[ra], ids[rb]); c != 0 {
			return c
		}
		return cmp.Compare(ra, rb)
	})
	fieldBuf := make([]customers.Field, 0, len(st.hits)*len(fields))
	partBuf := make([]string, 0, len(st.hits))
	var segs []int32
	var ms []match
	for i := 0; i < len(order); {
		id := ids[st.hits[order[i]].rec]
		var mask uint8
		segs = segs[:0]
		ms = ms[:0]
		more := 0
		j := i
		for ; j < len(order) && ids[st.hits[order[j]].rec] == id; j++ {
			h := &st.hits[order[j]]
			mask |= h.fields
			for _, pr := range h.pats {
				ph := &st.pats[pr.pat]
				segs = append(segs, ph.segs...)
				for _, o := range ph.occ {
					ms = append(ms, match{seg: o.seg, field: pr.field, start: o.start, end: o.end})
				}
				more += ph.more
			}
		}
		i = j
		if mask == companyBit {
			continue // a company alone is not a customer
		}
		slices.Sort(segs)
		slices.SortFunc(ms, func(a, b match) int {
			return cmp.Or(cmp.Compare(a.seg, b.seg), cmp.Compare(a.start, b.start), cmp.Compare(a.end, b.end), cmp.Compare(a.field, b.field))
		})
		ms = slices.Compact(ms)

		f0 := len(fieldBuf)
		for k, f := range fields {
			if mask&(1<<k) != 0 {
				fieldBuf = append(fieldBuf, f)
			}
		}
		hit := RecordHit{ID: id, Fields: fieldBuf[f0:len(fieldBuf):len(fieldBuf)], Closest: closest(ms)}
		slices.Sort(hit.Fields)

		p0 := len(partBuf)
		for k, seg := range segs {
			if k > 0 && seg == segs[k-1] {
				continue
			}
			// The preamble and epilogue of a multipart entity share its
			// path: list a path once.
			if p := st.segments[seg]; !slices.Contains(partBuf[p0:], p) {
				partBuf = append(partBuf, p)
			}
		}
		hit.Parts = partBuf[p0:len(partBuf):len(partBuf)]
		if len(ms) > MaxMatchesPerRecord {
			more += len(ms) - MaxMatchesPerRecord
			ms = ms[:MaxMatchesPerRecord]
		}
		hit.MoreMatches = more
		hit.Matches = make([]Match, len(ms))
		for k, m := range ms {
			hit.Matches[k] = Match{Field: fields[m.field], Part: st.segments[m.seg], Start: m.start, End: m.end}
		}
		res.Records = append(res.Records, hit)
	}
	return res
}
