package rtf

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the .want.txt goldens of testdata")

// TestGolden reads every fixture in testdata (made by testdata/src/gen.py:
// LibreOffice's RTF export and hand-made Word, OLE1 object and
// encapsulated-HTML documents) and compares what it emits with
// NAME.want.txt. A mismatch writes NAME.got.txt beside it; -update
// rewrites the goldens.
func TestGolden(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join("testdata", "*.rtf"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			t.Parallel()
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			got := render(read(t, string(b), Limits{}))
			base := strings.TrimSuffix(f, ".rtf")
			if *update {
				if err := os.WriteFile(base+".want.txt", []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(base + ".want.txt")
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if got != string(want) {
				_ = os.WriteFile(base+".got.txt", []byte(got), 0o644)
				t.Errorf("output differs from %s.want.txt; see %s.got.txt", base, base)
			} else {
				_ = os.Remove(base + ".got.txt")
			}
		})
	}
}

// TestGoldenContent checks, apart from the goldens, what each fixture must
// give: the customer rows on one line each, Japanese as users see it,
// the items a DLP scan needs.
func TestGoldenContent(t *testing.T) {
	t.Parallel()
	cases := []struct {
		file string
		want map[string][]string // item name: substrings
	}{
		{"01-libreoffice.rtf", map[string][]string{
			"body": {"山田 太郎\t03-1234-5678\ttaro.yamada@example.jp\n", "John Smith\t+81-90-2468-1357\tjohn.smith@example.com\n",
				"秘密の口座 1234567", "mailto:taro.yamada@example.jp\n", "𠮷野家", "電話 03-1234-5678"},
			"info":       {"title: 顧客一覧 Q3\n", "author: 佐藤 花子\n", "doccomm: hanako.sato@example.co.jp が作成"},
			"header":     {"社外秘 — 株式会社サンプル 営業部"},
			"footer":     {"support@example.jp"},
			"footnote 1": {"鈴木 一郎 090-9876-5432"},
			"comment 1":  {"コメント: 090-1111-2222 を確認"},
		}},
		{"02-word-cp932.rtf", map[string][]string{
			"body": {"ご担当：山田 太郎（営業部）\n", "表計算ソフト\n", "吉田 一郎 090-9876-5432", "中文 Привет",
				"山田 太郎\t03-1234-5678\ttaro.yamada@example.jp\n", "花子さん hidden 4111-1111-1111-1111\nmailto:hanako@example.jp\n"},
			"info":   {"title: 顧客名簿\n", "company: 株式会社サンプル\n"},
			"footer": {"社外秘"},
		}},
		{"03-objects.rtf", map[string][]string{
			"object 2 (Package: list.csv)": {"山田 太郎,03-1234-5678,taro.yamada@example.jp"},
			"object 1 (Excel.Sheet.8)":     {"\xd0\xcf\x11\xe0"},
		}},
		{"04-fromhtml.rtf", map[string][]string{
			"body.html": {"<p>山田様&nbsp;03-1234-5678<br><a href=\"mailto:taro.yamada@example.jp\">taro.yamada@example.jp</a></p>",
				"<p>RTF-only text follows.— done<o:p></o:p></p>", `<img src="image001.png">`},
		}},
	}
	for _, c := range cases {
		b, err := os.ReadFile(filepath.Join("testdata", c.file))
		if err != nil {
			t.Fatal(err)
		}
		items, err := read(t, string(b), Limits{})
		if err != nil {
			t.Errorf("%s: %v", c.file, err)
		}
		for name, subs := range c.want {
			data, ok := item(items, name)
			if !ok {
				t.Errorf("%s: no item %q (got %s)", c.file, name, render(items, nil))
				continue
			}
			for _, s := range subs {
				if !strings.Contains(data, s) {
					t.Errorf("%s: item %q lacks %q:\n%s", c.file, name, s, data)
				}
			}
		}
		for _, it := range items {
			if strings.Contains(it.data, "SKIPPED") || strings.Contains(it.data, "89504e47") || strings.Contains(it.data, "bkmk") || strings.Contains(it.data, "secret") {
				t.Errorf("%s: item %q has text that is not the document's:\n%s", c.file, it.name, it.data)
			}
		}
	}
}
