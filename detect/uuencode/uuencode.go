// Package uuencode decodes uuencoded files: parts sent with
// Content-Transfer-Encoding x-uuencode (Reader), and the "begin 644
// name" blocks that old mailers and scripts paste into plain-text bodies
// (Splitter, which takes them out of the text and hands each decoded file
// to the caller, to be scanned as an attachment).
//
// Both framings are read: the classic one, where each line starts with a
// length character (" " + n, or "`" for 0) followed by four characters
// per three bytes, ended by a line of length 0 and "end"; and
// "begin-base64", base64 lines ended by "====" (uuencode -m). Lines may
// end in CRLF or LF; trailing spaces may be missing (a mail system
// stripped them; they stand for zero bits) or added, a final group may
// lack its padding characters, "`" and " " both stand for zero, and the
// "end" line may be missing.
//
// Lines that can be encoded are bounded (MaxLine), so memory does not
// grow with the input. A Splitter's text and decoded bytes together are
// at most 1.5 times its input (a classic line may lack one group of
// stripped spaces: "#" alone is three zero bytes). A Reader pads a classic
// line whose trailing spaces were stripped however short it is, so that
// a line of two bytes can stand for 63 zero bytes: the caller bounds the
// decoded part.
//
// Names come from the input as they are: they may contain spaces,
// slashes, control characters and bytes that are not UTF-8.
package uuencode

import (
	"bytes"
	"errors"
)

// ErrNoBegin: the input has no begin line.
var ErrNoBegin = errors.New("uuencode: no begin line")

// MaxLine is the longest line, terminator included, that can be a begin
// line or an encoded line. Longer lines are text (Splitter) or skipped
// (Reader).
const MaxLine = 4096

// Framing is how a block's lines are encoded.
type Framing int

const (
	// Classic is "begin mode name", length-prefixed lines, "`", "end".
	Classic Framing = iota
	// Base64 is "begin-base64 mode name", base64 lines, "====".
	Base64
)

func (f Framing) String() string {
	if f == Base64 {
		return "base64"
	}
	return "classic"
}

// header is a parsed begin line.
type header struct {
	framing Framing
	name    []byte // in the line parsed
}

// body returns line without its line terminator ("\n", "\r\n", or a "\r"
// alone at the end).
func body(line []byte) []byte {
	line = bytes.TrimSuffix(line, []byte("\n"))
	return bytes.TrimSuffix(line, []byte("\r"))
}

func trimSpace(b []byte) []byte { return bytes.TrimRight(b, " \t\r\n") }

// parseBegin parses "begin MODE NAME" or "begin-base64 MODE NAME": MODE is
// one to six octal digits, NAME the rest of the line without surrounding
// blanks (it may be empty and may contain spaces).
func parseBegin(line []byte) (header, bool) {
	var h header
	switch {
	case bytes.HasPrefix(line, []byte("begin ")):
		line = line[len("begin "):]
	case bytes.HasPrefix(line, []byte("begin-base64 ")):
		line = line[len("begin-base64 "):]
		h.framing = Base64
	default:
		return h, false
	}
	line = trimSpace(line)
	n := 0
	for n < len(line) && '0' <= line[n] && line[n] <= '7' {
		n++
	}
	if n == 0 || n > 6 || n < len(line) && line[n] != ' ' && line[n] != '\t' {
		return h, false
	}
	h.name = bytes.TrimLeft(line[n:], " \t")
	return h, true
}

// isEnd reports whether b (a line's body) is the "end" line.
func isEnd(b []byte) bool { return string(trimSpace(b)) == "end" }

// lineKind is what a line of a block is.
type lineKind int

const (
	invalid lineKind = iota
	data
	last // classic: the length-0 line; base64: "===="
)

// strictShortfall is how many characters a classic line may lack, beyond its
// padding, and still count as encoded when the text around it may not be
// (Splitter): one group's worth of stripped trailing spaces.
const strictShortfall = 4

// classicLine classifies the body of a classic line and decodes it into
// out (at least 63 bytes), returning the number of bytes. A line may lack
// up to maxShort characters (stripped trailing spaces, taken as zero
// bits) beyond those the final group's padding needs; maxShort < 0 means
// any number.
func classicLine(b []byte, maxShort int, out []byte) (lineKind, int) {
	if len(b) == 0 {
		return last, 0 // " " with its space stripped
	}
	if b[0] < ' ' || b[0] > '`' {
		return invalid, 0
	}
	n := int(b[0]-' ') & 0x3f
	b = b[1:]
	if n == 0 {
		if len(bytes.Trim(b, " `\t")) != 0 {
			return invalid, 0
		}
		return last, 0
	}
	full := (n + 2) / 3 * 4 // characters with the padding
	need := (n*8 + 5) / 6   // characters that carry the bits
	if len(b) > full {
		// Extra characters: trailing blanks, or up to two more (some
		// encoders add a checksum character).
		extra := bytes.TrimRight(b[full:], " \t")
		if len(extra) > 2 {
			return invalid, 0
		}
		for _, c := range extra {
			if c < ' ' || c > '`' {
				return invalid, 0
			}
		}
		b = b[:full]
	}
	if maxShort >= 0 && need-len(b) > maxShort {
		return invalid, 0
	}
	for _, c := range b {
		if c < ' ' || c > '`' {
			return invalid, 0
		}
	}
	var g [4]byte
	o := 0
	for i := 0; o < n; i += 4 {
		for j := range g {
			g[j] = 0
			if i+j < len(b) {
				g[j] = (b[i+j] - ' ') & 0x3f
			}
		}
		t := [3]byte{g[0]<<2 | g[1]>>4, g[1]<<4 | g[2]>>2, g[2]<<6 | g[3]}
		o += copy(out[o:n], t[:])
	}
	return data, n
}

// maxClassic is the most bytes a classic line decodes to.
const maxClassic = 63

// base64Value is the value of each base64 character, and -1 for the
// others.
var base64Value = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for i, c := range "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/" {
		t[c] = int8(i)
	}
	return t
}()

// base64Lines decodes base64 lines, carrying bits from one line to the
// next: encoders wrap lines at multiples of four characters, but nothing
// requires it.
type base64Lines struct {
	bits  uint32
	nbits uint
}

// classify says whether b (a line's body) is a base64 line: base64
// characters, then at most two "=", then blanks. "====" is the last line.
// strict also requires a multiple of four characters, which the first
// line of a block in text must have.
func (base64Lines) classify(b []byte, strict bool) lineKind {
	b = trimSpace(b)
	if string(b) == "====" {
		return last
	}
	if len(b) == 0 {
		return invalid
	}
	i := 0
	for i < len(b) && base64Value[b[i]] >= 0 {
		i++
	}
	pad := len(b) - i
	if pad > 2 || string(b[i:]) != "=="[:pad] || i == 0 {
		return invalid
	}
	if strict && len(b)%4 != 0 {
		return invalid
	}
	return data
}

// decode decodes a line classify called data into out (at least
// len(b) bytes) and returns the number of bytes. Padding ends a quantum:
// the bits left are dropped.
func (d *base64Lines) decode(b []byte, out []byte) int {
	n := 0
	for _, c := range trimSpace(b) {
		v := base64Value[c]
		if v < 0 { // "="
			d.bits, d.nbits = 0, 0
			break
		}
		d.bits = d.bits<<6 | uint32(v)
		d.nbits += 6
		if d.nbits >= 8 {
			d.nbits -= 8
			out[n] = byte(d.bits >> d.nbits)
			n++
			d.bits &= 1<<d.nbits - 1
		}
	}
	return n
}
