package console

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/dlprelay/dlprelay/relay/audit"
	"github.com/dlprelay/dlprelay/relay/quarantine"
	"github.com/dlprelay/dlprelay/relay/users"
)

// In-memory doubles of the store, the audit log and the directory, enough
// of each contract for the console's tests; the SQLite implementations
// have their own tests.

type memStore struct {
	mu      sync.Mutex
	entries map[string]*quarantine.Entry
	msgs    map[string][]byte
	filters []quarantine.Filter // every List call's filter
	seq     int
	now     func() time.Time
	policy  quarantine.ReleasePolicy
}

// newMemStore is a store whose relay recorded no four-eyes; setFourEyes
// changes that.
func newMemStore(now func() time.Time) *memStore {
	return &memStore{entries: map[string]*quarantine.Entry{}, msgs: map[string][]byte{}, now: now,
		policy: quarantine.ReleasePolicy{Source: "test", SetAt: now()}}
}

// setFourEyes records the policy as the relay would.
func (s *memStore) setFourEyes(on bool) {
	if err := s.SetReleasePolicy(context.Background(), quarantine.ReleasePolicy{FourEyes: on, Source: "test"}); err != nil {
		panic(err)
	}
}

func (s *memStore) ReleasePolicy(context.Context) (quarantine.ReleasePolicy, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.policy, nil
}

func (s *memStore) SetReleasePolicy(_ context.Context, p quarantine.ReleasePolicy) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	p.SetAt = s.now()
	s.policy = p
	return nil
}

func cloneEntry(e *quarantine.Entry) quarantine.Entry {
	c := *e
	c.Recipients = slices.Clone(e.Recipients)
	c.Notes = slices.Clone(e.Notes)
	c.Releases = slices.Clone(e.Releases)
	return c
}

func (s *memStore) Put(e quarantine.Entry, msg io.Reader) (quarantine.Entry, error) {
	b, err := io.ReadAll(msg)
	if err != nil {
		return quarantine.Entry{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if e.ID == "" {
		s.seq++
		e.ID = fmt.Sprintf("q%04d", s.seq)
	}
	if e.Received.IsZero() {
		e.Received = s.now()
	}
	if e.Status == "" {
		e.Status = quarantine.StatusHeld
	}
	if e.ExpiresAt.IsZero() {
		e.ExpiresAt = e.Received.Add(30 * 24 * time.Hour)
	}
	e.Size = int64(len(b))
	s.entries[e.ID] = &e
	s.msgs[e.ID] = b
	return e, nil
}

func (s *memStore) get(id string) (*quarantine.Entry, error) {
	e, ok := s.entries[id]
	if !ok {
		return nil, fmt.Errorf("mem: %s: %w", id, quarantine.ErrNotFound)
	}
	return e, nil
}

func (s *memStore) Get(ctx context.Context, id string) (quarantine.Entry, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, err := s.get(id)
	if err != nil {
		return quarantine.Entry{}, err
	}
	return cloneEntry(e), nil
}

func (s *memStore) List(ctx context.Context, f quarantine.Filter) (quarantine.Page, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.filters = append(s.filters, f)
	var all []quarantine.Entry
	for _, e := range s.entries {
		if f.Sender != "" && !strings.Contains(strings.ToLower(e.Sender), strings.ToLower(f.Sender)) {
			continue
		}
		if len(f.Statuses) > 0 && !slices.Contains(f.Statuses, e.Status) {
			continue
		}
		if e.Records < f.MinRecords {
			continue
		}
		all = append(all, cloneEntry(e))
	}
	slices.SortFunc(all, func(a, b quarantine.Entry) int { return strings.Compare(a.ID, b.ID) })
	if f.Desc {
		slices.Reverse(all)
	}
	p := quarantine.Page{Total: len(all)}
	limit := f.Limit
	if limit == 0 {
		limit = 50
	}
	if f.Offset < len(all) {
		p.Entries = all[f.Offset:min(len(all), f.Offset+limit)]
	}
	return p, nil
}

func (s *memStore) lastFilter() quarantine.Filter {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.filters[len(s.filters)-1]
}

func (s *memStore) Open(ctx context.Context, id string) (io.ReadCloser, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.msgs[id]
	if !ok {
		return nil, fmt.Errorf("mem: open %s: %w", id, quarantine.ErrNotFound)
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}

func (s *memStore) AddNote(ctx context.Context, id, author, text string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, err := s.get(id)
	if err != nil {
		return err
	}
	e.Notes = append(e.Notes, quarantine.Note{Time: s.now(), Author: author, Text: text})
	return nil
}

func (s *memStore) SetHold(ctx context.Context, id string, hold bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, err := s.get(id)
	if err != nil {
		return err
	}
	e.Hold = hold
	return nil
}

func (s *memStore) Extend(ctx context.Context, id string, until time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, err := s.get(id)
	if err != nil {
		return err
	}
	e.ExpiresAt = until
	return nil
}

func (s *memStore) Delete(ctx context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, err := s.get(id)
	if err != nil {
		return err
	}
	if e.Hold {
		return quarantine.ErrOnHold
	}
	if e.Status == quarantine.StatusDeleted {
		return quarantine.ErrConflict
	}
	e.Status = quarantine.StatusDeleted
	delete(s.msgs, id)
	return nil
}

func (s *memStore) RequestRelease(ctx context.Context, id, actor string, recipients []string, justification string) (quarantine.ReleaseRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, err := s.get(id)
	if err != nil {
		return quarantine.ReleaseRequest{}, err
	}
	if e.Status != quarantine.StatusHeld && e.Status != quarantine.StatusReleaseFailed {
		return quarantine.ReleaseRequest{}, quarantine.ErrConflict
	}
	for _, r := range recipients {
		if !slices.Contains(e.Recipients, r) {
			return quarantine.ReleaseRequest{}, quarantine.ErrInvalid
		}
	}
	s.seq++
	r := quarantine.ReleaseRequest{ID: fmt.Sprintf("r%04d", s.seq), EntryID: id, RequestedBy: actor, RequestedAt: s.now(),
		Justification: justification, Recipients: recipients}
	if s.policy.FourEyes {
		e.Status = quarantine.StatusPendingApproval
	} else {
		r.ApprovedBy, r.ApprovedAt = actor, s.now()
		e.Status = quarantine.StatusApproved
	}
	r.Status = e.Status
	e.Releases = append(e.Releases, r)
	return r, nil
}

func (s *memStore) ApproveRelease(ctx context.Context, requestID, approver string) (quarantine.ReleaseRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range s.entries {
		for i := range e.Releases {
			r := &e.Releases[i]
			if r.ID != requestID {
				continue
			}
			if r.ApprovedBy != "" || e.Status != quarantine.StatusPendingApproval {
				return quarantine.ReleaseRequest{}, quarantine.ErrConflict
			}
			if r.RequestedBy == approver {
				return quarantine.ReleaseRequest{}, quarantine.ErrSelfApproval
			}
			r.ApprovedBy, r.ApprovedAt = approver, s.now()
			e.Status, r.Status = quarantine.StatusApproved, quarantine.StatusApproved
			return *r, nil
		}
	}
	return quarantine.ReleaseRequest{}, quarantine.ErrNotFound
}

func (s *memStore) ClaimRelease(ctx context.Context, now time.Time) (quarantine.ReleaseRequest, bool, error) {
	return quarantine.ReleaseRequest{}, false, nil
}

func (s *memStore) FinishRelease(ctx context.Context, requestID string, o quarantine.Outcome) error {
	return nil
}

func (s *memStore) RecoverSending(ctx context.Context) ([]quarantine.ReleaseRequest, error) {
	return nil, nil
}

func (s *memStore) Resolve(ctx context.Context, id string, delivered bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, err := s.get(id)
	if err != nil {
		return err
	}
	if e.Status != quarantine.StatusReleaseUncertain {
		return quarantine.ErrConflict
	}
	e.Status = quarantine.StatusHeld
	if delivered {
		e.Status = quarantine.StatusReleased
	}
	return nil
}

func (s *memStore) Purge(ctx context.Context, now time.Time) (int, error) { return 0, nil }

func (s *memStore) Stats(ctx context.Context) (quarantine.Stats, error) {
	return quarantine.Stats{}, nil
}

func (s *memStore) Close() error { return nil }

func (s *memStore) entry(id string) quarantine.Entry {
	e, err := s.Get(context.Background(), id)
	if err != nil {
		panic(err)
	}
	return e
}

// memLog is the audit log without the hash chain.
type memLog struct {
	mu   sync.Mutex
	recs []audit.Record
	fail bool // Append fails
	now  func() time.Time
}

func (l *memLog) Append(ctx context.Context, e audit.Event) (audit.Record, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.fail {
		return audit.Record{}, fmt.Errorf("mem: audit log is broken")
	}
	// The limits of the real log (audit.Event.Validate), so that the
	// console is held to them here too.
	if e.Actor == "" || e.Action == "" || len(e.Actor) > 256 || len(e.Target) > 256 || len(e.Justification) > 2048 || len(e.Detail) > 32 ||
		oneLine(e.Actor) != e.Actor || oneLine(e.Target) != e.Target {
		return audit.Record{}, fmt.Errorf("mem: invalid event %+v", e)
	}
	for k, v := range e.Detail {
		if len(k) > 256 || len(v) > 256 {
			return audit.Record{}, fmt.Errorf("mem: invalid detail %s", k)
		}
	}
	r := audit.Record{Seq: int64(len(l.recs) + 1), Time: l.now(), Event: e}
	l.recs = append(l.recs, r)
	return r, nil
}

func (l *memLog) match(q audit.Query) []audit.Record {
	var out []audit.Record
	for _, r := range l.recs {
		if q.Actor != "" && r.Actor != q.Actor || q.Action != "" && r.Action != q.Action || q.Target != "" && r.Target != q.Target {
			continue
		}
		out = append(out, r)
	}
	return out
}

func (l *memLog) List(ctx context.Context, q audit.Query) ([]audit.Record, int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	m := l.match(q)
	slices.Reverse(m)
	total := len(m)
	if q.Offset >= len(m) {
		return nil, total, nil
	}
	m = m[q.Offset:]
	if q.Limit > 0 && len(m) > q.Limit {
		m = m[:q.Limit]
	}
	return m, total, nil
}

func (l *memLog) Verify(ctx context.Context) (int, error) { return len(l.all()), nil }

func (l *memLog) Export(ctx context.Context, q audit.Query, format string, w io.Writer) error {
	l.mu.Lock()
	m := l.match(q)
	l.mu.Unlock()
	if format == "json" {
		return json.NewEncoder(w).Encode(m)
	}
	cw := csv.NewWriter(w)
	cw.Write([]string{"seq", "actor", "action", "target"})
	for _, r := range m {
		cw.Write([]string{fmt.Sprint(r.Seq), r.Actor, string(r.Action), r.Target})
	}
	cw.Flush()
	return cw.Error()
}

func (l *memLog) Close() error { return nil }

func (l *memLog) all() []audit.Record {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.recs)
}

// last returns the newest record of action a.
func (l *memLog) last(a audit.Action) (audit.Record, bool) {
	recs := l.all()
	for i := len(recs) - 1; i >= 0; i-- {
		if recs[i].Action == a {
			return recs[i], true
		}
	}
	return audit.Record{}, false
}

// memDir keeps passwords in clear; it locks after 3 failures for an hour.
type memDir struct {
	mu       sync.Mutex
	users    map[string]*users.User
	pw       map[string]string
	failures map[string]int
	now      func() time.Time
}

func newMemDir(now func() time.Time) *memDir {
	return &memDir{users: map[string]*users.User{}, pw: map[string]string{}, failures: map[string]int{}, now: now}
}

func (d *memDir) Authenticate(ctx context.Context, name, password string) (users.User, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	u, ok := d.users[name]
	if !ok {
		return users.User{}, users.ErrBadLogin
	}
	if u.LockedUntil.After(d.now()) {
		return users.User{}, users.ErrLocked
	}
	if d.pw[name] != password {
		if d.failures[name]++; d.failures[name] >= 3 {
			u.LockedUntil = d.now().Add(time.Hour)
		}
		return users.User{}, users.ErrBadLogin
	}
	d.failures[name] = 0
	return *u, nil
}

func (d *memDir) Get(ctx context.Context, name string) (users.User, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	u, ok := d.users[name]
	if !ok {
		return users.User{}, users.ErrNotFound
	}
	return *u, nil
}

func (d *memDir) List(ctx context.Context) ([]users.User, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []users.User
	for _, u := range d.users {
		out = append(out, *u)
	}
	slices.SortFunc(out, func(a, b users.User) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

func (d *memDir) Add(ctx context.Context, name, password string, role users.Role) (users.User, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.users[name]; ok {
		return users.User{}, users.ErrExists
	}
	if len([]rune(password)) < 12 {
		return users.User{}, fmt.Errorf("mem: password too short")
	}
	u := &users.User{Name: name, Role: role, Created: d.now()}
	d.users[name], d.pw[name] = u, password
	return *u, nil
}

func (d *memDir) with(name string, f func(*users.User)) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	u, ok := d.users[name]
	if !ok {
		return users.ErrNotFound
	}
	f(u)
	return nil
}

func (d *memDir) SetPassword(ctx context.Context, name, password string) error {
	return d.with(name, func(u *users.User) { d.pw[name] = password })
}

func (d *memDir) SetRole(ctx context.Context, name string, role users.Role) error {
	return d.with(name, func(u *users.User) { u.Role = role })
}

func (d *memDir) SetDisabled(ctx context.Context, name string, disabled bool) error {
	return d.with(name, func(u *users.User) { u.Disabled = disabled })
}

func (d *memDir) Unlock(ctx context.Context, name string) error {
	return d.with(name, func(u *users.User) { u.LockedUntil = time.Time{}; d.failures[name] = 0 })
}

func (d *memDir) Close() error { return nil }
