package extract

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestOLEKind: the sample files are told apart by their top-level streams.
func TestOLEKind(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]string{
		"ods.xls":             "xls",
		"encrypted-stub.docx": "ole", // no real directory: the name decides
	} {
		data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "attachments", "office", name))
		if err != nil {
			t.Fatal(err)
		}
		if got := oleKind(bytes.NewReader(data), int64(len(data))); got != want {
			t.Errorf("oleKind(%s) = %q, want %q", name, got, want)
		}
	}
}

// FuzzOLEKind: any bytes after the compound-file signature are classified
// without a panic (mscfb reads a hostile directory).
func FuzzOLEKind(f *testing.F) {
	for _, name := range []string{"ods.xls", "encrypted-stub.docx"} {
		data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "attachments", "office", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		oleKind(bytes.NewReader(data), int64(len(data)))
	})
}
