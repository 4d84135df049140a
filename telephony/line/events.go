package line

import (
	"fmt"
	"time"
)

// EventKind is an input to a line machine.
type EventKind int

const (
	// From the port (hal events, after the adapter's DSP).
	HookOff          EventKind = iota + 1 // FXS: the phone went off hook
	HookOn                                // FXS: the phone went on hook (raw; the machine times it)
	HookFlash                             // FXS: a flash timed by the hardware
	PulseDigit                            // FXS: a pulse digit counted by the hardware
	Digit                                 // a DTMF digit detected in the audio (Event.Digit)
	RingStart                             // FXO: ringing voltage on the line
	RingStop                              // FXO: ringing stopped
	PolarityReversal                      // FXO: the line reversed polarity
	LoopCurrentLoss                       // FXO: loop current dropped
	DialToneDetected                      // FXO: dial tone heard on the line
	BusyToneDetected                      // FXO: busy or reorder tone heard on the line
	CallerIDReceived                      // FXO: caller ID decoded (Event.CallerID)
	SilenceDetected                       // FXO: no sound on the line for the silence period
	Tick                                  // time passed; timers are checked on every event

	// From the network (the SIP side).
	IncomingCall   // a call for this port (Event.CallerID; Event.Number for FXO: what to dial)
	RemoteRinging  // the called party is being alerted (180)
	RemoteAnswered // the called party answered (200)
	RemoteHangup   // the far end ended an established call or gave up calling (BYE, CANCEL)
	CallFailed     // the outgoing call failed (Event.Cause)
	RemoteDigit    // a digit from the far end to play (Event.Digit)
	MessageWaiting // voice mail waiting indication on or off (Event.On)
	OutOfService   // FXS: the port goes out of service (Event.On, with Event.OOS) or back in service
)

var eventNames = [...]string{"", "hook-off", "hook-on", "hook-flash", "pulse-digit", "digit",
	"ring-start", "ring-stop", "polarity-reversal", "loop-current-loss", "dial-tone", "busy-tone",
	"caller-id", "silence", "tick", "incoming-call", "remote-ringing", "remote-answered", "remote-hangup",
	"call-failed", "remote-digit", "message-waiting", "out-of-service"}

func (k EventKind) String() string {
	if k > 0 && int(k) < len(eventNames) {
		return eventNames[k]
	}
	return fmt.Sprintf("EventKind(%d)", int(k))
}

// Cause is why an outgoing call failed.
type Cause int

const (
	CauseUnavailable Cause = iota // no route, no answer, network error: reorder tone
	CauseBusy                     // 486/600: busy tone
	CauseRejected                 // 403/603
)

// CallerID is the calling party as a line shows or learns it.
type CallerID struct {
	Number, Name string
	// Private or Unavailable explain a missing number (caller ID absence
	// reasons "P" and "O").
	Private, Unavailable bool
	Time                 time.Time
}

// Event is one input to a line machine.
type Event struct {
	Kind     EventKind
	Digit    byte
	Number   string
	CallerID CallerID
	Cause    Cause
	On       bool
	// Waiting marks an event about the waiting call of call waiting
	// (a RemoteHangup: the waiting caller gave up).
	Waiting bool
	// Cadence, for an IncomingCall on an FXS line, is a distinctive ring
	// pattern: ring, pause, ring, pause, ... (nil = RingOn, RingOff).
	Cadence []time.Duration
	// OOS, for an OutOfService event with On set, is what the phone gets
	// while the port is out of service (FXSOOSBehavior). It travels with
	// the event rather than in FXSConfig because a line takes a new
	// configuration only when idle, and the port may go out of service in
	// a call.
	OOS OOSBehavior
}

// OOSBehavior is what a phone on an out-of-service FXS port gets, with the
// values of FXSOOSBehavior. In every case calls to the port are refused and
// a call the phone dials is refused with reorder tone.
type OOSBehavior int

const (
	OOSNone              OOSBehavior = iota // dial tone as usual
	OOSReorder                              // reorder tone on off-hook instead of dial tone
	OOSPolarity                             // line polarity reversed while out of service
	OOSReorderPolarity                      // both
	OOSCurrentDisconnect                    // loop current cut: the phone seems dead
)

var oosNames = [...]string{"none", "reorder", "polarity", "reorder+polarity", "current-disconnect"}

func (b OOSBehavior) String() string {
	if b >= 0 && int(b) < len(oosNames) {
		return oosNames[b]
	}
	return fmt.Sprintf("OOSBehavior(%d)", int(b))
}

// Tone is the call progress tone a machine wants played toward the phone
// or line; the adapter maps it to the configured tone set.
type Tone int

const (
	NoTone Tone = iota
	DialTone
	RingbackTone
	BusyTone
	ReorderTone
	HowlerTone // off-hook warning
	StutterDialTone
	CallWaitingTone
	ConfirmationTone
)

var toneNames = [...]string{"none", "dial", "ringback", "busy", "reorder", "howler", "stutter-dial", "call-waiting", "confirmation"}

func (t Tone) String() string {
	if t >= 0 && int(t) < len(toneNames) {
		return toneNames[t]
	}
	return fmt.Sprintf("Tone(%d)", int(t))
}

// ActionKind is an output of a line machine.
type ActionKind int

const (
	// Toward the port.
	PlayTone     ActionKind = iota + 1 // play Action.Tone (NoTone stops)
	SetRing                            // FXS: ringing voltage Action.On
	SendCallerID                       // FXS: send Action.CallerID now (type 1 on hook; Action.On: type 2, off hook)
	SendCAS                            // FXS: the CPE alerting signal before type 2 caller ID
	SetPolarity                        // FXS: reversed = Action.On
	SetMWI                             // FXS: message waiting lamp Action.On, and VMWI sent on hook
	Seize                              // FXO: off hook = Action.On
	DialDigits                         // FXO: send Action.Number as DTMF on the line
	PlayDigit                          // play Action.Digit as DTMF (received from the far end)
	Media                              // connect (Action.On) or cut the voice path

	// Toward the network.
	PlaceCall // call Action.Number, with Action.CallerID for FXO
	Answer    // answer the incoming call
	Hangup    // end or cancel the call, or refuse it while ringing
	RejectBusy
	SendDigit // send Action.Digit to the far end (per DTMFTransportType)
	SendFlash // hook flash during a call
	Transfer  // transfer the held far end to Action.Number (blind); CallFailed if refused

	// Kept last so the values above do not move.
	SetLoopCurrent    // FXS: feed loop current (Action.On) or cut it
	RejectUnavailable // refuse the call offered: the line is out of service

	// Three-way conference (FXS, toward a Conferencer).
	ConsultCall          // call Action.Number while the held far end stays held
	Conference           // resume the held far end and mix all three
	Retrieve             // drop the consultation call and take the held far end back
	TransferConsultation // the phone hung up: transfer the held far end to the consulted party
)

var actionNames = [...]string{"", "play-tone", "set-ring", "send-caller-id", "send-cas", "set-polarity", "set-mwi", "seize",
	"dial-digits", "play-digit", "media", "place-call", "answer", "hangup", "reject-busy", "send-digit", "send-flash", "transfer",
	"set-loop-current", "reject-unavailable", "consult-call", "conference", "retrieve", "transfer-consultation"}

func (k ActionKind) String() string {
	if k > 0 && int(k) < len(actionNames) {
		return actionNames[k]
	}
	return fmt.Sprintf("ActionKind(%d)", int(k))
}

// Action is one output of a line machine, for the adapter to carry out.
type Action struct {
	Kind     ActionKind
	Tone     Tone
	On       bool
	Number   string
	Digit    byte
	CallerID CallerID
}

func (a Action) String() string {
	switch a.Kind {
	case PlayTone:
		return "play-tone " + a.Tone.String()
	case SetRing, SetPolarity, SetMWI, Seize, Media, SetLoopCurrent:
		if a.On {
			return a.Kind.String() + " on"
		}
		return a.Kind.String() + " off"
	case PlaceCall, DialDigits, Transfer, ConsultCall:
		return a.Kind.String() + " " + a.Number
	case SendDigit, PlayDigit:
		return a.Kind.String() + " " + string(a.Digit)
	case SendCallerID:
		return a.Kind.String() + " " + a.CallerID.Number
	}
	return a.Kind.String()
}
