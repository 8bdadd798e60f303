// Package openpgp tells encrypted OpenPGP data from data that is only
// signed, compressed or armored, and unwraps the latter, so that the
// scanner reads what "gpg --sign" or "gpg --store" output carries.
//
// Unwrap reads binary OpenPGP packets (RFC 9580, RFC 4880; old and new
// packet formats, partial body lengths), follows compressed data packets
// (uncompressed, ZIP = raw deflate, ZLIB, BZip2) down to the literal data
// packet and streams its content. When the payload is encrypted (public-
// or symmetric-key encrypted session keys, SED, SEIPD or AEAD packets) it
// says so and returns no content; keys and detached signatures are named
// too. Armor finds ASCII-armored blocks in text and decodes them;
// clear-signed text comes out with its dash-escaping undone. Nothing is
// decrypted and no signature is verified.
//
// Every count is bounded (Limits): the input read, the content returned,
// nested compressed packets, packets per layer, the decompression ratio
// and armored blocks. Work is linear in the bytes read. Bad input gives
// an error wrapping one of the sentinel values, never a panic; errors do
// not quote the input.
package openpgp

import (
	"bytes"
	"errors"
	"io"
)

// Kind is what a sequence of packets is. The values are stable: they may
// label findings and metrics.
type Kind string

// Kinds.
const (
	// Encrypted: encrypted session keys and encrypted data; unreadable.
	Encrypted Kind = "encrypted"
	// Signature: signature packets only, a detached signature.
	Signature Kind = "signature"
	// Signed: one-pass signature (or signature) packets around data.
	Signed Kind = "signed"
	// Compressed: a compressed data packet.
	Compressed Kind = "compressed"
	// Literal: a literal data packet, the content itself.
	Literal Kind = "literal"
	// PublicKey: transferable public keys (a key block) without secret
	// key material.
	PublicKey Kind = "public-key"
	// PrivateKey: a key block with a secret key or subkey packet in it.
	PrivateKey Kind = "private-key"
	// Marker: marker (or padding) packets only.
	Marker Kind = "marker"
)

// Errors. Errors from this package wrap one of them.
var (
	// ErrNotOpenPGP: the input does not start with an OpenPGP packet that
	// can begin a message, key or signature.
	ErrNotOpenPGP = errors.New("openpgp: not OpenPGP data")
	// ErrCorrupt: the packets are damaged or truncated, or an armored
	// block is.
	ErrCorrupt = errors.New("openpgp: corrupt")
	// ErrLimit: a limit of Limits was passed.
	ErrLimit = errors.New("openpgp: limit exceeded")
	// ErrUnsupported: a compression algorithm this package does not read.
	ErrUnsupported = errors.New("openpgp: unsupported")
)

// Limits bound what Unwrap and Armor may read and return. Zero fields
// take the defaults.
type Limits struct {
	// MaxContent is the most bytes of literal data Content returns
	// (ErrLimit past it), and the most bytes Armor decodes from one block.
	// Default 50 MiB.
	MaxContent int64
	// MaxDepth is the most compressed packets nested in one another.
	// Default 8.
	MaxDepth int
	// MaxRatio is the most bytes a compressed packet may inflate to per
	// compressed byte, checked once RatioGrace bytes are out. Default 100.
	MaxRatio int64
	// MaxInput is the most bytes read from the input, and from the output
	// of each compressed packet. Default 64 MiB.
	MaxInput int64
	// MaxPackets is the most packets read in one sequence before the
	// payload (signatures, markers). Default 1000.
	MaxPackets int
	// MaxBlocks is the most armored blocks Armor returns. Default 100.
	MaxBlocks int
}

// Defaults.
const (
	DefaultMaxContent = 50 << 20
	DefaultMaxDepth   = 8
	DefaultMaxRatio   = 100
	DefaultMaxInput   = 64 << 20
	DefaultMaxPackets = 1000
	DefaultMaxBlocks  = 100
	// RatioGrace is the output of a compressed packet below which its
	// ratio is not checked, so small, repetitive content is not taken for
	// a bomb.
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
	if l.MaxPackets <= 0 {
		l.MaxPackets = DefaultMaxPackets
	}
	if l.MaxBlocks <= 0 {
		l.MaxBlocks = DefaultMaxBlocks
	}
	return l
}

// Result is what Unwrap found.
type Result struct {
	// Layers are the kinds read, outermost first: for "gpg --sign"
	// compressed, signed, literal; for "gpg --encrypt" encrypted.
	Layers []Kind
	// Content streams the literal data. It is nil when there is none
	// (encrypted, a signature, a key). Its Read returns an error wrapping
	// ErrCorrupt or ErrLimit when the rest of the input is damaged or too
	// large: the bytes before it were read and may be scanned, but the
	// content is incomplete.
	Content io.Reader
	// Encrypted is true when the payload is encrypted.
	Encrypted bool
	// Detached is true for signature packets without data.
	Detached bool
	// Name is the literal data packet's file name (raw bytes, often
	// empty); it is a hint for the type of Content.
	Name string
	// Format is the literal data packet's format octet: 'b' binary, 't'
	// text, 'u' UTF-8 text, ...
	Format byte
}

// Classify reads the first packets of r and returns the outermost kind,
// Unwrap's first layer: it reads past markers and signature packets (to
// tell a detached signature from signed data), reads a key block to its
// end or its first secret key, and otherwise stops at the first packet's
// header; it reads a byte at a time unless r is an io.ByteReader.
func Classify(r io.Reader, lim Limits) (Kind, error) {
	u := &unwrapper{lim: lim.withDefaults(), classify: true}
	err := u.message(newReader(r, u.lim.MaxInput, false), 0)
	if len(u.res.Layers) > 0 {
		return u.res.Layers[0], nil
	}
	return "", err
}

// Unwrap reads the OpenPGP packets in r (binary: armor is undone by
// Armor) and returns their layers and, for data that is only signed,
// compressed or stored, the literal content, streaming from r: the
// caller reads Content before reusing r. On error, Result holds the
// layers read before it.
func Unwrap(r io.Reader, lim Limits) (Result, error) {
	u := &unwrapper{lim: lim.withDefaults()}
	err := u.message(newReader(r, u.lim.MaxInput, true), 0)
	if err != nil {
		u.res.Content = nil
	}
	return u.res, err
}

// SniffLen is how many leading bytes Sniff looks at.
const SniffLen = 8

// Sniff guesses from the first bytes whether head starts binary OpenPGP
// data, and returns the kind its first packet suggests ("" if none): a
// packet header of a tag that can start a message, key or signature,
// whose first body octets (version, algorithm, format) are valid. A
// signature packet gives Signature, though Classify may find data after
// it.
func Sniff(head []byte) Kind {
	p := newReader(bytes.NewReader(head), int64(len(head)), false)
	h, err := p.header()
	if err != nil || (h.partial && !partialAllowed(h.tag)) {
		return ""
	}
	var body [3]byte
	n, _ := p.read(body[:])
	if n == 0 {
		return ""
	}
	first := body[0]
	in := func(vs ...byte) bool { return bytes.IndexByte(vs, first) >= 0 }
	switch h.tag {
	case tagPKESK:
		if in(3, 6) {
			return Encrypted
		}
	case tagSKESK:
		if in(4, 5, 6) {
			return Encrypted
		}
	case tagSEIPD:
		if in(1, 2) {
			return Encrypted
		}
	case tagAEAD:
		if in(1) {
			return Encrypted
		}
	case tagSignature:
		if in(3, 4, 5, 6) {
			return Signature
		}
	case tagOnePassSig:
		if in(3, 6) {
			return Signed
		}
	case tagCompressed:
		if in(0, 1, 2, 3) {
			return Compressed
		}
	case tagLiteral:
		if in('b', 't', 'u', 'm', 'l', '1') {
			return Literal
		}
	case tagPublicKey:
		if in(3, 4, 5, 6) {
			return PublicKey
		}
	case tagSecretKey:
		if in(3, 4, 5, 6) {
			return PrivateKey
		}
	case tagMarker:
		if h.length == 3 && string(body[:n]) == "PGP" {
			return Marker
		}
	}
	return ""
}

// partialAllowed reports whether packets of tag may have partial body
// lengths (RFC 9580 section 4.2.1.4).
func partialAllowed(tag int) bool {
	switch tag {
	case tagCompressed, tagSED, tagLiteral, tagSEIPD, tagAEAD:
		return true
	}
	return false
}
