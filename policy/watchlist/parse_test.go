package watchlist

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/japanese"
)

var jst = time.FixedZone("JST", 9*3600)

func parse(t *testing.T, data string, loc *time.Location) *List {
	t.Helper()
	l, err := Parse(strings.NewReader(data), "test.csv", loc)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return l
}

// at is a wall-clock time in loc.
func at(loc *time.Location, y int, m time.Month, d, hh, mm, ss int) time.Time {
	return time.Date(y, m, d, hh, mm, ss, 0, loc)
}

func TestLoadSample(t *testing.T) {
	t.Parallel()
	path := filepath.Join("testdata", "leavers.csv")
	l, err := Load(path, jst)
	if err != nil {
		t.Fatal(err)
	}
	if l.Source() != path {
		t.Errorf("Source() = %q, want %q", l.Source(), path)
	}
	if l.Len() != 4 {
		t.Fatalf("Len() = %d, want 4", l.Len())
	}
	e, ok := l.Lookup("Taro.Yamada@example.co.jp", at(jst, 2026, 3, 31, 12, 0, 0))
	if !ok || e.Name != "山田 太郎" || e.Line != 3 {
		t.Errorf("Lookup = %+v, %v; want 山田 太郎 on line 3", e, ok)
	}
}

func TestLoadMissingFile(t *testing.T) {
	t.Parallel()
	_, err := Load(filepath.Join("testdata", "no-such-file.csv"), jst)
	if err == nil || !strings.HasPrefix(err.Error(), "watchlist: ") {
		t.Fatalf("Load = %v, want a watchlist: error", err)
	}
}

func TestHeaders(t *testing.T) {
	t.Parallel()
	tests := []struct {
		header string
		want   Entry // Address and Name; the row is "taro@example.jp,山田 太郎,2026-04-01,2026-04-30" in header order
	}{
		{"address,name,from,until", Entry{Address: "taro@example.jp", Name: "山田 太郎"}},
		{"email,display_name,effective_from,effective_until", Entry{Address: "taro@example.jp", Name: "山田 太郎"}},
		{"mail,name,start,end", Entry{Address: "taro@example.jp", Name: "山田 太郎"}},
		{"e-mail,name,start,end", Entry{Address: "taro@example.jp", Name: "山田 太郎"}},
		{"EMAIL,Name,From,Until", Entry{Address: "taro@example.jp", Name: "山田 太郎"}},
		{" Email , NAME ,START, End ", Entry{Address: "taro@example.jp", Name: "山田 太郎"}},
		{"ＥＭＡＩＬ,ｎａｍｅ,ｆｒｏｍ,ｕｎｔｉｌ", Entry{Address: "taro@example.jp", Name: "山田 太郎"}},
		{"メールアドレス,氏名,開始日,終了日", Entry{Address: "taro@example.jp", Name: "山田 太郎"}},
		{"アドレス,名前,開始日,退職日", Entry{Address: "taro@example.jp", Name: "山田 太郎"}},
		// Unknown columns are ignored.
		{"email,部署,from,until", Entry{Address: "taro@example.jp"}},
	}
	for _, tt := range tests {
		t.Run(tt.header, func(t *testing.T) {
			t.Parallel()
			l := parse(t, tt.header+"\ntaro@example.jp,山田 太郎,2026-04-01,2026-04-30\n", jst)
			if l.Len() != 1 {
				t.Fatalf("Len() = %d, want 1", l.Len())
			}
			e := l.entries[0]
			if e.Address != tt.want.Address || e.Name != tt.want.Name {
				t.Errorf("entry = %q %q, want %q %q", e.Address, e.Name, tt.want.Address, tt.want.Name)
			}
			if want := at(jst, 2026, 4, 1, 0, 0, 0); !e.From.Equal(want) {
				t.Errorf("From = %v, want %v", e.From, want)
			}
			if want := at(jst, 2026, 5, 1, 0, 0, 0).Add(-time.Nanosecond); !e.Until.Equal(want) {
				t.Errorf("Until = %v, want %v", e.Until, want)
			}
			if e.Line != 2 {
				t.Errorf("Line = %d, want 2", e.Line)
			}
		})
	}
}

func TestAddressOnly(t *testing.T) {
	t.Parallel()
	l := parse(t, "email\ntaro@example.jp\n", jst)
	e, ok := l.Lookup("taro@example.jp", time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC))
	if !ok || !e.From.IsZero() || !e.Until.IsZero() || e.Name != "" {
		t.Errorf("Lookup = %+v, %v; want an open entry", e, ok)
	}
	if !l.entries[0].ActiveAt(time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)) {
		t.Error("an open entry is not active in 9999")
	}
}

func TestHeaderOnly(t *testing.T) {
	t.Parallel()
	l := parse(t, "email,name\r\n", jst)
	if l.Len() != 0 || l.ActiveCount(time.Now()) != 0 {
		t.Errorf("Len() = %d, want 0", l.Len())
	}
}

func TestEncodings(t *testing.T) {
	t.Parallel()
	const text = "メールアドレス,氏名,退職日\r\nhanako@example.jp,佐藤 花子,2026/3/31\r\n# コメント\r\n\r\ntaro@example.jp,髙橋 誠①,\r\n"
	sjis, err := japanese.ShiftJIS.NewEncoder().String(text)
	if err != nil {
		t.Fatal(err)
	}
	// Over 64 KiB of ASCII before the first Japanese letter: the encoding
	// is decided where the non-ASCII bytes start.
	var longASCII strings.Builder
	longASCII.WriteString("email,name\n")
	for i := range 3000 {
		fmt.Fprintf(&longASCII, "user%04d@example.jp,User %d\n", i, i)
	}
	longASCII.WriteString("taro@example.jp,髙橋 誠①\n")
	longSJIS, err := japanese.ShiftJIS.NewEncoder().String(longASCII.String())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		data    string
		entries int
	}{
		{"utf-8", text, 2},
		{"utf-8 bom", "\uFEFF" + text, 2},
		{"shift_jis", sjis, 2},
		{"lf", strings.ReplaceAll(text, "\r\n", "\n"), 2},
		{"long ascii then utf-8", longASCII.String(), 3001},
		{"long ascii then shift_jis", longSJIS, 3001},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			l := parse(t, tt.data, jst)
			if l.Len() != tt.entries {
				t.Fatalf("Len() = %d, want %d", l.Len(), tt.entries)
			}
			e, ok := l.Lookup("taro@example.jp", time.Now())
			if !ok || e.Name != "髙橋 誠①" {
				t.Errorf("taro = %+v, %v; want 髙橋 誠①", e, ok)
			}
		})
	}
	t.Run("comment and blank lines keep line numbers", func(t *testing.T) {
		t.Parallel()
		l := parse(t, sjis, jst)
		if e, _ := l.Lookup("taro@example.jp", time.Now()); e.Line != 5 {
			t.Errorf("Line = %d, want 5", e.Line)
		}
		if e, _ := l.Lookup("hanako@example.jp", at(jst, 2026, 3, 31, 0, 0, 0)); e.Name != "佐藤 花子" {
			t.Errorf("hanako = %+v", e)
		}
	})
}

func TestUTF16(t *testing.T) {
	t.Parallel()
	_, err := Parse(strings.NewReader("\xFF\xFEe\x00m\x00"), "u16.csv", jst)
	if err == nil || !strings.Contains(err.Error(), "UTF-16") {
		t.Errorf("err = %v, want UTF-16 not supported", err)
	}
}

func TestDates(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		from      string
		until     string
		loc       *time.Location
		active    []time.Time
		notActive []time.Time
	}{
		{
			name: "days in JST", from: "2026-04-01", until: "2026-12-31", loc: jst,
			active: []time.Time{
				at(jst, 2026, 4, 1, 0, 0, 0),
				at(jst, 2026, 12, 31, 23, 59, 59),
				at(jst, 2026, 12, 31, 23, 59, 59).Add(999999999),
				time.Date(2026, 12, 31, 14, 59, 59, 0, time.UTC),
			},
			notActive: []time.Time{
				at(jst, 2026, 4, 1, 0, 0, 0).Add(-time.Nanosecond),
				at(jst, 2026, 3, 31, 23, 59, 59),
				at(jst, 2027, 1, 1, 0, 0, 0),
				// 2026-12-31 15:00 UTC is already 2027-01-01 in Tokyo.
				time.Date(2026, 12, 31, 15, 0, 0, 0, time.UTC),
				// 2026-03-31 16:00 UTC is 2026-04-01 01:00 in Tokyo: active.
			},
		},
		{
			name: "the same days in UTC", from: "2026-04-01", until: "2026-12-31", loc: time.UTC,
			active: []time.Time{
				time.Date(2026, 12, 31, 15, 0, 0, 0, time.UTC),
				time.Date(2026, 12, 31, 23, 59, 59, 0, time.UTC),
				at(jst, 2027, 1, 1, 8, 59, 59),
			},
			notActive: []time.Time{
				at(jst, 2026, 4, 1, 0, 0, 0),
				at(jst, 2027, 1, 1, 9, 0, 0),
			},
		},
		{
			name: "slashes and one digit", from: "2026/4/1", until: "2026/04/30", loc: jst,
			active:    []time.Time{at(jst, 2026, 4, 1, 0, 0, 0), at(jst, 2026, 4, 30, 23, 59, 59)},
			notActive: []time.Time{at(jst, 2026, 3, 31, 23, 59, 59), at(jst, 2026, 5, 1, 0, 0, 0)},
		},
		{
			name: "one day", from: "2026-04-01", until: "2026-04-01", loc: jst,
			active:    []time.Time{at(jst, 2026, 4, 1, 0, 0, 0), at(jst, 2026, 4, 1, 23, 59, 59)},
			notActive: []time.Time{at(jst, 2026, 3, 31, 23, 59, 59), at(jst, 2026, 4, 2, 0, 0, 0)},
		},
		{
			name: "rfc 3339 instants", from: "2026-04-01T09:00:00+09:00", until: "2026-04-30T18:00:00+09:00", loc: time.UTC,
			active: []time.Time{
				at(jst, 2026, 4, 1, 9, 0, 0),
				at(jst, 2026, 4, 30, 18, 0, 0), // Until is inclusive of the instant
			},
			notActive: []time.Time{
				at(jst, 2026, 4, 1, 8, 59, 59),
				at(jst, 2026, 4, 30, 18, 0, 0).Add(time.Nanosecond),
			},
		},
		{
			name: "open from", until: "2026-04-30", loc: jst,
			active:    []time.Time{time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC), at(jst, 2026, 4, 30, 23, 59, 59)},
			notActive: []time.Time{at(jst, 2026, 5, 1, 0, 0, 0)},
		},
		{
			name: "open until", from: "2026-04-01", loc: jst,
			active:    []time.Time{at(jst, 2026, 4, 1, 0, 0, 0), time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)},
			notActive: []time.Time{at(jst, 2026, 3, 31, 23, 59, 59)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			l := parse(t, "email,from,until\ntaro@example.jp,"+tt.from+","+tt.until+"\n", tt.loc)
			for _, now := range tt.active {
				if _, ok := l.Lookup("taro@example.jp", now); !ok {
					t.Errorf("not active at %v", now)
				}
				if n := l.ActiveCount(now); n != 1 {
					t.Errorf("ActiveCount(%v) = %d, want 1", now, n)
				}
			}
			for _, now := range tt.notActive {
				if e, ok := l.Lookup("taro@example.jp", now); ok {
					t.Errorf("active at %v: %+v", now, e)
				}
				if n := l.ActiveCount(now); n != 0 {
					t.Errorf("ActiveCount(%v) = %d, want 0", now, n)
				}
			}
		})
	}
}

// TestAsiaTokyo checks the real zone database agrees with the fixed zone
// the other tests use.
func TestAsiaTokyo(t *testing.T) {
	t.Parallel()
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Skipf("no Asia/Tokyo here: %v", err)
	}
	l := parse(t, "email,until\ntaro@example.jp,2026-12-31\n", tokyo)
	if _, ok := l.Lookup("taro@example.jp", time.Date(2026, 12, 31, 14, 59, 59, 0, time.UTC)); !ok {
		t.Error("not active at 23:59:59 on the last day in Tokyo")
	}
	if _, ok := l.Lookup("taro@example.jp", time.Date(2026, 12, 31, 15, 0, 0, 0, time.UTC)); ok {
		t.Error("active at 00:00 on the next day in Tokyo")
	}
}

func TestSeveralPeriods(t *testing.T) {
	t.Parallel()
	l := parse(t, "email,name,from,until\n"+
		"taro@example.jp,first,2026-01-01,2026-01-31\n"+
		"TARO@example.jp,second,2026-03-01,2026-03-31\n"+
		"taro@example.jp,overlap,2026-03-15,\n", jst)
	tests := []struct {
		now      time.Time
		wantName string // "" for none
		active   int
	}{
		{at(jst, 2026, 1, 15, 0, 0, 0), "first", 1},
		{at(jst, 2026, 2, 15, 0, 0, 0), "", 0},
		{at(jst, 2026, 3, 1, 0, 0, 0), "second", 1},
		{at(jst, 2026, 3, 20, 0, 0, 0), "second", 2}, // the first active in the file
		{at(jst, 2026, 4, 1, 0, 0, 0), "overlap", 1},
	}
	for _, tt := range tests {
		e, ok := l.Lookup("taro@example.jp", tt.now)
		if ok != (tt.wantName != "") || e.Name != tt.wantName {
			t.Errorf("Lookup at %v = %q, %v; want %q", tt.now, e.Name, ok, tt.wantName)
		}
		if n := l.ActiveCount(tt.now); n != tt.active {
			t.Errorf("ActiveCount at %v = %d, want %d", tt.now, n, tt.active)
		}
	}
	if l.Len() != 3 {
		t.Errorf("Len() = %d, want 3", l.Len())
	}
}

func TestQuotedAndSkippedRows(t *testing.T) {
	t.Parallel()
	l := parse(t, "# HR leavers list\n"+
		"# exported \"by hand\"\n"+
		"email,name,note\n"+
		"\n"+
		",,\n"+
		" , \u3000 ,\n"+
		"\"taro@example.jp\",\"Yamada, \"\"Taro\"\"\",\"two\nlines\"\n"+
		"hanako@example.jp\n", // a short row
		jst)
	if l.Len() != 2 {
		t.Fatalf("Len() = %d, want 2", l.Len())
	}
	if e := l.entries[0]; e.Name != `Yamada, "Taro"` || e.Line != 7 {
		t.Errorf("entry 0 = %+v", e)
	}
	if e := l.entries[1]; e.Address != "hanako@example.jp" || e.Line != 9 {
		t.Errorf("entry 1 = %+v", e)
	}
}

func TestAddressNormalized(t *testing.T) {
	t.Parallel()
	l := parse(t, "email\n  Taro.Yamada@Example.CO.JP\u3000\n<Hanako@example.jp>\n", jst)
	for i, want := range []string{"taro.yamada@example.co.jp", "hanako@example.jp"} {
		if got := l.entries[i].Address; got != want {
			t.Errorf("entry %d Address = %q, want %q", i, got, want)
		}
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		data string
		want []string // substrings, each in the error
	}{
		{"empty", "", []string{"test.csv: empty file"}},
		{"only comments", "# nothing\n\n", []string{"test.csv: empty file"}},
		{"no address column", "name,from\n山田,2026-01-01\n", []string{"test.csv:1: header: no address column"}},
		{"two address columns", "address,email\nx,y@z\n", []string{`test.csv:1: header: columns "address" and "email" are both the address column`}},
		{"two until columns", "email,until,退職日\n", []string{`columns "until" and "退職日" are both the until column`}},
		{"no @", "email\ntaro.example.jp\n", []string{`test.csv:2: address column "email": no @`}},
		{"full-width @", "email\ntaro＠example.jp\n", []string{"full-width"}},
		{"two @", "email\na@b@c\n", []string{"test.csv:2: address column \"email\": more than one @"}},
		{"empty local", "email\n@example.jp\n", []string{"nothing before the @"}},
		{"empty domain", "email\ntaro@\n", []string{"nothing after the @"}},
		{"space", "email\ntaro yamada@example.jp\n", []string{"has a space"}},
		{"ideographic space", "email\ntaro\u3000yamada@example.jp\n", []string{"has a space"}},
		{"control", "email\ntaro\x01@example.jp\n", []string{"control character"}},
		{"brackets", "email\n<<taro@example.jp>>\n", []string{"has < or >"}},
		{"missing address", "email,name\n,山田 太郎\n", []string{`test.csv:2: address column "email": empty`}},
		{"bad from", "email,開始日\ntaro@example.jp,2026-13-01\n", []string{`test.csv:2: from column "開始日": not a date`}},
		{"bad until", "email,until\ntaro@example.jp,31/12/2026\n", []string{`test.csv:2: until column "until": not a date`}},
		{"excel serial date", "email,until\ntaro@example.jp,46022\n", []string{"not a date"}},
		{"year 1", "email,until\ntaro@example.jp,0001-01-01T00:00:00Z\n", []string{"not a date"}},
		{"until before from", "email,from,until\ntaro@example.jp,2026-05-01,2026-04-30\n",
			[]string{`test.csv:2: until column "until" is before from column "from"`}},
		{"several problems in a row", "email,from,until\nbad,x,y\n",
			[]string{`test.csv:2: address column "email": no @; from column "from": not a date`, `until column "until": not a date`}},
		{"long field", "email,name\ntaro@example.jp," + strings.Repeat("x", MaxFieldBytes+1) + "\n",
			[]string{`test.csv:2: name column "name": longer than 1024 bytes`}},
		{"bare quote", "email\ntaro@example.jp\nta\"ro@example.jp\n", []string{"test.csv:3:3: bare \""}},
		{"unclosed quote", "email\n\"taro@example.jp\n", []string{"test.csv:"}},
		{"invalid utf-8 past the sniff", "email,name\n" + strings.Repeat("taro@example.jp,山田 太郎\n", 3000) + "hanako@example.jp,\xff\xfe\n",
			[]string{`test.csv:3002: name column "name": not valid UTF-8`}},
		{"undecodable address", "email\n\x81\xffa@example.jp\n", []string{"not text"}},
		{"all bad rows", "email\nbad1\ngood@example.jp\nbad2\n\nbad3\n",
			[]string{"test.csv:2: address", "test.csv:4: address", "test.csv:6: address"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			l, err := Parse(strings.NewReader(tt.data), "test.csv", jst)
			if err == nil {
				t.Fatalf("Parse succeeded with %d entries, want an error", l.Len())
			}
			if l != nil {
				t.Errorf("Parse returned a list with its error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\ndoes not contain %q", err, w)
				}
			}
			if !strings.HasPrefix(err.Error(), "watchlist: ") {
				t.Errorf("error %q does not start with watchlist:", err)
			}
		})
	}
}

// TestErrorsQuoteNoCell: errors end up in logs, and cells are personal data.
func TestErrorsQuoteNoCell(t *testing.T) {
	t.Parallel()
	_, err := Parse(strings.NewReader("email,name,until\nsecret-local,Secret Name,secret-date\n"), "test.csv", jst)
	if err == nil {
		t.Fatal("no error")
	}
	if strings.Contains(err.Error(), "secret") || strings.Contains(err.Error(), "Secret") {
		t.Errorf("error quotes a cell: %v", err)
	}
}

func unjoin(err error) []error {
	if u, ok := err.(interface{ Unwrap() []error }); ok {
		return u.Unwrap()
	}
	return []error{err}
}

func TestErrorCap(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("email\n")
	for range 50 {
		b.WriteString("bad\n")
	}
	_, err := Parse(strings.NewReader(b.String()), "test.csv", jst)
	errs := unjoin(err)
	if len(errs) != maxErrors {
		t.Fatalf("%d messages, want %d:\n%v", len(errs), maxErrors, err)
	}
	if got := errs[0].Error(); !strings.HasPrefix(got, "watchlist: test.csv:2: ") {
		t.Errorf("first = %q", got)
	}
	if got, want := errs[maxErrors-1].Error(), "watchlist: test.csv: 31 more bad rows not shown"; got != want {
		t.Errorf("last = %q, want %q", got, want)
	}

	// Exactly maxErrors bad rows are all shown.
	b.Reset()
	b.WriteString("email\n")
	for range maxErrors {
		b.WriteString("bad\n")
	}
	_, err = Parse(strings.NewReader(b.String()), "test.csv", jst)
	if errs := unjoin(err); len(errs) != maxErrors || !strings.Contains(errs[maxErrors-1].Error(), fmt.Sprintf("test.csv:%d:", maxErrors+1)) {
		t.Errorf("exactly %d bad rows: got\n%v", maxErrors, err)
	}

	// A fatal error after many bad rows is still the last message.
	b.WriteString("\"unclosed\n")
	_, err = Parse(strings.NewReader(b.String()), "test.csv", jst)
	errs = unjoin(err)
	if len(errs) != maxErrors {
		t.Fatalf("%d messages, want %d:\n%v", len(errs), maxErrors, err)
	}
	if got := errs[maxErrors-2].Error(); !strings.Contains(got, "2 more bad rows not shown") {
		t.Errorf("next to last = %q", got)
	}
	if got := errs[maxErrors-1].Error(); !strings.Contains(got, "test.csv:22:") {
		t.Errorf("last = %q, want the quote error on line 22", got)
	}
}

func TestLimits(t *testing.T) {
	t.Parallel()
	t.Run("record", func(t *testing.T) {
		t.Parallel()
		// An unclosed quote would otherwise make the CSV reader hold
		// the rest of the file.
		data := "email\ntaro@example.jp\n\"" + strings.Repeat("x\n", maxRecordBytes)
		_, err := Parse(strings.NewReader(data), "test.csv", jst)
		if !errors.Is(err, errRecordTooLong) || !strings.Contains(err.Error(), "test.csv:3: ") {
			t.Errorf("err = %v, want record too long on line 3", err)
		}
	})
	t.Run("line", func(t *testing.T) {
		t.Parallel()
		data := "email," + strings.Repeat("x", maxRecordBytes)
		_, err := Parse(strings.NewReader(data), "test.csv", jst)
		if !errors.Is(err, errRecordTooLong) || !strings.Contains(err.Error(), "test.csv:1: ") {
			t.Errorf("err = %v, want record too long on line 1", err)
		}
	})
	t.Run("comment", func(t *testing.T) {
		t.Parallel()
		data := "email\n#" + strings.Repeat("x", maxRecordBytes)
		_, err := Parse(strings.NewReader(data), "test.csv", jst)
		if !errors.Is(err, errRecordTooLong) || !strings.Contains(err.Error(), "test.csv:2: ") {
			t.Errorf("err = %v, want too long on line 2", err)
		}
	})
	t.Run("quotes in comments do not count", func(t *testing.T) {
		t.Parallel()
		var b strings.Builder
		b.WriteString("email\n# an odd \" quote\n")
		for i := range 5000 {
			fmt.Fprintf(&b, "user%d@example.jp\n", i)
		}
		if l := parse(t, b.String(), jst); l.Len() != 5000 {
			t.Errorf("Len() = %d, want 5000", l.Len())
		}
	})
	t.Run("long rows are fine", func(t *testing.T) {
		t.Parallel()
		// Many long unknown cells: under the row bound.
		data := "email,note1,note2\ntaro@example.jp," + strings.Repeat("x", 20000) + "," + strings.Repeat("y", 20000) + "\n"
		if l := parse(t, data, jst); l.Len() != 1 {
			t.Errorf("Len() = %d, want 1", l.Len())
		}
	})
	t.Run("rows", func(t *testing.T) {
		t.Parallel()
		if testing.Short() {
			t.Skip("writes a million rows")
		}
		var b bytes.Buffer
		b.WriteString("email\n")
		for range MaxRows + 1 {
			b.WriteString(",\n") // a blank row still counts
		}
		_, err := Parse(&b, "test.csv", jst)
		if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("test.csv:%d: more than %d rows", MaxRows+2, MaxRows)) {
			t.Errorf("err = %v, want more than %d rows", err, MaxRows)
		}
	})
}

func TestNilLocation(t *testing.T) {
	t.Parallel()
	if _, err := Parse(strings.NewReader("email\na@b\n"), "test.csv", nil); err == nil {
		t.Error("Parse with a nil location succeeded")
	}
}
