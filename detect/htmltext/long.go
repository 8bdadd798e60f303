package htmltext

import (
	"bytes"

	"golang.org/x/net/html/atom"
)

// longTok reads a token longer than the tokenizer may buffer
// (MaxTokenBytes): a 10 MB comment, an unclosed <script>, a huge
// attribute, a page of text without a tag. x/net/html's tokenizer keeps a
// whole token in memory and stops for good at its limit
// (ErrBufferExceeded), so such a token is given back to the source and
// read again from its first byte by the state machine below, which is the
// tokenizer's for that one kind of token (HTML §13.2.5), handing its text
// out in parts. Where the token ends, a new tokenizer takes over.
type longTok struct {
	kind    longKind
	el      atom.Atom // raw text kinds: the element
	endName []byte    // raw text kinds: its name, which ends the text
	skip    int       // bytes of the token's opening to drop ("<!--")
	skipWS  bool      // doctype: white space before the name is dropped
	m       int       // bytes of a possible end matched
	dash    int       // comment: dashes in a row; CDATA: brackets
	begin   bool      // comment: nothing but dashes read yet
	bang    bool      // comment: "--!" read
	ss      scriptState
	k       int  // script: letters of "script" matched
	kBad    bool // script: the letters are not "script"
	content []byte
	chunk   []byte
}

type longKind uint8

const (
	longText      longKind = iota // data state
	longRCDATA                    // textarea, title
	longRawtext                   // style, xmp, iframe, noembed, noframes, noscript
	longScript                    // script data, with its escapes
	longPlaintext                 // to the end
	longComment                   // <!-- ... -->
	longBogus                     // <? ...>, <!x ...>, </ ...>
	longDoctype
	longCDATA
	longTag // a start or end tag
)

// startLong gives the token the tokenizer could not hold back to the
// source and starts reading it again.
func (c *conv) startLong(raw []byte) {
	c.src.unread(c.z.Buffered())
	c.src.unread(raw)
	c.z = nil
	l := &longTok{chunk: make([]byte, 32<<10)}
	switch {
	case c.raw != 0:
		l.el = c.raw
		l.endName = []byte(c.raw.String())
		switch c.raw {
		case atom.Script:
			l.kind = longScript
		case atom.Textarea, atom.Title:
			l.kind = longRCDATA
		case atom.Plaintext:
			l.kind = longPlaintext
		default:
			l.kind = longRawtext
		}
	case bytes.HasPrefix(raw, []byte("<!--")):
		l.kind, l.skip, l.begin = longComment, 4, true
	case bytes.HasPrefix(raw, []byte("<!")):
		switch {
		case len(raw) >= 9 && bytes.EqualFold(raw[2:9], []byte("DOCTYPE")):
			l.kind, l.skip, l.skipWS = longDoctype, 9, true
		case c.allowCDATA() && bytes.HasPrefix(raw, cdataOpen):
			l.kind, l.skip = longCDATA, len(cdataOpen)
		default:
			l.kind, l.skip = longBogus, 2
		}
	case bytes.HasPrefix(raw, []byte("<?")):
		l.kind, l.skip = longBogus, 1
	case bytes.HasPrefix(raw, []byte("</")):
		if len(raw) > 2 && isAlpha(raw[2]) {
			l.kind = longTag
		} else {
			l.kind, l.skip = longBogus, 2
		}
	case len(raw) > 1 && raw[0] == '<' && isAlpha(raw[1]):
		l.kind = longTag
	default:
		l.kind = longText
	}
	c.raw = 0
	c.long = l
	switch l.kind {
	case longTag:
		c.beginTag()
	case longText, longCDATA:
	default:
		if !l.shown() {
			c.o.pieceStart()
		}
	}
}

// shown reports whether the token's text is rendered text.
func (l *longTok) shown() bool {
	switch l.kind {
	case longText, longCDATA:
		return true
	case longRCDATA, longRawtext, longPlaintext:
		return l.el == atom.Textarea || l.el == atom.Xmp || l.el == atom.Plaintext
	}
	return false
}

func (c *conv) stepLong() {
	l := c.long
	n, err := c.src.Read(l.chunk)
	if n > 0 {
		used, retract, done := c.feedLong(l.chunk[:n])
		if done {
			c.src.unread(bytes.Clone(l.chunk[used:n]))
			if retract > 0 {
				end := len(l.content) - retract
				c.src.unread(bytes.Clone(l.content[end:]))
				l.content = l.content[:end]
			}
			c.emitLong(l.content)
			c.endLong(true)
			return
		}
		cut := safeCut(l.content, len(l.content)-maxRefLen)
		c.emitLong(l.content[:cut])
		l.content = l.content[:copy(l.content, l.content[cut:])]
	}
	if err != nil {
		if l.kind == longComment {
			// As at the end of a short comment: a closing "--", "-" or
			// "--!" that never got its ">" is not text.
			for _, s := range []string{"--!", "--", "-"} {
				if bytes.HasSuffix(l.content, []byte(s)) {
					l.content = l.content[:len(l.content)-len(s)]
					break
				}
			}
		}
		c.emitLong(l.content)
		c.endLong(false)
		c.finish(err)
	}
}

// feedLong runs b through the token's state machine. It returns how much
// of b the token took, how many bytes at the end of content belong to
// what follows the token (the "<" of the next tag, "</script"), and
// whether the token ended.
func (c *conv) feedLong(b []byte) (used, retract int, done bool) {
	l := c.long
	off := min(l.skip, len(b))
	l.skip -= off
	b = b[off:]
	if l.skipWS {
		for len(b) > 0 && isSpace(b[0]) {
			b = b[1:]
			off++
		}
		if len(b) > 0 {
			l.skipWS = false
		}
	}
	var n int
	switch l.kind {
	case longText:
		n, retract, done = l.feedText(b)
	case longRCDATA, longRawtext:
		n, retract, done = l.feedRaw(b)
	case longScript:
		n, retract, done = l.feedScript(b)
	case longPlaintext:
		l.content = append(l.content, b...)
		n = len(b)
	case longComment:
		n, retract, done = l.feedComment(b)
	case longBogus, longDoctype:
		if i := bytes.IndexByte(b, '>'); i >= 0 {
			l.content = append(l.content, b[:i]...)
			n, done = i+1, true
		} else {
			l.content = append(l.content, b...)
			n = len(b)
		}
	case longCDATA:
		n, retract, done = l.feedCDATA(b)
	case longTag:
		n, done = c.tp.feed(b)
	}
	return off + n, retract, done
}

// emitLong hands out a part of the token's text, decoded as the
// tokenizer decodes that kind of token.
func (c *conv) emitLong(b []byte) {
	l := c.long
	if len(b) == 0 || l.kind == longTag {
		return
	}
	b = appendNewlines(nil, b)
	switch l.kind {
	case longText:
		c.text(appendUnescaped(nil, b, false))
	case longCDATA:
		c.text(replaceNUL(b))
	case longRCDATA:
		b = appendUnescaped(nil, replaceNUL(b), false)
	default:
		b = replaceNUL(b)
	}
	switch {
	case l.kind == longText || l.kind == longCDATA:
	case l.shown():
		c.textIn(c.textTarget(), b)
	default:
		c.o.piecePart(b)
	}
}

// endLong finishes the token: a tag is applied to the stack, and when it
// opens raw text, the new tokenizer is put back into raw text by reading
// the start tag again first (and skipping it).
func (c *conv) endLong(done bool) {
	l := c.long
	c.long = nil
	switch {
	case l.kind == longTag:
		if !done {
			c.tp.finish() // the tag never ends: a browser drops it
			if c.doc != nil {
				c.sidePiece(c.doc) // but its srcdoc leaves with the mail
				c.doc = nil
			}
			return
		}
		c.endTagName()
		if c.applyTag() && !c.tag.end && rawText(c.tag.atom) {
			c.src.unread([]byte("<" + c.tag.atom.String() + ">"))
			c.skipStart = true
		}
	case !l.shown():
		c.o.pieceEnd()
	}
	if done {
		c.newTokenizer()
	}
}

func (l *longTok) feedText(b []byte) (int, int, bool) {
	for i := 0; i < len(b); {
		if l.m == 1 {
			l.m = 0
			if c := b[i]; isAlpha(c) || c == '!' || c == '?' || c == '/' {
				return i, 1, true
			}
		}
		j := bytes.IndexByte(b[i:], '<')
		if j < 0 {
			l.content = append(l.content, b[i:]...)
			break
		}
		l.content = append(l.content, b[i:i+j+1]...)
		l.m = 1
		i += j + 1
	}
	return len(b), 0, false
}

// feedRaw reads RCDATA or raw text up to "</" and the element's name
// followed by white space, "/" or ">".
func (l *longTok) feedRaw(b []byte) (int, int, bool) {
	for i, c := range b {
		for again := true; again; {
			again = false
			switch {
			case l.m == 0:
				if c == '<' {
					l.m = 1
				}
			case l.m == 1:
				if c == '/' {
					l.m = 2
				} else {
					l.m, again = 0, true
				}
			case l.m-2 < len(l.endName):
				if isAlpha(c) && c|0x20 == l.endName[l.m-2] {
					l.m++
				} else {
					l.m, again = 0, true
				}
			default:
				if isSpace(c) || c == '/' || c == '>' {
					return i, l.m, true
				}
				l.m, again = 0, true
			}
		}
		l.content = append(l.content, c)
	}
	return len(b), 0, false
}

func (l *longTok) feedComment(b []byte) (int, int, bool) {
	for i, c := range b {
		if l.bang {
			l.bang = false
			switch c {
			case '>':
				l.trim(3) // "--!"
				return i + 1, 0, true
			case '-':
				l.dash, l.begin = 1, false
			default:
				l.dash, l.begin = 0, false
			}
			l.content = append(l.content, c)
			continue
		}
		switch c {
		case '-':
			l.dash++
			l.content = append(l.content, c)
			continue
		case '>':
			if l.dash >= 2 || l.begin {
				l.trim(min(l.dash, 2)) // "--"
				return i + 1, 0, true
			}
		case '!':
			if l.dash >= 2 {
				l.bang = true
				l.content = append(l.content, c)
				continue
			}
		}
		l.dash, l.begin = 0, false
		l.content = append(l.content, c)
	}
	return len(b), 0, false
}

func (l *longTok) feedCDATA(b []byte) (int, int, bool) {
	for i, c := range b {
		switch c {
		case ']':
			l.dash++
		case '>':
			if l.dash >= 2 {
				l.trim(2) // "]]"
				return i + 1, 0, true
			}
			l.dash = 0
		default:
			l.dash = 0
		}
		l.content = append(l.content, c)
	}
	return len(b), 0, false
}

// scriptState is a state of the script data states (HTML §13.2.5.4 and
// §13.2.5.15–13.2.5.31).
type scriptState uint8

const (
	sData scriptState = iota
	sLT
	sEndOpen
	sEndName
	sEscStart
	sEscStartDash
	sEsc
	sEscDash
	sEscDashDash
	sEscLT
	sEscEndOpen
	sEscEndName
	sDblStart
	sDbl
	sDblDash
	sDblDashDash
	sDblLT
	sDblEnd
)

// feedScript reads script data up to an appropriate "</script" followed
// by white space, "/" or ">", which the escaped states ("<!--") can hide
// and the double-escaped ones ("<!--<script>") hide for good.
func (l *longTok) feedScript(b []byte) (int, int, bool) {
	for i, c := range b {
		for again := true; again; {
			again = false
			delim := isSpace(c) || c == '/' || c == '>'
			switch l.ss {
			case sData:
				if c == '<' {
					l.ss = sLT
				}
			case sLT:
				switch c {
				case '/':
					l.ss = sEndOpen
				case '!':
					l.ss = sEscStart
				default:
					l.ss, again = sData, true
				}
			case sEndOpen, sEscEndOpen:
				back := sData
				if l.ss == sEscEndOpen {
					back = sEsc
				}
				if isAlpha(c) {
					l.ss, l.k, l.kBad, again = l.ss+1, 0, false, true // the name state
				} else {
					l.ss, again = back, true
				}
			case sEndName, sEscEndName:
				back := sData
				if l.ss == sEscEndName {
					back = sEsc
				}
				switch {
				case delim && l.k == 6 && !l.kBad:
					return i, 2 + 6, true
				case isAlpha(c):
					l.matchScript(c)
				default:
					l.ss, again = back, true
				}
			case sEscStart:
				if c == '-' {
					l.ss = sEscStartDash
				} else {
					l.ss, again = sData, true
				}
			case sEscStartDash:
				if c == '-' {
					l.ss = sEscDashDash
				} else {
					l.ss, again = sData, true
				}
			case sEsc, sEscDash, sEscDashDash:
				switch {
				case c == '-':
					if l.ss == sEsc {
						l.ss = sEscDash
					} else {
						l.ss = sEscDashDash
					}
				case c == '<':
					l.ss = sEscLT
				case c == '>' && l.ss == sEscDashDash:
					l.ss = sData
				default:
					l.ss = sEsc
				}
			case sEscLT:
				switch {
				case c == '/':
					l.ss = sEscEndOpen
				case isAlpha(c):
					l.ss, l.k, l.kBad, again = sDblStart, 0, false, true
				default:
					l.ss, again = sEsc, true
				}
			case sDblStart, sDblEnd:
				onScript, other := sDbl, sEsc
				if l.ss == sDblEnd {
					onScript, other = sEsc, sDbl
				}
				switch {
				case delim:
					if l.k == 6 && !l.kBad {
						l.ss = onScript
					} else {
						l.ss = other
					}
				case isAlpha(c):
					l.matchScript(c)
				default:
					l.ss, again = other, true
				}
			case sDbl, sDblDash, sDblDashDash:
				switch {
				case c == '-':
					if l.ss == sDbl {
						l.ss = sDblDash
					} else {
						l.ss = sDblDashDash
					}
				case c == '<':
					l.ss = sDblLT
				case c == '>' && l.ss == sDblDashDash:
					l.ss = sData
				default:
					l.ss = sDbl
				}
			case sDblLT:
				if c == '/' {
					l.ss, l.k, l.kBad = sDblEnd, 0, false
				} else {
					l.ss, again = sDbl, true
				}
			}
		}
		l.content = append(l.content, c)
	}
	return len(b), 0, false
}

// trim drops the last n bytes of content: the part of a token's closing
// read as content until the closing was complete. Content keeps at least
// maxRefLen bytes between parts, so they are still there.
func (l *longTok) trim(n int) { l.content = l.content[:len(l.content)-n] }

// matchScript adds a letter to the name being compared with "script".
func (l *longTok) matchScript(c byte) {
	if l.k < 6 && c|0x20 == "script"[l.k] {
		l.k++
	} else {
		l.kBad = true
	}
}
