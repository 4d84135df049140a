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

const (
	eqLen    = 13 // equaliser taps, half a symbol apart
	eqCenter = 6  // the tap of the symbol decided (even: a symbol instant)

	// Carrier-down comes this long below the off level: 10 ms before
	// training (a V.21 message's end must be seen within the 55 ms or
	// more before the training that follows it), 30 ms after.
	hangSamples        = 80
	trainedHangSamples = 240
	seekSamples        = sampleRate // a second of carrier without reversals: not V.27ter
	minReversals       = 10         // raw reversals before training starts (short training has 14)
	mLen               = 64         // matched filter outputs kept for interpolation
	rxSpan             = 2          // the matched filter's half length in symbols: the equaliser makes up for the rest
	pendLen            = 5          // data symbols held back until the next are known not to be the fade
	floorRise          = 1 + 1.0/3500
	powerShift         = 1.0 / 32 // 4 ms
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
	tapsI    []float64 // the matched filter moved to the carrier, from its centre out (see fold)
	tapsQ    []float64
	buf      []float64 // the input twice over, so a window is one slice
	pos      int
	aI, aQ   [mLen]float64 // the filter's outputs, still on the carrier
	n        int64

	onPower, offPower float64
	power             float64
	refPower          float64
	state             int
	below             int

	omI     float64 // the spectral line of |m|^2 at the symbol rate
	omQ     float64
	omPower float64
	omAlpha float64
	omTab   []float64 // its phasor by sample, cos and sin interleaved
	omIdx   int
	upFor   int // samples since carrier-up
	timing  bool
	tNext   float64

	line         [2 * eqLen]complex128
	linePos      int
	w            [eqLen]complex128
	gain         float64
	mu           float64
	rot          complex128 // the carrier's phase, as a phasor
	freq         float64
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
	energy       [4]float64   // the last symbols' energies, trained to 1
	ended        bool         // the signal has faded: no more bits
	pend         [pendLen]int // phase changes not yet given as bits
	npend        int
	floor        float64 // the quietest power since the last signal
	holdoff      int     // samples after carrier-down before another
	dropPower    float64 // once trained, 12 dB under the training's power: the end
}

var _ modem.Receiver = (*Receiver)(nil)

// NewReceiver returns a receiver at bitRate (4800 or 2400) giving its
// bits and status to sink. An unknown rate is [modem.ErrRate].
func NewReceiver(bitRate int, sink modem.Sink) (*Receiver, error) {
	rx := &Receiver{
		sink:  sink,
		tapsI: make([]float64, 0, 64),
		tapsQ: make([]float64, 0, 64),
		buf:   make([]float64, 0, 128),
		omTab: make([]float64, 0, 40),
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
	clear(rx.buf)
	rx.pos, rx.n = 0, 0
	rx.omIdx = 0
	rx.power = 0
	rx.idle()
	rx.floor, rx.holdoff = 0, 0
	return nil
}

// makeFilters makes the matched filter and the symbol-rate line's table.
func (rx *Receiver) makeFilters() {
	T := rx.r.symSamples
	l := 2*int(rxSpan*T) + 1
	// Mixing down then filtering by h is filtering by h moved up to the
	// carrier, then mixing down: m(n) = e^-jwn sum h(k) e^jwk x(n-k). The
	// filter on the real input costs half the mixed one, and only the
	// few outputs the symbols need are mixed down.
	// h is even about its centre c, so taking the carrier's phase from
	// there, samples c+d and c-d share a cosine and, negated, a sine:
	// their sum and difference need half the multiplies. (The constant
	// phase this adds is the phase loop's to take out.)
	c := l / 2
	rx.tapsI, rx.tapsQ = rx.tapsI[:c+1], rx.tapsQ[:c+1]
	for d := range c + 1 {
		h := rrc(float64(d) / T)
		w := 2 * math.Pi * 9 * float64(d) / carrierPeriod
		rx.tapsI[d], rx.tapsQ[d] = h*math.Cos(w), h*math.Sin(w)
	}
	rx.buf = rx.buf[:2*l]
	// The line's phase repeats after the samples of a whole number of
	// symbols: 5 samples at 1600 baud, 20 at 1200.
	p := 5
	if rx.r.bits == 2 {
		p = 20
	}
	rx.omTab = rx.omTab[:2*p]
	for i := range p {
		a := -2 * math.Pi * float64(i) / T
		rx.omTab[2*i], rx.omTab[2*i+1] = math.Cos(a), math.Sin(a)
	}
}

// idle forgets the signal.
func (rx *Receiver) idle() {
	rx.state = rxIdle
	rx.below = 0
	rx.omI, rx.omQ, rx.omPower = 0, 0, 0
	rx.omAlpha = 1.0 / 32
	rx.upFor = 0
	rx.timing = false
	rx.run, rx.runSq, rx.runMag = 0, 0, 0
	rx.symbols = 0
	rx.prevY = 0
	rx.energy, rx.ended = [4]float64{1, 1, 1, 1}, false
	rx.npend = 0
	rx.dropPower = 0
}

// Receive demodulates the samples in, giving bits and status to the sink.
func (rx *Receiver) Receive(in []int16) {
	l := len(rx.buf) / 2
	for _, s := range in {
		x := float64(s)
		rx.power += (x*x - rx.power) * powerShift
		rx.buf[rx.pos], rx.buf[rx.pos+l] = x, x
		rx.pos++
		if rx.pos == l {
			rx.pos = 0
		}
		oi := rx.omIdx
		rx.omIdx++
		if 2*rx.omIdx == len(rx.omTab) {
			rx.omIdx = 0
		}
		n := rx.n
		rx.n++
		// The carrier detector's common case, here without a call: a
		// carrier that stays.
		if rx.state != rxIdle && rx.power >= rx.offPower && rx.power >= rx.dropPower {
			rx.below = 0
			if rx.state == rxFailed {
				continue
			}
		} else if !rx.detect() {
			continue
		}
		mi, mq := fold(rx.tapsI, rx.tapsQ, rx.buf[rx.pos:rx.pos+l])
		rx.aI[n&(mLen-1)], rx.aQ[n&(mLen-1)] = mi, mq
		e := mi*mi + mq*mq
		rx.omI += (e*rx.omTab[2*oi] - rx.omI) * rx.omAlpha
		rx.omQ += (e*rx.omTab[2*oi+1] - rx.omQ) * rx.omAlpha
		rx.omPower += (e - rx.omPower) * rx.omAlpha
		rx.upFor++
		if !rx.timing || rx.tNext <= float64(n)-2 {
			rx.clock(float64(n))
		}
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
	trained := rx.state == rxOnes || rx.state == rxData
	if rx.power < rx.offPower || rx.power < rx.dropPower {
		rx.below++
		if rx.below > hangSamples && (!trained || rx.below > trainedHangSamples) {
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
		if rx.upFor < len(rx.buf) || math.Hypot(rx.omI, rx.omQ) < 0.25*rx.omPower {
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
		// Pull the instants toward the line's: a little each symbol
		// while training, in data every fourth symbol (the line moves
		// slowly: 100 ppm is a sample in 10,000).
		rx.tNext = t + T
		if rx.state < rxData || rx.symbols&3 == 0 {
			d := rx.instant() - t
			d -= T * math.Round(d/T)
			g := 0.2
			if rx.state <= rxReversals {
				g = 0.3
			} else if rx.state < rxData {
				g = 0.05
			}
			rx.tNext += g * d
		}
	}
}

// instant is the phase of the symbol instants the line gives, in samples.
func (rx *Receiver) instant() float64 {
	return -math.Atan2(rx.omQ, rx.omI) / (2 * math.Pi) * rx.r.symSamples
}

func (rx *Receiver) seekTimeout() {
	if rx.upFor > seekSamples {
		rx.fail()
	}
}

func (rx *Receiver) fail() {
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
	return complex(w0, 0)*rx.at(i-1) + complex(w1, 0)*rx.at(i) + complex(w2, 0)*rx.at(i+1) + complex(w3, 0)*rx.at(i+2)
}

// at is the matched filter's output at sample i, mixed down.
func (rx *Receiver) at(i int64) complex128 {
	c := i % carrierPeriod
	k := i & (mLen - 1)
	return complex(rx.aI[k], rx.aQ[k]) * complex(rx.cos[c], -rx.sin[c])
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
	rx.rot, rx.freq = cmplx.Rect(1, cmplx.Phase(rx.runSq)/2), 0
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
	rot := rx.rot
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
			rx.dropPower = rx.refPower / 16
			rx.sink.Status(modem.TrainingSucceeded)
		}
	case rxOnes, rxData:
		// The signal has ended when the last four symbols have
		// together less than 0.6 of one trained symbol's energy. (At
		// 4 dB SNR, 2400 bit/s, where a few bits in a thousand are
		// wrong, the weakest four in a row in 6000 had 0.8.)
		m := real(y)*real(y) + imag(y)*imag(y)
		rx.energy[rx.symbols%len(rx.energy)] = m
		if rx.energy[0]+rx.energy[1]+rx.energy[2]+rx.energy[3] < 0.6 {
			rx.ended = true
		}
		idx := rx.decide(y)
		d = rx.points[idx]
		rx.bits((idx - rx.prevIdx) & 7)
		rx.prevIdx = idx
	}
	rx.prevDec = d
	// Phase: second-order loop on the decision's angle error.
	pe := imag(y * cmplx.Conj(d))
	dp := rx.k1*pe + rx.freq
	rx.freq += rx.k2 * pe
	// Turn the phasor by dp (small), keeping its magnitude at 1.
	r := rx.rot * complex(1-dp*dp/2, dp)
	m := real(r)*real(r) + imag(r)*imag(r)
	rx.rot = r * complex(1.5-m/2, 0)
	// LMS, its step normalised by the input's power (1/gain^2); in data
	// every other symbol, with twice the step: the channel moves slowly.
	mu := rx.mu
	if rx.state == rxData {
		if rx.symbols&1 == 0 {
			return
		}
		mu *= 2
	}
	e := (d*rot - z) * complex(mu*rx.gain*rx.gain, 0)
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

// decide returns the constellation point nearest y, in 45 degrees, by
// its sector (no arctangent): turned by half a sector, y's quadrant and
// which side of the quadrant's diagonal it is on give the point.
func (rx *Receiver) decide(y complex128) int {
	if rx.r.bits == 2 {
		return 2 * quadrant(y*complex(math.Sqrt2/2, math.Sqrt2/2))
	}
	y *= complex(cos8, sin8)
	q := quadrant(y)
	switch q { // into the first quadrant
	case 1:
		y *= -1i
	case 2:
		y = -y
	case 3:
		y *= 1i
	}
	if imag(y) > real(y) {
		return 2*q + 1
	}
	return 2 * q
}

// cos8, sin8 turn by 22.5 degrees.
const (
	cos8 = 0.92387953251128675613
	sin8 = 0.38268343236508977173
)

func quadrant(y complex128) int {
	switch {
	case real(y) >= 0 && imag(y) >= 0:
		return 0
	case real(y) < 0 && imag(y) >= 0:
		return 1
	case real(y) < 0:
		return 2
	}
	return 3
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

// fold is the filter of taps ci (cosine) and si (sine) from the centre
// of x outward, on x (odd length): the sums of the samples d before and
// after the centre go by ci[d], their differences (earlier minus later)
// by si[d].
func fold(ci, si, x []float64) (float64, float64) {
	c := len(x) / 2
	x = x[:2*c+1]
	ci, si = ci[:c+1], si[:c+1]
	re, im := ci[0]*x[c], 0.0
	for d := 1; d <= c; d++ {
		a, b := x[c+d], x[c-d]
		re += ci[d] * (a + b)
		im += si[d] * (b - a)
	}
	return re, im
}
