//go:build race

package doc

// raceEnabled: the race detector is on (memory measures mean nothing
// then, and big inputs take minutes).
const raceEnabled = true
