package extract

import (
	"bytes"

	"github.com/dlprelay/dlprelay/detect/archive"
	"github.com/dlprelay/dlprelay/detect/cms"
	"github.com/dlprelay/dlprelay/detect/lzfu"
	"github.com/dlprelay/dlprelay/detect/media"
	"github.com/dlprelay/dlprelay/detect/rtf"
	"github.com/dlprelay/dlprelay/detect/sqlite"
	"github.com/dlprelay/dlprelay/detect/tnef"
)

// This file tells formats apart by their first bytes. The declared type
// and name of a part never decide what it is: a customer CSV renamed
// .dat, sent as image/jpeg or with no type at all is text, and a zip
// named .txt is a zip.

// class is what the walker does with a format.
type class int

const (
	classNone class = iota // no format: text, or unidentified binary
	classZip
	classGzip
	classTar
	classPDF
	classOLE    // compound file: legacy Office, .msg, encrypted OOXML
	classPacked // an archive or compression format not read here
	classCMS    // S/MIME: a CMS ContentInfo
	classMedia  // an image, audio, video or font signature
	classSQLite // a SQLite database file
	classDoc    // a document or message format read by a document reader (docs.go)
)

// format is a sniffed format: its class and a stable kind name for
// reports ("zip", "7z", "png", ...).
type format struct {
	class class
	kind  string
}

// packed are the archive and compression formats that are recognised but
// not read (ReasonUnsupported), by their signatures.
var packed = []struct {
	prefix string
	kind   string
}{
	{"BZh", "bzip2"},
	{"\xfd7zXZ\x00", "xz"},
	{"\x28\xb5\x2f\xfd", "zstd"},
	{"\x04\x22\x4d\x18", "lz4"},
	{"MSCF\x00\x00\x00\x00", "cab"},
	{"\x1f\x9d", "compress"},
	{"\x60\xea", "arj"},
	{"\x89LZO\x00\r\n\x1a\n", "lzop"},
	{"xar!", "xar"},
	{"!<arch>\n", "ar"},
	{"\xed\xab\xee\xdb", "rpm"},
}

// sniffFormat returns the format head (the first bytes of a part) starts
// with, or classNone.
func sniffFormat(head []byte) format {
	switch archive.Sniff(head) {
	case archive.Zip:
		return format{classZip, "zip"}
	case archive.Gzip:
		return format{classGzip, "gzip"}
	case archive.PDF:
		return format{classPDF, "pdf"}
	case archive.OLE:
		return format{classOLE, "ole"}
	case archive.SevenZip:
		return format{classPacked, "7z"}
	case archive.Rar:
		return format{classPacked, "rar"}
	}
	if archive.IsTar(head) {
		return format{classTar, "tar"}
	}
	for _, p := range packed {
		if bytes.HasPrefix(head, []byte(p.prefix)) {
			if p.kind == "bzip2" && (len(head) < 4 || head[3] < '1' || head[3] > '9') {
				continue
			}
			return format{classPacked, p.kind}
		}
	}
	if len(head) >= 7 && head[2] == '-' && head[3] == 'l' && head[6] == '-' && (head[4] == 'h' || head[4] == 'z') {
		return format{classPacked, "lzh"}
	}
	if rtf.Is(head) {
		return format{classDoc, "rtf"}
	}
	if tnef.Is(head) {
		return format{classDoc, "tnef"}
	}
	// Compressed RTF (as an Outlook item keeps its body) has its type at
	// offset 8, after two little-endian sizes: a NUL among those tells it
	// from text that happens to say "LZFu" there.
	if lzfu.Is(head) && bytes.IndexByte(head[:8], 0) >= 0 {
		return format{classDoc, "compressed-rtf"}
	}
	if sqlite.IsSQLite(head) {
		return format{classSQLite, "sqlite"}
	}
	if k := cms.Sniff(head); k != "" {
		return format{classCMS, string(k)}
	}
	if k, ok := media.Sniff(head); ok {
		return format{classMedia, k}
	}
	return format{}
}

// binaryKinds name common binary formats that are not read, for the
// report of a part scanned for its strings.
var binaryKinds = []struct {
	prefix string
	kind   string
}{
	{"\x7fELF", "elf"},
	{"MZ", "pe"},
	{"\xfe\xed\xfa\xce", "mach-o"}, {"\xfe\xed\xfa\xcf", "mach-o"}, {"\xce\xfa\xed\xfe", "mach-o"}, {"\xcf\xfa\xed\xfe", "mach-o"},
	{"\xca\xfe\xba\xbe", "java-class"},
	{"\x00asm", "wasm"},
	{"AC10", "dwg"},
	{"\x00\x01\x00\x00Standard Jet DB", "access"},
	{"\x00\x01\x00\x00Standard ACE DB", "access"},
	{"\x30\x82", "der"},
	{"PAR1", "parquet"},
	{"ORC", "orc"},
	{"Obj\x01", "avro"},
	{"\x00\x00\x00\x0cjP  ", "jpeg2000"},
	{"8BPS", "psd"},
	{"\xd4\xc3\xb2\xa1", "pcap"}, {"\xa1\xb2\xc3\xd4", "pcap"},
	{"\x0a\x0d\x0d\x0a", "pcapng"},
	{"KDMV", "vmdk"},
}

// binaryKind names the format of unidentified bytes, or "" when it is
// not one of binaryKinds.
func binaryKind(head []byte) string {
	for _, b := range binaryKinds {
		if bytes.HasPrefix(head, []byte(b.prefix)) {
			return b.kind
		}
	}
	return ""
}

// looksHTML reports whether text starts like an HTML document: a doctype
// or an <html> tag after blanks and a byte order mark.
func looksHTML(head []byte) bool {
	head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	head = bytes.TrimLeft(head, " \t\r\n")
	if len(head) > 64 {
		head = head[:64]
	}
	l := bytes.ToLower(head)
	return bytes.HasPrefix(l, []byte("<!doctype html")) || bytes.HasPrefix(l, []byte("<html"))
}
