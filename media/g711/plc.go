package g711

import (
	"math"

	"github.com/zaf/g711"
)

// Concealment parameters at 8 kHz, after G.711 Appendix I.
const (
	histLen    = 390 // 48.75 ms of output kept for pitch estimation
	minPitch   = 40  // 200 Hz
	maxPitch   = 120 // 66.7 Hz
	corrLen    = 160 // correlation window: the last 20 ms
	holdLen    = 80  // samples at full level before the fade starts
	fadeEnd    = 480 // silence from 60 ms of erasure on
	resumeLen  = 32  // cross-fade into real audio over 4 ms
	pitchCoarS = 2   // coarse search step
)

// Decoder decodes G.711 and conceals lost packets. It keeps the last
// 48.75 ms of its output and is not safe for concurrent use.
type Decoder struct {
	law  Law
	hist [histLen]int16
	// period holds the pitch period repeated during an erasure.
	period [maxPitch]int16
	pitch  int
	pos    int // read position in period
	lost   int // samples concealed in the current erasure; 0 = none
}

// Decode appends the linear PCM of payload to dst. After an erasure the
// first 4 ms are cross-faded with the concealment signal.
func (d *Decoder) Decode(dst []int16, payload []byte) ([]int16, error) {
	start := len(dst)
	dst = grow(dst, len(payload))
	out := dst[start : start+len(payload)]
	if d.law == PCMA {
		for i, b := range payload {
			out[i] = g711.DecodeAlawFrame(b)
		}
	} else {
		for i, b := range payload {
			out[i] = g711.DecodeUlawFrame(b)
		}
	}
	if d.lost > 0 && len(out) > 0 {
		n := min(resumeLen, len(out))
		for i := range n {
			syn := d.synth()
			w := float64(i+1) / float64(n+1)
			out[i] = clamp(float64(out[i])*w + float64(syn)*(1-w))
		}
		d.lost = 0
	}
	d.remember(out)
	return dst[:start+len(payload)], nil
}

// Conceal appends n samples standing in for lost audio: the last pitch
// period repeated, faded out between 10 and 60 ms of erasure.
func (d *Decoder) Conceal(dst []int16, n int) []int16 {
	if n <= 0 {
		return dst
	}
	start := len(dst)
	dst = grow(dst, n)
	out := dst[start : start+n]
	if d.lost == 0 {
		d.startErasure()
	}
	for i := range out {
		out[i] = d.synth()
	}
	d.remember(out)
	return dst[:start+n]
}

// startErasure finds the pitch period of the history and prepares the
// period buffer with its seam smoothed.
func (d *Decoder) startErasure() {
	h := d.hist[:]
	p := d.findPitch()
	d.pitch = p
	d.pos = 0
	end := len(h)
	copy(d.period[:p], h[end-p:])
	// The sample after period[p-1] in playback is period[0] = h[end-p]; blend
	// the last quarter towards the samples that preceded h[end-p] so the
	// repetition has no seam.
	q := p / 4
	for i := range q {
		j := p - q + i
		w := float64(q-i) / float64(q+1)
		d.period[j] = clamp(float64(d.period[j])*w + float64(h[end-2*p+j])*(1-w))
	}
}

// findPitch returns the lag in [minPitch, maxPitch] that maximises the
// normalised cross-correlation of the last corrLen samples with the
// history, by a coarse search then a refinement around the best lag.
func (d *Decoder) findPitch() int {
	best := d.searchPitch(minPitch, maxPitch, pitchCoarS)
	return d.searchPitch(max(minPitch, best-pitchCoarS+1), min(maxPitch, best+pitchCoarS-1), 1)
}

func (d *Decoder) searchPitch(lo, hi, step int) int {
	h := d.hist[:]
	x := h[len(h)-corrLen:]
	best, bestScore := lo, math.Inf(-1)
	for lag := lo; lag <= hi; lag += step {
		y := h[len(h)-corrLen-lag : len(h)-lag]
		var cross, energy float64
		for i := range x {
			cross += float64(x[i]) * float64(y[i])
			energy += float64(y[i]) * float64(y[i])
		}
		score := 0.0
		if energy > 0 {
			score = cross / math.Sqrt(energy)
		}
		if score > bestScore {
			best, bestScore = lag, score
		}
	}
	return best
}

// synth returns the next concealment sample and advances the erasure.
func (d *Decoder) synth() int16 {
	if d.pitch == 0 {
		d.lost++
		return 0
	}
	s := float64(d.period[d.pos])
	d.pos++
	if d.pos == d.pitch {
		d.pos = 0
	}
	g := gain(d.lost)
	d.lost++
	return clamp(s * g)
}

// gain is the concealment level after n samples of erasure.
func gain(n int) float64 {
	switch {
	case n < holdLen:
		return 1
	case n >= fadeEnd:
		return 0
	}
	return 1 - float64(n-holdLen)/float64(fadeEnd-holdLen)
}

func (d *Decoder) remember(out []int16) {
	if len(out) >= histLen {
		copy(d.hist[:], out[len(out)-histLen:])
		return
	}
	copy(d.hist[:], d.hist[len(out):])
	copy(d.hist[histLen-len(out):], out)
}

func clamp(v float64) int16 {
	switch {
	case v > math.MaxInt16:
		return math.MaxInt16
	case v < math.MinInt16:
		return math.MinInt16
	}
	return int16(math.Round(v))
}
