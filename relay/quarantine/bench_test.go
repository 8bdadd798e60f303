package quarantine

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"testing"
)

// BenchmarkPut measures Put as the store does it (message in a file, row in
// SQLite) against the alternative the design weighed: the message as a BLOB
// in the same transaction as its row. Both are durable at return (fsync of
// file and directory, or of the WAL). Run on a real disk (TMPDIR), not
// tmpfs, where fsync costs nothing:
//
//	go test -run '^$' -bench BenchmarkPut -benchtime 200x ./relay/quarantine/
func BenchmarkPut(b *testing.B) {
	for _, size := range []int{20 << 10, 2 << 20} {
		msg := bytes.Repeat([]byte("0123456789abcdefghijklmnopqrstuvwxyz顧客\r\n"), size/44+1)[:size]
		b.Run(fmt.Sprintf("files/%dKB", size>>10), func(b *testing.B) {
			ts := openTest(b)
			b.SetBytes(int64(size))
			for i := 0; b.Loop(); i++ {
				if _, err := ts.Put(sample(i), bytes.NewReader(msg)); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("blob/%dKB", size>>10), func(b *testing.B) {
			ts := openTest(b)
			if _, err := ts.w.Exec("CREATE TABLE bench_blobs (id TEXT PRIMARY KEY, msg BLOB NOT NULL)"); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(size))
			for i := 0; b.Loop(); i++ {
				if err := putBlob(ts.SQLite, sample(i), bytes.NewReader(msg)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// putBlob is Put with the message in the bench_blobs table. database/sql
// cannot stream into a BLOB, so the message is read into memory first:
// already one reason against blobs, whose size is bounded only by the
// relay's message size limit.
func putBlob(s *SQLite, e Entry, msg io.Reader) error {
	e, err := s.prepare(e)
	if err != nil {
		return err
	}
	data, err := io.ReadAll(msg)
	if err != nil {
		return err
	}
	e.Size = int64(len(data))
	ctx := context.Background()
	return s.write(ctx, func(tx *sql.Tx) error {
		if err := insertEntry(ctx, tx, e); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, "INSERT INTO bench_blobs (id, msg) VALUES (?, ?)", e.ID, data)
		return err
	})
}
