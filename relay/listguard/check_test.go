package listguard

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/dlprelay/dlprelay/relay/config"
)

func list(n int) List {
	l := List{File: "/etc/dlprelay/customers.csv", Records: n}
	l.SHA256[0] = byte(n)
	return l
}

func accepted(n int) *Accepted {
	return &Accepted{Records: n, SHA256: strings.Repeat("ab", 32), File: "/etc/dlprelay/customers.csv",
		At: time.Date(2026, 3, 1, 2, 3, 4, 0, time.UTC), How: HowReload}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		n       int
		acc     *Accepted
		maxDrop config.Percent
		want    error // nil, ErrEmpty or ErrDrop
	}{
		{"first load", 30, nil, 5000, nil},
		{"first load of one record", 1, nil, 5000, nil},
		{"empty, first load", 0, nil, 5000, ErrEmpty},
		{"empty, check off", 0, accepted(30), config.Percent100, ErrEmpty},
		{"empty against an empty-ish state", 0, accepted(1), 5000, ErrEmpty},
		{"negative count", -1, nil, 5000, ErrEmpty},
		{"same size", 30, accepted(30), 5000, nil},
		{"grew", 31000, accepted(30), 5000, nil},
		{"exactly at the bound", 15, accepted(30), 5000, nil},
		{"one under the bound", 14, accepted(30), 5000, ErrDrop},
		{"30% of the rows", 9, accepted(30), 5000, ErrDrop},
		{"bound rounds up: 50% of 31 is 15.5", 15, accepted(31), 5000, ErrDrop},
		{"bound rounds up: 16 of 31", 16, accepted(31), 5000, nil},
		{"0% refuses any shrink", 29, accepted(30), 0, ErrDrop},
		{"0% takes the same size", 30, accepted(30), 0, nil},
		{"negative max_drop counts as 0", 29, accepted(30), -1, ErrDrop},
		{"100% takes one record", 1, accepted(1000000), config.Percent100, nil},
		{"over 100% counts as 100%", 1, accepted(1000000), 20000, nil},
		{"12.5%: 875 of 1000 pass", 875, accepted(1000), 1250, nil},
		{"12.5%: 874 of 1000 do not", 874, accepted(1000), 1250, ErrDrop},
		{"0.01% of a huge list", 1999799999, accepted(2000000000), 1, ErrDrop},
		{"0.01% of a huge list, at the bound", 1999800000, accepted(2000000000), 1, nil},
		{"no overflow at MaxRecords", MaxRecords - 1, accepted(MaxRecords), 0, ErrDrop},
	}
	for _, tt := range tests {
		err := Check(list(tt.n), tt.acc, tt.maxDrop)
		if tt.want == nil {
			if err != nil {
				t.Errorf("%s: %v, want nil", tt.name, err)
			}
			continue
		}
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
			continue
		}
		var r *Refusal
		if !errors.As(err, &r) || r.List.Records != tt.n {
			t.Errorf("%s: %T %+v, want a *Refusal for %d records", tt.name, err, r, tt.n)
		}
	}
}

// TestRefusalText: the errors name the file, the counts and what to do,
// as the log line and `dlprelay serve`'s exit message show them.
func TestRefusalText(t *testing.T) {
	t.Parallel()
	drop := Check(list(9), accepted(30), 5000).Error()
	for _, want := range []string{"/etc/dlprelay/customers.csv", "has 9 records", "70% fewer than the 30", "2026-03-01 02:03:04Z (reload)",
		"customers.max_drop is 50%", "dlprelay customers accept"} {
		if !strings.Contains(drop, want) {
			t.Errorf("drop refusal %q lacks %q", drop, want)
		}
	}
	empty := Check(list(0), nil, 5000).Error()
	for _, want := range []string{"/etc/dlprelay/customers.csv", "no records", "header row only", "fix the export"} {
		if !strings.Contains(empty, want) {
			t.Errorf("empty refusal %q lacks %q", empty, want)
		}
	}
	if strings.Contains(empty, "customers accept") {
		t.Errorf("empty refusal %q suggests accepting it; an empty list cannot be accepted", empty)
	}
}

func TestFormatDrop(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		n, acc int
		want   string
	}{
		{9, 30, "70%"},
		{30, 30, "0%"},
		{20, 30, "33.4%"}, // 33.33…, rounded up
		{4999, 10000, "50.1%"},
		{5000, 10000, "50%"},
		{0, 30, "100%"},
		{42, 30, "none (+12 records)"},
		{5, 0, "none"},
		{MaxRecords - 1, MaxRecords, "0.1%"},
	} {
		if got := FormatDrop(tt.n, tt.acc); got != tt.want {
			t.Errorf("FormatDrop(%d, %d) = %q, want %q", tt.n, tt.acc, got, tt.want)
		}
	}
}
