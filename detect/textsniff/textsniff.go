// Package textsniff decides, from the first bytes of a part, whether the
// part is text a person could read and in which encoding, so that the
// scanner reads a customer list as text whatever its Content-Type or file
// name says. It also recognises an RFC 5322 message sent under another type
// (LooksLikeMessage).
//
// Detect knows the encodings Japanese mail and files use: UTF-8,
// Shift_JIS (as CP932), EUC-JP, ISO-2022-JP, UTF-16 in either byte order
// with or without a byte-order mark, and UTF-7 when the bytes show it
// clearly. Single-byte legacy charsets (Latin-1, Windows-1252) are not
// among them: such text is judged by whether it happens to decode as
// Shift_JIS, and is usually not text. Bytes that are not text go to
// package printable, which scans their printable runs; so a wrong "not
// text" loses structure but not the strings.
//
// Detect is a pure function of its input: it allocates at most a few times
// MaxHead and never panics.
package textsniff

import (
	"bytes"
	"encoding/binary"
	"unicode/utf8"
)

// MaxHead is how much of head Detect looks at. A longer head is cut to
// MaxHead bytes and judged as not whole.
const MaxHead = 16 << 10

// Encodings reported in Result.Encoding.
const (
	UTF8      = "utf-8"
	ShiftJIS  = "shift_jis"
	EUCJP     = "euc-jp"
	ISO2022JP = "iso-2022-jp"
	UTF16LE   = "utf-16le"
	UTF16BE   = "utf-16be"
	UTF7      = "utf-7"
)

// Reasons reported in Result.Reason: why the bytes are, or are not, text.
// They form a fixed set, so they may label metrics.
const (
	// Text.
	ReasonEmpty      = "empty"               // no bytes: text, with nothing in it
	ReasonUTF8       = "valid-utf8"          // valid UTF-8 (ASCII included)
	ReasonMostlyUTF8 = "mostly-utf8"         // UTF-8 with fewer than 1% invalid bytes
	ReasonBOM        = "bom"                 // a byte-order mark, and the rest decodes
	ReasonEscapes    = "iso-2022-jp-escapes" // 7-bit with ISO-2022-JP escape sequences
	ReasonLegacy     = "legacy-decodes"      // decodes as Shift_JIS or EUC-JP
	ReasonUTF16      = "utf16-pattern"       // UTF-16 without a BOM, by its code units
	ReasonUTF7       = "utf7-shifts"         // 7-bit with valid UTF-7 shift sequences

	// Not text.
	ReasonSignature   = "binary-signature"        // starts with a known binary format's magic
	ReasonNUL         = "nul-bytes"               // NUL bytes, and not UTF-16
	ReasonControl     = "control-chars"           // decodes, but too many control characters
	ReasonUndecodable = "invalid-utf8-and-legacy" // neither UTF-8 nor a Japanese legacy charset
	ReasonBadBOM      = "invalid-after-bom"       // a byte-order mark followed by bytes that do not decode
)

// Result is Detect's judgement.
type Result struct {
	Text     bool   // the bytes are text a person could read
	Encoding string // one of the encodings above when Text, "" otherwise
	BOM      int    // length of a byte-order mark at the start, 0 if none
	Reason   string // one of the reasons above
}

// Detect judges head, the first bytes of a part (the caller passes up to
// MaxHead bytes); whole is true when head is the entire content. When
// whole is false, a character cut at the end of head is not held against
// it.
//
// An empty head is text (Reason "empty"): there is nothing in it to
// misread. Short heads are judged by the same rules as long ones, so a
// few bytes that happen to decode as Shift_JIS are text; the statistics
// that tell binary from text need more bytes than that, and reading a
// short binary as text loses nothing.
func Detect(head []byte, whole bool) Result {
	if len(head) > MaxHead {
		head, whole = head[:MaxHead], false
	}
	if len(head) == 0 {
		return text(UTF8, ReasonEmpty)
	}
	if hasSignature(head) {
		return notText(ReasonSignature)
	}
	switch {
	case bytes.HasPrefix(head, []byte("\xEF\xBB\xBF")):
		return withBOM(judgeUTF8(head[3:], whole), 3)
	case bytes.HasPrefix(head, []byte("\xFF\xFE")):
		return withBOM(judgeUTF16(head[2:], whole, false), 2)
	case bytes.HasPrefix(head, []byte("\xFE\xFF")):
		return withBOM(judgeUTF16(head[2:], whole, true), 2)
	}

	nul, high := bytes.IndexByte(head, 0) >= 0, hasHigh(head)
	if nul {
		if r, ok := sniffUTF16(head, whole); ok {
			return r
		}
		return notText(ReasonNUL)
	}
	if !high {
		if hasISO2022Escape(head) {
			return judgeISO2022JP(head, whole)
		}
		if utf7Evidence(head, whole) {
			if tooManyControls(head) {
				return notText(ReasonControl)
			}
			return text(UTF7, ReasonUTF7)
		}
		return judgeUTF8(head, whole)
	}
	if validUTF8Prefix(head, whole) {
		return judgeValidUTF8(head)
	}
	r := judgeLegacy(head, whole)
	if r.Text || r.Reason == ReasonControl {
		return r
	}
	if r16, ok := sniffUTF16(head, whole); ok {
		return r16
	}
	return r
}

func text(enc, reason string) Result { return Result{Text: true, Encoding: enc, Reason: reason} }

func notText(reason string) Result { return Result{Reason: reason} }

// withBOM marks r as found after a byte-order mark of n bytes.
func withBOM(r Result, n int) Result {
	if !r.Text {
		if r.Reason == ReasonUndecodable {
			r.Reason = ReasonBadBOM
		}
		return r
	}
	r.BOM, r.Reason = n, ReasonBOM
	return r
}

// judgeUTF8 judges b as UTF-8.
func judgeUTF8(b []byte, whole bool) Result {
	if !validUTF8Prefix(b, whole) {
		return notText(ReasonUndecodable)
	}
	return judgeValidUTF8(b)
}

// judgeValidUTF8 judges b, known to be UTF-8 (validUTF8Prefix), as text.
func judgeValidUTF8(b []byte) Result {
	if tooManyControls(b) {
		return notText(ReasonControl)
	}
	return text(UTF8, ReasonUTF8)
}

// hasHigh reports whether b has a byte of 0x80 or more.
func hasHigh(b []byte) bool {
	for len(b) >= 8 {
		if binary.LittleEndian.Uint64(b)&0x8080808080808080 != 0 {
			return true
		}
		b = b[8:]
	}
	for _, c := range b {
		if c >= 0x80 {
			return true
		}
	}
	return false
}

// validUTF8Prefix reports whether b is valid UTF-8, allowing one rune cut
// at the end when b is not whole.
func validUTF8Prefix(b []byte, whole bool) bool {
	if utf8.Valid(b) {
		return true
	}
	if whole {
		return false
	}
	for cut := 1; cut < utf8.UTFMax && cut <= len(b); cut++ {
		if utf8.Valid(b[:len(b)-cut]) {
			return !utf8.FullRune(b[len(b)-cut:])
		}
	}
	return false
}

// tooManyControls reports whether the UTF-8 text b has too many control
// characters to be text: one in twenty characters or more, as the walker's
// looksText had it. Tab, CR, LF, FF and ESC (which ISO-2022-JP and terminal
// output use) are not counted, nor is one SUB (^Z, the DOS end-of-file
// mark) at the very end. Invalid bytes count as controls.
func tooManyControls(b []byte) bool {
	if n := len(b); n > 0 && b[n-1] == 0x1A {
		b = b[:n-1]
	}
	chars, bad := 0, 0
	for i := 0; i < len(b); {
		c := b[i]
		if c >= utf8.RuneSelf {
			// b is UTF-8 (valid, but for a character cut at its end): a
			// character is counted at its first byte, and the only
			// controls past ASCII are C1's U+0080-U+009F, C2 80 to C2 9F.
			if c >= 0xC0 {
				chars++
				if c == 0xC2 && i+1 < len(b) && b[i+1] < 0xA0 {
					bad++
				}
			}
			i++
			continue
		}
		// Eight printable ASCII bytes (0x20-0x7E) at a time: most
		// Latin text.
		if i+8 <= len(b) {
			x := binary.LittleEndian.Uint64(b[i:])
			if (x-0x2020202020202020)&^x&0x8080808080808080 == 0 && (x+0x0101010101010101|x)&0x8080808080808080 == 0 {
				chars += 8
				i += 8
				continue
			}
		}
		chars++
		bad += int(asciiControl[c])
		i++
	}
	return bad*20 >= chars && bad > 0
}

// asciiControl is 1 for the ASCII controls isControl counts.
var asciiControl = func() (t [utf8.RuneSelf]uint8) {
	for c := range t {
		if isControl(rune(c)) {
			t[c] = 1
		}
	}
	return t
}()

// isControl reports whether r is a control character that text does not
// normally hold.
func isControl(r rune) bool {
	switch r {
	case '\t', '\n', '\r', '\f', 0x1B:
		return false
	}
	return r < 0x20 || (0x7F <= r && r < 0xA0)
}
