package sim

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/potsgate/potsgate/hal"
)

// G168Model names one of the eight hybrid echo path models of ITU-T G.168
// Annex D, by its clause: G168D2 is the model of clause D.2.
type G168Model int

const (
	G168D2 G168Model = iota + 2
	G168D3
	G168D4
	G168D5
	G168D6
	G168D7
	G168D8
	G168D9
)

// G168Models lists the models in clause order.
func G168Models() []G168Model {
	return []G168Model{G168D2, G168D3, G168D4, G168D5, G168D6, G168D7, G168D8, G168D9}
}

func (m G168Model) String() string { return "D." + strconv.Itoa(int(m)) }

// Response returns the model's impulse response scaled to an echo return
// loss of erl dB, the loss being the energy of the response (the ERL a
// white far end meets).
func (m G168Model) Response(erl float64) []float64 {
	if m < G168D2 || m > G168D9 {
		return nil
	}
	d := g168Models[m-G168D2]
	h := make([]float64, len(d.coeffs))
	for i, c := range d.coeffs {
		h[i] = float64(c) * d.k
	}
	return scaleToERL(h, erl)
}

func scaleToERL(h []float64, erl float64) []float64 {
	var e float64
	for _, v := range h {
		e += v * v
	}
	if e == 0 {
		return h
	}
	g := math.Pow(10, -erl/20) / math.Sqrt(e)
	for i := range h {
		h[i] *= g
	}
	return h
}

// Hybrid describes the echo of a 2-wire/4-wire hybrid: what the gateway
// sends comes back through Response (an impulse response at 8 kHz, scaled
// to ERL dB of loss when ERL is not zero) after Delay (the flat delay of
// the line before the hybrid, rounded to a sample).
type Hybrid struct {
	Response []float64
	Delay    time.Duration
	ERL      float64
}

// ErrHybrid is returned for a hybrid that cannot be built.
var ErrHybrid = errors.New("sim: bad hybrid")

// EchoPath is a running Hybrid: a filter over what the port sent. Its
// methods are called with the port's lock held, so it needs none.
type EchoPath struct {
	h    []float64 // delay zeros, then the response
	hist []float64 // the last len(h) samples sent, newest last
}

// NewEchoPath returns the echo path of h.
func NewEchoPath(h Hybrid) (*EchoPath, error) {
	if len(h.Response) == 0 || h.Delay < 0 || len(h.Response) > 8000 || h.Delay > time.Second {
		return nil, fmt.Errorf("%w: %d taps, delay %v", ErrHybrid, len(h.Response), h.Delay)
	}
	resp := append([]float64(nil), h.Response...)
	if h.ERL != 0 {
		resp = scaleToERL(resp, h.ERL)
	}
	d := int(samples(h.Delay))
	taps := make([]float64, d+len(resp))
	copy(taps[d:], resp)
	return &EchoPath{h: taps, hist: make([]float64, len(taps)+hal.FrameSamples)}, nil
}

// Add adds the echo of out (the frame sent toward the hybrid) to in (the
// frame heard from it), saturating.
func (p *EchoPath) Add(out, in []int16) {
	for len(out) > hal.FrameSamples && len(in) > hal.FrameSamples {
		p.Add(out[:hal.FrameSamples], in[:hal.FrameSamples])
		out, in = out[hal.FrameSamples:], in[hal.FrameSamples:]
	}
	out = out[:min(len(out), len(in))]
	n := len(p.h)
	copy(p.hist, p.hist[len(out):len(out)+n-1])
	base := n - 1
	for i, v := range out {
		p.hist[base+i] = float64(v)
	}
	for i := range out {
		// hist[base+i] is out[i]; tap k reaches back k samples.
		var y float64
		for k, c := range p.h {
			y += c * p.hist[base+i-k]
		}
		in[i] = sat(int32(float64(in[i]) + math.Round(y)))
	}
}
