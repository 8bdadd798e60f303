package detect

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"mime/quotedprintable"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf16"

	"golang.org/x/text/encoding/japanese"
)

// This file plants customer rows under every lie a leaker can tell about
// an attachment (a wrong type, a wrong name, no type, nesting, polyglots,
// tricks in headers and text) and checks the scanner's promise: the
// result is never "no record and nothing unscannable". Where the bytes
// can be read, it must find the records themselves.

// liesRows are three rows of testdata/customers.csv.
func liesRows(t testing.TB) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "customers.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	return strings.Join(lines[:4], "\n") + "\n"
}

// mpart is one part of a test message.
type mpart struct {
	header string // extra header lines, "Name: value\n" each
	ctype  string // "" leaves Content-Type out
	name   string // filename, "" for none
	cte    string // "base64" (default), "quoted-printable", "8bit", "x-uuencode", or another
	data   []byte
}

// message builds a multipart/mixed message with a short text body and
// the parts.
func message(parts ...mpart) string {
	var b strings.Builder
	b.WriteString("From: sender@example.co.jp\nTo: someone@gmail.com\nSubject: files\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"LIES\"\n\n--LIES\nContent-Type: text/plain; charset=utf-8\n\nsee attached\n")
	for _, p := range parts {
		b.WriteString("--LIES\n")
		b.WriteString(p.header)
		if p.ctype != "" {
			b.WriteString("Content-Type: " + p.ctype)
			if p.name != "" {
				b.WriteString("; name=\"" + p.name + "\"")
			}
			b.WriteString("\n")
		}
		if p.name != "" {
			b.WriteString("Content-Disposition: attachment; filename=\"" + p.name + "\"\n")
		}
		cte := p.cte
		if cte == "" {
			cte = "base64"
		}
		b.WriteString("Content-Transfer-Encoding: " + cte + "\n\n")
		switch cte {
		case "base64":
			enc := base64.StdEncoding.EncodeToString(p.data)
			for len(enc) > 76 {
				b.WriteString(enc[:76] + "\n")
				enc = enc[76:]
			}
			b.WriteString(enc + "\n")
		case "quoted-printable":
			w := quotedprintable.NewWriter(&b)
			w.Write(p.data)
			w.Close()
			b.WriteString("\n")
		case "x-uuencode":
			b.WriteString(uuencodeBytes("list.csv", p.data))
		default:
			b.Write(p.data)
			b.WriteString("\n")
		}
	}
	b.WriteString("--LIES--\n")
	return b.String()
}

// uuencodeBytes encodes data as uuencode(1) does.
func uuencodeBytes(name string, data []byte) string {
	var b strings.Builder
	fmt.Fprintf(&b, "begin 644 %s\n", name)
	enc := func(v byte) byte {
		if v == 0 {
			return '`'
		}
		return v + 32
	}
	for len(data) > 0 {
		n := min(45, len(data))
		line := data[:n]
		data = data[n:]
		b.WriteByte(enc(byte(n)))
		for i := 0; i < len(line); i += 3 {
			var c [3]byte
			copy(c[:], line[i:])
			b.WriteByte(enc(c[0] >> 2))
			b.WriteByte(enc((c[0]<<4 | c[1]>>4) & 63))
			b.WriteByte(enc((c[1]<<2 | c[2]>>6) & 63))
			b.WriteByte(enc(c[2] & 63))
		}
		b.WriteByte('\n')
	}
	b.WriteString("`\nend\n")
	return b.String()
}

func zipOf(t testing.TB, files ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i := 0; i+1 < len(files); i += 2 {
		w, err := zw.Create(files[i])
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

func gzipOf(t testing.TB, name string, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Name = name
	zw.Write(data)
	zw.Close()
	return buf.Bytes()
}

func tarOf(t testing.TB, name string, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(data)), Typeflag: tar.TypeReg})
	tw.Write(data)
	tw.Close()
	return buf.Bytes()
}

func smallImage() image.Image {
	img := image.NewPaletted(image.Rect(0, 0, 8, 8), []color.Color{color.White, color.Black})
	img.SetColorIndex(3, 3, 1)
	return img
}

func pngBytes(t testing.TB) []byte {
	var buf bytes.Buffer
	if err := png.Encode(&buf, smallImage()); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func jpegBytes(t testing.TB) []byte {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, smallImage(), nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func gifBytes(t testing.TB) []byte {
	var buf bytes.Buffer
	if err := gif.Encode(&buf, smallImage(), nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func utf16le(s string, bom bool) []byte {
	var b []byte
	if bom {
		b = append(b, 0xff, 0xfe)
	}
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u), byte(u>>8))
	}
	return b
}

func utf16be(s string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u>>8), byte(u))
	}
	return b
}

// pngWithText returns a PNG whose tEXt chunk "Comment" holds text.
func pngWithText(t testing.TB, text string) []byte {
	p := pngBytes(t)
	// Insert a tEXt chunk right after IHDR (8 + 25 bytes).
	data := append([]byte("Comment\x00"), text...)
	var chunk bytes.Buffer
	chunk.Write([]byte{byte(len(data) >> 24), byte(len(data) >> 16), byte(len(data) >> 8), byte(len(data))})
	chunk.WriteString("tEXt")
	chunk.Write(data)
	crc := crc32IEEE(append([]byte("tEXt"), data...))
	chunk.Write([]byte{byte(crc >> 24), byte(crc >> 16), byte(crc >> 8), byte(crc)})
	out := append([]byte{}, p[:33]...)
	out = append(out, chunk.Bytes()...)
	return append(out, p[33:]...)
}

func crc32IEEE(b []byte) uint32 {
	crc := ^uint32(0)
	for _, c := range b {
		crc ^= uint32(c)
		for k := 0; k < 8; k++ {
			if crc&1 != 0 {
				crc = crc>>1 ^ 0xedb88320
			} else {
				crc >>= 1
			}
		}
	}
	return ^crc
}

// TestNoLieHidesARow is the property test: for each lie, the scan gives
// records, or (where the bytes cannot be read) reports the part.
func TestNoLieHidesARow(t *testing.T) {
	s := sampleScanner(t)
	rows := liesRows(t)
	b := []byte(rows)
	sjis, err := japanese.ShiftJIS.NewEncoder().Bytes(b)
	if err != nil {
		t.Fatal(err)
	}
	eucjp, _ := japanese.EUCJP.NewEncoder().Bytes(b)
	iso2022, _ := japanese.ISO2022JP.NewEncoder().Bytes(b)
	eml := "From: a@example.co.jp\r\nTo: b@example.net\r\nSubject: fwd\r\nMIME-Version: 1.0\r\nContent-Type: text/csv\r\nContent-Transfer-Encoding: base64\r\n\r\n" + base64.StdEncoding.EncodeToString(b) + "\r\n"
	zwsp := strings.ReplaceAll(strings.ReplaceAll(rows, "@", "\u200b@\u00ad"), "山田", "山\ufe0f田")

	type lie struct {
		name string
		msg  string
		// readable: the records themselves must be found, not only a
		// report.
		readable bool
	}
	lies := []lie{
		{"csv renamed .dat", message(mpart{ctype: "application/octet-stream", name: "customers.dat", data: b}), true},
		{"csv as image/jpeg", message(mpart{ctype: "image/jpeg", name: "photo.jpg", data: b}), true},
		{"csv as image/png", message(mpart{ctype: "image/png", name: "photo.png", data: b}), true},
		{"csv as video/mp4", message(mpart{ctype: "video/mp4", name: "clip.mp4", data: b}), true},
		{"csv named .xls", message(mpart{ctype: "application/vnd.ms-excel", name: "list.xls", data: b}), true},
		{"csv named .pdf", message(mpart{ctype: "application/pdf", name: "list.pdf", data: b}), true},
		{"csv named .zip", message(mpart{ctype: "application/zip", name: "list.zip", data: b}), true},
		{"csv named .exe", message(mpart{ctype: "application/x-msdownload", name: "setup.exe", data: b}), true},
		{"csv, no content type", message(mpart{name: "x", data: b}), true},
		{"csv as a pkcs7 signature", message(mpart{ctype: "application/pkcs7-signature", name: "smime.p7s", data: b}), true},
		{"csv as a pgp signature", message(mpart{ctype: "application/pgp-signature", name: "signature.asc", data: b}), true},
		{"csv as text/html", message(mpart{ctype: "text/html", data: b}), true},
		{"csv in multipart/encrypted", "Subject: x\nContent-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\"; boundary=E\n\n--E\nContent-Type: application/pgp-encrypted\n\nVersion: 1\n--E\nContent-Type: application/octet-stream\n\n" + rows + "--E--\n", true},
		{"csv, no type, no name", message(mpart{data: b}), true},
		{"csv, unknown encoding", message(mpart{ctype: "application/octet-stream", name: "x.bin", cte: "x-foo", data: b}), true},
		{"csv, 8bit octet-stream", message(mpart{ctype: "application/octet-stream", cte: "8bit", data: b}), true},
		{"csv, quoted-printable jpeg", message(mpart{ctype: "image/jpeg", cte: "quoted-printable", data: b}), true},
		{"csv, x-uuencode", message(mpart{ctype: "application/octet-stream", cte: "x-uuencode", data: b}), true},
		{"uuencoded in the text body", message(mpart{ctype: "text/plain", cte: "8bit", data: []byte("here:\n" + uuencodeBytes("list.csv", b))}), true},
		{"shift_jis as octet-stream", message(mpart{ctype: "application/octet-stream", name: "a.dat", data: sjis}), true},
		{"shift_jis labelled us-ascii", message(mpart{ctype: "text/plain; charset=us-ascii", data: sjis}), true},
		{"euc-jp as image/gif", message(mpart{ctype: "image/gif", data: eucjp}), true},
		{"iso-2022-jp as octet-stream", message(mpart{ctype: "application/octet-stream", data: iso2022}), true},
		{"utf-16le with bom", message(mpart{ctype: "application/octet-stream", name: "u.txt", data: utf16le(rows, true)}), true},
		{"utf-16le without bom", message(mpart{ctype: "application/octet-stream", name: "u.dat", data: utf16le(rows, false)}), true},
		{"utf-16be without bom", message(mpart{ctype: "image/png", data: utf16be(rows)}), true},
		{"eml as octet-stream", message(mpart{ctype: "application/octet-stream", name: "fwd.bin", data: []byte(eml)}), true},
		{"eml as text/plain", message(mpart{ctype: "text/plain", data: []byte(eml)}), true},
		{"vcard as octet-stream", message(mpart{ctype: "application/octet-stream", name: "c.vcf", data: []byte("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:山田 太郎\r\nTEL:03-1234-5678\r\nEMAIL:taro.yamada@example.jp\r\nEND:VCARD\r\n")}), true},
		// Nesting.
		{"zip member named .jpg", message(mpart{ctype: "application/zip", name: "a.zip", data: zipOf(t, "pic.jpg", rows)}), true},
		{"zip member with no name", message(mpart{ctype: "application/zip", data: zipOf(t, "data", rows)}), true},
		{"zip in zip", message(mpart{ctype: "application/octet-stream", data: zipOf(t, "inner.png", string(zipOf(t, "x.bin", rows)))}), true},
		{"eml in zip", message(mpart{ctype: "application/zip", data: zipOf(t, "mail.txt", eml)}), true},
		{"gzip named .jpg", message(mpart{ctype: "image/jpeg", name: "p.jpg", data: gzipOf(t, "p.jpg", b)}), true},
		{"tar in gzip named .png", message(mpart{ctype: "image/png", data: gzipOf(t, "", tarOf(t, "x.png", b))}), true},
		{"tar named .txt", message(mpart{ctype: "text/plain", name: "a.txt", data: tarOf(t, "x", b)}), true},
		{"rfc822 attachment", message(mpart{ctype: "message/rfc822", cte: "8bit", data: []byte(eml)}), true},
		{"rfc822 in rfc822", message(mpart{ctype: "message/rfc822", cte: "8bit", data: []byte("Subject: outer\r\nContent-Type: message/rfc822\r\n\r\n" + eml)}), true},
		// Polyglots.
		{"png signature then csv", message(mpart{ctype: "image/png", data: append([]byte("\x89PNG\r\n\x1a\n"), b...)}), true},
		{"valid png then csv", message(mpart{ctype: "image/png", data: append(pngBytes(t), b...)}), true},
		{"valid gif then csv", message(mpart{ctype: "image/gif", data: append(gifBytes(t), b...)}), true},
		{"jpeg with a zip appended", message(mpart{ctype: "image/jpeg", name: "a.jpg", data: append(jpegBytes(t), zipOf(t, "list.csv", rows)...)}), true},
		{"png text chunk", message(mpart{ctype: "image/png", data: pngWithText(t, rows)}), true},
		{"%PDF- then plain text", message(mpart{ctype: "application/pdf", data: append([]byte("%PDF-1.4\n"), b...)}), true},
		{"zip local header then csv", message(mpart{ctype: "text/csv", data: append([]byte("PK\x03\x04\x14\x00\x00\x00"), b...)}), true},
		{"7z signature then csv", message(mpart{data: append([]byte("7z\xbc\xaf\x27\x1c\x00\x04"), b...)}), true},
		{"bzip2 signature then csv", message(mpart{data: append([]byte("BZh91AY&SY"), b...)}), true},
		{"gzip signature then csv", message(mpart{data: append([]byte("\x1f\x8b\x08\x00"), b...)}), true},
		{"ole signature then csv", message(mpart{name: "a.doc", data: append([]byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"), b...)}), true},
		{"elf header then csv", message(mpart{data: append([]byte("\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00"), b...)}), true},
		{"rows between nul bytes", message(mpart{data: append(append(bytes.Repeat([]byte{0}, 300), b...), bytes.Repeat([]byte{0}, 300)...)}), true},
		{"text, then binary with rows", message(mpart{ctype: "text/plain", data: append(append(bytes.Repeat([]byte("hello world\n"), 2000), bytes.Repeat([]byte{0, 1, 2}, 300)...), sjis...)}), true},
		// Headers and text tricks.
		{"rows in an X- header", "X-Note: " + strings.ReplaceAll(rows, "\n", " ") + "\nSubject: x\n\nbody\n", true},
		{"rows in Comments and Keywords", "Comments: " + strings.Split(rows, "\n")[1] + "\nKeywords: " + strings.Split(rows, "\n")[2] + "\nSubject: x\n\nbody\n", true},
		{"rows in a part's Content-Description", message(mpart{header: "Content-Description: " + strings.Split(rows, "\n")[1] + "\n", ctype: "text/plain", data: []byte("x")}), true},
		{"rows in an HTML comment", message(mpart{ctype: "text/html", data: []byte("<p>hi</p><!-- " + rows + " -->")}), true},
		{"rows in HTML attributes", message(mpart{ctype: "text/html", data: []byte("<img alt=\"" + strings.ReplaceAll(rows, "\n", " ") + "\" src=x>")}), true},
		{"rows in HTML script", message(mpart{ctype: "text/html", data: []byte("<script>var d=`" + rows + "`</script>")}), true},
		{"zero-width and soft hyphens, variation selectors", message(mpart{ctype: "text/plain", data: []byte(zwsp)}), true},
		{"header block over the limit", "Subject: x\nX-Pad: " + strings.Repeat("a", 2<<20) + "\nContent-Type: text/csv\nContent-Transfer-Encoding: base64\n\n" + base64.StdEncoding.EncodeToString(b) + "\n", false},
	}
	for _, l := range lies {
		t.Run(l.name, func(t *testing.T) {
			res, err := s.Scan(context.Background(), strings.NewReader(crlf(l.msg)))
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Records) == 0 && len(res.Unscannable) == 0 {
				t.Fatalf("no record and nothing unscannable; parts %+v", res.Parts)
			}
			if l.readable && len(res.Records) == 0 {
				t.Errorf("no record found (unscannable %v); parts %+v", res.Unscannable, res.Parts)
			}
			for _, p := range res.Parts {
				if p.Disposition == "" {
					t.Errorf("part %s has no disposition", p.Path)
				}
			}
		})
	}
}
