package customers

import (
	"bytes"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/encoding/japanese"
)

func parse(t *testing.T, data string, cols Columns) *List {
	t.Helper()
	l, err := Parse(strings.NewReader(data), "test.csv", cols)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return l
}

func TestLoadSample(t *testing.T) {
	l, err := Load(filepath.Join("..", "..", "testdata", "customers.csv"), Columns{})
	if err != nil {
		t.Fatal(err)
	}
	if l.Len() != 30 {
		t.Errorf("Len() = %d, want 30", l.Len())
	}
	if l.Encoding != "utf-8" {
		t.Errorf("Encoding = %q", l.Encoding)
	}
	want := map[Field]string{FieldID: "customer_id", FieldName: "name", FieldKana: "name_kana", FieldEmail: "email", FieldPhone: "phone"}
	for f, h := range want {
		if l.Header[f] != h {
			t.Errorf("Header[%s] = %q, want %q", f, l.Header[f], h)
		}
	}
	r := l.Records[0]
	if r.ID != "C0001" || r.Values[FieldName] != "山田 太郎" || r.Values[FieldPhone] != "03-1234-5678" {
		t.Errorf("first record = %+v", r)
	}
	if _, ok := r.Values[FieldID]; ok {
		t.Errorf("Values holds the ID: %+v", r)
	}
	// Empty cells are left out.
	if _, ok := l.Records[20].Values[FieldPhone]; ok {
		t.Errorf("record %s has an empty phone in Values", l.Records[20].ID)
	}
}

func TestShiftJIS(t *testing.T) {
	l, err := Load(filepath.Join("..", "..", "testdata", "customers-sjis.csv"), Columns{})
	if err != nil {
		t.Fatal(err)
	}
	if l.Encoding != "shift_jis" {
		t.Errorf("Encoding = %q, want shift_jis", l.Encoding)
	}
	if l.Len() != 3 {
		t.Fatalf("Len() = %d, want 3", l.Len())
	}
	// 髙 and 﨑 are IBM extensions, ① an NEC special character: CP932
	// only, not plain JIS X 0208.
	checks := []struct {
		rec   int
		field Field
		want  string
	}{
		{0, FieldName, "髙橋 誠"},
		{0, FieldKana, "ﾀｶﾊｼ ﾏｺﾄ"},
		{1, FieldName, "サンプル商事①"},
		{2, FieldName, "﨑山 涼子"},
		{2, FieldPhone, "090-4444-5555"},
	}
	for _, c := range checks {
		if got := l.Records[c.rec].Values[c.field]; got != c.want {
			t.Errorf("record %d %s = %q, want %q", c.rec, c.field, got, c.want)
		}
	}
	if l.Header[FieldID] != "顧客番号" || l.Header[FieldKana] != "フリガナ" || l.Header[FieldEmail] != "メールアドレス" {
		t.Errorf("Header = %v", l.Header)
	}
}

func TestShiftJISEncodedInMemory(t *testing.T) {
	src := "顧客ID,名前,電話\r\nX1,髙木 ①,03-1111-2222\r\n"
	enc, err := japanese.ShiftJIS.NewEncoder().String(src)
	if err != nil {
		t.Fatal(err)
	}
	l := parse(t, enc, Columns{})
	if l.Encoding != "shift_jis" || l.Records[0].Values[FieldName] != "髙木 ①" {
		t.Errorf("got %q %+v", l.Encoding, l.Records)
	}
}

func TestBOM(t *testing.T) {
	l := parse(t, "\xEF\xBB\xBFid,name\nA001,Ann Lee\n", Columns{})
	if l.Header[FieldID] != "id" || l.Records[0].ID != "A001" {
		t.Errorf("BOM not removed: header %v records %+v", l.Header, l.Records)
	}
}

func TestHeaderRecognition(t *testing.T) {
	tests := []struct {
		header string
		want   map[Field]int // field → column
	}{
		{"Customer_ID,Name,Kana,E-Mail,TEL", map[Field]int{FieldID: 0, FieldName: 1, FieldKana: 2, FieldEmail: 3, FieldPhone: 4}},
		{" ID , Mail ,Telephone", map[Field]int{FieldID: 0, FieldEmail: 1, FieldPhone: 2}},
		{"ＩＤ,顧客名,ふりがな,メール,電話", map[Field]int{FieldID: 0, FieldName: 1, FieldKana: 2, FieldEmail: 3, FieldPhone: 4}},
		{"備考,顧客ID,氏名,カナ", map[Field]int{FieldID: 1, FieldName: 2, FieldKana: 3}},
		// The first recognised header wins.
		{"id,email,mail", map[Field]int{FieldID: 0, FieldEmail: 1}},
		{"顧客番号,氏名,住所,会社名", map[Field]int{FieldID: 0, FieldName: 1, FieldAddress: 2, FieldCompany: 3}},
		{"id,Address,勤務先", map[Field]int{FieldID: 0, FieldAddress: 1, FieldCompany: 2}},
		{"id,name,Company", map[Field]int{FieldID: 0, FieldName: 1, FieldCompany: 2}},
	}
	for _, tt := range tests {
		row := make([]string, strings.Count(tt.header, ",")+1)
		for f, i := range tt.want {
			row[i] = "v-" + string(f)
		}
		row[tt.want[FieldID]] = "ID1"
		l := parse(t, tt.header+"\n"+strings.Join(row, ",")+"\n", Columns{})
		r := l.Records[0]
		for f, i := range tt.want {
			got := r.Values[f]
			if f == FieldID {
				got = r.ID
			}
			if got != row[i] {
				t.Errorf("header %q: %s = %q, want %q", tt.header, f, got, row[i])
			}
		}
		if len(r.Values)+1 != len(tt.want) {
			t.Errorf("header %q: values %v, want %d fields", tt.header, r.Values, len(tt.want))
		}
	}
}

func TestExplicitColumns(t *testing.T) {
	data := "No,Kunde,Adresse\n7,Lucas Müller,lucas@example.com\n"
	l := parse(t, data, Columns{ID: "no", Name: "KUNDE", Email: "Adresse"})
	r := l.Records[0]
	if r.ID != "7" || r.Values[FieldName] != "Lucas Müller" || r.Values[FieldEmail] != "lucas@example.com" {
		t.Errorf("got %+v", r)
	}
	_, err := Parse(strings.NewReader(data), "x.csv", Columns{ID: "no", Name: "Vorname"})
	if err == nil || !strings.Contains(err.Error(), `"Vorname"`) || !strings.Contains(err.Error(), "x.csv:1") {
		t.Errorf("missing explicit column: err = %v", err)
	}
}

// secret values appear in the inputs of the error tests below; no error
// may contain any of them.
var secrets = []string{"山田", "Yamada", "taro@example.jp", "03-1234-5678", "C0001", "yamada"}

func checkNoSecrets(t *testing.T, err error) {
	t.Helper()
	for _, s := range secrets {
		if strings.Contains(err.Error(), s) {
			t.Errorf("error %q contains the customer value %q", err, s)
		}
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name, data string
		want       []string // substrings of the error
	}{
		{"no header row", "C0001,山田 太郎,taro@example.jp,03-1234-5678\n", []string{"data.csv:1", "header row", "no ID column"}},
		{"no ID column", "name,email\n山田,taro@example.jp\n", []string{"data.csv:1", "no ID column"}},
		{"nothing to match", "id,notes\nC0001,Yamada\n", []string{"data.csv:1", "no name, kana, email, phone or address"}},
		{"company alone", "id,company\nC0001,Yamada\n", []string{"data.csv:1", "no name, kana, email, phone or address"}},
		{"empty ID", "id,name\nC0002,Ann Lee\n,Yamada\n", []string{"data.csv:3", "empty ID"}},
		{"unbalanced quote", "id,name\nC0001,\"Yamada\n", []string{"data.csv:2", "quote"}},
		{"bare quote", "id,name\nC0001,Ya\"mada\n", []string{"data.csv:2", "quote"}},
		{"empty file", "", []string{"data.csv", "empty"}},
		{"utf-16", "\xff\xfei\x00d\x00", []string{"UTF-16"}},
		{"long field", "id,name\nC0001," + strings.Repeat("y", MaxFieldBytes+1) + "\n", []string{"data.csv:2", "longer than"}},
		{"long line", "id,name\nC0001,\"" + strings.Repeat("yamada", maxLineBytes/6+10), []string{"data.csv", "longer than"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(tt.data), "data.csv", Columns{})
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			checkNoSecrets(t, err)
		})
	}
}

func TestInvalidUTF8AfterSniff(t *testing.T) {
	// The first MiB is ASCII, so the file is read as UTF-8; a Shift_JIS
	// name further down is an error naming its line, not a silent mangle.
	var b bytes.Buffer
	b.WriteString("id,name\n")
	n := 0
	for b.Len() < sniffBytes+100 {
		n++
		b.WriteString("C1,Ann Lee\n")
	}
	sj, _ := japanese.ShiftJIS.NewEncoder().String("C0001,山田\n")
	b.WriteString(sj)
	_, err := Parse(&b, "big.csv", Columns{})
	if err == nil || !strings.Contains(err.Error(), "not valid UTF-8") {
		t.Fatalf("err = %v", err)
	}
	checkNoSecrets(t, err)
}

func TestBlankRowsSkipped(t *testing.T) {
	l := parse(t, "id,name\r\nA1,Ann Lee\r\n,,\r\n\r\n  ,　\r\nA2,Bo Li\r\n", Columns{})
	if l.Len() != 2 {
		t.Errorf("Len() = %d, want 2: %+v", l.Len(), l.Records)
	}
}

func TestReadError(t *testing.T) {
	boom := errors.New("disk on fire")
	_, err := Parse(io.MultiReader(strings.NewReader("id,name\nA1,Ann\n"), &errReader{boom}), "r.csv", Columns{})
	if !errors.Is(err, boom) {
		t.Errorf("err = %v, want %v", err, boom)
	}
}

type errReader struct{ err error }

func (e *errReader) Read([]byte) (int, error) { return 0, e.err }

func TestLoadMissingFile(t *testing.T) {
	if _, err := Load(filepath.Join(t.TempDir(), "nope.csv"), Columns{}); err == nil {
		t.Error("no error for a missing file")
	}
}

func FuzzParseCustomers(f *testing.F) {
	f.Add([]byte("customer_id,name,name_kana,email,phone\r\nC0001,山田 太郎,ヤマダ タロウ,taro@example.jp,03-1234-5678\r\n"))
	f.Add([]byte("\xEF\xBB\xBFid,name\nA,\"q\"\"uote\"\n"))
	f.Add([]byte("\x8c\xda\x8bqID,\x8e\x81\x96\xbc\r\n1,\x87\x40\r\n"))
	f.Add([]byte("id,name\n,\n\"unterminated"))
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := Parse(bytes.NewReader(data), "fuzz.csv", Columns{})
		if err != nil {
			return
		}
		if _, ok := l.Header[FieldID]; !ok {
			t.Fatal("list without an ID column")
		}
		for _, r := range l.Records {
			if r.ID == "" {
				t.Fatalf("record without ID: %+v", r)
			}
			for f, v := range r.Values {
				if v == "" || f == FieldID {
					t.Fatalf("bad value %s=%q", f, v)
				}
			}
		}
	})
}
