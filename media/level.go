package media

import "math"

// FullScaleDBm0 is the level of a full-scale sine wave in 16-bit linear PCM,
// by the G.711 convention (ITU-T G.711 table: a sine of +3.14 dBm0 just
// reaches the maximum code).
const FullScaleDBm0 = 3.14

// SineAmplitude returns the peak amplitude, in 16-bit linear PCM units, of a
// sine wave at level dBm0.
func SineAmplitude(dBm0 float64) float64 {
	return 32767 * math.Pow(10, (dBm0-FullScaleDBm0)/20)
}

// SineLevel is the inverse of SineAmplitude: the level in dBm0 of a sine
// wave with the given peak amplitude.
func SineLevel(amplitude float64) float64 {
	return FullScaleDBm0 + 20*math.Log10(amplitude/32767)
}
