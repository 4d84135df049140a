package v29

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/potsgate/potsgate/media/modem"
)

// TestChannel: our transmitter to our receiver through what a fax call's
// path does to the signal: levels from -10 to -43 dBm0, G.711 mu-law and
// A-law, white noise 25 dB below the signal, the receiver's sample clock
// 100 ppm fast or slow, and an arbitrary start (silence, a fraction of a
// sample, so arbitrary carrier phase and symbol timing). Every data bit
// must come out, in order, after training succeeded.
func TestChannel(t *testing.T) {
	type cond struct {
		level float64
		law   string
		snr   float64
		ppm   float64
	}
	var conds []cond
	for _, level := range []float64{-10, -26, -43} {
		for _, law := range []string{"", "ulaw", "alaw"} {
			conds = append(conds, cond{level, law, 0, 0})
		}
	}
	for _, level := range []float64{-10, -43} {
		for _, law := range []string{"ulaw", "alaw"} {
			for _, ppm := range []float64{-100, 100} {
				conds = append(conds, cond{level, law, 25, ppm})
			}
		}
	}
	seed := uint64(0)
	for _, rate := range []int{9600, 7200} {
		for _, c := range conds {
			seed++
			name := fmt.Sprintf("%d/%gdBm0/%s/snr%g/%+gppm", rate, c.level, c.law, c.snr, c.ppm)
			t.Run(name, func(t *testing.T) {
				r := rand.New(rand.NewPCG(seed, 9))
				bits := randomBits(12000, seed)
				ch := channel{
					lead: r.IntN(4000), frac: r.Float64(), tail: 800,
					law: c.law, snrDB: c.snr, ppm: c.ppm, seed: seed,
				}
				audio := ch.apply(transmit(rate, c.level, bits))
				sink := receive(rate, audio)
				checkReceived(t, sink, bits)
			})
		}
	}
}

// TestChannelDistortion: a carrier offset of +/-7 Hz (V.29's receiver
// tolerance) and a telephone line's band edges with their group delay,
// at 9600 and 7200, G.711 and 25 dB SNR.
func TestChannelDistortion(t *testing.T) {
	for _, rate := range []int{9600, 7200} {
		for _, c := range []struct {
			name  string
			shift float64
			line  bool
		}{{"+7Hz", 7, false}, {"-7Hz", -7, false}, {"line", 0, true}, {"line+3Hz", 3, true}} {
			t.Run(fmt.Sprintf("%d/%s", rate, c.name), func(t *testing.T) {
				bits := randomBits(12000, 5)
				ch := channel{lead: 1111, frac: 0.3, tail: 800, law: "alaw", snrDB: 25, seed: 4, shift: c.shift, line: c.line}
				sink := receive(rate, ch.apply(transmit(rate, -20, bits)))
				checkReceived(t, sink, bits)
			})
		}
	}
}

// TestNoiseBeforeSignal: line noise loud enough to raise the carrier
// (-44 dBm0) before and under the signal: the receiver keeps looking for
// segment 2, trains when the signal comes, gives every bit, and reports no
// failed training for the noise.
func TestNoiseBeforeSignal(t *testing.T) {
	for _, rate := range []int{9600, 7200} {
		t.Run(fmt.Sprint(rate), func(t *testing.T) {
			bits := randomBits(6000, 21)
			ch := channel{lead: 1500, frac: 0.25, tail: 800, law: "ulaw", floorDBm0: -44, seed: 5}
			sink := receive(rate, ch.apply(transmit(rate, -13, bits)))
			want := []modem.Status{modem.CarrierUp, modem.TrainingSucceeded}
			if !slices.Equal(sink.statuses, want) {
				t.Fatalf("statuses %v, want %v (the noise keeps the carrier up)", sink.statuses, want)
			}
			if len(sink.bits) < len(bits) || !slices.Equal(sink.bits[:len(bits)], bits) {
				t.Fatalf("bits differ")
			}
		})
	}
}
