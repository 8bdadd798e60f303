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
// A match counts as users count one (see TestPrecision):
//
//   - an e-mail never matches inside a longer address: not after a
//     local-part character (. _ - + or a letter or digit), nor before a
//     hyphen or a dot that goes on with a letter or digit; anything else
//     after it ends it (a space, punctuation, Japanese text);
//   - a name, kana or company does not run across the end of a sentence
//     (. ; : ! ? and their full-width forms) unless its value has one;
//     commas, middle dots and line breaks do not stop it (CSV columns,
//     山田・太郎);
//   - company and address are supporting fields: they corroborate a
//     record found by an ID, name, kana, e-mail or phone, and never make
//     one alone, not even together;
//   - a match inside a longer match of another value (久保誠 inside
//     久保誠一, a name inside an e-mail, an ID inside a phone number) is
//     the longer value's text, not the shorter one's: it is dropped;
//   - a customer found only through text that also identifies another,
//     corroborated customer (a name several customers share, written
//     next to one customer's phone within Options.Window bytes) adds no
//     record.
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
	lim    Limits
	window int64    // Options.Window
	ids    []string // record index → ID

	spaced, compact         *aho.Matcher
	spacedRefs, compactRefs refTable
	phones                  map[uint64]uint32 // phone key → group in phoneRefs
	phoneRefs               refTable

	skipped map[string]int
}

// fields is the order of customer fields; a ref or hit names a field by
// its index here.
var fields = [...]customers.Field{customers.FieldID, customers.FieldName, customers.FieldKana, customers.FieldEmail, customers.FieldPhone, customers.FieldAddress, customers.FieldCompany}

// companyBit is the mask bit of the company field (see supporting).
const companyBit = 1 << 6

// ref is one (record, field) a pattern stands for.
type ref struct {
	rec   uint32
	field uint8 // index into fields
}

// refTable maps a pattern index to its refs: refs[start[i]:start[i+1]],
// and to the checks its matches need: flags[i].
type refTable struct {
	start []uint32
	refs  []ref
	flags []uint8
}

// Pattern flags: which checks on the original text a match needs.
const (
	// flagEmail: some record has the pattern as its e-mail; a match
	// inside a longer address is not one (emailAround).
	flagEmail = 1 << iota
	// flagWords: a name, kana or company, which does not run across the
	// end of a sentence (crossesSentence)...
	flagWords
	// flagPunct: ...unless one of its values has such a character itself
	// ("J. Smith").
	flagPunct
)

func (t *refTable) of(i int) []ref { return t.refs[t.start[i]:t.start[i+1]] }

func (t *refTable) len() int { return max(len(t.start)-1, 0) }

// entry is one normalized value of one record, before grouping.
type entry struct {
	key   string
	ref   ref
	flags uint8
}

// Options tune NewScannerWithOptions.
type Options struct {
	// Progress, if set, is called from the building goroutine as records
	// are prepared: done of total records, and once more with done ==
	// total when the Scanner is ready. A relay logs it for large lists.
	Progress func(done, total int)
	// Window is the confidence window in bytes (policy's
	// confidence_window): a customer found only through text that
	// identifies another customer, corroborated within Window bytes,
	// adds no record; see Result. 0 means DefaultWindow.
	Window int64
}

// DefaultWindow is the confidence window used when Options.Window is 0.
const DefaultWindow = 200

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
		window:  cmp.Or(opt.Window, DefaultWindow),
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
			e := entry{key: key, ref: r, flags: patternFlags(f, v)}
			switch kind {
			case kindSpaced:
				spaced = append(spaced, e)
			case kindCompact:
				compact = append(compact, e)
			case kindPhone:
				phones = append(phones, e)
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

// patternFlags returns the flags a value of field f gives its pattern.
func patternFlags(f customers.Field, v string) uint8 {
	switch f {
	case customers.FieldEmail:
		return flagEmail
	case customers.FieldName, customers.FieldKana, customers.FieldCompany:
		for _, c := range v {
			if sentenceEnd(c) {
				return flagWords | flagPunct
			}
		}
		return flagWords
	}
	return 0
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
			t.flags = append(t.flags, 0)
		}
		t.flags[len(t.flags)-1] |= e.flags
		if i > 0 && e.key == es[i-1].key && e.ref == es[i-1].ref {
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
	st.recent.release()
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

	// recent is the segment's latest original text, for the checks
	// around a match (recent.go); pendingEmail holds e-mail matches whose
	// next characters are not read yet.
	recent       recent
	pendingEmail []pendingMatch
	tee          teeWriter

	contacts contactState
}

// pendingMatch is a spaced-form match waiting for more text.
type pendingMatch struct {
	p          int
	start, end int64
}

// teeWriter writes the text a segment streams to the recent text and,
// for a body segment, the e-mail finder.
type teeWriter struct {
	st     *scanState
	finder bool
}

func (t *teeWriter) Write(p []byte) (int, error) {
	t.st.recent.Write(p)
	if t.finder {
		t.st.contacts.finder.Write(p)
	}
	return len(p), nil
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
		st.spacedMatch(p, from, to, false)
	}
	st.onCompact = func(p, end int) {
		e := st.at.Base() + int64(end)
		b := e - int64(s.compact.PatternLen(p))
		from, to := st.at.Start(b), st.at.End(e)
		if s.compactRefs.flags[p]&(flagWords|flagPunct) == flagWords && st.crossesSentence(from, to) {
			return
		}
		st.pattern(tableCompact, p, &s.compactRefs, from, to)
	}
	st.tee.st = st
	st.contacts.finder.found = func(addr []byte, start, end int64) {
		st.addCandidate(ContactEmail, addr, start, end)
	}
	return st
}

// spacedMatch records a match of spaced pattern p at [from, to) of the
// original text after the checks its flags ask for, or keeps it pending
// until the text after it is known. atEnd says the segment is over.
func (st *scanState) spacedMatch(p int, from, to int64, atEnd bool) {
	flags := st.s.spacedRefs.flags[p]
	if flags&flagEmail != 0 {
		switch st.emailAround(from, to, atEnd) {
		case emailInside:
			return
		case emailPending:
			st.pendingEmail = append(st.pendingEmail, pendingMatch{p, from, to})
			return
		}
	}
	if flags&(flagWords|flagPunct) == flagWords && st.crossesSentence(from, to) {
		return
	}
	st.pattern(tableSpaced, p, &st.s.spacedRefs, from, to)
	if st.contacts.on && flags&flagEmail != 0 {
		st.emailMatch(from, to)
	}
}

// decidePending decides the pending e-mail matches whose next characters
// are now known (all of them when the segment is over).
func (st *scanState) decidePending(atEnd bool) {
	if len(st.pendingEmail) == 0 {
		return
	}
	pend := st.pendingEmail
	st.pendingEmail = nil
	for _, m := range pend {
		st.spacedMatch(m.p, m.start, m.end, atEnd)
	}
}

// segment scans one segment of text; it is the extract.TextFunc. The text
// of a body segment also goes through the e-mail finder (contacts.go).
func (st *scanState) segment(path string, text io.Reader) error {
	st.segments = append(st.segments, path)
	st.seq = len(st.segments) // stamps start at 1: 0 means never seen
	st.spacedSt, st.compactSt = 0, 0
	st.recent.reset()
	st.pendingEmail = st.pendingEmail[:0]
	st.tee.finder = !strings.HasSuffix(path, ".header") && !st.contacts.full()
	if st.tee.finder {
		st.contacts.on = true
		st.contacts.finder.reset()
	}
	err := normalize.Stream(io.TeeReader(text, &st.tee), st)
	st.decidePending(true)
	if st.tee.finder {
		st.endContacts()
	}
	return err
}

// Spaced implements normalize.Sink.
func (st *scanState) Spaced(b []byte, at *normalize.Positions) {
	st.at = at
	st.decidePending(false)
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

// match is one occurrence as one field of a record: occurrence occ of
// pattern pat (an index in scanState.pats).
type match struct {
	seg        int32
	field      uint8
	start, end int64
	pat, occ   int32
}

// supporting is the mask of the supporting fields, company and address:
// they corroborate a record found by another field but never make one,
// alone or together.
const supporting = companyBit | addressBit

// addressBit is the mask bit of the address field.
const addressBit = 1 << 5

// closest returns the smallest gap between matches of two different
// fields in one segment, at least one of them not a supporting field, or
// -1. ms is sorted by segment and start.
func closest(ms []match) int64 {
	best := int64(-1)
	var last [len(fields)]match // latest-ending match per field in the segment
	var have uint8
	for k, m := range ms {
		if k == 0 || m.seg != ms[k-1].seg {
			have = 0
		}
		for f := range last {
			if have&(1<<f) == 0 || f == int(m.field) || supporting&(1<<f) != 0 && supporting&(1<<m.field) != 0 {
				continue
			}
			if g := gap(m, last[f]); best < 0 || g < best {
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

// gap is the distance between two matches of one segment, 0 when they
// touch or overlap.
func gap(a, b match) int64 { return max(0, a.start-b.end, b.start-a.end) }

// custGroup is the matches of one customer (the records sharing an ID) while
// the Result is built.
type custGroup struct {
	id    string
	mask  uint8   // fields with a kept match (or uncounted occurrences)
	ms    []match // kept matches, sorted, distinct
	segs  []int32 // segments of kept matches and of uncounted occurrences
	more  int     // occurrences past MaxMatchesPerRecord
	close int64   // closest(ms)
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
	groups := st.groups(st.contained())
	explained := st.explained(groups)
	for gi := range groups {
		g := &groups[gi]
		if g.mask&^supporting == 0 || isExplained(g, explained, st.s.window) {
			continue
		}
		hit := RecordHit{ID: g.id, Closest: g.close, MoreMatches: g.more}
		for k, f := range fields {
			if g.mask&(1<<k) != 0 {
				hit.Fields = append(hit.Fields, f)
			}
		}
		slices.Sort(hit.Fields)
		slices.Sort(g.segs)
		for k, seg := range g.segs {
			if k > 0 && seg == g.segs[k-1] {
				continue
			}
			// The preamble and epilogue of a multipart entity share its
			// path: list a path once.
			if p := st.segments[seg]; !slices.Contains(hit.Parts, p) {
				hit.Parts = append(hit.Parts, p)
			}
		}
		ms := g.ms
		if len(ms) > MaxMatchesPerRecord {
			hit.MoreMatches += len(ms) - MaxMatchesPerRecord
			ms = ms[:MaxMatchesPerRecord]
		}
		hit.Matches = make([]Match, len(ms))
		for k, m := range ms {
			hit.Matches[k] = Match{Field: fields[m.field], Part: st.segments[m.seg], Start: m.start, End: m.end}
		}
		res.Records = append(res.Records, hit)
	}
	return res
}

// contained marks the occurrences that lie inside a longer occurrence of
// another pattern in the same segment: 久保誠 inside 久保誠一, a name
// inside an e-mail address, an ID inside a phone number. Such text names
// the longer value's customer, not the shorter one's, so it is no match
// of the shorter value. out[pat][k] is true for occurrence k of pattern
// pat. Identical ranges (two fields with the same text) do not contain
// each other.
func (st *scanState) contained() [][]bool {
	type occRef struct {
		seg        int32
		start, end int64
		pat, k     int32
	}
	var all []occRef
	for pi := range st.pats {
		for k, o := range st.pats[pi].occ {
			all = append(all, occRef{o.seg, o.start, o.end, int32(pi), int32(k)})
		}
	}
	slices.SortFunc(all, func(a, b occRef) int {
		return cmp.Or(cmp.Compare(a.seg, b.seg), cmp.Compare(a.start, b.start), cmp.Compare(b.end, a.end))
	})
	out := make([][]bool, len(st.pats))
	maxEnd, maxStart := int64(-1), int64(0)
	for i, o := range all {
		if i == 0 || o.seg != all[i-1].seg {
			maxEnd = -1
		}
		if maxEnd > o.end || maxEnd == o.end && maxStart < o.start {
			if out[o.pat] == nil {
				out[o.pat] = make([]bool, len(st.pats[o.pat].occ))
			}
			out[o.pat][o.k] = true
		}
		if o.end > maxEnd {
			maxEnd, maxStart = o.end, o.start
		}
	}
	return out
}

// groups gathers the kept matches of each customer: records sharing an
// ID are one customer, in ID order.
func (st *scanState) groups(contained [][]bool) []custGroup {
	ids := st.s.ids
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
	// One backing array for the matches and segments of all groups: a
	// name many customers share gives as many groups.
	nms, nsegs := 0, 0
	for i := range st.hits {
		for _, pr := range st.hits[i].pats {
			ph := &st.pats[pr.pat]
			nms += len(ph.occ)
			nsegs += len(ph.occ)
			if ph.more > 0 {
				nsegs += len(ph.segs)
			}
		}
	}
	msBuf := make([]match, 0, nms)
	segBuf := make([]int32, 0, nsegs)
	groups := make([]custGroup, 0, len(order))
	for i := 0; i < len(order); {
		g := custGroup{id: ids[st.hits[order[i]].rec]}
		m0, s0 := len(msBuf), len(segBuf)
		j := i
		for ; j < len(order) && ids[st.hits[order[j]].rec] == g.id; j++ {
			h := &st.hits[order[j]]
			for _, pr := range h.pats {
				ph := &st.pats[pr.pat]
				kept := 0
				for k, o := range ph.occ {
					if c := contained[pr.pat]; c != nil && c[k] {
						continue
					}
					kept++
					msBuf = append(msBuf, match{seg: o.seg, field: pr.field, start: o.start, end: o.end, pat: pr.pat, occ: int32(k)})
					segBuf = append(segBuf, o.seg)
					g.mask |= 1 << pr.field
				}
				if ph.more > 0 && kept > 0 {
					// Occurrences not kept one by one: their ranges are
					// unknown, so they count, unless every one kept
					// was inside a longer value (then these are taken
					// to be too).
					g.more += ph.more
					segBuf = append(segBuf, ph.segs...)
					g.mask |= 1 << pr.field
				}
			}
		}
		g.ms = msBuf[m0:len(msBuf):len(msBuf)]
		g.segs = segBuf[s0:len(segBuf):len(segBuf)]
		i = j
		slices.SortFunc(g.ms, func(a, b match) int {
			return cmp.Or(cmp.Compare(a.seg, b.seg), cmp.Compare(a.start, b.start), cmp.Compare(a.end, b.end), cmp.Compare(a.field, b.field), cmp.Compare(a.pat, b.pat))
		})
		g.ms = slices.CompactFunc(g.ms, func(a, b match) bool {
			return a.seg == b.seg && a.start == b.start && a.end == b.end && a.field == b.field
		})
		g.close = closest(g.ms)
		groups = append(groups, g)
	}
	return groups
}

// occKey names one occurrence of one pattern.
type occKey struct{ pat, occ int32 }

// explained returns the occurrences that identify a corroborated
// customer: those of a customer whose fields were found within window of
// each other (closest) that have a match of another field of the same
// customer within window. Another customer found only through such
// occurrences (a name several customers share, written next to one
// customer's phone number) adds no record: the text is about the
// corroborated one.
func (st *scanState) explained(groups []custGroup) map[occKey]bool {
	w := st.s.window
	var out map[occKey]bool
	for gi := range groups {
		g := &groups[gi]
		if g.close < 0 || g.close > w || g.mask&^supporting == 0 {
			continue
		}
		for a, m := range g.ms {
			for b := a - 1; b >= 0 && g.ms[b].seg == m.seg; b-- {
				o := g.ms[b]
				if o.field != m.field && (supporting&(1<<o.field) == 0 || supporting&(1<<m.field) == 0) && gap(m, o) <= w {
					if out == nil {
						out = map[occKey]bool{}
					}
					out[occKey{m.pat, m.occ}] = true
					out[occKey{o.pat, o.occ}] = true
				}
			}
		}
	}
	return out
}

// isExplained reports whether every match of an uncorroborated customer
// g is an occurrence that explained holds, so g adds no record.
func isExplained(g *custGroup, explained map[occKey]bool, window int64) bool {
	if len(explained) == 0 || g.more > 0 || len(g.ms) == 0 || g.close >= 0 && g.close <= window {
		return false
	}
	for _, m := range g.ms {
		if !explained[occKey{m.pat, m.occ}] {
			return false
		}
	}
	return true
}
