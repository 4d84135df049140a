package tone

import (
	"fmt"
	"math"
	"time"
)

// Detector recognises call progress tones in the audio of a line, for FXO
// supervision: dial tone before dialling, busy or reorder tone as a
// disconnect. It looks at 20 ms blocks (50 Hz resolution, enough to tell
// 350+440 from 440+480) and asks that the tone's frequencies carry most of
// a block's energy, then times the on and off runs against the cadence.
type Detector struct {
	defs  []detectorDef
	block [blockLen]int16
	n     int
	// MinLevel is the weakest tone detected, in dBm0.
	minEnergy float64
}

const (
	blockLen = 160 // 20 ms
	blockDur = 20 * time.Millisecond
	// A continuous tone is recognised after this long.
	continuousAfter = 400 * time.Millisecond
	// Cadenced tones are recognised after this many matching cycles.
	cyclesNeeded = 2
)

type detectorDef struct {
	def      Definition
	cLow     float64
	cHigh    float64
	on       bool
	run      time.Duration // length of the current on or off run
	lastOn   time.Duration
	cycles   int
	step     int
	reported bool
	// continuous is how long a continuous tone must last: longer than any
	// ring of a cadenced tone with the same frequencies, which would
	// otherwise pass for it (German dial tone and ringback are both 425 Hz).
	continuous time.Duration
}

// NewDetector returns a detector for the given tones (modulated tones are
// not supported).
func NewDetector(minLevel float64, defs ...Definition) (*Detector, error) {
	d := &Detector{minEnergy: blockEnergy(minLevel)}
	for _, def := range defs {
		if def.Modulated {
			return nil, fmt.Errorf("%w: %v: modulated tones cannot be detected", ErrDefinition, def.Type)
		}
		if err := def.Validate(); err != nil {
			return nil, err
		}
		dd := detectorDef{def: def, cLow: goertzelCoeff(def.Low)}
		if def.High != 0 {
			dd.cHigh = goertzelCoeff(def.High)
		}
		d.defs = append(d.defs, dd)
	}
	for i := range d.defs {
		a := &d.defs[i]
		a.continuous = continuousAfter
		for j, b := range d.defs {
			if i == j || b.def.Low != a.def.Low || b.def.High != a.def.High {
				continue
			}
			for k := range b.def.Steps() {
				a.continuous = max(a.continuous, b.def.Cadence[k].On+2*blockDur)
			}
		}
	}
	return d, nil
}

// blockEnergy is the energy of a 20 ms block of a sine at level dBm0.
func blockEnergy(dBm0 float64) float64 {
	a := 32767 * math.Pow(10, (dBm0-3.14)/20)
	return a * a / 2 * blockLen
}

func goertzelCoeff(f float64) float64 { return 2 * math.Cos(2*math.Pi*f/SampleRate) }

// fraction is the share of the block's energy at the Goertzel frequency.
func fraction(x []int16, coeff, energy float64) float64 {
	var s1, s2 float64
	for _, v := range x {
		s1, s2 = float64(v)+coeff*s1-s2, s1
	}
	p := s1*s1 + s2*s2 - coeff*s1*s2
	return 2 * p / (float64(len(x)) * energy)
}

// Process analyses the next samples, of any length, and reports a tone
// type when one is recognised. It reports each tone once until it stops.
func (d *Detector) Process(samples []int16) (Type, bool) {
	var found Type
	for len(samples) > 0 {
		k := copy(d.block[d.n:], samples)
		d.n += k
		samples = samples[k:]
		if d.n < blockLen {
			break
		}
		d.n = 0
		if t, ok := d.analyse(); ok {
			found = t
		}
	}
	return found, found != 0
}

func (d *Detector) analyse() (Type, bool) {
	var energy float64
	for _, v := range d.block {
		energy += float64(v) * float64(v)
	}
	var found Type
	for i := range d.defs {
		dd := &d.defs[i]
		present := false
		if energy >= d.minEnergy {
			lo := fraction(d.block[:], dd.cLow, energy)
			if dd.def.High == 0 {
				present = lo > 0.8
			} else {
				hi := fraction(d.block[:], dd.cHigh, energy)
				present = lo > 0.15 && hi > 0.15 && lo+hi > 0.8
			}
		}
		if dd.track(present) {
			found = dd.def.Type
		}
	}
	return found, found != 0
}

// near reports whether a measured run matches the expected length, within
// the 20 ms block and a quarter of the length.
func near(got, want time.Duration) bool {
	tol := want/4 + blockDur
	return got >= want-tol && got <= want+tol
}

// track advances the on/off runs by one block and reports a new detection.
func (dd *detectorDef) track(present bool) bool {
	if present == dd.on {
		dd.run += blockDur
	} else {
		// A run ended: check it against the cadence.
		if dd.on {
			dd.lastOn = dd.run
		} else if dd.def.Steps() > 0 && dd.lastOn > 0 {
			st := dd.def.Cadence[dd.step]
			if near(dd.lastOn, st.On) && near(dd.run, st.Off) {
				dd.cycles++
				dd.step = (dd.step + 1) % dd.def.Steps()
			} else {
				dd.cycles, dd.step = 0, 0
			}
		}
		dd.on, dd.run = present, blockDur
	}
	if !dd.on && dd.run >= time.Second {
		// Silence: the tone is gone; report it again next time.
		dd.reported, dd.cycles, dd.step, dd.lastOn = false, 0, 0, 0
	}
	if dd.reported {
		return false
	}
	switch {
	case dd.def.Steps() == 0 || dd.def.Form == Continuous:
		if dd.on && dd.run >= dd.continuous {
			dd.reported = true
			return true
		}
	case dd.cycles >= cyclesNeeded:
		dd.reported = true
		return true
	}
	return false
}

// Reset forgets everything heard so far.
func (d *Detector) Reset() {
	d.n = 0
	for i := range d.defs {
		dd := &d.defs[i]
		*dd = detectorDef{def: dd.def, cLow: dd.cLow, cHigh: dd.cHigh, continuous: dd.continuous}
	}
}
