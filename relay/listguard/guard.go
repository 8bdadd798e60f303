package listguard

import (
	"time"

	"github.com/dlprelay/dlprelay/relay/config"
)

// Guard checks the lists one relay (or one command) loads against the
// state in Dir, data_dir. It keeps nothing between calls: every Check reads
// the state file again. It is not safe for concurrent use by several
// goroutines; the relay checks one reload at a time.
type Guard struct {
	Dir string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Decision is a list that passed Check, and what it was judged against;
// Commit records it.
type Decision struct {
	List List
	// Prior is the accepted list it was checked against; nil when there
	// was none (a first load) or the check was off and the state
	// unreadable.
	Prior *Accepted
}

// FirstLoad says no list was accepted before this one.
func (d Decision) FirstLoad() bool { return d.Prior == nil }

// Same says the list is the accepted one (same bytes).
func (d Decision) Same() bool {
	return d.Prior != nil && d.Prior.SHA256 == d.List.Sum() && d.Prior.Records == d.List.Records
}

// Check reads the state and checks l against it (see the package function
// Check). A list that passes returns the Decision to Commit once it is
// ready to serve; one that does not returns a *Refusal. An unreadable state
// file refuses l (ReasonState), unless maxDrop is 100%: then no drop is
// refused and the state is not needed.
func (g *Guard) Check(l List, maxDrop config.Percent) (Decision, error) {
	if err := CheckEmpty(l); err != nil {
		return Decision{}, err
	}
	acc, err := Read(g.Dir)
	if err != nil {
		if maxDrop >= config.Percent100 {
			return Decision{List: l}, nil
		}
		return Decision{}, &Refusal{Reason: ReasonState, List: l, MaxDrop: maxDrop, Path: Path(g.Dir), Err: err}
	}
	if err := Check(l, acc, maxDrop); err != nil {
		return Decision{}, err
	}
	return Decision{List: l, Prior: acc}, nil
}

// Commit records d's list as the accepted one, how (HowFirstLoad replaces
// how when nothing was accepted before), and returns the state now in
// force. A list that is already the accepted one is not written again, so
// its record of how and by whom stays. Call it before the list goes into
// service: a list whose acceptance is not durable must not serve, or the
// next check would be judged against an older list.
func (g *Guard) Commit(d Decision, how How) (Accepted, error) {
	if d.Same() {
		return *d.Prior, nil
	}
	if d.FirstLoad() {
		how = HowFirstLoad
	}
	a := g.accepted(d.List, how, "")
	if err := Write(g.Dir, a); err != nil {
		return Accepted{}, err
	}
	return a, nil
}

// Accept records l as accepted by an operator (by: the OS user), whatever
// its drop against the state, which may be unreadable. A list without
// records is refused (ErrEmpty): no one can accept it.
func (g *Guard) Accept(l List, by string) (Accepted, error) {
	if err := CheckEmpty(l); err != nil {
		return Accepted{}, err
	}
	a := g.accepted(l, HowOperator, by)
	if err := Write(g.Dir, a); err != nil {
		return Accepted{}, err
	}
	return a, nil
}

func (g *Guard) accepted(l List, how How, by string) Accepted {
	now := time.Now
	if g.Now != nil {
		now = g.Now
	}
	file := l.File
	if len(file) > MaxFileBytes || !oneLine(file) {
		file = printable(file, MaxFileBytes)
	}
	if len(by) > MaxByBytes || !oneLine(by) {
		by = printable(by, MaxByBytes)
	}
	return Accepted{Records: l.Records, SHA256: l.Sum(), File: file, At: now().UTC(), How: how, By: by}
}
