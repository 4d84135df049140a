package g729

// Line spectral pairs: conversion to the LP filter, the LSF/LSP domains of
// Annex A, the two-stage MA-predicted quantiser's reconstruction (G.729
// 3.2.4) and the interpolation between frames (3.2.5).

const (
	lpOrder = 10 // M
	maNP    = 4  // MA prediction order of the LSF quantiser
	lspNC   = 5  // M/2

	lspLimitLow  = 40    // Q13 0.005
	lspLimitHigh = 25681 // Q13 3.135
	lspGap3      = 321   // Q13
)

// lspPol computes F1(z) or F2(z) from every other LSP, starting at
// lsp[start], in Q24 (f has 6 coefficients).
func lspPol(lsp []int16, start int, f *[6]int32) {
	// The saturating operations written as exact 64-bit sums clamped to
	// 32 bits, which is what L_add, L_sub, L_mult and L_mac compute.
	f[0] = 1 << 24                  // L_mult(4096, 2048): 1.0
	f[1] = -int32(lsp[start]) << 10 // L_msu(0, lsp[0], 512): -2*lsp[0]
	p := start + 2
	for i := 2; i <= 5; i++ {
		l := int64(lsp[p])
		f[i] = f[i-2]
		for j := i; j > 1; j-- {
			// L_Extract, Mpy_32_16 and L_shl by 1: with hi = f>>16
			// and lo = (f>>1)&0x7fff, 2*hi*l + 2*((lo*l)>>15) is
			// 2*(((f>>1)*l)>>15); the recommendation saturates it
			// before the doubling, which saturates whenever that
			// did (only hi = l = -32768 clips the product).
			t0 := sat32((int64(f[j-1]>>1) * l >> 15) << 2)
			f[j] = sat32(int64(f[j]) + int64(f[j-2]))
			f[j] = sat32(int64(f[j]) - int64(t0))
		}
		f[1] = sat32(int64(f[1]) - int64(lsp[p])*1024) // L_msu(f, lsp, 512)
		p += 2
	}
}

// lspAz converts 10 LSPs (Q15) into the LP coefficients a[0..10] (Q12,
// a[0] = 4096).
func lspAz(lsp []int16, a []int16) {
	var f1, f2 [6]int32
	lspPol(lsp, 0, &f1)
	lspPol(lsp, 1, &f2)
	for i := 5; i > 0; i-- {
		f1[i] = sat32(int64(f1[i]) + int64(f1[i-1]))
		f2[i] = sat32(int64(f2[i]) - int64(f2[i-1]))
	}
	a[0] = 4096
	for i, j := 1, 10; i <= 5; i, j = i+1, j-1 {
		// L_shr_r(t, 13): the shift rounded by the last bit shifted out.
		t0 := sat32(int64(f1[i]) + int64(f2[i]))
		a[i] = int16(t0>>13 + (t0>>12)&1)
		t0 = sat32(int64(f1[i]) - int64(f2[i]))
		a[j] = int16(t0>>13 + (t0>>12)&1)
	}
}

// lsfLsp2 converts LSFs (Q13, radians 0..pi) into LSPs (Q15 cosines).
func lsfLsp2(lsf, lsp []int16, m int) {
	for i := 0; i < m; i++ {
		freq := mult(lsf[i], 20861) // 1/(2pi) in Q17
		ind := shr(freq, 8)
		offset := freq & 0x00ff
		if ind > 63 {
			ind = 63
		}
		if ind < 0 { // only for a negative LSF, which the quantiser never makes
			ind = 0
		}
		t := lMult(slopeCos[ind], offset)
		lsp[i] = add(table2[ind], extractL(lShr(t, 13)))
	}
}

// lspLsf2 converts LSPs (Q15) into LSFs (Q13, radians).
func lspLsf2(lsp, lsf []int16, m int) {
	ind := int16(63)
	for i := m - 1; i >= 0; i-- {
		for sub(table2[ind], lsp[i]) < 0 {
			ind = sub(ind, 1)
			if ind <= 0 {
				break
			}
		}
		offset := sub(lsp[i], table2[ind])
		t := lMult(slopeAcos[ind], offset)
		freq := add(shl(ind, 9), extractL(lShr(t, 12)))
		lsf[i] = mult(freq, 25736) // 2pi in Q12
	}
}

// lspExpand1 spreads the first five LSFs to keep them gap apart.
func lspExpand1(buf []int16, gap int16) {
	lspExpandRange(buf, 1, lspNC, gap)
}

// lspExpand2 spreads the last five LSFs.
func lspExpand2(buf []int16, gap int16) {
	lspExpandRange(buf, lspNC, lpOrder, gap)
}

// lspExpand12 spreads all ten LSFs.
func lspExpand12(buf []int16, gap int16) {
	lspExpandRange(buf, 1, lpOrder, gap)
}

func lspExpandRange(buf []int16, from, to int, gap int16) {
	for j := from; j < to; j++ {
		diff := sub(buf[j-1], buf[j])
		tmp := shr(add(diff, gap), 1)
		if tmp > 0 {
			buf[j-1] = sub(buf[j-1], tmp)
			buf[j] = add(buf[j], tmp)
		}
	}
}

// lspStability orders the LSFs and enforces the minimum distance and the
// limits that keep the synthesis filter stable.
func lspStability(buf []int16) {
	for j := 0; j < lpOrder-1; j++ {
		if int32(buf[j+1])-int32(buf[j]) < 0 {
			buf[j], buf[j+1] = buf[j+1], buf[j]
		}
	}
	if buf[0] < lspLimitLow {
		buf[0] = lspLimitLow
	}
	for j := 0; j < lpOrder-1; j++ {
		if int32(buf[j+1])-int32(buf[j]) < lspGap3 {
			buf[j+1] = add(buf[j], lspGap3)
		}
	}
	if buf[lpOrder-1] > lspLimitHigh {
		buf[lpOrder-1] = lspLimitHigh
	}
}

// lspPrevCompose adds the MA prediction from the past frames to the
// quantised residual lspEle: lsp = fgSum*lspEle + sum fg[k]*freqPrev[k].
func lspPrevCompose(lspEle, lsp []int16, fg *[4][10]int16, freqPrev *[4][10]int16, fgSum []int16) {
	for j := 0; j < lpOrder; j++ {
		acc := lMult(lspEle[j], fgSum[j])
		for k := 0; k < maNP; k++ {
			acc = lMac(acc, freqPrev[k][j], fg[k][j])
		}
		lsp[j] = extractH(acc)
	}
}

// lspPrevExtract is the inverse of lspPrevCompose: the residual that the
// predictor would have needed to produce lsp.
func lspPrevExtract(lsp, lspEle []int16, fg *[4][10]int16, freqPrev *[4][10]int16, fgSumInv []int16) {
	for j := 0; j < lpOrder; j++ {
		t := lDepositH(lsp[j])
		for k := 0; k < maNP; k++ {
			t = lMsu(t, freqPrev[k][j], fg[k][j])
		}
		tmp := extractH(t)
		t = lMult(tmp, fgSumInv[j])
		lspEle[j] = extractH(lShl(t, 3))
	}
}

// lspPrevUpdate pushes lspEle into the predictor memory.
func lspPrevUpdate(lspEle []int16, freqPrev *[4][10]int16) {
	for k := maNP - 1; k > 0; k-- {
		freqPrev[k] = freqPrev[k-1]
	}
	copy(freqPrev[0][:], lspEle[:lpOrder])
}

// lspGetQuant rebuilds the quantised LSFs (Q13) from the codebook indices
// and the MA predictor of the given mode, and updates the predictor memory.
func lspGetQuant(code0, code1, code2 int, mode int, freqPrev *[4][10]int16, lspq []int16) {
	var buf [lpOrder]int16
	for j := 0; j < lspNC; j++ {
		buf[j] = add(lspcb1[code0][j], lspcb2[code1][j])
	}
	for j := lspNC; j < lpOrder; j++ {
		buf[j] = add(lspcb1[code0][j], lspcb2[code2][j])
	}
	lspExpand12(buf[:], lspGap1)
	lspExpand12(buf[:], lspGap2)
	lspPrevCompose(buf[:], lspq, &fg[mode], freqPrev, fgSum[mode][:])
	lspPrevUpdate(buf[:], freqPrev)
	lspStability(lspq)
}

// intQlpc interpolates the LSPs of the previous and the current frame for
// the first subframe and converts both subframes' LSPs to LP coefficients
// az[0:11] and az[11:22].
func intQlpc(lspOld, lspNew []int16, az []int16) {
	var lsp [lpOrder]int16
	for i := range lsp {
		lsp[i] = add(shr(lspNew[i], 1), shr(lspOld[i], 1))
	}
	lspAz(lsp[:], az[0:11])
	lspAz(lspNew, az[11:22])
}
