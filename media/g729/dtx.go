package g729

// Discontinuous transmission of ITU-T G.729 Annex B, encoder side (B.4):
// for each non-speech frame, decide between a SID frame and no
// transmission by comparing the current spectrum and energy with those of
// the last SID, quantize the SID parameters (averaged LP filter as LSF,
// energy), and compute the comfort-noise excitation and filter the decoder
// will use, so that the encoder's memories stay in step with it.

// cngEncoder is the Annex B state of one encoder channel: the VAD, the
// frame-type history, and the DTX memories.
type cngEncoder struct {
	vad      vadState
	frame    int16 // frame counter of the VAD (1 for the first frame)
	pastVad  int16
	ppastVad int16
	seed     int16

	lspSidQ    [10]int16
	pastCoeff  [11]int16
	rCoeff     [11]int16
	shRCoeff   int16
	acf        [sizAcf]int16
	shAcf      [nbCurAcf]int16
	sumAcf     [sizSumAcf]int16
	shSumAcf   [nbSumAcf]int16
	ener       [nbGain]int16
	shEner     [nbGain]int16
	frCur      int16
	curGain    int16
	nbEner     int16
	sidGain    int16
	flagChang  int16
	prevEnergy int16
	countFr0   int16
}

// reset puts the state in the recommendation's start-up values
// (Init_Coder_ld8a's Annex B part, vad_init and Init_Cod_cng).
func (c *cngEncoder) reset() {
	*c = cngEncoder{pastVad: 1, ppastVad: 1, seed: cngInitSeed}
	c.vad.reset()
	for i := range c.shSumAcf {
		c.shSumAcf[i] = 40
	}
	for i := range c.shAcf {
		c.shAcf[i] = 40
	}
	for i := range c.shEner {
		c.shEner[i] = 40
	}
}

// analyse runs, after the LP analysis of a frame, the VAD and the update of
// the DTX autocorrelation memory (vad + Update_cng). It reports whether the
// frame is active speech; for speech it also records the decision. For a
// non-speech frame the caller must then call codCng.
//
// rc1 is the second reflection coefficient (rc[1]) of the Levinson
// recursion, lsp the unquantized LSP of the frame (Q15), rh/rl the
// lag-windowed autocorrelation in DPF (13 lags: r[0..12]), rhNbe the high
// parts of r[0..10] before the lag window, expR0 the autocorrelation
// exponent, window the 240 pre-processed samples of the LP analysis window.
func (c *cngEncoder) analyse(rc1 int16, lsp []int16, rh, rl, rhNbe []int16, expR0 int16, window []int16) bool {
	if c.frame == 32767 {
		c.frame = 256
	} else {
		c.frame++
	}
	var lsf [10]int16
	lspLsfVad(lsp, lsf[:])
	vad := c.vad.decide(rc1, lsf[:], rh, rl, expR0, window, c.frame, c.pastVad, c.ppastVad)
	c.updateCng(rhNbe, expR0, vad)
	if vad == vadVoice {
		c.seed = cngInitSeed
		c.ppastVad = c.pastVad
		c.pastVad = vad
		return true
	}
	return false
}

// updateCng keeps the autocorrelations of the last frames (Update_cng).
func (c *cngEncoder) updateCng(rh []int16, expR int16, vad int16) {
	copy(c.acf[11:], c.acf[:sizAcf-11])
	for i := nbCurAcf - 1; i >= 1; i-- {
		c.shAcf[i] = c.shAcf[i-1]
	}
	c.shAcf[0] = negate(add(16, expR))
	copy(c.acf[:11], rh[:11])

	c.frCur = add(c.frCur, 1)
	if c.frCur == nbCurAcf {
		c.frCur = 0
		if vad != 0 {
			c.updateSumAcf()
		}
	}
}

// codCng codes a non-speech frame (Cod_cng). It returns the frame type
// (ftypSID or ftypNoData) and, for a SID, its four parameters in sid. It
// writes the comfort-noise excitation into exc[off:off+80], the two
// interpolated quantized filters into aq (22), updates lspOldQ and the
// encoder's LSF predictor memory freqPrev, and returns the pitch gain and
// lag per subframe the taming memory must record. oldA and oldRc are the
// encoder's Levinson fallback memory, which the recommendation shares
// between the LP analysis and the DTX.
func (c *cngEncoder) codCng(exc []int16, off int, lspOldQ, aq []int16, sid *[sidParams]int16,
	freqPrev *[4][10]int16, oldA *[11]int16, oldRc *[2]int16) (ftyp int16, tam [2]cngSubframe) {
	var curAcf, curCoeff, zero [11]int16
	var bid [10]int16

	for i := nbGain - 1; i >= 1; i-- {
		c.ener[i] = c.ener[i-1]
		c.shEner[i] = c.shEner[i-1]
	}

	// Current filter and residual energy from the last two frames.
	c.shEner[0] = calcSumAcf(c.acf[:], c.shAcf[:], curAcf[:], nbCurAcf)
	curCoeff[0] = 4096
	if curAcf[0] == 0 {
		c.ener[0] = 0
	} else if e, ok := levinson(curAcf[:], zero[:], curCoeff[:], bid[:], oldA, oldRc); ok {
		c.ener[0] = e
	}

	var energyq, curIgain int16
	if c.pastVad != 0 {
		// First non-speech frame: always a SID.
		ftyp = ftypSID
		c.countFr0 = 0
		c.nbEner = 1
		energyq, curIgain = quaSidGain(&c.ener, &c.shEner, int(c.nbEner))
	} else {
		c.nbEner = add(c.nbEner, 1)
		if c.nbEner > nbGain {
			c.nbEner = nbGain
		}
		energyq, curIgain = quaSidGain(&c.ener, &c.shEner, int(c.nbEner))

		// Has the spectrum moved from the last SID's filter, or the
		// energy from the last SID's?
		if cmpFilt(&c.rCoeff, c.shRCoeff, &curAcf, c.ener[0], fracThresh1) {
			c.flagChang = 1
		}
		if sub(absS(sub(c.prevEnergy, energyq)), 2) > 0 {
			c.flagChang = 1
		}

		c.countFr0 = add(c.countFr0, 1)
		if c.countFr0 < frSIDMin {
			ftyp = ftypNoData
		} else {
			if c.flagChang != 0 {
				ftyp = ftypSID
			} else {
				ftyp = ftypNoData
			}
			c.countFr0 = frSIDMin
		}
	}

	if ftyp == ftypSID {
		c.countFr0 = 0
		c.flagChang = 0

		// Send the average filter of the past frames if the current one
		// is close to it, else the current filter; it becomes the
		// reference.
		c.calcPastFilt(oldA, oldRc)
		calcRCoeff(&c.pastCoeff, &c.rCoeff, &c.shRCoeff)
		lpc := &c.pastCoeff
		if cmpFilt(&c.rCoeff, c.shRCoeff, &curAcf, c.ener[0], fracThresh2) {
			lpc = &curCoeff
			calcRCoeff(&curCoeff, &c.rCoeff, &c.shRCoeff)
		}

		var lspNew [10]int16
		azLsp(lpc[:], lspNew[:], lspOldQ)
		lsfqNoise(lspNew[:], c.lspSidQ[:], freqPrev, sid)

		c.prevEnergy = energyq
		sid[3] = curIgain
		c.sidGain = tabSidGain[curIgain]
	}

	// Comfort-noise excitation, with the gain smoothed between SIDs.
	if c.pastVad != 0 {
		c.curGain = c.sidGain
	} else {
		c.curGain = multR(c.curGain, aGain0)
		c.curGain = add(c.curGain, multR(c.sidGain, aGain1))
	}
	tam = calcExcRand(c.curGain, exc, off, &c.seed)

	intQlpc(lspOldQ, c.lspSidQ[:], aq)
	copy(lspOldQ[:10], c.lspSidQ[:])

	if c.frCur == 0 {
		c.updateSumAcf()
	}

	c.ppastVad = c.pastVad
	c.pastVad = vadNoise
	return ftyp, tam
}

// calcRCoeff computes the autocorrelation of the LP coefficients, scaled,
// used for the Itakura distance (Calc_RCoeff).
func calcRCoeff(coeff, rCoeff *[11]int16, shRCoeff *int16) {
	var acc int32
	for j := 0; j <= 10; j++ {
		acc = lMac(acc, coeff[j], coeff[j])
	}
	sh1 := normL(acc)
	acc = lShl(acc, sh1)
	rCoeff[0] = round(acc)
	for i := 1; i <= 10; i++ {
		acc = 0
		for j := 0; j <= 10-i; j++ {
			acc = lMac(acc, coeff[j], coeff[j+i])
		}
		acc = lShl(acc, sh1)
		rCoeff[i] = round(acc)
	}
	*shRCoeff = sh1
}

// cmpFilt reports whether the Itakura distance between the filter of
// rCoeff and the spectrum acf exceeds alpha*(1+thresh) (Cmp_filt).
func cmpFilt(rCoeff *[11]int16, shRCoeff int16, acf *[11]int16, alpha, fracThresh int16) bool {
	var sh [2]int16
	ind := 1
	var l0 int32
	for iter := 0; iter < 64; iter++ {
		ov := false
		t1 := shr(rCoeff[0], sh[0])
		t2 := shr(acf[0], sh[1])
		l0 = lShr(lMultOv(t1, t2, &ov), 1)
		for i := 1; i <= 10; i++ {
			t1 = shr(rCoeff[i], sh[0])
			t2 = shr(acf[i], sh[1])
			l0 = lMacOv(l0, t1, t2, &ov)
		}
		if !ov {
			break
		}
		sh[ind] = add(sh[ind], 1)
		ind = 1 - ind
	}
	temp1 := multR(alpha, fracThresh)
	l1 := lAdd(lDepositL(temp1), lDepositL(alpha))
	temp1 = add(shRCoeff, 9)
	temp2 := add(sh[0], sh[1])
	temp1 = sub(temp1, temp2)
	l1 = lShl(l1, temp1)
	return lSub(l0, l1) > 0
}

// calcPastFilt computes the LP filter of the average spectrum of the past
// frames (Calc_pastfilt). oldA and oldRc are the encoder's Levinson
// fallback memory.
func (c *cngEncoder) calcPastFilt(oldA *[11]int16, oldRc *[2]int16) {
	var sSumAcf, zero [11]int16
	var bid [10]int16
	calcSumAcf(c.sumAcf[:], c.shSumAcf[:], sSumAcf[:], nbSumAcf)
	if sSumAcf[0] == 0 {
		c.pastCoeff = [11]int16{4096}
		return
	}
	levinson(sSumAcf[:], zero[:], c.pastCoeff[:], bid[:], oldA, oldRc)
}

// updateSumAcf shifts the memory of averaged autocorrelations and adds the
// sum of the current ones (Update_sumAcf).
func (c *cngEncoder) updateSumAcf() {
	copy(c.sumAcf[11:], c.sumAcf[:sizSumAcf-11])
	for i := nbSumAcf - 1; i >= 1; i-- {
		c.shSumAcf[i] = c.shSumAcf[i-1]
	}
	c.shSumAcf[0] = calcSumAcf(c.acf[:], c.shAcf[:], c.sumAcf[:11], nbCurAcf)
}

// calcSumAcf sums nb autocorrelation vectors of 11 values stored one after
// the other in acf, each with its exponent in shAcf, into sum (11 values)
// and returns the exponent of the sum (Calc_sum_acf).
func calcSumAcf(acf, shAcf, sum []int16, nb int) int16 {
	var tab [11]int32
	sh0 := shAcf[0]
	for i := 1; i < nb; i++ {
		if shAcf[i] < sh0 {
			sh0 = shAcf[i]
		}
	}
	sh0 = add(sh0, 14) // 2 bits of margin
	p := 0
	for i := 0; i < nb; i++ {
		temp := sub(sh0, shAcf[i])
		for j := 0; j < 11; j++ {
			tab[j] = lAdd(tab[j], lShl(lDepositL(acf[p]), temp))
			p++
		}
	}
	temp := normL(tab[0])
	for i := 0; i <= 10; i++ {
		sum[i] = extractH(lShl(tab[i], temp))
	}
	temp = sub(temp, 16)
	return add(sh0, temp)
}

// quaSidGain quantizes the average of the last nbEner residual energies
// (each ener[i] x 2^shEner[i]) into the 5-bit SID gain index; it also
// returns the quantized energy in dB. nbEner 0 quantizes ener[0] alone, the
// decoder's estimate for a lost first SID (Qua_Sidgain).
func quaSidGain(ener, shEner *[nbGain]int16, nbEner int) (enerq, idx int16) {
	var lx int32
	var sh1 int16
	if nbEner == 0 {
		acc := lShl(lDepositL(ener[0]), shEner[0])
		hi, lo := lExtract(acc)
		lx = mpy32x16(hi, lo, sidFact[0])
	} else {
		if nbEner > nbGain {
			nbEner = nbGain
		}
		sh1 = shEner[0]
		for i := 1; i < nbEner; i++ {
			if shEner[i] < sh1 {
				sh1 = shEner[i]
			}
		}
		sh1 = add(sh1, 16-sidMarg[nbEner])
		for i := 0; i < nbEner; i++ {
			temp := sub(sh1, shEner[i])
			lx = lAdd(lx, lShl(lDepositL(ener[i]), temp))
		}
		hi, lo := lExtract(lx)
		lx = mpy32x16(hi, lo, sidFact[nbEner])
	}
	return quantEnergy(lx, sh1)
}

// quantEnergy quantizes the energy lx x 2^-sh in dB (Quant_Energy).
func quantEnergy(lx int32, sh int16) (enerq, idx int16) {
	exp, frac := log2(lx)
	temp := sub(exp, sh)
	eTmp := shl(temp, 10)
	eTmp = add(eTmp, multR(frac, 1024)) // 2^10 x log2(lx x 2^-sh)

	if sub(eTmp, -2721) <= 0 { // -8 dB
		return -12, 0
	}
	if sub(eTmp, 22111) > 0 { // 65 dB
		return 66, 31
	}
	if sub(eTmp, 4762) <= 0 { // 14 dB
		eTmp = add(eTmp, 3401)
		idx = mult(eTmp, 24)
		if idx < 1 {
			idx = 1
		}
		return sub(shl(idx, 2), 8), idx
	}
	eTmp = sub(eTmp, 340)
	idx = sub(shr(mult(eTmp, 193), 2), 1)
	if idx < 6 {
		idx = 6
	}
	return add(shl(idx, 1), 4), idx
}

// lsfqNoise quantizes the SID's LSP (lsp, Q15) with the reduced SID
// quantizer: the two noise MA predictors, 5-bit first stage and 4-bit second
// stage subsets of the speech codebooks. It writes the quantized LSP into
// lspq and the three indices into sid[0:3], and updates freqPrev
// (lsfq_noise).
func lsfqNoise(lsp, lspq []int16, freqPrev *[4][10]int16, sid *[sidParams]int16) {
	var lsf, lsfq, weight, tmpbuf [10]int16
	var errlsf [2 * 10]int16

	lspLsf2(lsp, lsf[:], 10)

	// Spacing of about 100 Hz.
	if lsf[0] < lspLimitLow {
		lsf[0] = lspLimitLow
	}
	for i := 0; i < 9; i++ {
		if sub(lsf[i+1], lsf[i]) < 2*lspGap3 {
			lsf[i+1] = add(lsf[i], 2*lspGap3)
		}
	}
	if lsf[9] > lspLimitHigh {
		lsf[9] = lspLimitHigh
	}
	if lsf[9] < lsf[8] {
		lsf[8] = sub(lsf[9], lspGap3)
	}

	getWegt(&lsf, &weight)

	for mode := 0; mode < sidLsfClusters; mode++ {
		lspPrevExtract(lsf[:], errlsf[mode*10:mode*10+10], &noiseFg[mode], freqPrev, noiseFgSumInv[mode][:])
	}

	mode, c0, c1 := sidQntE(&errlsf, &weight, tmpbuf[:])
	sid[0], sid[1], sid[2] = mode, c0, c1

	lspExpand12(tmpbuf[:], 10)
	lspPrevCompose(tmpbuf[:], lsfq[:], &noiseFg[mode], freqPrev, noiseFgSum[mode][:])
	lspPrevUpdate(tmpbuf[:], freqPrev)
	lspStability(lsfq[:])
	lsfLsp2(lsfq[:], lspq, 10)
}

// sidQntE is the two-stage search of the SID LSF quantizer (Qnt_e): four
// candidates from the first stage over both predictors, then the best
// second-stage entry. It returns the predictor and the two indices and
// writes the quantized error vector into qlsf.
func sidQntE(errlsf *[2 * 10]int16, weight *[10]int16, qlsf []int16) (mode, c0, c1 int16) {
	var dData0 [4 * 10]int16
	var best0, back0 [4]int16

	// First stage: 4 candidates among 2 predictors x 32 entries.
	{
		const j, mq = 2, 32
		var sum [j * mq]int16
		for p := 0; p < j; p++ {
			for m := 0; m < mq; m++ {
				var acc int32
				for l := 0; l < 10; l++ {
					tmp := sub(errlsf[p*10+l], lspcb1[sidPtrTab1[m]][l])
					acc = lMac(acc, tmp, tmp)
				}
				sum[p*mq+m] = mult(extractH(acc), sidMp[p])
			}
		}
		for q := 0; q < 4; q++ {
			minv := int16(max16)
			var minP, minM int
			for p := 0; p < j; p++ {
				for m := 0; m < mq; m++ {
					if sum[p*mq+m] < minv {
						minv = sum[p*mq+m]
						minP, minM = p, m
					}
				}
			}
			sum[minP*mq+minM] = max16
			for l := 0; l < 10; l++ {
				dData0[q*10+l] = sub(errlsf[minP*10+l], lspcb1[sidPtrTab1[minM]][l])
			}
			back0[q] = int16(minP)
			best0[q] = int16(minM)
		}
	}

	// Second stage: the best of 4 candidates x 16 entries.
	var best1, back1 int16
	{
		const j, mq = 4, 16
		var sum [j * mq]int16
		for p := 0; p < j; p++ {
			pred := back0[p]
			for m := 0; m < mq; m++ {
				var acc int32
				for l := 0; l < 10; l++ {
					half := 0
					if l >= 5 {
						half = 1
					}
					tmp1 := extractH(lShl(lMult(noiseFgSum[pred][l], noiseFgSum[pred][l]), 2))
					tmp1 = mult(tmp1, weight[l])
					tmp2 := sub(dData0[p*10+l], lspcb2[sidPtrTab2[half][m]][l])
					tmp1 = extractH(lShl(lMult(tmp1, tmp2), 3))
					acc = lMac(acc, tmp1, tmp2)
				}
				sum[p*mq+m] = extractH(acc)
			}
		}
		minv := int16(max16)
		var minP, minM int
		for p := 0; p < j; p++ {
			for m := 0; m < mq; m++ {
				if sum[p*mq+m] < minv {
					minv = sum[p*mq+m]
					minP, minM = p, m
				}
			}
		}
		back1 = int16(minP)
		best1 = int16(minM)
	}

	c1 = best1
	c0 = best0[back1]
	mode = back0[back1]

	copy(qlsf[:10], lspcb1[sidPtrTab1[c0]][:])
	for i := 0; i < 5; i++ {
		qlsf[i] = add(qlsf[i], lspcb2[sidPtrTab2[0][c1]][i])
	}
	for i := 5; i < 10; i++ {
		qlsf[i] = add(qlsf[i], lspcb2[sidPtrTab2[1][c1]][i])
	}
	return mode, c0, c1
}

// encodeInactive codes a frame the VAD found inactive (the Annex B branch
// of the recommendation's coder): the DTX chooses SID or nothing and
// computes the comfort-noise excitation and filter, the taming memory
// records its pitch gains and lags, and the speech coder's memories follow.
// It appends the SID payload, or nothing, to dst.
func (e *Encoder) encodeInactive(c *cngEncoder, dst []byte) []byte {
	var aqT [2 * (lpOrder + 1)]int16
	var sid [sidParams]int16
	ftyp, tam := c.codCng(e.oldExc[:], encExcOff, e.lspOldQ[:], aqT[:], &sid, &e.freqPrev, &e.oldA, &e.oldRc)
	for _, s := range tam {
		e.tame.update(s.gp, s.t0)
	}
	e.inactiveUpdate(&aqT)
	if ftyp != ftypSID {
		return dst
	}
	var b [SIDBytes]byte
	pack(b[:], sid[:], sidBits[:])
	return append(dst, b[:]...)
}
