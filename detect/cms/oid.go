package cms

import (
	"strconv"
	"strings"
)

// Content types (RFC 5652 section 14, RFC 3274, RFC 5083), by dotted OID.
var kinds = map[string]Kind{
	"1.2.840.113549.1.7.1":       Data,
	"1.2.840.113549.1.7.2":       SignedData,
	"1.2.840.113549.1.7.3":       EnvelopedData,
	"1.2.840.113549.1.7.4":       SignedAndEnvelopedData,
	"1.2.840.113549.1.7.5":       DigestedData,
	"1.2.840.113549.1.7.6":       EncryptedData,
	"1.2.840.113549.1.9.16.1.2":  AuthenticatedData,
	"1.2.840.113549.1.9.16.1.9":  CompressedData,
	"1.2.840.113549.1.9.16.1.23": AuthEnvelopedData,
}

// Arcs under which a content type is taken for CMS that this package does
// not know (ErrUnsupported rather than ErrNotCMS): PKCS #7 and the S/MIME
// content types.
var cmsArcs = []string{"1.2.840.113549.1.7.", "1.2.840.113549.1.9.16.1."}

// oidZlib is the only compression algorithm of RFC 3274 (section 2).
const oidZlib = "1.2.840.113549.1.9.16.3.8"

// parseOID returns the dotted form of an OBJECT IDENTIFIER's content
// (X.690 8.19), or false if it is malformed.
func parseOID(b []byte) (string, bool) {
	if len(b) == 0 || b[len(b)-1]&0x80 != 0 {
		return "", false
	}
	var s strings.Builder
	var v uint64
	first := true
	for i, c := range b {
		if v == 0 && c == 0x80 { // not minimal
			return "", false
		}
		if v > 1<<56 {
			return "", false
		}
		v = v<<7 | uint64(c&0x7f)
		if c&0x80 != 0 {
			continue
		}
		if first {
			first = false
			switch {
			case v < 40:
				s.WriteString("0.")
			case v < 80:
				s.WriteString("1.")
				v -= 40
			default:
				s.WriteString("2.")
				v -= 80
			}
		} else if i > 0 {
			s.WriteByte('.')
		}
		s.WriteString(strconv.FormatUint(v, 10))
		v = 0
	}
	return s.String(), true
}

// isCMSArc reports whether oid is under an arc of CMS content types.
func isCMSArc(oid string) bool {
	for _, a := range cmsArcs {
		if strings.HasPrefix(oid, a) {
			return true
		}
	}
	return false
}
