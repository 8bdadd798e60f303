package extract

import (
	"bufio"
	"bytes"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/textproto"
)

// This file reads the header block of an entity and hands out its text.

// headerStatus says how reading a header block went.
type headerStatus int

const (
	headerOK        headerStatus = iota
	headerMalformed              // a line that is no field ended the header (NoteHeaderError)
	headerTooBig                 // over MaxHeaderBytes: ReasonParse
)

// readHeader reads the header block from raw, as mail software does: the
// fields up to the blank line, and if a line before it is no field (no
// colon, a bad field name, a continuation line first), the header ends
// there and the body begins with that line. A header block over max bytes
// is headerTooBig: then body reads all of raw, header bytes included, so
// the entity can still be scanned as raw text. release must be called
// once the body is no longer read.
func readHeader(raw io.Reader, max int) (hdr textproto.Header, body io.Reader, release func(), st headerStatus) {
	br := getReader(raw, headerBuffer)
	var block bytes.Buffer // the fields read, as a header block (CRLF)
	var read bytes.Buffer  // the same lines as they came
	var line []byte
	status := headerOK
	for {
		line = line[:0]
		var err error
		for {
			var piece []byte
			piece, err = br.ReadSlice('\n')
			line = append(line, piece...)
			if err != bufio.ErrBufferFull || read.Len()+len(line) > max {
				break
			}
		}
		if read.Len()+len(line) > max {
			// No end in sight: give everything read back as text.
			read.Write(line)
			return textproto.Header{}, io.MultiReader(bytes.NewReader(read.Bytes()), br), func() { putReader(br) }, headerTooBig
		}
		read.Write(line)
		if len(line) == 0 && err != nil {
			break // end of input: a header with no body
		}
		content := bytes.TrimRight(line, "\r\n")
		if len(content) == 0 {
			break // the blank line
		}
		if !isFieldLine(content, block.Len() > 0) {
			status = headerMalformed
			body = io.MultiReader(bytes.NewReader(bytes.Clone(line)), br)
			break
		}
		block.Write(content)
		block.WriteString("\r\n")
		if err != nil {
			break // input ended inside the header
		}
	}
	block.WriteString("\r\n")
	h, err := textproto.ReadHeader(bufio.NewReader(&block))
	if err != nil {
		// isFieldLine let through something textproto refuses: keep
		// what it read.
		status = headerMalformed
	}
	if body == nil {
		body = br
	}
	return h, body, func() { putReader(br) }, status
}

// isFieldLine reports whether line (without its line break) belongs to a
// header: a field "Name: value" with a name of printable ASCII, or, when
// a field came before, a continuation line starting with a blank.
func isFieldLine(line []byte, after bool) bool {
	if line[0] == ' ' || line[0] == '\t' {
		return after
	}
	i := bytes.IndexByte(line, ':')
	if i <= 0 {
		return false
	}
	name := bytes.TrimRight(line[:i], " \t")
	if len(name) == 0 {
		return false
	}
	for _, c := range name {
		if c < 33 || c > 126 {
			return false
		}
	}
	return true
}

// headerText hands out the text of every header field of the entity at
// path, decoded as the body would be (encoded words in any charset the
// walker knows, 8-bit values by the charset guess), one field per line
// as "Name: value", with the file name (which may come from a parameter),
// as the segment path.header. For the message itself (path "1") it also
// lists the mailboxes of its address fields in the Report.
func (w *walker) headerText(path string, h message.Header, filename string) {
	var b strings.Builder
	fields := h.Fields()
	for fields.Next() {
		k := fields.Key()
		v := fields.Value()
		if path == "1" && reportedHeaders[k] {
			addrs, _ := parseAddressList(v)
			w.addAddresses(k, addrs)
		}
		if v = strings.TrimSpace(decodeHeaderValue(v)); v == "" {
			continue
		}
		b.WriteString(k)
		b.WriteString(": ")
		b.WriteString(v)
		b.WriteByte('\n')
	}
	if filename != "" {
		b.WriteString(filename)
		b.WriteByte('\n')
	}
	if b.Len() == 0 {
		return
	}
	w.segment(-1, path+".header", strings.NewReader(b.String()))
}

// decodeHeaderValue decodes the encoded words of a header value (RFC
// 2047, in any charset the walker decodes bodies in), and raw 8-bit
// bytes that are not UTF-8 (unencoded Shift_JIS or EUC-JP, as some
// Japanese mailers send) with the charset guess used for bodies.
func decodeHeaderValue(v string) string {
	if strings.Contains(v, "=?") {
		v = decodeText(v)
	}
	if utf8.ValidString(v) {
		return v
	}
	r, _, _, release := charsetDecoder("", strings.NewReader(v))
	defer release()
	var b strings.Builder
	if _, err := io.Copy(&b, r); err != nil {
		return v
	}
	return b.String()
}
