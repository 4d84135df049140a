package fax_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/potsgate/potsgate/internal/peer"
	"github.com/potsgate/potsgate/media/fax"
)

// speech returns sentences spoken by espeak-ng with voice (resampled to
// 8 kHz by sox), scaled so its active part is at level dBm0.
func speech(t testing.TB, voice string, level float64, sentences ...string) []int16 {
	t.Helper()
	var all []float64
	for _, v := range peer.Speech(t, voice, sentences...) {
		all = append(all, float64(v))
	}
	var e float64
	k := 0
	for _, v := range all {
		if math.Abs(v) > 30 {
			e += v * v
			k++
		}
	}
	g := math.Sqrt(sinePower(level) / (e / float64(max(k, 1))))
	for i := range all {
		all[i] *= g
	}
	return pcm(all)
}

func sinePower(level float64) float64 {
	a, _ := tone(1, 0, level, math.Pi/2)
	return a[0] * a[0] / 2
}

var sentences = []string{
	"Hello, you have reached the potsgate analog gateway. Please hold while we connect your call.",
	"The quick brown fox jumps over the lazy dog, and then she sells sea shells by the sea shore.",
	"Good morning! How are you today? I am calling about the invoice from last Tuesday.",
	"Please send the fax again, the second page was unreadable. Oooooh, eeeeeh, aaaaah, mmmmm, sssssh.",
	"One, two, three, four, five, six, seven, eight, nine, ten. Is anybody there? Hello? Hellooooo?",
	"Beep beep! Weeeeee! Whistling wind, singing high notes: la la la laaaa, do re mi fa so la ti do.",
}

// TestTalkOff: speech in several voices and at several levels, with
// nothing else, is never taken for a fax signal.
func TestTalkOff(t *testing.T) {
	total := 0
	for _, voice := range []string{"en", "en-us+f3", "en+m7", "de", "fr+f2"} {
		for _, level := range []float64{-5, -15, -30} {
			t.Run(fmt.Sprintf("%s/%gdBm0", voice, level), func(t *testing.T) {
				x := speech(t, voice, level, sentences...)
				total += len(x)
				for _, size := range []int{80, 160} {
					if hits := run(fax.Config{}, x, size); len(hits) != 0 {
						t.Errorf("frames of %d: %d s of speech reported %v", size, len(x)/rate, hits)
					}
				}
			})
		}
	}
	t.Logf("%.0f s of speech, no detection", float64(total)/rate)
}
