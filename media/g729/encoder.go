package g729

// EncoderOptions configures an Encoder.
type EncoderOptions struct {
	// AnnexB enables voice activity detection, discontinuous transmission
	// and comfort-noise SID frames (ITU-T G.729 Annex B).
	AnnexB bool
}

// Layout of the encoder's signal buffers (G.729 3.2.1: a 240-sample LP
// analysis window over 120 past, 80 present and 40 look-ahead samples).
const (
	encSpeechOff = encTotal - FrameSamples - encLookNext // present frame in oldSpeech
	encNewOff    = encTotal - FrameSamples               // newest 80 samples
	encWspOff    = pitMax                                // present frame in oldWsp
	encExcOff    = pitMax + lInterpol                    // present frame in oldExc
	weightFac    = 22938                                 // 0.7 in Q15: tilt of the weighting filter of Annex A
)

// Encoder is the G.729 Annex A encoder of one channel. It is not safe for
// concurrent use; separate channels share nothing.
type Encoder struct {
	opts EncoderOptions
	pre  preProcessor

	// frame counts the frames as the recommendation's coder does (1, 2, ...,
	// 32767, then 256 again); Annex B's VAD uses it for its start-up.
	frame int16

	oldSpeech [encTotal]int16                          // pre-processed speech, window at 0
	oldWsp    [FrameSamples + pitMax]int16             // weighted speech
	oldExc    [FrameSamples + pitMax + lInterpol]int16 // excitation

	lspOld  [lpOrder]int16 // unquantised LSPs of the previous frame
	lspOldQ [lpOrder]int16 // quantised LSPs of the previous frame

	memW0   [lpOrder]int16 // error filter memory (target computation)
	memW    [lpOrder]int16 // weighting filter memory (weighted speech)
	memZero [lpOrder]int16 // always zero: zero-state filtering
	sharp   int16          // pitch sharpening, last quantised pitch gain, Q14

	freqPrev  [maNP][lpOrder]int16 // LSF MA predictor memory, Q13
	pastQuaEn [4]int16             // gain predictor memory, Q10
	tame      taming

	oldA  [lpOrder + 1]int16 // last stable LP filter (Levinson fall-back)
	oldRc [2]int16

	// Results of the LP analysis of the present frame (lpAnalysis). Annex
	// B's VAD reads rh, rl (after the lag window), expR0, rc and lspNew;
	// its noise estimation reads rhNbe (r before the lag window).
	rh, rl [encNP + 1]int16
	rhNbe  [lpOrder + 1]int16
	expR0  int16
	rc     [lpOrder]int16
	a      [lpOrder + 1]int16 // unquantised A(z), Q12
	lspNew [lpOrder]int16

	prm [speechParams]int16

	cng cngEncoder // Annex B: VAD and DTX state (used when opts.AnnexB)
}

// NewEncoder returns an encoder in the reset state of the recommendation.
func NewEncoder(opts EncoderOptions) *Encoder {
	e := &Encoder{opts: opts}
	e.reset()
	return e
}

func (e *Encoder) reset() {
	e.sharp = sharpMin
	e.lspOld = lspOldInit
	e.lspOldQ = lspOldInit
	for i := range e.freqPrev {
		e.freqPrev[i] = freqPrevReset
	}
	for i := range e.pastQuaEn {
		e.pastQuaEn[i] = -14336 // -14 dB in Q10
	}
	e.tame.reset()
	e.oldA[0] = 4096
	e.cng.reset()
}

// Encode encodes one frame of FrameSamples samples and appends its payload
// to dst: FrameBytes for speech, SIDBytes for an Annex B SID frame, nothing
// for a frame not transmitted. A shorter pcm is completed with silence.
func (e *Encoder) Encode(dst []byte, pcm []int16) []byte {
	newSpeech := e.oldSpeech[encNewOff:]
	n := copy(newSpeech, pcm)
	clear(newSpeech[n:])

	if e.frame == max16 {
		e.frame = 256
	} else {
		e.frame++
	}
	e.pre.process(newSpeech)
	e.lpAnalysis()

	// Annex B: the VAD decides on the LP analysis; an inactive frame goes
	// through the DTX (SID or nothing) instead of the speech coder.
	if e.opts.AnnexB && !e.cng.analyse(e.rc[1], e.lspNew[:], e.rh[:], e.rl[:], e.rhNbe[:], e.expR0, e.oldSpeech[:]) {
		return e.encodeInactive(&e.cng, dst)
	}

	e.encodeSpeech()
	var frame [FrameBytes]byte
	packSpeech(&frame, &e.prm)
	return append(dst, frame[:]...)
}

// packSpeech is pack for a speech frame: the parameters' low bits MSB
// first, through a bit accumulator.
func packSpeech(dst *[FrameBytes]byte, prm *[speechParams]int16) {
	var acc uint64
	n, pos := 0, 0
	for i, w := range speechBits {
		acc = acc<<w | uint64(uint16(prm[i]))&(1<<w-1)
		n += int(w)
		for n >= 8 && pos < len(dst) {
			n -= 8
			dst[pos] = byte(acc >> uint(n))
			pos++
		}
	}
}

// lpAnalysis runs the LP analysis of the present frame: autocorrelation of
// the windowed speech (r[0..12], the last two for Annex B), lag window,
// Levinson-Durbin and the LSPs.
func (e *Encoder) lpAnalysis() {
	e.expR0 = autocorr(e.oldSpeech[:], encNP, e.rh[:], e.rl[:])
	copy(e.rhNbe[:], e.rh[:lpOrder+1])
	lagWindow(encNP, e.rh[:], e.rl[:])
	levinson(e.rh[:], e.rl[:], e.a[:], e.rc[:], &e.oldA, &e.oldRc)
	azLsp(e.a[:], e.lspNew[:], e.lspOld[:])
}

// weightedFilter is A(z/gamma1) with the tilt of Annex A: ap1[i] = ap[i] -
// 0.7 ap[i-1], the denominator of the weighting filter W(z).
func weightedFilter(ap []int16, ap1 *[lpOrder + 1]int16) {
	ap1[0] = 4096
	for i := 1; i <= lpOrder; i++ {
		ap1[i] = sub(ap[i], mult(ap[i-1], weightFac))
	}
}

// encodeSpeech codes an active frame into e.prm (G.729 Annex A 3.2.4 to
// 3.10) and updates every memory.
func (e *Encoder) encodeSpeech() {
	var aqT, apT [2 * (lpOrder + 1)]int16
	var lspNewQ [lpOrder]int16

	var ov bool // the encoder never tests the synthesis overflow
	prm := &e.prm
	prm[0], prm[1] = quaLsp(e.lspNew[:], lspNewQ[:], &e.freqPrev)

	intQlpc(e.lspOldQ[:], lspNewQ[:], aqT[:])
	weightAz(aqT[0:11], encGamma1, apT[0:11])
	weightAz(aqT[11:22], encGamma1, apT[11:22])
	e.lspOld = e.lspNew
	e.lspOldQ = lspNewQ

	// weighted speech of the whole frame, through the residual
	exc := e.oldExc[:]
	residu(aqT[0:11], e.oldSpeech[:], encSpeechOff, exc[encExcOff:], subfrLen)
	residu(aqT[11:22], e.oldSpeech[:], encSpeechOff+subfrLen, exc[encExcOff+subfrLen:], subfrLen)
	var ap1 [lpOrder + 1]int16
	weightedFilter(apT[0:11], &ap1)
	synFilt(ap1[:], exc[encExcOff:encExcOff+subfrLen], e.oldWsp[encWspOff:], e.memW[:], true, &ov)
	weightedFilter(apT[11:22], &ap1)
	synFilt(ap1[:], exc[encExcOff+subfrLen:encExcOff+2*subfrLen], e.oldWsp[encWspOff+subfrLen:], e.memW[:], true, &ov)

	tOp := pitchOlFast(e.oldWsp[:], encWspOff)

	// closed-loop search range of the first subframe
	t0Min := sub(tOp, 3)
	if sub(t0Min, pitMin) < 0 {
		t0Min = pitMin
	}
	t0Max := add(t0Min, 6)
	if sub(t0Max, pitMax) > 0 {
		t0Max = pitMax
		t0Min = sub(t0Max, 6)
	}

	var h1, xn, xn2, code, y1, y2 [subfrLen]int16
	var gCoeff [4]int16
	var gCoeffCs, expGCoeffCs [5]int16
	p := 2
	for sf := 0; sf < 2; sf++ {
		iSub := sf * subfrLen
		ap := apT[sf*11 : sf*11+11]
		first := sf == 0
		off := encExcOff + iSub

		// impulse response of the weighted synthesis filter
		clear(h1[:])
		h1[0] = 4096
		synFilt(ap, h1[:], h1[:], e.memZero[:], false, &ov)

		// target for the pitch search
		synFilt(ap, exc[off:off+subfrLen], xn[:], e.memW0[:], false, &ov)

		t0, t0Frac := pitchFr3Fast(exc, off, xn[:], h1[:], t0Min, t0Max, first)
		index := encLag3(t0, t0Frac, &t0Min, &t0Max, first)
		prm[p] = index
		p++
		if first {
			prm[p] = parityPitch(index)
			p++
		}

		// filtered adaptive codebook vector, its gain, limited when taming
		synFilt(ap, exc[off:off+subfrLen], y1[:], e.memZero[:], false, &ov)
		gainPit := gPitch(xn[:], y1[:], &gCoeff)
		tame := e.tame.test(t0, t0Frac)
		if tame && sub(gainPit, gpClip) > 0 {
			gainPit = gpClip
		}

		// target of the fixed codebook search
		for i := range xn2 {
			t := lMult(y1[i], gainPit)
			t = lShlF(t, 1) // gainPit in Q14
			xn2[i] = sub(xn[i], extractH(t))
		}

		index, sign := acelpCodeA(xn2[:], h1[:], t0, e.sharp, code[:], y2[:])
		prm[p] = index
		prm[p+1] = sign
		p += 2

		// gain quantisation
		gCoeffCs[0] = gCoeff[0]
		expGCoeffCs[0] = negate(gCoeff[1])
		gCoeffCs[1] = negate(gCoeff[2])
		expGCoeffCs[1] = negate(add(gCoeff[3], 1))
		corrXy2(xn[:], y1[:], y2[:], &gCoeffCs, &expGCoeffCs)
		var gainCode int16
		prm[p], gainPit, gainCode = quaGain(code[:], &gCoeffCs, &expGCoeffCs, tame, &e.pastQuaEn)
		p++

		e.sharp = gainPit
		if sub(e.sharp, sharpMax) > 0 {
			e.sharp = sharpMax
		}
		if sub(e.sharp, sharpMin) < 0 {
			e.sharp = sharpMin
		}

		// total excitation, and the memories for the next subframe
		for i := 0; i < subfrLen; i++ {
			t := lMult(exc[off+i], gainPit)
			t = lMac(t, code[i], gainCode)
			t = lShlF(t, 1)
			exc[off+i] = round(t)
		}
		e.tame.update(gainPit, t0)
		for i, j := subfrLen-lpOrder, 0; i < subfrLen; i, j = i+1, j+1 {
			temp := extractH(lShlF(lMult(y1[i], gainPit), 1))
			k := extractH(lShlF(lMult(y2[i], gainCode), 2))
			e.memW0[j] = sub(xn[i], add(temp, k))
		}
	}
	e.shiftBuffers()
}

// inactiveUpdate keeps the memories of the speech coder in step during a
// frame that Annex B's DTX/CNG encoder codes: aqT holds the frame's two
// interpolated LP filters (as the CNG encoder chose them) and the present
// frame of oldExc its excitation.
func (e *Encoder) inactiveUpdate(aqT *[2 * (lpOrder + 1)]int16) {
	var xn [subfrLen]int16
	var apT, ap1 [lpOrder + 1]int16
	var ov bool
	exc := e.oldExc[:]
	for sf := 0; sf < 2; sf++ {
		iSub := sf * subfrLen
		aq := aqT[sf*11 : sf*11+11]
		residu(aq, e.oldSpeech[:], encSpeechOff+iSub, xn[:], subfrLen)
		weightAz(aq, encGamma1, apT[:])
		weightedFilter(apT[:], &ap1)
		synFilt(ap1[:], xn[:], e.oldWsp[encWspOff+iSub:], e.memW[:], true, &ov)
		for i := range xn {
			xn[i] = sub(xn[i], exc[encExcOff+iSub+i])
		}
		synFilt(apT[:], xn[:], xn[:], e.memW0[:], true, &ov)
	}
	e.sharp = sharpMin
	e.shiftBuffers()
}

// shiftBuffers moves the signal buffers one frame on.
func (e *Encoder) shiftBuffers() {
	copy(e.oldSpeech[:], e.oldSpeech[FrameSamples:])
	copy(e.oldWsp[:], e.oldWsp[FrameSamples:])
	copy(e.oldExc[:], e.oldExc[FrameSamples:])
}
