package detect

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/dlprelay/dlprelay/detect/customers"
)

// sampleHits are two records as Scan reports them.
var sampleHits = []RecordHit{
	{ID: "C001", Fields: []customers.Field{customers.FieldEmail, customers.FieldName}, Parts: []string{"1.header", "1.1"},
		Matches: []Match{
			{Field: customers.FieldName, Part: "1.header", Start: 0, End: 13},
			{Field: customers.FieldEmail, Part: "1.1", Start: 40, End: 62},
		}, MoreMatches: 3, Closest: -1},
	{ID: "C002", Fields: []customers.Field{customers.FieldPhone}, Parts: []string{"1.2"},
		Matches: []Match{{Field: customers.FieldPhone, Part: "1.2", Start: 7, End: 20}}, Closest: -1},
}

// sampleHitsJSON is sampleHits as json.Marshal writes them: the bare array
// the relay stored before findings had a version.
const sampleHitsJSON = `[{"id":"C001","fields":["email","name"],"parts":["1.header","1.1"],"matches":[` +
	`{"field":"name","part":"1.header","start":0,"end":13},{"field":"email","part":"1.1","start":40,"end":62}],` +
	`"more_matches":3,"closest":-1},` +
	`{"id":"C002","fields":["phone"],"parts":["1.2"],"matches":[{"field":"phone","part":"1.2","start":7,"end":20}],"closest":-1}]`

// TestEncodeFindings pins the stored form: a change to it is a change of
// FindingsSchema, which DecodeFindings must go on reading.
func TestEncodeFindings(t *testing.T) {
	t.Parallel()
	if ExtractorVersion <= ExtractorUnversioned {
		t.Fatalf("ExtractorVersion %d is not after the unversioned findings (%d)", ExtractorVersion, ExtractorUnversioned)
	}
	got, err := EncodeFindings(NewFindings(&Result{Records: sampleHits}))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"schema":1,"extractor":2,"records":` + sampleHitsJSON + `}`
	if ExtractorVersion != 2 {
		want = strings.Replace(want, `"extractor":2`, `"extractor":`+jsonInt(ExtractorVersion), 1)
	}
	if string(got) != want {
		t.Errorf("encoded\n got %s\nwant %s", got, want)
	}
	for _, res := range []*Result{nil, {}} {
		got, err := EncodeFindings(NewFindings(res))
		if err != nil || !bytes.HasSuffix(got, []byte(`,"records":[]}`)) {
			t.Errorf("no records: %s, %v", got, err)
		}
	}
	for _, f := range []Findings{{}, {Schema: FindingsSchema}, {Schema: FindingsSchema + 1, Extractor: ExtractorVersion}, {Extractor: ExtractorVersion}} {
		if _, err := EncodeFindings(f); !errors.Is(err, ErrFindingsInvalid) {
			t.Errorf("EncodeFindings(%+v) = %v, want ErrFindingsInvalid", f, err)
		}
	}
}

func jsonInt(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func TestDecodeFindings(t *testing.T) {
	t.Parallel()
	current, err := EncodeFindings(NewFindings(&Result{Records: sampleHits}))
	if err != nil {
		t.Fatal(err)
	}
	result, err := json.Marshal(Result{Records: sampleHits, Parts: []Part{{Path: "1"}},
		Contacts: []Contact{{Kind: ContactEmail, Value: "someone@example.com", Part: "1"}}, BytesScanned: 99})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		raw  string
		want Findings
		err  error
	}{
		{"current", string(current), Findings{Schema: 1, Extractor: ExtractorVersion, Records: sampleHits}, nil},
		{"bare array (stored before versions)", sampleHitsJSON, Findings{Extractor: 1, Records: sampleHits}, nil},
		{"whole Result", string(result), Findings{Extractor: 1, Records: sampleHits}, nil},
		{"spaces around", "\n " + sampleHitsJSON + "\r\n", Findings{Extractor: 1, Records: sampleHits}, nil},
		{"empty array", `[]`, Findings{Extractor: 1}, nil},
		{"Result without records", `{"records":null,"parts":[]}`, Findings{Extractor: 1}, nil},
		{"older extractor", `{"schema":1,"extractor":1,"records":[]}`, Findings{Schema: 1, Extractor: 1}, nil},
		{"newer extractor (a rollback)", `{"schema":1,"extractor":99,"records":[]}`, Findings{Schema: 1, Extractor: 99}, nil},
		{"keys in another order, one unknown", `{"records":[{"id":"C9"}],"note":{"x":[1]},"extractor":2,"schema":1}`,
			Findings{Schema: 1, Extractor: 2, Records: []RecordHit{{ID: "C9"}}}, nil},
		{"nothing", ``, Findings{}, nil},
		{"null", ` null `, Findings{}, nil},

		{"not JSON", `[{`, Findings{}, ErrFindingsInvalid},
		{"trailing data", `[] []`, Findings{}, ErrFindingsInvalid},
		{"a string", `"C001"`, Findings{}, ErrFindingsInvalid},
		{"a number", `2`, Findings{}, ErrFindingsInvalid},
		{"an element not an object", `[1]`, Findings{}, ErrFindingsInvalid},
		{"a field of the wrong type", `[{"id":"C1","matches":[{"start":"0"}]}]`, Findings{}, ErrFindingsInvalid},
		{"object without records", `{"schema":1,"extractor":2}`, Findings{}, ErrFindingsInvalid},
		{"records not an array", `{"schema":1,"extractor":2,"records":{}}`, Findings{}, ErrFindingsInvalid},
		{"extractor without schema", `{"extractor":2,"records":[]}`, Findings{}, ErrFindingsInvalid},
		{"schema without extractor", `{"schema":1,"records":[]}`, Findings{}, ErrFindingsInvalid},
		{"extractor 0", `{"schema":1,"extractor":0,"records":[]}`, Findings{}, ErrFindingsInvalid},
		{"extractor null", `{"schema":1,"extractor":null,"records":[]}`, Findings{}, ErrFindingsInvalid},
		{"schema 0", `{"schema":0,"extractor":2,"records":[]}`, Findings{}, ErrFindingsInvalid},
		{"schema not a number", `{"schema":"1","extractor":2,"records":[]}`, Findings{}, ErrFindingsInvalid},
		{"extractor a fraction", `{"schema":1,"extractor":2.5,"records":[]}`, Findings{}, ErrFindingsInvalid},
		{"a repeated key", `{"schema":1,"extractor":2,"extractor":1,"records":[]}`, Findings{}, ErrFindingsInvalid},
		{"newer schema", `{"schema":2,"extractor":2,"records":[]}`, Findings{}, ErrFindingsSchema},
		{"too many bytes", `[` + strings.Repeat(" ", MaxFindingsBytes) + `]`, Findings{}, ErrFindingsTooLarge},
		{"too many records", `[` + strings.Repeat(`{},`, MaxFindingsRecords) + `{}]`, Findings{}, ErrFindingsTooLarge},
		{"too many matches", `[{"matches":[` + strings.Repeat(`{},`, MaxFindingsMatches/2) + `{}]},{"matches":[` +
			strings.Repeat(`{},`, MaxFindingsMatches/2) + `{}]}]`, Findings{}, ErrFindingsTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := DecodeFindings([]byte(tt.raw))
			if !errors.Is(err, tt.err) || tt.err == nil && err != nil {
				t.Fatalf("error %v, want %v", err, tt.err)
			}
			if err != nil {
				if !reflect.DeepEqual(got, Findings{}) {
					t.Errorf("findings %+v with an error", got)
				}
				return
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

// TestDecodeFindingsAtTheBounds: the counts are inclusive, and an input of
// MaxFindingsBytes is read.
func TestDecodeFindingsAtTheBounds(t *testing.T) {
	t.Parallel()
	raw := `[` + strings.Repeat(`{},`, MaxFindingsRecords-1) + `{}]`
	if f, err := DecodeFindings([]byte(raw)); err != nil || len(f.Records) != MaxFindingsRecords {
		t.Errorf("%d records: %d, %v", MaxFindingsRecords, len(f.Records), err)
	}
	raw = `[{"matches":[` + strings.Repeat(`{},`, MaxFindingsMatches-1) + `{}]}]`
	if f, err := DecodeFindings([]byte(raw)); err != nil || len(f.Records[0].Matches) != MaxFindingsMatches {
		t.Errorf("%d matches: %v", MaxFindingsMatches, err)
	}
	raw = `[` + strings.Repeat(" ", MaxFindingsBytes-4) + `{}]`
	if f, err := DecodeFindings([]byte(raw)); len(raw) != MaxFindingsBytes || err != nil || len(f.Records) != 1 {
		t.Errorf("%d bytes: %v", len(raw), err)
	}
}

// TestFindingsCurrent: only the findings of this extractor are current;
// both legacy forms are not.
func TestFindingsCurrent(t *testing.T) {
	t.Parallel()
	enc, _ := EncodeFindings(NewFindings(&Result{Records: sampleHits}))
	for _, tt := range []struct {
		raw  string
		want bool
	}{
		{string(enc), true},
		{sampleHitsJSON, false},
		{`{"records":[]}`, false},
		{`{"schema":1,"extractor":1,"records":[]}`, false},
		{`{"schema":1,"extractor":` + jsonInt(ExtractorVersion+1) + `,"records":[]}`, false},
		{``, false},
	} {
		f, err := DecodeFindings([]byte(tt.raw))
		if err != nil || f.Current() != tt.want {
			t.Errorf("%.60s: current %v, %v; want %v", tt.raw, f.Current(), err, tt.want)
		}
	}
}

// FuzzDecodeFindings feeds arbitrary bytes to DecodeFindings. Besides not
// crashing: an error is one of the three sentinels with no findings; the
// counts are within the bounds; a legacy form says so (Schema 0, Extractor
// 1); and what decodes, once encoded again, decodes to the same findings.
// Seeds: the forms above plus testdata/fuzz/FuzzDecodeFindings.
func FuzzDecodeFindings(f *testing.F) {
	enc, _ := EncodeFindings(NewFindings(&Result{Records: sampleHits}))
	for _, s := range []string{string(enc), sampleHitsJSON, `{"records":[],"parts":[{"path":"1"}]}`, `[]`, `null`, `{"schema":2,"extractor":2,"records":[]}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		got, err := DecodeFindings(raw)
		if err != nil {
			if !errors.Is(err, ErrFindingsInvalid) && !errors.Is(err, ErrFindingsSchema) && !errors.Is(err, ErrFindingsTooLarge) {
				t.Fatalf("error %v is no sentinel", err)
			}
			if !reflect.DeepEqual(got, Findings{}) {
				t.Fatalf("findings %+v with error %v", got, err)
			}
			return
		}
		matches := 0
		for _, h := range got.Records {
			matches += len(h.Matches)
		}
		if len(got.Records) > MaxFindingsRecords || matches > MaxFindingsMatches {
			t.Fatalf("%d records, %d matches", len(got.Records), matches)
		}
		switch {
		case got.Schema == 0 && got.Extractor == 0: // nothing stored
			if len(got.Records) != 0 {
				t.Fatalf("records without a version: %+v", got)
			}
			return
		case got.Schema == 0 && got.Extractor != ExtractorUnversioned:
			t.Fatalf("legacy form with extractor %d", got.Extractor)
		case got.Schema < 0 || got.Schema > FindingsSchema || got.Extractor < 1:
			t.Fatalf("schema %d, extractor %d", got.Schema, got.Extractor)
		}
		again := got
		again.Schema = FindingsSchema
		b, err := EncodeFindings(again)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		back, err := DecodeFindings(b)
		if err != nil {
			t.Fatalf("decode of re-encoded %s: %v", b, err)
		}
		if !reflect.DeepEqual(normal(back), normal(again)) {
			t.Fatalf("round trip changed the findings:\n got %+v\nwant %+v", back, again)
		}
	})
}

// normal makes nil and empty slices alike, as JSON does.
func normal(f Findings) Findings {
	b, _ := json.Marshal(f)
	var out Findings
	json.Unmarshal(b, &out)
	return out
}
