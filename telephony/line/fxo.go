package line

import (
	"fmt"
	"time"

	"github.com/potsgate/potsgate/telephony/digitmap"
)

// FXOConfig is the behaviour of an FXO line. Zero values take the defaults
// in parentheses.
type FXOConfig struct {
	// NumberOfRings is FXONumberOfRings: rings before the gateway answers
	// the line in two-stage dialling (0 = at the first ring).
	NumberOfRings int
	// TwoStageDial is IsTwoStageDial: answer the line, play dial tone and
	// collect the number from the caller; otherwise (one stage) call
	// Target at once and answer the line when the far end answers.
	TwoStageDial bool
	// Target is TargetOfChannel, the destination of one-stage calls.
	Target string
	// WaitForDialTone is IsWaitForDialTone: on an outgoing call, dial only
	// after dial tone is detected (failing after DialToneTimeout);
	// otherwise dial WaitForDialTime after seizing.
	WaitForDialTone bool
	WaitForDialTime time.Duration // (1 s)
	DialToneTimeout time.Duration // (5 s)
	// RingTimeout ends an incoming call that stops ringing before it is
	// answered: the caller gave up (8 s).
	RingTimeout time.Duration
	// AnswerOnPolarity: on an outgoing call the network side is answered
	// when the line reverses polarity (answer supervision), not as soon as
	// the number is dialled; the voice path is open meanwhile (early media).
	AnswerOnPolarity bool
	// Disconnect supervision. SilenceTimeout > 0 ends a connected call
	// after that long without sound on the line (EnableSilenceDisconnect,
	// FarEndDisconnectSilencePeriod).
	SilenceTimeout          time.Duration
	DisconnectOnPolarity    bool
	DisconnectOnCurrentLoss bool
	DisconnectOnBusyTone    bool
	// Two-stage digit collection.
	DigitMap          *digitmap.Map
	TimeBetweenDigits time.Duration // (4 s)
	MaxDigits         int           // (30)
}

func (c FXOConfig) withDefaults() FXOConfig {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&c.WaitForDialTime, time.Second)
	def(&c.DialToneTimeout, 5*time.Second)
	def(&c.RingTimeout, 8*time.Second)
	def(&c.TimeBetweenDigits, 4*time.Second)
	if c.MaxDigits == 0 {
		c.MaxDigits = 30
	}
	if c.DigitMap != nil && c.DigitMap.String() == "" {
		c.DigitMap = nil
	}
	return c
}

// FXOState is where an FXO line is.
type FXOState int

const (
	FXOIdle       FXOState = iota
	FXOAlerted             // the line rings; waiting for caller ID or the ring count
	FXOCallingOut          // one stage: the network call is placed, the line still rings
	FXOCollecting          // two stage: line answered, dial tone, collecting digits
	FXOSeized              // outgoing: line seized, waiting to dial
	FXOConnected           // in a call
)

var fxoStateNames = [...]string{"idle", "alerted", "calling-out", "collecting", "seized", "connected"}

func (s FXOState) String() string {
	if s >= 0 && int(s) < len(fxoStateNames) {
		return fxoStateNames[s]
	}
	return fmt.Sprintf("FXOState(%d)", int(s))
}

// FXO is the state machine of an FXO line: a pure value like [FXS].
type FXO struct {
	cfg      FXOConfig
	state    FXOState
	rings    int
	lastRing time.Time
	caller   CallerID
	number   string // to dial on the line (outgoing) or collected (two stage)
	deadline time.Time
	tone     Tone
	fromNet  bool // the call came from the network
	answered bool // the network side of an outgoing call was answered
}

// NewFXO returns an idle line.
func NewFXO(cfg FXOConfig) FXO { return FXO{cfg: cfg.withDefaults()} }

// State is the line's state.
func (m FXO) State() FXOState { return m.state }

// Next applies one event at time now.
func (m FXO) Next(ev Event, now time.Time) (FXO, []Action) {
	var acts []Action
	m.step(&acts, ev, now)
	m.timers(&acts, now)
	return m, acts
}

func (m *FXO) play(acts *[]Action, t Tone) {
	if m.tone != t {
		m.tone = t
		*acts = append(*acts, Action{Kind: PlayTone, Tone: t})
	}
}

func (m *FXO) step(acts *[]Action, ev Event, now time.Time) {
	switch ev.Kind {
	case RingStart:
		switch m.state {
		case FXOIdle:
			m.state, m.rings, m.caller = FXOAlerted, 0, CallerID{}
			fallthrough
		case FXOAlerted, FXOCallingOut:
			m.rings++
			m.lastRing = now
			m.alerted(acts)
		}
	case CallerIDReceived:
		if m.state == FXOAlerted || m.state == FXOCallingOut {
			m.caller = ev.CallerID
		}
	case Digit:
		switch m.state {
		case FXOCollecting:
			m.digit(acts, ev.Digit, now)
		case FXOConnected:
			*acts = append(*acts, Action{Kind: SendDigit, Digit: ev.Digit})
		}
	case IncomingCall: // from the network: dial ev.Number on the line
		if m.state != FXOIdle {
			*acts = append(*acts, Action{Kind: RejectBusy})
			return
		}
		m.state, m.number, m.fromNet = FXOSeized, ev.Number, true
		*acts = append(*acts, Action{Kind: Seize, On: true})
		if m.cfg.WaitForDialTone {
			m.deadline = now.Add(m.cfg.DialToneTimeout)
		} else {
			m.deadline = now.Add(m.cfg.WaitForDialTime)
		}
	case DialToneDetected:
		if m.state == FXOSeized && m.cfg.WaitForDialTone {
			m.dialOut(acts)
		}
	case RemoteAnswered:
		if m.state == FXOCallingOut {
			m.state = FXOConnected
			*acts = append(*acts, Action{Kind: Seize, On: true}, Action{Kind: Media, On: true})
		} else if m.state == FXOCollecting {
			m.state = FXOConnected
			*acts = append(*acts, Action{Kind: Media, On: true})
		}
	case RemoteRinging:
		if m.state == FXOCollecting {
			m.play(acts, RingbackTone)
		}
	case CallFailed, RemoteHangup:
		m.release(acts, false)
	case PolarityReversal:
		switch {
		case m.state == FXOConnected && m.fromNet && !m.answered && m.cfg.AnswerOnPolarity:
			m.answered = true // the called party answered
			*acts = append(*acts, Action{Kind: Answer})
		case m.cfg.DisconnectOnPolarity:
			m.lineDisconnected(acts)
		}
	case SilenceDetected:
		if m.state == FXOConnected && m.cfg.SilenceTimeout > 0 {
			m.lineDisconnected(acts)
		}
	case LoopCurrentLoss:
		if m.cfg.DisconnectOnCurrentLoss {
			m.lineDisconnected(acts)
		}
	case BusyToneDetected:
		if m.cfg.DisconnectOnBusyTone {
			m.lineDisconnected(acts)
		}
	case RemoteDigit:
		if m.state == FXOConnected {
			*acts = append(*acts, Action{Kind: PlayDigit, Digit: ev.Digit})
		}
	}
}

// alerted decides what a ring means: in one stage the network call starts
// at the second ring, so the caller ID sent after the first goes with it;
// in two stage the line is answered after NumberOfRings.
func (m *FXO) alerted(acts *[]Action) {
	if m.state != FXOAlerted {
		return
	}
	if m.cfg.TwoStageDial {
		if m.rings > m.cfg.NumberOfRings || m.cfg.NumberOfRings == 0 {
			m.state = FXOCollecting
			m.number = ""
			*acts = append(*acts, Action{Kind: Seize, On: true})
			m.play(acts, DialTone)
		}
		return
	}
	if m.rings >= 2 {
		m.callOut(acts)
	}
}

func (m *FXO) callOut(acts *[]Action) {
	if m.cfg.Target == "" {
		return // nowhere to send it: let the line ring
	}
	m.state = FXOCallingOut
	*acts = append(*acts, Action{Kind: PlaceCall, Number: m.cfg.Target, CallerID: m.caller})
}

func (m *FXO) digit(acts *[]Action, d byte, now time.Time) {
	m.play(acts, NoTone)
	if d == '#' && m.number != "" && m.cfg.DigitMap.Accepts(m.number) {
		m.placeCollected(acts)
		return
	}
	m.number += string(d)
	r := m.cfg.DigitMap.Match(m.number)
	switch {
	case r.Verdict == digitmap.Complete || len(m.number) >= m.cfg.MaxDigits:
		m.placeCollected(acts)
	case r.Verdict == digitmap.Reject:
		m.play(acts, ReorderTone)
		m.deadline = time.Time{}
	default:
		m.deadline = now.Add(m.cfg.TimeBetweenDigits)
	}
}

func (m *FXO) placeCollected(acts *[]Action) {
	m.deadline = time.Time{}
	*acts = append(*acts, Action{Kind: PlaceCall, Number: m.number, CallerID: m.caller})
}

func (m *FXO) dialOut(acts *[]Action) {
	m.state = FXOConnected
	m.deadline = time.Time{}
	*acts = append(*acts, Action{Kind: DialDigits, Number: m.number})
	if m.cfg.AnswerOnPolarity {
		*acts = append(*acts, Action{Kind: Media, On: true}) // early media until the far end answers
		return
	}
	// Without answer supervision the network call is answered once the
	// number is on the line.
	m.answered = true
	*acts = append(*acts, Action{Kind: Answer}, Action{Kind: Media, On: true})
}

// lineDisconnected is the PBX side hanging up.
func (m *FXO) lineDisconnected(acts *[]Action) {
	if m.state == FXOConnected || m.state == FXOCollecting || m.state == FXOSeized {
		m.release(acts, true)
	}
}

func (m *FXO) release(acts *[]Action, tellNetwork bool) {
	switch m.state {
	case FXOIdle:
		return
	case FXOAlerted:
	case FXOCallingOut:
		if tellNetwork {
			*acts = append(*acts, Action{Kind: Hangup})
		}
	default:
		if tellNetwork {
			*acts = append(*acts, Action{Kind: Hangup})
		}
		if m.state == FXOConnected {
			*acts = append(*acts, Action{Kind: Media, On: false})
		}
		m.play(acts, NoTone)
		*acts = append(*acts, Action{Kind: Seize, On: false})
	}
	m.state, m.deadline, m.fromNet, m.rings, m.answered = FXOIdle, time.Time{}, false, 0, false
}

func (m *FXO) timers(acts *[]Action, now time.Time) {
	// Ringing that stops before an answer: the caller gave up.
	if (m.state == FXOAlerted || m.state == FXOCallingOut) && now.Sub(m.lastRing) >= m.cfg.RingTimeout {
		m.release(acts, true)
		return
	}
	if m.deadline.IsZero() || now.Before(m.deadline) {
		return
	}
	m.deadline = time.Time{}
	switch m.state {
	case FXOSeized:
		if m.cfg.WaitForDialTone { // no dial tone: the line is dead or busy
			*acts = append(*acts, Action{Kind: Seize, On: false}, Action{Kind: Hangup})
			m.state, m.fromNet = FXOIdle, false
			return
		}
		m.dialOut(acts)
	case FXOCollecting:
		if m.cfg.DigitMap == nil && m.number != "" {
			m.placeCollected(acts)
		} else {
			m.play(acts, ReorderTone)
		}
	}
}
