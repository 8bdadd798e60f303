package xls

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"golang.org/x/text/encoding/japanese"
)

// testBook is a workbook written to [MS-XLS] by hand, with every record
// Read knows: an SST whose strings run across CONTINUE records (the second
// part of one in UTF-16 after a new flags byte, rich runs and a phonetic
// block split too), LABELSST, LABEL, RSTRING, NUMBER, RK, MULRK, FORMULA
// with cached number, string (STRING, itself continued), boolean and error
// results, BOOLERR, a comment (OBJ, TXO and its CONTINUE text, NOTE), a
// text box, a header with codes, rows out of order and a very hidden sheet.
func testBook(pre ...[]byte) []byte {
	// SST: string 0 "山田 太郎" in UTF-16 with 1 rich run, string 1
	// "taro.yamada@example.jp" split: "taro.ya" compressed in the SST, then
	// "mada@example.jp" in UTF-16 in a CONTINUE with its own flags byte;
	// string 2 with a phonetic block split across the next CONTINUE.
	s0 := append(append(append(u16(5), 0x09), u16(1)...), wide("山田 太郎")...)
	s0 = append(s0, 0, 0, 0, 0) // the run
	s1a := append(append(u16(22), 0x00), "taro.ya"...)
	s1b := append([]byte{0x01}, wide("mada@example.jp")...)
	s2 := append(append(append(u16(5), 0x04), u32(10)...), "03-12"...)
	s2 = append(s2, 1, 2, 3, 4) // 4 of the phonetic block's 10 bytes
	s2rest := append([]byte{5, 6, 7, 8, 9, 10}, append(append(u16(3), 0x01), wide("鈴木様")...)...)
	sst := [][]byte{
		rec(recSST, u32(4), u32(4), s0, s1a),
		rec(recContinue, s1b, s2),
		rec(recContinue, s2rest),
	}
	txoText := append([]byte{0x01}, wide("要確認: 携帯 090-1111-2222")...)
	cmo := func(id uint16) []byte {
		return rec(recObj, u16(0x15), u16(0x12), u16(0x19), u16(id), make([]byte, 14), u32(0))
	}
	txo := func(n int) []byte {
		return rec(recTxO, u16(0x0212), u16(0), make([]byte, 6), u16(uint16(n)), u16(16), make([]byte, 4))
	}
	rkInt := func(v int32) []byte { return u32(uint32(v)<<2 | 2) }
	cellHdr := func(row, col uint16) []byte { return append(append(u16(row), u16(col)...), u16(15)...) }
	sheet1 := sheetSpec{name: "顧客", recs: [][]byte{
		rec(recHeader, xlStr("&L&\"Arial,Bold\"&12社外秘&R&P / &N && co")),
		rec(recFooter),
		// row 3 before rows 1 and 2
		rec(recNumber, cellHdr(2, 0), f64(-17)),
		rec(recNumber, cellHdr(2, 1), f64(0.1)),
		rec(recNumber, cellHdr(2, 2), f64(123456789012)),
		rec(recRK, cellHdr(2, 3), u32(uint32(1234)<<2|3)), // 12.34
		rec(recLabelSST, cellHdr(0, 0), u32(0)),
		rec(recLabelSST, cellHdr(0, 1), u32(2)),
		rec(recLabelSST, cellHdr(0, 2), u32(1)),
		rec(recNumber, cellHdr(0, 3), f64(312345678)),
		rec(recMulRK, u16(1), u16(1), u16(15), rkInt(42), u16(15), rkInt(-5), u16(15), u32(0x40590000), u16(3)),
		rec(recLabel, cellHdr(1, 5), xlStr("a,b \"q\"")),
		rec(recRString, cellHdr(1, 6), xlStr("rich"), u16(0)),
		rec(recFormula, cellHdr(3, 0), []byte{0, 0, 0, 0, 0, 0, 0xFF, 0xFF}, u16(0), u32(0), u16(0)),
		rec(0x04BC, make([]byte, 8)),                               // SHRFMLA between FORMULA and STRING
		rec(recString, u16(21), []byte{0}, []byte("Hanako <hana")), // 12 of 21 characters,
		rec(recContinue, []byte{1}, wide("ko@ex.jp>")),             // the rest in UTF-16
		rec(recFormula, cellHdr(3, 1), []byte{1, 0, 1, 0, 0, 0, 0xFF, 0xFF}, u16(0), u32(0), u16(0)),
		rec(recFormula, cellHdr(3, 2), []byte{2, 0, 0x07, 0, 0, 0, 0xFF, 0xFF}, u16(0), u32(0), u16(0)),
		rec(recFormula, cellHdr(3, 3), f64(4876543211), u16(0), u32(0), u16(0)),
		rec(recBoolErr, cellHdr(3, 4), []byte{0, 0}),
		rec(recBoolErr, cellHdr(3, 5), []byte{0x2A, 1}),
		cmo(1), txo(len([]rune("要確認: 携帯 090-1111-2222"))), rec(recContinue, txoText), rec(recContinue, make([]byte, 16)),
		cmo(2), txo(4), rec(recContinue, []byte{0}, []byte("memo")), rec(recContinue, make([]byte, 16)),
		rec(recNote, u16(1), u16(0), u16(0), u16(1), xlStr("佐藤"), []byte{0}),
	}}
	sheet2 := sheetSpec{name: "Secret", state: 2, recs: [][]byte{
		rec(recLabel, cellHdr(0, 0), xlStr("隠し 次郎")),
		rec(recLabelSST, cellHdr(0, 1), u32(3)),
		rec(recLabelSST, cellHdr(0, 2), u32(99)), // no such string
	}}
	return workbook(pre, sst, sheet1, sheet2)
}

const testBookText = `== text 顧客
山田 太郎,03-12,taro.yamada@example.jp,312345678
,42,-5,100,,"a,b ""q""",rich
-17,0.1,123456789012,12.34
Hanako <hanako@ex.jp>,TRUE,#DIV/0!,4876543211,FALSE,#N/A
== text Secret (very hidden)
隠し 次郎,鈴木様
== text comments
顧客!A2 (佐藤): 要確認: 携帯 090-1111-2222
顧客 textbox: memo
== text headers
顧客 header: 社外秘 / & co
== text sheet names
顧客
Secret (very hidden)
`

func TestHandMade(t *testing.T) {
	t.Parallel()
	b := cfbFile(3, entry{name: "Workbook", data: testBook()})
	got, err := dump(t, b, Limits{})
	if err != nil || got != testBookText {
		t.Errorf("got %v\n%s\nwant\n%s", err, got, testBookText)
	}
}

// TestEncrypted reads the hand-made workbook encrypted with Excel's default
// password, RC4 and RC4 CryptoAPI (40- and 128-bit keys): the same text as
// in the clear. With another password, or XOR-obfuscated, it is
// ErrEncrypted, and so is an encrypted OOXML package.
func TestEncrypted(t *testing.T) {
	t.Parallel()
	salt := []byte("0123456789ABCDEF")
	tests := []struct {
		name string
		pass []byte
		key  func(uint32) []byte
		want error
	}{
		{"rc4", filePassStd(defaultPassword, salt), func(b uint32) []byte { return rc4StdKey(defaultPassword, salt, b) }, nil},
		{"cryptoapi-128", filePassCryptoAPI(defaultPassword, salt, 128), func(b uint32) []byte { return rc4CryptoAPIKey(defaultPassword, salt, b, 128) }, nil},
		{"cryptoapi-40", filePassCryptoAPI(defaultPassword, salt, 40), func(b uint32) []byte { return rc4CryptoAPIKey(defaultPassword, salt, b, 40) }, nil},
		{"rc4-password", filePassStd("secret", salt), func(b uint32) []byte { return rc4StdKey("secret", salt, b) }, ErrEncrypted},
		{"cryptoapi-password", filePassCryptoAPI("secret", salt, 128), func(b uint32) []byte { return rc4CryptoAPIKey("secret", salt, b, 128) }, ErrEncrypted},
		{"xor", rec(recFilePass, u16(0), u16(0x1234), u16(0x5678)), func(uint32) []byte { return []byte("xxxxx") }, ErrEncrypted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := encrypt(testBook(tt.pass), tt.key)
			if bytes.Contains(w, wide("山田")) {
				t.Fatal("the helper left the text in the clear")
			}
			got, err := dump(t, cfbFile(3, entry{name: "Workbook", data: w}), Limits{})
			if tt.want != nil {
				if !errors.Is(err, tt.want) || strings.Contains(got, "==") {
					t.Errorf("err = %v, want %v; got %s", err, tt.want, got)
				}
				return
			}
			if err != nil || got != testBookText {
				t.Errorf("got %v\n%s", err, got)
			}
		})
	}
	t.Run("ooxml", func(t *testing.T) {
		b := cfbFile(3, entry{name: "EncryptionInfo", data: make([]byte, 200)}, entry{name: "EncryptedPackage", data: make([]byte, 5000)})
		if _, err := dump(t, b, Limits{}); !errors.Is(err, ErrEncrypted) {
			t.Errorf("err = %v", err)
		}
	})
}

// TestErrors: truncated or damaged files are ErrCorrupt with what came
// before emitted; other variants are ErrUnsupported.
func TestErrors(t *testing.T) {
	t.Parallel()
	w := testBook()
	full := cfbFile(3, entry{name: "Workbook", data: w})
	// cut inside the second sheet: the first sheet stands
	cut := cfbFile(3, entry{name: "Workbook", data: w[:len(w)-20]})
	got, err := dump(t, cut, Limits{})
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(got, "山田 太郎,03-12") || !strings.Contains(got, "隠し 次郎") {
		t.Errorf("cut: %v\n%s", err, got)
	}
	// the compound file itself cut short
	if _, err := dump(t, full[:len(full)/2], Limits{}); !errors.Is(err, ErrCorrupt) {
		t.Errorf("half a file: %v", err)
	}
	if _, err := dump(t, full[:100], Limits{}); !errors.Is(err, ErrCorrupt) {
		t.Errorf("100 bytes: %v", err)
	}
	for name, b := range map[string][]byte{
		"word":   cfbFile(3, entry{name: "WordDocument", data: make([]byte, 100)}),
		"biff4":  cfbFile(3, entry{name: "Workbook", data: rec(0x0409, make([]byte, 6))}),
		"biff7?": cfbFile(3, entry{name: "Workbook", data: rec(recBOF, u16(0x0700), u16(5), make([]byte, 12))}),
		"zip":    append([]byte("PK\x03\x04"), make([]byte, 600)...),
	} {
		if _, err := dump(t, b, Limits{}); !errors.Is(err, ErrUnsupported) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := dump(t, cfbFile(3, entry{name: "Workbook", data: rec(recNumber, make([]byte, 14))}), Limits{}); !errors.Is(err, ErrCorrupt) {
		t.Errorf("no BOF: %v", err)
	}
	if !Is(full) || Is([]byte("PK\x03\x04")) {
		t.Error("Is")
	}
}

// TestBIFF5 reads a Book stream (Excel 5.0/95) with CODEPAGE 932: the
// sheet names, labels and comment in Shift_JIS.
func TestBIFF5(t *testing.T) {
	t.Parallel()
	sjis := func(s string) []byte {
		b, err := japanese.ShiftJIS.NewEncoder().Bytes([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	str8 := func(s string) []byte { b := sjis(s); return append(u16(uint16(len(b))), b...) }
	hdr := func(row, col uint16) []byte { return append(append(u16(row), u16(col)...), u16(15)...) }
	name := sjis("顧客")
	globalsLen := 4 + 8 + 4 + 2 + (4 + 7 + len(name)) + 4
	w := rec(recBOF, u16(0x0500), u16(5), make([]byte, 4))
	w = append(w, rec(recCodePage, u16(932))...)
	w = append(w, rec(recBoundSheet, u32(uint32(globalsLen)), []byte{1, 0, byte(len(name))}, name)...)
	w = append(w, rec(recEOF)...)
	if len(w) != globalsLen {
		t.Fatalf("globals %d bytes, not %d", len(w), globalsLen)
	}
	w = append(w, rec(recBOF, u16(0x0500), u16(0x10), make([]byte, 4))...)
	w = append(w, rec(recHeader, []byte{byte(len(sjis("&C社外秘")))}, sjis("&C社外秘"))...)
	w = append(w, rec(recLabel, hdr(0, 0), str8("山田 太郎"))...)
	w = append(w, rec(recRK, hdr(0, 1), u32(312345678<<2|2))...)
	w = append(w, rec(recFormula, hdr(0, 2), []byte{0, 0, 0, 0, 0, 0, 0xFF, 0xFF}, make([]byte, 6))...)
	w = append(w, rec(recString, str8("ｶﾅ"))...)
	w = append(w, rec(recNote, hdr(0, 0)[:4], u16(4), sjis("携帯"))...)
	w = append(w, rec(recNote, u16(0xFFFF), u16(0), u16(6), []byte(" 090-"))...)
	w = append(w, rec(recEOF)...)
	got, err := dump(t, cfbFile(3, entry{name: "Book", data: w}), Limits{})
	want := "== text 顧客 (hidden)\n山田 太郎,312345678,ｶﾅ\n== text comments\n顧客 (hidden)!A1: 携帯 090-\n== text headers\n顧客 (hidden) header: 社外秘\n== text sheet names\n顧客 (hidden)\n"
	if err != nil || got != want {
		t.Errorf("got %v\n%q\nwant\n%q", err, got, want)
	}
}

// TestEmbedded emits an embedded OOXML package and a packaged file as
// files, after the sheets.
func TestEmbedded(t *testing.T) {
	t.Parallel()
	pkg := append([]byte("PK\x03\x04"), bytes.Repeat([]byte("z"), 5000)...)
	native := append(append(u32(0), u16(2)...), "report.txt\x00C:\\report.txt\x00"...)
	native = append(append(append(native, u32(0x00030000)...), u32(4)...), "C:t\x00"...)
	native = append(append(native, u32(13)...), "山田 090-1\n"...)
	b := cfbFile(3,
		entry{name: "Workbook", data: testBook()},
		entry{name: "MBD0001", storage: true},
		entry{name: "Package", data: pkg, parent: 2},
		entry{name: "MBD0002", storage: true},
		entry{name: "\x01Ole10Native", data: native, parent: 4},
	)
	got, err := dump(t, b, Limits{})
	want := testBookText + "== file object/MBD0001/Package (5004 bytes, \"PK\\x03\\x04zzzz\")\n== file object/MBD0002/Ole10Native (13 bytes, \"山田 0\")\n"
	if err != nil || got != want {
		t.Errorf("got %v\n%s", err, got)
	}
}

// TestLimits: each bound is ErrLimit, with what came before emitted.
func TestLimits(t *testing.T) {
	t.Parallel()
	b := cfbFile(3, entry{name: "Workbook", data: testBook()})
	got, err := dump(t, b, Limits{MaxItems: 1})
	if !errors.Is(err, ErrLimit) || !strings.HasPrefix(got, "== text 顧客\n山田 太郎") || strings.Contains(got, "Secret") {
		t.Errorf("MaxItems: %v\n%s", err, got)
	}
	if got, err := dump(t, b, Limits{MaxOutput: 60}); !errors.Is(err, ErrLimit) || len(got) > 200 {
		t.Errorf("MaxOutput: %v\n%s", err, got)
	}
	if _, err := dump(t, b, Limits{MaxRecords: 20}); !errors.Is(err, ErrLimit) {
		t.Errorf("MaxRecords: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Read(ctx, bytes.NewReader(b), int64(len(b)), Limits{}, func(Item) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled: %v", err)
	}
	stop := errors.New("stop")
	if err := Read(context.Background(), bytes.NewReader(b), int64(len(b)), Limits{}, func(Item) error { return stop }); err != stop {
		t.Errorf("emit error: %v", err)
	}
}

// TestEmptyContinue: an empty CONTINUE where a string's characters go on
// (found by fuzzing: it panicked) is skipped.
func TestEmptyContinue(t *testing.T) {
	t.Parallel()
	sst := rec(recSST, u32(1), u32(1), u16(4), []byte{0}, []byte("ab"))
	w := workbook(nil, [][]byte{sst, rec(recContinue), rec(recContinue, []byte{0}, []byte("cd"))},
		sheetSpec{name: "S", recs: [][]byte{rec(recLabelSST, make([]byte, 6), u32(0))}})
	got, err := dump(t, cfbFile(3, entry{name: "Workbook", data: w}), Limits{})
	if err != nil || got != "== text S\nabcd\n== text sheet names\nS\n" {
		t.Errorf("got %v %q", err, got)
	}
}

// TestLongLibreOffice reads long.xls, whose SST LibreOffice spread over
// several CONTINUE records: every string of testdata/src/long.py comes out
// whole, in its row.
func TestLongLibreOffice(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("testdata/long.xls")
	if err != nil {
		t.Fatal(err)
	}
	got, err := dump(t, b, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 150; i++ {
		ja := fmt.Sprintf("顧客%03d 山田 太郎 東京都千代田区丸の内%d-2-3 電話03-1234-%04d", i, i, i)
		en := fmt.Sprintf("customer%03d taro.yamada%d@example.jp +81-3-1234-%04d account", i, i, i)
		if row := fmt.Sprintf("\n%s,%s,%d\n", ja, en, 312345000+i); !strings.Contains(got, row) {
			t.Errorf("row %d missing: %q", i, row)
		}
	}
}

// TestDates: a number in a date or time format reads as an ISO 8601 date
// or time (Excel's 1900 system with its 29 February 1900, and 1904);
// other numbers keep their value, "General" and scientific formats too.
func TestDates(t *testing.T) {
	t.Parallel()
	f := formats{xf: []uint16{0, 14, 20, 22, 164, 165, 166, 167}, custom: map[uint16]byte{
		164: formatKind(`yyyy"年"m"月"d"日"`), 165: formatKind(`"Day" 0`), 166: formatKind("General"), 167: formatKind("[Red]0.00E+00;[h]:mm"),
	}}
	for _, tt := range []struct {
		ixfe uint16
		v    float64
		want string
	}{
		{0, 31149, "31149"},
		{1, 31149, "1985-04-12"},
		{1, 1, "1900-01-01"},
		{1, 60, "1900-02-29"},
		{1, 61, "1900-03-01"},
		{2, 0.5729166666666666, "13:45:00"},
		{3, 31149.5, "1985-04-12 12:00:00"},
		{4, 46364, "2026-12-08"},
		{5, 46364, "46364"},
		{6, 312345678, "312345678"},
		{7, 1.5, "1.5"},
		{1, -1, "-1"},
		{1, 1e300, "1" + strings.Repeat("0", 300)},
	} {
		if got := string(f.appendNum(nil, tt.ixfe, tt.v)); got != tt.want {
			t.Errorf("xf %d, %v = %q, want %q", tt.ixfe, tt.v, got, tt.want)
		}
	}
	f.date1904 = true
	if got := string(f.appendNum(nil, 1, 0)); got != "1904-01-01" {
		t.Errorf("1904: %q", got)
	}
}
