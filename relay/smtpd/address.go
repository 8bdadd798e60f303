package smtpd

import "strings"

// plainAddress reports whether an address as go-smtp hands it over (source
// route dropped, quotes removed) can be forwarded as it is: a dot-string
// local part (RFC 5321 §4.1.2: atext and dots; UTF-8 allowed for SMTPUTF8)
// and a domain or address literal. go-smtp removes the quotes of a quoted
// local part and the upstream client writes the address between angle
// brackets without adding them back, so a local part that needs its quotes
// ("user@c.example"@corp.test, "x@c.example> NOTIFY=NEVER"@corp.test)
// would name a different mailbox at the upstream than the one policy
// judged, or add ESMTP parameters there. Such an address is refused.
// The empty reverse path is not an address; callers handle it.
func plainAddress(a string) bool {
	at := strings.LastIndexByte(a, '@')
	if at <= 0 || at == len(a)-1 {
		return false
	}
	local, domain := a[:at], a[at+1:]
	for i := 0; i < len(local); i++ {
		if c := local[i]; c != '.' && !isAtext(c) {
			return false
		}
	}
	if domain[0] == '[' {
		// Address literal: [192.0.2.1] or [IPv6:2001:db8::1].
		if len(domain) < 3 || domain[len(domain)-1] != ']' {
			return false
		}
		for i := 1; i < len(domain)-1; i++ {
			if c := domain[i]; !isAlnum(c) && c != '.' && c != ':' && c != '-' {
				return false
			}
		}
		return true
	}
	for i := 0; i < len(domain); i++ {
		if c := domain[i]; !isAlnum(c) && c != '.' && c != '-' && c != '_' && c < 0x80 {
			return false
		}
	}
	return true
}

// isAtext reports whether c may appear in an atom (RFC 5322 §3.2.3), with
// the bytes of UTF-8 sequences allowed (RFC 6531 §3.3).
func isAtext(c byte) bool {
	return isAlnum(c) || c >= 0x80 || strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}
