package v27ter

import (
	"fmt"
	"math"
	"math/cmplx"

	"github.com/potsgate/potsgate/media"
	"github.com/potsgate/potsgate/media/modem"
)

// Carrier detection thresholds in dBm0 (sine-equivalent power). V.27ter
// has the receiver on for signals above -43 dBm0 and off below -48; the
// on threshold sits below -43 so that a signal at -43 comes on at once.
const (
	CarrierOnLevel  = -45
	CarrierOffLevel = -48
)

// Receiver states.
const (
	rxIdle      = iota // no carrier
	rxSeek             // carrier: looking for symbol timing and reversals
	rxReversals        // segment 3 found: waiting for segment 4's first symbol
	rxCondition        // in segment 4, training on its known pattern
	rxOnes             // segment 5
	rxData             // data bits to the sink
	rxFailed           // training not recognised: wait for the carrier to go
)

const debug = false

const (
	eqLen    = 13 // equaliser taps, half a symbol apart
	eqCenter = 6  // the tap of the symbol decided (even: a symbol instant)

	hangSamples  = 240 // 30 ms below the off level before carrier-down (segment 2 is 20 ms)
	seekSymbols  = 1600
	minReversals = 10 // raw reversals before training starts (short training has 14)
	mLen         = 64 // matched filter outputs kept for interpolation
	pendLen      = 2  // data symbols held back until the next are known not to be the fade
	floorRise    = 1 + 1.0/3500
	powerShift   = 1.0 / 64
)

// Receiver is a V.27ter demodulator: it detects the carrier, recovers
// symbol timing (the square-law spectral line at the symbol rate) and
// carrier phase, recognises the training sequence, trains a
// fractionally spaced equaliser on it and then passes the descrambled
// data bits to its Sink. It implements [modem.Receiver]. Not safe for
// concurrent use.
type Receiver struct {
	sink modem.Sink
	r    rate

	cos, sin [carrierPeriod]float64
	points   [8]complex128
	ci       int
	taps     []float64
	bufI     []float64 // the baseband twice over, so a window is one slice
	bufQ     []float64
	pos      int
	mI, mQ   [mLen]float64
	n        int64

	onPower, offPower float64
	power             float64
	refPower          float64
	state             int
	below             int

	om      complex128 // the spectral line of |m|^2 at the symbol rate
	omPower float64
	omAlpha float64
	omTab   []complex128
	omIdx   int
	upFor   int // samples since carrier-up
	timing  bool
	tNext   float64

	line         [2 * eqLen]complex128
	linePos      int
	w            [eqLen]complex128
	gain         float64
	mu           float64
	phi, freq    float64
	k1, k2       float64
	prevY        complex128
	prevDec      complex128
	prevIdx      int
	run          int
	runSq        complex128
	runMag       float64
	symbols      int
	index        int
	mismatches   int
	gen, descram scrambler
	weak         int  // symbols in a row far weaker than the training's
	ended        bool // the signal has faded: no more bits
	pend         [pendLen]int // phase changes not yet given as bits
	npend        int
	floor        float64 // the quietest power since the last signal
	holdoff      int     // samples after carrier-down before another
}

var _ modem.Receiver = (*Receiver)(nil)

// NewReceiver returns a receiver at bitRate (4800 or 2400) giving its
// bits and status to sink. An unknown rate is [modem.ErrRate].
func NewReceiver(bitRate int, sink modem.Sink) (*Receiver, error) {
	rx := &Receiver{
		sink:  sink,
		taps:  make([]float64, 0, 64),
		bufI:  make([]float64, 0, 128),
		bufQ:  make([]float64, 0, 128),
		omTab: make([]complex128, 0, 20),
	}
	rx.cos, rx.sin = carrierTables()
	rx.points = constellation()
	a := media.SineAmplitude(CarrierOnLevel)
	rx.onPower = a * a / 2
	a = media.SineAmplitude(CarrierOffLevel)
	rx.offPower = a * a / 2
	if err := rx.Restart(bitRate); err != nil {
		return nil, err
	}
	return rx, nil
}

// Restart makes the receiver wait for a new signal at bitRate.
func (rx *Receiver) Restart(bitRate int) error {
	r, ok := lookupRate(bitRate)
	if !ok {
		return fmt.Errorf("v27ter: receiver at %d bit/s: %w", bitRate, modem.ErrRate)
	}
	if r != rx.r {
		rx.r = r
		rx.makeFilters()
	}
	clear(rx.bufI)
	clear(rx.bufQ)
	rx.pos, rx.ci, rx.n = 0, 0, 0
	rx.omIdx = 0
	rx.power = 0
	rx.idle()
	rx.floor, rx.holdoff = 0, 0
	return nil
}

// makeFilters makes the matched filter and the symbol-rate line's table.
func (rx *Receiver) makeFilters() {
	T := rx.r.symSamples
	l := 2*int(span*T) + 1
	rx.taps = rx.taps[:l]
	for k := range rx.taps {
		rx.taps[k] = rrc((float64(k) - float64(l-1)/2) / T)
	}
	rx.bufI = rx.bufI[:2*l]
	rx.bufQ = rx.bufQ[:2*l]
	// The line's phase repeats after the samples of a whole number of
	// symbols: 5 samples at 1600 baud, 20 at 1200.
	p := 5
	if rx.r.bits == 2 {
		p = 20
	}
	rx.omTab = rx.omTab[:p]
	for i := range rx.omTab {
		rx.omTab[i] = cmplx.Exp(complex(0, -2*math.Pi*float64(i)/T))
	}
}

// idle forgets the signal.
func (rx *Receiver) idle() {
	rx.state = rxIdle
	rx.below = 0
	rx.om, rx.omPower = 0, 0
	rx.omAlpha = 1.0 / 32
	rx.upFor = 0
	rx.timing = false
	rx.run, rx.runSq, rx.runMag = 0, 0, 0
	rx.symbols = 0
	rx.prevY = 0
	rx.weak, rx.ended = 0, false
	rx.npend = 0
}

// Receive demodulates the samples in, giving bits and status to the sink.
func (rx *Receiver) Receive(in []int16) {
	l := len(rx.taps)
	for _, s := range in {
		x := float64(s)
		rx.power += (x*x - rx.power) * powerShift
		c := rx.ci
		rx.ci++
		if rx.ci == carrierPeriod {
			rx.ci = 0
		}
		bi, bq := x*rx.cos[c], -x*rx.sin[c]
		rx.bufI[rx.pos], rx.bufI[rx.pos+l] = bi, bi
		rx.bufQ[rx.pos], rx.bufQ[rx.pos+l] = bq, bq
		rx.pos++
		if rx.pos == l {
			rx.pos = 0
		}
		oi := rx.omIdx
		rx.omIdx++
		if rx.omIdx == len(rx.omTab) {
			rx.omIdx = 0
		}
		n := rx.n
		rx.n++
		if !rx.detect() {
			continue
		}
		mi, mq := dot(rx.taps, rx.bufI[rx.pos:rx.pos+l]), dot(rx.taps, rx.bufQ[rx.pos:rx.pos+l])
		rx.mI[n%mLen], rx.mQ[n%mLen] = mi, mq
		e := mi*mi + mq*mq
		rx.om += (complex(e, 0)*rx.omTab[oi] - rx.om) * complex(rx.omAlpha, 0)
		rx.omPower += (e - rx.omPower) * rx.omAlpha
		rx.upFor++
		rx.clock(float64(n))
	}
}

// detect runs the carrier detector on the latest power and says whether
// there is a carrier to demodulate.
func (rx *Receiver) detect() bool {
	if rx.state == rxIdle {
		// The quietest level since the last signal, rising slowly (a
		// dB in about 0.1 s), keeps line noise above the on threshold,
		// or a signal's own fading end, from being a new carrier.
		rx.floor = min(rx.power, rx.floor*floorRise)
		if rx.holdoff > 0 {
			rx.holdoff--
			return false
		}
		if rx.power < rx.onPower || rx.power < 8*rx.floor {
			return false
		}
		rx.state = rxSeek
		rx.sink.Status(modem.CarrierUp)
		return true
	}
	// Once trained, a fall of 12 dB from the training's level is the
	// end too: line noise above -48 dBm0 must not hold the carrier up.
	if rx.power < rx.offPower || rx.state >= rxOnes && rx.power < rx.refPower/16 {
		rx.below++
		if rx.below > hangSamples {
			rx.idle()
			rx.floor = rx.power
			rx.holdoff = hangSamples
			rx.sink.Status(modem.CarrierDown)
			return false
		}
	} else {
		rx.below = 0
	}
	return rx.state != rxFailed
}

// clock makes the symbols whose instants the samples up to n reach.
func (rx *Receiver) clock(n float64) {
	T := rx.r.symSamples
	if !rx.timing {
		// The line at the symbol rate appears with the first symbol
		// transitions (segment 3's reversals make it strongest).
		if rx.upFor < 2*len(rx.taps) || cmplx.Abs(rx.om) < 0.25*rx.omPower {
			rx.seekTimeout()
			return
		}
		tau := rx.instant()
		rx.tNext = tau + math.Ceil((n-2-tau)/T)*T
		rx.timing = true
	}
	for rx.tNext <= n-2 {
		t := rx.tNext
		rx.symbol(rx.interp(t-T/2), rx.interp(t))
		if rx.state == rxIdle || rx.state == rxFailed {
			return
		}
		// Pull the instants toward the line's, a little each symbol.
		d := math.Remainder(rx.instant()-t, T)
		g := 0.05
		if rx.state <= rxReversals {
			g = 0.3
		}
		rx.tNext = t + T + g*d
	}
}

// instant is the phase of the symbol instants the line gives, in samples.
func (rx *Receiver) instant() float64 {
	return -cmplx.Phase(rx.om) / (2 * math.Pi) * rx.r.symSamples
}

func (rx *Receiver) seekTimeout() {
	if rx.upFor > seekSymbols*int(rx.r.symSamples) {
		rx.fail()
	}
}

func (rx *Receiver) fail() {
	if debug {
		println("fail state", rx.state, "index", rx.index, "mism", rx.mismatches, "symbols", rx.symbols, "upFor", rx.upFor)
	}
	rx.state = rxFailed
	rx.sink.Status(modem.TrainingFailed)
}

// interp is the matched filter's output at time t (in samples), by cubic
// Lagrange interpolation between its outputs.
func (rx *Receiver) interp(t float64) complex128 {
	i := int64(math.Floor(t))
	f := t - float64(i)
	// Lagrange weights for the points -1, 0, 1, 2.
	fm1, f1, f2 := f+1, f-1, f-2
	w0 := -f * f1 * f2 / 6
	w1 := fm1 * f1 * f2 / 2
	w2 := -fm1 * f * f2 / 2
	w3 := fm1 * f * f1 / 6
	a, b, c, d := (i-1)%mLen, i%mLen, (i+1)%mLen, (i+2)%mLen
	re := w0*rx.mI[a] + w1*rx.mI[b] + w2*rx.mI[c] + w3*rx.mI[d]
	im := w0*rx.mQ[a] + w1*rx.mQ[b] + w2*rx.mQ[c] + w3*rx.mQ[d]
	return complex(re, im)
}

// symbol takes the matched filter's outputs half a symbol before the
// instant and at it.
func (rx *Receiver) symbol(half, y complex128) {
	rx.push(half)
	rx.push(y)
	rx.symbols++
	if rx.state == rxSeek {
		rx.seek(y)
		return
	}
	rx.train()
}

// push puts v in the equaliser's line.
func (rx *Receiver) push(v complex128) {
	p := rx.linePos
	rx.line[p], rx.line[p+eqLen] = v, v
	if p++; p == eqLen {
		p = 0
	}
	rx.linePos = p
}

// seek looks for segment 3's reversals in the raw symbols and starts the
// equaliser on them.
func (rx *Receiver) seek(y complex128) {
	prev := rx.prevY
	rx.prevY = y
	if real(y*cmplx.Conj(prev)) < -0.7*cmplx.Abs(y)*cmplx.Abs(prev) {
		rx.run++
		rx.runSq += y * y
		rx.runMag += cmplx.Abs(y)
	} else {
		rx.run, rx.runSq, rx.runMag = 0, 0, 0
	}
	if rx.run < minReversals {
		rx.seekTimeout()
		return
	}
	rx.gain = float64(rx.run) / rx.runMag
	rx.w = [eqLen]complex128{}
	rx.w[eqCenter] = complex(rx.gain, 0)
	rx.phi, rx.freq = cmplx.Phase(rx.runSq)/2, 0
	rx.mu, rx.k1, rx.k2 = 0.02, 0.1, 0.002
	rx.prevDec = 1
	rx.state = rxReversals
	rx.index = 0
	rx.omAlpha = 1.0 / 256
	rx.refPower = rx.power
}

// train runs the equaliser and phase tracker on one symbol and moves
// through the training.
func (rx *Receiver) train() {
	// The equaliser's window: oldest first.
	x := rx.line[rx.linePos : rx.linePos+eqLen]
	var z complex128
	for k := range eqLen {
		z += rx.w[eqLen-1-k] * x[k]
	}
	rot := cmplx.Rect(1, rx.phi)
	y := z * cmplx.Conj(rot)
	var d complex128
	switch rx.state {
	case rxReversals:
		d = sign(real(y))
		if d == rx.prevDec && rx.index > 0 {
			// Segment 4 starts with a 0-degree change: its first bit,
			// from the preset scrambler, is 0.
			rx.gen = scrambler{reg: seg4Preset}
			rx.conditionBit()
			rx.state = rxCondition
			rx.index = 1
			rx.mismatches = 0
		} else {
			rx.index++
			if rx.index > 2*reversalSymbols {
				rx.fail()
				return
			}
		}
	case rxCondition:
		d = rx.prevDec
		if rx.conditionBit() == 1 {
			d = -d
		}
		if sign(real(y)) != d {
			rx.mismatches++
		}
		rx.index++
		if rx.index == 64 && rx.mismatches > 8 || rx.index == conditionSymbols && rx.mismatches > conditionSymbols/16 {
			rx.fail()
			return
		}
		if rx.index == conditionSymbols {
			rx.state = rxOnes
			rx.index = 0
			rx.descram = rx.gen
			rx.prevIdx = 0
			if d == -1 {
				rx.prevIdx = 4
			}
			rx.mu, rx.k1, rx.k2 = 0.008, 0.05, 0.0005
			rx.omAlpha = 1.0 / 1024
			rx.sink.Status(modem.TrainingSucceeded)
		}
	case rxOnes, rxData:
		if m := real(y)*real(y) + imag(y)*imag(y); m < 0.5 {
			rx.weak++
			rx.ended = rx.ended || rx.weak >= 2
		} else {
			rx.weak = 0
		}
		idx := rx.decide(y)
		d = rx.points[idx]
		rx.bits((idx - rx.prevIdx) & 7)
		rx.prevIdx = idx
	}
	rx.prevDec = d
	// Phase: second-order loop on the decision's angle error.
	pe := imag(y * cmplx.Conj(d))
	rx.phi += rx.k1*pe + rx.freq
	rx.freq += rx.k2 * pe
	if rx.phi > math.Pi {
		rx.phi -= 2 * math.Pi
	} else if rx.phi < -math.Pi {
		rx.phi += 2 * math.Pi
	}
	// LMS, its step normalised by the input's power (1/gain^2).
	e := (d*rot - z) * complex(rx.mu*rx.gain*rx.gain, 0)
	for k := range eqLen {
		rx.w[eqLen-1-k] += e * cmplx.Conj(x[k])
	}
}

// conditionBit clocks the segment 4 generator for one symbol and returns
// the bit that chooses its phase change.
func (rx *Receiver) conditionBit() int {
	b := rx.gen.scramble(1)
	rx.gen.scramble(1)
	rx.gen.scramble(1)
	return b
}

// decide returns the constellation point nearest y, in 45 degrees.
func (rx *Receiver) decide(y complex128) int {
	a := cmplx.Phase(y)
	if rx.r.bits == 2 {
		return 2 * (int(math.Round(a/(math.Pi/2))) & 3)
	}
	return int(math.Round(a/(math.Pi/4))) & 7
}

// bits descrambles the bits of a phase change and gives them to the sink
// once the data has started, pendLen symbols late: when the signal fades
// (the end of the turn-off) the symbols held back are dropped, for they
// were already the fade.
func (rx *Receiver) bits(change int) {
	if rx.state == rxOnes {
		rx.give(change, false)
		rx.index++
		if rx.index == onesSymbols {
			rx.state = rxData
		}
		return
	}
	if rx.ended {
		rx.npend = 0
		return
	}
	if rx.npend == pendLen {
		rx.give(rx.pend[0], true)
		copy(rx.pend[:], rx.pend[1:])
		rx.npend--
	}
	rx.pend[rx.npend] = change
	rx.npend++
}

// give descrambles a symbol's bits, to the sink if out is set.
func (rx *Receiver) give(change int, out bool) {
	var v, nb int
	if rx.r.bits == 3 {
		v, nb = phaseTribit[change], 3
	} else {
		v, nb = phaseDibit[change/2], 2
	}
	for i := nb - 1; i >= 0; i-- {
		b := rx.descram.descramble(v >> i & 1)
		if out {
			rx.sink.Bit(b)
		}
	}
}

func sign(v float64) complex128 {
	if v < 0 {
		return -1
	}
	return 1
}

func dot(a, b []float64) float64 {
	b = b[:len(a)]
	var s0, s1 float64
	i := 0
	for ; i+1 < len(a); i += 2 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
	}
	if i < len(a) {
		s0 += a[i] * b[i]
	}
	return s0 + s1
}
