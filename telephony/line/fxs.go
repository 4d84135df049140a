package line

import (
	"fmt"
	"time"

	"github.com/potsgate/potsgate/telephony/digitmap"
)

// FXSConfig is the behaviour of an FXS line, from the provisioning
// parameters of the same names. Zero durations and counts take the
// defaults in parentheses.
type FXSConfig struct {
	DigitMap          *digitmap.Map // DigitMapping; nil = no map
	MaxDigits         int           // MaxDigits (30)
	TimeBetweenDigits time.Duration // TimeBetweenDigits (4 s)
	ShortTimer        time.Duration // the digit map's S timer (2 s)
	TimeForDialTone   time.Duration // TimeForDialTone: dial tone, then off-hook warning (16 s)
	TimeForReorder    time.Duration // busy or reorder tone before the off-hook warning (30 s)
	MinFlashHookTime  time.Duration // MinFlashHookTime: shorter breaks are pulses (90 ms)
	FlashHookPeriod   time.Duration // FlashHookPeriod: longer on-hook is a hang-up (700 ms)
	PulseInterDigit   time.Duration // a make longer than this ends a pulse digit (300 ms)
	RingOn, RingOff   time.Duration // RingOnPeriod, RingOffPeriod (2 s, 4 s)
	CallerID          bool          // EnableCallerID: send caller ID between the first and second ring
	ReversePolarity   bool          // EnableReversalPolarity: reverse on answer, restore on disconnect
	// CurrentDisconnect (EnableCurrentDisconnect, CurrentDisconnectDuration)
	// cuts the loop current this long when the far end hangs up: calling
	// party control, which PBX trunks, answering machines and modems take
	// as the end of the call and hang up on. 0: not sent.
	CurrentDisconnect time.Duration
	CallWaiting       bool          // EnableCallWaiting: alert a caller in a call to a second call
	CallWaitingTone   time.Duration // length of the call waiting tone before the CAS (300 ms)
	Hotline           string        // TargetOfChannel: dial this on off-hook
	HotlineDelay      time.Duration // HotLineToneDuration: dial tone this long before the hotline dials (0 = at once)
	// Transfer (EnableTransfer): a flash in a call holds the far end and
	// gives dial tone; the number dialled then is where the far end is
	// transferred (blind transfer). A second flash takes the call back.
	Transfer bool
	// Conference (Enable3WayConference): the number dialled after a flash
	// in a call is called as a consultation call while the far end stays
	// held; a flash in it joins the three in a conference. With Transfer
	// too, hanging up during the consultation transfers the held far end
	// to the consulted party instead of ending both calls.
	Conference bool
	// OffhookDebounce (OffhookDebounceTiming) is how long a hook state must
	// last to count: a shorter off-hook from idle or ringing, or a shorter
	// on-hook break off hook, is contact bounce and is ignored. An off-hook
	// from idle or ringing takes effect only once it has lasted this long.
	// 0 (the default) debounces nothing here: hardware drivers already do.
	OffhookDebounce time.Duration
}

func (c FXSConfig) withDefaults() FXSConfig {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	if c.MaxDigits == 0 {
		c.MaxDigits = 30
	}
	if c.DigitMap != nil && c.DigitMap.String() == "" {
		c.DigitMap = nil
	}
	def(&c.TimeBetweenDigits, 4*time.Second)
	def(&c.ShortTimer, 2*time.Second)
	def(&c.TimeForDialTone, 16*time.Second)
	def(&c.TimeForReorder, 30*time.Second)
	def(&c.MinFlashHookTime, 90*time.Millisecond)
	def(&c.FlashHookPeriod, 700*time.Millisecond)
	def(&c.PulseInterDigit, 300*time.Millisecond)
	def(&c.RingOn, 2*time.Second)
	def(&c.RingOff, 4*time.Second)
	def(&c.CallWaitingTone, 300*time.Millisecond)
	return c
}

// FXSState is where an FXS line is.
type FXSState int

const (
	FXSIdle         FXSState = iota // on hook, no call
	FXSRinging                      // incoming call, ringing the phone
	FXSDialTone                     // off hook, dial tone, no digit yet
	FXSDigits                       // collecting digits
	FXSCalling                      // outgoing call placed, no answer yet
	FXSConnected                    // in a call
	FXSDisconnected                 // busy or reorder tone after a call ended or failed
	FXSHowler                       // off-hook warning
	FXSTransferDial                 // far end held, dial tone: collecting the transfer or consultation target
	FXSTransferring                 // transfer asked of the network, waiting for its outcome
	// FXSCurrentOff is off hook on a port out of service with its loop
	// current cut (OOSCurrentDisconnect): the phone hears nothing and
	// nothing it dials counts.
	FXSCurrentOff
	// Three-way conference (Conference): the first far end is held while
	// the phone calls a second one (the consultation call).
	FXSConsultCalling // consultation call placed, not answered yet
	FXSConsulting     // talking to the consulted party; the first is held
	FXSConsultFailed  // the consultation call failed or ended: busy or reorder, the first still held
	FXSConference     // all three talk, mixed by the network
)

var fxsStateNames = [...]string{"idle", "ringing", "dial-tone", "digits", "calling", "connected", "disconnected", "howler",
	"transfer-dial", "transferring", "current-off", "consult-calling", "consulting", "consult-failed", "conference"}

func (s FXSState) String() string {
	if s >= 0 && int(s) < len(fxsStateNames) {
		return fxsStateNames[s]
	}
	return fmt.Sprintf("FXSState(%d)", int(s))
}

// cwStep is where a call waiting alert is.
type cwStep int

const (
	cwNone cwStep = iota
	cwTone        // the call waiting tone is playing
	cwAck         // CAS sent; waiting for the phone's DTMF A or D
)

// Type 2 caller ID timing (GR-30): the CAS lasts 80 ms and the phone
// acknowledges within 160 ms after it.
const (
	casDuration = 80 * time.Millisecond
	ackWindow   = 160 * time.Millisecond
)

// timerUse says what a machine's deadline is for.
type timerUse int

const (
	noTimer timerUse = iota
	timerDialTone
	timerHotline
	timerDigits // TimeBetweenDigits with nothing matched in full: reject (or dial without a map)
	timerComplete
	timerReorder
)

// FXS is the state machine of an FXS line: a pure value. Next returns the
// next value and the actions to carry out; it never blocks and never reads
// the clock.
type FXS struct {
	cfg      FXSConfig
	state    FXSState
	digits   string
	caller   CallerID
	deadline time.Time
	timer    timerUse
	// cpcUntil is when the disconnect pulse of CurrentDisconnect ends;
	// zero: none sent now.
	cpcUntil time.Time

	// Hook timing: an on-hook is a pulse, a flash or a hang-up depending on
	// how long it lasts.
	onHookSince time.Time // zero when off hook (or idle)
	pulses      int
	lastMake    time.Time
	// offHookSince is an off-hook from idle or ringing not yet lasting
	// OffhookDebounce: the phone still counts as on hook until it does.
	offHookSince time.Time

	// Ringing cadence: steps alternate ring and pause.
	cadence  []time.Duration
	ringStep int
	ringOn   bool
	ringNext time.Time
	cidSent  bool

	mwi bool

	// Call waiting: a second call alerted during a call. cw is the step of
	// the type 2 caller ID exchange: tone, then CAS and the wait for the
	// phone's acknowledgement.
	waiting  bool
	twoCalls bool // the waiting call was taken: a flash swaps the two
	cw       cwStep
	cwAt     time.Time
	cwCaller CallerID

	transferTo string // digits dialled for a transfer

	reversed bool
	tone     Tone

	// Out of service (OutOfService events). The treatment (polarity,
	// loop current, the tone on off-hook) reaches the port when the line
	// is idle, or at once in states without a call; a call in progress
	// goes on as it began.
	oos        bool
	oosMode    OOSBehavior
	currentOff bool // what the port was told
}

// NewFXS returns an idle line.
func NewFXS(cfg FXSConfig) FXS { return FXS{cfg: cfg.withDefaults()} }

// State is the line's state.
func (m FXS) State() FXSState { return m.state }

// withConfig is an idle machine (FXSIdle) on a new configuration. It keeps
// what outlives a call: what the port was told (message waiting lamp, tone,
// polarity), so the lamp is neither lost nor set again, and an off-hook
// still being debounced, so a phone picked up just then still gets dial
// tone (or answers the call that comes).
func (m FXS) withConfig(cfg FXSConfig) FXS {
	n := NewFXS(cfg)
	n.mwi, n.tone, n.reversed = m.mwi, m.tone, m.reversed
	n.offHookSince = m.offHookSince
	n.oos, n.oosMode, n.currentOff = m.oos, m.oosMode, m.currentOff
	return n
}

// OutOfService reports whether the line was told it is out of service.
func (m FXS) OutOfService() bool { return m.oos }

// LoopCurrent reports whether the port feeds loop current (false while an
// out-of-service port has it cut).
func (m FXS) LoopCurrent() bool { return !m.currentOff }

// Digits are the digits collected for the current or last outgoing call.
func (m FXS) Digits() string { return m.digits }

// offHook reports whether the phone is (logically) off hook.
func (m FXS) offHook() bool { return m.state != FXSIdle && m.state != FXSRinging }

// Next applies one event at time now.
func (m FXS) Next(ev Event, now time.Time) (FXS, []Action) {
	var acts []Action
	m.settleOffHook(&acts, now)
	m.step(&acts, ev, now)
	m.timers(&acts, now)
	return m, acts
}

// settleOffHook acts on a debounced off-hook that has lasted
// OffhookDebounce by now. It runs before the event, so the event finds the
// phone off hook (an IncomingCall then is refused busy, not rung). The
// off-hook counts as happening now: dial tone and its timer, or the
// answer, start from here.
func (m *FXS) settleOffHook(acts *[]Action, now time.Time) {
	if !m.offHookSince.IsZero() && now.Sub(m.offHookSince) >= m.cfg.OffhookDebounce {
		m.offHookSince = time.Time{}
		m.hookOff(acts, now)
	}
}

func (m *FXS) play(acts *[]Action, t Tone) {
	if m.tone != t {
		m.tone = t
		*acts = append(*acts, Action{Kind: PlayTone, Tone: t})
	}
}

func (m *FXS) setTimer(use timerUse, at time.Time) { m.timer, m.deadline = use, at }

func (m *FXS) step(acts *[]Action, ev Event, now time.Time) {
	switch ev.Kind {
	case HookOff:
		if m.cfg.OffhookDebounce > 0 && !m.offHook() {
			if m.offHookSince.IsZero() {
				m.offHookSince = now // decided in timers once it has lasted
			}
			return
		}
		m.hookOff(acts, now)
	case HookOn:
		if !m.offHook() {
			m.offHookSince = time.Time{} // a bounce: the off-hook never counted
			return
		}
		if m.onHookSince.IsZero() {
			m.onHookSince = now // decided by its length: see hookOff and timers
		}
	case HookFlash:
		m.flash(acts, now)
	case PulseDigit:
		m.digit(acts, ev.Digit, now)
	case Digit:
		if m.cw == cwAck && (ev.Digit == 'A' || ev.Digit == 'D') {
			// The phone acknowledged the CAS: it wants type 2 caller ID.
			m.cw = cwNone
			*acts = append(*acts, Action{Kind: SendCallerID, On: true, CallerID: m.cwCaller})
			return
		}
		if m.onHookSince.IsZero() {
			m.digit(acts, ev.Digit, now)
		}
	case IncomingCall:
		if m.oos {
			// The gateway refuses calls to an out-of-service port itself;
			// this is for one that crossed the OutOfService event, and for
			// a second call next to a call in progress.
			*acts = append(*acts, Action{Kind: RejectUnavailable})
			return
		}
		if m.state == FXSConnected && m.cfg.CallWaiting && !m.waiting {
			m.waiting, m.cwCaller = true, ev.CallerID
			m.cw, m.cwAt = cwTone, now.Add(m.cfg.CallWaitingTone)
			m.tone = NoTone // a burst: play it even if it played before
			m.play(acts, CallWaitingTone)
			return
		}
		if m.state != FXSIdle {
			*acts = append(*acts, Action{Kind: RejectBusy})
			return
		}
		m.state, m.caller, m.cidSent = FXSRinging, ev.CallerID, false
		m.cadence = ev.Cadence
		if len(m.cadence) < 2 || len(m.cadence)%2 != 0 {
			m.cadence = []time.Duration{m.cfg.RingOn, m.cfg.RingOff}
		}
		m.ringStep = 0
		m.startRing(acts, now)
	case RemoteRinging:
		if m.state == FXSCalling || m.state == FXSConsultCalling {
			m.play(acts, RingbackTone)
		}
	case RemoteAnswered:
		if m.state == FXSConsultCalling {
			m.state = FXSConsulting
			m.play(acts, NoTone)
			return
		}
		if m.state == FXSCalling {
			m.state = FXSConnected
			m.play(acts, NoTone)
			*acts = append(*acts, Action{Kind: Media, On: true})
			if m.cfg.ReversePolarity {
				m.setPolarity(acts, true)
			}
		}
	case CallFailed:
		if m.state == FXSTransferring {
			// The transfer was refused: the network took the call back.
			m.state = FXSConnected
			m.play(acts, NoTone)
			return
		}
		t := ReorderTone
		if ev.Cause == CauseBusy {
			t = BusyTone
		}
		switch m.state {
		case FXSCalling:
			m.disconnect(acts, t, now)
		case FXSConsultCalling:
			m.consultFailed(acts, t, now)
		}
	case RemoteHangup:
		if ev.Waiting { // the other call (waiting or held) is gone
			m.waiting, m.cw, m.twoCalls = false, cwNone, false
			m.otherGone(acts, now)
			return
		}
		switch m.state {
		case FXSRinging:
			m.stopRing(acts)
			m.state = FXSIdle
			m.idleLine(acts)
		case FXSConsultCalling, FXSConsulting:
			// The consulted party left: the held one is still there.
			m.consultFailed(acts, BusyTone, now)
		case FXSCalling, FXSConnected, FXSTransferDial, FXSTransferring, FXSConsultFailed, FXSConference:
			// (after a transfer the far end leaves: the phone hears it gone)
			*acts = append(*acts, Action{Kind: Media, On: false})
			m.disconnect(acts, BusyTone, now)
			if m.cfg.CurrentDisconnect > 0 {
				m.setCurrent(acts, false) // busy tone is heard once it is back
				m.cpcUntil = now.Add(m.cfg.CurrentDisconnect)
			}
		}
	case RemoteDigit:
		if m.talking() {
			*acts = append(*acts, Action{Kind: PlayDigit, Digit: ev.Digit})
		}
	case MessageWaiting:
		if ev.On != m.mwi {
			m.mwi = ev.On
			*acts = append(*acts, Action{Kind: SetMWI, On: ev.On})
		}
	case OutOfService:
		m.setService(acts, ev.On, ev.OOS, now)
	}
}

// setService takes the line out of service with treatment mode, or (out
// false) back in service. An idle line takes the new treatment at once;
// so does one off hook without a call, for its polarity, so a call it then
// places signals answer by reversal as usual. Ringing and calls go on as
// they began: the line takes the treatment when it is next idle.
func (m *FXS) setService(acts *[]Action, out bool, mode OOSBehavior, now time.Time) {
	if !out {
		mode = OOSNone
	}
	m.oos, m.oosMode = out, mode
	switch m.state {
	case FXSIdle:
		m.idleLine(acts)
	case FXSCurrentOff:
		if !m.cutCurrent() {
			// Loop current is back and the phone is off hook: the port
			// sees it as an off-hook now.
			m.setCurrent(acts, true)
			m.state = FXSIdle
			m.pickUp(acts, now)
			m.setPolarity(acts, m.oosReversed())
		}
	case FXSDialTone, FXSDigits, FXSDisconnected, FXSHowler:
		m.setPolarity(acts, m.oosReversed())
	}
}

// oosReversed reports whether the treatment reverses polarity.
func (m *FXS) oosReversed() bool {
	return m.oos && (m.oosMode == OOSPolarity || m.oosMode == OOSReorderPolarity)
}

// cutCurrent reports whether the treatment cuts loop current.
func (m *FXS) cutCurrent() bool { return m.oos && m.oosMode == OOSCurrentDisconnect }

func (m *FXS) setPolarity(acts *[]Action, reversed bool) {
	if m.reversed != reversed {
		m.reversed = reversed
		*acts = append(*acts, Action{Kind: SetPolarity, On: reversed})
	}
}

func (m *FXS) setCurrent(acts *[]Action, on bool) {
	if m.currentOff == on {
		m.currentOff = !on
		*acts = append(*acts, Action{Kind: SetLoopCurrent, On: on})
	}
}

// idleLine gives an idle port the polarity and loop current of the
// service state.
func (m *FXS) idleLine(acts *[]Action) {
	m.setPolarity(acts, m.oosReversed())
	m.setCurrent(acts, !m.cutCurrent())
}

func (m *FXS) hookOff(acts *[]Action, now time.Time) {
	if !m.onHookSince.IsZero() { // back off hook: a pulse or a flash
		d := now.Sub(m.onHookSince)
		m.onHookSince = time.Time{}
		switch {
		case d < m.cfg.OffhookDebounce:
			// Contact bounce: as if the phone never left off hook, so
			// neither a pulse nor a flash.
		case d < m.cfg.MinFlashHookTime:
			if m.state == FXSDialTone || m.state == FXSDigits {
				m.pulses++
				m.lastMake = now
			}
		case d < m.cfg.FlashHookPeriod:
			m.flash(acts, now)
		}
		return
	}
	switch m.state {
	case FXSIdle:
		m.pickUp(acts, now)
	case FXSRinging:
		m.stopRing(acts)
		m.state = FXSConnected
		*acts = append(*acts, Action{Kind: Answer}, Action{Kind: Media, On: true})
	}
}

// pickUp is an idle phone going off hook: dial tone (or the hotline), or
// what an out-of-service port gives instead.
func (m *FXS) pickUp(acts *[]Action, now time.Time) {
	m.digits = ""
	switch {
	case m.cutCurrent():
		m.state = FXSCurrentOff
		return
	case m.oos && (m.oosMode == OOSReorder || m.oosMode == OOSReorderPolarity):
		m.disconnect(acts, ReorderTone, now)
		return
	case m.cfg.Hotline != "" && m.cfg.HotlineDelay == 0:
		m.placeCall(acts, m.cfg.Hotline, now)
		return
	}
	m.state = FXSDialTone
	if m.mwi {
		m.play(acts, StutterDialTone) // messages are waiting
	} else {
		m.play(acts, DialTone)
	}
	if m.cfg.Hotline != "" {
		m.setTimer(timerHotline, now.Add(m.cfg.HotlineDelay))
	} else {
		m.setTimer(timerDialTone, now.Add(m.cfg.TimeForDialTone))
	}
}

func (m *FXS) flash(acts *[]Action, now time.Time) {
	switch {
	case m.state == FXSConnected && (m.cfg.Transfer || m.cfg.Conference) && !m.waiting && !m.twoCalls:
		// The network holds the far end; the phone dials the target.
		*acts = append(*acts, Action{Kind: SendFlash})
		m.state, m.transferTo = FXSTransferDial, ""
		m.play(acts, DialTone)
		m.setTimer(timerDialTone, now.Add(m.cfg.TimeForDialTone))
	case m.state == FXSTransferDial:
		m.resume(acts)
	case m.state == FXSConsulting:
		m.state = FXSConference
		*acts = append(*acts, Action{Kind: Conference})
	case m.state == FXSConsultCalling, m.state == FXSConsultFailed, m.state == FXSConference:
		// Back to the held far end; the consultation call, ringing or
		// joined, is dropped (a flash in a conference drops the party
		// added last, as Bellcore three-way calling does).
		m.state = FXSConnected
		m.setTimer(noTimer, time.Time{})
		m.play(acts, NoTone)
		*acts = append(*acts, Action{Kind: Retrieve})
	case m.state == FXSConnected:
		// With a call waiting, the network answers it and holds the
		// first; with two calls, it swaps them.
		if m.waiting {
			m.twoCalls = true
		}
		m.waiting, m.cw = false, cwNone
		*acts = append(*acts, Action{Kind: SendFlash})
	}
}

// resume leaves transfer dialling: the network takes the held call back.
func (m *FXS) resume(acts *[]Action) {
	m.state = FXSConnected
	m.setTimer(noTimer, time.Time{})
	m.play(acts, NoTone)
	*acts = append(*acts, Action{Kind: SendFlash})
}

// otherGone is the end of the call the phone is not talking in: the
// waiting or held call of call waiting, or either far end of a
// consultation or conference. The phone goes on with the call left.
func (m *FXS) otherGone(acts *[]Action, now time.Time) {
	switch m.state {
	case FXSConsultCalling:
		m.state = FXSCalling // only the consultation call is left
	case FXSConsulting, FXSConference:
		m.state = FXSConnected
	case FXSConsultFailed: // nothing is left
		*acts = append(*acts, Action{Kind: Media, On: false})
		m.disconnect(acts, BusyTone, now)
	}
}

// talking reports whether the phone has a voice path to a far end.
func (m *FXS) talking() bool {
	return m.state == FXSConnected || m.state == FXSConsulting || m.state == FXSConference
}

// consultFailed: the consultation call failed or its party left. The
// phone hears busy or reorder; the first far end stays held until a flash
// takes it back.
func (m *FXS) consultFailed(acts *[]Action, t Tone, now time.Time) {
	m.state = FXSConsultFailed
	m.play(acts, t)
	m.setTimer(timerReorder, now.Add(m.cfg.TimeForReorder))
}

func (m *FXS) digit(acts *[]Action, d byte, now time.Time) {
	switch m.state {
	case FXSConnected, FXSConsulting, FXSConference:
		*acts = append(*acts, Action{Kind: SendDigit, Digit: d})
		return
	case FXSTransferDial:
		m.transferDigit(acts, d, now)
		return
	case FXSDialTone:
		m.state = FXSDigits
		m.play(acts, NoTone)
	case FXSDigits:
	default:
		return
	}
	if d == '#' && m.digits != "" {
		// # ends dialling unless the map expects it as part of a number.
		if r := m.cfg.DigitMap.Match(m.digits + "#"); r.Verdict == digitmap.Reject || m.cfg.DigitMap == nil {
			if m.cfg.DigitMap.Accepts(m.digits) {
				m.placeCall(acts, m.digits, now)
			} else {
				m.disconnect(acts, ReorderTone, now)
			}
			return
		}
	}
	m.digits += string(d)
	r := m.cfg.DigitMap.Match(m.digits)
	switch {
	case r.Verdict == digitmap.Complete:
		m.placeCall(acts, m.digits, now)
	case r.Verdict == digitmap.Reject:
		m.disconnect(acts, ReorderTone, now)
	case len(m.digits) >= m.cfg.MaxDigits:
		if m.cfg.DigitMap.Accepts(m.digits) {
			m.placeCall(acts, m.digits, now)
		} else {
			m.disconnect(acts, ReorderTone, now)
		}
	case r.Verdict == digitmap.CompleteOnTimer && r.Timer == digitmap.ShortTimer:
		m.setTimer(timerComplete, now.Add(m.cfg.ShortTimer))
	case r.Verdict == digitmap.CompleteOnTimer:
		m.setTimer(timerComplete, now.Add(m.cfg.TimeBetweenDigits))
	default: // More
		m.setTimer(timerDigits, now.Add(m.cfg.TimeBetweenDigits))
	}
}

// transferDigit collects the transfer target by the digit map, as a
// number for a call is; a number the map rejects takes the call back.
func (m *FXS) transferDigit(acts *[]Action, d byte, now time.Time) {
	m.play(acts, NoTone)
	if d == '#' && m.transferTo != "" && m.cfg.DigitMap.Match(m.transferTo+"#").Verdict == digitmap.Reject {
		m.transferComplete(acts)
		return
	}
	m.transferTo += string(d)
	r := m.cfg.DigitMap.Match(m.transferTo)
	switch {
	case r.Verdict == digitmap.Complete || len(m.transferTo) >= m.cfg.MaxDigits:
		m.transferComplete(acts)
	case r.Verdict == digitmap.Reject:
		m.resume(acts)
	case r.Verdict == digitmap.CompleteOnTimer && r.Timer == digitmap.ShortTimer:
		m.setTimer(timerComplete, now.Add(m.cfg.ShortTimer))
	case r.Verdict == digitmap.CompleteOnTimer:
		m.setTimer(timerComplete, now.Add(m.cfg.TimeBetweenDigits))
	default:
		m.setTimer(timerDigits, now.Add(m.cfg.TimeBetweenDigits))
	}
}

func (m *FXS) transferComplete(acts *[]Action) {
	if !m.cfg.DigitMap.Accepts(m.transferTo) && m.cfg.DigitMap != nil {
		m.resume(acts)
		return
	}
	m.setTimer(noTimer, time.Time{})
	if m.cfg.Conference {
		m.state = FXSConsultCalling
		*acts = append(*acts, Action{Kind: ConsultCall, Number: m.transferTo})
		return
	}
	m.state = FXSTransferring
	*acts = append(*acts, Action{Kind: Transfer, Number: m.transferTo})
}

// TransferTarget is the number dialled for the last transfer or
// consultation call.
func (m FXS) TransferTarget() string { return m.transferTo }

func (m *FXS) placeCall(acts *[]Action, number string, now time.Time) {
	m.digits = number
	if m.oos { // an out-of-service port places no call
		m.disconnect(acts, ReorderTone, now)
		return
	}
	m.state = FXSCalling
	m.setTimer(noTimer, time.Time{})
	m.play(acts, NoTone)
	*acts = append(*acts, Action{Kind: PlaceCall, Number: number})
}

// disconnect plays busy or reorder tone to a phone left off hook, then the
// off-hook warning.
func (m *FXS) disconnect(acts *[]Action, t Tone, now time.Time) {
	switch m.state {
	case FXSCalling, FXSConnected, FXSTransferDial, FXSTransferring,
		FXSConsultCalling, FXSConsulting, FXSConsultFailed, FXSConference:
		m.setPolarity(acts, false) // the end of a call reversed on answer
	}
	m.state = FXSDisconnected
	m.play(acts, t)
	m.setTimer(timerReorder, now.Add(m.cfg.TimeForReorder))
}

func (m *FXS) startRing(acts *[]Action, now time.Time) {
	m.ringOn = true
	m.ringNext = now.Add(m.cadence[m.ringStep])
	*acts = append(*acts, Action{Kind: SetRing, On: true})
}

// cidPause is the step of the cadence's longest pause: caller ID goes in
// the first one, between the first and second ring (or ring group).
func (m *FXS) cidPause() int {
	best := 1
	for i := 1; i < len(m.cadence); i += 2 {
		if m.cadence[i] > m.cadence[best] {
			best = i
		}
	}
	return best
}

func (m *FXS) stopRing(acts *[]Action) {
	if m.ringOn {
		*acts = append(*acts, Action{Kind: SetRing, On: false})
	}
	m.ringOn, m.ringNext = false, time.Time{}
}

// hangUp is the phone put down for longer than FlashHookPeriod.
func (m *FXS) hangUp(acts *[]Action) {
	switch m.state {
	case FXSConsultCalling, FXSConsulting:
		if m.cfg.Transfer {
			// Hanging up hands the held far end to the consulted party.
			*acts = append(*acts, Action{Kind: TransferConsultation}, Action{Kind: Media, On: false})
			break
		}
		fallthrough
	case FXSCalling, FXSConnected, FXSTransferDial, FXSTransferring, FXSConsultFailed, FXSConference:
		*acts = append(*acts, Action{Kind: Hangup})
		if m.state != FXSCalling {
			*acts = append(*acts, Action{Kind: Media, On: false})
		}
	}
	m.setPolarity(acts, m.oosReversed())
	m.play(acts, NoTone)
	m.state = FXSIdle
	m.pulses = 0
	m.waiting, m.cw, m.twoCalls = false, cwNone, false
	m.setTimer(noTimer, time.Time{})
	m.cpcUntil = time.Time{}
	m.setCurrent(acts, !m.cutCurrent())
}

// timers acts on every deadline that has passed by now.
func (m *FXS) timers(acts *[]Action, now time.Time) {
	if !m.onHookSince.IsZero() && now.Sub(m.onHookSince) >= m.cfg.FlashHookPeriod {
		m.onHookSince = time.Time{}
		m.hangUp(acts)
		return
	}
	if !m.cpcUntil.IsZero() && !now.Before(m.cpcUntil) {
		m.cpcUntil = time.Time{}
		m.setCurrent(acts, !m.cutCurrent())
	}
	if m.pulses > 0 && m.onHookSince.IsZero() && now.Sub(m.lastMake) >= m.cfg.PulseInterDigit {
		n := m.pulses
		m.pulses = 0
		if n <= 10 {
			m.digit(acts, byte('0'+n%10), now)
		}
	}
	if m.state == FXSRinging && !m.ringNext.IsZero() && !now.Before(m.ringNext) {
		m.ringStep = (m.ringStep + 1) % len(m.cadence)
		if m.ringStep%2 == 0 {
			m.startRing(acts, now)
		} else {
			m.ringOn = false
			m.ringNext = now.Add(m.cadence[m.ringStep])
			*acts = append(*acts, Action{Kind: SetRing, On: false})
			if !m.cidSent && m.ringStep == m.cidPause() && m.cfg.CallerID {
				m.cidSent = true
				*acts = append(*acts, Action{Kind: SendCallerID, CallerID: m.caller})
			}
		}
	}
	if m.cw != cwNone && !now.Before(m.cwAt) {
		switch {
		case m.cw == cwTone && m.cfg.CallerID:
			m.cw, m.cwAt = cwAck, now.Add(casDuration+ackWindow)
			*acts = append(*acts, Action{Kind: SendCAS})
		default: // no caller ID, or no acknowledgement: the phone does not do type 2
			m.cw = cwNone
		}
	}
	if m.timer == noTimer || now.Before(m.deadline) {
		return
	}
	use := m.timer
	m.setTimer(noTimer, time.Time{})
	switch use {
	case timerDialTone:
		if m.state == FXSDialTone {
			m.state = FXSHowler
			m.play(acts, HowlerTone)
		}
		if m.state == FXSTransferDial {
			m.resume(acts) // nothing dialled: back to the held call
		}
	case timerHotline:
		if m.state == FXSDialTone {
			m.placeCall(acts, m.cfg.Hotline, now)
		}
	case timerComplete:
		if m.state == FXSDigits {
			m.placeCall(acts, m.digits, now)
		}
		if m.state == FXSTransferDial {
			m.transferComplete(acts)
		}
	case timerDigits:
		if m.state == FXSTransferDial {
			if m.cfg.DigitMap == nil && m.transferTo != "" {
				m.transferComplete(acts)
			} else {
				m.resume(acts)
			}
		}
		if m.state == FXSDigits {
			if m.cfg.DigitMap == nil && m.digits != "" {
				m.placeCall(acts, m.digits, now)
			} else {
				m.disconnect(acts, ReorderTone, now)
			}
		}
	case timerReorder:
		if m.state == FXSDisconnected {
			m.state = FXSHowler
			m.play(acts, HowlerTone)
		}
		if m.state == FXSConsultFailed {
			m.play(acts, HowlerTone) // still held: a flash takes it back
		}
	}
}
