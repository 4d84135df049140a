package g729

// preProcessor is the input stage of G.729 3.1: a second-order 140 Hz
// high-pass filter that also halves the signal, so the fixed-point analysis
// has head-room. Its output memory is kept in DPF for precision.
type preProcessor struct {
	y2Hi, y2Lo, y1Hi, y1Lo int16
	x0, x1                 int16
}

// process filters sig in place.
//
// With the filter's coefficients (|a140[1]| + |a140[2]| and |b140[i]| sum
// to less than 2^14, TestPreProcBound) no sum before the shift can reach
// 2^31: the products and additions are plain, and only L_shl by 3 and the
// rounding saturate.
func (p *preProcessor) process(sig []int16) {
	y1h, y1l := int32(p.y1Hi), int32(p.y1Lo)
	y2h, y2l := int32(p.y2Hi), int32(p.y2Lo)
	x0, x1 := int32(p.x0), int32(p.x1)
	a1, a2 := int32(a140[1]), int32(a140[2])
	b0, b1, b2 := int32(b140[0]), int32(b140[1]), int32(b140[2])
	for i, v := range sig {
		x2 := x1
		x1 = x0
		x0 = int32(v)

		// y[i] = b0 x[i]/2 + b1 x[i-1]/2 + b2 x[i-2]/2 + a1 y[i-1] + a2 y[i-2]
		t := 2*y1h*a1 + 2*((y1l*a1)>>15) // Mpy_32_16, lo >= 0
		t += 2*y2h*a2 + 2*((y2l*a2)>>15)
		t += 2*x0*b0 + 2*x1*b1 + 2*x2*b2
		// L_shl(t, 3): Q12 coefficients -> Q15
		switch {
		case t > max32>>3:
			t = max32
		case t < min32>>3:
			t = min32
		default:
			t <<= 3
		}
		if t > max32-0x8000 { // round saturates
			sig[i] = max16
		} else {
			sig[i] = int16((t + 0x8000) >> 16)
		}

		y2h, y2l = y1h, y1l
		y1h, y1l = t>>16, (t>>1)&0x7fff // L_Extract
	}
	p.y1Hi, p.y1Lo = int16(y1h), int16(y1l)
	p.y2Hi, p.y2Lo = int16(y2h), int16(y2l)
	p.x0, p.x1 = int16(x0), int16(x1)
}
