package rtf

import (
	"fmt"
	"strings"
)

// skipped are destinations whose text is not the document's: tables,
// pictures, style definitions, bookmarks names, shape properties and the
// fallback results of shapes.
var skipped = map[string]bool{
	"colortbl": true, "stylesheet": true, "listtable": true, "listoverridetable": true,
	"revtbl": true, "rsidtbl": true, "generator": true, "pict": true, "themedata": true,
	"colorschememapping": true, "datastore": true, "latentstyles": true, "xmlnstbl": true,
	"filetbl": true, "pgdsctbl": true, "shprslt": true, "nonshppict": true, "sp": true,
	"picprop": true, "bkmkstart": true, "bkmkend": true, "atnref": true, "atndate": true,
	"atntime": true, "atnparent": true, "atnicn": true, "template": true, "ftnsep": true,
	"ftnsepc": true, "aftnsep": true, "aftnsepc": true, "passwordhash": true,
	"mhtmltag": true, "objalias": true, "objsect": true, "objname": true, "objtime": true,
	"datafield": true, "fontemb": true, "fontfile": true, "panose": true, "falt": true,
	"listpicture": true, "docvar": true, "printim": true, "creatim": true, "revtim": true,
	"buptim": true, "xe": false,
}

// infoFields are the \info properties read, with the label they get.
var infoFields = map[string]string{
	"title": "title", "subject": "subject", "author": "author", "manager": "manager",
	"company": "company", "operator": "operator", "category": "category",
	"keywords": "keywords", "comment": "comment", "doccomm": "doccomm",
	"hlinkbase": "hlinkbase",
}

// headers are the page header and footer destinations, with their
// item names.
var headers = map[string]string{
	"header": "header", "headerl": "header (left)", "headerr": "header (right)",
	"headerf": "header (first)", "footer": "footer", "footerl": "footer (left)",
	"footerr": "footer (right)", "footerf": "footer (first)",
}

// specials are control words that stand for characters.
var specials = map[string]string{
	"emdash": "\u2014", "endash": "\u2013", "bullet": "\u2022", "lquote": "\u2018",
	"rquote": "\u2019", "ldblquote": "\u201c", "rdblquote": "\u201d", "emspace": "\u2003",
	"enspace": "\u2002", "qmspace": "\u2005", "zwj": "\u200d", "zwnj": "\u200c",
}

// word handles a control word; star says it followed \*.
func (p *parser) word(name string, hasParam bool, param int, star bool) error {
	st := p.top()
	if name == "bin" {
		return p.bin(param)
	}
	if p.skip > 0 && name != "u" {
		p.skip--
		return nil
	}
	if name == "u" && p.skip > 0 {
		p.skip = 0
	}
	if st.dest == dFontTbl {
		switch name {
		case "f":
			p.fontDef = param
			if _, ok := p.fonts[param]; !ok && len(p.fonts) < maxFonts {
				p.fonts[param] = font{}
			}
			return nil
		case "fcharset", "cpg":
			if fe, ok := p.fonts[p.fontDef]; ok {
				if name == "fcharset" {
					fe.charset = param
				} else {
					fe.cpg = param
				}
				p.fonts[p.fontDef] = fe
			}
			return nil
		}
		if star || skipped[name] {
			st.dest = dSkip
		}
		return nil
	}
	if st.dest == dSkip {
		return nil
	}
	switch name {
	case "rtf", "urtf":
		return nil
	case "ansicpg":
		if param > 0 {
			p.ansiCP = param
		}
	case "ansi":
		p.ansiCP = 1252
	case "mac":
		p.ansiCP = 10000
	case "pc":
		p.ansiCP = 437
	case "pca":
		p.ansiCP = 850
	case "deff":
		p.deff = param
	case "fonttbl":
		st.dest = dFontTbl
	case "f":
		if err := p.flush(); err != nil {
			return err
		}
		st.font = param
		if st.assoc == assocDbch {
			st.dbFont = param
		}
	case "af":
		if st.assoc == assocDbch {
			if err := p.flush(); err != nil {
				return err
			}
			st.dbFont = param
		}
	case "loch":
		st.assoc = assocLoch
	case "hich":
		st.assoc = assocHich
	case "dbch":
		st.assoc = assocDbch
	case "plain":
		if err := p.flush(); err != nil {
			return err
		}
		st.font, st.dbFont, st.assoc = -1, -1, assocLoch
	case "uc":
		st.uc = min(max(param, 0), 64)
	case "u":
		if st.dest == dObjdata {
			return nil
		}
		return p.emitRune(param)
	case "par", "line", "sect", "page", "lbr":
		t := p.target()
		if t == nil {
			return nil
		}
		if err := p.flush(); err != nil {
			return err
		}
		if st.intbl && name == "par" && !t.html {
			return p.write(t, " ")
		}
		return p.newline(t)
	case "tab", "cell", "nestcell":
		return p.special("\t")
	case "row", "nestrow":
		t := p.target()
		if t == nil {
			return nil
		}
		if err := p.flush(); err != nil {
			return err
		}
		return p.rowEnd(t)
	case "intbl":
		st.intbl = !hasParam || param != 0
	case "pard":
		st.intbl = false
	case "fromhtml":
		if len(p.stack) == 1 && (!hasParam || param != 0) {
			p.fromHTML = true
			p.root.name, p.root.kind, p.root.html = "body.html", ItemFile, true
		}
	case "htmlrtf":
		if err := p.flush(); err != nil {
			return err
		}
		st.htmlrtf = !hasParam || param != 0
	case "htmltag":
		if !p.fromHTML {
			st.dest = dSkip
			return nil
		}
		st.dest, st.sink, st.htmlrtf = dText, p.root, false
	case "info":
		st.dest = dInfo
		p.newSink("info", ItemText)
		st.dest = dInfo
	case "shpinst":
		// A shape's instructions: its properties (\sp) are skipped,
		// its text box (\shptxt) is read.
	case "upr":
		st.uprSkip = true
	case "ud":
		// The Unicode version of \upr's text: read as its group is.
	case "fldinst":
		return p.fieldInstruction(st)
	case "object":
		if st.dest == dObjdata {
			return nil
		}
		p.nobj++
		st.obj = &object{n: p.nobj}
	case "objclass":
		if st.obj == nil {
			st.dest = dSkip
			return nil
		}
		st.dest = dSmall
		st.sink = &sink{cap: 256}
		s, obj := st.sink, st.obj
		st.closer = func(p *parser) error {
			obj.class = string(s.buf)
			return nil
		}
	case "objdata":
		return p.objdata(st)
	case "atnid", "atnauthor":
		st.dest = dSmall
		st.sink = p.commentHead
		st.closer = func(p *parser) error {
			if n := len(p.commentHead.buf); n > 0 && p.commentHead.buf[n-1] != '\n' {
				return p.writeByte(p.commentHead, '\n')
			}
			return nil
		}
	case "annotation":
		p.ncomment++
		s := p.newSink(fmt.Sprintf("comment %d", p.ncomment), ItemText)
		head := p.commentHead.buf
		p.commentHead.buf = nil
		return p.writeBytes(s, head)
	case "footnote":
		p.nfoot++
		p.newSink(fmt.Sprintf("footnote %d", p.nfoot), ItemText)
	case "ftnalt":
		// An endnote: renamed, numbered apart.
		if s := st.sink; s != nil && strings.HasPrefix(s.name, "footnote ") && s.data.Len() == 0 {
			p.nfoot--
			p.nend++
			s.name = fmt.Sprintf("endnote %d", p.nend)
		}
	default:
		if label, ok := infoFields[name]; ok && st.dest == dInfo {
			st.dest = dText
			s := st.sink
			st.closer = func(p *parser) error { return p.newline(s) }
			return p.write(s, label+": ")
		}
		if h, ok := headers[name]; ok {
			p.newSink(h, ItemText)
			return nil
		}
		if s, ok := specials[name]; ok {
			return p.special(s)
		}
		if star || skipped[name] {
			st.dest = dSkip
		}
	}
	return nil
}

// fieldInstruction reads a \fldinst into a small buffer; a HYPERLINK's
// target becomes a side piece of the text around the field.
func (p *parser) fieldInstruction(st *state) error {
	around := p.target()
	st.dest = dSmall
	st.sink = &sink{cap: 2048}
	s := st.sink
	st.closer = func(p *parser) error {
		if around == nil {
			return nil
		}
		if t := hyperlinkTarget(string(s.buf)); t != "" {
			return p.addSide(around, []byte(t))
		}
		return nil
	}
	return nil
}

// hyperlinkTarget returns the target of a HYPERLINK field instruction
// (HYPERLINK "mailto:x@example.jp" \o "tip"), "" for other fields.
func hyperlinkTarget(instr string) string {
	f := strings.TrimSpace(instr)
	if len(f) < 9 || !strings.EqualFold(f[:9], "HYPERLINK") {
		return ""
	}
	f = f[9:]
	argSwitch := false
	for len(f) > 0 {
		f = strings.TrimLeft(f, " \t\r\n")
		if f == "" {
			break
		}
		var tok string
		quoted := f[0] == '"'
		if quoted {
			end := strings.IndexByte(f[1:], '"')
			if end < 0 {
				tok, f = f[1:], ""
			} else {
				tok, f = f[1:1+end], f[2+end:]
			}
		} else {
			end := strings.IndexAny(f, " \t\r\n")
			if end < 0 {
				end = len(f)
			}
			tok, f = f[:end], f[end:]
		}
		if !quoted && strings.HasPrefix(tok, `\`) {
			// \l, \o and \t take an argument; \m, \n and \h do not.
			argSwitch = len(tok) == 2 && strings.ContainsRune("lot", rune(tok[1]|0x20))
			continue
		}
		if argSwitch {
			argSwitch = false
			continue
		}
		return strings.ReplaceAll(tok, `\\`, `\`)
	}
	return ""
}
