package printable

import (
	"bytes"
	"errors"
	"flag"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"
	"unicode/utf8"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// readAll reads everything NewReader gives for in.
func readAll(t testing.TB, in []byte, lim Limits) (string, error) {
	t.Helper()
	out, err := io.ReadAll(NewReader(bytes.NewReader(in), lim))
	return string(out), err
}

// mustFind checks that every want is in one line of out.
func mustFind(t *testing.T, what, out string, want ...string) {
	t.Helper()
	lines := strings.Split(out, "\n")
	for _, w := range want {
		found := false
		for _, l := range lines {
			if strings.Contains(l, w) {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("%s: %q is not in a line of the output:\n%s", what, w, out)
		}
	}
}

// random returns n bytes from a fixed seed.
func random(seed uint64, n int) []byte {
	rng := rand.New(rand.NewPCG(seed, seed))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func TestSQLite(t *testing.T) {
	db, err := os.ReadFile(filepath.Join("testdata", "customers.db"))
	if err != nil {
		t.Fatal(err)
	}
	out, err := readAll(t, db, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	mustFind(t, "customers.db", out,
		"山田太郎", "ヤマダタロウ", "taro.yamada@example.jp", "03-1234-5678",
		"佐藤花子", "hanako.sato@example.co.jp", "06-2345-6789",
		"髙橋一郎", "ichiro@example.ne.jp", "080-4567-8901",
		"John Smith", "john.smith@example.com", "+81-90-3456-7890",
		"Zoë Müller", "zoe.mueller@example.de",
		"hori@example.jp", "090-1111-2222")
	// 堀 is a one-kanji name: width 2, shorter than MinRun alone. In the
	// page it is next to its reading, so it comes out with it.
	mustFind(t, "customers.db", out, "堀ホリ")
	golden(t, "customers.db.txt", out)
}

// golden compares out with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name, out string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if out != string(want) {
		os.WriteFile(path+".got", []byte(out), 0o644)
		t.Errorf("output differs from %s (see %s.got; -update rewrites it)", path, path)
	}
}

// peLike is an executable-like blob: a header, code, and a resource
// section of length-prefixed UTF-16LE strings, some at odd offsets, and
// UTF-16BE strings as a Java or Mac resource might hold them.
func peLike(t *testing.T) []byte {
	le := func(s string) []byte {
		u := utf16le(t, s)
		return cat([]byte{byte(len(u) / 2), 0}, u)
	}
	return cat(
		[]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"),
		bytes.Repeat([]byte{0}, 48),
		[]byte("PE\x00\x00\x4c\x01\x03\x00"),
		random(1, 300),
		le("CompanyName"), le("山田商事株式会社"),
		[]byte{0x01}, // odd offset from here
		le("Customer: 佐藤花子"), le("hanako.sato@example.co.jp"),
		random(2, 200),
		le("電話 03-1234-5678"), le("𠮷野 一郎"), le("堀田"), le("Łukasz Nowak"),
		random(3, 100),
		[]byte{0x00, 0x0A}, utf16be(t, "鈴木次郎 suzuki@example.jp"),
		[]byte{0x00, 0x00, 0x07}, utf16be(t, "やまだ"), []byte{0x00, 0x00},
		random(4, 100),
	)
}

func TestUTF16(t *testing.T) {
	out, err := readAll(t, peLike(t), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	mustFind(t, "pe-like", out,
		"CompanyName", "山田商事株式会社", "Customer: 佐藤花子", "hanako.sato@example.co.jp",
		"電話 03-1234-5678", "𠮷野 一郎", "堀田", "Łukasz Nowak",
		"鈴木次郎 suzuki@example.jp", "やまだ")
	// ASCII in UTF-16 comes out once, not once per byte order and
	// alignment.
	for _, v := range []string{"CompanyName", "hanako.sato@example.co.jp"} {
		n := 0
		for _, l := range strings.Split(out, "\n") {
			if strings.Contains(l, v) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("pe-like: %q comes out %d times", v, n)
		}
	}
}

// TestUTF8NotShiftJIS: Japanese UTF-8 also reads as Shift_JIS (ヤマダ is
// E3 83 A4 E3 83 9E E3 83 80, and E3 83 is 繝); that reading is dropped.
func TestUTF8NotShiftJIS(t *testing.T) {
	in := cat([]byte{0}, []byte("ヤマダタロウ,やまだたろう,山田太郎"), []byte{0})
	out, err := readAll(t, in, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	mustFind(t, "utf-8", out, "ヤマダタロウ,やまだたろう,山田太郎")
	if strings.Contains(out, "繝") {
		t.Errorf("UTF-8 read as Shift_JIS: %q", out)
	}
}

func TestShiftJIS(t *testing.T) {
	csv := sjis(t, "顧客番号,氏名,電話番号,メール\r\n"+
		"1001,山田太郎,03-1234-5678,taro@example.jp\r\n"+
		"1002,渡邉 花子,06-2345-6789,hanako@example.jp\r\n"+
		"1003,齋藤,090-1111-2222,saito@example.jp\r\n")
	in := cat(random(5, 1000), csv, random(6, 1000))
	out, err := readAll(t, in, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	mustFind(t, "sjis csv", out,
		"顧客番号,氏名,電話番号,メール", "1001,山田太郎,03-1234-5678,taro@example.jp",
		"1002,渡邉 花子,06-2345-6789,hanako@example.jp", "1003,齋藤,090-1111-2222,saito@example.jp")

	// A stray lead byte before a string would pair with its first byte.
	for _, lead := range []byte{0x81, 0x88, 0x93, 0x9f, 0xe0, 0xea} {
		for _, name := range []string{"山田太郎", "やまだ", "ヤマダ", "渡邉", "齋藤"} {
			in := cat([]byte{0x00, lead}, sjis(t, name), []byte{0x00})
			out, _ := readAll(t, in, Limits{})
			mustFind(t, "stray byte", out, name)
		}
	}
}

func TestUTF8(t *testing.T) {
	in := cat(random(7, 500), []byte("\x00山田太郎\x00"), random(8, 100),
		[]byte("\x01𠮷野家\x02"), []byte("\xff堀田\xff"), []byte("\x00Zoë Müller\x00"),
		[]byte("\x00caf\xc3"), random(9, 10))
	out, err := readAll(t, in, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	mustFind(t, "utf-8", out, "山田太郎", "𠮷野家", "堀田", "Zoë Müller")
	if !utf8.ValidString(out) {
		t.Errorf("invalid UTF-8 out of a cut character: %q", out)
	}
}

// TestRuns checks what comes out of small inputs: the lines that must be
// there, and lines that must not be (other readings of the same bytes
// may add lines of their own).
func TestRuns(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		lim    Limits
		want   []string
		absent []string
	}{
		{"empty", "", Limits{}, nil, nil},
		{"ascii", "\x01hello\x01hi\x01", Limits{}, []string{"hello"}, []string{"hi"}},
		{"min-run", "\x01abcd\x01abc\x01", Limits{}, []string{"abcd"}, []string{"abc"}},
		{"min-run-6", "\x01abcdef\x01abcde\x01", Limits{MinRun: 6}, []string{"abcdef"}, []string{"abcde"}},
		{"min-run-clamped-low", "\x01ab\x01a\x01", Limits{MinRun: 1}, []string{"ab"}, []string{"a"}},
		{"kanji-counts-2", "\x01山田\x01山\x01", Limits{}, []string{"山田"}, []string{"山"}},
		{"tab-in-run", "\x01a\tb\tc\x01", Limits{}, []string{"a\tb\tc"}, nil},
		{"newline-ends-run", "line one\nline two", Limits{}, []string{"line one", "line two"}, nil},
		{"utf16le", "\x05\x00T\x00a\x00r\x00o\x00\x00\x00", Limits{}, []string{"Taro"}, nil},
		{"utf16be", "\x05\x00\x00T\x00a\x00r\x00o\x00\x00", Limits{}, []string{"Taro"}, nil},
		{"utf16-latin1", "\x00M\x00\xfc\x00l\x00l\x00e\x00r\x00\x00", Limits{}, []string{"Müller"}, nil},
		{"utf16-one-kanji", "\x00\x00\x71\x5c\x00\x00", Limits{}, nil, []string{"山"}},
		{"c1-ends-run", "\x01ab\xc2\x85cd\x01", Limits{}, nil, []string{"ab\u0085cd"}},
		{"private-use-ends-run", "\x01ab\xee\x80\x80cd\x01", Limits{}, nil, []string{"ab\ue000cd"}},
		{"overlong-ends-run", "\x01ab\xe0\x81\x81cd\x01", Limits{}, nil, []string{"ab\xe0\x81\x81cd"}},
		{"surrogate-ends-run", "\x01ab\xed\xa0\x80cd\x01", Limits{}, nil, []string{"ab\xed\xa0\x80cd"}},
		{"sjis-one-kanji", "\x00ab\x8e\x52cd\x00", Limits{}, nil, []string{"ab山cd"}},
		{"sjis-two-kanji", "\x00ab\x8e\x52\x93\x63cd\x00", Limits{}, []string{"ab山田cd"}, nil},
	}
	for _, tt := range tests {
		got, err := readAll(t, []byte(tt.in), tt.lim)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
		}
		if !utf8.ValidString(got) || (got != "" && !strings.HasSuffix(got, "\n")) {
			t.Errorf("%s: output %q", tt.name, got)
		}
		lines := map[string]bool{}
		for _, l := range strings.Split(got, "\n") {
			lines[l] = true
		}
		for _, w := range tt.want {
			if !lines[w] {
				t.Errorf("%s: no line %q in %q", tt.name, w, got)
			}
		}
		for _, a := range tt.absent {
			if lines[a] {
				t.Errorf("%s: a line %q in %q", tt.name, a, got)
			}
		}
	}
}

// TestNotTooNoisy bounds what random bytes give: strings(1) gives about a
// tenth of them back as ASCII; the other encodings may add about as much.
func TestNotTooNoisy(t *testing.T) {
	in := random(10, 1<<20)
	out, err := readAll(t, in, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if ratio := float64(len(out)) / float64(len(in)); ratio > 0.25 {
		t.Errorf("random bytes give %.2f of their size as runs", ratio)
	}
}

// inputs for the tests of splits and limits.
func inputs(t *testing.T) map[string][]byte {
	db, err := os.ReadFile(filepath.Join("testdata", "customers.db"))
	if err != nil {
		t.Fatal(err)
	}
	long := cat([]byte{0}, bytes.Repeat([]byte("taro.yamada@example.jp,03-1234-5678;"), 2000), []byte{0})
	longJP := cat([]byte{0}, bytes.Repeat(sjis(t, "山田太郎,東京都千代田区;"), 2000), []byte{0})
	long16 := cat([]byte{0}, bytes.Repeat(utf16le(t, "佐藤花子,hanako@example.jp;"), 2500), []byte{0})
	return map[string][]byte{
		"sqlite":      db,
		"pe-like":     peLike(t),
		"mixed":       mixedBinary(t, 64<<10),
		"mixed-short": mixedBinary(t, 12<<10),
		"long":        long,
		"long-jp":     longJP,
		"long-16":     long16,
	}
}

// TestSplitIndependence: however the input is cut into reads, and
// whatever the window size, the output is the same. Reads of one byte,
// and windows of one or two, are tried on the shorter inputs only (they
// are slow under the race detector); a window of 7 still moves every few
// bytes through the long runs.
func TestSplitIndependence(t *testing.T) {
	for name, in := range inputs(t) {
		want, err := readAll(t, in, Limits{})
		if err != nil {
			t.Fatal(err)
		}
		short := len(in) <= 16<<10
		readers := map[string]io.Reader{
			"half":     iotest.HalfReader(bytes.NewReader(in)),
			"data-err": iotest.DataErrReader(bytes.NewReader(in)),
		}
		if short {
			readers["one-byte"] = iotest.OneByteReader(bytes.NewReader(in))
		}
		for rname, r := range readers {
			got, err := io.ReadAll(NewReader(r, Limits{}))
			if err != nil || string(got) != want {
				t.Errorf("%s, %s reads: %v, output differs (%d bytes, want %d)", name, rname, err, len(got), len(want))
			}
		}
		windows := []int{7, 1000}
		if short {
			windows = append(windows, 1, 2)
		}
		for _, window := range windows {
			got, err := io.ReadAll(newReader(bytes.NewReader(in), Limits{}, window))
			if err != nil || string(got) != want {
				t.Errorf("%s, window %d: %v, output differs (%d bytes, want %d)", name, window, err, len(got), len(want))
			}
		}
	}
}

// TestLongRun: a run longer than MaxLine comes out in lines of at most
// MaxLine bytes that overlap, so every value in it comes out whole.
func TestLongRun(t *testing.T) {
	for name, in := range inputs(t) {
		if !strings.HasPrefix(name, "long") {
			continue
		}
		out, err := readAll(t, in, Limits{})
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		n := 0
		for _, l := range lines {
			if len(l) > MaxLine {
				t.Errorf("%s: a line of %d bytes", name, len(l))
			}
			if len(l) > 10*LineOverlap {
				n++
			}
		}
		if n < 2 {
			t.Errorf("%s: the run was not split (%d long lines)", name, n)
		}
	}
	out, _ := readAll(t, inputs(t)["long"], Limits{})
	for _, l := range strings.Split(out, "\n") {
		if l != "" && !strings.HasPrefix(l, "taro") && len(l) > LineOverlap {
			// A piece after the first starts in the middle of a record,
			// LineOverlap bytes before the end of the piece before.
			if !strings.Contains(l[:LineOverlap], "taro.yamada@example.jp,03-1234-5678") {
				t.Errorf("a piece does not start with a whole record in its overlap: %q", l[:LineOverlap])
			}
		}
	}
}

func TestMaxOutput(t *testing.T) {
	for name, in := range inputs(t) {
		full, _ := readAll(t, in, Limits{})
		for _, max := range []int64{1, 5, 100, 1000} {
			if int64(len(full)) <= max {
				continue
			}
			got, err := readAll(t, in, Limits{MaxOutput: max})
			if !errors.Is(err, ErrOutputLimit) {
				t.Errorf("%s, MaxOutput %d: err %v", name, max, err)
			}
			if int64(len(got)) > max || int64(len(got)) < max-3 || !strings.HasPrefix(full, got) || !utf8.ValidString(got) {
				t.Errorf("%s, MaxOutput %d: got %d bytes %q", name, max, len(got), got)
			}
		}
	}
}

func TestMaxInput(t *testing.T) {
	in := cat([]byte("\x00first run\x00"), bytes.Repeat([]byte{0xff}, 100), []byte("\x00second run\x00"))
	got, err := readAll(t, in, Limits{MaxInput: 50})
	if !errors.Is(err, ErrInputLimit) || got != "first run\n" {
		t.Errorf("MaxInput 50: %q, %v", got, err)
	}
	got, err = readAll(t, in, Limits{MaxInput: int64(len(in))})
	if err != nil || got != "first run\nsecond run\n" {
		t.Errorf("MaxInput = input: %q, %v", got, err)
	}
}

func TestSourceError(t *testing.T) {
	boom := errors.New("boom")
	r := io.MultiReader(strings.NewReader("\x00a run before\x00tail"), iotest.ErrReader(boom))
	got, err := io.ReadAll(NewReader(r, Limits{}))
	if !errors.Is(err, boom) || string(got) != "a run before\ntail\n" {
		t.Errorf("got %q, %v", got, err)
	}
}
