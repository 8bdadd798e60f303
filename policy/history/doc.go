// Package history owns the per-sender record of which customer records were
// sent outside and when, for the policy's rolling-window rules. It stores
// record keys (HMAC of the record ID when hashing is on), never customer
// values.
//
// A departing employee who sends a few customer records per message stays
// under every per-message threshold; the "low-and-slow" rule counts the
// distinct records a sender sent over a window (a day, a week) instead. The
// relay asks Since for the sender's records in the window and adds the
// message's own. Only records that left are history: a Ledger holds the
// records of a message in flight as a Reservation, counted by Since at once
// (so the sender's parallel messages see each other), banked by Commit when
// the upstream accepted the message, forgotten by Drop when it did not.
//
// Two Store implementations: SQLite, a file that survives restarts and
// crashes (Open for the relay, OpenReadOnly for tools that only look), and
// Memory, for tests and for running without a data directory. A Ledger
// wraps either and is a Store itself.
//
// Keys come from a Keyer: with a secret (LoadOrCreateSecret keeps one next to
// the database; LoadSecret reads one the operator keeps elsewhere) a key is a truncated HMAC-SHA256 of the record ID, so the
// database alone does not tell which customers were sent; without a secret
// the ID itself is the key.
package history
