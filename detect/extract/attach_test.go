package extract

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// attachment is one file for withAttachments.
type attachment struct {
	name, ctype string
	data        []byte
}

// withAttachments returns a message with a short text body and the files
// attached in base64, as parts 1.2, 1.3, ...
func withAttachments(files ...attachment) string {
	var b strings.Builder
	b.WriteString("Subject: files\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"BB\"\r\n\r\n--BB\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n")
	for _, f := range files {
		ct := f.ctype
		if ct == "" {
			ct = "application/octet-stream"
		}
		fmt.Fprintf(&b, "--BB\r\nContent-Type: %s\r\nContent-Disposition: attachment; filename=\"%s\"\r\nContent-Transfer-Encoding: base64\r\n\r\n", ct, f.name)
		enc := base64.StdEncoding.EncodeToString(f.data)
		for len(enc) > 76 {
			b.WriteString(enc[:76] + "\r\n")
			enc = enc[76:]
		}
		b.WriteString(enc + "\r\n")
	}
	b.WriteString("--BB--\r\n")
	return b.String()
}

func fixture(t testing.TB, rel string) attachment {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "attachments", rel))
	if err != nil {
		t.Fatal(err)
	}
	return attachment{name: filepath.Base(rel), data: data}
}

// walkRaw walks msg as is (no line-ending conversion).
func walkRaw(t testing.TB, msg string, lim Limits) ([]seg, *Report) {
	t.Helper()
	var segs []seg
	rep, err := Walk(context.Background(), strings.NewReader(msg), lim, func(path string, r io.Reader) error {
		b, err := io.ReadAll(r)
		segs = append(segs, seg{path, string(b)})
		return err
	})
	if err != nil {
		t.Fatalf("Walk: %v", err)
	}
	return segs, rep
}

// makeZip builds a zip in memory from name/content pairs.
func makeZip(t testing.TB, method uint16, files ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i := 0; i+1 < len(files); i += 2 {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: files[i], Method: method})
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(files[i+1]))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func partByPath(rep *Report, path string) *Part {
	for i := range rep.Parts {
		if rep.Parts[i].Path == path {
			return &rep.Parts[i]
		}
	}
	return nil
}

func TestDocuments(t *testing.T) {
	tests := []struct {
		file string
		want []string // substrings of the text of part 1.2
	}{
		{"office/letter.docx", []string{"木村 悠斗", "yuto.kimura@example.jp", "090-2020-3030"}},
		{"office/sheet.xlsx", []string{"林 直樹", "naoki.hayashi@example.jp", "048-765-4321", "4876543210", "清水 美穂", "7080809090"}},
		{"office/slides.pptx", []string{"Ann-Marie Dubois", "annmarie.dubois@example.com", "Anna Kowalski at +81 (0)6 7777 1212"}},
		{"office/memo.odt", []string{"Li Na (li.na@example.com) and Sophie Martin"}},
		{"office/ods.ods", []string{"Wang Wei\n", "wang.wei@example.com\n", "0120-000-111", "Oliver Brown"}},
		{"office/slides.odp", []string{"Key account: Ann-Marie Dubois", "Anna Kowalski at +81 (0)6 7777 1212"}},
		{"pdf/customers-en.pdf", []string{"john.smith@example.com"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			segs, rep := walkRaw(t, withAttachments(fixture(t, tt.file)), Limits{})
			text := textOf(segs, "1.2")
			for _, w := range tt.want {
				if !strings.Contains(text, w) {
					t.Errorf("text lacks %q:\n%s", w, text)
				}
			}
			if len(rep.Unscannable) != 0 {
				t.Errorf("unscannable = %v", rep.Unscannable)
			}
			if p := partByPath(rep, "1.2"); p == nil || p.Note != "" || p.Bytes == 0 {
				t.Errorf("part = %+v", p)
			}
		})
	}
}

// readerFixture is a sample file of a document reader's package
// (detect/PKG/testdata/NAME) as an attachment.
func readerFixture(t testing.TB, pkg, name string) attachment {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", pkg, "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return attachment{name: name, data: data}
}

// TestDocumentReaders: legacy Office files, Outlook items, TNEF and RTF are
// read by their readers, whatever they are called: each section is a part
// below the file's (a segment of its own), each embedded file a part
// walked by its bytes.
func TestDocumentReaders(t *testing.T) {
	tests := []struct {
		att      attachment
		kind     string
		part     string // a part below 1.2
		text     string // in that part's segment
		embedded string // a part below 1.2 of this disposition/kind, if any
	}{
		{fixture(t, "office/ods.xls"), "xls", "1.2/ods", "C0024,Oliver Brown,oliver.brown@example.com,03-4444-1010", ""},
		{readerFixture(t, "xls", "book.xls"), "xls", "1.2/Hidden (hidden)", "", ""},
		{readerFixture(t, "doc", "letter.doc"), "doc", "1.2/body", "山田 太郎\t03-1234-5678", ""},
		{readerFixture(t, "ppt", "object.ppt"), "ppt", "1.2/slide 1", "", "1.2/object 1=document/xls"},
		{readerFixture(t, "msg", "04-embedded-message.msg"), "msg", "1.2/attachment 1 (message)/attachment/customers.csv", "", ""},
		{readerFixture(t, "tnef", "02-japanese.tnef"), "tnef", "1.2/body.rtf/body", "", "1.2/body.rtf=document/rtf"},
		{readerFixture(t, "rtf", "03-objects.rtf"), "rtf", "1.2/object 2 (Package: list.csv)", "", "1.2/object 1 (Excel.Sheet.8)=document/xls"},
	}
	for _, tt := range tests {
		t.Run(tt.att.name, func(t *testing.T) {
			tt.att.ctype = "application/octet-stream"
			segs, rep := walkRaw(t, withAttachments(tt.att), Limits{})
			if p := partByPath(rep, "1.2"); p == nil || p.Disposition != DispDocument || p.Kind != tt.kind {
				t.Fatalf("part 1.2 = %+v, want document %s", p, tt.kind)
			}
			if partByPath(rep, tt.part) == nil {
				t.Errorf("no part %s in %+v", tt.part, rep.Parts)
			}
			if tt.text != "" {
				var text string
				for _, sg := range segs {
					if sg.path == tt.part {
						text = sg.text
					}
				}
				if !strings.Contains(text, tt.text) {
					t.Errorf("segment %s = %q, want it to hold %q", tt.part, text, tt.text)
				}
			}
			if tt.embedded != "" {
				path, want, _ := strings.Cut(tt.embedded, "=")
				if p := partByPath(rep, path); p == nil || string(p.Disposition)+"/"+p.Kind != want {
					t.Errorf("part %s = %+v, want %s", path, p, want)
				}
			}
		})
	}
}

func TestUnreadable(t *testing.T) {
	type u = Unscannable
	tests := []struct {
		att  attachment
		disp Disposition // of part 1.2
		want []Unscannable
	}{
		{fixture(t, "office/encrypted-stub.docx"), DispNone, []u{{"1.2", ReasonEncrypted, "ole"}}},
		// A workbook with a password to open (LibreOffice's RC4).
		{readerFixture(t, "xls", "secret.xls"), DispNone, []u{{"1.2", ReasonEncrypted, "xls"}}},
		{fixture(t, "pdf/customers-ja-encrypted.pdf"), DispPDF, []u{{"1.2", ReasonEncrypted, "pdf"}}},
		{fixture(t, "archive/encrypted.zip"), DispArchive, []u{{"1.2/locked.txt", ReasonEncrypted, ""}}},
		{fixture(t, "archive/locked.7z"), DispStrings, []u{{"1.2", ReasonUnsupported, "7z"}}}, // 7z is not read
		{fixture(t, "archive/list.7z"), DispStrings, []u{{"1.2", ReasonUnsupported, "7z"}}},
		{attachment{name: "list.rar", data: []byte("Rar!\x1a\x07\x01\x00rest")}, DispStrings, []u{{"1.2", ReasonUnsupported, "rar"}}},
		{attachment{name: "list.zip", data: []byte("PK\x03\x04 truncated")}, DispStrings, []u{{"1.2", ReasonCorrupt, "zip"}}},
		{attachment{name: "list.bz2", data: []byte("BZh91AY&SY garbage")}, DispStrings, []u{{"1.2", ReasonUnsupported, "bzip2"}}},
		// The bytes decide, not the name: text named .xlsx is text.
		{attachment{name: "list.xlsx", data: []byte("not a zip at all")}, DispText, nil},
		// A PNG signature with nothing after it is no PNG.
		{attachment{name: "photo.png", ctype: "image/png", data: []byte("\x89PNG\r\n\x1a\n")}, DispStrings, []u{{"1.2", ReasonCorrupt, "png"}}},
	}
	for _, tt := range tests {
		t.Run(tt.att.name, func(t *testing.T) {
			segs, rep := walkRaw(t, withAttachments(tt.att), Limits{})
			if fmt.Sprint(rep.Unscannable) != fmt.Sprint(tt.want) {
				t.Errorf("unscannable = %v, want %v", rep.Unscannable, tt.want)
			}
			if p := partByPath(rep, "1.2"); p == nil || p.Disposition != tt.disp {
				t.Errorf("part 1.2 = %+v, want disposition %s", p, tt.disp)
			}
			if strings.Contains(fmt.Sprint(segs), "中村") {
				t.Errorf("encrypted text was read: %q", segs)
			}
		})
	}
}

func TestArchives(t *testing.T) {
	segs, rep := walkRaw(t, withAttachments(fixture(t, "archive/nested.zip")), Limits{})
	for path, want := range map[string]string{
		"1.2/data/list.csv":         "C0013,松本 蓮,ren.matsumoto@example.jp",
		"1.2/inner.zip/notes.txt":   "井上 彩 022-333-4444",
		"1.2/data/list.csv.header":  "data/list.csv",
		"1.2/inner.zip/notes.txt.h": "",
	} {
		if want == "" {
			continue
		}
		if got := textOf(segs, path); !strings.Contains(got, want) {
			t.Errorf("%s = %q, want %q", path, got, want)
		}
	}
	var paths []string
	for _, p := range rep.Parts {
		paths = append(paths, p.Path+" "+p.ContentType+" "+p.Note)
	}
	want := []string{
		"1 multipart/mixed ", "1.1 text/plain ", "1.2 application/octet-stream archive",
		"1.2/data/list.csv text/csv ", "1.2/inner.zip application/zip archive", "1.2/inner.zip/notes.txt text/plain ",
	}
	if fmt.Sprint(paths) != fmt.Sprint(want) {
		t.Errorf("parts =\n%q\nwant\n%q", paths, want)
	}
	if len(rep.Unscannable) != 0 {
		t.Errorf("unscannable = %v", rep.Unscannable)
	}
}

// zipBomb returns a zip with one entry of n zero bytes.
func zipBomb(t testing.TB, name string, n int) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	zero := make([]byte, 1<<20)
	for ; n > 0; n -= len(zero) {
		w.Write(zero[:min(n, len(zero))])
	}
	zw.Close()
	return buf.Bytes()
}

// zipEmlChain returns a zip holding a message whose attachment is a zip
// holding a message ..., n zips deep.
func zipEmlChain(t testing.TB, n int) []byte {
	z := makeZip(t, zip.Deflate, "deep.txt", "ann.lee@example.com")
	for i := 1; i < n; i++ {
		z = makeZip(t, zip.Deflate, "fwd.eml", withAttachments(attachment{name: "x.zip", data: z}))
	}
	return z
}

func TestArchiveLimits(t *testing.T) {
	bomb := zipBomb(t, "zeros.txt", 10<<20) // 10 MiB → about 10 KiB
	// Nested: each level a zip of the previous, 16 copies wide at the
	// bottom (a small 42.zip).
	wide := []string{}
	for i := 0; i < 16; i++ {
		wide = append(wide, fmt.Sprintf("z%02d.zip", i), string(zipBomb(t, "zeros.txt", 2<<20)))
	}
	fortyTwo := makeZip(t, zip.Deflate, wide...)
	deep := makeZip(t, zip.Deflate, "deep.txt", "ann.lee@example.com")
	for i := 0; i < 6; i++ {
		deep = makeZip(t, zip.Deflate, fmt.Sprintf("level%d.zip", i), string(deep))
	}
	many := []string{}
	for i := 0; i < 30; i++ {
		many = append(many, fmt.Sprintf("f%02d.txt", i), "x")
	}
	repetitive := strings.Repeat("山田 太郎 03-1234-5678\n", 20000) // 600 KB, compresses > 100×

	tests := []struct {
		name string
		data []byte
		lim  Limits
		want []Unscannable
	}{
		{"zip bomb", bomb, Limits{}, []Unscannable{{"1.2/zeros.txt", ReasonExpansion, ""}}},
		{"42.zip style", fortyTwo, Limits{}, []Unscannable{{"1.2/z00.zip/zeros.txt", ReasonExpansion, ""}, {"1.2", ReasonExpansion, ""}}},
		{"archive depth", deep, Limits{}, []Unscannable{{"1.2/level5.zip/level4.zip/level3.zip/level2.zip/level1.zip", ReasonArchiveDepth, ""}}},
		{"archive depth ok", deep, Limits{MaxArchiveDepth: 7}, nil},
		{"entries", makeZip(t, zip.Deflate, many...), Limits{MaxArchiveEntries: 29}, []Unscannable{{"1.2", ReasonArchiveEntries, ""}}},
		{"entries ok", makeZip(t, zip.Deflate, many...), Limits{MaxArchiveEntries: 30}, nil},
		{"repetitive but small", makeZip(t, zip.Deflate, "list.txt", repetitive), Limits{}, nil},
		{"stored", makeZip(t, zip.Store, "list.txt", "ann.lee@example.com"), Limits{}, nil},
		{"attachment too big to spool", bomb, Limits{MaxPartBytes: 1000}, []Unscannable{{"1.2", ReasonPartSize, ""}}},
		{"archives through messages", zipEmlChain(t, 6), Limits{}, []Unscannable{{"1.2/fwd.eml.1.2/fwd.eml.1.2/fwd.eml.1.2/fwd.eml.1.2/fwd.eml.1.2", ReasonArchiveDepth, ""}}},
		{"lower ratio", makeZip(t, zip.Deflate, "list.txt", strings.Repeat("abc", 1<<20)), Limits{MaxExpansionRatio: 10}, []Unscannable{{"1.2/list.txt", ReasonExpansion, ""}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			segs, rep := walkRaw(t, withAttachments(attachment{name: "a.zip", data: tt.data}), tt.lim)
			if noKind(rep.Unscannable) != noKind(tt.want) {
				t.Errorf("unscannable = %v, want %v", rep.Unscannable, tt.want)
			}
			if rep.Bytes > 20<<20 {
				t.Errorf("%d bytes of text handed out", rep.Bytes)
			}
			if tt.want == nil && !strings.Contains(fmt.Sprint(segs), "x") {
				t.Errorf("nothing read: %q", segs)
			}
		})
	}
}

func TestArchiveNames(t *testing.T) {
	z := makeZip(t, zip.Deflate,
		"a.csv", "first",
		"a.csv", "second", // duplicate name
		"/abs/x.header", "third",
		"\x8eR\x93c.txt", "sjis name", // 山田.txt in Shift_JIS, no UTF-8 flag
		"dir/", "",
		"noext", "plain words without an extension",
		"blob", "\x00\x01\x02binary",
		"fwd.eml", "Subject: inner\r\n\r\nforwarded body\r\n",
	)
	segs, rep := walkRaw(t, withAttachments(attachment{name: "n.zip", data: z}), Limits{})
	for path, want := range map[string]string{
		"1.2/a.csv":            "first",
		"1.2/a.csv~2":          "second",
		"1.2/abs/x.header_":    "third",
		"1.2/山田.txt":           "sjis name",
		"1.2/山田.txt.header":    "山田.txt",
		"1.2/noext":            "plain words",
		"1.2/fwd.eml.1":        "forwarded body",
		"1.2/fwd.eml.1.header": "inner",
	} {
		if got := textOf(segs, path); !strings.Contains(got, want) {
			t.Errorf("%s = %q, want %q", path, got, want)
		}
	}
	if p := partByPath(rep, "1.2/blob"); p == nil || p.Disposition != DispStrings {
		t.Errorf("blob part = %+v", p)
	}
	if p := partByPath(rep, "1.2/fwd.eml"); p == nil || p.Disposition != DispMessage {
		t.Errorf("fwd.eml part = %+v", p)
	}
	seen := map[string]bool{}
	for _, p := range rep.Parts {
		if seen[p.Path] {
			t.Errorf("path %q twice", p.Path)
		}
		seen[p.Path] = true
	}
	for _, s := range segs {
		if !seen[strings.TrimSuffix(s.path, ".header")] {
			t.Errorf("segment %q has no part", s.path)
		}
	}
}

// TestDeepMultipart: 60 levels of multipart must not crash and must
// report the depth limit.
func TestDeepMultipart(t *testing.T) {
	segs, rep := walk(t, nest(60), Limits{})
	if len(rep.Unscannable) != 1 || rep.Unscannable[0].Reason != ReasonDepth {
		t.Errorf("unscannable = %v", rep.Unscannable)
	}
	if strings.Contains(fmt.Sprint(segs), "deep text") {
		t.Error("text past the depth limit was scanned")
	}
}

func TestZipDisguisedAsText(t *testing.T) {
	z := makeZip(t, zip.Deflate, "list.csv", "C0001,山田 太郎")
	segs, rep := walkRaw(t, withAttachments(attachment{name: "notes.txt", ctype: "text/plain", data: z}), Limits{})
	if got := textOf(segs, "1.2/list.csv"); got != "C0001,山田 太郎" {
		t.Errorf("zip named .txt: %q (parts %+v)", got, rep.Parts)
	}
	// "%PDF-" at the start of a text part does not stop it being text.
	segs, _ = walkRaw(t, withAttachments(attachment{name: "a.txt", ctype: "text/plain", data: []byte("%PDF-1.4 山田 太郎")}), Limits{})
	if got := textOf(segs, "1.2"); !strings.Contains(got, "山田 太郎") {
		t.Errorf("text starting %%PDF-: %q", got)
	}
}

func makeTar(t testing.TB, files ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for i := 0; i+1 < len(files); i += 2 {
		tw.WriteHeader(&tar.Header{Name: files[i], Mode: 0o644, Size: int64(len(files[i+1])), Typeflag: tar.TypeReg})
		tw.Write([]byte(files[i+1]))
	}
	tw.Close()
	return buf.Bytes()
}

func gz(t testing.TB, name string, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Name = name
	zw.Write(data)
	zw.Close()
	return buf.Bytes()
}

func TestGzipTar(t *testing.T) {
	tarball := makeTar(t, "export/list.csv", "C0001,山田 太郎", "export/inner.zip", string(makeZip(t, zip.Deflate, "a.txt", "ann.lee@example.com")))
	tests := []struct {
		att  attachment
		want map[string]string
		un   []Unscannable
	}{
		{attachment{name: "export.tar.gz", data: gz(t, "", tarball)}, map[string]string{"1.2/export/list.csv": "山田 太郎", "1.2/export/inner.zip/a.txt": "ann.lee"}, nil},
		{attachment{name: "export.tar", data: tarball}, map[string]string{"1.2/export/list.csv": "山田 太郎"}, nil},
		{attachment{name: "list.csv.gz", data: gz(t, "", []byte("C0002,佐藤 花子"))}, map[string]string{"1.2/list.csv": "佐藤 花子"}, nil},
		{attachment{name: "x.gz", data: gz(t, "dir/meibo.csv", []byte("C0002,佐藤 花子"))}, map[string]string{"1.2/meibo.csv": "佐藤 花子"}, nil},
		{attachment{name: "zeros.txt.gz", data: gz(t, "", make([]byte, 8<<20))}, nil, []Unscannable{{"1.2/zeros.txt", ReasonExpansion, ""}}},
		{attachment{name: "bad.gz", data: []byte("\x1f\x8bnot gzip")}, nil, []Unscannable{{"1.2", ReasonCorrupt, ""}}},
	}
	for _, tt := range tests {
		t.Run(tt.att.name, func(t *testing.T) {
			segs, rep := walkRaw(t, withAttachments(tt.att), Limits{})
			for p, w := range tt.want {
				if got := textOf(segs, p); !strings.Contains(got, w) {
					t.Errorf("%s = %q, want %q (parts %+v)", p, got, w, rep.Parts)
				}
			}
			if noKind(rep.Unscannable) != noKind(tt.un) {
				t.Errorf("unscannable = %v, want %v", rep.Unscannable, tt.un)
			}
		})
	}
}

// TestDocumentExtraMembers: a document is a zip, and what its reader does
// not read is walked as archive members: a customer list added to a docx,
// or hidden in its docProps, is scanned, not passed over because the zip
// is called a document.
func TestDocumentExtraMembers(t *testing.T) {
	orig := fixture(t, "office/letter.docx")
	zr, err := zip.NewReader(bytes.NewReader(orig.data), int64(len(orig.data)))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		w, err := zw.Create(f.Name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(w, rc); err != nil {
			t.Fatal(err)
		}
		rc.Close()
	}
	w, err := zw.Create("word/media/list.dat")
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(w, "C0099,小林 大輔,092-444-5555\n")
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	segs, rep := walkRaw(t, withAttachments(attachment{name: "letter.docx", data: buf.Bytes()}), Limits{})
	if p := partByPath(rep, "1.2"); p == nil || p.Disposition != DispDocument {
		t.Fatalf("part 1.2 = %+v, want a document", p)
	}
	p := partByPath(rep, "1.2/word/media/list.dat")
	if p == nil || p.Disposition != DispText {
		t.Fatalf("the added member = %+v, want it read as text; parts %+v", p, rep.Parts)
	}
	if !strings.Contains(fmt.Sprint(segs), "小林 大輔,092-444-5555") {
		t.Errorf("the added member's text was not handed out: %q", segs)
	}
	// What the document reader read is not read twice.
	if partByPath(rep, "1.2/word/document.xml") != nil {
		t.Errorf("word/document.xml walked as a member too")
	}
}
