package pdf

import (
	"bytes"
	"compress/zlib"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

const fixtures = "../../testdata/attachments/pdf"

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtures, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func extract(t testing.TB, b []byte, maxBytes int64) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := Extract(context.Background(), bytes.NewReader(b), int64(len(b)), &out, maxBytes)
	return out.String(), err
}

// squash removes all white space. Extract separates runs with spaces, and
// LibreOffice starts a new run at every change of script or font, so CJK
// values can come out as "第 1 章"; tests compare with spaces removed, as a
// CJK-aware matcher would.
func squash(s string) string { return strings.Join(strings.Fields(s), "") }

func TestExtractLibreOffice(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file string
		want []string
	}{
		{"customers-ja.pdf", []string{
			"顧客連絡先一覧（社外秘）",
			"山田 太郎", "ヤマダ タロウ", "03-1234-5678", "taro.yamada@example.jp",
			"加藤 真由美", "カトウ マユミ", "090-7777-8888", "mayumi.kato@example.jp",
			"山本 結衣", "yui.yamamoto@example.jp", "080-1212-3434",
			"上記のお客様へ、来月の請求書を送付してください。",
		}},
		{"customers-en.pdf", []string{
			"Ann Lee", "+81 3 5555 0101", "ann.lee@example.com",
			"Anna Kowalski", "+81 (0)6 7777 1212",
			"Lucas Müller", "lucas.mueller@example.com", "090-9999-0000",
		}},
		// Encrypted only to restrict printing and copying: the empty user
		// password opens it.
		{"customers-en-permissions.pdf", []string{
			"John Smith", "+81-90-2468-1357", "john.smith@example.com",
		}},
		{"customers-sheet.pdf", []string{
			"氏名", "フリガナ",
			"C0001 山田 太郎 ヤマダ タロウ taro.yamada@example.jp 03-1234-5678",
			"C0018 森 モリ mori@example.jp 123",
			"John Smith", "john.smith@example.com",
		}},
		// Table cells: LibreOffice wraps a long address inside a narrow
		// cell onto two lines ("kenta.tanaka@example.j" "p"); only the
		// unwrapped ones are asserted whole.
		{"customers-table-ja.pdf", []string{
			"ご注文者リスト", "山田 太郎（03-1234-5678）",
			"田中 健太 タナカ ケンタ 045-123-4567",
			"伊藤 さくら イトウ サクラ 070-5555-6666 sakura.ito@example.jp",
			"ご不明点は sakura.ito@example.jp までお問い合わせください。",
		}},
		{"customers-long-ja.pdf", []string{
			"第1章 取引履歴", "第40章 取引履歴",
			"C0030 Lucas Müller 090-9999-0000 lucas.mueller@example.com",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			got, err := extract(t, readFixture(t, tt.file), 0)
			if err != nil {
				t.Fatalf("Extract: %v", err)
			}
			if !utf8.ValidString(got) {
				t.Errorf("output is not UTF-8")
			}
			for _, w := range tt.want {
				if !strings.Contains(squash(got), squash(w)) {
					t.Errorf("missing %q in output:\n%s", w, got)
				}
			}
		})
	}
}

func TestExtractPagesAndRuns(t *testing.T) {
	t.Parallel()
	got, err := extract(t, readFixture(t, "customers-long-ja.pdf"), 0)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(got, "\n"); n != 28 {
		t.Errorf("got %d page separators, want 28 (pages)", n)
	}
	// Runs are separated by spaces: the ID and the name are two runs.
	if !strings.Contains(got, "C0001 山田 太郎") {
		t.Errorf("runs not separated by one space:\n%.300s", got)
	}
}

func TestExtractScannedHasNoText(t *testing.T) {
	t.Parallel()
	got, err := extract(t, readFixture(t, "customers-scanned-ja.pdf"), 0)
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	if strings.TrimSpace(got) != "" {
		t.Errorf("image-only PDF gave text %q", got)
	}
}

func TestExtractEncrypted(t *testing.T) {
	t.Parallel()
	got, err := extract(t, readFixture(t, "customers-ja-encrypted.pdf"), 0)
	if !errors.Is(err, ErrEncrypted) {
		t.Fatalf("err = %v, want ErrEncrypted", err)
	}
	if got != "" {
		t.Errorf("encrypted PDF gave text %q", got)
	}
}

func TestExtractBroken(t *testing.T) {
	t.Parallel()
	ja := readFixture(t, "customers-ja.pdf")
	flipped := bytes.Clone(ja)
	for i := 1000; i < len(flipped); i += 97 {
		flipped[i] ^= 0x5a
	}
	tests := map[string][]byte{
		"empty":       nil,
		"not a pdf":   []byte("hello, world\n"),
		"header only": []byte("%PDF-1.4\n%%EOF\n"),
		"truncated":   ja[:len(ja)/2],
		"no xref":     bytes.ReplaceAll(ja, []byte("startxref"), []byte("startxxxx")),
		"flipped":     flipped,
	}
	for name, b := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := extract(t, b, 0)
			if name == "flipped" && err == nil {
				return // damage in a content stream may still decode
			}
			if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrUnsupported) {
				t.Errorf("err = %v, want ErrCorrupt or ErrUnsupported", err)
			}
		})
	}
}

func TestExtractMaxBytes(t *testing.T) {
	t.Parallel()
	b := readFixture(t, "customers-long-ja.pdf")
	for _, max := range []int64{1, 2, 10, 100, 1000, 10000} {
		got, err := extract(t, b, max)
		if err != nil {
			t.Fatalf("max %d: %v", max, err)
		}
		if int64(len(got)) > max || int64(len(got)) < max-utf8.UTFMax {
			t.Errorf("max %d: wrote %d bytes", max, len(got))
		}
		if !utf8.ValidString(got) {
			t.Errorf("max %d: cut inside a character: %q", max, got)
		}
	}
}

// cancelWriter cancels the context after its first write.
type cancelWriter struct {
	cancel context.CancelFunc
	n      int
}

func (w *cancelWriter) Write(p []byte) (int, error) {
	w.n += len(p)
	w.cancel()
	return len(p), nil
}

func TestExtractContext(t *testing.T) {
	t.Parallel()
	b := readFixture(t, "customers-long-ja.pdf")

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Extract(ctx, bytes.NewReader(b), int64(len(b)), io.Discard, 0); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled before: err = %v", err)
	}

	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	w := &cancelWriter{cancel: cancel}
	err := Extract(ctx, bytes.NewReader(b), int64(len(b)), w, 0)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("canceled during: err = %v", err)
	}
	if full, _ := extract(t, b, 0); w.n >= len(full)/2 {
		t.Errorf("canceled during: wrote %d of %d bytes", w.n, len(full))
	}
}

type failWriter struct{}

var errWrite = errors.New("disk full")

func (failWriter) Write([]byte) (int, error) { return 0, errWrite }

func TestExtractWriterError(t *testing.T) {
	t.Parallel()
	b := readFixture(t, "customers-en.pdf")
	if err := Extract(context.Background(), bytes.NewReader(b), int64(len(b)), failWriter{}, 0); !errors.Is(err, errWrite) {
		t.Errorf("err = %v, want the writer's", err)
	}
}

func TestExtractTooLarge(t *testing.T) {
	t.Parallel()
	err := Extract(context.Background(), bytes.NewReader(nil), MaxSize+1, io.Discard, 0)
	if !errors.Is(err, ErrUnsupported) {
		t.Errorf("err = %v, want ErrUnsupported", err)
	}
}

// buildPDF assembles a PDF from object bodies (object i+1 is objs[i]) with
// a correct cross-reference table; object 1 must be the catalog.
func buildPDF(objs ...string) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offs := make([]int, len(objs))
	for i, o := range objs {
		offs[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}

func stream(s string) string {
	return fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(s), s)
}

const helvetica = "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"

// craftedPDFs are hand-made files for cases LibreOffice does not produce;
// they also seed FuzzExtract.
var craftedPDFs = map[string][]byte{
	"simple": buildPDF(
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 /Resources << /Font << /F1 4 0 R >> >> >>",
		"<< /Type /Page /Parent 2 0 R /Contents 5 0 R >>",
		helvetica,
		stream("BT /F1 12 Tf 72 700 Td (taro.yamada@example.jp) Tj 0 -14 Td [(03-1234)-300(5678)] TJ ET"),
	),
	"form": buildPDF(
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /Contents 5 0 R /Resources << /XObject << /X1 6 0 R >> >> >>",
		helvetica,
		stream("q /X1 Do Q"),
		"<< /Type /XObject /Subtype /Form /BBox [0 0 100 100] /Resources << /Font << /F1 4 0 R >> >> /Length 35 >>\nstream\nBT /F1 9 Tf (Inside a form) Tj ET\nendstream",
	),
	// Kids points back at its own Pages node.
	"page cycle": buildPDF(
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [2 0 R 2 0 R 3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /Contents 4 0 R >>",
		stream("BT ET"),
	),
	// A form that draws itself.
	"form cycle": buildPDF(
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /Contents 4 0 R /Resources << /XObject << /X1 4 0 R >> >> >>",
		"<< /Type /XObject /Subtype /Form /Length 15 >>\nstream\n/X1 Do /X1 Do \nendstream",
	),
	// Objects that are references to themselves or to each other.
	"contents self": buildPDF(
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /Contents 4 0 R >>",
		"4 0 R",
	),
	"pages loop": buildPDF(
		"<< /Type /Catalog /Pages 2 0 R >>",
		"3 0 R",
		"2 0 R",
	),
	"font self": buildPDF(
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /Contents 5 0 R /Resources << /Font << /F1 4 0 R >> >> >>",
		"<< /Type /Font /Subtype /Type1 /Encoding << /Differences 4 0 R >> /ToUnicode 4 0 R >>",
		stream("BT /F1 1 Tf (x) Tj ET"),
	),
	"bad operands": buildPDF(
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /Contents 4 0 R >>",
		stream("Tj TJ Tf ' \" Do (no font) Tj BT /F9 1 Tf (x) Tj [1 2 (y)] TJ ET"),
	),
}

func TestExtractCrafted(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		want string
		err  error
	}{
		{"simple", "taro.yamada@example.jp 03-1234 5678\n", nil},
		{"form", "Inside a form\n", nil},
		{"page cycle", "", ErrUnsupported},
		{"form cycle", "", ErrUnsupported},
		{"bad operands", "no font xy\n", nil},
		{"contents self", "", ErrCorrupt},
		{"pages loop", "", ErrCorrupt},
		{"font self", "x\n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := extract(t, craftedPDFs[tt.name], 0)
			if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if tt.err == nil && strings.TrimLeft(got, " ") != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func BenchmarkExtractLongJapanese(b *testing.B) {
	data := readFixture(b, "customers-long-ja.pdf")
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if err := Extract(context.Background(), bytes.NewReader(data), int64(len(data)), io.Discard, 0); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzExtract checks that no input makes Extract panic, hang, or write
// more than the limit or invalid UTF-8. Seeds: testdata/fuzz/FuzzExtract
// (LibreOffice output) and the crafted PDFs.
func FuzzExtract(f *testing.F) {
	for _, b := range craftedPDFs {
		f.Add(b)
	}
	f.Add(xrefStreamPDF([][2]int{{2, 3}, {1, 0}}, "null",
		"<< /Type /ObjStm /N 1 /First 4 /Length 8 >>\nstream\n2 0 null\nendstream"))
	f.Add(flatePage([]byte("BT /F1 1 Tf (flate) Tj ET")))
	f.Fuzz(func(t *testing.T, b []byte) {
		const max = 1 << 16
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		var out bytes.Buffer
		done := make(chan error, 1)
		go func() { done <- Extract(ctx, bytes.NewReader(b), int64(len(b)), &out, max) }()
		var err error
		select {
		case err = <-done:
		case <-time.After(20 * time.Second):
			// The library loops where Extract cannot look at ctx.
			t.Fatalf("Extract did not return 10 s after its deadline")
		}
		if out.Len() > max {
			t.Errorf("wrote %d bytes, limit %d", out.Len(), max)
		}
		if !utf8.Valid(out.Bytes()) {
			t.Errorf("output is not UTF-8")
		}
		if err != nil && !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrUnsupported) && !errors.Is(err, ErrEncrypted) && !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("unexpected error %v", err)
		}
	})
}

// flatePage is a one-page PDF whose content stream is content, deflated.
func flatePage(content []byte) []byte {
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestCompression)
	_, _ = zw.Write(content)
	_ = zw.Close()
	return buildPDF(
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /Contents 4 0 R >>",
		fmt.Sprintf("<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream", z.Len(), z.Bytes()),
	)
}

// Streams that inflate to millions of operands or to one huge string must
// not be held in memory: the library's interpreter took 8 GB for 50 million
// operands from a 97 KB file.
func TestExtractInflationBomb(t *testing.T) {
	if testing.Short() {
		t.Skip("inflates 20 MB streams")
	}
	tests := map[string][]byte{
		"operands": append(append([]byte("BT "), bytes.Repeat([]byte("1 "), 4_000_000)...), "Tj ET"...),
		"string":   append(append([]byte("BT ("), bytes.Repeat([]byte("A"), 20_000_000)...), ") Tj ET"...),
		"array":    append(append([]byte("BT ["), bytes.Repeat([]byte("(B) "), 2_000_000)...), "] TJ ET"...),
	}
	for name, content := range tests {
		b := flatePage(content)
		runtime.GC()
		var base runtime.MemStats
		runtime.ReadMemStats(&base)
		peak := make(chan uint64)
		done := make(chan struct{})
		go func() {
			var max uint64
			tick := time.NewTicker(5 * time.Millisecond)
			defer tick.Stop()
			for {
				var m runtime.MemStats
				runtime.ReadMemStats(&m)
				max = maxOf(max, m.HeapInuse)
				select {
				case <-done:
					peak <- max
					return
				case <-tick.C:
				}
			}
		}()
		got, err := extract(t, b, 0)
		close(done)
		grew := int64(<-peak) - int64(base.HeapInuse)
		if err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if grew > 48<<20 {
			t.Errorf("%s: %d-byte file made the heap grow by %d MB", name, len(b), grew>>20)
		}
		if len(got) > maxString+maxArray+2 {
			t.Errorf("%s: %d bytes of output, more than one string or array may hold", name, len(got))
		}
	}
}

func maxOf(a, b uint64) uint64 {
	if a > b {
		return a
	}
	return b
}

// AES-256 (V 5, R 6) is not implemented by the library: such a file is
// reported as encrypted even when its user password is empty.
func TestExtractAES256(t *testing.T) {
	t.Parallel()
	b := buildPDF(
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /Contents 4 0 R >>",
		stream("BT (x) Tj ET"),
		"<< /Filter /Standard /V 5 /R 6 /Length 256 /O <00> /U <00> /OE <00> /UE <00> /Perms <00> /P -4 /CF << /StdCF << /CFM /AESV3 /Length 32 >> >> /StmF /StdCF /StrF /StdCF >>",
	)
	b = bytes.Replace(b, []byte("/Root 1 0 R"), []byte("/Root 1 0 R /Encrypt 5 0 R /ID [<0123456789abcdef0123456789abcdef> <0123456789abcdef0123456789abcdef>]"), 1)
	_, err := extract(t, b, 0)
	if !errors.Is(err, ErrEncrypted) {
		t.Errorf("err = %v, want ErrEncrypted", err)
	}
}
