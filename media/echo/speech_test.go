package echo_test

import (
	"testing"

	"github.com/potsgate/potsgate/internal/peer"
)

// speech returns a few sentences of synthetic speech (espeak-ng,
// resampled to 8 kHz by sox), its active part scaled to level dBm0.
func speech(t testing.TB, level float64, sentences ...string) []int16 {
	t.Helper()
	var all []float64
	for _, v := range peer.Speech(t, "en", sentences...) {
		all = append(all, float64(v))
	}
	return scaleTo(all, level)
}

var sentences = []string{
	"Hello, you have reached the potsgate analog gateway. Please hold while we connect your call.",
	"The quick brown fox jumps over the lazy dog, and then she sells sea shells by the sea shore.",
	"Good morning! How are you today? I am calling about the invoice from last Tuesday.",
}
