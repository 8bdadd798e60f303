package watchlist

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// FuzzParse: Parse never panics, and a list it returns holds only entries
// that Lookup finds again: a normalized address with one @, and Until not
// before From. More seeds are in testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	f.Add([]byte("メールアドレス,氏名,開始日,退職日\r\ntaro@example.jp,山田 太郎,2026/3/1,2026/3/31\r\n"))
	f.Add([]byte("\xEF\xBB\xBFemail,name,from,until\n<Taro@Example.jp>,\"Yamada, \"\"T\"\"\",2026-04-01T09:00:00+09:00,\n"))
	f.Add([]byte("\x83\x81\x81[\x83\x8b\x83A\x83h\x83\x8c\x83X,\x8e\x81\x96\xbc\r\na@b.jp,\x87\x40\r\n"))
	f.Add([]byte("# comment \"\nemail\n\n,,\nbad\n\"unterminated"))
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := Parse(bytes.NewReader(data), "fuzz.csv", jst)
		if err != nil {
			if l != nil {
				t.Fatal("a list with an error")
			}
			if !strings.HasPrefix(err.Error(), "watchlist: ") {
				t.Fatalf("error without the package prefix: %v", err)
			}
			return
		}
		for _, e := range l.entries {
			if e.Address == "" {
				t.Fatalf("entry with an empty address: %+v", e)
			}
			if e.Address != normalizeAddress(e.Address) || strings.Count(e.Address, "@") != 1 {
				t.Fatalf("address %q is not normalized or has not one @", e.Address)
			}
			if !e.From.IsZero() && !e.Until.IsZero() && e.Until.Before(e.From) {
				t.Fatalf("Until before From: %+v", e)
			}
			if e.Line < 2 {
				t.Fatalf("entry on line %d", e.Line)
			}
			now := e.From
			if now.IsZero() {
				now = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
				if !e.Until.IsZero() && e.Until.Before(now) {
					now = e.Until
				}
			}
			if _, ok := l.Lookup(strings.ToUpper(e.Address), now); !ok && strings.ToLower(strings.ToUpper(e.Address)) == e.Address {
				t.Fatalf("Lookup(%q) at %v misses %+v", e.Address, now, e)
			}
		}
	})
}
