package v29

import (
	"math"
	"math/cmplx"

	"github.com/potsgate/potsgate/media/modem"
)

// Receiver sizes.
const (
	rxTaps   = 24 // matched filter taps per phase (+/- 3.6 symbols)
	rxPhases = 64 // fractional delays of the matched filter
	eqTaps   = 24 // T/2 equaliser taps: 12 symbols
	eqDelay  = 6  // symbols from the newest equaliser input to its centre
	bufLen   = 64 // input ring (twice written, see push)

	blockLen = 40 // carrier detector block: 5 ms

	// Carrier detector thresholds (V.29 clause 7's alternative: on above
	// -43 dBm0, off below -48 dBm0), hysteresis between.
	onDBm0  = -45.0
	offDBm0 = -47.5

	acqSymbols = 40 // symbols of segment 2 for symbol timing to settle
	estSymbols = 24 // then symbols to estimate phase and which is A
	// onesCheck: symbols at the end of segment 4 whose descrambled bits
	// must be ones (the first 8 fill the descrambler).
	onesFrom = 8
)

// Receiver states.
const (
	rxIdle     = iota // no carrier
	rxAcquire         // segment 2: symbol timing
	rxEstimate        // segment 2: phase, gain, which symbol is A
	rxAlt             // segment 2 tracked, waiting for segment 3
	rxTrain           // segments 3 and 4 through the equaliser
	rxData
	rxFailed // training not recognised: wait for the carrier to go
)

// Receiver is a V.29 demodulator: carrier detection, symbol timing
// (Gardner), carrier phase and frequency, a T/2 adaptive equaliser trained
// on segments 2 and 3 then decision-directed, and the descrambler. It
// implements [modem.Receiver].
type Receiver struct {
	sink    modem.Sink
	bitRate int
	bits    int
	es      float64 // mean symbol energy of the rate, V.29 units

	// front end: baseband ring (I and Q, each sample written twice so a
	// window is one slice), the matched filter, the carrier table.
	bi, bq   [2 * bufLen]float64
	w        int // next write position in [0, bufLen)
	filled   int
	coef     [rxPhases][rxTaps]float64 // oldest sample first
	cos, sin [80]float64
	n80      int

	// carrier detector
	blockSum float64
	blockN   int
	onPow    float64
	offPow   float64
	carrier  bool
	lastPow  float64

	// symbol timing: tau is where the next T/2 sample falls, in samples
	// past the centre of the current filter window.
	tau     float64
	half    bool // the next T/2 sample is a symbol sample (else mid)
	mid     complex128
	prevSym complex128
	tInt    float64 // timing loop integrator (samples per symbol)
	kp, ki  float64

	agc float64

	// equaliser
	eqBuf  [2 * eqTaps]complex128
	eqW    int
	eqCoef [eqTaps]complex128
	mu     float64

	// carrier phase (radians) and frequency (radians per symbol)
	theta, freq float64
	pk1, pk2    float64

	state   int
	count   int // symbols in the state
	symIdx  int // symbols since carrier up
	sumE    [2]float64
	sumY    [2]complex128
	aPar    int // parity of symIdx carrying A
	cand    int // consecutive symbols that look like C or D
	seg3    int // symIdx of segment 3's first symbol
	a, b    complex128
	c, d    complex128
	train   [seg3Symbols]uint8
	mse     float64
	phase   int // absolute phase state of the last decided symbol
	zeros   int
	scr     scrambler
	points  [16]complex128
	pstate  [16]uint8
	pq1     [16]uint8
	npoints int
	qbits   [4]int
}

// NewReceiver returns a receiver at bitRate (9600 or 7200) that gives its
// bits and status changes to sink; modem.ErrRate for another rate.
func NewReceiver(bitRate int, sink modem.Sink) (*Receiver, error) {
	r := &Receiver{sink: sink}
	// The matched filter is the transmit pulse scaled so that a symbol
	// comes out at its own value (x2 for the half the mixing loses).
	for p := range rxPhases {
		mu := (float64(p) + 0.5) / rxPhases
		for i := range rxTaps {
			// sample i of the window (oldest first) is at rxTaps/2-1-i+mu
			// samples before the instant... see Receive.
			tau := mu + float64(rxTaps/2-1-i)
			u := tau / samplesPerSymbol
			r.coef[p][i] = 2 * rrc(u) * window(u, float64(rxTaps)/2/samplesPerSymbol+0.2) / samplesPerSymbol
		}
	}
	for n := range 80 {
		r.sin[n], r.cos[n] = math.Sincos(2 * math.Pi * CarrierHz * float64(n) / SampleRate)
	}
	r.onPow = levelPower(onDBm0) * blockLen
	r.offPow = levelPower(offDBm0) * blockLen
	trainingSequence(&r.train)
	if err := r.Restart(bitRate); err != nil {
		return nil, err
	}
	return r, nil
}

// Restart makes the receiver wait for a new carrier at bitRate.
func (r *Receiver) Restart(bitRate int) error {
	if err := checkRate(bitRate); err != nil {
		return err
	}
	r.bitRate = bitRate
	r.bits = bitsPerSymbol(bitRate)
	r.es = meanEnergy(bitRate)
	r.a, r.b, r.c, r.d = trainingPoints(bitRate)
	r.npoints = 0
	for s := range 8 {
		for q1 := range 2 {
			if r.bits == 3 && q1 == 1 {
				continue
			}
			r.points[r.npoints] = point(s, q1)
			r.pstate[r.npoints] = uint8(s)
			r.pq1[r.npoints] = uint8(q1)
			r.npoints++
		}
	}
	r.carrier = false
	r.blockSum, r.blockN = 0, 0
	r.reset()
	return nil
}

// reset returns the demodulator to waiting for a carrier.
func (r *Receiver) reset() {
	r.state = rxIdle
	r.count, r.symIdx = 0, 0
}

// Receive takes the next samples of the line.
func (r *Receiver) Receive(in []int16) {
	for _, s := range in {
		x := float64(s)
		// carrier detector, per 5 ms block
		r.blockSum += x * x
		r.blockN++
		if r.blockN == blockLen {
			r.detect()
		}
		// baseband: x e^{-j w n}
		i, q := x*r.cos[r.n80], -x*r.sin[r.n80]
		r.n80++
		if r.n80 == 80 {
			r.n80 = 0
		}
		r.bi[r.w], r.bi[r.w+bufLen] = i, i
		r.bq[r.w], r.bq[r.w+bufLen] = q, q
		r.w++
		if r.w == bufLen {
			r.w = 0
		}
		if r.state == rxIdle || r.state == rxFailed {
			continue
		}
		r.tau--
		if r.tau < 1 {
			r.sample()
		}
	}
}

// detect ends a carrier detector block.
func (r *Receiver) detect() {
	p := r.blockSum
	r.blockSum, r.blockN = 0, 0
	prev := r.lastPow
	r.lastPow = p
	if !r.carrier {
		if p > r.onPow {
			r.carrier = true
			r.sink.Status(modem.CarrierUp)
			r.start(math.Max(p, prev) / blockLen)
		}
		return
	}
	if p < r.offPow {
		r.carrier = false
		r.sink.Status(modem.CarrierDown)
		r.reset()
	}
}

// start begins demodulating a carrier whose mean square is pow.
func (r *Receiver) start(pow float64) {
	r.state = rxAcquire
	r.count, r.symIdx = 0, 0
	r.tau = 1
	r.half = false
	r.mid, r.prevSym = 0, 0
	r.tInt = 0
	r.kp, r.ki = 0.08, 0 // no integrator while acquiring: its transient would stay
	// a symbol's energy after the matched filter is twice the mean square
	r.agc = math.Sqrt(r.es / (2 * pow))
	r.eqBuf = [2 * eqTaps]complex128{}
	r.eqW = 0
	r.sumE = [2]float64{}
	r.sumY = [2]complex128{}
	r.cand = 0
}

// sample makes the matched filter's output at the current instant, a T/2
// sample, and moves the instant on.
func (r *Receiver) sample() {
	mu := r.tau
	if mu < 0 {
		mu = 0
	}
	p := int(mu * rxPhases)
	if p >= rxPhases {
		p = rxPhases - 1
	}
	c := &r.coef[p]
	start := r.w + bufLen - rxTaps
	bi := r.bi[start : start+rxTaps]
	bq := r.bq[start : start+rxTaps]
	var yi, yq float64
	for k, h := range c {
		yi += bi[k] * h
		yq += bq[k] * h
	}
	// The instant is rxTaps/2-1 samples before the newest plus mu; the
	// carrier was removed sample by sample, so nothing more to rotate.
	y := complex(yi*r.agc, yq*r.agc)
	r.tau += samplesPerSymbol / 2
	r.eqBuf[r.eqW], r.eqBuf[r.eqW+eqTaps] = y, y
	r.eqW++
	if r.eqW == eqTaps {
		r.eqW = 0
	}
	if !r.half {
		r.mid = y
		r.half = true
		return
	}
	r.half = false
	// Gardner's timing error: late sampling makes it negative.
	e := real((r.prevSym-y)*cmplx.Conj(r.mid)) / r.es
	if e > 1 {
		e = 1
	} else if e < -1 {
		e = -1
	}
	r.tInt += r.ki * e
	r.tau += r.kp*e + r.tInt
	r.prevSym = y
	r.symbol(y)
}

func (r *Receiver) symbol(y complex128) {
	r.symIdx++
	r.count++
	switch r.state {
	case rxAcquire:
		// the gain follows the symbols' energy while timing settles
		e := real(y)*real(y) + imag(y)*imag(y)
		if e > 0 {
			r.agc *= math.Pow(r.es/e, 0.05)
		}
		if r.count >= acqSymbols {
			r.state, r.count = rxEstimate, 0
			r.kp, r.ki = 0.03, 0
		}
	case rxEstimate:
		par := r.symIdx & 1
		r.sumE[par] += real(y)*real(y) + imag(y)*imag(y)
		r.sumY[par] += y
		if r.count < estSymbols {
			return
		}
		// A is the point of its own energy: at 9600 the smaller of the
		// two, at 7200 the larger.
		eA, eB := real(r.a*cmplx.Conj(r.a)), real(r.b*cmplx.Conj(r.b))
		r.aPar = 0
		if (r.sumE[1] > r.sumE[0]) == (eA > eB) {
			r.aPar = 1
		}
		ya, yb := r.sumY[r.aPar], r.sumY[1-r.aPar]
		ratio := r.sumE[r.aPar] / r.sumE[1-r.aPar]
		want := eA / eB
		// the alternation must be there: the two energies in about the
		// ratio of A's and B's, each symbol steady
		m := float64(estSymbols / 2)
		steady := (cmplx.Abs(ya) + cmplx.Abs(yb)) / m / (math.Sqrt(r.sumE[0]/m) + math.Sqrt(r.sumE[1]/m))
		if ratio < want/1.6 || ratio > want*1.6 || steady < 0.8 {
			r.fail()
			return
		}
		r.theta = cmplx.Phase(ya*cmplx.Conj(r.a) + yb*cmplx.Conj(r.b))
		r.freq = 0
		r.agc *= math.Sqrt(r.es * m * 2 / (r.sumE[0] + r.sumE[1]))
		r.pk1, r.pk2 = 0.1, 0.003
		r.state, r.count = rxAlt, 0
	case rxAlt:
		z := y * r.rot()
		want := r.b
		if r.symIdx&1 == r.aPar {
			want = r.a
		}
		if debugRx {
			println("alt", r.symIdx, int(real(z)*100), int(imag(z)*100), int(real(want)), int(imag(want)))
		}
		dAB := sq(z - want)
		dCD := min(sq(z-r.c), sq(z-r.d))
		if dCD < dAB {
			r.cand++
			if r.cand == 2 {
				r.seg3 = r.symIdx - 1
				r.beginTraining()
			}
			return
		}
		r.cand = 0
		r.track(z, want)
		if r.symIdx > seg2Symbols+40 {
			r.fail()
		}
	case rxTrain, rxData:
		r.equalise()
	}
}

func sq(z complex128) float64 { return real(z)*real(z) + imag(z)*imag(z) }

// rot is e^{-j theta}.
func (r *Receiver) rot() complex128 {
	s, c := math.Sincos(r.theta)
	return complex(c, -s)
}

// track moves the carrier phase and frequency toward want.
func (r *Receiver) track(z, want complex128) {
	e := imag(z*cmplx.Conj(want)) / (sq(want) + 1e-9)
	r.freq += r.pk2 * e
	r.theta += r.pk1*e + r.freq
	if r.theta > math.Pi {
		r.theta -= 2 * math.Pi
	} else if r.theta < -math.Pi {
		r.theta += 2 * math.Pi
	}
}

func (r *Receiver) fail() {
	r.state = rxFailed
	r.sink.Status(modem.TrainingFailed)
}

func (r *Receiver) beginTraining() {
	r.state = rxTrain
	r.eqCoef = [eqTaps]complex128{}
	r.eqCoef[eqTaps-1-2*eqDelay] = 1
	r.mu = 0.3 / (eqTaps * r.es)
	r.mse = 0
	r.zeros = 0
	r.scr = scrambler{}
	r.kp, r.ki = 0.02, 0.0001
	r.pk1, r.pk2 = 0.08, 0.002
}

// equalise runs the equaliser for the symbol eqDelay symbols ago, trains
// it, decides and gives bits.
func (r *Receiver) equalise() {
	buf := r.eqBuf[r.eqW : r.eqW+eqTaps]
	var acc complex128
	for k, x := range buf {
		acc += r.eqCoef[k] * x
	}
	rot := r.rot()
	z := acc * rot
	idx := r.symIdx - eqDelay - r.seg3 // 0: segment 3's first symbol
	var want complex128
	data := false
	switch {
	case idx < 0:
		want = r.b
		if (r.symIdx-eqDelay)&1 == r.aPar {
			want = r.a
		}
	case idx < seg3Symbols:
		want = r.c
		if r.train[idx] == 1 {
			want = r.d
		}
		if idx == seg3Symbols-1 {
			r.phase = 0
			if r.train[idx] == 1 {
				r.phase = 3
			}
		}
	default:
		data = true
		want = r.decide(z)
	}
	if debugRx && idx >= 0 && idx < 40 {
		d := 0
		if sq(z-r.d) < sq(z-r.c) {
			d = 1
		}
		println("cd", idx, d, r.train[idx])
	}
	err := want - z
	if debugRx && idx%20 == 0 {
		println(idx, int(sq(err)*1000/r.es), int(r.theta*1000), int(r.freq*1e6), int(r.tau*1000), int(r.tInt*1e6))
	}
	if idx >= seg3Symbols-128 && idx < seg3Symbols {
		r.mse += sq(err)
	}
	// LMS on the unrotated error
	ge := err * cmplx.Conj(rot) * complex(r.mu, 0)
	for k, x := range buf {
		r.eqCoef[k] += ge * cmplx.Conj(x)
	}
	r.track(z, want)
	if idx == seg3Symbols-1 {
		// the equaliser must have converged by the end of segment 3
		if r.mse/128 > r.es*0.05 {
			r.fail()
			return
		}
		r.mu = 0.1 / (eqTaps * r.es)
		r.pk1, r.pk2 = 0.05, 0.001
		r.kp, r.ki = 0.01, 0.000025
	}
	if !data {
		return
	}
	// decide has set r.phase and r.lastQ
	seg4 := idx < seg3Symbols+seg4Symbols
	for _, b := range r.qbits {
		if b < 0 {
			continue
		}
		bit := r.scr.descramble(b)
		if seg4 {
			if idx >= seg3Symbols+onesFrom && bit == 0 {
				r.zeros++
			}
			continue
		}
		r.sink.Bit(bit)
	}
	if idx == seg3Symbols+seg4Symbols-1 {
		if r.zeros > (seg4Symbols-onesFrom)*r.bits/20 {
			r.fail()
			return
		}
		r.state = rxData
		r.sink.Status(modem.TrainingSucceeded)
	}
}

// decide slices z to the nearest point of the rate's constellation and
// leaves the point's bits, Q1 first (-1 for 7200's absent Q1), in qbits.
func (r *Receiver) decide(z complex128) complex128 {
	best, bd := 0, math.Inf(1)
	for k := range r.npoints {
		if d := sq(z - r.points[k]); d < bd {
			best, bd = k, d
		}
	}
	s := int(r.pstate[best])
	q := phaseBits[(s-r.phase)&7]
	r.phase = s
	r.qbits[0] = int(r.pq1[best])
	if r.bits == 3 {
		r.qbits[0] = -1
	}
	r.qbits[1], r.qbits[2], r.qbits[3] = q>>2&1, q>>1&1, q&1
	return r.points[best]
}

const debugRx = false
