package echo

import "math"

// The G.164/G.165 tone disabler. A modem or fax answers with 2100 Hz; with
// phase reversals every 450 ms (G.165, V.25 ANSam-like) it asks echo
// cancellers to get out of the way, since its own canceller handles the
// echo. Plain 2100 Hz disables only G.164 echo suppressors, not
// cancellers, so this one ignores it.
//
// 2100 Hz makes exactly 21 cycles in a 10 ms frame, so one DFT bin per
// frame gives the tone's phase, which stays put from frame to frame (or
// turns slowly, up to 76 degrees a frame at the +/-21 Hz tolerance) and
// jumps by 180 degrees at a reversal.

// toneBasis is e^{-j 2 pi 2100 n / 8000} over a frame.
var toneBasis = func() (b [FrameSamples]complex128) {
	for n := range b {
		ph := -2 * math.Pi * 2100 * float64(n) / 8000
		b[n] = complex(math.Cos(ph), math.Sin(ph))
	}
	return b
}()

const (
	// toneMinPower: the tone counts from -31 dBm0 (a sine of amplitude
	// 643, mean square 2.07e5) as G.164 asks of disablers.
	toneMinPower = 2.07e5
	// releasePower: after -36 dBm0 (mean square 6.5e4) on both sides for
	// disabledHold, the canceller works again.
	releasePower = 6.5e4
	// reversal spacing accepted: 450 ms +/- 25 ms, with a frame of slack
	// on each side for where in a frame the tone starts or reverses.
	reversalMin = 41
	reversalMax = 49
)

// disabler watches one direction each for the answer tone.
type disabler struct {
	rin, sin    toneWatch
	disabled    bool
	justTripped bool
	quiet       int // samples of quiet on both sides while disabled
}

// frame processes a frame of each direction and reports whether the
// canceller is disabled for it.
func (d *disabler) frame(rin, sin []int16) bool {
	d.justTripped = false
	tripped := d.rin.frame(rin)
	tripped = d.sin.frame(sin) || tripped
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
			d.rin, d.sin = toneWatch{}, toneWatch{}
		}
	} else {
		d.quiet = 0
	}
	return d.disabled
}

// toneWatch follows the 2100 Hz tone in one direction.
type toneWatch struct {
	frames  int        // frames seen
	on      bool       // the tone is present
	last    complex128 // the bin of the last frame with the tone
	lastAt  int
	turn    complex128 // the usual rotation from one frame to the next
	eventAt int        // frame of the tone's start or its last reversal
}

// frame reports whether this frame completes a reversal at the G.165
// spacing.
func (w *toneWatch) frame(x []int16) bool {
	w.frames++
	var bin complex128
	var energy float64
	for n, v := range x {
		f := float64(v)
		bin += complex(f, 0) * toneBasis[n]
		energy += f * f
	}
	n := float64(len(x))
	tonePower := 2 * (real(bin)*real(bin) + imag(bin)*imag(bin)) / (n * n)
	present := tonePower >= toneMinPower && tonePower >= 0.6*energy/n
	if !present {
		// A reversal inside a frame can cancel that frame's bin: one or
		// two such frames do not end the tone.
		if w.on && w.frames-w.lastAt > 3 {
			w.on = false
		}
		return false
	}
	mag := math.Hypot(real(bin), imag(bin))
	bin /= complex(mag, 0)
	if !w.on {
		*w = toneWatch{frames: w.frames, on: true, last: bin, lastAt: w.frames, turn: 1, eventAt: w.frames}
		return false
	}
	gap := w.frames - w.lastAt
	expect := w.last
	for range gap {
		expect *= w.turn
	}
	rel := bin * complex(real(expect), -imag(expect))
	w.last, w.lastAt = bin, w.frames
	if real(rel) < 0 {
		since := w.frames - w.eventAt
		w.eventAt = w.frames
		return since >= reversalMin && since <= reversalMax
	}
	if gap == 1 {
		// Follow a tone off 2100 Hz by its rotation per frame.
		step := rel * w.turn
		w.turn += (step - w.turn) * 0.5
		if m := math.Hypot(real(w.turn), imag(w.turn)); m > 0 {
			w.turn /= complex(m, 0)
		}
	}
	return false
}

func meanSquare(x []int16) float64 {
	var e float64
	for _, v := range x {
		e += float64(v) * float64(v)
	}
	return e / float64(len(x))
}
