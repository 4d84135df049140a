package fax_test

import (
	"math"
	"math/rand/v2"

	"github.com/potsgate/potsgate/media"
)

const rate = 8000

// ms is a number of samples.
func ms(d int) int { return d * rate / 1000 }

// tone returns n samples of a sine at f Hz and level dBm0, starting at
// phase ph (radians); it returns the phase after the last sample.
func tone(n int, f, level, ph float64) ([]float64, float64) {
	a := media.SineAmplitude(level)
	out := make([]float64, n)
	w := 2 * math.Pi * f / rate
	for i := range out {
		out[i] = a * math.Sin(ph)
		ph += w
	}
	return out, ph
}

// silence returns n samples of nothing.
func silence(n int) []float64 { return make([]float64, n) }

// cng returns the calling tone: bursts of 1100+off Hz for on ms, off for
// gap ms.
func cng(bursts int, off, level float64, on, gap int) []float64 {
	var out []float64
	for range bursts {
		b, _ := tone(ms(on), 1100+off, level, 0)
		out = append(out, b...)
		out = append(out, silence(ms(gap))...)
	}
	return out
}

// answerTone returns d ms of 2100+off Hz, with its phase reversed every
// 450 ms if reversals, and amplitude-modulated at 15 Hz by 20 % if am
// (V.8 ANSam).
func answerTone(d int, off, level float64, reversals, am bool) []float64 {
	a := media.SineAmplitude(level)
	out := make([]float64, ms(d))
	w := 2 * math.Pi * (2100 + off) / rate
	ph := 0.0
	for i := range out {
		if reversals && i > 0 && i%ms(450) == 0 {
			ph += math.Pi
		}
		g := 1.0
		if am {
			g = 1 + 0.2*math.Sin(2*math.Pi*15*float64(i)/rate)
		}
		out[i] = a * g * math.Sin(ph)
		ph += w
	}
	return out
}

// fsk returns bits sent in V.21 channel 2 (1650 Hz mark, 1850 Hz space,
// continuous phase) at 300 bit/s, frequencies off by off Hz.
func fsk(bits []byte, off, level float64) []float64 {
	a := media.SineAmplitude(level)
	var out []float64
	ph := 0.0
	// Bit edges at exact multiples of 8000/300 samples.
	for i, b := range bits {
		f := 1850.0
		if b == 1 {
			f = 1650
		}
		f += off
		start, end := i*rate/300, (i+1)*rate/300
		for range end - start {
			out = append(out, a*math.Sin(ph))
			ph += 2 * math.Pi * f / rate
		}
	}
	return out
}

// flags returns n HDLC flags, least significant bit first.
func flags(n int) []byte {
	var bits []byte
	for range n {
		for i := range 8 {
			bits = append(bits, 0x7E>>i&1)
		}
	}
	return bits
}

// frameBits returns the bits of an HDLC frame's bytes with zero
// insertion after five ones.
func frameBits(data []byte) []byte {
	var bits []byte
	ones := 0
	for _, c := range data {
		for i := range 8 {
			b := c >> i & 1
			bits = append(bits, b)
			if b == 1 {
				ones++
				if ones == 5 {
					bits = append(bits, 0)
					ones = 0
				}
			} else {
				ones = 0
			}
		}
	}
	return bits
}

// noise adds white Gaussian noise at level dBm0 (its mean square that of
// a sine at level).
func noise(x []float64, level float64, seed uint64) []float64 {
	r := rand.New(rand.NewPCG(seed, 1))
	s := media.SineAmplitude(level) / math.Sqrt2
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = v + s*r.NormFloat64()
	}
	return out
}

// pcm rounds and clips to 16 bits.
func pcm(x []float64) []int16 {
	out := make([]int16, len(x))
	for i, v := range x {
		out[i] = int16(max(-32768, min(32767, math.Round(v))))
	}
	return out
}

func cat(parts ...[]float64) []float64 {
	var out []float64
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}
