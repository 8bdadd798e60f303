package policy

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestActionNames(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a    Action
		name string
	}{
		{Pass, "pass"},
		{Flag, "flag"},
		{Quarantine, "quarantine"},
		{Reject, "reject"},
	}
	for _, tt := range tests {
		if got := tt.a.String(); got != tt.name {
			t.Errorf("Action(%d).String() = %q, want %q", int(tt.a), got, tt.name)
		}
		got, err := ParseAction(tt.name)
		if err != nil || got != tt.a {
			t.Errorf("ParseAction(%q) = %v, %v; want %v, nil", tt.name, got, err, tt.a)
		}
		b, err := json.Marshal(tt.a)
		if err != nil || string(b) != `"`+tt.name+`"` {
			t.Errorf("json.Marshal(%v) = %s, %v", tt.a, b, err)
		}
		var back Action
		if err := json.Unmarshal(b, &back); err != nil || back != tt.a {
			t.Errorf("json.Unmarshal(%s) = %v, %v", b, back, err)
		}
	}
	if got := Actions(); !slices.Equal(got, []Action{Pass, Flag, Quarantine, Reject}) {
		t.Errorf("Actions() = %v", got)
	}
	if !(Pass < Flag && Flag < Quarantine && Quarantine < Reject) {
		t.Error("actions are not ordered by severity")
	}
}

func TestParseActionRejects(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"", "Pass", "REJECT", " flag", "quarantine ", "drop", "action(1)"} {
		if a, err := ParseAction(s); err == nil {
			t.Errorf("ParseAction(%q) = %v, nil; want an error", s, a)
		}
	}
	if got := Action(7).String(); got != "action(7)" {
		t.Errorf("Action(7).String() = %q", got)
	}
	if _, err := Action(-1).MarshalText(); err == nil {
		t.Error("MarshalText of an invalid action succeeded")
	}
}

func TestReasons(t *testing.T) {
	t.Parallel()
	want := []Reason{ReasonNone, ReasonRecordsFlag, ReasonRecordsQuarantine, ReasonRecordsReject, ReasonUnscannable}
	got := Reasons()
	if !slices.Equal(got, want) {
		t.Fatalf("Reasons() = %v, want %v", got, want)
	}
	seen := map[Reason]bool{}
	for _, r := range got {
		if seen[r] {
			t.Errorf("duplicate reason %q", r)
		}
		seen[r] = true
		// Reasons are metric label values and header tokens.
		for _, c := range string(r) {
			if !(c >= 'a' && c <= 'z' || c == '_') {
				t.Errorf("reason %q has %q; want only [a-z_]", r, c)
			}
		}
	}
	got[0] = "mutated"
	if Reasons()[0] != ReasonNone {
		t.Error("Reasons returns shared storage")
	}
}

func TestNewValidates(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		cfg     Config
		wantErr string // "" means valid
	}{
		{"zero value", Config{}, ""},
		{"defaults", Config{Thresholds{1, 3, 0}, Quarantine, ""}, ""},
		{"all equal", Config{Thresholds{2, 2, 2}, Reject, "no"}, ""},
		{"ordered", Config{Thresholds{1, 2, 3}, Pass, ""}, ""},
		{"flag off", Config{Thresholds{0, 5, 1 << 30}, Flag, ""}, ""},
		{"quarantine off", Config{Thresholds{4, 0, 4}, Flag, ""}, ""},
		{"only reject", Config{Thresholds{0, 0, 1}, Flag, ""}, ""},
		{"tab allowed", Config{RejectMessage: "a\tb"}, ""},
		{"negative flag", Config{Thresholds: Thresholds{FlagAt: -1}}, "FlagAt is -1"},
		{"negative quarantine", Config{Thresholds: Thresholds{QuarantineAt: -2}}, "QuarantineAt is -2"},
		{"negative reject", Config{Thresholds: Thresholds{RejectAt: -3}}, "RejectAt is -3"},
		{"flag above quarantine", Config{Thresholds: Thresholds{3, 2, 0}}, "QuarantineAt (2) is below FlagAt (3)"},
		{"quarantine above reject", Config{Thresholds: Thresholds{1, 5, 4}}, "RejectAt (4) is below QuarantineAt (5)"},
		{"flag above reject, quarantine off", Config{Thresholds: Thresholds{5, 0, 4}}, "RejectAt (4) is below FlagAt (5)"},
		{"reject below both", Config{Thresholds: Thresholds{5, 3, 4}}, "RejectAt (4) is below FlagAt (5)"},
		{"unscannable out of range", Config{Unscannable: Reject + 1}, "Unscannable is action(4)"},
		{"unscannable negative", Config{Unscannable: -1}, "Unscannable is action(-1)"},
		{"reject message CRLF", Config{RejectMessage: "a\r\n550 b"}, "RejectMessage: byte 1"},
		{"reject message non-ASCII", Config{RejectMessage: "送信できません"}, "RejectMessage: byte 0"},
		{"reject message too long", Config{RejectMessage: strings.Repeat("x", 401)}, "401 bytes long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := New(tt.cfg)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				if p.Config().RejectMessage == "" {
					t.Error("RejectMessage not defaulted")
				}
				return
			}
			if err == nil {
				t.Fatalf("New succeeded; want error containing %q", tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("New error %q does not contain %q", err, tt.wantErr)
			}
		})
	}
}

func TestNewCollectsAllErrors(t *testing.T) {
	t.Parallel()
	_, err := New(Config{Thresholds: Thresholds{-1, 0, -1}, Unscannable: 9, RejectMessage: "\x00"})
	if err == nil {
		t.Fatal("New succeeded")
	}
	for _, want := range []string{"FlagAt is -1", "RejectAt is -1", "Unscannable is action(9)", "RejectMessage"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

func TestEvaluate(t *testing.T) {
	t.Parallel()
	const msg = "go away"
	unscannable := []string{"encrypted_archive"}
	two := []string{"encrypted_archive", "bad_charset"}

	tests := []struct {
		name        string
		th          Thresholds
		unscannable Action
		in          Input
		want        Verdict
	}{
		// All thresholds off.
		{"off, nothing", Thresholds{}, Pass, Input{}, Verdict{Pass, []Reason{ReasonNone}, 0, ""}},
		{"off, many records", Thresholds{}, Pass, Input{Records: 1000}, Verdict{Pass, []Reason{ReasonNone}, 1000, ""}},

		// Defaults: flag at 1, quarantine at 3, reject off.
		{"defaults 0", Thresholds{1, 3, 0}, Quarantine, Input{Records: 0}, Verdict{Pass, []Reason{ReasonNone}, 0, ""}},
		{"defaults 1 (flag boundary)", Thresholds{1, 3, 0}, Quarantine, Input{Records: 1}, Verdict{Flag, []Reason{ReasonRecordsFlag}, 1, ""}},
		{"defaults 2", Thresholds{1, 3, 0}, Quarantine, Input{Records: 2}, Verdict{Flag, []Reason{ReasonRecordsFlag}, 2, ""}},
		{"defaults 3 (quarantine boundary)", Thresholds{1, 3, 0}, Quarantine, Input{Records: 3}, Verdict{Quarantine, []Reason{ReasonRecordsQuarantine}, 3, ""}},
		{"defaults huge", Thresholds{1, 3, 0}, Quarantine, Input{Records: 1 << 40}, Verdict{Quarantine, []Reason{ReasonRecordsQuarantine}, 1 << 40, ""}},

		// All three on: boundaries on each side.
		{"all on, below flag", Thresholds{2, 5, 10}, Pass, Input{Records: 1}, Verdict{Pass, []Reason{ReasonNone}, 1, ""}},
		{"all on, at flag", Thresholds{2, 5, 10}, Pass, Input{Records: 2}, Verdict{Flag, []Reason{ReasonRecordsFlag}, 2, ""}},
		{"all on, below quarantine", Thresholds{2, 5, 10}, Pass, Input{Records: 4}, Verdict{Flag, []Reason{ReasonRecordsFlag}, 4, ""}},
		{"all on, at quarantine", Thresholds{2, 5, 10}, Pass, Input{Records: 5}, Verdict{Quarantine, []Reason{ReasonRecordsQuarantine}, 5, ""}},
		{"all on, below reject", Thresholds{2, 5, 10}, Pass, Input{Records: 9}, Verdict{Quarantine, []Reason{ReasonRecordsQuarantine}, 9, ""}},
		{"all on, at reject", Thresholds{2, 5, 10}, Pass, Input{Records: 10}, Verdict{Reject, []Reason{ReasonRecordsReject}, 10, msg}},
		{"all on, above reject", Thresholds{2, 5, 10}, Pass, Input{Records: 11}, Verdict{Reject, []Reason{ReasonRecordsReject}, 11, msg}},

		// Equal thresholds: the most severe wins.
		{"equal, below", Thresholds{3, 3, 3}, Pass, Input{Records: 2}, Verdict{Pass, []Reason{ReasonNone}, 2, ""}},
		{"equal, at", Thresholds{3, 3, 3}, Pass, Input{Records: 3}, Verdict{Reject, []Reason{ReasonRecordsReject}, 3, msg}},
		{"flag=quarantine", Thresholds{2, 2, 0}, Pass, Input{Records: 2}, Verdict{Quarantine, []Reason{ReasonRecordsQuarantine}, 2, ""}},

		// Tiers switched off one at a time.
		{"flag off, below quarantine", Thresholds{0, 3, 6}, Pass, Input{Records: 2}, Verdict{Pass, []Reason{ReasonNone}, 2, ""}},
		{"flag off, at quarantine", Thresholds{0, 3, 6}, Pass, Input{Records: 3}, Verdict{Quarantine, []Reason{ReasonRecordsQuarantine}, 3, ""}},
		{"quarantine off, between", Thresholds{1, 0, 6}, Pass, Input{Records: 5}, Verdict{Flag, []Reason{ReasonRecordsFlag}, 5, ""}},
		{"quarantine off, at reject", Thresholds{1, 0, 6}, Pass, Input{Records: 6}, Verdict{Reject, []Reason{ReasonRecordsReject}, 6, msg}},
		{"only reject, below", Thresholds{0, 0, 2}, Pass, Input{Records: 1}, Verdict{Pass, []Reason{ReasonNone}, 1, ""}},
		{"only reject, at", Thresholds{0, 0, 2}, Pass, Input{Records: 2}, Verdict{Reject, []Reason{ReasonRecordsReject}, 2, msg}},
		{"only flag, many", Thresholds{1, 0, 0}, Pass, Input{Records: 99}, Verdict{Flag, []Reason{ReasonRecordsFlag}, 99, ""}},

		// Negative counts are treated as zero.
		{"negative records", Thresholds{1, 3, 0}, Pass, Input{Records: -5}, Verdict{Pass, []Reason{ReasonNone}, 0, ""}},

		// Unscannable with each action and no records.
		{"unscannable pass", Thresholds{1, 3, 0}, Pass, Input{Unscannable: unscannable}, Verdict{Pass, []Reason{ReasonUnscannable}, 0, ""}},
		{"unscannable flag", Thresholds{1, 3, 0}, Flag, Input{Unscannable: unscannable}, Verdict{Flag, []Reason{ReasonUnscannable}, 0, ""}},
		{"unscannable quarantine", Thresholds{1, 3, 0}, Quarantine, Input{Unscannable: unscannable}, Verdict{Quarantine, []Reason{ReasonUnscannable}, 0, ""}},
		{"unscannable reject", Thresholds{1, 3, 0}, Reject, Input{Unscannable: unscannable}, Verdict{Reject, []Reason{ReasonUnscannable}, 0, msg}},
		{"two unscannable parts, one reason", Thresholds{}, Quarantine, Input{Unscannable: two}, Verdict{Quarantine, []Reason{ReasonUnscannable}, 0, ""}},
		{"empty unscannable slice", Thresholds{}, Reject, Input{Unscannable: []string{}}, Verdict{Pass, []Reason{ReasonNone}, 0, ""}},

		// Several reasons at once: the most severe action first.
		{"flag + unscannable quarantine", Thresholds{1, 3, 0}, Quarantine, Input{Records: 1, Unscannable: unscannable},
			Verdict{Quarantine, []Reason{ReasonUnscannable, ReasonRecordsFlag}, 1, ""}},
		{"flag + unscannable pass", Thresholds{1, 3, 0}, Pass, Input{Records: 1, Unscannable: unscannable},
			Verdict{Flag, []Reason{ReasonRecordsFlag, ReasonUnscannable}, 1, ""}},
		{"flag + unscannable flag (tie keeps order)", Thresholds{1, 3, 0}, Flag, Input{Records: 2, Unscannable: unscannable},
			Verdict{Flag, []Reason{ReasonRecordsFlag, ReasonUnscannable}, 2, ""}},
		{"quarantine + unscannable quarantine (tie)", Thresholds{1, 3, 0}, Quarantine, Input{Records: 3, Unscannable: two},
			Verdict{Quarantine, []Reason{ReasonRecordsQuarantine, ReasonUnscannable}, 3, ""}},
		{"quarantine + unscannable reject", Thresholds{1, 3, 0}, Reject, Input{Records: 4, Unscannable: unscannable},
			Verdict{Reject, []Reason{ReasonUnscannable, ReasonRecordsQuarantine}, 4, msg}},
		{"reject + unscannable flag", Thresholds{1, 3, 5}, Flag, Input{Records: 5, Unscannable: unscannable},
			Verdict{Reject, []Reason{ReasonRecordsReject, ReasonUnscannable}, 5, msg}},
		{"reject + unscannable reject", Thresholds{1, 3, 5}, Reject, Input{Records: 7, Unscannable: unscannable},
			Verdict{Reject, []Reason{ReasonRecordsReject, ReasonUnscannable}, 7, msg}},
		{"below flag + unscannable flag", Thresholds{2, 3, 5}, Flag, Input{Records: 1, Unscannable: unscannable},
			Verdict{Flag, []Reason{ReasonUnscannable}, 1, ""}},

		// The envelope does not change the verdict.
		{"envelope ignored", Thresholds{1, 3, 0}, Pass, Input{Records: 1, Sender: "a@example.com", Recipients: []string{"b@example.net"}},
			Verdict{Flag, []Reason{ReasonRecordsFlag}, 1, ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := New(Config{Thresholds: tt.th, Unscannable: tt.unscannable, RejectMessage: msg})
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			got := p.Evaluate(tt.in)
			if got.Action != tt.want.Action || !slices.Equal(got.Reasons, tt.want.Reasons) ||
				got.Records != tt.want.Records || got.Message != tt.want.Message {
				t.Errorf("Evaluate(%+v)\n got %+v\nwant %+v", tt.in, got, tt.want)
			}
		})
	}
}

func TestEvaluateDefaultRejectMessage(t *testing.T) {
	t.Parallel()
	p, err := New(Config{Thresholds: Thresholds{RejectAt: 1}})
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Evaluate(Input{Records: 1}).Message; got != DefaultRejectMessage {
		t.Errorf("Message = %q, want DefaultRejectMessage", got)
	}
}

// TestEvaluateInvariants checks every combination of small thresholds,
// record counts and unscannable actions against the rules in the package
// documentation, computed independently.
func TestEvaluateInvariants(t *testing.T) {
	t.Parallel()
	const limit = 5
	reasonAction := map[Reason]Action{
		ReasonNone: Pass, ReasonRecordsFlag: Flag, ReasonRecordsQuarantine: Quarantine, ReasonRecordsReject: Reject,
	}
	for f := 0; f <= limit; f++ {
		for q := 0; q <= limit; q++ {
			for r := 0; r <= limit; r++ {
				th := Thresholds{f, q, r}
				if th.Validate() != nil {
					continue
				}
				for _, ua := range Actions() {
					p, err := New(Config{Thresholds: th, Unscannable: ua})
					if err != nil {
						t.Fatalf("New(%+v): %v", th, err)
					}
					for n := 0; n <= limit+1; n++ {
						for _, unsc := range [][]string{nil, {"x"}} {
							v := p.Evaluate(Input{Records: n, Unscannable: unsc})
							check(t, th, ua, n, unsc != nil, v, reasonAction)
						}
					}
				}
			}
		}
	}
}

func check(t *testing.T, th Thresholds, ua Action, n int, unsc bool, v Verdict, reasonAction map[Reason]Action) {
	t.Helper()
	ctx := func() string {
		return fmt.Sprintf("thresholds %+v, unscannable action %v, records %d, unscannable content %v", th, ua, n, unsc)
	}
	// Expected action: max over the enabled thresholds reached and, if
	// something was unscannable, the unscannable action.
	want := Pass
	if th.FlagAt > 0 && n >= th.FlagAt {
		want = max(want, Flag)
	}
	if th.QuarantineAt > 0 && n >= th.QuarantineAt {
		want = max(want, Quarantine)
	}
	if th.RejectAt > 0 && n >= th.RejectAt {
		want = max(want, Reject)
	}
	if unsc {
		want = max(want, ua)
	}
	if v.Action != want {
		t.Fatalf("%s: action %v, want %v", ctx(), v.Action, want)
	}
	if len(v.Reasons) == 0 {
		t.Fatalf("%s: no reasons", ctx())
	}
	if (v.Message != "") != (v.Action == Reject) {
		t.Fatalf("%s: message %q with action %v", ctx(), v.Message, v.Action)
	}
	if slices.Contains(v.Reasons, ReasonUnscannable) != unsc {
		t.Fatalf("%s: reasons %v, unscannable %v", ctx(), v.Reasons, unsc)
	}
	records := 0
	first := Action(-1)
	prev := Reject + 1
	for _, r := range v.Reasons {
		a, ok := reasonAction[r]
		if r == ReasonUnscannable {
			a, ok = ua, true
		}
		if !ok {
			t.Fatalf("%s: unknown reason %q", ctx(), r)
		}
		if a > prev {
			t.Fatalf("%s: reasons %v not most severe first", ctx(), v.Reasons)
		}
		prev = a
		if first < 0 {
			first = a
		}
		if r != ReasonNone && r != ReasonUnscannable {
			records++
		}
	}
	if first != v.Action {
		t.Fatalf("%s: Reasons[0] %q does not decide action %v", ctx(), v.Reasons[0], v.Action)
	}
	if records > 1 {
		t.Fatalf("%s: more than one records reason: %v", ctx(), v.Reasons)
	}
	if slices.Contains(v.Reasons, ReasonNone) && len(v.Reasons) != 1 {
		t.Fatalf("%s: none with other reasons: %v", ctx(), v.Reasons)
	}
}
