package g729

import (
	"math/rand/v2"
	"testing"
)

// The ACELP search as first written (step by step on the recommendation's
// layout): the reference the faster search is checked against.

// d4i40x17Ref is the depth-first search of the 4-pulse, 17-bit codebook:
// pulses i0..i2 on tracks 0..2 (8 positions each), i3 on tracks 3 or 4.
func d4i40x17Ref(dn *[encSubfr]int16, rr *[dimRR]int16, h, cod, y []int16) (index, sign int16) {
	var signDn, signDnInv [encSubfr]int16
	var tmpVect [nbPos]int16

	// the sign of each position is that of dn; dn becomes |dn|
	for i := 0; i < encSubfr; i++ {
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
	psignOf := func(i int) *[encSubfr]int16 {
		if signDn[i] < 0 {
			return &signDnInv
		}
		return &signDn
	}
	p0, p1, p2, p3 := rri0i1, rri0i2, rri0i3, rri0i4
	for i0 := 0; i0 < encSubfr; i0 += step {
		ps := psignOf(i0)
		for i1 := 1; i1 < encSubfr; i1 += step {
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
	for i1 := 1; i1 < encSubfr; i1 += step {
		ps := psignOf(i1)
		for i2 := 2; i2 < encSubfr; i2 += step {
			rr[p0] = mult(rr[p0], ps[i2])
			p0++
			rr[p1] = mult(rr[p1], ps[i2+1])
			p1++
			rr[p2] = mult(rr[p2], ps[i2+2])
			p2++
		}
	}
	p0, p1 = rri2i3, rri2i4
	for i2 := 2; i2 < encSubfr; i2 += step {
		ps := psignOf(i2)
		for i3 := 3; i3 < encSubfr; i3 += step {
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
		for j := track; j < encSubfr; j += step {
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
			for i1 := track; i1 < encSubfr; i1 += step {
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
		for i2 := 0; i2 < encSubfr; i2 += step {
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
			for i1 := 0; i1 < encSubfr; i1 += step {
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
		for i2 := 1; i2 < encSubfr; i2 += step {
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
	for i := 0; i < encSubfr; i++ {
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
		for i, j := ip0, 0; i < encSubfr; i, j = i+1, j+1 {
			y[i] = h[j]
		}
	} else {
		for i, j := ip0, 0; i < encSubfr; i, j = i+1, j+1 {
			y[i] = negate(h[j])
		}
	}
	addPulse := func(ip int, s int16) {
		if s > 0 {
			for i, j := ip, 0; i < encSubfr; i, j = i+1, j+1 {
				y[i] = add(y[i], h[j])
			}
		} else {
			for i, j := ip, 0; i < encSubfr; i, j = i+1, j+1 {
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
		var dn [encSubfr]int16
		var rr [dimRR]int16
		var h [encSubfr]int16
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
		var cod0, y0, cod1, y1 [encSubfr]int16
		i0, s0 := d4i40x17Ref(&dn, &rr, h[:], cod0[:], y0[:])
		i1, s1 := d4i40x17Fast(&dn1, &rr1, h[:], cod1[:], y1[:])
		if i0 != i1 || s0 != s1 || cod0 != cod1 || y0 != y1 {
			t.Fatalf("case %d (bits %d): ref index %d sign %d, fast %d %d; cod equal %v, y equal %v",
				n, bits, i0, s0, i1, s1, cod0 == cod1, y0 == y1)
		}
	}
}
