package detect

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"

	"github.com/dlprelay/dlprelay/detect/customers"
)

var (
	surnames = []string{"山田", "佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "中村", "小林", "加藤",
		"吉田", "山本", "松本", "井上", "木村", "林", "清水", "山崎", "森", "池田",
		"橋本", "阿部", "石川", "山下", "中島", "石井", "小川", "前田", "岡田", "長谷川"}
	surnamesKana = []string{"ヤマダ", "サトウ", "スズキ", "タカハシ", "タナカ", "イトウ", "ワタナベ", "ナカムラ", "コバヤシ", "カトウ",
		"ヨシダ", "ヤマモト", "マツモト", "イノウエ", "キムラ", "ハヤシ", "シミズ", "ヤマザキ", "モリ", "イケダ",
		"ハシモト", "アベ", "イシカワ", "ヤマシタ", "ナカジマ", "イシイ", "オガワ", "マエダ", "オカダ", "ハセガワ"}
	givens     = []string{"太郎", "花子", "一郎", "美咲", "健太", "さくら", "翔太", "陽子", "大輔", "真由美", "拓海", "結衣", "蓮", "彩", "悠斗"}
	givensKana = []string{"タロウ", "ハナコ", "イチロウ", "ミサキ", "ケンタ", "サクラ", "ショウタ", "ヨウコ", "ダイスケ", "マユミ", "タクミ", "ユイ", "レン", "アヤ", "ユウト"}
	latinFirst = []string{"ann", "john", "maria", "oliver", "emma", "lucas", "sophie", "liam", "mia", "noah", "olivia", "ethan"}
	latinLast  = []string{"lee", "smith", "garcia", "brown", "wilson", "martin", "muller", "kowalski", "dubois", "rossi", "silva", "nguyen"}
)

// genList makes a list of n fictional customers: 80% Japanese names, 20%
// Latin, every email, phone and ID distinct, names repeating as in life.
func genList(n int) *customers.List {
	rng := rand.New(rand.NewPCG(42, uint64(n)))
	l := &customers.List{Records: make([]customers.Record, n), Source: "generated", Encoding: "utf-8"}
	for i := range l.Records {
		var name, kana, email string
		if i%5 != 4 {
			s, g := rng.IntN(len(surnames)), rng.IntN(len(givens))
			name = surnames[s] + " " + givens[g]
			kana = surnamesKana[s] + " " + givensKana[g]
			email = fmt.Sprintf("user%07d@example.jp", i)
		} else {
			f, la := latinFirst[rng.IntN(len(latinFirst))], latinLast[rng.IntN(len(latinLast))]
			name = strings.ToUpper(f[:1]) + f[1:] + " " + strings.ToUpper(la[:1]) + la[1:]
			email = fmt.Sprintf("%s.%s%d@example.com", f, la, i)
		}
		l.Records[i] = customers.Record{
			ID: fmt.Sprintf("K%08d", i),
			Values: map[customers.Field]string{
				customers.FieldName:  name,
				customers.FieldKana:  kana,
				customers.FieldEmail: email,
				customers.FieldPhone: fmt.Sprintf("0%d0-%04d-%04d", 7+i%3, (i/10000)%10000, i%10000),
			},
		}
		if kana == "" {
			delete(l.Records[i].Values, customers.FieldKana)
		}
	}
	return l
}

// message20KB builds a ~20 KB multipart message: a Japanese and English
// plain part, an HTML alternative, and a small base64 CSV attachment, with
// five customer rows among ordinary business text.
func message20KB(l *customers.List) []byte {
	filler := "本日はお忙しい中ありがとうございました。来週の打ち合わせについてご連絡いたします。" +
		"Please find the agenda for next week's review attached; the numbers are preliminary. "
	var plain strings.Builder
	for plain.Len() < 9500 {
		plain.WriteString(filler)
		plain.WriteString("\r\n")
	}
	rows := ""
	for _, i := range []int{10, 2000, 30000, 45000, 99999 % len(l.Records)} {
		r := l.Records[i]
		rows += fmt.Sprintf("%s,%s,%s,%s\r\n", r.ID, r.Values[customers.FieldName], r.Values[customers.FieldEmail], r.Values[customers.FieldPhone])
	}
	html := "<html><body><p>" + strings.ReplaceAll(plain.String(), "\r\n", "</p><p>") + "</p></body></html>"
	attach := base64.StdEncoding.EncodeToString([]byte("id,name,email,phone\r\n" + rows))
	var b strings.Builder
	b.WriteString("From: Sales <sales@dlprelay.example>\r\nTo: Agency <agency@outside.example>\r\n" +
		"Subject: =?UTF-8?B?5omT44Gh5ZCI44KP44Gb?=\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n--outer\r\n" +
		"Content-Type: multipart/alternative; boundary=\"alt\"\r\n\r\n--alt\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
	b.WriteString(plain.String())
	b.WriteString(rows)
	b.WriteString("\r\n--alt\r\nContent-Type: text/html; charset=utf-8\r\n\r\n")
	b.WriteString(html)
	b.WriteString("\r\n--alt--\r\n--outer\r\nContent-Type: text/csv; name=\"rows.csv\"\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	for i := 0; i < len(attach); i += 76 {
		b.WriteString(attach[i:min(i+76, len(attach))] + "\r\n")
	}
	b.WriteString("--outer--\r\n")
	return []byte(b.String())
}

// BenchmarkScan20KB scans a 20 KB message against 100,000 customers.
func BenchmarkScan20KB(b *testing.B) {
	l := genList(100000)
	s, err := NewScanner(l, DefaultLimits())
	if err != nil {
		b.Fatal(err)
	}
	msg := message20KB(l)
	res, err := s.Scan(context.Background(), bytes.NewReader(msg))
	if err != nil {
		b.Fatal(err)
	}
	if len(res.Records) < 5 {
		b.Fatalf("found %d records, want at least the 5 planted", len(res.Records))
	}
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := s.Scan(context.Background(), bytes.NewReader(msg)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkScan20KBParallel is BenchmarkScan20KB from GOMAXPROCS
// goroutines sharing one Scanner.
func BenchmarkScan20KBParallel(b *testing.B) {
	l := genList(100000)
	s, err := NewScanner(l, DefaultLimits())
	if err != nil {
		b.Fatal(err)
	}
	msg := message20KB(l)
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := s.Scan(context.Background(), bytes.NewReader(msg)); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse
}

// BenchmarkNewScanner builds Scanners for 100k and 1M customers and reports
// the heap they keep (MB-scanner, the list itself excluded) and the peak
// heap seen after the build (MB-total: list plus scanner).
func BenchmarkNewScanner(b *testing.B) {
	for _, n := range []int{100000, 1000000} {
		b.Run(fmt.Sprintf("rows=%d", n), func(b *testing.B) {
			l := genList(n)
			base := heapInUse()
			var s *Scanner
			for b.Loop() {
				s = nil
				var err error
				if s, err = NewScanner(l, DefaultLimits()); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			after := heapInUse()
			b.ReportMetric(float64(after-base)/(1<<20), "MB-scanner")
			b.ReportMetric(float64(after)/(1<<20), "MB-total")
			b.ReportMetric(float64(s.Patterns()), "patterns")
			b.ReportMetric(float64(s.spaced.States()+s.compact.States()), "states")
			runtime.KeepAlive(s)
			runtime.KeepAlive(l)
		})
	}
}

// BenchmarkParseCustomers100k parses a generated 100k-row CSV.
func BenchmarkParseCustomers100k(b *testing.B) {
	l := genList(100000)
	var csv bytes.Buffer
	csv.WriteString("customer_id,name,name_kana,email,phone\r\n")
	for _, r := range l.Records {
		fmt.Fprintf(&csv, "%s,%s,%s,%s,%s\r\n", r.ID, r.Values[customers.FieldName], r.Values[customers.FieldKana], r.Values[customers.FieldEmail], r.Values[customers.FieldPhone])
	}
	b.SetBytes(int64(csv.Len()))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := customers.Parse(bytes.NewReader(csv.Bytes()), "gen.csv", customers.Columns{}); err != nil {
			b.Fatal(err)
		}
	}
}
