package callerid

import (
	"math"
	"testing"

	"github.com/potsgate/potsgate/media"
)

// TestReceiverNoiseMargin decodes 10 noisy copies (fixed seeds) of each
// standard at 12 dB SNR, 8 dB below the acceptance criterion of 20 dB.
func TestReceiverNoiseMargin(t *testing.T) {
	m := Message{Time: testTime, Number: "5551234567", Name: "JOHN DOE"}
	const level, snr = -30.0, 12.0
	a := media.SineAmplitude(level)
	sigma := math.Sqrt(a * a / 2 / math.Pow(10, snr/10))
	for _, std := range []Standard{Bellcore, ETSI} {
		clean := pad(mustSamples(t, std, m, Options{Level: level}))
		for seed := range 10 {
			got, st := receive(t, std, addNoise(clean, sigma, uint64(seed)))
			if len(got) != 1 {
				t.Errorf("%v seed %d: %d messages (stats %+v)", std, seed, len(got), st)
				continue
			}
			assertMessage(t, got[0], m)
		}
	}
}
