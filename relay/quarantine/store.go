package quarantine

import (
	"cmp"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// File and directory names inside the store.
const (
	tmpDir      = ".tmp"
	messageFile = "message.eml"
	entryFile   = "entry.json"
)

// maxIDLen bounds caller-chosen IDs; generated IDs are 43 bytes.
const maxIDLen = 128

// Entry describes one quarantined message. It holds customer record IDs, never
// the matched values.
type Entry struct {
	// ID names the entry. Put generates one when empty: the UTC receive time
	// and 64 random bits, so IDs sort by time.
	ID string `json:"id"`
	// Received is when the relay received the message. Put sets it to the
	// current time when zero, and stores it in UTC.
	Received   time.Time `json:"received"`
	ClientAddr string    `json:"client_addr"`
	Helo       string    `json:"helo"`
	Sender     string    `json:"sender"`
	Recipients []string  `json:"recipients"`
	// Verdict and Reasons are the policy action and reasons, as strings.
	Verdict string   `json:"verdict"`
	Reasons []string `json:"reasons"`
	// Rules are the names of the policy rules that fired.
	Rules []string `json:"rules,omitempty"`
	// Records is the number of distinct customer records found; RecordIDs
	// are their IDs from the customer list.
	Records   int      `json:"records"`
	RecordIDs []string `json:"record_ids"`
	// Size is the length of the stored message in bytes; Put sets it.
	Size int64 `json:"size"`

	// Subject is the decoded Subject header, for the console's list. It
	// may hold customer data: shown only to logged-in users, never logged.
	Subject string `json:"subject,omitempty"`
	// Findings is the JSON of the detector's per-record findings (record
	// IDs, fields, parts, match offsets; never values), for the console's
	// masked snippets.
	Findings json.RawMessage `json:"findings,omitempty"`
	// Status, ExpiresAt and Hold are kept by the store.
	Status    Status    `json:"status,omitempty"`
	ExpiresAt time.Time `json:"expires_at,omitempty"`
	Hold      bool      `json:"hold,omitempty"`
	// Notes and Releases are filled by Get.
	Notes    []Note           `json:"notes,omitempty"`
	Releases []ReleaseRequest `json:"releases,omitempty"`
}

// Folder is the first, folder-only quarantine (replaced by the SQLite store of issue 5). Its methods are safe for concurrent use by
// one process; two processes must not open the same directory, because Open
// clears the other's half-written entries.
type Folder struct {
	dir string
}

// Open opens the store in dir, creating dir and dir/.tmp with mode 0700 if
// needed, and removes whatever a crash left in dir/.tmp.
func Open(dir string) (*Folder, error) {
	tmp := filepath.Join(dir, tmpDir)
	if err := os.MkdirAll(tmp, 0o700); err != nil {
		return nil, fmt.Errorf("quarantine: open: %w", err)
	}
	leftovers, err := os.ReadDir(tmp)
	if err != nil {
		return nil, fmt.Errorf("quarantine: open: %w", err)
	}
	for _, l := range leftovers {
		if err := os.RemoveAll(filepath.Join(tmp, l.Name())); err != nil {
			return nil, fmt.Errorf("quarantine: open: removing stale %s: %w", l.Name(), err)
		}
	}
	return &Folder{dir: dir}, nil
}

// Dir returns the directory the store lives in.
func (s *Folder) Dir() string { return s.dir }

// ValidID reports whether id can name an entry: 1 to 128 bytes of ASCII
// letters, digits, '.', '_' and '-', not starting with '.'. This rules out
// path separators, "..", and the store's own .tmp directory.
func ValidID(id string) bool {
	if id == "" || len(id) > maxIDLen || id[0] == '.' {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

func checkID(id string) error {
	if !ValidID(id) {
		return fmt.Errorf("quarantine: %w %q", ErrInvalidID, id)
	}
	return nil
}

// newID returns an ID that sorts by t: "20060102T150405.000000000Z-" and 16
// random hex digits.
func newID(t time.Time) string {
	var b [8]byte
	rand.Read(b[:]) // never fails (crypto/rand documents it)
	return t.UTC().Format("20060102T150405.000000000Z") + "-" + hex.EncodeToString(b[:])
}

// Put stores msg with its entry and returns the entry as stored, with ID,
// Received and Size set. When Put returns nil the entry is durable: both files,
// the entry directory and the store directory have been fsynced. On error
// nothing is left under dir/<id>. A caller-chosen ID that already exists is an
// error (wrapping fs.ErrExist).
func (s *Folder) Put(e Entry, msg io.Reader) (Entry, error) {
	if e.Received.IsZero() {
		e.Received = time.Now()
	}
	e.Received = e.Received.UTC() // as it will read back from entry.json
	if e.ID == "" {
		e.ID = newID(e.Received)
	} else if err := checkID(e.ID); err != nil {
		return Entry{}, err
	}
	final := filepath.Join(s.dir, e.ID)
	if _, err := os.Lstat(final); err == nil {
		return Entry{}, fmt.Errorf("quarantine: put %s: %w", e.ID, fs.ErrExist)
	}

	tmp := filepath.Join(s.dir, tmpDir, e.ID)
	if err := os.Mkdir(tmp, 0o700); err != nil {
		return Entry{}, fmt.Errorf("quarantine: put %s: %w", e.ID, err)
	}
	stored, err := s.build(tmp, e, msg)
	if err == nil {
		err = os.Rename(tmp, final)
	}
	if err != nil {
		os.RemoveAll(tmp)
		return Entry{}, fmt.Errorf("quarantine: put %s: %w", e.ID, err)
	}
	if err := syncDir(s.dir); err != nil {
		// The entry is complete but its name may not survive a crash;
		// take it back so that an error always means "not stored".
		os.RemoveAll(final)
		return Entry{}, fmt.Errorf("quarantine: put %s: %w", e.ID, err)
	}
	return stored, nil
}

// build writes and fsyncs both files and the directory tmp.
func (s *Folder) build(tmp string, e Entry, msg io.Reader) (Entry, error) {
	n, err := writeFile(filepath.Join(tmp, messageFile), func(w io.Writer) (int64, error) {
		return io.Copy(w, msg)
	})
	if err != nil {
		return Entry{}, err
	}
	e.Size = n
	js, err := json.MarshalIndent(e, "", "  ")
	if err != nil {
		return Entry{}, err
	}
	js = append(js, '\n')
	if _, err := writeFile(filepath.Join(tmp, entryFile), func(w io.Writer) (int64, error) {
		n, err := w.Write(js)
		return int64(n), err
	}); err != nil {
		return Entry{}, err
	}
	if err := syncDir(tmp); err != nil {
		return Entry{}, err
	}
	return e, nil
}

// writeFile creates path (which must not exist), fills it with write, fsyncs
// and closes it.
func writeFile(path string, write func(io.Writer) (int64, error)) (int64, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return 0, err
	}
	n, err := write(f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return n, err
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// Get returns the entry id and its message. The caller must close the
// message. An unknown id gives an error wrapping ErrNotFound.
func (s *Folder) Get(id string) (Entry, io.ReadCloser, error) {
	if err := checkID(id); err != nil {
		return Entry{}, nil, err
	}
	e, err := s.readEntry(id)
	if err != nil {
		return Entry{}, nil, err
	}
	f, err := os.Open(filepath.Join(s.dir, id, messageFile))
	if err != nil {
		return Entry{}, nil, s.notFound(id, err)
	}
	return e, f, nil
}

func (s *Folder) readEntry(id string) (Entry, error) {
	b, err := os.ReadFile(filepath.Join(s.dir, id, entryFile))
	if err != nil {
		return Entry{}, s.notFound(id, err)
	}
	var e Entry
	if err := json.Unmarshal(b, &e); err != nil {
		return Entry{}, fmt.Errorf("quarantine: entry %s: corrupt %s: %w", id, entryFile, err)
	}
	if e.ID != id {
		return Entry{}, fmt.Errorf("quarantine: entry %s: %s names id %q", id, entryFile, e.ID)
	}
	return e, nil
}

func (s *Folder) notFound(id string, err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("quarantine: entry %s: %w", id, ErrNotFound)
	}
	return fmt.Errorf("quarantine: entry %s: %w", id, err)
}

// List returns every entry, oldest Received first (ties by ID). It reads the
// subdirectories of dir whose names are valid IDs and ignores everything
// else, including .tmp. An entry directory without a readable entry.json is
// an error: the store never creates one, so it means damage worth seeing.
func (s *Folder) List() ([]Entry, error) {
	des, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, fmt.Errorf("quarantine: list: %w", err)
	}
	var entries []Entry
	var errs []error
	for _, de := range des {
		if !de.IsDir() || !ValidID(de.Name()) {
			continue
		}
		e, err := s.readEntry(de.Name())
		if errors.Is(err, ErrNotFound) {
			// Deleted since ReadDir.
			if _, serr := os.Lstat(filepath.Join(s.dir, de.Name())); errors.Is(serr, fs.ErrNotExist) {
				continue
			}
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		entries = append(entries, e)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	slices.SortFunc(entries, func(a, b Entry) int {
		if c := a.Received.Compare(b.Received); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return entries, nil
}

// Delete removes entry id. The entry disappears atomically (it is renamed
// into .tmp before its files are removed). An unknown id gives an error
// wrapping ErrNotFound.
func (s *Folder) Delete(id string) error {
	if err := checkID(id); err != nil {
		return err
	}
	dir := filepath.Join(s.dir, id)
	if fi, err := os.Lstat(dir); err != nil || !fi.IsDir() {
		if err == nil {
			err = fs.ErrNotExist // not an entry
		}
		return s.notFound(id, err)
	}
	doomed := filepath.Join(s.dir, tmpDir, "deleted-"+newID(time.Now()))
	if err := os.Rename(dir, doomed); err != nil {
		return s.notFound(id, err)
	}
	if err := syncDir(s.dir); err != nil {
		return fmt.Errorf("quarantine: delete %s: %w", id, err)
	}
	if err := os.RemoveAll(doomed); err != nil {
		return fmt.Errorf("quarantine: delete %s: %w", id, err)
	}
	return nil
}
