package media

import (
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
)

// budget is the text that may still be returned, in bytes.
func (w *walker) budget() int64 { return max(w.lim.MaxText-w.textN, 0) }

// addText appends one metadata text, cut to the budget. cut says the raw
// bytes were already shortened (readText), so the text is incomplete.
// Empty values are dropped.
func (w *walker) addText(name, value string, cut bool) {
	if cut {
		w.info.Truncated = true
	}
	value = strings.Trim(value, "\x00")
	if value == "" {
		return
	}
	b := w.budget()
	if int64(len(value)) > b {
		w.info.Truncated = true
		i := int(b)
		for i > 0 && !utf8.RuneStart(value[i]) {
			i--
		}
		value = value[:i]
		if value == "" {
			return
		}
	}
	w.textN += int64(len(value))
	w.info.Text = append(w.info.Text, Text{Name: name, Value: value})
}

// addKeyed appends a text whose key the file chose (a PNG keyword, an ID3
// TXXX description ...): the key is part of the name as prefix:key when
// it is short printable ASCII, else it is returned as a text of its own
// named prefix#key and the value is named prefix.
func (w *walker) addKeyed(prefix, key, value string, cut bool) {
	if key == "" {
		w.addText(prefix, value, cut)
		return
	}
	if cleanKey(key) {
		w.addText(prefix+":"+key, value, cut)
		return
	}
	w.addText(prefix+"#key", key, false)
	w.addText(prefix, value, cut)
}

func cleanKey(k string) bool {
	if len(k) > 64 {
		return false
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x20 || k[i] > 0x7E {
			return false
		}
	}
	return true
}

// Decoders from a declared encoding to UTF-8. Invalid bytes become U+FFFD.

func decUTF8(b []byte) string { return strings.ToValidUTF8(string(b), "\uFFFD") }

func decLatin1(b []byte) string {
	ascii := true
	for _, c := range b {
		if c >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return string(b)
	}
	r := make([]rune, len(b))
	for i, c := range b {
		r[i] = rune(c)
	}
	return string(r)
}

// decUTF8orLatin1 is for text whose encoding no one declared (JPEG COM,
// GIF comments, RIFF INFO): UTF-8 when it is valid, else Latin-1.
func decUTF8orLatin1(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	return decLatin1(b)
}

// decUTF16 decodes UTF-16 in the byte order a BOM gives, else in big
// (or little) endian order.
func decUTF16(b []byte, bigEndian bool) string {
	if len(b) >= 2 {
		switch {
		case b[0] == 0xFE && b[1] == 0xFF:
			b, bigEndian = b[2:], true
		case b[0] == 0xFF && b[1] == 0xFE:
			b, bigEndian = b[2:], false
		}
	}
	u := make([]uint16, len(b)/2)
	for i := range u {
		if bigEndian {
			u[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
		} else {
			u[i] = uint16(b[2*i+1])<<8 | uint16(b[2*i])
		}
	}
	s := string(utf16.Decode(u))
	if len(b)%2 == 1 {
		s += "\uFFFD"
	}
	return s
}

func decWith(d *encoding.Decoder, b []byte) string {
	out, err := d.Bytes(b)
	if err != nil {
		return decUTF8orLatin1(b)
	}
	return decUTF8(out)
}

func decMacRoman(b []byte) string { return decWith(charmap.Macintosh.NewDecoder(), b) }

func decShiftJIS(b []byte) string { return decWith(japanese.ShiftJIS.NewDecoder(), b) }

// decJIS decodes text declared as JIS (EXIF's "JIS" charset): ISO-2022-JP
// when it has escape sequences, else EUC-JP if valid, else Shift_JIS.
func decJIS(b []byte) string {
	if strings.IndexByte(string(b), 0x1B) >= 0 {
		return decWith(japanese.ISO2022JP.NewDecoder(), b)
	}
	if out, err := japanese.EUCJP.NewDecoder().Bytes(b); err == nil && !strings.ContainsRune(string(out), utf8.RuneError) {
		return string(out)
	}
	return decShiftJIS(b)
}

// Strings of private regions.

// minString is the shortest run of printable characters kept.
const minString = 4

// stringsAt scans [off, off+n) for printable strings and adds them as one
// text named name. At most maxStrings bytes are scanned per file.
func (w *walker) stringsAt(name string, off, n int64) error {
	if n <= 0 {
		return nil
	}
	if w.budget() == 0 {
		w.info.Truncated = true
		return nil
	}
	cut := false
	if left := maxStrings - w.strings; n > left {
		n, cut = max(left, 0), true
	}
	w.strings += n
	var s stringScanner
	s.limit = int(min(w.budget()+1, 1<<30))
	err := w.each(off, n, func(b []byte) error {
		s.write(b)
		return nil
	})
	if err != nil {
		return err
	}
	w.addText(name, s.done(), cut)
	return nil
}

// stringsOf is stringsAt for bytes in memory.
func (w *walker) stringsOf(name string, b []byte) {
	if len(b) == 0 {
		return
	}
	var s stringScanner
	s.limit = int(min(w.budget()+1, 1<<30))
	s.write(b)
	w.addText(name, s.done(), false)
}

// stringScanner collects runs of at least minString printable characters
// (UTF-8 or ASCII), one a line, up to limit bytes.
type stringScanner struct {
	out   strings.Builder
	run   []byte
	runes int
	limit int
	pend  []byte // an incomplete UTF-8 sequence at a piece's end
}

func (s *stringScanner) write(b []byte) {
	if len(s.pend) > 0 {
		b = append(s.pend, b...)
		s.pend = nil
	}
	for i := 0; i < len(b) && s.out.Len() < s.limit; {
		c := b[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c < 0x7F || c == '\t' {
				s.run = append(s.run, c)
				s.runes++
				if len(s.run) >= s.limit {
					s.flush()
				}
			} else {
				s.flush()
			}
			i++
			continue
		}
		if !utf8.FullRune(b[i:]) && len(b)-i < utf8.UTFMax {
			s.pend = append([]byte(nil), b[i:]...)
			return
		}
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError || r < 0xA0 || r == 0xFEFF {
			s.flush()
		} else {
			s.run = append(s.run, b[i:i+n]...)
			s.runes++
		}
		i += n
	}
}

func (s *stringScanner) flush() {
	if s.runes >= minString {
		if s.out.Len() > 0 {
			s.out.WriteByte('\n')
		}
		s.out.Write(s.run)
	}
	s.run, s.runes = s.run[:0], 0
}

func (s *stringScanner) done() string {
	s.flush()
	return s.out.String()
}
