package quarantine

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/dlprelay/dlprelay/detect"
	"github.com/dlprelay/dlprelay/detect/customers"
)

// hits returns n records of about 150 bytes of JSON each.
func hits(n int) []detect.RecordHit {
	out := make([]detect.RecordHit, n)
	for i := range out {
		out[i] = detect.RecordHit{ID: fmt.Sprintf("C%05d", i), Fields: []customers.Field{customers.FieldName},
			Parts: []string{"1.2"}, Matches: []detect.Match{{Field: customers.FieldName, Part: "1.2", Start: int64(i), End: int64(i + 6)}},
			Closest: -1}
	}
	return out
}

func encode(t *testing.T, f detect.Findings) json.RawMessage {
	t.Helper()
	b, err := detect.EncodeFindings(f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestMaxFindingsIsWhatDetectReads(t *testing.T) {
	t.Parallel()
	if MaxFindings != detect.MaxFindingsBytes {
		t.Fatalf("MaxFindings %d, detect.MaxFindingsBytes %d: a stored row could be unreadable", MaxFindings, detect.MaxFindingsBytes)
	}
}

// TestBoundFindings: findings over the bound keep whole records, a prefix
// of them, and the rest of the object they are in. The bound is small
// here; TestFindingsThroughTheStore runs MaxFindings itself.
func TestBoundFindings(t *testing.T) {
	t.Parallel()
	const max = 4 << 10
	many := hits(100) // about 12 KB
	current := encode(t, detect.NewFindings(&detect.Result{Records: many}))
	older := encode(t, detect.Findings{Schema: 1, Extractor: 1, Records: many})
	bare, _ := json.Marshal(many)
	result, _ := json.Marshal(detect.Result{Records: many, BytesScanned: 7})
	small := encode(t, detect.NewFindings(&detect.Result{Records: many[:3]}))
	tests := []struct {
		name   string
		in     json.RawMessage
		schema int
		extr   int
	}{
		{"current object", current, 1, detect.ExtractorVersion},
		{"object of an older extractor", older, 1, 1},
		{"bare array", bare, 0, 1},
		{"Result object", result, 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if len(tt.in) <= max {
				t.Fatalf("input of %d bytes is not over the bound", len(tt.in))
			}
			out, err := boundFindingsTo(tt.in, max)
			if err != nil || len(out) > max || len(out) < max-200 {
				t.Fatalf("%d bytes out, %v", len(out), err)
			}
			f, err := detect.DecodeFindings(out)
			if err != nil {
				t.Fatalf("cut findings do not decode: %v", err)
			}
			if f.Schema != tt.schema || f.Extractor != tt.extr || len(f.Records) == 0 || len(f.Records) >= len(many) ||
				!reflect.DeepEqual(f.Records, many[:len(f.Records)]) {
				t.Errorf("schema %d, extractor %d, %d of %d records", f.Schema, f.Extractor, len(f.Records), len(many))
			}
		})
	}
	if out, err := boundFindingsTo(small, max); err != nil || !bytes.Equal(out, small) {
		t.Errorf("findings within the bound changed: %s, %v", out, err)
	}
	// The other members of the object stay as they were.
	out, _ := boundFindingsTo(result, max)
	var m map[string]json.RawMessage
	if err := json.Unmarshal(out, &m); err != nil || string(m["bytes_scanned"]) != "7" || string(m["parts"]) != "null" {
		t.Errorf("Result members after the cut: %v %v", m["bytes_scanned"], err)
	}
	// What cannot be cut to fit is dropped, never refused.
	pad := strings.Repeat("y", max)
	for name, in := range map[string]string{
		"no records":               `{"schema":1,"extractor":2,"x":"` + pad + `"}`,
		"records not an array":     `{"schema":1,"extractor":2,"records":{"x":"` + pad + `"}}`,
		"records null":             `{"schema":1,"extractor":2,"records":null,"x":"` + pad + `"}`,
		"other members too large":  `{"schema":1,"extractor":2,"pad":"` + pad + `","records":[]}`,
		"a string":                 `"` + pad + `"`,
		"one record over the size": `{"schema":1,"extractor":2,"records":[{"id":"` + pad + `"}]}`,
	} {
		out, err := boundFindingsTo(json.RawMessage(in), max)
		if err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if name == "one record over the size" {
			if f, err := detect.DecodeFindings(out); err != nil || len(f.Records) != 0 || f.Extractor != 2 {
				t.Errorf("%s: %s, %v", name, out, err)
			}
		} else if out != nil {
			t.Errorf("%s: %d bytes kept", name, len(out))
		}
	}
	if _, err := boundFindingsTo(json.RawMessage(`{"records":[`), max); err == nil {
		t.Error("findings that are not JSON accepted")
	}
}

// TestFindingsThroughTheStore: versioned findings go in and come out as
// given; over MaxFindings, they are cut to whole records, keep their
// version and withhold the Subject.
func TestFindingsThroughTheStore(t *testing.T) {
	t.Parallel()
	ts := openTest(t)
	e := sample(1)
	e.ID = "versioned"
	e.Findings = encode(t, detect.NewFindings(&detect.Result{Records: hits(2)}))
	e.RecordIDs, e.Records = []string{"C00000", "C00001"}, 2
	got := ts.put(t, e, "x")
	back, err := ts.Get(context.Background(), got.ID)
	if err != nil || !bytes.Equal(back.Findings, e.Findings) || back.SubjectWithheld {
		t.Fatalf("Get: %v, findings %s, withheld %v", err, back.Findings, back.SubjectWithheld)
	}
	f, err := detect.DecodeFindings(back.Findings)
	if err != nil || !f.Current() || len(f.Records) != 2 {
		t.Errorf("decoded: %+v, %v", f, err)
	}

	e = sample(2)
	e.ID = "versioned-big"
	many := hits(10000)
	e.Findings = encode(t, detect.NewFindings(&detect.Result{Records: many}))
	e.Records, e.RecordIDs = len(many), nil
	for _, h := range many {
		e.RecordIDs = append(e.RecordIDs, h.ID)
	}
	got = ts.put(t, e, "x")
	f, err = detect.DecodeFindings(got.Findings)
	if err != nil || !f.Current() || len(f.Records) >= len(many) || !got.SubjectWithheld {
		t.Errorf("cut: %d of %d records, current %v, withheld %v, %v", len(f.Records), len(many), f.Current(), got.SubjectWithheld, err)
	}
}

// TestOldFindingsRows: rows written before findings had a version (a bare
// array of records, or a whole Result object) read back as extractor 1
// through the shared decoder, and the Subject of a header match stays
// withheld.
func TestOldFindingsRows(t *testing.T) {
	t.Parallel()
	ts := openTest(t)
	ctx := context.Background()
	old := hits(2)
	old[1].Parts = []string{"1.header"}
	bare, _ := json.Marshal(old)
	result, _ := json.Marshal(detect.Result{Records: old, Parts: []detect.Part{{Path: "1"}}})
	rows := map[string]string{"old-array": string(bare), "old-result": string(result)}
	for id := range rows {
		e := sample(1)
		e.ID = id
		e.RecordIDs, e.Records = []string{"C00000", "C00001"}, 2
		e.Findings = encode(t, detect.NewFindings(nil)) // replaced below, as an older relay wrote it
		ts.put(t, e, "x")
	}
	for id, raw := range rows {
		// What an older relay left in the database, written by hand:
		// the findings as it stored them and the Subject it withheld.
		if _, err := ts.w.Exec("UPDATE entries SET findings = ?, subject_withheld = 1 WHERE id = ?", raw, id); err != nil {
			t.Fatal(err)
		}
	}
	ts.reopen(t)
	for id, raw := range rows {
		e, err := ts.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if string(e.Findings) != raw || !e.SubjectWithheld {
			t.Errorf("%s: findings %s, withheld %v", id, e.Findings, e.SubjectWithheld)
		}
		f, err := detect.DecodeFindings(e.Findings)
		if err != nil || f.Extractor != detect.ExtractorUnversioned || f.Current() || !reflect.DeepEqual(f.Records, old) {
			t.Errorf("%s: decoded %+v, %v", id, f, err)
		}
		// Put of the same findings again (an import) decides the
		// Subject from them: a record in a header withholds it.
		if !subjectWithheld(e) {
			t.Errorf("%s: the Subject of a header match is not withheld", id)
		}
	}
}

// FuzzBoundFindings cuts arbitrary input to a bound of its own length:
// input that is not JSON is refused; what comes out is nil or JSON within
// the bound, the input itself when it fits; and cut findings that
// detect.DecodeFindings read keep their schema, extractor and a prefix of
// their records. Seeds: the forms below plus testdata/fuzz/FuzzBoundFindings.
func FuzzBoundFindings(f *testing.F) {
	current, _ := detect.EncodeFindings(detect.NewFindings(&detect.Result{Records: hits(3)}))
	bare, _ := json.Marshal(hits(3))
	result, _ := json.Marshal(detect.Result{Records: hits(2), BytesScanned: 9})
	for _, s := range [][]byte{current, bare, result, []byte(`{"x":"yyyyyyyy"}`), []byte(`"abc"`), []byte(`[{`)} {
		f.Add(s, uint16(len(s)/2))
	}
	f.Fuzz(func(t *testing.T, in []byte, bound uint16) {
		max := int(bound)
		out, err := boundFindingsTo(in, max)
		if err != nil {
			if json.Valid(in) {
				t.Fatalf("valid JSON refused: %v", err)
			}
			return
		}
		if len(bytes.TrimSpace(in)) > 0 && !json.Valid(in) {
			t.Fatalf("invalid JSON accepted")
		}
		if out == nil {
			return
		}
		if !json.Valid(out) {
			t.Fatalf("output is not JSON: %q", out)
		}
		if len(in) <= max {
			if !bytes.Equal(out, in) {
				t.Fatalf("input within the bound changed")
			}
			return
		}
		if len(out) > max {
			t.Fatalf("%d bytes out, bound %d", len(out), max)
		}
		was, err := detect.DecodeFindings(in)
		if err != nil {
			return
		}
		now, err := detect.DecodeFindings(out)
		if err != nil {
			t.Fatalf("cut findings do not decode: %v\nin  %q\nout %q", err, in, out)
		}
		if now.Schema != was.Schema || now.Extractor != was.Extractor || len(now.Records) > len(was.Records) ||
			len(now.Records) > 0 && !reflect.DeepEqual(now.Records, was.Records[:len(now.Records)]) {
			t.Fatalf("cut changed the findings:\n was %+v\n now %+v", was, now)
		}
	})
}
