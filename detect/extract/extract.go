// Package extract walks a raw RFC 5322 message and hands out the text a
// person could read in it, decoded to UTF-8, one segment at a time. It
// owns the decision of what each part is: every entity of the MIME tree
// and every archive member gets a Disposition decided by its bytes (the
// declared type and name only break ties and label the report), and what
// cannot be read is an Unscannable entry with a Reason, never passed over.
//
// Every entity is visited: multipart bodies (preamble and epilogue
// included), message/rfc822 attachments (recursively), and every leaf.
// Transfer encodings (base64, quoted-printable, 7bit, 8bit, x-uuencode)
// are undone with lenient decoders. Every header field of the message and
// of each part is handed out, decoded as bodies are (encoded words in any
// charset the walker knows, raw 8-bit values by the charset guess), with
// the file name; a header block over MaxHeaderBytes is ReasonParse. The
// Report also lists the mailboxes of the message's own From, Sender,
// Reply-To, To and Cc fields and counts its attachments.
//
// A leaf is read by what its first bytes are (content.go, sniff.go):
//   - a format by its signature: zip, tar and gzip archives (package
//     archive), whose members are walked like parts; Office Open XML and
//     OpenDocument files (package office) and PDF files (package pdf),
//     whose text is extracted; S/MIME (package cms) and OpenPGP (package
//     openpgp), encrypted content reported, signed or compressed content
//     unwrapped and walked; images, audio, video and fonts (package
//     media), walked to their end, their metadata text scanned and any
//     bytes after the end a part of their own (path/after-end); SQLite
//     databases (package sqlite), every value of their records;
//   - text, by package textsniff: any charset the walker decodes, UTF-16
//     with or without a byte order mark, a message (an .eml sent as
//     octet-stream is walked as one), HTML (package htmltext: rendered
//     text, attribute values, comments, scripts and styles); uuencoded
//     files and OpenPGP messages inside plain text become parts of their
//     own (blocks.go);
//   - everything else is unidentified binary: its printable runs (package
//     printable) are scanned and it is reported as ReasonBinary. A format
//     that fails to read (corrupt) or that is not read here (7z, RAR,
//     bzip2, legacy Office: ReasonUnsupported) has its printable runs
//     scanned too.
//
// An archive, document, PDF, media file or S/MIME part is spooled to an
// unlinked temporary file (os.TempDir) for random access, so no
// attachment is held in memory.
//
// Bad content never makes Walk fail: an unknown charset or transfer
// encoding, broken base64, a missing boundary or a malformed header line
// are scanned as well as they can be and noted on the Part. Limits
// (Limits) are enforced while streaming, decompression included; hitting
// one adds an Unscannable entry with its Reason.
//
// Entities are numbered by path: the message itself is "1", the parts of a
// multipart entity P are P.1, P.2, ..., and the message inside a
// message/rfc822 entity P (or inside a part whose bytes are a message, or
// the MIME entity an S/MIME wrapper holds) is P.1. The header text of
// entity P is handed out as segment P.header. An archive member extends
// its archive's path with "/" and its name: entry "data/list.csv" of the
// zip at part 1.2 is part "1.2/data/list.csv", a member of a zip nested
// there is "1.2/inner.zip/notes.txt", the file in a gzip file is named as
// the gzip header says or as the gzip file without ".gz", and the message
// of an archived "1.2/fwd.eml" is "1.2/fwd.eml.1". Parts taken out of a
// part are named likewise: "1.2/after-end" (bytes after a media file's
// end), "1.1/customers.csv" (a uuencoded file in the text of 1.1),
// "1/pgp-message" (an armored OpenPGP message), "1.2/customers.csv" (the
// literal data of an OpenPGP or the content of an S/MIME file that is no
// MIME entity). Directories are not parts. A member's name is handed out
// as its header segment ("1.2/data/list.csv.header"). Control characters
// in names become "_", a name ending in ".header" gets a "_" appended,
// and a repeated name gets "~2", "~3", ... so paths stay unique. An
// Office, OpenDocument or PDF file's text is one segment under the file's
// own path.
package extract

import (
	"context"
	"errors"
	"io"
	"mime"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/dlprelay/dlprelay/detect/archive"
	"github.com/dlprelay/dlprelay/detect/htmltext"
	"github.com/emersion/go-message"
)

// Limits bound the work done on one message. A zero field takes its value
// from DefaultLimits.
type Limits struct {
	// MaxDepth is how deep entities may nest: the message is at depth 0,
	// its parts at depth 1, and so on. A multipart or message/rfc822
	// entity whose content would be deeper is not opened.
	MaxDepth int
	// MaxParts is the number of entities visited; the walk stops at the
	// first one past it.
	MaxParts int
	// MaxPartBytes is the most decoded text read from one entity; the rest
	// of that entity is skipped.
	MaxPartBytes int64
	// MaxTotalBytes is the most decoded text read from the whole message;
	// the walk stops there.
	MaxTotalBytes int64
	// Timeout bounds the walk; it stops when the time is up.
	Timeout time.Duration
	// MaxArchiveEntries is the most archive entries (directories
	// included) read from one message, counted over all its archives and
	// the zip packages of its Office and OpenDocument files. An archive
	// whose entries would pass it is not opened.
	MaxArchiveEntries int
	// MaxArchiveDepth is how deep archives may nest in archives: an
	// attached zip is at depth 1, a zip in it at depth 2. Office documents
	// do not count.
	MaxArchiveDepth int
	// MaxExpansionRatio is the most bytes an archive entry may decompress
	// to per compressed byte, and the most the whole archive (nested
	// archives included) may decompress to per byte of the archive. It is
	// checked while decompressing; the first MiB of output is always
	// allowed.
	MaxExpansionRatio int
	// MaxHeaderBytes is the largest header block of one entity. A longer
	// one is ReasonParse: the body cannot be found, so it is scanned as
	// raw text only.
	MaxHeaderBytes int
}

// DefaultLimits returns the limits used for zero fields.
func DefaultLimits() Limits {
	return Limits{
		MaxDepth:      20,
		MaxParts:      1000,
		MaxPartBytes:  50 << 20,
		MaxTotalBytes: 200 << 20,
		Timeout:       60 * time.Second,

		MaxArchiveEntries: 10000,
		MaxArchiveDepth:   5,
		MaxExpansionRatio: 100,
		MaxHeaderBytes:    1 << 20,
	}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxDepth <= 0 {
		l.MaxDepth = d.MaxDepth
	}
	if l.MaxParts <= 0 {
		l.MaxParts = d.MaxParts
	}
	if l.MaxPartBytes <= 0 {
		l.MaxPartBytes = d.MaxPartBytes
	}
	if l.MaxTotalBytes <= 0 {
		l.MaxTotalBytes = d.MaxTotalBytes
	}
	if l.Timeout <= 0 {
		l.Timeout = d.Timeout
	}
	if l.MaxArchiveEntries <= 0 {
		l.MaxArchiveEntries = d.MaxArchiveEntries
	}
	if l.MaxArchiveDepth <= 0 {
		l.MaxArchiveDepth = d.MaxArchiveDepth
	}
	if l.MaxExpansionRatio <= 0 {
		l.MaxExpansionRatio = d.MaxExpansionRatio
	}
	if l.MaxHeaderBytes <= 0 {
		l.MaxHeaderBytes = d.MaxHeaderBytes
	}
	return l
}

// Reason says why some content was not scanned. The values are stable:
// they label metrics and headers.
type Reason string

// Reasons.
const (
	ReasonDepth     Reason = "depth_limit"
	ReasonParts     Reason = "parts_limit"
	ReasonPartSize  Reason = "part_size_limit"
	ReasonTotalSize Reason = "total_size_limit"
	ReasonTimeout   Reason = "timeout"
	// ReasonParse: the structure of an entity cannot be parsed, so its
	// content could not be decoded: a header block over MaxHeaderBytes
	// (the body was scanned as raw text only). Unparsable lines, boundaries
	// and encodings that still leave the body findable are noted on the
	// Part instead, and archives and documents that cannot be read are
	// ReasonCorrupt.
	ReasonParse Reason = "parse_error"
	// ReasonBinary: bytes that are no format this package knows (an
	// executable, a database, a CAD drawing): their printable runs were
	// scanned (DispStrings), but what else they hold is unknown. Kept
	// apart from ReasonUnsupported (a format known to hold text that is
	// not read), so a policy can treat the two differently.
	ReasonBinary Reason = "binary"

	// ReasonArchiveEntries: an archive lists more than MaxArchiveEntries
	// entries; none of it was read.
	ReasonArchiveEntries Reason = "archive_entries_limit"
	// ReasonArchiveDepth: an archive nested deeper than MaxArchiveDepth.
	ReasonArchiveDepth Reason = "archive_depth_limit"
	// ReasonExpansion: decompression passed MaxExpansionRatio (a zip
	// bomb), for an entry or, on the archive's path, for the rest of the
	// archive.
	ReasonExpansion Reason = "expansion_limit"
	// ReasonEncrypted: an encrypted zip entry, a password-protected
	// Office document or an encrypted PDF.
	ReasonEncrypted Reason = "encrypted"
	// ReasonUnsupported: a format that holds text but cannot be read here
	// (7z, RAR, bzip2, xz, legacy .doc/.xls/.ppt and other OLE files, zip
	// entries compressed with methods other than store and deflate, PDF
	// features package pdf does not read, a message/partial fragment).
	// Unscannable.Kind names the format. Its printable runs are scanned
	// when it has any (DispStrings).
	ReasonUnsupported Reason = "unsupported_format"
	// ReasonCorrupt: an archive, document or PDF that cannot be opened or
	// read to the end; its printable runs are scanned (DispStrings).
	ReasonCorrupt Reason = "corrupt"
)

// Reasons returns every Reason, for policies that name them and metrics
// that pre-register their labels. The caller may modify the slice.
func Reasons() []Reason {
	return []Reason{
		ReasonDepth, ReasonParts, ReasonPartSize, ReasonTotalSize, ReasonTimeout, ReasonParse, ReasonBinary,
		ReasonArchiveEntries, ReasonArchiveDepth, ReasonExpansion, ReasonEncrypted, ReasonUnsupported, ReasonCorrupt,
	}
}

// Notes on a Part. A Part can carry several, joined by ",". They say what
// was odd about a part that was still read; what could not be read is an
// Unscannable entry.
const (
	// NoteCharsetUnknown: the declared charset label is unknown (x-sjis,
	// ...); the charset was guessed as for undeclared text and Part.Charset
	// is the guess.
	NoteCharsetUnknown = "charset-unknown"
	// NoteCharsetMislabelled: the declared charset did not decode the text
	// (Shift_JIS labelled ISO-2022-JP, ...) and a guess decoded it better;
	// Part.Charset is the guess.
	NoteCharsetMislabelled = "charset-mislabelled"
	// NoteCharsetGuessed: no usable charset was declared and the text was
	// not UTF-8; Part.Charset is the guess.
	NoteCharsetGuessed = "charset-guessed"
	// NoteEncodingUnknown: unknown Content-Transfer-Encoding; raw bytes
	// were scanned.
	NoteEncodingUnknown = "encoding-unknown"
	// NoteDecodeError: the transfer encoding was damaged (bad base64 or
	// quoted-printable); the bad bytes were skipped.
	NoteDecodeError = "decode-error"
	// NoteHeaderError: a line of the header is no header field (no colon,
	// a bad field name): as mail software does, the header ends there and
	// the body begins with that line.
	NoteHeaderError = "header-error"
	// NoteContentTypeError: the Content-Type could not be parsed; the
	// entity was taken as text/plain.
	NoteContentTypeError = "content-type-error"
	// NoteNoBoundary: a multipart entity has no boundary, or its boundary
	// never occurs; its body was scanned as plain text.
	NoteNoBoundary = "boundary-missing"
	// NoteTruncated: input ended inside this multipart entity, before its
	// close delimiter.
	NoteTruncated = "truncated"
	// NoteArchive: an archive whose entries were walked; they follow it as
	// parts of their own.
	NoteArchive = "archive"
	// NoteUUEncoded: uuencoded files were taken out of the text; they
	// follow as parts of their own (path/NAME).
	NoteUUEncoded = "uuencoded"
	// NoteOpenPGP: OpenPGP message blocks were taken out of the text;
	// they follow as parts of their own (path/pgp-message).
	NoteOpenPGP = "openpgp"
)

// Part describes one entity of the MIME tree or one archive member.
type Part struct {
	Path string `json:"path"`
	// ContentType is the declared media type (for archive members, the
	// one their name gives).
	ContentType string `json:"content_type"`
	// Disposition says how the part was read; Kind names what its bytes
	// are ("png", "zip", "utf-16le", "elf", ...) when they were sniffed
	// as something other than the declared type says.
	Disposition Disposition `json:"disposition"`
	Kind        string      `json:"kind,omitempty"`
	Charset     string      `json:"charset,omitempty"`
	Filename    string      `json:"filename,omitempty"`
	// Bytes is the decoded text read from this entity (for a multipart
	// entity: its preamble and epilogue).
	Bytes int64  `json:"bytes"`
	Note  string `json:"note,omitempty"`
}

// Unscannable names content that was not (fully) scanned, and why. Kind
// names the format sniffed, when one was ("7z", "ole", "sqlite", ...).
type Unscannable struct {
	Part   string `json:"part"`
	Reason Reason `json:"reason"`
	Kind   string `json:"kind,omitempty"`
}

// Report is what Walk saw.
type Report struct {
	Parts       []Part
	Unscannable []Unscannable
	// Bytes is the decoded text handed out, headers included.
	Bytes int64
	// Addresses are the mailboxes of the From, Sender, Reply-To, To and
	// Cc fields of the message itself (entity 1, not of messages attached
	// to it), in that order of fields and then as written, at most
	// MaxAddresses. A field that does not parse gives the mailboxes that
	// can still be read from it.
	Addresses []Address
	// Attachments counts the entities that are attachments: those with
	// Content-Disposition "attachment" or with a file name (the
	// disposition's filename or the Content-Type name), multipart
	// entities excepted. Entities of attached messages (message/rfc822)
	// count; archive members, and anything else inside an archive, do
	// not.
	Attachments int
}

// TextFunc receives one segment of text: the body of an entity, the
// preamble and epilogue of a multipart entity, or header text. segment is
// the entity path, with ".header" appended for header text. It must read
// text to EOF (or until it fails) and return an error only for an internal
// failure, which stops the walk.
type TextFunc func(segment string, text io.Reader) error

// Walk reads the message from r and calls fn with each segment of text, in
// order. It returns an error only if r fails, ctx is cancelled, or fn fails;
// content problems and limits are described in the Report.
func Walk(ctx context.Context, r io.Reader, lim Limits, fn TextFunc) (*Report, error) {
	lim = lim.withDefaults()
	tctx, cancel := context.WithTimeout(ctx, lim.Timeout)
	defer cancel()
	w := &walker{
		parent: ctx,
		ctx:    tctx,
		lim:    lim,
		fn:     fn,
		rep:    &Report{},
	}
	w.src = &source{r: r, ctx: tctx}
	w.entity("1", 0, w.src, "text/plain")
	if w.fatal != nil {
		return nil, w.fatal
	}
	for i := range w.rep.Parts {
		if w.rep.Parts[i].Disposition == "" {
			// Visited, but a limit ended the walk before it was read
			// (the limit is reported).
			w.rep.Parts[i].Disposition = DispNone
		}
	}
	return w.rep, nil
}

// errStopped is returned by source once the walk must stop.
var errStopped = errors.New("extract: walk stopped")

// source wraps the message reader: it stops reading when the walk's time is
// up and keeps r's own error apart from decoding trouble.
type source struct {
	r   io.Reader
	ctx context.Context
	err error // r's first error other than io.EOF
}

func (s *source) Read(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	if s.ctx.Err() != nil {
		return 0, errStopped
	}
	n, err := s.r.Read(p)
	if err != nil && err != io.EOF {
		s.err = err
	}
	return n, err
}

type walker struct {
	parent, ctx context.Context
	lim         Limits
	fn          TextFunc
	src         *source
	rep         *Report

	parts          int
	archiveEntries int // archive entries listed so far
	// adepth and exp describe the archive being walked, if any: how many
	// archives deep, and the outermost one's expansion allowance. A
	// message inside an archive keeps them, so archives in it still count.
	adepth int
	exp    *archive.Expansion
	paths  map[string]bool // part paths of archive members, kept unique
	stop   bool            // a limit ended the walk
	fatal  error           // an internal failure ended the walk
}

// halted reports whether the walk must stop, recording why at path.
func (w *walker) halted(path string) bool {
	if w.stop || w.fatal != nil {
		return true
	}
	switch {
	case w.src.err != nil:
		w.fatal = w.src.err
	case w.parent.Err() != nil:
		w.fatal = w.parent.Err()
	case w.ctx.Err() != nil:
		w.unscannable(path, ReasonTimeout)
		w.stop = true
	}
	return w.stop || w.fatal != nil
}

func (w *walker) unscannable(path string, r Reason) {
	w.rep.Unscannable = append(w.rep.Unscannable, Unscannable{Part: path, Reason: r})
}

func (w *walker) note(idx int, note string) {
	p := &w.rep.Parts[idx]
	for _, n := range strings.Split(p.Note, ",") {
		if n == note {
			return
		}
	}
	if p.Note == "" {
		p.Note = note
	} else {
		p.Note += "," + note
	}
}

// entity visits the entity at path, whose raw form (header and body) is raw.
func (w *walker) entity(path string, depth int, raw io.Reader, defaultType string) {
	if w.halted(path) {
		return
	}
	w.parts++
	if w.parts > w.lim.MaxParts {
		w.unscannable(path, ReasonParts)
		w.stop = true
		return
	}

	hdr, body, release, hst := readHeader(raw, w.lim.MaxHeaderBytes)
	defer release()
	idx := len(w.rep.Parts)
	w.rep.Parts = append(w.rep.Parts, Part{Path: path})
	if hst == headerTooBig {
		// The body cannot be found, so it cannot be decoded: say so,
		// and scan what there is as raw text.
		w.rep.Parts[idx].ContentType = "text/plain"
		w.rep.Parts[idx].Disposition = DispText
		w.unscannable(path, ReasonParse)
		w.textDecoded(idx, path, body, "", false)
		return
	}
	if hst == headerMalformed {
		w.note(idx, NoteHeaderError)
	}

	h := message.Header{Header: hdr}
	mediaType, params, ctErr := parseContentType(h.Get("Content-Type"))
	if mediaType == "" {
		mediaType = defaultType
	}
	if ctErr {
		w.note(idx, NoteContentTypeError)
	}
	disp, name := disposition(h, params)
	w.rep.Parts[idx].ContentType = mediaType
	w.rep.Parts[idx].Filename = name
	if (disp == "attachment" || name != "") && !strings.HasPrefix(mediaType, "multipart/") && w.adepth == 0 {
		w.rep.Attachments++
	}
	w.headerText(path, h, name)
	if w.halted(path) {
		return
	}

	cte := h.Get("Content-Transfer-Encoding")
	switch {
	case strings.HasPrefix(mediaType, "multipart/"):
		// Transfer encodings other than 7bit/8bit/binary are not allowed
		// on multipart entities (RFC 2045 section 6.4); like go-message,
		// ignore them.
		w.rep.Parts[idx].Disposition = DispMultipart
		w.multipart(idx, path, depth, body, params["boundary"], mediaType == "multipart/digest")
	case mediaType == "message/rfc822" || mediaType == "message/global":
		w.rep.Parts[idx].Disposition = DispMessage
		if depth+1 > w.lim.MaxDepth {
			w.unscannable(path, ReasonDepth)
			return
		}
		dec, known := transferDecoder(cte, body)
		if !known {
			w.note(idx, NoteEncodingUnknown)
		}
		w.entity(path+".1", depth+1, dec, "text/plain")
		if d, ok := dec.(damager); ok && d.Damaged() {
			w.note(idx, NoteDecodeError)
		}
	case mediaType == "message/partial":
		// A fragment of a message (RFC 2046 section 5.2.2): what it
		// holds cannot be judged without the other fragments. Its text
		// is still scanned.
		w.rep.Parts[idx].Disposition = DispText
		w.unscannableKind(path, ReasonUnsupported, "message/partial")
		w.textBody(idx, path, body, cte, "", false)
	case mediaType == "message/external-body":
		// The content is elsewhere, but the body (a header naming it,
		// and whatever else the sender put there) leaves with the mail.
		w.rep.Parts[idx].Disposition = DispText
		w.textBody(idx, path, body, cte, params["charset"], false)
	default:
		w.leaf(idx, path, depth, body, cte, mediaType, name, params["charset"])
	}
}

// parseContentType returns the lower-cased media type and parameters.
// failed is true when a Content-Type was present but unusable.
func parseContentType(v string) (mediaType string, params map[string]string, failed bool) {
	if strings.TrimSpace(v) == "" {
		return "", map[string]string{}, false
	}
	mt, params, err := mime.ParseMediaType(v)
	if err != nil {
		// mime is strict; mail is not. Take what can be read.
		mt, params = looseMediaType(v)
	}
	if mt == "" || !strings.Contains(mt, "/") || strings.ContainsAny(mt, " \t") {
		return "", params, true
	}
	return strings.ToLower(mt), params, false
}

// looseMediaType splits "type/sub; k=v; k2="v2"" without validation, for
// headers that mime.ParseMediaType rejects (stray semicolons, bad quoting,
// 8-bit bytes).
func looseMediaType(v string) (string, map[string]string) {
	params := map[string]string{}
	pieces := strings.Split(v, ";")
	for _, p := range pieces[1:] {
		k, val, ok := strings.Cut(p, "=")
		if !ok {
			continue
		}
		k = strings.ToLower(strings.TrimSpace(k))
		val = strings.Trim(strings.TrimSpace(val), `"'`)
		if _, dup := params[k]; !dup && k != "" {
			params[k] = val
		}
	}
	return strings.ToLower(strings.TrimSpace(pieces[0])), params
}

// disposition returns the lower-cased disposition type ("attachment",
// "inline" or "") and the decoded file name from Content-Disposition or
// the Content-Type name parameter.
func disposition(h message.Header, ctParams map[string]string) (disp, name string) {
	v := h.Get("Content-Disposition")
	if d, p, err := mime.ParseMediaType(v); err == nil || errors.Is(err, mime.ErrInvalidMediaParameter) {
		disp, name = d, p["filename"]
	} else {
		// mime is strict; mail is not. The type is enough here.
		disp, _ = looseMediaType(v)
	}
	if name == "" {
		name = ctParams["name"]
	}
	if strings.Contains(name, "=?") {
		// RFC 2047 inside a parameter is not standard, but common.
		name = decodeText(name)
	}
	return disp, name
}

// textExtensions are file names whose content is text whatever the
// declared type (Excel sends .csv as application/vnd.ms-excel).
var textExtensions = map[string]bool{
	".csv": true, ".tsv": true, ".txt": true, ".text": true, ".json": true,
	".xml": true, ".html": true, ".htm": true, ".md": true, ".log": true,
	".vcf": true, ".ics": true, ".sql": true, ".yaml": true, ".yml": true,
}

var textTypes = map[string]bool{
	"application/json": true, "application/xml": true, "application/csv": true,
	"application/x-csv": true, "application/xhtml+xml": true,
	"message/delivery-status": true, "message/disposition-notification": true,
	"message/global-delivery-status": true, "message/global-headers": true,
	"message/rfc822-headers": true, "text/rfc822-headers": true,
}

func isText(mediaType, filename string) bool {
	return strings.HasPrefix(mediaType, "text/") || textTypes[mediaType] ||
		textExtensions[strings.ToLower(path.Ext(filename))]
}

func isHTML(mediaType, filename string) bool {
	ext := strings.ToLower(path.Ext(filename))
	return mediaType == "text/html" || mediaType == "application/xhtml+xml" || ext == ".html" || ext == ".htm"
}

// textBody decodes and hands out the body of a text entity.
func (w *walker) textBody(idx int, path string, body io.Reader, cte, cs string, html bool) {
	dec, known := transferDecoder(cte, body)
	if !known {
		w.note(idx, NoteEncodingUnknown)
	}
	w.textDecoded(idx, path, dec, cs, html)
	if d, ok := dec.(damager); ok && d.Damaged() {
		w.note(idx, NoteDecodeError)
	}
}

// textDecoded converts text from charset cs (guessed when empty) and hands
// it out. It returns what segment returns.
func (w *walker) textDecoded(idx int, path string, dec io.Reader, cs string, html bool) error {
	return w.textDecodedWrapped(idx, path, dec, cs, html, nil)
}

// textDecodedWrapped is textDecoded with the decoded plain text passed
// through wrap (nil: as it is) before it is handed out.
func (w *walker) textDecodedWrapped(idx int, path string, dec io.Reader, cs string, html bool, wrap func(io.Reader) io.Reader) error {
	text, name, note, release := charsetDecoder(cs, dec)
	defer release()
	if note != "" {
		w.note(idx, note)
	}
	switch note {
	case NoteCharsetGuessed, NoteCharsetMislabelled, NoteCharsetUnknown:
		w.rep.Parts[idx].Charset = name
	}
	return w.textSegment(idx, path, text, html, wrap)
}

// textSegment hands out UTF-8 text: HTML rendered, plain text through
// wrap (nil: as it is).
func (w *walker) textSegment(idx int, path string, text io.Reader, html bool, wrap func(io.Reader) io.Reader) error {
	switch {
	case html:
		// The part size limit cuts first: MaxOutput is only a backstop.
		text = htmltext.NewReader(text, htmltext.Limits{MaxOutput: w.lim.MaxPartBytes + 1})
	case wrap != nil:
		text = wrap(text)
	}
	return w.segment(idx, path, text)
}

// segment hands text to fn through the limits. idx is the Part the bytes
// count for, or -1 for header text. It returns the error text failed
// with, if it is one of package archive's; other read errors are noted on
// the Part as NoteDecodeError.
func (w *walker) segment(idx int, path string, text io.Reader) error {
	partPath := strings.TrimSuffix(path, ".header")
	if w.halted(partPath) {
		return nil
	}
	lt := &limitedText{w: w, r: text}
	if idx < 0 {
		lt.partMax = int64(w.lim.MaxHeaderBytes) * 4 // decoding may grow the text
	} else {
		lt.partMax = w.lim.MaxPartBytes - w.rep.Parts[idx].Bytes
	}
	err := w.fn(path, lt)
	if idx >= 0 {
		w.rep.Parts[idx].Bytes += lt.n
	}
	if err != nil && w.fatal == nil {
		w.fatal = err
		return nil
	}
	switch lt.hit {
	case ReasonPartSize:
		w.unscannable(partPath, ReasonPartSize)
	case ReasonTotalSize:
		w.unscannable(partPath, ReasonTotalSize)
		w.stop = true
	}
	if isArchiveErr(lt.readErr) {
		w.halted(partPath)
		return lt.readErr
	}
	if lt.readErr != nil && !errors.Is(lt.readErr, errStopped) && w.src.err == nil && idx >= 0 {
		w.note(idx, NoteDecodeError)
	}
	w.halted(partPath)
	return nil
}

func isArchiveErr(err error) bool {
	for _, e := range []error{archive.ErrExpansion, archive.ErrCorrupt, archive.ErrEncrypted, archive.ErrUnsupported, archive.ErrTooManyEntries} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// limitedText enforces the size limits and the timeout on a segment. At a
// limit it ends the text early (io.EOF) and records which one in hit.
type limitedText struct {
	w       *walker
	r       io.Reader
	partMax int64 // bytes this segment may still add to its Part
	n       int64
	hit     Reason
	done    bool
	readErr error
}

func (t *limitedText) Read(p []byte) (int, error) {
	if t.done || t.w.ctx.Err() != nil {
		t.done = true
		return 0, io.EOF
	}
	partRoom := t.partMax - t.n
	totalRoom := t.w.lim.MaxTotalBytes - t.w.rep.Bytes
	room := min(partRoom, totalRoom)
	if room < 0 {
		room = 0
	}
	if int64(len(p)) > room+1 {
		p = p[:room+1]
	}
	n, err := t.r.Read(p)
	if int64(n) > room {
		// There is more than the limit allows.
		n = int(room)
		t.done = true
		if partRoom <= totalRoom {
			t.hit = ReasonPartSize
		} else {
			t.hit = ReasonTotalSize
		}
		err = io.EOF
	}
	t.n += int64(n)
	t.w.rep.Bytes += int64(n)
	if err != nil && err != io.EOF {
		t.readErr = err
		t.done = true
		err = io.EOF
	}
	if err == io.EOF {
		t.done = true
	}
	return n, err
}

// multipart visits the parts of a multipart entity.
func (w *walker) multipart(idx int, path string, depth int, body io.Reader, boundary string, digest bool) {
	if boundary == "" {
		w.note(idx, NoteNoBoundary)
		w.rep.Parts[idx].Disposition = DispText
		w.textBody(idx, path, body, "", "", false)
		return
	}
	if depth+1 > w.lim.MaxDepth {
		w.unscannable(path, ReasonDepth)
		return
	}
	childType := "text/plain"
	if digest {
		childType = "message/rfc822"
	}
	sp := newSplitter(body, boundary)
	defer sp.release()
	// The preamble is normally "This is a multi-part message in MIME
	// format.", but it is sent, so it is scanned.
	w.textBody(idx, path, sp, "", "", false)
	n := 0
	for !w.halted(path) && sp.next() {
		n++
		w.entity(path+"."+strconv.Itoa(n), depth+1, sp, childType)
	}
	if w.halted(path) {
		return
	}
	if n == 0 && sp.delims == 0 {
		w.note(idx, NoteNoBoundary)
	}
	if sp.truncated() && sp.delims > 0 {
		w.note(idx, NoteTruncated)
	}
	w.textBody(idx, path, sp.epilogue(), "", "", false)
}
