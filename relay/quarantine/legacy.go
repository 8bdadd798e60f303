package quarantine

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/dlprelay/dlprelay/internal/durable"
)

// The folder store that came before this one kept entry id as the directory
// quarantine/<id> holding message.eml and entry.json, and built entries in
// quarantine/.tmp. importFolder turns such directories into entries of this
// store, held, so that messages held before an upgrade are neither lost to
// the console nor kept past the retention.
const (
	legacyTmp     = ".tmp"
	legacyMessage = "message.eml"
	legacyEntry   = "entry.json"
)

// importFolder imports every complete legacy entry and removes the legacy
// directories. It is idempotent: a crash halfway leaves a directory that
// the next Open imports (or, if its row was committed, removes).
func (s *SQLite) importFolder() error {
	des, err := os.ReadDir(s.dir)
	if err != nil {
		return fmt.Errorf("quarantine: %w", err)
	}
	for _, de := range des {
		if !de.IsDir() {
			continue
		}
		dir := filepath.Join(s.dir, de.Name())
		if de.Name() == legacyTmp {
			// Half-built legacy entries.
			if err := os.RemoveAll(dir); err != nil {
				return fmt.Errorf("quarantine: removing the old store's %s: %w", dir, err)
			}
			continue
		}
		if !ValidID(de.Name()) {
			continue
		}
		if err := s.importEntry(de.Name(), dir); err != nil {
			return fmt.Errorf("quarantine: importing the old store's entry %s: %w", dir, err)
		}
	}
	return nil
}

func (s *SQLite) importEntry(id, dir string) error {
	raw, err := os.ReadFile(filepath.Join(dir, legacyEntry))
	if errors.Is(err, fs.ErrNotExist) {
		return nil // not a legacy entry: leave it alone
	}
	if err != nil {
		return err
	}
	var e Entry
	if err := json.Unmarshal(raw, &e); err != nil {
		return err
	}
	if e.ID != id {
		return fmt.Errorf("%s names id %q", legacyEntry, e.ID)
	}
	ctx := context.Background()
	var exists int
	if err := s.r.QueryRowContext(ctx, "SELECT count(*) FROM entries WHERE id = ?", id).Scan(&exists); err != nil {
		return err
	}
	if exists == 0 {
		e, err = s.prepare(e)
		if err != nil {
			return err
		}
		final := s.msgPath(id)
		// A file left by an import that crashed before its commit
		// holds the same bytes; link afresh.
		if err := os.Remove(final); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		if err := os.Link(filepath.Join(dir, legacyMessage), final); err != nil {
			return err
		}
		fi, err := os.Stat(final)
		if err == nil {
			e.Size = fi.Size()
			err = durable.SyncDir(s.dir)
		}
		if err == nil {
			err = s.write(ctx, func(tx *sql.Tx) error { return insertEntry(ctx, tx, e) })
		}
		if err != nil {
			os.Remove(final)
			return err
		}
	}
	return os.RemoveAll(dir)
}
