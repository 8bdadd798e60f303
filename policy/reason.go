package policy

// Reason says why a verdict was reached. The values are stable: they are
// metric label values and appear in the X-DLP-Reason header, so renaming one
// is a breaking change for dashboards and downstream filters.
type Reason string

// The reasons. Every constant must also be listed in Reasons.
const (
	// ReasonNone: no rule applied; the message passes.
	ReasonNone Reason = "none"
	// ReasonRecordsFlag: the distinct records found reached Thresholds.FlagAt
	// (but no higher enabled threshold).
	ReasonRecordsFlag Reason = "records_over_flag"
	// ReasonRecordsQuarantine: the distinct records found reached
	// Thresholds.QuarantineAt (but not an enabled RejectAt).
	ReasonRecordsQuarantine Reason = "records_over_quarantine"
	// ReasonRecordsReject: the distinct records found reached
	// Thresholds.RejectAt.
	ReasonRecordsReject Reason = "records_over_reject"
	// ReasonUnscannable: some content could not be scanned (encrypted archive,
	// broken encoding, a scan limit hit, ...); Config.Unscannable decides.
	ReasonUnscannable Reason = "unscannable"
)

// Reasons returns every reason constant, in evaluation order, for example to
// pre-register metric label values. The caller may modify the slice.
func Reasons() []Reason {
	return []Reason{
		ReasonNone,
		ReasonRecordsFlag,
		ReasonRecordsQuarantine,
		ReasonRecordsReject,
		ReasonUnscannable,
	}
}

// String returns the reason's label value.
func (r Reason) String() string { return string(r) }
