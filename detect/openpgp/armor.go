package openpgp

import (
	"bytes"
	"encoding/base64"
	"fmt"
)

// BlockType is the label of an armor header line,
// "-----BEGIN PGP <label>-----" (RFC 9580 section 6.2).
type BlockType string

// Block types. Armor also returns blocks of other labels (PGP 2's
// "SECRET KEY BLOCK", "MESSAGE, PART 1/2", ...) with the label as Type.
const (
	ArmorMessage       BlockType = "MESSAGE"
	ArmorSignature     BlockType = "SIGNATURE"
	ArmorSignedMessage BlockType = "SIGNED MESSAGE" // clear-signed text
	ArmorPublicKey     BlockType = "PUBLIC KEY BLOCK"
	ArmorPrivateKey    BlockType = "PRIVATE KEY BLOCK"
)

// Block is one armored block found in text.
type Block struct {
	Type BlockType
	// Start and End delimit the block in the text: from the start of its
	// BEGIN line (a quoting prefix such as "> " included) to the end of
	// its END line, without the line break.
	Start, End int
	// Data is the decoded binary: the OpenPGP packets of the block (for a
	// SIGNED MESSAGE, of its signature), for Unwrap.
	Data []byte
	// Text is, for a SIGNED MESSAGE, the signed text with dash-escaping
	// ("- ") and any quoting prefix undone, and its line breaks as in the
	// input; it is readable and should be scanned.
	Text []byte
	// Err is what is wrong with the block, wrapping ErrCorrupt (bad
	// base64, checksum mismatch, no END line) or ErrLimit (more than
	// MaxContent bytes). Data and Text then hold what could be decoded.
	Err error
}

const (
	beginPrefix = "-----BEGIN PGP "
	endPrefix   = "-----END PGP "
	dashes      = "-----"
	maxLabel    = 64
	maxQuote    = 32 // bytes of quoting prefix ("> > ") before an armor line
)

// Armor finds the ASCII-armored blocks in text (a text body in any
// ASCII-compatible charset, CRLF or LF line breaks), including blocks
// quoted in a reply ("> -----BEGIN PGP MESSAGE-----"). It returns at most
// MaxBlocks of them, and ErrLimit if there are more.
func Armor(text []byte, lim Limits) ([]Block, error) {
	lim = lim.withDefaults()
	if !bytes.Contains(text, []byte(beginPrefix)) {
		return nil, nil
	}
	a := &armorScanner{text: text, lim: lim}
	var blocks []Block
	for a.pos < len(text) {
		line := a.nextLine()
		prefix, label, ok := beginLine(line.text)
		if !ok {
			continue
		}
		if len(blocks) == lim.MaxBlocks {
			return blocks, fmt.Errorf("%w: more than %d armored blocks", ErrLimit, lim.MaxBlocks)
		}
		b := Block{Type: BlockType(label), Start: line.start}
		if b.Type == ArmorSignedMessage {
			a.clearSigned(&b, prefix, line.end)
		} else {
			a.armored(&b, prefix, label, line.end)
		}
		blocks = append(blocks, b)
	}
	return blocks, nil
}

// SniffArmor returns the type of the armored block that head (the first
// bytes of a part) starts with, after any byte-order mark and white
// space, or "" if it starts none.
func SniffArmor(head []byte) BlockType {
	head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	head = bytes.TrimLeft(head, " \t\r\n")
	if i := bytes.IndexByte(head, '\n'); i >= 0 {
		head = head[:i]
	}
	head = bytes.TrimRight(head, "\r") // CRLF, as mail has it
	if !bytes.HasPrefix(head, []byte(beginPrefix)) {
		return ""
	}
	_, label, ok := beginLine(head)
	if !ok {
		return ""
	}
	return BlockType(label)
}

// IsArmoredMessage reports whether head starts with an armored PGP
// MESSAGE (what an application/pgp-encrypted part's sibling, or an
// inline-PGP body, holds).
func IsArmoredMessage(head []byte) bool { return SniffArmor(head) == ArmorMessage }

// beginLine parses "<prefix>-----BEGIN PGP <label>-----" and returns the
// quoting prefix and the label.
func beginLine(line []byte) (prefix, label []byte, ok bool) {
	i := bytes.Index(line, []byte(beginPrefix))
	if i < 0 || i > maxQuote || !isQuote(line[:i]) {
		return nil, nil, false
	}
	rest := bytes.TrimRight(line[i+len(beginPrefix):], " \t")
	if !bytes.HasSuffix(rest, []byte(dashes)) {
		return nil, nil, false
	}
	label = rest[:len(rest)-len(dashes)]
	if len(label) == 0 || len(label) > maxLabel {
		return nil, nil, false
	}
	for _, c := range label {
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == ' ' || c == ',' || c == '/') {
			return nil, nil, false
		}
	}
	return line[:i], label, true
}

// isQuote reports whether p is a quoting prefix: '>' and blanks.
func isQuote(p []byte) bool {
	for _, c := range p {
		if c != '>' && c != ' ' && c != '\t' {
			return false
		}
	}
	return true
}

type armorLine struct {
	text  []byte // without the line break
	eol   []byte // "\r\n", "\n" or "" at the end of the text
	start int
	end   int // offset of the end of text
}

type armorScanner struct {
	text []byte
	pos  int
	lim  Limits
}

func (a *armorScanner) nextLine() armorLine {
	l := armorLine{start: a.pos}
	rest := a.text[a.pos:]
	n := bytes.IndexByte(rest, '\n')
	if n < 0 {
		l.text, a.pos = rest, len(a.text)
	} else {
		l.text, l.eol, a.pos = rest[:n], rest[n:n+1], a.pos+n+1
	}
	if len(l.text) > 0 && l.text[len(l.text)-1] == '\r' {
		l.text, l.eol = l.text[:len(l.text)-1], a.text[l.start+len(l.text)-1:a.pos]
	}
	l.end = l.start + len(l.text)
	return l
}

// unquote returns line without the block's quoting prefix, or false if
// it does not carry it (the block ends there). A quoted blank line may
// have lost the prefix's trailing blanks (">" for "> ").
func unquote(line, prefix []byte) ([]byte, bool) {
	if bytes.HasPrefix(line, prefix) {
		return line[len(prefix):], true
	}
	if p := bytes.TrimRight(prefix, " \t"); bytes.Equal(bytes.TrimRight(line, " \t"), p) {
		return nil, true
	}
	return nil, false
}

// armored reads the rest of an armored block after its BEGIN line, which
// ends at last: armor headers, a blank line, base64 lines, an optional
// "=" CRC-24 line and the END line.
func (a *armorScanner) armored(b *Block, prefix, label []byte, last int) {
	var (
		b64      []byte
		crc      []byte
		inData   bool
		tooLarge bool
		ended    bool
	)
	for a.pos < len(a.text) {
		save := a.pos
		l := a.nextLine()
		line, ok := unquote(l.text, prefix)
		if _, _, begin := beginLine(l.text); !ok || begin {
			a.pos = save // the quoting stops, or a new block starts: this one was cut
			break
		}
		last = l.end
		line = bytes.TrimRight(line, " \t")
		if bytes.HasPrefix(line, []byte(endPrefix)) {
			ended = true
			if !bytes.Equal(line, []byte(endPrefix+string(label)+dashes)) {
				b.Err = fmt.Errorf("%w: END line does not match BEGIN", ErrCorrupt)
			}
			break
		}
		if !inData {
			switch {
			case len(line) == 0:
				inData = true
				continue
			case bytes.Contains(line, []byte(": ")) || bytes.HasSuffix(line, []byte(":")):
				continue // armor header
			}
			inData = true // no blank line after the headers: tolerated
		}
		if len(line) == 5 && line[0] == '=' && crc == nil {
			crc = line[1:]
			continue
		}
		if tooLarge {
			continue
		}
		for _, c := range line {
			if c != ' ' && c != '\t' {
				b64 = append(b64, c)
			}
		}
		if int64(base64.RawStdEncoding.DecodedLen(len(b64))) > a.lim.MaxContent {
			tooLarge, b64 = true, nil
		}
	}
	b.End = last
	if !ended {
		b.Err = fmt.Errorf("%w: armored block without END line", ErrCorrupt)
	}
	if tooLarge {
		b.Err = fmt.Errorf("%w: armored block larger than %d bytes", ErrLimit, a.lim.MaxContent)
		return
	}
	data, err := decodeBase64(b64)
	b.Data = data
	if err != nil {
		b.Err = err
		return
	}
	if crc != nil && b.Err == nil {
		want, err := base64.StdEncoding.DecodeString(string(crc))
		if err != nil || len(want) != 3 || crc24(data) != uint32(want[0])<<16|uint32(want[1])<<8|uint32(want[2]) {
			b.Err = fmt.Errorf("%w: armor checksum mismatch", ErrCorrupt)
		}
	}
}

// clearSigned reads a clear-signed message (RFC 9580 section 7) after its
// BEGIN line, which ends at last: Hash headers, a blank line, the
// dash-escaped text, and an armored SIGNATURE.
func (a *armorScanner) clearSigned(b *Block, prefix []byte, last int) {
	b.Text = []byte{}
	b.End = last
	b.Err = fmt.Errorf("%w: clear-signed message without signature", ErrCorrupt)
	// Armor headers, up to a blank line.
	for {
		if a.pos >= len(a.text) {
			return
		}
		save := a.pos
		l := a.nextLine()
		line, ok := unquote(l.text, prefix)
		if !ok {
			a.pos = save
			return
		}
		b.End = l.end
		if len(bytes.TrimRight(line, " \t")) == 0 {
			break
		}
	}
	var eol []byte // the line break before the current line, added when a line follows
	for a.pos < len(a.text) {
		save := a.pos
		l := a.nextLine()
		line, ok := unquote(l.text, prefix)
		if !ok {
			a.pos = save
			return
		}
		if p, label, begin := beginLine(l.text); begin && bytes.Equal(p, prefix) && BlockType(label) == ArmorSignature {
			sig := Block{}
			a.armored(&sig, prefix, label, l.end)
			b.Data, b.End, b.Err = sig.Data, sig.End, sig.Err
			return
		}
		b.End = l.end
		if bytes.HasPrefix(line, []byte("- ")) {
			line = line[2:]
		}
		if int64(len(b.Text)+len(eol)+len(line)) > a.lim.MaxContent {
			b.Err = fmt.Errorf("%w: clear-signed text larger than %d bytes", ErrLimit, a.lim.MaxContent)
			return
		}
		b.Text = append(append(b.Text, eol...), line...)
		eol = l.eol
	}
}

// decodeBase64 decodes the base64 of an armored block, with or without
// its "=" padding.
func decodeBase64(b64 []byte) ([]byte, error) {
	b64 = bytes.TrimRight(b64, "=")
	out := make([]byte, base64.RawStdEncoding.DecodedLen(len(b64)))
	n, err := base64.RawStdEncoding.Decode(out, b64)
	if err != nil {
		return out[:n], fmt.Errorf("%w: bad base64 in armored block", ErrCorrupt)
	}
	return out[:n], nil
}

// crc24 is the armor checksum (RFC 9580 section 6.1).
func crc24(b []byte) uint32 {
	crc := uint32(0xb704ce)
	for _, c := range b {
		crc ^= uint32(c) << 16
		for range 8 {
			crc <<= 1
			if crc&0x1000000 != 0 {
				crc ^= 0x1864cfb
			}
		}
	}
	return crc & 0xffffff
}
