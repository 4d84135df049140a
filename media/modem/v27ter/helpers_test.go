package v27ter_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/potsgate/potsgate/media"
	"github.com/potsgate/potsgate/media/g711"
	"github.com/potsgate/potsgate/media/modem"
	"github.com/potsgate/potsgate/media/modem/v27ter"
)

// bitSource gives its bits, then EndOfData.
type bitSource struct {
	bits []int
	next int
}

func (s *bitSource) Bit() int {
	if s.next == len(s.bits) {
		return modem.EndOfData
	}
	s.next++
	return s.bits[s.next-1]
}

// event is a bit or a status, as a sink saw them in order.
type recorder struct {
	bits   []int
	status []modem.Status
	at     []int // len(bits) when each status came
}

func (r *recorder) Bit(b int) { r.bits = append(r.bits, b) }
func (r *recorder) Status(s modem.Status) {
	r.status = append(r.status, s)
	r.at = append(r.at, len(r.bits))
}

// bitsAfter are the bits that came after the first status s.
func (r *recorder) bitsAfter(s modem.Status) ([]int, bool) {
	for i, st := range r.status {
		if st == s {
			return r.bits[r.at[i]:], true
		}
	}
	return nil, false
}

func randomBits(seed uint64, n int) []int {
	rng := rand.New(rand.NewPCG(seed, 27))
	b := make([]int, n)
	for i := range b {
		b[i] = rng.IntN(2)
	}
	return b
}

// transmit runs a transmitter to its end in 10 ms frames.
func transmit(t testing.TB, tx *v27ter.Transmitter) []int16 {
	t.Helper()
	var out []int16
	frame := make([]int16, 80)
	for len(out) < 8000*600 {
		n := tx.Transmit(frame)
		out = append(out, frame[:n]...)
		if n < len(frame) {
			return out
		}
	}
	t.Fatal("transmitter never ended")
	return nil
}

// receive runs audio through a receiver in frames of frame samples.
func receive(rx *v27ter.Receiver, audio []int16, frame int) {
	for off := 0; off < len(audio); off += frame {
		rx.Receive(audio[off:min(off+frame, len(audio))])
	}
}

// channel is what the tests put between transmitter and receiver.
type channel struct {
	delay float64 // samples of silence before the signal (fractional ok)
	phase float64 // carrier phase rotation, radians
	shift float64 // carrier frequency offset, Hz
	ppm   float64 // receiver's sample clock offset
	snr   float64 // dB against white Gaussian noise; 0 for none
	law   string  // "", "PCMU", "PCMA"
	seed  uint64
}

// apply returns the signal as the receiver gets it, with 200 ms of
// silence (or noise) after it.
func (c channel) apply(in []int16) []float64 {
	x := make([]float64, len(in)+1600)
	for i, v := range in {
		x[i] = float64(v)
	}
	if c.phase != 0 || c.shift != 0 {
		// Turn the analytic signal x + jh.
		h := hilbert(x)
		for i := range x {
			a := c.phase + 2*math.Pi*c.shift*float64(i)/8000
			x[i] = x[i]*math.Cos(a) - h[i]*math.Sin(a)
		}
	}
	// Resample: the receiver's sample k is the transmitter's time
	// (k - delay) * (1 + ppm): a fractional delay and a clock offset.
	ratio := 1 + c.ppm*1e-6
	n := int(float64(len(x))/ratio + c.delay)
	y := make([]float64, n)
	for k := range y {
		y[k] = sincAt(x, (float64(k)-c.delay)*ratio)
	}
	if c.snr != 0 {
		var p float64
		for _, v := range in {
			p += float64(v) * float64(v)
		}
		sigma := math.Sqrt(p / float64(len(in)) / math.Pow(10, c.snr/10))
		rng := rand.New(rand.NewPCG(c.seed, 99))
		for k := range y {
			y[k] += sigma * rng.NormFloat64()
		}
	}
	return y
}

// audio quantises the channel's output, through G.711 if asked.
func (c channel) audio(t testing.TB, in []int16) []int16 {
	t.Helper()
	y := c.apply(in)
	out := make([]int16, len(y))
	for i, v := range y {
		out[i] = int16(max(-32768, min(32767, math.Round(v))))
	}
	if c.law == "" {
		return out
	}
	law := g711.PCMU
	if c.law == "PCMA" {
		law = g711.PCMA
	}
	enc, err := law.NewEncoder().Encode(nil, out)
	if err != nil {
		t.Fatal(err)
	}
	dec, err := law.NewDecoder().Decode(nil, enc)
	if err != nil {
		t.Fatal(err)
	}
	return dec
}

// sincAt is x at fractional index t, by a Blackman-windowed sinc.
func sincAt(x []float64, t float64) float64 {
	const half = 16
	i0 := int(math.Floor(t))
	var s float64
	for i := i0 - half + 1; i <= i0+half; i++ {
		if i < 0 || i >= len(x) {
			continue
		}
		d := t - float64(i)
		w := 0.42 + 0.5*math.Cos(math.Pi*d/half) + 0.08*math.Cos(2*math.Pi*d/half)
		s += x[i] * sinc(d) * w
	}
	return s
}

func sinc(d float64) float64 {
	if d == 0 {
		return 1
	}
	return math.Sin(math.Pi*d) / (math.Pi * d)
}

// hilbert is the Hilbert transform of x by a windowed FIR.
func hilbert(x []float64) []float64 {
	const half = 63
	var h [2*half + 1]float64
	for k := -half; k <= half; k++ {
		if k%2 != 0 {
			w := 0.54 + 0.46*math.Cos(math.Pi*float64(k)/half)
			h[k+half] = 2 / (math.Pi * float64(k)) * w
		}
	}
	y := make([]float64, len(x))
	for n := range y {
		var s float64
		for k := -half; k <= half; k++ {
			if j := n - k; j >= 0 && j < len(x) {
				s += h[k+half] * x[j]
			}
		}
		y[n] = s
	}
	return y
}

// level is the signal's power in dBm0 (sine-equivalent).
func level(x []int16) float64 {
	var p float64
	for _, v := range x {
		p += float64(v) * float64(v)
	}
	return media.SineLevel(math.Sqrt(2 * p / float64(len(x))))
}
