package notify

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Actions that are notified and audiences, spelled as in the policy
// configuration (policy's action names and Notify values). The package takes
// strings so that it does not depend on policy.
const (
	ActionFlag       = "flag"
	ActionQuarantine = "quarantine"
	ActionReject     = "reject"

	AudienceOfficers = "officers"
	AudienceSender   = "sender"
)

// Notice is one notification to send. It holds no customer data by
// construction: no subject, body, matched value, record id or address of the
// original recipients. The caller fills it from the verdict.
type Notice struct {
	// To are the recipients of the notification (officers and/or the
	// sender); the caller decides. At least one is required. Each must be a
	// plain ASCII addr-spec (local@domain) without spaces or quotes, because
	// notices are sent without SMTPUTF8.
	To []string
	// Audience is AudienceOfficers or AudienceSender: officers get the
	// rules and the counts, the sender a short explanation and whom to
	// contact.
	Audience string
	// Action is the verdict: ActionFlag, ActionQuarantine or ActionReject
	// ("pass" and monitored verdicts are never notified).
	Action string
	// MessageID is the dlprelay transaction id; required.
	MessageID string
	// QuarantineID is the quarantine entry's id when the message was
	// quarantined.
	QuarantineID string
	// Sender is the envelope sender of the original message ("" for <>).
	Sender string
	// Recipients is the number of recipients of the original message and
	// Classes their classes (such as "freemail", "partner"); never their
	// addresses.
	Recipients int
	Classes    []string
	// Rules are the names of the rules that fired.
	Rules []string
	// Records is the number of customer records counted.
	Records int
	// Time is when the verdict was made; the body shows it in its zone.
	// Build uses the current time when it is zero.
	Time time.Time
}

// Header and body limits.
const (
	// maxEncodedLine bounds a header line holding encoded-words (RFC 2047
	// section 2); other header lines are folded at maxLine (RFC 5322
	// section 2.1.1).
	maxEncodedLine = 76
	maxLine        = 78
	// maxAddr is the longest address accepted (RFC 5321 section 4.5.3.1.3
	// allows 256 octets for a path including the brackets).
	maxAddr = 254
	// maxHeaderID bounds an id shown in the Subject so that the line stays
	// within maxLine; dlprelay's ids are shorter, and the body shows the
	// whole id.
	maxHeaderID = 64
)

// texts holds the wording for one action.
type texts struct {
	subjectJA, subjectEN   string // after "[dlprelay] "
	nameJA                 string // the action in Japanese
	officersJA, officersEN string // first line for officers
	senderJA, senderEN     string // explanation for the sender
}

var actionTexts = map[string]texts{
	ActionFlag: {
		subjectJA:  "要確認として記録されました",
		subjectEN:  "Message flagged",
		nameJA:     "要確認",
		officersJA: "DLP ポリシーにより、次のメールは配信されたうえで要確認として記録されました。",
		officersEN: "The DLP policy flagged the following message: it was delivered and recorded for review.",
		senderJA:   "あなたが送信したメールは配信されましたが、DLP ポリシーによりコンプライアンス担当者の確認対象として記録されました。",
		senderEN:   "Your message was delivered and recorded for review by compliance under the DLP policy.",
	},
	ActionQuarantine: {
		subjectJA:  "隔離されました",
		subjectEN:  "Message quarantined",
		nameJA:     "隔離",
		officersJA: "DLP ポリシーにより、次のメールは配信されずに隔離されました。",
		officersEN: "The DLP policy quarantined the following message: it was not delivered and is held for review.",
		senderJA:   "あなたが送信したメールは、DLP ポリシーにより配信が保留され、コンプライアンス担当者の確認を待っています。",
		senderEN:   "Your message was held for review by compliance under the DLP policy and has not been delivered.",
	},
	ActionReject: {
		subjectJA:  "送信が拒否されました",
		subjectEN:  "Message rejected",
		nameJA:     "拒否",
		officersJA: "DLP ポリシーにより、次のメールの送信は拒否されました。配信されていません。",
		officersEN: "The DLP policy rejected the following message: it was not delivered.",
		senderJA:   "あなたが送信したメールは、DLP ポリシーにより送信が拒否され、配信されていません。",
		senderEN:   "Your message was rejected under the DLP policy and was not delivered.",
	},
}

const (
	defaultContactJA = "コンプライアンス担当者"
	defaultContactEN = "your compliance team"
	footerJA         = "この通知は dlprelay が自動で送信しています。元のメールの件名・本文・宛先アドレス・検出された値は含まれていません。"
	footerEN         = "This notice was sent automatically by dlprelay. It does not contain the subject, body, recipient addresses or matched values of the original message."
)

// Build returns the notification for nt as an RFC 5322 message with CRLF
// line endings, all 7-bit: headers Date, From, To, Subject (RFC 2047),
// Message-ID, MIME-Version, Content-Type, Content-Transfer-Encoding,
// Auto-Submitted, X-Auto-Response-Suppress, Precedence and
// X-DLP-Notification, then a quoted-printable UTF-8 body, Japanese first. Only
// cfg.From, cfg.Hostname and cfg.Contact are used. Every value the caller
// gives is printed with control and formatting characters escaped, and only
// the action and an id restricted to safe characters reach a header. Build
// fails, naming the field, on a notice it cannot send.
func Build(cfg Config, nt Notice) ([]byte, error) {
	if err := checkNotice(nt); err != nil {
		return nil, err
	}
	action := nt.Action
	if err := checkAddr(cfg.From); err != nil {
		return nil, fmt.Errorf("notify: From: %w", err)
	}
	host := cfg.Hostname
	if host == "" {
		host = cfg.From[strings.LastIndexByte(cfg.From, '@')+1:]
	}
	if err := checkHostname(host); err != nil {
		return nil, fmt.Errorf("notify: Hostname: %w", err)
	}
	t := nt.Time
	if t.IsZero() {
		t = time.Now()
	}
	tx := actionTexts[action]

	var b bytes.Buffer
	header := func(name, value string) { b.WriteString(name + ": " + value + "\r\n") }
	header("Date", t.Format(time.RFC1123Z))
	header("From", "dlprelay <"+cfg.From+">")
	to := dedupe(nt.To)
	for i := range to[:len(to)-1] {
		to[i] += ","
	}
	b.WriteString(fold("To", to, maxLine))
	subject := "[dlprelay] " + tx.subjectJA + " / " + tx.subjectEN
	if id := headerID(nt.MessageID); id != "" {
		subject += " (id " + id + ")"
	}
	b.WriteString(fold("Subject", encodeWords(subject), maxEncodedLine))
	header("Message-ID", "<"+strings.ToLower(rand.Text())+"@"+host+">")
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=UTF-8")
	header("Content-Transfer-Encoding", "quoted-printable")
	// RFC 3834: an automatic message, not to be answered automatically;
	// Exchange and bulk-mail heuristics look at the other two.
	header("Auto-Submitted", "auto-generated")
	header("X-Auto-Response-Suppress", "All")
	header("Precedence", "bulk")
	header("X-DLP-Notification", action)
	b.WriteString("\r\n")

	qp := quotedprintable.NewWriter(&b)
	if _, err := qp.Write([]byte(body(cfg, nt, action, tx, t))); err != nil {
		return nil, err // writes to a bytes.Buffer do not fail
	}
	if err := qp.Close(); err != nil {
		return nil, err
	}
	if !bytes.HasSuffix(b.Bytes(), []byte("\r\n")) {
		b.WriteString("\r\n")
	}
	return b.Bytes(), nil
}

// body is the text, LF line endings (the quoted-printable writer makes
// them CRLF).
func body(cfg Config, nt Notice, action string, tx texts, t time.Time) string {
	var b strings.Builder
	line := func(s ...string) { b.WriteString(strings.Join(s, "") + "\n") }
	when := t.Format(time.RFC3339)
	id := printable(nt.MessageID)
	qid := printable(nt.QuarantineID)
	sender := printable(nt.Sender)
	if nt.Sender == "" {
		sender = "<>"
	}
	rules := "-"
	if len(nt.Rules) > 0 {
		rules = printableList(nt.Rules)
	}
	classes := ""
	if len(nt.Classes) > 0 {
		classes = " (" + printableList(nt.Classes) + ")"
	}
	contactJA, contactEN := defaultContactJA, defaultContactEN
	if cfg.Contact != "" {
		contactJA, contactEN = printable(cfg.Contact), printable(cfg.Contact)
	}

	if nt.Audience == AudienceSender {
		line(tx.senderJA)
		line()
		line("処理: ", tx.nameJA, " (", action, ")")
		line("日時: ", when)
		line("dlprelay ID: ", id)
		if qid != "" {
			line("隔離 ID: ", qid)
		}
		line()
		line("ご不明な点は", contactJA, "に、dlprelay ID ", id, " を添えてお問い合わせください。")
		line()
		line(footerJA)
		line()
		line("----------------------------------------")
		line()
		line(tx.senderEN)
		line()
		line("Action: ", action)
		line("Time: ", when)
		line("dlprelay id: ", id)
		if qid != "" {
			line("Quarantine id: ", qid)
		}
		line()
		line("If you have questions, contact ", contactEN, " quoting dlprelay id ", id, ".")
		line()
		line(footerEN)
		return b.String()
	}

	line(tx.officersJA)
	line()
	line("処理: ", tx.nameJA, " (", action, ")")
	line("日時: ", when)
	line("dlprelay ID: ", id)
	if qid != "" {
		line("隔離 ID: ", qid)
	}
	line("送信者: ", sender)
	line("宛先: ", strconv.Itoa(nt.Recipients), " 件", classes)
	line("ルール: ", rules)
	line("顧客レコード数: ", strconv.Itoa(nt.Records))
	line()
	line(footerJA)
	line()
	line("----------------------------------------")
	line()
	line(tx.officersEN)
	line()
	line("Action: ", action)
	line("Time: ", when)
	line("dlprelay id: ", id)
	if qid != "" {
		line("Quarantine id: ", qid)
	}
	line("Sender: ", sender)
	line("Recipients: ", strconv.Itoa(nt.Recipients), classes)
	line("Rules: ", rules)
	line("Customer records: ", strconv.Itoa(nt.Records))
	line()
	line(footerEN)
	return b.String()
}

// checkNotice validates what Build needs.
func checkNotice(nt Notice) error {
	if _, ok := actionTexts[nt.Action]; !ok {
		return errors.New("notify: Action: want flag, quarantine or reject")
	}
	if nt.Audience != AudienceOfficers && nt.Audience != AudienceSender {
		return errors.New("notify: Audience: want officers or sender")
	}
	if len(nt.To) == 0 {
		return errors.New("notify: To: no recipient")
	}
	for i, a := range nt.To {
		// The error names the index only: logs carry no addresses.
		if err := checkAddr(a); err != nil {
			return fmt.Errorf("notify: To[%d]: %w", i, err)
		}
	}
	if nt.MessageID == "" {
		return errors.New("notify: MessageID: required")
	}
	if nt.Recipients < 0 || nt.Records < 0 {
		return errors.New("notify: Recipients and Records: must not be negative")
	}
	return nil
}

// checkAddr accepts a plain ASCII addr-spec without spaces, quotes, brackets
// or separators: it is written into the To or From header as is and given to
// MAIL or RCPT without SMTPUTF8.
func checkAddr(a string) error {
	switch {
	case a == "":
		return errors.New("empty address")
	case len(a) > maxAddr:
		return fmt.Errorf("address longer than %d bytes", maxAddr)
	}
	for i := 0; i < len(a); i++ {
		c := a[i]
		if c <= ' ' || c >= 0x7f {
			return errors.New("address has a space, a control or a non-ASCII character")
		}
		if strings.IndexByte(`<>,;:"()\`, c) >= 0 {
			return fmt.Errorf("address has %q", c)
		}
	}
	at := strings.LastIndexByte(a, '@')
	if at <= 0 || at == len(a)-1 {
		return errors.New("address is not local@domain")
	}
	return nil
}

// checkHostname accepts the right side of a Message-ID.
func checkHostname(h string) error {
	if h == "" {
		return errors.New("empty")
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`<>@,;:"()\`, c) >= 0 {
			return fmt.Errorf("has %q", c)
		}
	}
	return nil
}

// headerID keeps an id for the Subject to letters, digits and ._:+-, so it
// can neither break the header nor look like an encoded-word.
func headerID(id string) string {
	if len(id) > maxHeaderID {
		id = id[:maxHeaderID]
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', strings.ContainsRune("._:+-", r):
			return r
		}
		return '_'
	}, id)
}

// printable escapes what could break a line or disguise text: control
// characters (CR, LF, NUL, DEL, C1), format characters (bidi overrides,
// zero-width), line and paragraph separators, and invalid UTF-8. They are
// written as Go escapes (\r, \u202e), so a hostile rule name shows as what it
// is.
func printable(s string) string {
	if !strings.ContainsFunc(s, unsafeRune) && utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				fmt.Fprintf(&b, `\x%02x`, s[i])
				continue
			}
		}
		if unsafeRune(r) {
			q := strconv.QuoteRuneToASCII(r)
			b.WriteString(q[1 : len(q)-1])
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func unsafeRune(r rune) bool {
	return unicode.IsControl(r) || unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp)
}

func printableList(list []string) string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = printable(s)
	}
	return strings.Join(out, ", ")
}

// encodeWords splits s at spaces and RFC 2047-encodes each run of words that
// is not plain ASCII, as one run: the space between two encoded-words is
// dropped when decoding, so the spaces inside a run are encoded with it. The
// result is the list of tokens to be joined (and folded) with spaces;
// mime.QEncoding keeps each encoded-word within 75 characters.
func encodeWords(s string) []string {
	var out, run []string
	flush := func() {
		if len(run) > 0 {
			enc := mime.QEncoding.Encode("UTF-8", strings.Join(run, " "))
			out = append(out, strings.Split(enc, " ")...)
			run = run[:0]
		}
	}
	for _, w := range strings.Split(s, " ") {
		if plainWord(w) {
			flush()
			out = append(out, w)
			continue
		}
		run = append(run, w)
	}
	flush()
	return out
}

// plainWord reports whether w can stand unencoded. The Subject holds only
// fixed text and headerID's output, so no plain word looks like an
// encoded-word.
func plainWord(w string) bool {
	for i := 0; i < len(w); i++ {
		if w[i] < '!' || w[i] > '~' {
			return false
		}
	}
	return true
}

// fold writes a header whose value is tokens joined by spaces, breaking
// lines before a token that would pass limit.
func fold(name string, tokens []string, limit int) string {
	var b strings.Builder
	b.WriteString(name + ":")
	n := b.Len()
	for i, tok := range tokens {
		if i > 0 && n+1+len(tok) > limit {
			b.WriteString("\r\n")
			n = 0
		}
		b.WriteString(" " + tok)
		n += 1 + len(tok)
	}
	b.WriteString("\r\n")
	return b.String()
}
