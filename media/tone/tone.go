package tone

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// SampleRate is the sample rate of generated tones, in Hz.
const SampleRate = 8000

// Frequency limits of a tone component, in Hz.
const (
	MinFreq = 300
	MaxFreq = 1980
)

// MaxCadence is the number of on/off pairs a definition holds.
const MaxCadence = 4

// ErrDefinition is returned for an invalid tone definition.
var ErrDefinition = errors.New("tone: invalid definition")

// Type is the call progress tone type, numbered as in the vendor's call
// progress tones file.
type Type int

// Tone types.
const (
	Dial                Type = 1
	Ringback            Type = 2
	Busy                Type = 3
	Congestion          Type = 4
	SpecialInformation  Type = 5
	Warning             Type = 6
	Reorder             Type = 7
	Confirmation        Type = 8
	CallWaiting         Type = 9
	StutterDial         Type = 15
	OffHookWarning      Type = 16
	CallWaitingRingback Type = 17
	Hold                Type = 23
)

var typeNames = [...]struct {
	t    Type
	name string
}{
	{Dial, "dial"}, {Ringback, "ringback"}, {Busy, "busy"}, {Congestion, "congestion"},
	{SpecialInformation, "special-information"}, {Warning, "warning"}, {Reorder, "reorder"},
	{Confirmation, "confirmation"}, {CallWaiting, "call-waiting"}, {StutterDial, "stutter-dial"},
	{OffHookWarning, "off-hook-warning"}, {CallWaitingRingback, "call-waiting-ringback"}, {Hold, "hold"},
}

// String returns the type's name, e.g. "busy", or "Type(n)".
func (t Type) String() string {
	for _, n := range typeNames {
		if n.t == t {
			return n.name
		}
	}
	return fmt.Sprintf("Type(%d)", int(t))
}

// ParseType returns the type named name (as String writes it; "howler" is
// also accepted for off-hook warning, "ringing" for ringback).
func ParseType(name string) (Type, error) {
	switch name {
	case "howler":
		return OffHookWarning, nil
	case "ringing":
		return Ringback, nil
	}
	for _, n := range typeNames {
		if n.name == name {
			return n.t, nil
		}
	}
	return 0, fmt.Errorf("%w: unknown tone type %q", ErrDefinition, name)
}

// Form is how a tone's cadence is played.
type Form uint8

// Forms, numbered as in the call progress tones file.
const (
	Continuous Form = 1 // steady tone
	Cadence    Form = 2 // the on/off pairs, repeated
	Burst      Form = 3 // the on/off pairs once, then silence
)

// String returns "continuous", "cadence" or "burst".
func (f Form) String() string {
	switch f {
	case Continuous:
		return "continuous"
	case Cadence:
		return "cadence"
	case Burst:
		return "burst"
	}
	return fmt.Sprintf("Form(%d)", uint8(f))
}

// Step is one on/off pair of a cadence.
type Step struct {
	On, Off time.Duration
}

// AM describes an amplitude-modulated tone: a carrier at Carrier Hz and
// Level dBm0 whose amplitude varies by Depth (0..1) at Rate Hz.
type AM struct {
	Carrier float64
	Rate    float64
	Depth   float64
	Level   float64
}

// Definition is one call progress tone.
type Definition struct {
	Type Type
	Form Form
	// Low and High are the frequencies in Hz; High is 0 for a single
	// tone.
	Low, High float64
	// LowLevel and HighLevel are the levels in dBm0 (negative numbers;
	// the file's "-dBm" values with the sign restored).
	LowLevel, HighLevel float64
	// Cadence holds up to four on/off pairs; unused pairs are zero. A
	// continuous tone needs none.
	Cadence [MaxCadence]Step
	// Modulated, when set, makes this an amplitude-modulated tone and
	// Low, High and their levels are ignored.
	Modulated bool
	AM        AM
}

// Steps returns the number of cadence pairs in use.
func (d *Definition) Steps() int {
	n := 0
	for i, s := range d.Cadence {
		if s.On != 0 || s.Off != 0 {
			n = i + 1
		}
	}
	return n
}

// Validate checks frequencies, levels, form and cadence.
func (d *Definition) Validate() error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: %v tone: %s", ErrDefinition, d.Type, fmt.Sprintf(format, a...))
	}
	inRange := func(f float64) bool { return f >= MinFreq && f <= MaxFreq }
	level := func(l float64) bool { return l <= 3.14 && l >= -60 }
	if d.Modulated {
		if !inRange(d.AM.Carrier) {
			return bad("carrier %g Hz outside %d-%d Hz", d.AM.Carrier, MinFreq, MaxFreq)
		}
		if !(d.AM.Rate >= 1 && d.AM.Rate <= 128) || !(d.AM.Depth >= 0 && d.AM.Depth <= 1) {
			return bad("modulation %g Hz depth %g", d.AM.Rate, d.AM.Depth)
		}
		if !level(d.AM.Level) || !level(d.AM.Level+20*math.Log10(1+d.AM.Depth)) {
			return bad("level %g dBm0", d.AM.Level)
		}
	} else {
		if !inRange(d.Low) {
			return bad("frequency %g Hz outside %d-%d Hz", d.Low, MinFreq, MaxFreq)
		}
		if d.High != 0 && !inRange(d.High) {
			return bad("frequency %g Hz outside %d-%d Hz", d.High, MinFreq, MaxFreq)
		}
		if !level(d.LowLevel) || (d.High != 0 && !level(d.HighLevel)) {
			return bad("levels %g/%g dBm0", d.LowLevel, d.HighLevel)
		}
		if d.High != 0 && peakAmplitude(d.LowLevel)+peakAmplitude(d.HighLevel) > 32767 {
			return bad("levels %g/%g dBm0 clip", d.LowLevel, d.HighLevel)
		}
	}
	var total time.Duration
	for i, s := range d.Cadence {
		if s.On < 0 || s.Off < 0 || s.On > time.Hour || s.Off > time.Hour {
			return bad("cadence pair %d %v/%v", i+1, s.On, s.Off)
		}
		total += s.On + s.Off
	}
	switch d.Form {
	case Continuous:
	case Cadence, Burst:
		if d.Cadence[0].On <= 0 {
			return bad("%v without a first on time", d.Form)
		}
		if d.Form == Cadence && total < 10*time.Millisecond {
			return bad("cadence shorter than 10 ms")
		}
	default:
		return bad("form %v", d.Form)
	}
	return nil
}
