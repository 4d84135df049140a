package g729

// Adaptive codebook pieces shared by the encoder and the decoder.

const (
	pitMin    = 20  // PIT_MIN
	pitMax    = 143 // PIT_MAX
	lInterpol = 11  // L_INTERPOL: interpolation filter length + 1
	upSamp    = 3   // resolution of the fractional lag
	lInter10  = 10  // half length of the interpolation filter
)

// predLt3 builds the adaptive codebook vector exc[off:off+n] from the past
// excitation (before off) delayed by t0 + frac/3 (frac in -1..1), with the
// 1/3 interpolation filter (G.729 3.7.1). It works in place: for lags
// shorter than n the vector repeats what it has just written. off must be
// at least t0+11.
func predLt3(exc []int16, off int, t0, frac int16, n int) {
	x0 := off - int(t0)
	frac = negate(frac)
	if frac < 0 {
		frac = add(frac, upSamp)
		x0--
	}
	f1 := int(frac)
	f2 := int(sub(upSamp, frac))
	// The two half filters for this phase, c1 on the past side, c2 on
	// the future side.
	var c1, c2 [lInter10]int32
	for i := range c1 {
		c1[i] = int32(inter3l[f1+upSamp*i])
		c2[i] = int32(inter3l[f2+upSamp*i])
	}

	// Sum of the filter taps' magnitudes (all 31 coefficients): with
	// samples below noSat/interSum no partial sum of the 20 products can
	// saturate, and plain arithmetic is exact. Samples written in place
	// (short lags) enter the running maximum as they are produced.
	const interSum = 100887
	var maxPast int64
	lo := max(x0-lInter10+1, 0)
	hi := min(x0+n+lInter10, off)
	if lo < hi {
		maxPast = maxAbs(exc[lo:hi])
	}
	readsOwn := x0+n+lInter10 > off // a lag short enough to read back what it writes
	j := 0
	if x0 >= lInter10-1 && x0+lInter10+1 < off && maxPast*interSum < noSat {
		j, maxPast = predLt3Pairs(exc, off, x0, n, &c1, &c2, maxPast, readsOwn)
	}
	for ; j < n; j++ {
		x1 := x0 + j
		x2 := x1 + 1
		if maxPast*interSum < noSat && x1 >= lInter10-1 {
			w1 := (*[lInter10]int16)(exc[x1-lInter10+1 : x1+1]) // w1[9-i] is x1[-i]
			w2 := (*[lInter10]int16)(exc[x2 : x2+lInter10])
			s := int32(w1[9])*c1[0] + int32(w2[0])*c2[0] +
				int32(w1[8])*c1[1] + int32(w2[1])*c2[1] +
				int32(w1[7])*c1[2] + int32(w2[2])*c2[2] +
				int32(w1[6])*c1[3] + int32(w2[3])*c2[3] +
				int32(w1[5])*c1[4] + int32(w2[4])*c2[4] +
				int32(w1[4])*c1[5] + int32(w2[5])*c2[5] +
				int32(w1[3])*c1[6] + int32(w2[6])*c2[6] +
				int32(w1[2])*c1[7] + int32(w2[7])*c2[7] +
				int32(w1[1])*c1[8] + int32(w2[8])*c2[8] +
				int32(w1[0])*c1[9] + int32(w2[9])*c2[9]
			exc[off+j] = roundFast(s << 1)
		} else {
			var s int32
			for i := 0; i < lInter10; i++ {
				s = lMac(s, exc[x1-i], int16(c1[i]))
				s = lMac(s, exc[x2+i], int16(c2[i]))
			}
			exc[off+j] = round(s)
		}
		if readsOwn {
			maxPast = max(maxPast, abs32(exc[off+j]))
		}
	}
}

// predLt3Pairs is the plain path of predLt3 two outputs at a time, while
// the running maximum keeps every partial sum below 2^30 in magnitude. It
// returns how many outputs it wrote and the running maximum; predLt3
// continues from there.
//
// The 20 taps as one filter w over exc[x0+j-9 .. x0+j+10]; the pair of
// outputs j, j+1 is one 64-bit sum with the coefficients w[q]*2^32 +
// w[q-1]: the high half is output j, the low half (offset by 2^31 so that it
// is never negative) output j+1. Both carry 0x4000, the rounding constant of
// round(s<<1) = (s + 0x4000)>>15. The caller guarantees that the window of
// a pair never reaches the pair's own outputs (lag above 11).
func predLt3Pairs(exc []int16, off, x0, n int, c1, c2 *[lInter10]int32, maxPast int64, readsOwn bool) (int, int64) {
	const interSum = 100887
	var w [2*lInter10 + 2]int64 // w[q+1] is the tap on exc[x0+j-9+q]
	for i := 0; i < lInter10; i++ {
		w[lInter10-i] = int64(c1[i])
		w[lInter10+1+i] = int64(c2[i])
	}
	var pw [2*lInter10 + 1]int64
	for q := range pw {
		pw[q] = w[q+1]<<32 + w[q]
	}
	const offs = 0x4000<<32 + 1<<31 + 0x4000
	j := 0
	// The window advances by moving the slice itself, so that the loads
	// are constant offsets from one pointer.
	xs := exc[x0-lInter10+1:]
	for ; j+1 < n && maxPast*interSum < noSat && len(xs) >= 2*lInter10+1; j += 2 {
		xw := (*[2*lInter10 + 1]int16)(xs)
		xs = xs[2:]
		p0 := pw[0]*int64(xw[0]) + pw[2]*int64(xw[2]) + pw[4]*int64(xw[4]) + pw[6]*int64(xw[6]) +
			pw[8]*int64(xw[8]) + pw[10]*int64(xw[10]) + pw[12]*int64(xw[12]) + pw[14]*int64(xw[14]) +
			pw[16]*int64(xw[16]) + pw[18]*int64(xw[18]) + pw[20]*int64(xw[20])
		p1 := pw[1]*int64(xw[1]) + pw[3]*int64(xw[3]) + pw[5]*int64(xw[5]) + pw[7]*int64(xw[7]) +
			pw[9]*int64(xw[9]) + pw[11]*int64(xw[11]) + pw[13]*int64(xw[13]) + pw[15]*int64(xw[15]) +
			pw[17]*int64(xw[17]) + pw[19]*int64(xw[19])
		p := p0 + p1 + offs
		o0 := min(p>>47, max16)
		o1 := min((int64(uint32(p))-1<<31)>>15, max16)
		exc[off+j] = int16(o0)
		exc[off+j+1] = int16(o1)
		if readsOwn {
			maxPast = max(maxPast, abs64(o0), abs64(o1))
		}
	}
	return j, maxPast
}

// parityPitch is the parity bit P0 of the six most significant bits of the
// first subframe's 8-bit pitch index (G.729 3.7.2).
func parityPitch(index int16) int16 {
	temp := shr(index, 1)
	sum := int16(1)
	for i := 0; i <= 5; i++ {
		temp = shr(temp, 1)
		sum = add(sum, temp&1)
	}
	return sum & 1
}

// checkParityPitch is 1 when the received parity bit does not match.
func checkParityPitch(index, parity int16) int16 {
	return add(parityPitch(index), parity) & 1
}
