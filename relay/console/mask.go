package console

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/dlprelay/dlprelay/detect/customers"
)

// mask hides a matched customer value, keeping enough to tell two matches
// apart:
//   - name: the first token ("山田 ***"); a name in one token keeps its
//     first 2 characters ("山田***");
//   - phone: the first and last digit groups, the digits between as "*"
//     ("090-****-5678"); a number written without separators keeps its
//     first 3 and last 4 digits ("090****5678");
//   - email: the first character of the local part and the domain
//     ("y***@example.jp");
//   - address, kana and anything else: the first 2 characters ("東京***").
//
// A short value keeps less, so that the mask never shows all of it.
func mask(f customers.Field, v string) string {
	v = strings.TrimSpace(v)
	switch f {
	case customers.FieldName:
		return maskName(v)
	case customers.FieldPhone:
		return maskPhone(v)
	case customers.FieldEmail:
		return maskEmail(v)
	}
	return maskPrefix(v, 2)
}

// maskPrefix keeps the first keep characters, and always hides at least
// one.
func maskPrefix(v string, keep int) string {
	n := utf8.RuneCountInString(v)
	if keep > n-1 {
		keep = max(n-1, 0)
	}
	i := 0
	for k := 0; k < keep; k++ {
		_, size := utf8.DecodeRuneInString(v[i:])
		i += size
	}
	return v[:i] + "***"
}

func maskName(v string) string {
	tokens := strings.FieldsFunc(v, unicode.IsSpace) // U+3000 included
	if len(tokens) >= 2 {
		return tokens[0] + " ***"
	}
	return maskPrefix(v, 2)
}

func maskEmail(v string) string {
	at := strings.LastIndex(v, "@")
	if fw := strings.LastIndex(v, "＠"); fw > at {
		at = fw
	}
	if at <= 0 {
		return maskPrefix(v, 1)
	}
	_, size := utf8.DecodeRuneInString(v)
	return v[:size] + "***" + v[at:]
}

func maskPhone(v string) string {
	rs := []rune(v)
	// groups are the [start, end) rune ranges of digit runs.
	var groups [][2]int
	for i := 0; i < len(rs); {
		if !unicode.IsDigit(rs[i]) {
			i++
			continue
		}
		j := i
		for j < len(rs) && unicode.IsDigit(rs[j]) {
			j++
		}
		groups = append(groups, [2]int{i, j})
		i = j
	}
	keep := make([]bool, len(rs))
	switch {
	case len(groups) >= 3:
		for _, g := range []([2]int){groups[0], groups[len(groups)-1]} {
			for i := g[0]; i < g[1]; i++ {
				keep[i] = true
			}
		}
	default:
		var digits []int
		for _, g := range groups {
			for i := g[0]; i < g[1]; i++ {
				digits = append(digits, i)
			}
		}
		head, tail := 3, 4
		if len(digits) < 8 {
			head, tail = 0, min(2, len(digits)-1)
		}
		for k, i := range digits {
			if k < head || k >= len(digits)-tail {
				keep[i] = true
			}
		}
	}
	var b strings.Builder
	for i, r := range rs {
		if unicode.IsDigit(r) && !keep[i] {
			b.WriteByte('*')
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}
