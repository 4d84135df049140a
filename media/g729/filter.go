package g729

// LP filters of order 10 (G.729 3.x): synthesis 1/A(z), analysis (residual)
// A(z) and bandwidth expansion A(z/gamma). Coefficients are Q12.

// synFilt filters x through 1/A(z) into y (len(x) samples, at most 80).
// mem holds the last 10 outputs of the previous call; with update they are
// replaced by the last 10 of this one. ov is set when any operation
// saturates, as the recommendation's Overflow flag would be. x and y may be
// the same slice.
func synFilt(a []int16, x []int16, y []int16, mem []int16, update bool, ov *bool) {
	var tmp [100 + lpOrder]int16
	n := len(x)
	if n > 100 {
		n = 100
	}
	copy(tmp[:lpOrder], mem[:lpOrder])
	for i := 0; i < n; i++ {
		s := lMultOv(x[i], a[0], ov)
		for j := 1; j <= lpOrder; j++ {
			s = lMsuOv(s, a[j], tmp[lpOrder+i-j], ov)
		}
		s = lShlOv(s, 3, ov)
		tmp[lpOrder+i] = roundOv(s, ov)
	}
	copy(y[:n], tmp[lpOrder:lpOrder+n])
	if update {
		copy(mem[:lpOrder], y[n-lpOrder:n])
	}
}

// residu filters x through A(z): y[i] for i < n from x[off+i-10 .. off+i].
func residu(a []int16, x []int16, off int, y []int16, n int) {
	for i := 0; i < n; i++ {
		s := lMult(x[off+i], a[0])
		for j := 1; j <= lpOrder; j++ {
			s = lMac(s, a[j], x[off+i-j])
		}
		s = lShl(s, 3)
		y[i] = round(s)
	}
}

// weightAz computes ap[i] = a[i]*gamma^i (Q15 gamma), order 10.
func weightAz(a []int16, gamma int16, ap []int16) {
	ap[0] = a[0]
	fac := gamma
	for i := 1; i < lpOrder; i++ {
		ap[i] = round(lMult(a[i], fac))
		fac = round(lMult(fac, gamma))
	}
	ap[lpOrder] = round(lMult(a[lpOrder], fac))
}
