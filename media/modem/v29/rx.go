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
	bufLen   = 64 // input ring, each sample written twice (see Receive)

	blockLen = 40 // carrier detector block: 5 ms

	// Carrier detector thresholds, within V.29 clause 7's alternative
	// (on for signals above -43 dBm0, off below -48 dBm0): -45 leaves a
	// -43 dBm0 carrier 2 dB for the variance of 5 ms of QAM, and the 3 dB
	// between on and off are the hysteresis.
	onDBm0  = -45.0
	offDBm0 = -48.0

	acqSymbols = 40 // symbols of segment 2 for symbol timing to settle
	estSymbols = 24 // then symbols to estimate phase and which is A
	// searchSymbols: how long after the carrier came segment 2 may begin
	// (300 ms: after a talker echo protection tone of up to 200 ms and
	// its 20 ms of silence, or a carrier that came in two steps)
	searchSymbols = 720
	// onesFrom: the symbols of segment 4 from this one on must descramble
	// to ones (the first 8 fill the descrambler).
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
	w        int                       // next write position in [0, bufLen)
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

	agc      float64
	startPow float64 // block energy that started the demodulator

	// equaliser
	eqBuf  [2 * eqTaps]complex128
	eqW    int
	eqCoef [eqTaps]complex128
	mu     float64

	// carrier phase (radians) and frequency (radians per symbol)
	rotP     complex128 // e^{-j theta}, theta the carrier phase
	freq     float64    // radians per symbol
	pk1, pk2 float64

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
	grid    *[gridSize * gridSize]uint8 // of the rate, one of grids
	grids   [2][gridSize * gridSize]uint8
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
			// sample i of the window (oldest first) is rxTaps/2-1-i+mu
			// samples before the instant (see sample)
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
	for i, rate := range []int{9600, 7200} {
		if err := r.Restart(rate); err != nil {
			return nil, err
		}
		makeGrid(&r.grids[i], r.points[:r.npoints])
	}
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
	r.grid = &r.grids[0]
	if r.bits == 3 {
		r.grid = &r.grids[1]
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
	// off on 10 ms: a 5 ms block of low-energy symbols of a weak carrier
	// can dip that far
	if p+prev < 2*r.offPow {
		r.carrier = false
		r.sink.Status(modem.CarrierDown)
		r.reset()
		return
	}
	// Energy 6 dB above what raised the carrier, before training was
	// recognised: the signal proper after noise or after the first part
	// block of it. Start again on it; after a failure, as a new carrier.
	if r.state <= rxAlt && r.state != rxIdle || r.state == rxFailed {
		if p > 4*r.startPow {
			if r.state == rxFailed {
				r.sink.Status(modem.CarrierDown)
				r.sink.Status(modem.CarrierUp)
			}
			r.start(p / blockLen)
		}
	}
}

// start begins demodulating a carrier whose mean square is pow.
func (r *Receiver) start(pow float64) {
	r.startPow = pow * blockLen
	r.symIdx = 0
	r.tau = 1
	// a symbol's energy after the matched filter is twice the mean square
	r.agc = math.Sqrt(r.es / (2 * pow))
	r.eqBuf = [2 * eqTaps]complex128{}
	r.eqW = 0
	r.acquire()
}

// acquire (again) looks for segment 2's alternations.
func (r *Receiver) acquire() {
	r.state = rxAcquire
	r.count = 0
	r.half = false
	r.mid, r.prevSym = 0, 0
	r.tInt = 0
	r.kp, r.ki = 0.08, 0 // no integrator while acquiring: its transient would stay
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
	bi := (*[rxTaps]float64)(r.bi[start:])
	bq := (*[rxTaps]float64)(r.bq[start:])
	// four partial sums each: one chain of 24 additions would wait on
	// the adder's latency
	var i0, i1, i2, i3, q0, q1, q2, q3 float64
	for k := 0; k < rxTaps; k += 4 {
		i0 += bi[k] * c[k]
		i1 += bi[k+1] * c[k+1]
		i2 += bi[k+2] * c[k+2]
		i3 += bi[k+3] * c[k+3]
		q0 += bq[k] * c[k]
		q1 += bq[k+1] * c[k+1]
		q2 += bq[k+2] * c[k+2]
		q3 += bq[k+3] * c[k+3]
	}
	yi, yq := (i0+i1)+(i2+i3), (q0+q1)+(q2+q3)
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
		// The two means must be A and B (in one order or the other)
		// turned and scaled: fit both orders by least squares, keep the
		// better, and require it to fit and each symbol to be steady.
		m := float64(estSymbols / 2)
		m0, m1 := r.sumY[0]/complex(m, 0), r.sumY[1]/complex(m, 0)
		den := complex(sq(r.a)+sq(r.b), 0)
		g0 := (m0*cmplx.Conj(r.a) + m1*cmplx.Conj(r.b)) / den // A even
		g1 := (m1*cmplx.Conj(r.a) + m0*cmplx.Conj(r.b)) / den // A odd
		res0 := sq(m0-g0*r.a) + sq(m1-g0*r.b)
		res1 := sq(m1-g1*r.a) + sq(m0-g1*r.b)
		g, res := g0, res0
		r.aPar = 0
		if res1 < res0 {
			g, res, r.aPar = g1, res1, 1
		}
		steady := (sq(m0) + sq(m1)) * m / (r.sumE[0] + r.sumE[1])
		if res > 0.15*(sq(m0)+sq(m1)) || steady < 0.7 {
			// not (yet) segment 2: look again, for a while
			if r.symIdx < searchSymbols {
				r.acquire()
				return
			}
			r.fail() // no segment 2
			return
		}
		r.rotP = cmplx.Conj(g) / complex(cmplx.Abs(g)+1e-30, 0)
		r.freq = 0
		r.agc /= cmplx.Abs(g) + 1e-30
		r.pk1, r.pk2 = 0.1, 0.003
		r.state, r.count = rxAlt, 0
	case rxAlt:
		z := y * r.rotP
		want := r.b
		if r.symIdx&1 == r.aPar {
			want = r.a
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
		if r.count > seg2Symbols {
			r.fail() // segment 2 without end
		}
	case rxTrain, rxData:
		r.equalise()
	}
}

func sq(z complex128) float64 { return real(z)*real(z) + imag(z)*imag(z) }

// track moves the carrier phase and frequency toward want.
func (r *Receiver) track(z, want complex128) {
	e := imag(z*cmplx.Conj(want)) / (sq(want) + 1e-9)
	r.freq += r.pk2 * e
	d := r.pk1*e + r.freq
	// rotate the phasor by -d (d is small: two terms of the series),
	// then pull its magnitude back to 1
	p := r.rotP * complex(1-d*d/2, -d+d*d*d/6)
	g := 1.5 - 0.5*sq(p)
	r.rotP = p * complex(g, 0)
}

// fail gives up on this carrier's training until it goes.
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
	buf := (*[eqTaps]complex128)(r.eqBuf[r.eqW:])
	co := &r.eqCoef
	var a0, a1, a2, a3 complex128
	for k := 0; k < eqTaps; k += 4 {
		a0 += co[k] * buf[k]
		a1 += co[k+1] * buf[k+1]
		a2 += co[k+2] * buf[k+2]
		a3 += co[k+3] * buf[k+3]
	}
	acc := (a0 + a1) + (a2 + a3)
	rot := r.rotP
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
	err := want - z
	if idx >= seg3Symbols-128 && idx < seg3Symbols {
		r.mse += sq(err)
	}
	// LMS on the unrotated error
	ge := err * cmplx.Conj(rot) * complex(r.mu, 0)
	for k, x := range buf {
		co[k] += ge * cmplx.Conj(x)
	}
	r.track(z, want)
	if idx == seg3Symbols-1 {
		// the equaliser must have converged by the end of segment 3
		if r.mse/128 > r.es*0.05 {
			r.fail() // the equaliser did not converge
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
			r.fail() // segment 4 was not ones
			return
		}
		r.state = rxData
		r.sink.Status(modem.TrainingSucceeded)
	}
}

// The slicer's grid: the nearest constellation point of every cell of
// 1/8 unit over +/- 6.5 units, looked up instead of measuring 16 distances.
const (
	gridStep = 8
	gridHalf = 52 // cells each side of 0
	gridSize = 2 * gridHalf
)

// makeGrid fills grid with the index of the point nearest each cell's
// centre.
func makeGrid(grid *[gridSize * gridSize]uint8, points []complex128) {
	for row := range gridSize {
		for col := range gridSize {
			z := complex((float64(col-gridHalf)+0.5)/gridStep, (float64(row-gridHalf)+0.5)/gridStep)
			best, bd := 0, math.Inf(1)
			for k, p := range points {
				if d := sq(z - p); d < bd {
					best, bd = k, d
				}
			}
			grid[row*gridSize+col] = uint8(best)
		}
	}
}

func gridIndex(v float64) int {
	i := int(math.Floor(v*gridStep)) + gridHalf
	if i < 0 {
		return 0
	}
	if i >= gridSize {
		return gridSize - 1
	}
	return i
}

// decide slices z to the nearest point of the rate's constellation and
// leaves the point's bits, Q1 first (-1 for 7200's absent Q1), in qbits.
func (r *Receiver) decide(z complex128) complex128 {
	best := int(r.grid[gridIndex(imag(z))*gridSize+gridIndex(real(z))])
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
