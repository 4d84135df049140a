package v17

import (
	"fmt"
	"math"

	"github.com/potsgate/potsgate/media"
	"github.com/potsgate/potsgate/media/modem"
)

// Receiver sizes.
const (
	mfTaps   = 32  // matched filter, input samples (+/- 4.8 symbols)
	mfSpan   = 4.5 // symbols each side of the matched filter's window
	mfPhases = 64  // fractional delays of the matched filter
	ringLen  = 64  // baseband history, a power of two above mfTaps
	eqLen    = 25  // equalizer taps, T/2 spaced
	eqCentre = 12
	tbDepth  = 16 // Viterbi traceback, symbols
	tbBlock  = 8  // symbols decided at each traceback
	tbRing   = 32 // survivors kept, a power of two >= tbDepth+tbBlock
	histLen  = 128
	// acquireLen is how long energy may last without segment 1 before
	// TrainingFailed: past the talker echo protection (480 symbols of
	// carrier, 48 of silence) that may come before the training.
	acquireLen = 800
)

// Carrier detection, as the powers of sines at these levels: a signal
// of -43 dBm0 must be seen, one under -48 dBm0 must not; the on level is
// a little under -43 so that a -43 dBm0 signal, whose measured power
// wanders, is not missed.
var (
	onPower  = sinePower(-45)
	offPower = sinePower(-49)
)

func sinePower(dBm0 float64) float64 {
	a := media.SineAmplitude(dBm0)
	return a * a / 2
}

// Receiver states.
const (
	rxIdle     = iota // no carrier
	rxAcquire         // carrier: timing and gain settle, then A B A B is sought
	rxSeg1            // A B A B found, carrier phase known
	rxSeg2            // scrambled ones on C D B A
	rxBoundary        // segment 2 ended: which symbol was its last is decided
	rxBridge          // segment 3
	rxData            // segment 4 and data, trellis decoded
	rxFailed          // training not recognised: wait for the carrier to go
)

var _ modem.Receiver = (*Receiver)(nil)

// Receiver is a V.17 demodulator: it finds the training, trains its
// equalizer on it and gives the descrambled data bits to its Sink. It
// implements [modem.Receiver].
type Receiver struct {
	sink  modem.Sink
	info  rateInfo
	short bool

	mf      [mfPhases][mfTaps]float64
	carrier [40][2]float64

	// Front end.
	power   float64
	on      bool
	carrPos int
	bre     [ringLen * 2]float64 // baseband ring, written twice so a window is contiguous
	bim     [ringLen * 2]float64
	bpos    int
	due     float64 // time of the next T/2 sample, samples after the newest
	tstep   float64 // T/2 in samples, corrected by the timing loop
	half    bool    // the next T/2 sample is a symbol's middle
	prev    [2]float64
	mid     [2]float64
	gain    float64
	mfPower float64

	// Equalizer.
	wre, wim [eqLen]float64
	ure, uim [eqLen * 2]float64
	upos     int
	trained  bool // the taps hold a long training's result

	// Carrier.
	phase, freq float64

	// Training.
	state   int
	sym     int // symbols since the carrier came
	zhist   [8][2]float64
	expect  int // next point of segment 1
	seg1At  int
	seg2At  int
	onesRun int
	desc    uint32
	// Segment 2 read four ways until one gives ones (see seg2).
	turnKnown bool
	desc4     [4]uint32
	ones4     [4]int
	regs4     [histLen][4]uint32
	pts       [histLen]int8       // segment 2/3 decisions
	regs      [histLen]uint32     // descrambler before each symbol
	ys        [histLen][2]float64 // rotated equalizer output
	endAt     int                 // first symbol seen not to be segment 2
	seg3At    int
	dataAt    int // first data symbol
	vitFrom   int
	reported  bool

	// Trellis decoding.
	pm     [8]float64
	surv   [tbRing][8]struct{ prev, idx uint8 }
	vitN   int
	prevY  int
	subIdx [8]int
	subD   [8]float64
	near   *nearTable
	cs, sn float64 // the rotation of the last symbol
}

// NewReceiver makes a receiver for bitRate (14400, 12000, 9600 or 7200)
// expecting the long training, giving what it receives to sink.
func NewReceiver(bitRate int, sink modem.Sink) (*Receiver, error) {
	r := &Receiver{sink: sink}
	// The matched filter's taps for each fractional delay: tap i of
	// phase p weighs the sample 19-i+(p+0.5)/64 samples before the
	// sampling instant. Unit gain for a symbol.
	const sps = media.SampleRate / 2400.0
	var e float64
	for i := range mfTaps {
		v := rrc((float64(mfTaps/2-1-i)+0.5/mfPhases)/sps, mfSpan)
		e += v * v
	}
	for p := range r.mf {
		for i := range mfTaps {
			r.mf[p][i] = rrc((float64(mfTaps/2-1-i)+(float64(p)+0.5)/mfPhases)/sps, mfSpan) / math.Sqrt(e)
		}
	}
	for n := range r.carrier {
		w := 2 * math.Pi * 1800 * float64(n) / media.SampleRate
		r.carrier[n] = [2]float64{math.Cos(w), -math.Sin(w)}
	}
	if err := r.Restart(bitRate, false); err != nil {
		return nil, err
	}
	return r, nil
}

// Restart makes the receiver wait for a new signal at bitRate, with the
// short training when shortTrain is set: the equalizer then starts from
// what the last long training learned (a long training, should one come
// instead, is taken as well). A long one forgets what was learned.
func (r *Receiver) Restart(bitRate int, shortTrain bool) error {
	info, ok := rate(bitRate)
	if !ok {
		return fmt.Errorf("v17: %d bit/s: %w", bitRate, modem.ErrRate)
	}
	r.info = info
	r.near = info.near()
	r.short = shortTrain
	if !shortTrain {
		r.trained = false
	}
	r.on = false
	r.power = 0
	r.state = rxIdle
	return nil
}

// Receive demodulates the next samples of the line.
func (r *Receiver) Receive(in []int16) {
	for _, s := range in {
		x := float64(s)
		r.power += (x*x - r.power) * (1.0 / 64)
		if !r.on {
			if r.power > onPower {
				r.carrierUp()
			}
		} else if r.power < offPower {
			r.carrierDown()
		}
		c := &r.carrier[r.carrPos]
		if r.carrPos++; r.carrPos == len(r.carrier) {
			r.carrPos = 0
		}
		r.bpos = (r.bpos + 1) & (ringLen - 1)
		re, im := x*c[0], x*c[1]
		r.bre[r.bpos], r.bre[r.bpos+ringLen] = re, re
		r.bim[r.bpos], r.bim[r.bpos+ringLen] = im, im
		if !r.on {
			continue
		}
		r.due--
		for r.due <= -mfTaps/2 {
			r.halfSample()
		}
	}
}

func (r *Receiver) carrierUp() {
	r.on = true
	r.sink.Status(modem.CarrierUp)
	r.state = rxAcquire
	r.sym = 0
	r.due = 0
	r.tstep = media.SampleRate / 4800.0
	r.half = false
	r.gain = 0
	r.mfPower = 0
	r.phase, r.freq = 0, 0
	r.reported = false
	r.ure, r.uim = [eqLen * 2]float64{}, [eqLen * 2]float64{}
	if !r.short || !r.trained {
		r.wre, r.wim = [eqLen]float64{}, [eqLen]float64{}
		r.wre[eqCentre] = 1
	}
}

func (r *Receiver) carrierDown() {
	r.on = false
	if r.state != rxIdle && !r.reported {
		r.sink.Status(modem.TrainingFailed)
	}
	r.state = rxIdle
	r.sink.Status(modem.CarrierDown)
}

// halfSample makes the matched filter's output at the T/2 instant due.
func (r *Receiver) halfSample() {
	fl := math.Floor(r.due)
	frac := r.due - fl
	p := int(frac * mfPhases)
	// The window's last tap is on the sample 20 after the instant's
	// integer part.
	end := r.bpos + int(fl) + mfTaps/2
	start := end - mfTaps + 1 + ringLen
	c := &r.mf[p]
	xr := (*[mfTaps]float64)(r.bre[start:])
	xi := (*[mfTaps]float64)(r.bim[start:])
	// Four partial sums each, so the additions overlap.
	var r0, r1, r2, r3, i0, i1, i2, i3 float64
	for i := 0; i < mfTaps; i += 4 {
		r0 += xr[i] * c[i]
		r1 += xr[i+1] * c[i+1]
		r2 += xr[i+2] * c[i+2]
		r3 += xr[i+3] * c[i+3]
		i0 += xi[i] * c[i]
		i1 += xi[i+1] * c[i+1]
		i2 += xi[i+2] * c[i+2]
		i3 += xi[i+3] * c[i+3]
	}
	yr := (r0 + r1) + (r2 + r3)
	yi := (i0 + i1) + (i2 + i3)
	r.due += r.tstep
	r.mfPower += (yr*yr + yi*yi - r.mfPower) * (1.0 / 32)
	// The gain follows the signal until segment 2: A B A B has a
	// constant power, and a carrier held up by noise before the signal
	// must not leave the gain set for the noise.
	if r.state == rxAcquire || r.state == rxSeg1 {
		r.gain = math.Sqrt(40 / max(r.mfPower, 1e-9))
	}
	yr *= r.gain
	yi *= r.gain
	r.upos--
	if r.upos < 0 {
		r.upos = eqLen - 1
	}
	r.ure[r.upos], r.ure[r.upos+eqLen] = yr, yr
	r.uim[r.upos], r.uim[r.upos+eqLen] = yi, yi
	if r.half {
		r.mid = [2]float64{yr, yi}
		r.half = false
		return
	}
	r.half = true
	// Gardner's timing error: negative when sampling late.
	e := ((r.prev[0]-yr)*r.mid[0] + (r.prev[1]-yi)*r.mid[1]) / 40
	r.prev = [2]float64{yr, yi}
	// The loop is fast while A B A B (whose transitions say most about
	// timing) is sent, slower during the rest of the training, slowest in
	// data, where the equalizer follows what is left.
	kp, ki := 0.01, 0.00001
	switch r.state {
	case rxAcquire, rxSeg1:
		kp, ki = 0.05, 0
	case rxSeg2, rxBoundary, rxBridge:
		kp, ki = 0.02, 0.00003
	}
	e = max(-1, min(1, e))
	r.due += kp * e
	r.tstep += ki * e
	r.tstep = max(1.6, min(1.74, r.tstep))
	r.symbol()
}

// equalize is the equalizer's output for the newest symbol.
func (r *Receiver) equalize() (float64, float64) {
	ur := (*[eqLen]float64)(r.ure[r.upos:])
	ui := (*[eqLen]float64)(r.uim[r.upos:])
	w, v := &r.wre, &r.wim
	var a0, a1, b0, b1, c0, c1, d0, d1 float64
	for i := 0; i < eqLen-1; i += 2 {
		a0 += w[i] * ur[i]
		a1 += w[i+1] * ur[i+1]
		b0 += v[i] * ui[i]
		b1 += v[i+1] * ui[i+1]
		c0 += w[i] * ui[i]
		c1 += w[i+1] * ui[i+1]
		d0 += v[i] * ur[i]
		d1 += v[i+1] * ur[i+1]
	}
	const l = eqLen - 1
	zr := (a0 + a1) - (b0 + b1) + (w[l]*ur[l] - v[l]*ui[l])
	zi := (c0 + c1) + (d0 + d1) + (w[l]*ui[l] + v[l]*ur[l])
	return zr, zi
}

// adapt moves the equalizer and the carrier towards decision d of the
// rotated output y; z is the output before rotation.
func (r *Receiver) adapt(yr, yi, dr, di float64, mu float64, kphase, kfreq float64) {
	er, ei := dr-yr, di-yi
	if mu > 0 {
		// The error back in the equalizer's frame.
		cs, sn := r.cs, r.sn
		er2, ei2 := er*cs-ei*sn, er*sn+ei*cs
		ur := (*[eqLen]float64)(r.ure[r.upos:])
		ui := (*[eqLen]float64)(r.uim[r.upos:])
		g := mu / (eqLen * 40)
		er2 *= g
		ei2 *= g
		for i := range eqLen {
			// w += mu e conj(u)
			r.wre[i] += er2*ur[i] + ei2*ui[i]
			r.wim[i] += ei2*ur[i] - er2*ui[i]
		}
	}
	d2 := dr*dr + di*di
	if d2 > 0 {
		perr := (yi*dr - yr*di) / d2
		r.phase += kphase * perr
		r.freq += kfreq * perr
	}
}

func (r *Receiver) rotate(zr, zi float64) (float64, float64) {
	r.phase += r.freq
	if r.phase > math.Pi {
		r.phase -= 2 * math.Pi
	} else if r.phase < -math.Pi {
		r.phase += 2 * math.Pi
	}
	r.sn, r.cs = math.Sincos(r.phase)
	return zr*r.cs + zi*r.sn, zi*r.cs - zr*r.sn
}

func sq(x, y float64) float64 { return x*x + y*y }

func nearestABCD(yr, yi float64) int {
	best, bd := 0, math.Inf(1)
	for i, p := range pointsABCD {
		dr, di := yr-float64(p[0]), yi-float64(p[1])
		if d := dr*dr + di*di; d < bd {
			best, bd = i, d
		}
	}
	return best
}

func (r *Receiver) descramble(b int) int {
	out := (b ^ int(r.desc>>17) ^ int(r.desc>>22)) & 1
	r.desc = r.desc<<1 | uint32(b&1)
	return out
}

// fail reports a training not recognised and looks for another while
// the carrier lasts.
func (r *Receiver) fail() {
	r.sink.Status(modem.TrainingFailed)
	r.reported = true
	r.state = rxAcquire
	r.sym = 0
	r.freq = 0
	if !r.short || !r.trained {
		r.wre, r.wim = [eqLen]float64{}, [eqLen]float64{}
		r.wre[eqCentre] = 1
	}
}

// symbol runs the training and data logic on one symbol.
func (r *Receiver) symbol() {
	r.sym++
	zr, zi := r.equalize()
	switch r.state {
	case rxAcquire:
		copy(r.zhist[1:], r.zhist[:7])
		r.zhist[0] = [2]float64{zr, zi}
		if r.sym < 40 {
			return
		}
		if r.sym > acquireLen {
			// Energy without A B A B (noise, another modem's signal):
			// say so once, and keep looking, for the training may
			// still come while the energy lasts.
			if !r.reported {
				r.sink.Status(modem.TrainingFailed)
				r.reported = true
			}
			r.sym = 0
			return
		}
		r.findABAB()
		return
	case rxFailed, rxIdle:
		return
	}
	yr, yi := r.rotate(zr, zi)
	k := r.sym & (histLen - 1)
	r.ys[k] = [2]float64{yr, yi}
	switch r.state {
	case rxSeg1:
		// Segment 1 lasts while the output repeats every second symbol:
		// a line that bends the angle between A and B may leave them
		// nearer other training points than their own before the
		// equalizer has learnt it, so decisions do not say.
		p1 := r.ys[(r.sym-1)&(histLen-1)]
		p2 := r.ys[(r.sym-2)&(histLen-1)]
		if r.sym-r.seg1At > 2 && sq(yr-p2[0], yi-p2[1]) > 0.3*sq(p1[0]-p2[0], p1[1]-p2[1]) {
			r.state = rxSeg2
			r.seg2At = r.sym
			r.onesRun = 0
			r.turnKnown = false
			r.ones4 = [4]int{}
			r.seg2(nearestABCD(yr, yi), yr, yi)
			return
		}
		// The equalizer learns from the known points what A B A B shows
		// of the line: its response at the carrier and the band edges.
		p := pointsABCD[r.expect]
		r.expect ^= 1
		mu := 0.0
		if r.sym-r.seg1At > 16 {
			mu = 0.05
		}
		r.adapt(yr, yi, float64(p[0]), float64(p[1]), mu, 0.1, 0.002)
		if r.sym-r.seg1At > seg1Len+50 {
			r.fail()
		}
	case rxSeg2:
		d := nearestABCD(yr, yi)
		r.seg2(d, yr, yi)
	case rxBoundary:
		d := nearestABCD(yr, yi)
		r.pts[k] = int8(d)
		if r.sym-r.endAt >= 20 {
			r.resolve()
		}
	case rxBridge:
		d := nearestABCD(yr, yi)
		p := pointsABCD[d]
		r.adapt(yr, yi, float64(p[0]), float64(p[1]), 0.05, 0.05, 0.0005)
		if r.sym+1 >= r.seg3At+seg3Len {
			r.startData(r.sym + 1)
		}
	case rxData:
		r.data(yr, yi, true)
	}
}

// findABAB looks for segment 1 in the last eight outputs: two points
// taken in turn, neither in line with the other. A and B are a quarter
// turn apart as sent; a line that weighs the carrier and the band edges
// differently bends that angle, so only the alternation is asked for.
func (r *Receiver) findABAB() {
	h := &r.zhist
	for i := range 6 {
		a, b, c := h[i+2], h[i+1], h[i] // c follows b follows a
		// Period two: c is a again, far from b.
		same := sq(c[0]-a[0], c[1]-a[1])
		step := sq(c[0]-b[0], c[1]-b[1])
		// (The gain makes the power about 40: A to B is 80.)
		if same > 0.1*step || step < 0.2*(sq(c[0], c[1])+sq(b[0], b[1])) || step < 8 {
			return
		}
		// Not in line: the turn from b to c is between 17 and 163
		// degrees either way.
		cr := c[0]*b[0] + c[1]*b[1]
		ci := c[1]*b[0] - c[0]*b[1]
		if math.Abs(ci) < 0.3*math.Hypot(cr, ci) {
			return
		}
	}
	// The newest went forwards from its predecessor: it is B.
	newestB := false
	{
		a, b := h[1], h[0]
		newestB = b[1]*a[0]-b[0]*a[1] > 0
	}
	var sr, si float64
	for i := range 8 {
		want := ptA
		if (i%2 == 0) == newestB {
			want = ptB
		}
		p := pointsABCD[want]
		// z conj(p)
		sr += h[i][0]*float64(p[0]) + h[i][1]*float64(p[1])
		si += h[i][1]*float64(p[0]) - h[i][0]*float64(p[1])
	}
	r.phase = math.Atan2(si, sr)
	r.freq = 0
	r.seg1At = r.sym
	r.expect = ptA
	if !newestB {
		r.expect = ptB
	}
	r.state = rxSeg1
}

// seg2 checks one segment 2 symbol: its bits, descrambled, are ones.
// Until they are, four readings are tried, the points turned by 0 to 3
// quarter turns: a line that bends A B A B may have had segment 1 read
// with A and B swapped, which puts the carrier's phase a quarter turn out.
func (r *Receiver) seg2(d int, yr, yi float64) {
	k := r.sym & (histLen - 1)
	r.pts[k] = int8(d)
	p := pointsABCD[d]
	r.adapt(yr, yi, float64(p[0]), float64(p[1]), 0.1, 0.05, 0.001)
	if !r.turnKnown {
		for h := range r.desc4 {
			r.regs4[k][h] = r.desc4[h]
			b := seg2Bits[(d+h)&3]
			reg := r.desc4[h]
			o := (b>>1 ^ int(reg>>17) ^ int(reg>>22)) & 1
			reg = reg<<1 | uint32(b>>1)
			o &= (b ^ int(reg>>17) ^ int(reg>>22)) & 1
			reg = reg<<1 | uint32(b&1)
			r.desc4[h] = reg
			if o == 1 {
				r.ones4[h]++
			} else {
				r.ones4[h] = 0
			}
			if r.ones4[h] >= 16 {
				r.turn(h)
				return
			}
		}
		// Ones show within a hundred symbols of segment 2's start
		// (twelve fill the descrambler), or this was not a training.
		if r.sym-r.seg2At > 100 {
			r.fail()
		}
		return
	}
	r.regs[k] = r.desc
	b := seg2Bits[d]
	o := r.descramble(b >> 1)
	o &= r.descramble(b & 1)
	if o == 1 {
		r.onesRun++
	} else {
		r.state = rxBoundary
		r.endAt = r.sym
		return
	}
	if r.sym-r.seg2At > seg2Long+300 {
		r.fail()
	}
}

// turn settles the reading of segment 2 as h quarter turns from the
// points decided: the carrier's phase and what the history holds turn
// with it.
func (r *Receiver) turn(h int) {
	r.turnKnown = true
	r.phase -= float64(h) * math.Pi / 2
	for i := range r.ys {
		y := r.ys[i]
		for range h {
			y = [2]float64{-y[1], y[0]}
		}
		r.ys[i] = y
		r.pts[i] = int8((int(r.pts[i]) + h) & 3)
		r.regs[i] = r.regs4[i][h]
	}
	r.desc = r.desc4[h]
	r.onesRun = r.ones4[h]
}

// resolve decides which symbol began what follows segment 2 (the bridge,
// or segment 4 after a short training): the first symbol whose bits do
// not descramble to ones may be a few after it, by chance.
//
// Whether the training was long or short is what segment 2's length
// says, not what Restart was told: a receiver set for one takes the other
// too (after a short one unexpected, from an equalizer that starts
// afresh, when it can).
func (r *Receiver) resolve() {
	long := r.endAt-r.seg2At > (seg2Long+seg2Short)/2
	best, bestMiss := -1, 1<<30
	for q := r.endAt; q >= r.endAt-4 && q > r.seg2At+12; q-- {
		var miss int
		if !long {
			miss = r.checkSeg4(q)
		} else {
			miss = r.checkBridge(q)
		}
		if miss < bestMiss {
			best, bestMiss = q, miss
		}
	}
	if best < 0 || bestMiss > 2 {
		r.fail()
		return
	}
	r.sink.Status(modem.TrainingSucceeded)
	r.reported = true
	if long {
		r.trained = true
	} else {
		r.dataAt = best + seg4Len
		r.startData(best)
		// Catch up on the symbols since then.
		for s := best; s <= r.sym; s++ {
			y := r.ys[s&(histLen-1)]
			r.data(y[0], y[1], false)
		}
		return
	}
	r.seg3At = best
	r.dataAt = best + seg3Len + seg4Len
	r.state = rxBridge
	if r.sym+1 >= r.seg3At+seg3Len {
		r.startData(r.sym + 1)
	}
}

// checkBridge counts the bits of symbols q... that do not descramble to
// the bridge word, were q the first bridge symbol.
func (r *Receiver) checkBridge(q int) int {
	reg := r.regs[q&(histLen-1)]
	miss := 0
	for j := range 16 {
		s := q + j
		step := (int(r.pts[s&(histLen-1)]) - int(r.pts[(s-1)&(histLen-1)])) & 3
		b := bridgeBits[step]
		sh := uint(j&7) * 2
		for n, bit := range [2]int{b >> 1, b & 1} {
			out := (bit ^ int(reg>>17) ^ int(reg>>22)) & 1
			reg = reg<<1 | uint32(bit)
			if out != bridgeWord>>(sh+uint(n))&1 {
				miss++
			}
		}
	}
	return miss
}

// checkSeg4 counts the bits of symbols q... that do not descramble to
// ones, sliced as data, were q the first symbol of segment 4. The first
// symbol's differential pair is left out: it depends on what preceded.
func (r *Receiver) checkSeg4(q int) int {
	reg := r.regs[q&(histLen-1)]
	miss, nbits := 0, 0
	prevY := -1
	for s := q; nbits < 18; s++ {
		y := r.ys[s&(histLen-1)]
		idx := r.slice(y[0], y[1])
		y12 := idx >> 1 & 3
		q12 := (y12 - prevY) & 3
		for i := range r.info.bits {
			var bit int
			if i < 2 {
				bit = q12 >> i & 1
			} else {
				bit = idx >> (i + 1) & 1
			}
			out := (bit ^ int(reg>>17) ^ int(reg>>22)) & 1
			reg = reg<<1 | uint32(bit)
			if (i >= 2 || prevY >= 0) && out != 1 {
				miss++
			}
			nbits++
		}
		prevY = y12
	}
	return miss
}

// slice is the constellation point nearest y.
func (r *Receiver) slice(yr, yi float64) int {
	best, bd := 0, math.Inf(1)
	for i, p := range r.info.points {
		dr, di := yr-float64(p[0]), yi-float64(p[1])
		if d := dr*dr + di*di; d < bd {
			best, bd = i, d
		}
	}
	return best
}

// startData starts trellis decoding at symbol from.
func (r *Receiver) startData(from int) {
	r.state = rxData
	r.vitFrom = from
	r.vitN = 0
	r.pm = [8]float64{}
}

// data runs one symbol through the trellis decoder; with track it also
// adapts the equalizer and carrier to the nearest point.
func (r *Receiver) data(yr, yi float64, track bool) {
	pts := r.info.fp
	cx := int((yr + nearHalf) * nearScale)
	cy := int((yi + nearHalf) * nearScale)
	cx = max(0, min(nearCells-1, cx))
	cy = max(0, min(nearCells-1, cy))
	cand := &r.near[cy*nearCells+cx]
	best, bd := 0, math.Inf(1)
	for j, i := range cand {
		p := &pts[i]
		dr, di := yr-p[0], yi-p[1]
		d := dr*dr + di*di
		r.subD[j], r.subIdx[j] = d, int(i)
		if d < bd {
			best, bd = int(i), d
		}
	}
	if track {
		p := &pts[best]
		r.adapt(yr, yi, p[0], p[1], 0.05, 0.05, 0.0005)
	}
	// Add-compare-select: each state has four transitions into it.
	var npm [8]float64
	slot := &r.surv[r.vitN&(tbRing-1)]
	for n := range npm {
		p := &predTable[n]
		best := 0
		bm := r.pm[p[0].s] + r.subD[p[0].sub]
		for k := 1; k < 4; k++ {
			if m := r.pm[p[k].s] + r.subD[p[k].sub]; m < bm {
				best, bm = k, m
			}
		}
		npm[n] = bm
		slot[n].prev = p[best].s
		slot[n].idx = uint8(r.subIdx[p[best].sub])
	}
	bs, bm := 0, math.Inf(1)
	for n, m := range npm {
		if m < bm {
			bs, bm = n, m
		}
	}
	for n := range npm {
		r.pm[n] = npm[n] - bm
	}
	r.vitN++
	// Trace back once every tbBlock symbols from the best state, past
	// tbDepth symbols, and give out the tbBlock before them: decisions
	// come tbDepth to tbDepth+tbBlock symbols late.
	if r.vitN < tbDepth+tbBlock || r.vitN%tbBlock != 0 {
		return
	}
	st := bs
	t := r.vitN - 1
	for range tbDepth {
		st = int(r.surv[t&(tbRing-1)][st].prev)
		t--
	}
	var block [tbBlock]uint8
	for k := tbBlock - 1; k >= 0; k-- {
		e := r.surv[t&(tbRing-1)][st]
		block[k] = e.idx
		st = int(e.prev)
		t--
	}
	for k, idx := range block {
		r.emit(int(idx), r.vitFrom+t+1+k >= r.dataAt)
	}
}

// emit decodes a trellis-decoded point into bits.
func (r *Receiver) emit(idx int, deliver bool) {
	y12 := idx >> 1 & 3
	q12 := (y12 - r.prevY) & 3
	r.prevY = y12
	for i := range r.info.bits {
		var bit int
		if i < 2 {
			bit = q12 >> i & 1
		} else {
			bit = idx >> (i + 1) & 1
		}
		out := r.descramble(bit)
		if deliver {
			r.sink.Bit(out)
		}
	}
}
