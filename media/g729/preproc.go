package g729

// preProcessor is the input stage of G.729 3.1: a second-order 140 Hz
// high-pass filter that also halves the signal, so the fixed-point analysis
// has head-room. Its output memory is kept in DPF for precision.
type preProcessor struct {
	y2Hi, y2Lo, y1Hi, y1Lo int16
	x0, x1                 int16
}

// process filters sig in place.
func (p *preProcessor) process(sig []int16) {
	for i := range sig {
		x2 := p.x1
		p.x1 = p.x0
		p.x0 = sig[i]

		// y[i] = b0 x[i]/2 + b1 x[i-1]/2 + b2 x[i-2]/2 + a1 y[i-1] + a2 y[i-2]
		t := mpy32x16(p.y1Hi, p.y1Lo, a140[1])
		t = lAdd(t, mpy32x16(p.y2Hi, p.y2Lo, a140[2]))
		t = lMac(t, p.x0, b140[0])
		t = lMac(t, p.x1, b140[1])
		t = lMac(t, x2, b140[2])
		t = lShl(t, 3) // Q12 coefficients -> Q15
		sig[i] = round(t)

		p.y2Hi, p.y2Lo = p.y1Hi, p.y1Lo
		p.y1Hi, p.y1Lo = lExtract(t)
	}
}
