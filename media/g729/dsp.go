package g729

// Mathematical functions of the recommendation, computed by table look-up
// and linear interpolation exactly as its fixed-point description does.

// log2 returns log2(x) for x > 0 as an integer exponent (0..30) and a Q15
// fraction; 0, 0 for x <= 0.
func log2(x int32) (exponent, fraction int16) {
	if x <= 0 {
		return 0, 0
	}
	e := normL(x)
	x = lShl(x, e)
	exponent = sub(30, e)

	x = lShr(x, 9)
	i := extractH(x) // bits 25..31, 32..63 after normalisation
	x = lShr(x, 1)
	a := extractL(x) & 0x7fff // bits 10..24
	i = sub(i, 32)

	y := lDepositH(tabLog[i])
	tmp := sub(tabLog[i], tabLog[i+1])
	y = lMsu(y, tmp, a)
	return exponent, extractH(y)
}

// pow2 returns 2^(exponent.fraction) for exponent 0..30 and a Q15
// fraction.
func pow2(exponent, fraction int16) int32 {
	x := lMult(fraction, 32)
	i := extractH(x) // bits 10..15 of fraction
	x = lShr(x, 1)
	a := extractL(x) & 0x7fff // bits 0..9

	x = lDepositH(tabPow[i])
	tmp := sub(tabPow[i], tabPow[i+1])
	x = lMsu(x, tmp, a)
	return lShrR(x, sub(30, exponent))
}

// invSqrt returns 1/sqrt(x) in Q30 for x > 0; 0x3fffffff (1.0) for x <= 0.
func invSqrt(x int32) int32 {
	if x <= 0 {
		return 0x3fffffff
	}
	e := normL(x)
	x = lShl(x, e)

	e = sub(30, e)
	if e&1 == 0 { // an even exponent takes a shift into the mantissa
		x = lShr(x, 1)
	}
	e = shr(e, 1)
	e = add(e, 1)

	x = lShr(x, 9)
	i := extractH(x) // bits 25..31, 16..63
	x = lShr(x, 1)
	a := extractL(x) & 0x7fff
	i = sub(i, 16)

	y := lDepositH(tabSqr[i])
	tmp := sub(tabSqr[i], tabSqr[i+1])
	y = lMsu(y, tmp, a)
	return lShr(y, e)
}

// random advances the recommendation's 16-bit linear congruential
// generator (seed*31821 + 13849) and returns the new seed. The decoder uses
// it for the fixed codebook of erased frames, Annex B for comfort noise.
func random(seed *int16) int16 {
	*seed = extractL(lAdd(lShr(lMult(*seed, 31821), 1), 13849))
	return *seed
}
