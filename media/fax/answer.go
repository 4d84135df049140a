package fax

import (
	"math"

	"github.com/potsgate/potsgate/media"
)

// BlockSamples is the block the detectors work on: 10 ms at 8 kHz. 2100 Hz
// makes exactly 21 cycles in it and 1100 Hz exactly 11, so one DFT bin per
// block measures each tone and its phase.
const BlockSamples = 80

// The answer tone. A fax or modem answers with 2100 Hz (V.25 ANS, T.30
// CED); with phase reversals every 450 ms (/ANS, G.165) it also asks echo
// cancellers to get out of the way; V.8 ANSam adds a 15 Hz amplitude
// modulation, which the per-block power follows without harm.
//
// The tone's phase in the block's bin stays put from block to block (or
// turns slowly, up to 76 degrees a block at the +/-21 Hz tolerance) and
// jumps by 180 degrees at a reversal.

// toneBasis is e^{-j 2 pi 2100 n / 8000} over a block.
var toneBasis = func() (b [BlockSamples]complex128) {
	for n := range b {
		ph := -2 * math.Pi * 2100 * float64(n) / 8000
		b[n] = complex(math.Cos(ph), math.Sin(ph))
	}
	return b
}()

const (
	// g164MinLevel: the level from which G.164 asks a disabler to see
	// the tone, dBm0.
	g164MinLevel = -31
	// reversal spacing accepted: 450 ms +/- 25 ms, with a block of slack
	// on each side for where in a block the tone starts or reverses.
	reversalMin = 41
	reversalMax = 49
	// answerPurity: the share of a block's power the 2100 Hz bin must
	// hold.
	answerPurity = 0.6
)

// sinePower is the mean square of a sine at level dBm0.
func sinePower(dBm0 float64) float64 {
	a := media.SineAmplitude(dBm0)
	return a * a / 2
}

// AnswerTone follows a 2100 Hz answer tone in one direction, one
// [BlockSamples] block at a time: whether it is on, for how long, and its
// phase reversals. The zero value detects from -31 dBm0, the G.164
// disabler level; [NewAnswerTone] sets another. It allocates nothing.
// Media/echo's G.164/G.165 disabler and this package's [Detector] share it.
type AnswerTone struct {
	minPower float64    // mean square the tone needs; zero: -31 dBm0
	blocks   int        // blocks seen
	on       bool       // the tone is present
	last     complex128 // the bin of the last block with the tone
	lastAt   int
	turn     complex128 // the usual rotation from one block to the next
	startAt  int        // block where the tone started
	eventAt  int        // block of the tone's start or its last reversal
	revs     int        // reversals at the G.165 spacing in this tone
}

// NewAnswerTone returns a detector that sees the tone from minLevel dBm0.
func NewAnswerTone(minLevel float64) AnswerTone {
	return AnswerTone{minPower: sinePower(minLevel)}
}

// Reset forgets the tone, keeping the level.
func (w *AnswerTone) Reset() { *w = AnswerTone{minPower: w.minPower} }

// On reports whether the tone is present.
func (w *AnswerTone) On() bool { return w.on }

// Blocks is how many blocks the present tone has lasted (0 when off).
func (w *AnswerTone) Blocks() int {
	if !w.on {
		return 0
	}
	return w.blocks - w.startAt + 1
}

// Reversals counts the present tone's phase reversals at the G.165
// spacing (450 ms +/- 25 ms).
func (w *AnswerTone) Reversals() int { return w.revs }

// Block takes the next block of exactly [BlockSamples] samples and
// reports whether it completes a phase reversal at the G.165 spacing.
func (w *AnswerTone) Block(x []int16) bool {
	if w.minPower == 0 {
		w.minPower = sinePower(g164MinLevel)
	}
	w.blocks++
	var bin complex128
	var energy float64
	for n, v := range x[:BlockSamples] {
		f := float64(v)
		bin += complex(f, 0) * toneBasis[n]
		energy += f * f
	}
	const n = BlockSamples
	tonePower := 2 * (real(bin)*real(bin) + imag(bin)*imag(bin)) / (n * n)
	present := tonePower >= w.minPower && tonePower >= answerPurity*energy/n
	if !present {
		// A reversal inside a block can cancel that block's bin: one or
		// two such blocks do not end the tone.
		if w.on && w.blocks-w.lastAt > 3 {
			w.on, w.revs = false, 0
		}
		return false
	}
	mag := math.Hypot(real(bin), imag(bin))
	bin /= complex(mag, 0)
	if !w.on {
		*w = AnswerTone{minPower: w.minPower, blocks: w.blocks, on: true, last: bin, lastAt: w.blocks, turn: 1, startAt: w.blocks, eventAt: w.blocks}
		return false
	}
	gap := w.blocks - w.lastAt
	expect := w.last
	for range gap {
		expect *= w.turn
	}
	rel := bin * complex(real(expect), -imag(expect))
	w.last, w.lastAt = bin, w.blocks
	if real(rel) < 0 {
		since := w.blocks - w.eventAt
		w.eventAt = w.blocks
		if since >= reversalMin && since <= reversalMax {
			w.revs++
			return true
		}
		return false
	}
	if gap == 1 {
		// Follow a tone off 2100 Hz by its rotation per block.
		step := rel * w.turn
		w.turn += (step - w.turn) * 0.5
		if m := math.Hypot(real(w.turn), imag(w.turn)); m > 0 {
			w.turn /= complex(m, 0)
		}
	}
	return false
}
