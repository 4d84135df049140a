package v27ter

import (
	"fmt"
	"math"

	"github.com/potsgate/potsgate/media"
	"github.com/potsgate/potsgate/media/modem"
)

// DefaultLevel is the transmitter's level unless SetLevel says otherwise,
// in dBm0: the usual level of a fax modem.
const DefaultLevel = -13

// Transmitter segments, in order.
const (
	txEcho      = iota // segment 1: unmodulated carrier (talker echo protection)
	txGap              // segment 2: no energy
	txReversals        // segment 3: 180-degree reversals
	txCondition        // segment 4: equaliser conditioning pattern
	txOnes             // segment 5: scrambled ones
	txData             // the Source's bits
	txTurnOff          // scrambled ones, then nothing
	txTail             // no more symbols: the pulses' tails
)

// Segment lengths in symbols: the long training of V.27ter table 3 (the
// one fax uses), at either rate.
const (
	reversalSymbols  = 50
	conditionSymbols = 1074
	onesSymbols      = 8
)

const ringLen = 8 // at least 2*span+1 symbols overlap in a sample

// Transmitter is a V.27ter modulator: it sends the training sequence,
// then the bits of its Source, scrambled, as differential phase changes
// of an 1800 Hz carrier, then the turn-off sequence. It implements
// [modem.Transmitter]. Not safe for concurrent use.
type Transmitter struct {
	src  modem.Source
	r    rate
	amp  float64
	echo bool

	pulse    []float64 // the pulse on the fine grid, 2*span*period+1 taps
	tepScale float64   // makes the unmodulated carrier's baseband 1
	cos, sin [carrierPeriod]float64
	points   [8]complex128

	seg      int
	left     int // symbols left in seg
	scr      scrambler
	phase    int // absolute phase, in 45 degrees
	ring     [ringLen]complex128
	nextSym  int64 // index of the next symbol to make
	endSym   int64 // first symbol after the signal, when seg is txTail
	sample   int64 // index of the next output sample
	finished bool
}

var _ modem.Transmitter = (*Transmitter)(nil)

// NewTransmitter returns a transmitter at bitRate (4800 or 2400) taking
// its bits from src, at [DefaultLevel], without the echo protection
// segment. An unknown rate is [modem.ErrRate].
func NewTransmitter(bitRate int, src modem.Source) (*Transmitter, error) {
	t := &Transmitter{src: src, pulse: make([]float64, 2*span*20+1)}
	t.cos, t.sin = carrierTables()
	t.points = constellation()
	t.SetLevel(DefaultLevel)
	if err := t.Restart(bitRate); err != nil {
		return nil, err
	}
	return t, nil
}

// Restart makes the transmitter start a new signal, training first, at
// bitRate; the level and echo protection setting stay.
func (t *Transmitter) Restart(bitRate int) error {
	r, ok := lookupRate(bitRate)
	if !ok {
		return fmt.Errorf("v27ter: transmitter at %d bit/s: %w", bitRate, modem.ErrRate)
	}
	if r != t.r {
		t.r = r
		t.makePulse()
	}
	t.scr = scrambler{}
	t.phase = 0
	t.ring = [ringLen]complex128{}
	t.nextSym, t.endSym, t.sample = 0, 0, 0
	t.finished = false
	if t.echo {
		t.enter(txEcho)
	} else {
		t.enter(txReversals)
	}
	return nil
}

// makePulse tabulates the root-raised-cosine pulse on the fine grid,
// scaled so that random symbols of magnitude 1 have a mean power of 1.
func (t *Transmitter) makePulse() {
	p := t.r.period
	t.pulse = t.pulse[:2*span*p+1]
	var energy float64
	for i := range t.pulse {
		v := rrc(float64(i-span*p) / float64(p))
		t.pulse[i] = v
		energy += v * v
	}
	g := 1 / math.Sqrt(energy/float64(p))
	var sum float64
	for i := range t.pulse {
		t.pulse[i] *= g
		if (i-span*p)%p == 0 {
			sum += t.pulse[i]
		}
	}
	t.tepScale = 1 / sum
}

// SetLevel sets the transmit level in dBm0, by the convention of
// [media.SineAmplitude] (a sine of +3.14 dBm0 is full scale): the signal
// has the power of a sine at that level.
func (t *Transmitter) SetLevel(dBm0 float64) {
	t.amp = media.SineAmplitude(dBm0)
}

// SetEchoProtection makes the training start with segments 1 and 2 of
// V.27ter (about 200 ms of unmodulated carrier, then 20 ms of silence),
// for circuits with echo suppressors. Off by default, as in fax. It takes
// effect at the next Restart.
func (t *Transmitter) SetEchoProtection(on bool) { t.echo = on }

// enter starts segment seg.
func (t *Transmitter) enter(seg int) {
	t.seg = seg
	baud := sampleRate / t.r.symSamples
	switch seg {
	case txEcho:
		t.left = int(0.2*baud + 0.5)
	case txGap:
		t.left = int(0.02*baud + 0.5)
	case txReversals:
		t.left = reversalSymbols
	case txCondition:
		t.left = conditionSymbols
		t.scr = scrambler{reg: seg4Preset}
	case txOnes:
		t.left = onesSymbols
	case txTurnOff:
		t.left = int(0.02*baud + 0.5)
	case txTail:
		t.endSym = t.nextSym
	}
}

// symbol makes the next symbol.
func (t *Transmitter) symbol() complex128 {
	for t.left == 0 && t.seg < txData {
		t.enter(t.seg + 1)
	}
	switch t.seg {
	case txEcho:
		t.left--
		return complex(t.tepScale, 0)
	case txGap:
		t.left--
		return 0
	case txReversals:
		t.left--
		t.phase = (t.phase + 4) & 7
	case txCondition:
		t.left--
		// Three scrambler clocks a symbol at both rates; the first
		// bit chooses 0 or 180 degrees.
		b := t.scr.scramble(1)
		t.scr.scramble(1)
		t.scr.scramble(1)
		t.phase = (t.phase + 4*b) & 7
	case txOnes, txTurnOff:
		t.left--
		t.phase = (t.phase + t.change(1, false)) & 7
		if t.seg == txTurnOff && t.left == 0 {
			t.enter(txTail)
		}
	case txData:
		t.phase = (t.phase + t.change(0, true)) & 7
	case txTail:
		return 0
	}
	return t.points[t.phase]
}

// change scrambles one symbol's bits, from the Source when data is set
// (ones once it has ended), else ones, and returns its phase change.
func (t *Transmitter) change(_ int, data bool) int {
	v := 0
	for range t.r.bits {
		b := 1
		if data && t.seg == txData {
			if b = t.src.Bit(); b == modem.EndOfData {
				t.enter(txTurnOff)
				b = 1
			}
		}
		v = v<<1 | t.scr.scramble(b&1)
	}
	if t.r.bits == 3 {
		return tribitPhase[v]
	}
	return dibitPhase[v]
}

// Transmit writes up to len(out) samples of the signal and returns how
// many; fewer than len(out) once the turn-off sequence has ended, and 0
// after that until Restart.
func (t *Transmitter) Transmit(out []int16) int {
	p := int64(t.r.period)
	reach := int64(span) * p
	for i := range out {
		if t.finished {
			return i
		}
		u := t.sample * fine
		for t.nextSym*p <= u+reach {
			t.ring[t.nextSym%ringLen] = t.symbol()
			t.nextSym++
		}
		if t.seg == txTail && u-(t.endSym-1)*p > reach {
			t.finished = true
			return i
		}
		var re, im float64
		for k := t.nextSym - 1; k >= 0 && u-k*p <= reach; k-- {
			g := t.pulse[u-k*p+reach]
			s := t.ring[k%ringLen]
			re += g * real(s)
			im += g * imag(s)
		}
		c := t.sample % carrierPeriod
		v := t.amp * (re*t.cos[c] - im*t.sin[c])
		out[i] = clamp(v)
		t.sample++
	}
	return len(out)
}

func clamp(v float64) int16 {
	switch {
	case v > 32767:
		return 32767
	case v < -32768:
		return -32768
	}
	return int16(math.Round(v))
}
