package quarantine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// to brings a fresh entry, received now, to status st through the public
// methods and returns it with its open (or last) request ID.
func (ts *testStore) to(t *testing.T, st Status, hold bool) (Entry, string) {
	t.Helper()
	ctx := context.Background()
	e := sample(1)
	e.Received = ts.clock.Now()
	e = ts.put(t, e, msgFor(1))
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("bringing an entry to %s: %v", st, err)
		}
	}
	req := ""
	request := func(fourEyes bool) {
		t.Helper()
		r, err := ts.requestRelease(ctx, e.ID, "alice", nil, "the customer asked for it", fourEyes)
		must(err)
		req = r.ID
	}
	claim := func() {
		t.Helper()
		r, ok, err := ts.ClaimRelease(ctx, ts.clock.Now())
		must(err)
		if !ok || r.ID != req {
			t.Fatalf("claimed %v %v, want %s", r.ID, ok, req)
		}
	}
	switch st {
	case StatusHeld:
	case StatusPendingApproval:
		request(true)
	case StatusApproved:
		request(false)
	case StatusSending:
		request(false)
		claim()
	case StatusReleased:
		request(false)
		claim()
		must(ts.FinishRelease(ctx, req, Outcome{Delivered: true, Message: "250 ok"}))
	case StatusReleaseFailed:
		request(false)
		claim()
		must(ts.FinishRelease(ctx, req, Outcome{Permanent: true, Message: "550 no"}))
	case StatusReleaseUncertain:
		request(false)
		claim()
		_, err := ts.RecoverSending(ctx)
		must(err)
	case StatusDeleted:
		must(ts.Delete(ctx, e.ID))
	case StatusExpired:
		n, err := ts.Purge(ctx, e.ExpiresAt)
		must(err)
		if n != 1 {
			t.Fatalf("purged %d", n)
		}
	default:
		t.Fatalf("no way to %s", st)
	}
	if hold {
		must(ts.SetHold(ctx, e.ID, true))
	}
	got, err := ts.Get(ctx, e.ID)
	must(err)
	if got.Status != st {
		t.Fatalf("entry is %s, want %s", got.Status, st)
	}
	return got, req
}

var allStatuses = []Status{StatusHeld, StatusPendingApproval, StatusApproved, StatusSending, StatusReleased,
	StatusReleaseFailed, StatusReleaseUncertain, StatusDeleted, StatusExpired}

// TestTransitions tries every entry-level operation from every status and
// checks the resulting error and status. The table is the state machine.
func TestTransitions(t *testing.T) {
	t.Parallel()
	type result struct {
		err  error  // nil: allowed
		then Status // status afterwards when allowed
	}
	ok := func(st Status) result { return result{then: st} }
	conflict := result{err: ErrConflict}
	ops := []struct {
		name string
		do   func(ts *testStore, e Entry, req string) error
		want map[Status]result // statuses not listed: ErrConflict
	}{
		{
			name: "RequestRelease (four eyes)",
			do: func(ts *testStore, e Entry, _ string) error {
				_, err := ts.requestRelease(context.Background(), e.ID, "bob", nil, "ok", true)
				return err
			},
			want: map[Status]result{StatusHeld: ok(StatusPendingApproval), StatusReleaseFailed: ok(StatusPendingApproval)},
		},
		{
			name: "RequestRelease (no four eyes)",
			do: func(ts *testStore, e Entry, _ string) error {
				_, err := ts.requestRelease(context.Background(), e.ID, "bob", nil, "ok", false)
				return err
			},
			want: map[Status]result{StatusHeld: ok(StatusApproved), StatusReleaseFailed: ok(StatusApproved)},
		},
		{
			name: "ApproveRelease",
			do: func(ts *testStore, e Entry, req string) error {
				if req == "" {
					return ErrConflict // no request to approve: nothing to try
				}
				_, err := ts.ApproveRelease(context.Background(), req, "carol")
				return err
			},
			want: map[Status]result{StatusPendingApproval: ok(StatusApproved)},
		},
		{
			name: "ClaimRelease",
			do: func(ts *testStore, e Entry, req string) error {
				r, claimed, err := ts.ClaimRelease(context.Background(), ts.clock.Now())
				if err == nil && !claimed {
					return ErrConflict
				}
				if err == nil && r.ID != req {
					return fmt.Errorf("claimed %s, want %s", r.ID, req)
				}
				return err
			},
			want: map[Status]result{StatusApproved: ok(StatusSending)},
		},
		{
			name: "FinishRelease delivered",
			do: func(ts *testStore, e Entry, req string) error {
				if req == "" {
					return ErrConflict
				}
				return ts.FinishRelease(context.Background(), req, Outcome{Delivered: true})
			},
			want: map[Status]result{StatusSending: ok(StatusReleased)},
		},
		{
			name: "FinishRelease permanent",
			do: func(ts *testStore, e Entry, req string) error {
				if req == "" {
					return ErrConflict
				}
				return ts.FinishRelease(context.Background(), req, Outcome{Permanent: true, Message: "550 5.7.1 no"})
			},
			want: map[Status]result{StatusSending: ok(StatusReleaseFailed)},
		},
		{
			name: "FinishRelease temporary",
			do: func(ts *testStore, e Entry, req string) error {
				if req == "" {
					return ErrConflict
				}
				return ts.FinishRelease(context.Background(), req, Outcome{Retry: time.Minute, Message: "451 later"})
			},
			want: map[Status]result{StatusSending: ok(StatusApproved)},
		},
		{
			name: "FinishRelease uncertain",
			do: func(ts *testStore, e Entry, req string) error {
				if req == "" {
					return ErrConflict
				}
				return ts.FinishRelease(context.Background(), req, Outcome{Uncertain: true, Retry: time.Minute, Message: "no answer to the final dot"})
			},
			want: map[Status]result{StatusSending: ok(StatusReleaseUncertain)},
		},
		{
			name: "RecoverSending",
			do: func(ts *testStore, e Entry, req string) error {
				got, err := ts.RecoverSending(context.Background())
				if err == nil && len(got) == 0 {
					return ErrConflict
				}
				return err
			},
			want: map[Status]result{StatusSending: ok(StatusReleaseUncertain)},
		},
		{
			name: "Resolve delivered",
			do: func(ts *testStore, e Entry, _ string) error {
				return ts.Resolve(context.Background(), e.ID, true)
			},
			want: map[Status]result{StatusReleaseUncertain: ok(StatusReleased)},
		},
		{
			name: "Resolve not delivered",
			do: func(ts *testStore, e Entry, _ string) error {
				return ts.Resolve(context.Background(), e.ID, false)
			},
			want: map[Status]result{StatusReleaseUncertain: ok(StatusHeld)},
		},
		{
			name: "Delete",
			do: func(ts *testStore, e Entry, _ string) error {
				return ts.Delete(context.Background(), e.ID)
			},
			want: map[Status]result{StatusHeld: ok(StatusDeleted), StatusPendingApproval: ok(StatusDeleted),
				StatusApproved: ok(StatusDeleted), StatusReleased: ok(StatusDeleted), StatusReleaseFailed: ok(StatusDeleted),
				StatusReleaseUncertain: ok(StatusDeleted)},
		},
		{
			name: "Purge",
			do: func(ts *testStore, e Entry, _ string) error {
				n, err := ts.Purge(context.Background(), e.ExpiresAt)
				if err == nil && n == 0 {
					return ErrConflict
				}
				return err
			},
			want: map[Status]result{StatusHeld: ok(StatusExpired), StatusPendingApproval: ok(StatusExpired),
				StatusApproved: ok(StatusExpired), StatusReleased: ok(StatusExpired), StatusReleaseFailed: ok(StatusExpired),
				StatusReleaseUncertain: ok(StatusExpired)},
		},
		{
			name: "SetHold",
			do: func(ts *testStore, e Entry, _ string) error {
				return ts.SetHold(context.Background(), e.ID, true)
			},
			want: map[Status]result{StatusHeld: ok(StatusHeld), StatusPendingApproval: ok(StatusPendingApproval),
				StatusApproved: ok(StatusApproved), StatusSending: ok(StatusSending), StatusReleased: ok(StatusReleased),
				StatusReleaseFailed: ok(StatusReleaseFailed), StatusReleaseUncertain: ok(StatusReleaseUncertain)},
		},
		{
			name: "AddNote",
			do: func(ts *testStore, e Entry, _ string) error {
				return ts.AddNote(context.Background(), e.ID, "dave", "note")
			},
			want: map[Status]result{StatusHeld: ok(StatusHeld), StatusPendingApproval: ok(StatusPendingApproval),
				StatusApproved: ok(StatusApproved), StatusSending: ok(StatusSending), StatusReleased: ok(StatusReleased),
				StatusReleaseFailed: ok(StatusReleaseFailed), StatusReleaseUncertain: ok(StatusReleaseUncertain),
				StatusDeleted: ok(StatusDeleted), StatusExpired: ok(StatusExpired)},
		},
	}
	for _, op := range ops {
		for _, st := range allStatuses {
			t.Run(op.name+"/from "+string(st), func(t *testing.T) {
				t.Parallel()
				ts := openTest(t)
				e, req := ts.to(t, st, false)
				want, listed := op.want[st]
				if !listed {
					want = conflict
				}
				err := op.do(ts, e, req)
				if !errors.Is(err, want.err) || (want.err == nil && err != nil) {
					t.Fatalf("error %v, want %v", err, want.err)
				}
				got, gerr := ts.Get(context.Background(), e.ID)
				if gerr != nil {
					t.Fatal(gerr)
				}
				then := want.then
				if want.err != nil {
					then = st
				}
				if got.Status != then {
					t.Errorf("status %s afterwards, want %s", got.Status, then)
				}
				checkInvariants(t, got)
			})
		}
	}
}

// checkInvariants: at most one open request, and the entry's status is the
// open request's.
func checkInvariants(t *testing.T, e Entry) {
	t.Helper()
	var open []ReleaseRequest
	for _, r := range e.Releases {
		switch r.Status {
		case StatusPendingApproval, StatusApproved, StatusSending, StatusReleaseUncertain:
			open = append(open, r)
		}
	}
	switch {
	case len(open) > 1:
		t.Errorf("%d open requests: %+v", len(open), open)
	case len(open) == 1 && open[0].Status != e.Status:
		t.Errorf("entry is %s, its open request %s", e.Status, open[0].Status)
	case len(open) == 0 && slices.Contains([]Status{StatusPendingApproval, StatusApproved, StatusSending, StatusReleaseUncertain}, e.Status):
		t.Errorf("entry is %s without an open request", e.Status)
	}
}

func TestDeleteOnHold(t *testing.T) {
	t.Parallel()
	ts := openTest(t)
	e, _ := ts.to(t, StatusHeld, true)
	if err := ts.Delete(context.Background(), e.ID); !errors.Is(err, ErrOnHold) {
		t.Fatalf("Delete on hold: %v", err)
	}
	if ts.message(t, e.ID) != msgFor(1) {
		t.Error("message gone")
	}
}

// TestReleaseHistory follows one entry through a failed and a successful
// release and checks every field of the requests.
func TestReleaseHistory(t *testing.T) {
	t.Parallel()
	ts := openTest(t)
	ctx := context.Background()
	e := ts.put(t, sample(1), msgFor(1))

	req, err := ts.requestRelease(ctx, e.ID, "alice", []string{"BOSS@partner.example", "boss@partner.example"}, "  signed contract  ", true)
	if err != nil {
		t.Fatal(err)
	}
	want := ReleaseRequest{ID: req.ID, EntryID: e.ID, Status: StatusPendingApproval, RequestedBy: "alice", RequestedAt: t0,
		Justification: "signed contract", Recipients: []string{"Boss@Partner.example"}}
	if !equalRelease(req, want) {
		t.Errorf("request\n%+v\nwant\n%+v", req, want)
	}
	if _, err := ts.ApproveRelease(ctx, req.ID, "Alice"); !errors.Is(err, ErrSelfApproval) {
		t.Errorf("self-approval: %v", err)
	}
	ts.clock.Advance(time.Minute)
	got, err := ts.ApproveRelease(ctx, req.ID, "bob")
	if err != nil {
		t.Fatal(err)
	}
	want.Status, want.ApprovedBy, want.ApprovedAt, want.NextAttempt = StatusApproved, "bob", t0.Add(time.Minute), t0.Add(time.Minute)
	if !equalRelease(got, want) {
		t.Errorf("approved\n%+v\nwant\n%+v", got, want)
	}
	if _, ok, err := ts.ClaimRelease(ctx, t0); ok || err != nil {
		t.Errorf("claimed before NextAttempt: %v %v", ok, err)
	}
	claimed, ok, err := ts.ClaimRelease(ctx, ts.clock.Now())
	if err != nil || !ok {
		t.Fatalf("claim: %v %v", ok, err)
	}
	want.Status = StatusSending
	if !equalRelease(claimed, want) {
		t.Errorf("claimed\n%+v\nwant\n%+v", claimed, want)
	}
	// A temporary failure: back to approved, due after Retry.
	if err := ts.FinishRelease(ctx, req.ID, Outcome{Retry: 5 * time.Minute, Message: "451 4.3.0 try\r\nlater"}); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := ts.ClaimRelease(ctx, t0.Add(5*time.Minute)); ok {
		t.Error("claimed before the retry was due")
	}
	claimed, ok, err = ts.ClaimRelease(ctx, t0.Add(6*time.Minute))
	if err != nil || !ok {
		t.Fatalf("claim after retry: %v %v", ok, err)
	}
	want.Attempts, want.NextAttempt, want.LastError = 1, t0.Add(6*time.Minute), "451 4.3.0 try  later"
	if !equalRelease(claimed, want) {
		t.Errorf("claimed again\n%+v\nwant\n%+v", claimed, want)
	}
	// A permanent failure, then a second request that is delivered.
	if err := ts.FinishRelease(ctx, req.ID, Outcome{Permanent: true, Message: "550 5.7.1 refused"}); err != nil {
		t.Fatal(err)
	}
	if err := ts.FinishRelease(ctx, req.ID, Outcome{Delivered: true}); !errors.Is(err, ErrConflict) {
		t.Errorf("second outcome: %v", err)
	}
	req2, err := ts.requestRelease(ctx, e.ID, "bob", []string{"rcpt1@example.com"}, "retry", false)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := ts.ClaimRelease(ctx, ts.clock.Now()); err != nil {
		t.Fatal(err)
	}
	ts.clock.Advance(time.Minute)
	if err := ts.FinishRelease(ctx, req2.ID, Outcome{Delivered: true, Message: "250 ok"}); err != nil {
		t.Fatal(err)
	}
	final, err := ts.Get(ctx, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	if final.Status != StatusReleased || len(final.Releases) != 2 {
		t.Fatalf("final %s with %d requests", final.Status, len(final.Releases))
	}
	want.Status, want.Attempts, want.LastError, want.FinishedAt = StatusReleaseFailed, 2, "550 5.7.1 refused", t0.Add(time.Minute)
	if !equalRelease(final.Releases[0], want) {
		t.Errorf("first request\n%+v\nwant\n%+v", final.Releases[0], want)
	}
	r2 := final.Releases[1]
	if r2.ID != req2.ID || r2.Status != StatusReleased || r2.Attempts != 1 || r2.ApprovedBy != "bob" || r2.FinishedAt != t0.Add(2*time.Minute) ||
		!slices.Equal(r2.Recipients, []string{"rcpt1@example.com"}) || r2.LastError != "" {
		t.Errorf("second request %+v", r2)
	}
	checkInvariants(t, final)
}

func equalRelease(a, b ReleaseRequest) bool {
	return a.ID == b.ID && a.EntryID == b.EntryID && a.Status == b.Status && a.RequestedBy == b.RequestedBy &&
		a.RequestedAt.Equal(b.RequestedAt) && a.Justification == b.Justification && slices.Equal(a.Recipients, b.Recipients) &&
		a.ApprovedBy == b.ApprovedBy && a.ApprovedAt.Equal(b.ApprovedAt) && a.Attempts == b.Attempts &&
		a.NextAttempt.Equal(b.NextAttempt) && a.LastError == b.LastError && a.FinishedAt.Equal(b.FinishedAt)
}

func TestRequestReleaseRefusals(t *testing.T) {
	t.Parallel()
	ts := openTest(t)
	ctx := context.Background()
	e := ts.put(t, sample(1), msgFor(1))
	noRcpt := ts.put(t, Entry{ID: "no-recipients"}, "x")
	tests := []struct {
		name          string
		id, actor     string
		rcpts         []string
		justification string
		want          error
	}{
		{"unknown entry", "nope", "alice", nil, "j", ErrNotFound},
		{"no actor", e.ID, "  ", nil, "j", ErrInvalid},
		{"no justification", e.ID, "alice", nil, " \t\r\n", ErrInvalid},
		{"long justification", e.ID, "alice", nil, string(make([]byte, MaxNote+1)), ErrInvalid},
		{"stranger", e.ID, "alice", []string{"rcpt1@example.com", "stranger@evil.example"}, "j", ErrInvalid},
		{"too many", e.ID, "alice", make([]string, MaxRecipients+1), "j", ErrInvalid},
		{"entry without recipients", noRcpt.ID, "alice", nil, "j", ErrInvalid},
	}
	for _, tt := range tests {
		if _, err := ts.requestRelease(ctx, tt.id, tt.actor, tt.rcpts, tt.justification, true); !errors.Is(err, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
		}
	}
	if _, err := ts.ApproveRelease(ctx, "rel-unknown", "bob"); !errors.Is(err, ErrNotFound) {
		t.Errorf("approving an unknown request: %v", err)
	}
	if err := ts.FinishRelease(ctx, "rel-unknown", Outcome{}); !errors.Is(err, ErrNotFound) {
		t.Errorf("finishing an unknown request: %v", err)
	}
	got, _ := ts.Get(ctx, e.ID)
	if got.Status != StatusHeld || len(got.Releases) != 0 {
		t.Errorf("after refusals: %s with %d requests", got.Status, len(got.Releases))
	}
	req, err := ts.requestRelease(ctx, e.ID, "alice", nil, "j", true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ts.ApproveRelease(ctx, req.ID, ""); !errors.Is(err, ErrInvalid) {
		t.Errorf("approver without a name: %v", err)
	}
	if !slices.Equal(req.Recipients, e.Recipients) {
		t.Errorf("default recipients %v, want %v", req.Recipients, e.Recipients)
	}
}

// TestConcurrentApprovals: ten officers approve one request at once;
// exactly one wins.
func TestConcurrentApprovals(t *testing.T) {
	t.Parallel()
	ts := openTest(t)
	e := ts.put(t, sample(1), msgFor(1))
	req, err := ts.requestRelease(context.Background(), e.ID, "alice", nil, "j", true)
	if err != nil {
		t.Fatal(err)
	}
	const n = 10
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			_, errs[i] = ts.ApproveRelease(context.Background(), req.ID, fmt.Sprintf("officer%d", i))
		})
	}
	close(start)
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, ErrConflict):
			t.Errorf("a loser got %v, want ErrConflict", err)
		}
	}
	if won != 1 {
		t.Fatalf("%d approvals won, want 1", won)
	}
	got, _ := ts.Get(context.Background(), e.ID)
	if got.Status != StatusApproved || got.Releases[0].ApprovedBy == "" {
		t.Errorf("after the race: %s, approved by %q", got.Status, got.Releases[0].ApprovedBy)
	}
}

// TestConcurrentClaims: workers claiming at once never share a request, and
// between them claim every due one.
func TestConcurrentClaims(t *testing.T) {
	t.Parallel()
	ts := openTest(t)
	ctx := context.Background()
	const n = 20
	for i := range n {
		e := sample(i)
		e.ID = fmt.Sprintf("e%02d", i)
		ts.put(t, e, msgFor(i))
		if _, err := ts.requestRelease(ctx, e.ID, "alice", nil, "j", false); err != nil {
			t.Fatal(err)
		}
	}
	const workers = 2
	claims := make([][]string, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for {
				r, ok, err := ts.ClaimRelease(ctx, t0)
				if err != nil {
					t.Error(err)
					return
				}
				if !ok {
					return
				}
				claims[w] = append(claims[w], r.ID)
			}
		})
	}
	wg.Wait()
	all := slices.Concat(claims...)
	slices.Sort(all)
	if len(all) != n || len(slices.Compact(slices.Clone(all))) != n {
		t.Fatalf("claims %v: want %d distinct", claims, n)
	}
	st, _ := ts.Stats(ctx)
	if st.Held != 0 {
		t.Errorf("Held %d with every entry sending", st.Held)
	}
}

func TestRecoverSending(t *testing.T) {
	t.Parallel()
	ts := openTest(t)
	ctx := context.Background()
	e, req := ts.to(t, StatusSending, false)
	ts.reopen(t) // a crash while sending
	got, err := ts.RecoverSending(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].ID != req || got[0].Status != StatusReleaseUncertain || got[0].EntryID != e.ID {
		t.Fatalf("recovered %+v", got)
	}
	// Never claimed again.
	if _, ok, err := ts.ClaimRelease(ctx, t0.Add(time.Hour)); ok || err != nil {
		t.Errorf("claimed an uncertain release: %v %v", ok, err)
	}
	if again, err := ts.RecoverSending(ctx); len(again) != 0 || err != nil {
		t.Errorf("second recovery %v %v", again, err)
	}
	if err := ts.Resolve(ctx, e.ID, false); err != nil {
		t.Fatal(err)
	}
	after, _ := ts.Get(ctx, e.ID)
	if after.Status != StatusHeld || after.Releases[0].Status != StatusReleaseFailed ||
		after.Releases[0].LastError != "resolved by an officer as not delivered" || after.Releases[0].FinishedAt.IsZero() {
		t.Errorf("after Resolve: %s, %+v", after.Status, after.Releases[0])
	}
	// Held again: it can be requested anew.
	if _, err := ts.requestRelease(ctx, e.ID, "alice", nil, "checked", false); err != nil {
		t.Error(err)
	}
}

// TestReleasePolicy: RequestRelease follows the policy the relay recorded,
// read in its own transaction; with none recorded, four-eyes applies. The
// policy survives a reopen, and each record replaces the last.
func TestReleasePolicy(t *testing.T) {
	t.Parallel()
	ts := openTest(t)
	ctx := context.Background()
	p, err := ts.ReleasePolicy(ctx)
	if err != nil || p != DefaultReleasePolicy || p.Recorded() || !p.FourEyes {
		t.Fatalf("before any relay: %+v, %v; want the default, four-eyes", p, err)
	}
	e1 := ts.put(t, sample(1), msgFor(1))
	if r, err := ts.RequestRelease(ctx, e1.ID, "alice", nil, "j"); err != nil || r.Status != StatusPendingApproval || r.ApprovedBy != "" {
		t.Fatalf("with no policy recorded: %+v, %v; want pending_approval", r, err)
	}

	if err := ts.SetReleasePolicy(ctx, ReleasePolicy{FourEyes: false, Source: "/etc/dlprelay/dlprelay.yaml"}); err != nil {
		t.Fatal(err)
	}
	ts.reopen(t)
	p, err = ts.ReleasePolicy(ctx)
	if err != nil || p.FourEyes || p.Source != "/etc/dlprelay/dlprelay.yaml" || !p.SetAt.Equal(t0) || !p.Recorded() {
		t.Fatalf("recorded: %+v, %v", p, err)
	}
	e2 := ts.put(t, sample(2), msgFor(2))
	if r, err := ts.RequestRelease(ctx, e2.ID, "alice", nil, "j"); err != nil || r.Status != StatusApproved || r.ApprovedBy != "alice" {
		t.Fatalf("without four-eyes: %+v, %v; want approved at once", r, err)
	}

	ts.clock.Advance(time.Hour)
	if err := ts.SetReleasePolicy(ctx, ReleasePolicy{FourEyes: true, Source: "reloaded.yaml"}); err != nil {
		t.Fatal(err)
	}
	if p, _ = ts.ReleasePolicy(ctx); !p.FourEyes || p.Source != "reloaded.yaml" || !p.SetAt.Equal(t0.Add(time.Hour)) {
		t.Fatalf("after a second record: %+v", p)
	}
	e3 := ts.put(t, sample(3), msgFor(3))
	if r, err := ts.RequestRelease(ctx, e3.ID, "alice", nil, "j"); err != nil || r.Status != StatusPendingApproval {
		t.Fatalf("four-eyes again: %+v, %v", r, err)
	}
	if err := ts.SetReleasePolicy(ctx, ReleasePolicy{Source: strings.Repeat("x", MaxField+1)}); !errors.Is(err, ErrInvalid) {
		t.Errorf("an over-long source: %v, want ErrInvalid", err)
	}
	if p, _ = ts.ReleasePolicy(ctx); !p.FourEyes {
		t.Errorf("a refused record changed the policy: %+v", p)
	}
}
