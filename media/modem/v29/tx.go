package v29

import (
	"math"

	"github.com/potsgate/potsgate/media"
	"github.com/potsgate/potsgate/media/modem"
)

// txTaps is the pulse's span in symbols: +/- 4 around its centre.
const txTaps = 8

// Transmitter is a V.29 modulator: training, then the bits of its Source,
// then the turn-off. It implements [modem.Transmitter].
type Transmitter struct {
	src     modem.Source
	bitRate int
	bits    int // per symbol
	dBm0    float64
	scale   float64 // V.29 units to PCM

	// coef[r][txTaps-1-i]: the pulse (r + 10 i)/10 symbols after its
	// start, for the symbol i before the newest, r tenths of a symbol
	// after the newest began (a symbol is 10 ticks of 24 kHz, a sample 3).
	coef [10][txTaps]float64
	// carrier: cos and sin of 2 pi 1700 n / 8000, which repeats every
	// 80 samples, times the level's scale.
	cos, sin [80]float64

	// last symbols, oldest first from head, each written twice so that
	// the window is one slice
	hre, him [2 * txTaps]float64
	head     int
	tick     int // 24 kHz ticks since the newest symbol began (0..9)
	n        int // sample index mod 80
	sym      int // symbols sent in the current stage
	stage    int
	phase    int // absolute phase state of the last symbol, 0-7
	scr      scrambler
	train    [seg3Symbols]uint8
	ended    bool // Source said EndOfData
	done     bool // the signal has ended
	// points[state][q1]: the constellation
	points [8][2]complex128
	a, b   complex128
	c, d   complex128
}

const (
	txSeg1 = iota
	txSeg2
	txSeg3
	txSeg4
	txData
	txTurnOff
	txFlush
	txDone
)

// NewTransmitter returns a transmitter at bitRate (9600 or 7200) that
// takes its bits from src, at -13 dBm0; modem.ErrRate for another rate.
func NewTransmitter(bitRate int, src modem.Source) (*Transmitter, error) {
	t := &Transmitter{src: src, dBm0: DefaultDBm0}
	for r := range 10 {
		for i := range txTaps {
			u := float64(r+10*i)/10 - txTaps/2
			t.coef[r][txTaps-1-i] = rrc(u) * kaiser(u, txTaps/2, 2)
		}
	}
	trainingSequence(&t.train)
	for st := range 8 {
		t.points[st][0], t.points[st][1] = point(st, 0), point(st, 1)
	}
	if err := t.Restart(bitRate); err != nil {
		return nil, err
	}
	return t, nil
}

// Restart begins a new transmission at bitRate, training first; the
// Source stays. The level stays too.
func (t *Transmitter) Restart(bitRate int) error {
	if err := checkRate(bitRate); err != nil {
		return err
	}
	t.bitRate = bitRate
	t.bits = bitsPerSymbol(bitRate)
	t.a, t.b, t.c, t.d = trainingPoints(bitRate)
	t.hre, t.him = [2 * txTaps]float64{}, [2 * txTaps]float64{}
	t.head, t.tick, t.n, t.sym = 0, 0, 0, 0
	t.stage = txSeg1
	t.phase = 0
	t.scr = scrambler{}
	t.ended, t.done = false, false
	t.SetLevel(t.dBm0)
	return nil
}

// SetLevel sets the transmit level in dBm0: the mean power of the signal
// equals that of a sine at dBm0 by media's G.711 convention (a full-scale
// sine is +3.14 dBm0), as media/tone's levels are.
func (t *Transmitter) SetLevel(dBm0 float64) {
	t.dBm0 = dBm0
	t.scale = media.SineAmplitude(dBm0) / math.Sqrt(meanEnergy(t.bitRate))
	for n := range 80 {
		s, c := math.Sincos(2 * math.Pi * CarrierHz * float64(n) / SampleRate)
		t.sin[n], t.cos[n] = s*t.scale, c*t.scale
	}
}

// Transmit writes up to len(out) samples and returns how many: fewer
// when the turn-off has ended, then 0.
func (t *Transmitter) Transmit(out []int16) int {
	for i := range out {
		if t.done {
			return i
		}
		// the baseband signal: the last symbols through the pulse
		c := &t.coef[t.tick]
		hr := (*[txTaps]float64)(t.hre[t.head:])
		hi := (*[txTaps]float64)(t.him[t.head:])
		re := hr[0]*c[0] + hr[1]*c[1] + hr[2]*c[2] + hr[3]*c[3] + hr[4]*c[4] + hr[5]*c[5] + hr[6]*c[6] + hr[7]*c[7]
		im := hi[0]*c[0] + hi[1]*c[1] + hi[2]*c[2] + hi[3]*c[3] + hi[4]*c[4] + hi[5]*c[5] + hi[6]*c[6] + hi[7]*c[7]
		out[i] = clamp16(re*t.cos[t.n] - im*t.sin[t.n])
		t.n++
		if t.n == 80 {
			t.n = 0
		}
		t.tick += 3
		if t.tick >= 10 {
			t.tick -= 10
			s := t.next()
			t.hre[t.head], t.hre[t.head+txTaps] = real(s), real(s)
			t.him[t.head], t.him[t.head+txTaps] = imag(s), imag(s)
			t.head++
			if t.head == txTaps {
				t.head = 0
			}
		}
	}
	return len(out)
}

// clamp16 rounds v to the nearest sample value, saturating. Offset so
// that the conversion's truncation is a floor; min and max compile to
// conditional moves, where branches on the sign would be mispredicted.
func clamp16(v float64) int16 {
	x := int32(v+32768.5) - 32768
	return int16(max(min(x, math.MaxInt16), math.MinInt16))
}

// next is the next symbol of the transmission.
func (t *Transmitter) next() complex128 {
	for {
		switch t.stage {
		case txSeg1:
			if t.sym < seg1Symbols {
				t.sym++
				return 0
			}
		case txSeg2:
			if t.sym < seg2Symbols {
				t.sym++
				if t.sym%2 == 1 {
					return t.a
				}
				return t.b
			}
		case txSeg3:
			if t.sym < seg3Symbols {
				bit := t.train[t.sym]
				t.sym++
				if bit == 0 {
					t.phase = 0
					return t.c
				}
				t.phase = 3 // D is at 135 degrees at 9600 and 7200
				return t.d
			}
		case txSeg4, txTurnOff:
			limit := seg4Symbols
			if t.stage == txTurnOff {
				limit = turnOffSymbols
			}
			if t.sym < limit {
				t.sym++
				return t.data(true)
			}
		case txData:
			if !t.ended {
				return t.data(false)
			}
		case txFlush:
			if t.sym < txTaps {
				t.sym++
				return 0
			}
		default:
			t.done = true
			return 0
		}
		t.stage++
		t.sym = 0
	}
}

// data maps the next bits (ones when ones, or after the Source ended)
// through the scrambler to a symbol.
func (t *Transmitter) data(ones bool) complex128 {
	var q [4]int
	first := 0
	if t.bits == 3 {
		first = 1 // 7200: Q1 is 0, the tribit is Q2 Q3 Q4
	}
	for k := first; k < 4; k++ {
		bit := 1
		if !ones && !t.ended {
			bit = t.src.Bit()
			if bit == modem.EndOfData {
				t.ended = true
				bit = 1
			}
		}
		q[k] = t.scr.scramble(bit)
	}
	t.phase = (t.phase + phaseChange[q[1]<<2|q[2]<<1|q[3]]) & 7
	return t.points[t.phase][q[0]]
}
