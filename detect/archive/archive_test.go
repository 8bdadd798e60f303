package archive

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func readAll(t testing.TB, f Format, data []byte, maxEntries int) (map[string]string, []error) {
	t.Helper()
	a, err := Open(f, bytes.NewReader(data), int64(len(data)), maxEntries, NewExpansion(100))
	if err != nil {
		return nil, []error{err}
	}
	out := map[string]string{}
	var errs []error
	for i, e := range a.Entries() {
		rc, err := a.Open(i)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		b, err := io.ReadAll(io.LimitReader(rc, 8<<20))
		rc.Close()
		if err != nil {
			errs = append(errs, err)
		}
		out[e.Name] = string(b)
	}
	return out, errs
}

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "attachments", "archive", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestOpen(t *testing.T) {
	got, errs := readAll(t, Zip, fixture(t, "nested.zip"), 10)
	if len(errs) != 0 || got["data/list.csv"] == "" || got["inner.zip"] == "" {
		t.Errorf("nested.zip: %q %v", got, errs)
	}
	if _, errs := readAll(t, Zip, fixture(t, "nested.zip"), 1); len(errs) != 1 || !errors.Is(errs[0], ErrTooManyEntries) {
		t.Errorf("entries limit: %v", errs)
	}
	if _, errs := readAll(t, Zip, fixture(t, "encrypted.zip"), 10); len(errs) != 1 || !errors.Is(errs[0], ErrEncrypted) {
		t.Errorf("encrypted.zip: %v", errs)
	}
	// 7z is not read: see the package comment.
	for _, name := range []string{"list.7z", "locked.7z", "bomb.7z"} {
		if _, errs := readAll(t, SevenZip, fixture(t, name), 10); len(errs) != 1 || !errors.Is(errs[0], ErrUnsupported) {
			t.Errorf("%s: %v", name, errs)
		}
	}
	if _, errs := readAll(t, Zip, []byte("PK\x03\x04garbage"), 10); len(errs) != 1 || !errors.Is(errs[0], ErrCorrupt) {
		t.Errorf("garbage: %v", errs)
	}
}

func TestSniff(t *testing.T) {
	for in, want := range map[string]Format{
		"PK\x03\x04": Zip, "7z\xbc\xaf\x27\x1c\x00\x04": SevenZip, "Rar!\x1a\x07\x00": Rar,
		"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1": OLE, "%PDF-1.7": PDF, "\x1f\x8b\x08": Gzip, "hello": Unknown, "": Unknown,
	} {
		if got := Sniff([]byte(in)); got != want {
			t.Errorf("Sniff(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestIsTar(t *testing.T) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	tw.WriteHeader(&tar.Header{Name: "a.txt", Size: 1, Mode: 0o644})
	tw.Write([]byte("x"))
	tw.Close()
	if !IsTar(buf.Bytes()) {
		t.Error("a tar is not a tar")
	}
	text := []byte(strings.Repeat("a", 257) + "ustar" + strings.Repeat("b", 300))
	if IsTar(text) {
		t.Error("text holding ustar at 257 taken for a tar")
	}
}

func TestExpansion(t *testing.T) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("zeros")
	w.Write(make([]byte, 4<<20))
	zw.Close()
	_, errs := readAll(t, Zip, buf.Bytes(), 10)
	if len(errs) != 1 || !errors.Is(errs[0], ErrExpansion) {
		t.Errorf("4 MiB of zeros: %v", errs)
	}
}

// FuzzArchive opens arbitrary bytes as zip and as 7z and reads every
// entry: no panic, no error other than the package's, and no entry read
// past the expansion allowance. Seeds: testdata/fuzz/FuzzArchive and the
// archive fixtures.
func FuzzArchive(f *testing.F) {
	for _, name := range []string{"nested.zip", "encrypted.zip", "list.7z", "locked.7z", "locked-names.7z", "bomb.7z"} {
		f.Add(fixture(f, name))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, format := range []Format{Zip, SevenZip} {
			exp := NewExpansion(100)
			a, err := Open(format, bytes.NewReader(data), int64(len(data)), 1000, exp)
			if err != nil {
				if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrEncrypted) && !errors.Is(err, ErrTooManyEntries) && !errors.Is(err, ErrUnsupported) {
					t.Fatalf("Open: unexpected error %v", err)
				}
				continue
			}
			if len(a.Entries()) > 1000 {
				t.Fatalf("%d entries", len(a.Entries()))
			}
			var total int64
			for i := range a.Entries() {
				rc, err := a.Open(i)
				if err != nil {
					continue
				}
				n, _ := io.Copy(io.Discard, rc)
				rc.Close()
				total += n
			}
			if total > exp.allow(int64(len(data))) {
				t.Fatalf("%d bytes out of a %d-byte archive", total, len(data))
			}
		}
	})
}
