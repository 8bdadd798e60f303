package pdf

import (
	"io"
	"strings"
	"unicode/utf16"
)

const (
	// maxMappings bounds the bfchar entries and bfranges kept from one
	// ToUnicode CMap (a CJK font maps at most 65536 codes).
	maxMappings = 1 << 17
	// maxDst bounds the UTF-16 bytes one code maps to (512 in 9.10.3).
	maxDst = 512
	// maxDecoded bounds the text one string operand decodes to, so that
	// a CMap mapping every code to 512 bytes cannot blow up a 64 KiB
	// string.
	maxDecoded = 4 * maxString
)

// toUnicode is a parsed ToUnicode CMap (PDF 32000-1 9.10.3): the codespace
// ranges say how many bytes each character code takes, bfchar and bfrange
// map codes to UTF-16BE text. It implements the library's TextEncoding.
//
// It replaces the library's CMap reader, which runs its unbounded
// interpreter on the stream (see lexer.go).
type toUnicode struct {
	spaces []codespace
	chars  map[string]string // code bytes -> UTF-8
	ranges []bfrange
	n      int
}

type codespace struct{ lo, hi string }

type bfrange struct {
	lo, hi string
	dst    string   // UTF-16BE of lo, incremented for the following codes
	list   []string // or one UTF-8 string per code
}

// parseToUnicode reads a ToUnicode CMap stream.
func parseToUnicode(r io.Reader, tick func()) *toUnicode {
	m := &toUnicode{chars: map[string]string{}}
	newLexer(r, tick).run(3*maxMappings, func(op string, args []operand) {
		switch op {
		case "endcodespacerange":
			for i := 0; i+1 < len(args); i += 2 {
				lo, hi := args[i].str, args[i+1].str
				if len(lo) == len(hi) && len(lo) >= 1 && len(lo) <= 4 {
					m.spaces = append(m.spaces, codespace{lo, hi})
				}
			}
		case "endbfchar":
			for i := 0; i+1 < len(args) && m.n < maxMappings; i += 2 {
				if args[i].kind == opString && args[i+1].kind == opString {
					m.chars[args[i].str] = utf16BE(args[i+1].str)
					m.n++
				}
			}
		case "endbfrange":
			for i := 0; i+2 < len(args) && m.n < maxMappings; i += 3 {
				lo, hi, dst := args[i], args[i+1], args[i+2]
				if lo.kind != opString || hi.kind != opString || len(lo.str) != len(hi.str) || lo.str == "" || lo.str > hi.str {
					continue
				}
				br := bfrange{lo: lo.str, hi: hi.str}
				switch dst.kind {
				case opString:
					br.dst = dst.str
					if len(br.dst) > maxDst {
						br.dst = br.dst[:maxDst]
					}
				case opArray:
					for _, d := range dst.arr {
						br.list = append(br.list, utf16BE(d.str))
					}
				default:
					continue
				}
				m.ranges = append(m.ranges, br)
				m.n++
			}
		}
	})
	return m
}

// Decode turns a string of character codes into text. Codes the CMap does
// not map are dropped.
func (m *toUnicode) Decode(raw string) string {
	var b strings.Builder
	for len(raw) > 0 && b.Len() < maxDecoded {
		n := m.codeLen(raw)
		code := raw[:n]
		raw = raw[n:]
		if s, ok := m.chars[code]; ok {
			b.WriteString(s)
			continue
		}
		for _, r := range m.ranges {
			if len(r.lo) != len(code) || code < r.lo || code > r.hi {
				continue
			}
			off := codeValue(code) - codeValue(r.lo)
			if r.list != nil {
				if off < uint32(len(r.list)) {
					b.WriteString(r.list[off])
				}
				break
			}
			b.WriteString(utf16BE(addLast(r.dst, off)))
			break
		}
	}
	return b.String()
}

// codeLen is the length of the code at the start of raw: the codespace
// range it falls in, else the shortest codespace length (1 without any).
func (m *toUnicode) codeLen(raw string) int {
	short := 0
	for _, s := range m.spaces {
		n := len(s.lo)
		if n <= len(raw) && inSpace(raw[:n], s) {
			return n
		}
		if short == 0 || n < short {
			short = n
		}
	}
	if short == 0 || short > len(raw) {
		return 1
	}
	return short
}

// inSpace reports whether every byte of code lies between the bytes of the
// range (codespace ranges are per byte, 9.7.6.2).
func inSpace(code string, s codespace) bool {
	for i := 0; i < len(code); i++ {
		if code[i] < s.lo[i] || code[i] > s.hi[i] {
			return false
		}
	}
	return true
}

func codeValue(s string) uint32 {
	var v uint32
	for i := 0; i < len(s); i++ {
		v = v<<8 | uint32(s[i])
	}
	return v
}

// addLast adds off to the UTF-16BE destination, carrying into the bytes
// before the last two (producers rely on the carry for ranges that cross a
// 256 boundary, though the standard only speaks of the last byte).
func addLast(dst string, off uint32) string {
	b := []byte(dst)
	for i := len(b) - 1; i >= 0 && off > 0; i-- {
		s := uint32(b[i]) + off&0xff
		b[i] = byte(s)
		off = off>>8 + s>>8
	}
	return string(b)
}

// utf16BE decodes UTF-16BE (an odd last byte is dropped), at most maxDst
// bytes of it.
func utf16BE(s string) string {
	if len(s) > maxDst {
		s = s[:maxDst]
	}
	u := make([]uint16, 0, len(s)/2)
	for i := 0; i+1 < len(s); i += 2 {
		u = append(u, uint16(s[i])<<8|uint16(s[i+1]))
	}
	return string(utf16.Decode(u))
}
