package extract

// Disposition says how the walker read one part: every part and archive
// member gets one, decided by its bytes (the declared type and the name
// only break ties and label the report). The values are stable: they
// appear in `dlprelay scan` output and in stored findings.
type Disposition string

// Dispositions.
const (
	// DispText: decoded to UTF-8 in a charset (Part.Charset when it was
	// guessed or differs from the declared one) and scanned.
	DispText Disposition = "text"
	// DispHTML: HTML, rendered to its text, attribute values, comments,
	// scripts and styles, and scanned.
	DispHTML Disposition = "html"
	// DispMultipart: a multipart entity; its preamble and epilogue were
	// scanned and its parts follow.
	DispMultipart Disposition = "multipart"
	// DispMessage: a message (message/rfc822, or a part whose bytes are
	// one); its entity follows as path.1 (or, in an archive, path.1 ...).
	DispMessage Disposition = "message"
	// DispArchive: an archive (zip, tar, gzip) whose members follow.
	DispArchive Disposition = "archive"
	// DispDocument: an Office Open XML or OpenDocument file whose text was
	// scanned.
	DispDocument Disposition = "document"
	// DispPDF: a PDF file whose text layer was scanned.
	DispPDF Disposition = "pdf"
	// DispDatabase: a database file (SQLite) whose records were read by
	// its structure, each value a field of its own.
	DispDatabase Disposition = "database"
	// DispMedia: an image, audio, video or font file identified by
	// walking its structure to its end (Part.Kind names it); its metadata
	// text (PNG text chunks, EXIF, XMP, comments, ID3 tags ...) was
	// scanned. Bytes after its end are a part of their own, path
	// "/after-end".
	DispMedia Disposition = "media"
	// DispSignature: a detached signature (S/MIME or OpenPGP): nothing in
	// it to read.
	DispSignature Disposition = "signature"
	// DispWrapped: content that only wraps other content (S/MIME
	// signed-data or compressed-data, OpenPGP signed or compressed data,
	// a uuencoded file); the content follows as a part of its own.
	DispWrapped Disposition = "wrapped"
	// DispStrings: bytes that are no format read here, or a format that
	// could not be read (corrupt, unsupported): their printable runs
	// (ASCII/UTF-8, UTF-16, Shift_JIS) were scanned, as the strings tool
	// finds them. An Unscannable entry says why (ReasonBinary for
	// unidentified bytes).
	DispStrings Disposition = "strings"
	// DispNone: nothing was read (encrypted content, a limit, a
	// fragment); an Unscannable entry says why.
	DispNone Disposition = "none"
)
