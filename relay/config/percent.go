package config

import (
	"errors"
	"strconv"
	"strings"
)

// Percent is a share of something, written in the file as a percentage
// ("50%", "12.5%", or 0) and held in hundredths of a percent, so that
// comparisons are exact integers: 50% is 5000. Read one with
// ParsePercent; Validate wants 0 to Percent100.
type Percent int

// PercentPoint is 1%, Percent100 is 100%.
const (
	PercentPoint Percent = 100
	Percent100   Percent = 100 * PercentPoint
)

// ParsePercent reads a percentage: a number from 0 to 100 with at most two
// decimals, then "%" ("50%", "12.5%", "0.25%", " 50 % "); "0" may go
// without the sign. A bare number other than 0 is an error, since 0.5
// could mean 50% or 0.5%.
func ParsePercent(s string) (Percent, error) {
	s = strings.TrimSpace(s)
	num, sign := strings.CutSuffix(s, "%")
	num = strings.TrimSpace(num)
	whole, frac, dot := strings.Cut(num, ".")
	switch {
	case whole == "" || !digits(whole) || dot && (frac == "" || !digits(frac)):
		return 0, errors.New("not a percentage")
	case len(frac) > 2:
		return 0, errors.New("more than two decimals")
	case len(whole) > 3:
		return 0, errors.New("more than 100%")
	}
	w, _ := strconv.Atoi(whole) // at most 3 digits
	f := 0
	if frac != "" {
		f, _ = strconv.Atoi(frac)
		if len(frac) == 1 {
			f *= 10
		}
	}
	p := Percent(w)*PercentPoint + Percent(f)
	if p > Percent100 {
		return 0, errors.New("more than 100%")
	}
	if !sign && p != 0 {
		return 0, errors.New("no % sign: 0.5 could mean 50% or 0.5%")
	}
	return p, nil
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// String writes p as ParsePercent reads it: "50%", "12.5%", "0.25%".
func (p Percent) String() string {
	sign := ""
	if p < 0 {
		sign, p = "-", -p
	}
	s := strconv.Itoa(int(p / PercentPoint))
	if f := int(p % PercentPoint); f != 0 {
		frac := strconv.Itoa(f + 100)[1:] // two digits
		s += "." + strings.TrimSuffix(frac, "0")
	}
	return sign + s + "%"
}
