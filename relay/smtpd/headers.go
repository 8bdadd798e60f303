package smtpd

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"mime"
	"strings"

	"github.com/dlprelay/dlprelay/policy"
)

// dlpHeaderPrefix starts the name of every header field dlprelay writes
// (X-DLP-Verdict, X-DLP-Scan-ID, X-DLP-Records, X-DLP-Rules, X-DLP-Reasons,
// X-DLP-Monitor, X-DLP-Released). A client's message must never carry one
// past the relay, or it could tell a downstream filter that it was scanned
// and passed.
const dlpHeaderPrefix = "x-dlp-"

// writeDLPHeaders writes the X-DLP-* fields a delivered message carries:
// X-DLP-Scan-ID on every one, the opaque id an officer looks the decision
// up by; then, only when the verdict's details may go to every recipient
// (v.Details, from policy.headers.details_to), the verdict's fields when it
// is flag and the monitor's when a monitor rule would have done more.
// Without the details nothing in the header tells a flagged message from
// one that passed, nor names a rule or reason (a "watchlist" says the
// sender is leaving). X-DLP-Rules and X-DLP-Reasons are those of the
// enforced rules; what monitor rules found is X-DLP-Monitor's. Every value
// goes through headerValue, so whatever a rule name or reason holds, each
// field is one line.
func writeDLPHeaders(b *strings.Builder, v policy.Verdict, id string) {
	fmt.Fprintf(b, "X-DLP-Scan-ID: %s\r\n", headerValue(id))
	if !v.Details {
		return
	}
	if v.Action == policy.Flag {
		fmt.Fprintf(b, "X-DLP-Verdict: %s\r\n", headerValue(v.Action.String()))
		fmt.Fprintf(b, "X-DLP-Records: %d\r\n", v.Records)
		fmt.Fprintf(b, "X-DLP-Rules: %s\r\n", headerValue(strings.Join(enforcedList(v.Fired), ", ")))
		fmt.Fprintf(b, "X-DLP-Reasons: %s\r\n", headerValue(strings.Join(enforcedReasons(v.Fired), ", ")))
	}
	if v.Monitored() {
		fmt.Fprintf(b, "X-DLP-Monitor: would=%s; rule=%s; scan-id=%s\r\n", headerValue(v.Would.String()), headerValue(v.WouldRule), headerValue(id))
	}
}

// headerValue makes s safe inside an unstructured header value: anything
// but printable ASCII (CR and LF above all) becomes '_'.
func headerValue(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e {
			return '_'
		}
		return r
	}, s)
}

// encodeTag returns the Subject tag as it is written: as is when it is
// printable ASCII, else an RFC 2047 encoded word, which encodes control
// characters too, so no tag can end the Subject line (config refuses such
// tags; this holds whatever it lets through).
func encodeTag(tag string) string {
	for i := 0; i < len(tag); i++ {
		if tag[i] < 0x20 || tag[i] > 0x7e {
			return mime.QEncoding.Encode("utf-8", tag)
		}
	}
	return tag
}

// cleanHeader copies the message from r to w, leaving out every top-level
// header field whose name starts with X-DLP- (any case), with its folded
// continuation lines, and returns how many fields it left out. When tag is
// not empty it is put in front of the first Subject's value, or a Subject
// holding only the tag is added at the end of the header section when
// there is none; a non-ASCII tag is RFC 2047-encoded. Everything else is
// copied byte for byte, and the message is read once.
//
// The header section ends at the first empty line; a message that starts
// with one has no header section and is copied whole. A line inside the
// section that is neither a field nor a continuation does not end it:
// lenient parsers read on past such a line, so forged fields after it are
// still left out.
func cleanHeader(w io.Writer, r io.Reader, tag string) (removed int, err error) {
	enc := encodeTag(tag)
	tagged := tag == ""
	br := bufio.NewReaderSize(r, 4096)
	skip := false    // the current field is being left out
	partial := false // the previous read ended inside a long line
	eol := true      // what was written so far ends a line
	for {
		line, err := br.ReadSlice('\n')
		full := err == bufio.ErrBufferFull
		if err != nil && !full && err != io.EOF {
			return removed, err
		}
		atStart := !partial
		partial = full
		if atStart {
			switch {
			case len(bytes.TrimRight(line, "\r\n")) == 0 && !full:
				// End of the header section (or of a message with no body).
				if werr := addSubject(w, tagged, eol, enc); werr != nil {
					return removed, werr
				}
				if _, werr := w.Write(line); werr != nil {
					return removed, werr
				}
				if err == io.EOF {
					return removed, nil
				}
				_, err := io.Copy(w, br)
				return removed, err
			case line[0] == ' ' || line[0] == '\t':
				// A continuation line belongs to the field before it.
			case hasPrefixFold(line, dlpHeaderPrefix):
				skip = true
				removed++
			default:
				skip = false
				if !tagged && hasFieldName(line, "subject") {
					line = prependToValue(line, enc)
					tagged = true
				}
			}
		}
		if !skip {
			if _, werr := w.Write(line); werr != nil {
				return removed, werr
			}
			if len(line) > 0 {
				eol = line[len(line)-1] == '\n'
			}
		}
		if err == io.EOF {
			// A message that is all header, without an empty line.
			return removed, addSubject(w, tagged, eol, enc)
		}
	}
}

// addSubject writes a Subject holding only enc unless tagged, after a CRLF
// if what was written so far does not end a line (eol false).
func addSubject(w io.Writer, tagged, eol bool, enc string) error {
	if tagged {
		return nil
	}
	add := "Subject: " + enc + "\r\n"
	if !eol {
		add = "\r\n" + add
	}
	_, err := io.WriteString(w, add)
	return err
}

// cleanReader is cleanHeader without a tag as a reader, for a consumer that
// wants to read the message (the quarantine's Put). The channel gets the
// number of fields left out once the copy ended; closing the reader ends it
// early.
func cleanReader(r io.Reader) (io.ReadCloser, <-chan int) {
	pr, pw := io.Pipe()
	removed := make(chan int, 1)
	go func() {
		n, err := cleanHeader(pw, r, "")
		pw.CloseWithError(err)
		removed <- n
	}()
	return pr, removed
}

// prependToValue puts enc in front of the value of the header line.
func prependToValue(line []byte, enc string) []byte {
	colon := bytes.IndexByte(line, ':')
	value := bytes.TrimLeft(line[colon+1:], " \t")
	out := make([]byte, 0, len(line)+len(enc)+2)
	out = append(out, line[:colon+1]...)
	out = append(out, ' ')
	out = append(out, enc...)
	if len(bytes.TrimRight(value, "\r\n")) > 0 {
		out = append(out, ' ')
	}
	return append(out, value...)
}

// hasPrefixFold reports whether b starts with the lower-case ASCII prefix,
// in any case.
func hasPrefixFold(b []byte, prefix string) bool {
	if len(b) < len(prefix) {
		return false
	}
	for i := 0; i < len(prefix); i++ {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != prefix[i] {
			return false
		}
	}
	return true
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
