package extract

import (
	"html"
	"io"
)

// htmlText turns a stream of HTML into the text a reader would see, plus
// the values of quoted attributes (alt, title, value, href... can carry
// data too). Tags are dropped, with a space where the tag breaks words
// (<p>, <br>, <td>) and nothing for inline tags (<b>, <span>), so
// "Ya<b>mada</b>" stays one word. Comments and the content of <script> and
// <style> are dropped. Character references are decoded with
// html.UnescapeString. It never fails on bad markup: whatever is not a
// tag is text.
type htmlText struct {
	r   io.Reader
	in  [4096]byte
	out []byte
	pos int
	err error

	st      htmlState
	ret     htmlState // state to return to after a character reference
	closing bool
	name    []byte // tag name, lower-cased, at most maxTagName bytes
	quote   byte
	dashes  int
	ent     []byte
	rawEnd  string // "</script" or "</style" while inside one
	rawPos  int
}

type htmlState uint8

const (
	hText htmlState = iota
	hTagOpen
	hTagName
	hAttrs
	hAttrValue
	hBang
	hBangDash
	hComment
	hBogus
	hRaw
	hEntity
)

const (
	maxTagName = 16
	maxEntity  = 40
)

// inline lists the tags that do not separate words when rendered.
var inline = map[string]bool{
	"a": true, "abbr": true, "b": true, "bdi": true, "bdo": true, "big": true,
	"cite": true, "code": true, "data": true, "dfn": true, "em": true,
	"font": true, "i": true, "kbd": true, "mark": true, "q": true, "ruby": true,
	"s": true, "samp": true, "small": true, "span": true, "strike": true,
	"strong": true, "sub": true, "sup": true, "time": true, "tt": true,
	"u": true, "var": true, "wbr": true, "ins": true, "del": true, "o:p": true,
}

func newHTMLText(r io.Reader) *htmlText {
	return &htmlText{r: r, out: make([]byte, 0, 4096)}
}

func (h *htmlText) Read(p []byte) (int, error) {
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

func isASCIILetter(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }

func isHTMLSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'
}

func (h *htmlText) byte(c byte) {
	switch h.st {
	case hText:
		switch c {
		case '<':
			h.st = hTagOpen
		case '&':
			h.startEntity(hText)
		default:
			h.out = append(h.out, c)
		}
	case hTagOpen:
		h.closing = false
		h.name = h.name[:0]
		switch {
		case c == '!':
			h.st = hBang
		case c == '/':
			h.closing = true
			h.st = hTagName
		case c == '?':
			h.st = hBogus
		case isASCIILetter(c):
			h.name = append(h.name, c|0x20)
			h.st = hTagName
		default:
			// Not a tag ("a < b"): the "<" was text.
			h.out = append(h.out, '<')
			h.st = hText
			h.byte(c)
		}
	case hTagName:
		switch {
		case c == '>':
			h.endTag()
		case isHTMLSpace(c) || c == '/':
			h.st = hAttrs
		default:
			if len(h.name) < maxTagName {
				h.name = append(h.name, c|0x20)
			}
		}
	case hAttrs:
		switch c {
		case '>':
			h.endTag()
		case '"', '\'':
			h.quote = c
			h.out = append(h.out, ' ')
			h.st = hAttrValue
		}
	case hAttrValue:
		switch c {
		case h.quote:
			h.out = append(h.out, ' ')
			h.st = hAttrs
		case '&':
			h.startEntity(hAttrValue)
		default:
			h.out = append(h.out, c)
		}
	case hBang:
		if c == '-' {
			h.st = hBangDash
		} else {
			h.st = hBogus
			h.byte(c)
		}
	case hBangDash:
		if c == '-' {
			h.st = hComment
			h.dashes = 0
		} else {
			h.st = hBogus
			h.byte(c)
		}
	case hComment:
		switch {
		case c == '-':
			h.dashes++
		case c == '>' && h.dashes >= 2:
			h.st = hText
		default:
			h.dashes = 0
		}
	case hBogus:
		if c == '>' {
			h.out = append(h.out, ' ')
			h.st = hText
		}
	case hRaw:
		if c|0x20 == h.rawEnd[h.rawPos] || c == h.rawEnd[h.rawPos] {
			h.rawPos++
			if h.rawPos == len(h.rawEnd) {
				h.rawEnd = ""
				h.st = hBogus // skip to the end of the closing tag
			}
		} else if c == '<' {
			h.rawPos = 1
		} else {
			h.rawPos = 0
		}
	case hEntity:
		if len(h.ent) < maxEntity && (isASCIILetter(c) || '0' <= c && c <= '9' || c == '#') {
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

func (h *htmlText) startEntity(ret htmlState) {
	h.ent = append(h.ent[:0], '&')
	h.ret = ret
	h.st = hEntity
}

func (h *htmlText) flushEntity() {
	if h.st != hEntity {
		return
	}
	h.out = append(h.out, html.UnescapeString(string(h.ent))...)
	h.ent = h.ent[:0]
	h.st = h.ret
}

func (h *htmlText) endTag() {
	name := string(h.name)
	if !inline[name] {
		h.out = append(h.out, ' ')
	}
	h.st = hText
	if !h.closing && (name == "script" || name == "style") {
		h.rawEnd = "</" + name
		h.rawPos = 0
		h.st = hRaw
	}
}
