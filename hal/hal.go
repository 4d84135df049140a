package hal

import (
	"errors"
	"strconv"
	"time"
)

// Audio format of every port.
const (
	SampleRate    = 8000
	FrameSamples  = 80
	FrameDuration = 10 * time.Millisecond
)

// ErrClosed is returned by a port used after Close.
var ErrClosed = errors.New("hal: port closed")

// ErrNotSupported is returned for a control the hardware does not have
// (MWI lamp on a port without high voltage, for example).
var ErrNotSupported = errors.New("hal: not supported by this port")

// EventKind is a signalling event reported by a port.
type EventKind int

// FXS events.
const (
	OffHook    EventKind = iota + 1 // the phone went off hook
	OnHook                          // the phone went on hook
	Flash                           // a hook flash, when the hardware times it itself
	PulseDigit                      // a dialled pulse digit, when the hardware counts pulses itself
)

// FXO events.
const (
	RingStart         EventKind = iota + 16 // ringing voltage appeared on the line
	RingStop                                // ringing voltage went away
	PolarityReversal                        // the line's polarity reversed
	LoopCurrentLoss                         // loop current dropped (disconnect supervision)
	LoopCurrentReturn                       // loop current came back
)

var eventNames = map[EventKind]string{
	OffHook: "off-hook", OnHook: "on-hook", Flash: "flash", PulseDigit: "pulse-digit",
	RingStart: "ring-start", RingStop: "ring-stop", PolarityReversal: "polarity-reversal",
	LoopCurrentLoss: "loop-current-loss", LoopCurrentReturn: "loop-current-return",
}

func (k EventKind) String() string {
	if s, ok := eventNames[k]; ok {
		return s
	}
	return "EventKind(" + strconv.Itoa(int(k)) + ")"
}

// Event is one signalling event. Offset is when it happened within the
// frame that reported it, so timing is exact to the sample even though
// events are delivered per frame.
type Event struct {
	Kind   EventKind
	Offset time.Duration
	// Digit is the digit of a PulseDigit event ('0'..'9').
	Digit byte
}

// FXSPort is a port that feeds an analog phone. Its methods are called from
// one goroutine, the line's.
type FXSPort interface {
	// Exchange plays out (FrameSamples samples) to the phone, fills in with
	// what the phone sent during the same frame, and appends the events of
	// the frame to events.
	Exchange(out, in []int16, events []Event) ([]Event, error)
	// SetRing applies or removes ringing voltage. The cadence is the
	// caller's: it turns ringing on and off.
	SetRing(on bool) error
	// SetPolarity reverses the line feed polarity (answer and disconnect
	// signalling) or restores it.
	SetPolarity(reversed bool) error
	// SetMWI turns the message waiting lamp on or off.
	SetMWI(on bool) error
	// OffHook reports the current hook state.
	OffHook() bool
	Close() error
}

// FXOPort is a port that acts as a phone on a PBX or PSTN line.
type FXOPort interface {
	// Exchange plays out to the line, fills in with what the line sent and
	// appends the frame's events.
	Exchange(out, in []int16, events []Event) ([]Event, error)
	// SetHook seizes the line (offHook true) or releases it.
	SetHook(offHook bool) error
	// Flash releases the loop for d (a hook flash toward the PBX).
	Flash(d time.Duration) error
	Close() error
}
