package cfb

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestOpen: a real workbook opens and has its Workbook stream, read whole;
// short input and other bytes are ErrCorrupt.
func TestOpen(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "..", "testdata", "attachments", "office", "ods.xls"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := Open(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	wb := f.Stream(nil, "Workbook")
	if wb == nil {
		t.Fatal("no Workbook stream")
	}
	b, err := f.ReadAll(wb)
	if err != nil || int64(len(b)) != wb.Size {
		t.Errorf("ReadAll = %d bytes, %v; want %d", len(b), err, wb.Size)
	}
	for name, in := range map[string][]byte{
		"short":     Magic,
		"not a cfb": bytes.Repeat([]byte("x"), 1024),
		"damaged":   append(append([]byte(nil), data[:512]...), bytes.Repeat([]byte{0xff}, 1024)...),
	} {
		if _, err := Open(bytes.NewReader(in), int64(len(in))); !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrLimit) {
			t.Errorf("%s: err = %v, want ErrCorrupt", name, err)
		}
	}
}
