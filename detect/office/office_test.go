package office

import (
	"archive/zip"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// mapPackage is a Package held in memory.
type mapPackage map[string]string

func (m mapPackage) Names() []string {
	var n []string
	for k := range m {
		n = append(n, k)
	}
	return n
}

func (m mapPackage) Open(name string) (io.ReadCloser, error) {
	s, ok := m[name]
	if !ok {
		return nil, os.ErrNotExist
	}
	return io.NopCloser(strings.NewReader(s)), nil
}

// zipPackage reads a real document with archive/zip.
type zipPackage struct{ r *zip.Reader }

func (z zipPackage) Names() []string {
	var n []string
	for _, f := range z.r.File {
		n = append(n, f.Name)
	}
	return n
}

func (z zipPackage) Open(name string) (io.ReadCloser, error) { return z.r.Open(name) }

func text(t testing.TB, k Kind, pkg Package) string {
	t.Helper()
	r := NewReader(k, pkg)
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestFixtures(t *testing.T) {
	tests := []struct {
		file string
		kind Kind
		want []string
	}{
		{"letter.docx", DOCX, []string{"木村 悠斗", "090-2020-3030"}},
		{"sheet.xlsx", XLSX, []string{"林 直樹\n", "\t4876543210\t", "\t7080809090\t"}},
		{"slides.pptx", PPTX, []string{"Ann-Marie Dubois", "+81 (0)6 7777 1212"}},
		{"memo.odt", ODT, []string{"Sophie Martin"}},
		{"ods.ods", ODS, []string{"Wang Wei\n", "0120-000-111"}},
		{"slides.odp", ODP, []string{"annmarie.dubois@example.com", "Anna Kowalski"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "attachments", "office", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
			if err != nil {
				t.Fatal(err)
			}
			pkg := zipPackage{zr}
			if k := Detect(pkg); k != tt.kind || KindOf(tt.file) != tt.kind {
				t.Errorf("Detect = %v, KindOf = %v, want %v", k, KindOf(tt.file), tt.kind)
			}
			got := text(t, tt.kind, pkg)
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("text lacks %q:\n%s", w, got)
				}
			}
		})
	}
}

func TestSeparatorsAndSkips(t *testing.T) {
	sheet := `<worksheet><sheetData><row><c r="A1" t="s"><v>0</v></c><c r="B1"><v>312345678</v></c><c t="inlineStr"><is><t>Ann Lee</t></is></c><c><f>SUM(A1)</f><v>42</v></c></row><row><c><v>1</v></c></row></sheetData></worksheet>`
	shared := `<sst><si><t>山田</t><rPh><t>ヤマダ</t></rPh></si><si><r><t>Jo</t></r><r><t>hn</t></r></si></sst>`
	got := text(t, XLSX, mapPackage{"xl/workbook.xml": "", "xl/sharedStrings.xml": shared, "xl/worksheets/sheet1.xml": sheet})
	want := "山田 ヤマダ \nJohn\n\n\t312345678\tAnn Lee\t42\t\n1\t\n\n"
	if got != want {
		t.Errorf("xlsx text = %q, want %q", got, want)
	}
	doc := `<w:document><w:body><w:p><w:r><w:t>Ann</w:t></w:r><w:r><w:tab/><w:t>Lee</w:t></w:r></w:p><w:tbl><w:tr><w:tc><w:p><w:r><w:t>a</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:delText>b</w:delText></w:r></w:p></w:tc></w:tr></w:tbl></w:body></w:document>`
	if got := text(t, DOCX, mapPackage{"word/document.xml": doc}); got != "Ann\tLee\na\n\tb\n\t\n\n" {
		t.Errorf("docx text = %q", got)
	}
	ods := `<office:document-content><office:automatic-styles><number:text>skip</number:text></office:automatic-styles><office:body><table:table-row><table:table-cell office:value-type="float" office:value="312345678" table:number-columns-repeated="1000000"><text:p>3.12E+08</text:p></table:table-cell><table:table-cell><text:p>a<text:s/>b</text:p></table:table-cell></table:table-row></office:body></office:document-content>`
	if got := text(t, ODS, mapPackage{"content.xml": ods}); got != "312345678 3.12E+08\n\ta  b\n\t\n\n" {
		t.Errorf("ods text = %q", got)
	}
	// Damaged XML: the text before the damage is read, the next member too.
	r := NewReader(DOCX, mapPackage{"word/document.xml": "<w:p><w:t>before</w:t></w:p><w:p <<<", "word/footer1.xml": "<w:t>footer</w:t>"})
	b, _ := io.ReadAll(r)
	if !strings.Contains(string(b), "before") || !strings.Contains(string(b), "footer") || !r.Damaged() {
		t.Errorf("damaged: %q damaged=%v", b, r.Damaged())
	}
}

func TestTokenTooBig(t *testing.T) {
	big := "<w:t>" + strings.Repeat("a", MaxTokenBytes+1<<20) + "</w:t>"
	r := NewReader(DOCX, mapPackage{"word/document.xml": "<w:p><w:t>first</w:t></w:p>" + big, "word/footer1.xml": "<w:t>footer</w:t>"})
	b, err := io.ReadAll(r)
	if err != nil || !r.Damaged() || !strings.Contains(string(b), "first") || !strings.Contains(string(b), "footer") || len(b) > MaxTokenBytes+1<<20 {
		t.Errorf("%d bytes, damaged=%v, err=%v", len(b), r.Damaged(), err)
	}
}

func TestMemberOrder(t *testing.T) {
	names := []string{"ppt/slides/slide10.xml", "ppt/slides/slide2.xml", "ppt/slides/_rels/slide2.xml.rels", "ppt/notesSlides/notesSlide1.xml", "ppt/slides/slide1.xml"}
	got := strings.Join(members(PPTX, names), " ")
	if got != "ppt/slides/slide1.xml ppt/slides/slide2.xml ppt/slides/slide10.xml ppt/notesSlides/notesSlide1.xml" {
		t.Errorf("members = %s", got)
	}
}

// fuzzText reads the text of one member holding data and checks that it
// ends and stays proportionate to the input.
func fuzzText(t *testing.T, k Kind, member string, data []byte) {
	r := NewReader(k, mapPackage{member: string(data)})
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("error from an in-memory package: %v", err)
	}
	if len(b) > 2*len(data)+16 {
		t.Fatalf("%d bytes of text from %d bytes of XML", len(b), len(data))
	}
}

// FuzzOOXML feeds arbitrary XML as a docx body and an xlsx sheet. Seeds:
// testdata/fuzz/FuzzOOXML.
func FuzzOOXML(f *testing.F) {
	f.Add([]byte(`<w:document><w:body><w:p><w:r><w:t>Ann</w:t><w:tab/></w:r></w:p></w:body></w:document>`))
	f.Add([]byte(`<worksheet><sheetData><row><c t="s"><v>0</v></c><c><v>1</v></c></row></sheetData></worksheet>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzText(t, DOCX, "word/document.xml", data)
		fuzzText(t, XLSX, "xl/worksheets/sheet1.xml", data)
		fuzzText(t, PPTX, "ppt/slides/slide1.xml", data)
	})
}

// FuzzODF feeds arbitrary XML as OpenDocument content. Seeds:
// testdata/fuzz/FuzzODF.
func FuzzODF(f *testing.F) {
	f.Add([]byte(`<office:body><table:table-cell office:value="1"><text:p>a<text:s/>b</text:p></table:table-cell></office:body>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzText(t, ODT, "content.xml", data)
	})
}
