package extract

import (
	"bufio"
	"bytes"
	"io"
	"strings"

	"github.com/emersion/go-message/charset"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/japanese"

	"github.com/dlprelay/dlprelay/detect/normalize"
	"github.com/dlprelay/dlprelay/detect/utf7"
	"github.com/dlprelay/dlprelay/detect/uuencode"
)

// damager is implemented by decoders that skip over bad input instead of
// failing: Damaged reports whether they had to.
type damager interface{ Damaged() bool }

// transferDecoder returns a reader that undoes the Content-Transfer-Encoding
// cte. The decoders are lenient: bad input is skipped and reported through
// damager, never returned as an error, so the rest of the part is still
// scanned. known is false for an encoding this package does not know; the
// body is then returned as is.
func transferDecoder(cte string, body io.Reader) (r io.Reader, known bool) {
	switch strings.ToLower(strings.TrimSpace(cte)) {
	case "base64":
		return &base64Reader{r: body}, true
	case "quoted-printable":
		return &qpReader{r: body}, true
	case "", "7bit", "8bit", "binary":
		return body, true
	case "x-uuencode", "x-uue", "uuencode", "x-uu", "uue":
		return newUUDecoder(body)
	}
	return body, false
}

// newUUDecoder decodes a uuencoded body (Content-Transfer-Encoding
// x-uuencode). A body with no begin line in its first bytes is returned as
// it is, with known false, so it is scanned raw and the part is noted.
func newUUDecoder(body io.Reader) (io.Reader, bool) {
	br := bufio.NewReaderSize(body, sniffBytes)
	head, _ := br.Peek(sniffBytes)
	if !bytes.HasPrefix(head, []byte("begin")) && !bytes.Contains(head, []byte("\nbegin")) {
		return br, false
	}
	return uuencode.NewReader(br), true // a damager
}

// base64Reader decodes base64, ignoring line breaks and any byte outside the
// alphabet (which marks it damaged), and accepting padding in mid-stream, as
// from concatenated encodings.
type base64Reader struct {
	r       io.Reader
	in      [4096]byte
	buf     [3072]byte
	out     []byte
	acc     uint32
	nbits   uint
	damaged bool
	err     error
}

var base64Values = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xFF
	}
	const alpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for i := 0; i < len(alpha); i++ {
		t[alpha[i]] = byte(i)
	}
	t['-'], t['_'] = 62, 63 // URL-safe alphabet, seen in the wild
	return t
}()

func (d *base64Reader) Read(p []byte) (int, error) {
	for len(d.out) == 0 {
		if d.err != nil {
			return 0, d.err
		}
		n, err := d.r.Read(d.in[:])
		d.out = d.decode(d.in[:n], d.buf[:0])
		d.err = err
	}
	n := copy(p, d.out)
	d.out = d.out[n:]
	return n, nil
}

func (d *base64Reader) decode(in, out []byte) []byte {
	for _, c := range in {
		v := base64Values[c]
		switch {
		case v != 0xFF:
			d.acc = d.acc<<6 | uint32(v)
			d.nbits += 6
			if d.nbits >= 8 {
				d.nbits -= 8
				out = append(out, byte(d.acc>>d.nbits))
				d.acc &= 1<<d.nbits - 1
			}
		case c == '=':
			d.acc, d.nbits = 0, 0
		case c == '\r' || c == '\n' || c == ' ' || c == '\t':
		default:
			d.damaged = true
		}
	}
	return out
}

func (d *base64Reader) Damaged() bool { return d.damaged }

// qpReader decodes quoted-printable. An "=" that starts neither an escape nor
// a soft line break is kept as is and marks the reader damaged.
type qpReader struct {
	r       io.Reader
	in      [4096]byte
	buf     [4096 + 4]byte
	out     []byte
	state   qpState
	hi      byte // first hex digit, in qpHex1
	damaged bool
	err     error
}

type qpState uint8

const (
	qpText    qpState = iota
	qpEq              // after "="
	qpHex1            // after "=" and one hex digit
	qpEqCR            // after "=\r"
	qpEqSpace         // after "=" and blanks: padding before a soft break
)

func (d *qpReader) Read(p []byte) (int, error) {
	for len(d.out) == 0 {
		if d.err != nil {
			return 0, d.err
		}
		n, err := d.r.Read(d.in[:])
		d.out = d.decode(d.in[:n], d.buf[:0])
		d.err = err
		if err != nil {
			d.out = d.finish(d.out)
		}
	}
	n := copy(p, d.out)
	d.out = d.out[n:]
	return n, nil
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	}
	return 0, false
}

func (d *qpReader) decode(in, out []byte) []byte {
	for i := 0; i < len(in); i++ {
		c := in[i]
		switch d.state {
		case qpText:
			if c == '=' {
				d.state = qpEq
			} else {
				out = append(out, c)
			}
		case qpEq:
			switch {
			case c == '\r':
				d.state = qpEqCR
			case c == '\n':
				d.state = qpText
			case c == ' ' || c == '\t':
				d.state = qpEqSpace
			default:
				if _, ok := unhex(c); ok {
					d.hi = c
					d.state = qpHex1
				} else {
					d.damaged = true
					out = append(out, '=')
					d.state = qpText
					i--
				}
			}
		case qpHex1:
			h, _ := unhex(d.hi)
			if l, ok := unhex(c); ok {
				out = append(out, h<<4|l)
				d.state = qpText
			} else {
				d.damaged = true
				out = append(out, '=', d.hi)
				d.state = qpText
				i--
			}
		case qpEqCR:
			d.state = qpText
			if c != '\n' {
				i--
			}
		case qpEqSpace:
			switch c {
			case ' ', '\t':
			case '\r':
				d.state = qpEqCR
			case '\n':
				d.state = qpText
			default:
				d.damaged = true
				out = append(out, '=', ' ')
				d.state = qpText
				i--
			}
		}
	}
	return out
}

// finish flushes a pending escape at the end of the input.
func (d *qpReader) finish(out []byte) []byte {
	if d.state == qpHex1 {
		d.damaged = true
		out = append(out, '=', d.hi)
	}
	d.state = qpText
	return out
}

func (d *qpReader) Damaged() bool { return d.damaged }

// sniffBytes is how much of an undeclared text is looked at to guess its
// charset.
const sniffBytes = 16 << 10

// charsetDecoder returns a reader that converts body from the declared
// charset cs to UTF-8. When cs is empty or us-ascii, the charset is guessed
// from the first bytes (mail with 8-bit bodies often declares nothing):
// valid UTF-8 stays as is, ISO-2022-JP is recognised by its escape
// sequences, and other 8-bit text is taken as Shift_JIS or EUC-JP,
// whichever decodes with fewer errors. name is the charset used; note is
// NoteCharsetUnknown or NoteCharsetGuessed when it applies. release must be
// called once r is no longer read.
func charsetDecoder(cs string, body io.Reader) (r io.Reader, name, note string, release func()) {
	cs = strings.ToLower(strings.Trim(strings.TrimSpace(cs), `"`))
	br := getReader(body, sniffBytes)
	release = func() { putReader(br) }
	switch cs {
	case "", "us-ascii", "ascii":
		r, name, note := sniffCharset(cs, br)
		return r, name, note, release
	}
	decl, known := declaredDecoder(cs)
	if !known {
		// An unknown label (x-sjis, x-euc, ...): guess, and say so.
		r, name, _ := sniffCharset(cs, br)
		if name == cs {
			name = "utf-8" // the guess kept the bytes: they are UTF-8
		}
		return r, name, NoteCharsetUnknown, release
	}
	// Check the label against the first bytes: mailers mislabel Japanese
	// text (Shift_JIS sent as ISO-2022-JP, Shift_JIS as UTF-8). When the
	// declared charset fails and a guess decodes with fewer errors, the
	// guess is used and the part is noted.
	head, err := br.Peek(sniffBytes)
	whole := err != nil
	if bad := decodeErrors(cs, decl, head, whole); bad > 0 {
		gr, gname, _ := sniffCharset(cs, br)
		if gname != cs && decodeErrors(gname, nil, head, whole) < bad {
			return gr, gname, NoteCharsetMislabelled, release
		}
	}
	if decl == nil {
		return br, cs, "", release
	}
	return decl(br), cs, "", release
}

// declaredDecoder returns how to decode the label cs (nil: the bytes are
// UTF-8 already) and whether the label is known at all.
func declaredDecoder(cs string) (func(io.Reader) io.Reader, bool) {
	switch cs {
	case "utf-8", "utf8":
		return nil, true
	}
	if enc, ok := japaneseAliases[cs]; ok {
		return func(r io.Reader) io.Reader { return enc.NewDecoder().Reader(r) }, true
	}
	if _, err := charset.Reader(cs, bytes.NewReader(nil)); err != nil {
		return nil, false
	}
	return func(r io.Reader) io.Reader {
		cr, err := charset.Reader(cs, r)
		if err != nil || cr == nil {
			return r
		}
		return cr
	}, true
}

// decodeErrors counts what decoding head as cs gets wrong: replacement
// characters, or the whole head when the decoder fails. A 7-bit charset
// (ISO-2022-JP) with 8-bit bytes in it is wrong by definition.
func decodeErrors(cs string, decl func(io.Reader) io.Reader, head []byte, whole bool) int {
	switch cs {
	case "utf-8", "utf8", "":
		if normalize.ValidUTF8Prefix(head, whole) {
			return 0
		}
		return len(head)
	case "iso-2022-jp", "csiso2022jp", "iso-2022-jp-1", "iso-2022-jp-2", "iso-2022-jp-3", "iso-2022-jp-ext",
		"utf-7", "csutf7", "unicode-1-1-utf-7", "csunicode11utf7", "x-unicode-2-0-utf-7":
		n := 0
		for _, c := range head {
			if c >= 0x80 {
				n++
			}
		}
		if n > 0 {
			return n
		}
	}
	if decl == nil {
		d, ok := declaredDecoder(cs)
		if !ok {
			return len(head)
		}
		decl = d
		if decl == nil {
			return 0
		}
	}
	if !whole && len(head) > 4 {
		head = head[:len(head)-4] // do not count a character cut at the end
	}
	out, err := io.ReadAll(decl(bytes.NewReader(head)))
	if err != nil {
		return len(head)
	}
	return bytes.Count(out, []byte("\uFFFD"))
}

// japaneseAliases are labels seen in Japanese mail that the IANA and WHATWG
// indexes do not know, and the UTF-7 labels (x/text has no UTF-7: package
// utf7). The ISO-2022-JP extensions are decoded as ISO-2022-JP: their
// common subset is most of the text.
var japaneseAliases = func() map[string]encoding.Encoding {
	m := map[string]encoding.Encoding{
		"cp932":           japanese.ShiftJIS,
		"x-ms-cp932":      japanese.ShiftJIS,
		"ibm-943":         japanese.ShiftJIS,
		"iso-2022-jp-1":   japanese.ISO2022JP,
		"iso-2022-jp-2":   japanese.ISO2022JP,
		"iso-2022-jp-3":   japanese.ISO2022JP,
		"iso-2022-jp-ext": japanese.ISO2022JP,
	}
	for _, l := range utf7.Labels {
		m[l] = utf7.Encoding
	}
	return m
}()

func sniffCharset(declared string, br *bufio.Reader) (io.Reader, string, string) {
	head, err := br.Peek(sniffBytes)
	whole := err != nil
	switch {
	case bytes.Contains(head, []byte("\x1b$B")) || bytes.Contains(head, []byte("\x1b$@")):
		return japanese.ISO2022JP.NewDecoder().Reader(br), "iso-2022-jp", NoteCharsetGuessed
	case normalize.ValidUTF8Prefix(head, whole):
		return br, declared, ""
	}
	sj := countErrors(japanese.ShiftJIS.NewDecoder().Bytes, head)
	eu := countErrors(japanese.EUCJP.NewDecoder().Bytes, head)
	if eu < sj {
		return japanese.EUCJP.NewDecoder().Reader(br), "euc-jp", NoteCharsetGuessed
	}
	return japanese.ShiftJIS.NewDecoder().Reader(br), "shift_jis", NoteCharsetGuessed
}

func countErrors(decode func([]byte) ([]byte, error), b []byte) int {
	out, err := decode(b)
	if err != nil {
		return len(b)
	}
	return bytes.Count(out, []byte("\uFFFD"))
}
