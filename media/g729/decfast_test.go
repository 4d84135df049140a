package g729

import (
	"math/rand/v2"
	"testing"
)

// The decoder's fast filters against the recommendation's step-by-step
// saturating arithmetic, on random inputs from tiny to full-scale (so that
// both the plain and the saturating paths run).

// synFiltRef is the recommendation's Syn_filt with the Overflow flag.
func synFiltRef(a, x, y, mem []int16, update bool, ov *bool) {
	n := len(x)
	tmp := make([]int16, lpOrder+n)
	copy(tmp, mem[:lpOrder])
	for i := 0; i < n; i++ {
		s := lMultOv(x[i], a[0], ov)
		for j := 1; j <= lpOrder; j++ {
			s = lMsuOv(s, a[j], tmp[lpOrder+i-j], ov)
		}
		s = lShlOv(s, 3, ov)
		tmp[lpOrder+i] = roundOv(s, ov)
	}
	copy(y[:n], tmp[lpOrder:])
	if update {
		copy(mem[:lpOrder], y[n-lpOrder:n])
	}
}

// residuRef is the recommendation's Residu.
func residuRef(a, x []int16, off int, y []int16, n int) {
	for i := 0; i < n; i++ {
		s := lMult(x[off+i], a[0])
		for j := 1; j <= lpOrder; j++ {
			s = lMac(s, a[j], x[off+i-j])
		}
		y[i] = round(lShl(s, 3))
	}
}

// predLt3Ref is the recommendation's Pred_lt_3.
func predLt3Ref(exc []int16, off int, t0, frac int16, n int) {
	x0 := off - int(t0)
	frac = negate(frac)
	if frac < 0 {
		frac = add(frac, upSamp)
		x0--
	}
	for j := 0; j < n; j++ {
		x1, x2 := x0+j, x0+j+1
		c1, c2 := int(frac), int(sub(upSamp, frac))
		var s int32
		for i, k := 0, 0; i < lInter10; i, k = i+1, k+upSamp {
			s = lMac(s, exc[x1-i], inter3l[c1+k])
			s = lMac(s, exc[x2+i], inter3l[c2+k])
		}
		exc[off+j] = round(s)
	}
}

// postProcessRef is the recommendation's Post_Process.
type postProcessDPF struct {
	y2Hi, y2Lo, y1Hi, y1Lo, x0, x1 int16
}

func postProcessRef(p *postProcessDPF, sig []int16) {
	for i := range sig {
		x2 := p.x1
		p.x1 = p.x0
		p.x0 = sig[i]
		t := mpy32x16(p.y1Hi, p.y1Lo, a100[1])
		t = lAdd(t, mpy32x16(p.y2Hi, p.y2Lo, a100[2]))
		t = lMac(t, p.x0, b100[0])
		t = lMac(t, p.x1, b100[1])
		t = lMac(t, x2, b100[2])
		t = lShl(t, 2)
		p.y2Hi, p.y2Lo = p.y1Hi, p.y1Lo
		p.y1Hi, p.y1Lo = lExtract(t)
		sig[i] = round(lShl(t, 1))
	}
}

// randSig fills v with samples of a random magnitude class.
func randSig(r *rand.Rand, v []int16) {
	scale := []int32{0, 3, 60, 900, 4000, 10600, 12000, 32768}[r.IntN(8)]
	for i := range v {
		switch {
		case scale == 32768 && r.IntN(4) == 0:
			v[i] = int16(min16 + 32767*r.IntN(2)*2 + r.IntN(2))
		case scale == 0:
			v[i] = 0
		default:
			v[i] = int16(r.Int32N(2*scale) - scale)
		}
	}
}

// randLP returns random filter coefficients, Q12 with a[0] = 4096, small
// or large (unstable, saturating) or with extreme values.
func randLP(r *rand.Rand) [lpOrder + 1]int16 {
	var a [lpOrder + 1]int16
	a[0] = 4096
	scale := []int32{200, 2000, 8000, 32768}[r.IntN(4)]
	for j := 1; j <= lpOrder; j++ {
		a[j] = int16(r.Int32N(2*scale) - scale)
		if scale == 32768 && r.IntN(8) == 0 {
			a[j] = min16
		}
	}
	if r.IntN(16) == 0 {
		a[0] = int16(r.Int32N(65536) - 32768)
	}
	return a
}

func TestSynFiltMatchesOperators(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for it := 0; it < 200000; it++ {
		a := randLP(r)
		n := []int{40, 22, 11, 80, 1, 2, 39}[r.IntN(7)]
		x := make([]int16, n)
		randSig(r, x)
		var mem [lpOrder]int16
		randSig(r, mem[:])
		yRef, y := make([]int16, n), make([]int16, n)
		memRef, mem2 := mem, mem
		update := n >= lpOrder && r.IntN(2) == 0
		var ovRef, ov bool
		synFiltRef(a[:], x, yRef, memRef[:], update, &ovRef)
		synFilt(a[:], x, y, mem2[:], update, &ov)
		for i := range y {
			if y[i] != yRef[i] {
				t.Fatalf("iteration %d: a %v x %v mem %v: y[%d] = %d, want %d", it, a, x, mem, i, y[i], yRef[i])
			}
		}
		if ov != ovRef || mem2 != memRef {
			t.Fatalf("iteration %d: overflow %v want %v, mem %v want %v", it, ov, ovRef, mem2, memRef)
		}
	}
}

func TestResiduMatchesOperators(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for it := 0; it < 200000; it++ {
		a := randLP(r)
		n := []int{40, 80, 1, 2, 39}[r.IntN(5)]
		x := make([]int16, n+lpOrder+3)
		randSig(r, x)
		yRef, y := make([]int16, n), make([]int16, n)
		residuRef(a[:], x, lpOrder+1, yRef, n)
		residu(a[:], x, lpOrder+1, y, n)
		for i := range y {
			if y[i] != yRef[i] {
				t.Fatalf("iteration %d: y[%d] = %d, want %d", it, i, y[i], yRef[i])
			}
		}
	}
}

func TestPredLt3MatchesOperators(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	const off = pitMax + lInterpol
	for it := 0; it < 100000; it++ {
		exc := make([]int16, off+80)
		randSig(r, exc[:off])
		randSig(r, exc[off:]) // overwritten: garbage must not matter
		n := []int{40, 80}[r.IntN(2)]
		t0 := int16(pitMin + r.IntN(pitMax-pitMin+1))
		frac := int16(r.IntN(3) - 1)
		ref := append([]int16(nil), exc...)
		predLt3Ref(ref, off, t0, frac, n)
		predLt3(exc, off, t0, frac, n)
		for i := range exc {
			if exc[i] != ref[i] {
				t.Fatalf("iteration %d (t0 %d frac %d): exc[%d] = %d, want %d", it, t0, frac, i, exc[i], ref[i])
			}
		}
	}
}

func TestPostProcessMatchesOperators(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	var p postProcess
	var ref postProcessDPF
	for it := 0; it < 50000; it++ {
		sig := make([]int16, FrameSamples)
		randSig(r, sig)
		if it%3 == 0 { // full-scale near Nyquist: the sums saturate
			for i := range sig {
				sig[i] = int16(32767 - 65535*((i+r.IntN(8)/7)&1))
			}
		}
		want := append([]int16(nil), sig...)
		postProcessRef(&ref, want)
		p.process(sig)
		for i := range sig {
			if sig[i] != want[i] {
				t.Fatalf("iteration %d: sig[%d] = %d, want %d", it, i, sig[i], want[i])
			}
		}
		if it%100 == 0 {
			p, ref = postProcess{}, postProcessDPF{}
		}
		if it%7 == 0 { // any reachable state: y = t<<2 or saturated
			st := [2]int32{int32(r.Uint32()) &^ 3, int32(r.Uint32()) &^ 3}
			for k := range st {
				switch r.IntN(4) {
				case 0:
					st[k] = max32
				case 1:
					st[k] = min32
				}
			}
			p.h1, p.h2 = st[0]>>1, st[1]>>1
			ref.y1Hi, ref.y1Lo = lExtract(st[0])
			ref.y2Hi, ref.y2Lo = lExtract(st[1])
		}
	}
}

// TestPredLt3Growing: square waves just below the plain path's bound,
// which the interpolation of short lags (reading back its own output)
// pushes above it in the middle of a subframe.
func TestPredLt3Growing(t *testing.T) {
	r := rand.New(rand.NewPCG(10, 11))
	const off = pitMax + lInterpol
	for it := 0; it < 50000; it++ {
		exc := make([]int16, off+80)
		amp := int16(6000 + r.IntN(2192))
		per := 2 + r.IntN(40)
		for i := range exc[:off] {
			exc[i] = amp
			if (i/per)%2 == 1 || r.IntN(20) == 0 {
				exc[i] = -amp
			}
		}
		t0 := int16(pitMin + r.IntN(30))
		frac := int16(r.IntN(3) - 1)
		ref := append([]int16(nil), exc...)
		predLt3Ref(ref, off, t0, frac, 80)
		predLt3(exc, off, t0, frac, 80)
		for i := range exc {
			if exc[i] != ref[i] {
				t.Fatalf("iteration %d (t0 %d frac %d): exc[%d] = %d, want %d", it, t0, frac, i, exc[i], ref[i])
			}
		}
	}
}

// pitchFilterRef is the recommendation's long-term post-filter search and
// filtering (pit_pst_filt of Annex A) on the residual of p.
func pitchFilterRef(p *postFilter, t0Min, t0Max int16, out []int16) {
	const cur = pitMax
	sig := p.scalRes2[cur : cur+subfrLen]
	corMax := int32(min32)
	t0 := t0Min
	for i := t0Min; i <= t0Max; i++ {
		var corr int32
		for j := 0; j < subfrLen; j++ {
			corr = lMac(corr, sig[j], p.scalRes2[cur-int(i)+j])
		}
		if lSub(corr, corMax) > 0 {
			corMax, t0 = corr, i
		}
	}
	ener, ener0 := int32(1), int32(1)
	for j := 0; j < subfrLen; j++ {
		ener = lMac(ener, p.scalRes2[cur-int(t0)+j], p.scalRes2[cur-int(t0)+j])
		ener0 = lMac(ener0, sig[j], sig[j])
	}
	if corMax < 0 {
		corMax = 0
	}
	temp := max(corMax, ener, ener0)
	j := normL(temp)
	cmax := round(lShl(corMax, j))
	en := round(lShl(ener, j))
	en0 := round(lShl(ener0, j))
	temp = lSub(lMult(cmax, cmax), lShr(lMult(en, en0), 1))
	if temp < 0 {
		copy(out, p.res2[cur:cur+subfrLen])
		return
	}
	var g0, gain int16
	if sub(cmax, en) > 0 {
		g0, gain = pstInvGamma, pstGammaP2
	} else {
		cmax = shr(mult(cmax, pstGammaP), 1)
		en = shr(en, 1)
		i := add(cmax, en)
		if i > 0 {
			gain = divS(cmax, i)
			g0 = sub(32767, gain)
		} else {
			g0, gain = 32767, 0
		}
	}
	for i := 0; i < subfrLen; i++ {
		out[i] = add(mult(g0, p.res2[cur+i]), mult(gain, p.res2[cur+i-int(t0)]))
	}
}

func TestPitchFilterMatchesOperators(t *testing.T) {
	r := rand.New(rand.NewPCG(14, 15))
	for it := 0; it < 100000; it++ {
		var p postFilter
		randSig(r, p.res2[:])
		if r.IntN(4) == 0 { // a periodic residual: the filter is on
			per := pitMin + r.IntN(pitMax-pitMin)
			for i := per; i < len(p.res2); i++ {
				p.res2[i] = p.res2[i-per]
			}
		}
		for i, v := range p.res2 {
			p.scalRes2[i] = v >> 2
		}
		for k := range p.blkMax {
			lo := max(pitMax-k*subfrLen, 0)
			p.blkMax[k] = maxAbs(p.scalRes2[lo : pitMax+subfrLen-k*subfrLen])
		}
		t0Min := int16(pitMin - 3 + r.IntN(pitMax-pitMin+4))
		t0Max := t0Min + 6
		if t0Max > pitMax {
			t0Max, t0Min = pitMax, pitMax-6
		}
		var got, want [subfrLen]int16
		p.pitchFilter(t0Min, t0Max, &got)
		pitchFilterRef(&p, t0Min, t0Max, want[:])
		if got != want {
			t.Fatalf("iteration %d (lags %d..%d): %v, want %v", it, t0Min, t0Max, got, want)
		}
	}
}

// lspPolRef is the recommendation's Get_lsp_pol.
func lspPolRef(lsp []int16, start int, f *[6]int32) {
	f[0] = lMult(4096, 2048)
	f[1] = lMsu(0, lsp[start], 512)
	p := start + 2
	for i := 2; i <= 5; i++ {
		f[i] = f[i-2]
		for j := i; j > 1; j-- {
			hi, lo := lExtract(f[j-1])
			t0 := mpy32x16(hi, lo, lsp[p])
			t0 = lShl(t0, 1)
			f[j] = lAdd(f[j], f[j-2])
			f[j] = lSub(f[j], t0)
		}
		f[1] = lMsu(f[1], lsp[p], 512)
		p += 2
	}
}

func TestLspPolMatchesOperators(t *testing.T) {
	r := rand.New(rand.NewPCG(18, 19))
	var lsp [lpOrder]int16
	for it := 0; it < 300000; it++ {
		for i := range lsp {
			switch r.IntN(8) {
			case 0:
				lsp[i] = min16
			case 1:
				lsp[i] = max16
			default:
				lsp[i] = int16(r.Uint32())
			}
		}
		if it%2 == 0 { // ordered like real LSPs
			for i := 1; i < lpOrder; i++ {
				if lsp[i] > lsp[i-1] {
					lsp[i], lsp[i-1] = lsp[i-1], lsp[i]
				}
			}
		}
		for start := 0; start < 2; start++ {
			var got, want [6]int32
			lspPol(lsp[:], start, &got)
			lspPolRef(lsp[:], start, &want)
			if got != want {
				t.Fatalf("lsp %v start %d: %v, want %v", lsp, start, got, want)
			}
		}
	}
}

func TestWeightAzMatchesOperators(t *testing.T) {
	r := rand.New(rand.NewPCG(20, 21))
	for it := 0; it < 200000; it++ {
		var a, got, want [lpOrder + 1]int16
		for i := range a {
			a[i] = int16(r.Uint32())
			if r.IntN(10) == 0 {
				a[i] = min16
			}
		}
		g := int16(r.Uint32())
		if r.IntN(10) == 0 {
			g = min16
		}
		weightAz(a[:], g, got[:])
		want[0] = a[0]
		fac := g
		for i := 1; i < lpOrder; i++ {
			want[i] = round(lMult(a[i], fac))
			fac = round(lMult(fac, g))
		}
		want[lpOrder] = round(lMult(a[lpOrder], fac))
		if got != want {
			t.Fatalf("a %v gamma %d: %v, want %v", a, g, got, want)
		}
	}
}
