package g729

import "math/bits"

// Pitch analysis of the encoder: open-loop search on the weighted speech
// (Annex A 3.4, decimated), closed-loop fractional search (Annex A 3.5),
// the lag encoding (G.729 3.7.1), the adaptive-codebook gain, and the
// taming procedure that limits the pitch gain when the error of the
// decoder's adaptive codebook could build up (G.729 3.7, Annex A).

// pitchOlFast returns the open-loop lag of sig[off:off+80], using
// sig[off-143:off] as history. Each of the three lag ranges gives its best
// normalised correlation (on even samples); shorter lags are favoured when
// a longer one is a multiple of them.
func pitchOlFast(sig []int16, off int) int16 {
	const lFrame = FrameSamples
	const n = FrameSamples + pitMax
	base := off - pitMax // sig index of the oldest sample
	s0 := pitMax         // index of the current frame
	w := (*[n]int16)(sig[base : base+n])

	// choose a scaling that neither overflows nor loses precision (on
	// every other sample from the oldest): the energy, a chain of L_mac
	// of squares, is the exact sum clipped
	var se int64
	for k := 0; k < n; k += 2 {
		v := int64(w[k])
		se += v * v
	}
	// shr(x, 3), shl(x, 3) (saturating) or x, as (x << su) >> sd clipped
	var su, sd uint
	switch {
	case 2*se > max32:
		sd = 3
	case 2*se < 1048576:
		su = 3
	}

	// The correlations only use every other sample: split the scaled
	// signal by parity so that they are contiguous products, with its
	// energy (exact sum, as energy) and, for the packed sums below, the
	// pairs packed[p][m] = (dec[p][m], dec[p][m-1]).
	const half = (n + 1) / 2
	var dec [2][half]int16
	var packed [2][half]int64
	var st int64
	var prev0, prev1 int64
	for k := 0; k < half; k++ {
		v0 := int64(min(max((int32(w[2*k])<<su)>>sd, min16), max16))
		var v1 int64
		if 2*k+1 < n {
			v1 = int64(min(max((int32(w[2*k+1])<<su)>>sd, min16), max16))
		}
		dec[0][k], dec[1][k] = int16(v0), int16(v1)
		packed[0][k] = v0<<32 + prev0
		packed[1][k] = v1<<32 + prev1
		prev0, prev1 = v0, v1
		st += v0*v0 + v1*v1
	}
	cur := dec[s0&1][s0>>1 : s0>>1+lFrame/2]
	delayed := func(lag int) []int16 {
		i := s0 - lag
		return dec[i&1][i>>1 : i>>1+lFrame/2]
	}
	// if the whole buffer's energy fits 32 bits, so does every correlation
	plain := 2*st < max32

	// corrs[lag] is the correlation at every lag the search reads. With
	// the plain bound, lags lag and lag+2 (same parity, one decimated
	// sample apart) are summed together on packed operands.
	var corrs [pitMax + 1]int32
	if plain {
		pair := func(lag int) {
			i := s0 - lag
			hi, lo := dotPair(cur, packed[i&1][i>>1:])
			corrs[lag] = hi << 1
			corrs[lag+2] = lo << 1
		}
		for lag := 20; lag < 80; lag += 4 {
			pair(lag)
			pair(lag + 1)
		}
		for lag := 80; lag < 143; lag += 4 {
			pair(lag)
		}
	} else {
		for lag := 20; lag < 80; lag++ {
			corrs[lag] = macSum(0, cur, delayed(lag))
		}
		for lag := 80; lag < 143; lag += 2 {
			corrs[lag] = macSum(0, cur, delayed(lag))
		}
	}
	corr := func(lag int) int32 {
		if lag&1 == 1 && lag > 80 {
			// the neighbours of the best even lag of the third section
			if plain {
				return dotPlain(0, cur, delayed(lag))
			}
			return macSum(0, cur, delayed(lag))
		}
		return corrs[lag]
	}
	// normalised maximum: max / sqrt(energy of the delayed signal)
	norm := func(max int32, lag int) int16 {
		d := delayed(lag)
		s, _ := energy(1, d)
		s = invSqrt(s)
		mh, ml := lExtract(max)
		eh, el := lExtract(s)
		return extractL(mpy32(mh, ml, eh, el))
	}

	// first section: lags 20..39
	max := int32(min32)
	t1 := 20
	for i := 20; i < 40; i++ {
		if s := corr(i); lSub(s, max) > 0 {
			max, t1 = s, i
		}
	}
	max1 := norm(max, t1)

	// second section: lags 40..79
	max = min32
	t2 := 40
	for i := 40; i < 80; i++ {
		if s := corr(i); lSub(s, max) > 0 {
			max, t2 = s, i
		}
	}
	max2 := norm(max, t2)

	// third section: lags 80..143, even lags, then the two neighbours
	max = min32
	t3 := 80
	for i := 80; i < 143; i += 2 {
		if s := corr(i); lSub(s, max) > 0 {
			max, t3 = s, i
		}
	}
	i := t3
	if s := corr(i + 1); lSub(s, max) > 0 {
		max, t3 = s, i+1
	}
	if s := corr(i - 1); lSub(s, max) > 0 {
		max, t3 = s, i-1
	}
	max3 := norm(max, t3)

	// favour sub-multiples
	T1, T2, T3 := int16(t1), int16(t2), int16(t3)
	d := sub(shl(T2, 1), T3)
	if sub(absS(d), 5) < 0 {
		max2 = add(max2, shr(max3, 2))
	}
	d = add(d, T2)
	if sub(absS(d), 7) < 0 {
		max2 = add(max2, shr(max3, 2))
	}
	d = sub(shl(T1, 1), T2)
	if sub(absS(d), 5) < 0 {
		max1 = add(max1, mult(max2, 6554))
	}
	d = add(d, T1)
	if sub(absS(d), 7) < 0 {
		max1 = add(max1, mult(max2, 6554))
	}

	if sub(max1, max2) < 0 {
		max1 = max2
		T1 = T2
	}
	if sub(max1, max3) < 0 {
		T1 = T3
	}
	return T1
}

// corHX computes d[i] = sum x[j] h[j-i] (the backward-filtered target),
// scaled so the largest magnitude fits 13 bits.
func corHX(h, x []int16, d *[subfrLen]int16) {
	var y32 [subfrLen]int32
	// 2|partial sum| <= sqrt(ex*eh) (Cauchy-Schwarz, ex = 2 sum x^2)
	ex, satX := energy(0, x[:subfrLen])
	eh, satH := energy(0, h[:subfrLen])
	plain := !satX && !satH && int64(ex)*int64(eh) < int64(max32)*int64(max32)
	if plain {
		// d[i] and d[i+1] together: packed[k] = (h[k], h[k-1]), h[-1] = 0
		var packed [subfrLen]int64
		packed[0] = pack2(h[0], 0)
		for k := 1; k < subfrLen; k++ {
			packed[k] = pack2(h[k], h[k-1])
		}
		for i := 0; i < subfrLen; i += 2 {
			hi, lo := dotPair(x[i:subfrLen], packed[:])
			y32[i], y32[i+1] = hi<<1, lo<<1
		}
	} else {
		for i := 0; i < subfrLen; i++ {
			y32[i] = macSum(0, x[i:subfrLen], h)
		}
	}
	// the largest L_abs (non-negative values: L_sub cannot saturate)
	var m int64
	for _, s := range y32 {
		v := int64(s)
		m = max(m, v, -v)
	}
	j := normL(int32(min(m, max32)))
	if sub(j, 16) > 0 {
		j = 16
	}
	sh := uint(18 - j) // 2..18
	for i := range d {
		d[i] = int16(y32[i] >> sh)
	}
}

// pitchFr3Fast is the closed-loop pitch search of the subframe at exc[off:]
// (target xn, impulse response h): the best integer lag in [t0Min, t0Max]
// by correlation with the backward-filtered target, then the fractions
// -1/3, 0, +1/3 around it (not in the first subframe above lag 84). It
// leaves the adaptive-codebook vector of the chosen lag in exc[off:off+40].
func pitchFr3Fast(exc []int16, off int, xn, h []int16, t0Min, t0Max int16, firstSubfr bool) (t0, frac int16) {
	var dn, excTmp [subfrLen]int16
	corHX(h, xn, &dn)

	var corrs [16]int32
	lagCorrs(&dn, exc, off, int(t0Min), int(t0Max), &corrs)
	max := int32(min32)
	t0 = t0Min
	for t := t0Min; t <= t0Max; t++ {
		if c := corrs[(t-t0Min)&15]; lSub(c, max) > 0 {
			max, t0 = c, t
		}
	}

	// correlation of dn with an interpolated vector: plain when
	// 2 sum|dn| max|v| < 2^31 bounds every partial sum
	var sumDn int64
	for _, v := range dn {
		sumDn += abs32(v)
	}
	corrDn := func(v []int16) int32 {
		if 2*sumDn*maxAbs(v) < 1<<31 {
			return dotPlain(0, dn[:], v)
		}
		return macSum(0, dn[:], v)
	}
	predLt3(exc, off, t0, 0, subfrLen)
	max = corrDn(exc[off : off+subfrLen])
	frac = 0
	if firstSubfr && sub(t0, 84) > 0 {
		return t0, frac
	}
	copy(excTmp[:], exc[off:off+subfrLen])

	predLt3(exc, off, t0, -1, subfrLen)
	c := corrDn(exc[off : off+subfrLen])
	if lSub(c, max) > 0 {
		max = c
		frac = -1
		copy(excTmp[:], exc[off:off+subfrLen])
	}

	predLt3(exc, off, t0, 1, subfrLen)
	c = corrDn(exc[off : off+subfrLen])
	if lSub(c, max) > 0 {
		frac = 1
	} else {
		copy(exc[off:off+subfrLen], excTmp[:])
	}
	return t0, frac
}

// lagCorrs sets corrs[t-tMin] to the correlation of dn with the past
// excitation at lag t, tMin <= t <= tMax (at most 16 lags). Every partial
// sum is bounded by sqrt(Edn * Eexc) (Cauchy-Schwarz, the energies of dn
// and of the excitation the lags cover): when twice that is below 2^31
// no step saturates and lags t, t+1 are summed together on packed
// operands; otherwise each goes through the saturating chain.
func lagCorrs(dn *[subfrLen]int16, exc []int16, off, tMin, tMax int, corrs *[16]int32) {
	n := tMax - tMin + 1
	if n <= 0 || n > len(corrs) {
		return
	}
	base := off - tMax - 1 // one before the oldest sample read
	win := exc[base : off-tMin+subfrLen]
	var edn, eexc uint64
	for _, v := range dn {
		edn += uint64(int64(v) * int64(v))
	}
	for _, v := range win {
		eexc += uint64(int64(v) * int64(v))
	}
	if hi, lo := bits.Mul64(edn, eexc); hi != 0 || lo >= 1<<60 {
		for t := tMin; t <= tMax; t++ {
			corrs[t-tMin] = macSum(0, dn[:], exc[off-t:off-t+subfrLen])
		}
		return
	}
	// packed[q] = (exc[base+q], exc[base+q-1])
	var packed [subfrLen + 17]int64
	for q := 1; q < len(win) && q < len(packed); q++ {
		packed[q] = pack2(win[q], win[q-1])
	}
	t := tMin
	for ; t+1 <= tMax; t += 2 {
		q := off - t - base
		hi, lo := dotPair(dn[:], packed[q:q+subfrLen])
		corrs[t-tMin], corrs[t+1-tMin] = hi<<1, lo<<1
	}
	if t == tMax {
		corrs[t-tMin] = dotPlain(0, dn[:], exc[off-t:off-t+subfrLen])
	}
}

// gPitch returns the adaptive-codebook gain <xn,y1>/<y1,y1> in Q14, bounded
// to [0, 1.2], and the two correlations with their exponents for the gain
// quantizer: gCoeff = {yy, 15-exp_yy, xy, 15-exp_xy}.
func gPitch(xn, y1 []int16, gCoeff *[4]int16) int16 {
	var scaledY1 [subfrLen]int16
	for i := range scaledY1 {
		scaledY1[i] = y1[i] >> 2 // y1/4 in case of overflow (shr)
	}

	s, ov := energy(1, y1[:subfrLen])
	var expYY, yy int16
	if !ov {
		expYY = normL(s)
		yy = round(lShl(s, expYY))
	} else {
		s, _ = energy(1, scaledY1[:])
		expYY = normL(s)
		yy = round(lShl(s, expYY))
		expYY = sub(expYY, 4)
	}

	s, ov = macSumOv(0, xn[:subfrLen], y1)
	var expXY, xy int16
	if !ov {
		expXY = normL(s)
		xy = round(lShl(s, expXY))
	} else {
		s = macSum(0, xn[:subfrLen], scaledY1[:])
		expXY = normL(s)
		xy = round(lShl(s, expXY))
		expXY = sub(expXY, 2)
	}

	gCoeff[0] = yy
	gCoeff[1] = sub(15, expYY)
	gCoeff[2] = xy
	gCoeff[3] = sub(15, expXY)

	if xy <= 0 {
		gCoeff[3] = -15
		return 0
	}

	xy = shr(xy, 1) // xy < yy for divS
	gain := divS(xy, yy)
	gain = shr(gain, sub(expXY, expYY))
	if sub(gain, 19661) > 0 {
		gain = 19661
	}
	return gain
}

// encLag3 encodes the pitch lag with 1/3 resolution: 8 bits in the first
// subframe (which also sets the second subframe's search range), 5 bits
// relative to that range in the second.
func encLag3(t0, t0Frac int16, t0Min, t0Max *int16, firstSubfr bool) int16 {
	if firstSubfr {
		var index int16
		if sub(t0, 85) <= 0 {
			i := add(add(t0, t0), t0)
			index = add(sub(i, 58), t0Frac)
		} else {
			index = add(t0, 112)
		}
		*t0Min = sub(t0, 5)
		if sub(*t0Min, pitMin) < 0 {
			*t0Min = pitMin
		}
		*t0Max = add(*t0Min, 9)
		if sub(*t0Max, pitMax) > 0 {
			*t0Max = pitMax
			*t0Min = sub(*t0Max, 9)
		}
		return index
	}
	i := sub(t0, *t0Min)
	i = add(add(i, i), i)
	return add(add(i, 2), t0Frac)
}

// taming is the memory of the taming procedure: the worst-case
// accumulated pitch gain per 40-sample zone of the past excitation, Q14.
type taming struct {
	excErr [4]int32
}

func (t *taming) reset() {
	for i := range t.excErr {
		t.excErr[i] = 0x4000
	}
}

// test tells whether the pitch gain must be limited for lag t0 (+frac).
func (t *taming) test(t0, t0Frac int16) bool {
	t1 := t0
	if t0Frac > 0 {
		t1 = add(t0, 1)
	}
	i := sub(t1, subfrLen+lInterpol-1)
	if i < 0 {
		i = 0
	}
	zone1 := tabZone[i]
	i = add(t1, lInterpol-1-2)
	zone2 := tabZone[i]

	maxLoc := int32(-1)
	for i := zone2; i >= zone1; i-- {
		if lSub(t.excErr[i], maxLoc) > 0 {
			maxLoc = t.excErr[i]
		}
	}
	return lSub(maxLoc, lThreshErr) > 0
}

// update records the error propagation of this subframe's pitch gain.
func (t *taming) update(gainPit, t0 int16) {
	worst := int32(-1)
	acc := func(e int32) int32 {
		hi, lo := lExtract(e)
		v := mpy32x16(hi, lo, gainPit)
		v = lShlF(v, 1)
		v = lAdd(0x4000, v)
		if lSub(v, worst) > 0 {
			worst = v
		}
		return v
	}
	n := sub(t0, subfrLen)
	if n < 0 {
		v := acc(t.excErr[0])
		acc(v)
	} else {
		zone1 := tabZone[n]
		zone2 := tabZone[sub(t0, 1)]
		for i := zone1; i <= zone2; i++ {
			acc(t.excErr[i])
		}
	}
	for i := 3; i >= 1; i-- {
		t.excErr[i] = t.excErr[i-1]
	}
	t.excErr[0] = worst
}
