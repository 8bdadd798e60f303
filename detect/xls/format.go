package xls

import (
	"strings"
	"time"
)

// Records of number formats.
const (
	recDateMode = 0x0022
	recFormat   = 0x041E
	recXF       = 0x00E0
)

// maxXF bounds the XF records kept (Excel allows 4,050 in BIFF8).
const maxXF = 1 << 16

// formats knows which cell formats (XF records, by index) show a number
// as a date or time, so a date cell reads as a date ("2026-12-08") and not
// as its serial number. Every other number keeps its own value.
type formats struct {
	xf       []uint16        // XF index -> format index (ifmt)
	custom   map[uint16]byte // format index -> dateDate/dateTime/both of a FORMAT record
	date1904 bool
}

const (
	isDate = 1 << iota
	isTime
)

// builtin is the kind of the built-in formats that show dates and times
// ([MS-XLS] 2.4.126; 27-36 and 50-58 are the East Asian date formats).
func builtin(ifmt uint16) byte {
	switch {
	case ifmt >= 14 && ifmt <= 17, ifmt >= 27 && ifmt <= 31, ifmt >= 34 && ifmt <= 36, ifmt >= 50 && ifmt <= 58:
		return isDate
	case ifmt >= 18 && ifmt <= 21, ifmt >= 45 && ifmt <= 47, ifmt == 32 || ifmt == 33:
		return isTime
	case ifmt == 22:
		return isDate | isTime
	}
	return 0
}

// formatKind reads a format string: date if it has y or d and time if h
// or s, outside quoted text, escapes, [colour] sections and "General".
func formatKind(f string) byte {
	var k byte
	if i := strings.Index(strings.ToLower(f), "general"); i >= 0 {
		f = f[:i] + f[i+len("general"):]
	}
	for i := 0; i < len(f); i++ {
		switch c := f[i]; c {
		case '"':
			if j := strings.IndexByte(f[i+1:], '"'); j >= 0 {
				i += j + 1
			} else {
				i = len(f)
			}
		case '\\', '_', '*':
			i++
		case '[':
			j := strings.IndexByte(f[i:], ']')
			if j < 0 {
				return k
			}
			i += j // elapsed time ([h]:mm) stays a number: 1.5 is 36 hours, no date
		case 'y', 'Y', 'd', 'D':
			k |= isDate
		case 'h', 'H', 's', 'S':
			k |= isTime
		}
	}
	return k
}

// kind returns how the cell format ixfe shows a number.
func (f *formats) kind(ixfe uint16) byte {
	if int(ixfe) >= len(f.xf) {
		return 0
	}
	ifmt := f.xf[ixfe]
	if k, ok := f.custom[ifmt]; ok {
		return k
	}
	return builtin(ifmt)
}

// appendNum appends the number v of a cell with format ixfe: a date or
// time in ISO 8601 form where the format shows one, else fmtNum.
func (f *formats) appendNum(dst []byte, ixfe uint16, v float64) []byte {
	k := f.kind(ixfe)
	if k == 0 || v < 0 || v >= 2958466 { // 2958465 is 9999-12-31
		return fmtNum(dst, v)
	}
	days := int(v)
	secs := int((v-float64(days))*86400 + 0.5)
	if secs >= 86400 {
		days, secs = days+1, secs-86400
	}
	var t time.Time
	switch {
	case f.date1904:
		t = time.Date(1904, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, days)
	case days == 60:
		// Lotus 1-2-3's 29 February 1900, which Excel keeps
		dst = append(dst, "1900-02-29"...)
		if k&isTime != 0 && secs != 0 {
			dst = time.Unix(int64(secs), 0).UTC().AppendFormat(append(dst, ' '), "15:04:05")
		}
		return dst
	case days < 60:
		t = time.Date(1899, 12, 31, 0, 0, 0, 0, time.UTC).AddDate(0, 0, days)
	default:
		t = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC).AddDate(0, 0, days)
	}
	t = t.Add(time.Duration(secs) * time.Second)
	switch {
	case k&isDate != 0 && (k&isTime == 0 || secs == 0 && days > 0):
		return t.AppendFormat(dst, "2006-01-02")
	case k&isDate == 0 && days == 0:
		return t.AppendFormat(dst, "15:04:05")
	}
	return t.AppendFormat(dst, "2006-01-02 15:04:05")
}
