// Package sqlite reads the text of the records in a SQLite database file
// (format 3, https://www.sqlite.org/fileformat2.html), one value per
// field, so that the customer values in an attached database are scanned
// as values: SQLite stores a row's values back to back, and the printable
// runs of the raw file run them together ("C0022Anna Kowalskianna...").
//
// It owns the file format only: the header, b-tree pages, cells, overflow
// chains, records and the free list. It does not read the schema, run SQL
// or need the b-trees to be intact: it walks every page by number, so
// rows on pages that no tree reaches any more come out as well as live
// ones. Of each page it reads:
//
//   - a table leaf (type 0x0D): each row's record, its payload followed
//     through its overflow pages;
//   - an index page, leaf (0x0A) or interior (0x02): each key's record
//     (an index on email holds the e-mails; in an index b-tree, and so in
//     a WITHOUT ROWID table, an interior cell holds a key that is on no
//     leaf);
//   - a table interior page (0x05): no cells (they hold only row ids);
//   - of every b-tree page, the bytes no cell covers (the unallocated
//     space, freeblocks): deleted cells are read as records where their
//     structure survives, the rest as printable runs;
//   - a free-list page that is no b-tree page any more, and, after the
//     walk, a page that was of no known use (no b-tree, free-list or
//     pointer-map page, and no overflow page of any cell read): carved
//     the same way. The latter is damage, unless it can be an overflow
//     page that no chain reached.
//
// Pointer-map pages and the lock-byte page are skipped.
//
// Not read: WAL and rollback-journal files (separate files; a row still
// only in a -wal file is not in the database file), encrypted databases
// (SQLCipher and SEE encrypt the header too, so the file is ErrNotSQLite;
// a file whose header is plain but whose pages are not is ErrEncrypted),
// and blobs beyond their UTF-8 printable runs (a PDF or ZIP stored in a
// blob is not opened, UTF-16 or Shift_JIS text in a blob is not read).
//
// The text is one record per line, its values separated by ",": text as
// it is (converted to UTF-8 from the database's encoding, control
// characters as spaces, invalid bytes as U+FFFD), integers and floats in
// decimal, blobs as their text when they are UTF-8 text and otherwise
// their printable runs separated by spaces, NULL as nothing. A table
// row's NULL first value is given as the row's id: that is how SQLite
// stores an INTEGER PRIMARY KEY column, most often the first. A value may
// contain ",". Records come in page order, and in cell order within a
// page. The text is always valid UTF-8.
//
// Every count and offset from the file is checked against the page and
// the file size before use, and Limits bound the pages read, the bytes of
// one record's payload and the bytes of text; carving a page costs at most
// a fixed number of steps a byte of it. Damage is not fatal: a bad
// cell or page is skipped (its bytes carved), the walk goes on, and after
// the last text Read returns an error wrapping ErrCorrupt that counts the
// damaged pages. Errors never quote the file's bytes.
package sqlite

import (
	"bytes"
	"errors"
)

// Errors returned by Read, after the text that came before them. Several
// may be wrapped by one error (errors.Is tells).
var (
	// ErrNotSQLite: the file does not start with the SQLite header
	// string, or is shorter than the header. Nothing was read.
	ErrNotSQLite = errors.New("sqlite: not a SQLite database")
	// ErrEncrypted: the header is SQLite's, but neither page 1 nor any
	// other page is a b-tree page: the pages are encrypted (SQLCipher
	// with a plain-text header) or destroyed. Nothing was read.
	ErrEncrypted = errors.New("sqlite: pages encrypted or unreadable")
	// ErrCorrupt: pages or cells were damaged and skipped (the error
	// says how many pages), or, with no text before it, the header itself
	// is unusable (bad page size): the caller should fall back to the
	// file's printable runs.
	ErrCorrupt = errors.New("sqlite: damaged database")
	// ErrLimit: a limit stopped the walk (pages, output), or records
	// longer than MaxPayload were cut (the error says which).
	ErrLimit = errors.New("sqlite: limit reached")
)

// Magic is the string a SQLite database file starts with.
const Magic = "SQLite format 3\x00"

// IsSQLite reports whether head, the first bytes of a file, starts with
// Magic.
func IsSQLite(head []byte) bool { return bytes.HasPrefix(head, []byte(Magic)) }

// Limits bound what a Reader does. Zero or negative fields take the
// defaults.
type Limits struct {
	// MaxPages is the most pages read: pages walked, overflow pages
	// followed and free-list trunk pages, each time it is read. Default
	// 1<<20. Reading stops with ErrLimit past it.
	MaxPages int64
	// MaxOutput is the most bytes of text. Default 64 MiB. The text ends
	// there, on a character boundary, with ErrLimit.
	MaxOutput int64
	// MaxPayload is the most bytes of one record's payload that are put
	// together from its cell and overflow pages; it bounds the memory a
	// Reader holds. Default 16 MiB. A longer record is cut: its values
	// past the limit come only as the printable runs of the overflow
	// pages not followed (read after the walk, as pages of no known use);
	// the walk goes on, and the final error wraps ErrLimit.
	MaxPayload int64
}

// Defaults of Limits.
const (
	DefaultMaxPages   = 1 << 20
	DefaultMaxOutput  = 64 << 20
	DefaultMaxPayload = 16 << 20
)

func (l Limits) withDefaults() Limits {
	if l.MaxPages <= 0 {
		l.MaxPages = DefaultMaxPages
	}
	if l.MaxOutput <= 0 {
		l.MaxOutput = DefaultMaxOutput
	}
	if l.MaxPayload <= 0 {
		l.MaxPayload = DefaultMaxPayload
	}
	return l
}

// Stats counts what a Reader found, for the caller's report.
type Stats struct {
	Pages    int64 // pages walked (page 1 to the last whole page read)
	Records  int64 // records read from cells
	Carved   int64 // deleted records read from free space
	Runs     int64 // printable runs given from free space and damaged pages
	Damaged  int   // pages with damage; a broken free list, and pages missing at the end, count one each
	Cut      int64 // records longer than MaxPayload, cut
	Overflow int64 // overflow pages read
	Reads    int64 // pages read in all: walked, overflow and free-list trunks
}
