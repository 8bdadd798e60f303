package extract

import (
	"bytes"
	"io"
	"mime"
	"net/mail"
	"strings"
	"unicode/utf8"
)

// This file reads the address fields of a header: the display names that
// go into the header segment, and the mailboxes of the message itself
// that go into Report.Addresses.

// Address is one mailbox of an originator or destination field (From,
// Sender, Reply-To, To, Cc) of the message itself.
type Address struct {
	// Header is the field, lower-case: "from", "sender", "reply-to",
	// "to" or "cc".
	Header string `json:"header"`
	// Name is the display name, RFC 2047 encoded words decoded (any
	// charset the walker decodes bodies in), or "".
	Name string `json:"name,omitempty"`
	// Addr is the address, lower-cased.
	Addr string `json:"addr"`
}

// MaxAddresses bounds Report.Addresses; further mailboxes are left out.
const MaxAddresses = 1000

// addressHeaders are the headers whose display names are scanned.
var addressHeaders = []string{"From", "Sender", "Reply-To", "To", "Cc", "Bcc"}

// reportedHeaders are the address headers of the message itself that are
// listed in Report.Addresses. Bcc is not: a sent message should not carry
// it, and when it does it says nothing about whom the message is from.
var reportedHeaders = map[string]bool{"From": true, "Sender": true, "Reply-To": true, "To": true, "Cc": true}

// wordDecoder decodes RFC 2047 encoded words in any charset the walker
// decodes text in, the Japanese aliases and mislabelled charsets included;
// see headerCharset.
var wordDecoder = &mime.WordDecoder{CharsetReader: headerCharset}

// headerCharset converts the text of one encoded word as charsetDecoder
// converts a body: a label it does not know, or one the text does not
// decode in, is replaced by a guess, so an encoded word never fails for
// its charset.
func headerCharset(label string, input io.Reader) (io.Reader, error) {
	r, _, _, release := charsetDecoder(label, input)
	defer release()
	b, err := io.ReadAll(r)
	return bytes.NewReader(b), err
}

// decodeText decodes the encoded words of an unstructured header value;
// on error it returns v as it is.
func decodeText(v string) string {
	d, err := wordDecoder.DecodeHeader(v)
	if err != nil {
		return v
	}
	return d
}

// parseAddressList parses an address list field. strict reports whether
// the whole value parsed as RFC 5322 says; when it does not, the list is
// split at its commas and every mailbox that can still be read is
// returned (see salvageAddress).
func parseAddressList(v string) (addrs []*mail.Address, strict bool) {
	p := mail.AddressParser{WordDecoder: wordDecoder}
	if l, err := p.ParseList(v); err == nil {
		return l, true
	}
	for _, piece := range splitAddressList(v) {
		if a, err := p.Parse(piece); err == nil {
			addrs = append(addrs, a)
		} else if a := salvageAddress(piece); a != nil {
			addrs = append(addrs, a)
		}
	}
	return addrs, false
}

// splitAddressList splits v at the commas and semicolons that are outside
// quoted strings, comments and angle brackets, and drops a group name
// ("team:") from the start of a piece.
func splitAddressList(v string) []string {
	var out []string
	quoted, escaped := false, false
	comment, angle := 0, false
	start := 0
	flush := func(end int) {
		piece := strings.TrimSpace(v[start:end])
		if i := strings.IndexByte(piece, ':'); i >= 0 && !strings.ContainsAny(piece[:i], `"<@(`) {
			piece = strings.TrimSpace(piece[i+1:]) // a group's name
		}
		if piece != "" {
			out = append(out, piece)
		}
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case escaped:
			escaped = false
		case c == '\\' && (quoted || comment > 0):
			escaped = true
		case quoted:
			quoted = c != '"'
		case c == '"':
			quoted = true
		case c == '(':
			comment++
		case c == ')' && comment > 0:
			comment--
		case comment > 0:
		case c == '<':
			angle = true
		case c == '>':
			angle = false
		case (c == ',' || c == ';') && !angle:
			flush(i)
			start = i + 1
		}
	}
	flush(len(v))
	return out
}

// salvageAddress reads a mailbox that the parser rejects: the text in
// angle brackets (the closing one may be missing), or else the last word
// with an "@", with the text before it as the display name. Comments are
// dropped. It returns nil if no plausible address is there.
func salvageAddress(piece string) *mail.Address {
	piece = stripComments(piece)
	var name, addr string
	if i := strings.LastIndexByte(piece, '<'); i >= 0 {
		name, addr = piece[:i], piece[i+1:]
		if j := strings.IndexByte(addr, '>'); j >= 0 {
			addr = addr[:j]
		}
	} else {
		words := strings.Fields(piece)
		for i := len(words) - 1; i >= 0; i-- {
			if strings.Contains(words[i], "@") {
				name, addr = strings.Join(words[:i], " "), words[i]
				break
			}
		}
	}
	name = strings.TrimSpace(name)
	if len(name) >= 2 && name[0] == '"' && name[len(name)-1] == '"' {
		name = strings.ReplaceAll(name[1:len(name)-1], `\"`, `"`)
	}
	name = decodeText(name)
	addr = strings.TrimSpace(addr)
	local, domain, ok := strings.Cut(addr, "@")
	if !ok || local == "" || domain == "" || strings.ContainsAny(addr, " \t\r\n<>,;\"") {
		return nil
	}
	return &mail.Address{Name: name, Address: addr}
}

// stripComments removes RFC 5322 comments, "(...)" outside quoted
// strings, nested or not.
func stripComments(s string) string {
	if !strings.Contains(s, "(") {
		return s
	}
	var b strings.Builder
	quoted, escaped, depth := false, false, 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case escaped:
			escaped = false
		case c == '\\' && (quoted || depth > 0):
			escaped = true
		case quoted:
			quoted = c != '"'
		case c == '"' && depth == 0:
			quoted = true
		case c == '(':
			depth++
			continue
		case c == ')' && depth > 0:
			depth--
			b.WriteByte(' ')
			continue
		}
		if depth == 0 {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// displayName returns a display name as valid UTF-8: a name written in raw
// Japanese bytes (unencoded Shift_JIS or ISO-2022-JP, seen in the wild) is
// converted from the charset guessed as for undeclared text.
func displayName(name string) string {
	name = strings.TrimSpace(name)
	if utf8.ValidString(name) && !strings.Contains(name, "\x1b$") {
		return name
	}
	r, _, _, release := charsetDecoder("", strings.NewReader(name))
	defer release()
	b, err := io.ReadAll(r)
	if err != nil {
		return strings.ToValidUTF8(name, "\uFFFD")
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

// addAddresses lists the mailboxes of field k of the message itself, up to
// MaxAddresses.
func (w *walker) addAddresses(k string, addrs []*mail.Address) {
	for _, a := range addrs {
		if len(w.rep.Addresses) >= MaxAddresses {
			return
		}
		w.rep.Addresses = append(w.rep.Addresses, Address{
			Header: strings.ToLower(k),
			Name:   displayName(a.Name),
			Addr:   strings.ToLower(strings.ToValidUTF8(a.Address, "\uFFFD")),
		})
	}
}
