package g729

// Gain quantisation of the encoder (G.729 3.9): the adaptive and fixed
// codebook gains are vector-quantised jointly with a two-stage conjugate
// codebook (3 + 4 bits), the fixed gain relative to its MA prediction.
// A pre-selection around the unquantised optimum limits the search to
// 4 x 8 candidates.

// corrXy2 adds to gCoeff the correlations the gain search needs besides
// those of gPitch: <y2,y2>, -2<xn,y2> and 2<y1,y2>, with their exponents.
func corrXy2(xn, y1, y2 []int16, gCoeff, expGCoeff *[5]int16) {
	var scaledY2 [subfrLen]int16
	for i := range scaledY2 {
		scaledY2[i] = y2[i] >> 3 // Q12 -> Q9 (shr)
	}

	acc, _ := energy(1, scaledY2[:])
	exp := normL(acc)
	gCoeff[2] = round(lShl(acc, exp))
	expGCoeff[2] = add(exp, 19-16)

	acc = macSum(1, xn[:subfrLen], scaledY2[:])
	exp = normL(acc)
	xny2 := round(lShl(acc, exp))
	gCoeff[3] = negate(xny2)
	expGCoeff[3] = sub(add(exp, 10-16), 1)

	acc = macSum(1, y1[:subfrLen], scaledY2[:])
	exp = normL(acc)
	gCoeff[4] = round(lShl(acc, exp))
	expGCoeff[4] = sub(add(exp, 10-16), 1)
}

// quaGain quantises the gains for the innovation code and the correlations
// gCoeff (Q-format expCoeff), returns the 7-bit index (GA<<4|GB as
// transmitted) and the quantised pitch (Q14) and code (Q1) gains. With
// tame the pitch gain is kept below 1. pastQuaEn is the gain predictor's
// memory, updated.
func quaGain(code []int16, gCoeff, expCoeff *[5]int16, tame bool, pastQuaEn *[4]int16) (index, gainPit, gainCod int16) {
	gcode0, expGcode0 := gainPredict(pastQuaEn, code)

	// tmp = -1/(4*c0*c2 - c4^2)
	lTmp1 := lMult(gCoeff[0], gCoeff[2])
	exp1 := add(add(expCoeff[0], expCoeff[2]), 1-2)
	lTmp2 := lMult(gCoeff[4], gCoeff[4])
	exp2 := add(add(expCoeff[4], expCoeff[4]), 1)
	var lTmp int32
	var exp int16
	if sub(exp1, exp2) > 0 {
		lTmp = lSub(lShr(lTmp1, sub(exp1, exp2)), lTmp2)
		exp = exp2
	} else {
		lTmp = lSub(lTmp1, lShr(lTmp2, sub(exp2, exp1)))
		exp = exp1
	}
	sft := normL(lTmp)
	denom := extractH(lShl(lTmp, sft))
	expDenom := sub(add(exp, sft), 16)
	invDenom := divS(16384, denom)
	invDenom = negate(invDenom)
	expInvDenom := sub(14+15, expDenom)

	var bestGain [2]int16

	// best_gain[0] = (2*c2*c1 - c3*c4) * tmp, Q9
	lTmp1 = lMult(gCoeff[2], gCoeff[1])
	exp1 = add(expCoeff[2], expCoeff[1])
	lTmp2 = lMult(gCoeff[3], gCoeff[4])
	exp2 = add(add(expCoeff[3], expCoeff[4]), 1)
	if sub(exp1, exp2) > 0 {
		lTmp = lSub(lShr(lTmp1, add(sub(exp1, exp2), 1)), lShr(lTmp2, 1))
		exp = sub(exp2, 1)
	} else {
		lTmp = lSub(lShr(lTmp1, 1), lShr(lTmp2, add(sub(exp2, exp1), 1)))
		exp = sub(exp1, 1)
	}
	sft = normL(lTmp)
	nume := extractH(lShl(lTmp, sft))
	expNume := sub(add(exp, sft), 16)
	sft = sub(add(expNume, expInvDenom), 9+16-1)
	lAcc := lShr(lMult(nume, invDenom), sft)
	bestGain[0] = extractH(lAcc)
	if tame && sub(bestGain[0], gpClip2) > 0 {
		bestGain[0] = gpClip2
	}

	// best_gain[1] = (2*c0*c3 - c1*c4) * tmp, Q2
	lTmp1 = lMult(gCoeff[0], gCoeff[3])
	exp1 = add(expCoeff[0], expCoeff[3])
	lTmp2 = lMult(gCoeff[1], gCoeff[4])
	exp2 = add(add(expCoeff[1], expCoeff[4]), 1)
	if sub(exp1, exp2) > 0 {
		lTmp = lSub(lShr(lTmp1, add(sub(exp1, exp2), 1)), lShr(lTmp2, 1))
		exp = sub(exp2, 1)
	} else {
		lTmp = lSub(lShr(lTmp1, 1), lShr(lTmp2, add(sub(exp2, exp1), 1)))
		exp = sub(exp1, 1)
	}
	sft = normL(lTmp)
	nume = extractH(lShl(lTmp, sft))
	expNume = sub(add(exp, sft), 16)
	sft = sub(add(expNume, expInvDenom), 2+16-1)
	lAcc = lShr(lMult(nume, invDenom), sft)
	bestGain[1] = extractH(lAcc)

	// gcode0 in Q4 for the pre-selection
	var gcode0Org int16
	if sub(expGcode0, 4) >= 0 {
		gcode0Org = shr(gcode0, sub(expGcode0, 4))
	} else {
		lAcc = lDepositL(gcode0)
		lAcc = lShl(lAcc, sub(4+16, expGcode0))
		gcode0Org = extractH(lAcc)
	}
	cand1, cand2 := gbkPresel(&bestGain, gcode0Org)

	// align the five terms of the error on the smallest exponent
	var expMin [5]int16
	expMin[0] = add(expCoeff[0], 13)
	expMin[1] = add(expCoeff[1], 14)
	expMin[2] = add(expCoeff[2], sub(shl(expGcode0, 1), 21))
	expMin[3] = add(expCoeff[3], sub(expGcode0, 3))
	expMin[4] = add(expCoeff[4], sub(expGcode0, 4))
	eMin := expMin[0]
	for i := 1; i < 5; i++ {
		if sub(expMin[i], eMin) < 0 {
			eMin = expMin[i]
		}
	}
	var coeff, coeffLsf [5]int16
	for i := 0; i < 5; i++ {
		j := sub(expMin[i], eMin)
		lTmp = lDepositH(gCoeff[i])
		lTmp = lShr(lTmp, j)
		coeff[i], coeffLsf[i] = lExtract(lTmp)
	}

	distMin := int32(max32)
	index1, index2 := cand1, cand2
	var p2, c2 [nCan2]int32 // the candidates of the second codebook
	for j := range p2 {
		p2[j] = int32(gbk2[cand2+j][0])
		c2[j] = int32(gbk2[cand2+j][1])
	}
	// Mpy_32_16 of the DPF pair (hi, lo) by n is 2*(((hi<<15 + lo)*n)>>15)
	// (hi*n*2^15 is a multiple of 2^15) as long as L_mult(hi, n) does not
	// saturate, which needs hi = n = -32768: with a coeff of -32768 the
	// saturating chain decides
	var ch [5]int64 // coeff<<15 + coeffLsf
	plain := true
	for k := range ch {
		ch[k] = int64(coeff[k])<<15 + int64(coeffLsf[k])
		if coeff[k] == min16 {
			plain = false
		}
	}
	for i := 0; i < nCan1; i++ {
		p1 := int32(gbk1[cand1+i][0])
		c1 := int32(gbk1[cand1+i][1])
		for j := 0; j < nCan2; j++ {
			gPitch := sat16(p1 + p2[j]) // Q14
			if tame && gPitch >= gp0999 {
				continue
			}
			tmp := int16((c1 + c2[j]) >> 1) // Q12: L_shr of the Q13 sum, which fits
			gCode := mult(gcode0, tmp)
			g2Pitch := mult(gPitch, gPitch)
			g2Code := mult(gCode, gCode)
			gPitCod := mult(gCode, gPitch)

			// the five Mpy_32_16 terms (lo >= 0: mult(lo, n) cannot
			// saturate) and their sums in 64 bits: exact unless a step
			// leaves 32 bits, then the saturating chain
			v0 := 2 * ((ch[0] * int64(g2Pitch)) >> 15)
			v1 := 2 * ((ch[1] * int64(gPitch)) >> 15)
			v2 := 2 * ((ch[2] * int64(g2Code)) >> 15)
			v3 := 2 * ((ch[3] * int64(gCode)) >> 15)
			v4 := 2 * ((ch[4] * int64(gPitCod)) >> 15)
			s1 := v0 + v1
			s2 := s1 + v2
			s3 := s2 + v3
			s4 := s3 + v4
			// 2 hi n alone is within 32 bits (hi, n > -32768 or not both),
			// so each term and each partial sum is what is checked
			chk := uint64(v0-min32) | uint64(v1-min32) | uint64(v2-min32) | uint64(v3-min32) | uint64(v4-min32) |
				uint64(s1-min32) | uint64(s2-min32) | uint64(s3-min32) | uint64(s4-min32)
			if plain && chk <= 0xffffffff {
				lTmp = int32(s4)
			} else {
				lTmp = mpy32x16(coeff[0], coeffLsf[0], g2Pitch)
				lTmp = lAdd(lTmp, mpy32x16(coeff[1], coeffLsf[1], gPitch))
				lTmp = lAdd(lTmp, mpy32x16(coeff[2], coeffLsf[2], g2Code))
				lTmp = lAdd(lTmp, mpy32x16(coeff[3], coeffLsf[3], gCode))
				lTmp = lAdd(lTmp, mpy32x16(coeff[4], coeffLsf[4], gPitCod))
			}

			if lTmp < distMin { // as L_sub(lTmp, distMin) < 0: saturation keeps the sign
				distMin = lTmp
				index1 = cand1 + i
				index2 = cand2 + j
			}
		}
	}

	gainPit = add(gbk1[index1][0], gbk2[index2][0]) // Q14

	lAcc = lDepositL(gbk1[index1][1])
	lAccB := lDepositL(gbk2[index2][1])
	lGbk12 := lAdd(lAcc, lAccB) // Q13
	tmp := extractL(lShr(lGbk12, 1))
	lAcc = lMult(tmp, gcode0)
	lAcc = lShl(lAcc, add(negate(expGcode0), -12-1+1+16))
	gainCod = extractH(lAcc) // Q1

	gainUpdate(pastQuaEn, lGbk12)

	return add(map1[index1]*nCode2, map2[index2]), gainPit, gainCod
}

// gbkPresel finds the first candidates of both gain codebooks around the
// unquantised optimum bestGain (Q9 pitch, Q2 code gain).
func gbkPresel(bestGain *[2]int16, gcode0 int16) (cand1, cand2 int) {
	// x = (best_gain[1] - (coef[0][0]*best_gain[0] + coef[1][1])*gcode0) * inv_coef
	lCfbg := lMult(coef[0][0], bestGain[0]) // Q20
	lAcc := lShr(lCoef[1][1], 15)
	lAcc = lAdd(lCfbg, lAcc)
	accH := extractH(lAcc) // Q4
	lPreg := lMult(accH, gcode0)
	lAcc = lShl(lDepositL(bestGain[1]), 7)
	lAcc = lSub(lAcc, lPreg)
	accH = extractH(lShl(lAcc, 2))
	lTmpX := lMult(accH, invCoef) // Q15

	// y = (coef[1][0]*(-coef[0][1] + best_gain[0]*coef[0][0])*gcode0
	//      - coef[0][0]*best_gain[1]) * inv_coef
	lAcc = lShr(lCoef[0][1], 10)
	lAcc = lSub(lCfbg, lAcc)
	accH = extractH(lAcc)
	accH = mult(accH, gcode0)
	lTmp := lMult(accH, coef[1][0])
	lPreg = lMult(coef[0][0], bestGain[1])
	lAcc = lSub(lTmp, lShr(lPreg, 3))
	accH = extractH(lShl(lAcc, 2))
	lTmpY := lMult(accH, invCoef) // Q16

	const sftY = (14 + 4 + 1) - 16
	const sftX = (15 + 4 + 1) - 15

	if gcode0 > 0 {
		for cand1 < nCode1-nCan1 && lSub(lTmpY, lShr(lMult(thr1[cand1], gcode0), sftY)) > 0 {
			cand1++
		}
		for cand2 < nCode2-nCan2 && lSub(lTmpX, lShr(lMult(thr2[cand2], gcode0), sftX)) > 0 {
			cand2++
		}
	} else {
		for cand1 < nCode1-nCan1 && lSub(lTmpY, lShr(lMult(thr1[cand1], gcode0), sftY)) < 0 {
			cand1++
		}
		for cand2 < nCode2-nCan2 && lSub(lTmpX, lShr(lMult(thr2[cand2], gcode0), sftX)) < 0 {
			cand2++
		}
	}
	return cand1, cand2
}
