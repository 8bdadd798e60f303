#!/bin/sh
# Remakes the SQLite fixtures. Needs Debian's sqlite3 (3.40.1 made the
# committed files) and sqlcipher (3.4.1), and dd. Run from this directory:
# sh make-fixtures.sh
#
# customers.csv is a copy of the repository's testdata/customers.csv.
#
#   customers.db     page size 1024, UTF-8: customers (id, name, kana,
#                    email, phone) with its automatic index on id, an index
#                    on email, a WITHOUT ROWID table, notes with a value
#                    longer than a page (overflow pages), kinds with every
#                    serial type (integers of each width, floats, blobs,
#                    NULL, empty text)
#   utf16le.db       the same customers and notes in a UTF-16le database
#   utf16be.db       the same in UTF-16be
#   page512.db       page size 512: customers and notes (an overflow chain
#                    of several pages)
#   page65536.db     page size 65536: customers
#   reserved.db      page size 1024 with 32 reserved bytes at the end of
#                    each page (usable size 992): customers and notes
#   autovacuum.db    auto_vacuum=FULL (pointer-map pages), page size 1024:
#                    customers and notes, then note 2 deleted (its pages
#                    are given back and the file shrinks)
#   deleted.db       secure_delete=OFF (SQLite's default build), page size
#                    4096: customers and notes, then rows C0002, C0022 and
#                    C0030 deleted and the notes table dropped, no VACUUM
#   deleted-secure.db  the same with secure_delete=ON (Debian's build
#                    default): deleted content is overwritten with zeros
#   deleted-split.db the same as deleted.db with pages of 1024 bytes
#   empty.db         a database with no tables (one page of 512 bytes)
#   sqlcipher.db     encrypted by sqlcipher (key "secret"): random bytes
#                    from the first byte on
#   sqlcipher-plainheader.db  sqlcipher.db with its first 32 bytes replaced
#                    by the header of a plain database of the same page
#                    size, as SQLCipher 4's cipher_plaintext_header_size=32
#                    leaves them (Debian's sqlcipher 3 has no such option)
#
# The golden texts NAME.want.txt are the package's own output, rewritten by
# go test -run TestGolden -update (check the diff before committing).
set -eu

rm -f ./*.db

customers='CREATE TABLE customers(id TEXT PRIMARY KEY, name TEXT, kana TEXT, email TEXT, phone TEXT);
.import --csv --skip 1 customers.csv customers'
# The notes are longer than a page of 1024 bytes; note 1's e-mail at its
# end is on its last overflow page.
notes="CREATE TABLE notes(id INTEGER PRIMARY KEY, customer TEXT, body TEXT);
INSERT INTO notes VALUES(1, 'C0022', 'Call back. ' || replace(hex(zeroblob(400)), '00', 'lorem ') || 'contact: anna.kowalski@example.com');
INSERT INTO notes VALUES(2, 'C0001', '山田 太郎 様: ' || replace(hex(zeroblob(80)), '00', 'お世話になっております。') || '電話 03-1234-5678');"

sqlite3 customers.db <<SQL
PRAGMA page_size=1024;
$customers
CREATE INDEX customers_email ON customers(email);
CREATE TABLE by_email(email TEXT PRIMARY KEY, id TEXT) WITHOUT ROWID;
INSERT INTO by_email SELECT email, id FROM customers;
$notes
CREATE TABLE kinds(k TEXT, v);
INSERT INTO kinds VALUES
 ('zero', 0), ('one', 1), ('i8', -100), ('i16', 1000), ('i24', -1000000),
 ('i32', 2000000000), ('i48', -100000000000000), ('i64', 9223372036854775807),
 ('min', -9223372036854775808), ('float', 3.25), ('neg', -0.5), ('big', 1e300),
 ('real-phone', 9012345678.0), ('null', NULL), ('empty', ''),
 ('blob-text', CAST('ann.lee@example.com' AS BLOB)),
 ('blob-bin', x'00010203ff'),
 ('blob-mixed', CAST(x'0001' || '+81 3 5555 0101' || x'00ff' || 'Ann Lee' || x'fe' AS BLOB));
SQL

for enc in le be; do
	sqlite3 utf16$enc.db <<SQL
PRAGMA page_size=1024;
PRAGMA encoding='UTF-16$enc';
$customers
$notes
SQL
done

sqlite3 page512.db <<SQL
PRAGMA page_size=512;
$customers
$notes
SQL

sqlite3 page65536.db <<SQL
PRAGMA page_size=65536;
CREATE TABLE customers(id TEXT, name TEXT, kana TEXT, email TEXT, phone TEXT);
.import --csv --skip 1 customers.csv customers
SQL

sqlite3 reserved.db >/dev/null <<SQL
.filectrl reserve_bytes 32
PRAGMA page_size=1024;
$customers
$notes
SQL

sqlite3 autovacuum.db >/dev/null <<SQL
PRAGMA page_size=1024;
PRAGMA auto_vacuum=FULL;
$customers
$notes
DELETE FROM notes WHERE id = 2;
SQL

# Deleted rows. In deleted.db the table is one page (4096 bytes): the
# deleted cells become freeblocks, or join the unallocated space. In
# deleted-split.db (pages of 1024 bytes) the deletes make SQLite merge
# leaf pages, which rewrites them: the rows are gone from the leaves, and
# only copies left in the root page from before it first split remain.
for f in deleted deleted-secure deleted-split; do
	sd=OFF ps=4096
	[ $f = deleted-secure ] && sd=ON
	[ $f = deleted-split ] && ps=1024
	sqlite3 $f.db >/dev/null <<SQL
PRAGMA secure_delete=$sd;
PRAGMA page_size=$ps;
$customers
$notes
DELETE FROM customers WHERE id IN ('C0002', 'C0022', 'C0030');
DROP TABLE notes;
SQL
done

sqlite3 empty.db 'PRAGMA page_size=512; VACUUM;'

sqlcipher sqlcipher.db >/dev/null <<SQL
PRAGMA key='secret';
CREATE TABLE customers(id TEXT PRIMARY KEY, name TEXT, kana TEXT, email TEXT, phone TEXT);
INSERT INTO customers VALUES('C0022', 'Anna Kowalski', '', 'anna.kowalski@example.com', '+81 (0)6 7777 1212');
SQL
cp sqlcipher.db sqlcipher-plainheader.db
# sqlcipher 3's pages are 1024 bytes, as customers.db's.
dd if=customers.db of=sqlcipher-plainheader.db bs=32 count=1 conv=notrunc status=none

# Small databases (pages of 512 bytes) for FuzzReader's seed corpus; the
# corpus files testdata/fuzz/FuzzReader/seed-* are these files, written by
# go test -run TestFuzzSeeds -update.
#   fuzz-rows.db      two rows, one overflowing, an index, a WITHOUT ROWID table
#   fuzz-deleted.db   four rows, two deleted (a freeblock, the free gap)
#   fuzz-utf16.db     two rows in UTF-16le
tiny="CREATE TABLE c(id TEXT, name TEXT, email TEXT, n);
INSERT INTO c VALUES('C0022', 'Anna Kowalski', 'anna.kowalski@example.com', 3.5);
INSERT INTO c VALUES('C0001', '山田 太郎', 'taro.yamada@example.jp', x'00416e6e61');"
sqlite3 fuzz-rows.db <<SQL
PRAGMA page_size=512;
$tiny
INSERT INTO c VALUES('C0002', replace(hex(zeroblob(300)), '00', 'ab'), 'hanako.sato@example.jp', -7);
CREATE INDEX ce ON c(email);
CREATE TABLE w(k TEXT PRIMARY KEY, v) WITHOUT ROWID;
INSERT INTO w VALUES('ann.lee@example.com', 19);
SQL
sqlite3 fuzz-deleted.db >/dev/null <<SQL
PRAGMA secure_delete=OFF;
PRAGMA page_size=512;
$tiny
INSERT INTO c VALUES('C0030', 'Lucas Müller', 'lucas.mueller@example.com', NULL);
INSERT INTO c VALUES('C0019', 'Ann Lee', 'ann.lee@example.com', 1);
DELETE FROM c WHERE id IN ('C0022', 'C0019');
SQL
sqlite3 fuzz-utf16.db <<SQL
PRAGMA page_size=512;
PRAGMA encoding='UTF-16le';
$tiny
SQL
