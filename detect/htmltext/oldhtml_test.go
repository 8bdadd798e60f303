// Code copied from detect/extract/html.go (the converter this package
// replaces), renamed, for BenchmarkOldConverter only.

package htmltext

import (
	"html"
	"io"
)

// oldHTMLText turns a stream of HTML into the text a reader would see, plus
// the values of quoted attributes (alt, title, value, href... can carry
// data too). Tags are dropped, with a space where the tag breaks words
// (<p>, <br>, <td>) and nothing for oldInline tags (<b>, <span>), so
// "Ya<b>mada</b>" stays one word. Comments and the content of <script> and
// <style> are dropped. Character references are decoded with
// html.UnescapeString. It never fails on bad markup: whatever is not a
// tag is text.
type oldHTMLText struct {
	r   io.Reader
	in  [4096]byte
	out []byte
	pos int
	err error

	st      oldHTMLState
	ret     oldHTMLState // state to return to after a character reference
	closing bool
	name    []byte // tag name, lower-cased, at most oldMaxTagName bytes
	quote   byte
	dashes  int
	ent     []byte
	rawEnd  string // "</script" or "</style" while inside one
	rawPos  int
}

type oldHTMLState uint8

const (
	ohText oldHTMLState = iota
	ohTagOpen
	ohTagName
	ohAttrs
	ohAttrValue
	ohBang
	ohBangDash
	ohComment
	ohBogus
	ohRaw
	ohEntity
)

const (
	oldMaxTagName = 16
	oldMaxEntity  = 40
)

// oldInline lists the tags that do not separate words when rendered.
var oldInline = map[string]bool{
	"a": true, "abbr": true, "b": true, "bdi": true, "bdo": true, "big": true,
	"cite": true, "code": true, "data": true, "dfn": true, "em": true,
	"font": true, "i": true, "kbd": true, "mark": true, "q": true, "ruby": true,
	"s": true, "samp": true, "small": true, "span": true, "strike": true,
	"strong": true, "sub": true, "sup": true, "time": true, "tt": true,
	"u": true, "var": true, "wbr": true, "ins": true, "del": true, "o:p": true,
}

func newOldHTMLText(r io.Reader) *oldHTMLText {
	return &oldHTMLText{r: r, out: make([]byte, 0, 4096)}
}

func (h *oldHTMLText) Read(p []byte) (int, error) {
	for h.pos == len(h.out) {
		if h.err != nil {
			return 0, h.err
		}
		h.out, h.pos = h.out[:0], 0
		n, err := h.r.Read(h.in[:])
		for _, c := range h.in[:n] {
			h.byte(c)
		}
		if err != nil {
			h.flushEntity()
			h.err = err
		}
	}
	n := copy(p, h.out[h.pos:])
	h.pos += n
	return n, nil
}

func oldIsASCIILetter(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }

func oldIsHTMLSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'
}

func (h *oldHTMLText) byte(c byte) {
	switch h.st {
	case ohText:
		switch c {
		case '<':
			h.st = ohTagOpen
		case '&':
			h.startEntity(ohText)
		default:
			h.out = append(h.out, c)
		}
	case ohTagOpen:
		h.closing = false
		h.name = h.name[:0]
		switch {
		case c == '!':
			h.st = ohBang
		case c == '/':
			h.closing = true
			h.st = ohTagName
		case c == '?':
			h.st = ohBogus
		case oldIsASCIILetter(c):
			h.name = append(h.name, c|0x20)
			h.st = ohTagName
		default:
			// Not a tag ("a < b"): the "<" was text.
			h.out = append(h.out, '<')
			h.st = ohText
			h.byte(c)
		}
	case ohTagName:
		switch {
		case c == '>':
			h.endTag()
		case oldIsHTMLSpace(c) || c == '/':
			h.st = ohAttrs
		default:
			if len(h.name) < oldMaxTagName {
				h.name = append(h.name, c|0x20)
			}
		}
	case ohAttrs:
		switch c {
		case '>':
			h.endTag()
		case '"', '\'':
			h.quote = c
			h.out = append(h.out, ' ')
			h.st = ohAttrValue
		}
	case ohAttrValue:
		switch c {
		case h.quote:
			h.out = append(h.out, ' ')
			h.st = ohAttrs
		case '&':
			h.startEntity(ohAttrValue)
		default:
			h.out = append(h.out, c)
		}
	case ohBang:
		if c == '-' {
			h.st = ohBangDash
		} else {
			h.st = ohBogus
			h.byte(c)
		}
	case ohBangDash:
		if c == '-' {
			h.st = ohComment
			h.dashes = 0
		} else {
			h.st = ohBogus
			h.byte(c)
		}
	case ohComment:
		switch {
		case c == '-':
			h.dashes++
		case c == '>' && h.dashes >= 2:
			h.st = ohText
		default:
			h.dashes = 0
		}
	case ohBogus:
		if c == '>' {
			h.out = append(h.out, ' ')
			h.st = ohText
		}
	case ohRaw:
		if c|0x20 == h.rawEnd[h.rawPos] || c == h.rawEnd[h.rawPos] {
			h.rawPos++
			if h.rawPos == len(h.rawEnd) {
				h.rawEnd = ""
				h.st = ohBogus // skip to the end of the closing tag
			}
		} else if c == '<' {
			h.rawPos = 1
		} else {
			h.rawPos = 0
		}
	case ohEntity:
		if len(h.ent) < oldMaxEntity && (oldIsASCIILetter(c) || '0' <= c && c <= '9' || c == '#') {
			h.ent = append(h.ent, c)
			return
		}
		if c == ';' && len(h.ent) > 1 {
			h.ent = append(h.ent, c)
			h.flushEntity()
			return
		}
		h.flushEntity()
		h.byte(c)
	}
}

func (h *oldHTMLText) startEntity(ret oldHTMLState) {
	h.ent = append(h.ent[:0], '&')
	h.ret = ret
	h.st = ohEntity
}

func (h *oldHTMLText) flushEntity() {
	if h.st != ohEntity {
		return
	}
	h.out = append(h.out, html.UnescapeString(string(h.ent))...)
	h.ent = h.ent[:0]
	h.st = h.ret
}

func (h *oldHTMLText) endTag() {
	name := string(h.name)
	if !oldInline[name] {
		h.out = append(h.out, ' ')
	}
	h.st = ohText
	if !h.closing && (name == "script" || name == "style") {
		h.rawEnd = "</" + name
		h.rawPos = 0
		h.st = ohRaw
	}
}
