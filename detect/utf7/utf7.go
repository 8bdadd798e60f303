// Package utf7 decodes UTF-7 (RFC 2152), the 7-bit form of Unicode that
// some mailers still declare as a body's charset. golang.org/x/text has
// no UTF-7 codec, and scanned as raw bytes a UTF-7 body hides every
// character outside ASCII: 山田太郎 is "+XHF1MFkqkM4-".
//
// Encoding is a golang.org/x/text/encoding.Encoding. Its decoder streams:
// a shifted (base64) run, a base64 group or a surrogate pair may be cut
// anywhere between two calls of Transform. It is lenient, as mail is
// messy, and never fails: an unpaired surrogate, a run whose leftover bits
// are not zero, or an 8-bit byte becomes U+FFFD, and Decoder.Invalid
// counts what was wrong. Its encoder writes the characters of RFC 2152's
// set D, space, tab, CR and LF as themselves and everything else in
// base64 runs, each closed with "-".
package utf7

import (
	"golang.org/x/text/encoding"
)

// Encoding is UTF-7. Its NewDecoder converts UTF-7 to UTF-8 (see Decoder);
// its NewEncoder converts UTF-8 to UTF-7, replacing invalid UTF-8 with
// U+FFFD.
var Encoding encoding.Encoding = utf7{}

// Labels are the lower-case charset names that mean UTF-7: the IANA name
// and aliases (UTF-7, csUTF7, UNICODE-1-1-UTF-7, csUnicode11UTF7) and
// Microsoft's x-unicode-2-0-utf-7.
var Labels = []string{"utf-7", "csutf7", "unicode-1-1-utf-7", "csunicode11utf7", "x-unicode-2-0-utf-7"}

type utf7 struct{}

func (utf7) NewDecoder() *encoding.Decoder { return &encoding.Decoder{Transformer: new(Decoder)} }
func (utf7) NewEncoder() *encoding.Encoder { return &encoding.Encoder{Transformer: new(encoder)} }
func (utf7) String() string                { return "UTF-7" }

// base64Value is the value of each character of the base64 alphabet, and
// -1 for the others.
var base64Value = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for i, c := range base64Chars {
		t[c] = int8(i)
	}
	return t
}()

const base64Chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
