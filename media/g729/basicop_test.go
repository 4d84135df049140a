package g729

import (
	"math/rand/v2"
	"testing"
)

// The bit-by-bit definitions of G.191's norm_s, norm_l, div_s and L_shl,
// against which the constant-time versions in basicop.go are checked.

func normSRef(a int16) int16 {
	if a == 0 {
		return 0
	}
	if a == -1 {
		return 15
	}
	if a < 0 {
		a = ^a
	}
	var n int16
	for ; a < 0x4000; n++ {
		a <<= 1
	}
	return n
}

func normLRef(a int32) int16 {
	if a == 0 {
		return 0
	}
	if a == -1 {
		return 31
	}
	if a < 0 {
		a = ^a
	}
	var n int16
	for ; a < 0x40000000; n++ {
		a <<= 1
	}
	return n
}

func divSRef(num, den int16) int16 {
	if num <= 0 || den <= 0 || num > den {
		return 0
	}
	if num == den {
		return max16
	}
	lNum, lDen := int32(num), int32(den)
	var out int16
	for i := 0; i < 15; i++ {
		out <<= 1
		lNum <<= 1
		if lNum >= lDen {
			lNum -= lDen
			out++
		}
	}
	return out
}

func lShlRef(a int32, n int16, ov *bool) int32 {
	if n <= 0 {
		return lShr(a, -n)
	}
	for ; n > 0; n-- {
		if a > 0x3fffffff {
			*ov = true
			return max32
		}
		if a < -0x40000000 {
			*ov = true
			return min32
		}
		a <<= 1
	}
	return a
}

func TestBasicOperatorsAgainstDefinitions(t *testing.T) {
	for a := int32(min16); a <= max16; a++ {
		if got, want := normS(int16(a)), normSRef(int16(a)); got != want {
			t.Fatalf("normS(%d) = %d, want %d", a, got, want)
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	edges := []int32{0, 1, -1, 2, -2, max32, min32, max32 - 1, min32 + 1, 0x3fffffff, -0x40000000, 0x40000000, -0x40000001, 32767, -32768}
	for i := 0; i < 400000; i++ {
		var a int32
		if i < len(edges) {
			a = edges[i]
		} else {
			a = int32(r.Uint32()) >> (r.IntN(32))
		}
		if got, want := normL(a), normLRef(a); got != want {
			t.Fatalf("normL(%d) = %d, want %d", a, got, want)
		}
		for n := int16(-40); n <= 40; n += 1 + int16(r.IntN(3)) {
			var ov1, ov2 bool
			got, want := lShlOv(a, n, &ov1), lShlRef(a, n, &ov2)
			if got != want || ov1 != ov2 {
				t.Fatalf("lShl(%d, %d) = %d (overflow %v), want %d (%v)", a, n, got, ov1, want, ov2)
			}
		}
	}
	for i := 0; i < 400000; i++ {
		den := int16(1 + r.IntN(max16))
		num := int16(r.IntN(int(den) + 1))
		if i < 3 {
			num, den = []int16{0, 1, max16}[i], []int16{5, 1, max16}[i]
		}
		if got, want := divS(num, den), divSRef(num, den); got != want {
			t.Fatalf("divS(%d, %d) = %d, want %d", num, den, got, want)
		}
	}
}
