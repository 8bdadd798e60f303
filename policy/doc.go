// Package policy owns a company's DLP rules: findings from detection, the
// envelope, the watchlist status of the sender and the sender's history go
// in, one explained verdict comes out. It only decides; it never scans,
// never talks SMTP and never sees customer values, only record keys, counts
// and reason strings.
//
// # Recipient classes
//
// Every recipient is in one class, by domain (a domain matches itself and
// its subdomains): internal (Config.InternalDomains), else partner
// (Config.PartnerDomains), else freemail (Config.FreeMailDomains, usually
// the built-in list of package freemail plus the company's additions), else
// external. "outside" means partner, freemail and external. With
// Config.SkipInternal, a message whose recipients are all internal is not
// scanned at all (SkipScan, InternalVerdict).
//
// # Records and confidence
//
// A record found in the message counts unless the message is written to
// that customer: its e-mail address is a recipient and every recipient
// outside is that address (a copy to anyone else outside, a private
// account or other customers, makes it count again). At high confidence
// only corroborated records count (two different fields close together,
// such as name and phone); at low confidence every record counts, except
// that records found only through the same text (a name three customers
// share) count once together.
//
// # Rules
//
// Config.Rules are evaluated in order. A rule fires when all its conditions
// hold: sender scope (any, watchlist, others), at least one recipient in
// its classes (default outside), and each content condition it sets —
// min_records (in this message, or over a rolling window of the sender's
// history), attachments, unscannable reasons, private_address (a free-mail
// recipient looks like the sender's own account), private_contact (the
// text gives a free-mail address or a personal mobile number to someone
// outside). Every rule is checked, so the trace lists every rule that
// fired and why.
//
// The action is decided by walking the fired rules in order: flag rules
// accumulate; the first rule with any other action (pass, quarantine,
// reject) decides and ends the walk — the first decisive rule wins. A pass
// rule is an exception placed before the rules it exempts from; it does
// not remove a flag raised by an earlier rule. If only flag rules fired the
// message is flagged; if none fired it passes.
//
// Monitor rules (and every rule when Config.Monitor is set) fire and are
// reported but are skipped by the walk; Verdict.Would is the action the
// walk gives when they are enforced, so "would have" verdicts can be
// logged, counted and headered while mail passes.
//
// # Sender history
//
// Windowed rules count the distinct records the sender sent outside within
// the window, this message's included (Input.Past holds the earlier ones).
// Verdict.Remember lists the records the caller adds to the history once
// the message left: those of a message that goes outside and is let
// through (pass or flag), ambiguous ones left out. A held message did not
// leave; Policy.Remember gives its records when a release delivers it.
//
// # Header details
//
// A verdict's details (action, counts, rules, reasons) tell whoever reads
// them what the company thinks of the message and its sender. Verdict.Details
// says whether the relay may write them into the message's header: only
// when every recipient is in Config.DetailsTo (Policy.Details).
//
// Reasons are constants because they are reused verbatim as metric label
// values and in the X-DLP-Reasons header; Reasons returns all of them.
package policy
