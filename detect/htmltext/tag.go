package htmltext

import "bytes"

// tagParser reads one start or end tag, from its "<" to its ">", the way
// the HTML tokenizer does (HTML §13.2.5.6–13.2.5.40: tag open, tag name,
// the attribute states, self-closing start tag). It can be fed in pieces,
// so a tag longer than the tokenizer's buffer is read in bounded memory.
//
// x/net/html's tokenizer finds where a tag ends; this parser reads the tag
// again because the tokenizer's TagAttr drops repeated attributes (a
// browser keeps the first "title", but the second one leaves with the
// mail too) and does not give the attributes of end tags.
type tagParser struct {
	state       tagState
	end         bool // an end tag
	selfClosing bool
	name        []byte // lower-cased, at most maxName bytes
	key         []byte // the current attribute's name, likewise
	val         []byte // the current attribute's value as written
	quote       byte
	dec, tmp    []byte // scratch for decoding values
	streaming   bool   // the current value passed maxVal and is handed out in parts
	maxVal      int
	sink        attrSink
}

// attrSink receives a tag's attributes as the parser finds them.
type attrSink interface {
	// attr receives an attribute with its value decoded (character
	// references, NUL and newlines as the tokenizer does).
	attr(key, val []byte)
	// attrPart receives a part of a value longer than the parser keeps,
	// decoded; last is set on the final part. Such a value never goes to
	// attr.
	attrPart(key, part []byte, last bool)
}

type tagState uint8

const (
	tsOpen    tagState = iota // before "<"
	tsTagOpen                 // after "<"
	tsName
	tsBeforeAttrName
	tsAttrName
	tsAfterAttrName
	tsBeforeValue
	tsValueQuoted
	tsValueUnquoted
	tsAfterValueQuoted
	tsSelfClosing
	tsDone
)

// maxName bounds the tag and attribute names kept: no name that matters
// is longer, and a longer one is simply an unknown name.
const maxName = 64

func (p *tagParser) reset(sink attrSink, maxVal int) {
	*p = tagParser{name: p.name[:0], key: p.key[:0], val: p.val[:0], dec: p.dec, tmp: p.tmp, sink: sink, maxVal: maxVal}
}

// feed parses b, which continues the tag. It returns how many bytes of b
// belong to the tag and whether the tag ended with them.
func (p *tagParser) feed(b []byte) (int, bool) {
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch p.state {
		case tsOpen:
			p.state = tsTagOpen // c is '<'
		case tsTagOpen:
			if c == '/' {
				p.end = true
				continue
			}
			p.state = tsName
			p.appendName(&p.name, c)
		case tsName:
			switch {
			case isSpace(c):
				p.state = tsBeforeAttrName
			case c == '/':
				p.state = tsSelfClosing
			case c == '>':
				p.state = tsDone
				return i + 1, true
			default:
				p.appendName(&p.name, c)
			}
		case tsBeforeAttrName:
			switch {
			case isSpace(c):
			case c == '/' || c == '>':
				p.state = tsAfterAttrName
				i--
			default:
				// "=" here starts a name (a parse error browsers accept).
				p.state = tsAttrName
				p.key = p.key[:0]
				p.appendName(&p.key, c)
			}
		case tsAttrName:
			switch {
			case isSpace(c) || c == '/' || c == '>':
				p.state = tsAfterAttrName
				i--
			case c == '=':
				p.state = tsBeforeValue
			default:
				p.appendName(&p.key, c)
			}
		case tsAfterAttrName:
			switch {
			case isSpace(c):
			case c == '/':
				p.endAttr()
				p.state = tsSelfClosing
			case c == '=':
				p.state = tsBeforeValue
			case c == '>':
				p.endAttr()
				p.state = tsDone
				return i + 1, true
			default:
				p.endAttr()
				p.state = tsAttrName
				p.key = p.key[:0]
				p.appendName(&p.key, c)
			}
		case tsBeforeValue:
			switch {
			case isSpace(c):
			case c == '"' || c == '\'':
				p.quote = c
				p.state = tsValueQuoted
			case c == '>':
				p.endAttr()
				p.state = tsDone
				return i + 1, true
			default:
				p.state = tsValueUnquoted
				i--
			}
		case tsValueQuoted:
			j := i
			for j < len(b) && b[j] != p.quote {
				j++
			}
			p.appendVal(b[i:j])
			if j == len(b) {
				return len(b), false
			}
			i = j
			p.endAttr()
			p.state = tsAfterValueQuoted
		case tsValueUnquoted:
			j := i
			for j < len(b) && !isSpace(b[j]) && b[j] != '>' {
				j++
			}
			p.appendVal(b[i:j])
			if j == len(b) {
				return len(b), false
			}
			i = j
			p.endAttr()
			if b[j] == '>' {
				p.state = tsDone
				return i + 1, true
			}
			p.state = tsBeforeAttrName
		case tsAfterValueQuoted:
			switch {
			case isSpace(c):
				p.state = tsBeforeAttrName
			case c == '/':
				p.state = tsSelfClosing
			case c == '>':
				p.state = tsDone
				return i + 1, true
			default:
				p.state = tsBeforeAttrName
				i--
			}
		case tsSelfClosing:
			if c == '>' {
				p.selfClosing = true
				p.state = tsDone
				return i + 1, true
			}
			p.state = tsBeforeAttrName
			i--
		case tsDone:
			return i, true
		}
	}
	return len(b), p.state == tsDone
}

// finish ends a tag cut short by the end of the input: the attribute
// being read still goes to the sink.
func (p *tagParser) finish() {
	switch p.state {
	case tsAttrName, tsAfterAttrName, tsBeforeValue, tsValueQuoted, tsValueUnquoted:
		p.endAttr()
	}
	p.state = tsDone
}

func (p *tagParser) appendName(dst *[]byte, c byte) {
	if len(*dst) >= maxName {
		return
	}
	switch {
	case 'A' <= c && c <= 'Z':
		c += 'a' - 'A'
	case c == 0:
		*dst = append(*dst, "\ufffd"...)
		return
	}
	*dst = append(*dst, c)
}

// appendVal adds raw bytes to the current value. Past maxVal the decoded
// value is handed out in parts, keeping back a tail that may hold an
// unfinished character reference or "\r\n".
func (p *tagParser) appendVal(b []byte) {
	p.val = append(p.val, b...)
	if len(p.val) <= p.maxVal {
		return
	}
	cut := safeCut(p.val, len(p.val)-maxRefLen)
	if cut == 0 {
		return
	}
	p.streaming = true
	p.sink.attrPart(p.key, p.decode(p.val[:cut]), false)
	p.val = append(p.val[:0], p.val[cut:]...)
}

func (p *tagParser) endAttr() {
	if p.streaming {
		p.sink.attrPart(p.key, p.decode(p.val), true)
	} else if len(p.key) > 0 {
		p.sink.attr(p.key, p.decode(p.val))
	}
	p.key, p.val, p.streaming = p.key[:0], p.val[:0], false
}

// decode returns an attribute value as the tokenizer returns it: NUL
// replaced, newlines normalised, references decoded. The result is valid
// until the next call.
func (p *tagParser) decode(raw []byte) []byte {
	if bytes.IndexByte(raw, '&') < 0 && bytes.IndexByte(raw, '\r') < 0 && bytes.IndexByte(raw, 0) < 0 {
		return raw
	}
	p.tmp = appendNewlines(p.tmp[:0], replaceNUL(raw))
	p.dec = appendUnescaped(p.dec[:0], p.tmp, true)
	return p.dec
}

// maxRefLen is kept back when text is handed out in parts, so a character
// reference is never cut: the longest named reference is 33 bytes
// ("&CounterClockwiseContourIntegral;"). A numeric one written with more
// than 40 leading zeros can still be cut, and is then kept as written.
const maxRefLen = 48

// safeCut returns a cut point at most n (n may be negative) in b such
// that no reference, "\r\n" or UTF-8 sequence spans it.
func safeCut(b []byte, n int) int {
	if n <= 0 {
		return 0
	}
	if n > len(b) {
		n = len(b)
	}
	for i := n - 1; i >= 0 && i >= n-maxRefLen; i-- {
		if b[i] == '&' {
			n = i
			break
		}
	}
	if n > 0 && b[n-1] == '\r' {
		n--
	}
	return runeStart(b, n)
}
