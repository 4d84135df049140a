package g729

// Fast exact forms of the chains of saturating multiply-accumulates
// (L_mac) that dominate the encoder's time. The sum runs in 64 bits; as
// long as no partial sum leaves the 32-bit range and no product is the
// one L_mult saturates (-32768 * -32768), it is exactly what the chain of
// saturating operations gives. At the first step where that is not so, the
// rest is finished with the saturating operators from the (exact) partial
// sum before it, so the result is always the recommendation's.

// macSum returns lMac(...lMac(acc, x[0], y[0])..., x[n-1], y[n-1]) for
// n = len(x); y must be at least as long.
func macSum(acc int32, x, y []int16) int32 {
	y = y[:len(x)]
	s := int64(acc)
	for i, xv := range x {
		p := int64(xv) * int64(y[i])
		t := s + p<<1
		if uint64(t-min32) > 0xffffffff || p == 0x40000000 {
			return macSlow(int32(s), x[i:], y[i:])
		}
		s = t
	}
	return int32(s)
}

func macSlow(acc int32, x, y []int16) int32 {
	for i, xv := range x {
		acc = lMac(acc, xv, y[i])
	}
	return acc
}

// macSumOv is macSum that also reports, as lMacOv would through the
// recommendation's Overflow flag, whether any step saturated.
func macSumOv(acc int32, x, y []int16) (int32, bool) {
	y = y[:len(x)]
	s := int64(acc)
	for i, xv := range x {
		p := int64(xv) * int64(y[i])
		t := s + p<<1
		if uint64(t-min32) > 0xffffffff || p == 0x40000000 {
			ov := false
			a := int32(s)
			for j := i; j < len(x); j++ {
				a = lMacOv(a, x[j], y[j], &ov)
			}
			return a, ov
		}
		s = t
	}
	return int32(s), false
}

// energy returns the chain lMac(...lMac(acc, x[0], x[0])..., x[n-1],
// x[n-1]) for acc >= 0 and whether it saturated. Every product is
// non-negative, so the chain only saturates upwards and then stays at the
// maximum: it is the exact sum clipped to max32 (a -32768 sample, whose
// product L_mult clips, already takes the exact sum past it).
func energy(acc int32, x []int16) (int32, bool) {
	s := int64(acc)
	for _, v := range x {
		s += int64(v) * int64(v)
	}
	// s counts each product once; the chain adds it twice
	s = int64(acc) + (s-int64(acc))<<1
	if s > max32 {
		return max32, true
	}
	return int32(s), false
}

// dotPlain is macSum for operands the caller has shown cannot saturate
// (by Cauchy-Schwarz: every partial sum of x[i]*y[i] is bounded by the
// square root of the product of the energies of x and y, so energies that
// fit 32 bits bound every partial sum of their cross-correlations).
func dotPlain(acc int32, x, y []int16) int32 {
	y = y[:len(x)]
	for i, xv := range x {
		acc += int32(xv) * int32(y[i]) << 1
	}
	return acc
}

// Two sums of products for the price of one: p[k] packs two 16-bit
// operands as hi*2^32 + lo (lo sign-extended), so sum x[k]*p[k] is exactly
// Shi*2^32 + Slo in 64 bits. When both sums are known to lie within
// +-2^31 (every caller has a Cauchy-Schwarz bound of 2^30), Slo is the low
// 32 bits and Shi what remains.

// pack2 returns hi*2^32 + lo.
func pack2(hi, lo int16) int64 { return int64(hi)<<32 + int64(lo) }

// dotPair returns sum x[k]*hi[k] and sum x[k]*lo[k] for p[k] = pack2(hi[k],
// lo[k]), k < len(x); both must lie within +-2^31.
func dotPair(x []int16, p []int64) (hi, lo int32) {
	p = p[:len(x)]
	var s0, s1, s2, s3 int64
	k := 0
	for ; k+4 <= len(x); k += 4 {
		xs := (*[4]int16)(x[k : k+4])
		ps := (*[4]int64)(p[k : k+4])
		s0 += int64(xs[0]) * ps[0]
		s1 += int64(xs[1]) * ps[1]
		s2 += int64(xs[2]) * ps[2]
		s3 += int64(xs[3]) * ps[3]
	}
	for ; k < len(x); k++ {
		s0 += int64(x[k]) * p[k]
	}
	s := s0 + s1 + s2 + s3
	lo = int32(s)
	hi = int32((s - int64(lo)) >> 32)
	return hi, lo
}

// Inline forms of the double-precision (DPF) operators, exact: the sums
// run in 64 bits and, should an intermediate leave the 32-bit range (where
// a saturating step would have clipped), the operator itself is used.

// lExtractF is lExtract: hi = a>>16, lo = (a>>1) & 0x7fff.
func lExtractF(a int32) (hi, lo int16) { return int16(a >> 16), int16((a >> 1) & 0x7fff) }

// mpy32x16X is mpy32x16 for a DPF low part lo in [0, 32767] (mult(lo, n)
// cannot saturate) as an exact 64-bit value, with the range check term
// of its steps: chk > 0xffffffff when a step left 32 bits.
func mpy32x16X(hi, lo, n int16) (v int64, chk uint64) {
	p := 2 * int64(hi) * int64(n)
	v = p + 2*((int64(lo)*int64(n))>>15)
	return v, uint64(p-min32) | uint64(v-min32)
}

// mpy32X is mpy32 for DPF low parts lo1, lo2 in [0, 32767], as mpy32x16X.
func mpy32X(hi1, lo1, hi2, lo2 int16) (v int64, chk uint64) {
	p := 2 * int64(hi1) * int64(hi2)
	s := p + 2*((int64(hi1)*int64(lo2))>>15)
	v = s + 2*((int64(lo1)*int64(hi2))>>15)
	return v, uint64(p-min32) | uint64(s-min32) | uint64(v-min32)
}

// lShlF is lShl for 0 <= n < 31.
func lShlF(a int32, n uint) int32 {
	switch {
	case a > max32>>n:
		return max32
	case a < min32>>n:
		return min32
	}
	return a << n
}

// div32F is div32 for a DPF denominator (denLo in [0, 32767]): the
// recommendation's Newton step and product as exact 64-bit values, the
// operator sequence itself should a step leave 32 bits.
func div32F(num int32, denHi, denLo int16) int32 {
	approx := divS(0x3fff, denHi) // 1/den in Q14
	v, c1 := mpy32x16X(denHi, denLo, approx)
	r := max32 - v // 2 - den*approx
	c := c1 | uint64(r-min32)
	hi, lo := lExtractF(int32(r))
	v, c2 := mpy32x16X(hi, lo, approx) // 1/den in Q30
	hi, lo = lExtractF(int32(v))
	nHi, nLo := lExtractF(num)
	v, c3 := mpy32X(nHi, nLo, hi, lo)
	if c|c2|c3 > 0xffffffff {
		return div32(num, denHi, denLo)
	}
	return lShlF(int32(v), 2)
}

// mpy32E is mpy32 for DPF low parts in [0, 32767], through mpy32X.
func mpy32E(hi1, lo1, hi2, lo2 int16) int32 {
	v, c := mpy32X(hi1, lo1, hi2, lo2)
	if c > 0xffffffff {
		return mpy32(hi1, lo1, hi2, lo2)
	}
	return int32(v)
}

// lShlN is lShl for a count n >= 0 of any size (31 and more give what 31
// gives: every non-zero value saturates, -1 becomes min32).
func lShlN(a int32, n int16) int32 {
	return lShlF(a, uint(min(max(n, 0), 31)))
}
