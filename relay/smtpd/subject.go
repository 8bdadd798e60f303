package smtpd

import (
	"bufio"
	"bytes"
	"io"
	"mime"
	"strings"
)

// maxHeaderLine bounds one physical header line read while tagging the
// Subject; a longer line is copied through in pieces without a look.
const maxHeaderLine = 64 << 10

// tagSubject copies the message from r to w with tag put in front of the
// first top-level Subject header's value, or a Subject header holding only
// the tag added at the end of the header section when there is none. The
// tag is RFC 2047-encoded when it is not ASCII. Everything else is copied
// byte for byte.
func tagSubject(w io.Writer, r io.Reader, tag string) error {
	enc := tag
	if !isASCII(tag) {
		enc = mime.QEncoding.Encode("utf-8", tag)
	}
	br := bufio.NewReaderSize(r, 4096)
	done := false
	partial := false // the previous read ended inside a long line
	for {
		line, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			if _, werr := w.Write(line); werr != nil {
				return werr
			}
			partial = true
			continue
		}
		if err != nil && err != io.EOF {
			return err
		}
		atStart := !partial
		partial = false
		if atStart && !done && (len(bytes.TrimRight(line, "\r\n")) == 0 || err == io.EOF && len(line) == 0) {
			// End of the header section: no Subject was found.
			if _, werr := io.WriteString(w, "Subject: "+enc+"\r\n"); werr != nil {
				return werr
			}
			done = true
		} else if atStart && !done && hasFieldName(line, "subject") {
			colon := bytes.IndexByte(line, ':')
			value := bytes.TrimLeft(line[colon+1:], " \t")
			out := make([]byte, 0, len(line)+len(enc)+2)
			out = append(out, line[:colon+1]...)
			out = append(out, ' ')
			out = append(out, enc...)
			if len(bytes.TrimRight(value, "\r\n")) > 0 {
				out = append(out, ' ')
			}
			out = append(out, value...)
			line = out
			done = true
		}
		if _, werr := w.Write(line); werr != nil {
			return werr
		}
		if done {
			_, err := io.Copy(w, br)
			return err
		}
		if err == io.EOF {
			return nil
		}
	}
}

// hasFieldName reports whether a header line starts with the named field
// (case-insensitive) followed by optional white space and a colon.
func hasFieldName(line []byte, name string) bool {
	if len(line) <= len(name) || !strings.EqualFold(string(line[:len(name)]), name) {
		return false
	}
	rest := bytes.TrimLeft(line[len(name):], " \t")
	return len(rest) > 0 && rest[0] == ':'
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
