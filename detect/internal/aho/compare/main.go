// Command compare measures build time, heap and scan time of public Go
// Aho-Corasick libraries on a customer-list-shaped dictionary, to justify
// detect/internal/aho (see the README). It is its own module so that these
// libraries stay out of dlprelay's go.mod.
//
//	go run . dlprelay|coregx|petar|bobu|cloudflare ROWS
package main

import (
	"fmt"
	"math/rand"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	bobu "github.com/BobuSumisu/aho-corasick"
	"github.com/cloudflare/ahocorasick"
	coregx "github.com/coregx/ahocorasick"
	"github.com/dlprelay/dlprelay/detect/internal/aho"
	petar "github.com/petar-dambovaliev/aho-corasick"
)

func heap() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

func main() {
	n, _ := strconv.Atoi(os.Args[2]) // customer rows; 3 patterns each
	r := rand.New(rand.NewSource(1))
	sur := []string{"山田", "佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林"}
	giv := []string{"太郎", "花子", "一郎", "次郎", "美咲", "健太", "直樹", "陽子"}
	var pats []string
	for i := 0; i < n; i++ {
		pats = append(pats, fmt.Sprintf(" c%07d ", i))
		pats = append(pats, fmt.Sprintf(" user%d example jp ", r.Int63()))
		if i%5 == 0 {
			pats = append(pats, fmt.Sprintf(" john%d smith%d ", r.Intn(1e6), r.Intn(1e6)))
		} else {
			pats = append(pats, sur[r.Intn(len(sur))]+giv[r.Intn(len(giv))]+fmt.Sprint(i%97))
		}
	}
	text := []byte(strings.Repeat("これはテスト本文です。 hello world user 123 example jp 山田太郎 ", 300))[:20480]
	which := os.Args[1]
	h0 := heap()
	t0 := time.Now()
	var scan func() int
	switch which {
	case "coregx":
		a, err := coregx.NewBuilder().AddStrings(pats).Build()
		if err != nil {
			panic(err)
		}
		scan = func() int { return len(a.FindAllOverlapping(text)) }
	case "petar":
		b := petar.NewAhoCorasickBuilder(petar.Opts{MatchKind: petar.StandardMatch, DFA: false})
		a := b.Build(pats)
		scan = func() int {
			it := a.IterOverlappingByte(text)
			c := 0
			for m := it.Next(); m != nil; m = it.Next() {
				c++
			}
			return c
		}
	case "dlprelay":
		a, err := aho.Build(pats)
		if err != nil {
			panic(err)
		}
		scan = func() int {
			c := 0
			a.Scan(0, text, func(int, int) { c++ })
			return c
		}
	case "cloudflare":
		a := ahocorasick.NewStringMatcher(pats)
		scan = func() int { return len(a.MatchThreadSafe(text)) }
	case "bobu":
		a := bobu.NewTrieBuilder().AddStrings(pats).Build()
		scan = func() int { return len(a.Match(text)) }
	}
	build := time.Since(t0)
	h1 := heap()
	t1 := time.Now()
	var c int
	for i := 0; i < 100; i++ {
		c = scan()
	}
	fmt.Printf("%s: patterns=%d build=%v heap=%.1fMB scan20KB=%v matches=%d\n", which, len(pats), build, float64(h1-h0)/1e6, time.Since(t1)/100, c)
}
