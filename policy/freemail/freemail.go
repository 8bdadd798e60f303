// Package freemail owns the built-in list of free-mail, personal and
// mobile-carrier mail domains that recipients are classed by.
//
// The list is for a company in Japan: the global free-mail services, the
// Japanese mobile carriers' and their sub-brands' mail (キャリアメール),
// and the mail of the large Japanese ISPs, whose addresses are personal far
// more often than not. A domain is on it only when it is known to hand out
// personal addresses; corporate domains of the same groups (rakuten.co.jp,
// kddi.com, ...) are not. Matching takes subdomains too, so softbank.ne.jp
// covers the regional t.softbank.ne.jp and ocn.ne.jp the per-user
// xxx.ocn.ne.jp.
package freemail

import (
	"slices"
	"strings"
)

// builtin is the list as maintained: grouped by provider, one comment per
// group. Domains sorts a copy; a test checks the groups hold no duplicates
// and only plausible, lower-case domains.
var builtin = []string{
	// Gmail.
	"gmail.com", "googlemail.com",
	// Microsoft: Outlook.com and its older Hotmail, Live and MSN names.
	"outlook.com", "outlook.jp", "hotmail.com", "hotmail.co.jp", "hotmail.co.uk", "hotmail.fr",
	"live.com", "live.jp", "live.co.uk", "msn.com",
	// Yahoo! (US) and Yahoo! JAPAN. yahoo.ne.jp is Y!mobile's, below.
	"yahoo.com", "yahoo.co.jp", "yahoo.co.uk", "ymail.com", "rocketmail.com",
	// Apple iCloud, with the older .Mac and MobileMe names.
	"icloud.com", "me.com", "mac.com",
	// AOL.
	"aol.com",
	// GMX, WEB.DE and mail.com (one group).
	"gmx.com", "gmx.net", "gmx.de", "web.de", "mail.com",
	// Proton Mail.
	"proton.me", "protonmail.com", "protonmail.ch", "pm.me",
	// Zoho Mail's free addresses.
	"zohomail.com", "zoho.com",
	// Yandex.
	"yandex.com", "yandex.ru", "ya.ru",
	// Mail.ru group.
	"mail.ru", "inbox.ru", "list.ru", "bk.ru",
	// Tencent (QQ Mail, Foxmail), NetEase (163, 126, yeah.net) and Sina.
	"qq.com", "foxmail.com", "163.com", "126.com", "yeah.net", "sina.com",
	// Naver and Daum (Kakao).
	"naver.com", "daum.net", "hanmail.net",
	// Tuta (Tutanota).
	"tuta.com", "tuta.io", "tutanota.com", "tutanota.de", "tutamail.com", "keemail.me",
	// Fastmail.
	"fastmail.com", "fastmail.fm",

	// NTT docomo: docomo mail, and mopera (docomo's ISP).
	"docomo.ne.jp", "mopera.net",
	// au (KDDI): au.com covers biz.au.com; ezweb.ne.jp the older addresses.
	"au.com", "ezweb.ne.jp",
	// UQ mobile (KDDI).
	"uqmobile.jp",
	// SoftBank: MMS (softbank.ne.jp and its regional subdomains, the legacy
	// x.vodafone.ne.jp), iPhone mail (i.softbank.jp), Disney Mobile.
	"softbank.ne.jp", "i.softbank.jp", "vodafone.ne.jp", "disney.ne.jp",
	// Y!mobile (SoftBank), with the EMOBILE and WILLCOM addresses it took
	// over. Y!mobile mail is yahoo.ne.jp, not Yahoo! JAPAN's yahoo.co.jp.
	"yahoo.ne.jp", "ymobile.ne.jp", "ymobile1.ne.jp", "y-mobile.ne.jp",
	"emobile.ne.jp", "emobile-s.ne.jp", "emnet.ne.jp",
	"willcom.com", "pdx.ne.jp", "wcm.ne.jp",
	// Rakuten Mobile (楽メール).
	"rakumail.jp",
	// mineo (OPTAGE).
	"mineo.jp",

	// Japanese ISPs, whose mail is mostly personal: @nifty, BIGLOBE, So-net,
	// OCN, plala (docomo), DION (au one net), eo (OPTAGE), Yahoo! BB.
	"nifty.com", "biglobe.ne.jp", "so-net.ne.jp", "ocn.ne.jp", "plala.or.jp",
	"dion.ne.jp", "eonet.ne.jp", "ybb.ne.jp",
	// Japanese free web mail: Excite, livedoor.
	"excite.co.jp", "livedoor.com",
}

var sorted = func() []string {
	s := slices.Clone(builtin)
	slices.Sort(s)
	return slices.Compact(s)
}()

// Domains returns the built-in list: lower-case, sorted, a fresh copy the
// caller may change.
func Domains() []string { return slices.Clone(sorted) }

// Match reports whether domain is one of list or a subdomain of one:
// "mail.example.com" matches "example.com", "badexample.com" does not.
// Both sides are compared case-insensitively, with surrounding space and
// one trailing dot ignored; an empty domain or list entry matches nothing.
func Match(domain string, list []string) bool {
	d := normalize(domain)
	if d == "" {
		return false
	}
	for _, e := range list {
		e = normalize(e)
		if e == "" {
			continue
		}
		if d == e || len(d) > len(e) && d[len(d)-len(e)-1] == '.' && strings.HasSuffix(d, e) {
			return true
		}
	}
	return false
}

func normalize(s string) string {
	return strings.ToLower(strings.TrimSuffix(strings.TrimSpace(s), "."))
}
