package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/dlprelay/dlprelay/detect"
	"github.com/dlprelay/dlprelay/relay/audit"
	"github.com/dlprelay/dlprelay/relay/config"
	"github.com/dlprelay/dlprelay/relay/quarantine"
	"github.com/dlprelay/dlprelay/relay/users"
)

const quarantineDescription = "Reviews and acts on the quarantine in data_dir (quarantine.db, quarantine/)\nbeside a running relay, as the console does: list and show need a viewer, the\nactions an officer; the running relay's release worker delivers what is\nreleased. Customer values are never printed: records show as IDs, fields and\nparts, and a Subject in which a customer value was found is withheld. Run as\nthe relay's system user, so that the files stay the relay's."

var quarantineCommands = []subcommand{
	{"list", "list entries, filtered and sorted (viewer)", runQuarantineList},
	{"show", "show one entry: envelope, status, records found, notes, releases (viewer)", runQuarantineShow},
	{"release", "request the release of an entry (officer)", runQuarantineRelease},
	{"approve", "approve another officer's release request (officer)", runQuarantineApprove},
	{"delete", "delete an entry's message; the record stays (officer)", runQuarantineDelete},
	{"note", "add a note to an entry (officer)", runQuarantineNote},
	{"hold", "put an entry on legal hold or take it off (officer)", runQuarantineHold},
}

func runQuarantine(args []string, stdout, stderr io.Writer) int {
	return runQuarantineEnv(processEnv(), args, stdout, stderr)
}

func runQuarantineEnv(env *cliEnv, args []string, stdout, stderr io.Writer) int {
	return runGroup("quarantine", quarantineDescription, quarantineCommands, env, args, stdout, stderr)
}

// openQuarantine opens the quarantine in data_dir beside the relay: it must
// exist, and Open leaves the relay's files in flight alone.
func openQuarantine(s *cliSession) (*quarantine.SQLite, error) {
	if _, err := os.Stat(filepath.Join(s.cfg.DataDir, "quarantine.db")); errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("no quarantine in %s (is -data or data_dir right?)", s.cfg.DataDir)
	}
	return quarantine.Open(s.cfg.DataDir, quarantine.Options{NoCleanup: true})
}

// checkEntryID refuses what cannot name an entry before anyone logs in.
func checkEntryID(id string) error {
	if !quarantine.ValidID(id) {
		return usageErrorf("%q is not a quarantine id", printable(id))
	}
	return nil
}

const actionExit = "Exit status: 0 done, 1 refused (login, rights, not found, a state that does\nnot allow it), 2 usage."

func runQuarantineList(env *cliEnv, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("quarantine list", "quarantine list [filters] [-sort KEY] [-desc] [-offset N] [-limit N] [-json] -user NAME",
		"Lists quarantine entries as a table (id, received, age, status, sender, number\nof recipients, customer records, rules fired, subject cut to 40 characters)\nor, with -json, one JSON object per entry and line. Filters combine; times are\nRFC 3339, YYYY-MM-DD[ HH:MM] in local time, or an age such as 36h or 7d.\n\n"+passwordHelp+"\n\nExit status: 0 listed, 1 refused, 2 usage.", stderr)
	var f consoleFlags
	f.register(fs, true)
	var filter quarantine.Filter
	fs.StringVar(&filter.Sender, "sender", "", "sender `substring` (case-insensitive)")
	fs.StringVar(&filter.Recipient, "rcpt", "", "`substring` of any recipient (case-insensitive)")
	fs.StringVar(&filter.Rule, "rule", "", "`name` of a rule that fired (exact)")
	fs.StringVar(&filter.Verdict, "verdict", "", "`verdict` (exact)")
	var statuses stringList
	fs.Var(&statuses, "status", "`status`, repeatable or comma-separated: held, pending_approval, approved, sending,\nreleased, release_failed, release_uncertain, deleted, expired")
	since := fs.String("since", "", "received at or after this `time`")
	until := fs.String("until", "", "received before this `time`")
	fs.IntVar(&filter.MinRecords, "min-records", 0, "at least `n` customer records")
	fs.StringVar(&filter.Query, "q", "", "`text` in the sender, a recipient or the subject (case-insensitive; a withheld subject\nis searched only for an officer or admin)")
	fs.StringVar(&filter.Sort, "sort", "received", "sort `key`: received, sender, records, size or status (ties by id)")
	fs.BoolVar(&filter.Desc, "desc", false, "reverse the order (-sort received -desc: newest first)")
	fs.IntVar(&filter.Offset, "offset", 0, "skip the first `n` entries")
	fs.IntVar(&filter.Limit, "limit", 50, "list at most `n` entries (at most 500)")
	asJSON := fs.Bool("json", false, "print one JSON object per entry and line")
	if _, code, stop := parseArgs(fs, args, 0); stop {
		return code
	}
	now := time.Now()
	var err error
	if filter.From, err = parseWhen("since", *since, now); err != nil {
		return report(stderr, err)
	}
	if filter.To, err = parseWhen("until", *until, now); err != nil {
		return report(stderr, err)
	}
	if filter.Offset < 0 || filter.Limit < 1 || filter.MinRecords < 0 {
		return report(stderr, usageErrorf("-offset and -min-records must not be negative, -limit must be positive"))
	}
	for _, s := range statuses {
		for _, st := range strings.Split(s, ",") {
			if st = strings.TrimSpace(st); st != "" {
				filter.Statuses = append(filter.Statuses, quarantine.Status(st))
			}
		}
	}
	return report(stderr, quarantineList(env, &f, filter, *asJSON, now, stdout))
}

// listLine is an entry as list -json prints it.
type listLine struct {
	quarantine.Entry
	SubjectWithheld bool `json:"subject_withheld,omitempty"`
}

func quarantineList(env *cliEnv, f *consoleFlags, filter quarantine.Filter, asJSON bool, now time.Time, stdout io.Writer) error {
	ctx := context.Background()
	s, err := login(ctx, env, f, users.Viewer, "quarantine list")
	if err != nil {
		return err
	}
	defer s.close()
	q, err := openQuarantine(s)
	if err != nil {
		return err
	}
	defer q.Close()
	// A viewer's -q does not search the subjects withheld from it: a
	// match would tell what they hold.
	filter.QueryWithheld = s.user.Role.CanReveal()
	page, err := q.List(ctx, filter)
	if err != nil {
		return err
	}
	lines := make([]listLine, len(page.Entries))
	for i, e := range page.Entries {
		if e.Subject != "" && len(e.RecordIDs) > 0 {
			// List leaves the findings out; Get has them.
			full, err := q.Get(ctx, e.ID)
			if err != nil && !errors.Is(err, quarantine.ErrNotFound) {
				return err
			}
			e.Findings = full.Findings
		}
		lines[i] = listLine{Entry: e}
		if withholdSubject(e) {
			lines[i].Subject, lines[i].SubjectWithheld = "", true
		}
		lines[i].Findings = nil
	}
	if asJSON {
		enc := json.NewEncoder(stdout)
		for _, l := range lines {
			if err := enc.Encode(l); err != nil {
				return err
			}
		}
		return nil
	}
	if len(lines) == 0 {
		fmt.Fprintf(stdout, "no entries (%d match)\n", page.Total)
		return nil
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tRECEIVED\tAGE\tSTATUS\tSENDER\tRCPTS\tRECORDS\tRULES\tSUBJECT")
	for _, l := range lines {
		status := string(l.Status)
		if l.Hold {
			status += " (hold)"
		}
		subject := cut(printable(l.Subject), 40)
		switch {
		case l.Status.Purged():
			subject = "(removed)"
		case l.SubjectWithheld:
			subject = "(withheld)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%d\t%s\t%s\n", l.ID, l.Received.Local().Format("2006-01-02 15:04"),
			age(now.Sub(l.Received)), status, printable(l.Sender), len(l.Recipients), l.Records,
			printable(strings.Join(l.Rules, ",")), subject)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	first := filter.Offset + 1
	last := filter.Offset + len(lines)
	fmt.Fprintf(stdout, "entries %d-%d of %d", first, last, page.Total)
	if last < page.Total {
		fmt.Fprintf(stdout, " (next page: -offset %d)", last)
	}
	fmt.Fprintln(stdout)
	return nil
}

// cut shortens s to n characters, marking the cut with "…".
func cut(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// age is d in its largest units: 45s, 12m, 5h03m, 3d04h.
func age(d time.Duration) string {
	switch {
	case d < 0:
		return "0s"
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%dd%02dh", int(d.Hours())/24, int(d.Hours())%24)
}

// withholdSubject reports whether e's Subject may hold a customer value;
// the store decides it when the message is held (Entry.SubjectWithheld).
// The CLI, which never reads the message to mask it, leaves it out.
func withholdSubject(e quarantine.Entry) bool { return e.SubjectWithheld }

// recordSummary is a customer record found in an entry, as show prints
// it: where, never what.
type recordSummary struct {
	ID      string   `json:"id"`
	Fields  []string `json:"fields"`
	Parts   []string `json:"parts"`
	Matches int      `json:"matches"`
}

// showReport is show -json's object.
type showReport struct {
	Entry           quarantine.Entry `json:"entry"` // without Findings: see Records
	SubjectWithheld bool             `json:"subject_withheld,omitempty"`
	Records         []recordSummary  `json:"records"`
	// FindingsIncomplete: the stored findings are unreadable or were cut
	// short, so some records have no fields or parts.
	FindingsIncomplete bool `json:"findings_incomplete,omitempty"`
	// FindingsExtractor is the extractor version of the stored findings
	// (detect.ExtractorVersion for this build's, 1 for findings stored
	// before versions), 0 if none are stored. RevealUnavailable is
	// "extractor_changed" when it is not this build's: their parts may be
	// numbered otherwise today, and the console reveals no value of them.
	FindingsExtractor int    `json:"findings_extractor,omitempty"`
	RevealUnavailable string `json:"reveal_unavailable,omitempty"`
}

func newShowReport(e quarantine.Entry) showReport {
	r := showReport{Records: []recordSummary{}}
	f, err := detect.DecodeFindings(e.Findings)
	hits := f.Records
	r.FindingsIncomplete = err != nil || len(hits) < len(e.RecordIDs)
	r.FindingsExtractor = f.Extractor
	if len(hits) > 0 && !f.Current() {
		r.RevealUnavailable = "extractor_changed"
	}
	seen := map[string]bool{}
	for _, h := range hits {
		rs := recordSummary{ID: h.ID, Fields: []string{}, Parts: h.Parts, Matches: len(h.Matches) + h.MoreMatches}
		for _, f := range h.Fields {
			rs.Fields = append(rs.Fields, string(f))
		}
		if rs.Parts == nil {
			rs.Parts = []string{}
		}
		r.Records, seen[h.ID] = append(r.Records, rs), true
	}
	for _, id := range e.RecordIDs {
		if !seen[id] {
			r.Records = append(r.Records, recordSummary{ID: id, Fields: []string{}, Parts: []string{}})
		}
	}
	if withholdSubject(e) {
		e.Subject, r.SubjectWithheld = "", true
	}
	e.Findings = nil
	r.Entry = e
	return r
}

func runQuarantineShow(env *cliEnv, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("quarantine show", "quarantine show [-json] -user NAME ID",
		"Shows one entry: envelope, status, verdict, rules and reasons, the customer\nrecords found (IDs, fields, parts and match counts, never values), notes and\nrelease requests. Audited as a view.\n\n"+passwordHelp+"\n\nExit status: 0 shown, 1 refused or not found, 2 usage.", stderr)
	var f consoleFlags
	f.register(fs, true)
	asJSON := fs.Bool("json", false, "print one JSON object")
	pos, code, stop := parseArgs(fs, args, 1)
	if stop {
		return code
	}
	return report(stderr, quarantineShow(env, &f, pos[0], *asJSON, stdout))
}

func quarantineShow(env *cliEnv, f *consoleFlags, id string, asJSON bool, stdout io.Writer) error {
	if err := checkEntryID(id); err != nil {
		return err
	}
	ctx := context.Background()
	s, err := login(ctx, env, f, users.Viewer, "quarantine show")
	if err != nil {
		return err
	}
	defer s.close()
	q, err := openQuarantine(s)
	if err != nil {
		return err
	}
	defer q.Close()
	e, err := q.Get(ctx, id)
	if err != nil {
		return explain(err, id)
	}
	// The view is audited before anything is shown, as in the console.
	if err := s.record(ctx, audit.Event{Action: audit.ActionView, Target: id}); err != nil {
		return err
	}
	r := newShowReport(e)
	if asJSON {
		return json.NewEncoder(stdout).Encode(r)
	}
	printEntry(stdout, r, time.Now())
	return nil
}

func printEntry(w io.Writer, r showReport, now time.Time) {
	e := r.Entry
	p := func(label, format string, args ...any) {
		fmt.Fprintf(w, "  %-11s %s\n", label+":", fmt.Sprintf(format, args...))
	}
	when := func(t time.Time) string { return t.Local().Format("2006-01-02 15:04:05 -0700") }
	fmt.Fprintf(w, "entry %s\n", e.ID)
	p("received", "%s (%s ago)", when(e.Received), age(now.Sub(e.Received)))
	p("client", "%s (helo %s)", printable(e.ClientAddr), printable(e.Helo))
	p("sender", "%s", printable(e.Sender))
	p("recipients", "%s", printable(strings.Join(e.Recipients, ", ")))
	switch {
	case e.Status.Purged():
		p("subject", "(removed with the message)")
	case r.SubjectWithheld:
		p("subject", "(withheld: it may hold a customer value)")
	default:
		p("subject", "%s", printable(e.Subject))
	}
	p("size", "%d bytes", e.Size)
	status := string(e.Status)
	if e.Hold {
		status += "; on legal hold (no expiry)"
	} else if !e.ExpiresAt.IsZero() && !e.Status.Purged() {
		status += "; expires " + when(e.ExpiresAt)
	}
	p("status", "%s", status)
	p("verdict", "%s", printable(e.Verdict))
	p("rules", "%s", printable(strings.Join(e.Rules, ", ")))
	p("reasons", "%s", printable(strings.Join(e.Reasons, ", ")))
	p("records", "%d (values are not shown)", e.Records)
	for _, rec := range r.Records {
		if len(rec.Fields) == 0 && len(rec.Parts) == 0 {
			fmt.Fprintf(w, "    %s (no findings stored)\n", printable(rec.ID))
			continue
		}
		fmt.Fprintf(w, "    %s: fields %s in parts %s (%d matches)\n", printable(rec.ID),
			printable(strings.Join(rec.Fields, ",")), printable(strings.Join(rec.Parts, ",")), rec.Matches)
	}
	if r.FindingsIncomplete {
		fmt.Fprintf(w, "    (the stored findings are incomplete)\n")
	}
	if r.RevealUnavailable != "" {
		fmt.Fprintf(w, "    (found by extractor version %d, this build's is %d: parts may be numbered otherwise today,\n"+
			"    and the console cannot reveal these values)\n", r.FindingsExtractor, detect.ExtractorVersion)
	}
	if len(e.Notes) > 0 {
		fmt.Fprintf(w, "  notes:\n")
		for _, n := range e.Notes {
			fmt.Fprintf(w, "    %s %s: %s\n", when(n.Time), printable(n.Author), indent(n.Text))
		}
	}
	if len(e.Releases) > 0 {
		fmt.Fprintf(w, "  releases:\n")
		for _, rr := range e.Releases {
			printRelease(w, rr, "    ")
		}
	}
}

// indent makes free text one printable block: its later lines indented.
func indent(s string) string {
	lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	for i := range lines {
		lines[i] = printable(lines[i])
	}
	return strings.Join(lines, "\n      ")
}

func printRelease(w io.Writer, r quarantine.ReleaseRequest, pre string) {
	when := func(t time.Time) string { return t.Local().Format("2006-01-02 15:04:05 -0700") }
	fmt.Fprintf(w, "%s%s %s\n", pre, r.ID, r.Status)
	fmt.Fprintf(w, "%s  requested by %s at %s: %s\n", pre, printable(r.RequestedBy), when(r.RequestedAt), indent(r.Justification))
	fmt.Fprintf(w, "%s  recipients: %s\n", pre, printable(strings.Join(r.Recipients, ", ")))
	if r.ApprovedBy != "" {
		fmt.Fprintf(w, "%s  approved by %s at %s\n", pre, printable(r.ApprovedBy), when(r.ApprovedAt))
	}
	if r.Attempts > 0 || r.LastError != "" {
		fmt.Fprintf(w, "%s  attempts: %d; last error: %s\n", pre, r.Attempts, printable(r.LastError))
	}
	if !r.FinishedAt.IsZero() {
		fmt.Fprintf(w, "%s  finished at %s\n", pre, when(r.FinishedAt))
	}
}

// officerAction logs in an officer, opens the quarantine, runs fn and
// audits the event fn returns as the console does: with result ok, or
// with the conflict the store answered (a refused attempt is on record
// too). Other failures are not audited. out is printed once the audit is
// written.
func officerAction(env *cliEnv, f *consoleFlags, what, id string, stdout io.Writer,
	fn func(ctx context.Context, s *cliSession, q *quarantine.SQLite) (ev audit.Event, out string, err error)) error {
	ctx := context.Background()
	s, err := login(ctx, env, f, users.Officer, what)
	if err != nil {
		return err
	}
	defer s.close()
	q, err := openQuarantine(s)
	if err != nil {
		return err
	}
	defer q.Close()
	ev, out, err := fn(ctx, s, q)
	if ev.Action == "" {
		return explain(err, id)
	}
	if ev.Detail == nil {
		ev.Detail = map[string]string{}
	}
	switch code := conflictCode(err); {
	case err == nil:
		ev.Detail["result"] = "ok"
	case code != "":
		ev.Detail["result"] = code
	default:
		return explain(err, id)
	}
	if aerr := s.record(ctx, ev); aerr != nil {
		return errors.Join(explain(err, id), aerr)
	}
	if err != nil {
		return explain(err, id)
	}
	fmt.Fprint(stdout, out)
	return nil
}

// conflictCode names the store's refusals that the console audits (and
// answers 409), "" for other errors.
func conflictCode(err error) string {
	switch {
	case errors.Is(err, quarantine.ErrSelfApproval):
		return "self_approval"
	case errors.Is(err, quarantine.ErrOnHold):
		return "on_hold"
	case errors.Is(err, quarantine.ErrConflict):
		return "conflict"
	}
	return ""
}

// explain turns the store's refusals into messages for people.
func explain(err error, id string) error {
	var re *refusedError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &re):
		return err // explained already
	case errors.Is(err, quarantine.ErrNotFound), errors.Is(err, quarantine.ErrInvalidID):
		return refusedf("%s: not in the quarantine", printable(id))
	case errors.Is(err, quarantine.ErrSelfApproval):
		return refusedf("%s was requested by you: another officer must approve it (four-eyes)", printable(id))
	case errors.Is(err, quarantine.ErrOnHold):
		return refusedf("entry %s is on legal hold: take it off first (dlprelay quarantine hold %s off -why ...)", id, id)
	}
	return err
}

func runQuarantineRelease(env *cliEnv, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("quarantine release", "quarantine release [-rcpt ADDR]... [-json] -why TEXT -user OFFICER ID",
		"Requests the release of a held entry (or one whose release failed) to all its\nrecipients, or to the -rcpt ones (among the original recipients). With\nfour-eyes the request waits for a second officer's 'dlprelay quarantine\napprove'; without it, it is approved at once. Four-eyes is the relay's\nconsole.four_eyes, as the relay on data_dir recorded it at its last start or\nreload, not this command's configuration (a note says when they differ); on\nwhile no relay has recorded it. The running relay's release worker then\ndelivers it through the upstream (this command does not send anything).\nAudited as release_request.\n\n"+passwordHelp+"\n\n"+actionExit, stderr)
	var f consoleFlags
	f.register(fs, true)
	var rcpts stringList
	fs.Var(&rcpts, "rcpt", "release to this original recipient `address` only (repeatable); default: all")
	why := fs.String("why", "", "the `reason` for it, stored with the request and in the audit log (required)")
	asJSON := fs.Bool("json", false, "print the request as one JSON object")
	pos, code, stop := parseArgs(fs, args, 1)
	if stop {
		return code
	}
	return report(stderr, quarantineRelease(env, &f, pos[0], rcpts, *why, *asJSON, stdout, stderr))
}

func quarantineRelease(env *cliEnv, f *consoleFlags, id string, rcpts []string, why string, asJSON bool, stdout, stderr io.Writer) error {
	if err := checkEntryID(id); err != nil {
		return err
	}
	why, err := checkWhy(why)
	if err != nil {
		return err
	}
	for _, r := range rcpts {
		if strings.TrimSpace(r) == "" || len(r) > quarantine.MaxField {
			return usageErrorf("-rcpt %q: not an address", printable(r))
		}
	}
	return officerAction(env, f, "quarantine release", id, stdout, func(ctx context.Context, s *cliSession, q *quarantine.SQLite) (audit.Event, string, error) {
		// The quarantine applies the relay's policy; it is read here to
		// say so when this command's configuration differs, and for the
		// record of a refused attempt.
		pol, err := q.ReleasePolicy(ctx)
		if err != nil {
			return audit.Event{}, "", err
		}
		if note := fourEyesNote(pol, s.cfg); note != "" {
			fmt.Fprintln(stderr, note)
		}
		ev := audit.Event{Action: audit.ActionReleaseRequest, Target: id, Justification: why, Detail: map[string]string{
			"four_eyes": strconv.FormatBool(pol.FourEyes), "recipients": "all"}}
		if len(rcpts) > 0 {
			ev.Detail["recipients"] = strconv.Itoa(len(rcpts))
		}
		req, err := q.RequestRelease(ctx, id, s.user.Name, rcpts, why)
		if err != nil {
			return ev, "", err
		}
		ev.Detail["four_eyes"] = strconv.FormatBool(req.Status == quarantine.StatusPendingApproval)
		ev.Detail["request"] = req.ID
		if asJSON {
			b, err := json.Marshal(req)
			return ev, string(b) + "\n", err
		}
		var out strings.Builder
		fmt.Fprintf(&out, "release %s of entry %s to %s: %s\n", req.ID, id, printable(strings.Join(req.Recipients, ", ")), req.Status)
		if req.Status == quarantine.StatusPendingApproval {
			fmt.Fprintf(&out, "four-eyes: another officer approves it with\n  dlprelay quarantine approve %s -why \"...\"\nand the running relay's release worker then delivers it.\n", req.ID)
		} else {
			fmt.Fprintf(&out, "the running relay's release worker delivers it shortly (dlprelay quarantine show %s tells the outcome).\n", id)
		}
		return ev, out.String(), nil
	})
}

// fourEyesNote tells, when the four-eyes rule the quarantine applies is not
// what this command's configuration says, which applies and why; "" when
// they agree.
func fourEyesNote(pol quarantine.ReleasePolicy, cfg *config.Config) string {
	mine := cfg.Console.FourEyes
	switch {
	case !pol.Recorded() && !mine:
		return fmt.Sprintf("dlprelay: note: no relay has recorded its console.four_eyes in %s (none ran with this data_dir, or one older than this dlprelay):\n"+
			"four-eyes applies, not this command's configuration (console.four_eyes: false)", cfg.DataDir)
	case pol.Recorded() && pol.FourEyes != mine:
		return fmt.Sprintf("dlprelay: note: the relay on %s runs with console.four_eyes: %v (recorded %s, from %s);\n"+
			"it applies, not this command's configuration (console.four_eyes: %v)",
			cfg.DataDir, pol.FourEyes, pol.SetAt.Local().Format("2006-01-02 15:04:05 -0700"), printable(pol.Source), mine)
	}
	return ""
}

func runQuarantineApprove(env *cliEnv, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("quarantine approve", "quarantine approve [-json] -why TEXT -user OFFICER REQUEST_ID|ID",
		"Approves a release request waiting for a second officer (four-eyes): name the\nrequest (rel-...) or the entry, whose one pending request is taken. The\nofficer who requested it cannot approve it. The running relay's release\nworker then delivers the message. Audited as release_approve.\n\n"+passwordHelp+"\n\n"+actionExit, stderr)
	var f consoleFlags
	f.register(fs, true)
	why := fs.String("why", "", "the `reason` for it, recorded in the audit log (required)")
	asJSON := fs.Bool("json", false, "print the request as one JSON object")
	pos, code, stop := parseArgs(fs, args, 1)
	if stop {
		return code
	}
	return report(stderr, quarantineApprove(env, &f, pos[0], *why, *asJSON, stdout))
}

func quarantineApprove(env *cliEnv, f *consoleFlags, id, why string, asJSON bool, stdout io.Writer) error {
	if err := checkEntryID(id); err != nil {
		return err
	}
	why, err := checkWhy(why)
	if err != nil {
		return err
	}
	return officerAction(env, f, "quarantine approve", id, stdout, func(ctx context.Context, s *cliSession, q *quarantine.SQLite) (audit.Event, string, error) {
		entryID, reqID, err := pendingRelease(ctx, q, id)
		if err != nil {
			return audit.Event{}, "", err
		}
		ev := audit.Event{Action: audit.ActionReleaseApprove, Target: entryID, Justification: why, Detail: map[string]string{"request": reqID}}
		if entryID == "" {
			// Not open: the store says what it is.
			ev.Target = reqID
		}
		req, err := q.ApproveRelease(ctx, reqID, s.user.Name)
		if errors.Is(err, quarantine.ErrSelfApproval) {
			return ev, "", &refusedError{fmt.Sprintf("%s requested release %s and cannot approve it too: another officer must (four-eyes)", s.user.Name, reqID), err}
		}
		if err != nil {
			return ev, "", err
		}
		ev.Target = req.EntryID
		if asJSON {
			b, err := json.Marshal(req)
			return ev, string(b) + "\n", err
		}
		return ev, fmt.Sprintf("release %s of entry %s approved by %s: the running relay's release worker delivers it shortly\n(dlprelay quarantine show %s tells the outcome).\n",
			req.ID, req.EntryID, s.user.Name, req.EntryID), nil
	})
}

// pendingRelease finds the release request that id names, and its entry:
// id is an entry (its one request waiting for approval) or a request. The
// entry of a request is looked for among the entries with an open request
// (a few); for a request that is not open, entryID is "" (ApproveRelease
// tells what it is).
func pendingRelease(ctx context.Context, q *quarantine.SQLite, id string) (entryID, reqID string, err error) {
	e, err := q.Get(ctx, id)
	switch {
	case err == nil:
		for _, r := range e.Releases {
			if r.Status == quarantine.StatusPendingApproval {
				return e.ID, r.ID, nil
			}
		}
		return "", "", refusedf("entry %s has no release request waiting for approval (it is %s)", id, e.Status)
	case !errors.Is(err, quarantine.ErrNotFound):
		return "", "", err
	}
	// A request: look for it among the entries with an open request.
	const pageSize = 500
	open := []quarantine.Status{quarantine.StatusPendingApproval, quarantine.StatusApproved, quarantine.StatusSending, quarantine.StatusReleaseUncertain}
	for off := 0; ; off += pageSize {
		page, err := q.List(ctx, quarantine.Filter{Statuses: open, Offset: off, Limit: pageSize})
		if err != nil {
			return "", "", err
		}
		for _, le := range page.Entries {
			e, err := q.Get(ctx, le.ID)
			if err != nil {
				continue // changed meanwhile
			}
			for _, r := range e.Releases {
				if r.ID == id {
					return e.ID, id, nil
				}
			}
		}
		if len(page.Entries) < pageSize {
			return "", id, nil
		}
	}
}

func runQuarantineDelete(env *cliEnv, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("quarantine delete", "quarantine delete -why TEXT -user OFFICER ID",
		"Deletes an entry's message; the entry stays, marked deleted, for the record. An\nentry on legal hold or being sent cannot be deleted. Audited as delete.\n\n"+passwordHelp+"\n\n"+actionExit, stderr)
	var f consoleFlags
	f.register(fs, true)
	why := fs.String("why", "", "the `reason` for it, recorded in the audit log (required)")
	pos, code, stop := parseArgs(fs, args, 1)
	if stop {
		return code
	}
	id := pos[0]
	err := func() error {
		if err := checkEntryID(id); err != nil {
			return err
		}
		why, err := checkWhy(*why)
		if err != nil {
			return err
		}
		return officerAction(env, &f, "quarantine delete", id, stdout, func(ctx context.Context, s *cliSession, q *quarantine.SQLite) (audit.Event, string, error) {
			ev := audit.Event{Action: audit.ActionDelete, Target: id, Justification: why}
			return ev, "deleted " + id + "\n", q.Delete(ctx, id)
		})
	}()
	return report(stderr, err)
}

func runQuarantineNote(env *cliEnv, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("quarantine note", "quarantine note -text TEXT -why TEXT -user OFFICER ID",
		"Adds a note to an entry (whatever its status). The note's text stays in the\nquarantine; the audit log records that a note was added (action note).\n\n"+passwordHelp+"\n\n"+actionExit, stderr)
	var f consoleFlags
	f.register(fs, true)
	text := fs.String("text", "", "the note's `text` (required)")
	why := fs.String("why", "", "the `reason` for it, recorded in the audit log (required)")
	pos, code, stop := parseArgs(fs, args, 1)
	if stop {
		return code
	}
	id := pos[0]
	err := func() error {
		if err := checkEntryID(id); err != nil {
			return err
		}
		why, err := checkWhy(*why)
		if err != nil {
			return err
		}
		note := strings.TrimSpace(*text)
		if note == "" || len(note) > quarantine.MaxNote || !freeText(note) {
			return usageErrorf("-text: 1 to %d bytes of text are required", quarantine.MaxNote)
		}
		return officerAction(env, &f, "quarantine note", id, stdout, func(ctx context.Context, s *cliSession, q *quarantine.SQLite) (audit.Event, string, error) {
			ev := audit.Event{Action: audit.ActionNote, Target: id, Justification: why}
			return ev, "note added to " + id + "\n", q.AddNote(ctx, id, s.user.Name, note)
		})
	}()
	return report(stderr, err)
}

func runQuarantineHold(env *cliEnv, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("quarantine hold", "quarantine hold -why TEXT -user OFFICER ID on|off",
		"Puts an entry on legal hold (it does not expire and cannot be deleted) or\ntakes it off. Audited as hold.\n\n"+passwordHelp+"\n\n"+actionExit, stderr)
	var f consoleFlags
	f.register(fs, true)
	why := fs.String("why", "", "the `reason` for it, recorded in the audit log (required)")
	pos, code, stop := parseArgs(fs, args, 2)
	if stop {
		return code
	}
	id := pos[0]
	err := func() error {
		if err := checkEntryID(id); err != nil {
			return err
		}
		var on bool
		switch pos[1] {
		case "on":
			on = true
		case "off":
		default:
			return usageErrorf("hold %s %q: want on or off", id, printable(pos[1]))
		}
		why, err := checkWhy(*why)
		if err != nil {
			return err
		}
		return officerAction(env, &f, "quarantine hold", id, stdout, func(ctx context.Context, s *cliSession, q *quarantine.SQLite) (audit.Event, string, error) {
			ev := audit.Event{Action: audit.ActionHold, Target: id, Justification: why, Detail: map[string]string{"hold": strconv.FormatBool(on)}}
			return ev, fmt.Sprintf("entry %s: legal hold %s\n", id, pos[1]), q.SetHold(ctx, id, on)
		})
	}()
	return report(stderr, err)
}
