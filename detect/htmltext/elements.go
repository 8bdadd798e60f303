package htmltext

import "golang.org/x/net/html/atom"

// prop describes how an HTML element takes part in rendering and in tree
// construction.
type prop uint16

const (
	// pBlock: the element starts and ends a line (display block, list-item,
	// table parts, form controls in their own box, <br>).
	pBlock prop = 1 << iota
	// pSide: the element's content is not in the text flow (display none,
	// ruby annotations, <template>), so it is a side piece: scanned, but
	// never put between two rendered words.
	pSide
	// pVoid: the element has no content and is never on the stack.
	pVoid
	// pSpecial: the spec's "special" category; an end tag of an ordinary
	// element does not reach past one.
	pSpecial
	// pFormatting: a formatting element (adoption agency).
	pFormatting
	// pClosesP: the start tag closes an open <p> in button scope.
	pClosesP
	// pScope: a barrier of the default scope.
	pScope
	// pTableish: text directly inside is foster-parented (moved before the
	// table) unless it is white space.
	pTableish
	// pTablePart: a table structure tag, ignored outside a table and never
	// foster-parented.
	pTablePart
)

// props gives the properties of the HTML elements this package knows.
// Elements not listed (unknown and custom elements, Office's o:p) are
// inline, as browsers render them.
var props = map[atom.Atom]prop{
	// Inline: a, abbr, b, bdi, bdo, big, cite, code, data, dfn, em, font,
	// i, kbd, label, mark, q, ruby, rb, s, samp, small, span, strike,
	// strong, sub, sup, time, tt, u, var, ins, del, img, input, wbr,
	// iframe, object, embed, video, audio, canvas, map, picture, output,
	// slot: listed only when tree construction cares.
	atom.A:      pFormatting,
	atom.B:      pFormatting,
	atom.Big:    pFormatting,
	atom.Code:   pFormatting,
	atom.Em:     pFormatting,
	atom.Font:   pFormatting,
	atom.I:      pFormatting,
	atom.Nobr:   pFormatting,
	atom.S:      pFormatting,
	atom.Small:  pFormatting,
	atom.Strike: pFormatting,
	atom.Strong: pFormatting,
	atom.Tt:     pFormatting,
	atom.U:      pFormatting,

	atom.Img:      pVoid | pSpecial,
	atom.Image:    pVoid | pSpecial,
	atom.Input:    pVoid | pSpecial,
	atom.Wbr:      pVoid | pSpecial,
	atom.Embed:    pVoid | pSpecial,
	atom.Keygen:   pVoid | pSpecial,
	atom.Source:   pVoid | pSpecial,
	atom.Track:    pVoid | pSpecial,
	atom.Param:    pVoid | pSpecial,
	atom.Area:     pVoid | pSpecial,
	atom.Base:     pVoid | pSpecial,
	atom.Basefont: pVoid | pSpecial,
	atom.Bgsound:  pVoid | pSpecial,
	atom.Link:     pVoid | pSpecial,
	atom.Meta:     pVoid | pSpecial,
	atom.Frame:    pVoid | pSpecial,
	atom.Br:       pVoid | pSpecial | pBlock,
	atom.Hr:       pVoid | pSpecial | pBlock | pClosesP,
	atom.Col:      pVoid | pSpecial | pBlock | pTablePart,

	atom.Iframe:   pSpecial | pSide,
	atom.Object:   pSpecial | pScope,
	atom.Applet:   pSpecial | pScope,
	atom.Marquee:  pSpecial | pScope | pBlock,
	atom.Html:     pSpecial | pScope,
	atom.Head:     pSpecial | pSide,
	atom.Body:     pSpecial,
	atom.Frameset: pSpecial,

	atom.Address:    pBlock | pSpecial | pClosesP,
	atom.Article:    pBlock | pSpecial | pClosesP,
	atom.Aside:      pBlock | pSpecial | pClosesP,
	atom.Blockquote: pBlock | pSpecial | pClosesP,
	atom.Center:     pBlock | pSpecial | pClosesP,
	atom.Details:    pBlock | pSpecial | pClosesP,
	atom.Dialog:     pBlock | pSpecial | pClosesP,
	atom.Dir:        pBlock | pSpecial | pClosesP,
	atom.Div:        pBlock | pSpecial | pClosesP,
	atom.Dl:         pBlock | pSpecial | pClosesP,
	atom.Dd:         pBlock | pSpecial | pClosesP,
	atom.Dt:         pBlock | pSpecial | pClosesP,
	atom.Fieldset:   pBlock | pSpecial | pClosesP,
	atom.Figcaption: pBlock | pSpecial | pClosesP,
	atom.Figure:     pBlock | pSpecial | pClosesP,
	atom.Footer:     pBlock | pSpecial | pClosesP,
	atom.Form:       pBlock | pSpecial | pClosesP,
	atom.H1:         pBlock | pSpecial | pClosesP,
	atom.H2:         pBlock | pSpecial | pClosesP,
	atom.H3:         pBlock | pSpecial | pClosesP,
	atom.H4:         pBlock | pSpecial | pClosesP,
	atom.H5:         pBlock | pSpecial | pClosesP,
	atom.H6:         pBlock | pSpecial | pClosesP,
	atom.Header:     pBlock | pSpecial | pClosesP,
	atom.Hgroup:     pBlock | pSpecial | pClosesP,
	atom.Li:         pBlock | pSpecial | pClosesP,
	atom.Listing:    pBlock | pSpecial | pClosesP,
	atom.Main:       pBlock | pSpecial | pClosesP,
	atom.Menu:       pBlock | pSpecial | pClosesP,
	atom.Nav:        pBlock | pSpecial | pClosesP,
	atom.Ol:         pBlock | pSpecial | pClosesP,
	atom.P:          pBlock | pSpecial | pClosesP,
	atom.Plaintext:  pBlock | pSpecial | pClosesP,
	atom.Pre:        pBlock | pSpecial | pClosesP,
	atom.Search:     pBlock | pSpecial | pClosesP,
	atom.Section:    pBlock | pSpecial | pClosesP,
	atom.Summary:    pBlock | pSpecial | pClosesP,
	atom.Ul:         pBlock | pSpecial | pClosesP,
	atom.Xmp:        pBlock | pSpecial | pClosesP,
	atom.Legend:     pBlock,
	atom.Optgroup:   pBlock,
	atom.Option:     pBlock,
	// Form controls are boxes of their own: their text does not run into
	// the words around them.
	atom.Button:   pBlock | pSpecial,
	atom.Select:   pBlock | pSpecial,
	atom.Textarea: pBlock | pSpecial,
	atom.Meter:    pBlock,
	atom.Progress: pBlock,

	atom.Table:    pBlock | pSpecial | pScope | pTableish,
	atom.Caption:  pBlock | pSpecial | pScope | pTablePart,
	atom.Colgroup: pBlock | pSpecial | pTablePart | pTableish,
	atom.Tbody:    pBlock | pSpecial | pTablePart | pTableish,
	atom.Thead:    pBlock | pSpecial | pTablePart | pTableish,
	atom.Tfoot:    pBlock | pSpecial | pTablePart | pTableish,
	atom.Tr:       pBlock | pSpecial | pTablePart | pTableish,
	atom.Td:       pBlock | pSpecial | pScope | pTablePart,
	atom.Th:       pBlock | pSpecial | pScope | pTablePart,

	// Not rendered (display: none), or not in the line (ruby text).
	atom.Script:   pSpecial | pSide,
	atom.Style:    pSpecial | pSide,
	atom.Title:    pSpecial | pSide,
	atom.Noscript: pSpecial | pSide,
	atom.Noembed:  pSpecial | pSide,
	atom.Noframes: pSpecial | pSide,
	atom.Template: pSpecial | pSide | pScope,
	atom.Datalist: pSide,
	atom.Rp:       pSide,
	atom.Rt:       pSide,
	atom.Rtc:      pSide,
}

// propTable is props as an open-addressing table: one multiply and a
// compare or two per lookup, where the map took a sixth of the tree
// builder's time.
var propTable [512]struct {
	a atom.Atom
	p prop
}

func init() {
	for a, p := range props {
		i := propSlot(a)
		for propTable[i].a != 0 {
			i = (i + 1) % uint32(len(propTable))
		}
		propTable[i].a, propTable[i].p = a, p
	}
}

func propSlot(a atom.Atom) uint32 { return uint32(a) * 0x9E3779B1 >> 23 }

// propsOf returns the properties of the HTML element a (0 for elements
// not in props).
func propsOf(a atom.Atom) prop {
	if a == 0 {
		return 0
	}
	for i := propSlot(a); ; i = (i + 1) % uint32(len(propTable)) {
		switch propTable[i].a {
		case a:
			return propTable[i].p
		case 0:
			return 0
		}
	}
}

// rawText lists the elements after whose start tag the tokenizer reads raw
// text (or RCDATA) up to the matching end tag, when the element is an HTML
// element. x/net/html's tokenizer switches on exactly these.
func rawText(a atom.Atom) bool {
	switch a {
	case atom.Script, atom.Style, atom.Textarea, atom.Title, atom.Xmp,
		atom.Iframe, atom.Noembed, atom.Noframes, atom.Noscript, atom.Plaintext:
		return true
	}
	return false
}

// breakout lists the start tags that end foreign content (HTML §13.2.6.5).
// <font> breaks out only with a color, face or size attribute.
func breakout(a atom.Atom) bool {
	switch a {
	case atom.B, atom.Big, atom.Blockquote, atom.Body, atom.Br, atom.Center,
		atom.Code, atom.Dd, atom.Div, atom.Dl, atom.Dt, atom.Em, atom.Embed,
		atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.Head,
		atom.Hr, atom.I, atom.Img, atom.Li, atom.Listing, atom.Menu,
		atom.Meta, atom.Nobr, atom.Ol, atom.P, atom.Pre, atom.Ruby, atom.S,
		atom.Small, atom.Span, atom.Strong, atom.Strike, atom.Sub, atom.Sup,
		atom.Table, atom.Tt, atom.U, atom.Ul, atom.Var:
		return true
	}
	return false
}

// foreignBlock lists the SVG elements whose text is placed apart from
// the text around it (a <text> has its own position).
func foreignBlock(ns namespace, a atom.Atom, name uint64) bool {
	return ns == nsSVG && (a == atom.Foreignobject || name == hashText)
}

var hashText = nameHash("text") // no atom

// foreignSide lists the SVG and MathML elements whose text is not drawn
// (titles, descriptions, style sheets, alternative annotations).
func foreignSide(ns namespace, a atom.Atom) bool {
	switch ns {
	case nsSVG:
		switch a {
		case atom.Title, atom.Desc, atom.Style, atom.Script:
			return true
		}
	case nsMath:
		switch a {
		case atom.Annotation, atom.AnnotationXml:
			return true
		}
	}
	return false
}
