//go:build !race

package rtpsession

const raceEnabled = false
