package tnef

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"
)

func FuzzRead(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.tnef")
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add(mkTNEF(mkAttr(levelMessage, 0x00069003, mkPropList(
		mkVarProp(ptUnicode, 0x0037, utf16z("件名")),
		mkVarProp(ptBinary, prRTFCompressed, mela([]byte(`{\rtf1 03-1234-5678}`))),
	))))
	f.Fuzz(func(t *testing.T, b []byte) {
		const max = 1 << 20
		n := int64(0)
		_ = Read(context.Background(), bytes.NewReader(b), int64(len(b)), Limits{MaxOutput: max}, func(it Item) error {
			if it.Name == "" {
				t.Error("an item without a name")
			}
			m, err := io.Copy(io.Discard, it.R)
			n += m
			return err
		})
		if n > max {
			t.Fatalf("%d bytes emitted, past MaxOutput %d", n, max)
		}
	})
}
