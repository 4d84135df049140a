package g729

// Comfort noise generation of ITU-T G.729 Annex B (B.4.4 and B.5): the
// random excitation both sides compute for non-speech frames, and the
// decoder side (SID decoding, gain smoothing, LSP interpolation).

// cngSubframe is what the taming procedure of the encoder must record for
// one subframe of comfort-noise excitation: its pitch gain and integer lag.
type cngSubframe struct {
	gp, t0 int16
}

// cngGauss approximates a Gaussian value by the sum of 12 uniform ones
// (Z = sum / 2 x 32768 is N(0,1); the output is Z x 512).
func cngGauss(seed *int16) int16 {
	var acc int32
	for i := 0; i < 12; i++ {
		acc = lAdd(acc, lDepositL(random(seed)))
	}
	return extractL(lShr(acc, 7))
}

// cngSqrt returns sqrt(num/2) by bit-wise search.
func cngSqrt(num int32) int16 {
	var rez int16
	exp := int16(0x4000)
	for i := 0; i < 14; i++ {
		acc := lMult(add(rez, exp), add(rez, exp))
		if lSub(num, acc) >= 0 {
			rez = add(rez, exp)
		}
		exp = shr(exp, 1)
	}
	return rez
}

// calcExcRand writes the comfort-noise excitation of one frame into
// exc[off:off+80] (Calc_exc_rand): per subframe a random adaptive-codebook
// contribution (random lag and gain from the past excitation before off), a
// scaled Gaussian excitation and four random ACELP pulses whose gain makes
// the subframe energy match curGain. It returns, per subframe, the pitch
// gain and lag the encoder's taming memory must record (the decoder ignores
// them).
func calcExcRand(curGain int16, exc []int16, off int, seed *int16) (tam [2]cngSubframe) {
	const lSubfr = 40
	_ = exc[off+2*lSubfr-1]
	if curGain == 0 {
		clear(exc[off : off+2*lSubfr])
		tam[0] = cngSubframe{0, lSubfr + 1}
		tam[1] = tam[0]
		return tam
	}

	var pos, sign [4]int16
	var excg, excs [lSubfr]int16
	for sf := 0; sf < 2; sf++ {
		cur := off + sf*lSubfr

		// Random adaptive and fixed codebook parameters.
		temp1 := random(seed)
		frac := sub(temp1&0x0003, 1)
		if frac == 2 {
			frac = 0
		}
		temp1 = shr(temp1, 2)
		t0 := add(temp1&0x003f, 40)
		temp1 = shr(temp1, 6)
		temp2 := temp1 & 0x0007
		pos[0] = add(shl(temp2, 2), temp2)
		temp1 = shr(temp1, 3)
		sign[0] = temp1 & 0x0001
		temp1 = shr(temp1, 1)
		temp2 = temp1 & 0x0007
		temp2 = add(shl(temp2, 2), temp2)
		pos[1] = add(temp2, 1)
		temp1 = shr(temp1, 3)
		sign[1] = temp1 & 0x0001
		temp1 = random(seed)
		temp2 = temp1 & 0x0007
		temp2 = add(shl(temp2, 2), temp2)
		pos[2] = add(temp2, 2)
		temp1 = shr(temp1, 3)
		sign[2] = temp1 & 0x0001
		temp1 = shr(temp1, 1)
		temp2 = temp1 & 0x000f
		pos[3] = add(temp2&1, 3)
		temp2 = shr(temp2, 1) & 7
		temp2 = add(shl(temp2, 2), temp2)
		pos[3] = add(pos[3], temp2)
		temp1 = shr(temp1, 4)
		sign[3] = temp1 & 0x0001
		gp := random(seed) & 0x1fff // < 0.5 in Q14
		gp2 := shl(gp, 1)           // Q15

		// Gaussian excitation, scaled to alpha x curGain x sqrt(40/Eg).
		var acc int32
		for i := range excg {
			g := cngGauss(seed)
			acc = lMac(acc, g, g)
			excg[i] = g
		}
		acc = invSqrt(lShr(acc, 1))
		hi, lo := lExtract(acc)
		temp1 = multR(curGain, cngFrac1)
		temp1 = add(curGain, temp1)
		acc = mpy32x16(hi, lo, temp1)
		sh := normL(acc)
		temp1 = extractH(lShl(acc, sh))
		sh = sub(sh, 14)
		for i := range excg {
			excg[i] = shrR(multR(excg[i], temp1), sh)
		}

		// Random adaptive excitation plus the Gaussian one.
		predLt3(exc, cur, t0, frac, lSubfr)
		var maxv int16
		for i := 0; i < lSubfr; i++ {
			v := add(multR(exc[cur+i], gp2), excg[i])
			exc[cur+i] = v
			if a := absS(v); a > maxv {
				maxv = a
			}
		}
		if maxv == 0 {
			sh = 0
		} else {
			sh = sub(3, normS(maxv))
			if sh <= 0 {
				sh = 0
			}
		}
		for i := 0; i < lSubfr; i++ {
			excs[i] = shr(exc[cur+i], sh)
		}

		// Gain of the pulses: the root of 4X^2 + 2bX + c with the smaller
		// magnitude.
		var ener int32
		for i := range excs {
			ener = lMac(ener, excs[i], excs[i])
		}
		var interExc int16
		for i := 0; i < 4; i++ {
			if sign[i] == 0 {
				interExc = sub(interExc, excs[pos[i]])
			} else {
				interExc = add(interExc, excs[pos[i]])
			}
		}
		acc = lMult(curGain, lSubfr)
		acc = lShr(acc, 6)
		temp1 = extractL(acc)
		lk := lMult(curGain, temp1)
		temp1 = add(1, shl(sh, 1))
		acc = lShr(lk, temp1)
		acc = lSub(acc, ener)
		interExc = shr(interExc, 1)
		acc = lMac(acc, interExc, interExc)
		sh = add(sh, 1)

		if acc < 0 {
			// No real root: drop the adaptive part.
			copy(exc[cur:cur+lSubfr], excg[:])
			temp1 = absS(excg[pos[0]]) | absS(excg[pos[1]])
			temp2 = absS(excg[pos[2]]) | absS(excg[pos[3]])
			temp1 |= temp2
			if temp1&0x4000 == 0 {
				sh = 1
			} else {
				sh = 2
			}
			interExc = 0
			for i := 0; i < 4; i++ {
				t := shr(excg[pos[i]], sh)
				if sign[i] == 0 {
					interExc = sub(interExc, t)
				} else {
					interExc = add(interExc, t)
				}
			}
			hi, lo = lExtract(lk)
			acc = mpy32x16(hi, lo, cngK0)
			temp1 = sub(shl(sh, 1), 1)
			acc = lShr(acc, temp1)
			acc = lMac(acc, interExc, interExc)
			gp = 0
		}

		temp2 = cngSqrt(acc)
		x1 := sub(temp2, interExc)
		x2 := negate(add(interExc, temp2))
		if absS(x2) < absS(x1) {
			x1 = x2
		}
		temp1 = sub(2, sh)
		g := shrR(x1, temp1)
		if g >= 0 {
			if g > cngGMax {
				g = cngGMax
			}
		} else if add(g, cngGMax) < 0 {
			g = negate(cngGMax)
		}

		for i := 0; i < 4; i++ {
			j := cur + int(pos[i])
			if sign[i] != 0 {
				exc[j] = add(exc[j], g)
			} else {
				exc[j] = sub(exc[j], g)
			}
		}
		tam[sf] = cngSubframe{gp, t0}
	}
	return tam
}

// cngDecoder is the comfort-noise state of one decoder channel: the
// current and target comfort-noise gains and the LSP of the last SID. The
// rest of what Annex B needs (previous frame type, random seed, energy of
// the last good frame) is the decoder's own state, passed in.
type cngDecoder struct {
	curGain int16
	sidGain int16
	lspSid  [10]int16
}

// reset puts the state in the recommendation's start-up values
// (Init_Dec_cng).
func (c *cngDecoder) reset() {
	*c = cngDecoder{sidGain: tabSidGain[0], lspSid: lspSidReset}
}

// decode computes a non-speech frame (Dec_cng). pastFtyp is the type of
// the previous frame; sidSav x 2^shSidSav the energy of the last good
// frame's excitation, the gain estimate when the first SID was lost. sid
// holds the four SID parameters when isSID. It writes the comfort-noise
// excitation into exc[off:off+80] (the past excitation before off feeds its
// random adaptive part), the two interpolated filters into az (22), and
// updates lspOld, the seed and the decoder's LSF predictor memory freqPrev.
func (c *cngDecoder) decode(pastFtyp, sidSav, shSidSav int16, isSID bool, sid *[sidParams]int16,
	exc []int16, off int, lspOld, az []int16, seed *int16, freqPrev *[4][10]int16) {
	firstAfterSpeech := pastFtyp == ftypSpeech
	if isSID {
		c.sidGain = tabSidGain[sid[3]&31]
		sidLsfqDecode(sid, c.lspSid[:], freqPrev)
	} else if firstAfterSpeech {
		// The first SID was lost: estimate its gain from the last good
		// frame's energy.
		ener := [nbGain]int16{sidSav}
		shEner := [nbGain]int16{shSidSav}
		_, ind := quaSidGain(&ener, &shEner, 0)
		c.sidGain = tabSidGain[ind]
	}
	if firstAfterSpeech {
		c.curGain = c.sidGain
	} else {
		c.curGain = multR(c.curGain, aGain0)
		c.curGain = add(c.curGain, multR(c.sidGain, aGain1))
	}
	calcExcRand(c.curGain, exc, off, seed)
	intQlpc(lspOld, c.lspSid[:], az)
	copy(lspOld[:10], c.lspSid[:])
}

// sidLsfqDecode decodes the SID LSF indices (predictor switch, first- and
// second-stage indices) into lspq (Q15) and updates the predictor memory
// (sid_lsfq_decode).
func sidLsfqDecode(index *[sidParams]int16, lspq []int16, freqPrev *[4][10]int16) {
	var tmpbuf, lsfq [10]int16
	mode := int(index[0] & 1)
	i1 := sidPtrTab1[index[1]&31]
	i2 := index[2] & 15
	copy(tmpbuf[:], lspcb1[i1][:])
	for i := 0; i < 5; i++ {
		tmpbuf[i] = add(tmpbuf[i], lspcb2[sidPtrTab2[0][i2]][i])
	}
	for i := 5; i < 10; i++ {
		tmpbuf[i] = add(tmpbuf[i], lspcb2[sidPtrTab2[1][i2]][i])
	}

	// Minimum distance of 10 (Q13) between neighbours.
	for j := 1; j < 10; j++ {
		acc := lMult(tmpbuf[j-1], 16384)
		acc = lMac(acc, tmpbuf[j], -16384)
		acc = lMac(acc, 10, 16384)
		k := extractH(acc)
		if k > 0 {
			tmpbuf[j-1] = sub(tmpbuf[j-1], k)
			tmpbuf[j] = add(tmpbuf[j], k)
		}
	}

	lspPrevCompose(tmpbuf[:], lsfq[:], &noiseFg[mode], freqPrev, noiseFgSum[mode][:])
	lspPrevUpdate(tmpbuf[:], freqPrev)
	lspStability(lsfq[:])
	lsfLsp2(lsfq[:], lspq, 10)
}
