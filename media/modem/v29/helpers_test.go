package v29

import (
	"math"
	"math/rand/v2"

	"github.com/potsgate/potsgate/media/g711"
	"github.com/potsgate/potsgate/media/modem"
)

// bitSource gives its bits, then EndOfData.
type bitSource struct {
	bits []int
	pos  int
}

func (s *bitSource) Bit() int {
	if s.pos >= len(s.bits) {
		return modem.EndOfData
	}
	s.pos++
	return s.bits[s.pos-1]
}

// bitSink records bits and statuses, and where in the bits each status came.
type bitSink struct {
	bits     []int
	statuses []modem.Status
	at       []int
}

func (s *bitSink) Bit(b int) { s.bits = append(s.bits, b) }
func (s *bitSink) Status(st modem.Status) {
	s.statuses = append(s.statuses, st)
	s.at = append(s.at, len(s.bits))
}

func (s *bitSink) has(st modem.Status) bool {
	for _, x := range s.statuses {
		if x == st {
			return true
		}
	}
	return false
}

func randomBits(n int, seed uint64) []int {
	r := rand.New(rand.NewPCG(seed, 1))
	b := make([]int, n)
	for i := range b {
		b[i] = r.IntN(2)
	}
	return b
}

// transmit runs our transmitter to its end.
func transmit(rate int, level float64, bits []int) []int16 {
	tx, err := NewTransmitter(rate, &bitSource{bits: bits})
	if err != nil {
		panic(err)
	}
	tx.SetLevel(level)
	var out []int16
	buf := make([]int16, 80)
	for {
		n := tx.Transmit(buf)
		out = append(out, buf[:n]...)
		if n < len(buf) {
			return out
		}
	}
}

// receive runs audio through a new receiver, in frames of 80.
func receive(rate int, audio []int16) *bitSink {
	sink := &bitSink{}
	rx, err := NewReceiver(rate, sink)
	if err != nil {
		panic(err)
	}
	for off := 0; off < len(audio); off += 80 {
		rx.Receive(audio[off:min(off+80, len(audio))])
	}
	return sink
}

// channel is what the tests put between transmitter and receiver.
type channel struct {
	lead      int     // samples of silence before
	frac      float64 // fractional delay in samples
	ppm       float64 // receiver's clock against the sender's
	snrDB     float64 // 0: no noise; else white noise this far below the signal while it is on
	floorDBm0 float64 // 0: none; else white noise at this level throughout
	law       string  // "", "ulaw", "alaw"
	tail      int     // samples of silence after
	seed      uint64
	gainDB    float64
	shift     float64 // carrier frequency offset, Hz
	line      bool    // a telephone line's band-pass (second-order sections)
}

// apply passes audio through the channel: resampled (fractional delay and
// clock offset, windowed sinc), noise, G.711.
func (c channel) apply(in []int16) []int16 {
	x := make([]float64, c.lead+len(in)+c.tail)
	for i, v := range in {
		x[c.lead+i] = float64(v) * math.Pow(10, c.gainDB/20)
	}
	if c.frac != 0 || c.ppm != 0 {
		step := 1 + c.ppm*1e-6
		n := int(float64(len(x)) / step)
		y := make([]float64, n)
		const half = 16
		for i := range y {
			t := float64(i)*step - c.frac
			k0 := int(math.Floor(t))
			var acc float64
			for k := k0 - half + 1; k <= k0+half; k++ {
				if k < 0 || k >= len(x) {
					continue
				}
				d := t - float64(k)
				w := 0.5 + 0.5*math.Cos(math.Pi*d/half)
				s := 1.0
				if d != 0 {
					s = math.Sin(math.Pi*d) / (math.Pi * d)
				}
				acc += x[k] * s * w
			}
			y[i] = acc
		}
		x = y
	}
	if c.shift != 0 {
		x = freqShift(x, c.shift)
	}
	if c.line {
		x = lineFilter(x)
	}
	if c.snrDB != 0 {
		var p float64
		for _, v := range in {
			p += float64(v) * float64(v)
		}
		p /= float64(len(in))
		p *= math.Pow(10, c.gainDB/10)
		sigma := math.Sqrt(p / math.Pow(10, c.snrDB/10))
		// while the signal is on: noise that stayed above the carrier
		// detector's off threshold would keep the carrier up for ever
		step := 1 + c.ppm*1e-6
		from, to := int(float64(c.lead)/step), min(len(x), int(float64(c.lead+len(in))/step))
		r := rand.New(rand.NewPCG(c.seed, 7))
		for i := from; i < to; i++ {
			x[i] += r.NormFloat64() * sigma
		}
	}
	if c.floorDBm0 != 0 {
		// noise everywhere at an absolute level
		sigma := math.Sqrt(levelPower(c.floorDBm0))
		r := rand.New(rand.NewPCG(c.seed, 8))
		for i := range x {
			x[i] += r.NormFloat64() * sigma
		}
	}
	out := make([]int16, len(x))
	for i, v := range x {
		out[i] = clamp16(v)
	}
	switch c.law {
	case "ulaw":
		return roundTrip(g711.PCMU, out)
	case "alaw":
		return roundTrip(g711.PCMA, out)
	}
	return out
}

func roundTrip(law g711.Law, pcm []int16) []int16 {
	b, err := law.NewEncoder().Encode(nil, pcm)
	if err != nil {
		panic(err)
	}
	out, err := law.NewDecoder().Decode(nil, b)
	if err != nil {
		panic(err)
	}
	return out
}

// freqShift moves x's spectrum by hz: the analytic signal (a 127-tap
// Hilbert transformer) times e^{j 2 pi hz n / 8000}, real part.
func freqShift(x []float64, hz float64) []float64 {
	const half = 63
	var h [2*half + 1]float64
	for k := -half; k <= half; k++ {
		if k%2 != 0 {
			w := 0.54 + 0.46*math.Cos(math.Pi*float64(k)/half)
			h[k+half] = 2 / (math.Pi * float64(k)) * w
		}
	}
	y := make([]float64, len(x))
	for n := range x {
		var q float64
		for k := -half; k <= half; k++ {
			if m := n - k; m >= 0 && m < len(x) {
				q += h[k+half] * x[m]
			}
		}
		s, c := math.Sincos(2 * math.Pi * hz * float64(n) / SampleRate)
		y[n] = x[n]*c - q*s
	}
	return y
}

// lineFilter is a telephone line's band-pass: second-order high-pass at
// 300 Hz and low-pass at 3400 Hz (Butterworth, bilinear), whose edges and
// group delay the equaliser must undo.
func lineFilter(x []float64) []float64 {
	biquad := func(x []float64, b0, b1, b2, a1, a2 float64) []float64 {
		y := make([]float64, len(x))
		var x1, x2, y1, y2 float64
		for n, v := range x {
			o := b0*v + b1*x1 + b2*x2 - a1*y1 - a2*y2
			x2, x1, y2, y1 = x1, v, y1, o
			y[n] = o
		}
		return y
	}
	design := func(fc float64, high bool) (b0, b1, b2, a1, a2 float64) {
		k := math.Tan(math.Pi * fc / SampleRate)
		q := 1 / math.Sqrt2
		norm := 1 / (1 + k/q + k*k)
		a1 = 2 * (k*k - 1) * norm
		a2 = (1 - k/q + k*k) * norm
		if high {
			b0 = norm
			return b0, -2 * b0, b0, a1, a2
		}
		b0 = k * k * norm
		return b0, 2 * b0, b0, a1, a2
	}
	b0, b1, b2, a1, a2 := design(300, true)
	x = biquad(x, b0, b1, b2, a1, a2)
	b0, b1, b2, a1, a2 = design(3400, false)
	return biquad(x, b0, b1, b2, a1, a2)
}
