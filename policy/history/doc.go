// Package history owns the per-sender record of which customer records were
// sent outside and when, for the policy's rolling-window rules. It stores
// record keys (HMAC of the record ID when hashing is on), never customer
// values.
//
// A departing employee who sends a few customer records per message stays
// under every per-message threshold; the "low-and-slow" rule counts the
// distinct records a sender sent over a window (a day, a week) instead. The
// relay asks Since for the sender's records in the window, adds the message's
// own, and after the message went out calls Add so the next message sees them.
//
// Two Store implementations: SQLite, a file that survives restarts and
// crashes (Open for the relay, OpenReadOnly for tools that only look), and
// Memory, for tests and for running without a data directory.
//
// Keys come from a Keyer: with a secret (LoadOrCreateSecret keeps one next to
// the database; LoadSecret reads one the operator keeps elsewhere) a key is a truncated HMAC-SHA256 of the record ID, so the
// database alone does not tell which customers were sent; without a secret
// the ID itself is the key.
package history
