package g729

// Fast exact forms of the chains of saturating multiply-accumulates
// (L_mac) that dominate the encoder's time. The sum runs in 64 bits; as
// long as no partial sum leaves the 32-bit range and no product is the
// one L_mult saturates (-32768 * -32768), it is exactly what the chain of
// saturating operations gives. At the first step where that is not so, the
// rest is finished with the saturating operators from the (exact) partial
// sum before it, so the result is always the recommendation's.

// macSum returns lMac(...lMac(acc, x[0], y[0])..., x[n-1], y[n-1]) for
// n = len(x); y must be at least as long.
func macSum(acc int32, x, y []int16) int32 {
	y = y[:len(x)]
	s := int64(acc)
	for i, xv := range x {
		p := int64(xv) * int64(y[i])
		t := s + p<<1
		if uint64(t-min32) > 0xffffffff || p == 0x40000000 {
			return macSlow(int32(s), x[i:], y[i:])
		}
		s = t
	}
	return int32(s)
}

func macSlow(acc int32, x, y []int16) int32 {
	for i, xv := range x {
		acc = lMac(acc, xv, y[i])
	}
	return acc
}

// macSumOv is macSum that also reports, as lMacOv would through the
// recommendation's Overflow flag, whether any step saturated.
func macSumOv(acc int32, x, y []int16) (int32, bool) {
	y = y[:len(x)]
	s := int64(acc)
	for i, xv := range x {
		p := int64(xv) * int64(y[i])
		t := s + p<<1
		if uint64(t-min32) > 0xffffffff || p == 0x40000000 {
			ov := false
			a := int32(s)
			for j := i; j < len(x); j++ {
				a = lMacOv(a, x[j], y[j], &ov)
			}
			return a, ov
		}
		s = t
	}
	return int32(s), false
}

// inRange32 is false when a 64-bit partial sum left the 32-bit range, where
// the saturating operators would have clipped it.
func inRange32(s int64) bool { return uint64(s-min32) <= 0xffffffff }

// synFiltEnc is synFilt (1/A(z), order 10, a[0] = 4096) for the encoder,
// which never tests the overflow flag: the same saturating result, with the
// accumulation in 64 bits while it stays in range. x and y may be the same
// slice; len(x) <= 80.
func synFiltEnc(a, x, y, mem []int16, update bool) {
	var tmp [FrameSamples + lpOrder]int16
	n := min(len(x), FrameSamples)
	copy(tmp[:lpOrder], mem[:lpOrder])
	a = a[:lpOrder+1]
	for i := 0; i < n; i++ {
		s := int64(x[i]) * int64(a[0]) << 1 // a[0] = 4096: no saturation
		past := tmp[i : i+lpOrder]
		exact := true
		for j := 1; j <= lpOrder; j++ {
			p := int64(a[j]) * int64(past[lpOrder-j])
			t := s - p<<1
			if !inRange32(t) || p == 0x40000000 {
				exact = false
				break
			}
			s = t
		}
		var s32 int32
		if exact {
			s32 = int32(s)
		} else {
			s32 = lMult(x[i], a[0])
			for j := 1; j <= lpOrder; j++ {
				s32 = lMsu(s32, a[j], past[lpOrder-j])
			}
		}
		tmp[lpOrder+i] = round(lShl(s32, 3))
	}
	copy(y[:n], tmp[lpOrder:lpOrder+n])
	if update {
		copy(mem[:lpOrder], y[n-lpOrder:n])
	}
}

// residuEnc is residu (A(z) filtering, y[i] from x[off+i-10..off+i]) with
// the accumulation in 64 bits while exact.
func residuEnc(a, x []int16, off int, y []int16, n int) {
	a = a[:lpOrder+1]
	for i := 0; i < n; i++ {
		past := x[off+i-lpOrder : off+i+1] // past[lpOrder-j] = x[off+i-j]
		s := int64(0)
		exact := true
		for j := 0; j <= lpOrder; j++ {
			p := int64(a[j]) * int64(past[lpOrder-j])
			t := s + p<<1
			if !inRange32(t) || p == 0x40000000 {
				exact = false
				break
			}
			s = t
		}
		var s32 int32
		if exact {
			s32 = int32(s)
		} else {
			s32 = lMult(x[off+i], a[0])
			for j := 1; j <= lpOrder; j++ {
				s32 = lMac(s32, a[j], x[off+i-j])
			}
		}
		y[i] = round(lShl(s32, 3))
	}
}

// predLt3Enc is predLt3 (adaptive codebook vector at exc[off:off+n] for
// lag t0 + frac/3) with the accumulation in 64 bits while exact.
func predLt3Enc(exc []int16, off int, t0, frac int16, n int) {
	x0 := off - int(t0)
	frac = negate(frac)
	if frac < 0 {
		frac = add(frac, upSamp)
		x0--
	}
	f1 := int(frac)
	f2 := int(sub(upSamp, frac))
	for j := 0; j < n; j++ {
		x1 := x0 + j
		x2 := x1 + 1
		s := int64(0)
		exact := true
		for i, k := 0, 0; i < lInter10; i, k = i+1, k+upSamp {
			p := int64(exc[x1-i]) * int64(inter3l[f1+k])
			t := s + p<<1
			q := int64(exc[x2+i]) * int64(inter3l[f2+k])
			u := t + q<<1
			if !inRange32(t) || !inRange32(u) {
				exact = false
				break
			}
			s = u
		}
		var s32 int32
		if exact {
			s32 = int32(s)
		} else {
			for i, k := 0, 0; i < lInter10; i, k = i+1, k+upSamp {
				s32 = lMac(s32, exc[x1-i], inter3l[f1+k])
				s32 = lMac(s32, exc[x2+i], inter3l[f2+k])
			}
		}
		exc[off+j] = round(s32)
	}
}
