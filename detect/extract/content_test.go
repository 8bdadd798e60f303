package extract

import (
	"archive/zip"
	"bytes"
	"encoding/base64"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf16"
)

// sibling reads a test fixture of another detect package (made by real
// tools: openssl, gpg, ImageMagick, exiftool; see their make-fixtures.sh).
func sibling(t testing.TB, pkg, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", pkg, "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func allText(segs []seg) string {
	var b strings.Builder
	for _, s := range segs {
		b.WriteString(s.text)
		b.WriteByte('\n')
	}
	return b.String()
}

// TestDispositions checks the disposition of each kind of part, what is
// reported, and that the text inside wrappers comes out.
func TestDispositions(t *testing.T) {
	const row = "C0001,山田太郎,taro@example.jp,03-1234-5678"
	u16 := func(s string) []byte {
		var b []byte
		for _, u := range utf16.Encode([]rune(s)) {
			b = append(b, byte(u), byte(u>>8))
		}
		return b
	}
	var zbuf bytes.Buffer
	zw := zip.NewWriter(&zbuf)
	f, _ := zw.Create("list.csv")
	f.Write([]byte(row))
	zw.Close()
	jpeg := sibling(t, "media", "jpeg-exif.jpg")

	type want struct {
		path string
		disp Disposition
		kind string
	}
	tests := []struct {
		name   string
		att    attachment
		parts  []want
		reason []string // "path:reason" of every Unscannable entry
		text   string   // must be in the text handed out ("" for none)
	}{
		{"s/mime signed", attachment{name: "smime.p7m", ctype: "application/pkcs7-mime; smime-type=signed-data", data: sibling(t, "cms", "signed.der")},
			[]want{{"1.2", DispWrapped, "signed-data"}, {"1.2.1", DispText, ""}}, nil, row},
		{"s/mime signed, BER streamed", attachment{name: "smime.p7m", ctype: "application/pkcs7-mime", data: sibling(t, "cms", "signed-stream.der")},
			[]want{{"1.2", DispWrapped, "signed-data"}, {"1.2.1", DispText, ""}}, nil, row},
		{"s/mime compressed", attachment{name: "smime.p7z", ctype: "application/pkcs7-mime; smime-type=compressed-data", data: sibling(t, "cms", "compressed.der")},
			[]want{{"1.2", DispWrapped, "compressed-data"}, {"1.2.1", DispText, ""}}, nil, row},
		{"s/mime enveloped", attachment{name: "smime.p7m", ctype: "application/pkcs7-mime; smime-type=enveloped-data", data: sibling(t, "cms", "enveloped.der")},
			[]want{{"1.2", DispNone, "enveloped-data"}}, []string{"1.2:encrypted"}, ""},
		{"s/mime auth-enveloped", attachment{name: "smime.p7m", data: sibling(t, "cms", "authenveloped.der")},
			[]want{{"1.2", DispNone, "auth-enveloped-data"}}, []string{"1.2:encrypted"}, ""},
		{"s/mime detached signature", attachment{name: "smime.p7s", ctype: "application/pkcs7-signature", data: sibling(t, "cms", "detached.der")},
			[]want{{"1.2", DispSignature, "signed-data"}}, nil, ""},
		{"openpgp signed, binary", attachment{name: "list.csv.gpg", data: sibling(t, "openpgp", "signed.gpg")},
			[]want{{"1.2", DispWrapped, "openpgp-compressed"}}, nil, row},
		{"openpgp encrypted, binary", attachment{name: "list.csv.gpg", data: sibling(t, "openpgp", "encrypted.gpg")},
			[]want{{"1.2", DispNone, "openpgp-encrypted"}}, []string{"1.2:encrypted"}, ""},
		{"openpgp encrypted, armored", attachment{name: "msg.asc", data: sibling(t, "openpgp", "encrypted.asc")},
			[]want{{"1.2", DispText, ""}, {"1.2/pgp-message", DispNone, "openpgp-encrypted"}}, []string{"1.2/pgp-message:encrypted"}, ""},
		{"openpgp signed, armored", attachment{name: "msg.asc", data: sibling(t, "openpgp", "signed.asc")},
			[]want{{"1.2", DispText, ""}, {"1.2/pgp-message", DispWrapped, "openpgp-compressed"}}, nil, row},
		{"openpgp armored signature", attachment{name: "signature.asc", ctype: "application/pgp-signature", data: sibling(t, "openpgp", "detached.asc")},
			[]want{{"1.2", DispSignature, "openpgp-signature"}}, nil, ""},
		{"openpgp armored signature with text around it is text", attachment{name: "x.asc", data: append([]byte("note: "+row+"\n"), sibling(t, "openpgp", "detached.asc")...)},
			[]want{{"1.2", DispText, ""}}, nil, row},
		{"openpgp detached signature", attachment{name: "x.sig", ctype: "application/pgp-signature", data: sibling(t, "openpgp", "detached.sig")},
			[]want{{"1.2", DispSignature, "openpgp-signature"}}, nil, ""},
		{"png with a text chunk", attachment{name: "a.png", data: sibling(t, "media", "png-text.png")},
			[]want{{"1.2", DispMedia, "png"}}, nil, "tEXt"},
		{"jpeg with a zip after it", attachment{name: "a.jpg", data: append(bytes.Clone(jpeg), zbuf.Bytes()...)},
			[]want{{"1.2", DispMedia, "jpeg"}, {"1.2/after-end", DispArchive, "zip"}, {"1.2/after-end/list.csv", DispText, ""}}, nil, row},
		{"csv after a png signature", attachment{name: "a.png", data: append([]byte("\x89PNG\r\n\x1a\n"), row...)},
			[]want{{"1.2", DispStrings, "png"}}, []string{"1.2:corrupt"}, "山田太郎"},
		{"utf-16le without bom", attachment{name: "a.dat", data: u16(row + "\r\n")},
			[]want{{"1.2", DispText, "utf-16le"}}, nil, row},
		{"text, then binary", attachment{name: "a.txt", ctype: "text/plain", data: append([]byte(strings.Repeat("words\n", 4000)), bytes.Repeat([]byte{0, 1}, 100)...)},
			[]want{{"1.2", DispText, ""}}, []string{"1.2:binary"}, "words"},
		{"latin-1 text, undeclared", attachment{name: "notes.dat", data: []byte("Caf\xe9 cr\xe8me, Ren\xe9 M\xfcller, taro@example.jp 03-1234-5678\r\n")},
			[]want{{"1.2", DispText, ""}}, nil, "René Müller"},
		{"sqlite database", attachment{name: "backup.db", data: sibling(t, "sqlite", "customers.db")},
			[]want{{"1.2", DispDatabase, "sqlite"}}, nil, "anna.kowalski@example.com"},
		{"sqlite header, then csv", attachment{name: "x.db", data: append([]byte("SQLite format 3\x00"), row...)},
			[]want{{"1.2", DispStrings, "sqlite"}}, []string{"1.2:corrupt"}, "山田太郎"},
		{"unidentified binary", attachment{name: "a.bin", data: append([]byte("\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00"), row...)},
			[]want{{"1.2", DispStrings, "elf"}}, []string{"1.2:binary"}, "山田太郎"},
		{"an eml sent as octet-stream", attachment{name: "fwd.bin", data: []byte("From: a@example.jp\r\nTo: b@example.jp\r\nSubject: s\r\nContent-Type: text/csv\r\nContent-Transfer-Encoding: base64\r\n\r\n" + base64.StdEncoding.EncodeToString([]byte(row)) + "\r\n")},
			[]want{{"1.2", DispMessage, "rfc822"}, {"1.2.1", DispText, ""}}, nil, row},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			segs, rep := walkRaw(t, withAttachments(tt.att), Limits{})
			for _, w := range tt.parts {
				p := partByPath(rep, w.path)
				if p == nil || p.Disposition != w.disp || p.Kind != w.kind {
					t.Errorf("part %s = %+v, want %s %q", w.path, p, w.disp, w.kind)
				}
			}
			var got []string
			for _, u := range rep.Unscannable {
				got = append(got, u.Part+":"+string(u.Reason))
			}
			if strings.Join(got, " ") != strings.Join(tt.reason, " ") {
				t.Errorf("unscannable %q, want %q", got, tt.reason)
			}
			if tt.text != "" && !strings.Contains(allText(segs), tt.text) {
				t.Errorf("text %q not handed out: %q", tt.text, segs)
			}
			if t.Failed() {
				t.Logf("parts: %+v", rep.Parts)
			}
		})
	}
}

// TestWrappedMail checks entity-level wrappers: PGP/MIME, message/partial,
// message/external-body, a header block over the limit and blocks inside a
// text body.
func TestWrappedMail(t *testing.T) {
	const row = "C0001,山田太郎,taro@example.jp,03-1234-5678"
	pgpMIME := "Content-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\"; boundary=E\r\n\r\n--E\r\nContent-Type: application/pgp-encrypted\r\n\r\nVersion: 1\r\n--E\r\nContent-Type: application/octet-stream\r\n\r\n" +
		string(sibling(t, "openpgp", "encrypted.asc")) + "\r\n--E--\r\n"
	tests := []struct {
		name   string
		msg    string
		reason []string
		text   string
		absent string
	}{
		{"pgp/mime", pgpMIME, []string{"1.2/pgp-message:encrypted"}, "Version: 1", ""},
		{"message/partial", "Content-Type: message/partial; id=\"x@y\"; number=1; total=2\r\n\r\n" + row + "\r\n", []string{"1:unsupported_format"}, row, ""},
		{"message/external-body", "Content-Type: message/external-body; access-type=URL; URL=\"http://example.invalid/x\"\r\n\r\nContent-Type: text/csv\r\n\r\n" + row + "\r\n", nil, row, ""},
		{"header over the limit", "Subject: x\r\nX-Pad: " + strings.Repeat("a", 1<<20) + "\r\nContent-Transfer-Encoding: base64\r\n\r\n" + base64.StdEncoding.EncodeToString([]byte(row)) + "\r\n", []string{"1:parse_error"}, "", row},
		{"inline armored message", "Subject: x\r\n\r\nhello\r\n" + string(sibling(t, "openpgp", "signed.asc")) + "\r\nbye " + row[:5] + "\r\n", nil, row, "-----BEGIN PGP MESSAGE"},
		{"uuencoded in text", "Subject: x\r\n\r\nhello\r\nbegin 644 a.txt\r\n+5&%R;R!986UA9&$`\r\n`\r\nend\r\nbye\r\n", nil, "Taro Yamada", "begin 644"},
		{"begin line that is no block", "Subject: x\r\n\r\nbegin 644 the meeting\r\nat noon, Taro Yamada\r\n", nil, "Taro Yamada", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			segs, rep := walkRaw(t, tt.msg, Limits{})
			var got []string
			for _, u := range rep.Unscannable {
				got = append(got, u.Part+":"+string(u.Reason))
			}
			if strings.Join(got, " ") != strings.Join(tt.reason, " ") {
				t.Errorf("unscannable %q, want %q (parts %+v)", got, tt.reason, rep.Parts)
			}
			text := allText(segs)
			if tt.text != "" && !strings.Contains(text, tt.text) {
				t.Errorf("text %q not handed out: %q", tt.text, segs)
			}
			if tt.absent != "" && strings.Contains(text, tt.absent) {
				t.Errorf("text %q handed out: %q", tt.absent, segs)
			}
			for _, p := range rep.Parts {
				if p.Disposition == "" {
					t.Errorf("part %s has no disposition", p.Path)
				}
			}
		})
	}
}

// TestBinaryWatch checks the word-at-a-time count against a byte loop.
func TestBinaryWatch(t *testing.T) {
	inputs := []string{"", "plain text, no controls at all here", "a\x00b", strings.Repeat("x", 15) + "\x01", "\t\n\r\f\x1b" + strings.Repeat("y", 20),
		"日本語のテキスト\x00\x00", strings.Repeat("\x7f\x80\xff", 10) + "\x02"}
	for i := 0; i < 300; i++ {
		b := make([]byte, i%40)
		for j := range b {
			b[j] = byte((i*31 + j*17) % 256)
		}
		inputs = append(inputs, string(b))
	}
	for _, in := range inputs {
		var nul, ctl int64
		for _, c := range []byte(in) {
			switch {
			case c == 0:
				nul++
			case c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != 0x1b:
				ctl++
			}
		}
		w := &binaryWatch{r: strings.NewReader(in)}
		if _, err := io.ReadAll(w); err != nil {
			t.Fatal(err)
		}
		if w.nul != nul || w.controls != ctl || w.n != int64(len(in)) {
			t.Errorf("%q: nul %d controls %d n %d, want %d %d %d", in, w.nul, w.controls, w.n, nul, ctl, len(in))
		}
	}
}
