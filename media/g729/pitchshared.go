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
	for j := 0; j < n; j++ {
		x1 := x0 + j
		x2 := x1 + 1
		var s int32
		for i, k := 0, 0; i < lInter10; i, k = i+1, k+upSamp {
			s = lMac(s, exc[x1-i], inter3l[f1+k])
			s = lMac(s, exc[x2+i], inter3l[f2+k])
		}
		exc[off+j] = round(s)
	}
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
