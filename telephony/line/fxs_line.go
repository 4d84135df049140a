package line

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/potsgate/potsgate/hal"
	"github.com/potsgate/potsgate/media/callerid"
	"github.com/potsgate/potsgate/media/echo"
	"github.com/potsgate/potsgate/media/tone"
)

// FXSLineOptions configure an FXSLine. Port and Network are required.
type FXSLineOptions struct {
	Port    hal.FXSPort
	Network Network
	Config  FXSConfig // the configuration the line starts with; see SetConfig
	Tones   tone.Set
	// CallerID is the caller ID standard (Bellcore FSK by default).
	CallerID callerid.Standard
	// Epoch is the time of the first frame (default time.Now()); line time
	// then advances 10 ms per frame, so simulated ports run in simulated
	// time.
	Epoch  time.Time
	Logger *slog.Logger
	// Echo is the line's echo canceller.
	Echo EchoOptions
	// MuteDTMF silences the voice toward the network while a digit the
	// phone dials sounds, for digits sent out of band (RFC 4733) or muted.
	MuteDTMF bool
}

// LoopCurrentPort is an FXS port that can cut its loop current, so a phone
// on an out-of-service port seems dead (OOSCurrentDisconnect). hal.FXSPort
// has no such control: a port without it sends the phone silence while
// the current is meant to be off, and LoopCurrent reports it.
type LoopCurrentPort interface {
	SetLoopCurrent(on bool) error
}

// UnavailableRejecter is a Network that can refuse the call offered to an
// out-of-service line as unavailable (SIP 503) rather than busy. The line
// asks a Network without it for RejectBusy.
type UnavailableRejecter interface {
	RejectUnavailable()
}

// Conferencer is a Network that can hold a consultation call next to the
// held far end and join the three in a conference (Enable3WayConference).
// Its methods follow the rules of Network's. Without it a consultation
// call fails (reorder), a flash then takes the held call back by
// SendFlash, and hanging up ends the call.
type Conferencer interface {
	// Consult calls number while the far end stays held. Its progress
	// comes back as for PlaceCall (RemoteRinging, RemoteAnswered,
	// CallFailed, RemoteHangup); RemoteHangup with Waiting set is the held
	// far end leaving, and also either far end leaving a conference.
	Consult(number string)
	// Conference resumes the held far end and mixes the phone and both
	// far ends, each hearing the other two.
	Conference()
	// Retrieve drops the consultation call, if any, and takes the held
	// far end back (from a conference: drops the consulted party).
	Retrieve()
	// TransferConsultation is the phone hanging up during the
	// consultation: the held far end is transferred to the consulted
	// party (attended once it answered, else to its number); when the
	// transfer fails both calls end.
	TransferConsultation()
}

// FXSLine binds an FXS machine to a hal port: it runs the port frame by
// frame, detects DTMF, plays tones, ringing and caller ID, and carries the
// voice path while a call is connected. One goroutine (Run, or the caller
// of Step) owns it; Deliver, SetConfig, State, OutOfService and
// LoopCurrent may be called from any goroutine.
type FXSLine struct {
	voice
	opts   FXSLineOptions
	m      FXS
	config pendingConfig[FXSConfig]
	state  atomic.Int32
	// oos and currentOff mirror the machine for other goroutines.
	oos, currentOff atomic.Bool
	cid             *callerid.Transmitter
	cas             *callerid.AlertSignal
}

// NewFXSLine returns a line ready to Run.
func NewFXSLine(opts FXSLineOptions) (*FXSLine, error) {
	if opts.Port == nil {
		return nil, errors.New("line: a Port is required")
	}
	v, err := newVoice(opts.Network, opts.Tones, opts.Epoch, opts.Logger)
	if err != nil {
		return nil, err
	}
	v.muteDigits = opts.MuteDTMF
	if v.ec, err = opts.Echo.canceller(); err != nil {
		return nil, err
	}
	return &FXSLine{voice: v, opts: opts, m: NewFXS(opts.Config)}, nil
}

// Deliver queues an event from the network for the line's goroutine.
func (l *FXSLine) Deliver(ctx context.Context, ev Event) error { return l.deliver(ctx, ev) }

// State is the line's state as of the last frame.
func (l *FXSLine) State() FXSState { return FXSState(l.state.Load()) }

// OutOfService reports whether the line was told it is out of service, as
// of the last frame.
func (l *FXSLine) OutOfService() bool { return l.oos.Load() }

// LoopCurrent reports whether the port feeds loop current, as of the last
// frame: false while an out-of-service port has it cut.
func (l *FXSLine) LoopCurrent() bool { return !l.currentOff.Load() }

// Now is the line's time: the epoch plus 10 ms per frame run.
func (l *FXSLine) Now() time.Time { return l.now() }

// SetConfig replaces the line's configuration while it runs. The line
// takes it only when idle (on hook, no call), so a call or dialling in
// progress goes on as configured when it began; an idle line takes it at
// its next Step, before that Step's first event. The message waiting lamp
// and VMWI state are kept.
func (l *FXSLine) SetConfig(c FXSConfig) { l.config.set(c) }

// Run steps the line until ctx ends or the port fails. Real ports pace it;
// a simulated port must be paced by the caller.
func (l *FXSLine) Run(ctx context.Context) error { return run(ctx, l.Step) }

// Step runs one 10 ms frame.
func (l *FXSLine) Step() error {
	start := l.now()
	switch { // the CAS and caller ID own the line while they are sent
	case l.cas != nil:
		clear(l.out)
		if _, done := l.cas.Generate(l.out); done {
			l.cas = nil
		}
	case l.cid != nil:
		clear(l.out)
		if _, done := l.cid.Generate(l.out); done {
			l.cid = nil
		}
	default:
		l.fillOut()
	}
	if !l.m.LoopCurrent() {
		clear(l.out) // no feed, no sound: the phone seems dead
	}
	var err error
	l.halEvents, err = l.opts.Port.Exchange(l.out, l.in, l.halEvents[:0])
	if err := l.exchanged(err); err != nil {
		return err
	}
	for _, e := range l.halEvents {
		at := start.Add(e.Offset)
		switch e.Kind {
		case hal.OffHook:
			l.apply(Event{Kind: HookOff}, at)
		case hal.OnHook:
			l.apply(Event{Kind: HookOn}, at)
		case hal.Flash:
			l.apply(Event{Kind: HookFlash}, at)
		case hal.PulseDigit:
			l.apply(Event{Kind: PulseDigit, Digit: e.Digit}, at)
		}
	}
	l.cancelEcho(l.opts.Port.OffHook())
	if l.opts.Port.OffHook() {
		l.listen(l.apply, start)
	}
	l.finish(l.apply)
	l.state.Store(int32(l.m.State()))
	l.oos.Store(l.m.OutOfService())
	l.currentOff.Store(!l.m.LoopCurrent())
	return nil
}

func (l *FXSLine) apply(ev Event, now time.Time) {
	// A new configuration goes in before the first event that finds the
	// machine idle, so the event (an off-hook, say) already works by it.
	if l.m.State() == FXSIdle {
		if c := l.config.take(); c != nil {
			l.m = l.m.withConfig(*c)
		}
	}
	var acts []Action
	l.m, acts = l.m.Next(ev, now)
	for _, a := range acts {
		if l.common(a) {
			continue
		}
		switch a.Kind {
		case SetRing:
			l.portErr("ring", l.opts.Port.SetRing(a.On))
		case SetPolarity:
			l.portErr("polarity", l.opts.Port.SetPolarity(a.On))
		case RejectUnavailable:
			if n, ok := l.opts.Network.(UnavailableRejecter); ok {
				n.RejectUnavailable()
			} else {
				l.opts.Network.RejectBusy()
			}
		case SetLoopCurrent:
			if p, ok := l.opts.Port.(LoopCurrentPort); ok {
				l.portErr("loop current", p.SetLoopCurrent(a.On))
			}
		case SetMWI:
			l.portErr("mwi", l.opts.Port.SetMWI(a.On))
			if !l.opts.Port.OffHook() { // an on-hook phone also gets VMWI
				l.sendFSK(callerid.Message{Kind: callerid.MessageWaiting, Waiting: a.On}, callerid.Options{})
			}
		case SendCAS:
			l.cas = callerid.NewAlertSignal(0, 0)
		case ConsultCall, Conference, Retrieve, TransferConsultation:
			l.conference(a)
		case SendCallerID:
			l.sendFSK(callerIDMessage(a.CallerID, l.now()), callerid.Options{Type2: a.On})
		}
	}
}

// conference carries out a three-way conference action through the
// Network's Conferencer, or degrades as Conferencer says.
func (l *FXSLine) conference(a Action) {
	c, ok := l.opts.Network.(Conferencer)
	switch {
	case ok && a.Kind == ConsultCall:
		c.Consult(a.Number)
	case ok && a.Kind == Conference:
		c.Conference()
	case ok && a.Kind == Retrieve:
		c.Retrieve()
	case ok:
		c.TransferConsultation()
	case a.Kind == ConsultCall:
		l.log.Warn("no consultation calls on this network", "number", a.Number)
		select { // queued: the machine is still applying this event
		case l.events <- Event{Kind: CallFailed, Cause: CauseUnavailable}:
		default:
		}
	case a.Kind == Retrieve:
		l.opts.Network.SendFlash()
	case a.Kind == TransferConsultation:
		l.opts.Network.Hangup()
	}
}

func (l *FXSLine) sendFSK(m callerid.Message, opts callerid.Options) {
	tx, err := callerid.NewTransmitter(l.opts.CallerID, m, opts)
	if err != nil {
		l.log.Warn("caller ID not sent", "error", err)
		return
	}
	l.cid = tx
}

func callerIDMessage(c CallerID, now time.Time) callerid.Message {
	m := callerid.Message{Number: c.Number, Name: c.Name, Time: c.Time}
	if m.Time.IsZero() {
		m.Time = now
	}
	switch {
	case c.Private:
		m.NumberAbsence, m.NameAbsence = callerid.Private, callerid.Private
	case c.Unavailable || c.Number == "":
		m.NumberAbsence = callerid.Unavailable
	}
	return m
}

// EchoStats returns the echo canceller's counters; ok is false when the
// line has none. It may be called from any goroutine.
// SetFaxMode is called when the call turns out to carry fax or modem
// audio (media/fax heard CNG, CED or V.21): for the rest of the call the
// echo canceller is out of the path (echo.Canceller.Disable) and DTMF is
// neither detected nor muted. Call it only from the line's goroutine:
// from the Network's ReadAudio or WriteAudio.
func (l *FXSLine) SetFaxMode() { l.setFaxMode() }

// FaxMode reports whether the present call is in fax mode; read it on
// the line's goroutine.
func (l *FXSLine) FaxMode() bool { return l.fax }

func (l *FXSLine) EchoStats() (s echo.Stats, ok bool) { return l.echoStats() }
