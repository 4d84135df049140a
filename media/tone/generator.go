package tone

import (
	"math"
	"time"

	"github.com/potsgate/potsgate/media"
)

func peakAmplitude(dBm0 float64) float64 { return media.SineAmplitude(dBm0) }

// oscillator is a phase accumulator: the phase runs on through silences,
// so a tone is continuous across frames and cadence periods.
type oscillator struct {
	inc, phase float64 // cycles per sample, cycles in [0, 1)
	amp        float64
	// rotCos, rotSin turn the phasor by one sample: run rotates instead
	// of calling math.Sin for every sample of every line.
	rotCos, rotSin float64
}

func newOscillator(freq, amp float64) oscillator {
	inc := freq / SampleRate
	return oscillator{inc: inc, amp: amp, rotCos: math.Cos(2 * math.Pi * inc), rotSin: math.Sin(2 * math.Pi * inc)}
}

// run adds the next len(dst) samples to dst. The phasor starts from the exact phase at each call, so
// rounding does not build up from frame to frame.
func (o *oscillator) run(dst []float64) {
	s, c := math.Sincos(2 * math.Pi * o.phase)
	s, c = o.amp*s, o.amp*c
	for i := range dst {
		dst[i] += s
		s, c = s*o.rotCos+c*o.rotSin, c*o.rotCos-s*o.rotSin
	}
	o.skip(len(dst))
}

// runScaled multiplies each of dst by the next sample.
func (o *oscillator) runScaled(dst []float64) {
	s, c := math.Sincos(2 * math.Pi * o.phase)
	s, c = o.amp*s, o.amp*c
	for i := range dst {
		dst[i] *= s
		s, c = s*o.rotCos+c*o.rotSin, c*o.rotCos-s*o.rotSin
	}
	o.skip(len(dst))
}

func (o *oscillator) skip(n int) {
	o.phase += o.inc * float64(n)
	o.phase -= math.Floor(o.phase)
}

// Generator plays one definition. It is not safe for concurrent use.
type Generator struct {
	def       Definition
	low, high oscillator
	mod       oscillator // AM envelope, amplitude = depth
	segs      [2 * MaxCadence]int
	nsegs     int
	seg       int // current segment; even = on, odd = off
	work      [160]float64
	left      int // samples left in it
	done      bool
}

// NewGenerator validates def and returns a generator positioned at the
// start of its first on period.
func NewGenerator(def Definition) (*Generator, error) {
	if err := def.Validate(); err != nil {
		return nil, err
	}
	g := &Generator{def: def}
	if def.Modulated {
		g.low = newOscillator(def.AM.Carrier, peakAmplitude(def.AM.Level))
		g.mod = newOscillator(def.AM.Rate, def.AM.Depth)
	} else {
		g.low = newOscillator(def.Low, peakAmplitude(def.LowLevel))
		if def.High != 0 {
			g.high = newOscillator(def.High, peakAmplitude(def.HighLevel))
		}
	}
	if def.Form != Continuous {
		g.nsegs = 2 * def.Steps()
		for i := range def.Steps() {
			g.segs[2*i] = samples(def.Cadence[i].On)
			g.segs[2*i+1] = samples(def.Cadence[i].Off)
		}
	}
	g.Reset()
	return g, nil
}

func samples(d time.Duration) int { return int(d * SampleRate / time.Second) }

// Definition returns the tone being played.
func (g *Generator) Definition() Definition { return g.def }

// Reset restarts the tone at its first on period.
func (g *Generator) Reset() {
	g.seg, g.done = 0, false
	if g.nsegs > 0 {
		g.left = g.segs[0]
	}
	g.low.phase, g.high.phase, g.mod.phase = 0, 0, 0
}

// Done reports whether a burst tone has finished; other forms never do.
func (g *Generator) Done() bool { return g.done }

// Generate fills all of dst with the next samples and returns dst.
func (g *Generator) Generate(dst []int16) []int16 {
	if g.nsegs == 0 { // continuous
		g.on(dst)
		return dst
	}
	for i := 0; i < len(dst); {
		if g.done {
			clear(dst[i:])
			g.skip(len(dst) - i)
			return dst
		}
		if g.left == 0 {
			g.seg++
			if g.seg == g.nsegs {
				if g.def.Form == Burst {
					g.done = true
					continue
				}
				g.seg = 0
			}
			g.left = g.segs[g.seg]
			continue
		}
		n := min(g.left, len(dst)-i)
		if g.seg%2 == 0 {
			g.on(dst[i : i+n])
		} else {
			clear(dst[i : i+n])
			g.skip(n)
		}
		i += n
		g.left -= n
	}
	return dst
}

func (g *Generator) on(dst []int16) {
	for len(dst) > 0 {
		n := min(len(dst), len(g.work))
		w := g.work[:n]
		clear(w)
		if g.def.Modulated {
			g.mod.run(w) // the envelope, then the carrier times (1 + it)
			for i := range w {
				w[i]++
			}
			g.low.runScaled(w)
		} else {
			g.low.run(w)
			if g.def.High != 0 {
				g.high.run(w)
			}
		}
		for i, v := range w {
			dst[i] = int16(math.Round(max(-32768, min(32767, v))))
		}
		dst = dst[n:]
	}
}

func (g *Generator) skip(n int) {
	g.low.skip(n)
	g.high.skip(n)
	g.mod.skip(n)
}
