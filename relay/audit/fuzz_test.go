package audit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"testing"
	"time"
)

// FuzzAppend appends arbitrary strings, each followed by an ordinary
// entry, to one log per fuzzing process. Either Append rejects them
// (ErrInvalid, and nothing is written) or they are stored and read back
// exactly; either way the whole chain still verifies, the entry after
// links to them, and both export formats parse back to the same record.
func FuzzAppend(f *testing.F) {
	f.Add("alice", "reveal", "q-1", "customer asked", "field", "phone", "192.0.2.1")
	f.Add("system", "config_reload", "", "", "", "", "")
	f.Add("a\tb", "x", "受信箱", "line\r\nline\u2028\rend", "k", "v\r\n", "[::1]:1")
	f.Add("a\nb", "login", "t", "j", "k", "v", "r")
	f.Add("\xff", "login", "t", "j", "k", "v", "r")
	f.Add("bob", "note", "t", "<script>&amp;\"'\\", "\"k\"", "\x00", "r")
	f.Add("=cmd|' /C calc'!A0", "login", ",\"", "-1+1", "@", "+", "r")

	ctx := context.Background()
	// A log per process, not per input: opening one costs more than
	// the rest of an input, and a long chain is the better test. Without
	// fsyncs, which are no part of what is fuzzed.
	s, err := open(filepath.Join(f.TempDir(), "audit.db"), "OFF")
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { s.Close() })
	s.now = clock()
	n := 0
	f.Fuzz(func(t *testing.T, actor, action, target, justification, key, value, remote string) {
		e := Event{Actor: actor, Action: Action(action), Target: target, Justification: justification, Remote: remote}
		if key != "" || value != "" {
			e.Detail = map[string]string{key: value}
		}
		rec, err := s.Append(ctx, e)
		stored := err == nil
		if err != nil && !errors.Is(err, ErrInvalid) {
			t.Fatalf("Append: %v, want ErrInvalid or success", err)
		}
		if stored {
			n++
		}
		next, err := s.Append(ctx, ev(n))
		if err != nil {
			t.Fatal(err)
		}
		n++
		if got, err := s.Verify(ctx); err != nil || got != n {
			t.Fatalf("Verify = %d, %v; want %d", got, err, n)
		}
		if !stored {
			return
		}
		if next.PrevHash != rec.Hash {
			t.Fatal("the next entry does not link to the fuzzed one")
		}
		// Exactly this record: the clock gives each a distinct time.
		q := Query{From: rec.Time, To: rec.Time.Add(time.Nanosecond)}
		got, _, err := s.List(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		want := []Record{rec}
		checkRecords(t, got, want)
		var b bytes.Buffer
		if err := s.Export(ctx, q, FormatJSON, &b); err != nil {
			t.Fatal(err)
		}
		var back []Record
		if err := json.Unmarshal(b.Bytes(), &back); err != nil {
			t.Fatalf("JSON export does not parse: %v", err)
		}
		checkRecords(t, back, want)
		b.Reset()
		if err := s.Export(ctx, q, FormatCSV, &b); err != nil {
			t.Fatal(err)
		}
		checkRecords(t, parseCSV(t, &b), want)
	})
}
