package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/dlprelay/dlprelay/detect"
	"github.com/dlprelay/dlprelay/relay/inspect"
)

func runScan(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("scan", "scan [flags] FILE.eml...",
		"Scans messages offline with the configured customer list and policy, and prints\nthe customer records found (IDs, fields, parts and offsets, never values), the\nparts, what could not be scanned and the verdict. With -json, one JSON object per\nmessage and line.\n\nExit status: 0 every file scanned (whatever the verdict), 1 a file could not be\nread, 2 a usage or configuration error.", stderr)
	var cf configFlags
	cf.register(fs, false)
	asJSON := fs.Bool("json", false, "print one JSON object per file instead of text")
	sender := fs.String("sender", "", "envelope sender `address` to judge the message with")
	var rcpts stringList
	fs.Var(&rcpts, "rcpt", "envelope recipient `address` (repeatable)")
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
	eng, err := inspect.Build(cfg, nil)
	if err != nil {
		fmt.Fprintf(stderr, "dlprelay: %v\n", err)
		return 2
	}
	env := inspect.Envelope{Sender: *sender, Recipients: rcpts}
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
	File         string               `json:"file"`
	Verdict      string               `json:"verdict"`
	Reasons      []string             `json:"reasons"`
	RecordCount  int                  `json:"record_count"`
	Records      []detect.RecordHit   `json:"records"`
	Unscannable  []detect.Unscannable `json:"unscannable"`
	Parts        []detect.Part        `json:"parts"`
	BytesScanned int64                `json:"bytes_scanned"`
}

func newScanReport(name string, d inspect.Decision) scanReport {
	r := scanReport{
		File: name, Verdict: d.Verdict.Action.String(), Reasons: reasonList(d), RecordCount: d.Verdict.Records,
		Records: d.Result.Records, Unscannable: d.Result.Unscannable, Parts: d.Result.Parts, BytesScanned: d.Result.BytesScanned,
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
	return eng.Inspect(context.Background(), env, f)
}

func reasonList(d inspect.Decision) []string {
	out := []string{}
	for _, r := range d.Verdict.Reasons {
		out = append(out, string(r))
	}
	return out
}

func printScan(w io.Writer, name string, d inspect.Decision) {
	fmt.Fprintf(w, "%s\n  verdict: %s (%s)\n  records: %d\n", name, d.Verdict.Action, strings.Join(reasonList(d), ", "), d.Verdict.Records)
	for _, r := range d.Result.Records {
		fields := make([]string, len(r.Fields))
		for i, f := range r.Fields {
			fields[i] = string(f)
		}
		fmt.Fprintf(w, "    record %s: fields %s in parts %s\n", r.ID, strings.Join(fields, ","), strings.Join(r.Parts, ","))
	}
	fmt.Fprintf(w, "  parts:\n")
	for _, p := range d.Result.Parts {
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
		fmt.Fprintf(w, "    %s %s %d bytes%s\n", p.Path, p.ContentType, p.Bytes, extra)
	}
	for _, u := range d.Result.Unscannable {
		fmt.Fprintf(w, "  unscannable: part %s: %s\n", u.Part, u.Reason)
	}
}

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }
