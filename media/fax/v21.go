package fax

import "math"

// The V.21 channel 2 preamble. Before every T.30 control message the
// sender sends about 1 s of HDLC flags (0x7E) at 300 bit/s, in FSK on
// V.21's high channel: 1650 Hz for a one (mark) and 1850 Hz for a zero
// (space). A sliding correlation over one bit at each frequency gives
// the bit's sign; a digital PLL on the sign changes places the decision
// in the middle of each bit; a run of flags back to back is the preamble.

const (
	// v21Window is the correlation length: one bit (26.7 samples).
	v21Window = 27
	// v21Period: both carriers repeat every 160 samples (1650 = 33*50,
	// 1850 = 37*50).
	v21Period = 160
	// v21Purity: the share of the window's power the two carriers must
	// hold for a bit to count.
	v21Purity = 0.5
	// v21Flags: flags back to back that make a preamble (107 ms of the
	// 1 s T.30 sends).
	v21Flags = 4
	// v21Lost: samples without the carrier that end it (50 ms).
	v21Lost = 400
	// the bit clock: 300 bit/s counted in 1/8000 s steps.
	v21Baud = 300
	v21Rate = 8000
)

// v21GateShare: a chunk whose power at the two carriers is less than
// this share of its power holds no V.21 carrier worth demodulating (a
// carrier gives 0.3 or more even when it starts in the chunk's middle;
// speech, tones and silence mostly far less).
const v21GateShare = 0.1

// v21GateMin: chunks shorter than this are demodulated whatever they
// hold (the Goertzel gate needs a few carrier periods).
const v21GateMin = 40

// v21Coeff are the Goertzel coefficients of the mark and space carriers.
var v21Coeff = [2]float64{2 * math.Cos(2*math.Pi*1650/8000), 2 * math.Cos(2*math.Pi*1850/8000)}

// v21Basis holds e^{-j 2 pi f n / 8000} for the mark and space carriers
// over their common period.
var v21Basis = func() (b [2][v21Period]complex128) {
	for i, f := range [2]float64{1650, 1850} {
		for n := range b[i] {
			ph := -2 * math.Pi * f * float64(n) / 8000
			b[i][n] = complex(math.Cos(ph), math.Sin(ph))
		}
	}
	return b
}()

// v21Watch demodulates V.21 channel 2 far enough to see its flags.
type v21Watch struct {
	minPower float64
	n        int                      // sample index mod v21Period
	ring     [v21Window][2]complex128 // the products in the window
	sq       [v21Window]float64       // the squares in the window
	at       int                      // next ring slot
	sum      [2]complex128
	energy   float64
	filled   int

	phase   int  // bit clock, 0..v21Rate
	prevOne bool // the last sample's sign
	reg     uint8
	sinceFl int // bits since the last flag
	flags   int // flags back to back
	absent  int // samples without the carrier
	seen    bool
}

// sample takes one sample and reports whether it completes a preamble.
func (w *v21Watch) sample(v int16) bool {
	f := float64(v)
	a, b := complex(f, 0)*v21Basis[0][w.n], complex(f, 0)*v21Basis[1][w.n]
	if w.n++; w.n == v21Period {
		w.n = 0
	}
	old := &w.ring[w.at]
	w.sum[0] += a - old[0]
	w.sum[1] += b - old[1]
	w.energy += f*f - w.sq[w.at]
	old[0], old[1], w.sq[w.at] = a, b, f*f
	if w.at++; w.at == v21Window {
		w.at = 0
		// Start the sums afresh from the ring once a window so that
		// rounding cannot pile up over a long call.
		w.sum, w.energy = [2]complex128{}, 0
		for i := range w.ring {
			w.sum[0] += w.ring[i][0]
			w.sum[1] += w.ring[i][1]
			w.energy += w.sq[i]
		}
	}
	if w.filled < v21Window {
		w.filled++
		return false
	}
	const n = v21Window
	mark := (real(w.sum[0])*real(w.sum[0]) + imag(w.sum[0])*imag(w.sum[0])) * 2 / (n * n)
	space := (real(w.sum[1])*real(w.sum[1]) + imag(w.sum[1])*imag(w.sum[1])) * 2 / (n * n)
	carrier := mark+space >= w.minPower && mark+space >= v21Purity*w.energy/n
	if !carrier {
		if w.absent++; w.absent >= v21Lost {
			w.seen = false
		}
		w.flags, w.sinceFl = 0, 0
		return false
	}
	w.absent = 0
	one := mark > space
	if one != w.prevOne {
		// A bit boundary: pull the clock towards it.
		if w.phase < v21Rate/2 {
			w.phase -= w.phase / 2
		} else {
			w.phase += (v21Rate - w.phase) / 2
		}
		w.prevOne = one
	}
	before := w.phase
	w.phase += v21Baud
	if w.phase >= v21Rate {
		w.phase -= v21Rate
	}
	if before >= v21Rate/2 || w.phase < v21Rate/2 {
		return false // not the middle of a bit
	}
	w.reg >>= 1
	if one {
		w.reg |= 0x80
	}
	w.sinceFl++
	if w.reg != 0x7E {
		if w.sinceFl > 8 {
			w.flags = 0
		}
		return false
	}
	if w.sinceFl == 8 {
		w.flags++
	} else {
		w.flags = 1
	}
	w.sinceFl = 0
	if w.flags >= v21Flags && !w.seen {
		w.seen = true
		return true
	}
	return false
}

// worth reports whether x may hold the V.21 carrier: loud enough, and
// with a tenth or more of its power at the two carriers (Goertzel over
// x). The per-sample demodulator costs about ten times this check, and on
// a call's speech or silence it has nothing to find.
func (w *v21Watch) worth(x []int16) bool {
	if len(x) < v21GateMin {
		return true
	}
	var m1, m2, s1, s2, energy float64
	for _, v := range x {
		f := float64(v)
		energy += f * f
		m1, m2 = f+v21Coeff[0]*m1-m2, m1
		s1, s2 = f+v21Coeff[1]*s1-s2, s1
	}
	n := float64(len(x))
	if energy < w.minPower*n {
		return false
	}
	mark := m1*m1 + m2*m2 - v21Coeff[0]*m1*m2
	space := s1*s1 + s2*s2 - v21Coeff[1]*s1*s2
	return 2*(mark+space) >= v21GateShare*n*energy
}

// skip passes n samples that hold no carrier: the demodulator starts
// afresh after them, as after any gap in the carrier.
func (w *v21Watch) skip(n int) {
	w.n = (w.n + n) % v21Period
	w.ring, w.sq, w.sum, w.energy, w.at, w.filled = [v21Window][2]complex128{}, [v21Window]float64{}, [2]complex128{}, 0, 0, 0
	if w.absent += n; w.absent >= v21Lost {
		w.seen = false
	}
	w.flags, w.sinceFl = 0, 0
}
