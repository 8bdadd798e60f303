package history

import (
	"context"
	"database/sql"
)

// userVersion reads the PRAGMA user_version of db. Opening and migrating
// moved to internal/sqlitedb; the tests here still check what Open wrote.
func userVersion(ctx context.Context, db *sql.DB) (int, error) {
	var v int
	err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v)
	return v, err
}
