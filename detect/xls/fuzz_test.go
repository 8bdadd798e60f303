package xls

import (
	"bytes"
	"context"
	"io"
	"os"
	"testing"
	"time"
)

// FuzzRead reads any input: it must not panic, and what it emits stays
// within the limits.
func FuzzRead(f *testing.F) {
	for _, name := range []string{"testdata/book.xls", "testdata/long.xls"} {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	salt := []byte("0123456789ABCDEF")
	f.Add(cfbFile(3, entry{name: "Workbook", data: testBook()}))
	f.Add(cfbFile(3, entry{name: "Workbook", data: encrypt(testBook(filePassStd(defaultPassword, salt)), func(b uint32) []byte { return rc4StdKey(defaultPassword, salt, b) })}))
	f.Add(cfbFile(3, entry{name: "Workbook", data: encrypt(testBook(filePassCryptoAPI(defaultPassword, salt, 40)), func(b uint32) []byte { return rc4CryptoAPIKey(defaultPassword, salt, b, 40) })}))
	f.Add(cfbFile(3, entry{name: "Workbook", data: testBook()}, entry{name: "MBD1", storage: true}, entry{name: "Package", data: []byte("PK\x03\x04"), parent: 2}))
	lim := Limits{MaxOutput: 1 << 20, MaxItems: 50}
	f.Fuzz(func(t *testing.T, b []byte) {
		var out int64
		items := 0
		tm := time.AfterFunc(30*time.Second, func() { panic("an input took over 30s") })
		defer tm.Stop()
		_ = Read(context.Background(), bytes.NewReader(b), int64(len(b)), lim, func(it Item) error {
			n, err := io.Copy(io.Discard, it.R)
			out += n
			items++
			return err
		})
		if out > lim.MaxOutput || items > lim.MaxItems {
			t.Fatalf("emitted %d bytes in %d items", out, items)
		}
	})
}
