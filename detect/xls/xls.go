// Package xls reads Excel 97–2003 workbooks (.xls, BIFF8 in a Compound
// File, [MS-XLS] and [MS-CFB]) and hands back their text as users see it:
// one CSV-like text per sheet (hidden and very hidden sheets too, labelled
// so), the cell comments (notes) and text boxes, and the page headers and
// footers. Cells are shared strings (SST, strings split across CONTINUE
// records), inline labels, rich strings, numbers (integers as plain digits,
// so IDs and phone numbers match), RK and MULRK numbers, formula results
// (cached numbers, strings, booleans) and booleans; BIFF5 workbooks (the
// "Book" stream of Excel 5.0/95) are read the same way with their CODEPAGE
// (1252, 932 = CP932, 936, 949, 950). Embedded OOXML packages and packaged
// files (Package, Ole10Native streams) are emitted as files.
//
// A workbook protected against modification only (FILEPASS with Excel's
// "VelvetSweatshop" password), RC4 or RC4 CryptoAPI, is decrypted and read;
// any other password, and XOR obfuscation, is ErrEncrypted, as is an
// encrypted OOXML package (EncryptionInfo and EncryptedPackage streams).
//
// Numbers read as the value Excel holds, not as its display format (no
// grouping, currency or fixed decimals), except that a number in a date or
// time format reads as an ISO 8601 date or time ("1985-04-12", "13:45:00").
// It does not read defined names, charts, pivot caches, VBA, revision logs,
// XOR-obfuscated workbooks or BIFF2–4 files.
package xls

import (
	"bytes"
	"context"
	"errors"
	"io"
)

// Defaults of Limits.
const (
	DefaultMaxOutput = 64 << 20
	DefaultMaxItems  = 10000
	DefaultMaxRatio  = 100
	// DefaultMaxRecords bounds the BIFF records read in all.
	DefaultMaxRecords = 4 << 20
)

// Limits bound a read; zero fields take the defaults (Default* consts).
type Limits struct {
	MaxOutput int64 // bytes of text and embedded files emitted in all (default 64 MiB); strings held for the sheets (SST, cells of a sheet) count against it too
	MaxItems  int   // items emitted (default 10000)
	MaxRatio  int   // output per input byte (default 100); nothing in an .xls is compressed, so only a stream larger than the file (a cyclic sector chain) could exceed it, and that is ErrCorrupt
	// MaxRecords bounds the BIFF records read across all streams (default
	// 4 Mi, ~ 16 MB of the smallest records).
	MaxRecords int
}

func (l Limits) withDefaults() Limits {
	if l.MaxOutput <= 0 {
		l.MaxOutput = DefaultMaxOutput
	}
	if l.MaxItems <= 0 {
		l.MaxItems = DefaultMaxItems
	}
	if l.MaxRatio <= 0 {
		l.MaxRatio = DefaultMaxRatio
	}
	if l.MaxRecords <= 0 {
		l.MaxRecords = DefaultMaxRecords
	}
	return l
}

// ItemKind says what an Item is.
type ItemKind int

const (
	ItemText ItemKind = iota // UTF-8 text to scan (R yields UTF-8)
	ItemFile                 // an embedded file, bytes as they are, to be walked as an attachment (the walker sniffs it)
)

// Item is one thing the reader found.
type Item struct {
	Kind ItemKind
	// Name is a label for the report: the sheet name ("Sheet1",
	// "Sheet2 (hidden)", "Sheet3 (very hidden)"), "comments", "headers",
	// "object/MBD0000A1B2/Package". Control characters are replaced.
	Name string
	R    io.Reader // valid only during the emit call
}

var (
	// ErrEncrypted is a password-protected workbook (other than with
	// Excel's default password) or an encrypted OOXML package.
	ErrEncrypted = errors.New("xls: encrypted")
	// ErrCorrupt is a damaged compound file or BIFF stream; what was
	// emitted before stands.
	ErrCorrupt = errors.New("xls: corrupt")
	// ErrLimit is a Limits bound hit; what was emitted before stands.
	ErrLimit = errors.New("xls: limit")
	// ErrUnsupported is a valid file of a variant not read (the wrapped
	// message says which).
	ErrUnsupported = errors.New("xls: unsupported")
)

// cfbMagic starts every Compound File.
var cfbMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}

// Is reports whether head starts like a Compound File (any OLE2 file: .xls,
// .doc, .ppt, .msg). The lead tells them apart by the streams: Read returns
// ErrUnsupported when there is no Workbook or Book stream.
func Is(head []byte) bool { return bytes.HasPrefix(head, cfbMagic) }

// Read reads the file r of size bytes and calls emit for each item found,
// in document order: the sheets in workbook order (those with cells), then
// "comments" and "headers" (when there are any), "sheet names" (every
// sheet's), then embedded files. It stops at ctx's
// end (returning ctx.Err()), at the first error of emit (returned as is),
// or at a bound (an error wrapping ErrLimit). Errors wrap ErrEncrypted,
// ErrCorrupt, ErrLimit or ErrUnsupported. Memory is bounded by about
// three times lim.MaxOutput (the shared strings, the cells of the sheet
// being read and its text), plus the compound file's directory and sector
// chains (a few bytes per 512-byte sector of the file).
func Read(ctx context.Context, r io.ReaderAt, size int64, lim Limits, emit func(Item) error) error {
	lim = lim.withDefaults()
	if size < 512 {
		return corrupt("file too short for a compound file")
	}
	c, err := openCFB(r, size)
	if err != nil {
		return err
	}
	b := &book{ctx: ctx, lim: lim, emit: emit, out: lim.MaxOutput}
	if m := int64(lim.MaxRatio) * size; m < b.out {
		b.out = m
	}
	return c.read(b)
}
