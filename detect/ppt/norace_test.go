//go:build !race

package ppt

const raceEnabled = false
