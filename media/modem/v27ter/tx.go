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

const ringLen = 8 // a power of 2, at least the 2*span+1 symbols that overlap in a sample

// Transmitter is a V.27ter modulator: it sends the training sequence,
// then the bits of its Source, scrambled, as differential phase changes
// of an 1800 Hz carrier, then the turn-off sequence. It implements
// [modem.Transmitter]. Not safe for concurrent use.
type Transmitter struct {
	src  modem.Source
	r    rate
	amp  float64
	echo bool

	pulse    []float64 // the pulse on the fine grid, 2*span*period+1 taps, then zeros to (2*span+1)*period
	tepScale float64   // makes the unmodulated carrier's baseband 1
	cos, sin [carrierPeriod]float64
	points   [8]complex128

	seg      int
	left     int // symbols left in seg
	scr      scrambler
	phase    int                  // absolute phase, in 45 degrees
	taps     []float64            // by phase on the fine grid, the pulse's weights of the 2*span+1 symbols a sample has, oldest first
	re, im   [2 * ringLen]float64 // the symbols, by index mod ringLen, twice: any 2*span+1 in a row are a slice
	made     int                  // symbols made
	cur      int                  // the symbol period of the next sample: its time is cur*period+ph
	ph       int
	ci       int // the next sample's carrier phase, of carrierPeriod
	endSym   int // first symbol after the signal, when seg is txTail
	finished bool
}

var _ modem.Transmitter = (*Transmitter)(nil)

// NewTransmitter returns a transmitter at bitRate (4800 or 2400) taking
// its bits from src, at [DefaultLevel], without the echo protection
// segment. An unknown rate is [modem.ErrRate].
func NewTransmitter(bitRate int, src modem.Source) (*Transmitter, error) {
	t := &Transmitter{src: src, pulse: make([]float64, (2*span+1)*20), taps: make([]float64, 0, 20*(2*span+1))}
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
	t.re, t.im = [2 * ringLen]float64{}, [2 * ringLen]float64{}
	t.made, t.cur, t.ph, t.ci, t.endSym = 0, 0, 0, 0, 0
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
	t.pulse = t.pulse[:(2*span+1)*p]
	clear(t.pulse)
	var energy float64
	for i := range 2*span*p + 1 {
		v := rrc(float64(i-span*p) / float64(p))
		t.pulse[i] = v
		energy += v * v
	}
	g := 1 / math.Sqrt(energy/float64(p))
	for i := range t.pulse {
		t.pulse[i] *= g
	}
	// A constant symbol gives the sum of the pulses at every symbol
	// period, which (the pulse being cut at span symbols) ripples a
	// little with the instant: scale to the rms over the instants.
	var ms float64
	for phase := range p {
		var sum float64
		for i := phase; i < len(t.pulse); i += p {
			sum += t.pulse[i]
		}
		ms += sum * sum
	}
	t.tepScale = 1 / math.Sqrt(ms/float64(p))
	const n = 2*span + 1
	t.taps = t.taps[:p*n]
	for ph := range p {
		for m := range n {
			t.taps[ph*n+m] = t.pulse[ph+(n-1-m)*p]
		}
	}
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
		t.endSym = t.made
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
		t.phase = (t.phase + t.change(false)) & 7
		if t.seg == txTurnOff && t.left == 0 {
			t.enter(txTail)
		}
	case txData:
		t.phase = (t.phase + t.change(true)) & 7
	case txTail:
		return 0
	}
	return t.points[t.phase]
}

// change scrambles one symbol's bits, from the Source when data is set
// (ones once it has ended), else ones, and returns its phase change.
func (t *Transmitter) change(data bool) int {
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
	p := t.r.period
	for i := range out {
		// The sample at cur*p+ph (fine steps) has the pulses of symbols
		// cur-span to cur+span; symbol cur+span-j is weighted by the
		// pulse at ph+j*p.
		for t.made <= t.cur+span {
			v := t.symbol()
			k := t.made & (ringLen - 1)
			t.re[k], t.re[k+ringLen] = real(v), real(v)
			t.im[k], t.im[k+ringLen] = imag(v), imag(v)
			t.made++
		}
		if t.seg == txTail && (t.cur-span-t.endSym+1)*p+t.ph > 0 {
			t.finished = true
		}
		if t.finished {
			return i
		}
		const n = 2*span + 1
		w := t.taps[t.ph*n : t.ph*n+n]
		k := (t.cur - span) & (ringLen - 1)
		sr, si := t.re[k:k+n], t.im[k:k+n]
		var re, im float64
		for m, g := range w {
			re += g * sr[m]
			im += g * si[m]
		}
		out[i] = clamp(t.amp * (re*t.cos[t.ci] - im*t.sin[t.ci]))
		if t.ci++; t.ci == carrierPeriod {
			t.ci = 0
		}
		if t.ph += fine; t.ph >= p {
			t.ph -= p
			t.cur++
		}
	}
	return len(out)
}

// clamp rounds v to the nearest int16, saturating, without branches
// (the sign of a modem signal is a coin toss to a branch predictor).
func clamp(v float64) int16 {
	return int16(math.RoundToEven(max(-32768, min(32767, v))))
}
