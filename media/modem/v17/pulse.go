package v17

import "math"

// rolloff is the excess bandwidth of the root raised cosine pulse both
// ends use: 1800 +/- 1500 Hz stays inside the telephone band.
const rolloff = 0.25

// rrc is the root raised cosine pulse at t symbols from its centre, with
// a cosine window over +/- span symbols so its truncation leaks little.
func rrc(t, span float64) float64 {
	if math.Abs(t) >= span {
		return 0
	}
	w := 0.5 + 0.5*math.Cos(math.Pi*t/span)
	const a = rolloff
	switch {
	case t == 0:
		return w * (1 - a + 4*a/math.Pi)
	case math.Abs(math.Abs(t)-1/(4*a)) < 1e-9:
		return w * a / math.Sqrt2 * ((1+2/math.Pi)*math.Sin(math.Pi/(4*a)) + (1-2/math.Pi)*math.Cos(math.Pi/(4*a)))
	}
	return w * (math.Sin(math.Pi*t*(1-a)) + 4*a*t*math.Cos(math.Pi*t*(1+a))) / (math.Pi * t * (1 - 16*a*a*t*t))
}
