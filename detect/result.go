package detect

import (
	"github.com/dlprelay/dlprelay/detect/customers"
	"github.com/dlprelay/dlprelay/detect/extract"
)

// Limits bound the work done on one message; see extract.Limits. A zero
// field takes its value from DefaultLimits.
type Limits = extract.Limits

// DefaultLimits returns MaxDepth 20, MaxParts 1000, MaxPartBytes 50 MiB,
// MaxTotalBytes 200 MiB and Timeout 60s.
func DefaultLimits() Limits { return extract.DefaultLimits() }

// Reason says why some content was not scanned. Values are stable and may
// label metrics and headers.
type Reason = extract.Reason

// Reasons, as in package extract.
const (
	ReasonDepth     = extract.ReasonDepth     // "depth_limit"
	ReasonParts     = extract.ReasonParts     // "parts_limit"
	ReasonPartSize  = extract.ReasonPartSize  // "part_size_limit"
	ReasonTotalSize = extract.ReasonTotalSize // "total_size_limit"
	ReasonTimeout   = extract.ReasonTimeout   // "timeout"
	ReasonParse     = extract.ReasonParse     // "parse_error"
	ReasonBinary    = extract.ReasonBinary    // "binary" (unidentified bytes; their strings were scanned)
	// Archives and documents.
	ReasonArchiveEntries = extract.ReasonArchiveEntries // "archive_entries_limit"
	ReasonArchiveDepth   = extract.ReasonArchiveDepth   // "archive_depth_limit"
	ReasonExpansion      = extract.ReasonExpansion      // "expansion_limit" (zip bomb)
	ReasonEncrypted      = extract.ReasonEncrypted      // "encrypted"
	ReasonUnsupported    = extract.ReasonUnsupported    // "unsupported_format"
	ReasonCorrupt        = extract.ReasonCorrupt        // "corrupt"
)

// Part describes one MIME entity or archive member visited; see
// extract.Part for paths, dispositions and notes.
type Part = extract.Part

// Disposition says how a part was read; see extract.Disposition.
type Disposition = extract.Disposition

// Unscannable names content that was not scanned, and why.
type Unscannable = extract.Unscannable

// Result is what Scan found in one message. Records name customers by ID
// and place matches by part and offset, never by value. Contacts and
// Addresses do hold addresses and phone numbers as the message gives them
// (a customer's own address may be among Addresses): log their counts,
// not their values.
type Result struct {
	// Records are the distinct customer records found, sorted by ID.
	Records []RecordHit `json:"records"`
	// Parts are the MIME entities and archive members visited, in walk
	// order, each with how it was read (Part.Disposition).
	Parts []Part `json:"parts"`
	// Unscannable lists content that was not read, or not all of it, and
	// why: encrypted, a format not read, damage, a limit, or bytes that
	// are no known format (ReasonBinary, read only for their strings).
	Unscannable []Unscannable `json:"unscannable"`
	// BytesScanned is the decoded text fed to the matcher, headers
	// included.
	BytesScanned int64 `json:"bytes_scanned"`
	// Contacts are the contact details the message gives in its text
	// that are not customer data, distinct, in walk order, at most
	// MaxContacts; see Contact.
	Contacts []Contact `json:"contacts,omitempty"`
	// Addresses are the mailboxes of the From, Sender, Reply-To, To and
	// Cc fields of the message itself, at most MaxAddresses; see
	// extract.Report.
	Addresses []Address `json:"addresses,omitempty"`
	// Attachments counts the MIME entities that are attachments
	// (disposition "attachment" or a file name; not multipart entities),
	// those of attached messages included, archive members not.
	Attachments int `json:"attachments"`
}

// ContactKind says what a Contact is. Values are stable.
type ContactKind string

// Contact kinds.
const (
	// ContactEmail: an e-mail address written in the text.
	ContactEmail ContactKind = "email"
	// ContactMobile: a Japanese mobile number (070, 080 or 090, 11
	// digits, or the same after +81) written in the text.
	ContactMobile ContactKind = "mobile"
)

// Contact is a contact detail that a message gives in the text of its
// bodies and attachments (never in header text: the Subject, display
// names and file names), for a policy such as "an employee hands a
// customer a private address or a personal mobile number". It is not
// customer data: an address overlapping a match of a customer's email,
// and a number equal to a customer's phone, are left out.
type Contact struct {
	Kind ContactKind `json:"kind"`
	// Value is, for an email, the address lower-cased as local@domain
	// (full-width forms folded to ASCII, a mailto: prefix left out); for
	// a mobile number, its 11 digits in domestic form (09012345678).
	Value string `json:"value"`
	// Part is the segment where the value was first found.
	Part string `json:"part"`
}

// MaxContacts bounds Result.Contacts; once it is reached, no more
// contacts are looked for.
const MaxContacts = 100

// Address is a mailbox of the message's own address fields; see
// extract.Address.
type Address = extract.Address

// MaxAddresses bounds Result.Addresses.
const MaxAddresses = extract.MaxAddresses

// RecordHit is one customer found in a message.
type RecordHit struct {
	ID string `json:"id"`
	// Fields are the fields of the record that matched, sorted, distinct.
	Fields []customers.Field `json:"fields"`
	// Parts are the segments where a value matched, in walk order: an
	// entity path such as "1.2", or "1.2.header" for the Subject,
	// display names, Content-Description and filename of entity 1.2.
	Parts []string `json:"parts"`
	// Matches are the occurrences found, in walk order then by offset, at
	// most MaxMatchesPerRecord; MoreMatches counts the rest.
	Matches     []Match `json:"matches"`
	MoreMatches int     `json:"more_matches,omitempty"`
	// Closest is the smallest distance in bytes, in the original text of
	// one segment, between matches of two different fields of the record
	// (0 when they touch or overlap), or -1 if no two fields were found
	// in the same segment.
	Closest int64 `json:"closest"`
}

// Corroborated reports whether two different fields of the record were
// found within window bytes of each other in one segment.
func (h *RecordHit) Corroborated(window int64) bool {
	return h.Closest >= 0 && h.Closest <= window
}

// Match is one occurrence of a customer value. It says where, never what:
// Start and End are byte offsets in the original text of the segment Part
// (the decoded UTF-8 text as extracted, before normalization).
type Match struct {
	Field customers.Field `json:"field"`
	Part  string          `json:"part"`
	Start int64           `json:"start"`
	End   int64           `json:"end"`
}
