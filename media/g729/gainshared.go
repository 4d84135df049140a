package g729

// MA prediction of the fixed-codebook gain (G.729 3.9.1), shared by the
// encoder and the decoder.

// gainPredict predicts the fixed-codebook gain of the innovation code from
// the past quantised energies: gcode0 with Q-format expGcode0.
func gainPredict(pastQuaEn *[4]int16, code []int16) (gcode0, expGcode0 int16) {
	t := energySat(0, code)
	// 127.298 - 3.0103*log2(energy), Q14
	e, f := log2(t)
	t = mpy32x16(e, f, -24660)
	t = lMac(t, 32588, 32)

	t = lShl(t, 10) // Q24
	for i := 0; i < 4; i++ {
		t = lMac(t, pred[i], pastQuaEn[i])
	}
	gcode0 = extractH(t) // Q8

	// 10^(gcode0/20) = 2^(0.166*gcode0)
	t = lMult(gcode0, 5439)
	t = lShr(t, 8)
	e, f = lExtract(t)
	gcode0 = extractL(pow2(14, f))
	expGcode0 = sub(14, e)
	return gcode0, expGcode0
}

// gainUpdate shifts the quantised energy 20*log10(gbk1+gbk2 correction)
// (lGbk12 in Q13) into the predictor memory.
func gainUpdate(pastQuaEn *[4]int16, lGbk12 int32) {
	for i := 3; i > 0; i-- {
		pastQuaEn[i] = pastQuaEn[i-1]
	}
	e, f := log2(lGbk12)
	acc := lComp(sub(e, 13), f)
	tmp := extractH(lShl(acc, 13))
	pastQuaEn[0] = mult(tmp, 24660)
}

// gainUpdateErasure shifts the mean of the memory less 4 dB (at least
// -14 dB) in for an erased frame.
func gainUpdateErasure(pastQuaEn *[4]int16) {
	var t int32
	for i := 0; i < 4; i++ {
		t = lAdd(t, lDepositL(pastQuaEn[i]))
	}
	av := extractL(lShr(t, 2))
	av = sub(av, 4096)
	if av < -14336 {
		av = -14336
	}
	for i := 3; i > 0; i-- {
		pastQuaEn[i] = pastQuaEn[i-1]
	}
	pastQuaEn[0] = av
}
