package realdb

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/dlprelay/dlprelay/detect/sqlite"
)

// customerDB writes a database of about 5 MB with SQLite: customer rows
// (id, name, kana, email, phone, a note), an index on email, pages of
// 4096 bytes.
func customerDB(b *testing.B) []byte {
	rng := rand.New(rand.NewPCG(5, 5))
	family := []string{"山田", "佐藤", "鈴木", "高橋", "Kowalski", "Smith", "García", "Müller"}
	given := []string{"太郎", "花子", "一郎", "美咲", "Anna", "John", "Maria", "Lucas"}
	kana := []string{"ヤマダ タロウ", "サトウ ハナコ", "スズキ イチロウ", ""}
	return writeDB(b, []string{"PRAGMA page_size=4096"}, func(tx *sql.Tx) error {
		if _, err := tx.Exec("CREATE TABLE customers(id TEXT PRIMARY KEY, name TEXT, kana TEXT, email TEXT, phone TEXT, note TEXT)"); err != nil {
			return err
		}
		st, err := tx.Prepare("INSERT INTO customers VALUES(?, ?, ?, ?, ?, ?)")
		if err != nil {
			return err
		}
		defer st.Close()
		for i := 0; i < 30000; i++ {
			f, g := family[rng.IntN(len(family))], given[rng.IntN(len(given))]
			_, err := st.Exec(fmt.Sprintf("C%07d", i), f+" "+g, kana[rng.IntN(len(kana))],
				fmt.Sprintf("user%d.%d@example.jp", i, rng.IntN(1000)),
				fmt.Sprintf("0%d-%04d-%04d", 1+rng.IntN(9), rng.IntN(10000), rng.IntN(10000)),
				randText(rng, rng.IntN(60)))
			if err != nil {
				return err
			}
		}
		_, err = tx.Exec("CREATE INDEX customers_email ON customers(email)")
		return err
	})
}

// BenchmarkReader reads the text of a 5 MB database; MB/s is of the file.
func BenchmarkReader(b *testing.B) {
	db := customerDB(b)
	b.SetBytes(int64(len(db)))
	b.ReportAllocs()
	b.ResetTimer()
	var n int64
	for i := 0; i < b.N; i++ {
		r := sqlite.NewReader(context.Background(), bytes.NewReader(db), int64(len(db)), sqlite.Limits{})
		var err error
		if n, err = io.Copy(io.Discard, r); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(db))/1e6, "file-MB")
	b.ReportMetric(float64(n)/float64(len(db)), "text/file")
}
