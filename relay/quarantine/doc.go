// Package quarantine keeps messages that policy held back, in a plain folder
// store that survives crashes.
//
// Each entry is a directory dir/<id> holding message.eml (the message exactly
// as received) and entry.json (its Entry). An entry is built in dir/.tmp/<id>,
// both files and the directory are fsynced, and only then is it renamed into
// place and dir fsynced, so dir/<id> either holds a complete entry or does not
// exist. Whatever is left in dir/.tmp after a crash is removed by Open.
//
// The store is deliberately small; a later SQLite store with a web console
// will replace it behind the same operations.
package quarantine
