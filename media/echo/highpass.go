package echo

// highpass is the input filter of both directions: a second-order
// Butterworth high-pass at 100 Hz, which also removes DC. The same filter
// on Rin and Sin leaves the echo path the filter sees unchanged.
type highpass struct {
	x1, x2, y1, y2 float64
}

// Coefficients for fc = 100 Hz at 8 kHz (bilinear transform, Q = 0.7071).
const (
	hpB0 = 0.94597686
	hpB1 = -1.89195371
	hpB2 = 0.94597686
	hpA1 = -1.88903308
	hpA2 = 0.89487434
)

func newHighpass() highpass { return highpass{} }

func (h *highpass) step(x float64) float64 {
	y := hpB0*x + hpB1*h.x1 + hpB2*h.x2 - hpA1*h.y1 - hpA2*h.y2
	h.x2, h.x1 = h.x1, x
	h.y2, h.y1 = h.y1, y
	return y
}
