package htmltext

import "golang.org/x/net/html/atom"

// The stack of open elements, and the parts of HTML tree construction
// (HTML §13.2.6) that decide what the tokenizer does next or where text
// shows: which elements are open and in which namespace (for CDATA and raw
// text), which start and end tags a browser ignores (a stray </div> or
// <td> does not split "Ya</div>mada"), the end tags implied by <p>, <li>,
// table parts and so on, and foster parenting. The tree itself is not
// built: text goes out as it comes.

type namespace uint8

const (
	nsHTML namespace = iota
	nsSVG
	nsMath
)

type ipKind uint8

const (
	ipNone ipKind = iota
	// ipHTML: an HTML integration point (SVG foreignObject, desc and
	// title, MathML annotation-xml with an HTML encoding): start tags and
	// text in it are HTML.
	ipHTML
	// ipText: a MathML text integration point (mi, mo, mn, ms, mtext).
	ipText
)

// elem is an open element.
type elem struct {
	atom   atom.Atom
	name   uint64 // hash of the lower-cased tag name
	ns     namespace
	p      prop // HTML elements only
	block  bool
	side   bool
	ip     ipKind
	annot  bool  // MathML annotation-xml
	foster int32 // index of the table whose foster buffer gets this element's rendered text, or -1
	table  int32 // index of the nearest table at or below this element, or -1
	pre    []byte
	fb     *fosterBuf
}

func (e *elem) is(a atom.Atom) bool { return e.ns == nsHTML && e.atom == a }

func (e *elem) tableish() bool { return e.ns == nsHTML && e.p&pTableish != 0 }

func (e *elem) special() bool {
	if e.ns == nsHTML {
		return e.p&pSpecial != 0
	}
	return e.ip != ipNone || e.annot
}

// stack is the stack of open elements, bounded: past max elements, opens
// and closes are only counted (deep), and nothing deeper is matched.
type stack struct {
	e    []elem
	max  int
	deep int
}

func (s *stack) top() *elem {
	if len(s.e) == 0 {
		return nil
	}
	return &s.e[len(s.e)-1]
}

// walkMax bounds how far down the stack one end tag looks for its
// element. Browsers look all the way; 64 is far more than any mail nests
// inline elements, and it keeps a flood of stray end tags over a deep
// stack linear in time.
const walkMax = 64

type scope uint8

const (
	scopeDefault scope = iota
	scopeListItem
	scopeButton
	scopeTable
	scopeSpecial // "any other end tag": stop at any special element
)

func (e *elem) barrier(sc scope) bool {
	if e.ns != nsHTML {
		return sc != scopeTable && e.special()
	}
	switch sc {
	case scopeTable:
		return e.atom == atom.Html || e.atom == atom.Table || e.atom == atom.Template
	case scopeSpecial:
		return e.p&pSpecial != 0
	case scopeListItem:
		if e.atom == atom.Ol || e.atom == atom.Ul {
			return true
		}
	case scopeButton:
		if e.atom == atom.Button {
			return true
		}
	}
	return e.p&pScope != 0
}

// find returns the index of the nearest open HTML element named name in
// scope sc, or -1.
func (s *stack) find(name uint64, sc scope) int {
	for i, n := len(s.e)-1, 0; i >= 0 && n < walkMax; i, n = i-1, n+1 {
		e := &s.e[i]
		if e.ns == nsHTML && e.name == name {
			return i
		}
		if e.barrier(sc) {
			return -1
		}
	}
	return -1
}

// target is where rendered text goes: the side pieces, the foster buffer
// of the table at index table, or (table < 0) the output's lines.
type target struct {
	side  bool
	table int32
}

var mainTarget = target{table: -1}

// targetOf returns where e's rendered content goes.
func (c *conv) targetOf(e *elem) target {
	switch {
	case e.side:
		return target{side: true, table: -1}
	case e.foster >= 0:
		return target{table: e.foster}
	}
	return mainTarget
}

// textTarget returns where text at the current position goes.
func (c *conv) textTarget() target {
	top := c.st.top()
	switch {
	case top == nil:
		return mainTarget
	case top.side:
		return target{side: true, table: -1}
	case top.tableish():
		return target{table: top.table}
	}
	return c.targetOf(top)
}

func (c *conv) textIn(t target, b []byte) {
	switch {
	case len(b) == 0:
	case t.side:
		c.o.sideText(b)
	case t.table >= 0:
		c.fosterText(int(t.table), b)
	default:
		c.o.text(b)
		if c.trace != nil {
			c.trace(traceText, c.nest, b)
		}
	}
}

func (c *conv) breakIn(t target) {
	switch {
	case t.side:
		c.o.sideBreak()
	case t.table >= 0:
		if fb := c.st.e[t.table].fb; fb != nil && len(fb.buf) > 0 && fb.buf[len(fb.buf)-1] != '\n' {
			fb.buf = append(fb.buf, '\n')
			c.fosterBytes++
		}
	default:
		c.o.brk()
	}
}

// lineBreak is a <br> (or a </p> or </br> that implies one).
func (c *conv) lineBreak() { c.breakIn(c.textTarget()) }

func (c *conv) fosterText(i int, b []byte) {
	e := &c.st.e[i]
	if e.fb == nil {
		e.fb = &fosterBuf{pre: e.pre}
	}
	fb := e.fb
	if c.fosterBytes+len(b) > fosterMax {
		// Too much held: write it out now, and let what follows join the
		// end of it.
		if line := fb.line(); line != nil {
			c.o.interrupt(line)
			fb.pre = append([]byte(nil), lastBytes(line, tailMax)...)
		}
		c.fosterBytes -= len(fb.buf)
		fb.buf = fb.buf[:0]
		if len(b) > fosterMax {
			line := append(append([]byte(nil), fb.pre...), b...)
			c.o.interrupt(line)
			fb.pre = append([]byte(nil), lastBytes(line, tailMax)...)
			return
		}
	}
	fb.buf = append(fb.buf, b...)
	c.fosterBytes += len(b)
}

// flushFoster writes the text a closing table fostered, where the table
// is, as a line of its own.
func (c *conv) flushFoster(e *elem) {
	if e.fb == nil {
		return
	}
	c.fosterBytes -= len(e.fb.buf)
	if line := e.fb.line(); line != nil {
		t := c.targetOf(e)
		c.breakIn(t)
		c.textIn(t, line)
		c.breakIn(t)
	}
	e.fb = nil
}

// push opens an element made from t, with properties p, as a child of the
// current node; fostered says a table foster-parents it.
func (c *conv) push(t *tagInfo, ns namespace, p prop, fostered bool) {
	parent := c.st.top()
	e := elem{atom: t.atom, name: t.name, ns: ns, p: p, foster: -1, table: -1}
	if parent != nil {
		e.side, e.foster, e.table = parent.side, parent.foster, parent.table
	}
	if fostered {
		e.foster = parent.table
	}
	switch ns {
	case nsHTML:
		e.side = e.side || p&pSide != 0 || t.hidden || t.atom == atom.Dialog && !t.open
		e.block = p&pBlock != 0
	case nsSVG:
		if t.atom == atom.Foreignobject || t.atom == atom.Desc || t.atom == atom.Title {
			e.ip = ipHTML
		}
		e.side = e.side || foreignSide(ns, t.atom)
		e.block = foreignBlock(ns, t.atom, t.name)
	case nsMath:
		switch t.atom {
		case atom.Mi, atom.Mo, atom.Mn, atom.Ms, atom.Mtext:
			e.ip = ipText
		case atom.AnnotationXml:
			e.annot = true
			if t.htmlEncoding {
				e.ip = ipHTML
			}
		}
		e.side = e.side || foreignSide(ns, t.atom)
	}
	switch t.disp {
	case dispHidden:
		e.side = true
	case dispBlock:
		e.block = true
	case dispInline:
		e.block = false
	}
	parentSide := parent != nil && parent.side
	if len(c.st.e) >= c.st.max || c.st.deep > 0 {
		c.st.deep++
	} else {
		if e.is(atom.Table) {
			e.table = int32(len(c.st.e))
			if !e.side {
				e.pre = c.openLine(c.targetOf(&e))
			}
		}
		c.st.e = append(c.st.e, e)
	}
	switch {
	case e.side:
		if e.block || !parentSide {
			c.o.sideBreak()
		}
	case e.block:
		c.breakIn(c.targetOf(&e))
	}
}

// openLine returns the rendered text of t's current line (up to tailMax
// bytes): what text a table opened there foster-parents will join.
func (c *conv) openLine(t target) []byte {
	switch {
	case t.side:
		return nil
	case t.table >= 0:
		if fb := c.st.e[t.table].fb; fb != nil {
			return fb.openLine()
		}
		return append([]byte(nil), c.st.e[t.table].pre...)
	}
	return c.o.lineTail()
}

// popTo closes the elements from index i up.
func (c *conv) popTo(i int) {
	for len(c.st.e) > i {
		c.pop()
	}
}

func (c *conv) pop() {
	n := len(c.st.e) - 1
	e := c.st.e[n]
	c.st.e[n] = elem{}
	c.st.e = c.st.e[:n]
	parentSide := n > 0 && c.st.e[n-1].side
	switch {
	case e.side:
		if e.block || !parentSide {
			c.o.sideBreak()
		}
	case e.block:
		c.breakIn(c.targetOf(&e))
	}
	if e.is(atom.Table) {
		c.flushFoster(&e)
	}
}

// remove takes the element at i out of the stack, leaving those above it
// open (the adoption agency's outcome for a formatting element closed
// across a block: "<b>1<div>2</b>3</div>" keeps the div open).
func (c *conv) remove(i int) {
	copy(c.st.e[i:], c.st.e[i+1:])
	c.st.e[len(c.st.e)-1] = elem{}
	c.st.e = c.st.e[:len(c.st.e)-1]
	for j := i; j < len(c.st.e); j++ {
		if e := &c.st.e[j]; e.foster > int32(i) {
			e.foster--
		}
		if e := &c.st.e[j]; e.table > int32(i) {
			e.table--
		}
	}
}

// tokKind says which kind of token asks foreignToken.
type tokKind uint8

const (
	tokStart tokKind = iota
	tokEnd
	tokText
)

// foreignToken reports whether a token is processed by the rules for
// foreign content (HTML §13.2.6, the tree construction dispatcher).
func (c *conv) foreignToken(k tokKind, a atom.Atom) bool {
	top := c.st.top()
	if top == nil || top.ns == nsHTML {
		return false
	}
	switch k {
	case tokStart:
		if top.ip == ipText && a != atom.Mglyph && a != atom.Malignmark ||
			top.annot && a == atom.Svg || top.ip == ipHTML {
			return false
		}
	case tokText:
		if top.ip != ipNone {
			return false
		}
	}
	return true
}

// allowCDATA reports whether <![CDATA[ starts a CDATA section: when the
// current node is not an HTML element (integration points included).
func (c *conv) allowCDATA() bool {
	top := c.st.top()
	return top != nil && top.ns != nsHTML
}

// startTag opens what a start tag opens. It reports whether the element
// is an HTML element, so that the tokenizer may go on in raw text.
func (c *conv) startTag(t *tagInfo) bool {
	if c.st.deep > 0 {
		return c.startUntracked(t)
	}
	if c.foreignToken(tokStart, t.atom) {
		if !breakout(t.atom) && !(t.atom == atom.Font && t.fontBreak) {
			if !t.selfClosing {
				top := c.st.top()
				c.push(t, top.ns, 0, false)
			}
			return false
		}
		// Back to HTML: close the foreign elements.
		for top := c.st.top(); top != nil && top.ns != nsHTML && top.ip == ipNone; top = c.st.top() {
			c.pop()
		}
	}
	return c.startHTML(t)
}

// startUntracked handles a start tag past the stack's depth limit: the
// element is counted, not matched.
func (c *conv) startUntracked(t *tagInfo) bool {
	p := propsOf(t.atom)
	if p&pVoid == 0 && !(t.selfClosing && (t.atom == atom.Svg || t.atom == atom.Math)) {
		c.st.deep++
	}
	if p&pBlock != 0 {
		c.lineBreak()
	}
	return true
}

func (c *conv) startHTML(t *tagInfo) bool {
	if t.atom == atom.Image {
		t.atom = atom.Img
	}
	p := propsOf(t.atom)
	top := c.st.top()
	inTable := top != nil && top.table >= 0
	tableCtx := top != nil && top.tableish()
	switch t.atom {
	case atom.Html, atom.Head, atom.Body, atom.Frameset, atom.Frame:
		// Merged into the implied ones, or ignored.
		return true
	case atom.Caption, atom.Col, atom.Colgroup, atom.Tbody, atom.Tfoot, atom.Thead, atom.Td, atom.Th, atom.Tr:
		if !inTable {
			return true // ignored outside a table
		}
		c.closeForTablePart(t.atom)
		if t.atom == atom.Col {
			return true
		}
		c.push(t, nsHTML, p, false)
		return true
	case atom.Table:
		if tableCtx {
			c.popTo(int(top.table)) // a table directly in a table ends it
		}
	case atom.Svg, atom.Math:
		ns := nsSVG
		if t.atom == atom.Math {
			ns = nsMath
		}
		if !t.selfClosing {
			c.push(t, ns, 0, tableCtx)
		}
		return false
	case atom.Li:
		c.closeListItem(atom.Li, atom.Li)
	case atom.Dd, atom.Dt:
		c.closeListItem(atom.Dd, atom.Dt)
	case atom.Option, atom.Optgroup:
		if top != nil && top.is(atom.Option) {
			c.pop()
		}
		if t.atom == atom.Optgroup {
			if top := c.st.top(); top != nil && top.is(atom.Optgroup) {
				c.pop()
			}
		}
	case atom.Rb, atom.Rtc, atom.Rp, atom.Rt:
		if c.st.find(nameHash("ruby"), scopeDefault) >= 0 {
			c.impliedEnds(t.atom == atom.Rp || t.atom == atom.Rt)
		}
	case atom.A, atom.Nobr:
		c.closeFormatting(t.name)
	case atom.Button:
		if i := c.st.find(t.name, scopeDefault); i >= 0 {
			c.popTo(i)
		}
	case atom.Select:
		if i := c.st.find(t.name, scopeDefault); i >= 0 {
			c.popTo(i)
			return true // a select in a select closes it, and opens nothing
		}
	case atom.Form, atom.Input:
		if tableCtx && t.atom == atom.Form {
			return true // inserted and closed at once
		}
	}
	if p&pClosesP != 0 {
		if i := c.st.find(nameHash("p"), scopeButton); i >= 0 {
			c.popTo(i)
		}
	}
	if isHeading(t.atom) {
		if top := c.st.top(); top != nil && top.ns == nsHTML && isHeading(top.atom) {
			c.pop()
		}
	}
	if p&pVoid != 0 {
		if p&pBlock != 0 {
			c.lineBreak()
		}
		return true
	}
	fostered := tableCtx && t.atom != atom.Style && t.atom != atom.Script && t.atom != atom.Template && t.atom != atom.Table
	c.push(t, nsHTML, p, fostered)
	return true
}

func isHeading(a atom.Atom) bool {
	switch a {
	case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
		return true
	}
	return false
}

// closeForTablePart closes what a table part's start tag closes in the
// table around it: an open cell and everything in it, for <td> and <tr>
// the row or the section, for the others everything up to the table.
func (c *conv) closeForTablePart(a atom.Atom) {
	t := int(c.st.top().table)
	for i := len(c.st.e) - 1; i > t; i-- {
		e := &c.st.e[i]
		if e.ns != nsHTML {
			continue
		}
		switch a {
		case atom.Td, atom.Th:
			if e.atom == atom.Tr || e.atom == atom.Tbody || e.atom == atom.Thead || e.atom == atom.Tfoot {
				c.popTo(i + 1)
				return
			}
		case atom.Tr:
			if e.atom == atom.Tbody || e.atom == atom.Thead || e.atom == atom.Tfoot {
				c.popTo(i + 1)
				return
			}
		}
	}
	c.popTo(t + 1)
}

// closeListItem closes an open li (or dd, dt) that a new one ends, unless
// a special element other than address, div and p is in between.
func (c *conv) closeListItem(a1, a2 atom.Atom) {
	for i, n := len(c.st.e)-1, 0; i >= 0 && n < walkMax; i, n = i-1, n+1 {
		e := &c.st.e[i]
		if e.is(a1) || e.is(a2) {
			c.popTo(i)
			return
		}
		if e.special() && !e.is(atom.Address) && !e.is(atom.Div) && !e.is(atom.P) {
			return
		}
	}
}

// impliedEnds closes the elements whose end tags are implied (HTML
// §13.2.6.3) at the top of the stack; rtc stays open when keepRtc.
func (c *conv) impliedEnds(keepRtc bool) {
	for top := c.st.top(); top != nil && top.ns == nsHTML; top = c.st.top() {
		switch top.atom {
		case atom.Dd, atom.Dt, atom.Li, atom.Optgroup, atom.Option, atom.P, atom.Rb, atom.Rp, atom.Rt:
		case atom.Rtc:
			if keepRtc {
				return
			}
		default:
			return
		}
		c.pop()
	}
}

// closeFormatting closes the formatting element named name. With a
// special element above it, it is only taken out of the stack.
func (c *conv) closeFormatting(name uint64) {
	i := c.st.find(name, scopeDefault)
	if i < 0 {
		return
	}
	for j := i + 1; j < len(c.st.e); j++ {
		if c.st.e[j].special() {
			c.remove(i)
			return
		}
	}
	c.popTo(i)
}

// endTag closes what an end tag closes.
func (c *conv) endTag(t *tagInfo) {
	if c.st.deep > 0 {
		c.st.deep--
		if propsOf(t.atom)&pBlock != 0 {
			c.lineBreak()
		}
		return
	}
	if c.foreignToken(tokEnd, t.atom) {
		for i, n := len(c.st.e)-1, 0; i >= 0 && n < walkMax; i, n = i-1, n+1 {
			if c.st.e[i].name == t.name {
				c.popTo(i)
				return
			}
			if i > 0 && c.st.e[i-1].ns == nsHTML {
				break
			}
		}
	}
	p := propsOf(t.atom)
	switch {
	case t.atom == atom.Html || t.atom == atom.Head || t.atom == atom.Body:
	case t.atom == atom.Br:
		c.startTag(&tagInfo{atom: atom.Br, name: t.name}) // </br> is <br>
	case t.atom == atom.P:
		i := c.st.find(t.name, scopeButton)
		if i < 0 {
			// An empty <p> is implied, and it breaks out of foreign
			// content as a <p> does.
			c.startTag(&tagInfo{atom: atom.P, name: t.name})
			if c.st.deep > 0 {
				c.st.deep-- // it went past MaxDepth: count it closed
				c.lineBreak()
				return
			}
			i = len(c.st.e) - 1
		}
		c.popTo(i)
	case t.atom == atom.Li:
		if i := c.st.find(t.name, scopeListItem); i >= 0 {
			c.popTo(i)
		}
	case isHeading(t.atom):
		for i, n := len(c.st.e)-1, 0; i >= 0 && n < walkMax; i, n = i-1, n+1 {
			e := &c.st.e[i]
			if e.ns == nsHTML && isHeading(e.atom) {
				c.popTo(i)
				return
			}
			if e.barrier(scopeDefault) {
				return
			}
		}
	case p&(pTablePart|pTableish) != 0:
		if i := c.st.find(t.name, scopeTable); i >= 0 {
			c.popTo(i)
		}
	case p&pFormatting != 0 || t.atom == atom.Form:
		c.closeFormatting(t.name)
	case p&pSpecial != 0:
		if i := c.st.find(t.name, scopeDefault); i >= 0 {
			c.popTo(i)
		}
	default:
		if i := c.st.find(t.name, scopeSpecial); i >= 0 {
			c.popTo(i)
		}
	}
}
