//go:build race

package ppt

// raceEnabled: the race detector is on (memory measures mean nothing
// then, and big inputs take minutes).
const raceEnabled = true
