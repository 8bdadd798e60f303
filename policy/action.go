package policy

import (
	"fmt"
	"strconv"
)

// Action is what is done with a message. Actions are ordered by severity, so
// the larger of two actions is the more severe one.
type Action int

// The actions, least severe first.
const (
	// Pass forwards the message unchanged (apart from the relay's headers).
	Pass Action = iota
	// Flag forwards the message with headers marking what was found.
	Flag
	// Quarantine accepts the message and keeps it out of delivery for review.
	Quarantine
	// Reject refuses the message with a permanent SMTP error.
	Reject
)

var actionNames = [...]string{
	Pass:       "pass",
	Flag:       "flag",
	Quarantine: "quarantine",
	Reject:     "reject",
}

// Actions returns every action, least severe first, for example to
// pre-register metric label values.
func Actions() []Action {
	return []Action{Pass, Flag, Quarantine, Reject}
}

// String returns the action's configuration name: "pass", "flag",
// "quarantine" or "reject". An out-of-range action prints as "action(N)".
func (a Action) String() string {
	if a.valid() {
		return actionNames[a]
	}
	return "action(" + strconv.Itoa(int(a)) + ")"
}

func (a Action) valid() bool {
	return a >= Pass && a <= Reject
}

// ParseAction parses an action name as written in the configuration. It is
// the inverse of String and accepts only the exact lower-case names.
func ParseAction(s string) (Action, error) {
	for a, name := range actionNames {
		if s == name {
			return Action(a), nil
		}
	}
	return 0, fmt.Errorf("unknown action %q (want pass, flag, quarantine or reject)", s)
}

// MarshalText implements encoding.TextMarshaler, so actions appear by name in
// JSON and structured logs.
func (a Action) MarshalText() ([]byte, error) {
	if !a.valid() {
		return nil, fmt.Errorf("policy: invalid action %d", int(a))
	}
	return []byte(actionNames[a]), nil
}

// UnmarshalText implements encoding.TextUnmarshaler using ParseAction.
func (a *Action) UnmarshalText(text []byte) error {
	v, err := ParseAction(string(text))
	if err != nil {
		return err
	}
	*a = v
	return nil
}
