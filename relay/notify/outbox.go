package notify

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/dlprelay/dlprelay/internal/durable"
)

// The outbox keeps every notice the Notifier accepted as a file in
// Config.Dir until the notice is finished (sent, or failed for good), so a
// restart or a crash sends it later instead of losing it. A file is written
// whole to a temporary name, fsynced and renamed over its final name, and the
// directory is fsynced; it is rewritten when some recipients were reached, so
// a resent notice goes only to the others. A notice finished just before a
// crash may be sent once more after it: at least once, as SMTP itself.
//
// Files: <name>.notice, JSON of outboxFile. Anything else in the directory is
// left alone, except leftover temporary files (removed) and files that do not
// parse (renamed to <name>.bad and logged).

const (
	outboxExt = ".notice"
	badExt    = ".bad"
	tmpPrefix = ".tmp-"
)

// outboxFile is what a notice file holds: the built message and the
// recipients it has still to reach, and what the logs name it by.
type outboxFile struct {
	ID       string    `json:"id"`
	Action   string    `json:"action"`
	Audience string    `json:"audience"`
	To       []string  `json:"to"`
	Msg      []byte    `json:"msg"`
	Queued   time.Time `json:"queued"`
}

// newOutboxName returns a file name that sorts by creation time.
func newOutboxName() string {
	var b [6]byte
	rand.Read(b[:])
	return time.Now().UTC().Format("20060102T150405.000000000") + "-" + hex.EncodeToString(b[:]) + outboxExt
}

// keep writes j's file durably: a temporary file, fsync, rename over
// j.file, fsync of the directory.
func (n *Notifier) keep(j *job) error {
	b, err := encodeOutbox(j)
	if err != nil {
		return err
	}
	tmp, err := durable.WriteTemp(n.cfg.Dir, tmpPrefix+"*", b)
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(n.cfg.Dir, j.file)); err != nil {
		os.Remove(tmp)
		return err
	}
	return durable.SyncDir(n.cfg.Dir)
}

// forget removes j's file once j is finished.
func (n *Notifier) forget(j *job) {
	if j.file == "" {
		return
	}
	if err := os.Remove(filepath.Join(n.cfg.Dir, j.file)); err != nil && !errors.Is(err, os.ErrNotExist) {
		n.log.Error("notify: removing a finished notice from the outbox failed; it will be sent again at the next start",
			"id", j.id, "file", j.file, "err", err)
	}
}

// loadOutbox reads the notices kept in dir, oldest first.
func (n *Notifier) loadOutbox() ([]*job, error) {
	if err := os.MkdirAll(n.cfg.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("notify: outbox: %w", err)
	}
	entries, err := os.ReadDir(n.cfg.Dir)
	if err != nil {
		return nil, fmt.Errorf("notify: outbox: %w", err)
	}
	var jobs []*job
	for _, e := range entries {
		name := e.Name()
		path := filepath.Join(n.cfg.Dir, name)
		switch {
		case !e.Type().IsRegular():
			continue
		case strings.HasPrefix(name, tmpPrefix):
			os.Remove(path) // a write cut off by a crash; its notice is in its old file or was never accepted
			continue
		case !strings.HasSuffix(name, outboxExt):
			continue
		}
		j, err := readOutboxFile(path)
		if err != nil {
			bad := strings.TrimSuffix(path, outboxExt) + badExt
			n.log.Error("notify: unreadable notice in the outbox, set aside", "file", name, "renamed_to", filepath.Base(bad), "err", err)
			if rerr := os.Rename(path, bad); rerr != nil {
				return nil, fmt.Errorf("notify: outbox: setting aside %s: %w", name, rerr)
			}
			continue
		}
		j.file = name
		jobs = append(jobs, j)
	}
	slices.SortFunc(jobs, func(a, b *job) int { return strings.Compare(a.file, b.file) })
	return jobs, nil
}

// maxOutboxFile bounds what loadOutbox reads from one file; a notice is a
// few KiB.
const maxOutboxFile = 1 << 20

func readOutboxFile(path string) (*job, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxOutboxFile+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxOutboxFile {
		return nil, fmt.Errorf("larger than %d bytes", maxOutboxFile)
	}
	return decodeOutbox(b)
}

// encodeOutbox is the content of j's file.
func encodeOutbox(j *job) ([]byte, error) {
	return json.Marshal(outboxFile{ID: j.id, Action: j.action, Audience: j.audience, To: j.to, Msg: j.msg, Queued: j.queued})
}

// decodeOutbox reads a file's content back into a job, checking what
// sending it relies on.
func decodeOutbox(b []byte) (*job, error) {
	var of outboxFile
	if err := json.Unmarshal(b, &of); err != nil {
		return nil, err
	}
	if len(of.Msg) == 0 || len(of.To) == 0 {
		return nil, errors.New("no message or no recipients")
	}
	for _, to := range of.To {
		if err := checkAddr(to); err != nil {
			return nil, fmt.Errorf("recipient: %w", err)
		}
	}
	return &job{id: of.ID, action: of.Action, audience: of.Audience, to: of.To, msg: of.Msg, queued: of.Queued}, nil
}
