package textsniff

import "bytes"

// maxMessageFields is how many header fields LooksLikeMessage reads
// before it gives up finding two known ones.
const maxMessageFields = 32

// messageFields are the field names of which LooksLikeMessage wants two.
var messageFields = [...]string{
	"from", "to", "subject", "date", "message-id",
	"mime-version", "content-type", "received", "return-path",
}

// LooksLikeMessage reports whether head, the first bytes of a part, starts
// with an RFC 5322 header: "Name: value" lines, possibly folded, possibly
// after an mbox "From " line, in which two different fields of From, To,
// Subject, Date, Message-ID, MIME-Version, Content-Type, Received and
// Return-Path come among the first 32. So an .eml sent as
// application/octet-stream is parsed as a message. Lines after the second
// known field are not looked at; a line before it that is neither a field
// nor a folded continuation, or the end of the header, means no. A line
// cut at the end of head is not judged.
func LooksLikeMessage(head []byte) bool {
	if len(head) > MaxHead {
		head = head[:MaxHead]
	}
	head = bytes.TrimPrefix(head, []byte("\xEF\xBB\xBF"))
	if bytes.IndexByte(head, 0) >= 0 {
		return false
	}
	if bytes.HasPrefix(head, []byte("From ")) {
		nl := bytes.IndexByte(head, '\n')
		if nl < 0 {
			return false
		}
		head = head[nl+1:]
	}
	var seen [len(messageFields)]bool
	known, fields := 0, 0
	for first := true; ; first = false {
		nl := bytes.IndexByte(head, '\n')
		if nl < 0 {
			return false // the head ends inside the header
		}
		line := bytes.TrimSuffix(head[:nl], []byte("\r"))
		head = head[nl+1:]
		switch {
		case len(line) == 0:
			return false // the header ended
		case line[0] == ' ' || line[0] == '\t':
			if first {
				return false
			}
			continue // folded
		}
		name, ok := fieldName(line)
		if !ok {
			return false
		}
		fields++
		for i, f := range messageFields {
			if !seen[i] && bytes.EqualFold(name, []byte(f)) {
				seen[i] = true
				known++
			}
		}
		if known >= 2 {
			return true
		}
		if fields >= maxMessageFields {
			return false
		}
	}
}

// fieldName returns the name of the header field line: printable ASCII
// other than ":" up to a colon, optionally with blanks before it (the
// obsolete syntax of RFC 5322 section 4.5).
func fieldName(line []byte) ([]byte, bool) {
	colon := bytes.IndexByte(line, ':')
	if colon <= 0 {
		return nil, false
	}
	name := bytes.TrimRight(line[:colon], " \t")
	if len(name) == 0 {
		return nil, false
	}
	for _, c := range name {
		if c <= ' ' || c > '~' {
			return nil, false
		}
	}
	return name, true
}
