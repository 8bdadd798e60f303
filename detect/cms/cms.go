// Package cms tells encrypted S/MIME content from content that is only
// wrapped, and unwraps the latter, so that the scanner reads what an
// opaque-signed or compressed message carries.
//
// It reads CMS (RFC 5652) and PKCS #7 ContentInfo structures in DER or in
// BER as streaming writers produce them (openssl -stream, Outlook, Bouncy
// Castle): indefinite lengths, and eContent split into many OCTET STRING
// chunks. Unwrap follows signed-data, compressed-data (RFC 3274, zlib),
// digested-data, authenticated-data (whose content is in clear) and data
// down to the encapsulated content, through nested layers, and streams it;
// for enveloped-data, auth-enveloped-data (RFC 5083), encrypted-data and
// PKCS #7's signed-and-enveloped-data it says so and returns no content. Nothing is decrypted, no signature or
// MAC is verified, and certificates are skipped unread.
//
// Every count is bounded (Limits): the input read, the content returned,
// the layers, the decompression ratio and the nesting of elements
// (MaxBERNesting). Work is linear in the bytes read. Bad input gives an
// error wrapping one of the sentinel values, never a panic; errors do not
// quote the input.
package cms

import (
	"bytes"
	"errors"
	"fmt"
	"io"
)

// Kind is a CMS content type. The values are stable: they may label
// findings and metrics.
type Kind string

// Content types.
const (
	Data              Kind = "data"
	SignedData        Kind = "signed-data"
	EnvelopedData     Kind = "enveloped-data"
	DigestedData      Kind = "digested-data"
	EncryptedData     Kind = "encrypted-data"
	AuthenticatedData Kind = "authenticated-data"
	CompressedData    Kind = "compressed-data"
	AuthEnvelopedData Kind = "auth-enveloped-data"
	// SignedAndEnvelopedData is PKCS #7's (RFC 2315 section 11), dropped
	// from CMS; it is encrypted.
	SignedAndEnvelopedData Kind = "signed-and-enveloped-data"
)

// Encrypted reports whether content of kind k cannot be read without a key.
func (k Kind) Encrypted() bool {
	return k == EnvelopedData || k == AuthEnvelopedData || k == EncryptedData || k == SignedAndEnvelopedData
}

// Errors. Errors from this package wrap one of them.
var (
	// ErrNotCMS: the input is not a ContentInfo.
	ErrNotCMS = errors.New("cms: not a CMS ContentInfo")
	// ErrCorrupt: the structure is damaged or truncated.
	ErrCorrupt = errors.New("cms: corrupt")
	// ErrLimit: a limit of Limits (or MaxBERNesting) was passed.
	ErrLimit = errors.New("cms: limit exceeded")
	// ErrUnsupported: a CMS content type, compression algorithm or content
	// encoding this package does not read.
	ErrUnsupported = errors.New("cms: unsupported")
)

// Limits bound what Unwrap may read and return. Zero fields take the
// defaults.
type Limits struct {
	// MaxContent is the most bytes of unwrapped content Content returns
	// (ErrLimit past it). Default 50 MiB.
	MaxContent int64
	// MaxDepth is the most layers (nested ContentInfos). Default 8.
	MaxDepth int
	// MaxRatio is the most bytes a compressed-data layer may inflate to
	// per compressed byte, checked once RatioGrace bytes are out.
	// Default 100.
	MaxRatio int64
	// MaxInput is the most bytes read from the input, and from the output
	// of each decompressed layer. Default 64 MiB.
	MaxInput int64
}

// Defaults.
const (
	DefaultMaxContent = 50 << 20
	DefaultMaxDepth   = 8
	DefaultMaxRatio   = 100
	DefaultMaxInput   = 64 << 20
	// RatioGrace is the output of a compressed layer below which its ratio
	// is not checked, so small, repetitive content is not taken for a bomb.
	RatioGrace = 1 << 20
)

func (l Limits) withDefaults() Limits {
	if l.MaxContent <= 0 {
		l.MaxContent = DefaultMaxContent
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultMaxDepth
	}
	if l.MaxRatio <= 0 {
		l.MaxRatio = DefaultMaxRatio
	}
	if l.MaxInput <= 0 {
		l.MaxInput = DefaultMaxInput
	}
	return l
}

// Result is what Unwrap found.
type Result struct {
	// Layers are the content types read, outermost first, ending with
	// the one that holds Content (or the encrypted one).
	Layers []Kind
	// Content streams the innermost content, typically a MIME entity. It
	// is nil when there is none: encrypted, or a detached signature. Its
	// Read returns an error wrapping ErrCorrupt or ErrLimit when the rest
	// of the input is damaged or too large: the bytes before it were read
	// and may be scanned, but the content is incomplete.
	Content io.Reader
	// Detached is true for a signed-data (or digested- or
	// authenticated-data) without encapsulated content: the content
	// travels elsewhere (multipart/signed).
	Detached bool
	// Encrypted is true when the innermost layer is encrypted (see
	// Kind.Encrypted).
	Encrypted bool
	// InnerType is the content type of Content (or of the detached
	// content): a Kind's value, such as "data", or the dotted OID of a
	// type this package has no name for. Empty when encrypted.
	InnerType string
}

// Classify reads the outer ContentInfo header of r (DER or BER; base64,
// if any, undone by the caller) and returns its content type. It reads no
// further than the type's OID, a byte at a time unless r is an
// io.ByteReader.
func Classify(r io.Reader) (Kind, error) {
	d := newDecoder(r, 64, false)
	k, _, _, err := contentType(d)
	return k, err
}

// SniffLen is how many leading bytes Sniff needs.
const SniffLen = 32

// Sniff returns the content type of the ContentInfo starting with head,
// or "" if head does not start one.
func Sniff(head []byte) Kind {
	k, err := Classify(bytes.NewReader(head))
	if err != nil {
		return ""
	}
	return k
}

// Unwrap reads the ContentInfo in r and returns its layers and, for
// content that is only wrapped, the content itself, streaming from r: the
// caller reads Content before reusing r. On error, Result holds the
// layers read before it.
func Unwrap(r io.Reader, lim Limits) (Result, error) {
	u := &unwrapper{lim: lim.withDefaults()}
	err := u.contentInfo(newDecoder(r, u.lim.MaxInput, true))
	if err != nil {
		u.res.Content = nil
	}
	return u.res, err
}

// IsSignature reports whether b (DER or BER) is a detached signature: a
// signed-data without encapsulated content, as an
// application/pkcs7-signature part carries.
func IsSignature(b []byte) bool {
	res, err := Unwrap(bytes.NewReader(b), Limits{})
	return err == nil && res.Detached && len(res.Layers) == 1 && res.Layers[0] == SignedData
}

// contentType reads the header of a ContentInfo and its contentType OID,
// and returns the enclosing SEQUENCE and the OID.
func contentType(d *decoder) (Kind, elem, string, error) {
	seq, err := d.top()
	if err != nil {
		if errors.Is(err, errTruncated) && d.off == 0 {
			return "", elem{}, "", ErrNotCMS
		}
		return "", elem{}, "", err
	}
	if !seq.is(classUniversal, tagSequence) || !seq.constructed {
		return "", elem{}, "", ErrNotCMS
	}
	e, ok, err := d.next(&seq)
	if err != nil {
		return "", elem{}, "", err
	}
	if !ok || !e.is(classUniversal, tagOID) || e.constructed {
		return "", elem{}, "", ErrNotCMS
	}
	b, err := d.readPrim(e, maxOIDLen)
	if err != nil {
		return "", elem{}, "", err
	}
	oid, ok := parseOID(b)
	if !ok {
		return "", elem{}, "", ErrNotCMS
	}
	if k, ok := kinds[oid]; ok {
		return k, seq, oid, nil
	}
	if isCMSArc(oid) {
		return "", seq, oid, fmt.Errorf("%w: content type %s", ErrUnsupported, oid)
	}
	return "", elem{}, "", ErrNotCMS
}
