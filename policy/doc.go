// Package policy turns what the detectors found in a message into a verdict:
// pass, flag, quarantine or reject. It only decides; it never scans, never
// talks SMTP and never sees customer values, only counts and reason strings.
//
// # Evaluation
//
// Evaluate is a pure function of its Input and the Policy's Config. It looks
// at each rule in a fixed order and collects a reason for every rule that
// applies:
//
//  1. Records: the number of distinct customer records found is compared with
//     the thresholds. The highest enabled threshold it reaches gives one
//     reason (ReasonRecordsReject, ReasonRecordsQuarantine or
//     ReasonRecordsFlag) and that threshold's action. The lower tiers are
//     implied and not listed again, so a message has at most one records
//     reason. A threshold of 0 is off.
//  2. Unscannable: if any part could not be scanned, ReasonUnscannable applies
//     with the configured Unscannable action, even when that action is Pass
//     (the reason is still worth a header and a metric).
//
// The most severe action among the applicable reasons wins (Pass < Flag <
// Quarantine < Reject). Verdict.Reasons lists every applicable reason, most
// severe action first, so Reasons[0] is the reason that decided the action;
// reasons with equally severe actions keep the order above. A message for which
// no rule applies gets Pass with the single reason ReasonNone.
//
// Reasons are constants because they are reused verbatim as metric label
// values and in the X-DLP-Reason header; Reasons returns all of them so
// metrics can pre-register every label value.
package policy
