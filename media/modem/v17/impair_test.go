package v17_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/potsgate/potsgate/media"
	"github.com/potsgate/potsgate/media/g711"
	"github.com/potsgate/potsgate/media/modem"
)

// impairment is what the line does to a signal between the modems.
type impairment struct {
	law   g711.Law // G.711 round trip
	snr   float64  // dB of white noise below the signal (0: none)
	level float64  // dBm0 of the signal, for the noise
	ppm   float64  // receiver's clock against the transmitter's
	delay float64  // fraction of a sample
	// line is an impulse response the signal goes through first (none:
	// a flat line).
	line []float64
}

// lineSlope is a long line's response: +1.5 dB at 600 Hz, -1.5 dB at
// 1800, -14 dB at 3000, with the phase off a straight line by up to 0.3
// radian.
var lineSlope = []float64{0.6, 0.5, 0.2, -0.1}

// apply resamples sig by ppm and delay (windowed sinc), adds noise and
// passes it through G.711.
func (im impairment) apply(t testing.TB, sig []int16, rng *rand.Rand) []int16 {
	t.Helper()
	const half = 16
	if im.line != nil {
		f := make([]int16, len(sig))
		for n := range sig {
			var v float64
			for k, h := range im.line {
				if n >= k {
					v += h * float64(sig[n-k])
				}
			}
			f[n] = int16(max(-32768, min(32767, math.Round(v))))
		}
		sig = f
	}
	ratio := 1 + im.ppm*1e-6
	n := int(float64(len(sig)-half) / ratio)
	out := make([]int16, n)
	a := media.SineAmplitude(im.level)
	sigma := 0.0
	if im.snr > 0 {
		sigma = math.Sqrt(a * a / 2 / math.Pow(10, im.snr/10))
	}
	for m := range out {
		tm := float64(m)*ratio + im.delay
		i0 := int(math.Floor(tm))
		var v float64
		for i := i0 - half + 1; i <= i0+half; i++ {
			if i < 0 || i >= len(sig) {
				continue
			}
			x := tm - float64(i)
			w := 0.42 + 0.5*math.Cos(math.Pi*x/half) + 0.08*math.Cos(2*math.Pi*x/half) // Blackman
			s := 1.0
			if x != 0 {
				s = math.Sin(math.Pi*x) / (math.Pi * x)
			}
			v += float64(sig[i]) * s * w
		}
		v += rng.NormFloat64() * sigma
		out[m] = int16(max(-32768, min(32767, math.Round(v))))
	}
	enc, dec := im.law.NewEncoder(), im.law.NewDecoder()
	b, err := enc.Encode(nil, out)
	if err != nil {
		t.Fatal(err)
	}
	back, err := dec.Decode(nil, b)
	if err != nil {
		t.Fatal(err)
	}
	return back
}

// TestImpairments: our transmitter to our receiver through G.711 (both
// laws), white noise, +/-100 ppm of clock and levels from -10 to -43
// dBm0, starting at an arbitrary time (so carrier phase and symbol timing
// are arbitrary): training succeeds and the data is bit-exact.
func TestImpairments(t *testing.T) {
	type tc struct {
		rate  int
		short bool
		im    impairment
	}
	var cases []tc
	for _, rate := range []int{14400, 12000, 9600, 7200} {
		for i, level := range []float64{-10, -26, -43} {
			law := g711.PCMU
			if i%2 == 1 {
				law = g711.PCMA
			}
			ppm := 100.0
			if (rate/2400+i)%2 == 0 {
				ppm = -100
			}
			cases = append(cases, tc{rate, i == 1, impairment{law: law, snr: 30, level: level, ppm: ppm}})
		}
	}
	// A long line (+1.5 dB at 600 Hz, -14 dB at 3000 Hz) at 12000 and 9600.
	cases = append(cases, tc{12000, false, impairment{law: g711.PCMU, snr: 30, level: -25, ppm: -100, line: lineSlope}})
	cases = append(cases, tc{9600, true, impairment{law: g711.PCMA, snr: 30, level: -35, ppm: 100, line: lineSlope}})
	// Both laws at the lowest level, 14400.
	cases = append(cases, tc{14400, false, impairment{law: g711.PCMA, snr: 30, level: -43, ppm: 100}})
	cases = append(cases, tc{14400, true, impairment{law: g711.PCMU, snr: 30, level: -43, ppm: -100}})
	for n, c := range cases {
		for seed := range uint64(3) {
			name := fmt.Sprintf("%d/short=%v/%s/%gdBm0/%+gppm/%d", c.rate, c.short, c.im.law, c.im.level, c.im.ppm, seed)
			t.Run(name, func(t *testing.T) {
				rng := rand.New(rand.NewPCG(uint64(n), 99+seed))
				c.im.delay = rng.Float64()
				lead := rng.IntN(8000)
				first := randomBits(c.rate/2, uint64(n)+100)
				second := randomBits(c.rate*2, uint64(n)+200)
				if !c.short {
					sig := modulate(t, c.rate, false, second, lead, c.im.level)
					s := receive(t, c.rate, false, c.im.apply(t, sig, rng))
					// Noise above the carrier detector's off level (-49
					// dBm0) holds the carrier: then training failures
					// on the noise before the signal, and no carrier
					// down, are right.
					ok := slices.Index(s.status, modem.TrainingSucceeded)
					loud := c.im.level-c.im.snr > -49
					want := []modem.Status{modem.CarrierUp, modem.TrainingSucceeded, modem.CarrierDown}
					if ok < 0 || (!loud && fmt.Sprint(s.status) != fmt.Sprint(want)) {
						t.Fatalf("statuses %v", s.status)
					}
					if d := diffs(second, s.bits[s.at[ok]:]); len(d) > 0 {
						t.Fatalf("differences at %v of %d bits", d, len(second))
					}
					return
				}
				sig := append(make([]int16, lead), twoBursts(t, c.rate, first, second, c.im.level)...)
				checkTwoBursts(t, receive(t, c.rate, true, c.im.apply(t, sig, rng)), first, second)
			})
		}
	}
}
