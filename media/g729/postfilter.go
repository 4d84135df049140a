package g729

// Annex A post-filter (A.4.2): long-term (harmonic) post-filter on the
// residual of A(z/0.55), tilt compensation, short-term post-filter
// 1/A(z/0.70) and adaptive gain control; then the post-processing of
// G.729 4.2.5 (100 Hz high-pass and doubling).

const (
	pstGamma2   = 18022 // numerator weighting 0.55, Q15
	pstGamma1   = 22938 // denominator weighting 0.70, Q15
	pstMu       = 26214 // tilt factor 0.8, Q15
	pstAgcFac   = 29491 // AGC smoothing 0.9, Q15
	pstAgcFac1  = 32767 - pstAgcFac
	pstGammaP   = 16384 // harmonic weighting 0.5, Q15
	pstInvGamma = 21845 // 1/(1+gammaP), Q15
	pstGammaP2  = 10923 // gammaP/(1+gammaP), Q15
	pstLH       = 22    // truncated impulse response for the tilt
	res2Len     = pitMax + subfrLen
)

type postFilter struct {
	res2     [res2Len]int16 // residual, pitMax past samples first
	scalRes2 [res2Len]int16 // the same scaled down by 4
	memSyn   [lpOrder]int16 // memory of 1/A(z/gamma1)
	memPre   int16          // memory of the tilt filter
	pastGain int16          // AGC gain, Q12

	// Largest magnitude in scalRes2 of the current subframe (0) and of
	// the four before it, a bound for the pitch search.
	blkMax [5]int64
}

func (p *postFilter) reset() {
	*p = postFilter{pastGain: 4096}
}

// filter post-filters the frame syn[lpOrder:] (syn[:lpOrder] are the last
// samples of the previous frame) in place with the LP filters az and lags
// t of both subframes. The harmonic post-filter runs only on speech frames.
func (p *postFilter) filter(syn *[synBufLen]int16, az *[azLen]int16, t *[2]int16, ftyp int16) {
	var synPst [FrameSamples]int16
	var res2Pst [subfrLen]int16
	var ap3, ap4 [lpOrder + 1]int16
	var h [pstLH]int16
	var ov bool

	for s := 0; s < 2; s++ {
		iSub := s * subfrLen
		a := az[s*(lpOrder+1) : (s+1)*(lpOrder+1)]

		t0Min := sub(t[s], 3)
		t0Max := add(t0Min, 6)
		if t0Max > pitMax {
			t0Max = pitMax
			t0Min = sub(t0Max, 6)
		}
		if t0Min < 0 { // lags come from the decoder and are >= 20
			t0Min = 0
		}

		weightAz(a, pstGamma2, ap3[:])
		weightAz(a, pstGamma1, ap4[:])

		res2 := p.res2[pitMax:]
		residu(ap3[:], syn[:], lpOrder+iSub, res2, subfrLen)
		var m int16
		for j := 0; j < subfrLen; j++ {
			v := res2[j] >> 2
			p.scalRes2[pitMax+j] = v
			m |= v ^ (v >> 15)
		}
		copy(p.blkMax[1:], p.blkMax[:len(p.blkMax)-1])
		p.blkMax[0] = int64(m) + 1 // bounds every |v| (see maxAbs)

		if ftyp == frameSpeech {
			p.pitchFilter(t0Min, t0Max, &res2Pst)
		} else {
			copy(res2Pst[:], res2[:subfrLen])
		}

		// Tilt compensation from the impulse response of
		// A(z/gamma2)/A(z/gamma1).
		copy(h[:], ap3[:])
		clear(h[lpOrder+1:])
		synFilt(ap4[:], h[:], h[:], h[lpOrder+1:], false, &ov)

		temp1 := extractH(energySat(0, h[:]))
		temp2 := extractH(dotSat(0, h[:pstLH-1], h[1:]))
		if temp2 <= 0 {
			temp2 = 0
		} else {
			temp2 = mult(temp2, pstMu)
			temp2 = divS(temp2, temp1)
		}
		p.preemphasis(&res2Pst, temp2)

		synFilt(ap4[:], res2Pst[:], synPst[iSub:iSub+subfrLen], p.memSyn[:], true, &ov)

		p.agc(syn[lpOrder+iSub:lpOrder+iSub+subfrLen], synPst[iSub:iSub+subfrLen])

		copy(p.res2[:pitMax], p.res2[subfrLen:])
		copy(p.scalRes2[:pitMax], p.scalRes2[subfrLen:])
	}

	copy(syn[:lpOrder], syn[FrameSamples:])
	copy(syn[lpOrder:], synPst[:])
}

// pitchFilter finds the best integer lag in [t0Min, t0Max] on the scaled
// residual and applies the harmonic filter (1 + g z^-T)/(1 + g) to the
// residual of the current subframe.
func (p *postFilter) pitchFilter(t0Min, t0Max int16, out *[subfrLen]int16) {
	const cur = pitMax
	// With every sample below m, no sum of 40 products saturates when
	// 2*40*m*m < 2^31 (scaled residuals are below 8192): plain arithmetic.
	// m is the largest of the maxima of the subframes the lags reach.
	var m int64
	for k := 0; k <= (int(t0Max)+subfrLen-1)/subfrLen && k < len(p.blkMax); k++ {
		m = max(m, p.blkMax[k])
	}
	sig := (*[subfrLen]int16)(p.scalRes2[cur : cur+subfrLen])
	corMax := int32(min32)
	t0 := t0Min
	if m*m*subfrLen+1 < noSat {
		// Two lags per 64-bit sum: sig[j]*2^32 + sig[j+1] times the
		// sample of lag i gives lag i in the high half and lag i+1 in
		// the low half (offset by 2^31 so that it is never negative);
		// each half is an exact sum below 2^30 in magnitude.
		var sp [subfrLen]int64
		for j := 0; j < subfrLen-1; j++ {
			sp[j] = int64(sig[j])<<32 + int64(sig[j+1])
		}
		sp[subfrLen-1] = int64(sig[subfrLen-1]) << 32
		i := t0Min
		for ; i < t0Max; i += 2 {
			b := cur - int(i)
			deb := (*[subfrLen]int16)(p.scalRes2[b : b+subfrLen])
			s0 := int64(sig[0])*int64(p.scalRes2[b-1]) + 1<<31
			var s1, s2, s3 int64
			for j := 0; j < subfrLen; j += 4 {
				s0 += sp[j] * int64(deb[j])
				s1 += sp[j+1] * int64(deb[j+1])
				s2 += sp[j+2] * int64(deb[j+2])
				s3 += sp[j+3] * int64(deb[j+3])
			}
			s := s0 + s1 + s2 + s3
			if c := int32(s>>32) << 1; c > corMax {
				corMax = c
				t0 = i
			}
			if c := int32(int64(uint32(s))-1<<31) << 1; c > corMax {
				corMax = c
				t0 = i + 1
			}
		}
		if i == t0Max {
			deb := (*[subfrLen]int16)(p.scalRes2[cur-int(i) : cur-int(i)+subfrLen])
			var c0, c1, c2, c3 int32
			for j := 0; j < subfrLen; j += 4 {
				c0 += int32(sig[j]) * int32(deb[j])
				c1 += int32(sig[j+1]) * int32(deb[j+1])
				c2 += int32(sig[j+2]) * int32(deb[j+2])
				c3 += int32(sig[j+3]) * int32(deb[j+3])
			}
			if c := (c0 + c1 + c2 + c3) << 1; c > corMax {
				corMax = c
				t0 = i
			}
		}
	} else {
		for i := t0Min; i <= t0Max; i++ {
			deb := (*[subfrLen]int16)(p.scalRes2[cur-int(i) : cur-int(i)+subfrLen])
			var corr int32
			for j, v := range sig {
				corr = lMac(corr, v, deb[j])
			}
			if lSub(corr, corMax) > 0 {
				corMax = corr
				t0 = i
			}
		}
	}

	ener := energySat(1, p.scalRes2[cur-int(t0):cur-int(t0)+subfrLen])
	ener0 := energySat(1, sig[:])
	if corMax < 0 {
		corMax = 0
	}

	temp := corMax
	if ener > temp {
		temp = ener
	}
	if ener0 > temp {
		temp = ener0
	}
	j := normL(temp)
	cmax := round(lShl(corMax, j))
	en := round(lShl(ener, j))
	en0 := round(lShl(ener0, j))

	// Off when the prediction gain is below 3 dB.
	temp = lMult(cmax, cmax)
	temp = lSub(temp, lShr(lMult(en, en0), 1))
	if temp < 0 {
		copy(out[:], p.res2[cur:cur+subfrLen])
		return
	}

	var g0, gain int16
	if cmax > en { // pitch gain above 1
		g0 = pstInvGamma
		gain = pstGammaP2
	} else {
		cmax = shr(mult(cmax, pstGammaP), 1)
		en = shr(en, 1)
		i := add(cmax, en)
		if i > 0 {
			gain = divS(cmax, i)
			g0 = sub(32767, gain)
		} else {
			g0 = 32767
			gain = 0
		}
	}
	// g0, gain >= 0: the products cannot saturate, only their sum.
	x0 := (*[subfrLen]int16)(p.res2[cur : cur+subfrLen])
	xt := (*[subfrLen]int16)(p.res2[cur-int(t0) : cur-int(t0)+subfrLen])
	a, b := int32(g0), int32(gain)
	for i := range out {
		out[i] = int16(min(max((a*int32(x0[i]))>>15+(b*int32(xt[i]))>>15, min16), max16))
	}
}

// preemphasis filters sig through 1 - g z^-1 in place.
func (p *postFilter) preemphasis(sig *[subfrLen]int16, g int16) {
	// g >= 0, so mult(g, x) cannot saturate; only the difference can.
	gg := int32(g)
	last := sig[subfrLen-1]
	for i := subfrLen - 1; i > 0; i-- {
		sig[i] = int16(min(max(int32(sig[i])-(gg*int32(sig[i-1]))>>15, min16), max16))
	}
	sig[0] = int16(min(max(int32(sig[0])-(gg*int32(p.memPre))>>15, min16), max16))
	p.memPre = last
}

// agc scales out so that its energy follows that of in, smoothly from
// sample to sample.
func (p *postFilter) agc(in, out []int16) {
	s := energyShr2Sat(out[:subfrLen])
	if s == 0 {
		p.pastGain = 0
		return
	}
	exp := sub(normL(s), 1)
	gainOut := round(lShl(s, exp))

	s = energyShr2Sat(in[:subfrLen])
	var g0 int16
	if s != 0 {
		i := normL(s)
		gainIn := round(lShl(s, i))
		exp = sub(exp, i)

		// g0 = (1-AGC_FAC) * sqrt(gainIn/gainOut)
		s = lDepositL(divS(gainOut, gainIn))
		s = lShl(s, 7)
		s = lShr(s, exp)
		s = invSqrt(s)
		i = round(lShl(s, 9))
		g0 = mult(i, pstAgcFac1)
	}

	// 0 <= gain <= 32767 and 0 <= g0 <= 3275 (1-AGC_FAC times a Q15
	// value), so gain*0.9 + g0 <= 32765: mult and add cannot saturate, and
	// gain >= 0 keeps L_mult from saturating; L_shl can.
	gain := int32(p.pastGain)
	g := int32(g0)
	o := (*[subfrLen]int16)(out[:subfrLen])
	for i := range o {
		gain = (gain*pstAgcFac)>>15 + g
		o[i] = int16(min(max(int64(o[i])*int64(gain)<<4, min32), max32) >> 16)
	}
	p.pastGain = int16(gain)
}

// postProcess is the output high-pass filter (100 Hz) with its gain of 2.
// The recommendation keeps the past outputs y in double precision, hi =
// y>>16 and lo = (y>>1)&0x7fff, both read off y>>1, which h1 and h2 hold:
// Mpy_32_16(hi, lo, n) = 2*((h*n)>>15).
type postProcess struct {
	h1, h2 int32
	x0, x1 int16
}

func (p *postProcess) process(sig []int16) {
	h1, h2 := int64(p.h1), int64(p.h2)
	x0, x1 := int64(p.x0), int64(p.x1)
	a1, a2 := int64(a100[1]), int64(a100[2])
	b0, b1, b2 := int64(b100[0])*2, int64(b100[1])*2, int64(b100[2])*2
	for i, v := range sig {
		x2 := x1
		x1 = x0
		x0 = int64(v)

		// The five terms of the recommendation's saturating sum; if no
		// partial sum leaves the 32-bit range, the plain sum is the
		// same, and if it is below 2^29 in magnitude L_shl by 2 does
		// not saturate either: then the next h is 2*t.
		q := (h1 * a1) >> 15
		t2 := ((h2 * a2) >> 15) * 2
		u0, u1, u2 := x0*b0, x1*b1, x2*b2
		r := t2 + u0 + u1 + u2
		t1 := q * 2
		r1 := t1 + t2
		r2 := r1 + u0
		r3 := r2 + u1
		r4 := r3 + u2
		if (uint64(r1+1<<31)|uint64(r2+1<<31)|uint64(r3+1<<31))>>32 == 0 && uint64(r4+1<<29)>>30 == 0 {
			h2, h1 = h1, q<<2+2*r
			// round(L_shl(t<<2, 1)) = (t + 0x1000)>>13, saturated.
			sig[i] = int16(min(max((r4+0x1000)>>13, min16), max16))
			continue
		}
		var t int32
		if (uint64(r1+1<<31)|uint64(r2+1<<31)|uint64(r3+1<<31)|uint64(r4+1<<31))>>32 == 0 {
			t = int32(r4)
		} else {
			t = postProcessSat(int32(h1), int32(h2), int16(x0), int16(x1), int16(x2))
		}
		t = shlSat(t, 2)
		sig[i] = roundFast(shlSat(t, 1))
		h2, h1 = h1, int64(t>>1)
	}
	p.h1, p.h2 = int32(h1), int32(h2)
	p.x0, p.x1 = int16(x0), int16(x1)
}

// postProcessSat is the recommendation's saturating sum of postProcess,
// from the halved past outputs h1 and h2.
func postProcessSat(h1, h2 int32, x0, x1, x2 int16) int32 {
	t := mpy32x16(int16(h1>>15), int16(h1&0x7fff), a100[1])
	t = lAdd(t, mpy32x16(int16(h2>>15), int16(h2&0x7fff), a100[2]))
	t = lMac(t, x0, b100[0])
	t = lMac(t, x1, b100[1])
	return lMac(t, x2, b100[2])
}
