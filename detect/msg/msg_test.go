package msg

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf16"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
)

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// items reads b and returns its items' names and contents (files and
// text alike) and Read's error.
func items(b []byte, lim Limits) (names []string, texts map[string]string, err error) {
	texts = map[string]string{}
	err = Read(context.Background(), bytes.NewReader(b), int64(len(b)), lim, func(it Item) error {
		data, err := io.ReadAll(it.R)
		if err != nil {
			return err
		}
		names = append(names, it.Name)
		texts[it.Name] = string(data)
		return nil
	})
	return names, texts, err
}

func TestIs(t *testing.T) {
	if !Is(readFixture(t, "01-unicode-japanese.msg")[:8]) {
		t.Error("Is(.msg) = false")
	}
	if Is([]byte("From: a@example.jp\r\n")) || Is(nil) {
		t.Error("Is(text) = true")
	}
}

// TestErrors checks the sentinel each broken or unread file gets, and that
// nothing is emitted for a file that is not a message.
func TestErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		in    []byte
		want  error
		items bool // items are emitted before the error
	}{
		{"truncated directory", readFixture(t, "10-truncated.msg"), ErrCorrupt, false},
		{"truncated attachment", readFixture(t, "13-truncated-attachment.msg"), ErrCorrupt, true},
		{"shorter than a header", readFixture(t, "01-unicode-japanese.msg")[:300], ErrCorrupt, false},
		{"S/MIME encrypted", readFixture(t, "11-smime-encrypted.msg"), ErrEncrypted, true},
		{"IRM protected", (&mmsg{
			props: []mp{{0x001A001F, "IPM.Note"}, {0x0037001F, "保護されたメール"}},
			atts:  []matt{{props: []mp{{0x37050003, uint32(1)}, {0x3707001F, "message.rpmsg"}}, data: []byte("\x76\xe8\x04\x60\xc4\x11\xe3\x86")}},
		}).bytes(512), ErrEncrypted, true},
		{"compound file, not a message", readFixture(t, "12-not-a-message.cfb"), ErrUnsupported, false},
		{"LibreOffice xls", readFixture(t, "14-libreoffice.xls"), ErrUnsupported, false},
		{"three bytes", []byte("abc"), ErrUnsupported, false},
		{"a compound file's signature alone", cfbSignature, ErrCorrupt, false},
		{"not a compound file", bytes.Repeat([]byte("山田 太郎,03-1234-5678\n"), 100), ErrUnsupported, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			names, _, err := items(tc.in, Limits{})
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if got := len(names) > 0; got != tc.items {
				t.Errorf("items emitted: %v, want %v (%q)", got, tc.items, names)
			}
		})
	}
}

// setStreamSize rewrites the size of the directory entry named name.
func setStreamSize(t *testing.T, b []byte, name string, size uint64) []byte {
	t.Helper()
	b = bytes.Clone(b)
	u := utf16.Encode([]rune(name))
	key := make([]byte, 2*len(u))
	for i, c := range u {
		binary.LittleEndian.PutUint16(key[2*i:], c)
	}
	// Directory entries start at a multiple of 128 from a sector start.
	for off := 512; off+128 <= len(b); off += 128 {
		if bytes.HasPrefix(b[off:], key) && binary.LittleEndian.Uint16(b[off+64:]) == uint16(len(key)+2) {
			binary.LittleEndian.PutUint64(b[off+120:], size)
			return b
		}
	}
	t.Fatalf("no directory entry %q", name)
	return nil
}

// TestSizeClaims gives streams sizes far beyond the file: each is refused
// as damaged before anything is allocated for it.
func TestSizeClaims(t *testing.T) {
	for _, name := range []string{attachDataBin, "__substg1.0_1000001F", propsName} {
		t.Run(name, func(t *testing.T) {
			in := setStreamSize(t, readFixture(t, "06-v4-large.msg"), name, 1<<40)
			_, _, err := items(in, Limits{})
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("err = %v, want ErrCorrupt", err)
			}
		})
	}
}

func nested(depth int) *mmsg {
	m := &mmsg{props: []mp{{0x0037001F, fmt.Sprintf("level %d", depth)}, {0x1000001F, rowTaro}}}
	if depth > 0 {
		m.atts = []matt{{props: []mp{{0x37050003, uint32(attachEmbeddedMsg)}}, embedded: nested(depth - 1)}}
	}
	return m
}

func TestLimits(t *testing.T) {
	first := readFixture(t, "01-unicode-japanese.msg")
	for _, tc := range []struct {
		name string
		in   []byte
		lim  Limits
		want int // items emitted before ErrLimit
	}{
		{"MaxItems", first, Limits{MaxItems: 2}, 2},
		{"MaxOutput", first, Limits{MaxOutput: 300}, 0},
		{"MaxDepth", nested(4).bytes(512), Limits{MaxDepth: 2}, 6},
		{"MaxEntries", first, Limits{MaxEntries: 8}, 0},
		{"deeper than the compound file's path limit", nested(40).bytes(512), Limits{MaxDepth: 100}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			names, _, err := items(tc.in, tc.lim)
			if !errors.Is(err, ErrLimit) {
				t.Fatalf("err = %v, want ErrLimit", err)
			}
			if len(names) != tc.want {
				t.Errorf("%d items before the limit (%q), want %d", len(names), names, tc.want)
			}
		})
	}
	// Within the limits, the same nested message reads whole.
	names, texts, err := items(nested(4).bytes(512), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	last := "attachment 1 (message)/attachment 1 (message)/attachment 1 (message)/attachment 1 (message)/body"
	if texts[last] != rowTaro {
		t.Errorf("innermost body %q, items %q", texts[last], names)
	}
}

func TestEmitErrorAndContext(t *testing.T) {
	b := readFixture(t, "04-embedded-message.msg")
	stop := errors.New("stop")
	n := 0
	err := Read(context.Background(), bytes.NewReader(b), int64(len(b)), Limits{}, func(Item) error {
		n++
		return stop
	})
	if err != stop || n != 1 {
		t.Errorf("emit error: Read = %v after %d items, want the emit error as is after 1", err, n)
	}
	ctx, cancel := context.WithCancel(context.Background())
	n = 0
	err = Read(ctx, bytes.NewReader(b), int64(len(b)), Limits{}, func(Item) error {
		n++
		cancel()
		return nil
	})
	if !errors.Is(err, context.Canceled) || n != 1 {
		t.Errorf("cancelled: Read = %v after %d items, want context.Canceled after 1", err, n)
	}
}

// TestCustomerValues checks the values the scanner looks for come out as
// users see them, from every place a .msg keeps them.
func TestCustomerValues(t *testing.T) {
	for name, want := range map[string][]string{
		"01-unicode-japanese.msg":    {"【至急】顧客リストの件", rowTaro, rowHanako, "顧客番号 C-000123", "佐藤 花子 <hanako.sato@example.co.jp>"},
		"02-cp932-string8.msg":       {"見積書のご送付", rowTaro, rowHanako, "担当:営業部 ①", "To: 佐藤 花子 <hanako.sato@example.co.jp>"},
		"03-csv-html-attachment.msg": {"顧客リスト.csv", rowTaro, "<td>03-1234-5678</td>"},
		"04-embedded-message.msg":    {rowHanako, rowTaro, "Subject: 顧客データ"},
		"05-multivalue-rtf-ole.msg":  {"顧客:" + rowTaro, rowHanako, `\'8e\'52\'93\'63`},
		"06-v4-large.msg":            {"99999," + rowTaro, rowHanako},
	} {
		_, texts, err := items(readFixture(t, name), Limits{})
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		var all strings.Builder
		for _, v := range texts {
			all.WriteString(v + "\n")
		}
		for _, w := range want {
			if !strings.Contains(all.String(), w) {
				t.Errorf("%s: %q not found", name, w)
			}
		}
	}
}

func TestDecode8(t *testing.T) {
	for _, tc := range []struct {
		in   []byte
		cp   uint32
		want string
	}{
		{sjis("山田 太郎"), 932, "山田 太郎"},
		{sjis("山田 太郎"), 0, "山田 太郎"}, // no code page: valid Shift_JIS is CP932
		{[]byte("caf\xe9\x00"), 0, "café"},
		{[]byte("山田\x00\x00"), 0, "山田"},
		{[]byte("Gr\xfc\xdfe"), 1252, "Grüße"},
	} {
		if got := decode8(tc.in, tc.cp); got != tc.want {
			t.Errorf("decode8(%q, %d) = %q, want %q", tc.in, tc.cp, got, tc.want)
		}
	}
	if got := decodeUTF16([]byte{0x71, 0x5c, 0x00, 0xd8, 0x00}); got != "山\uFFFD" {
		t.Errorf("decodeUTF16 = %q", got)
	}
}

func TestLabel(t *testing.T) {
	if got := label1("../..\\evil\x1b[31m名.csv"); got != ".._.._evil?[31m名.csv" {
		t.Errorf("label1 = %q", got)
	}
	if got := label1(strings.Repeat("あ", 500)); len([]rune(got)) != maxLabel {
		t.Errorf("label1 keeps %d runes", len([]rune(got)))
	}
}

// TestCodePageProperties checks PT_STRING8 values are decoded in
// PR_MESSAGE_CODEPAGE, else PR_INTERNET_CPID, not guessed.
func TestCodePageProperties(t *testing.T) {
	cyr, _ := charmap.Windows1251.NewEncoder().Bytes([]byte("Иванов Иван"))
	euc, _ := japanese.EUCJP.NewEncoder().Bytes([]byte("山田 太郎"))
	for _, tc := range []struct {
		name  string
		props []mp
		want  string
	}{
		{"PR_MESSAGE_CODEPAGE 1251", []mp{{0x3FFD0003, uint32(1251)}, {0x3FDE0003, uint32(932)}, {0x0037001E, cyr}}, "Subject: Иванов Иван\n"},
		{"PR_INTERNET_CPID 51932", []mp{{0x3FDE0003, uint32(51932)}, {0x0037001E, euc}}, "Subject: 山田 太郎\n"},
	} {
		_, texts, err := items((&mmsg{props: tc.props}).bytes(512), Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if texts["header"] != tc.want {
			t.Errorf("%s: header %q, want %q", tc.name, texts["header"], tc.want)
		}
	}
}

// TestUnicodeHTMLAndManyAttachments checks a PT_UNICODE HTML body is
// handed out as UTF-8 and that attachments past MaxItems stop the read.
func TestUnicodeHTMLAndManyAttachments(t *testing.T) {
	m := &mmsg{props: []mp{{0x1013001F, "<p>" + rowTaro + "</p>"}}}
	for i := 0; i < 50; i++ {
		m.atts = append(m.atts, matt{props: []mp{{0x3707001F, fmt.Sprintf("%02d.csv", i)}}, data: []byte(rowHanako)})
	}
	in := m.bytes(512)
	names, texts, err := items(in, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if texts["body.html"] != "<p>"+rowTaro+"</p>" || texts["attachment/49.csv"] != rowHanako || len(names) != 101 {
		t.Errorf("items %q, body.html %q", names, texts["body.html"])
	}
	names, _, err = items(in, Limits{MaxItems: 20})
	if !errors.Is(err, ErrLimit) || len(names) != 20 {
		t.Errorf("MaxItems 20: %d items, err %v", len(names), err)
	}
}

// TestOle10Native checks a Packager object's file is emitted under its
// label, and a stream that does not parse is emitted whole.
func TestOle10Native(t *testing.T) {
	data := []byte(rowTaro)
	for _, tc := range []struct {
		stream []byte
		name   string
		want   string
	}{
		{ole10Native("", `C:\顧客\list.csv`, data), "attachment 1 (object)/list.csv", rowTaro},
		{ole10Native("a.txt", "a.txt", data)[:30], "attachment 1 (object)/Ole10Native", string(ole10Native("a.txt", "a.txt", data)[:30])},
		{[]byte{1, 2, 3}, "attachment 1 (object)/Ole10Native", "\x01\x02\x03"},
	} {
		m := &mmsg{props: []mp{{0x0037001F, "x"}}, atts: []matt{{props: []mp{{0x37050003, uint32(attachOLE)}}, ole: []*cfbEntry{cfbStream("\x01Ole10Native", tc.stream)}}}}
		names, texts, err := items(m.bytes(512), Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if texts[tc.name] != tc.want {
			t.Errorf("items %q; %s = %q, want %q", names, tc.name, texts[tc.name], tc.want)
		}
	}
}
