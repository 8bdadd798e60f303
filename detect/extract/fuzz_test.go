package extract

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzArchiveWalk attaches arbitrary bytes as a zip (and as a docx and a
// 7z) and walks the message: Walk must not fail or panic, part paths must
// be unique, every segment must belong to a part, and the text handed out
// must stay within the limits. Seeds: testdata/fuzz/FuzzArchiveWalk and
// the archive and office fixtures.
func FuzzArchiveWalk(f *testing.F) {
	for _, dir := range []string{"archive", "office"} {
		files, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "attachments", dir, "*.*"))
		for _, file := range files {
			if strings.HasSuffix(file, ".txt") || strings.HasSuffix(file, ".csv") || strings.HasSuffix(file, ".fodp") {
				continue
			}
			b, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
	lim := Limits{MaxPartBytes: 1 << 20, MaxTotalBytes: 4 << 20, MaxArchiveEntries: 200}
	f.Fuzz(func(t *testing.T, data []byte) {
		msg := withAttachments(
			attachment{name: "a.zip", data: data},
			attachment{name: "b.docx", data: data},
			attachment{name: "c.7z", data: data},
			attachment{name: "d.tar.gz", data: data},
		)
		var segs []string
		rep, err := Walk(context.Background(), strings.NewReader(msg), lim, func(path string, r io.Reader) error {
			segs = append(segs, path)
			_, err := io.Copy(io.Discard, r)
			return err
		})
		if err != nil {
			t.Fatalf("Walk: %v", err)
		}
		paths := map[string]bool{}
		for _, p := range rep.Parts {
			if paths[p.Path] {
				t.Fatalf("part path %q twice", p.Path)
			}
			paths[p.Path] = true
			if p.Bytes > lim.MaxPartBytes {
				t.Fatalf("part %s: %d bytes", p.Path, p.Bytes)
			}
		}
		for _, s := range segs {
			if !paths[strings.TrimSuffix(s, ".header")] {
				t.Fatalf("segment %q has no part", s)
			}
		}
		if rep.Bytes > lim.MaxTotalBytes+16<<20 {
			t.Fatalf("%d bytes", rep.Bytes)
		}
	})
}

// FuzzAddressList parses arbitrary address fields as the header of a
// message: Walk must not fail, and every listed mailbox must have an "@",
// a lower-case address and valid UTF-8, within MaxAddresses.
// Seeds: testdata/fuzz/FuzzAddressList.
func FuzzAddressList(f *testing.F) {
	for _, s := range []string{
		`"Lee, Ann" <ann@example.com>, team: a@example.com, b@example.com;`,
		`=?ISO-2022-JP?B?GyRCMUQ2SEl0GyhC?= <s@corp.example>, Broken <b@x.example`,
		`(comment, with comma) c@example.com, @, x@, <<>>`,
		"\x8eR\x93c <sjis@example.jp>, =?x-unknown?B?j6yW7CCQvQ==?= <u@example.jp>",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, field string) {
		field = strings.NewReplacer("\r", " ", "\n", " ").Replace(field)
		msg := "From: " + field + "\r\nTo: " + field + "\r\nCc: x@example.com, " + field + "\r\n\r\nbody\r\n"
		rep, err := Walk(context.Background(), strings.NewReader(msg), Limits{}, func(_ string, r io.Reader) error {
			_, err := io.Copy(io.Discard, r)
			return err
		})
		if err != nil {
			t.Fatalf("Walk: %v", err)
		}
		if len(rep.Addresses) > MaxAddresses {
			t.Fatalf("%d addresses", len(rep.Addresses))
		}
		for _, a := range rep.Addresses {
			if !strings.Contains(a.Addr, "@") || strings.ToLower(a.Addr) != a.Addr || !utf8.ValidString(a.Name+a.Addr) {
				t.Fatalf("bad address %+v", a)
			}
		}
	})
}
