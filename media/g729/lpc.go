package g729

// LP analysis of the encoder (G.729 3.2.1 - 3.2.3, Annex A unchanged):
// windowed autocorrelation, lag window, Levinson-Durbin recursion and the
// conversion of the LP filter to line spectral pairs.

// autocorr windows the 240 samples of x with the LP analysis window and
// computes r[0..m] in DPF, normalised; it returns the exponent of r[0] that
// Annex B's VAD needs for the frame energy. If r[0] overflows, the windowed
// signal is scaled down by 4 until it does not.
func autocorr(x []int16, m int, rh, rl []int16) (expR0 int16) {
	var y [encWindow]int16
	// packed[k] = (y[k], y[k+1]), y[240] = 0: see below
	var packed [encWindow]int64
	x = x[:encWindow]
	var e int64
	prev := int64(0)
	for i := range y {
		v := multR(x[i], hamwindow[i])
		y[i] = v
		e += int64(v) * int64(v)
		if i > 0 {
			packed[i-1] = prev<<32 + int64(v)
		}
		prev = int64(v)
	}
	packed[encWindow-1] = prev << 32

	// r[0] is the L_mac chain of squares from 1 (never all zero): the
	// exact sum, clipped; if it saturates, the windowed signal is scaled
	// down by 4 until it does not
	expR0 = 1
	sum := int32(min(1+2*e, max32))
	for ov := 1+2*e > max32; ov; {
		for i := range y {
			y[i] >>= 2
		}
		expR0 = add(expR0, 4)
		sum, ov = energy(1, y[:])
		for k := 0; k < encWindow-1; k++ {
			packed[k] = pack2(y[k], y[k+1])
		}
		packed[encWindow-1] = pack2(y[encWindow-1], 0)
	}

	norm := normL(sum)
	sum = lShl(sum, norm)
	rh[0], rl[0] = lExtract(sum)
	expR0 = sub(expR0, norm)

	// r[0] (2*sum y^2) fits 32 bits, which bounds every partial sum: r[i]
	// and r[i+1] together on packed[k] = (y[k], y[k+1])
	var r [encNP + 2]int32
	for i := 1; i <= m; i += 2 {
		r[i], r[i+1] = dotPair(y[:encWindow-i], packed[i:])
	}
	for i := 1; i <= m; i++ {
		sum = lShlF(r[i]<<1, uint(norm))
		rh[i], rl[i] = lExtractF(sum)
	}
	return expR0
}

// lagWindow applies the lag window to r[1..m].
func lagWindow(m int, rh, rl []int16) {
	for i := 1; i <= m; i++ {
		x := mpy32(rh[i], rl[i], lagH[i-1], lagL[i-1])
		rh[i], rl[i] = lExtract(x)
	}
}

// levinson solves for the LP coefficients a[0..10] (Q12) from the
// autocorrelations in DPF, and returns the reflection coefficients rc
// (Q15) and the prediction error energy (which Annex B's DTX uses). An
// unstable filter (|k| too close to 1) keeps the previous frame's filter,
// and ok is false with no energy computed: oldA and oldRc are that
// per-channel memory, shared by the LP analysis and the DTX.
func levinson(rh, rl []int16, a, rc []int16, oldA *[lpOrder + 1]int16, oldRc *[2]int16) (errEnergy int16, ok bool) {
	var ah, al, anh, anl [lpOrder + 1]int16

	// K = A[1] = -R[1] / R[0]
	t1 := lComp(rh[1], rl[1])
	t2 := lAbs(t1)
	t0 := div32F(t2, rh[0], rl[0])
	if t1 > 0 {
		t0 = lNegate(t0)
	}
	kh, kl := lExtractF(t0)
	rc[0] = kh
	t0 >>= 4
	ah[1], al[1] = lExtractF(t0)

	// Alpha = R[0] * (1 - K*K)
	t0 = mpy32E(kh, kl, kh, kl)
	t0 = lAbs(t0)
	t0 = lSub(max32, t0)
	hi, lo := lExtractF(t0)
	t0 = mpy32E(rh[0], rl[0], hi, lo)

	alpExp := normL(t0)
	t0 = lShlN(t0, alpExp)
	alpH, alpL := lExtractF(t0)

	for i := 2; i <= lpOrder; i++ {
		// t0 = sum(R[j]*A[i-j], j=1..i-1) + R[i]
		// in 64 bits, exact while every step stays within 32 bits
		var s int64
		var chk uint64
		for j := 1; j < i; j++ {
			v, c := mpy32X(rh[j], rl[j], ah[i-j], al[i-j])
			s += v
			chk |= c | uint64(s-min32)
		}
		t0 = int32(s)
		if chk > 0xffffffff {
			t0 = 0
			for j := 1; j < i; j++ {
				t0 = lAdd(t0, mpy32(rh[j], rl[j], ah[i-j], al[i-j]))
			}
		}
		t0 = lShlF(t0, 4)
		t1 = lComp(rh[i], rl[i])
		t0 = lAdd(t0, t1)

		// K = -t0 / Alpha
		t1 = lAbs(t0)
		t2 = div32F(t1, alpH, alpL)
		if t0 > 0 {
			t2 = lNegate(t2)
		}
		t2 = lShlN(t2, alpExp)
		kh, kl = lExtractF(t2)
		rc[i-1] = kh

		if sub(absS(kh), 32750) > 0 {
			copy(a[:lpOrder+1], oldA[:])
			rc[0] = oldRc[0]
			rc[1] = oldRc[1]
			return 0, false
		}

		// An[j] = A[j] + K*A[i-j], An[i] = K
		for j := 1; j < i; j++ {
			// L_Comp of a DPF value is exact: hi<<16 + 2 lo
			v, c := mpy32X(kh, kl, ah[i-j], al[i-j])
			v += int64(ah[j])<<16 + 2*int64(al[j])
			if c|uint64(v-min32) > 0xffffffff {
				t0 = mpy32(kh, kl, ah[i-j], al[i-j])
				t0 = lAdd(t0, lComp(ah[j], al[j]))
			} else {
				t0 = int32(v)
			}
			anh[j], anl[j] = lExtractF(t0)
		}
		t2 >>= 4
		anh[i], anl[i] = lExtractF(t2)

		// Alpha *= 1 - K*K
		t0 = mpy32E(kh, kl, kh, kl)
		t0 = lAbs(t0)
		t0 = lSub(max32, t0)
		hi, lo = lExtractF(t0)
		t0 = mpy32E(alpH, alpL, hi, lo)

		j := normL(t0)
		t0 = lShlN(t0, j)
		alpH, alpL = lExtractF(t0)
		alpExp = add(alpExp, j)

		for j := 1; j <= i; j++ {
			ah[j] = anh[j]
			al[j] = anl[j]
		}
	}

	errEnergy = shr(alpH, alpExp)

	// A[i] from Q27 to Q12 with rounding
	a[0] = 4096
	for i := 1; i <= lpOrder; i++ {
		t0 = lComp(ah[i], al[i])
		a[i] = round(lShlF(t0, 1))
		oldA[i] = a[i]
	}
	oldRc[0] = rc[0]
	oldRc[1] = rc[1]
	return errEnergy, true
}

// azLsp finds the LSPs (Q15, cosine domain) of the LP filter a (Q12) as the
// roots of the sum and difference polynomials, searched on the cosine grid
// and refined by bisection and linear interpolation. If fewer than 10
// roots are found, the previous frame's LSPs are kept.
func azLsp(a []int16, lsp []int16, oldLsp []int16) {
	const nc = lpOrder / 2
	var f1, f2 [nc + 1]int16

	// f1[i+1] = a[i+1] + a[M-i] - f1[i], f2[i+1] = a[i+1] - a[M-i] + f2[i],
	// in Q11; if anything saturates the polynomials are redone in Q10.
	ovfCoef := false
	q10 := false
	f1[0] = 2048
	f2[0] = 2048
	for i := 0; i < nc; i++ {
		ov := false
		t0 := lMultOv(a[i+1], 16384, &ov)
		t0 = lMacOv(t0, a[lpOrder-i], 16384, &ov)
		x := extractH(t0)
		f1[i+1] = subOv(x, f1[i], &ov)

		t0 = lMultOv(a[i+1], 16384, &ov)
		t0 = lMsuOv(t0, a[lpOrder-i], 16384, &ov)
		x = extractH(t0)
		f2[i+1] = addOv(x, f2[i], &ov)
		if ov {
			ovfCoef = true
		}
	}
	if ovfCoef {
		q10 = true
		f1[0] = 1024
		f2[0] = 1024
		for i := 0; i < nc; i++ {
			t0 := lMult(a[i+1], 8192)
			t0 = lMac(t0, a[lpOrder-i], 8192)
			x := extractH(t0)
			f1[i+1] = sub(x, f1[i])

			t0 = lMult(a[i+1], 8192)
			t0 = lMsu(t0, a[lpOrder-i], 8192)
			x = extractH(t0)
			f2[i+1] = add(x, f2[i])
		}
	}
	cheb := func(x int16, f *[nc + 1]int16) int16 { return chebpsFast(x, f, q10) }

	nf := 0
	coef := &f1
	useF1 := true
	xlow := grid[0]
	ylow := cheb(xlow, coef)

	j := 0
	for nf < lpOrder && j < gridPoints {
		j++
		xhigh, yhigh := xlow, ylow
		xlow = grid[j]
		ylow = cheb(xlow, coef)

		if lMult(ylow, yhigh) > 0 {
			continue
		}
		// two bisections of the interval
		for i := 0; i < 2; i++ {
			xmid := add(shr(xlow, 1), shr(xhigh, 1))
			ymid := cheb(xmid, coef)
			if lMult(ylow, ymid) <= 0 {
				yhigh = ymid
				xhigh = xmid
			} else {
				ylow = ymid
				xlow = xmid
			}
		}

		// xint = xlow - ylow*(xhigh-xlow)/(yhigh-ylow)
		x := sub(xhigh, xlow)
		y := sub(yhigh, ylow)
		var xint int16
		if y == 0 {
			xint = xlow
		} else {
			sign := y
			y = absS(y)
			exp := normS(y)
			y = shl(y, exp)
			y = divS(16383, y)
			t0 := lMult(x, y)
			t0 = lShr(t0, sub(20, exp))
			y = extractL(t0)
			if sign < 0 {
				y = negate(y)
			}
			t0 = lMult(ylow, y)
			t0 = lShr(t0, 11)
			xint = sub(xlow, extractL(t0))
		}

		lsp[nf] = xint
		xlow = xint
		nf++
		if useF1 {
			coef = &f2
		} else {
			coef = &f1
		}
		useF1 = !useF1
		ylow = cheb(xlow, coef)
	}

	if nf < lpOrder {
		copy(lsp[:lpOrder], oldLsp[:lpOrder])
	}
}

// chebps evaluates the Chebyshev series C(x) of order 5 with coefficients
// f in Q11 (or Q10 when q10), result in Q14 saturated.
func chebps(x int16, f []int16, q10 bool) int16 {
	const n = lpOrder / 2
	// Q24 (Q23 for Q10 coefficients) DPF recursion
	b2h, b2l := int16(256), int16(0)
	twoX, shift := int16(512), int16(6)
	if q10 {
		b2h, twoX, shift = 128, 256, 7
	}
	t0 := lMult(x, twoX)
	t0 = lMac(t0, f[1], 4096)
	b1h, b1l := lExtract(t0)

	for i := 2; i < n; i++ {
		t0 = mpy32x16(b1h, b1l, x)
		t0 = lShl(t0, 1)
		t0 = lMac(t0, b2h, -32768)
		t0 = lMsu(t0, b2l, 1)
		t0 = lMac(t0, f[i], 4096)
		b0h, b0l := lExtract(t0)
		b2h, b2l = b1h, b1l
		b1h, b1l = b0h, b0l
	}

	t0 = mpy32x16(b1h, b1l, x)
	t0 = lMac(t0, b2h, -32768)
	t0 = lMsu(t0, b2l, 1)
	t0 = lMac(t0, f[n], 2048)
	t0 = lShl(t0, shift)
	return extractH(t0)
}

// chebpsFast is chebps computed in 64 bits on the 32-bit values b of the
// recursion (Q24) rather than their DPF pairs. While every b stays below
// 2^29 in magnitude, no step of a recursion's chain of saturating
// operations can leave 32 bits: |2 b1h x| <= 2^29, the low part adds
// < 2^17, the shift doubles, b2's term adds <= 2^29 + 2^16 and f's
// <= 2^28, in all < 2^31. The last step's L_shl is the one that can
// saturate, and is clipped as it does. Should a b reach 2^29, chebps
// recomputes the value step by step.
func chebpsFast(x int16, f *[lpOrder/2 + 1]int16, q10 bool) int16 {
	const n = lpOrder / 2
	// Each b is the DPF pair (b>>16, (b>>1)&0x7fff) of a 32-bit value b:
	// Mpy_32_16 of it by x is 2*(((b>>1)*x)>>15), and L_mult(b2h, -32768)
	// - L_mult(b2l, 1) is -(b2 with its lowest bit cleared).
	b2 := int64(256 << 16)
	twoX, shift := int64(512), uint(6)
	if q10 {
		b2, twoX, shift = 128<<16, 256, 7
	}
	xx := int64(x)
	// |2 x twoX| <= 2^25 and |f 8192| <= 2^28: below 2^29
	b1 := 2*xx*twoX + int64(f[1])*8192

	var out uint64 // OR of (b + 2^29): 2^30 or more once a |b| reached 2^29
	for i := 2; i < n; i++ {
		// 2 Mpy_32_16(b1, x) - 2^16 b2h - 2 b2l + 8192 f
		v := 4*(((b1>>1)*xx)>>15) - b2&^1 + int64(f[i])*8192
		out |= uint64(v + 1<<29)
		b2, b1 = b1, v
	}
	if out >= 1<<30 {
		return chebps(x, f[:], q10)
	}
	v := 2*(((b1>>1)*xx)>>15) - b2&^1 + int64(f[n])*4096
	v = min(max(v<<shift, min32), max32) // L_shl
	return int16(v >> 16)
}
