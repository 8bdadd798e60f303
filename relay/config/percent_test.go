package config

import (
	"testing"
)

func TestParsePercent(t *testing.T) {
	t.Parallel()
	good := []struct {
		in   string
		want Percent
	}{
		{"50%", 5000},
		{"0%", 0},
		{"0", 0},
		{"100%", 10000},
		{"100.00%", 10000},
		{"12.5%", 1250},
		{"0.25%", 25},
		{"0.01%", 1},
		{"7%", 700},
		{" 50 % ", 5000},
		{"050%", 5000},
	}
	for _, g := range good {
		got, err := ParsePercent(g.in)
		if err != nil || got != g.want {
			t.Errorf("ParsePercent(%q) = %d, %v; want %d", g.in, got, err, g.want)
		}
	}
	for _, in := range []string{
		"", "%", "50", "0.5", "1", "100.01%", "101%", "1000%", "-1%", "+5%", "5.%", ".5%", "5.123%",
		"50%%", "fifty%", "5e1%", "0x10%", "50 percent", "５０%", "1_0%",
	} {
		if got, err := ParsePercent(in); err == nil {
			t.Errorf("ParsePercent(%q) = %d, want an error", in, got)
		}
	}
}

func TestPercentString(t *testing.T) {
	t.Parallel()
	for p, want := range map[Percent]string{0: "0%", 5000: "50%", 1250: "12.5%", 25: "0.25%", 1: "0.01%", 10000: "100%", 10001: "100.01%", -250: "-2.5%"} {
		if got := p.String(); got != want {
			t.Errorf("Percent(%d).String() = %q, want %q", int(p), got, want)
		}
		if p >= 0 && p <= Percent100 {
			if back, err := ParsePercent(p.String()); err != nil || back != p {
				t.Errorf("ParsePercent(%q) = %d, %v; want %d", p.String(), back, err, p)
			}
		}
	}
}

// TestMaxDrop: customers.max_drop is read from the forms the example
// documents and defaults to 50%.
func TestMaxDrop(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		yaml string
		want Percent
	}{
		{"", 5000},
		{"  max_drop:\n", 5000}, // no value: the default
		{"  max_drop: 30%\n", 3000},
		{"  max_drop: '12.5%'\n", 1250},
		{"  max_drop: 0\n", 0},
		{"  max_drop: 0.0\n", 0},
		{"  max_drop: 0%\n", 0},
		{"  max_drop: 100%\n", 10000},
	} {
		c, err := Parse([]byte("customers:\n  file: c.csv\n"+tt.yaml), "t.yaml")
		if err != nil {
			t.Errorf("%q: %v", tt.yaml, err)
			continue
		}
		if c.Customers.MaxDrop != tt.want {
			t.Errorf("%q: max_drop %s, want %s", tt.yaml, c.Customers.MaxDrop, tt.want)
		}
	}
}

func TestMaxDropErrors(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		value, msg string
	}{
		{"150%", `want a percentage from 0% to 100%, such as "50%", got "150%"`},
		{"-10%", `got "-10%"`},
		{"0.5", `a bare number is ambiguous (0.5 could mean 50% or 0.5%)`},
		{"50", `a bare number is ambiguous`},
		{"half", `got "half"`},
		{"12.345%", `got "12.345%"`},
		{"[50%]", `got a list`},
		{"{a: 1}", `got a mapping`},
		{"true", `got "true"`},
	} {
		t.Run(tt.value, func(t *testing.T) {
			t.Parallel()
			wantOneError(t, "customers:\n  file: c.csv\n  max_drop: "+tt.value+"\n", "customers.max_drop", 3, tt.msg)
		})
	}
}

// TestMaxDropValidate: a Config built in code is checked too, naming the
// field.
func TestMaxDropValidate(t *testing.T) {
	t.Parallel()
	for _, p := range []Percent{-1, Percent100 + 1, 1 << 40} {
		c := Default()
		c.Customers.File = "c.csv"
		c.Customers.MaxDrop = p
		errs := fieldErrors(t, c.Validate())
		if len(errs) != 1 || errs[0].Field != "customers.max_drop" {
			t.Errorf("max_drop %d: %v; want one error on customers.max_drop", int(p), errs)
		}
	}
	for _, p := range []Percent{0, 1, 5000, Percent100} {
		c := Default()
		c.Customers.File = "c.csv"
		c.Customers.MaxDrop = p
		if err := c.Validate(); err != nil {
			t.Errorf("max_drop %s: %v", p, err)
		}
	}
}

// FuzzParsePercent: ParsePercent never panics, accepts only 0% to 100%,
// and what it accepts is written back by String to the same value. The
// seed corpus is in testdata/fuzz/FuzzParsePercent.
func FuzzParsePercent(f *testing.F) {
	for _, s := range []string{"50%", "0", "12.5%", "100.00%", " 7 % ", "0.5", "101%", "1e2%"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePercent(s)
		if err != nil {
			return
		}
		if p < 0 || p > Percent100 {
			t.Fatalf("ParsePercent(%q) = %d, outside 0%%..100%%", s, int(p))
		}
		back, err := ParsePercent(p.String())
		if err != nil || back != p {
			t.Fatalf("ParsePercent(%q) = %d; its String %q reads back as %d, %v", s, int(p), p.String(), int(back), err)
		}
	})
}
