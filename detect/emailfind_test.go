package detect

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// found is one address an emailFinder reported.
type found struct {
	addr       string
	start, end int64
}

// findEmails runs an emailFinder over text written in pieces of the sizes
// cut gives (nil: all at once).
func findEmails(text string, cut func() int) []found {
	var out []found
	f := &emailFinder{found: func(a []byte, start, end int64) {
		out = append(out, found{string(a), start, end})
	}}
	f.reset()
	for p := []byte(text); len(p) > 0; {
		n := len(p)
		if cut != nil {
			n = min(max(cut(), 1), len(p))
		}
		f.Write(p[:n])
		p = p[n:]
	}
	f.flush()
	return out
}

func addrs(fs []found) []string {
	out := []string{}
	for _, f := range fs {
		out = append(out, f.addr)
	}
	return out
}

func TestEmailFinder(t *testing.T) {
	long := strings.Repeat("a", maxLocalBytes)
	label := strings.Repeat("d", maxLabelBytes)
	for _, tc := range []struct {
		text string
		want []string
	}{
		{"write to Taro.Yamada@Example.JP today", []string{"taro.yamada@example.jp"}},
		{"メール：ｔａｒｏ＠ｇｍａｉｌ．ｃｏｍ まで", []string{"taro@gmail.com"}},
		{"混在ｔａｒｏ@gmail．com", []string{"taro@gmail.com"}},
		{"メールはtaro@gmail.comまで", []string{"taro@gmail.com"}},
		{"<mailto:a.b+tag@sub.example.co.jp>", []string{"a.b+tag@sub.example.co.jp"}},
		{"(x@y.org), [z@w.net]; q@r.io.", []string{"x@y.org", "z@w.net", "q@r.io"}},
		// No address.
		{"a@b", nil},
		{"a@b.", nil},
		{"user@localhost and @handle and foo@ and @bar.com", nil},
		{"lodash@4.17.21 and x@1.2.3.4", nil},
		{"a@-b.com a@b-.com a@b.-com a@.b.com", nil},
		{"café@example.com", nil}, // "é" separates: the local part is empty
		// Trailing dots and hyphens are not the address.
		{"mail me at taro@gmail.com.", []string{"taro@gmail.com"}},
		{"taro@gmail.com... or", []string{"taro@gmail.com"}},
		{"taro@gmail.com-", []string{"taro@gmail.com"}},
		{"a@b.com..x", []string{"a@b.com"}},
		// Dots in the local part are kept as written (Japanese carrier
		// addresses), leading dots dropped.
		{"foo..bar@x.com", []string{"foo..bar@x.com"}},
		{"taro.@docomo.ne.jp", []string{"taro.@docomo.ne.jp"}},
		{"...foo@x.com", []string{"foo@x.com"}},
		{"..@x.com", nil},
		// Lengths.
		{long + "@x.com", []string{long + "@x.com"}},
		{"a" + long + "@x.com", nil},
		{"x@" + label + ".com", []string{"x@" + label + ".com"}},
		{"x@" + label + "d.com", nil},
		{"x@" + strings.Repeat(label+".", 4) + "com", nil}, // 259 bytes
		{"x@" + strings.Repeat(label+".", 3) + strings.Repeat("d", 61) + "-.-.", []string{"x@" + strings.Repeat(label+".", 3) + strings.Repeat("d", 61)}}, // 253 bytes
		{"x@" + strings.Repeat(label+".", 3) + strings.Repeat("d", 62), nil},                                                                              // 254 bytes
		// Several "@".
		{"a@b.com@c.com", []string{"a@b.com", "b.com@c.com"}},
		{"a@@b.com", nil},
		{"x@y.com,z@w.com", []string{"x@y.com", "z@w.com"}},
	} {
		got := addrs(findEmails(tc.text, nil))
		if !slices.Equal(got, tc.want) && len(got)+len(tc.want) > 0 {
			t.Errorf("%q: got %q, want %q", tc.text, got, tc.want)
		}
	}
}

func TestEmailFinderRanges(t *testing.T) {
	text := "見て ｔａｒｏ＠ｇｍａｉｌ．ｃｏｍ。 and .x@y.com."
	got := findEmails(text, nil)
	if len(got) != 2 {
		t.Fatalf("got %v", got)
	}
	for _, f := range got {
		orig := text[f.start:f.end]
		if !strings.EqualFold(foldWidth(orig), f.addr) {
			t.Errorf("%q: range [%d,%d) is %q", f.addr, f.start, f.end, orig)
		}
	}
}

// foldWidth maps U+FF01–U+FF5E to ASCII.
func foldWidth(s string) string {
	return strings.Map(func(r rune) rune {
		if 0xFF01 <= r && r <= 0xFF5E {
			return r - 0xFEE0
		}
		return r
	}, s)
}

// emailSample is text with addresses in every form the finder knows, for
// the tests that cut it into pieces.
func emailSample() string {
	var b strings.Builder
	words := []string{"今日は", "see ", "ｔａｒｏ＠ｇｍａｉｌ．ｃｏｍ", " x@y.com ", "mailto:A.B@C.co.jp", "、", "foo..bar@x.com.", "＠", "@", "．", "ｍ", "a@b", "\r\n",
		strings.Repeat("z", 70) + "@long.com ", "1@2.3 ", "u@" + strings.Repeat("d", 64) + ".com "}
	rng := rand.New(rand.NewPCG(1, 2))
	for b.Len() < 64<<10 {
		b.WriteString(words[rng.IntN(len(words))])
	}
	return b.String()
}

// TestEmailFinderPieces checks that how the text is cut changes nothing:
// one byte at a time, random pieces, and pieces around emailLookback.
func TestEmailFinderPieces(t *testing.T) {
	text := emailSample()
	want := findEmails(text, nil)
	if len(want) < 100 {
		t.Fatalf("only %d addresses in the sample", len(want))
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for name, cut := range map[string]func() int{
		"1 byte":   func() int { return 1 },
		"2 bytes":  func() int { return 2 },
		"random":   func() int { return rng.IntN(40) },
		"lookback": func() int { return emailLookback - 1 + rng.IntN(3) },
		"large":    func() int { return 4000 + rng.IntN(20000) },
	} {
		if got := findEmails(text, cut); !slices.Equal(got, want) {
			t.Errorf("%s: %d addresses, want %d; first difference at %v", name, len(got), len(want), firstDiff(got, want))
		}
	}
}

func firstDiff(a, b []found) string {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return fmt.Sprintf("%d: %v vs %v", i, a[i], b[i])
		}
	}
	return "the end"
}

// TestEmailFinderLongRuns checks the lookback: a run of local-part
// characters longer than 64 before an "@" is no address, however far back
// it reaches and however the text is cut.
func TestEmailFinderLongRuns(t *testing.T) {
	for _, n := range []int{1, maxLocalBytes / 3, maxLocalBytes, maxLocalBytes + 1, 100, emailLookback, 5000} {
		for _, ch := range []string{"a", "ａ"} {
			for _, prefix := range []string{"", "x ", "日本"} {
				text := prefix + strings.Repeat(ch, n) + "@x.com"
				var want []string
				if n*len("a") <= maxLocalBytes {
					want = []string{strings.Repeat("a", n) + "@x.com"}
				}
				for _, piece := range []int{0, 1, 100} {
					var cut func() int
					if piece > 0 {
						cut = func() int { return piece }
					}
					if got := addrs(findEmails(text, cut)); !slices.Equal(got, want) && len(got)+len(want) > 0 {
						t.Errorf("%d × %q after %q, pieces of %d: got %q, want %q", n, ch, prefix, piece, got, want)
					}
				}
			}
		}
	}
}

// referenceEmails finds addresses as emailFinder documents it, the simple
// way: the whole text at once, every "@" looked at in both directions.
func referenceEmails(text string) []found {
	type char struct {
		c        byte // ASCII form, or 0
		off, end int64
	}
	var cs []char
	for off := 0; off < len(text); {
		r, w := utf8.DecodeRuneInString(text[off:])
		var c byte
		switch {
		case r < utf8.RuneSelf:
			c = byte(r)
		case 0xFF01 <= r && r <= 0xFF5E:
			c = byte(r - 0xFEE0)
		}
		cs = append(cs, char{c, int64(off), int64(off + w)})
		off += w
	}
	class := func(c byte) uint8 {
		if c >= utf8.RuneSelf {
			return 0
		}
		return emailClass[c]
	}
	var out []found
	for i, x := range cs {
		if x.c != '@' {
			continue
		}
		j := i
		for j > 0 && class(cs[j-1].c)&clLocal != 0 {
			j--
		}
		for j < i && cs[j].c == '.' {
			j++
		}
		if j == i || i-j > maxLocalBytes {
			continue
		}
		keep, lastDot := -1, true
		for k := i + 1; k < len(cs); k++ {
			c := cs[k].c
			if class(c)&clDomain != 0 {
				lastDot = false
				if class(c)&clAlnum != 0 {
					keep = k
				}
			} else if c == '.' && !lastDot {
				lastDot = true
			} else {
				break
			}
		}
		if keep < 0 {
			continue
		}
		var addr []byte
		for _, y := range cs[j : keep+1] {
			addr = append(addr, lower(y.c))
		}
		if !validDomain(addr[i-j+1:]) {
			continue
		}
		out = append(out, found{string(addr), cs[j].off, cs[keep].end})
	}
	return out
}

func TestEmailFinderReference(t *testing.T) {
	text := emailSample()
	if got, want := findEmails(text, nil), referenceEmails(text); !slices.Equal(got, want) {
		t.Errorf("%d addresses, the reference %d; first difference at %v", len(got), len(want), firstDiff(got, want))
	}
}

// FuzzEmailFinder feeds arbitrary text, whole and in pieces: the finder
// must not panic, must report the same addresses however the text is cut
// and as referenceEmails does, and every address must have exactly one
// "@", a local part of at most 64 bytes, a valid domain, and a range
// inside the text.
func FuzzEmailFinder(f *testing.F) {
	for _, s := range []string{"", "a@b.com", "ｔａｒｏ＠ｇｍａｉｌ．ｃｏｍ", "foo..bar@x.com.", "a@b.com@c.com", "\xef\xbc", "\xef\xbc\xa0x.com", "x\xef@\xbc\xa0y.com", emailSample()[:2000]} {
		f.Add([]byte(s), uint8(7))
	}
	f.Fuzz(func(t *testing.T, text []byte, piece uint8) {
		whole := findEmails(string(text), nil)
		cut := findEmails(string(text), func() int { return int(piece) })
		if !slices.Equal(whole, cut) {
			t.Fatalf("pieces of %d: %v, whole: %v", piece, cut, whole)
		}
		if ref := referenceEmails(string(text)); !slices.Equal(whole, ref) {
			t.Fatalf("finder: %v, reference: %v", whole, ref)
		}
		for _, a := range whole {
			local, domain, ok := strings.Cut(a.addr, "@")
			if !ok || strings.Count(a.addr, "@") != 1 {
				t.Fatalf("%q: not one @", a.addr)
			}
			if local == "" || len(local) > maxLocalBytes || !validDomain([]byte(domain)) || !utf8.ValidString(a.addr) {
				t.Fatalf("%q: bad address", a.addr)
			}
			if a.start < 0 || a.end > int64(len(text)) || a.end-a.start < int64(len(a.addr)) {
				t.Fatalf("%q: range [%d,%d) of %d bytes", a.addr, a.start, a.end, len(text))
			}
			if !bytes.Contains(bytes.ToLower([]byte(foldWidth(string(text[a.start:a.end])))), []byte(domain)) {
				t.Fatalf("%q: range holds %q", a.addr, text[a.start:a.end])
			}
		}
	})
}
