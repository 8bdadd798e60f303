package detect

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/dlprelay/dlprelay/detect/customers"
	"github.com/dlprelay/dlprelay/detect/internal/aho"
	"github.com/dlprelay/dlprelay/detect/normalize"
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
func BenchmarkScan20KB(b *testing.B) { benchScanMessage(b, message20KB) }

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

// cpuTimer reports, besides the wall-clock MB/s of the testing package, the
// MB/s per second of CPU time the process used (user + system, GC
// included): on a shared 2-vCPU machine wall time measures the neighbours
// too, CPU time measures the work.
type cpuTimer struct{ start time.Duration }

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func startCPU() cpuTimer { return cpuTimer{cpuTime()} }

func (c cpuTimer) report(b *testing.B, bytesPerOp int64) {
	d := cpuTime() - c.start
	if d > 0 {
		b.ReportMetric(float64(bytesPerOp)*float64(b.N)/d.Seconds()/1e6, "MB/cpu-s")
	}
}

func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse
}

// BenchmarkNewScanner builds Scanners for 100k and 1M customers and reports
// the heap they keep (MB-scanner, the list itself excluded), the heap in
// use after the build (MB-total: list plus scanner) and the CPU time of a
// build (cpu-s/op, GC included: wall time on a shared machine measures the
// neighbours too).
func BenchmarkNewScanner(b *testing.B) {
	for _, n := range []int{100000, 1000000} {
		b.Run(fmt.Sprintf("rows=%d", n), func(b *testing.B) {
			l := genList(n)
			base := heapInUse()
			var s *Scanner
			cpu := cpuTime()
			for b.Loop() {
				s = nil
				var err error
				if s, err = NewScanner(l, DefaultLimits()); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			b.ReportMetric((cpuTime()-cpu).Seconds()/float64(b.N), "cpu-s/op")
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

// Mixed business text with no customer in it: Japanese and English
// sentences drawn at random, so that a scan is mostly no-hit, as in real
// mail.
var (
	jaSentences = []string{
		"本日はお忙しい中ありがとうございました。", "来週の打ち合わせについてご連絡いたします。",
		"資料を添付いたしますので、ご確認のほどよろしくお願いいたします。", "見積書の件、承知しました。",
		"納期は来月末を予定しております。", "ご不明な点がございましたらお気軽にお問い合わせください。",
		"会議室の予約を変更しました。", "第３四半期の売上は前年同期比で１２％増加しました。",
		"システムメンテナンスのお知らせ：土曜日の午前２時から４時まで停止します。",
		"新製品のカタログをお送りします。", "請求書の発行日を確認してください。", "ｷｬﾝﾍﾟｰﾝは今週末までです。",
	}
	enSentences = []string{
		"Please find the agenda for next week's review attached. ", "The numbers are preliminary and subject to change. ",
		"Let me know if Thursday works for the follow-up call. ", "Our quarterly report is due on the 15th. ",
		"Shipping was delayed by two days because of the weather. ", "Thanks again for your help with the migration. ",
		"Version 2.4.1 fixes the login issue reported last month. ", "See https://intranet.example/wiki/Release-Notes for details. ",
	}
)

// mixedText returns n bytes of mixed Japanese and English text.
func mixedText(n int) []byte {
	rng := rand.New(rand.NewPCG(7, 7))
	b := make([]byte, 0, n+256)
	for len(b) < n {
		if rng.IntN(2) == 0 {
			b = append(b, jaSentences[rng.IntN(len(jaSentences))]...)
		} else {
			b = append(b, enSentences[rng.IntN(len(enSentences))]...)
		}
		if rng.IntN(6) == 0 {
			b = append(b, "\r\n"...)
		}
	}
	for len(b) > n && !utf8.RuneStart(b[n]) {
		n--
	}
	return b[:n]
}

// forms collects the normalized forms of a text.
type forms struct{ spaced, compact []byte }

func (f *forms) Spaced(b []byte, _ *normalize.Positions)  { f.spaced = append(f.spaced, b...) }
func (f *forms) Compact(b []byte, _ *normalize.Positions) { f.compact = append(f.compact, b...) }
func (f *forms) Phone([]byte, int64, int64)               {}

// BenchmarkAutomaton measures the two automata of a 100k-row Scanner on the
// normalized forms of 4 MiB of mixed no-hit text: bytes per second through
// the automaton, per core.
func BenchmarkAutomaton(b *testing.B) {
	s, err := NewScanner(genList(100000), DefaultLimits())
	if err != nil {
		b.Fatal(err)
	}
	text := mixedText(4 << 20)
	var f forms
	if err := normalize.Stream(bytes.NewReader(text), &f); err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		m    *aho.Matcher
		in   []byte
	}{{"spaced", s.spaced, f.spaced}, {"compact", s.compact, f.compact}} {
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(int64(len(tc.in)))
			hits := 0
			cpu := startCPU()
			for b.Loop() {
				tc.m.Scan(0, tc.in, func(int, int) { hits++ })
			}
			cpu.report(b, int64(len(tc.in)))
			b.ReportMetric(float64(hits)/float64(b.N), "matches/op")
		})
	}
}

// BenchmarkNormalize measures Stream alone on 4 MiB of mixed text.
func BenchmarkNormalize(b *testing.B) {
	text := mixedText(4 << 20)
	var f nopSink
	b.SetBytes(int64(len(text)))
	cpu := startCPU()
	for b.Loop() {
		if err := normalize.Stream(bytes.NewReader(text), f); err != nil {
			b.Fatal(err)
		}
	}
	cpu.report(b, int64(len(text)))
}

type nopSink struct{}

func (nopSink) Spaced([]byte, *normalize.Positions)  {}
func (nopSink) Compact([]byte, *normalize.Positions) {}
func (nopSink) Phone([]byte, int64, int64)           {}

// message1MB builds a ~1 MB message: a plain part and an HTML alternative
// of mixed text, a base64 text attachment and a base64 CSV attachment with
// five customer rows.
func message1MB(l *customers.List) []byte {
	plain := string(mixedText(300 << 10))
	html := "<html><body><p>" + strings.ReplaceAll(string(mixedText(250<<10)), "\r\n", "</p><p>") + "</p></body></html>"
	var rows strings.Builder
	rows.WriteString("id,name,email,phone\r\n")
	for _, i := range []int{10, 2000, 30000, 45000, 99999 % len(l.Records)} {
		r := l.Records[i]
		fmt.Fprintf(&rows, "%s,%s,%s,%s\r\n", r.ID, r.Values[customers.FieldName], r.Values[customers.FieldEmail], r.Values[customers.FieldPhone])
	}
	for rows.Len() < 150<<10 {
		fmt.Fprintf(&rows, "P%07d,product %d,%d,in stock\r\n", rows.Len(), rows.Len()%977, rows.Len()%10007)
	}
	var b strings.Builder
	b.WriteString("From: Sales <sales@dlprelay.example>\r\nTo: Agency <agency@outside.example>\r\n" +
		"Subject: =?UTF-8?B?5omT44Gh5ZCI44KP44Gb?=\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n--outer\r\n" +
		"Content-Type: multipart/alternative; boundary=\"alt\"\r\n\r\n--alt\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
	b.WriteString(plain)
	b.WriteString("\r\n--alt\r\nContent-Type: text/html; charset=utf-8\r\n\r\n")
	b.WriteString(html)
	b.WriteString("\r\n--alt--\r\n")
	attach := func(ctype, name, data string) {
		b.WriteString("--outer\r\nContent-Type: " + ctype + "; name=\"" + name + "\"\r\nContent-Disposition: attachment; filename=\"" + name + "\"\r\nContent-Transfer-Encoding: base64\r\n\r\n")
		enc := base64.StdEncoding.EncodeToString([]byte(data))
		for i := 0; i < len(enc); i += 76 {
			b.WriteString(enc[i:min(i+76, len(enc))] + "\r\n")
		}
	}
	attach("text/plain; charset=utf-8", "notes.txt", string(mixedText(120<<10)))
	attach("text/csv", "rows.csv", rows.String())
	b.WriteString("--outer--\r\n")
	return []byte(b.String())
}

// BenchmarkScan1MB scans a ~1 MB message with attachments against 100,000
// customers: MIME decoding, normalization and matching, on one core.
func BenchmarkScan1MB(b *testing.B) { benchScanMessage(b, message1MB) }

// benchScanMessage scans the message build makes from a generated list of
// 100,000 customers, and reports MB/s, MB per CPU-second and records found.
func benchScanMessage(b *testing.B, build func(*customers.List) []byte) {
	l := genList(100000)
	s, err := NewScanner(l, DefaultLimits())
	if err != nil {
		b.Fatal(err)
	}
	msg := build(l)
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
	cpu := startCPU()
	for b.Loop() {
		if _, err := s.Scan(context.Background(), bytes.NewReader(msg)); err != nil {
			b.Fatal(err)
		}
	}
	cpu.report(b, int64(len(msg)))
	b.ReportMetric(float64(len(res.Records)), "records")
}

// messageList builds a ~1 MB message whose attachment is a CSV export of
// customer rows, every row with an email and a mobile number: the worst
// case for contact finding, where every address and number is a candidate
// that turns out to be customer data.
func messageList(l *customers.List) []byte {
	var rows strings.Builder
	rows.WriteString("id,name,email,phone\r\n")
	for i := 0; rows.Len() < 1<<20; i = (i + 7919) % len(l.Records) {
		r := l.Records[i]
		fmt.Fprintf(&rows, "%s,%s,%s,%s\r\n", r.ID, r.Values[customers.FieldName], r.Values[customers.FieldEmail], r.Values[customers.FieldPhone])
	}
	var b strings.Builder
	b.WriteString("From: Sales <sales@dlprelay.example>\r\nTo: Agency <agency@outside.example>\r\n" +
		"Subject: list\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n--outer\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n\r\nThe list.\r\n" +
		"--outer\r\nContent-Type: text/csv; name=\"list.csv\"\r\nContent-Disposition: attachment; filename=\"list.csv\"\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	enc := base64.StdEncoding.EncodeToString([]byte(rows.String()))
	for i := 0; i < len(enc); i += 76 {
		b.WriteString(enc[i:min(i+76, len(enc))] + "\r\n")
	}
	b.WriteString("--outer--\r\n")
	return []byte(b.String())
}

// BenchmarkScanList scans a ~1 MB CSV export of 100,000 customers' rows,
// an email and a phone number in each.
func BenchmarkScanList(b *testing.B) { benchScanMessage(b, messageList) }
