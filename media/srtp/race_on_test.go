//go:build race

package srtp

// raceEnabled: the race detector drops sync.Pool entries at random, so
// allocation counts mean nothing under it.
const raceEnabled = true
