package echo

import "github.com/potsgate/potsgate/media/fax"

// The G.164/G.165 tone disabler. A modem or fax answers with 2100 Hz; with
// phase reversals every 450 ms (G.165, V.25 ANSam-like) it asks echo
// cancellers to get out of the way, since its own canceller handles the
// echo. Plain 2100 Hz disables only G.164 echo suppressors, not
// cancellers, so this one ignores it.
//
// media/fax's AnswerTone follows the tone and its reversals in each
// direction; the fax detector uses the same one.

const (
	// releasePower: after -36 dBm0 (mean square 6.5e4) on both sides for
	// disabledHold, the canceller works again.
	releasePower = 6.5e4
)

// disabler watches one direction each for the answer tone.
type disabler struct {
	rin, sin    fax.AnswerTone // the zero value sees the tone from -31 dBm0, as G.164 asks
	disabled    bool
	justTripped bool
	quiet       int // samples of quiet on both sides while disabled
}

// frame processes a frame of each direction and reports whether the
// canceller is disabled for it.
func (d *disabler) frame(rin, sin []int16) bool {
	d.justTripped = false
	tripped := d.rin.Block(rin)
	tripped = d.sin.Block(sin) || tripped
	if !d.disabled {
		if tripped {
			d.disabled, d.justTripped, d.quiet = true, true, 0
		}
		return d.disabled
	}
	if meanSquare(rin) < releasePower && meanSquare(sin) < releasePower {
		d.quiet += len(rin)
		if d.quiet >= disabledHold {
			d.disabled = false
			d.rin.Reset()
			d.sin.Reset()
		}
	} else {
		d.quiet = 0
	}
	return d.disabled
}

func meanSquare(x []int16) float64 {
	var e float64
	for _, v := range x {
		e += float64(v) * float64(v)
	}
	return e / float64(len(x))
}
