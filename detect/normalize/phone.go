package normalize

import (
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Phone-number limits, in digits.
const (
	// MinPhoneDigits is the shortest canonical phone number detect looks for:
	// a Japanese number with its area code has 10 digits (03-1234-5678), a
	// mobile number 11 (090-1234-5678).
	MinPhoneDigits = 10
	// MaxPhoneDigits is the longest canonical phone number (E.164 allows 15).
	MaxPhoneDigits = 15
	// maxCandidateDigits bounds a candidate in text: a canonical number plus
	// a two-digit country code.
	maxCandidateDigits = MaxPhoneDigits + 2
	// maxSeparatorRun is how many separator runes may stand between two
	// digit groups of one number ("03 - 1234").
	maxSeparatorRun = 3
)

// Phone returns the canonical digits of a phone number written any common
// way: NFKC (so full-width digits count), every non-digit dropped, then a
// leading Japanese country code turned into the trunk prefix 0. So
// "03-1234-5678", "03(1234)5678", "０３－１２３４－５６７８" and
// "+81 3 1234 5678" all give "0312345678". It returns "" if s has no digit.
func Phone(s string) string {
	var d []byte
	for _, r := range norm.NFKC.String(s) {
		if '0' <= r && r <= '9' {
			d = append(d, byte(r))
		}
	}
	return string(canonicalPhone(d))
}

// canonicalPhone rewrites a leading "81" country code to "0", in place when
// it can. A Japanese number dialled at home always starts with 0, so 11 or
// more digits starting with 81 are an international form: +81 3 1234 5678
// and +81 (0)3 1234 5678 both become 0312345678.
func canonicalPhone(d []byte) []byte {
	if len(d) >= 11 && d[0] == '8' && d[1] == '1' {
		d = d[2:]
		if d[0] != '0' {
			d = append([]byte{'0'}, d...)
		}
	}
	return d
}

// isPhoneSeparator reports whether r may stand between the digit groups of
// a phone number. Input is NFKC, so full-width forms have already become
// ASCII; the dashes that NFKC leaves alone are listed.
func isPhoneSeparator(r rune) bool {
	switch r {
	case ' ', '\t', '-', '(', ')', '.', '+', '/':
		return true
	case 0x2010, 0x2011, 0x2012, 0x2013, 0x2014, 0x2015, 0x2212, 0x30FC, 0xFE63:
		return true // hyphen, dashes, minus sign, prolonged sound mark
	}
	return false
}

// PhoneFinder finds phone-number candidates in a stream of NFKC runes.
// Default-ignorable runes are not there for it: 0\u200B3-1234-5678 is
// 03-1234-5678.
//
// A candidate is a sequence of digit groups separated by short runs of
// separator runes (space, "-", "(", ")", ".", "+", "/", dashes); any other
// rune, a line break included, ends it. Numbers are never split inside a
// digit group: for each group, every run of consecutive groups ending with
// it and holding at most 17 digits is canonicalized (see Phone) and handed
// to the callback. So "TEL 03-1234-5678 / 090 1111 2222" yields 0312345678
// and 09011112222 among its candidates, while "03-1234-567" or "1234-5678"
// can never equal a 10-digit customer number, and "0312345678" inside
// "90312345678" is not found.
type PhoneFinder struct {
	found func(canonical []byte, start, end int64)
	// groups holds the digit groups of the current candidate, newest last,
	// as lengths into digits, with their byte ranges in the original text.
	digits  []byte
	groups  []group
	cur     int // digits in the group being read
	sepRun  int // separator runes since the last digit
	scratch []byte

	curStart, curEnd int64 // range of the group being read
	pos              int64 // offset of the next rune, for Rune
}

type group struct {
	n          int
	start, end int64
}

// NewPhoneFinder returns a PhoneFinder that calls found for each candidate
// with its canonical digits and its byte range [start, end) in the text
// fed to Rune. The slice passed to found is only valid during the call.
func NewPhoneFinder(found func(canonical []byte, start, end int64)) *PhoneFinder {
	tablesOnce.Do(initTables)
	return &PhoneFinder{
		found:   found,
		digits:  make([]byte, 0, 64),
		scratch: make([]byte, 0, 32),
	}
}

// Rune feeds the next rune of text; its byte range is counted from the
// runes fed before.
func (p *PhoneFinder) Rune(r rune) {
	n := int64(utf8.RuneLen(r))
	if n < 0 {
		n = 1
	}
	if !isIgnorable(r) {
		p.runeAt(r, p.pos, p.pos+n)
	}
	p.pos += n
}

// idle reports whether no candidate is open, so that letters and
// separators change nothing.
func (p *PhoneFinder) idle() bool { return p.cur == 0 && len(p.groups) == 0 }

// runeAt feeds the next rune, which comes from [start, end) of the text.
// The caller drops default-ignorable runes.
func (p *PhoneFinder) runeAt(r rune, start, end int64) {
	switch {
	case '0' <= r && r <= '9':
		if p.cur < 0 {
			return // inside an over-long group
		}
		if p.cur == 0 && p.sepRun > maxSeparatorRun {
			p.reset()
		}
		p.digits = append(p.digits, byte(r))
		if p.cur == 0 {
			p.curStart = start
		}
		p.curEnd = end
		p.cur++
		p.sepRun = 0
		if p.cur > maxCandidateDigits {
			// Too long to be a phone number, and no number starts inside
			// a group: skip the rest of this group.
			p.reset()
			p.cur = -1
		}
	case isPhoneSeparator(r):
		p.endGroup()
		p.sepRun++
	default:
		p.Flush()
	}
}

// Flush ends the current candidate, as at the end of a text.
func (p *PhoneFinder) Flush() {
	p.endGroup()
	p.reset()
}

func (p *PhoneFinder) reset() {
	p.digits = p.digits[:0]
	p.groups = p.groups[:0]
	p.cur = 0
	p.sepRun = 0
}

// endGroup closes the group being read and reports the runs ending with it.
func (p *PhoneFinder) endGroup() {
	if p.cur < 0 {
		// An over-long group ends here; it is never part of a number.
		p.reset()
		return
	}
	if p.cur == 0 {
		return
	}
	p.groups = append(p.groups, group{p.cur, p.curStart, p.curEnd})
	p.cur = 0
	// Drop old groups that can no longer be part of a candidate.
	total := 0
	keep := 0
	for i := len(p.groups) - 1; i >= 0; i-- {
		if total+p.groups[i].n > maxCandidateDigits {
			break
		}
		total += p.groups[i].n
		keep++
	}
	if drop := len(p.groups) - keep; drop > 0 {
		dropDigits := len(p.digits) - total
		p.digits = append(p.digits[:0], p.digits[dropDigits:]...)
		p.groups = append(p.groups[:0], p.groups[drop:]...)
	}
	// Report every run of groups ending with the newest one.
	n := 0
	last := p.groups[len(p.groups)-1]
	for i := len(p.groups) - 1; i >= 0; i-- {
		n += p.groups[i].n
		if n < MinPhoneDigits {
			continue
		}
		p.scratch = append(p.scratch[:0], p.digits[len(p.digits)-n:]...)
		c := canonicalPhone(p.scratch)
		if len(c) >= MinPhoneDigits && len(c) <= MaxPhoneDigits && p.found != nil {
			p.found(c, p.groups[i].start, last.end)
		}
	}
}

// PhoneCandidates returns the canonical candidates PhoneFinder finds in s,
// in order, duplicates included. It is meant for tests and tools.
func PhoneCandidates(s string) []string {
	var out []string
	pf := NewPhoneFinder(func(c []byte, _, _ int64) { out = append(out, string(c)) })
	for _, r := range norm.NFKC.String(s) {
		pf.Rune(r)
	}
	pf.Flush()
	return out
}
