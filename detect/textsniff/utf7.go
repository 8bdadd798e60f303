package textsniff

// UTF-7 (RFC 2152) writes ASCII as itself and everything else as modified
// base64 of UTF-16 between "+" and "-" (or any character outside the
// base64 alphabet); "+-" is a plus sign. Valid UTF-7 is valid ASCII, so
// Detect calls it UTF-7 only on clear evidence (utf7Evidence). Package
// detect/utf7 decodes it.

var b64 = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	const alpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for i := 0; i < len(alpha); i++ {
		t[alpha[i]] = int8(i)
	}
	return t
}()

// utf7Shift decodes the base64 s of one shifted sequence into UTF-16 code
// units and reports how many there are and whether the sequence is well
// formed and plausible: what is left over is fewer than 6 bits and all
// zero, as an encoder leaves it, surrogates are paired, and every
// character is one an encoder would have shifted (utf7Plausible).
func utf7Shift(s []byte) (units int, ok bool) {
	var acc uint32
	nbits := 0
	high := false
	for _, c := range s {
		acc = acc<<6 | uint32(b64[c])
		nbits += 6
		if nbits < 16 {
			continue
		}
		nbits -= 16
		u := rune(acc >> nbits)
		acc &= 1<<nbits - 1
		units++
		switch {
		case 0xD800 <= u && u < 0xDC00:
			if high {
				return units, false
			}
			high = true
		case 0xDC00 <= u && u < 0xE000:
			if !high {
				return units, false
			}
			high = false
		default:
			if high || !utf7Plausible(u) {
				return units, false
			}
		}
	}
	return units, !high && units > 0 && nbits < 6 && acc == 0
}

// utf7Evidence reports whether the 7-bit head b is clearly UTF-7: it has
// two shifted sequences, or one of three code units or more; every
// sequence is well formed and plausible (utf7Shift); and no "+" is
// followed by anything else ("1 + 1", "+81-3-..." are not UTF-7). A
// sequence cut at the end of a head that is not whole is not judged.
func utf7Evidence(b []byte, whole bool) bool {
	seqs, units := 0, 0
	for i := 0; i < len(b); i++ {
		if b[i] != '+' {
			continue
		}
		j := i + 1
		for j < len(b) && b64[b[j]] >= 0 {
			j++
		}
		if j == len(b) && !whole {
			break
		}
		if j == i+1 {
			if j < len(b) && b[j] == '-' {
				i = j // "+-" is "+"
				continue
			}
			return false
		}
		n, ok := utf7Shift(b[i+1 : j])
		if !ok {
			return false
		}
		seqs++
		units += n
		i = j - 1
	}
	return seqs >= 2 || units >= 3
}

// utf7Plausible reports whether the code unit u, not a surrogate, is a
// character a UTF-7 encoder would have shifted and Japanese or Latin text
// uses.
func utf7Plausible(u rune) bool {
	switch {
	case u < 0x80:
		// Encoders shift a few ASCII characters (space, "~", "\")
		// between others, never letters, digits or controls.
		return !('a' <= u && u <= 'z' || 'A' <= u && u <= 'Z' || '0' <= u && u <= '9' || isControl(u) || u == 0)
	case 0xA0 <= u && u <= 0x24F, 0x370 <= u && u <= 0x4FF, 0x2000 <= u && u <= 0x27BF,
		0x3000 <= u && u <= 0x30FF, 0x3400 <= u && u <= 0x4DBF, 0x4E00 <= u && u <= 0x9FFF,
		0xAC00 <= u && u <= 0xD7A3, 0xFF00 <= u && u <= 0xFFEF:
		return true
	}
	return false
}
