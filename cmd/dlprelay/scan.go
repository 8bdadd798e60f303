package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/dlprelay/dlprelay/detect"
	"github.com/dlprelay/dlprelay/policy/history"
	"github.com/dlprelay/dlprelay/relay/inspect"
)

func runScan(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("scan", "scan [flags] FILE.eml...",
		"Scans messages offline with the configured customer list, watchlist and policy,\nand prints the verdict with the rule trace (every rule that fired and why), the\ncustomer records found (IDs, fields, parts and offsets, never values), the parts\nand what could not be scanned. -sender and -rcpt set the envelope the rules see;\n-history reads the relay's sender history (read-only) for windowed rules; -at\njudges as of another time (watchlist dates, windows). With -json, one JSON\nobject per message and line.\n\nExit status: 0 every file scanned (whatever the verdict), 1 a file could not be\nread, 2 a usage or configuration error.", stderr)
	var cf configFlags
	cf.register(fs, false)
	asJSON := fs.Bool("json", false, "print one JSON object per file instead of text")
	sender := fs.String("sender", "", "envelope sender `address` to judge the message with")
	var rcpts stringList
	fs.Var(&rcpts, "rcpt", "envelope recipient `address` (repeatable); default: one external recipient")
	useHistory := fs.Bool("history", false, "read the sender history in data_dir (read-only) for windowed rules; default: windows count this message only")
	at := fs.String("at", "", "judge as of this `time` (RFC 3339, e.g. 2026-12-01T10:00:00+09:00) instead of now")
	if code, stop := parseFlags(fs, args); stop {
		return code
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return 2
	}
	cfg, err := cf.load()
	if err != nil {
		fmt.Fprintf(stderr, "dlprelay: %v\n", err)
		return 2
	}
	opt := inspect.Options{}
	if *at != "" {
		t, err := time.Parse(time.RFC3339, *at)
		if err != nil {
			fmt.Fprintf(stderr, "dlprelay: -at: %v\n", err)
			return 2
		}
		opt.Now = func() time.Time { return t }
	}
	if *useHistory {
		h, err := history.OpenReadOnly(inspect.HistoryPath(cfg))
		if err != nil {
			fmt.Fprintf(stderr, "dlprelay: -history: %v\n", err)
			return 2
		}
		defer h.Close()
		opt.History = history.NewLedger(readOnly{h})
		if opt.Keyer, err = inspect.HistoryKeyer(cfg); err != nil {
			fmt.Fprintf(stderr, "dlprelay: -history: %v\n", err)
			return 2
		}
	}
	eng, err := inspect.Build(cfg, opt)
	if err != nil {
		fmt.Fprintf(stderr, "dlprelay: %v\n", err)
		return 2
	}
	env := inspect.Envelope{Sender: *sender, Recipients: rcpts}
	if len(rcpts) == 0 {
		// Without an envelope, judge the message as mail leaving the
		// company, which is what the rules are about.
		env.Recipients = []string{unspecifiedRecipient}
	}
	status := 0
	enc := json.NewEncoder(stdout)
	for _, name := range fs.Args() {
		d, err := scanFile(eng, env, name)
		if err != nil {
			fmt.Fprintf(stderr, "dlprelay: %s: %v\n", name, err)
			status = 1
			continue
		}
		if *asJSON {
			enc.Encode(newScanReport(name, d))
			continue
		}
		printScan(stdout, name, d)
	}
	return status
}

// scanReport is the -json output for one message. It carries customer IDs,
// fields, part paths and offsets, never customer values.
type scanReport struct {
	File    string `json:"file"`
	Verdict string `json:"verdict"`
	// Rule decided the verdict; Would and WouldRule are what monitor rules
	// would have done (equal to Verdict when nothing is monitored).
	Rule         string               `json:"rule,omitempty"`
	Would        string               `json:"would"`
	WouldRule    string               `json:"would_rule,omitempty"`
	Fired        []firedReport        `json:"fired"`
	Watchlisted  bool                 `json:"watchlisted"`
	Classes      []string             `json:"classes"`
	HighRecords  int                  `json:"high_records"`
	Attachments  int                  `json:"attachments"`
	Contacts     int                  `json:"contacts"`
	Reasons      []string             `json:"reasons"`
	RecordCount  int                  `json:"record_count"`
	Records      []detect.RecordHit   `json:"records"`
	Unscannable  []detect.Unscannable `json:"unscannable"`
	Parts        []detect.Part        `json:"parts"`
	BytesScanned int64                `json:"bytes_scanned"`
}

// firedReport is one rule in the trace.
type firedReport struct {
	Rule     string   `json:"rule"`
	Action   string   `json:"action"`
	Monitor  bool     `json:"monitor,omitempty"`
	Decisive bool     `json:"decisive,omitempty"`
	Reasons  []string `json:"reasons"`
	Why      string   `json:"why"`
}

func newScanReport(name string, d inspect.Decision) scanReport {
	v := d.Verdict
	r := scanReport{
		File: name, Verdict: v.Action.String(), Rule: v.Rule, Would: v.Would.String(), WouldRule: v.WouldRule,
		Fired: []firedReport{}, Watchlisted: d.Watchlisted, Classes: []string{}, HighRecords: v.HighRecords,
		Attachments: d.Result.Attachments, Contacts: len(d.Result.Contacts),
		Reasons: reasonList(d), RecordCount: v.Records,
		Records: d.Result.Records, Unscannable: d.Result.Unscannable, Parts: d.Result.Parts, BytesScanned: d.Result.BytesScanned,
	}
	if v.Would < v.Action {
		r.Would, r.WouldRule = r.Verdict, r.Rule
	}
	for _, c := range v.Classes {
		r.Classes = append(r.Classes, string(c))
	}
	for _, f := range v.Fired {
		fr := firedReport{Rule: f.Rule, Action: f.Action.String(), Monitor: f.Monitor, Decisive: f.Decisive, Why: f.Why}
		for _, re := range f.Reasons {
			fr.Reasons = append(fr.Reasons, string(re))
		}
		r.Fired = append(r.Fired, fr)
	}
	// Empty lists as [] rather than null, for consumers that iterate.
	if r.Records == nil {
		r.Records = []detect.RecordHit{}
	}
	if r.Unscannable == nil {
		r.Unscannable = []detect.Unscannable{}
	}
	return r
}

func scanFile(eng *inspect.Engine, env inspect.Envelope, name string) (inspect.Decision, error) {
	f, err := os.Open(name)
	if err != nil {
		return inspect.Decision{}, err
	}
	defer f.Close()
	d, err := eng.Inspect(context.Background(), env, f)
	// Nothing is sent: each file is judged against the relay's history
	// alone, not against the files scanned before it.
	d.NotSent()
	return d, err
}

func reasonList(d inspect.Decision) []string {
	out := []string{}
	for _, r := range d.Verdict.Reasons {
		out = append(out, string(r))
	}
	return out
}

func printScan(w io.Writer, name string, d inspect.Decision) {
	v := d.Verdict
	decided := v.Rule
	if decided == "" {
		decided = "no rule fired"
	}
	fmt.Fprintf(w, "%s\n  verdict: %s (%s)\n", name, v.Action, decided)
	if v.Monitored() {
		fmt.Fprintf(w, "  would: %s (%s, monitored)\n", v.Would, v.WouldRule)
	}
	classes := make([]string, len(v.Classes))
	for i, c := range v.Classes {
		classes[i] = string(c)
	}
	fmt.Fprintf(w, "  recipients: %s; watchlisted: %v\n", strings.Join(classes, ", "), d.Watchlisted)
	fmt.Fprintf(w, "  rules fired:\n")
	if len(v.Fired) == 0 {
		fmt.Fprintf(w, "    (none)\n")
	}
	for _, f := range v.Fired {
		mark := " "
		if f.Decisive {
			mark = "*"
		}
		mon := ""
		if f.Monitor {
			mon = " (monitor)"
		}
		fmt.Fprintf(w, "  %s %s → %s%s: %s\n", mark, f.Rule, f.Action, mon, f.Why)
	}
	fmt.Fprintf(w, "  records: %d (%d high confidence); attachments: %d; private contacts given: %d\n",
		v.Records, v.HighRecords, d.Result.Attachments, len(d.Result.Contacts))
	for _, r := range d.Result.Records {
		fields := make([]string, len(r.Fields))
		for i, f := range r.Fields {
			fields[i] = string(f)
		}
		fmt.Fprintf(w, "    record %s: fields %s in parts %s\n", r.ID, strings.Join(fields, ","), strings.Join(r.Parts, ","))
	}
	fmt.Fprintf(w, "  parts (path, how it was read, declared type, text bytes scanned):\n")
	for _, p := range d.Result.Parts {
		how := string(p.Disposition)
		if p.Kind != "" {
			how += " " + p.Kind
		}
		extra := ""
		if p.Filename != "" {
			extra += " filename=" + p.Filename
		}
		if p.Charset != "" {
			extra += " charset=" + p.Charset
		}
		if p.Note != "" {
			extra += " note=" + p.Note
		}
		fmt.Fprintf(w, "    %s [%s] %s %d bytes%s\n", p.Path, how, p.ContentType, p.Bytes, extra)
	}
	for _, u := range d.Result.Unscannable {
		kind := ""
		if u.Kind != "" {
			kind = " (" + u.Kind + ")"
		}
		fmt.Fprintf(w, "  unscannable: part %s: %s%s\n", u.Part, u.Reason, kind)
	}
}

// readOnly lets the engine read a history it must not write to: scanning a
// message offline never changes what the relay remembers.
type readOnly struct{ history.Store }

func (readOnly) Add(context.Context, string, []history.Entry) error { return nil }

// unspecifiedRecipient stands for "someone outside" when scan is given no
// -rcpt; the .invalid domain (RFC 2606) is in no class but external.
const unspecifiedRecipient = "recipient@external.invalid"

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }
