package v21

import (
	"math"

	"github.com/potsgate/potsgate/media"
	"github.com/potsgate/potsgate/media/modem"
)

const (
	rate    = 8000
	baud    = 300
	markHz  = 1650 // a one
	spaceHz = 1850 // a zero
)

// DefaultLevel is the transmit level, dBm0: T.30 machines commonly send
// between -15 and -9.
const DefaultLevel = -12

// sineBits sizes the sine table: 1024 points, far below G.711's noise.
const sineBits = 10

// sine is one period of a unit sine.
var sine = func() (t [1 << sineBits]float32) {
	for i := range t {
		t[i] = float32(math.Sin(2 * math.Pi * float64(i) / float64(len(t))))
	}
	return t
}()

// step is the phase step per sample of a frequency, in 2^32 of a period.
func step(hz float64) uint32 { return uint32(hz / rate * (1 << 32)) }

// Transmitter modulates bits into V.21 channel 2. Make it with
// NewTransmitter.
type Transmitter struct {
	src     modem.Source
	amp     float32
	phase   uint32
	inc     uint32
	clock   int // bit clock, counts to rate in steps of baud
	started bool
	ended   bool
}

// NewTransmitter makes a transmitter that sends src's bits at
// DefaultLevel.
func NewTransmitter(src modem.Source) *Transmitter {
	t := &Transmitter{src: src}
	t.SetLevel(DefaultLevel)
	return t
}

// SetLevel sets the carrier's level in dBm0.
func (t *Transmitter) SetLevel(dBm0 float64) { t.amp = float32(media.SineAmplitude(dBm0)) }

// Restart starts a new carrier, with bits from src again.
func (t *Transmitter) Restart() { t.clock, t.started, t.ended = 0, false, false }

// Transmit writes up to len(out) samples; fewer once the source has
// given EndOfData (the carrier simply stops).
func (t *Transmitter) Transmit(out []int16) int {
	for i := range out {
		if t.clock <= 0 || !t.started {
			if t.ended {
				return i
			}
			switch t.src.Bit() {
			case modem.EndOfData:
				t.ended = true
				return i
			case 0:
				t.inc = step(spaceHz)
			default:
				t.inc = step(markHz)
			}
			t.started = true
			t.clock += rate
		}
		t.clock -= baud
		out[i] = int16(t.amp * sine[t.phase>>(32-sineBits)])
		t.phase += t.inc
	}
	return len(out)
}
