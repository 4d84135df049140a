package g729

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestLspCodebookBounds checks the codebook bounds the LSP searches rely
// on to skip saturation.
func TestLspCodebookBounds(t *testing.T) {
	for i := range lspcb1 {
		for _, v := range lspcb1[i] {
			if v < 0 || v > lspcb1Max {
				t.Fatalf("lspcb1[%d] has %d outside [0, %d]", i, v, lspcb1Max)
			}
		}
	}
	for i := range lspcb2 {
		for _, v := range lspcb2[i] {
			if v < lspcb2Min || v > lspcb2Max {
				t.Fatalf("lspcb2[%d] has %d outside [%d, %d]", i, v, lspcb2Min, lspcb2Max)
			}
		}
	}
}

// TestDotPair compares the packed two-lane sums with the plain ones at
// the extremes the callers' bounds allow (each sum within 2^30).
func TestDotPair(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for n := 0; n < 10000; n++ {
		l := 1 + rng.IntN(240)
		x := make([]int16, l)
		hi := make([]int16, l)
		lo := make([]int16, l)
		p := make([]int64, l)
		// |x|,|y| <= 2^15 / sqrt(l) keeps every partial sum below 2^30
		lim := int32(32767)
		for int64(lim)*int64(lim)*int64(l) > 1<<30 {
			lim = lim * 15 / 16
		}
		for k := range x {
			x[k] = int16(rng.Int32N(2*lim+1) - lim)
			hi[k] = int16(rng.Int32N(2*lim+1) - lim)
			lo[k] = int16(rng.Int32N(2*lim+1) - lim)
			if rng.IntN(4) == 0 {
				x[k], hi[k], lo[k] = int16(lim), int16(-lim), int16(lim)
			}
			p[k] = pack2(hi[k], lo[k])
		}
		var wantHi, wantLo int64
		for k := range x {
			wantHi += int64(x[k]) * int64(hi[k])
			wantLo += int64(x[k]) * int64(lo[k])
		}
		gotHi, gotLo := dotPair(x, p)
		if int64(gotHi) != wantHi || int64(gotLo) != wantLo {
			t.Fatalf("len %d: got %d, %d; want %d, %d", l, gotHi, gotLo, wantHi, wantLo)
		}
	}
}

// TestChebpsFast compares the 64-bit Chebyshev evaluation with the
// step-by-step one, on polynomials of every scale (most of the large ones
// take the fall-back).
func TestChebpsFast(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for n := 0; n < 200000; n++ {
		var f [lpOrder/2 + 1]int16
		bits := 4 + rng.IntN(13)
		for i := range f {
			f[i] = int16(rng.Int32N(1<<bits) - 1<<(bits-1))
			if rng.IntN(50) == 0 {
				f[i] = []int16{min16, max16}[rng.IntN(2)]
			}
		}
		x := int16(rng.Int32N(65536) - 32768)
		q10 := rng.IntN(2) == 0
		if got, want := chebpsFast(x, &f, q10), chebps(x, f[:], q10); got != want {
			t.Fatalf("x %d f %v q10 %v: got %d, want %d", x, f, q10, got, want)
		}
	}
}

// TestPreProcBound checks the bound that keeps the pre-processing sums
// plain: 2 (|a1| + |a2|) 2^15 + 2 (|a1| + |a2|) (the low parts' terms)
// + 2 (|b0| + |b1| + |b2|) 2^15 < 2^31.
func TestPreProcBound(t *testing.T) {
	abs := func(v int16) int64 { return max(int64(v), -int64(v)) }
	a := abs(a140[1]) + abs(a140[2])
	b := abs(b140[0]) + abs(b140[1]) + abs(b140[2])
	if s := 2*a<<15 + 2*a + 2*b<<15; s >= 1<<31 {
		t.Fatalf("bound %d reaches 2^31", s)
	}
}

// TestPreProcMatchesOperators runs the pre-processing on full-scale
// noise, squares and silence and compares it with the recommendation's
// operator sequence.
func TestPreProcMatchesOperators(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	var fast preProcessor
	var y2Hi, y2Lo, y1Hi, y1Lo, x0, x1 int16
	for f := 0; f < 2000; f++ {
		var sig [FrameSamples]int16
		for i := range sig {
			switch f % 4 {
			case 0:
				sig[i] = int16(rng.Int32N(65536) - 32768)
			case 1:
				sig[i] = []int16{max16, min16}[i/20%2]
			case 2:
				sig[i] = 0
			default:
				sig[i] = int16(rng.Int32N(2000) - 1000)
			}
		}
		want := sig
		for i := range want {
			x2 := x1
			x1 = x0
			x0 = want[i]
			tt := mpy32x16(y1Hi, y1Lo, a140[1])
			tt = lAdd(tt, mpy32x16(y2Hi, y2Lo, a140[2]))
			tt = lMac(tt, x0, b140[0])
			tt = lMac(tt, x1, b140[1])
			tt = lMac(tt, x2, b140[2])
			tt = lShl(tt, 3)
			want[i] = round(tt)
			y2Hi, y2Lo = y1Hi, y1Lo
			y1Hi, y1Lo = lExtract(tt)
		}
		fast.process(sig[:])
		if sig != want {
			t.Fatalf("frame %d differs", f)
		}
	}
}

// TestPackSpeech compares the speech-frame packer with pack.
func TestPackSpeech(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for n := 0; n < 10000; n++ {
		var prm [speechParams]int16
		for i := range prm {
			prm[i] = int16(rng.Int32N(65536) - 32768)
		}
		var want, got [FrameBytes]byte
		pack(want[:], prm[:], speechBits[:])
		packSpeech(&got, &prm)
		if got != want {
			t.Fatalf("prm %v: got % x, want % x", prm, got, want)
		}
	}
}

// TestSignFold checks the sign folding of the ACELP search against mult
// for every 16-bit value.
func TestSignFold(t *testing.T) {
	for v := min16; v <= max16; v++ {
		if got, want := signFold(int16(v), 0), int32(mult(int16(v), max16)); got != want {
			t.Fatalf("signFold(%d, 0) = %d, want %d", v, got, want)
		}
		if got, want := signFold(int16(v), -1), int32(mult(int16(v), min16)); got != want {
			t.Fatalf("signFold(%d, -1) = %d, want %d", v, got, want)
		}
	}
}

// TestLShlN compares lShlN with lShl for every count 0..40 on edge values.
func TestLShlN(t *testing.T) {
	vals := []int32{0, 1, -1, 2, -2, 0x3fffffff, -0x40000000, 0x40000000, -0x40000001, max32, min32, 12345, -12345}
	for _, v := range vals {
		for n := int16(0); n <= 40; n++ {
			if got, want := lShlN(v, n), lShl(v, n); got != want {
				t.Fatalf("lShlN(%d, %d) = %d, want %d", v, n, got, want)
			}
		}
	}
}

// TestDPFFast compares div32F and mpy32E with div32 and mpy32 on random
// DPF operands (low parts in [0, 32767]), extremes included.
func TestDPFFast(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 18))
	hiv := func() int16 {
		switch rng.IntN(8) {
		case 0:
			return min16
		case 1:
			return max16
		}
		return int16(rng.Int32N(65536) - 32768)
	}
	for n := 0; n < 200000; n++ {
		h1, h2 := hiv(), hiv()
		l1, l2 := int16(rng.Int32N(32768)), int16(rng.Int32N(32768))
		if got, want := mpy32E(h1, l1, h2, l2), mpy32(h1, l1, h2, l2); got != want {
			t.Fatalf("mpy32E(%d, %d, %d, %d) = %d, want %d", h1, l1, h2, l2, got, want)
		}
		dh := int16(0x4000 + rng.Int32N(0x4000))
		dl := int16(rng.Int32N(32768))
		den := int32(dh)<<16 + int32(dl)<<1
		num := 1 + rng.Int32N(den-1)
		if got, want := div32F(num, dh, dl), div32(num, dh, dl); got != want {
			t.Fatalf("div32F(%d, %d, %d) = %d, want %d", num, dh, dl, got, want)
		}
	}
}

// TestLspToLsf compares the encoder's LSP-to-LSF conversion with
// lspLsf2 on random ordered and unordered LSP vectors.
func TestLspToLsf(t *testing.T) {
	rng := rand.New(rand.NewPCG(19, 20))
	for n := 0; n < 100000; n++ {
		var lsp [lpOrder]int16
		for i := range lsp {
			lsp[i] = int16(rng.Int32N(65536) - 32768)
		}
		if n%2 == 0 {
			slices.Sort(lsp[:])
			slices.Reverse(lsp[:])
		}
		var want, got [lpOrder]int16
		lspLsf2(lsp[:], want[:], lpOrder)
		lspToLsf(lsp[:], &got)
		if got != want {
			t.Fatalf("lsp %v: got %v, want %v", lsp, got, want)
		}
	}
}
