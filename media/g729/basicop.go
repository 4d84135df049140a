package g729

import "math/bits"

// The fixed-point arithmetic of ITU-T G.729 is defined with the ITU basic
// operators (ITU-T G.191, "basop"): 16- and 32-bit two's complement values
// that saturate instead of wrapping. Bit-exactness with the conformance
// vectors depends on reproducing that saturation exactly, so every
// computation of the coder goes through these functions. They are pure:
// where the recommendation tests for an overflow (synthesis filter,
// autocorrelation, pitch correlation), the ...Ov variants report it through a
// caller-owned flag, so channels share no state.

const (
	max16 = 32767
	min16 = -32768
	max32 = 0x7fffffff
	min32 = -0x80000000
)

// sat16 clamps a 32-bit value to 16 bits.
func sat16(v int32) int16 {
	if v > max16 {
		return max16
	}
	if v < min16 {
		return min16
	}
	return int16(v)
}

func sat16Ov(v int32, ov *bool) int16 {
	if v > max16 {
		*ov = true
		return max16
	}
	if v < min16 {
		*ov = true
		return min16
	}
	return int16(v)
}

func add(a, b int16) int16 { return sat16(int32(a) + int32(b)) }
func sub(a, b int16) int16 { return sat16(int32(a) - int32(b)) }

func addOv(a, b int16, ov *bool) int16 { return sat16Ov(int32(a)+int32(b), ov) }
func subOv(a, b int16, ov *bool) int16 { return sat16Ov(int32(a)-int32(b), ov) }

func absS(a int16) int16 {
	if a == min16 {
		return max16
	}
	if a < 0 {
		return -a
	}
	return a
}

func negate(a int16) int16 {
	if a == min16 {
		return max16
	}
	return -a
}

// shl shifts left with saturation; a negative count shifts right.
func shl(a, n int16) int16 {
	var ov bool
	return shlOv(a, n, &ov)
}

func shlOv(a, n int16, ov *bool) int16 {
	if n < 0 {
		return shr(a, -n)
	}
	if n > 15 {
		if a != 0 {
			*ov = true
			if a > 0 {
				return max16
			}
			return min16
		}
		return 0
	}
	r := int32(a) << uint(n)
	if r != int32(int16(r)) {
		*ov = true
		if a > 0 {
			return max16
		}
		return min16
	}
	return int16(r)
}

// shr shifts right arithmetically; a negative count shifts left.
func shr(a, n int16) int16 {
	if n < 0 {
		return shl(a, -n)
	}
	if n >= 15 {
		if a < 0 {
			return -1
		}
		return 0
	}
	return a >> uint(n)
}

// shrR is shr with rounding.
func shrR(a, n int16) int16 {
	if n > 15 {
		return 0
	}
	r := shr(a, n)
	if n > 0 && a&(1<<uint(n-1)) != 0 {
		r++
	}
	return r
}

// mult is the Q15 product of a and b.
func mult(a, b int16) int16 { return sat16((int32(a) * int32(b)) >> 15) }

// multR is mult with rounding.
func multR(a, b int16) int16 { return sat16((int32(a)*int32(b) + 0x4000) >> 15) }

// lMult is the Q31 product: 2*a*b, saturated for -32768*-32768.
func lMult(a, b int16) int32 {
	p := int32(a) * int32(b)
	if p == 0x40000000 {
		return max32
	}
	return p << 1
}

func lMultOv(a, b int16, ov *bool) int32 {
	p := int32(a) * int32(b)
	if p == 0x40000000 {
		*ov = true
		return max32
	}
	return p << 1
}

func lAdd(a, b int32) int32 {
	s := a + b
	if (a^b)&min32 == 0 && (s^a)&min32 != 0 {
		if a < 0 {
			return min32
		}
		return max32
	}
	return s
}

func lAddOv(a, b int32, ov *bool) int32 {
	s := a + b
	if (a^b)&min32 == 0 && (s^a)&min32 != 0 {
		*ov = true
		if a < 0 {
			return min32
		}
		return max32
	}
	return s
}

func lSub(a, b int32) int32 {
	d := a - b
	if (a^b)&min32 != 0 && (d^a)&min32 != 0 {
		if a < 0 {
			return min32
		}
		return max32
	}
	return d
}

func lSubOv(a, b int32, ov *bool) int32 {
	d := a - b
	if (a^b)&min32 != 0 && (d^a)&min32 != 0 {
		*ov = true
		if a < 0 {
			return min32
		}
		return max32
	}
	return d
}

func lMac(acc int32, a, b int16) int32 { return lAdd(acc, lMult(a, b)) }
func lMsu(acc int32, a, b int16) int32 { return lSub(acc, lMult(a, b)) }

func lMacOv(acc int32, a, b int16, ov *bool) int32 { return lAddOv(acc, lMultOv(a, b, ov), ov) }
func lMsuOv(acc int32, a, b int16, ov *bool) int32 { return lSubOv(acc, lMultOv(a, b, ov), ov) }

func lNegate(a int32) int32 {
	if a == min32 {
		return max32
	}
	return -a
}

func lAbs(a int32) int32 {
	if a == min32 {
		return max32
	}
	if a < 0 {
		return -a
	}
	return a
}

// lShl shifts left with saturation; a negative count shifts right.
func lShl(a int32, n int16) int32 {
	var ov bool
	return lShlOv(a, n, &ov)
}

func lShlOv(a int32, n int16, ov *bool) int32 {
	if n <= 0 {
		return lShr(a, -n)
	}
	// The recommendation shifts bit by bit and saturates on the first
	// step that would leave 32 bits: the same as one shift of at most 32
	// (every non-zero value is out of range by then) clamped once.
	v := int64(a) << uint(min(n, 32))
	if v > max32 {
		*ov = true
		return max32
	}
	if v < min32 {
		*ov = true
		return min32
	}
	return int32(v)
}

// lShr shifts right arithmetically; a negative count shifts left.
func lShr(a int32, n int16) int32 {
	if n < 0 {
		return lShl(a, -n)
	}
	if n >= 31 {
		if a < 0 {
			return -1
		}
		return 0
	}
	return a >> uint(n)
}

// lShrR is lShr with rounding.
func lShrR(a int32, n int16) int32 {
	if n > 31 {
		return 0
	}
	r := lShr(a, n)
	if n > 0 && a&(1<<uint(n-1)) != 0 {
		r++
	}
	return r
}

func extractH(a int32) int16 { return int16(a >> 16) }
func extractL(a int32) int16 { return int16(a) }

// round returns the high half of a rounded at bit 15.
func round(a int32) int16 { return extractH(lAdd(a, 0x8000)) }

func roundOv(a int32, ov *bool) int16 { return extractH(lAddOv(a, 0x8000, ov)) }

func lDepositH(a int16) int32 { return int32(a) << 16 }
func lDepositL(a int16) int32 { return int32(a) }

// normS is the left shift that normalises a (0 for 0).
func normS(a int16) int16 {
	if a == 0 {
		return 0
	}
	return int16(bits.LeadingZeros16(uint16(a^(a>>15)))) - 1
}

// normL is the left shift that normalises a (0 for 0).
func normL(a int32) int16 {
	if a == 0 {
		return 0
	}
	return int16(bits.LeadingZeros32(uint32(a^(a>>31)))) - 1
}

// divS is num/den in Q15 for 0 <= num <= den, den > 0 (the recommendation
// never calls it otherwise; 0 is returned for anything else rather than
// stopping the gateway). Its bit-by-bit restoring division yields the 15
// bits of floor(num*2^15/den).
func divS(num, den int16) int16 {
	if num <= 0 || den <= 0 || num > den {
		return 0
	}
	if num == den {
		return max16
	}
	return int16((int32(num) << 15) / int32(den))
}

// Double precision (DPF) values: a 32-bit number as hi<<16 + lo<<1, with lo
// in [0, 16383], the representation of the recommendation's oper_32b.

// lExtract splits a into its DPF high and low parts.
func lExtract(a int32) (hi, lo int16) {
	hi = extractH(a)
	lo = extractL(lMsu(lShr(a, 1), hi, 16384))
	return hi, lo
}

// lComp joins DPF parts.
func lComp(hi, lo int16) int32 { return lMac(lDepositH(hi), lo, 1) }

// mpy32 multiplies two DPF numbers.
func mpy32(hi1, lo1, hi2, lo2 int16) int32 {
	r := lMult(hi1, hi2)
	r = lMac(r, mult(hi1, lo2), 1)
	return lMac(r, mult(lo1, hi2), 1)
}

// mpy32x16 multiplies a DPF number by a 16-bit one.
func mpy32x16(hi, lo, n int16) int32 {
	r := lMult(hi, n)
	return lMac(r, mult(lo, n), 1)
}

// div32 divides num by the DPF denominator (denHi, denLo), for
// 0 < num < den, in Q31.
func div32(num int32, denHi, denLo int16) int32 {
	approx := divS(0x3fff, denHi) // 1/den in Q14
	r := mpy32x16(denHi, denLo, approx)
	r = lSub(max32, r) // 2 - den*approx
	hi, lo := lExtract(r)
	r = mpy32x16(hi, lo, approx) // 1/den in Q30
	hi, lo = lExtract(r)
	nHi, nLo := lExtract(num)
	r = mpy32(nHi, nLo, hi, lo)
	return lShl(r, 2)
}
