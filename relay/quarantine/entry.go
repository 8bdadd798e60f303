package quarantine

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/dlprelay/dlprelay/detect"
)

// maxIDLen bounds caller-chosen IDs; generated IDs are 43 bytes.
const maxIDLen = 128

// Entry describes one quarantined message. It holds customer record IDs, never
// the matched values.
type Entry struct {
	// ID names the entry. Put generates one when empty: the UTC receive time
	// and 64 random bits, so IDs sort by time.
	ID string `json:"id"`
	// Received is when the relay received the message. Put sets it to the
	// current time when zero, and stores it in UTC.
	Received   time.Time `json:"received"`
	ClientAddr string    `json:"client_addr"`
	Helo       string    `json:"helo"`
	Sender     string    `json:"sender"`
	Recipients []string  `json:"recipients"`
	// Verdict and Reasons are the policy action and reasons, as strings.
	Verdict string   `json:"verdict"`
	Reasons []string `json:"reasons"`
	// Rules are the names of the policy rules that fired.
	Rules []string `json:"rules,omitempty"`
	// Records is the number of distinct customer records found; RecordIDs
	// are their IDs from the customer list.
	Records   int      `json:"records"`
	RecordIDs []string `json:"record_ids"`
	// Size is the length of the stored message in bytes; Put sets it.
	Size int64 `json:"size"`

	// Subject is the decoded Subject header, for the console's list. It
	// may hold customer data: shown only to logged-in users, never logged.
	// It is part of the message: once the entry is deleted or expired it
	// is dropped with the bytes.
	Subject string `json:"subject,omitempty"`
	// SubjectWithheld says the Subject may hold a customer value (a record
	// matched in a header, or the findings cannot tell): lists show it
	// only masked or after a reveal. Put sets it from Findings.
	SubjectWithheld bool `json:"subject_withheld,omitempty"`
	// Findings is the JSON of the detector's per-record findings (record
	// IDs, fields, parts, match offsets; never values) and of the
	// extractor version that placed them, for the console's masked
	// snippets: a detect.Findings as detect.EncodeFindings writes it.
	// Entries held before versions hold a bare array of detect.RecordHit;
	// read any of them with detect.DecodeFindings, never by hand. Put
	// stores it as given, cut to at most MaxFindings bytes of whole
	// records (see MaxFindings); List leaves it out.
	Findings json.RawMessage `json:"findings,omitempty"`
	// Status, ExpiresAt and Hold are kept by the store: Put sets Status
	// held and ExpiresAt Received plus the retention, whatever the caller
	// gave.
	Status    Status    `json:"status,omitempty"`
	ExpiresAt time.Time `json:"expires_at,omitempty"`
	Hold      bool      `json:"hold,omitempty"`
	// Notes and Releases are filled by Get.
	Notes    []Note           `json:"notes,omitempty"`
	Releases []ReleaseRequest `json:"releases,omitempty"`
}

// FindingsComplete reports whether f, e's Findings as detect.DecodeFindings
// reads them, holds every record e counts. Put cuts findings that do not
// fit MaxFindings, and an entry may have been held without any: then they
// cannot say where the missing records' values are.
func (e Entry) FindingsComplete(f detect.Findings) bool {
	return len(f.Records) >= max(len(e.RecordIDs), e.Records)
}

// ValidID reports whether id can name an entry: 1 to 128 bytes of ASCII
// letters, digits, '.', '_' and '-', not starting with '.'. This rules out
// path separators, ".." and the store's own temporary files (".tmp-…"), so an
// ID is safe as a file name: the message of entry id is quarantine/<id>.eml.
func ValidID(id string) bool {
	if id == "" || len(id) > maxIDLen || id[0] == '.' {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

func checkID(id string) error {
	if !ValidID(id) {
		return fmt.Errorf("quarantine: %w %q", ErrInvalidID, id)
	}
	return nil
}

// newID returns an ID that sorts by t: "20060102T150405.000000000Z-" and 16
// random hex digits.
func newID(t time.Time) string {
	var b [8]byte
	rand.Read(b[:]) // never fails (crypto/rand documents it)
	return t.UTC().Format("20060102T150405.000000000Z") + "-" + hex.EncodeToString(b[:])
}

// newReleaseID returns a release request ID: "rel-" and 128 random bits in
// hex. It is a valid ID and safe in a header, and names the request in the
// upstream's logs (the X-DLP-Released trace header carries it).
func newReleaseID() string {
	var b [16]byte
	rand.Read(b[:])
	return "rel-" + hex.EncodeToString(b[:])
}
