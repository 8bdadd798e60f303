package policy

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// ownAccount reports whether a free-mail recipient looks like the sender's
// own private account. It is a heuristic that prefers missing a case to
// accusing someone: it needs the whole name, never one shared part of it.
//
//   - The recipient's local part, without digits and separators, equals
//     the sender's (taro.yamada → taroyamada1985@gmail.com), at least 4
//     letters.
//   - Every token of the sender's name (from the local part, or a Latin
//     display name), at least two tokens, is in the recipient's local part,
//     and little else is (taro.yamada → yamada.taro.home@…).
//   - The recipient's display name equals the sender's, at least 3
//     letters once spaces are gone (山田 太郎 → "山田太郎" <x@gmail.com>), or
//     has the same Latin name tokens.
//
// A shared family or first name alone (taro.suzuki@…, "山田 花子") never
// matches.
func ownAccount(sender string, senderNames []string, rcpt, rcptName string) bool {
	r := letters(localOf(rcpt))
	s := letters(localOf(sender))
	if len(r) >= 4 && r == s {
		return true
	}
	tokenSets := [][]string{nameTokens(localOf(sender))}
	for _, n := range senderNames {
		if t := nameTokens(n); len(t) >= 2 {
			tokenSets = append(tokenSets, t)
		}
	}
	for _, ts := range tokenSets {
		if len(ts) < 2 {
			continue
		}
		total, all := 0, true
		for _, t := range ts {
			total += len(t)
			all = all && strings.Contains(r, t)
		}
		if all && len(r) <= total+4 {
			return true
		}
	}
	if rcptName == "" {
		return false
	}
	rn := compactName(rcptName)
	rt := nameTokens(rcptName)
	for _, n := range senderNames {
		if n == "" {
			continue
		}
		if cn := compactName(n); len([]rune(cn)) >= 3 && cn == rn {
			return true
		}
	}
	if len(rt) >= 2 {
		for _, ts := range tokenSets {
			if sameSet(ts, rt) {
				return true
			}
		}
	}
	return false
}

// letters keeps the lower-case letters of s.
func letters(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(norm.NFKC.String(s)) {
		if unicode.IsLetter(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// nameTokens splits a local part or a Latin name into lower-case tokens of
// at least two letters; digits and punctuation separate tokens.
func nameTokens(s string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(strings.ToLower(norm.NFKC.String(s)), func(r rune) bool {
		return !(r >= 'a' && r <= 'z')
	}) {
		if len(f) >= 2 && !containsString(out, f) {
			out = append(out, f)
		}
	}
	return out
}

// compactName is a display name folded for comparison: NFKC, lower case,
// without spaces, punctuation and digits.
func compactName(s string) string { return letters(s) }

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		if !containsString(b, x) {
			return false
		}
	}
	return true
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
