package uuencode

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"
)

// fixtures are the encoded files of testdata (see make-fixtures.sh) and
// the files they encode.
var fixtures = []struct {
	file, original string
	framing        Framing
}{
	{"customers.csv.uu", "customers.csv", Classic},
	{"customers.csv.b64", "customers.csv", Base64},
	{"customers.csv.py.uu", "customers.csv", Classic},
	{"customers-sjis.csv.uu", "customers-sjis.csv", Classic},
	{"customers-sjis.csv.b64", "customers-sjis.csv", Base64},
	{"random.bin.uu", "random.bin", Classic},
	{"random.bin.b64", "random.bin", Base64},
	{"random.bin.py.uu", "random.bin", Classic},
	{"random.bin.py-stripped.uu", "random.bin", Classic},
}

func readFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestReaderFixtures(t *testing.T) {
	for _, fx := range fixtures {
		t.Run(fx.file, func(t *testing.T) {
			in, want := readFile(t, fx.file), readFile(t, fx.original)
			if fx.original == "random.bin" {
				seen := map[byte]bool{}
				for _, c := range want {
					seen[c] = true
				}
				if len(seen) != 256 {
					t.Fatalf("random.bin has %d byte values", len(seen))
				}
			}
			for _, crlf := range []bool{false, true} {
				src := in
				if crlf {
					src = bytes.ReplaceAll(in, []byte("\n"), []byte("\r\n"))
				}
				r := NewReader(bytes.NewReader(src))
				got, err := io.ReadAll(r)
				if err != nil || !bytes.Equal(got, want) {
					t.Fatalf("crlf %v: decoded %d bytes, %v; want %d bytes equal to %s", crlf, len(got), err, len(want), fx.original)
				}
				if r.Name() != fx.original || r.Framing() != fx.framing || r.Damaged() {
					t.Errorf("crlf %v: name %q framing %v damaged %v", crlf, r.Name(), r.Framing(), r.Damaged())
				}
			}
		})
	}
}

func TestReader(t *testing.T) {
	const cat = "#0V%T\n`\nend\n"
	for _, tt := range []struct {
		name, in, want string
		fname          string
		damaged        bool
		err            error
	}{
		{"plain", "begin 644 cat.txt\n" + cat, "Cat", "cat.txt", false, nil},
		{"text-before", "Hello,\nbegin 644 a\n#0V%T\n`\nend\ntext after\n", "Cat", "a", false, nil},
		{"name-with-spaces", "begin 644 my cat.txt\r\n" + cat, "Cat", "my cat.txt", false, nil},
		{"no-end", "begin 644 a\n#0V%T\n`\n", "Cat", "a", false, nil},
		{"no-length-0-line", "begin 644 a\n#0V%T\nend\n", "Cat", "a", false, nil},
		{"truncated", "begin 644 a\n#0V%T\n", "Cat", "a", true, nil},
		{"truncated-no-newline", "begin 644 a\n#0V%T", "Cat", "a", true, nil},
		{"bad-line-skipped", "begin 644 a\n#0V%T\nnot encoded\n#0V%T\n`\nend\n", "CatCat", "a", true, nil},
		{"long-line-skipped", "begin 644 a\n#0V%T\n" + strings.Repeat("M", 2*MaxLine) + "\n#0V%T\n`\n", "CatCat", "a", true, nil},
		{"long-line-before", strings.Repeat("x", 2*MaxLine) + "\nbegin 644 a\n" + cat, "Cat", "a", false, nil},
		{"stripped-zeros", "begin 644 z\n#\n \nend\n", "\x00\x00\x00", "z", false, nil},
		{"only-the-first-file", "begin 644 a\n" + cat + "begin 644 b\n#0V%T\n`\nend\n", "Cat", "a", false, nil},
		{"base64", "begin-base64 644 a\nQ2F0\n====\n", "Cat", "a", false, nil},
		{"base64-no-padding", "begin-base64 644 a\nSGkhCg\n====\n", "Hi!\n", "a", false, nil},
		{"base64-blank-line", "begin-base64 644 a\nQ2F0\n\nQ2F0\n====\n", "CatCat", "a", false, nil},
		{"base64-bad-line", "begin-base64 644 a\nQ2F0\nnot base64!\n====\n", "Cat", "a", true, nil},
		{"base64-truncated", "begin-base64 644 a\nQ2F0\n", "Cat", "a", true, nil},
		{"empty-file", "begin 644 e\n`\nend\n", "", "e", false, nil},
		{"no-begin", "just text\nM0V%T\n", "", "", false, ErrNoBegin},
		{"empty", "", "", "", false, ErrNoBegin},
		{"begin-not-octal", "begin 9 a\n" + cat, "", "", false, ErrNoBegin},
	} {
		t.Run(tt.name, func(t *testing.T) {
			for _, one := range []bool{false, true} {
				var src io.Reader = strings.NewReader(tt.in)
				if one {
					src = iotest.OneByteReader(src)
				}
				r := NewReader(src)
				got, err := io.ReadAll(r)
				if string(got) != tt.want || !errors.Is(err, tt.err) || r.Name() != tt.fname || r.Damaged() != tt.damaged {
					t.Errorf("one byte %v: %q, %v, name %q, damaged %v; want %q, %v, %q, %v",
						one, got, err, r.Name(), r.Damaged(), tt.want, tt.err, tt.fname, tt.damaged)
				}
			}
		})
	}
}

func TestReaderError(t *testing.T) {
	boom := errors.New("boom")
	r := NewReader(io.MultiReader(strings.NewReader("begin 644 a\n#0V%T\n"), iotest.ErrReader(boom)))
	got, err := io.ReadAll(r)
	if string(got) != "Cat" || !errors.Is(err, boom) {
		t.Errorf("got %q, %v; want Cat, boom", got, err)
	}
}
