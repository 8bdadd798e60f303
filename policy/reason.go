package policy

// Reason says why a rule fired: which kind of condition held. The values are
// stable: they are metric label values and appear in the X-DLP-Reasons
// header, so renaming one is a breaking change for dashboards and downstream
// filters. Rule names, which the configuration chooses, travel next to them.
type Reason string

// The reasons. Every constant must also be listed in Reasons.
const (
	// ReasonNone: no rule fired; the message passes.
	ReasonNone Reason = "none"
	// ReasonInternal: every recipient is internal and internal mail passes
	// unscanned (Config.SkipInternal).
	ReasonInternal Reason = "internal"
	// ReasonRecipient: the rule fired on the envelope alone (sender and
	// recipient classes), with no content condition.
	ReasonRecipient Reason = "recipient"
	// ReasonWatchlist: the rule is for watchlisted senders and the sender
	// is on the watchlist.
	ReasonWatchlist Reason = "watchlist"
	// ReasonRecords: the distinct customer records in this message reached
	// the rule's min_records.
	ReasonRecords Reason = "records"
	// ReasonRecordsWindow: the distinct customer records the sender sent
	// outside within the rule's window, this message included, reached its
	// min_records.
	ReasonRecordsWindow Reason = "records_window"
	// ReasonAttachment: the message has an attachment.
	ReasonAttachment Reason = "attachment"
	// ReasonUnscannable: some content could not be scanned for one of the
	// rule's reasons.
	ReasonUnscannable Reason = "unscannable"
	// ReasonPrivateAddress: a free-mail recipient looks like the sender's
	// own private account.
	ReasonPrivateAddress Reason = "private_address"
	// ReasonPrivateContact: the message gives an external recipient a
	// free-mail address or a personal mobile number.
	ReasonPrivateContact Reason = "private_contact"
)

// Reasons returns every reason constant, for example to pre-register metric
// label values. The caller may modify the slice.
func Reasons() []Reason {
	return []Reason{
		ReasonNone,
		ReasonInternal,
		ReasonRecipient,
		ReasonWatchlist,
		ReasonRecords,
		ReasonRecordsWindow,
		ReasonAttachment,
		ReasonUnscannable,
		ReasonPrivateAddress,
		ReasonPrivateContact,
	}
}

// String returns the reason's label value.
func (r Reason) String() string { return string(r) }
