// Command compare measures build time, heap and scan speed of public Go
// Aho-Corasick libraries on a customer-list-shaped dictionary, to justify
// detect/internal/aho (see detect/BENCH.md and the README). It is its own
// module so that these libraries stay out of dlprelay's go.mod.
//
//	go run . LIB ROWS           one measurement, one line
//	go run . -patterns F -text T ROWS
//	                            write the patterns (one a line) and the
//	                            text, for grep-rg.sh
//
// LIB is dlprelay, cloudflare, coregx, petar-dfa, petar-nfa or anknown.
// Each row gives 4 patterns (ID, email, phone digits, Japanese name with a
// number), all distinct, in the normalized forms detect uses. The text is
// 4 MiB of mixed Japanese and English business text with no customer in it
// but 8 planted values; it is scanned 3 times and the median is printed,
// per second of wall time (scan=) and of CPU time (cpu=, GC included).
// The process stops itself if its heap passes 8 GiB, so a library that
// does not fit cannot take the machine down (run-table.sh runs one
// combination at a time).
package main

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	anknown "github.com/anknown/ahocorasick"
	"github.com/cloudflare/ahocorasick"
	coregx "github.com/coregx/ahocorasick"
	"github.com/dlprelay/dlprelay/detect/internal/aho"
	petar "github.com/petar-dambovaliev/aho-corasick"
)

const maxHeap = 8 << 30

// cpuTime is the CPU time (user + system) the process used so far: on a
// shared machine it measures the work where wall time also measures the
// neighbours.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func heap() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// guard exits the process if the heap grows past maxHeap.
func guard(lib string, rows int) {
	for range time.Tick(200 * time.Millisecond) {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		if m.HeapAlloc > maxHeap {
			fmt.Printf("%s rows=%d: heap passed %d GiB, stopped (does not fit)\n", lib, rows, maxHeap>>30)
			os.Exit(3)
		}
	}
}

var (
	surnames = []string{"山田", "佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "中村", "小林", "加藤", "吉田", "山本", "松本", "井上", "木村"}
	givens   = []string{"太郎", "花子", "一郎", "美咲", "健太", "翔太", "陽子", "大輔", "真由美", "拓海", "結衣", "悠斗"}
)

// patterns returns 4 distinct patterns per row.
func patterns(rows int) []string {
	r := rand.New(rand.NewPCG(1, uint64(rows)))
	pats := make([]string, 0, 4*rows)
	for i := 0; i < rows; i++ {
		pats = append(pats,
			fmt.Sprintf(" k%08d ", i),
			fmt.Sprintf(" user%07d example jp ", i),
			fmt.Sprintf("0%d0%04d%04d", 7+i%3, (i/10000)%10000, i%10000),
			surnames[r.IntN(len(surnames))]+givens[r.IntN(len(givens))]+strconv.Itoa(i))
	}
	return pats
}

var (
	jaSentences = []string{
		"本日はお忙しい中ありがとうございました。", "来週の打ち合わせについてご連絡いたします。",
		"資料を添付いたしますので、ご確認のほどよろしくお願いいたします。", "見積書の件、承知しました。",
		"納期は来月末を予定しております。", "ご不明な点がございましたらお気軽にお問い合わせください。",
		"会議室の予約を変更しました。", "第3四半期の売上は前年同期比で12%増加しました。",
		"システムメンテナンスのお知らせ:土曜日の午前2時から4時まで停止します。",
		"新製品のカタログをお送りします。", "請求書の発行日を確認してください。", "キャンペーンは今週末までです。",
	}
	enSentences = []string{
		"please find the agenda for next week s review attached ", "the numbers are preliminary and subject to change ",
		"let me know if thursday works for the follow up call ", "our quarterly report is due on the 15th ",
		"shipping was delayed by two days because of the weather ", "thanks again for your help with the migration ",
		"version 2 4 1 fixes the login issue reported last month ", "see intranet example wiki release notes for details ",
	}
)

// text returns 4 MiB of mixed text with 8 of the patterns planted.
func text(pats []string) []byte {
	r := rand.New(rand.NewPCG(7, 7))
	const n = 4 << 20
	b := make([]byte, 0, n+256)
	for len(b) < n {
		if r.IntN(2) == 0 {
			b = append(b, jaSentences[r.IntN(len(jaSentences))]...)
		} else {
			b = append(b, enSentences[r.IntN(len(enSentences))]...)
		}
		if len(b)%(n/8) < 100 && len(pats) > 0 {
			b = append(b, pats[r.IntN(len(pats))]...)
		}
	}
	for len(b) > n && b[n]&0xC0 == 0x80 {
		b = b[:len(b)-1]
	}
	return b[:min(n, len(b))]
}

func main() {
	patFile := flag.String("patterns", "", "write the patterns to this file and exit")
	textFile := flag.String("text", "", "write the text to this file and exit")
	flag.Parse()
	if *patFile != "" || *textFile != "" {
		rows, _ := strconv.Atoi(flag.Arg(0))
		pats := patterns(rows)
		if *patFile != "" {
			// grep and rg read one pattern a line: keep the spaces.
			if err := os.WriteFile(*patFile, []byte(strings.Join(pats, "\n")+"\n"), 0o644); err != nil {
				panic(err)
			}
		}
		if *textFile != "" {
			if err := os.WriteFile(*textFile, text(pats), 0o644); err != nil {
				panic(err)
			}
		}
		return
	}
	which := flag.Arg(0)
	rows, err := strconv.Atoi(flag.Arg(1))
	if err != nil {
		fmt.Fprintln(os.Stderr, "usage: compare LIB ROWS")
		os.Exit(2)
	}
	go guard(which, rows)
	pats := patterns(rows)
	txt := text(pats)
	h0 := heap()
	t0 := time.Now()
	var scan func() int
	switch which {
	case "coregx":
		a, err := coregx.NewBuilder().AddStrings(pats).Build()
		if err != nil {
			panic(err)
		}
		scan = func() int { return len(a.FindAllOverlapping(txt)) }
	case "petar-nfa", "petar-dfa":
		b := petar.NewAhoCorasickBuilder(petar.Opts{MatchKind: petar.StandardMatch, DFA: which == "petar-dfa"})
		a := b.Build(pats)
		scan = func() int {
			it := a.IterOverlappingByte(txt)
			c := 0
			for m := it.Next(); m != nil; m = it.Next() {
				c++
			}
			return c
		}
	case "anknown":
		kw := make([][]rune, len(pats))
		for i, p := range pats {
			kw[i] = []rune(p)
		}
		var a anknown.Machine
		if err := a.Build(kw); err != nil {
			panic(err)
		}
		kw = nil
		// It matches runes: the conversion is part of its scan.
		scan = func() int { return len(a.MultiPatternSearch([]rune(string(txt)), false)) }
	case "dlprelay":
		a, err := aho.Build(pats)
		if err != nil {
			panic(err)
		}
		scan = func() int {
			c := 0
			a.Scan(0, txt, func(int, int) { c++ })
			return c
		}
	case "cloudflare":
		a := ahocorasick.NewStringMatcher(pats)
		scan = func() int { return len(a.MatchThreadSafe(txt)) }
	default:
		fmt.Fprintln(os.Stderr, "unknown LIB", which)
		os.Exit(2)
	}
	build := time.Since(t0)
	pats = nil
	h1 := heap()
	var times, cpus []time.Duration
	var c int
	for i := 0; i < 3; i++ {
		t, u := time.Now(), cpuTime()
		c = scan()
		times = append(times, time.Since(t))
		cpus = append(cpus, cpuTime()-u)
	}
	slices.Sort(times)
	slices.Sort(cpus)
	mb := float64(len(txt)) / 1e6
	fmt.Printf("%-10s rows=%-8d patterns=%-8d build=%6.1fs heap=%7.0fMB scan=%7.1fMB/s cpu=%7.1fMB/s matches=%d\n",
		which, rows, 4*rows, build.Seconds(), float64(h1-h0)/1e6, mb/times[1].Seconds(), mb/cpus[1].Seconds(), c)
}
