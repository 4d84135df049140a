package g729

import (
	"math"
	"math/rand/v2"
	"testing"
)

// The ACELP search as first written (step by step on the recommendation's
// layout): the reference the faster search is checked against.

// d4i40x17Ref is the depth-first search of the 4-pulse, 17-bit codebook:
// pulses i0..i2 on tracks 0..2 (8 positions each), i3 on tracks 3 or 4.
func d4i40x17Ref(dn *[subfrLen]int16, rr *[dimRR]int16, h, cod, y []int16) (index, sign int16) {
	var signDn, signDnInv [subfrLen]int16
	var tmpVect [nbPos]int16

	// the sign of each position is that of dn; dn becomes |dn|
	for i := 0; i < subfrLen; i++ {
		if dn[i] >= 0 {
			signDn[i] = max16
			signDnInv[i] = min16
		} else {
			signDn[i] = min16
			signDnInv[i] = max16
			dn[i] = negate(dn[i])
		}
	}

	// fold the signs into the cross-correlations
	psignOf := func(i int) *[subfrLen]int16 {
		if signDn[i] < 0 {
			return &signDnInv
		}
		return &signDn
	}
	p0, p1, p2, p3 := rri0i1, rri0i2, rri0i3, rri0i4
	for i0 := 0; i0 < subfrLen; i0 += step {
		ps := psignOf(i0)
		for i1 := 1; i1 < subfrLen; i1 += step {
			rr[p0] = mult(rr[p0], ps[i1])
			p0++
			rr[p1] = mult(rr[p1], ps[i1+1])
			p1++
			rr[p2] = mult(rr[p2], ps[i1+2])
			p2++
			rr[p3] = mult(rr[p3], ps[i1+3])
			p3++
		}
	}
	p0, p1, p2 = rri1i2, rri1i3, rri1i4
	for i1 := 1; i1 < subfrLen; i1 += step {
		ps := psignOf(i1)
		for i2 := 2; i2 < subfrLen; i2 += step {
			rr[p0] = mult(rr[p0], ps[i2])
			p0++
			rr[p1] = mult(rr[p1], ps[i2+1])
			p1++
			rr[p2] = mult(rr[p2], ps[i2+2])
			p2++
		}
	}
	p0, p1 = rri2i3, rri2i4
	for i2 := 2; i2 < subfrLen; i2 += step {
		ps := psignOf(i2)
		for i3 := 3; i3 < subfrLen; i3 += step {
			rr[p0] = mult(rr[p0], ps[i3])
			p0++
			rr[p1] = mult(rr[p1], ps[i3+1])
			p1++
		}
	}

	// maximise square(correlation) / energy
	psk := int16(-1)
	alpk := int16(1)
	ptr0i34, ptr1i34, ptr2i34, ptr3i34 := rri0i3, rri1i3, rri2i3, rri3i3
	var ip0, ip1, ip2, ip3 = 0, 1, 2, 3
	var ix, iy int
	var ps int16

	// the two positions of largest |dn| on a track, the second unlike prev
	bestOnTrack := func(track, prev int) int {
		max := int16(-1)
		best := 0
		for j := track; j < subfrLen; j += step {
			if sub(dn[j], max) > 0 && prev != j {
				max = dn[j]
				best = j
			}
		}
		return best
	}

	for track := 3; track < 5; track++ {
		// depth-first search 3, phase A: tracks 2 and 3/4
		sq := int16(-1)
		alp := int16(1)
		prevI0 := -1
		for i := 0; i < 2; i++ {
			i0 := bestOnTrack(2, prevI0)
			prevI0 = i0
			j := int(mult(int16(i0), 6554)) // i0/5
			ps1 := dn[i0]
			alp1 := int32(rr[rri2i2+j]) << 14 // L_mult(rr, 1/4)
			q0 := ptr2i34 + j<<3
			q1 := ptr3i34
			for i1 := track; i1 < subfrLen; i1 += step {
				ps2 := add(ps1, dn[i1])
				alp2 := alp1 + int32(rr[q0])<<15 + int32(rr[q1])<<14
				q0++
				q1++
				sq2 := mult(ps2, ps2)
				alp16 := round(alp2)
				if better(sq2, alp16, sq, alp) {
					sq, ps, alp = sq2, ps2, alp16
					ix, iy = i0, i1
				}
			}
		}
		i0, i1 := ix, iy

		// phase B: tracks 0 and 1
		ps0 := ps
		alp0 := int32(alp) << 14 // L_mult(alp, 1/4)
		sq = -1
		alp = 1

		q0 := rri1i2 + int(mult(int16(i0), 6554))
		q1 := ptr1i34 + int(mult(int16(i1), 6554))
		q2 := rri1i1
		for k := range tmpVect {
			s := int32(rr[q0])<<14 + int32(rr[q1])<<14 + int32(rr[q2])<<13
			q0 += nbPos
			q1 += nbPos
			q2++
			tmpVect[k] = round(s)
		}

		q0 = rri0i2 + int(mult(int16(i0), 6554))
		q1 = ptr0i34 + int(mult(int16(i1), 6554))
		q2 = rri0i0
		q3 := rri0i1
		for i2 := 0; i2 < subfrLen; i2 += step {
			ps1 := add(ps0, dn[i2])
			alp1 := alp0 + int32(rr[q0])<<13 + int32(rr[q1])<<13 + int32(rr[q2])<<12
			q0 += nbPos
			q1 += nbPos
			q2++
			for k, tv := range tmpVect {
				i3 := 1 + k*step
				ps2 := add(ps1, dn[i3])
				alp2 := clamp32(int64(alp1) + int64(rr[q3])<<13 + int64(tv)<<15)
				q3++
				sq2 := mult(ps2, ps2)
				alp16 := round(alp2)
				if better(sq2, alp16, sq, alp) {
					sq, alp = sq2, alp16
					ix, iy = i2, i3
				}
			}
		}
		if better(sq, alp, psk, alpk) {
			psk, alpk = sq, alp
			ip2, ip3, ip0, ip1 = i0, i1, ix, iy
		}

		// depth-first search 4, phase A: tracks 3/4 and 0
		sq = -1
		alp = 1
		prevI0 = -1
		for i := 0; i < 2; i++ {
			i0 := bestOnTrack(track, prevI0)
			prevI0 = i0
			j := int(mult(int16(i0), 6554))
			ps1 := dn[i0]
			alp1 := int32(rr[ptr3i34+j]) << 14
			q0 := ptr0i34 + j
			q1 := rri0i0
			for i1 := 0; i1 < subfrLen; i1 += step {
				ps2 := add(ps1, dn[i1])
				alp2 := alp1 + int32(rr[q0])<<15 + int32(rr[q1])<<14
				q0 += nbPos
				q1++
				sq2 := mult(ps2, ps2)
				alp16 := round(alp2)
				if better(sq2, alp16, sq, alp) {
					sq, ps, alp = sq2, ps2, alp16
					ix, iy = i0, i1
				}
			}
		}
		i0, i1 = ix, iy
		i1Offset := int(shl(mult(int16(i1), 6554), 3))

		// phase B: tracks 1 and 2
		ps0 = ps
		alp0 = int32(alp) << 14
		sq = -1
		alp = 1

		q0 = ptr2i34 + int(mult(int16(i0), 6554))
		q1 = rri0i2 + i1Offset
		q2 = rri2i2
		for k := range tmpVect {
			s := int32(rr[q0])<<14 + int32(rr[q1])<<14 + int32(rr[q2])<<13
			q0 += nbPos
			q1++
			q2++
			tmpVect[k] = round(s)
		}

		q0 = ptr1i34 + int(mult(int16(i0), 6554))
		q1 = rri0i1 + i1Offset
		q2 = rri1i1
		q3 = rri1i2
		for i2 := 1; i2 < subfrLen; i2 += step {
			ps1 := add(ps0, dn[i2])
			alp1 := alp0 + int32(rr[q0])<<13 + int32(rr[q1])<<13 + int32(rr[q2])<<12
			q0 += nbPos
			q1++
			q2++
			for k, tv := range tmpVect {
				i3 := 2 + k*step
				ps2 := add(ps1, dn[i3])
				alp2 := clamp32(int64(alp1) + int64(rr[q3])<<13 + int64(tv)<<15)
				q3++
				sq2 := mult(ps2, ps2)
				alp16 := round(alp2)
				if better(sq2, alp16, sq, alp) {
					sq, alp = sq2, alp16
					ix, iy = i2, i3
				}
			}
		}
		if better(sq, alp, psk, alpk) {
			psk, alpk = sq, alp
			ip3, ip0, ip1, ip2 = i0, i1, ix, iy
		}

		ptr0i34, ptr1i34, ptr2i34, ptr3i34 = rri0i4, rri1i4, rri2i4, rri4i4
	}

	// the codeword (Q13) and its filtered version
	s0, s1, s2, s3 := signDn[ip0], signDn[ip1], signDn[ip2], signDn[ip3]
	for i := 0; i < subfrLen; i++ {
		cod[i] = 0
	}
	cod[ip0] = shr(s0, 2)
	cod[ip1] = shr(s1, 2)
	cod[ip2] = shr(s2, 2)
	cod[ip3] = shr(s3, 2)

	for i := 0; i < ip0; i++ {
		y[i] = 0
	}
	if s0 > 0 {
		for i, j := ip0, 0; i < subfrLen; i, j = i+1, j+1 {
			y[i] = h[j]
		}
	} else {
		for i, j := ip0, 0; i < subfrLen; i, j = i+1, j+1 {
			y[i] = negate(h[j])
		}
	}
	addPulse := func(ip int, s int16) {
		if s > 0 {
			for i, j := ip, 0; i < subfrLen; i, j = i+1, j+1 {
				y[i] = add(y[i], h[j])
			}
		} else {
			for i, j := ip, 0; i < subfrLen; i, j = i+1, j+1 {
				y[i] = sub(y[i], h[j])
			}
		}
	}
	addPulse(ip1, s1)
	addPulse(ip2, s2)
	addPulse(ip3, s3)

	if s0 > 0 {
		sign = add(sign, 1)
	}
	if s1 > 0 {
		sign = add(sign, 2)
	}
	if s2 > 0 {
		sign = add(sign, 4)
	}
	if s3 > 0 {
		sign = add(sign, 8)
	}

	q0 := mult(int16(ip0), 6554)
	q1 := mult(int16(ip1), 6554)
	q2 := mult(int16(ip2), 6554)
	i := mult(int16(ip3), 6554)
	j := add(i, shl(i, 2))         // 5*(ip3/5)
	j = sub(int16(ip3), add(j, 3)) // ip3%5 - 3 (0 or 1: track 3 or 4)
	q3 := add(shl(i, 1), j)

	index = add(q0, shl(q1, 3))
	index = add(index, shl(q2, 6))
	index = add(index, shl(q3, 9))
	return index, sign
}

// TestD4i40x17FastMatchesRef runs both searches on random correlations
// (full 16-bit range and the recommendation's 13-bit |dn|) and compares
// the indices, the codeword and its filtered version (rr is scratch: the
// fast search folds the signs only into what it reads).
func TestD4i40x17FastMatchesRef(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	val := func(bits uint) int16 {
		switch rng.IntN(16) {
		case 0:
			return min16
		case 1:
			return max16
		case 2:
			return 0
		}
		return int16(rng.Int32N(1<<bits) - 1<<(bits-1))
	}
	for n := 0; n < 20000; n++ {
		var dn [subfrLen]int16
		var rr [dimRR]int16
		var h [subfrLen]int16
		bits := uint(8 + rng.IntN(9))
		for i := range dn {
			dn[i] = val(min(bits, 14))
		}
		for i := range rr {
			rr[i] = val(bits)
		}
		for i := range h {
			h[i] = val(bits)
		}
		dn1, rr1 := dn, rr
		var cod0, y0, cod1, y1 [subfrLen]int16
		i0, s0 := d4i40x17Ref(&dn, &rr, h[:], cod0[:], y0[:])
		i1, s1 := d4i40x17Fast(&dn1, &rr1, h[:], cod1[:], y1[:])
		if i0 != i1 || s0 != s1 || cod0 != cod1 || y0 != y1 {
			t.Fatalf("case %d (bits %d): ref index %d sign %d, fast %d %d; cod equal %v, y equal %v",
				n, bits, i0, s0, i1, s1, cod0 == cod1, y0 == y1)
		}
	}
}

// levinsonRef is the Levinson-Durbin recursion as first written, operator
// by operator: the reference of TestLevinsonMatchesRef.
func levinsonRef(rh, rl []int16, a, rc []int16, oldA *[lpOrder + 1]int16, oldRc *[2]int16) {
	var ah, al, anh, anl [lpOrder + 1]int16

	// K = A[1] = -R[1] / R[0]
	t1 := lComp(rh[1], rl[1])
	t2 := lAbs(t1)
	t0 := div32(t2, rh[0], rl[0])
	if t1 > 0 {
		t0 = lNegate(t0)
	}
	kh, kl := lExtract(t0)
	rc[0] = kh
	t0 = lShr(t0, 4)
	ah[1], al[1] = lExtract(t0)

	// Alpha = R[0] * (1 - K*K)
	t0 = mpy32(kh, kl, kh, kl)
	t0 = lAbs(t0)
	t0 = lSub(max32, t0)
	hi, lo := lExtract(t0)
	t0 = mpy32(rh[0], rl[0], hi, lo)

	alpExp := normL(t0)
	t0 = lShl(t0, alpExp)
	alpH, alpL := lExtract(t0)

	for i := 2; i <= lpOrder; i++ {
		// t0 = sum(R[j]*A[i-j], j=1..i-1) + R[i]
		t0 = 0
		for j := 1; j < i; j++ {
			t0 = lAdd(t0, mpy32(rh[j], rl[j], ah[i-j], al[i-j]))
		}
		t0 = lShl(t0, 4)
		t1 = lComp(rh[i], rl[i])
		t0 = lAdd(t0, t1)

		// K = -t0 / Alpha
		t1 = lAbs(t0)
		t2 = div32(t1, alpH, alpL)
		if t0 > 0 {
			t2 = lNegate(t2)
		}
		t2 = lShl(t2, alpExp)
		kh, kl = lExtract(t2)
		rc[i-1] = kh

		if sub(absS(kh), 32750) > 0 {
			copy(a[:lpOrder+1], oldA[:])
			rc[0] = oldRc[0]
			rc[1] = oldRc[1]
			return
		}

		// An[j] = A[j] + K*A[i-j], An[i] = K
		for j := 1; j < i; j++ {
			t0 = mpy32(kh, kl, ah[i-j], al[i-j])
			t0 = lAdd(t0, lComp(ah[j], al[j]))
			anh[j], anl[j] = lExtract(t0)
		}
		t2 = lShr(t2, 4)
		anh[i], anl[i] = lExtract(t2)

		// Alpha *= 1 - K*K
		t0 = mpy32(kh, kl, kh, kl)
		t0 = lAbs(t0)
		t0 = lSub(max32, t0)
		hi, lo = lExtract(t0)
		t0 = mpy32(alpH, alpL, hi, lo)

		j := normL(t0)
		t0 = lShl(t0, j)
		alpH, alpL = lExtract(t0)
		alpExp = add(alpExp, j)

		for j := 1; j <= i; j++ {
			ah[j] = anh[j]
			al[j] = anl[j]
		}
	}

	// A[i] from Q27 to Q12 with rounding
	a[0] = 4096
	for i := 1; i <= lpOrder; i++ {
		t0 = lComp(ah[i], al[i])
		a[i] = round(lShl(t0, 1))
		oldA[i] = a[i]
	}
	oldRc[0] = rc[0]
	oldRc[1] = rc[1]
}

// TestLevinsonMatchesRef runs both recursions on autocorrelations of
// random signals (white, coloured, near-sinusoidal: ill-conditioned ones
// reach the unstable-filter fall-back) in the DPF form autocorr gives.
func TestLevinsonMatchesRef(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	var oldA0, oldA1 [lpOrder + 1]int16
	var oldRc0, oldRc1 [2]int16
	oldA0[0], oldA1[0] = 4096, 4096
	for n := 0; n < 20000; n++ {
		var x [encWindow + encNP]int16
		kind := rng.IntN(3)
		amp := float64(rng.IntN(16000) + 1)
		w := rng.Float64() * 3
		p := 0.0
		for i := range x {
			switch kind {
			case 0:
				x[i] = int16(rng.Int32N(2*int32(amp)+1) - int32(amp))
			case 1:
				p = 0.95*p + (rng.Float64()-0.5)*amp*0.3
				x[i] = int16(max(-32768, min(32767, p)))
			default:
				x[i] = int16(amp * math.Sin(w*float64(i)))
			}
		}
		var rh, rl [encNP + 1]int16
		autocorr(x[:], encNP, rh[:], rl[:])
		lagWindow(encNP, rh[:], rl[:])
		var a0, a1 [lpOrder + 1]int16
		var rc0, rc1 [lpOrder]int16
		levinsonRef(rh[:], rl[:], a0[:], rc0[:], &oldA0, &oldRc0)
		levinson(rh[:], rl[:], a1[:], rc1[:], &oldA1, &oldRc1)
		if a0 != a1 || rc0 != rc1 || oldA0 != oldA1 || oldRc0 != oldRc1 {
			t.Fatalf("case %d (kind %d): ref a %v rc %v, fast a %v rc %v", n, kind, a0, rc0, a1, rc1)
		}
	}
}

// corHRef computes the correlations of h needed by the search, h scaled for
// precision first.
func corHRef(hIn []int16, rr *[dimRR]int16) {
	var h [subfrLen]int16
	var cor int32
	for i := 0; i < subfrLen; i++ {
		cor = lMac(cor, hIn[i], hIn[i])
	}
	if sub(extractH(cor), 32000) > 0 {
		for i := range h {
			h[i] = shr(hIn[i], 1)
		}
	} else {
		k := shr(normL(cor), 1)
		for i := range h {
			h[i] = shl(hIn[i], k)
		}
	}

	// Every sum below is a partial (cross-)correlation of h, bounded by
	// its energy: when that fits 32 bits none saturates and plain sums are
	// exact.
	en, sat := energy(0, h[:])
	fast := !sat && en <= max32

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

// TestCorHMatchesRef compares corH with the step-by-step version on
// decaying and random impulse responses of every scale.
func TestCorHMatchesRef(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	for n := 0; n < 20000; n++ {
		var h [subfrLen]int16
		amp := float64(rng.IntN(32768))
		decay := rng.Float64()*1.2 - 0.1
		for i := range h {
			if n%3 == 0 {
				h[i] = int16(rng.Int32N(65536) - 32768)
			} else {
				h[i] = int16(max(-32768, min(32767, amp*(rng.Float64()*2-1))))
				amp *= decay
			}
		}
		var r0, r1 [dimRR]int16
		corHRef(h[:], &r0)
		corH(h[:], &r1)
		if r0 != r1 {
			t.Fatalf("case %d: rr differs", n)
		}
	}
}

// autocorrRef is autocorr as first written: the reference of
// TestAutocorrMatchesRef.
func autocorrRef(x []int16, m int, rh, rl []int16) (expR0 int16) {
	var y [encWindow]int16
	for i := range y {
		y[i] = multR(x[i], hamwindow[i])
	}

	expR0 = 1
	var sum int32
	for {
		var ov bool
		sum, ov = energy(1, y[:]) // 1: never all zero
		if !ov {
			break
		}
		for i := range y {
			y[i] = shr(y[i], 2)
		}
		expR0 = add(expR0, 4)
	}

	norm := normL(sum)
	sum = lShl(sum, norm)
	rh[0], rl[0] = lExtract(sum)
	expR0 = sub(expR0, norm)

	// r[0] (2*sum y^2) fits 32 bits, which bounds every partial sum: r[i]
	// and r[i+1] together on packed[k] = (y[k], y[k+1]), y[240] = 0
	var packed [encWindow]int64
	for k := 0; k < encWindow-1; k++ {
		packed[k] = pack2(y[k], y[k+1])
	}
	packed[encWindow-1] = pack2(y[encWindow-1], 0)
	var r [encNP + 2]int32
	for i := 1; i <= m; i += 2 {
		r[i], r[i+1] = dotPair(y[:encWindow-i], packed[i:])
	}
	for i := 1; i <= m; i++ {
		sum = lShl(r[i]<<1, norm)
		rh[i], rl[i] = lExtract(sum)
	}
	return expR0
}

// TestAutocorrMatchesRef compares autocorr with the previous version on
// random signals of every level, full-scale ones taking the rescaling.
func TestAutocorrMatchesRef(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	for n := 0; n < 5000; n++ {
		var x [encWindow]int16
		amp := int32(1) << rng.IntN(16)
		for i := range x {
			x[i] = int16(rng.Int32N(2*amp) - amp)
			if n%7 == 0 {
				x[i] = []int16{min16, max16}[i/9%2]
			}
		}
		var rh0, rl0, rh1, rl1 [encNP + 1]int16
		e0 := autocorrRef(x[:], encNP, rh0[:], rl0[:])
		e1 := autocorr(x[:], encNP, rh1[:], rl1[:])
		if e0 != e1 || rh0 != rh1 || rl0 != rl1 {
			t.Fatalf("case %d: exp %d/%d, rh %v/%v", n, e0, e1, rh0, rh1)
		}
	}
}

// quaGainRef is quaGain before its candidate loop was rewritten: the
// reference of TestQuaGainMatchesRef.
func quaGainRef(code []int16, gCoeff, expCoeff *[5]int16, tame bool, pastQuaEn *[4]int16) (index, gainPit, gainCod int16) {
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
	for i := 0; i < nCan1; i++ {
		for j := 0; j < nCan2; j++ {
			gPitch := add(gbk1[cand1+i][0], gbk2[cand2+j][0]) // Q14
			if tame && gPitch >= gp0999 {
				continue
			}
			lAcc = lDepositL(gbk1[cand1+i][1])
			lAccB := lDepositL(gbk2[cand2+j][1])
			lTmp = lAdd(lAcc, lAccB)
			tmp := extractL(lShr(lTmp, 1)) // Q12

			gCode := mult(gcode0, tmp)
			g2Pitch := mult(gPitch, gPitch)
			g2Code := mult(gCode, gCode)
			gPitCod := mult(gCode, gPitch)

			// the five terms and their sums in 64 bits: exact unless a
			// step leaves 32 bits, then the saturating chain
			v0, c0 := mpy32x16X(coeff[0], coeffLsf[0], g2Pitch)
			v1, c1 := mpy32x16X(coeff[1], coeffLsf[1], gPitch)
			v2, c2 := mpy32x16X(coeff[2], coeffLsf[2], g2Code)
			v3, c3 := mpy32x16X(coeff[3], coeffLsf[3], gCode)
			v4, c4 := mpy32x16X(coeff[4], coeffLsf[4], gPitCod)
			s1 := v0 + v1
			s2 := s1 + v2
			s3 := s2 + v3
			s4 := s3 + v4
			if c0|c1|c2|c3|c4|uint64(s1-min32)|uint64(s2-min32)|uint64(s3-min32)|uint64(s4-min32) <= 0xffffffff {
				lTmp = int32(s4)
			} else {
				lTmp = mpy32x16(coeff[0], coeffLsf[0], g2Pitch)
				lTmp = lAdd(lTmp, mpy32x16(coeff[1], coeffLsf[1], gPitch))
				lTmp = lAdd(lTmp, mpy32x16(coeff[2], coeffLsf[2], g2Code))
				lTmp = lAdd(lTmp, mpy32x16(coeff[3], coeffLsf[3], gCode))
				lTmp = lAdd(lTmp, mpy32x16(coeff[4], coeffLsf[4], gPitCod))
			}

			if lSub(lTmp, distMin) < 0 {
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

// TestQuaGainMatchesRef compares the gain quantiser with its previous
// version on random correlations, exponents, codes and predictor states,
// with and without taming.
func TestQuaGainMatchesRef(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	for n := 0; n < 50000; n++ {
		var code [subfrLen]int16
		for k := 0; k < 4+rng.IntN(5); k++ {
			code[rng.IntN(subfrLen)] = int16(rng.Int32N(16384) - 8192)
		}
		var g, e [5]int16
		for k := range g {
			g[k] = int16(rng.Int32N(65536) - 32768)
			if k == 0 || k == 2 {
				g[k] = int16(rng.Int32N(32768))
			}
			if rng.IntN(40) == 0 {
				g[k] = min16
			}
			e[k] = int16(rng.IntN(30) - 5)
		}
		var pq [4]int16
		for k := range pq {
			pq[k] = int16(rng.Int32N(20000) - 14336)
		}
		pq0, pq1 := pq, pq
		g0, e0, g1, e1 := g, e, g, e
		tame := rng.IntN(3) == 0
		i0, p0, c0 := quaGainRef(code[:], &g0, &e0, tame, &pq0)
		i1, p1, c1 := quaGain(code[:], &g1, &e1, tame, &pq1)
		if i0 != i1 || p0 != p1 || c0 != c1 || pq0 != pq1 {
			t.Fatalf("case %d: ref %d %d %d, got %d %d %d", n, i0, p0, c0, i1, p1, c1)
		}
	}
}
