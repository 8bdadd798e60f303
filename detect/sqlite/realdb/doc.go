// Package realdb tests package sqlite on databases that SQLite itself
// writes (modernc.org/sqlite, already a dependency of the module): random
// rows in every page size and text encoding, payloads on both sides of
// every overflow threshold, and a 5 MB database for BenchmarkReader. It
// is a package of its own, with no code but this comment, so that
// package sqlite's test binary, which go test -fuzz instruments, does not
// hold SQLite (its coverage map makes fuzzing crawl).
package realdb
