package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/dlprelay/dlprelay/relay/audit"
	"github.com/dlprelay/dlprelay/relay/users"
)

const auditDescription = "Checks and exports the audit log in data_dir/audit.db: the hash-chained record\nof what people did in the console and with these commands. Run as the relay's\nsystem user, so that the files stay the relay's."

var auditCommands = []subcommand{
	{"verify", "recompute the hash chain and name the first bad entry (no login)", runAuditVerify},
	{"export", "write the log, or part of it, as CSV or JSON (admin)", runAuditExport},
}

func runAudit(args []string, stdout, stderr io.Writer) int {
	return runAuditEnv(processEnv(), args, stdout, stderr)
}

func runAuditEnv(env *cliEnv, args []string, stdout, stderr io.Writer) int {
	return runGroup("audit", auditDescription, auditCommands, env, args, stdout, stderr)
}

func runAuditVerify(env *cliEnv, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("audit verify", "audit verify [-config FILE] [-data DIR] [-pin SEQ:HASH ...]",
		"Recomputes the audit log's hash chain and checks it against the anchor (the\ncount and last hash written with each entry). It needs no login: it opens the\nlog read-only, beside a running relay, and is what an auditor runs.\n\nThe chain has no secret: whoever can write the file can rewrite entries and\nrecompute every hash after them. A hash kept outside the file catches that.\nThe relay logs \"audit entry appended\" with seq and hash for each entry (and\n\"audit log head\" at start and hourly), and this command prints the last one;\nkeep either where the file's writers cannot reach, and pass it back with\n-pin: the entry must still have that hash.\n\nPrints \"audit log OK: N entries, pin SEQ:HASH\", or \"audit log TAMPERED at\nseq S: reason\".\nExit status: 0 intact, 1 tampered or unreadable, 2 usage.", stderr)
	var f consoleFlags
	f.register(fs, false)
	var pins []audit.Pin
	fs.Func("pin", "`SEQ:HASH` that entry SEQ must still have, from the relay's log or an earlier\nverify (repeatable)", func(s string) error {
		p, err := audit.ParsePin(s)
		if err != nil {
			// The flag package names the flag and the value.
			return errors.New("want SEQ:HASH, a seq from 1 and 64 lower-case hex digits")
		}
		pins = append(pins, p)
		return nil
	})
	if _, code, stop := parseArgs(fs, args, 0); stop {
		return code
	}
	return report(stderr, auditVerify(&f, pins, stdout))
}

func auditVerify(f *consoleFlags, pins []audit.Pin, stdout io.Writer) error {
	cfg, err := f.load()
	if err != nil {
		return err
	}
	path := filepath.Join(cfg.DataDir, auditFile)
	log, err := audit.OpenReadOnly(path)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("no audit log at %s", path)
	}
	if err != nil {
		return err
	}
	defer log.Close()
	head, err := log.VerifyPinned(context.Background(), pins)
	var te *audit.TamperedError
	if errors.As(err, &te) {
		fmt.Fprintf(stdout, "audit log TAMPERED at seq %d: %s\n", te.Seq, printable(te.Reason))
		return errQuiet // reported on stdout
	}
	if err != nil {
		return err
	}
	if head.Seq == 0 {
		fmt.Fprintln(stdout, "audit log OK: 0 entries")
		return nil
	}
	fmt.Fprintf(stdout, "audit log OK: %d entries, pin %s\n", head.Seq, head)
	return nil
}

func runAuditExport(env *cliEnv, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("audit export", "audit export [-format csv|json] [-since T] [-until T] [-actor NAME] [-action ACTION] [-target ID] [-o FILE|-] -why TEXT -user ADMIN",
		"Writes the matching audit records, oldest first, as CSV (a header row, then\nseq, time, actor, action, target, justification, detail, remote, prev_hash,\nhash) or JSON (one array): everything needed to recompute the hashes. The\nexport itself is audited first (action export). Times: RFC 3339,\nYYYY-MM-DD[ HH:MM] in local time, or an age such as 36h or 7d; -since is\ninclusive, -until exclusive. Import a CSV into a spreadsheet as text: a field\nthat starts with = is written as it is.\n\n"+passwordHelp+"\n\nExit status: 0 written, 1 refused or failed, 2 usage.", stderr)
	var f consoleFlags
	f.register(fs, true)
	format := fs.String("format", audit.FormatCSV, "`format`: csv or json")
	since := fs.String("since", "", "records at or after this `time`")
	until := fs.String("until", "", "records before this `time`")
	actor := fs.String("actor", "", "records by this `user` only")
	action := fs.String("action", "", "records of this `action` only (login, login_failed, view, reveal, download, release_request, release_approve, release_outcome, delete, note, hold, extend, user_change, config_reload, export, customers_accept, ...)")
	target := fs.String("target", "", "records about this `target` only (entry id, user name)")
	out := fs.String("o", "-", "output `file`; - is stdout")
	why := fs.String("why", "", "the `reason` for it, recorded in the audit log (required)")
	if _, code, stop := parseArgs(fs, args, 0); stop {
		return code
	}
	why2, err := checkWhy(*why)
	if err != nil {
		return report(stderr, err)
	}
	if *format != audit.FormatCSV && *format != audit.FormatJSON {
		return report(stderr, usageErrorf("-format %q: want csv or json", *format))
	}
	now := time.Now()
	q := audit.Query{Actor: *actor, Action: audit.Action(*action), Target: *target}
	if q.From, err = parseWhen("since", *since, now); err != nil {
		return report(stderr, err)
	}
	if q.To, err = parseWhen("until", *until, now); err != nil {
		return report(stderr, err)
	}
	detail := map[string]string{"format": *format}
	for k, v := range map[string]string{"actor": *actor, "action": *action, "target": *target, "from": *since, "to": *until} {
		if v != "" {
			detail[k] = v
		}
	}
	return report(stderr, auditExport(env, &f, q, *format, *out, why2, detail, stdout))
}

func auditExport(env *cliEnv, f *consoleFlags, q audit.Query, format, out, why string, detail map[string]string, stdout io.Writer) error {
	ctx := context.Background()
	s, err := login(ctx, env, f, users.Admin, "audit export")
	if err != nil {
		return err
	}
	defer s.close()
	w, file := stdout, (*os.File)(nil)
	if out != "-" {
		if file, err = os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600); err != nil {
			return err
		}
		w = file
	}
	// Audited before anything is written, as the console does: an export
	// that cannot be recorded does not happen.
	err = s.record(ctx, audit.Event{Action: audit.ActionExport, Target: "audit", Justification: why, Detail: detail})
	if err == nil {
		err = s.log.Export(ctx, q, format, w)
	}
	if file != nil {
		if err == nil {
			err = file.Sync()
		}
		if cerr := file.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(out)
		}
	}
	return err
}
