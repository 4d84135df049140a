package v21

import (
	"math"

	"github.com/potsgate/potsgate/media"
	"github.com/potsgate/potsgate/media/modem"
)

const (
	// window is the correlation length: one bit (26.7 samples).
	window = 27
	// period: both carriers repeat every 160 samples (1650 = 33*50,
	// 1850 = 37*50), so one table of each serves.
	period = 160
	// purity is the share of the window's power the carriers must hold.
	purity = 0.5
	// upSamples of carrier make CarrierUp (10 ms); downSamples without
	// it make CarrierDown (15 ms).
	upSamples   = 80
	downSamples = 120
)

// Carrier thresholds, dBm0: on above onLevel, off below offLevel (T.30
// receivers work down to -43 dBm0).
const (
	onLevel  = -43
	offLevel = -48
)

// basis holds e^{-j 2 pi f n / 8000} of the mark and space carriers over
// their common period.
var basis = func() (b [2][period]complex64) {
	for i, f := range [2]float64{markHz, spaceHz} {
		for n := range b[i] {
			ph := -2 * math.Pi * f * float64(n) / rate
			b[i][n] = complex(float32(math.Cos(ph)), float32(math.Sin(ph)))
		}
	}
	return b
}()

// Receiver demodulates V.21 channel 2. Make it with NewReceiver.
type Receiver struct {
	sink    modem.Sink
	onPow   float32
	offPow  float32
	n       int
	ring    [window][2]complex64
	sq      [window]float32
	at      int
	sum     [2]complex64
	energy  float32
	filled  int
	carrier bool
	run     int // samples for or against the carrier state
	phase   int // bit clock, 0..rate
	prevOne bool
}

// NewReceiver makes a receiver reporting to sink.
func NewReceiver(sink modem.Sink) *Receiver {
	p := func(dBm0 float64) float32 { a := media.SineAmplitude(dBm0); return float32(a * a / 2) }
	return &Receiver{sink: sink, onPow: p(onLevel), offPow: p(offLevel)}
}

// Carrier reports whether the receiver has the carrier.
func (r *Receiver) Carrier() bool { return r.carrier }

// Reset forgets the line, as at a new call; no status is reported.
func (r *Receiver) Reset() {
	sink, on, off := r.sink, r.onPow, r.offPow
	*r = Receiver{sink: sink, onPow: on, offPow: off}
}

// Receive takes the next samples of the line.
func (r *Receiver) Receive(in []int16) {
	if !r.carrier && len(in) >= quietMin {
		// Quiet chunks (below the off level) hold no carrier to find:
		// skip the per-sample work, the window starts afresh after them.
		var e float32
		for _, v := range in {
			f := float32(v)
			e += f * f
		}
		if e < r.offPow*float32(len(in)) {
			r.ring, r.sq, r.sum, r.energy, r.at, r.filled, r.run = [window][2]complex64{}, [window]float32{}, [2]complex64{}, 0, 0, 0, 0
			r.n = (r.n + len(in)) % period
			return
		}
	}
	for _, v := range in {
		r.sample(v)
	}
}

// quietMin: chunks shorter than this are demodulated whatever they hold.
const quietMin = 40

func (r *Receiver) sample(v int16) {
	f := float32(v)
	a := complex(f, 0) * basis[0][r.n]
	b := complex(f, 0) * basis[1][r.n]
	if r.n++; r.n == period {
		r.n = 0
	}
	old := &r.ring[r.at]
	r.sum[0] += a - old[0]
	r.sum[1] += b - old[1]
	r.energy += f*f - r.sq[r.at]
	old[0], old[1], r.sq[r.at] = a, b, f*f
	if r.at++; r.at == window {
		r.at = 0
		// Sum afresh once a window: rounding must not pile up.
		r.sum, r.energy = [2]complex64{}, 0
		for i := range r.ring {
			r.sum[0] += r.ring[i][0]
			r.sum[1] += r.ring[i][1]
			r.energy += r.sq[i]
		}
	}
	if r.filled < window {
		r.filled++
		return
	}
	const k = 2.0 / (window * window)
	mark := (real(r.sum[0])*real(r.sum[0]) + imag(r.sum[0])*imag(r.sum[0])) * k
	space := (real(r.sum[1])*real(r.sum[1]) + imag(r.sum[1])*imag(r.sum[1])) * k
	pow := mark + space
	if r.carrier {
		if pow < r.offPow || pow < purity*r.energy/window/2 {
			if r.run++; r.run >= downSamples {
				r.carrier, r.run = false, 0
				r.sink.Status(modem.CarrierDown)
			}
		} else {
			r.run = 0
		}
	} else {
		if pow >= r.onPow && pow >= purity*r.energy/window {
			if r.run++; r.run >= upSamples {
				r.carrier, r.run = true, 0
				r.sink.Status(modem.CarrierUp)
			}
		} else {
			r.run = 0
		}
		// Keep the clock in step before the carrier is declared.
	}
	one := mark > space
	if one != r.prevOne {
		// A transition: pull the clock towards the bit boundary.
		if r.phase < rate/2 {
			r.phase -= r.phase / 2
		} else {
			r.phase += (rate - r.phase) / 2
		}
		r.prevOne = one
	}
	before := r.phase
	r.phase += baud
	if r.phase >= rate {
		r.phase -= rate
	}
	if !r.carrier || before >= rate/2 || r.phase < rate/2 {
		return // not the middle of a bit
	}
	if one {
		r.sink.Bit(1)
	} else {
		r.sink.Bit(0)
	}
}
