package console

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/dlprelay/dlprelay/detect"
	"github.com/dlprelay/dlprelay/detect/customers"
)

func usableMasker(seg string, ms ...detect.Match) *masker {
	m := &masker{usable: true, matches: map[string][]detect.Match{}, counted: map[string]bool{}}
	for _, mt := range ms {
		mt.Part = seg
		m.matches[seg] = append(m.matches[seg], mt)
	}
	return m
}

func at(text, v string, f customers.Field) detect.Match {
	i := strings.Index(text, v)
	return detect.Match{Field: f, Start: int64(i), End: int64(i + len(v))}
}

func TestMaskRange(t *testing.T) {
	t.Parallel()
	const text = "Subject: 山田 太郎 090-1234-5678\nX-Note: 東京都千代田区\n"
	line2 := strings.Index(text, "東京")
	name, phone, addr := at(text, "山田 太郎", customers.FieldName), at(text, "090-1234-5678", customers.FieldPhone), at(text, "東京都千代田区", customers.FieldAddress)
	for _, c := range []struct {
		name     string
		m        *masker
		from, to int
		want     string
		ok       bool
	}{
		{"two matches", usableMasker("s", phone, name), 9, line2 - 9, "山田 *** 090-****-5678", true},
		{"a match elsewhere", usableMasker("s", addr), 9, line2 - 9, "山田 太郎 090-1234-5678", true},
		{"no match", usableMasker("s"), line2, len(text) - 1, "東京都千代田区", true},
		{"overlapping matches masked as one", usableMasker("s", name, detect.Match{Field: customers.FieldPhone, Start: name.Start + 3, End: phone.End}), 9, line2 - 9, "山田***", true},
		{"a match crossing the start", usableMasker("s", name), int(name.Start) + 3, line2 - 9, "", false},
		{"a match crossing the end", usableMasker("s", phone), 9, int(phone.End) - 1, "", false},
		{"a match past the text", usableMasker("s", detect.Match{Start: 1, End: int64(len(text) + 1)}), 0, 5, "", false},
		{"a match inside a character", usableMasker("s", detect.Match{Start: name.Start + 1, End: name.End}), 0, 5, "", false},
		{"an empty match", usableMasker("s", detect.Match{Start: 3, End: 3}), 0, 5, "", false},
		{"a negative offset", usableMasker("s", detect.Match{Start: -1, End: 3}), 0, 5, "", false},
		{"matches only counted", func() *masker { m := usableMasker("s", name); m.counted["s"] = true; return m }(), 9, line2 - 9, "", false},
		{"findings not usable", &masker{}, 9, line2 - 9, "", false},
		{"a range past the text", usableMasker("s"), 0, len(text) + 1, "", false},
	} {
		got, ok := c.m.maskRange("s", text, c.from, c.to)
		if got != c.want || ok != c.ok {
			t.Errorf("%s: %q, %v; want %q, %v", c.name, got, ok, c.want, c.ok)
		}
	}
}

func TestMaskHeaders(t *testing.T) {
	t.Parallel()
	text := "From: 山田 太郎 <sales@corp.example>\nSubject: 山田 太郎 様\nSubject: again\nX-Empty-Not-Listed: x\n"
	first := at(text, "山田 太郎", customers.FieldName)
	m := usableMasker("1.header", first)
	fields := []headerField{
		{Name: "From", Value: "山田 太郎 <sales@corp.example>"},
		{Name: "Subject", Value: " 山田 太郎 様 "}, // values are trimmed, as the scanner trims them
		{Name: "X-Blank", Value: "  "},
		{Name: "Subject", Value: "again"},
		{Name: "X-Other", Value: "decoded otherwise"},
		{Name: "X-Empty-Not-Listed", Value: "x"},
	}
	m.maskHeaders(fields, text, true)
	want := []headerField{
		{Name: "From", Value: "山田 *** <sales@corp.example>"},
		{Name: "Subject", Value: "山田 太郎 様"}, // no match stored there: as the scanner cleared it
		{Name: "X-Blank", Value: ""},
		{Name: "Subject", Value: "again"},
		{Name: "X-Other", Withheld: true},
		{Name: "X-Empty-Not-Listed", Value: "x"},
	}
	for i := range want {
		if fields[i] != want[i] {
			t.Errorf("field %d: %+v, want %+v", i, fields[i], want[i])
		}
	}
	// A segment not read to its end places nothing.
	fields = []headerField{{Name: "Subject", Value: "again"}}
	m.maskHeaders(fields, text, false)
	if !fields[0].Withheld || fields[0].Value != "" {
		t.Errorf("not whole: %+v", fields[0])
	}
	// A line is matched at a line start only.
	fields = []headerField{{Name: "Subject", Value: "x"}}
	m.maskHeaders(fields, "X-Subject: x\n", true)
	if !fields[0].Withheld {
		t.Errorf("matched inside a line: %+v", fields[0])
	}
}

func TestMaskFilename(t *testing.T) {
	t.Parallel()
	seg := "1.2.header"
	text := "Content-Type: text/plain\nContent-Disposition: attachment; filename=\"x\"\n吉田 拓海.txt\n"
	m := usableMasker(seg, at(text, "吉田 拓海", customers.FieldName))
	rr := &reread{texts: map[string]string{seg: text}, asked: map[string]int64{seg: 1 << 20}}
	if got, ok := m.maskFilename(PartInfo{Path: "1.2", Filename: "吉田 拓海.txt"}, rr); !ok || got != "吉田 ***.txt" {
		t.Errorf("masked file name %q, %v", got, ok)
	}
	if _, ok := m.maskFilename(PartInfo{Path: "1.2", Filename: "拓海.txt"}, rr); ok {
		t.Error("a file name that is not the last line was placed")
	}
	if _, ok := m.maskFilename(PartInfo{Path: "1.3", Filename: "吉田 拓海.txt"}, rr); ok {
		t.Error("a part whose header was not read was placed")
	}
	rr.asked[seg] = int64(len(text))
	if _, ok := m.maskFilename(PartInfo{Path: "1.2", Filename: "吉田 拓海.txt"}, rr); ok {
		t.Error("a header segment perhaps cut short was placed")
	}
}

// FuzzMaskRange: any offsets, text and range: no panic, and what comes
// back keeps no stored match's value where it was.
func FuzzMaskRange(f *testing.F) {
	f.Add("Subject: 山田 太郎\n", int64(9), int64(22), 0, 23)
	f.Add("abc", int64(-1), int64(2), 0, 3)
	f.Add("\xff\xfe山田", int64(2), int64(8), 1, 8)
	f.Add("x", int64(0), int64(1<<40), 0, 1)
	f.Fuzz(func(t *testing.T, text string, start, end int64, from, to int) {
		m := usableMasker("s", detect.Match{Field: customers.FieldName, Start: start, End: end})
		got, ok := m.maskRange("s", text, from, to)
		if !ok {
			if got != "" {
				t.Fatalf("not ok, yet %q", got)
			}
			return
		}
		if int64(from) <= start && end <= int64(to) && utf8.RuneCountInString(strings.TrimSpace(text[start:end])) >= 2 &&
			got == text[from:to] {
			t.Fatalf("match %d-%d of %q shown as it is: %q", start, end, text, got)
		}
	})
}
