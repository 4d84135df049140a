package v29

import (
	"fmt"
	"math"

	"github.com/potsgate/potsgate/media"
	"github.com/potsgate/potsgate/media/modem"
)

// Line parameters of V.29.
const (
	SampleRate  = 8000 // samples per second, as the rest of media
	BaudRate    = 2400 // symbols per second, every bit rate
	CarrierHz   = 1700
	DefaultDBm0 = -13 // transmit level unless SetLevel says otherwise

	// samplesPerSymbol is T in samples: 10/3, so 3 symbols every 10 samples.
	samplesPerSymbol = float64(SampleRate) / BaudRate

	// Training segment lengths in symbols (V.29 clause 4 / table 3).
	seg1Symbols = 48  // no transmitted energy
	seg2Symbols = 128 // alternations A B A B
	seg3Symbols = 384 // equalizer conditioning C/D from 1 + x^-6 + x^-7
	seg4Symbols = 48  // scrambled binary ones

	// turnOffSymbols of scrambled ones follow the last data bit, so the
	// receiver's filters and equaliser deliver every data bit before the
	// carrier goes.
	turnOffSymbols = 32

	// rolloff of the root-raised-cosine pulse of transmitter and
	// receiver's matched filter: 25 % keeps the spectrum in 200-3200 Hz.
	rolloff = 0.25
)

// bitsPerSymbol of a rate, or 0 for a rate V.29 (as here) lacks.
func bitsPerSymbol(bitRate int) int {
	switch bitRate {
	case 9600:
		return 4
	case 7200:
		return 3
	}
	return 0
}

func checkRate(bitRate int) error {
	if bitsPerSymbol(bitRate) == 0 {
		return fmt.Errorf("v29: %d bit/s: %w", bitRate, modem.ErrRate)
	}
	return nil
}

// phaseChange maps Q2Q3Q4 (as a 3-bit number, Q2 first in time) to the
// change of absolute phase in steps of 45 degrees (V.29 table 1, the
// coding of V.27).
var phaseChange = [8]int{1, 0, 2, 3, 6, 7, 5, 4}

// phaseBits is the inverse of phaseChange.
var phaseBits = [8]int{1, 0, 2, 3, 7, 6, 4, 5}

// point is the constellation point of absolute phase state (0-7, 45
// degrees each) and amplitude bit Q1 (V.29 table 2): on the axes 3 or 5,
// on the diagonals sqrt(2) or 3*sqrt(2).
func point(state, q1 int) complex128 {
	var r float64
	if state%2 == 0 {
		r = 3
		if q1 == 1 {
			r = 5
		}
	} else {
		r = math.Sqrt2
		if q1 == 1 {
			r = 3 * math.Sqrt2
		}
	}
	s, c := math.Sincos(float64(state) * math.Pi / 4)
	return complex(round6(r*c), round6(r*s))
}

func round6(v float64) float64 { return math.Round(v*1e6) / 1e6 }

// trainingPoints returns A, B (segment 2) and C, D (segment 3) of a rate
// (V.29 table 3).
func trainingPoints(bitRate int) (a, b, c, d complex128) {
	if bitRate == 9600 {
		return -3, 3 - 3i, 3, -3 + 3i
	}
	return -3, 1 - 1i, 3, -1 + 1i
}

// meanEnergy of the data constellation of a rate, in V.29's units; the
// training segments have the same mean.
func meanEnergy(bitRate int) float64 {
	if bitRate == 9600 {
		return 13.5 // (9 + 25 + 2 + 18) / 4
	}
	return 5.5 // (9 + 2) / 2
}

// trainingSequence fills seq with segment 3's bits: 0 sends C, 1 sends D.
// The generator is 1 + x^-6 + x^-7 started at 0101010 (V.29 clause 4.3.3).
func trainingSequence(seq *[seg3Symbols]uint8) {
	// The register's initial bits go out first, then each bit is the
	// sum of those 6 and 7 places before it.
	for i := range seq {
		if i < 7 {
			seq[i] = uint8(i & 1)
			continue
		}
		seq[i] = seq[i-6] ^ seq[i-7]
	}
}

// scrambler is V.29's self-synchronising scrambler 1 + x^-18 + x^-23
// (clause 3): the register holds the last 23 line bits.
type scrambler struct{ reg uint32 }

func (s *scrambler) scramble(in int) int {
	out := (in ^ int(s.reg>>17) ^ int(s.reg>>22)) & 1
	s.reg = s.reg<<1 | uint32(out)
	return out
}

func (s *scrambler) descramble(in int) int {
	out := (in ^ int(s.reg>>17) ^ int(s.reg>>22)) & 1
	s.reg = s.reg<<1 | uint32(in&1)
	return out
}

// rrc is the root-raised-cosine pulse of unit energy, u in symbols.
func rrc(u float64) float64 {
	const a = rolloff
	if math.Abs(u) < 1e-9 {
		return 1 - a + 4*a/math.Pi
	}
	if math.Abs(math.Abs(u)-1/(4*a)) < 1e-9 {
		return a / math.Sqrt2 * ((1+2/math.Pi)*math.Sin(math.Pi/(4*a)) + (1-2/math.Pi)*math.Cos(math.Pi/(4*a)))
	}
	return (math.Sin(math.Pi*u*(1-a)) + 4*a*u*math.Cos(math.Pi*u*(1+a))) / (math.Pi * u * (1 - 16*a*a*u*u))
}

// window tapers the pulse to zero at +/- half symbols over the last
// symbol and a half, leaving the centre untouched.
func window(u, half float64) float64 {
	const taper = 1.5
	x := math.Abs(u) - (half - taper)
	switch {
	case x <= 0:
		return 1
	case x >= taper:
		return 0
	}
	c := math.Cos(math.Pi / 2 * x / taper)
	return c * c
}

// kaiser is a Kaiser window of shape beta over +/- half symbols. On the
// transmitter's +/- 4 symbols, beta 2 keeps the sidelobes 42 dB down
// (30 dB with a taper at the ends only) for about the same ISI (-30 dB).
func kaiser(u, half, beta float64) float64 {
	r := u / half
	if math.Abs(r) >= 1 {
		return 0
	}
	return besselI0(beta*math.Sqrt(1-r*r)) / besselI0(beta)
}

// besselI0 is the modified Bessel function of order 0, by its series.
func besselI0(x float64) float64 {
	s, term := 1.0, 1.0
	for k := 1; k < 30; k++ {
		t := x / 2 / float64(k)
		term *= t * t
		s += term
	}
	return s
}

// levelPower is the mean square, in 16-bit PCM units, of a sine at dBm0
// (media's G.711 convention: +3.14 dBm0 is a full-scale sine).
func levelPower(dBm0 float64) float64 {
	a := media.SineAmplitude(dBm0)
	return a * a / 2
}
