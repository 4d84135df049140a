package g729

// LP filters of order 10 (G.729 3.x): synthesis 1/A(z), analysis (residual)
// A(z) and bandwidth expansion A(z/gamma). Coefficients are Q12.
//
// The recommendation computes each output with saturating multiply-adds.
// When a bound on the magnitudes shows that no partial sum can leave the
// 32-bit range, plain integer arithmetic gives the very same result (and no
// overflow), so the filters take that fast path and fall back to the
// step-by-step saturating one otherwise.

// noSat is the bound below which a sum of products, doubled as L_mac
// doubles them, cannot saturate: 2*sum|a*b| < 2^31.
const noSat = 1 << 30

func abs32(v int16) int64 {
	x := int64(v)
	m := x >> 63
	return (x ^ m) - m
}

// maxAbs is an upper bound of the magnitudes in v: |x| <= (x ^ x>>15) + 1,
// and the OR of those terms bounds each of them.
func maxAbs(v []int16) int64 {
	var o0, o1, o2, o3 int16
	i := 0
	for ; i+3 < len(v); i += 4 {
		w := (*[4]int16)(v[i : i+4])
		o0 |= w[0] ^ (w[0] >> 15)
		o1 |= w[1] ^ (w[1] >> 15)
		o2 |= w[2] ^ (w[2] >> 15)
		o3 |= w[3] ^ (w[3] >> 15)
	}
	for ; i < len(v); i++ {
		o0 |= v[i] ^ (v[i] >> 15)
	}
	return int64(o0|o1|o2|o3) + 1
}

// roundFast is round (the high half of a+0x8000, saturated).
func roundFast(a int32) int16 {
	r := (int64(a) + 0x8000) >> 16
	if r > max16 {
		return max16
	}
	return int16(r)
}

// energySat is the recommendation's sum of L_mac(acc, x[i], x[i]) for
// acc >= 0. Every term is >= 0, so the saturating sum only ever clips at
// the top and stays there: it equals the exact sum capped at max32.
func energySat(acc int32, x []int16) int32 {
	var s0, s1, s2, s3 int64
	i := 0
	for ; i+3 < len(x); i += 4 {
		w := (*[4]int16)(x[i : i+4])
		s0 += int64(w[0]) * int64(w[0])
		s1 += int64(w[1]) * int64(w[1])
		s2 += int64(w[2]) * int64(w[2])
		s3 += int64(w[3]) * int64(w[3])
	}
	for ; i < len(x); i++ {
		s0 += int64(x[i]) * int64(x[i])
	}
	return int32(min(int64(acc)+2*(s0+s1+s2+s3), max32))
}

// energyShr2Sat is energySat(0, x[i]>>2): the energy of the signal scaled
// down by 4.
func energyShr2Sat(x []int16) int32 {
	var s0, s1 int64
	i := 0
	for ; i+1 < len(x); i += 2 {
		a, b := int64(x[i]>>2), int64(x[i+1]>>2)
		s0 += a * a
		s1 += b * b
	}
	if i < len(x) {
		a := int64(x[i] >> 2)
		s0 += a * a
	}
	return int32(min(2*(s0+s1), max32))
}

// sat32 clamps to 32 bits.
func sat32(v int64) int32 {
	if v > max32 {
		return max32
	}
	if v < min32 {
		return min32
	}
	return int32(v)
}

// shlSat is L_shl for 0 <= n <= 31: v<<n saturated to 32 bits.
func shlSat(v int32, n uint) int32 {
	switch {
	case v > max32>>n:
		return max32
	case v < min32>>n:
		return min32
	}
	return v << n
}

// synFilt filters x through 1/A(z) into y (len(x) samples, at most 100).
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
	a = a[:lpOrder+1]
	m := (*[lpOrder]int16)(mem[:lpOrder])
	*(*[lpOrder]int16)(tmp[:lpOrder]) = *m

	// While every output stays below limY, |x*a0| + sum|a[j]*y| < 2^30:
	// no partial sum of the doubled products saturates and plain
	// arithmetic is exact. A coefficient of -32768 could make L_mult
	// saturate, so it forces the exact path.
	var sumA int64
	fast := a[0] != min16
	for j := 1; j <= lpOrder; j++ {
		sumA += abs32(a[j])
		if a[j] == min16 {
			fast = false
		}
	}
	limY := int64(-1)
	if xa := maxAbs(x[:n]) * abs32(a[0]); fast && xa < noSat {
		limY = (noSat - 1 - xa) / max(sumA, 1)
	}
	var c [lpOrder + 1]int32
	for j := range c {
		c[j] = int32(a[j])
	}

	fastY := maxAbs(m[:]) < limY
	limHi := int16(min(limY, max16)) // |out| < limHi keeps the fast path
	i := 0
	if fastY {
		i = synFiltPairs(&c, x[:n], &tmp, int64(limHi))
	}
	for ; i < n; i++ {
		yy := (*[lpOrder + 1]int16)(tmp[i : i+lpOrder+1]) // yy[lpOrder-j] is y[i-j]
		var out int16
		if fastY {
			// Without overflow the order of the additions does not
			// matter: the oldest outputs first, the newest last, so
			// that each sample waits little on the one before.
			s0 := int32(x[i])*c[0] - c[10]*int32(yy[0]) - c[8]*int32(yy[2]) - c[6]*int32(yy[4]) - c[4]*int32(yy[6])
			s1 := c[9]*int32(yy[1]) + c[7]*int32(yy[3]) + c[5]*int32(yy[5]) + c[3]*int32(yy[7])
			s := s0 - s1 - c[2]*int32(yy[8]) - c[1]*int32(yy[9])
			// s is half the L_mac sum; shifting by 1+3 saturates when
			// |s| >= 2^27, and then so does the rounding of a positive
			// value.
			if s >= 1<<27 || s < -(1<<27) {
				*ov = true
				if s > 0 {
					out = max16
				} else {
					out = min16
				}
			} else {
				r := (int64(s)<<4 + 0x8000) >> 16
				if r > max16 {
					*ov = true
					r = max16
				}
				out = int16(r)
			}
			fastY = out < limHi && out > -limHi
		} else {
			s := lMultOv(x[i], a[0], ov)
			for j := 1; j <= lpOrder; j++ {
				s = lMsuOv(s, a[j], yy[lpOrder-j], ov)
			}
			s = lShlOv(s, 3, ov)
			out = roundOv(s, ov)
		}
		tmp[lpOrder+i] = out
	}
	copy(y[:n], tmp[lpOrder:lpOrder+n])
	if update {
		copy(mem[:lpOrder], y[n-lpOrder:n])
	}
}

// synFiltPairs is the fast path of synFilt two outputs at a time, for as
// long as every output stays below lim (the bound under which no partial
// sum saturates, so that every sum below is exact). It returns how many
// outputs it wrote to tmp[lpOrder:]; the caller continues from there.
//
// The two outputs share one 64-bit sum: the coefficient pair
// c[j]*2^32 + c[j+1] times y[i-j] adds c[j]*y[i-j] to the high half (output
// i) and c[j+1]*y[i-j] to the low half (output i+1, whose newest term
// c[1]*y[i] is subtracted once y[i] is known). Both halves stay within
// +-2^30; the low half carries an offset of 2^31 so that it is never
// negative and the high half is read by a plain shift. Both carry 2048, the
// rounding constant of (s<<4 + 0x8000)>>16 = (s + 2048)>>12.
func synFiltPairs(c *[lpOrder + 1]int32, x []int16, tmp *[100 + lpOrder]int16, lim int64) int {
	var pc [lpOrder + 1]int64
	for j := 1; j < lpOrder; j++ {
		pc[j] = int64(c[j])<<32 + int64(c[j+1])
	}
	pc[lpOrder] = int64(c[lpOrder]) << 32
	const offHi, offLo = 2048 << 32, 1<<31 + 2048
	c0, c1 := int64(c[0]), int64(c[1])
	y1, y2 := int64(tmp[lpOrder-1]), int64(tmp[lpOrder-2])
	i := 0
	bias, width := lim-1, uint64(2*lim-1) // |o| < lim: uint64(o+bias) < width
	// The windows advance by moving the slices themselves, so that the
	// loads are constant offsets from one pointer.
	ys, xs := tmp[:], x
	for ; len(xs) >= 2 && len(ys) >= lpOrder+2; i += 2 {
		yy := (*[lpOrder + 2]int16)(ys) // yy[lpOrder-j] is y[i-j]
		xx := (*[2]int16)(xs)
		ys, xs = ys[2:], xs[2:]
		p0 := (int64(xx[0])<<32+int64(xx[1]))*c0 + (offHi + offLo)
		p0 -= pc[10]*int64(yy[0]) + pc[8]*int64(yy[2]) + pc[6]*int64(yy[4]) + pc[4]*int64(yy[6])
		p1 := pc[9]*int64(yy[1]) + pc[7]*int64(yy[3]) + pc[5]*int64(yy[5]) + pc[3]*int64(yy[7])
		p := p0 - p1 - pc[2]*y2 - pc[1]*y1
		o0 := p >> 44 // (s[i] + 2048) >> 12
		// Outside (-lim, lim) (which includes every saturating case):
		// leave the sample to the general loop.
		if uint64(o0+bias) >= width {
			break
		}
		o1 := (int64(uint32(p)) - 1<<31 - c1*o0) >> 12
		if uint64(o1+bias) >= width {
			break
		}
		yy[lpOrder] = int16(o0)
		yy[lpOrder+1] = int16(o1)
		y2, y1 = o0, o1
	}
	return i
}

// residu filters x through A(z): y[i] for i < n from x[off+i-10 .. off+i].
func residu(a []int16, x []int16, off int, y []int16, n int) {
	a = a[:lpOrder+1]
	var sumA int64
	fast := true
	for j := 0; j <= lpOrder; j++ {
		sumA += abs32(a[j])
		if a[j] == min16 {
			fast = false
		}
	}
	maxX := maxAbs(x[off-lpOrder : off+n])
	if fast && maxX*sumA < noSat {
		residuPlain(a, x, off, y[:n])
		return
	}
	for i := 0; i < n; i++ {
		s := lMult(x[off+i], a[0])
		for j := 1; j <= lpOrder; j++ {
			s = lMac(s, a[j], x[off+i-j])
		}
		s = lShl(s, 3)
		y[i] = round(s)
	}
}

// residuPlain is residu when no partial sum can saturate (every partial
// sum is below 2^30 in magnitude): two outputs per 64-bit sum, the
// coefficient pair a[j]*2^32 + a[j+1] times x[i-j] adding a[j]*x[i-j] to
// the high half (output i) and a[j+1]*x[i-j] to the low half (output i+1).
// The low half carries an offset of 2^31 so that it is never negative, both
// the rounding constant of (s<<4 + 0x8000)>>16 = (s + 2048)>>12; L_shl and
// the rounding saturate exactly where (s + 2048)>>12 leaves 16 bits.
func residuPlain(a []int16, x []int16, off int, y []int16) {
	a = a[:lpOrder+1]
	var pa [lpOrder + 1]int64
	for j := 0; j < lpOrder; j++ {
		pa[j] = int64(a[j])<<32 + int64(a[j+1])
	}
	pa[lpOrder] = int64(a[lpOrder]) << 32
	a0 := int64(a[0])
	const offs = 2048<<32 + 1<<31 + 2048
	n := len(y)
	i := 0
	xs := x[off-lpOrder:]
	for ; i+1 < n && len(xs) >= lpOrder+2; i += 2 {
		// The window advances by moving the slice itself, so that the
		// loads are constant offsets from one pointer.
		xw := (*[lpOrder + 2]int16)(xs) // xw[lpOrder-j] is x[i-j]
		xs = xs[2:]
		p0 := a0*int64(xw[11]) + pa[0]*int64(xw[10]) + pa[2]*int64(xw[8]) + pa[4]*int64(xw[6]) + pa[6]*int64(xw[4]) + pa[8]*int64(xw[2]) + pa[10]*int64(xw[0])
		p1 := pa[1]*int64(xw[9]) + pa[3]*int64(xw[7]) + pa[5]*int64(xw[5]) + pa[7]*int64(xw[3]) + pa[9]*int64(xw[1])
		p := p0 + p1 + offs
		y[i] = int16(min(max(p>>44, min16), max16))
		y[i+1] = int16(min(max((int64(uint32(p))-1<<31)>>12, min16), max16))
	}
	if i < n {
		xw := (*[lpOrder + 1]int16)(x[off+i-lpOrder : off+i+1])
		var s int64 = 2048
		for j := 0; j <= lpOrder; j++ {
			s += int64(a[j]) * int64(xw[lpOrder-j])
		}
		y[i] = int16(min(max(s>>12, min16), max16))
	}
}

// weightAz computes ap[i] = a[i]*gamma^i (Q15 gamma), order 10.
func weightAz(a []int16, gamma int16, ap []int16) {
	// round(L_mult(x, y)) is mult_r(x, y), including x = y = -32768.
	a = a[:lpOrder+1]
	ap = ap[:lpOrder+1]
	ap[0] = a[0]
	fac := gamma
	for i := 1; i < lpOrder; i++ {
		ap[i] = multR(a[i], fac)
		fac = multR(fac, gamma)
	}
	ap[lpOrder] = multR(a[lpOrder], fac)
}

// dotSat is the recommendation's sum of L_mac(acc, x[i], y[i]) from acc,
// exact with saturation, computed in plain arithmetic when the bound allows.
func dotSat(acc int32, x, y []int16) int32 {
	y = y[:len(x)]
	mx, my := maxAbs(x), maxAbs(y)
	if mx*my*int64(len(x))+abs64(int64(acc))/2 < noSat && mx < 32768 {
		s := int64(acc)
		for i := range x {
			s += 2 * int64(x[i]) * int64(y[i])
		}
		return int32(s)
	}
	for i := range x {
		acc = lMac(acc, x[i], y[i])
	}
	return acc
}

func abs64(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}
