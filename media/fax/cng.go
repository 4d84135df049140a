package fax

import "math"

// CNG is the calling tone of T.30: 1100 Hz +/- 38 Hz, on for 0.5 s and
// off for 3 s. 1100 Hz makes 11 cycles in a block, so one bin measures
// it; the cadence's on time (0.4 to 0.7 s, allowing for where the blocks
// cut it and a lost packet) tells it from a long tone.

// cngBasis is e^{-j 2 pi 1100 n / 8000} over a block.
var cngBasis = func() (b [BlockSamples]complex128) {
	for n := range b {
		ph := -2 * math.Pi * 1100 * float64(n) / 8000
		b[n] = complex(math.Cos(ph), math.Sin(ph))
	}
	return b
}()

const (
	// cngPurity: the share of a block's power the 1100 Hz bin must hold.
	// A tone 38 Hz off keeps 60 % of its power in the bin.
	cngPurity = 0.45
	// The burst's accepted length, in blocks.
	cngMinBlocks = 40
	cngMaxBlocks = 70
	// cngGap: blocks without the tone that do not yet end a burst (a lost
	// packet, the block where it starts or stops).
	cngGap = 2
)

// cngWatch measures 1100 Hz bursts.
type cngWatch struct {
	minPower float64
	on       bool
	blocks   int // blocks since the burst started
	missing  int // blocks in a row without the tone while on
}

// block reports whether this block ends a burst of CNG's length.
func (w *cngWatch) block(x []int16) bool {
	var bin complex128
	var energy float64
	for n, v := range x[:BlockSamples] {
		f := float64(v)
		bin += complex(f, 0) * cngBasis[n]
		energy += f * f
	}
	const n = BlockSamples
	p := 2 * (real(bin)*real(bin) + imag(bin)*imag(bin)) / (n * n)
	present := p >= w.minPower && p >= cngPurity*energy/n
	switch {
	case present && !w.on:
		w.on, w.blocks, w.missing = true, 1, 0
	case present:
		w.blocks++
		w.missing = 0
	case w.on:
		w.blocks++
		w.missing++
		if w.missing > cngGap {
			w.on = false
			length := w.blocks - w.missing
			return length >= cngMinBlocks && length <= cngMaxBlocks
		}
	}
	return false
}
