// Package watchlist owns the list of employees who are leaving, as HR
// maintains it in a CSV file, and answers whether a sender is on it at a
// given time.
//
// # The file
//
// The first row that is neither blank nor a comment is the header. Columns
// are recognised by name, compared after NFKC, trimming and lower-casing
// (so "Email", "ＥＭＡＩＬ" and " email " are the same); unknown columns are
// ignored:
//
//   - address (required): email, e-mail, mail, メールアドレス, address, アドレス
//   - name: name, display_name, 氏名, 名前
//   - from: from, effective_from, start, 開始日
//   - until: until, effective_until, end, 終了日, 退職日
//
// Two columns naming the same thing (say "address" and "email") are an error
// rather than a guess: in an HR sheet "address" may well be the postal one.
//
// The file may be UTF-8, with or without a byte-order mark, or Shift_JIS
// (CP932), as Excel saves CSV in Japan. The encoding is decided at the first
// non-ASCII byte from the 64 KiB that start there: valid UTF-8 is read as
// UTF-8, anything else as Shift_JIS. Line ends may be LF or CRLF. Blank
// lines, rows whose cells are all empty and lines starting with # are
// skipped.
//
// A date is 2026-12-31 or 2026/12/31 (one-digit months and days too, as
// Excel writes them), read in the time zone given to Load or Parse, or an
// RFC 3339 time such as 2026-12-31T18:00:00+09:00. From is the first day on
// the list, active from the start of that day; Until is the last day on the
// list, active to the end of that day. An RFC 3339 time is the exact
// instant, and Until stays inclusive of it. An empty date is open: since
// always, or for ever. An address may appear in several rows, for different
// periods.
//
// # Errors and limits
//
// Every bad row is reported, each error naming the source, the line and the
// column, joined with errors.Join and capped at 20 messages. Errors never
// quote a cell: the values are personal data and errors end up in logs. A
// file has at most MaxRows rows after the header, a cell the package reads
// at most MaxFieldBytes bytes, and one record or comment line at most 64 KiB;
// past those Parse fails rather than buffer without bound.
package watchlist

import (
	"strings"
	"time"
)

// Entry is one row of the list.
type Entry struct {
	// Address is the e-mail address, trimmed and lower-cased.
	Address string
	// Name is the display name, trimmed; it may be empty.
	Name string
	// From is the first instant the entry is active: the start of the From
	// day in the list's time zone, or the exact RFC 3339 time. The zero
	// time means since always.
	From time.Time
	// Until is the last instant the entry is active, inclusive. For a date
	// it is the last nanosecond of that day in the list's time zone, so the
	// entry is active until the end of the day; for an RFC 3339 time it is
	// that instant. The zero time means open-ended.
	Until time.Time
	// Line is the entry's line in the file, for messages.
	Line int
}

// ActiveAt reports whether the entry is active at now: From ≤ now ≤ Until,
// with a zero bound left open.
func (e Entry) ActiveAt(now time.Time) bool {
	if !e.From.IsZero() && now.Before(e.From) {
		return false
	}
	if !e.Until.IsZero() && now.After(e.Until) {
		return false
	}
	return true
}

// List is a loaded watch list. It is immutable, and safe for concurrent use.
// A nil *List is an empty list.
type List struct {
	source  string
	entries []Entry
	// byAddr maps an address to the indexes of its entries, in file order.
	byAddr map[string][]int
}

// Lookup returns the entry for addr that is active at now. addr is compared
// case-insensitively after trimming, and may be written in angle brackets
// ("<taro@example.jp>"). When several entries for addr are active, the first
// in the file is returned.
func (l *List) Lookup(addr string, now time.Time) (Entry, bool) {
	if l == nil {
		return Entry{}, false
	}
	for _, i := range l.byAddr[normalizeAddress(addr)] {
		if e := l.entries[i]; e.ActiveAt(now) {
			return e, true
		}
	}
	return Entry{}, false
}

// Len returns the number of entries loaded, active or not.
func (l *List) Len() int {
	if l == nil {
		return 0
	}
	return len(l.entries)
}

// ActiveCount returns the number of entries active at now. An address with
// several active entries counts once for each.
func (l *List) ActiveCount(now time.Time) int {
	if l == nil {
		return 0
	}
	n := 0
	for _, e := range l.entries {
		if e.ActiveAt(now) {
			n++
		}
	}
	return n
}

// Source returns the path, or the name given to Parse, the list came from.
func (l *List) Source() string {
	if l == nil {
		return ""
	}
	return l.source
}

// normalizeAddress trims s, takes it out of one pair of angle brackets and
// lower-cases it. The list's addresses and the addresses looked up go
// through it alike.
func normalizeAddress(s string) string {
	s = strings.TrimFunc(s, isSpace)
	if len(s) >= 2 && s[0] == '<' && s[len(s)-1] == '>' {
		s = strings.TrimFunc(s[1:len(s)-1], isSpace)
	}
	return strings.ToLower(s)
}

// isSpace is the space trimmed from cells and addresses: ASCII white space,
// the ideographic space an IME types, no-break space and a stray BOM.
func isSpace(r rune) bool {
	return r == ' ' || r == '\t' || r == '\r' || r == '\n' || r == 0x3000 || r == 0xA0 || r == 0xFEFF
}
