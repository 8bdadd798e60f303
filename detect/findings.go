package detect

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// ExtractorVersion names the extraction that places a Result's matches: the
// segment paths of RecordHit.Parts and Match.Part and the byte offsets
// Match.Start and End in a segment's text. Findings stored with a held
// message carry the version that produced them, and whoever cuts text out
// of a message at stored offsets (the console's reveal) must do so only
// when the stored version equals this one.
//
// Bump it when a change to extraction or normalization can move a match's
// offsets or part paths: what text a segment holds or in what order (a new
// HTML renderer, header fields added to a header segment), how segments
// are numbered, how offsets in the normalized text map back to the
// original. When unsure, bump: a needless bump only makes the entries held
// before it unrevealable; a missed one shows an officer the wrong text as
// evidence. TestExtractorVersionPinned fails when a match of a sample
// message moves while the version stays (testdata/extractor-pins.json).
//
// Version 1 (ExtractorUnversioned) is every finding stored before findings
// carried a version; version 2 is the extractor that decides every part's
// disposition by its bytes and scans every header field.
const ExtractorVersion = 2

// ExtractorUnversioned is the extractor version of findings stored in one
// of the forms from before versions: DecodeFindings gives it to them.
const ExtractorUnversioned = 1

// FindingsSchema is the layout of the stored Findings object that this code
// writes. DecodeFindings reads it and every older layout.
const FindingsSchema = 1

// Bounds on what DecodeFindings reads. The quarantine cuts what it stores
// to MaxFindingsBytes, and a real record or match takes more bytes than the
// input could hold at these counts (a record at least 63, a match 40): only
// a corrupt or forged input reaches them.
const (
	MaxFindingsBytes   = 1 << 20 // bytes of the encoded findings
	MaxFindingsRecords = 1 << 15 // records
	MaxFindingsMatches = 1 << 15 // matches, all records together
)

// Errors of DecodeFindings (wrapped) and EncodeFindings.
var (
	// ErrFindingsInvalid: not findings in any known form.
	ErrFindingsInvalid = errors.New("detect: invalid findings")
	// ErrFindingsSchema: a findings object of a schema newer than
	// FindingsSchema, written by a newer version of this code.
	ErrFindingsSchema = errors.New("detect: findings of an unknown schema")
	// ErrFindingsTooLarge: over MaxFindingsBytes, MaxFindingsRecords or
	// MaxFindingsMatches.
	ErrFindingsTooLarge = errors.New("detect: findings too large")
)

// Findings is the stored record of what a scan found in one message: the
// records (IDs, fields, segments and match offsets, never values) and the
// extractor version that placed them. It is what the relay keeps with a
// held message; EncodeFindings writes it and DecodeFindings, the one reader
// of stored findings, reads it back.
//
// Encoded, it is a JSON object {"schema":1,"extractor":N,"records":[...]}
// whose records are RecordHit objects.
type Findings struct {
	// Schema is the layout: FindingsSchema for an object of this form, 0
	// for a legacy form read by DecodeFindings.
	Schema int `json:"schema"`
	// Extractor is the ExtractorVersion of the scan that made Records;
	// ExtractorUnversioned for a legacy form.
	Extractor int `json:"extractor"`
	// Records are the customer records found, as in Result.Records.
	Records []RecordHit `json:"records"`
}

// NewFindings returns the findings of res (which may be nil) as this
// code's extractor placed them. Records are shared with res, not copied.
func NewFindings(res *Result) Findings {
	f := Findings{Schema: FindingsSchema, Extractor: ExtractorVersion}
	if res != nil {
		f.Records = res.Records
	}
	return f
}

// Current reports whether the stored offsets and segment paths of f are
// this code's: only then may text be cut out of the message at them.
func (f Findings) Current() bool { return f.Extractor == ExtractorVersion }

// EncodeFindings returns the stored form of f: a JSON object, records
// always an array. It refuses (ErrFindingsInvalid) a record of another
// schema or without an extractor version, so that nothing unversioned is
// ever stored. It does not bound the size: the store cuts the records to
// fit MaxFindingsBytes.
func EncodeFindings(f Findings) ([]byte, error) {
	if f.Schema != FindingsSchema || f.Extractor < 1 {
		return nil, fmt.Errorf("%w: schema %d, extractor %d", ErrFindingsInvalid, f.Schema, f.Extractor)
	}
	if f.Records == nil {
		f.Records = []RecordHit{}
	}
	return json.Marshal(f)
}

// DecodeFindings reads stored findings in any form ever stored:
//
//   - the Findings object (with "schema"), of schema 1 to FindingsSchema;
//   - a bare JSON array of RecordHit, what the relay stored before
//     versions;
//   - a whole Result object (without "schema"), whose records are taken
//     and the rest ignored.
//
// The two legacy forms come back with Schema 0 and Extractor
// ExtractorUnversioned. Empty input or JSON null (no findings stored) gives
// the zero Findings: no records and no version. Anything else is an error
// wrapping ErrFindingsInvalid, ErrFindingsSchema or ErrFindingsTooLarge;
// the error never quotes the input.
func DecodeFindings(raw []byte) (Findings, error) {
	raw = bytes.Trim(raw, " \t\r\n")
	if len(raw) == 0 || string(raw) == "null" {
		return Findings{}, nil
	}
	if len(raw) > MaxFindingsBytes {
		return Findings{}, fmt.Errorf("%w: %d bytes, at most %d", ErrFindingsTooLarge, len(raw), MaxFindingsBytes)
	}
	if !json.Valid(raw) {
		return Findings{}, fmt.Errorf("%w: not JSON", ErrFindingsInvalid)
	}
	// Valid JSON from here: the decoder meets only type errors.
	d := &findingsDecoder{dec: json.NewDecoder(bytes.NewReader(raw))}
	switch raw[0] {
	case '[':
		recs, err := d.records()
		if err != nil {
			return Findings{}, err
		}
		return Findings{Extractor: ExtractorUnversioned, Records: recs}, nil
	case '{':
		return d.object()
	}
	return Findings{}, fmt.Errorf("%w: neither an object nor an array", ErrFindingsInvalid)
}

// findingsDecoder reads valid JSON token by token, so that counts are
// checked as records and matches arrive rather than after all are held.
type findingsDecoder struct {
	dec     *json.Decoder
	matches int // matches read so far, all records
}

// object reads a Findings object or a legacy Result object. Keys are exact
// (as json.Marshal writes them); a repeated key is an error, not a choice.
func (d *findingsDecoder) object() (Findings, error) {
	if _, err := d.dec.Token(); err != nil { // '{'
		return Findings{}, invalid(err)
	}
	var f Findings
	seen := map[string]bool{}
	for d.dec.More() {
		tok, err := d.dec.Token()
		if err != nil {
			return Findings{}, invalid(err)
		}
		key, _ := tok.(string) // an object key is always a string
		if seen[key] {
			return Findings{}, fmt.Errorf("%w: a repeated key", ErrFindingsInvalid)
		}
		seen[key] = true
		switch key {
		case "schema":
			err = d.dec.Decode(&f.Schema)
		case "extractor":
			err = d.dec.Decode(&f.Extractor)
		case "records":
			f.Records, err = d.records()
		default:
			var skip json.RawMessage
			err = d.dec.Decode(&skip)
		}
		if err != nil {
			return Findings{}, invalid(err)
		}
	}
	switch {
	case !seen["records"]:
		return Findings{}, fmt.Errorf("%w: no records", ErrFindingsInvalid)
	case !seen["schema"] && seen["extractor"]:
		return Findings{}, fmt.Errorf("%w: an extractor version without a schema", ErrFindingsInvalid)
	case !seen["schema"]: // a Result object
		f.Schema, f.Extractor = 0, ExtractorUnversioned
	case f.Schema > FindingsSchema:
		return Findings{}, fmt.Errorf("%w: schema %d, this code reads up to %d", ErrFindingsSchema, f.Schema, FindingsSchema)
	case f.Schema < 1 || f.Extractor < 1:
		return Findings{}, fmt.Errorf("%w: schema %d, extractor %d", ErrFindingsInvalid, f.Schema, f.Extractor)
	}
	return f, nil
}

// records reads an array of RecordHit, or null.
func (d *findingsDecoder) records() ([]RecordHit, error) {
	tok, err := d.dec.Token()
	if err != nil {
		return nil, invalid(err)
	}
	if tok == nil {
		return nil, nil
	}
	if tok != json.Delim('[') {
		return nil, fmt.Errorf("%w: records are not an array", ErrFindingsInvalid)
	}
	var recs []RecordHit
	for d.dec.More() {
		if len(recs) == MaxFindingsRecords {
			return nil, fmt.Errorf("%w: more than %d records", ErrFindingsTooLarge, MaxFindingsRecords)
		}
		var h RecordHit
		if err := d.dec.Decode(&h); err != nil {
			return nil, invalid(err)
		}
		if d.matches += len(h.Matches); d.matches > MaxFindingsMatches {
			return nil, fmt.Errorf("%w: more than %d matches", ErrFindingsTooLarge, MaxFindingsMatches)
		}
		recs = append(recs, h)
	}
	if _, err := d.dec.Token(); err != nil { // ']'
		return nil, invalid(err)
	}
	return recs, nil
}

// invalid wraps a decoding error. encoding/json's type errors name a Go
// type and a field path, never the value.
func invalid(err error) error {
	return fmt.Errorf("%w: %v", ErrFindingsInvalid, err)
}
