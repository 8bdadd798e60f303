// Package quarantine keeps the messages that policy held back, their
// review by compliance officers, and their release: the Store contract
// (api.go) and its SQLite implementation.
//
// A store lives in the relay's data directory: quarantine.db, an SQLite
// database (pure-Go modernc.org/sqlite, WAL, synchronous=FULL, one writer
// connection and a pool of read-only ones, schema migrations by
// PRAGMA user_version) holds the entries, their recipients, fired rules,
// notes and release requests; quarantine/<id>.eml holds each message
// exactly as received. Put streams the message to a temporary file,
// fsyncs it, links it to <id>.eml, fsyncs the directory, and only then
// commits the row: an entry is visible only when its bytes are durable,
// and a crash at any step leaves either the whole entry or nothing visible
// (TestPutSurvivesSIGKILL kills a process at each step). Open removes what
// a crash leaves: temporary files, and message files whose row was never
// committed or says deleted or expired. Open also imports the entries of
// the folder store that came before (quarantine/<id>/{message.eml,
// entry.json}).
//
// Files, not blobs, measured: BenchmarkPut stores a message durably either
// as this store does or as a BLOB in the same transaction as its row. On a
// 2-vCPU VM with an ext4 virtual disk (go test -run '^$' -bench
// BenchmarkPut -benchtime 200x -count 5 -benchmem, medians), a 20 KB
// message takes 5.9 ms (3.5 MB/s) as a file and 2.7 ms (7.7 MB/s) as a
// blob: the file costs two more fsyncs (file and directory) than the WAL
// alone. A 2 MB message takes 20 ms (105 MB/s) as a file and 92 ms
// (23 MB/s) as a blob, which SQLite writes twice (WAL, then checkpoint) and
// which database/sql must hold in memory (4.7 MB allocated per Put against
// 5.5 KB). Quarantine is the rare path (a held message, not every
// message), so a few milliseconds on small messages buy streaming with
// bounded memory, a database that stays small (deleting a blob leaves
// free pages until a VACUUM; deleting a file returns the space), and
// messages an operator can read with ordinary tools.
//
// The release state machine (see Store and Status) is a set of conditional
// UPDATEs in write transactions: of two officers approving one request, or
// two workers claiming, exactly one wins. Whether a request needs a second
// officer is the relay's ReleasePolicy, which the relay records in the
// database and RequestRelease reads in its own transaction: the console and
// the CLI beside the relay get the same rule, not each their own
// configuration's.
package quarantine
