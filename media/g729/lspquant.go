package g729

// LSP quantisation of the encoder (G.729 3.2.4): the LSFs are predicted
// from the past four frames by one of two MA predictors, and the residual
// is coded with a 7-bit first stage and two 5-bit second-stage halves,
// chosen by weighted mean-square error. Both predictors are tried and the
// one with the lower weighted error is kept.

// quaLsp quantises lsp (Q15) into lspQ (Q15) and returns the two transmitted
// indices: L0<<7|L1 and L2<<5|L3. freqPrev is the channel's MA memory.
func quaLsp(lsp, lspQ []int16, freqPrev *[maNP][lpOrder]int16) (idx0, idx1 int16) {
	var lsf, lsfQ, wegt [lpOrder]int16
	lspToLsf(lsp, &lsf)
	getWegt(&lsf, &wegt)
	idx0, idx1 = relspwed(&lsf, &wegt, lsfQ[:], freqPrev)
	lsfLsp2(lsfQ[:], lspQ, lpOrder)
	return idx0, idx1
}

// lspToLsf is lspLsf2 for the encoder's 10 LSPs with the shifts inline:
// the arc-cosine by table look-up (table2, slopeAcos) and interpolation,
// lsf in Q13 (2pi freq).
func lspToLsf(lsp []int16, lsf *[lpOrder]int16) {
	lsp = lsp[:lpOrder]
	ind := 63
	for i := lpOrder - 1; i >= 0; i-- {
		// sub(table2[ind], lsp[i]) < 0: saturation keeps the sign
		for table2[ind&63] < lsp[i] {
			ind--
			if ind <= 0 {
				break
			}
		}
		ind &= 63
		offset := sub(lsp[i], table2[ind])
		t := lMult(slopeAcos[ind], offset)
		freq := add(int16(ind<<9), int16(t>>12)) // shl(ind, 9) fits: ind <= 63
		lsf[i] = mult(freq, 25736)               // 2pi in Q12
	}
}

// relspwed searches both MA predictors and returns the indices; lsfQ gets
// the quantised LSFs (Q13) and freqPrev is updated.
func relspwed(lsf, wegt *[lpOrder]int16, lsfQ []int16, freqPrev *[maNP][lpOrder]int16) (idx0, idx1 int16) {
	var cand, tindex1, tindex2 [2]int16
	var tdist [2]int32
	var rbuf, buf [lpOrder]int16

	for mode := 0; mode < 2; mode++ {
		lspPrevExtract(lsf[:], rbuf[:], &fg[mode], freqPrev, fgSumInv[mode][:])

		c := lspPreSelect(&rbuf)
		cand[mode] = c

		index := lspSelect1(&rbuf, &lspcb1[c], wegt)
		tindex1[mode] = index
		for j := 0; j < lspNC; j++ {
			buf[j] = add(lspcb1[c][j], lspcb2[index][j])
		}
		lspExpand1(buf[:], lspGap1)

		index = lspSelect2(&rbuf, &lspcb1[c], wegt)
		tindex2[mode] = index
		for j := lspNC; j < lpOrder; j++ {
			buf[j] = add(lspcb1[c][j], lspcb2[index][j])
		}
		lspExpand2(buf[:], lspGap1)
		lspExpand12(buf[:], lspGap2)

		tdist[mode] = lspGetTdist(wegt, &buf, &rbuf, &fgSum[mode])
	}

	mode := 0
	if lSub(tdist[1], tdist[0]) < 0 {
		mode = 1
	}
	idx0 = shl(int16(mode), 7) | cand[mode]
	idx1 = shl(tindex1[mode], 5) | tindex2[mode]

	lspGetQuant(int(cand[mode]), int(tindex1[mode]), int(tindex2[mode]), mode, freqPrev, lsfQ)
	return idx0, idx1
}

// Bounds of the LSP codebooks (G.729 tables 3.1 and 3.2; checked by
// TestLspCodebookBounds): they let the searches below know in advance that
// no difference saturates.
const (
	lspcb1Max = 23533 // 0 <= lspcb1 <= lspcb1Max
	lspcb2Min = -1752 // lspcb2Min <= lspcb2 <= lspcb2Max
	lspcb2Max = 2337
)

// lspPreSelect picks the first-stage vector closest to the target.
func lspPreSelect(rbuf *[lpOrder]int16) int16 {
	// r - cb saturates only below -32768 (cb >= 0, so never above 32767)
	var r [lpOrder]int32
	for j, v := range rbuf {
		if int32(v) < lspcb1Max+min16 {
			return lspPreSelectSat(rbuf)
		}
		r[j] = int32(v)
	}
	// a sum of squares: the saturating chain is the exact sum clipped at
	// max32, and a clipped sum never beats dmin <= max32
	var cand int16
	dmin := int64(max32)
	for i := range lspcb1 {
		cb := &lspcb1[i]
		d0 := r[0] - int32(cb[0])
		d1 := r[1] - int32(cb[1])
		d2 := r[2] - int32(cb[2])
		d3 := r[3] - int32(cb[3])
		d4 := r[4] - int32(cb[4])
		d5 := r[5] - int32(cb[5])
		sa := uint32(d0*d0) + uint32(d1*d1) + uint32(d2*d2)
		sb := uint32(d3*d3) + uint32(d4*d4) + uint32(d5*d5)
		s := int64(sa) + int64(sb)
		if s<<1 >= dmin {
			continue // every term is >= 0: this vector cannot win
		}
		d6 := r[6] - int32(cb[6])
		d7 := r[7] - int32(cb[7])
		d8 := r[8] - int32(cb[8])
		d9 := r[9] - int32(cb[9])
		sc := uint32(d6*d6) + uint32(d7*d7) + uint32(d8*d8)
		s += int64(sc) + int64(uint32(d9*d9))
		if s<<1 < dmin {
			dmin = s << 1
			cand = int16(i)
		}
	}
	return cand
}

// lspPreSelectSat is lspPreSelect with saturating differences.
func lspPreSelectSat(rbuf *[lpOrder]int16) int16 {
	var cand int16
	dmin := int32(max32)
	for i := range lspcb1 {
		cb := &lspcb1[i]
		var s int64
		for j, r := range rbuf {
			t := int64(sub(r, cb[j]))
			s += t * t
		}
		d := int32(min(s<<1, max32))
		if lSub(d, dmin) < 0 {
			dmin = d
			cand = int16(i)
		}
	}
	return cand
}

// lspSelect1 picks the second-stage vector for the lower five LSFs.
func lspSelect1(rbuf, cb1, wegt *[lpOrder]int16) int16 {
	return lspSelectHalf(rbuf, cb1, wegt, 0)
}

// lspSelect2 picks the second-stage vector for the upper five LSFs.
func lspSelect2(rbuf, cb1, wegt *[lpOrder]int16) int16 {
	return lspSelectHalf(rbuf, cb1, wegt, lspNC)
}

// lspSelectHalf searches lspcb2 on LSFs from..from+4. Each term
// mult(w, t)*t is >= 0 (w >= 0), so the chain of L_mac is the exact sum
// clipped at max32; when no t = buf - cb2 can saturate it is computed so.
func lspSelectHalf(rbuf, cb1, wegt *[lpOrder]int16, from int) int16 {
	var buf, w [lspNC]int32
	plain := true
	for j := range buf {
		b := sub(rbuf[from+j], cb1[from+j])
		buf[j] = int32(b)
		w[j] = int32(wegt[from+j])
		if buf[j] < min16+lspcb2Max || buf[j] > max16+lspcb2Min || w[j] < 0 {
			plain = false
		}
	}
	var index int16
	if !plain {
		dmin := int32(max32)
		for k := range lspcb2 {
			var d int32
			for j := range buf {
				t := sub(int16(buf[j]), lspcb2[k][from+j])
				t2 := mult(int16(w[j]), t)
				d = lMac(d, t2, t)
			}
			if lSub(d, dmin) < 0 {
				dmin = d
				index = int16(k)
			}
		}
		return index
	}
	dmin := int64(max32)
	for k := range lspcb2 {
		cb := (*[lspNC]int16)(lspcb2[k][from : from+lspNC])
		t0 := buf[0] - int32(cb[0])
		t1 := buf[1] - int32(cb[1])
		t2 := buf[2] - int32(cb[2])
		t3 := buf[3] - int32(cb[3])
		t4 := buf[4] - int32(cb[4])
		// each term is in [0, 2^30]: three fit in uint32; a candidate
		// whose first three already reach dmin cannot win
		da := uint32((w[0]*t0)>>15*t0) + uint32((w[1]*t1)>>15*t1) + uint32((w[2]*t2)>>15*t2)
		if int64(da)<<1 >= dmin {
			continue
		}
		db := uint32((w[3]*t3)>>15*t3) + uint32((w[4]*t4)>>15*t4)
		d := int64(da) + int64(db)
		if d<<1 < dmin {
			dmin = d << 1
			index = int16(k)
		}
	}
	return index
}

// lspGetTdist is the weighted distortion of a candidate, taking the MA
// predictor's present-frame gain fgSum into account.
func lspGetTdist(wegt, buf, rbuf, fgSum *[lpOrder]int16) int32 {
	var tdist int32
	for j := 0; j < lpOrder; j++ {
		t := sub(buf[j], rbuf[j])
		t = mult(t, fgSum[j])
		acc := lMult(wegt[j], t)
		t2 := extractH(lShlF(acc, 4))
		tdist = lMac(tdist, t2, t)
	}
	return tdist
}

// getWegt computes the LSF weights of G.729 equation (16), normalised.
func getWegt(flsp, wegt *[lpOrder]int16) {
	var buf [lpOrder]int16
	buf[0] = sub(flsp[1], pi04+8192)
	for i := 1; i < lpOrder-1; i++ {
		t := sub(flsp[i+1], flsp[i-1])
		buf[i] = sub(t, 8192)
	}
	buf[lpOrder-1] = sub(pi92-8192, flsp[lpOrder-2])

	for i := 0; i < lpOrder; i++ {
		if buf[i] > 0 {
			wegt[i] = 2048
		} else {
			acc := lMult(buf[i], buf[i])
			t := extractH(lShlF(acc, 2))
			acc = lMult(t, const10)
			t = extractH(lShlF(acc, 2))
			wegt[i] = add(t, 2048)
		}
	}
	acc := lMult(wegt[4], const12)
	wegt[4] = extractH(lShlF(acc, 1))
	acc = lMult(wegt[5], const12)
	wegt[5] = extractH(lShlF(acc, 1))

	var tmax int16
	for i := 0; i < lpOrder; i++ {
		if sub(wegt[i], tmax) > 0 {
			tmax = wegt[i]
		}
	}
	sft := normS(tmax)
	for i := 0; i < lpOrder; i++ {
		wegt[i] = shl(wegt[i], sft)
	}
}
