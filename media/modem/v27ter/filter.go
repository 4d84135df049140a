package v27ter

import "math"

const (
	sampleRate = 8000
	// carrierPeriod: 1800 Hz is 9 cycles in 40 samples, so one table of
	// 40 entries is the carrier exactly, without phase accumulation.
	carrierPeriod = 40
	// fine is the transmitter's time grid, in steps per sample: a third
	// of a sample puts the symbols of both rates on it (5 samples a
	// symbol at 1600 baud, 20/3 at 1200).
	fine = 3
	// span is the pulse's half length in symbols.
	span = 3
	// rolloff of the raised-cosine spectrum V.27ter gives its pulse,
	// shared equally between transmitter and receiver.
	rolloff = 0.5
)

// rate holds what differs between the two speeds.
type rate struct {
	bitRate    int
	bits       int     // per symbol
	period     int     // symbol period in fine steps
	symSamples float64 // symbol period in samples
}

var rates = [...]rate{
	{bitRate: 4800, bits: 3, period: 15, symSamples: 5},
	{bitRate: 2400, bits: 2, period: 20, symSamples: 20.0 / 3},
}

func lookupRate(bitRate int) (rate, bool) {
	for _, r := range rates {
		if r.bitRate == bitRate {
			return r, true
		}
	}
	return rate{}, false
}

// rrc is the root-raised-cosine pulse at t symbol periods from its centre.
func rrc(t float64) float64 {
	const a = rolloff
	if math.Abs(t) < 1e-9 {
		return 1 - a + 4*a/math.Pi
	}
	if math.Abs(math.Abs(4*a*t)-1) < 1e-9 {
		return a / math.Sqrt2 * ((1+2/math.Pi)*math.Sin(math.Pi/(4*a)) + (1-2/math.Pi)*math.Cos(math.Pi/(4*a)))
	}
	return (math.Sin(math.Pi*t*(1-a)) + 4*a*t*math.Cos(math.Pi*t*(1+a))) / (math.Pi * t * (1 - 16*a*a*t*t))
}

// carrier tables: cos and sin of 2*pi*1800*n/8000.
func carrierTables() (c, s [carrierPeriod]float64) {
	for n := range carrierPeriod {
		w := 2 * math.Pi * 9 * float64(n) / carrierPeriod
		c[n], s[n] = math.Cos(w), math.Sin(w)
	}
	return c, s
}

// constellation holds the eight points at multiples of 45 degrees.
func constellation() (p [8]complex128) {
	for i := range p {
		p[i] = complex(math.Cos(float64(i)*math.Pi/4), math.Sin(float64(i)*math.Pi/4))
	}
	return p
}
