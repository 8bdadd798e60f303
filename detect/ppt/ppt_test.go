package ppt

import (
	"bytes"
	"compress/zlib"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/richardlehane/mscfb"
)

var update = flag.Bool("update", false, "rewrite the .want.txt goldens of testdata")

// read runs Read on b and renders what it emitted: "== slide 1" and the
// text, "== file NAME: N bytes, sha256 X" for a file, "error: ..." at the
// end.
func read(t testing.TB, b []byte, lim Limits) (string, error) {
	t.Helper()
	var sb strings.Builder
	err := Read(context.Background(), bytes.NewReader(b), int64(len(b)), lim, func(it Item) error {
		d, err := io.ReadAll(it.R)
		if err != nil {
			return err
		}
		if it.Kind == ItemText {
			fmt.Fprintf(&sb, "== %s\n%s", it.Name, d)
		} else {
			fmt.Fprintf(&sb, "== file %s: %d bytes, sha256 %x\n", it.Name, len(d), sha256.Sum256(d))
		}
		return nil
	})
	if err != nil {
		fmt.Fprintf(&sb, "error: %v\n", err)
	}
	return sb.String(), err
}

// TestGolden reads every testdata/*.ppt (made by LibreOffice from
// testdata/src, see gen.sh) and compares with NAME.want.txt. A mismatch
// writes NAME.got.txt beside it; -update rewrites the goldens.
func TestGolden(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join("testdata", "*.ppt"))
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
			got, _ := read(t, b, Limits{})
			base := strings.TrimSuffix(f, ".ppt")
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

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestLibreOfficeDeck checks, beyond the golden, what a DLP scan must see
// in a PowerPoint 97 deck: the customer row, the comment and its author,
// the speaker notes, a mailto: target the slide does not show.
func TestLibreOfficeDeck(t *testing.T) {
	t.Parallel()
	got, err := read(t, fixture(t, "deck.ppt"), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"== document\nmailto:sales@example.jp\n",
		"== slide 1\n顧客リスト 2026年12月\n山田 太郎,03-1234-5678,taro.yamada@example.jp\n",
		"佐藤 花子\nコメント: 090-1111-2222 に確認\n",
		"Café Müller – €12.50, phone 0312345678\n",
		"Speaker notes: 鈴木 一郎 080-3333-4444 suzuki@example.jp\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}
}

// TestLibreOfficeObject: an embedded spreadsheet is an ExOleObjStg whose
// inflated data is a compound file.
func TestLibreOfficeObject(t *testing.T) {
	t.Parallel()
	b := fixture(t, "object.ppt")
	var files int
	err := Read(context.Background(), bytes.NewReader(b), int64(len(b)), Limits{}, func(it Item) error {
		d, err := io.ReadAll(it.R)
		if it.Kind == ItemFile {
			files++
			if it.Name != "object 1" || !Is(d) || err != nil {
				t.Errorf("%s: % x, %v", it.Name, d[:min(8, len(d))], err)
			}
		}
		return nil
	})
	if err != nil || files != 1 {
		t.Fatalf("%d files, err %v", files, err)
	}
}

// TestRecords: text atoms, CStrings where they hold user text, binary
// tags and embedded objects, on presentations built to the spec.
func TestRecords(t *testing.T) {
	t.Parallel()
	obj := append(append([]byte(nil), cfbMagic...), "山田 太郎,03-1234-5678"...)
	objWant := fmt.Sprintf("== file object 1: %d bytes, sha256 %x\n== file object 2: %[1]d bytes, sha256 %[2]x\n", len(obj), sha256.Sum256(obj))
	tests := []struct {
		name string
		recs [][]byte
		want string
	}{
		{"chars and bytes", [][]byte{container(rtSlide, container(0xF00D, chars("山田 太郎\r03-1234-5678\vx\x01"), latin("Caf\xe9 M\xfcller")))},
			"== slide 1\n山田 太郎\n03-1234-5678\nx\nCafé Müller\n"},
		{"surrogates", [][]byte{container(rtNotes, chars("𠮷野家"))}, "== notes 1\n𠮷野家\n"},
		{"lone surrogate", [][]byte{container(rtSlide, rec(0, 0, rtTextCharsAtom, []byte{0x3D, 0xD8, 'a', 0}))}, "== slide 1\n\uFFFDa\n"},
		{"comment", [][]byte{container(rtSlide, container(rtComment10, cstring(0, "佐藤 花子"), cstring(1, "090-1111-2222"), cstring(2, "SH")))},
			"== slide 1\n佐藤 花子\n090-1111-2222\nSH\n"},
		{"binary tag", [][]byte{container(rtSlide, container(0x1388, container(0x138A, cstring(0, "___PPT10"), rec(0, 0, rtBinaryTagData, container(rtComment10, cstring(1, "note"))))))},
			"== slide 1\nnote\n"},
		{"hyperlink", [][]byte{container(rtDocument, container(0x0FD7, cstring(0, "mailto:a@example.jp"), cstring(1, "mailto:a@example.jp"), cstring(3, "")))},
			"== document\nmailto:a@example.jp\n"},
		{"other CStrings", [][]byte{container(rtDocument, container(0x0FCC, cstring(0, "Excel.Sheet.8")))}, ""},
		{"order and names", [][]byte{container(rtMainMaster, chars("m")), container(rtSlide, chars("s1")), container(rtNotes, chars("n1")), container(rtSlide, chars("s2")), container(0x1772)},
			"== master 1\nm\n== slide 1\ns1\n== notes 1\nn1\n== slide 2\ns2\n"},
		{"object", [][]byte{oleStg(obj, false), oleStg(obj, true)}, objWant},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := read(t, makePPT(nil, tt.recs...), Limits{})
			if err != nil || got != tt.want {
				t.Errorf("got %q, %v\nwant %q", got, err, tt.want)
			}
		})
	}
}

// bombOf is an ExOleObjStg of mib MiB of zeros (about 1 KB compressed a
// MiB), claiming 4 GB.
func bombOf(mib int) []byte {
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zero := make([]byte, 1<<20)
	for i := 0; i < mib; i++ {
		zw.Write(zero)
	}
	zw.Close()
	return rec(0, 1, rtExOleObjStg, binary.LittleEndian.AppendUint32(nil, 0xFFFFFFFF), z.Bytes())
}

// bomb is the heap test's: 256 MiB of zeros in about 250 KB.
var bomb = sync.OnceValue(func() []byte { return bombOf(256) })

func TestErrors(t *testing.T) {
	t.Parallel()
	deck := fixture(t, "deck.ppt")
	word, err := os.ReadFile(filepath.Join("..", "doc", "testdata", "letter.doc"))
	if err != nil {
		t.Fatal(err)
	}
	encrypted := bytes.Clone(deck)
	i := bytes.Index(encrypted, binary.LittleEndian.AppendUint32(nil, 0xE391C05F))
	if i < 0 {
		t.Fatal("no CurrentUserAtom in deck.ppt")
	}
	binary.LittleEndian.PutUint32(encrypted[i:], encryptedUserToken)
	deep := chars("too deep")
	for i := 0; i < 40; i++ {
		deep = container(rtSlide, deep)
	}
	past := container(rtSlide, chars("xyz"))
	binary.LittleEndian.PutUint32(past[4:], 12) // the atom's header and 4 of its 6 bytes
	short := oleStg([]byte("0123456789"), true)
	binary.LittleEndian.PutUint32(short[8:], 100)
	tests := []struct {
		name string
		b    []byte
		want error
	}{
		{"empty", nil, ErrCorrupt},
		{"not a compound file", []byte(strings.Repeat("slide ", 200)), ErrCorrupt},
		{"truncated", deck[:len(deck)/3], ErrCorrupt},
		{"encrypted (Current User)", encrypted, ErrEncrypted},
		{"encrypted (EncryptedSummary)", makePPT([]*cfbNode{stream("EncryptedSummary", []byte{1})}, container(rtSlide, chars("x"))), ErrEncrypted},
		{"encrypted (CryptSession10Container)", makePPT(nil, container(rtDocument, chars("x")), container(rtCryptSession10, rec(0, 0, 0x2F15, []byte("rc4")))), ErrEncrypted},
		{"word document", word, ErrUnsupported},
		{"record past the stream", makePPT(nil, container(rtSlide, chars("x")), []byte{0x0F, 0, 0xEE, 3, 0xFF, 0xFF, 0xFF, 0x7F}), ErrCorrupt},
		{"atom past its container", makePPT(nil, past), ErrCorrupt},
		{"too deep", makePPT(nil, deep), ErrCorrupt},
		{"object short of its size", makePPT(nil, short), ErrCorrupt},
		{"object not zlib", makePPT(nil, rec(0, 1, rtExOleObjStg, []byte{10, 0, 0, 0, 'n', 'o', 't', ' ', 'z'})), ErrCorrupt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := read(t, tt.b, Limits{})
			if !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestLimits(t *testing.T) {
	t.Parallel()
	b := fixture(t, "deck.ppt")
	count := func(b []byte, lim Limits) (int64, int, error) {
		var n int64
		items := 0
		err := Read(context.Background(), bytes.NewReader(b), int64(len(b)), lim, func(it Item) error {
			m, _ := io.Copy(io.Discard, it.R)
			n += m
			items++
			return nil
		})
		return n, items, err
	}
	if n, _, err := count(b, Limits{MaxOutput: 100}); !errors.Is(err, ErrLimit) || n > 100 {
		t.Errorf("MaxOutput: err %v, %d bytes", err, n)
	}
	if _, items, err := count(b, Limits{MaxItems: 2}); !errors.Is(err, ErrLimit) || items != 2 {
		t.Errorf("MaxItems: err %v, %d items", err, items)
	}
	z := bombOf(16)
	compressed := int64(len(z) - 12)
	n, _, err := count(makePPT(nil, z), Limits{MaxOutput: 1 << 30, MaxRatio: 10})
	if !errors.Is(err, ErrLimit) || n != compressed*10 {
		t.Errorf("bomb: err %v, %d bytes (compressed %d)", err, n, compressed)
	}
	n, _, err = count(makePPT(nil, z), Limits{MaxOutput: 1 << 20})
	if !errors.Is(err, ErrLimit) || n != 1<<20 {
		t.Errorf("bomb past MaxOutput: err %v, %d bytes", err, n)
	}
	obj := bytes.Repeat([]byte("x"), 5000)
	if n, _, err := count(makePPT(nil, oleStg(obj, false)), Limits{MaxOutput: 1000}); !errors.Is(err, ErrLimit) || n != 1000 {
		t.Errorf("stored object past MaxOutput: err %v, %d bytes", err, n)
	}
}

func TestEmitErrorAndContext(t *testing.T) {
	t.Parallel()
	b := fixture(t, "deck.ppt")
	stop := errors.New("stop")
	if err := Read(context.Background(), bytes.NewReader(b), int64(len(b)), Limits{}, func(Item) error { return stop }); err != stop {
		t.Errorf("emit error: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Read(ctx, bytes.NewReader(b), int64(len(b)), Limits{}, func(Item) error { return nil }); err != context.Canceled {
		t.Errorf("canceled: %v", err)
	}
}

func TestIs(t *testing.T) {
	if !Is(fixture(t, "deck.ppt")) || Is([]byte("PK\x03\x04")) || Is(nil) {
		t.Error("Is")
	}
}

func TestHeapBound(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("memory")
	}
	const bound = 64 << 20
	// Text atoms whose containers nest as deep as allowed, repeated: the
	// text of one top-level record is held whole (at most twice its
	// bytes).
	nested := chars(strings.Repeat("山田 太郎,03-1234-5678,taro.yamada@example.jp\r", 20000))
	for i := 0; i < DefaultMaxDepth-1; i++ {
		nested = container(rtSlide, nested)
	}
	inputs := map[string][]byte{
		"zlib bomb":       makePPT(nil, bomb(), bomb()),
		"nested text":     makePPT(nil, nested, nested, nested),
		"huge record len": makePPT(nil, container(rtSlide, chars("x")), []byte{0x0F, 0, 0xEE, 3, 0xFF, 0xFF, 0xFF, 0xFF}),
	}
	for name, b := range inputs {
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		var peak atomic.Uint64
		stop := make(chan struct{})
		done := make(chan struct{})
		go func() {
			defer close(done)
			var m runtime.MemStats
			for {
				runtime.ReadMemStats(&m)
				if m.HeapInuse > peak.Load() {
					peak.Store(m.HeapInuse)
				}
				select {
				case <-stop:
					return
				case <-time.After(5 * time.Millisecond):
				}
			}
		}()
		var out int64
		err := Read(context.Background(), bytes.NewReader(b), int64(len(b)), Limits{}, func(it Item) error {
			n, _ := io.Copy(io.Discard, it.R)
			out += n
			return nil
		})
		close(stop)
		<-done
		growth := int64(peak.Load()) - int64(before.HeapInuse)
		t.Logf("%s: %d bytes in, %d out, err %v, heap peak growth %d MiB", name, len(b), out, err, growth>>20)
		if growth > bound {
			t.Errorf("%s: heap grew %d MiB, bound %d MiB", name, growth>>20, bound>>20)
		}
	}
}

// BenchmarkRead10MB reads a 10 MB presentation built to the spec: 2000
// slides of Japanese customer rows, each with its notes.
func BenchmarkRead10MB(b *testing.B) {
	row := strings.Repeat("山田 太郎,03-1234-5678,taro.yamada@example.jp\r", 50)
	var recs [][]byte
	for i := 0; i < 1000; i++ {
		recs = append(recs, container(rtSlide, container(0xF002, container(0xF00D, chars(row)))), container(rtNotes, chars("notes "+row)))
	}
	p := makePPT(nil, recs...)
	b.SetBytes(int64(len(p)))
	b.ReportAllocs()
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	var peak atomic.Uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			if m.HeapInuse > peak.Load() {
				peak.Store(m.HeapInuse)
			}
			select {
			case <-stop:
				return
			case <-time.After(time.Millisecond):
			}
		}
	}()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		err := Read(context.Background(), bytes.NewReader(p), int64(len(p)), Limits{}, func(it Item) error {
			_, err := io.Copy(io.Discard, it.R)
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	close(stop)
	<-done
	b.ReportMetric(float64(int64(peak.Load())-int64(base.HeapInuse))/(1<<20), "peak-heap-growth-MiB")
}

// small rewrites a LibreOffice fixture without its 440 KB thumbnail: its
// PowerPoint Document and Current User streams in a compound file of their
// own (the fuzzer chokes on half-megabyte seeds).
func small(t testing.TB, name string) []byte {
	b := fixture(t, name)
	d, err := mscfb.New(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	var nodes []*cfbNode
	for _, f := range d.File {
		if f.Name == "PowerPoint Document" || f.Name == "Current User" {
			data, err := io.ReadAll(f)
			if err != nil {
				t.Fatal(err)
			}
			nodes = append(nodes, stream(f.Name, data))
		}
	}
	return buildCFB(nodes...)
}

func TestSmall(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"deck.ppt", "object.ppt"} {
		a, _ := read(t, fixture(t, name), Limits{})
		b, _ := read(t, small(t, name), Limits{})
		if a != b {
			t.Errorf("%s rewritten reads otherwise:\n%s\nvs\n%s", name, a, b)
		}
	}
}

func FuzzRead(f *testing.F) {
	for _, name := range []string{"deck.ppt", "object.ppt"} {
		f.Add(small(f, name))
	}
	f.Add(makePPT(nil, container(rtSlide, chars("a\rb"), latin("c"), container(rtComment10, cstring(1, "d"))), oleStg([]byte("obj"), true), oleStg([]byte("obj"), false)))
	f.Fuzz(func(t *testing.T, b []byte) {
		var out int64
		lim := Limits{MaxOutput: 1 << 20, MaxItems: 50}
		start := time.Now()
		defer func() {
			if d := time.Since(start); d > 10*time.Second {
				t.Fatalf("slow: %v", d)
			}
		}()
		err := Read(context.Background(), bytes.NewReader(b), int64(len(b)), lim, func(it Item) error {
			n, _ := io.Copy(io.Discard, it.R)
			out += n
			return nil
		})
		if out > lim.MaxOutput {
			t.Fatalf("%d bytes out, MaxOutput %d", out, lim.MaxOutput)
		}
		if err != nil && !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrLimit) && !errors.Is(err, ErrEncrypted) && !errors.Is(err, ErrUnsupported) {
			t.Fatalf("error wraps no sentinel: %v", err)
		}
	})
}
