package dtmf

import (
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/potsgate/potsgate/media"
)

const (
	blockLen = 102 // analysis window, 12.75 ms
	hopLen   = 51  // new window every 6.375 ms
	// onHops consecutive valid windows start a digit; offHops consecutive
	// windows without it end it. With the window and hop above, tones of
	// 36 ms or more are always reported and tones of 26 ms or less never
	// (measured over every alignment; Q.24 asks for 40 ms accepted, and we
	// reject bursts under 23 ms); pauses of 25 ms or more always separate
	// digits and a 10 ms break in a tone is bridged.
	onHops  = 4
	offHops = 4
)

// DetectorConfig sets the acceptance limits of a [Detector].
type DetectorConfig struct {
	// MinLevel is the weakest tone accepted, in dBm0 per tone.
	MinLevel float64
	// MaxForwardTwist is how much stronger, in dB, the high-group tone may
	// be than the low-group tone.
	MaxForwardTwist float64
	// MaxReverseTwist is how much stronger, in dB, the low-group tone may
	// be than the high-group tone.
	MaxReverseTwist float64
	// MaxDeviation is the largest relative frequency deviation accepted
	// (0.025 is 2.5 %).
	MaxDeviation float64
	// MinPairRatio is the smallest share of the window's energy the two
	// tones must carry (0..1).
	MinPairRatio float64
	// MaxHarmonic is the largest level, in dB relative to its fundamental,
	// of a tone's second harmonic.
	MaxHarmonic float64
}

// DefaultDetectorConfig returns limits between the Q.24 must-accept and
// must-reject values: -30 dBm0, twist 6 dB forward and 10 dB reverse,
// 2.5 % deviation, 75 % of the energy in the pair, second harmonics 10 dB
// down.
func DefaultDetectorConfig() DetectorConfig {
	return DetectorConfig{
		MinLevel:        -30,
		MaxForwardTwist: 6,
		MaxReverseTwist: 10,
		MaxDeviation:    0.025,
		MinPairRatio:    0.75,
		MaxHarmonic:     -10,
	}
}

// EventKind says whether an [Event] starts or ends a digit.
type EventKind uint8

// Event kinds.
const (
	DigitStart EventKind = iota + 1
	DigitEnd
)

// String returns "start" or "end".
func (k EventKind) String() string {
	switch k {
	case DigitStart:
		return "start"
	case DigitEnd:
		return "end"
	}
	return fmt.Sprintf("EventKind(%d)", uint8(k))
}

// Event is a digit starting or ending.
type Event struct {
	Kind  EventKind
	Digit Digit
	// At is when the digit started, from the first sample given to the
	// detector, to within about 13 ms.
	At time.Duration
	// Duration is how long the digit lasted (DigitEnd only), to within
	// about 13 ms.
	Duration time.Duration
}

// String formats the event, e.g. "start 5 at 120ms".
func (e Event) String() string {
	if e.Kind == DigitEnd {
		return fmt.Sprintf("%v %v at %v for %v", e.Kind, e.Digit, e.At, e.Duration)
	}
	return fmt.Sprintf("%v %v at %v", e.Kind, e.Digit, e.At)
}

// Detector finds DTMF digits in a stream of 8 kHz samples. It is not safe
// for concurrent use.
type Detector struct {
	cfg        DetectorConfig
	minAmp     float64
	fwdTwist   float64 // amplitude ratio limits
	revTwist   float64
	harmRatio  float64 // energy ratio
	sumW       float64
	energyNorm float64 // |X|^2 to windowed energy

	// Shared by every detector and never written after they are built:
	// a gateway runs one detector per line, and a thousand copies of
	// these 33 KB do not stay in any cache.
	tab   *detectorTables
	freqs [8]float64

	buf      [blockLen]float64
	fill     int
	consumed int64 // samples taken in so far

	prevRe, prevIm [8]float64
	prevValid      bool
	// prevQuiet: the last window was too weak to hold a digit and its
	// transform was skipped; quiet keeps its samples, so the next window's
	// phase check can still transform it (most windows of a call are
	// speech pauses or silence, and the transform is most of the cost).
	prevQuiet bool
	quiet     [blockLen]float64

	runDigit Digit
	runLen   int
	runStart int64

	active   Digit
	activeAt int64
	lastSeen int64
	misses   int
	events   []Event
}

// NewDetector returns a detector with the given limits.
func NewDetector(cfg DetectorConfig) (*Detector, error) {
	if cfg.MaxDeviation <= 0 || cfg.MaxDeviation >= 0.1 ||
		cfg.MaxForwardTwist < 0 || cfg.MaxReverseTwist < 0 ||
		cfg.MinPairRatio < 0 || cfg.MinPairRatio > 1 || math.IsNaN(cfg.MinLevel+cfg.MaxHarmonic) {
		return nil, fmt.Errorf("%w: %+v", ErrConfig, cfg)
	}
	d := &Detector{
		cfg:       cfg,
		minAmp:    media.SineAmplitude(cfg.MinLevel),
		fwdTwist:  math.Pow(10, cfg.MaxForwardTwist/20),
		revTwist:  math.Pow(10, cfg.MaxReverseTwist/20),
		harmRatio: math.Pow(10, cfg.MaxHarmonic/10),
		events:    make([]Event, 0, 4),
	}
	copy(d.freqs[:4], lowFreqs[:])
	copy(d.freqs[4:], highFreqs[:])
	d.tab = sharedTables()
	var sumW2 float64
	for _, w := range d.tab.win {
		d.sumW += w
		sumW2 += w * w
	}
	// A sine of amplitude A gives |X| = A*sumW/2 and windowed energy
	// A^2*sumW2/2, so energy = |X|^2 * 2*sumW2/sumW^2.
	d.energyNorm = 2 * sumW2 / (d.sumW * d.sumW)
	return d, nil
}

// detectorTables are the window and the windowed sines of the analysis,
// which depend on nothing but the DTMF frequencies.
type detectorTables struct {
	win [blockLen]float64
	// group[g][n] holds, for sample n, window*cos of the four frequencies
	// of group g (0 low, 1 high) then window*sin of them: one pass over
	// the window finds the four, with independent sums the processor
	// runs side by side.
	group [2][blockLen][8]float64
	// hcos, hsin: window*cos and window*sin of the second harmonics.
	hcos, hsin [8][blockLen]float64
}

// sharedTables computes the tables once for the process; they are only
// read afterwards.
var sharedTables = sync.OnceValue(func() *detectorTables {
	t := new(detectorTables)
	for n := range t.win {
		t.win[n] = 0.5 - 0.5*math.Cos(2*math.Pi*(float64(n)+0.5)/blockLen)
	}
	freqs := append(lowFreqs[:], highFreqs[:]...)
	for k, f := range freqs {
		for n := range blockLen {
			w := t.win[n]
			a := 2 * math.Pi * f * float64(n) / SampleRate
			t.group[k/4][n][k%4], t.group[k/4][n][4+k%4] = w*math.Cos(a), w*math.Sin(a)
			a *= 2
			t.hcos[k][n], t.hsin[k][n] = w*math.Cos(a), w*math.Sin(a)
		}
	}
	return t
})

// Config returns the detector's limits.
func (d *Detector) Config() DetectorConfig { return d.cfg }

// Reset forgets all state, as for a new stream starting at time 0.
func (d *Detector) Reset() {
	ev := d.events[:0]
	*d = Detector{
		cfg: d.cfg, minAmp: d.minAmp, fwdTwist: d.fwdTwist, revTwist: d.revTwist,
		harmRatio: d.harmRatio, sumW: d.sumW, energyNorm: d.energyNorm,
		tab: d.tab, freqs: d.freqs,
		events: ev,
	}
}

// Process analyses the next samples, of any length, and returns the events
// they complete. The returned slice is reused by the next call to Process,
// Flush or Reset.
func (d *Detector) Process(frame []int16) []Event {
	d.events = d.events[:0]
	for len(frame) > 0 {
		n := copy16(d.buf[d.fill:], frame)
		d.fill += n
		d.consumed += int64(n)
		frame = frame[n:]
		if d.fill == blockLen {
			d.hop(d.classify())
			copy(d.buf[:], d.buf[hopLen:])
			d.fill = blockLen - hopLen
		}
	}
	return d.events
}

// Flush ends a digit still sounding at the end of the stream and returns
// its DigitEnd event, if any. The slice is reused like Process's.
func (d *Detector) Flush() []Event {
	d.events = d.events[:0]
	if d.active != None {
		d.end()
	}
	d.runDigit, d.runLen = None, 0
	return d.events
}

func copy16(dst []float64, src []int16) int {
	n := min(len(dst), len(src))
	for i := range n {
		dst[i] = float64(src[i])
	}
	return n
}

func (d *Detector) dft(c, s *[blockLen]float64) (re, im float64) {
	for n, x := range d.buf {
		re += x * c[n]
		im -= x * s[n]
	}
	return re, im
}

// dftGroup is dft of the four frequencies of table group g in one pass:
// each sum is added in the same order as dft adds it.
func dftGroup(buf *[blockLen]float64, g *[blockLen][8]float64, re, im *[4]float64) {
	var r0, r1, r2, r3, i0, i1, i2, i3 float64
	for n, x := range buf {
		t := &g[n]
		r0 += x * t[0]
		r1 += x * t[1]
		r2 += x * t[2]
		r3 += x * t[3]
		i0 -= x * t[4]
		i1 -= x * t[5]
		i2 -= x * t[6]
		i3 -= x * t[7]
	}
	*re = [4]float64{r0, r1, r2, r3}
	*im = [4]float64{i0, i1, i2, i3}
}

// classify analyses the window in buf and returns the digit it holds, or
// None.
func (d *Detector) classify() Digit {
	// The window's energy first: |X|^2 <= blockLen * energy (Cauchy-
	// Schwarz), so a window too weak for a tone at the minimum level is
	// no digit whatever its transform.
	var energy float64
	for n, x := range d.buf {
		v := x * d.tab.win[n]
		energy += v * v
	}
	if floor := d.minAmp * d.sumW / 2; blockLen*energy < floor*floor {
		d.quiet, d.prevQuiet, d.prevValid = d.buf, true, false
		return None
	}
	var re, im, pow [8]float64
	dftGroup(&d.buf, &d.tab.group[0], (*[4]float64)(re[:4]), (*[4]float64)(im[:4]))
	dftGroup(&d.buf, &d.tab.group[1], (*[4]float64)(re[4:]), (*[4]float64)(im[4:]))
	for k := range 8 {
		pow[k] = re[k]*re[k] + im[k]*im[k]
	}
	if d.prevQuiet { // the transform skipped, made now that it is needed
		dftGroup(&d.quiet, &d.tab.group[0], (*[4]float64)(d.prevRe[:4]), (*[4]float64)(d.prevIm[:4]))
		dftGroup(&d.quiet, &d.tab.group[1], (*[4]float64)(d.prevRe[4:]), (*[4]float64)(d.prevIm[4:]))
		d.prevQuiet, d.prevValid = false, true
	}
	prevValid := d.prevValid
	prevRe, prevIm := d.prevRe, d.prevIm
	d.prevRe, d.prevIm, d.prevValid = re, im, true
	if !prevValid {
		return None
	}
	lo, hi := 0, 4
	for k := 1; k < 4; k++ {
		if pow[k] > pow[lo] {
			lo = k
		}
		if pow[k+4] > pow[hi] {
			hi = k + 4
		}
	}
	// Levels and twist.
	ampLo := 2 * math.Sqrt(pow[lo]) / d.sumW
	ampHi := 2 * math.Sqrt(pow[hi]) / d.sumW
	if ampLo < d.minAmp || ampHi < d.minAmp {
		return None
	}
	if ampHi > ampLo*d.fwdTwist || ampLo > ampHi*d.revTwist {
		return None
	}
	// The pair must carry most of the window's energy.
	if (pow[lo]+pow[hi])*d.energyNorm < d.cfg.MinPairRatio*energy {
		return None
	}
	// Frequencies, from the phase advance over one hop.
	for _, k := range [2]int{lo, hi} {
		// X(now) * conj(X(before)) turns by 2*pi*f*hop/rate.
		cr := re[k]*prevRe[k] + im[k]*prevIm[k]
		ci := im[k]*prevRe[k] - re[k]*prevIm[k]
		dev := math.Atan2(ci, cr) - 2*math.Pi*d.freqs[k]*hopLen/SampleRate
		dev -= 2 * math.Pi * math.Round(dev/(2*math.Pi))
		df := dev * SampleRate / (2 * math.Pi * hopLen)
		if math.Abs(df) > d.cfg.MaxDeviation*d.freqs[k] {
			return None
		}
	}
	// Second harmonics, where they are clear of the other tone.
	for _, k := range [2]int{lo, hi} {
		other := d.freqs[lo+hi-k]
		if math.Abs(2*d.freqs[k]-other) < 2.5*SampleRate/blockLen {
			continue
		}
		hr, hi2 := d.dft(&d.tab.hcos[k], &d.tab.hsin[k])
		if hr*hr+hi2*hi2 > d.harmRatio*pow[k] {
			return None
		}
	}
	return digitAt(lo, hi-4)
}

// hop runs the start/end state machine on one window's verdict.
func (d *Detector) hop(h Digit) {
	winStart := d.consumed - blockLen
	winEnd := d.consumed
	if h == d.runDigit {
		d.runLen++
	} else {
		d.runDigit, d.runLen, d.runStart = h, 1, winStart
	}
	if d.active != None {
		if h == d.active {
			d.misses, d.lastSeen = 0, winEnd
		} else if d.misses++; d.misses >= offHops {
			d.end()
		}
	}
	if d.active == None && d.runDigit != None && d.runLen >= onHops {
		d.active, d.activeAt, d.lastSeen, d.misses = d.runDigit, d.runStart, winEnd, 0
		d.events = append(d.events, Event{Kind: DigitStart, Digit: d.active, At: samplesToDuration(d.activeAt)})
	}
}

func (d *Detector) end() {
	d.events = append(d.events, Event{
		Kind:     DigitEnd,
		Digit:    d.active,
		At:       samplesToDuration(d.activeAt),
		Duration: samplesToDuration(d.lastSeen - d.activeAt),
	})
	d.active, d.misses = None, 0
}

func samplesToDuration(n int64) time.Duration {
	return time.Duration(n) * time.Second / SampleRate
}

// Detect returns the digits found in samples, in order, as a string. It is
// a convenience for whole recordings; live streams use a Detector.
func Detect(samples []int16) string {
	d, _ := NewDetector(DefaultDetectorConfig())
	var out []byte
	for len(samples) > 0 {
		n := min(80, len(samples))
		for _, e := range d.Process(samples[:n]) {
			if e.Kind == DigitStart {
				out = append(out, byte(e.Digit))
			}
		}
		samples = samples[n:]
	}
	return string(out)
}
