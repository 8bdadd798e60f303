package doc

import (
	"bytes"
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
	"sync/atomic"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the .want.txt goldens of testdata")

// read runs Read on b and renders what it emitted: "== body" and the text,
// "== file NAME: N bytes, sha256 X" for a file, "error: ..." at the end.
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
			if len(d) > 0 && d[len(d)-1] != '\n' {
				sb.WriteString("\n")
			}
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

// TestGolden reads every testdata/*.doc (made by LibreOffice from
// testdata/src, see gen.sh) and compares with NAME.want.txt. A mismatch
// writes NAME.got.txt beside it; -update rewrites the goldens.
func TestGolden(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join("testdata", "*.doc"))
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
			base := strings.TrimSuffix(f, ".doc")
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

// TestLibreOfficeLetter checks, beyond the golden, what a DLP scan must
// see in a Word 97 letter: the customer row as a table line, Japanese in
// every story, the mailto: target of a link whose text does not show it.
func TestLibreOfficeLetter(t *testing.T) {
	t.Parallel()
	got, err := read(t, fixture(t, "letter.doc"), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"== body\n",
		"山田 太郎\t03-1234-5678\ttaro.yamada@example.jp\n",
		"our support desk <mailto:support@example.jp>",
		"or https://example.jp/help.", // a link that shows its target: no repeat
		"== footnotes\n\t脚注: 口座番号 1234567 は普通預金です。",
		"== headers\n社外秘 顧客名簿 header",
		"株式会社サンプル 03-9876-5432",
		"== comments\nコメント: 鈴木 一郎 090-1111-2222 を確認",
		"== endnotes\n\tEndnote: 高橋 健 080-3333-4444",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}
	if strings.Contains(got, "HYPERLINK") {
		t.Errorf("field code leaked:\n%s", got)
	}
}

// TestLibreOfficeObject: a spreadsheet embedded by LibreOffice is an
// ObjectPool storage holding a Workbook stream, emitted as a BIFF8 file.
func TestLibreOfficeObject(t *testing.T) {
	t.Parallel()
	b := fixture(t, "object.doc")
	var names []string
	err := Read(context.Background(), bytes.NewReader(b), int64(len(b)), Limits{}, func(it Item) error {
		names = append(names, it.Name)
		d, _ := io.ReadAll(it.R)
		if it.Kind == ItemFile && (len(d) < 4 || binary.LittleEndian.Uint16(d) != 0x0809) {
			t.Errorf("%s does not start with a BIFF BOF: % x", it.Name, d[:min(8, len(d))])
		}
		return nil
	})
	if err != nil || strings.Join(names, ",") != "body,object 1/Workbook" {
		t.Fatalf("items %q, err %v", names, err)
	}
}

// TestText: Word's special characters and fields, on documents built to
// the spec (compressed and UTF-16 pieces, a pair of surrogates).
func TestText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		d    synthDoc
		want string
	}{
		{"paragraphs and breaks", synthDoc{stories: [8]string{"a\rb\vc\fd\x0ee\r"}}, "== body\na\nb\nc\nd\ne\n"},
		{"table", synthDoc{stories: [8]string{"山田 太郎\a03-1234-5678\a\a鈴木\a090\a\a"}}, "== body\n山田 太郎\t03-1234-5678\n鈴木\t090\n"},
		{"field result", synthDoc{stories: [8]string{"page \x13 PAGE \x141\x15 of \x13NUMPAGES\x152\r"}}, "== body\npage 1 of 2\n"},
		{"hyperlink", synthDoc{stories: [8]string{"\x13 HYPERLINK \\o \"tip\" \"mailto:taro@example.jp\" \x14write to us\x15\r"}}, "== body\nwrite to us <mailto:taro@example.jp>\n"},
		{"hyperlink shown", synthDoc{stories: [8]string{"\x13HYPERLINK \"mailto:taro@example.jp\"\x14taro@example.jp\x15\r"}}, "== body\ntaro@example.jp\n"},
		{"nested field in code", synthDoc{stories: [8]string{"x\x13IF \x13 REF a \x14hidden\x15 = 1 \"yes\"\x14yes\x15\r"}}, "== body\nxyes\n"},
		{"control characters", synthDoc{stories: [8]string{"\x01\x02\x05\x08a\x1eb\x1fc\r"}}, "== body\na-bc\n"},
		{"surrogates", synthDoc{stories: [8]string{"𠮷野家\r"}}, "== body\n𠮷野家\n"},
		{"compressed", synthDoc{stories: [8]string{"Café – €5\r"}, compressed: true}, "== body\nCafé – €5\n"},
		{"pieces", synthDoc{stories: [8]string{"0312345678 山田\r"}, pieceRuns: 3}, "== body\n0312345678 山田\n"},
		{"stories", synthDoc{stories: [8]string{"b\r", "f\r", "h\r", "m\r", "c\r", "e\r", "t\r", "ht\r"}},
			"== body\nb\n== footnotes\nf\n== headers\nh\n== comments\nc\n== endnotes\ne\n== text boxes\nt\n== header text boxes\nht\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := read(t, makeDoc(tt.d), Limits{})
			if err != nil || got != tt.want {
				t.Errorf("got %q, %v\nwant %q", got, err, tt.want)
			}
		})
	}
}

// TestObjects: an OLE1 package gives its file under its label; Package
// and other content streams are emitted as they are; OLE's own streams
// are not.
func TestObjects(t *testing.T) {
	t.Parallel()
	xlsx := []byte("PK\x03\x04 pretend xlsx 山田 太郎,03-1234-5678")
	d := synthDoc{stories: [8]string{"see attached\r"}, objects: []*cfbNode{
		// The label is stored in the ANSI code page: CP932 (名簿) on a
		// Japanese Windows.
		storage("_1", stream("\x01CompObj", []byte("compobj")), stream("\x01Ole10Native", ole10Native("\x96\xbc\x95\xeb.xlsx", `C:\Users\a\\x96\xbc\x95\xeb.xlsx`, xlsx))),
		storage("_2", stream("\x03ObjInfo", []byte{0}), stream("Package", []byte("PK\x03\x04docx"))),
		storage("_3", stream("\x01Ole10Native", []byte{3, 0, 0, 0, 'a', 'b', 'c'})),
	}}
	b := makeDoc(d)
	type item struct {
		name string
		data []byte
	}
	var got []item
	err := Read(context.Background(), bytes.NewReader(b), int64(len(b)), Limits{}, func(it Item) error {
		data, _ := io.ReadAll(it.R)
		got = append(got, item{it.Name, data})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 4 {
		t.Fatalf("got %d items: %q", len(got), got)
	}
	if got[1].name != "object 1/名簿.xlsx" || !bytes.Equal(got[1].data, xlsx) {
		t.Errorf("package: %q %q", got[1].name, got[1].data[:min(64, len(got[1].data))])
	}
	if got[2].name != "object 2/Package" || !bytes.HasPrefix(got[2].data, []byte("PK\x03\x04docx")) {
		t.Errorf("Package: %q %q", got[2].name, got[2].data[:min(64, len(got[2].data))])
	}
	// Not a package: the stream after its size (padded by the test's
	// compound-file writer).
	if got[3].name != "object 3/Ole10Native" || !bytes.HasPrefix(got[3].data, []byte("abc")) {
		t.Errorf("OLE1 non-package: %q %q", got[3].name, got[3].data[:8])
	}
}

// patchFIB returns a copy of the LibreOffice letter with its FIB changed.
func patchFIB(t *testing.T, f func(fib []byte)) []byte {
	t.Helper()
	b := bytes.Clone(fixture(t, "letter.doc"))
	for off := 512; off+32 < len(b); off += 512 {
		if binary.LittleEndian.Uint16(b[off:]) == wIdent && binary.LittleEndian.Uint16(b[off+2:]) >= nFib97 {
			f(b[off:])
			return b
		}
	}
	t.Fatal("no FIB in letter.doc")
	return nil
}

func TestErrors(t *testing.T) {
	t.Parallel()
	letter := fixture(t, "letter.doc")
	xls, err := os.ReadFile(filepath.Join("..", "ppt", "testdata", "object.ppt"))
	if err != nil {
		t.Fatal(err)
	}
	setFlags := func(v uint16) func([]byte) {
		return func(f []byte) { binary.LittleEndian.PutUint16(f[10:], binary.LittleEndian.Uint16(f[10:])|v) }
	}
	tests := []struct {
		name string
		b    []byte
		want error
	}{
		{"empty", nil, ErrCorrupt},
		{"not a compound file", []byte(strings.Repeat("Dear customer, ", 100)), ErrCorrupt},
		{"truncated header", letter[:600], ErrCorrupt},
		{"truncated half", letter[:len(letter)/2], ErrCorrupt},
		{"encrypted", patchFIB(t, setFlags(fEncrypted)), ErrEncrypted},
		{"obfuscated", patchFIB(t, setFlags(fEncrypted|fObfuscated)), ErrEncrypted},
		{"word 95", patchFIB(t, func(f []byte) { binary.LittleEndian.PutUint16(f[2:], 0x0068) }), ErrUnsupported},
		{"powerpoint", xls, ErrUnsupported},
		{"bad wIdent", patchFIB(t, func(f []byte) { f[0] = 0 }), ErrCorrupt},
		{"CLX past the table", patchFIB(t, func(f []byte) { binary.LittleEndian.PutUint32(f[422:], 1<<30) }), ErrCorrupt},
		{"ccp negative", patchFIB(t, func(f []byte) { binary.LittleEndian.PutUint32(f[76:], 0x80000000) }), ErrCorrupt},
		{"directory chain", longDirectory(), ErrLimit},
		{"fields too deep", makeDoc(synthDoc{stories: [8]string{strings.Repeat("\x13", 100)}}), ErrCorrupt},
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
	b := fixture(t, "letter.doc")
	var n int64
	err := Read(context.Background(), bytes.NewReader(b), int64(len(b)), Limits{MaxOutput: 100}, func(it Item) error {
		m, _ := io.Copy(io.Discard, it.R)
		n += m
		return nil
	})
	if !errors.Is(err, ErrLimit) || n > 100 || n == 0 {
		t.Errorf("MaxOutput: err %v, %d bytes", err, n)
	}
	items := 0
	err = Read(context.Background(), bytes.NewReader(b), int64(len(b)), Limits{MaxItems: 2}, func(it Item) error { items++; return nil })
	if !errors.Is(err, ErrLimit) || items != 2 {
		t.Errorf("MaxItems: err %v, %d items", err, items)
	}
	obj := makeDoc(synthDoc{stories: [8]string{"x\r"}, objects: []*cfbNode{storage("_1", stream("Package", bytes.Repeat([]byte("PK"), 5000)))}})
	n = 0
	err = Read(context.Background(), bytes.NewReader(obj), int64(len(obj)), Limits{MaxOutput: 1000}, func(it Item) error {
		m, _ := io.Copy(io.Discard, it.R)
		n += m
		return nil
	})
	if !errors.Is(err, ErrLimit) || n != 1000 {
		t.Errorf("object past MaxOutput: err %v, %d bytes", err, n)
	}
}

func TestEmitErrorAndContext(t *testing.T) {
	t.Parallel()
	b := fixture(t, "letter.doc")
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
	if !Is(fixture(t, "letter.doc")) || Is([]byte("PK\x03\x04")) || Is(nil) {
		t.Error("Is")
	}
}

// hostile is the worst input for memory found: a 1 MB body whose piece
// table lists it 4096 times over (4 GB of text from 1 MB), behind a FIB
// claiming 2^31-1 characters of body.
func hostile() []byte {
	body := strings.Repeat("山田 太郎,03-1234-5678,taro.yamada@example.jp\r", 10000)
	return makeDoc(synthDoc{stories: [8]string{body}, repeat: 4096})
}

// longDirectory is a 32 MiB compound file whose FAT chains 8184 sectors
// into one directory: 261888 directory entries if all were read.
func longDirectory() []byte {
	const ss, nFat = 4096, 8
	b := make([]byte, ss*(1+nFat*ss/4))
	copy(b, cfbMagic)
	binary.LittleEndian.PutUint16(b[24:], 0x3E)
	binary.LittleEndian.PutUint16(b[26:], 4)
	binary.LittleEndian.PutUint16(b[28:], 0xFFFE)
	binary.LittleEndian.PutUint16(b[30:], 12)
	binary.LittleEndian.PutUint16(b[32:], 6)
	binary.LittleEndian.PutUint32(b[44:], nFat)
	binary.LittleEndian.PutUint32(b[48:], nFat) // the directory starts after the FAT
	binary.LittleEndian.PutUint32(b[56:], 4096)
	binary.LittleEndian.PutUint32(b[60:], 0xFFFFFFFE)
	binary.LittleEndian.PutUint32(b[68:], 0xFFFFFFFE)
	for i := 0; i < 109; i++ {
		v := uint32(0xFFFFFFFF)
		if i < nFat {
			v = uint32(i)
		}
		binary.LittleEndian.PutUint32(b[76+4*i:], v)
	}
	fat := b[ss : ss+nFat*ss]
	for i := 0; i < nFat*ss/4; i++ {
		v := uint32(i + 1)
		switch {
		case i < nFat:
			v = 0xFFFFFFFD
		case i == nFat*ss/4-2:
			v = 0xFFFFFFFE
		}
		binary.LittleEndian.PutUint32(fat[4*i:], v)
	}
	return b
}

func TestHeapBound(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("memory")
	}
	const bound = 64 << 20
	inputs := map[string][]byte{"hostile counts": hostile()}
	inputs["directory chain"] = longDirectory()
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

// BenchmarkRead10MB reads a 10 MB document built to the spec: Japanese
// customer rows in UTF-16 pieces of 4096 characters.
func BenchmarkRead10MB(b *testing.B) {
	row := "山田 太郎\a03-1234-5678\ataro.yamada@example.jp\a\aお客様各位 Dear customer, the accounts follow.\r"
	body := strings.Repeat(row, 10<<20/(2*len([]rune(row))))
	doc := makeDoc(synthDoc{stories: [8]string{body}, pieceRuns: 4096})
	b.SetBytes(int64(len(doc)))
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
		err := Read(context.Background(), bytes.NewReader(doc), int64(len(doc)), Limits{}, func(it Item) error {
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

func FuzzRead(f *testing.F) {
	for _, name := range []string{"letter.doc", "latin.doc", "object.doc"} {
		f.Add(fixture(f, name))
	}
	f.Add(makeDoc(synthDoc{stories: [8]string{"a\a\a\x13HYPERLINK \"mailto:x\"\x14y\x15\r", "f\r"}, objects: []*cfbNode{storage("_1", stream("\x01Ole10Native", ole10Native("a.txt", "C:\\a.txt", []byte("hi"))))}}))
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
			n, err := io.Copy(io.Discard, it.R)
			out += n
			if it.Kind == ItemText && err == nil {
				return nil
			}
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
