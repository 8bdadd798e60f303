package textsniff

import "bytes"

// signatures are the first bytes of binary formats. The caller recognises
// formats before it asks Detect; these keep Detect from calling one of them
// text when its first bytes happen to decode (a GIF or PDF header is
// ASCII, a JPEG's can pass for Shift_JIS). Magic numbers that are plain
// words (BM, MZ) are left out: those formats have NULs soon enough.
var signatures = [][]byte{
	[]byte("\x7FELF"),              // ELF executable
	[]byte("\x89PNG\r\n\x1A\n"),    // PNG
	[]byte("\xFF\xD8\xFF"),         // JPEG
	[]byte("GIF87a"),               // GIF
	[]byte("GIF89a"),               // GIF
	[]byte("PK\x03\x04"),           // zip (and OOXML, ODF, jar, ...)
	[]byte("PK\x05\x06"),           // empty zip
	[]byte("PK\x07\x08"),           // spanned zip
	[]byte("\x1F\x8B"),             // gzip
	[]byte("BZh"),                  // bzip2, checked further in hasSignature
	[]byte("\xFD7zXZ\x00"),         // xz
	[]byte("\x28\xB5\x2F\xFD"),     // zstd
	[]byte("7z\xBC\xAF\x27\x1C"),   // 7z
	[]byte("Rar!\x1A\x07"),         // RAR
	[]byte("%PDF-"),                // PDF
	[]byte("SQLite format 3\x00"),  // SQLite
	[]byte("\xD0\xCF\x11\xE0"),     // OLE compound file (.doc, .xls, .msg)
	[]byte("\xCA\xFE\xBA\xBE"),     // Java class, Mach-O fat binary
	[]byte("\xFE\xED\xFA\xCE"),     // Mach-O
	[]byte("\xFE\xED\xFA\xCF"),     // Mach-O 64
	[]byte("\xCE\xFA\xED\xFE"),     // Mach-O, little-endian
	[]byte("\xCF\xFA\xED\xFE"),     // Mach-O 64, little-endian
	[]byte("\x00asm"),              // WebAssembly
	[]byte("II*\x00"),              // TIFF, little-endian
	[]byte("MM\x00*"),              // TIFF, big-endian
	[]byte("OggS"),                 // Ogg
	[]byte("fLaC"),                 // FLAC
	[]byte("\x1A\x45\xDF\xA3"),     // Matroska, WebM
	[]byte("wOFF"),                 // WOFF font
	[]byte("wOF2"),                 // WOFF2 font
	[]byte("\x00\x01\x00\x00\x00"), // TrueType font
	[]byte("MSCF"),                 // Microsoft cabinet
	[]byte("!<arch>\n"),            // ar archive, .deb
}

// hasSignature reports whether b starts with a known binary format's magic
// number.
func hasSignature(b []byte) bool {
	for _, s := range signatures {
		if bytes.HasPrefix(b, s) {
			if s[0] == 'B' {
				// "BZh" is a word; a bzip2 stream goes on with the block
				// size and the block magic.
				return len(b) >= 10 && '1' <= b[3] && b[3] <= '9' && string(b[4:10]) == "1AY&SY"
			}
			return true
		}
	}
	// RIFF (WAV, AVI, WebP) and ISO media (MP4, MOV, HEIF) have a size
	// or a length before their tag.
	if len(b) >= 12 && string(b[:4]) == "RIFF" {
		return true
	}
	if len(b) >= 12 && string(b[4:8]) == "ftyp" {
		return true
	}
	return false
}
