package htmltext

import (
	"bytes"
	"encoding/base64"
	"unicode/utf8"
)

// attrKind says how an attribute's value is turned into text.
type attrKind uint8

const (
	// akText: the value is emitted as it is (after reference decoding).
	// Every attribute not named below is text, known or not (alt, title,
	// value, placeholder, label, content, aria-*, data-*, class, id,
	// name, on* handlers ...): a value that leaves with the mail is
	// scanned.
	akText attrKind = iota
	// akURL: percent-decoded, with mailto: taken apart and text data: URLs
	// decoded.
	akURL
	// akSrcdoc: an HTML document of its own (iframe srcdoc).
	akSrcdoc
	// The presentation attributes below are skipped when their value has
	// the shape such a value has (a number, a colour, a keyword), and
	// emitted like text otherwise: width="03-1234-5678" is not a width.
	akNumber  // width, height, colspan, border, cellpadding, size, ...
	akColor   // bgcolor, color
	akKeyword // align, valign, dir, lang, charset, type, rel, target, shape
	akCoords  // coords
)

func attrKindOf(key []byte) attrKind {
	switch string(key) {
	case "href", "src", "action", "cite", "poster", "background", "longdesc",
		"formaction", "data", "codebase", "manifest", "ping", "srcset",
		"xlink:href", "icon", "profile", "dynsrc", "lowsrc", "archive",
		"classid", "usemap", "itemid", "itemtype":
		return akURL
	case "srcdoc":
		return akSrcdoc
	case "width", "height", "colspan", "rowspan", "border", "cellpadding",
		"cellspacing", "size", "tabindex", "hspace", "vspace":
		return akNumber
	case "bgcolor", "color", "text", "link", "vlink", "alink":
		return akColor
	case "align", "valign", "dir", "lang", "charset", "type", "rel",
		"target", "shape":
		return akKeyword
	case "coords":
		return akCoords
	}
	return akText
}

// presentational reports whether v is a value of the shape kind k expects,
// so it can be skipped.
func presentational(k attrKind, v []byte) bool {
	v = bytes.TrimSpace(v)
	digits := 0
	for _, c := range v {
		if '0' <= c && c <= '9' {
			digits++
		}
	}
	switch k {
	case akNumber:
		v = bytes.TrimSuffix(bytes.TrimSuffix(bytes.TrimSuffix(v, []byte("px")), []byte("pt")), []byte("em"))
		return len(v) <= 10 && digits <= 6 && only(v, "0123456789.%*+-")
	case akColor:
		if len(v) > 0 && v[0] == '#' {
			return len(v) <= 9 && only(v[1:], "0123456789abcdefABCDEF")
		}
		return len(v) <= 20 && digits == 0 && onlyLetters(v)
	case akKeyword:
		return len(v) <= 40 && digits <= 4 && (onlyLetters(v) || only(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-/.+;= "))
	case akCoords:
		return len(v) <= 200 && only(v, "0123456789,. -%")
	}
	return false
}

func only(v []byte, set string) bool {
	for _, c := range v {
		if c >= 0x80 || !bytes.ContainsRune([]byte(set), rune(c)) {
			return false
		}
	}
	return true
}

func onlyLetters(v []byte) bool {
	for _, c := range v {
		if !isAlpha(c) {
			return false
		}
	}
	return true
}

// appendURLText appends the text a URL value carries: percent-decoded
// (and '+' as a space in a query), a mailto: address with its header
// fields ("mailto:taro%40example.jp?subject=%E5%B1%B1" is
// "taro@example.jp subject=山"), and the payload of a data: URL when it is
// text. A decoding that is not valid UTF-8 keeps the value as written.
func appendURLText(dst, v []byte) []byte {
	v = bytes.TrimSpace(v)
	mode := pctQuery
	switch {
	case hasPrefixFold(v, "mailto:"):
		v = v[len("mailto:"):]
		mode = pctMailto
	case hasPrefixFold(v, "data:"):
		return appendDataURL(dst, v)
	}
	start := len(dst)
	dst = appendPercentDecoded(dst, v, mode)
	if !utf8.Valid(dst[start:]) {
		dst = append(dst[:start], v...)
	}
	return dst
}

// Percent-decoding modes.
const (
	pctPlain  = iota
	pctQuery  // '+' after the '?' is a space (form encoding)
	pctMailto // '?' and '&' separate header fields: they become spaces
)

// appendPercentDecoded decodes %XX escapes. An escaped "?" or "&" (%3F,
// %26) is data, not a separator.
func appendPercentDecoded(dst, v []byte, mode int) []byte {
	inQuery := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == '%' && i+2 < len(v) && isHex(v[i+1]) && isHex(v[i+2]):
			c = unhex(v[i+1])<<4 | unhex(v[i+2])
			i += 2
		case c == '?' || c == '&':
			inQuery = inQuery || c == '?'
			if mode == pctMailto {
				c = ' '
			}
		case c == '+' && inQuery && mode == pctQuery:
			c = ' '
		}
		dst = append(dst, c)
	}
	return dst
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c >= 'a':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

// appendDataURL appends a data: URL's payload when it decodes to UTF-8
// text, and only its header ("data:image/png;base64") when it does not:
// an inline image is not text.
func appendDataURL(dst, v []byte) []byte {
	comma := bytes.IndexByte(v, ',')
	if comma < 0 {
		return append(dst, v...)
	}
	header, payload := v[:comma], v[comma+1:]
	var dec []byte
	if bytes.HasSuffix(bytes.ToLower(header), []byte(";base64")) {
		clean := bytes.Map(func(r rune) rune {
			if r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\f' {
				return -1
			}
			return r
		}, appendPercentDecoded(nil, payload, pctPlain))
		clean = bytes.TrimRight(clean, "=")
		dec = make([]byte, base64.RawStdEncoding.DecodedLen(len(clean)))
		n, err := base64.RawStdEncoding.Decode(dec, clean)
		if err != nil {
			return append(append(dst, header...), ' ')
		}
		dec = dec[:n]
	} else {
		dec = appendPercentDecoded(nil, payload, pctPlain)
	}
	dst = append(dst, header...)
	if utf8.Valid(dec) && !bytes.ContainsRune(dec, 0) {
		dst = append(dst, ' ')
		dst = append(dst, dec...)
	}
	return dst
}

func hasPrefixFold(v []byte, prefix string) bool {
	return len(v) >= len(prefix) && bytes.EqualFold(v[:len(prefix)], []byte(prefix))
}

// display is what an element's style attribute says about its box.
type display uint8

const (
	dispDefault display = iota
	dispBlock
	dispInline
	dispHidden // display: none, visibility: hidden, font-size: 0, opacity: 0
)

// styleDisplay reads the declarations of a style attribute that decide
// whether the element's text is in the line, on lines of its own, or not
// shown: display, visibility, font-size: 0 and opacity: 0. CSS comments
// are skipped; escapes are not decoded. The last declaration wins, as in
// CSS (without !important's precedence).
func styleDisplay(v []byte) display {
	d := dispDefault
	v = stripCSSComments(v)
	for len(v) > 0 {
		var decl []byte
		if i := bytes.IndexByte(v, ';'); i >= 0 {
			decl, v = v[:i], v[i+1:]
		} else {
			decl, v = v, nil
		}
		colon := bytes.IndexByte(decl, ':')
		if colon < 0 {
			continue
		}
		name := bytes.TrimSpace(decl[:colon])
		if len(name) < 7 || len(name) > 10 {
			continue // none of the four
		}
		val := bytes.TrimSpace(decl[colon+1:])
		if i := bytes.IndexByte(val, '!'); i >= 0 {
			val = bytes.TrimSpace(val[:i]) // !important
		}
		if i := bytes.IndexAny(val, " \t\n\f\r"); i >= 0 {
			val = val[:i]
		}
		var low [24]byte
		if len(val) > len(low) {
			continue
		}
		for i, c := range val {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			low[i] = c
		}
		first := low[:len(val)]
		switch {
		case bytes.EqualFold(name, []byte("display")):
			switch string(first) {
			case "none":
				d = dispHidden
			case "inline", "inline-block", "inline-flex", "inline-grid", "inline-table",
				"contents", "ruby", "ruby-base", "ruby-base-container":
				d = dispInline
			case "block", "flex", "grid", "table", "list-item", "flow-root",
				"table-row", "table-cell", "table-caption", "table-row-group",
				"table-header-group", "table-footer-group", "run-in":
				d = dispBlock
			}
		case bytes.EqualFold(name, []byte("visibility")):
			if string(first) == "hidden" || string(first) == "collapse" {
				d = dispHidden
			}
		case bytes.EqualFold(name, []byte("font-size")), bytes.EqualFold(name, []byte("opacity")):
			if zeroLength(first) {
				d = dispHidden
			}
		}
	}
	return d
}

// zeroLength reports whether a CSS value is zero: "0", "0px", "0.0em", "0%".
func zeroLength(v []byte) bool {
	i := 0
	for i < len(v) && (v[i] == '0' || v[i] == '.') {
		i++
	}
	if i == 0 || i < len(v) && '1' <= v[i] && v[i] <= '9' {
		return false
	}
	return onlyLetters(bytes.TrimSuffix(v[i:], []byte("%")))
}

func stripCSSComments(v []byte) []byte {
	if bytes.Index(v, []byte("/*")) < 0 {
		return v
	}
	var out []byte
	for {
		i := bytes.Index(v, []byte("/*"))
		if i < 0 {
			return append(out, v...)
		}
		out = append(out, v[:i]...)
		out = append(out, ' ')
		j := bytes.Index(v[i+2:], []byte("*/"))
		if j < 0 {
			return out
		}
		v = v[i+2+j+2:]
	}
}
