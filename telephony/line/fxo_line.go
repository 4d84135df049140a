package line

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/potsgate/potsgate/hal"
	"github.com/potsgate/potsgate/media"
	"github.com/potsgate/potsgate/media/callerid"
	"github.com/potsgate/potsgate/media/echo"
	"github.com/potsgate/potsgate/media/tone"
)

// FXOLineOptions configure an FXOLine. Port and Network are required.
type FXOLineOptions struct {
	Port    hal.FXOPort
	Network Network
	Config  FXOConfig // the configuration the line starts with; see SetConfig
	// Tones is the country's tone set: dial tone played to callers in
	// two-stage dialling, and the dial, busy and reorder tones the line
	// listens for.
	Tones tone.Set
	// CallerID is the FSK standard to listen for between rings (Bellcore
	// by default); Epoch and Logger are as for FXSLineOptions.
	CallerID callerid.Standard
	Epoch    time.Time
	Logger   *slog.Logger
	// Echo is the line's echo canceller.
	Echo EchoOptions
	// MuteDTMF is as for FXSLineOptions.
	MuteDTMF bool
}

// FXOLine binds an FXO machine to a hal port: it listens for caller ID
// between rings, for dial and busy tone while it holds the line, and for
// DTMF; it dials with DTMF and carries the voice path. Like FXSLine, one
// goroutine owns it; Deliver, SetConfig and State may be called from any.
type FXOLine struct {
	voice
	opts     FXOLineOptions
	m        FXO
	config   pendingConfig[FXOConfig]
	state    atomic.Int32
	seized   bool
	cid      *callerid.Receiver
	progress *tone.Detector
	quiet    time.Duration // how long the line has been silent while held
}

// silenceEnergy is the mean square below which a frame counts as silence:
// a sine at -45 dBm0.
var silenceEnergy = func() float64 {
	a := media.SineAmplitude(-45)
	return a * a / 2
}()

// NewFXOLine returns a line ready to Run.
func NewFXOLine(opts FXOLineOptions) (*FXOLine, error) {
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
	rx, err := callerid.NewReceiver(opts.CallerID, callerid.ReceiverOptions{})
	if err != nil {
		return nil, err
	}
	var listen []tone.Definition
	for _, t := range []tone.Type{tone.Dial, tone.Busy, tone.Reorder} {
		if d, ok := opts.Tones.Tone(t); ok {
			listen = append(listen, d)
		}
	}
	det, err := tone.NewDetector(-35, listen...)
	if err != nil {
		return nil, fmt.Errorf("line: %w", err)
	}
	return &FXOLine{voice: v, opts: opts, m: NewFXO(opts.Config), cid: rx, progress: det}, nil
}

// Deliver queues an event from the network for the line's goroutine.
func (l *FXOLine) Deliver(ctx context.Context, ev Event) error { return l.deliver(ctx, ev) }

// State is the line's state as of the last frame.
func (l *FXOLine) State() FXOState { return FXOState(l.state.Load()) }

// Now is the line's time.
func (l *FXOLine) Now() time.Time { return l.now() }

// SetConfig replaces the line's configuration while it runs. The line
// takes it only when idle (on hook, no call), so a call in progress goes
// on as configured when it began; an idle line takes it at its next Step,
// before that Step's first event.
func (l *FXOLine) SetConfig(c FXOConfig) { l.config.set(c) }

// Run steps the line until ctx ends or the port fails.
func (l *FXOLine) Run(ctx context.Context) error { return run(ctx, l.Step) }

// Step runs one 10 ms frame.
func (l *FXOLine) Step() error {
	start := l.now()
	l.fillOut()
	var err error
	l.halEvents, err = l.opts.Port.Exchange(l.out, l.in, l.halEvents[:0])
	if err := l.exchanged(err); err != nil {
		return err
	}
	for _, e := range l.halEvents {
		at := start.Add(e.Offset)
		switch e.Kind {
		case hal.RingStart:
			l.apply(Event{Kind: RingStart}, at)
		case hal.RingStop:
			l.apply(Event{Kind: RingStop}, at)
		case hal.PolarityReversal:
			l.apply(Event{Kind: PolarityReversal}, at)
		case hal.LoopCurrentLoss:
			l.apply(Event{Kind: LoopCurrentLoss}, at)
		}
	}
	l.cancelEcho(l.seized)
	if !l.seized {
		// On hook, the line carries caller ID between the rings.
		if l.cid.Process(l.in) {
			for {
				m, ok := l.cid.Next()
				if !ok {
					break
				}
				l.apply(Event{Kind: CallerIDReceived, CallerID: fromMessage(m)}, start)
			}
		}
	} else {
		if t, ok := l.progress.Process(l.in); ok {
			switch t {
			case tone.Dial:
				l.apply(Event{Kind: DialToneDetected}, start)
			case tone.Busy, tone.Reorder:
				l.apply(Event{Kind: BusyToneDetected}, start)
			}
		}
		l.listen(l.apply, start)
		l.silence(start)
	}
	l.finish(l.apply)
	l.state.Store(int32(l.m.State()))
	return nil
}

// silence reports a line that stays silent for the configured period, a
// PBX that hung up without any other signal.
func (l *FXOLine) silence(at time.Time) {
	// The machine's configuration, not opts.Config: SetConfig changes it.
	if l.m.cfg.SilenceTimeout <= 0 || l.m.State() != FXOConnected {
		l.quiet = 0
		return
	}
	var e float64
	for _, v := range l.in {
		e += float64(v) * float64(v)
	}
	if e/float64(len(l.in)) >= silenceEnergy {
		l.quiet = 0
		return
	}
	l.quiet += hal.FrameDuration
	if l.quiet == l.m.cfg.SilenceTimeout.Truncate(hal.FrameDuration) {
		l.apply(Event{Kind: SilenceDetected}, at)
	}
}

func (l *FXOLine) apply(ev Event, now time.Time) {
	// As for FXSLine: a new configuration goes in before the first event
	// that finds the machine idle. An idle FXO machine holds nothing that
	// outlives a call (release resets it and the line is on hook), so a
	// new one takes over.
	if l.m.State() == FXOIdle {
		if c := l.config.take(); c != nil {
			l.m = NewFXO(*c)
		}
	}
	var acts []Action
	l.m, acts = l.m.Next(ev, now)
	for _, a := range acts {
		if l.common(a) {
			continue
		}
		switch a.Kind {
		case Seize:
			l.portErr("hook", l.opts.Port.SetHook(a.On))
			l.seized = a.On
			l.progress.Reset()
			l.detector.Reset()
			l.cid.Reset()
		case DialDigits:
			l.playDigits(a.Number)
		}
	}
}

func fromMessage(m callerid.Message) CallerID {
	return CallerID{
		Number: m.Number, Name: m.Name, Time: m.Time,
		Private:     m.NumberAbsence == callerid.Private,
		Unavailable: m.NumberAbsence == callerid.Unavailable,
	}
}

// EchoStats returns the echo canceller's counters; ok is false when the
// line has none. It may be called from any goroutine.
// SetFaxMode is called when the call turns out to carry fax or modem
// audio (media/fax heard CNG, CED or V.21): for the rest of the call the
// echo canceller is out of the path (echo.Canceller.Disable) and DTMF is
// neither detected nor muted. Call it only from the line's goroutine:
// from the Network's ReadAudio or WriteAudio.
func (l *FXOLine) SetFaxMode() { l.setFaxMode() }

// FaxMode reports whether the present call is in fax mode; read it on
// the line's goroutine.
func (l *FXOLine) FaxMode() bool { return l.fax }

func (l *FXOLine) EchoStats() (s echo.Stats, ok bool) { return l.echoStats() }
