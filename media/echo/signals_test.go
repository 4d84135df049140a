package echo_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/potsgate/potsgate/hal/sim"
	"github.com/potsgate/potsgate/media/echo"
)

// css returns n samples of a composite source signal after G.168 clause
// 6.4.1: a voiced burst (48.62 ms: a 150 Hz pitch pulse train through a
// vowel-like resonance), pseudo-noise (200 ms, speech-shaped) and a pause
// (101.38 ms), repeated with the polarity inverted each period, at about
// level dBm0.
func css(n int, level float64, seed uint64) []int16 {
	return cssVoice(n, level, seed, 53, 700, 0)
}

// nearCSS is a composite source for the near end: another voice (pitch
// 113 Hz, resonance 1200 Hz) and out of step with the far end's, as
// G.168 uses two different source signals, so that double talk is not
// partly predictable from the far end.
func nearCSS(n int, level float64, seed uint64) []int16 {
	return cssVoice(n, level, seed, 71, 1200, 1234)
}

func cssVoice(n int, level float64, seed uint64, pitch int, formant float64, offset int) []int16 {
	r := rand.New(rand.NewPCG(seed, 7))
	out := make([]float64, n)
	const voiced, noise, pause = 389, 1600, 811 // samples
	period := voiced + noise + pause
	var lp, r1, r2 float64
	for i := range out {
		t := (i + offset) % period
		sign := 1.0
		if ((i+offset)/period)%2 == 1 {
			sign = -1
		}
		var v float64
		switch {
		case t < voiced:
			if t%pitch == 0 {
				v = 6
			}
			// A two-pole resonance: the formant.
			y := v + 1.8*math.Cos(2*math.Pi*formant/8000)*r1 - 0.81*r2
			r2, r1 = r1, y
			v = y
		case t < voiced+noise:
			lp = 0.6*lp + r.NormFloat64()
			v = lp
		}
		out[i] = sign * v
	}
	return scaleTo(out, level)
}

// scaleTo scales x so its active part (nonzero samples) is at level dBm0
// (as a sine of that level would be: rms = amplitude / sqrt 2).
func scaleTo(x []float64, level float64) []int16 {
	var e float64
	var k int
	for _, v := range x {
		if v != 0 {
			e += v * v
			k++
		}
	}
	rms := math.Sqrt(e / float64(max(k, 1)))
	want := 32767 * math.Pow(10, (level-3.14)/20) / math.Sqrt2
	out := make([]int16, len(x))
	for i, v := range x {
		out[i] = int16(max(min(math.Round(v*want/max(rms, 1e-9)), 32767), -32768))
	}
	return out
}

// whiteNoise is Gaussian noise at level dBm0.
func whiteNoise(n int, level float64, seed uint64) []int16 {
	r := rand.New(rand.NewPCG(seed, 11))
	x := make([]float64, n)
	for i := range x {
		x[i] = r.NormFloat64()
	}
	return scaleTo(x, level)
}

// tone is a sum of sines (Hz) each at level dBm0.
func tone(n int, level float64, freqs ...float64) []int16 {
	a := 32767 * math.Pow(10, (level-3.14)/20)
	out := make([]int16, n)
	for i := range out {
		var v float64
		for _, f := range freqs {
			v += a * math.Sin(2*math.Pi*f*float64(i)/8000)
		}
		out[i] = int16(max(min(math.Round(v), 32767), -32768))
	}
	return out
}

// run is one canceller on one simulated line: rin goes into the echo
// path, near (may be nil) is added at the near end, and Sin (echo plus
// near end) and the canceller's output are returned.
type run struct {
	sin, out []int16
	frames   []echo.Stats
}

func simulate(t testing.TB, c *echo.Canceller, path *sim.EchoPath, rin, near []int16) run {
	t.Helper()
	n := len(rin) / echo.FrameSamples * echo.FrameSamples
	r := run{sin: make([]int16, n), out: make([]int16, n)}
	for off := 0; off < n; off += echo.FrameSamples {
		fr := rin[off : off+echo.FrameSamples]
		sin := r.sin[off : off+echo.FrameSamples]
		if near != nil {
			copy(sin, near[off:off+echo.FrameSamples])
		}
		path.Add(fr, sin)
		c.Process(fr, sin, r.out[off:off+echo.FrameSamples])
		r.frames = append(r.frames, c.Stats())
	}
	return r
}

func newPath(t testing.TB, m sim.G168Model, erl float64, delay int) *sim.EchoPath {
	t.Helper()
	p, err := sim.NewEchoPath(sim.Hybrid{Response: m.Response(erl), Delay: samplesDur(delay)})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func newCanceller(t testing.TB, cfg echo.Config) *echo.Canceller {
	t.Helper()
	c, err := echo.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// energy sums the squares of x[from:to] (sample indices).
func energy(x []int16, from, to int) float64 {
	var e float64
	for _, v := range x[from:min(to, len(x))] {
		e += float64(v) * float64(v)
	}
	return e
}

// erleDB is the echo reduction over [from, to): Sin's energy over the
// output's.
func erleDB(r run, from, to int) float64 {
	return 10 * math.Log10((energy(r.sin, from, to)+1)/(energy(r.out, from, to)+1))
}

// levelDB is the level of x[from:to] in dBm0 (as a sine's).
func levelDB(x []int16, from, to int) float64 {
	e := energy(x, from, to) / float64(max(to-from, 1))
	return 3.14 + 20*math.Log10(math.Sqrt(2*e+1e-9)/32767)
}

// shapedNoise is continuous noise with a falling spectrum like speech's
// (first-order low-pass), at level dBm0.
func shapedNoise(n int, level float64, seed uint64) []int16 {
	r := rand.New(rand.NewPCG(seed, 13))
	x := make([]float64, n)
	var lp float64
	for i := range x {
		lp = 0.7*lp + r.NormFloat64()
		x[i] = lp
	}
	return scaleTo(x, level)
}
