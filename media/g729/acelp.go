package g729

// Fixed (algebraic) codebook search of Annex A (A.3.8): four signed pulses
// on interleaved tracks, found by the depth-first tree search of the
// reduced-complexity coder. The correlations of the impulse response are
// kept in one array rr laid out as the recommendation's: five
// autocorrelation tracks of 8 then ten cross-correlation blocks of 64.

const (
	rri0i0 = 0
	rri1i1 = rri0i0 + nbPos
	rri2i2 = rri1i1 + nbPos
	rri3i3 = rri2i2 + nbPos
	rri4i4 = rri3i3 + nbPos
	rri0i1 = rri4i4 + nbPos
	rri0i2 = rri0i1 + mSize
	rri0i3 = rri0i2 + mSize
	rri0i4 = rri0i3 + mSize
	rri1i2 = rri0i4 + mSize
	rri1i3 = rri1i2 + mSize
	rri1i4 = rri1i3 + mSize
	rri2i3 = rri1i4 + mSize
	rri2i4 = rri2i3 + mSize
)

// acelpCodeA searches the fixed codebook for target x with impulse
// response h (Q12, modified in place by the pitch sharpening), returns the
// 13-bit position index and the 4-bit sign index, and fills code (Q13) and
// its filtered version y (Q12).
func acelpCodeA(x, h []int16, t0, pitchSharp int16, code, y []int16) (index, sign int16) {
	var dn [subfrLen]int16
	var rr [dimRR]int16

	// include the fixed-gain pitch contribution in h
	sharp := shl(pitchSharp, 1) // Q14 -> Q15
	if t0 < subfrLen {
		for i := int(t0); i < subfrLen; i++ {
			h[i] = add(h[i], mult(h[i-int(t0)], sharp))
		}
	}
	corH(h, &rr)
	corHX(h, x, &dn)

	index, sign = d4i40x17Fast(&dn, &rr, h, code, y)

	if t0 < subfrLen {
		for i := int(t0); i < subfrLen; i++ {
			code[i] = add(code[i], mult(code[i-int(t0)], sharp))
		}
	}
	return index, sign
}

// corH computes the correlations of h needed by the search, h scaled for
// precision first.
func corH(hIn []int16, rr *[dimRR]int16) {
	var h [subfrLen]int16
	cor, _ := energy(0, hIn[:subfrLen]) // the L_mac chain of squares
	if sub(extractH(cor), 32000) > 0 {
		for i := range h {
			h[i] = hIn[i] >> 1
		}
	} else {
		k := uint(shr(normL(cor), 1)) // 0..15
		for i := range h {
			h[i] = int16(min(max(int32(hIn[i])<<k, min16), max16)) // shl
		}
	}

	// Every sum below is a partial (cross-)correlation of h, bounded by
	// its energy: when that fits 32 bits none saturates and plain sums are
	// exact.
	en, sat := energy(0, h[:])
	fast := !sat && en <= max32
	if fast {
		corHPlain(&h, rr)
		return
	}

	// diagonal: rri0i0 .. rri4i4, filled from their last position
	p0, p1, p2, p3, p4 := rri0i0+nbPos-1, rri1i1+nbPos-1, rri2i2+nbPos-1, rri3i3+nbPos-1, rri4i4+nbPos-1
	ph := 0
	cor = 0
	next := func() int16 {
		if fast {
			cor += int32(h[ph]) * int32(h[ph]) << 1
		} else {
			cor = lMac(cor, h[ph], h[ph])
		}
		ph++
		return extractH(cor)
	}
	for i := 0; i < nbPos; i++ {
		rr[p4] = next()
		p4--
		rr[p3] = next()
		p3--
		rr[p2] = next()
		p2--
		rr[p1] = next()
		p1--
		rr[p0] = next()
		p0--
	}

	const ldec = nbPos + 1
	var h1, h2 int
	mac := func() int16 {
		if fast {
			cor += int32(h[h1]) * int32(h[h2]) << 1
		} else {
			cor = lMac(cor, h[h1], h[h2])
		}
		h1++
		h2++
		return extractH(cor)
	}

	// rri2i3, rri1i2, rri0i1 and rri0i4
	lFinSup, lFinInf := mSize-1, mSize-2
	hf := 1
	for k := 0; k < nbPos; k++ {
		p3, p2, p1, p0 := rri2i3+lFinSup, rri1i2+lFinSup, rri0i1+lFinSup, rri0i4+lFinInf
		cor = 0
		h1, h2 = 0, hf
		for i := k + 1; i < nbPos; i++ {
			mac()
			rr[p3] = mac()
			rr[p2] = mac()
			rr[p1] = mac()
			rr[p0] = mac()
			p3 -= ldec
			p2 -= ldec
			p1 -= ldec
			p0 -= ldec
		}
		mac()
		rr[p3] = mac()
		rr[p2] = mac()
		rr[p1] = mac()
		lFinSup -= nbPos
		lFinInf--
		hf += step
	}

	// rri2i4, rri1i3, rri0i2, rri1i4 and rri0i3
	lFinSup, lFinInf = mSize-1, mSize-2
	hf = 2
	for k := 0; k < nbPos; k++ {
		p4, p3, p2, p1, p0 := rri2i4+lFinSup, rri1i3+lFinSup, rri0i2+lFinSup, rri1i4+lFinInf, rri0i3+lFinInf
		cor = 0
		h1, h2 = 0, hf
		for i := k + 1; i < nbPos; i++ {
			rr[p4] = mac()
			rr[p3] = mac()
			rr[p2] = mac()
			rr[p1] = mac()
			rr[p0] = mac()
			p4 -= ldec
			p3 -= ldec
			p2 -= ldec
			p1 -= ldec
			p0 -= ldec
		}
		rr[p4] = mac()
		rr[p3] = mac()
		rr[p2] = mac()
		lFinSup -= nbPos
		lFinInf--
		hf += step
	}

	// rri1i4, rri0i3, rri2i4, rri1i3 and rri0i2
	lFinSup, lFinInf = mSize-1, mSize-2
	hf = 3
	for k := 0; k < nbPos; k++ {
		p4, p3, p2, p1, p0 := rri1i4+lFinSup, rri0i3+lFinSup, rri2i4+lFinInf, rri1i3+lFinInf, rri0i2+lFinInf
		cor = 0
		h1, h2 = 0, hf
		for i := k + 1; i < nbPos; i++ {
			rr[p4] = mac()
			rr[p3] = mac()
			rr[p2] = mac()
			rr[p1] = mac()
			rr[p0] = mac()
			p4 -= ldec
			p3 -= ldec
			p2 -= ldec
			p1 -= ldec
			p0 -= ldec
		}
		rr[p4] = mac()
		rr[p3] = mac()
		lFinSup -= nbPos
		lFinInf--
		hf += step
	}

	// rri0i4, rri2i3, rri1i2 and rri0i1
	lFinSup, lFinInf = mSize-1, mSize-2
	hf = 4
	for k := 0; k < nbPos; k++ {
		p3, p2, p1, p0 := rri0i4+lFinSup, rri2i3+lFinInf, rri1i2+lFinInf, rri0i1+lFinInf
		cor = 0
		h1, h2 = 0, hf
		for i := k + 1; i < nbPos; i++ {
			rr[p3] = mac()
			mac()
			rr[p2] = mac()
			rr[p1] = mac()
			rr[p0] = mac()
			p3 -= ldec
			p2 -= ldec
			p1 -= ldec
			p0 -= ldec
		}
		rr[p3] = mac()
		lFinSup -= nbPos
		lFinInf--
		hf += step
	}
}

// corHPlain is the rest of corH when no sum can saturate: the running
// sums along each diagonal of the correlation matrix, stored as the
// recommendation's Cor_h stores them.
func corHPlain(h *[subfrLen]int16, rr *[dimRR]int16) {
	const ldec = nbPos + 1
	// diagonal: rri0i0 .. rri4i4, filled from their last position
	var cor int32
	ph := 0
	for i := nbPos - 1; i >= 0; i-- {
		for t := 4; t >= 0; t-- {
			v := int32(h[ph])
			cor += v * v << 1
			ph++
			rr[t*nbPos+i] = int16(cor >> 16)
		}
	}

	// rri2i3, rri1i2, rri0i1 and rri0i4
	lFinSup, lFinInf := mSize-1, mSize-2
	for k := 0; k < nbPos; k++ {
		p3, p2, p1, p0 := rri2i3+lFinSup, rri1i2+lFinSup, rri0i1+lFinSup, rri0i4+lFinInf
		cor = 0
		x, y := h[:], h[1+step*k:]
		j := 0
		for i := k + 1; i < nbPos; i++ {
			xs, ys := (*[5]int16)(x[j:j+5]), (*[5]int16)(y[j:j+5])
			cor += int32(xs[0]) * int32(ys[0]) << 1
			cor += int32(xs[1]) * int32(ys[1]) << 1
			rr[p3] = int16(cor >> 16)
			cor += int32(xs[2]) * int32(ys[2]) << 1
			rr[p2] = int16(cor >> 16)
			cor += int32(xs[3]) * int32(ys[3]) << 1
			rr[p1] = int16(cor >> 16)
			cor += int32(xs[4]) * int32(ys[4]) << 1
			rr[p0] = int16(cor >> 16)
			p3 -= ldec
			p2 -= ldec
			p1 -= ldec
			p0 -= ldec
			j += 5
		}
		xs, ys := (*[4]int16)(x[j:j+4]), (*[4]int16)(y[j:j+4])
		cor += int32(xs[0]) * int32(ys[0]) << 1
		cor += int32(xs[1]) * int32(ys[1]) << 1
		rr[p3] = int16(cor >> 16)
		cor += int32(xs[2]) * int32(ys[2]) << 1
		rr[p2] = int16(cor >> 16)
		cor += int32(xs[3]) * int32(ys[3]) << 1
		rr[p1] = int16(cor >> 16)
		lFinSup -= nbPos
		lFinInf--
	}

	// rri2i4, rri1i3, rri0i2, rri1i4 and rri0i3
	lFinSup, lFinInf = mSize-1, mSize-2
	for k := 0; k < nbPos; k++ {
		p4, p3, p2, p1, p0 := rri2i4+lFinSup, rri1i3+lFinSup, rri0i2+lFinSup, rri1i4+lFinInf, rri0i3+lFinInf
		cor = 0
		x, y := h[:], h[2+step*k:]
		j := 0
		for i := k + 1; i < nbPos; i++ {
			xs, ys := (*[5]int16)(x[j:j+5]), (*[5]int16)(y[j:j+5])
			cor += int32(xs[0]) * int32(ys[0]) << 1
			rr[p4] = int16(cor >> 16)
			cor += int32(xs[1]) * int32(ys[1]) << 1
			rr[p3] = int16(cor >> 16)
			cor += int32(xs[2]) * int32(ys[2]) << 1
			rr[p2] = int16(cor >> 16)
			cor += int32(xs[3]) * int32(ys[3]) << 1
			rr[p1] = int16(cor >> 16)
			cor += int32(xs[4]) * int32(ys[4]) << 1
			rr[p0] = int16(cor >> 16)
			p4 -= ldec
			p3 -= ldec
			p2 -= ldec
			p1 -= ldec
			p0 -= ldec
			j += 5
		}
		xs, ys := (*[3]int16)(x[j:j+3]), (*[3]int16)(y[j:j+3])
		cor += int32(xs[0]) * int32(ys[0]) << 1
		rr[p4] = int16(cor >> 16)
		cor += int32(xs[1]) * int32(ys[1]) << 1
		rr[p3] = int16(cor >> 16)
		cor += int32(xs[2]) * int32(ys[2]) << 1
		rr[p2] = int16(cor >> 16)
		lFinSup -= nbPos
		lFinInf--
	}

	// rri1i4, rri0i3, rri2i4, rri1i3 and rri0i2
	lFinSup, lFinInf = mSize-1, mSize-2
	for k := 0; k < nbPos; k++ {
		p4, p3, p2, p1, p0 := rri1i4+lFinSup, rri0i3+lFinSup, rri2i4+lFinInf, rri1i3+lFinInf, rri0i2+lFinInf
		cor = 0
		x, y := h[:], h[3+step*k:]
		j := 0
		for i := k + 1; i < nbPos; i++ {
			xs, ys := (*[5]int16)(x[j:j+5]), (*[5]int16)(y[j:j+5])
			cor += int32(xs[0]) * int32(ys[0]) << 1
			rr[p4] = int16(cor >> 16)
			cor += int32(xs[1]) * int32(ys[1]) << 1
			rr[p3] = int16(cor >> 16)
			cor += int32(xs[2]) * int32(ys[2]) << 1
			rr[p2] = int16(cor >> 16)
			cor += int32(xs[3]) * int32(ys[3]) << 1
			rr[p1] = int16(cor >> 16)
			cor += int32(xs[4]) * int32(ys[4]) << 1
			rr[p0] = int16(cor >> 16)
			p4 -= ldec
			p3 -= ldec
			p2 -= ldec
			p1 -= ldec
			p0 -= ldec
			j += 5
		}
		xs, ys := (*[2]int16)(x[j:j+2]), (*[2]int16)(y[j:j+2])
		cor += int32(xs[0]) * int32(ys[0]) << 1
		rr[p4] = int16(cor >> 16)
		cor += int32(xs[1]) * int32(ys[1]) << 1
		rr[p3] = int16(cor >> 16)
		lFinSup -= nbPos
		lFinInf--
	}

	// rri0i4, rri2i3, rri1i2 and rri0i1
	lFinSup, lFinInf = mSize-1, mSize-2
	for k := 0; k < nbPos; k++ {
		p3, p2, p1, p0 := rri0i4+lFinSup, rri2i3+lFinInf, rri1i2+lFinInf, rri0i1+lFinInf
		cor = 0
		x, y := h[:], h[4+step*k:]
		j := 0
		for i := k + 1; i < nbPos; i++ {
			xs, ys := (*[5]int16)(x[j:j+5]), (*[5]int16)(y[j:j+5])
			cor += int32(xs[0]) * int32(ys[0]) << 1
			rr[p3] = int16(cor >> 16)
			cor += int32(xs[1]) * int32(ys[1]) << 1
			cor += int32(xs[2]) * int32(ys[2]) << 1
			rr[p2] = int16(cor >> 16)
			cor += int32(xs[3]) * int32(ys[3]) << 1
			rr[p1] = int16(cor >> 16)
			cor += int32(xs[4]) * int32(ys[4]) << 1
			rr[p0] = int16(cor >> 16)
			p3 -= ldec
			p2 -= ldec
			p1 -= ldec
			p0 -= ldec
			j += 5
		}
		cor += int32(x[j]) * int32(y[j]) << 1
		rr[p3] = int16(cor >> 16)
		lFinSup -= nbPos
		lFinInf--
	}
}

// The search's sums cannot saturate where the recommendation's scaling
// of the terms (1/2, 1/4, 1/8, 1/16 of 16-bit correlations) bounds them
// below 2^31; they are plain 32-bit sums there. Only the last term of the
// four-pulse energy can reach past 2^31: that sum is clipped as L_mac
// would (its partial sums are exact, so clipping the total is the same).

// pairSearch is the inner double loop of a phase B: over positions a and
// k of two tracks, ps1[a] + |dn[k]| squared against the energy alp1[a]
// + 2 rr[a][k] + tv[k] (scaled as the recommendation's L_mac terms),
// starting from sq = -1, alp = 1. It returns the best ratio and its a, k
// (-1, -1 if nothing beat the start).
func pairSearch(ps1, alp1, dnK *[nbPos]int32, rr *[mSize]int16, tv *[nbPos]int32) (sq, alp int32, ba, bk int) {
	sq, alp = -1, 1
	ba, bk = -1, -1
	// |rr<<13| <= 2^28 and |tv<<15| <= 2^30: if every alp1 keeps the sum
	// within [min32, 0x7fff7fff] it needs neither 64 bits nor the clip
	lo, hi := alp1[0], alp1[0]
	for _, v := range alp1 {
		lo = min(lo, v)
		hi = max(hi, v)
	}
	if int64(lo)-(1<<28+1<<30) >= min32 && int64(hi)+(1<<28+1<<30) <= 0x7fff7fff {
		var tvr [nbPos]int32 // tv<<15 with round's 0x8000
		for k, v := range tv {
			tvr[k] = v<<15 + 0x8000
		}
		best := -1
		for a := 0; a < nbPos; a++ {
			p := ps1[a]
			al := alp1[a]
			row := (*[nbPos]int16)(rr[a*nbPos : a*nbPos+nbPos])
			for k, r := range row {
				ps2 := min(p+dnK[k], max16)
				sq2 := (ps2 * ps2) >> 15
				alp16 := (al + int32(r)<<13 + tvr[k]) >> 16
				if alp*sq2 > sq*alp16 {
					sq, alp = sq2, alp16
					best = a*nbPos + k
				}
			}
		}
		if best < 0 {
			return sq, alp, -1, -1
		}
		return sq, alp, best / nbPos, best % nbPos
	}
	for a := 0; a < nbPos; a++ {
		p := ps1[a]
		al := int64(alp1[a])
		row := (*[nbPos]int16)(rr[a*nbPos : a*nbPos+nbPos])
		for k := 0; k < nbPos; k++ {
			ps2 := min(p+dnK[k], max16)
			sq2 := (ps2 * ps2) >> 15
			v := al + int64(row[k])<<13 + int64(tv[k])<<15
			alp16 := int32((min(max(v, min32), 0x7fff7fff) + 0x8000) >> 16)
			if alp*sq2 > sq*alp16 {
				sq, alp = sq2, alp16
				ba, bk = a, k
			}
		}
	}
	return sq, alp, ba, bk
}

// signFold is mult(v, 32767) for m = 0 (two positions of the same sign)
// and mult(v, -32768) = negate(v) for m = -1.
func signFold(v int16, m int32) int32 {
	x := int32(v)
	same := x + (-x)>>15 // (x*32767)>>15: x - 1 for x > 0, x + 1 for -32768
	diff := min(-x, max16)
	return same ^ ((same ^ diff) & m)
}

// clamp32 clips a sum to the 32-bit range, as a saturating add does.
func clamp32(s int64) int32 {
	if s > max32 {
		return max32
	}
	if s < min32 {
		return min32
	}
	return int32(s)
}

// better reports sq/alp > sqRef/alpRef, the recommendation's test
// L_msu(L_mult(alpRef, sq), sqRef, alp) > 0: saturation keeps the sign of
// that difference, so the exact comparison is the same.
func better(sq, alp, sqRef, alpRef int16) bool {
	return int64(alpRef)*int64(sq) > int64(sqRef)*int64(alp)
}

// d4i40x17Fast is the depth-first search of the 4-pulse, 17-bit codebook:
// pulses i0..i2 on tracks 0..2 (8 positions each), i3 on tracks 3 or 4.
// Each correlation block of rr is viewed as an 8x8 array: entry [a][b]
// belongs to position a of its first track and position b of its second.
func d4i40x17Fast(dn *[subfrLen]int16, rr *[dimRR]int16, h, cod, y []int16) (index, sign int16) {
	var signDn [subfrLen]int16
	var neg [5][nbPos]int32 // -1 where dn < 0, per track
	var dnT [5][nbPos]int32 // |dn| (saturated as negate does), per track

	for k := 0; k < nbPos; k++ {
		for t := 0; t < step; t++ {
			i := t + step*k
			x := int32(dn[i])
			m := x >> 15 // -1 where dn < 0
			signDn[i] = int16(max16 ^ m)
			neg[t][k] = m
			dnT[t][k] = min((x^m)-m, max16) // negate saturates -32768
		}
	}

	diag := func(t int) *[nbPos]int16 { return (*[nbPos]int16)(rr[t*nbPos : t*nbPos+nbPos]) }
	block := func(off int) *[mSize]int16 { return (*[mSize]int16)(rr[off : off+mSize]) }

	// Fold the signs into the cross-correlations of the two blocks the
	// search reads whole; of the others it reads a row or a column, folded
	// as read (at).
	foldBlock := func(b *[mSize]int16, ta, tb int) {
		sb := &neg[tb]
		for a := 0; a < nbPos; a++ {
			sa := neg[ta][a]
			row := (*[nbPos]int16)(b[a*nbPos : a*nbPos+nbPos])
			for k, v := range row {
				row[k] = int16(signFold(v, sa^sb[k]))
			}
		}
	}
	foldBlock(block(rri0i1), 0, 1)
	foldBlock(block(rri1i2), 1, 2)
	at := func(b *[mSize]int16, ta, a, tb, k int) int32 {
		return signFold(b[(a*nbPos+k)&(mSize-1)], neg[ta][a&7]^neg[tb][k&7])
	}

	// round of a 32-bit sum: extract_h(L_add(s, 0x8000)), whose
	// saturation is the clip at 0x7fff7fff
	round32 := func(v int32) int32 {
		return (min(v, 0x7fff7fff) + 0x8000) >> 16
	}

	// the position of largest |dn| on a track, unlike prev
	bestOnTrack := func(t, prev int) int {
		d := &dnT[t]
		max := int32(-1)
		best := 0
		for k, v := range d {
			if v > max && prev != k {
				max = v
				best = k
			}
		}
		return best
	}

	// maximise square(correlation) / energy; sq/alp > sqRef/alpRef is
	// the recommendation's L_msu(L_mult(alpRef, sq), sqRef, alp) > 0
	// (saturation keeps the sign; no product here reaches 2^31)
	psk := int32(-1)
	alpk := int32(1)
	var ip0, ip1, ip2, ip3 = 0, 1, 2, 3
	var ix, iy int // positions of the best pair so far
	var ps int32
	var tmpVect, ps1, alp1 [nbPos]int32

	for track := 3; track < 5; track++ {
		r0t := block(rri0i3 + (track-3)*mSize) // tracks 0, track
		r1t := block(rri1i3 + (track-3)*mSize)
		r2t := block(rri2i3 + (track-3)*mSize)
		dT := diag(track)
		d0, d1, d2 := diag(0), diag(1), diag(2)
		r01, r02, r12 := block(rri0i1), block(rri0i2), block(rri1i2)

		// depth-first search 3, phase A: tracks 2 and 3/4
		sq := int32(-1)
		alp := int32(1)
		prev := -1
		for i := 0; i < 2; i++ {
			j := bestOnTrack(2, prev)
			prev = j
			ps1 := dnT[2][j]
			alp1 := int32(d2[j]) << 14 // L_mult(rr, 1/4)
			for k := 0; k < nbPos; k++ {
				ps2 := min(ps1+dnT[track][k], max16)
				alp2 := alp1 + at(r2t, 2, j, track, k)<<15 + int32(dT[k])<<14
				sq2 := (ps2 * ps2) >> 15
				alp16 := round32(alp2)
				if alp*sq2 > sq*alp16 {
					sq, ps, alp = sq2, ps2, alp16
					ix, iy = 2+step*j, track+step*k
				}
			}
		}
		i0, i1 := ix, iy
		j0, j1 := i0/step, i1/step

		// phase B: tracks 0 and 1
		ps0 := ps
		alp0 := alp << 14 // L_mult(alp, 1/4)
		for k := 0; k < nbPos; k++ {
			s := int32(r12[k*nbPos+j0])<<14 + at(r1t, 1, k, track, j1)<<14 + int32(d1[k])<<13
			tmpVect[k] = round32(s)
		}
		for a := 0; a < nbPos; a++ {
			ps1[a] = min(ps0+dnT[0][a], max16)
			alp1[a] = alp0 + at(r02, 0, a, 2, j0)<<13 + at(r0t, 0, a, track, j1)<<13 + int32(d0[a])<<12
		}
		sq, alp, ba, bk := pairSearch(&ps1, &alp1, &dnT[1], r01, &tmpVect)
		if ba >= 0 {
			ix, iy = step*ba, 1+step*bk
		}
		if alpk*sq > psk*alp {
			psk, alpk = sq, alp
			ip2, ip3, ip0, ip1 = i0, i1, ix, iy
		}

		// depth-first search 4, phase A: tracks 3/4 and 0
		sq = -1
		alp = 1
		prev = -1
		for i := 0; i < 2; i++ {
			j := bestOnTrack(track, prev)
			prev = j
			ps1 := dnT[track][j]
			alp1 := int32(dT[j]) << 14
			for a := 0; a < nbPos; a++ {
				ps2 := min(ps1+dnT[0][a], max16)
				alp2 := alp1 + at(r0t, 0, a, track, j)<<15 + int32(d0[a])<<14
				sq2 := (ps2 * ps2) >> 15
				alp16 := round32(alp2)
				if alp*sq2 > sq*alp16 {
					sq, ps, alp = sq2, ps2, alp16
					ix, iy = track+step*j, step*a
				}
			}
		}
		i0, i1 = ix, iy
		j0, j1 = i0/step, i1/step

		// phase B: tracks 1 and 2
		ps0 = ps
		alp0 = alp << 14
		for k := 0; k < nbPos; k++ {
			s := at(r2t, 2, k, track, j0)<<14 + at(r02, 0, j1, 2, k)<<14 + int32(d2[k])<<13
			tmpVect[k] = round32(s)
		}
		row01 := (*[nbPos]int16)(r01[j1*nbPos : j1*nbPos+nbPos])
		for a := 0; a < nbPos; a++ {
			ps1[a] = min(ps0+dnT[1][a], max16)
			alp1[a] = alp0 + at(r1t, 1, a, track, j0)<<13 + int32(row01[a])<<13 + int32(d1[a])<<12
		}
		sq, alp, ba, bk = pairSearch(&ps1, &alp1, &dnT[2], r12, &tmpVect)
		if ba >= 0 {
			ix, iy = 1+step*ba, 2+step*bk
		}
		if alpk*sq > psk*alp {
			psk, alpk = sq, alp
			ip3, ip0, ip1, ip2 = i0, i1, ix, iy
		}
	}

	// the codeword (Q13) and its filtered version
	cod = cod[:subfrLen]
	y = y[:subfrLen]
	h = h[:subfrLen]
	s0, s1, s2, s3 := signDn[ip0], signDn[ip1], signDn[ip2], signDn[ip3]
	clear(cod)
	cod[ip0] = s0 >> 2
	cod[ip1] = s1 >> 2
	cod[ip2] = s2 >> 2
	cod[ip3] = s3 >> 2

	clear(y[:ip0])
	if s0 > 0 {
		copy(y[ip0:], h)
	} else {
		for i, j := ip0, 0; i < subfrLen; i, j = i+1, j+1 {
			y[i] = negate(h[j])
		}
	}
	addPulse := func(ip int, s int16) {
		yy := y[ip:]
		hh := h[:len(yy)]
		if s > 0 {
			for i := range yy {
				yy[i] = add(yy[i], hh[i])
			}
		} else {
			for i := range yy {
				yy[i] = sub(yy[i], hh[i])
			}
		}
	}
	addPulse(ip1, s1)
	addPulse(ip2, s2)
	addPulse(ip3, s3)

	if s0 > 0 {
		sign++
	}
	if s1 > 0 {
		sign += 2
	}
	if s2 > 0 {
		sign += 4
	}
	if s3 > 0 {
		sign += 8
	}

	// track 3 or 4 of the fourth pulse is the index's low bit of q3
	q3 := int16(ip3/step)<<1 + int16(ip3%step-3)
	index = int16(ip0/step) + int16(ip1/step)<<3 + int16(ip2/step)<<6 + q3<<9
	return index, sign
}
