package watchlist

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestLookup(t *testing.T) {
	t.Parallel()
	l := parse(t, "email,name,until\nTaro.Yamada@Example.co.jp,山田 太郎,2026-03-31\n", jst)
	now := at(jst, 2026, 3, 31, 12, 0, 0)
	tests := []struct {
		addr string
		ok   bool
	}{
		{"taro.yamada@example.co.jp", true},
		{"TARO.YAMADA@EXAMPLE.CO.JP", true},
		{"Taro.Yamada@Example.co.jp", true},
		{"  taro.yamada@example.co.jp\t", true},
		{"<taro.yamada@example.co.jp>", true},
		{" < Taro.Yamada@example.co.jp > ", true},
		{"taro.yamada@example.co.jp.", false},
		{"taro.yamada@example.co", false},
		{"yamada@example.co.jp", false},
		{"山田 太郎", false},
		{"", false},
		{"<>", false},
	}
	for _, tt := range tests {
		e, ok := l.Lookup(tt.addr, now)
		if ok != tt.ok {
			t.Errorf("Lookup(%q) ok = %v, want %v", tt.addr, ok, tt.ok)
		}
		if ok && (e.Address != "taro.yamada@example.co.jp" || e.Name != "山田 太郎" || e.Line != 2) {
			t.Errorf("Lookup(%q) = %+v", tt.addr, e)
		}
		if !ok && e != (Entry{}) {
			t.Errorf("Lookup(%q) = %+v with false, want the zero Entry", tt.addr, e)
		}
	}
}

func TestNilList(t *testing.T) {
	t.Parallel()
	var l *List
	if e, ok := l.Lookup("taro@example.jp", time.Now()); ok || e != (Entry{}) {
		t.Errorf("Lookup on nil = %+v, %v", e, ok)
	}
	if l.Len() != 0 || l.ActiveCount(time.Now()) != 0 || l.Source() != "" {
		t.Errorf("nil list: Len %d, ActiveCount %d, Source %q", l.Len(), l.ActiveCount(time.Now()), l.Source())
	}
}

func TestActiveAt(t *testing.T) {
	t.Parallel()
	from := at(jst, 2026, 4, 1, 0, 0, 0)
	until := at(jst, 2026, 5, 1, 0, 0, 0).Add(-time.Nanosecond)
	tests := []struct {
		e    Entry
		now  time.Time
		want bool
	}{
		{Entry{}, time.Time{}, true},
		{Entry{From: from}, from, true},
		{Entry{From: from}, from.Add(-1), false},
		{Entry{Until: until}, until, true},
		{Entry{Until: until}, until.Add(1), false},
		{Entry{From: from, Until: until}, from.Add(time.Hour), true},
	}
	for _, tt := range tests {
		if got := tt.e.ActiveAt(tt.now); got != tt.want {
			t.Errorf("%+v.ActiveAt(%v) = %v, want %v", tt.e, tt.now, got, tt.want)
		}
	}
}

// TestConcurrentLookup is for -race: a List is read from many sessions.
func TestConcurrentLookup(t *testing.T) {
	t.Parallel()
	l := parse(t, "email\ntaro@example.jp\n", jst)
	done := make(chan bool)
	for range 8 {
		go func() {
			_, ok := l.Lookup("Taro@example.jp", time.Now())
			done <- ok && l.ActiveCount(time.Now()) == 1
		}()
	}
	for range 8 {
		if !<-done {
			t.Error("a concurrent Lookup missed")
		}
	}
}

func BenchmarkLookup(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("email,name,from,until\n")
	const n = 10000
	for i := range n {
		fmt.Fprintf(&sb, "user%05d@example.co.jp,User %d,2026-01-01,2026-12-31\n", i, i)
	}
	l, err := Parse(strings.NewReader(sb.String()), "bench.csv", jst)
	if err != nil {
		b.Fatal(err)
	}
	now := at(jst, 2026, 6, 1, 12, 0, 0)
	addrs := []string{"User04999@Example.co.jp", "<user00001@example.co.jp>", "nobody@example.co.jp"}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		l.Lookup(addrs[i%len(addrs)], now)
	}
}
