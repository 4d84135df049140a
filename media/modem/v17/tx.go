package v17

import (
	"fmt"
	"math"

	"github.com/potsgate/potsgate/media"
	"github.com/potsgate/potsgate/media/modem"
)

// txTaps is the length of the transmit pulse in symbols.
const (
	txTaps = 9 // Transmit's sum is written out for 9
	txSpan = txTaps / 2.0
)

var _ modem.Transmitter = (*Transmitter)(nil)

// Transmitter is a V.17 modulator: training, then the bits of its Source,
// then the turn-off sequence. It implements [modem.Transmitter].
type Transmitter struct {
	src   modem.Source
	info  rateInfo
	gain  float64
	short bool

	// coef[p] is the pulse for the output sample p tenths of a symbol
	// after the newest symbol (8000/2400 = 10/3 samples a symbol).
	coef [10][txTaps]float64
	// The carrier (1800 Hz: 40 samples a period) and the baud phase keep
	// step over 40 samples, so mod[n] is the pulse of sample n of those
	// 40 times the carrier's cosine (for the real part of the symbols)
	// and minus its sine (imaginary part), oldest symbol first.
	mod [40][2][txTaps]float64

	re, im  [2 * txTaps]float64 // symbols, each written twice so a window is contiguous
	pos     int                 // oldest symbol of the window
	phase   int                 // baud phase, in tenths of a symbol
	carrPos int

	step    int // symbol count since the start of training
	scr     uint32
	abcd    int // last training point
	diff    int // Y1 Y2 of the last symbol
	conv    int // convolutional encoder state
	ending  bool
	endStep int // symbol count at which the turn-off started
	done    bool
}

// NewTransmitter makes a transmitter at bitRate (14400, 12000, 9600 or
// 7200) that starts with the long training and takes its data from src.
func NewTransmitter(bitRate int, src modem.Source) (*Transmitter, error) {
	t := &Transmitter{src: src}
	for p := range t.coef {
		var sum float64
		for i := range txTaps {
			t.coef[p][i] = rrc(float64(i)+float64(p)/10-txSpan, txSpan)
		}
		_ = sum
	}
	// Unit mean power per unit symbol power: the mean, over the ten
	// phases, of the sum of the squared taps.
	var e float64
	for p := range t.coef {
		for _, c := range t.coef[p] {
			e += c * c
		}
	}
	norm := 1 / math.Sqrt(e/10)
	for p := range t.coef {
		for i := range t.coef[p] {
			t.coef[p][i] *= norm
		}
	}
	for n := range t.mod {
		w := 2 * math.Pi * 1800 * float64(n) / media.SampleRate
		// Sample n (from a restart) follows the newest symbol by
		// (3(n+1) mod 10) tenths of a symbol.
		p := 3 * (n + 1) % 10
		for i := range txTaps {
			c := t.coef[p][txTaps-1-i]
			t.mod[n][0][i] = c * math.Cos(w)
			t.mod[n][1][i] = -c * math.Sin(w)
		}
	}
	t.SetLevel(-13)
	if err := t.Restart(bitRate, false); err != nil {
		return nil, err
	}
	return t, nil
}

// SetLevel sets the transmit level: the training's points (segments 1 and
// 2) carry the power of a sine wave of dBm0 by media's convention
// (media.SineAmplitude: +3.14 dBm0 is a full-scale sine). V.17's data
// constellations have about the training's mean power: the same at 9600
// and 7200, 0.11 dB more at 14400, 0.21 dB more at 12000. The default is
// -13 dBm0.
func (t *Transmitter) SetLevel(dBm0 float64) {
	t.gain = media.SineAmplitude(dBm0) / math.Sqrt(40)
}

// Restart begins a new transmission at bitRate, with the short training
// (segment 2 of 38 symbols, no bridge) when shortTrain is set.
func (t *Transmitter) Restart(bitRate int, shortTrain bool) error {
	info, ok := rate(bitRate)
	if !ok {
		return fmt.Errorf("v17: %d bit/s: %w", bitRate, modem.ErrRate)
	}
	t.info = info
	t.short = shortTrain
	t.re, t.im = [2 * txTaps]float64{}, [2 * txTaps]float64{}
	t.phase, t.carrPos, t.pos = 0, 0, 0
	t.step = 0
	t.scr = 0x2ECDD5
	t.abcd = 0
	// The first differential state: 1 after a long training, 0 after a
	// short one, as the spandsp modem (and the fax machines it follows)
	// begin; a receiver does not depend on it.
	t.diff = 1
	if shortTrain {
		t.diff = 0
	}
	t.conv = 0
	t.ending, t.done = false, false
	return nil
}

func (t *Transmitter) scramble(b int) int {
	out := (b ^ int(t.scr>>17) ^ int(t.scr>>22)) & 1
	t.scr = t.scr<<1 | uint32(out)
	return out
}

// Transmit writes up to len(out) samples and returns how many; fewer once
// the turn-off sequence has ended.
func (t *Transmitter) Transmit(out []int16) int {
	if t.done {
		return 0
	}
	for n := range out {
		if t.phase += 3; t.phase >= 10 {
			t.phase -= 10
			re, im, ok := t.symbol()
			if !ok {
				t.done = true
				return n
			}
			t.re[t.pos], t.re[t.pos+txTaps] = re, re
			t.im[t.pos], t.im[t.pos+txTaps] = im, im
			if t.pos++; t.pos == txTaps {
				t.pos = 0
			}
		}
		m := &t.mod[t.carrPos]
		if t.carrPos++; t.carrPos == len(t.mod) {
			t.carrPos = 0
		}
		re := (*[txTaps]float64)(t.re[t.pos:])
		im := (*[txTaps]float64)(t.im[t.pos:])
		// Sums in a tree, not a chain, so the additions overlap.
		a, b := &m[0], &m[1]
		v := ((re[0]*a[0] + re[1]*a[1]) + (re[2]*a[2] + re[3]*a[3])) +
			((re[4]*a[4] + re[5]*a[5]) + (re[6]*a[6] + re[7]*a[7])) +
			((im[0]*b[0] + im[1]*b[1]) + (im[2]*b[2] + im[3]*b[3])) +
			((im[4]*b[4] + im[5]*b[5]) + (im[6]*b[6] + im[7]*b[7])) +
			(re[8]*a[8] + im[8]*b[8])
		v *= t.gain
		// The level keeps v far inside int32; the clamp is for a level
		// set near full scale.
		out[n] = int16(min(max(int32(math.RoundToEven(v)), -32768), 32767))
	}
	return len(out)
}

// symbol returns the next symbol's point; false after the turn-off.
func (t *Transmitter) symbol() (float64, float64, bool) {
	t.step++
	s := t.step
	seg2 := seg2Long
	if t.short {
		seg2 = seg2Short
	}
	switch {
	case s <= seg1Len:
		// Segment 1: A B A B ...
		t.abcd = ptA
		if s%2 == 0 {
			t.abcd = ptB
		}
		return t.abcdPoint()
	case s <= seg1Len+seg2:
		// Segment 2: scrambled ones on C D B A.
		b := t.scramble(1) << 1
		b |= t.scramble(1)
		t.abcd = seg2Point[b]
		return t.abcdPoint()
	case !t.short && s <= seg1Len+seg2+seg3Len:
		// Segment 3, the bridge: the scrambled bridge word turns the
		// point by quarter turns.
		sh := uint((s-seg1Len-seg2-1)&7) * 2
		b := t.scramble(bridgeWord>>sh&1) << 1
		b |= t.scramble(bridgeWord >> (sh + 1) & 1)
		t.abcd = (t.abcd + bridgeStep[b]) & 3
		return t.abcdPoint()
	}
	train := seg1Len + seg2 + seg4Len
	if !t.short {
		train += seg3Len
	}
	if t.ending {
		switch k := s - t.endStep; {
		case k < turnOffOnes:
			return t.data(true)
		case k < turnOffOnes+turnOffQuiet:
			return 0, 0, true
		default:
			return 0, 0, false
		}
	}
	// Segment 4 (trellis-coded scrambled ones), then data.
	return t.data(s <= train)
}

func (t *Transmitter) abcdPoint() (float64, float64, bool) {
	p := pointsABCD[t.abcd]
	return float64(p[0]), float64(p[1]), true
}

// data codes one symbol of bits (ones when ones is set).
func (t *Transmitter) data(ones bool) (float64, float64, bool) {
	q := 0
	scr := t.scr
	for i := range t.info.bits {
		b := 1
		if !ones && !t.ending {
			if b = t.src.Bit(); b == modem.EndOfData {
				t.ending = true
				t.endStep = t.step
				b = 1
			}
		}
		out := (uint32(b) ^ scr>>17 ^ scr>>22) & 1
		scr = scr<<1 | out
		q |= int(out) << i
	}
	t.scr = scr
	t.diff = (t.diff + q) & 3
	y0 := t.conv & 1
	t.conv = int(convTable[t.conv][t.diff])
	p := t.info.points[(q&^3)<<1|t.diff<<1|y0]
	return float64(p[0]), float64(p[1]), true
}
